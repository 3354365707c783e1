/*
 * main.c - the liaison CLI: global options, configuration, the command
 * table and exit codes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* What people do, in the order --help shows it. */
enum command_group {
    GROUP_SETUP,
    GROUP_CHARTERS,
    GROUP_CADENCE,
    GROUP_CRM,
    GROUP_PEOPLE,
    GROUP_OPERATOR,
    GROUP_TOOLS
};

static const char *const group_titles[] = {"Set up",
                                           "Distributors and charters",
                                           "Meetings and follow-up",
                                           "Customers and deals",
                                           "People and access",
                                           "Operator",
                                           "Tools"};

struct command {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
    const char *summary;
    enum command_group group;
};

static const struct command commands[] = {
    {"login", cmd_login, "log in to a tenant and keep the session", GROUP_SETUP},
    {"logout", cmd_logout, "end the saved session", GROUP_SETUP},
    {"whoami", cmd_whoami, "who the current credentials are", GROUP_SETUP},
    {"health", cmd_health, "server and database status; a distributor's relationship health",
     GROUP_SETUP},
    {"ping", cmd_ping, "round trip to the server", GROUP_SETUP},
    {"product-line", cmd_product_line, "the catalogue's product lines", GROUP_CHARTERS},
    {"product", cmd_product, "the catalogue's products", GROUP_CHARTERS},
    {"distributor", cmd_distributor, "distributors", GROUP_CHARTERS},
    {"contact", cmd_contact, "a distributor's contacts", GROUP_CHARTERS},
    {"charter", cmd_charter, "the Distributor Relationship Charter", GROUP_CHARTERS},
    {"cadence", cmd_cadence, "meeting plan, rotation, fairness and the calendar (ics)",
     GROUP_CADENCE},
    {"meeting", cmd_meeting, "meetings, attendance, notes and their compliance", GROUP_CADENCE},
    {"action", cmd_action, "action items: add, list, show, done, cancel, update", GROUP_CADENCE},
    {"escalation", cmd_escalation, "escalation protocol, requests, answers, concerns",
     GROUP_CADENCE},
    {"handbook", cmd_handbook, "a distributor's operating handbook (Markdown or HTML)",
     GROUP_CHARTERS},
    {"scorecard", cmd_scorecard, "a distributor's scorecard (HTML, with charts)", GROUP_CHARTERS},
    {"account", cmd_account, "key accounts (customers)", GROUP_CRM},
    {"lead", cmd_lead, "leads and deal registration", GROUP_CRM},
    {"interaction", cmd_interaction, "calls, visits, e-mails and messages with customers",
     GROUP_CRM},
    {"crm", cmd_crm, "the tenant's CRM settings", GROUP_CRM},
    {"doc", cmd_doc, "key documents, their versions and translations", GROUP_CRM},
    {"events", cmd_events, "your live events as they happen (JSON lines)", GROUP_CRM},
    {"order", cmd_order, "a distributor's orders: place, list, show, status", GROUP_CRM},
    {"shipment", cmd_shipment, "shipments of orders: add, list, show, status", GROUP_CRM},
    {"report", cmd_report, "monthly reports: open, save, submit, review, reopen, list", GROUP_CRM},
    {"target", cmd_target, "targets per distributor, product line and period", GROUP_CRM},
    {"attainment", cmd_attainment, "attainment, inventory turns and weeks of cover", GROUP_CRM},
    {"plan", cmd_plan, "the joint business plan: new, show, save, propose, approve, reject, list",
     GROUP_CRM},
    {"update", cmd_update, "upstream updates to distributors: draft, publish, list, show, receipts",
     GROUP_CRM},
    {"portfolio", cmd_portfolio, "every distributor's health, worst first", GROUP_CRM},
    {"tenant", cmd_tenant, "your tenant's working time", GROUP_PEOPLE},
    {"user", cmd_user, "users of your tenant", GROUP_PEOPLE},
    {"token", cmd_token, "API tokens of your tenant", GROUP_PEOPLE},
    {"session", cmd_session, "log-in sessions: yours, or a user's (list, end)", GROUP_PEOPLE},
    {"audit", cmd_audit, "your tenant's audit log", GROUP_PEOPLE},
    {"admin", cmd_admin, "platform operator: tenants", GROUP_OPERATOR},
    {"migrations", cmd_migrations, "schema migrations applied (list)", GROUP_OPERATOR},
    {"clock", cmd_clock, "platform operator: the clock time-driven work reads", GROUP_OPERATOR},
    {"jobs", cmd_jobs, "platform operator: the scheduler's jobs, due and failed", GROUP_OPERATOR},
    {"call", cmd_call, "any RPC by name with a JSON request", GROUP_TOOLS},
    {"methods", cmd_methods, "every RPC, and each request's fields", GROUP_TOOLS},
    {"completion", cmd_completion, "shell completion script (bash)", GROUP_TOOLS},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "Usage: liaison [OPTIONS] COMMAND [ARGS]\n");
    for (size_t g = 0; g < sizeof group_titles / sizeof group_titles[0]; g++) {
        fprintf(out, "\n%s:\n", group_titles[g]);
        for (size_t i = 0; i < N_COMMANDS; i++)
            if (commands[i].group == g)
                fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "\nRun 'liaison COMMAND --help' for a command's own options.\n\n"
                 "Example:\n"
                 "  $ liaison login --tenant acme --email ana@acme.example\n"
                 "  $ liaison distributor list -o ids | xargs -n1 liaison charter history\n\n"
                 "Options:\n"
                 "  --url URL        server, liaison://host[:port] (env LIAISON_URL;\n"
                 "                   default: the config file's, else the saved session's,\n"
                 "                   else liaison://127.0.0.1:7443)\n"
                 "  --ca FILE        CA certificate to verify the server (env LIAISON_CA;\n"
                 "                   default: the system's trust store)\n"
                 "  --cert FILE      operator's client certificate (env LIAISON_CERT, or the\n"
                 "                   config file's): the saved session is not sent with it\n"
                 "  --key FILE       client key (env LIAISON_KEY)\n"
                 "  --token TOKEN    session, API or operator token (env LIAISON_TOKEN;\n"
                 "                   default: the session saved by 'liaison login')\n"
                 "  --timeout MS     per-request timeout in milliseconds (default 30000);\n"
                 "                   connecting gives up after it too, or after 10000\n"
                 "  --idempotency-key KEY\n"
                 "                   the key of the command's create (1-255 bytes): the same\n"
                 "                   command with the same key again within 24 hours makes\n"
                 "                   nothing twice and prints what the first made. Without\n"
                 "                   it every create sends a fresh random key, so a create\n"
                 "                   is resent safely when the connection drops; when its\n"
                 "                   answer is lost the key to repeat it with is printed\n"
                 "  --profile NAME   keep several logins side by side (env LIAISON_PROFILE)\n"
                 "  --json           print JSON instead of tables (same as --output json)\n"
                 "  -o, --output FMT table (default), json, or ids: one id per line\n"
                 "  -h, --help       this text\n"
                 "  -V, --version    print the version\n"
                 "\n"
                 "--json, --output and --profile may come anywhere on the line; the others go\n"
                 "before COMMAND. --output is global only with json, table or ids: 'admin tenant\n"
                 "export --output FILE' writes to FILE (write ./json for a file named json).\n"
                 "An option given twice must have one value (of --json and --output the last\n"
                 "wins).\n"
                 "\n"
                 "Settings are read from ~/.config/liaison/config ('url = ...', 'ca = ...',\n"
                 "'cert', 'key', 'timeout'), then the environment, then these options. With\n"
                 "--profile NAME they come from ~/.config/liaison/profiles/NAME/ instead\n"
                 "($XDG_CONFIG_HOME stands for ~/.config when it is set).\n"
                 "'liaison login' saves its session in the profile's folder (file 'session',\n"
                 "mode 0600) with the URL it was made for; it is sent to that server only.\n"
                 "\n"
                 "Exit codes: 0 ok, 1 error, 2 usage or invalid argument, 3 not authenticated\n"
                 "or not allowed, 4 not found, 5 conflict, 6 server unavailable or timed out,\n"
                 "75 rate-limited (EX_TEMPFAIL): run it again after the wait printed (\"try\n"
                 "again in N s\"; --json: retryAfterMs).\n");
}

int cli_exit_code(const struct cli *cli, int code)
{
    /* Rate-limited: the server said how long to wait, so running it again will work. */
    if (code == LIAISON_RESOURCE_EXHAUSTED && cli && cli->conn &&
        liaison_retry_after_ms(cli->conn) > 0)
        return EXIT_TEMPFAIL;
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

/* The option of the current command that one path component (camelCase, [n] cut) names, or NULL. */
static const struct cli_opt *cli_component_option(const char *name, size_t len)
{
    char kebab[128];
    size_t k = 0;
    for (size_t i = 0; i < len && k + 2 < sizeof kebab; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z') {
            kebab[k++] = '-';
            c = (char)(c - 'A' + 'a');
        }
        kebab[k++] = c;
    }
    kebab[k] = '\0';
    /* "distributorId" is --distributor: an option that takes a thing takes its id. */
    size_t klen = strlen(kebab);
    size_t bare = klen > 3 && !strcmp(kebab + klen - 3, "-id")    ? klen - 3
                  : klen > 4 && !strcmp(kebab + klen - 4, "-ids") ? klen - 4
                                                                  : klen;
    /*
     * Options the user gave first: a field that --file and --sales both
     * stand for is --sales when only that was given.
     */
    const struct cli_command_spec *spec = cli_args_spec();
    for (int pass = 0; pass < 2; pass++)
        for (const struct cli_opt *o = spec ? spec->opts : NULL; o && o->name; o++) {
            /* A default of "" is no value given. */
            bool given = (o->value && *o->value && **o->value) || (o->flag && *o->flag);
            /* A flag not given is not what the user got wrong: a typed password is no
             * --password-stdin. */
            if ((pass == 0 || !o->value) && !given)
                continue;
            bool named = false;
            for (const char *f = o->fields; f && *f && !named;) {
                size_t n = strcspn(f, " ");
                named = n == len && !strncmp(f, name, len);
                f += n + (f[n] == ' ');
            }
            if (named || !strcmp(o->name, kebab) ||
                (strlen(o->name) == bare && !strncmp(o->name, kebab, bare)))
                return o;
        }
    return NULL;
}

/*
 * The option of the current command that a violation's field (camelCase,
 * maybe dotted or indexed: "fields.timeZone", "lines[1].quantity") stands
 * for, as "--time-zone" in buf, or "--line, item 2" for the second of a
 * repeated option or of a list. The last component that names an option
 * wins: "lines[1].quantity" is --line when no option is --quantity. When
 * none does, the argument the usage names for it (userId: USER), else the
 * field itself.
 */
static const char *cli_field_option(const char *field, char *buf, size_t cap)
{
    const char *end = field + strlen(field);
    while (end > field) {
        const char *start = end;
        while (start > field && start[-1] != '.')
            start--;
        size_t len = strcspn(start, "[.");
        const struct cli_opt *o = cli_component_option(start, len);
        if (o) {
            long index = start[len] == '[' ? strtol(start + len + 1, NULL, 10) : -1;
            if (index >= 0)
                snprintf(buf, cap, "--%s, item %ld", o->name, index + 1);
            else
                snprintf(buf, cap, "--%s", o->name);
            /*
             * Which part of an item: "--line, item 1 (unit price)", where a
             * bound alone left quantity and price to guess.
             */
            const char *part = strrchr(field, '.');
            if (index >= 0 && part && part > start) {
                size_t at = strlen(buf), n = strcspn(++part, "[");
                if (n > 5 && !strncmp(part + n - 5, "Minor", 5))
                    n -= 5;
                if (n > 2 && !strncmp(part + n - 2, "Id", 2))
                    n -= 2;
                if (at + n + 4 < cap) {
                    buf[at++] = ' ';
                    buf[at++] = '(';
                    for (size_t i = 0; i < n && at + 3 < cap; i++) {
                        if (part[i] >= 'A' && part[i] <= 'Z') {
                            buf[at++] = ' ';
                            buf[at++] = (char)(part[i] - 'A' + 'a');
                        } else {
                            buf[at++] = part[i];
                        }
                    }
                    buf[at++] = ')';
                    buf[at] = '\0';
                }
            }
            return buf;
        }
        end = start > field ? start - 1 : field;
    }
    if (!strcmp(field, "idempotencyKey")) {
        snprintf(buf, cap, "--idempotency-key");
        return buf;
    }
    /* No option: maybe an argument, as the usage names it (userId is USER). */
    const char *last = strrchr(field, '.');
    last = last ? last + 1 : field;
    size_t len = strcspn(last, "[");
    if (len > 2 && !strncmp(last + len - 2, "Id", 2))
        len -= 2;
    char word[64];
    size_t n = 0;
    for (size_t i = 0; i < len && n + 2 < sizeof word; i++) {
        if (i && last[i] >= 'A' && last[i] <= 'Z')
            word[n++] = '_';
        word[n++] = (char)(last[i] >= 'a' && last[i] <= 'z' ? last[i] - 'a' + 'A' : last[i]);
    }
    word[n] = '\0';
    /*
     * The usage names some by their id (seriesId is SERIES_ID), some by the
     * last word (productLineId is LINE in 'target set DISTRIBUTOR LINE').
     */
    char with_id[72];
    snprintf(with_id, sizeof with_id, "%s_ID", word);
    const char *tail = strrchr(word, '_');
    const char *named = !n                                            ? NULL
                        : cli_args_positional_named(word)             ? word
                        : cli_args_positional_named(with_id)          ? with_id
                        : tail && cli_args_positional_named(tail + 1) ? tail + 1
                                                                      : NULL;
    if (named) {
        snprintf(buf, cap, "%s", named);
        return buf;
    }
    return field;
}

/* One line a violation: prefix, the option (or field) it names, why. Escaped like table cells. */
static void print_violations(json_t *violations, const char *prefix)
{
    char opt[160];
    size_t i;
    json_t *v;
    json_array_foreach(violations, i, v)
    {
        const char *field = json_string_value(json_object_get(v, "field"));
        const char *why = json_string_value(json_object_get(v, "description"));
        fputs(prefix, stderr);
        output_escaped(stderr, field ? cli_field_option(field, opt, sizeof opt) : "");
        fputs(": ", stderr);
        output_escaped(stderr, why ? why : "");
        fputc('\n', stderr);
    }
}

/*
 * Prints a failure once, in the user's terms: a violation names the
 * command's option; an UNAUTHENTICATED says how to log in; with --json,
 * the server's status object as it came (each violation with the option
 * it stands for added as "option").
 */
void cli_print_error(struct cli *cli, int code, const char *response)
{
    json_t *st = response ? json_loads(response, 0, NULL) : NULL;
    /* The answer's own: a refusal said after another call (cli_call_unless) is not the last. */
    const char *message = json_string_value(json_object_get(st, "message"));
    if (!message)
        message = cli->conn ? liaison_error(cli->conn) : "";
    json_t *violations = json_object_get(st, "violations");
    /* The way back names the profile in use: `liaison login` logged in to another one. */
    const char *on = cli->set.profile ? " --profile " : "";
    const char *profile = cli->set.profile ? cli->set.profile : "";
    char opt[160];
    size_t i;
    json_t *v;
    if (cli->set.json) {
        if (!st) {
            st = json_object();
            json_object_set_new(st, "code", json_string(liaison_code_name(code)));
            json_object_set_new(st, "message", json_string(message));
        }
        json_array_foreach(violations, i, v)
        {
            const char *field = json_string_value(json_object_get(v, "field"));
            const char *o = field ? cli_field_option(field, opt, sizeof opt) : NULL;
            if (o && o != field)
                json_object_set_new(v, "option", json_string(o));
        }
        char *s = json_dumps(st, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fprintf(stderr, "%s\n", s ? s : "{}");
        free(s);
        json_decref(st);
        return;
    }
    /* Messages may quote what other users stored: escaped like table cells. */
    const char *one =
        json_array_size(violations) == 1
            ? json_string_value(json_object_get(json_array_get(violations, 0), "field"))
            : NULL;
    if (code == LIAISON_INVALID_ARGUMENT && one && *message &&
        cli_field_option(one, opt, sizeof opt) == one) {
        /* A field no option or argument stands for (currentPassword): the server's sentence. */
        fputs("liaison: ", stderr);
        output_escaped(stderr, message);
        fputc('\n', stderr);
    } else if (code == LIAISON_INVALID_ARGUMENT && json_array_size(violations)) {
        print_violations(violations, "liaison: invalid ");
    } else if (code == LIAISON_UNAUTHENTICATED && cli->set.token_from == CLI_TOKEN_NONE &&
               cli->set.cert && *cli->set.cert) {
        /*
         * An operator signing in by certificate has no session to log in
         * to: the server knows no operator of the certificate's common name.
         */
        fputs("liaison: the client certificate identifies no operator of this server "
              "(none of its common name, or revoked; 'liaisond operator create NAME' makes one)\n",
              stderr);
    } else if (code == LIAISON_UNAUTHENTICATED && cli->set.token_from != CLI_TOKEN_GIVEN &&
               cli->operator_cmd) {
        /* Operators do not log in: a saved session is a tenant user's, and never an operator. */
        fprintf(stderr,
                "liaison: 'liaison %s' is the platform operator's: give an operator token "
                "(--token or LIAISON_TOKEN; 'liaisond operator create NAME' makes one) or an "
                "operator certificate (--cert and --key)\n",
                cli->command);
    } else if (code == LIAISON_UNAUTHENTICATED && cli->set.token_from == CLI_TOKEN_NONE) {
        if (cli->set.session_url) {
            fputs("liaison: not logged in to ", stderr);
            output_escaped(stderr, cli->set.url);
            fputs(" (the saved session is for ", stderr);
            output_escaped(stderr, cli->set.session_url);
            fprintf(stderr, " and is sent nowhere else): run `liaison%s%s login`\n", on, profile);
        } else {
            fprintf(stderr, "liaison: not logged in: run `liaison%s%s login`\n", on, profile);
        }
    } else if (code == LIAISON_UNAUTHENTICATED && cli->set.token_from == CLI_TOKEN_SESSION) {
        fprintf(stderr, "liaison: session expired or revoked: run `liaison%s%s login` again\n", on,
                profile);
    } else if (code == LIAISON_UNAUTHENTICATED) {
        fputs("liaison: the token given is not valid (unknown, expired or revoked)\n", stderr);
    } else if (code == LIAISON_PERMISSION_DENIED) {
        fputs("liaison: not allowed: ", stderr);
        output_escaped(stderr, message);
        if (cli->command[0])
            fprintf(stderr, " ('liaison %s')", cli->command);
        fputc('\n', stderr);
    } else if (code == LIAISON_RESOURCE_EXHAUSTED && cli->conn &&
               liaison_retry_after_ms(cli->conn) > 0 && !strstr(message, "try again")) {
        /* A rate limit: whole seconds, rounded up, so that waiting that long is enough. */
        fprintf(stderr, "liaison: %s: ", liaison_code_name(code));
        output_escaped(stderr, message);
        fprintf(stderr, "; try again in %u s\n", (liaison_retry_after_ms(cli->conn) + 999) / 1000);
    } else if (code == LIAISON_UNAVAILABLE && strstr(message, "certificate not trusted")) {
        /* Most often LIAISON_CA not set: say which setting trusts a server's own CA. */
        fprintf(stderr, "liaison: %s: ", liaison_code_name(code));
        output_escaped(stderr, message);
        fputs(" (name the CA that signed it with --ca FILE or LIAISON_CA)\n", stderr);
    } else if (code == LIAISON_UNAVAILABLE && strstr(message, "cannot connect")) {
        fprintf(stderr, "liaison: %s: ", liaison_code_name(code));
        output_escaped(stderr, message);
        fputs(" (is liaisond running there? --url or LIAISON_URL names the server)\n", stderr);
    } else if (code == LIAISON_DEADLINE_EXCEEDED && cli->set.timeout_ms && *cli->set.timeout_ms) {
        /* A timeout the user set is the first thing to look at. */
        fprintf(stderr, "liaison: %s: ", liaison_code_name(code));
        output_escaped(stderr, message);
        fputs(" (each request may take ", stderr);
        output_escaped(stderr, cli->set.timeout_ms);
        fputs(" ms, from --timeout or the 'timeout' setting; the default is 30000)\n", stderr);
    } else {
        /* Here violations are details of the message (each conflict), not a repeat of it. */
        fprintf(stderr, "liaison: %s: ", liaison_code_name(code));
        output_escaped(stderr, message);
        fputc('\n', stderr);
        print_violations(violations, "  ");
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
            return cli_exit_code(cli, rc);
        }
    }
    /*
     * A command connects for its request: a --timeout shorter than the library's 10 s for
     * connecting bounds that too (--timeout 500 against a hung server took 10 s, a try-out).
     * The library took the value above, so it is a number.
     */
    if (cli->set.timeout_ms && strtol(cli->set.timeout_ms, NULL, 10) < 10000 &&
        liaison_set_option(cli->conn, LIAISON_OPT_CONNECT_TIMEOUT_MS, cli->set.timeout_ms) !=
            LIAISON_OK) {
        fprintf(stderr, "liaison: --timeout: %s\n", liaison_error(cli->conn));
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

void cli_print_connect_error(struct cli *cli, int code)
{
    if (code == LIAISON_PERMISSION_DENIED && !cli->set.json &&
        strstr(liaison_error(cli->conn), "suspended")) {
        /*
         * The credentials refused while connecting, whatever the command: the
         * library's "Authenticate refused: the tenant is suspended" names a call
         * the user never made and says nothing of what to do.
         */
        fputs("liaison: not allowed: your organisation (tenant) is suspended on this server; "
              "ask the service's operator\n",
              stderr);
        return;
    }
    cli_print_error(cli, code, NULL);
}

int cli_connect(struct cli *cli)
{
    int rc = cli_open(cli);
    if (rc != EXIT_OK)
        return rc;
    rc = liaison_connect(cli->conn);
    if (rc != LIAISON_OK) {
        cli_print_connect_error(cli, rc);
        return cli_exit_code(cli, rc);
    }
    return EXIT_OK;
}

/*
 * Sets the key of the invocation's next create: --idempotency-key for the
 * first, KEY/2, KEY/3 ... for any after it (so that the whole command
 * repeats safely), else a fresh random one. Returns an exit code.
 */
int cli_create_key(struct cli *cli)
{
    const char *given = cli->set.idempotency_key;
    char key[320];
    if (given && cli->creates > 0)
        snprintf(key, sizeof key, "%s/%d", given, cli->creates + 1);
    else if (given)
        snprintf(key, sizeof key, "%s", given);
    cli->creates++;
    /* The library's words name the request's field (idempotencyKey); these name the option. */
    if (given && strlen(key) > 255) {
        fprintf(stderr,
                "liaison: --idempotency-key: this command's create %d sends the key with '/%d' "
                "added, %zu bytes of the 255 a key may have: give a shorter key\n",
                cli->creates, cli->creates, strlen(key));
        return EXIT_USAGE;
    }
    int rc = liaison_set_idempotency_key(cli->conn, given ? key : NULL);
    if (rc != LIAISON_OK) {
        fprintf(stderr, "liaison: --idempotency-key: %s\n", liaison_error(cli->conn));
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int cli_read_current(struct cli *cli)
{
    int rc = cli_open(cli);
    if (rc != EXIT_OK)
        return rc;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    liaison_set_read_after(cli->conn,
                           (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u);
    return EXIT_OK;
}

json_t *cli_current_fields(struct cli *cli, const char *get_method, json_int_t id, const char *key,
                           const char *const *keys, size_t n, int *rc)
{
    json_t *resp;
    if ((*rc = cli_read_current(cli)) ||
        (*rc = cli_call(cli, get_method, json_pack("{s:I}", "id", id), &resp)))
        return NULL;
    json_t *f = cli_pick(json_object_get(resp, key), keys, n);
    json_decref(resp);
    if (!f) {
        fprintf(stderr, "liaison: out of memory\n");
        *rc = EXIT_ERROR;
    }
    return f;
}

/*
 * Read after every change committed before now (cli_read_current), so that a standby behind the
 * retried move does not hide it.
 */
int cli_status_already(struct cli *cli, const char *get, const char *key, const char *field,
                       json_int_t id, const char *wanted, bool *already)
{
    int rc;
    *already = false;
    if ((rc = cli_read_current(cli)) || (rc = cli_connect(cli)))
        return rc;
    json_t *it = cli_read_quiet(cli, get, id, key);
    const char *now = json_string_value(json_object_get(it, field));
    *already = now && !strcmp(now, wanted);
    json_decref(it);
    return EXIT_OK;
}

json_t *cli_read_quiet(struct cli *cli, const char *method, json_int_t id, const char *key)
{
    if (cli_connect(cli) != EXIT_OK)
        return NULL;
    char req[64], *resp = NULL;
    snprintf(req, sizeof req, "{\"id\":%lld}", (long long)id);
    json_t *out = NULL;
    if (liaison_call_json(cli->conn, method, req, &resp) == LIAISON_OK)
        out = json_loads(resp, 0, NULL);
    liaison_string_free(resp);
    json_t *it = json_incref(json_object_get(out, key));
    json_decref(out);
    return it;
}

int cli_call(struct cli *cli, const char *method, json_t *request, json_t **out)
{
    return cli_call_or_deny(cli, method, request, out, NULL);
}

static int call_said(struct cli *cli, const char *method, json_t *request, json_t **out,
                     const char *denied, int quiet, char **refusal);

int cli_call_or_deny(struct cli *cli, const char *method, json_t *request, json_t **out,
                     const char *denied)
{
    return call_said(cli, method, request, out, denied, LIAISON_OK, NULL);
}

int cli_call_unless(struct cli *cli, const char *method, json_t *request, json_t **out, int quiet,
                    char **refusal)
{
    return call_said(cli, method, request, out, NULL, quiet, refusal);
}

static int call_said(struct cli *cli, const char *method, json_t *request, json_t **out,
                     const char *denied, int quiet, char **refusal)
{
    *out = NULL;
    if (refusal)
        *refusal = NULL;
    char *req = request ? json_dumps(request, JSON_COMPACT) : NULL;
    json_decref(request);
    int rc = cli_connect(cli);
    if (rc != EXIT_OK) {
        free(req);
        return rc;
    }
    if (liaison_method_is_create(method)) {
        rc = cli_create_key(cli);
        if (rc != EXIT_OK) {
            free(req);
            return rc;
        }
    }
    char *resp = NULL;
    rc = liaison_call_json(cli->conn, method, req, &resp);
    free(req);
    if (rc != LIAISON_OK) {
        const char *key = liaison_idempotency_key(cli->conn);
        /* The create may have been made: the key makes trying again safe. */
        if (key[0] && (rc == LIAISON_UNAVAILABLE || rc == LIAISON_DEADLINE_EXCEEDED))
            fprintf(stderr, "liaison: to repeat this create safely: --idempotency-key %s\n", key);
        if (refusal && rc == quiet && resp) {
            *refusal = resp;
            return cli_exit_code(cli, rc);
        }
        if (denied && rc == LIAISON_PERMISSION_DENIED && !cli->set.json)
            fprintf(stderr, "liaison: not allowed: %s\n", denied);
        else
            cli_print_error(cli, rc, resp);
        liaison_string_free(resp);
        return cli_exit_code(cli, rc);
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

/* Global options; the first three may come anywhere on the line. */
enum global_opt {
    G_JSON,
    G_OUTPUT,
    G_PROFILE,
    G_URL,
    G_CA,
    G_CERT,
    G_KEY,
    G_TIMEOUT,
    G_IDEMPOTENCY_KEY,
    G_TOKEN
};

static const struct {
    const char *name;
    enum global_opt id;
    bool takes_value;
    bool anywhere;
} global_opts[] = {{"--json", G_JSON, false, true},
                   {"--output", G_OUTPUT, true, true},
                   {"-o", G_OUTPUT, true, true},
                   {"--profile", G_PROFILE, true, true},
                   {"--url", G_URL, true, false},
                   {"--ca", G_CA, true, false},
                   {"--cert", G_CERT, true, false},
                   {"--key", G_KEY, true, false},
                   {"--timeout", G_TIMEOUT, true, false},
                   {"--token", G_TOKEN, true, false},
                   {"--idempotency-key", G_IDEMPOTENCY_KEY, true, false}};

bool cli_global_option(const char *arg)
{
    size_t len = strcspn(arg, "=");
    for (size_t g = 0; g < sizeof global_opts / sizeof global_opts[0]; g++)
        if (strlen(global_opts[g].name) == len && !strncmp(arg, global_opts[g].name, len))
            return true;
    return false;
}

/*
 * Whether argv[i] (with argv[i + 1] as a separate value) is a global
 * option; *value gets its value and *used how many words it takes. After
 * the command, --output counts only with json, table or ids, so that a
 * command's own --output FILE keeps its meaning.
 */
static int global_match(int argc, char **argv, int i, bool before_command, const char **value,
                        int *used)
{
    const char *a = argv[i];
    for (size_t g = 0; g < sizeof global_opts / sizeof global_opts[0]; g++) {
        size_t n = strlen(global_opts[g].name);
        if (strncmp(a, global_opts[g].name, n) || (!before_command && !global_opts[g].anywhere))
            continue;
        if (!global_opts[g].takes_value) {
            if (a[n])
                continue;
            *used = 1;
            *value = NULL;
        } else if (a[n] == '=' && n > 2) {
            *used = 1;
            *value = a + n + 1;
        } else if (!a[n]) {
            *used = 2;
            *value = i + 1 < argc ? argv[i + 1] : NULL;
        } else {
            continue;
        }
        if (global_opts[g].id == G_OUTPUT && !before_command &&
            (!*value ||
             (strcmp(*value, "json") && strcmp(*value, "table") && strcmp(*value, "ids"))))
            continue;
        return (int)global_opts[g].id;
    }
    return -1;
}

/* Where a global option that takes a value (not --output) keeps it. */
static char **global_slot(struct cli_settings *set, int id)
{
    return id == G_PROFILE           ? &set->profile
           : id == G_URL             ? &set->url
           : id == G_CA              ? &set->ca
           : id == G_CERT            ? &set->cert
           : id == G_KEY             ? &set->key
           : id == G_TIMEOUT         ? &set->timeout_ms
           : id == G_IDEMPOTENCY_KEY ? &set->idempotency_key
                                     : &set->token;
}

/* Sets a global option's value. Returns 0, or an exit code after saying why. */
static int global_apply(struct cli_settings *set, int id, const char *name, const char *value)
{
    if (id == G_JSON) {
        set->json = true;
        set->ids = false;
        return 0;
    }
    if (!value) {
        fprintf(stderr, "liaison: %s needs a value\n", name);
        return EXIT_USAGE;
    }
    if (!cli_utf8_valid(value)) {
        fprintf(stderr, "liaison: %s: not valid UTF-8\n", name);
        return EXIT_USAGE;
    }
    /*
     * "liaison --ca whoami" (an empty $CA): the command was taken for the value. A profile or
     * an idempotency key may be any word ("--profile admin"); a URL, file, time or token not.
     */
    for (size_t i = 0; id != G_PROFILE && id != G_IDEMPOTENCY_KEY && i < N_COMMANDS; i++) {
        if (!strcmp(commands[i].name, value)) {
            fprintf(stderr, "liaison: %s needs a value: '%s' is a command, given after it\n", name,
                    value);
            return EXIT_USAGE;
        }
    }
    if (id == G_OUTPUT) {
        if (strcmp(value, "json") && strcmp(value, "table") && strcmp(value, "ids")) {
            fprintf(stderr, "liaison: --output is json, table or ids\n");
            return EXIT_USAGE;
        }
        set->json = !strcmp(value, "json");
        set->ids = !strcmp(value, "ids");
        return 0;
    }
    if (id == G_PROFILE && !cli_profile_valid(value)) {
        fprintf(stderr, "liaison: --profile: a name of letters, digits, '.', '_' and '-'\n");
        return EXIT_USAGE;
    }
    /* The library takes "" for no key: a create sent so would not be the repeatable one asked for.
     */
    if (id == G_IDEMPOTENCY_KEY && !*value) {
        fprintf(stderr, "liaison: --idempotency-key: 1 to 255 bytes\n");
        return EXIT_USAGE;
    }
    if (id == G_IDEMPOTENCY_KEY && strlen(value) > 255) {
        fprintf(stderr, "liaison: --idempotency-key: 1 to 255 bytes (this one has %zu)\n",
                strlen(value));
        return EXIT_USAGE;
    }
    char **slot = global_slot(set, id);
    char *copy = strdup(value);
    if (!copy) {
        fprintf(stderr, "liaison: out of memory\n");
        return EXIT_ERROR;
    }
    free(*slot);
    *slot = copy;
    if (id == G_TOKEN)
        set->token_from = CLI_TOKEN_GIVEN;
    return 0;
}

/*
 * Takes the global options out of argv: flags first (they name the
 * profile whose settings are read), applied over the configuration after
 * it is read. words[] gets the rest, the command first. Returns 0, -1
 * after --help or --version, or an exit code.
 */
static int global_parse(struct cli *cli, int argc, char **argv, char **words, int *nwords)
{
    struct cli_settings flags = {0};
    int rc = 0;
    bool seen[G_TOKEN + 1] = {false};
    *nwords = 0;
    for (int i = 1; i < argc && rc == 0;) {
        bool before = *nwords == 0;
        if (!strcmp(argv[i], "--")) {
            /* After the command, the rest are its arguments ("--" theirs to see); before it,
               the end of liaison's own options, as getopt has it (it was refused, a try-out). */
            i += before;
            while (i < argc)
                words[(*nwords)++] = argv[i++];
            break;
        }
        const char *value;
        int used, id = global_match(argc, argv, i, before, &value, &used);
        if (id >= 0 && seen[id] && id != G_JSON && id != G_OUTPUT && value &&
            strcmp(*global_slot(&flags, id) ? *global_slot(&flags, id) : "", value)) {
            /*
             * "--profile ana ... --profile bao": which person acts must not hang on
             * which came last. The format is the exception: its last word wins.
             */
            fprintf(stderr, "liaison: %.*s given twice with different values: give it once\n",
                    (int)strcspn(argv[i], "="), argv[i]);
            rc = EXIT_USAGE;
            break;
        }
        if (id >= 0) {
            rc = global_apply(&flags, id, argv[i], value);
            seen[id] = true;
            i += used;
            continue;
        }
        if (before && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
            usage(stdout);
            rc = -1;
        } else if (before && (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version"))) {
            printf("liaison %s\n", liaison_version());
            rc = -1;
        } else if (before && argv[i][0] == '-') {
            fprintf(stderr, "liaison: unknown option '");
            output_echo(stderr, argv[i]);
            fprintf(stderr, "' (see 'liaison --help')\n");
            rc = EXIT_USAGE;
        } else {
            words[(*nwords)++] = argv[i++];
        }
    }
    if (rc == 0 && !seen[G_PROFILE]) {
        const char *env = getenv("LIAISON_PROFILE");
        if (env && *env)
            rc = global_apply(&flags, G_PROFILE, "LIAISON_PROFILE", env);
    }
    if (rc == 0) {
        cli->set.profile = flags.profile;
        flags.profile = NULL;
        if (cli_config_load(&cli->set) < 0)
            rc = EXIT_USAGE;
    }
    char **from[] = {&flags.url,        &flags.ca,    &flags.cert,           &flags.key,
                     &flags.timeout_ms, &flags.token, &flags.idempotency_key};
    char **to[] = {&cli->set.url,        &cli->set.ca,    &cli->set.cert,           &cli->set.key,
                   &cli->set.timeout_ms, &cli->set.token, &cli->set.idempotency_key};
    for (size_t k = 0; rc == 0 && k < sizeof from / sizeof from[0]; k++) {
        if (*from[k]) {
            free(*to[k]);
            *to[k] = *from[k];
            *from[k] = NULL;
        }
    }
    if (rc == 0 && seen[G_TOKEN])
        cli->set.token_from = CLI_TOKEN_GIVEN;
    /* Only flags choose the format: the last of --json and --output wins. */
    cli->set.json = flags.json;
    cli->set.ids = flags.ids;
    cli_config_free(&flags);
    if (rc == 0)
        cli_config_resolve_token(&cli->set);
    return rc;
}

int main(int argc, char **argv)
{
    struct cli cli = {0};
    char **words = calloc((size_t)argc + 1, sizeof *words);
    if (!words) {
        fprintf(stderr, "liaison: out of memory\n");
        return EXIT_ERROR;
    }
    int nwords = 0;
    int rc = global_parse(&cli, argc, argv, words, &nwords);
    const struct command *cmd = NULL;
    if (rc == 0 && nwords == 0) {
        usage(stderr);
        rc = EXIT_USAGE;
    } else if (rc == 0 && !cli_utf8_valid(words[0])) {
        fprintf(stderr, "liaison: the command is not valid UTF-8\n");
        rc = EXIT_USAGE;
    } else if (rc == 0) {
        for (size_t i = 0; i < N_COMMANDS; i++)
            if (!strcmp(commands[i].name, words[0]))
                cmd = &commands[i];
        if (!strcmp(words[0], "help")) {
            usage(stdout);
        } else if (!cmd) {
            const char *names[N_COMMANDS];
            for (size_t i = 0; i < N_COMMANDS; i++)
                names[i] = commands[i].name;
            const char *near = cli_nearest(words[0], names, N_COMMANDS);
            fprintf(stderr, "liaison: unknown command '");
            output_echo(stderr, words[0]);
            if (near)
                fprintf(stderr, "'; did you mean '%s'? (see 'liaison --help')\n", near);
            else
                fprintf(stderr, "' (see 'liaison --help')\n");
            rc = EXIT_USAGE;
        } else {
            snprintf(cli.command, sizeof cli.command, "%s", cmd->name);
            cli.operator_cmd = cmd->group == GROUP_OPERATOR;
            rc = cmd->run(&cli, nwords, words);
            /* Said, as the key promises that a repeat makes nothing twice. */
            bool help = false;
            for (int w = 0; w < nwords; w++)
                help = help || !strcmp(words[w], "--help") || !strcmp(words[w], "-h");
            if (rc == EXIT_OK && cli.set.idempotency_key && !cli.creates && !help)
                fprintf(stderr,
                        "liaison: --idempotency-key was not used: 'liaison %s' sends no create "
                        "that takes one\n",
                        cli.command);
        }
    }
    liaison_free(cli.conn);
    cli_config_free(&cli.set);
    free(words);
    return rc < 0 ? EXIT_OK : rc;
}
