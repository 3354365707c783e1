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
    EXIT_CONFLICT = 5,    /* already exists, failed precondition, aborted */
    EXIT_UNAVAILABLE = 6, /* server or database unreachable, timed out */
    /*
     * RESOURCE_EXHAUSTED with a time to wait (Status.retry_after_ms): over a
     * rate limit. sysexits.h's EX_TEMPFAIL, so that a script tells "wait and
     * run it again" (the wait is printed) from a failure that would fail
     * again; one with no wait (a request past the frame limit) stays 1.
     */
    EXIT_TEMPFAIL = 75
};

/* Where the token presented comes from: it decides what an UNAUTHENTICATED means. */
enum cli_token_from {
    CLI_TOKEN_NONE,
    CLI_TOKEN_SESSION, /* the profile's saved session, made for this URL */
    CLI_TOKEN_GIVEN    /* --token, LIAISON_TOKEN or the config file */
};

struct cli_settings {
    char *token; /* --token, LIAISON_TOKEN or the saved session */
    char *url;
    char *ca;
    char *cert;
    char *key;
    char *timeout_ms;
    char *idempotency_key; /* --idempotency-key: the command's creates repeat safely */
    char *profile;         /* --profile or LIAISON_PROFILE; NULL for the default */
    char *session_url;     /* the URL the saved session was made for */
    char *session_token;   /* used only against session_url */
    enum cli_token_from token_from;
    bool json; /* --json or --output json */
    bool ids;  /* --output ids: one id per line */
    bool csv;  /* a command's own --csv (audit): rows as CSV for a spreadsheet */
};

struct cli_command_spec;

struct cli {
    struct cli_settings set;
    liaison_conn *conn;
    bool anonymous;    /* set by commands that need no identity: no token is presented */
    char command[64];  /* the command being run, for errors in its terms */
    bool operator_cmd; /* the command is the platform operator's: no log-in session serves it */
    int creates;       /* create calls made so far: each gets its own idempotency key */
};

/*
 * Reads the profile's config file, its saved session, then LIAISON_*
 * variables into set (set->profile chosen beforehand). Returns 0, or -1
 * after printing why.
 */
int cli_config_load(struct cli_settings *set);

/* After the flags: the saved session's token, only when set->url is the URL
 * it was made for and no other token, nor a client certificate, was given. */
void cli_config_resolve_token(struct cli_settings *set);
void cli_config_free(struct cli_settings *set);

/* A profile name: letters, digits, '.', '_', '-', not starting with '.'. */
bool cli_profile_valid(const char *name);

/* Whether s is well-formed UTF-8 (no overlong forms, surrogates or code
 * points past U+10FFFF). */
bool cli_utf8_valid(const char *s);

/* Makes the handle (once) with the resolved settings, without connecting.
 * Returns an exit code, having printed why when it is not EXIT_OK. */
int cli_open(struct cli *cli);

/* Connects (once) with the resolved settings. Returns an exit code, having
 * printed why when it is not EXIT_OK. */
int cli_connect(struct cli *cli);

/* Prints a failed call's code and message (response: its status JSON, or
 * NULL for the handle's error), as JSON with --json. */
void cli_print_error(struct cli *cli, int code, const char *response);

/* As cli_print_error, for a failure to connect: a suspended tenant's in words a user acts on. */
void cli_print_connect_error(struct cli *cli, int code);

/* A failure the CLI finds itself (code: a status name, "NOT_FOUND"): the message
 * escaped after "liaison: ", or with --json a status object like the server's. */
void cli_fail(const struct cli *cli, const char *code, const char *message);

/*
 * An option's value the CLI refuses itself, as a violation of the request's
 * field: "liaison: invalid --from: why", or with --json a status object like
 * the server's whose violation names field and option.
 */
void cli_fail_option(const struct cli *cli, const char *option, const char *field, const char *why);

/* Maps a liaison_code to the CLI's exit code. */
int cli_exit_code(const struct cli *cli, int code);

/*
 * Calls method with request (a JSON object, consumed). On success returns
 * EXIT_OK and the response in *out (caller decrefs); otherwise prints the
 * error (as JSON with --json) and returns the exit code.
 */
int cli_call(struct cli *cli, const char *method, json_t *request, json_t **out);
/*
 * cli_call(), but a PERMISSION_DENIED is said as "not allowed: " denied when
 * denied is not NULL: for a call the command makes on the user's behalf
 * (a look-up), whose refusal in the server's words would name an RPC the
 * user never called. With --json the server's status object as it came.
 */
int cli_call_or_deny(struct cli *cli, const char *method, json_t *request, json_t **out,
                     const char *denied);
/*
 * cli_call(), but a refusal of status `quiet` (a liaison_code) is not said: its answer goes to
 * *refusal (free with liaison_string_free) and the exit code is returned, for a command that
 * first learns whether the refusal means its work was done already (a retry whose answer was
 * lost), else says it with cli_print_error. Asked after the call, so that a caller who may not
 * make the move is refused as such, not told it was made.
 */
int cli_call_unless(struct cli *cli, const char *method, json_t *request, json_t **out, int quiet,
                    char **refusal);
/*
 * Sets the idempotency key of the invocation's next create (for a create
 * not made through cli_call, such as liaison_call_with_content's):
 * --idempotency-key for the first, KEY/2, KEY/3 ... after it, else a fresh
 * random one. Returns an exit code.
 */
int cli_create_key(struct cli *cli);
/*
 * The next reads see every change committed before now, even another
 * process's: a standby answers them only once it has replayed up to now,
 * else the primary does. For a read whose answer is written back (an
 * update that keeps what it is not given). Returns an exit code.
 */
int cli_read_current(struct cli *cli);
/*
 * The fields of an update, which replaces them all: the object as
 * get_method ({"id": id}) shows it now under key, its keys[0..n) only, for
 * the options given to be laid over, so that what is not given stays as it
 * is. Read after every change this client made (cli_read_current). NULL
 * after saying why, with *rc set.
 */
json_t *cli_current_fields(struct cli *cli, const char *get_method, json_int_t id, const char *key,
                           const char *const *keys, size_t n, int *rc);

/* What cli_resolve looks up. */
enum cli_kind {
    CLI_DISTRIBUTOR,
    CLI_PRODUCT_LINE,
    CLI_PRODUCT,
    CLI_USER,
    CLI_CONTACT,
    CLI_ACCOUNT
};

/* How a cell's value is shown in a table. */
enum output_format {
    OUTPUT_PLAIN = 0,
    OUTPUT_ENUM, /* a proto enum's value name: "ROLE_TENANT_ADMIN" -> "tenant_admin" */
    OUTPUT_DAYS, /* ISO week days [1,2,3,4,5,6] -> "Mon–Sat" */
    OUTPUT_BOOL, /* yes/no, "no" when left out (proto3 leaves false out of JSON) */
    OUTPUT_COUNT /* a number, "0" when left out (proto3 leaves 0 out of JSON) */
};

/*
 * One column of a table: header and the JSON key of each row object. The
 * first column's key is the row's id for --output ids.
 */
struct output_column {
    const char *header;
    const char *key;
    enum output_format format;
    const char *enum_prefix; /* OUTPUT_ENUM: the value names' prefix, "ROLE_" */
};

/* One option of a subcommand: a value (const char *) or a flag (bool). */
struct cli_opt {
    const char *name;
    const char **value;
    bool *flag;
    bool required;
    const char *help;
    /*
     * The request fields (camelCase, space-separated) a server's violation
     * names for this option when its kebab-case name does not match, so the
     * error names the option: "productLineIds" for --lines.
     */
    const char *fields;
};

struct cli_command_spec {
    const char *usage;          /* after "liaison " */
    const char *summary;        /* a sentence or two */
    const struct cli_opt *opts; /* ends with a zeroed entry */
    int npositional_required;
    const char *example; /* a command line after "liaison ", shown by --help */
};

/*
 * Takes every "--NAME VALUE" and "--NAME=VALUE" out of argv into the JSON
 * array values, for an option given many times (cli_args_parse keeps one
 * value per option); returns the new argc. A value that is not UTF-8 stays,
 * for the parser to refuse.
 */
int cli_take_repeated(const char *name, int argc, char **argv, json_t *values);
/*
 * The same into vals (at most cap, pointers into argv) with their count in
 * *n, argv keeping the rest in order in *argc; refuses, after saying why, a
 * last --NAME with no value, more than cap and a value that is not UTF-8.
 * Returns 0 or EXIT_USAGE.
 */
int cli_take_values(const char *name, int *argc, char **argv, const char **vals, int cap, int *n);

/*
 * Parses argv[1..] against spec: options fill their targets, other words
 * fill positional[] (at most npositional). Every word must be UTF-8. The
 * spec is remembered (cli_args_spec) for errors in the command's terms.
 * Returns 0 to go on, -1 when --help was printed, or EXIT_USAGE after
 * printing the problem.
 */
int cli_args_parse(const struct cli_command_spec *spec, int argc, char **argv,
                   const char **positional, int npositional);

/*
 * For an update whose options are its changes: each value option given is not empty (given
 * empty, one was taken for "keep" and the server said there was nothing to do), and one was
 * given at all. what names the record ("the item"). Returns 0, or EXIT_USAGE after saying why.
 */
int cli_args_changes(const struct cli_opt *opts, const char *what);

/* cli_args_parse for a command whose one argument is an id, parsed into *id. */
int cli_args_id(const struct cli_command_spec *spec, int argc, char **argv, json_int_t *id);

/* The spec the running command was parsed with, or NULL. */
const struct cli_command_spec *cli_args_spec(void);

/* The first option of the running command given an empty value ("--name ''"), or NULL. */
const char *cli_args_empty(void);

/* Whether the running command's usage names an argument word ("USER"). */
bool cli_args_positional_named(const char *word);

struct cli_subcommand {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
    const char *summary;
};

/*
 * Edit distance of a and b, ignoring ASCII case: how many letters to add,
 * drop or change. 64 or more for a word of 64 bytes or more.
 */
size_t cli_edit_distance(const char *a, const char *b);

/* Of names, the one word is a typo of (an edit or two away), or NULL. */
const char *cli_nearest(const char *word, const char *const *names, size_t n);

/* Runs argv[1] among subs (argv[0] is the family's name). */
int cli_subcommand(const char *family, const struct cli_subcommand *subs, int argc, char **argv,
                   struct cli *cli);

/* --page-size, --cursor and --all: what every list command takes. */
struct cli_paging {
    const char *page_size; /* NULL: the server's default */
    const char *cursor;    /* NULL: the first page */
    bool all;              /* follow the cursors to the last page */
};

/* The three options of p, for a command's option table. */
#define CLI_PAGING_OPTS(p)                                                                         \
    {"page-size", &(p).page_size, NULL, false,                                                     \
     "rows per page, 1 to 500 (the server's default: 50)"},                                        \
        {"cursor", &(p).cursor, NULL, false, "continue from the page a \"more:\" line names"},     \
    {                                                                                              \
        "all", NULL, &(p).all, false, "every page"                                                 \
    }

/*
 * Lists with pagination: calls method with request (consumed) plus a page,
 * follows cursors when all is set, and prints the items under items_key:
 * a table, one id per line, or with --json a JSON array ([] when empty).
 * The next page's cursor, if any, follows as "more: --cursor C" (on
 * standard error for JSON and ids). Returns an exit code.
 */
int cli_list(struct cli *cli, const char *method, json_t *request, const char *items_key,
             const struct output_column *cols, int ncols, const struct cli_paging *paging);
/* cli_list, with map called on each row (an object it may add keys to) before printing. */
int cli_list_mapped(struct cli *cli, const char *method, json_t *request, const char *items_key,
                    const struct output_column *cols, int ncols, const struct cli_paging *paging,
                    void (*map)(json_t *row));

/* Reads a password: from standard input with --password-stdin, otherwise
 * from the terminal without echo. Returns 0, or an exit code after
 * printing why. */
int cli_read_password(const char *prompt, bool from_stdin, char *buf, size_t cap);

/* A password to be set: as cli_read_password(), but at a terminal it is asked
 * twice, and two that differ are refused (a typo would have locked its user
 * out). Returns 0, or an exit code after printing why. */
int cli_read_new_password(const char *prompt, bool from_stdin, char *buf, size_t cap);

/* Prints a JSON value, indented. */
void output_json(const json_t *v);

/* Prints an object as the output format asks: fields, JSON or its id. */
void cli_print_object(const struct cli *cli, const struct output_column *cols, int ncols,
                      const json_t *obj);

/*
 * The JSON document in path, or standard input for "-" (infile.c): a
 * leading UTF-8 byte-order mark skipped, a key given twice refused, at
 * most 16 MiB. NULL with err saying why (err->line -1 when the text was
 * not read).
 */
json_t *cli_json_input(const char *path, size_t flags, json_error_t *err);

/*
 * A streamed download's destination (outfile.c): path, or standard output
 * when path is NULL. A file is written beside path (beside the file, when
 * path is a symbolic link) and renamed over it by cli_outfile_close only
 * when everything went well. A device or a pipe (/dev/null, a terminal, a
 * FIFO) is written into in place: a rename would replace it.
 */
struct cli_outfile {
    FILE *out;
    const char *path;
    char *partial; /* the file being written, NULL when writing in place */
    char *target;  /* what partial replaces */
};

/* The file an --output names, or NULL for standard output (no option, or "-"). */
const char *cli_outfile_path(const char *output);

/*
 * Opens o for path (NULL: standard output). A new file is its owner's only
 * (0600); a file replaced keeps its permissions, unless owner_only (an
 * export that may carry credentials). 0, or -1 after printing why (-2: path is
 * empty, a usage error).
 */
int cli_outfile_open(struct cli_outfile *o, const char *path, bool owner_only);

/*
 * Finishes o: with rc EXIT_OK the file is closed and renamed into place
 * (or standard output flushed); otherwise the partial file is removed.
 * Returns rc, or EXIT_ERROR when closing, renaming or flushing failed.
 */
int cli_outfile_close(struct cli_outfile *o, int rc);

/* Prints rows as the output format asks: a table, JSON or one id a line. */
void cli_print_rows(const struct cli *cli, const struct output_column *cols, int ncols,
                    const json_t *rows);

/* Terminal columns text takes: wide East Asian characters 2, combining marks 0. */
size_t output_width(const char *text);

/* Writes text with control characters escaped (\n, \x1b), and then its backslashes
 * doubled, so that an escape and the same characters typed read apart; text with
 * nothing to escape is written as it is: what the server sent, for a terminal. */
void output_escaped(FILE *f, const char *text);

/* Writes a word the user typed, echoed in an error, as output_escaped does; one past 200
 * bytes cut as a table's cell is, with "…". */
void output_echo(FILE *f, const char *text);

/* The page cli_list_some reads. */
#define CLI_SOME 50

/*
 * Appends to line, ", " between them, the rows (array items) of the first page (CLI_SOME) of
 * method's answer to request (taken), each as its id and in brackets its field label_field,
 * or label when that is NULL. Sets *more when there are more than it named: the page was
 * full, or an item did not fit in the line (none is cut, and none follows once *more is
 * set). Returns the count of rows on the page, or -1 when it could not ask (the error said):
 * for notes of what an act left open, after several calls one line with ", and more" when
 * *more.
 */
int cli_list_some(struct cli *cli, const char *method, json_t *request, const char *items,
                  const char *label_field, const char *label, char *line, size_t cap, bool *more);

/* Writes a value as a table cell shows it: as it is when it holds nothing to escape
 * (backslashes and all), else between double quotes with C-style escapes (\n, \x1b,
 * \u202e, and \\ and \" inside), as git's quotePath does. */
void output_quoted(FILE *f, const char *text);

/* Writes text as output_escaped does, but for its line breaks (LF, CRLF), which
 * start a new line indented by indent, and tabs, four spaces: notes and other
 * prose, to be read. */
void output_prose(FILE *f, const char *text, const char *indent);

/* Prints rows (a JSON array of objects) as an aligned table. */
void output_table(const struct output_column *cols, int ncols, const json_t *rows);

/*
 * Prints rows as CSV (RFC 4180: a header line, CRLF, fields quoted where
 * needed), each value whole and unescaped; nothing is an empty field.
 */
void output_csv(const struct output_column *cols, int ncols, const json_t *rows);

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
int cmd_session(struct cli *cli, int argc, char **argv);
int cmd_audit(struct cli *cli, int argc, char **argv);

int cmd_product_line(struct cli *cli, int argc, char **argv);
int cmd_product(struct cli *cli, int argc, char **argv);
int cmd_distributor(struct cli *cli, int argc, char **argv);
int cmd_contact(struct cli *cli, int argc, char **argv);
int cmd_charter(struct cli *cli, int argc, char **argv);
int cmd_escalation(struct cli *cli, int argc, char **argv);
int cmd_meeting(struct cli *cli, int argc, char **argv);
int cmd_action(struct cli *cli, int argc, char **argv);

/* Adds an action item's "localDue" for a table: its due time in its distributor's zone, a due
 * day's ending midnight as "YYYY-MM-DD 24:00" (cmd_action.c). */
void cli_action_cells(json_t *item);

/*
 * A time from the command line (option names it in errors) as an RFC 3339
 * UTC string in buf: RFC 3339 passes as it is, for the server to check;
 * "YYYY-MM-DD HH:MM" is the caller's local time (TZ, else the system's
 * zone). Returns 0, or EXIT_USAGE after saying why.
 */
int cli_parse_time(const char *option, const char *s, char *buf, size_t cap);
/* cli_parse_time(), for a range's end: a bare 'YYYY-MM-DD' is that day's 00:00 there too. */
int cli_parse_bound(const char *option, const char *s, char *buf, size_t cap);
/* The local day (TZ) days from today (negative: before) as 'YYYY-MM-DD' into buf; buf. */
const char *cli_local_day(char *buf, size_t cap, int days);
/*
 * A day 'YYYY-MM-DD' that the calendar has, for option (field: the
 * request's, named with --json); with instant also an RFC 3339 instant on
 * such a day, its time of day for the server to check. Returns 0, or
 * EXIT_USAGE after saying why.
 */
int cli_parse_day(const struct cli *cli, const char *option, const char *field, const char *s,
                  bool instant);
/* What a reversed range is told, by the server (request_check_range) and the CLI alike. */
#define RANGE_REVERSED "must not be before the start of the range"
/*
 * A reversed range refused, as every --from/--to pair refuses it: with
 * reversed, "liaison: invalid --to: " RANGE_REVERSED (to_field: the
 * request's, named with --json) and EXIT_USAGE; else 0.
 */
int cli_check_range(const struct cli *cli, const char *to_field, bool reversed);
/* cli_check_range() for periods (YYYY, YYYY-Qn, YYYY-MM): reversed when from starts after to
 * ends. Either NULL, or not a period (the server's to say), is no range to check. */
int cli_check_period_range(const struct cli *cli, const char *to_field, const char *from,
                           const char *to);
/* cli_check_range() for RFC 3339 instants, as cli_parse_bound() gives them: reversed when
 * from_utc is after to_utc. */
int cli_check_instant_range(const struct cli *cli, const char *to_field, const char *from_utc,
                            const char *to_utc);
/* The first and last day of a period (YYYY, YYYY-Qn, YYYY-MM) as YYYY-MM-DD; false: none. */
bool cli_period_days(const char *period, char first[11], char last[11]);
/* Seconds since the epoch of an RFC 3339 instant; false when s is not one. */
bool cli_instant_seconds(const char *s, long long *seconds);
int cmd_cadence(struct cli *cli, int argc, char **argv);
/* 'cadence ics' (cmd_ics.c), for the cadence group's table. */
int cadence_ics(struct cli *cli, int argc, char **argv);
int cmd_tenant(struct cli *cli, int argc, char **argv);
/* 'user hours': in cmd_cadence.c with the other working-time command. */
int cli_user_hours(struct cli *cli, int argc, char **argv);
/*
 * After a change of the working time a distributor's calls are placed in
 * (its own, its account manager, a manager's or the tenant's): the server
 * counts the meetings to come against it (migration 0131) and moves none,
 * which standard error says, with the command that does (distributor 0:
 * any distributor's); not for a distributor with no meeting planned.
 */
void cli_replan_hint(struct cli *cli, json_int_t distributor);
int cmd_account(struct cli *cli, int argc, char **argv);
int cmd_lead(struct cli *cli, int argc, char **argv);
int cmd_interaction(struct cli *cli, int argc, char **argv);
int cmd_crm(struct cli *cli, int argc, char **argv);
int cmd_doc(struct cli *cli, int argc, char **argv);
int cmd_order(struct cli *cli, int argc, char **argv);
int cmd_shipment(struct cli *cli, int argc, char **argv);
int cmd_report(struct cli *cli, int argc, char **argv);
int cmd_target(struct cli *cli, int argc, char **argv);
int cmd_attainment(struct cli *cli, int argc, char **argv);
int cmd_plan(struct cli *cli, int argc, char **argv);
int cmd_update(struct cli *cli, int argc, char **argv);
int cmd_methods(struct cli *cli, int argc, char **argv);
int cmd_completion(struct cli *cli, int argc, char **argv);
int cmd_clock(struct cli *cli, int argc, char **argv);
int cmd_events(struct cli *cli, int argc, char **argv);
int cmd_jobs(struct cli *cli, int argc, char **argv);
/* 'health DISTRIBUTOR' and 'health weights' (cmd_health.c), reached from cmd_health. */
int cli_health_distributor(struct cli *cli, int argc, char **argv);
int cmd_portfolio(struct cli *cli, int argc, char **argv);
int cmd_handbook(struct cli *cli, int argc, char **argv);
int cmd_scorecard(struct cli *cli, int argc, char **argv);

/* Names similar to method among the client library's RPCs ("" if none), in buf. */
void cli_method_suggest(const char *method, char *buf, size_t cap);

/* Prints method's request fields to f (nothing for an unknown method). */
void cli_method_fields(FILE *f, const char *method);

/*
 * A command of one ID argument (an id or what names a kind): parses it per
 * spec, calls method with {"id": ID} and prints the object under key as cli_show_one does.
 */
int cli_show_by_id(struct cli *cli, int argc, char **argv, const struct cli_command_spec *spec,
                   enum cli_kind kind, const char *method, const char *key,
                   const struct output_column *cols, int ncols);

/* Calls method and prints the object under key as fields (or JSON). */
int cli_show_one(struct cli *cli, const char *method, json_t *req, const char *key,
                 const struct output_column *cols, int ncols);

/* A positive id, or EXIT_USAGE after saying why. */
int cli_parse_id(const char *s, json_int_t *out);
/*
 * As cli_parse_id, for the value s of option ("--meeting"), the request's field (meetingId):
 * the refusal names them, as cli_fail_option does (a status object with --json).
 */
int cli_parse_id_of(const struct cli *cli, const char *option, const char *field, const char *s,
                    json_int_t *out);

/*
 * An id, or the id of what arg names (resolve.c has the rule): a
 * distributor's name, a product line's code or name, a product's SKU or
 * name, a user's e-mail or display name, a contact's name or e-mail
 * within distributor (0: a contact only by id). Returns 0, or an exit
 * code after saying why: EXIT_NOT_FOUND, EXIT_USAGE (ambiguous, the
 * candidates listed), or the list call's.
 */
int cli_resolve(struct cli *cli, enum cli_kind kind, const char *arg, json_int_t distributor,
                json_int_t *out);

/*
 * cli_resolve of a user for a command only some roles may run: a caller
 * refused the look-up by e-mail or name (a distributor's user) is told
 * "not allowed: " denied, the command's own rule, not a look-up's. Only a
 * whole e-mail or name (in any case) or an id names the user: these
 * commands reset passwords, disable users, change roles and hand over
 * distributors, and a mistyped e-mail that was part of another's acted on
 * that other user (a try-out).
 */
int cli_resolve_user(struct cli *cli, const char *arg, const char *denied, json_int_t *out);

/*
 * A party (a meeting's attendee, an action item's owner) as the server takes it, an e-mail
 * or a contact's name: "me" (any case) becomes the caller's own e-mail, as a user is "me"
 * elsewhere; anything else is arg. Returns a new JSON string, or NULL with *rc set after
 * saying why (these credentials are no user's, or WhoAmI failed).
 */
json_t *cli_party(struct cli *cli, const char *arg, int *rc);

/* cli_party for each string of the JSON array parties, in place: EXIT_OK or *rc's code. */
int cli_parties(struct cli *cli, json_t *parties);

/*
 * As cli_resolve, for what cannot be undone: a part of a name that only one item holds is
 * refused (EXIT_USAGE, naming that item), as a name that is nobody's.
 */
int cli_resolve_exact(struct cli *cli, enum cli_kind kind, const char *arg, json_int_t *out);

/*
 * Whether the record get ({"id": id}) answers under key has wanted in its field ("status", a
 * lead's "stage") now, in *already: read before a move, so that a move the server answers as a
 * no-op (a retry whose answer was lost) is said as one. A refused read is false, quietly: the
 * move then says what is wrong. Returns an exit code, having said why when the server cannot be
 * reached.
 */
int cli_status_already(struct cli *cli, const char *get, const char *key, const char *field,
                       json_int_t id, const char *wanted, bool *already);
/*
 * The object under key of read method's answer for {"id": id} (caller decrefs), or NULL without
 * a word when the read is refused: for what a command says beside its own call, never for the
 * call itself. Connects first; NULL when it cannot.
 */
json_t *cli_read_quiet(struct cli *cli, const char *method, json_int_t id, const char *key);

/* Whether arg (--token or --token=T, say) is an option of liaison itself, given before commands. */
bool cli_global_option(const char *arg);

/* An id in a response: 64-bit ids come as JSON strings, smaller ones as numbers. */
json_int_t cli_json_id(const json_t *v);

/*
 * Whether a and b are equal in any case: each code point folded as the
 * name lookup does (ASCII, Latin-1, Latin Extended-A/B as Vietnamese uses
 * it, Vietnamese's Latin Extended Additional, Greek and Cyrillic).
 */
bool cli_fold_equal(const char *a, const char *b);

/* Whether needle is part of hay, in any case as cli_fold_equal compares ("" is part of any). */
bool cli_fold_contains(const char *hay, const char *needle);

/* As cli_fold_equal and cli_fold_contains, Latin letters also without their marks
 * ("Nguyen Van An" for "Nguyễn Văn An", "dong a" for "Đông Á"). */
bool cli_unmarked_equal(const char *a, const char *b);
bool cli_unmarked_contains(const char *hay, const char *needle);

/* "BRK,FLT" or "1,2" as a JSON array of ids; NULL with *rc set after saying why. */
json_t *cli_resolve_list(struct cli *cli, enum cli_kind kind, const char *list, int *rc);

/* A whole number from 0 to max, or EXIT_USAGE after saying so of name ("--moq", "YEAR"). */
int cli_parse_uint(const char *name, const char *s, long max, json_int_t *out);
/* The most a figure (units, minor units) the server keeps may be: its REQUEST_MAX_AMOUNT. */
#define CLI_MAX_AMOUNT 1000000000000000L
/* cli_parse_uint() for an amount of minor units; a decimal is told what minor units are. */
int cli_parse_minor(const char *name, const char *s, long max, json_int_t *out);
/* cli_parse_uint() from min instead of 0. */
int cli_parse_range(const char *name, const char *s, long min, long max, json_int_t *out);

/* "a,b,c" as a JSON array of strings (numbers when as_ints); NULL for bad input. */
json_t *cli_split(const char *list, bool as_ints);
/*
 * A new object holding obj's keys[0..n) that it has, for an update that
 * replaces them all to be sent back with the options given laid over;
 * NULL when memory ran out.
 */
json_t *cli_pick(const json_t *obj, const char *const *keys, size_t n);

/* Week days "1,2,3", "Mon-Sat", "mon,wed,fri" or "Mon–Sat" as a sorted JSON
 * array of 1 (Monday) to 7; NULL for bad input. */
json_t *cli_days(const char *list);

/* An enum option's value, as tables show it: lower case, a hyphen an underscore
 * ("At_Risk", "at-risk" -> "at_risk"). */
json_t *cli_enum_string(const char *value);

/* The same written into buf (cap bytes): buf, or value itself when it does not fit. */
const char *cli_enum_word(const char *value, char *buf, size_t cap);

/*
 * The saved session of a profile: ~/.config/liaison/session, or
 * ~/.config/liaison/profiles/NAME/session (mode 0600); profile NULL for
 * the default.
 */
int cli_session_save(const char *profile, const char *url, const char *token);
int cli_session_remove(const char *profile);

#endif
