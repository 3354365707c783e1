/*
 * cmd_meta.c - what the CLI says about itself and the protocol: 'methods'
 * (every RPC and its request's fields, from the client library's
 * introspection call), the suggestions 'call' makes, and 'completion'.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Every RPC the client library knows, or NULL after saying why. */
static json_t *meta_methods(void)
{
    char *text = NULL;
    if (liaison_methods_json(&text) != LIAISON_OK) {
        fprintf(stderr, "liaison: out of memory\n");
        return NULL;
    }
    json_t *all = json_loads(text, 0, NULL);
    liaison_string_free(text);
    if (!all)
        fprintf(stderr, "liaison: unreadable method list\n");
    return all;
}

static const json_t *meta_find(const json_t *all, const char *name)
{
    size_t i;
    const json_t *m;
    json_array_foreach(
        all, i, m) if (!strcmp(json_string_value(json_object_get(m, "name")), name)) return m;
    return NULL;
}

/* Whether needle occurs in hay, ignoring case. */
static bool meta_contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n))
            return true;
    return false;
}

/*
 * method itself when it is an RPC; otherwise up to three close names
 * ("CreateContact, CreateContract"), or "" when nothing is close.
 */
void cli_method_suggest(const char *method, char *buf, size_t cap)
{
    buf[0] = '\0';
    /* Every 'call' asks this; the full list is built only for a name that is not an RPC. */
    if (liaison_method_exists(method)) {
        snprintf(buf, cap, "%s", method);
        return;
    }
    json_t *all = meta_methods();
    if (!all)
        return;
    /* The nearest misspellings; failing those, names that contain what was typed. */
    size_t limit = strlen(method) / 3 > 2 ? strlen(method) / 3 : 2, best = limit + 1;
    size_t i;
    json_t *m;
    json_array_foreach(all, i, m)
    {
        size_t d = cli_edit_distance(method, json_string_value(json_object_get(m, "name")));
        if (d < best)
            best = d;
    }
    int shown = 0;
    json_array_foreach(all, i, m)
    {
        const char *name = json_string_value(json_object_get(m, "name"));
        bool close = best <= limit ? cli_edit_distance(method, name) == best
                                   : strlen(method) >= 4 && meta_contains(name, method);
        if (close && shown < 3) {
            size_t len = strlen(buf);
            snprintf(buf + len, cap - len, "%s%s", shown ? ", " : "", name);
            shown++;
        }
    }
    json_decref(all);
}

/* "liaison.v1.ContactFields" -> "ContactFields". */
static const char *meta_short(const char *type)
{
    const char *dot = strrchr(type, '.');
    return dot ? dot + 1 : type;
}

/* Prints fields, indented by depth, message fields followed by their own. */
static void meta_print_fields(FILE *f, const json_t *fields, int depth)
{
    size_t i;
    const json_t *fld;
    json_array_foreach(fields, i, fld)
    {
        const char *name = json_string_value(json_object_get(fld, "name"));
        const char *type = meta_short(json_string_value(json_object_get(fld, "type")));
        bool repeated = json_is_true(json_object_get(fld, "repeated"));
        int pad = 24 - 2 * depth;
        fprintf(f, "%*s%-*s %s%s", 2 * depth + 2, "", pad > 1 ? pad : 1, name,
                repeated ? "repeated " : "", type);
        const json_t *values = json_object_get(fld, "values");
        if (values) {
            fputs(" (", f);
            size_t v;
            const json_t *val;
            json_array_foreach(values, v, val)
                fprintf(f, "%s%s", v ? ", " : "", json_string_value(val));
            fputc(')', f);
        }
        fputc('\n', f);
        meta_print_fields(f, json_object_get(fld, "fields"), depth + 1);
    }
}

void cli_method_fields(FILE *f, const char *method)
{
    json_t *all = meta_methods();
    const json_t *m = all ? meta_find(all, method) : NULL;
    const json_t *fields = m ? json_object_get(m, "fields") : NULL;
    if (m && !json_array_size(fields))
        /* An empty list under a colon read as if the fields had been lost. */
        fprintf(f, "%s takes no fields: send {}\n", method);
    else if (m) {
        fprintf(f, "%s takes (JSON names):\n", method);
        meta_print_fields(f, fields, 0);
    }
    json_decref(all);
}

/* A pattern with wildcards is a glob, otherwise a part of the name; case is ignored. */
static bool meta_match(const char *pattern, const char *name)
{
    if (strpbrk(pattern, "*?["))
        return fnmatch(pattern, name, FNM_CASEFOLD) == 0;
    return meta_contains(name, pattern);
}

int cmd_methods(struct cli *cli, int argc, char **argv)
{
    bool fields = false;
    const struct cli_opt opts[] = {
        {"fields", NULL, &fields, false, "show each request's fields (the default with a pattern)"},
        {0}};
    const struct cli_command_spec spec = {
        "methods [PATTERN] [--fields]",
        "Lists every RPC this CLI can send with 'liaison call', from the client library's\n"
        "own description of the protocol. With PATTERN (a part of the name, or a glob such\n"
        "as 'List*'), or with --fields, each request's fields and their types.",
        opts, 0, "methods charter"};
    const char *pattern = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &pattern, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_t *all = meta_methods();
    if (!all)
        return EXIT_ERROR;
    json_t *chosen = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(all, i, m)
    {
        const char *name = json_string_value(json_object_get(m, "name"));
        if (!pattern || meta_match(pattern, name))
            json_array_append(chosen, m);
    }
    json_decref(all);
    if (pattern && json_array_size(chosen) == 0) {
        fprintf(stderr, "liaison: no method matches '");
        output_escaped(stderr, pattern);
        fprintf(stderr, "' (see 'liaison methods')\n");
        json_decref(chosen);
        return EXIT_NOT_FOUND;
    }
    static const struct output_column cols[] = {{"METHOD", "name"}, {"REQUEST", "request"}};
    if (cli->set.json || cli->set.ids || (!pattern && !fields)) {
        cli_print_rows(cli, cols, 2, chosen);
    } else {
        json_array_foreach(chosen, i, m)
        {
            printf("%s%s\n", i ? "\n" : "", json_string_value(json_object_get(m, "name")));
            meta_print_fields(stdout, json_object_get(m, "fields"), 0);
        }
    }
    json_decref(chosen);
    return EXIT_OK;
}

/*
 * The bash script reads the CLI's own --help at each level: the words typed
 * so far that are not options give the command, its help lists the
 * subcommands (indented names) and options (--names).
 */
static const char completion_bash[] =
    "# bash completion for liaison: source <(liaison completion bash)\n"
    "_liaison() {\n"
    "    local bin=${_LIAISON_BIN:-%s}\n"
    "    local cur=${COMP_WORDS[COMP_CWORD]} w i skip=0 stop=0\n"
    "    local -a words=()\n"
    "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
    "        w=${COMP_WORDS[i]}\n"
    "        if ((skip)); then skip=0; continue; fi\n"
    "        case $w in\n"
    "        --url | --ca | --cert | --key | --token | --timeout | --profile | --output | -o) "
    "skip=1 ;;\n"
    "        -*) ((${#words[@]})) && stop=1 ;;\n"
    "        *) ((stop)) || words+=(\"$w\") ;;\n"
    "        esac\n"
    "    done\n"
    "    local help\n"
    "    help=$(\"$bin\" \"${words[@]}\" --help 2>/dev/null) || return 0\n"
    "    local names flags\n"
    "    names=$(awk '/^[A-Z][^:]*:$/ {s = $0} s != \"Options:\" && s != \"Example:\" &&\n"
    "                 /^  [a-z][a-z0-9-]* / {print $1}' <<<\"$help\")\n"
    "    flags=$(awk '/^  -/ {for (i = 1; i <= NF; i++) if ($i ~ /^--[a-z]/) "
    "{sub(/,$/, \"\", $i); print $i; break}}' <<<\"$help\")\n"
    "    if [[ $cur == -* ]]; then\n"
    "        ((${#words[@]})) && flags+=$'\\n--json\\n--output\\n--profile\\n--help'\n"
    "        COMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n"
    "    elif ((!stop)) && [[ -n $names ]]; then\n"
    "        COMPREPLY=($(compgen -W \"$names\" -- \"$cur\"))\n"
    "    fi\n"
    "}\n"
    "complete -F _liaison liaison\n";

int cmd_completion(struct cli *cli, int argc, char **argv)
{
    (void)cli; /* prints a script; no settings needed */
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "completion bash",
        "Prints a bash completion script for commands, subcommands and options.\n"
        "Add the example's line to ~/.bashrc to have it in every shell.",
        opts, 1, "completion bash > ~/.local/share/bash-completion/completions/liaison"};
    const char *shell = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &shell, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (strcmp(shell, "bash") != 0) {
        fprintf(stderr, "liaison: only bash is supported\n");
        return EXIT_USAGE;
    }
    /* The script calls this very binary back, wherever it is installed. */
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0)
        self[n] = '\0';
    if (n <= 0 || strchr(self, '\''))
        snprintf(self, sizeof self, "liaison");
    char quoted[4200];
    snprintf(quoted, sizeof quoted, "'%s'", self);
    printf(completion_bash, quoted);
    return EXIT_OK;
}
