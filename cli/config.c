/*
 * config.c - the CLI's settings: built-in defaults, then
 * ~/.config/liaison/config (name = value), then LIAISON_URL, LIAISON_CA,
 * LIAISON_CERT, LIAISON_KEY, LIAISON_TOKEN; the token of a saved session
 * (~/.config/liaison/session, written by 'liaison login') is used when no
 * other token is given. Command-line flags are applied last by main.
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

/* The path of a file in the CLI's configuration folder, or "" without HOME. */
static void cli_config_path(const char *file, char *path, size_t cap)
{
    const char *home = getenv("HOME");
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg)
        snprintf(path, cap, "%s/liaison/%s", xdg, file);
    else if (home && *home)
        snprintf(path, cap, "%s/.config/liaison/%s", home, file);
    else
        path[0] = '\0';
}

int cli_config_load(struct cli_settings *set)
{
    if (cli_set(&set->url, "liaison://127.0.0.1:7443") < 0)
        return -1;
    char path[4096];
    cli_config_path("config", path, sizeof path);
    if (path[0] && cli_config_file(set, path) < 0)
        return -1;
    cli_config_path("session", path, sizeof path);
    if (path[0] && cli_config_file(set, path) < 0)
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
    return 0;
}

void cli_config_free(struct cli_settings *set)
{
    free(set->url);
    free(set->ca);
    free(set->cert);
    free(set->key);
    free(set->timeout_ms);
    free(set->token);
}

int cli_session_save(const char *url, const char *token)
{
    char path[4096], dir[4096];
    cli_config_path("session", path, sizeof path);
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

int cli_session_remove(void)
{
    char path[4096];
    cli_config_path("session", path, sizeof path);
    if (path[0] && unlink(path) < 0 && errno != ENOENT) {
        fprintf(stderr, "liaison: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}
