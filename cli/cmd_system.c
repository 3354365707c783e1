/*
 * cmd_system.c - ping, health, migrations and call: the commands over the
 * connection and service RPCs.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* Parses only --help for commands that take no options. Returns -1 when
 * help was printed, 0 to go on, or an exit code. */
static int simple_opts(int argc, char **argv, const char *help)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (ch == 'h') {
            fputs(help, stdout);
            return -1;
        }
        fputs(help, stderr);
        return EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "liaison: unexpected argument '%s'\n%s", argv[optind], help);
        return EXIT_USAGE;
    }
    return 0;
}

int cmd_ping(struct cli *cli, int argc, char **argv)
{
    static const char help[] = "Usage: liaison ping [--message TEXT] [--count N]\n"
                               "Sends Ping requests and prints each round-trip time.\n"
                               "  --message TEXT  text the server echoes (default \"ping\")\n"
                               "  --count N       number of pings, 1 to 1000 (default 1)\n";
    static const struct option opts[] = {{"message", required_argument, NULL, 'm'},
                                         {"count", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *message = "ping";
    long count = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "m:c:h", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 'm':
            message = optarg;
            break;
        case 'c':
            errno = 0;
            count = strtol(optarg, &end, 10);
            if (errno || *end || count < 1 || count > 1000) {
                fprintf(stderr, "liaison: --count must be 1 to 1000\n");
                return EXIT_USAGE;
            }
            break;
        case 'h':
            fputs(help, stdout);
            return EXIT_OK;
        default:
            fputs(help, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "liaison: unexpected argument '%s'\n%s", argv[optind], help);
        return EXIT_USAGE;
    }
    cli->anonymous = true;
    json_t *results = json_array();
    int rc = EXIT_OK;
    for (long i = 0; i < count && rc == EXIT_OK; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        json_t *resp;
        rc = cli_call(cli, "Ping", json_pack("{s:s}", "echo", message), &resp);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (rc != EXIT_OK)
            break;
        double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
        json_object_set_new(resp, "roundTripMs", json_real(ms));
        json_array_append_new(results, resp);
    }
    if (rc == EXIT_OK) {
        if (cli->set.json) {
            output_json(count == 1 ? json_array_get(results, 0) : results);
        } else {
            static const struct output_column cols[] = {{"ECHO", "echo"},
                                                        {"ROUND TRIP (ms)", "roundTripMs"}};
            output_table(cols, 2, results);
        }
    }
    json_decref(results);
    return rc;
}

int cmd_health(struct cli *cli, int argc, char **argv)
{
    int rc = simple_opts(argc, argv,
                         "Usage: liaison health\n"
                         "Shows whether the server reaches its database, the schema version\n"
                         "and the server's version. Exit code 6 when the database is down.\n");
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    cli->anonymous = true;
    json_t *resp;
    rc = cli_call(cli, "GetHealth", NULL, &resp);
    if (rc != EXIT_OK)
        return rc;
    if (cli->set.json) {
        output_json(resp);
    } else {
        static const struct output_column cols[] = {{"database ok", "databaseOk"},
                                                    {"schema version", "schemaVersion"},
                                                    {"database time", "databaseTime"},
                                                    {"server version", "serverVersion"}};
        output_fields(cols, 4, resp);
    }
    json_decref(resp);
    return EXIT_OK;
}

int cmd_migrations(struct cli *cli, int argc, char **argv)
{
    static const struct output_column cols[] = {
        {"VERSION", "version"}, {"NAME", "name"}, {"APPLIED AT", "appliedAt"}};
    const char *page_size = NULL, *cursor = NULL;
    bool all = false;
    const struct cli_opt opts[] = {{"page-size", &page_size, NULL, false, "rows per page (1-500)"},
                                   {"cursor", &cursor, NULL, false, "continue from a page"},
                                   {"all", NULL, &all, false, "every page"},
                                   {0}};
    const struct cli_command_spec spec = {
        "migrations list [--page-size N] [--cursor C] [--all]",
        "Lists the schema migrations the server's database has applied (operators).", opts, 0};
    const char *verb = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &verb, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (!verb || strcmp(verb, "list")) {
        fprintf(stderr, "liaison: usage: liaison migrations list [OPTIONS]\n");
        return EXIT_USAGE;
    }
    return cli_list(cli, "ListMigrations", json_object(), "migrations", cols, 3, page_size, cursor,
                    all);
}

int cmd_call(struct cli *cli, int argc, char **argv)
{
    static const char help[] =
        "Usage: liaison call METHOD [JSON | -]\n"
        "Calls any RPC of proto/liaison.proto by name. The request is a JSON object in\n"
        "protobuf's canonical JSON mapping, given as an argument or read from standard\n"
        "input with '-' (default {}). The response is printed as JSON.\n";
    int rc = 0;
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(help, stdout);
        return EXIT_OK;
    }
    if (argc < 2 || argc > 3) {
        fputs(help, stderr);
        return EXIT_USAGE;
    }
    json_t *req = NULL;
    if (argc == 3) {
        json_error_t jerr;
        /* A NUL is passed on so that the library can name the field that holds it. */
        req = !strcmp(argv[2], "-") ? json_loadf(stdin, JSON_ALLOW_NUL, &jerr)
                                    : json_loads(argv[2], JSON_ALLOW_NUL, &jerr);
        if (!req) {
            fprintf(stderr, "liaison: request is not valid JSON: %s\n", jerr.text);
            return EXIT_USAGE;
        }
    }
    json_t *resp;
    rc = cli_call(cli, argv[1], req, &resp);
    if (rc != EXIT_OK)
        return rc;
    output_json(resp);
    json_decref(resp);
    return EXIT_OK;
}
