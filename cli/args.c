/*
 * args.c - option tables for subcommands: each command lists its options
 * once, and gets parsing, --help and usage errors from here.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void args_usage(FILE *out, const struct cli_command_spec *spec)
{
    fprintf(out, "Usage: liaison %s\n%s\n", spec->usage, spec->summary);
    if (spec->opts[0].name)
        fprintf(out, "\nOptions:\n");
    for (const struct cli_opt *o = spec->opts; o->name; o++) {
        char left[48];
        snprintf(left, sizeof left, "--%s%s", o->name, o->value ? " VALUE" : "");
        fprintf(out, "  %-26s %s%s\n", left, o->help, o->required ? " (required)" : "");
    }
}

int cli_args_parse(const struct cli_command_spec *spec, int argc, char **argv,
                   const char **positional, int npositional)
{
    int got = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            args_usage(stdout, spec);
            return -1;
        }
        if (strncmp(a, "--", 2) != 0 || !a[2]) {
            if (got == npositional) {
                fprintf(stderr, "liaison: unexpected argument '%s'\n\n", a);
                args_usage(stderr, spec);
                return EXIT_USAGE;
            }
            positional[got++] = a;
            continue;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const struct cli_opt *o = spec->opts;
        while (o->name && (strlen(o->name) != len || strncmp(o->name, name, len)))
            o++;
        if (!o->name) {
            fprintf(stderr, "liaison: unknown option '%s'\n\n", a);
            args_usage(stderr, spec);
            return EXIT_USAGE;
        }
        if (o->flag) {
            if (eq) {
                fprintf(stderr, "liaison: --%s takes no value\n", o->name);
                return EXIT_USAGE;
            }
            *o->flag = true;
            continue;
        }
        if (eq) {
            *o->value = eq + 1;
        } else if (i + 1 < argc) {
            *o->value = argv[++i];
        } else {
            fprintf(stderr, "liaison: --%s needs a value\n", o->name);
            return EXIT_USAGE;
        }
    }
    for (const struct cli_opt *o = spec->opts; o->name; o++) {
        if (o->required && o->value && !*o->value) {
            fprintf(stderr, "liaison: --%s is required\n\n", o->name);
            args_usage(stderr, spec);
            return EXIT_USAGE;
        }
    }
    if (got < spec->npositional_required) {
        fprintf(stderr, "liaison: missing argument\n\n");
        args_usage(stderr, spec);
        return EXIT_USAGE;
    }
    return 0;
}

int cli_subcommand(const char *family, const struct cli_subcommand *subs, int argc, char **argv,
                   struct cli *cli)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf(out, "Usage: liaison %s COMMAND [OPTIONS]\n\nCommands:\n", family);
        for (const struct cli_subcommand *s = subs; s->name; s++)
            fprintf(out, "  %-10s %s\n", s->name, s->summary);
        fprintf(out, "\nRun 'liaison %s COMMAND --help' for its options.\n", family);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    for (const struct cli_subcommand *s = subs; s->name; s++)
        if (!strcmp(s->name, argv[1]))
            return s->run(cli, argc - 1, argv + 1);
    fprintf(stderr, "liaison: unknown command '%s %s' (see 'liaison %s --help')\n", family, argv[1],
            family);
    return EXIT_USAGE;
}
