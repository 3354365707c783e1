/*
 * cli.h - what the liaison CLI's command files share: the resolved
 * settings, the connection, output helpers and exit codes. The CLI uses
 * only the public client API (liaison.h).
 */
#ifndef LIAISON_CLI_H
#define LIAISON_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

#include <liaison.h>

/* Exit codes, documented in --help. */
enum cli_exit {
    EXIT_OK = 0,
    EXIT_ERROR = 1, /* anything not below */
    EXIT_USAGE = 2, /* bad command line or invalid argument */
    EXIT_AUTH = 3,  /* not authenticated or not allowed */
    EXIT_NOT_FOUND = 4,
    EXIT_CONFLICT = 5,   /* already exists, failed precondition, aborted */
    EXIT_UNAVAILABLE = 6 /* server or database unreachable, timed out */
};

struct cli_settings {
    char *token; /* --token, LIAISON_TOKEN or the saved session */
    char *url;
    char *ca;
    char *cert;
    char *key;
    char *timeout_ms;
    bool json;
};

struct cli {
    struct cli_settings set;
    liaison_conn *conn;
    bool anonymous; /* set by commands that need no identity: no token is presented */
};

/* Reads ~/.config/liaison/config then LIAISON_* variables into set.
 * Returns 0, or -1 after printing why. */
int cli_config_load(struct cli_settings *set);
void cli_config_free(struct cli_settings *set);

/* Makes the handle (once) with the resolved settings, without connecting.
 * Returns an exit code, having printed why when it is not EXIT_OK. */
int cli_open(struct cli *cli);

/* Connects (once) with the resolved settings. Returns an exit code, having
 * printed why when it is not EXIT_OK. */
int cli_connect(struct cli *cli);

/* Prints a failed call's code and message (response: its status JSON, or
 * NULL for the handle's error), as JSON with --json. */
void cli_print_error(struct cli *cli, int code, const char *response);

/* Maps a liaison_code to the CLI's exit code. */
int cli_exit_code(int code);

/*
 * Calls method with request (a JSON object, consumed). On success returns
 * EXIT_OK and the response in *out (caller decrefs); otherwise prints the
 * error (as JSON with --json) and returns the exit code.
 */
int cli_call(struct cli *cli, const char *method, json_t *request, json_t **out);

/* One column of a table: header and the JSON key of each row object. */
struct output_column {
    const char *header;
    const char *key;
};

/* One option of a subcommand: a value (const char *) or a flag (bool). */
struct cli_opt {
    const char *name;
    const char **value;
    bool *flag;
    bool required;
    const char *help;
};

struct cli_command_spec {
    const char *usage;          /* after "liaison " */
    const char *summary;        /* a sentence or two */
    const struct cli_opt *opts; /* ends with a zeroed entry */
    int npositional_required;
};

/*
 * Parses argv[1..] against spec: options fill their targets, other words
 * fill positional[] (at most npositional). Returns 0 to go on, -1 when
 * --help was printed, or EXIT_USAGE after printing the problem.
 */
int cli_args_parse(const struct cli_command_spec *spec, int argc, char **argv,
                   const char **positional, int npositional);

struct cli_subcommand {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
    const char *summary;
};

/* Runs argv[1] among subs (argv[0] is the family's name). */
int cli_subcommand(const char *family, const struct cli_subcommand *subs, int argc, char **argv,
                   struct cli *cli);

/*
 * Lists with pagination: calls method with request (consumed) plus a page,
 * follows cursors when all is set, and prints the items under items_key
 * as a table (or JSON with --json). Returns an exit code.
 */
int cli_list(struct cli *cli, const char *method, json_t *request, const char *items_key,
             const struct output_column *cols, int ncols, const char *page_size, const char *cursor,
             bool all);

/* Reads a password: from standard input with --password-stdin, otherwise
 * from the terminal without echo. Returns 0, or an exit code after
 * printing why. */
int cli_read_password(const char *prompt, bool from_stdin, char *buf, size_t cap);

/* Prints a JSON value, indented. */
void output_json(const json_t *v);

/* Terminal columns text takes: wide East Asian characters 2, combining marks 0. */
size_t output_width(const char *text);

/* Writes text with control characters escaped (\n, \x1b): what the server sent,
 * for a terminal. */
void output_escaped(FILE *f, const char *text);

/* Prints rows (a JSON array of objects) as an aligned table. */
void output_table(const struct output_column *cols, int ncols, const json_t *rows);

/* Prints an object's fields as an aligned two-column list. */
void output_fields(const struct output_column *cols, int ncols, const json_t *obj);

/* Command families: argc/argv start at the family's own name. */
int cmd_ping(struct cli *cli, int argc, char **argv);
int cmd_health(struct cli *cli, int argc, char **argv);
int cmd_migrations(struct cli *cli, int argc, char **argv);
int cmd_call(struct cli *cli, int argc, char **argv);
int cmd_login(struct cli *cli, int argc, char **argv);
int cmd_logout(struct cli *cli, int argc, char **argv);
int cmd_whoami(struct cli *cli, int argc, char **argv);
int cmd_admin(struct cli *cli, int argc, char **argv);
int cmd_user(struct cli *cli, int argc, char **argv);
int cmd_token(struct cli *cli, int argc, char **argv);
int cmd_audit(struct cli *cli, int argc, char **argv);

int cmd_product_line(struct cli *cli, int argc, char **argv);
int cmd_product(struct cli *cli, int argc, char **argv);
int cmd_distributor(struct cli *cli, int argc, char **argv);
int cmd_contact(struct cli *cli, int argc, char **argv);
int cmd_charter(struct cli *cli, int argc, char **argv);

/*
 * A command of one ID argument: parses it per spec, calls method with
 * {"id": ID} and prints the object under key as cli_show_one does.
 */
int cli_show_by_id(struct cli *cli, int argc, char **argv, const struct cli_command_spec *spec,
                   const char *method, const char *key, const struct output_column *cols,
                   int ncols);

/* Calls method and prints the object under key as fields (or JSON). */
int cli_show_one(struct cli *cli, const char *method, json_t *req, const char *key,
                 const struct output_column *cols, int ncols);

/* A positive id, or EXIT_USAGE after saying why. */
int cli_parse_id(const char *s, json_int_t *out);

/* A whole number from 0 to max for option name, or EXIT_USAGE. */
int cli_parse_uint(const char *name, const char *s, long max, json_int_t *out);

/* "a,b,c" as a JSON array of strings (numbers when as_ints); NULL for bad input. */
json_t *cli_split(const char *list, bool as_ints);

/* The saved session: ~/.config/liaison/session (mode 0600). */
int cli_session_save(const char *url, const char *token);
int cli_session_remove(void);

#endif
