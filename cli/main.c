/*
 * main.c - the liaison CLI: global options, configuration, the command
 * table and exit codes.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct command {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"ping", cmd_ping, "round trip to the server"},
    {"health", cmd_health, "server and database status"},
    {"migrations", cmd_migrations, "schema migrations applied (list)"},
    {"call", cmd_call, "any RPC by name with a JSON request"},
    {"login", cmd_login, "log in to a tenant and keep the session"},
    {"logout", cmd_logout, "end the saved session"},
    {"whoami", cmd_whoami, "who the current credentials are"},
    {"admin", cmd_admin, "platform operator: tenants"},
    {"user", cmd_user, "users of your tenant"},
    {"token", cmd_token, "API tokens of your tenant"},
    {"audit", cmd_audit, "your tenant's audit log"},
    {"product-line", cmd_product_line, "the catalogue's product lines"},
    {"product", cmd_product, "the catalogue's products"},
    {"distributor", cmd_distributor, "distributors"},
    {"contact", cmd_contact, "a distributor's contacts"},
    {"charter", cmd_charter, "the Distributor Relationship Charter"},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "Usage: liaison [OPTIONS] COMMAND [ARGS]\n\nCommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'liaison COMMAND --help' for a command's own options.\n\n"
                 "Options:\n"
                 "  --url URL        server, liaison://host[:port] (env LIAISON_URL;\n"
                 "                   default liaison://127.0.0.1:7443)\n"
                 "  --ca FILE        CA certificate to verify the server (env LIAISON_CA;\n"
                 "                   default: the system's trust store)\n"
                 "  --cert FILE      client certificate (env LIAISON_CERT)\n"
                 "  --key FILE       client key (env LIAISON_KEY)\n"
                 "  --token TOKEN    session, API or operator token (env LIAISON_TOKEN;\n"
                 "                   default: the session saved by 'liaison login')\n"
                 "  --timeout MS     per-request timeout in milliseconds (default 30000)\n"
                 "  --json           print JSON instead of tables\n"
                 "  -h, --help       this text\n"
                 "  -V, --version    print the version\n"
                 "\n"
                 "Settings are read from ~/.config/liaison/config ('url = ...', 'ca = ...',\n"
                 "'cert', 'key', 'timeout'), then the environment, then these options.\n"
                 "'liaison login' saves its session in ~/.config/liaison/session (mode 0600).\n"
                 "\n"
                 "Exit codes: 0 ok, 1 error, 2 usage or invalid argument, 3 not authenticated\n"
                 "or not allowed, 4 not found, 5 conflict, 6 server unavailable or timed out.\n");
}

int cli_exit_code(int code)
{
    switch (code) {
    case LIAISON_OK:
        return EXIT_OK;
    case LIAISON_INVALID_ARGUMENT:
    case LIAISON_OUT_OF_RANGE:
        return EXIT_USAGE;
    case LIAISON_UNAUTHENTICATED:
    case LIAISON_PERMISSION_DENIED:
        return EXIT_AUTH;
    case LIAISON_NOT_FOUND:
        return EXIT_NOT_FOUND;
    case LIAISON_ALREADY_EXISTS:
    case LIAISON_FAILED_PRECONDITION:
    case LIAISON_ABORTED:
        return EXIT_CONFLICT;
    case LIAISON_UNAVAILABLE:
    case LIAISON_DEADLINE_EXCEEDED:
        return EXIT_UNAVAILABLE;
    default:
        return EXIT_ERROR;
    }
}

/* Prints a failure: the server's status object with --json, a line otherwise. */
void cli_print_error(struct cli *cli, int code, const char *response)
{
    json_t *st = response ? json_loads(response, 0, NULL) : NULL;
    if (cli->set.json) {
        if (!st) {
            st = json_object();
            json_object_set_new(st, "code", json_string(liaison_code_name(code)));
            json_object_set_new(st, "message",
                                json_string(cli->conn ? liaison_error(cli->conn) : ""));
        }
        char *s = json_dumps(st, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fprintf(stderr, "%s\n", s ? s : "{}");
        free(s);
    } else {
        /* Messages may quote what other users stored: escaped like table cells. */
        fprintf(stderr, "liaison: %s: ", liaison_code_name(code));
        output_escaped(stderr, cli->conn ? liaison_error(cli->conn) : "");
        fputc('\n', stderr);
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(st, "violations"), i, v)
        {
            const char *field = json_string_value(json_object_get(v, "field"));
            const char *why = json_string_value(json_object_get(v, "description"));
            fputs("  ", stderr);
            output_escaped(stderr, field ? field : "");
            fputs(": ", stderr);
            output_escaped(stderr, why ? why : "");
            fputc('\n', stderr);
        }
    }
    json_decref(st);
}

int cli_open(struct cli *cli)
{
    if (cli->conn)
        return EXIT_OK;
    cli->conn = liaison_new(cli->set.url);
    if (!cli->conn) {
        fprintf(stderr, "liaison: out of memory\n");
        return EXIT_ERROR;
    }
    const struct {
        const char *flag;
        liaison_option opt;
        const char *value;
    } opts[] = {{"--ca", LIAISON_OPT_CA_FILE, cli->set.ca},
                {"--cert", LIAISON_OPT_CERT_FILE, cli->set.cert},
                {"--key", LIAISON_OPT_KEY_FILE, cli->set.key},
                {"--timeout", LIAISON_OPT_REQUEST_TIMEOUT_MS, cli->set.timeout_ms},
                /* A stale saved session must not stop what needs no identity. */
                {"--token", LIAISON_OPT_TOKEN, cli->anonymous ? NULL : cli->set.token},
                {"client name", LIAISON_OPT_CLIENT_NAME, "liaison-cli " LIAISON_VERSION}};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        if (!opts[i].value)
            continue;
        int rc = liaison_set_option(cli->conn, opts[i].opt, opts[i].value);
        if (rc != LIAISON_OK) {
            /* The library judged a setting, not the server: no status code to show. */
            if (cli->set.json)
                cli_print_error(cli, rc, NULL);
            else
                fprintf(stderr, "liaison: %s: %s\n", opts[i].flag, liaison_error(cli->conn));
            return cli_exit_code(rc);
        }
    }
    return EXIT_OK;
}

int cli_connect(struct cli *cli)
{
    int rc = cli_open(cli);
    if (rc != EXIT_OK)
        return rc;
    rc = liaison_connect(cli->conn);
    if (rc != LIAISON_OK) {
        cli_print_error(cli, rc, NULL);
        return cli_exit_code(rc);
    }
    return EXIT_OK;
}

int cli_call(struct cli *cli, const char *method, json_t *request, json_t **out)
{
    *out = NULL;
    char *req = request ? json_dumps(request, JSON_COMPACT) : NULL;
    json_decref(request);
    int rc = cli_connect(cli);
    if (rc != EXIT_OK) {
        free(req);
        return rc;
    }
    char *resp = NULL;
    rc = liaison_call_json(cli->conn, method, req, &resp);
    free(req);
    if (rc != LIAISON_OK) {
        cli_print_error(cli, rc, resp);
        liaison_string_free(resp);
        return cli_exit_code(rc);
    }
    json_error_t jerr;
    *out = json_loads(resp, 0, &jerr);
    liaison_string_free(resp);
    if (!*out) {
        fprintf(stderr, "liaison: unreadable response: %s\n", jerr.text);
        return EXIT_ERROR;
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    enum { OPT_URL = 256, OPT_CA, OPT_CERT, OPT_KEY, OPT_TIMEOUT, OPT_JSON, OPT_TOKEN };
    static const struct option opts[] = {{"url", required_argument, NULL, OPT_URL},
                                         {"ca", required_argument, NULL, OPT_CA},
                                         {"cert", required_argument, NULL, OPT_CERT},
                                         {"key", required_argument, NULL, OPT_KEY},
                                         {"timeout", required_argument, NULL, OPT_TIMEOUT},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {"token", required_argument, NULL, OPT_TOKEN},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {NULL, 0, NULL, 0}};
    struct cli cli = {0};
    if (cli_config_load(&cli.set) < 0) {
        cli_config_free(&cli.set);
        return EXIT_USAGE;
    }
    int ch, rc = EXIT_OK;
    /* '+': options after the command name belong to the command. */
    while ((ch = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
        char **slot = NULL;
        switch (ch) {
        case OPT_URL:
            slot = &cli.set.url;
            break;
        case OPT_CA:
            slot = &cli.set.ca;
            break;
        case OPT_CERT:
            slot = &cli.set.cert;
            break;
        case OPT_KEY:
            slot = &cli.set.key;
            break;
        case OPT_TIMEOUT:
            slot = &cli.set.timeout_ms;
            break;
        case OPT_TOKEN:
            slot = &cli.set.token;
            break;
        case OPT_JSON:
            cli.set.json = true;
            break;
        case 'h':
            usage(stdout);
            cli_config_free(&cli.set);
            return EXIT_OK;
        case 'V':
            printf("liaison %s\n", liaison_version());
            cli_config_free(&cli.set);
            return EXIT_OK;
        default:
            usage(stderr);
            cli_config_free(&cli.set);
            return EXIT_USAGE;
        }
        if (slot) {
            free(*slot);
            *slot = strdup(optarg);
            if (!*slot) {
                cli_config_free(&cli.set);
                return EXIT_ERROR;
            }
        }
    }
    if (optind >= argc) {
        usage(stderr);
        cli_config_free(&cli.set);
        return EXIT_USAGE;
    }
    const struct command *cmd = NULL;
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(commands[i].name, argv[optind]))
            cmd = &commands[i];
    if (!strcmp(argv[optind], "help")) {
        usage(stdout);
    } else if (!cmd) {
        fprintf(stderr, "liaison: unknown command '%s' (see 'liaison --help')\n", argv[optind]);
        rc = EXIT_USAGE;
    } else {
        int sub_argc = argc - optind;
        char **sub_argv = argv + optind;
        optind = 1;
        rc = cmd->run(&cli, sub_argc, sub_argv);
    }
    liaison_free(cli.conn);
    cli_config_free(&cli.set);
    return rc;
}
