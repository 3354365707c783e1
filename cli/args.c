/*
 * args.c - option tables for subcommands: each command lists its options
 * once, and gets parsing, --help (with an example), UTF-8 checks and usage
 * errors from here.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

bool cli_utf8_valid(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        if (s[0] < 0x80) {
            s++;
            continue;
        }
        size_t n = (s[0] & 0xE0) == 0xC0   ? 2
                   : (s[0] & 0xF0) == 0xE0 ? 3
                   : (s[0] & 0xF8) == 0xF0 ? 4
                                           : 0;
        if (n == 0)
            return false;
        unsigned long cp = s[0] & (0x7F >> n);
        for (size_t i = 1; i < n; i++) {
            if ((s[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i] & 0x3F);
        }
        static const unsigned long least[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        s += n;
    }
    return true;
}

static void args_usage(FILE *out, const struct cli_command_spec *spec)
{
    fprintf(out, "Usage: liaison %s\n%s\n", spec->usage, spec->summary);
    if (spec->opts[0].name)
        fprintf(out, "\nOptions:\n");
    for (const struct cli_opt *o = spec->opts; o->name; o++) {
        char left[48];
        snprintf(left, sizeof left, "--%s%s", o->name, o->value ? " VALUE" : "");
        /* A label that fills its column gets its help on the next line, not run into it. */
        if (strlen(left) >= 26)
            fprintf(out, "  %s\n  %-26s %s%s\n", left, "", o->help,
                    o->required ? " (required)" : "");
        else
            fprintf(out, "  %-26s %s%s\n", left, o->help, o->required ? " (required)" : "");
    }
    if (spec->example)
        fprintf(out, "\nExample:\n  $ liaison %s\n", spec->example);
}

/* Refuses a word that is not UTF-8 before anything is sent, naming it. */
static int args_utf8(const char *word, const char *option, int position)
{
    if (cli_utf8_valid(word))
        return 0;
    if (option)
        fprintf(stderr, "liaison: --%s: not valid UTF-8\n", option);
    else
        fprintf(stderr, "liaison: argument %d: not valid UTF-8\n", position);
    return EXIT_USAGE;
}

/* One command runs per process: its spec is kept for the errors it may print. */
static const struct cli_command_spec *args_current;
/* The first option of the running command given an empty value, or NULL. */
static const char *args_empty;

const struct cli_command_spec *cli_args_spec(void)
{
    return args_current;
}

const char *cli_args_empty(void)
{
    return args_empty;
}

/*
 * The name the usage line gives the n-th argument (from 0), e.g. DISTRIBUTOR in
 * "charter draft DISTRIBUTOR": "missing argument" alone does not say which one.
 * Skips the command's own words, each option's value and whatever is in
 * brackets or in a group of options "(--a | --b)", which may run on to the
 * next line. A choice of words ("approve|reject") is named as written; a
 * group of them ("(update [--title T] | pause)") has no one name: false.
 */
static bool args_positional_name(const char *usage, int n, char *out, size_t cap)
{
    const char *p = usage;
    bool after_option = false;
    int depth = 0;
    for (;;) {
        while (*p == ' ' || (*p == '\n' && depth > 0))
            p++;
        size_t len = strcspn(p, " \n");
        if (!len)
            return false;
        bool upper = false, lower = false, choice = false;
        int opens = 0, closes = 0;
        for (size_t i = 0; i < len; i++) {
            upper |= p[i] >= 'A' && p[i] <= 'Z';
            lower |= p[i] >= 'a' && p[i] <= 'z';
            choice |= p[i] == '|';
            opens += p[i] == '[' || p[i] == '(';
            closes += p[i] == ']' || p[i] == ')';
        }
        bool option = p[0] == '-';
        if (depth == 0 && !after_option) {
            bool words = p[0] == '(' && p[1] != '-';
            bool named = !opens && !option && ((upper && !lower) || (choice && lower && !upper));
            if ((words || named) && n-- == 0) {
                if (words || len >= cap)
                    return false;
                memcpy(out, p, len);
                out[len] = '\0';
                return true;
            }
        }
        depth = depth + opens - closes > 0 ? depth + opens - closes : 0;
        after_option = option && depth == 0;
        p += len;
    }
}

bool cli_args_positional_named(const char *word)
{
    char name[64];
    for (int n = 0; args_current && args_positional_name(args_current->usage, n, name, sizeof name);
         n++)
        if (!strcmp(name, word))
            return true;
    return false;
}

size_t cli_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[64];
    if (la >= 64 || lb >= 64)
        return 64;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best =
                diag + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *cli_nearest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = 3;
    /* One edit for a short word, two for a longer one: 'lst' is 'list', 'ls' is nothing. */
    size_t limit = strlen(word) <= 4 ? 1 : 2;
    for (size_t i = 0; i < n; i++) {
        size_t d = cli_edit_distance(word, names[i]);
        if (d <= limit && d < best_d) {
            best = names[i];
            best_d = d;
        }
    }
    return best;
}

/* argv[0] is the command's word, never an option. */
int cli_take_repeated(const char *name, int argc, char **argv, json_t *values)
{
    size_t n = strlen(name);
    int out = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (i > 0 && !strcmp(a, "--")) { /* the rest are arguments, "--" kept for the parser */
            while (i < argc)
                argv[out++] = argv[i++];
            break;
        }
        if (i > 0 && !strncmp(a, "--", 2) && !strncmp(a + 2, name, n)) {
            if (a[2 + n] == '=' && cli_utf8_valid(a + 3 + n)) {
                json_array_append_new(values, json_string(a + 3 + n));
                continue;
            }
            if (!a[2 + n] && i + 1 < argc && cli_utf8_valid(argv[i + 1])) {
                json_array_append_new(values, json_string(argv[++i]));
                continue;
            }
        }
        argv[out++] = argv[i];
    }
    return out;
}

/*
 * Whether a word is an option's name (--sees-all, --note=x), not a value: "--name --sees-all"
 * made a manager named "--sees-all" (a try-out). A value that looks like one is given as
 * --name=VALUE.
 */
static bool args_is_option_word(const char *s)
{
    if (s[0] != '-' || s[1] != '-' || !islower((unsigned char)s[2]))
        return false;
    for (s += 2; *s && *s != '='; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-')
            return false;
    return true;
}

/* Says that option name was given the option word next instead of a value; EXIT_USAGE. */
static int args_value_missing_before(const char *name, const char *next)
{
    fprintf(stderr, "liaison: --%s needs a value before ", name);
    output_escaped(stderr, next);
    fprintf(stderr, " (a value that begins with -- is given as --%s=VALUE)\n", name);
    return EXIT_USAGE;
}

int cli_take_values(const char *name, int *argc, char **argv, const char **vals, int cap, int *n)
{
    size_t len = strlen(name);
    int kept = 0;
    *n = 0;
    for (int i = 0; i < *argc; i++) {
        const char *v = NULL;
        const char *a = argv[i];
        if (i > 0 && !strcmp(a, "--")) { /* as in cli_take_repeated */
            while (i < *argc)
                argv[kept++] = argv[i++];
            break;
        }
        if (i > 0 && !strncmp(a, "--", 2) && !strncmp(a + 2, name, len)) {
            if (!a[2 + len]) {
                if (i + 1 >= *argc) {
                    fprintf(stderr, "liaison: --%s needs a value\n", name);
                    return EXIT_USAGE;
                }
                if (args_is_option_word(argv[i + 1]))
                    return args_value_missing_before(name, argv[i + 1]);
                v = argv[++i];
            } else if (a[2 + len] == '=') {
                v = a + 3 + len;
            }
        }
        if (!v) {
            argv[kept++] = argv[i];
            continue;
        }
        if (*n == cap) {
            fprintf(stderr, "liaison: at most %d --%s options\n", cap, name);
            return EXIT_USAGE;
        }
        if (!cli_utf8_valid(v)) {
            fprintf(stderr, "liaison: --%s: not valid UTF-8\n", name);
            return EXIT_USAGE;
        }
        vals[(*n)++] = v;
    }
    *argc = kept;
    return EXIT_OK;
}

/* Said of an option of liaison itself met after the command, which takes only its own. */
static const char *args_global_hint(const char *arg)
{
    static char hint[128];
    if (!cli_global_option(arg))
        return "";
    snprintf(hint, sizeof hint, ": %.*s is an option of liaison itself, given before the command",
             (int)strcspn(arg, "="), arg);
    return hint;
}

/* Says that a is one argument too many, and which were taken as what. */
static void args_too_many(const struct cli_command_spec *spec, const char *a,
                          const char **positional, int got, bool after_dashes)
{
    fprintf(stderr, "liaison: unexpected argument '");
    output_echo(stderr, a);
    fputc('\'', stderr);
    char name[64];
    for (int i = 0; i < got; i++) {
        fputs(i ? ", '" : ": '", stderr);
        output_escaped(stderr, positional[i]);
        if (args_positional_name(spec->usage, i, name, sizeof name))
            fprintf(stderr, "' was taken as %s", name);
        else
            fputc('\'', stderr);
    }
    /* A distributor named first is the likeliest extra ("report open 'Saigon' 2026-11"). */
    bool by_option = false;
    for (const struct cli_opt *o = spec->opts; o->name; o++)
        by_option = by_option || !strcmp(o->name, "distributor");
    if (by_option)
        fputs("; a distributor is given with --distributor", stderr);
    /* "x -- --name N": the option was meant, and '--' made it a word. */
    bool dashed = a[0] == '-';
    for (int i = 0; i < got; i++)
        dashed = dashed || positional[i][0] == '-';
    if (after_dashes && dashed)
        fputs("; after '--' every word is an argument, options go before it", stderr);
    fputs("\n\n", stderr);
}

int cli_args_changes(const struct cli_opt *opts, const char *what)
{
    bool any = false;
    const struct cli_opt *o;
    for (o = opts; o->name; o++) {
        if (o->value && *o->value && !**o->value) {
            fprintf(stderr, "liaison: invalid --%s: empty; leave it out to keep what %s has\n",
                    o->name, what);
            return EXIT_USAGE;
        }
        any = any || (o->value && *o->value) || (o->flag && *o->flag);
    }
    if (any)
        return 0;
    fputs("liaison: nothing to change: give ", stderr);
    for (o = opts; o->name; o++)
        fprintf(stderr, "%s--%s", o == opts ? "" : o[1].name ? ", " : " or ", o->name);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

int cli_args_parse(const struct cli_command_spec *spec, int argc, char **argv,
                   const char **positional, int npositional)
{
    int got = 0;
    /* An option of one value given twice would silently keep the second. */
    bool seen[64] = {false};
    args_current = spec;
    args_empty = NULL;
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            args_usage(stdout, spec);
            return -1;
        }
    }
    /* After "--" every word is an argument, as getopt has it: a name such as "-x". */
    bool options = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options && !strcmp(a, "--")) {
            options = false;
            continue;
        }
        /* "-o yaml" reached the command: the global --output took only its own formats. */
        if (options && a[0] == '-' &&
            ((a[1] >= 'a' && a[1] <= 'z') || (a[1] >= 'A' && a[1] <= 'Z'))) {
            fprintf(stderr, "liaison: unknown option '");
            output_echo(stderr, a);
            fprintf(stderr, "'%s\n\n",
                    strcmp(a, "-o") ? "" : " (-o, --output: json, table or ids)");
            args_usage(stderr, spec);
            return EXIT_USAGE;
        }
        if (!options || strncmp(a, "--", 2) != 0) {
            if (args_utf8(a, NULL, got + 1))
                return EXIT_USAGE;
            if (got == npositional) {
                args_too_many(spec, a, positional, got, !options);
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
            fprintf(stderr, "liaison: unknown option '");
            output_echo(stderr, a);
            fprintf(stderr, "'%s\n\n", args_global_hint(a));
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
        size_t at = (size_t)(o - spec->opts);
        if (at < sizeof seen / sizeof seen[0]) {
            if (seen[at]) {
                fprintf(stderr, "liaison: --%s given twice: give it once (its form is in --help)\n",
                        o->name);
                return EXIT_USAGE;
            }
            seen[at] = true;
        }
        if (eq) {
            *o->value = eq + 1;
        } else if (i + 1 < argc && !args_is_option_word(argv[i + 1])) {
            *o->value = argv[++i];
        } else if (i + 1 < argc) {
            return args_value_missing_before(o->name, argv[i + 1]);
        } else {
            fprintf(stderr, "liaison: --%s needs a value\n", o->name);
            return EXIT_USAGE;
        }
        if (args_utf8(*o->value, o->name, 0))
            return EXIT_USAGE;
        /* An empty --cursor is the first page, as a script paging with "$next" starts. */
        if (!**o->value && !args_empty && strcmp(o->name, "cursor"))
            args_empty = o->name;
    }
    for (const struct cli_opt *o = spec->opts; o->name; o++) {
        if (o->required && o->value && !*o->value) {
            fprintf(stderr, "liaison: --%s is required\n\n", o->name);
            args_usage(stderr, spec);
            return EXIT_USAGE;
        }
    }
    if (got < spec->npositional_required) {
        char name[64];
        /* A distributor user who left out its own distributor cannot guess '-' from the usage. */
        if (args_positional_name(spec->usage, got, name, sizeof name))
            fprintf(stderr, "liaison: missing %s%s\n\n", name,
                    !strcmp(name, "DISTRIBUTOR")
                        ? " (its id or name; '-': a distributor user's own)"
                        : "");
        else
            fprintf(stderr, "liaison: missing argument\n\n");
        args_usage(stderr, spec);
        return EXIT_USAGE;
    }
    return 0;
}

/* Other tools' words for the verbs the commands use ('contact add' is 'contact create',
   'doc create' is 'doc add'), suggested when no command is a near spelling. */
static const char *args_synonym(const char *word, const char *const *names, size_t n)
{
    static const char *const pairs[][2] = {
        {"add", "create"},    {"new", "create"},    {"make", "create"}, {"create", "add"},
        {"new", "add"},       {"delete", "remove"}, {"rm", "remove"},   {"del", "remove"},
        {"ls", "list"},       {"get", "show"},      {"view", "show"},   {"info", "show"},
        {"describe", "show"}, {"edit", "update"},   {"set", "update"},  {"modify", "update"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        if (strcmp(pairs[i][0], word) != 0)
            continue;
        for (size_t j = 0; j < n; j++)
            if (!strcmp(names[j], pairs[i][1]))
                return names[j];
    }
    return NULL;
}

int cli_subcommand(const char *family, const struct cli_subcommand *subs, int argc, char **argv,
                   struct cli *cli)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *out = argc < 2 ? stderr : stdout;
        int width = 10;
        for (const struct cli_subcommand *s = subs; s->name; s++)
            if ((int)strlen(s->name) > width)
                width = (int)strlen(s->name);
        fprintf(out, "Usage: liaison %s COMMAND [OPTIONS]\n\nCommands:\n", family);
        for (const struct cli_subcommand *s = subs; s->name; s++)
            fprintf(out, "  %-*s  %s\n", width, s->name, s->summary);
        fprintf(out, "\nRun 'liaison %s COMMAND --help' for its options and an example.\n", family);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!cli_utf8_valid(argv[1])) {
        fprintf(stderr, "liaison: the command after '%s' is not valid UTF-8\n", family);
        return EXIT_USAGE;
    }
    for (const struct cli_subcommand *s = subs; s->name; s++) {
        if (!strcmp(s->name, argv[1])) {
            snprintf(cli->command, sizeof cli->command, "%s %s", family, s->name);
            return s->run(cli, argc - 1, argv + 1);
        }
    }
    const char *names[64];
    size_t n = 0;
    for (const struct cli_subcommand *s = subs; s->name && n < 64; s++)
        names[n++] = s->name;
    const char *near = cli_nearest(argv[1], names, n);
    if (!near)
        near = args_synonym(argv[1], names, n);
    fprintf(stderr, "liaison: unknown command '%s ", family);
    output_echo(stderr, argv[1]);
    if (*args_global_hint(argv[1]))
        fprintf(stderr, "'%s\n", args_global_hint(argv[1]));
    else if (near)
        fprintf(stderr, "'; did you mean '%s %s'? (see 'liaison %s --help')\n", family, near,
                family);
    else
        fprintf(stderr, "' (see 'liaison %s --help')\n", family);
    return EXIT_USAGE;
}

int cli_args_id(const struct cli_command_spec *spec, int argc, char **argv, json_int_t *id)
{
    const char *word = NULL;
    int rc = cli_args_parse(spec, argc, argv, &word, 1);
    return rc ? rc : cli_parse_id(word, id);
}

/*
 * The first and last day of period (YYYY, YYYY-Qn or YYYY-MM, q in any
 * case) as 'YYYY-MM-DD' in first and last; false when it is none of them
 * (the server says what a period is).
 */
bool cli_period_days(const char *period, char first[11], char last[11])
{
    static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year, from_month, to_month, n = 0;
    char tail;
    if (strlen(period) == 4 && sscanf(period, "%4d%c", &year, &tail) == 1) {
        from_month = 1, to_month = 12;
    } else if (strlen(period) == 7 && (period[5] == 'Q' || period[5] == 'q') &&
               sscanf(period, "%4d-%*c%1d%c", &year, &n, &tail) == 2 && n >= 1 && n <= 4) {
        from_month = 3 * n - 2, to_month = 3 * n;
    } else if (strlen(period) == 7 && sscanf(period, "%4d-%2d%c", &year, &n, &tail) == 2 &&
               n >= 1 && n <= 12) {
        from_month = to_month = n;
    } else {
        return false;
    }
    if (strspn(period, "0123456789") != 4 || year < 1 || year > 9999)
        return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int end_day = month_days[to_month - 1] + (to_month == 2 && leap);
    snprintf(first, 11, "%04d-%02d-01", year, from_month);
    snprintf(last, 11, "%04d-%02d-%02d", year, to_month, end_day);
    return true;
}

/*
 * Seconds since the epoch of an RFC 3339 instant (2026-03-02T08:00:00Z,
 * ...T08:00:00.5+07:00) into *seconds; false when s is not one.
 */
bool cli_instant_seconds(const char *s, long long *seconds)
{
    struct tm tm = {0};
    int used = 0;
    if (sscanf(s, "%4d-%2d-%2d%*1[Tt]%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 6 ||
        used != 19)
        return false;
    const char *zone = s + used;
    if (*zone == '.')
        for (zone++; isdigit((unsigned char)*zone);)
            zone++;
    long offset = 0;
    int hours, minutes;
    if ((zone[0] == 'Z' || zone[0] == 'z') && !zone[1])
        offset = 0;
    else if ((zone[0] == '+' || zone[0] == '-') && strlen(zone) == 6 &&
             sscanf(zone + 1, "%2d:%2d", &hours, &minutes) == 2)
        offset = (zone[0] == '-' ? -1 : 1) * (hours * 3600L + minutes * 60L);
    else
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return false;
    *seconds = (long long)t - offset;
    return true;
}

int cli_check_range(const struct cli *cli, const char *to_field, bool reversed)
{
    if (!reversed)
        return 0;
    /* Said as the server says it of a meeting or order list's range (request_check_range):
     * 'target list' listed nothing for a reversed range without a word (a try-out). */
    cli_fail_option(cli, "--to", to_field, RANGE_REVERSED);
    return EXIT_USAGE;
}

int cli_check_period_range(const struct cli *cli, const char *to_field, const char *from,
                           const char *to)
{
    char from_first[11], from_last[11], to_first[11], to_last[11];
    /* Reversed when from's first day is after to's last: 'target list --from 2026-06 --to 2026'
     * holds June to December. A period that is none goes to the server, which says why. */
    return cli_check_range(cli, to_field,
                           from && to && cli_period_days(from, from_first, from_last) &&
                               cli_period_days(to, to_first, to_last) &&
                               strcmp(from_first, to_last) > 0);
}

int cli_check_instant_range(const struct cli *cli, const char *to_field, const char *from_utc,
                            const char *to_utc)
{
    long long f, t;
    return cli_check_range(cli, to_field,
                           from_utc && to_utc && cli_instant_seconds(from_utc, &f) &&
                               cli_instant_seconds(to_utc, &t) && f > t);
}
