/*
 * cmd_auth.c - login, logout, whoami.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"

static const struct output_column identity_cols[] = {{"kind", "kind"},
                                                     {"token name", "apiTokenName"},
                                                     {"name", "name"},
                                                     {"display name", "displayName"},
                                                     {"role", "role", OUTPUT_ENUM, "ROLE_"},
                                                     {"tenant", "tenant"},
                                                     {"tenant name", "tenantName"},
                                                     {"user id", "userId"},
                                                     {"distributor", "distributorName"},
                                                     {"distributor id", "distributorId"}};

int cmd_login(struct cli *cli, int argc, char **argv)
{
    const char *tenant = NULL, *email = NULL;
    bool from_stdin = false;
    const struct cli_opt opts[] = {
        {"tenant", &tenant, NULL, true, "tenant slug"},
        {"email", &email, NULL, true, "your e-mail address"},
        {"password-stdin", NULL, &from_stdin, false, "read the password from standard input"},
        {0}};
    const struct cli_command_spec spec = {
        "login --tenant SLUG --email EMAIL [--password-stdin]",
        "Logs in and saves the session token in ~/.config/liaison/session (mode 0600), or\n"
        "with --profile NAME in ~/.config/liaison/profiles/NAME/session ($XDG_CONFIG_HOME\n"
        "for ~/.config when it is set), with the URL it is for: it is sent to that server\n"
        "only. The password is asked for without echo, or read from standard input.",
        opts, 0, "login --tenant acme --email ana@acme.example"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    char password[256];
    if ((rc = cli_read_password("Password: ", from_stdin, password, sizeof password)))
        return rc;
    /* A token given by --token, LIAISON_TOKEN or the config file outranks a saved session. */
    bool overridden = cli->set.token_from == CLI_TOKEN_GIVEN;
    free(cli->set.token); /* a log-in replaces whatever token was configured */
    cli->set.token = NULL;
    cli->set.token_from = CLI_TOKEN_NONE;
    rc = cli_connect(cli);
    if (rc != EXIT_OK) {
        OPENSSL_cleanse(password, sizeof password);
        return rc;
    }
    char *token = NULL;
    rc = liaison_login(cli->conn, tenant, email, password, &token);
    OPENSSL_cleanse(password, sizeof password);
    if (rc != LIAISON_OK) {
        /* A suspended organisation is said as every other command says it. */
        if (rc == LIAISON_PERMISSION_DENIED && strstr(liaison_error(cli->conn), "suspended"))
            cli_print_connect_error(cli, rc);
        else if (rc == LIAISON_PERMISSION_DENIED && !cli->set.json)
            fprintf(stderr, "liaison: not allowed: %s\n", liaison_error(cli->conn));
        else
            fprintf(stderr, "liaison: %s: %s\n", liaison_code_name(rc), liaison_error(cli->conn));
        return cli_exit_code(cli, rc);
    }
    int saved = cli_session_save(cli->set.profile, cli->set.url, token);
    liaison_string_free(token);
    if (saved < 0)
        return EXIT_ERROR;
    /* The slug as the server took it: capitals are read as small letters. */
    char slug[64];
    snprintf(slug, sizeof slug, "%s", tenant);
    for (char *p = slug; *p; p++)
        *p = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
    tenant = slug;
    if (cli->set.json) {
        json_t *out = json_pack("{s:s,s:s,s:b}", "tenant", tenant, "email", email, "loggedIn", 1);
        output_json(out);
        json_decref(out);
    } else {
        if (cli->set.profile)
            printf("logged in to %s as %s (profile %s)\n", tenant, email, cli->set.profile);
        else
            printf("logged in to %s as %s\n", tenant, email);
    }
    if (overridden)
        fprintf(stderr,
                "liaison: --token, LIAISON_TOKEN or the config file's token is set and "
                "is used before this session: unset it to act as %s\n",
                email);
    return EXIT_OK;
}

/*
 * With no saved session, a token given by --token, LIAISON_TOKEN or the config file is ended
 * only if it is a log-in session's: the server answers an operator's or an API token's logout
 * by forgetting the connection's identity, which would print "logged out" with the token still
 * good. EXIT_OK to go on; -1 when the server had ended it already (said); else an exit code.
 */
static int logout_given_is_session(struct cli *cli)
{
    int rc;
    if ((rc = cli_open(cli)))
        return rc;
    /* A token refused is one the server ended already: refused when connecting, or asked. */
    char *resp = NULL;
    int code = liaison_connect(cli->conn);
    if (code == LIAISON_OK)
        code = liaison_call_json(cli->conn, "WhoAmI", NULL, &resp);
    else if (code != LIAISON_UNAUTHENTICATED) {
        cli_print_connect_error(cli, code);
        return cli_exit_code(cli, code);
    }
    if (code != LIAISON_OK)
        liaison_string_free(resp);
    if (code == LIAISON_UNAUTHENTICATED) {
        if (!cli->set.json)
            printf("already logged out: the server had ended the session\n");
        return -1;
    }
    if (code != LIAISON_OK) {
        cli_print_error(cli, code, NULL);
        return cli_exit_code(cli, code);
    }
    json_t *out = json_loads(resp, 0, NULL);
    liaison_string_free(resp);
    const char *kind = json_string_value(json_object_get(json_object_get(out, "identity"), "kind"));
    bool session = kind && !strcmp(kind, "session");
    if (!session)
        fprintf(stderr,
                "liaison: no session is saved%s%s, and the token given (--token, LIAISON_TOKEN "
                "or the config file's) is %s: logout ends log-in sessions only; revoke an API "
                "token with 'liaison token revoke ID', an operator token with 'liaisond "
                "operator revoke NAME', or stop giving it here\n",
                cli->set.profile ? " for profile " : "", cli->set.profile ? cli->set.profile : "",
                kind && !strcmp(kind, "operator") ? "an operator token" : "an API token");
    json_decref(out);
    return session ? EXIT_OK : EXIT_USAGE;
}

int cmd_logout(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "logout",
        "Ends the saved session on the server and removes it from this machine, whatever\n"
        "--token, LIAISON_TOKEN or the config file's token say (they are still used by later\n"
        "commands). With no session saved, ends the log-in session whose token one of them\n"
        "gives; an API or operator token is refused (revoke it instead). A session the\n"
        "server has already ended (revoked or expired) counts as logged out.",
        opts, 0, "logout"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    bool given = cli->set.token_from == CLI_TOKEN_GIVEN;
    /* The saved session is ended where it was made, whatever --url says. */
    if (cli->set.session_token) {
        char *url = strdup(cli->set.session_url), *token = strdup(cli->set.session_token);
        if (!url || !token) {
            free(url);
            free(token);
            return EXIT_ERROR;
        }
        free(cli->set.url);
        cli->set.url = url;
        free(cli->set.token);
        cli->set.token = token;
        cli->set.token_from = CLI_TOKEN_SESSION;
    } else if (given && (rc = logout_given_is_session(cli)) != EXIT_OK) {
        return rc < 0 ? EXIT_OK : rc;
    }
    if (!cli->set.token) {
        if (cli_session_remove(cli->set.profile) < 0)
            return EXIT_ERROR;
        if (!cli->set.json)
            printf("not logged in\n");
        return EXIT_OK;
    }
    if ((rc = cli_open(cli)) != EXIT_OK)
        return rc;
    int code = liaison_connect(cli->conn);
    bool connected = code == LIAISON_OK;
    if (connected)
        code = liaison_logout(cli->conn);
    /* Refused as unknown, revoked or expired: the server has already ended it. */
    bool stale = code == LIAISON_UNAUTHENTICATED;
    if (code != LIAISON_OK && !stale) {
        if (connected)
            cli_print_error(cli, code, NULL);
        else
            cli_print_connect_error(cli, code);
    }
    /*
     * Only a session the server ended (now or before) is forgotten here: one it would not end
     * (a suspended tenant, a rate limit, the server down) is still live, and this file is the
     * only way left to end it.
     */
    bool ended = code == LIAISON_OK || stale;
    if (ended && cli_session_remove(cli->set.profile) < 0)
        return EXIT_ERROR;
    if (!ended && cli->set.token_from == CLI_TOKEN_SESSION)
        fprintf(stderr,
                "liaison: the session is still live and stays saved: run `liaison%s%s "
                "logout` again to end it\n",
                cli->set.profile ? " --profile " : "", cli->set.profile ? cli->set.profile : "");
    if (!cli->set.json && (code == LIAISON_OK || stale))
        printf(stale ? "already logged out: the server had ended the session\n" : "logged out\n");
    if (given && cli->set.token_from == CLI_TOKEN_SESSION && (code == LIAISON_OK || stale))
        fprintf(stderr, "liaison: --token, LIAISON_TOKEN or the config file's token is still "
                        "given: later commands use it\n");
    return stale ? EXIT_OK : cli_exit_code(cli, code);
}

int cmd_whoami(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {"whoami", "Shows who the current credentials are.", opts,
                                          0, "whoami"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_t *resp;
    rc = cli_call(cli, "WhoAmI", NULL, &resp);
    if (rc != EXIT_OK)
        return rc;
    cli_print_object(cli, identity_cols, (int)(sizeof identity_cols / sizeof identity_cols[0]),
                     json_object_get(resp, "identity"));
    json_decref(resp);
    return EXIT_OK;
}
