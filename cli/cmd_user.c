/*
 * cmd_user.c - 'liaison user ...' and 'liaison token ...': a tenant's
 * users, passwords and API tokens.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "cli.h"

static const struct output_column user_cols[] = {{"ID", "id"},
                                                 {"EMAIL", "email"},
                                                 {"NAME", "displayName"},
                                                 {"ROLE", "role", OUTPUT_ENUM, "ROLE_"},
                                                 {"SEES ALL", "seesAllDistributors", OUTPUT_BOOL},
                                                 {"DISABLED", "disabled", OUTPUT_BOOL},
                                                 {"CREATED", "createdAt"},
                                                 {"DISTRIBUTOR", "distributorName"}};

static const struct output_column token_cols[] = {{"ID", "id"},
                                                  {"NAME", "name"},
                                                  {"ROLE", "role", OUTPUT_ENUM, "ROLE_"},
                                                  {"CREATED", "createdAt"},
                                                  {"EXPIRES", "expiresAt"},
                                                  {"REVOKED", "revoked", OUTPUT_BOOL}};

/*
 * "manager" -> "ROLE_MANAGER", or NULL for an unknown role, said as --role
 * with the roles it takes: every role for a user, all but distributor_user
 * for a token (token is true). Roles are taken as tables show them, in any
 * case, and as the wire names --json shows.
 */
static const char *role_enum(const char *role, bool token)
{
    static const char *const map[][2] = {{"tenant_admin", "ROLE_TENANT_ADMIN"},
                                         {"manager", "ROLE_MANAGER"},
                                         {"distributor_user", "ROLE_DISTRIBUTOR_USER"},
                                         {"auditor", "ROLE_AUDITOR"}};
    for (size_t i = 0; i < 4; i++)
        if ((!token || i != 2) && (!strcasecmp(map[i][0], role) || !strcasecmp(map[i][1], role)))
            return map[i][1];
    if (token)
        fprintf(stderr, "liaison: invalid --role: tenant_admin, manager or auditor (a token acts "
                        "for the exporter, never as a distributor's user)\n");
    else
        fprintf(stderr,
                "liaison: invalid --role: tenant_admin, manager, distributor_user or auditor\n");
    return NULL;
}

static int print_user(struct cli *cli, int rc, json_t *resp)
{
    if (rc != EXIT_OK)
        return rc;
    cli_print_object(cli, user_cols, 8, json_object_get(resp, "user"));
    json_decref(resp);
    return EXIT_OK;
}

static int user_create(struct cli *cli, int argc, char **argv)
{
    const char *email = NULL, *role = NULL, *name = "", *distributor = NULL;
    bool sees_all = false, from_stdin = false;
    const struct cli_opt opts[] = {
        {"email", &email, NULL, true, "e-mail address (the log-in name)"},
        {"role", &role, NULL, true, "tenant_admin, manager, distributor_user or auditor"},
        {"name", &name, NULL, false, "display name", "displayName"},
        {"distributor", &distributor, NULL, false,
         "distributor users: the distributor's id or name"},
        {"sees-all", NULL, &sees_all, false, "a manager who sees every distributor",
         "seesAllDistributors"},
        {"password-stdin", NULL, &from_stdin, false, "read the password from standard input"},
        {0}};
    const struct cli_command_spec spec = {
        "user create --email EMAIL --role ROLE [--name NAME] [--distributor DISTRIBUTOR] "
        "[--sees-all] "
        "[--password-stdin]",
        "Creates a user in your tenant (tenant admins only). Asks for the user's first\n"
        "password on the terminal (or reads it from standard input with\n"
        "--password-stdin): at least 12 characters, at most 128 bytes, not one character\n"
        "repeated, no control characters. Give it to the user to change ('user passwd').",
        opts, 0, "user create --email bao@acme.example --role manager --name \"Trần Bảo\""};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    const char *r = role_enum(role, false);
    json_int_t dist = 0;
    if (!r)
        return EXIT_USAGE;
    /*
     * Who may is asked before the password is: a user who may not create
     * users was made to type one (or told there was no terminal) first.
     */
    json_t *who;
    if ((rc = cli_call(cli, "WhoAmI", NULL, &who)))
        return rc;
    const json_t *id = json_object_get(who, "identity");
    const char *me = json_string_value(json_object_get(id, "role"));
    const char *kind = json_string_value(json_object_get(id, "kind"));
    const char *as = !me                                    ? NULL
                     : !strcmp(me, "ROLE_TENANT_ADMIN")     ? ""
                     : !strcmp(me, "ROLE_MANAGER")          ? " (signed in as a manager)"
                     : !strcmp(me, "ROLE_DISTRIBUTOR_USER") ? " (signed in as a distributor user)"
                     : !strcmp(me, "ROLE_AUDITOR")          ? " (signed in as an auditor)"
                                                            : "";
    char why[200];
    snprintf(why, sizeof why, "not allowed: only tenant admins create users%s",
             as ? as
             : kind && !strcmp(kind, "operator")
                 ? " (an operator makes a tenant's first admin with 'liaison admin tenant create')"
                 : "");
    bool admin = me && !strcmp(me, "ROLE_TENANT_ADMIN");
    json_decref(who);
    if (!admin) {
        cli_fail(cli, "PERMISSION_DENIED", why);
        return EXIT_AUTH;
    }
    if (distributor && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, distributor, 0, &dist)))
        return rc;
    char password[256];
    if ((rc = cli_read_new_password("Password for the new user: ", from_stdin, password,
                                    sizeof password)))
        return rc;
    json_t *req =
        json_pack("{s:s,s:s,s:s,s:s,s:b,s:I}", "email", email, "displayName", name, "role", r,
                  "password", password, "seesAllDistributors", sees_all, "distributorId", dist);
    OPENSSL_cleanse(password, sizeof password);
    json_t *resp;
    rc = cli_call(cli, "CreateUser", req, &resp);
    return print_user(cli, rc, resp);
}

/* User id's row as ListUsers shows it (the caller decrefs), or NULL after saying why in *rc. */
static json_t *user_row(struct cli *cli, json_int_t id, int *rc)
{
    char *cursor = strdup("");
    json_t *found = NULL;
    *rc = cursor ? EXIT_OK : EXIT_ERROR;
    while (*rc == EXIT_OK && !found) {
        json_t *resp;
        /* Refused, the server would name ListUsers, not the change that was asked for. */
        *rc = cli_call_or_deny(
            cli, "ListUsers", json_pack("{s:{s:i,s:s}}", "page", "pageSize", 500, "cursor", cursor),
            &resp, "only tenant admins change users");
        if (*rc != EXIT_OK)
            break;
        size_t i;
        json_t *u;
        json_array_foreach(json_object_get(resp, "users"), i, u)
        {
            if (cli_json_id(json_object_get(u, "id")) == id && !found)
                found = json_incref(u);
        }
        const char *next =
            json_string_value(json_object_get(json_object_get(resp, "page"), "nextCursor"));
        free(cursor);
        cursor = next && *next ? strdup(next) : NULL;
        json_decref(resp);
        if (!found && !cursor) {
            cli_fail(cli, "NOT_FOUND", "no such user");
            *rc = EXIT_NOT_FOUND;
        }
    }
    free(cursor);
    return found;
}

static int user_update(struct cli *cli, int argc, char **argv)
{
    const char *name = NULL, *role = NULL, *distributor = NULL;
    bool sees_all = false, not_sees_all = false;
    const struct cli_opt opts[] = {
        {"name", &name, NULL, false, "display name (\"\": none)", "displayName"},
        {"role", &role, NULL, false, "tenant_admin, manager, distributor_user or auditor"},
        {"distributor", &distributor, NULL, false,
         "distributor users: the distributor's id or name"},
        {"sees-all", NULL, &sees_all, false, "a manager who sees every distributor",
         "seesAllDistributors"},
        {"not-sees-all", NULL, &not_sees_all, false,
         "a manager who sees the distributors they manage"},
        {0}};
    const struct cli_command_spec spec = {
        "user update USER [--name NAME] [--role ROLE] [--distributor DISTRIBUTOR]\n"
        "       [--sees-all | --not-sees-all]",
        "Changes a user's display name, role, distributor or reach (tenant admins only):\n"
        "what an option gives changes, the rest stays. USER is an id or e-mail; the e-mail\n"
        "itself stays. A new role or distributor ends the user's sessions and revokes the\n"
        "API tokens they made, which carry the reach they were made with: they log in\n"
        "again. Nobody changes their own role, the tenant's last enabled tenant admin\n"
        "keeps theirs, and an account manager keeps a manager's role until their\n"
        "distributors are assigned to another. The leads, key accounts and open action\n"
        "items of distributors the user no longer works on go to each distributor's\n"
        "account manager, and the user leaves those distributors' meetings to come.",
        opts, 1, "user update bao@acme.example --role manager --sees-all"};
    const char *who = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &who, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (sees_all && not_sees_all) {
        fprintf(stderr, "liaison: --sees-all and --not-sees-all say opposite things: give one\n");
        return EXIT_USAGE;
    }
    if (!name && !role && !distributor && !sees_all && !not_sees_all) {
        fprintf(stderr, "liaison: nothing to change: give what changes (--name, --role, "
                        "--distributor, --sees-all, --not-sees-all)\n");
        return EXIT_USAGE;
    }
    const char *r = role ? role_enum(role, false) : NULL;
    if (role && !r)
        return EXIT_USAGE;
    json_int_t uid, dist = 0;
    if ((rc = cli_resolve_user(cli, who, "only tenant admins change users", &uid)) ||
        (distributor && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, distributor, 0, &dist))))
        return rc;
    json_t *u = user_row(cli, uid, &rc);
    if (!u)
        return rc;
    const char *was_role = json_string_value(json_object_get(u, "role"));
    json_int_t was_dist = cli_json_id(json_object_get(u, "distributorId"));
    const char *to_role = r ? r : was_role ? was_role : "";
    bool to_distributor_user = !strcmp(to_role, "ROLE_DISTRIBUTOR_USER");
    json_int_t to_dist = !to_distributor_user ? 0 : dist ? dist : was_dist;
    if (to_distributor_user && !to_dist) {
        fprintf(stderr, "liaison: --distributor: a distributor user needs their distributor\n");
        json_decref(u);
        return EXIT_USAGE;
    }
    if (distributor && !to_distributor_user) {
        char lower[32];
        size_t n = 0;
        for (const char *c = to_role + strlen("ROLE_"); *c && n + 1 < sizeof lower; c++)
            lower[n++] = (char)tolower((unsigned char)*c);
        lower[n] = '\0';
        fprintf(stderr, "liaison: --distributor is for distributor users only (the role is %s)\n",
                lower);
        json_decref(u);
        return EXIT_USAGE;
    }
    /* A manager's reach: given, or kept while the user stays a manager. */
    bool to_sees_all = sees_all || (!not_sees_all && !strcmp(to_role, "ROLE_MANAGER") &&
                                    json_is_true(json_object_get(u, "seesAllDistributors")));
    const char *to_name = name ? name : json_string_value(json_object_get(u, "displayName"));
    json_t *req =
        json_pack("{s:I,s:s,s:s,s:b,s:I}", "userId", uid, "displayName", to_name ? to_name : "",
                  "role", to_role, "seesAllDistributors", to_sees_all, "distributorId", to_dist);
    /* to_role and was_role may point into u: what is said after the call is decided now. */
    bool new_role = strcmp(to_role, was_role ? was_role : "") != 0;
    bool ends = new_role || to_dist != was_dist;
    char email[256];
    const char *stored = json_string_value(json_object_get(u, "email"));
    snprintf(email, sizeof email, "%s", stored ? stored : who);
    json_decref(u);
    json_t *resp;
    rc = cli_call(cli, "UpdateUser", req, &resp);
    rc = print_user(cli, rc, resp);
    if (rc == EXIT_OK && ends && !cli->set.json)
        fprintf(stderr,
                "liaison: %s's sessions ended and the API tokens they made were revoked: they "
                "log in again with the new %s\n",
                email, new_role ? "role" : "distributor");
    return rc;
}

static int user_list(struct cli *cli, int argc, char **argv)
{
    const char *name = "";
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"name", &name, NULL, false, "only e-mails or display names that have this, any case"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "user list [--name TEXT] [--page-size N] [--cursor C] [--all]",
        "Lists your tenant's users; a distributor user's distributor by name.", opts, 0,
        "user list --name trần --all"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return cli_list(cli, "ListUsers", json_pack("{s:s}", "name", name), "users", user_cols, 8,
                    &page);
}

/* Disables or enables the user the command line names, whose id goes to *uid. */
static int user_toggle(struct cli *cli, int argc, char **argv, const char *method,
                       const char *usage, const char *summary, const char *example,
                       const char *denied, json_int_t *uid)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {usage, summary, opts, 1, example};
    const char *id = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = cli_resolve_user(cli, id, denied, uid)))
        return rc;
    json_t *resp;
    rc = cli_call(cli, method, json_pack("{s:I}", "userId", *uid), &resp);
    return print_user(cli, rc, resp);
}

/*
 * What a disabled user still holds, said after it: the distributors they manage and their
 * open action items, which nobody follows up until they are handed over (a try-out: the
 * record alone was printed).
 */
static void disabled_notes(struct cli *cli, json_int_t uid)
{
    /* A terminated distributor needs no manager: the relationships still running do. */
    static const char *const running[] = {"prospect", "onboarding", "active", "at_risk"};
    char managed[2048] = "", actions[2048] = "";
    bool more = false;
    int n = 0, m;
    for (size_t i = 0; i < sizeof running / sizeof running[0]; i++)
        if ((m = cli_list_some(
                 cli, "ListDistributors",
                 json_pack("{s:I,s:s}", "accountManagerId", uid, "status", running[i]),
                 "distributors", "name", NULL, managed, sizeof managed, &more)) > 0)
            n += m;
    if (n > 0) {
        fputs("liaison: note: still the account manager of distributors ", stderr);
        output_escaped(stderr, managed);
        fprintf(stderr, "%s; assign another ('liaison distributor assign')\n",
                more ? ", and more" : "");
    }
    more = false;
    if (cli_list_some(cli, "ListActionItems",
                      json_pack("{s:I,s:s}", "ownerUserId", uid, "status", "open"), "actionItems",
                      "dueOn", NULL, actions, sizeof actions, &more) > 0)
        fprintf(stderr,
                "liaison: note: still the owner of open action items (due day) %s%s; hand them "
                "over ('liaison action update ID --owner')\n",
                actions, more ? ", and more" : "");
}

static int user_disable(struct cli *cli, int argc, char **argv)
{
    json_int_t uid = 0;
    int rc = user_toggle(cli, argc, argv, "DisableUser", "user disable USER",
                         "Disables a user (id or e-mail): ends their sessions and revokes the API "
                         "tokens they made,\nfor good ('user enable' lets them log in again, and "
                         "their tokens are made anew). What they still hold is\nsaid after: the "
                         "distributors they manage and their open action items.",
                         "user disable bao@acme.example", "only tenant admins disable users", &uid);
    /* After --help nobody was disabled: uid stays 0, which ListDistributors takes for "any". */
    if (rc == EXIT_OK && uid > 0)
        disabled_notes(cli, uid);
    return rc;
}

static int user_enable(struct cli *cli, int argc, char **argv)
{
    json_int_t uid = 0;
    return user_toggle(cli, argc, argv, "EnableUser", "user enable USER",
                       "Enables a disabled user (id or e-mail).", "user enable bao@acme.example",
                       "only tenant admins enable users", &uid);
}

static int user_passwd(struct cli *cli, int argc, char **argv)
{
    const char *user = NULL;
    bool from_stdin = false;
    const struct cli_opt opts[] = {
        {"user", &user, NULL, false, "reset this user's password (id or e-mail; tenant admins)"},
        {"password-stdin", NULL, &from_stdin, false,
         "read passwords from standard input (current, then new, one per line; with --user "
         "another's new one only)"},
        {0}};
    const struct cli_command_spec spec = {
        "user passwd [--user USER] [--password-stdin]",
        "Changes your password (asks for the current one), or with --user resets another "
        "user's\npassword and ends their sessions. --user naming yourself changes yours, "
        "asking for\nthe current one.",
        opts, 0, "user passwd --user bao@acme.example"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t uid = 0;
    if (user && (rc = cli_resolve_user(cli, user,
                                       "only tenant admins reset another user's password", &uid)))
        return rc;
    if (uid) {
        /* One's own password is changed, with the current one: the server resets no one's own. */
        json_t *who;
        if ((rc = cli_call(cli, "WhoAmI", NULL, &who)))
            return rc;
        if (cli_json_id(json_object_get(json_object_get(who, "identity"), "userId")) == uid)
            uid = 0;
        json_decref(who);
    }
    char current[256] = "", fresh[256];
    if (!uid && (rc = cli_read_password("Current password: ", from_stdin, current, sizeof current)))
        return rc;
    if ((rc = cli_read_new_password("New password: ", from_stdin, fresh, sizeof fresh)))
        return rc;
    json_t *req = uid ? json_pack("{s:I,s:s}", "userId", uid, "newPassword", fresh)
                      : json_pack("{s:s,s:s}", "currentPassword", current, "newPassword", fresh);
    OPENSSL_cleanse(current, sizeof current);
    OPENSSL_cleanse(fresh, sizeof fresh);
    json_t *resp;
    rc = cli_call(cli, uid ? "ResetPassword" : "ChangePassword", req, &resp);
    json_decref(resp);
    /* A reset names whose it was: a mistyped USER once reset someone else's (a try-out). */
    if (rc == EXIT_OK && !cli->set.json && uid)
        printf("password of user %lld%s%s%s reset: their log-in sessions ended\n", (long long)uid,
               user[strspn(user, "0123456789")] ? " (" : "",
               user[strspn(user, "0123456789")] ? user : "",
               user[strspn(user, "0123456789")] ? ")" : "");
    else if (rc == EXIT_OK && !cli->set.json)
        printf("password changed\n");
    return rc;
}

int cmd_user(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"create", user_create, "create a user"},
        {"list", user_list, "list users"},
        {"update", user_update, "change a user's name, role, distributor or reach"},
        {"disable", user_disable, "disable a user"},
        {"enable", user_enable, "enable a user"},
        {"passwd", user_passwd, "change your password, or reset a user's"},
        {"hours", cli_user_hours, "a user's own working time (time zone, hours, days)"},
        {NULL, NULL, NULL}};
    return cli_subcommand("user", subs, argc, argv, cli);
}

static int token_create(struct cli *cli, int argc, char **argv)
{
    const char *name = NULL, *role = NULL, *days = "0";
    const struct cli_opt opts[] = {{"name", &name, NULL, true, "what the token is for"},
                                   {"role", &role, NULL, true, "tenant_admin, manager or auditor"},
                                   {"days", &days, NULL, false,
                                    "valid for N days, at most 3650 (default 0: no expiry)",
                                    "validDays"},
                                   {0}};
    const struct cli_command_spec spec = {
        "token create --name NAME --role ROLE [--days N]",
        "Creates an API token; it is printed once and cannot be shown again. The token\n"
        "acts as you, in the role given: a manager token reaches the distributors you are\n"
        "the account manager of (every one if you see all distributors), and none when you\n"
        "manage none; for an integration that reads every distributor, use auditor.",
        opts, 0, "token create --name erp-sync --role auditor --days 90"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    const char *r = role_enum(role, true);
    json_int_t d;
    if (!r)
        return EXIT_USAGE;
    if ((rc = cli_parse_uint("--days", days, 3650, &d)))
        return rc;
    /* Its secret is shown once and never stored: a repeat could not answer with it. */
    if (cli->set.idempotency_key) {
        fprintf(stderr, "liaison: --idempotency-key does not apply to token create: each "
                        "makes a new token, shown once (list them with 'liaison token list')\n");
        return EXIT_USAGE;
    }
    json_t *resp;
    rc = cli_call(cli, "CreateApiToken",
                  json_pack("{s:s,s:s,s:I}", "name", name, "role", r, "validDays", d), &resp);
    if (rc != EXIT_OK)
        return rc;
    /* Like every create, the object itself; the secret with it, as it is shown only now. */
    json_t *t = json_object_get(resp, "apiToken");
    const char *secret = json_string_value(json_object_get(resp, "token"));
    if (cli->set.json) {
        json_object_set(t, "token", json_object_get(resp, "token"));
        output_json(t);
    } else if (cli->set.ids) {
        cli_print_object(cli, token_cols, 6, t);
        fprintf(stderr, "token (shown once): %s\n", secret ? secret : "");
    } else {
        output_fields(token_cols, 6, t);
        printf("\ntoken (shown once): %s\n", secret ? secret : "");
    }
    json_decref(resp);
    return EXIT_OK;
}

static int token_list(struct cli *cli, int argc, char **argv)
{
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {CLI_PAGING_OPTS(page), {0}};
    const struct cli_command_spec spec = {"token list [--page-size N] [--cursor C] [--all]",
                                          "Lists your tenant's API tokens (never the tokens).",
                                          opts, 0, "token list"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return cli_list(cli, "ListApiTokens", json_object(), "apiTokens", token_cols, 6, &page);
}

static int token_revoke(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {"token revoke ID",
                                          "Revokes an API token at once; one revoked already "
                                          "is left as it is (a retry is safe).",
                                          opts, 1, "token revoke 3"};
    const char *id = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t tid;
    if ((rc = cli_parse_id(id, &tid)))
        return rc;
    json_t *resp;
    rc = cli_call(cli, "RevokeApiToken", json_pack("{s:I}", "id", tid), &resp);
    json_decref(resp);
    if (rc == EXIT_OK && !cli->set.json)
        printf("revoked token %lld\n", (long long)tid);
    return rc;
}

static const struct output_column session_cols[] = {{"ID", "id"},
                                                    {"EMAIL", "email"},
                                                    {"CREATED", "createdAt"},
                                                    {"EXPIRES", "expiresAt"},
                                                    {"THIS ONE", "current", OUTPUT_BOOL}};

static int session_list(struct cli *cli, int argc, char **argv)
{
    const char *user = NULL;
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"user", &user, NULL, false, "another user's (tenant admins): an id or e-mail", "userId"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "session list [--user USER] [--page-size N] [--cursor C] [--all]",
        "Lists your live log-in sessions (each log-in makes one), oldest first; THIS ONE\n"
        "is the one this command used. A tenant admin lists another user's with --user.\n"
        "API tokens are listed by 'token list'.",
        opts, 0, "session list --user mai@acme.example"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t uid = 0;
    if (user &&
        (rc = cli_resolve_user(cli, user, "only tenant admins list another user's sessions", &uid)))
        return rc;
    return cli_list(cli, "ListSessions", json_pack("{s:I}", "userId", uid), "sessions",
                    session_cols, 5, &page);
}

static int session_end(struct cli *cli, int argc, char **argv)
{
    const char *user = NULL;
    bool all = false;
    const struct cli_opt opts[] = {
        {"all", NULL, &all, false, "every log-in session of the user, this one included"},
        {"user", &user, NULL, false, "with --all, another user's (tenant admins): id or e-mail",
         "userId"},
        {0}};
    const struct cli_command_spec spec = {
        "session end ID\n       session end --all [--user USER]",
        "Ends a log-in session (an id from 'session list'), or with --all every one of\n"
        "yours, or of USER's (tenant admins): a laptop left signed in, a colleague who\n"
        "left. Its token is refused from then on; API tokens stay ('token revoke').",
        opts, 0, "session end --all --user mai@acme.example"};
    const char *id = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (!id == !all) {
        fprintf(stderr, "liaison: give a session's ID or --all, %s\n",
                id ? "not both" : "to end every session of the user");
        return EXIT_USAGE;
    }
    if (user && !all) {
        fprintf(stderr, "liaison: --user goes with --all: a session's ID names its user\n");
        return EXIT_USAGE;
    }
    json_int_t sid = 0, uid = 0;
    if ((id && (rc = cli_parse_id(id, &sid))) ||
        (user && (rc = cli_resolve_user(cli, user, "only tenant admins end another user's sessions",
                                        &uid))))
        return rc;
    json_t *resp;
    rc = cli_call(cli, "RevokeSessions",
                  json_pack("{s:I,s:I,s:b}", "id", sid, "userId", uid, "all", all), &resp);
    if (rc == EXIT_OK && cli->set.json)
        output_json(resp);
    else if (rc == EXIT_OK) {
        /* Only the server knows whether the caller's own session was among them. */
        const char *again = json_is_true(json_object_get(resp, "current"))
                                ? ", this one included: log in again to go on"
                                : "";
        json_int_t n = cli_json_id(json_object_get(resp, "revoked"));
        if (id)
            printf("ended session %lld%s\n", (long long)sid, again);
        else
            printf("ended %lld log-in session%s%s\n", (long long)n, n == 1 ? "" : "s", again);
    }
    json_decref(resp);
    return rc;
}

int cmd_session(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"list", session_list, "list log-in sessions"},
        {"end", session_end, "end a log-in session, or every one of a user's"},
        {NULL, NULL, NULL}};
    return cli_subcommand("session", subs, argc, argv, cli);
}

int cmd_token(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {{"create", token_create, "create an API token"},
                                                 {"list", token_list, "list API tokens"},
                                                 {"revoke", token_revoke, "revoke an API token"},
                                                 {NULL, NULL, NULL}};
    return cli_subcommand("token", subs, argc, argv, cli);
}
