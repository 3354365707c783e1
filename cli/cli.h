/*
 * cli.h - what the liaison CLI's command files share: the resolved
 * settings, the connection, output helpers and exit codes. The CLI uses
 * only the public client API (liaison.h).
 */
#ifndef LIAISON_CLI_H
#define LIAISON_CLI_H

#include <stdbool.h>
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
};

/* Reads ~/.config/liaison/config then LIAISON_* variables into set.
 * Returns 0, or -1 after printing why. */
int cli_config_load(struct cli_settings *set);
void cli_config_free(struct cli_settings *set);

/* Connects (once) with the resolved settings; returns a liaison_code. */
int cli_connect(struct cli *cli);

/* Maps a liaison_code to the CLI's exit code. */
int cli_exit_code(int code);

/*
 * Calls method with request (a JSON object, consumed). On success returns
 * EXIT_OK and the response in *out (caller decrefs); otherwise prints the
 * error (as JSON with --json) and returns the exit code.
 */
int cli_call(struct cli *cli, const char *method, json_t *request, json_t **out);

/* Prints a JSON value, indented. */
void output_json(const json_t *v);

/* One column of a table: header and the JSON key of each row object. */
struct output_column {
    const char *header;
    const char *key;
};

/* Prints rows (a JSON array of objects) as an aligned table. */
void output_table(const struct output_column *cols, int ncols, const json_t *rows);

/* Prints an object's fields as an aligned two-column list. */
void output_fields(const struct output_column *cols, int ncols, const json_t *obj);

/* Command families: argc/argv start at the family's own name. */
int cmd_ping(struct cli *cli, int argc, char **argv);
int cmd_health(struct cli *cli, int argc, char **argv);
int cmd_migrations(struct cli *cli, int argc, char **argv);
int cmd_call(struct cli *cli, int argc, char **argv);

#endif
