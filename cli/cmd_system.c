/*
 * cmd_system.c - ping, health, migrations and call: the commands over the
 * connection and service RPCs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

int cmd_ping(struct cli *cli, int argc, char **argv)
{
    const char *message = "ping", *count_text = "1";
    const struct cli_opt opts[] = {
        {"message", &message, NULL, false,
         "text the server echoes, at most 4096 bytes (default \"ping\")", "echo"},
        {"count", &count_text, NULL, false, "number of pings, 1 to 1000 (default 1)"},
        {0}};
    const struct cli_command_spec spec = {"ping [--message TEXT] [--count N]",
                                          "Sends Ping requests and prints each round-trip time.",
                                          opts, 0, "ping --count 3"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    char *end;
    long count = strtol(count_text, &end, 10);
    if (*end || !*count_text || count < 1 || count > 1000) {
        fprintf(stderr, "liaison: --count must be 1 to 1000\n");
        return EXIT_USAGE;
    }
    /* Past the frame a connection takes before it logs in, a long one was RESOURCE_EXHAUSTED,
       "try again" (exit 75), where 5,000 bytes were the server's usage error (a try-out). */
    if (strlen(message) > 4096) {
        fprintf(stderr, "liaison: invalid --message: longer than 4096 bytes of UTF-8\n");
        return EXIT_USAGE;
    }
    cli->anonymous = true;
    json_t *results = json_array();
    for (long i = 0; i < count && rc == EXIT_OK; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        json_t *resp;
        rc = cli_call(cli, "Ping", json_pack("{s:s}", "echo", message), &resp);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (rc != EXIT_OK)
            break;
        double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
        /* A table shows hundredths: the clock's nanoseconds are not what a round trip is
         * known to; --json keeps the measure as taken. */
        char shown[32];
        snprintf(shown, sizeof shown, "%.2f", ms);
        json_object_set_new(resp, "roundTripMs",
                            cli->set.json ? json_real(ms) : json_string(shown));
        json_array_append_new(results, resp);
    }
    if (rc == EXIT_OK) {
        static const struct output_column cols[] = {{"ECHO", "echo"},
                                                    {"ROUND TRIP (ms)", "roundTripMs"}};
        if (cli->set.json && count == 1)
            output_json(json_array_get(results, 0));
        else
            cli_print_rows(cli, cols, 2, results);
    }
    json_decref(results);
    return rc;
}

int cmd_health(struct cli *cli, int argc, char **argv)
{
    /* "-" is a distributor user's own distributor, as wherever one is named. */
    if (argc > 1 && (argv[1][0] != '-' || !strcmp(argv[1], "-")))
        return cli_health_distributor(cli, argc, argv);
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "health [DISTRIBUTOR | weights]",
        "Shows whether the server reaches its database, the schema version\n"
        "and the server's version. Exit code 6 when the database is down.\n"
        "With a distributor: its relationship health ('liaison health D --help');\n"
        "'health weights': the tenant's health weights.",
        opts, 0, "health"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
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
        static const struct output_column cols[] = {{"database ok", "databaseOk", OUTPUT_BOOL},
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
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {CLI_PAGING_OPTS(page), {0}};
    const struct cli_command_spec spec = {
        "migrations list [--page-size N] [--cursor C] [--all]",
        "Lists the schema migrations the server's database has applied (operators).", opts, 0,
        "migrations list --all"};
    const char *verb = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &verb, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (!verb || strcmp(verb, "list")) {
        fprintf(stderr, "liaison: usage: liaison migrations list [OPTIONS]\n");
        return EXIT_USAGE;
    }
    return cli_list(cli, "ListMigrations", json_object(), "migrations", cols, 3, &page);
}

int cmd_call(struct cli *cli, int argc, char **argv)
{
    static const char help[] =
        "Usage: liaison call METHOD [JSON | -]\n"
        "Calls any RPC of proto/liaison.proto by name. The request is a JSON object in\n"
        "protobuf's canonical JSON mapping, given as an argument or read from standard\n"
        "input with '-' (default {}). The response is printed as JSON. 'liaison methods\n"
        "METHOD' lists a request's fields.\n"
        "\nExample:\n  $ liaison call GetDistributor '{\"id\": \"1\"}'\n";
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(help, stdout);
        return EXIT_OK;
    }
    if (argc < 2 || argc > 3) {
        fputs(help, stderr);
        return EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        if (!cli_utf8_valid(argv[i])) {
            fprintf(stderr, "liaison: argument %d: not valid UTF-8\n", i);
            return EXIT_USAGE;
        }
    }
    char similar[256];
    cli_method_suggest(argv[1], similar, sizeof similar);
    if (strcmp(similar, argv[1]) != 0) {
        fprintf(stderr, "liaison: unknown method '");
        output_escaped(stderr, argv[1]);
        fprintf(stderr, "'%s%s (see 'liaison methods')\n", similar[0] ? "; did you mean " : "",
                similar);
        return EXIT_USAGE;
    }
    json_t *req = NULL;
    if (argc == 3) {
        json_error_t jerr;
        /* A NUL is passed on so that the library can name the field that holds it. */
        req = !strcmp(argv[2], "-")
                  ? cli_json_input("-", JSON_ALLOW_NUL, &jerr)
                  : json_loads(argv[2], JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
        if (!req) {
            fprintf(stderr, "liaison: request is not valid JSON: %s\n", jerr.text);
            return EXIT_USAGE;
        }
    }
    json_t *resp;
    int rc = cli_call(cli, argv[1], req, &resp);
    if (rc == EXIT_USAGE && !cli->set.json)
        cli_method_fields(stderr, argv[1]);
    if (rc != EXIT_OK)
        return rc;
    output_json(resp);
    json_decref(resp);
    return EXIT_OK;
}
