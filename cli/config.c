/*
 * config.c - the CLI's settings: built-in defaults, then the profile's
 * config file (name = value), then LIAISON_URL, LIAISON_CA, LIAISON_CERT,
 * LIAISON_KEY, LIAISON_TOKEN; command-line flags are applied last by main.
 * The default profile lives in ~/.config/liaison/, profile NAME in
 * ~/.config/liaison/profiles/NAME/. A saved session (written by 'liaison
 * login') records the URL it was made for: its URL is the default server,
 * and its token is used only when no other token is given and the final
 * URL is that one, so pointing the CLI elsewhere never sends it there.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int cli_set(char **slot, const char *value)
{
    char *copy = strdup(value);
    if (!copy) {
        fprintf(stderr, "liaison: out of memory\n");
        return -1;
    }
    free(*slot);
    *slot = copy;
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int cli_config_file(struct cli_settings *set, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0
                               : (fprintf(stderr, "liaison: %s: %s\n", path, strerror(errno)), -1);
    char line[4096];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        char *p = trim(line);
        if (!*p || *p == '#')
            continue;
        char *eq = strchr(p, '=');
        if (!eq) {
            fprintf(stderr, "liaison: %s:%d: expected 'name = value'\n", path, lineno);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *name = trim(p), *value = trim(eq + 1);
        char **slot = !strcmp(name, "url")       ? &set->url
                      : !strcmp(name, "ca")      ? &set->ca
                      : !strcmp(name, "cert")    ? &set->cert
                      : !strcmp(name, "key")     ? &set->key
                      : !strcmp(name, "timeout") ? &set->timeout_ms
                      : !strcmp(name, "token")   ? &set->token
                                                 : NULL;
        if (!slot) {
            fprintf(stderr, "liaison: %s:%d: unknown setting '%s'\n", path, lineno, name);
            rc = -1;
            break;
        }
        rc = cli_set(slot, value);
    }
    fclose(f);
    return rc;
}

bool cli_profile_valid(const char *name)
{
    if (!*name || *name == '.' || strlen(name) > 64)
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
            return false;
    return true;
}

/*
 * The path of a file in the profile's configuration folder, or "" without
 * HOME (or when the path would not fit: the callers then say they cannot).
 */
static void cli_config_path(const char *profile, const char *file, char *path, size_t cap)
{
    const char *home = getenv("HOME");
    const char *xdg = getenv("XDG_CONFIG_HOME");
    bool use_xdg = xdg && *xdg;
    const char *root = use_xdg ? xdg : home && *home ? home : NULL;
    int n = root ? snprintf(path, cap, "%s%s/liaison%s%s/%s", root, use_xdg ? "" : "/.config",
                            profile ? "/profiles/" : "", profile ? profile : "", file)
                 : -1;
    if (n < 0 || (size_t)n >= cap)
        path[0] = '\0';
}

int cli_config_load(struct cli_settings *set)
{
    free(set->url);
    set->url = NULL;
    char path[4096];
    cli_config_path(set->profile, "config", path, sizeof path);
    if (path[0] && cli_config_file(set, path) < 0)
        return -1;
    /*
     * The config file's url outranks the saved session's, as --help says: an operator who
     * moved the service and edited it went on reaching the old one (a try-out).
     */
    bool configured = set->url && *set->url;
    if (set->token)
        set->token_from = CLI_TOKEN_GIVEN;
    /* Read aside: its token must not join the settings until the URL is final. */
    struct cli_settings session = {0};
    cli_config_path(set->profile, "session", path, sizeof path);
    if (path[0] && cli_config_file(&session, path) < 0) {
        cli_config_free(&session);
        return -1;
    }
    if (session.url && session.token) {
        set->session_url = session.url;
        set->session_token = session.token;
        session.url = session.token = NULL;
        if (!configured && cli_set(&set->url, set->session_url) < 0) {
            cli_config_free(&session);
            return -1;
        }
    }
    cli_config_free(&session);
    if (!set->url && cli_set(&set->url, "liaison://127.0.0.1:7443") < 0)
        return -1;
    const struct {
        const char *env;
        char **slot;
    } envs[] = {{"LIAISON_URL", &set->url},
                {"LIAISON_CA", &set->ca},
                {"LIAISON_CERT", &set->cert},
                {"LIAISON_KEY", &set->key},
                {"LIAISON_TOKEN", &set->token}};
    for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
        const char *v = getenv(envs[i].env);
        if (v && *v && cli_set(envs[i].slot, v) < 0)
            return -1;
    }
    if (set->token)
        set->token_from = CLI_TOKEN_GIVEN;
    return 0;
}

/*
 * url with its default port made explicit, so that liaison://h and
 * liaison://h:7443 count as one server; anything else is compared as it is.
 */
static void cli_url_canonical(const char *url, char *out, size_t cap)
{
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    size_t len = strlen(url);
    while (len && url[len - 1] == '/')
        len--;
    const char *bracket = strrchr(host, ']');
    const char *colon = strrchr(bracket ? bracket : host, ':');
    if (colon && colon < url + len)
        snprintf(out, cap, "%.*s", (int)len, url);
    else
        snprintf(out, cap, "%.*s:7443", (int)len, url);
}

void cli_config_resolve_token(struct cli_settings *set)
{
    /*
     * A client certificate is an operator's (operator_ca): the saved session, a tenant user's,
     * went with it and the server took the session, refusing the operator's command in the
     * user's name (a try-out).
     */
    if (set->token || !set->session_token || (set->cert && *set->cert))
        return;
    char a[1024], b[1024];
    cli_url_canonical(set->url, a, sizeof a);
    cli_url_canonical(set->session_url, b, sizeof b);
    if (strcmp(a, b) != 0)
        return;
    set->token = strdup(set->session_token);
    if (set->token)
        set->token_from = CLI_TOKEN_SESSION;
}

void cli_config_free(struct cli_settings *set)
{
    free(set->url);
    free(set->ca);
    free(set->cert);
    free(set->key);
    free(set->timeout_ms);
    free(set->idempotency_key);
    free(set->token);
    free(set->profile);
    free(set->session_url);
    free(set->session_token);
}

int cli_session_save(const char *profile, const char *url, const char *token)
{
    char path[4096], dir[4096];
    cli_config_path(profile, "session", path, sizeof path);
    if (!path[0]) {
        fprintf(stderr, "liaison: HOME is not set; cannot save the session\n");
        return -1;
    }
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    *slash = '\0';
    /* ~/.config may not exist yet: make each missing level, private. */
    for (char *p = dir + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(dir, 0700);
            *p = '/';
        }
    }
    mkdir(dir, 0700);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || fchmod(fd, 0600) < 0) {
        fprintf(stderr, "liaison: %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return -1;
    }
    fprintf(f, "# written by 'liaison login'; removed by 'liaison logout'\nurl = %s\ntoken = %s\n",
            url, token);
    if (fclose(f) != 0) {
        fprintf(stderr, "liaison: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int cli_session_remove(const char *profile)
{
    char path[4096];
    cli_config_path(profile, "session", path, sizeof path);
    if (path[0] && unlink(path) < 0 && errno != ENOENT) {
        fprintf(stderr, "liaison: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}
