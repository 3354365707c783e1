/*
 * config.c - the CLI's settings: built-in defaults, then
 * ~/.config/liaison/config (name = value), then LIAISON_URL, LIAISON_CA,
 * LIAISON_CERT, LIAISON_KEY; command-line flags are applied last by main.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int cli_config_load(struct cli_settings *set)
{
    if (cli_set(&set->url, "liaison://127.0.0.1:7443") < 0)
        return -1;
    const char *home = getenv("HOME");
    const char *xdg = getenv("XDG_CONFIG_HOME");
    char path[4096];
    if (xdg && *xdg)
        snprintf(path, sizeof path, "%s/liaison/config", xdg);
    else if (home && *home)
        snprintf(path, sizeof path, "%s/.config/liaison/config", home);
    else
        path[0] = '\0';
    if (path[0] && cli_config_file(set, path) < 0)
        return -1;
    const struct {
        const char *env;
        char **slot;
    } envs[] = {{"LIAISON_URL", &set->url},
                {"LIAISON_CA", &set->ca},
                {"LIAISON_CERT", &set->cert},
                {"LIAISON_KEY", &set->key}};
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
}
