/*
 * cmd_clock.c - 'liaison clock' and 'liaison jobs': the operator's view of
 * the scheduler. The clock is the one every liaisond on the database reads;
 * a server sets it only when started with --test-clock.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

static const struct output_column clock_cols[] = {{"NOW", "now"},
                                                  {"FIXED", "fixed", OUTPUT_BOOL},
                                                  {"FIXED AT", "fixedAt"},
                                                  {"SHIFT (s)", "shiftSeconds"}};

/* Calls method with req and prints the clock it answers. */
static int clock_call(struct cli *cli, const char *method, json_t *req)
{
    json_t *resp;
    int rc = cli_call(cli, method, req, &resp);
    if (rc != EXIT_OK)
        return rc;
    cli_print_object(cli, clock_cols, 4, resp);
    json_decref(resp);
    return EXIT_OK;
}

static int clock_show(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "clock show", "Shows the clock's now and whether it is fixed or shifted.", opts, 0,
        "clock show"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return clock_call(cli, "GetClock", json_object());
}

static int clock_set(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "clock set INSTANT",
        "Stops the clock at INSTANT (RFC 3339) for every server on the database (a server "
        "started with --test-clock).",
        opts, 1, "clock set 2026-03-29T00:59:59Z"};
    const char *instant = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &instant, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return clock_call(cli, "SetClock", json_pack("{s:s}", "fixedAt", instant));
}

static int clock_shift(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "clock shift SECONDS",
        "Runs the clock SECONDS ahead of the real time (negative: behind) for every server on "
        "the database (a server started with --test-clock).",
        opts, 1, "clock shift 86400"};
    const char *text = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &text, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    char *end;
    errno = 0;
    long long seconds = strtoll(text, &end, 10);
    if (errno || end == text || *end) {
        cli_fail(cli, "INVALID_ARGUMENT", "SECONDS: a whole number of seconds, such as 86400");
        return EXIT_USAGE;
    }
    return clock_call(cli, "SetClock", json_pack("{s:I}", "shiftSeconds", (json_int_t)seconds));
}

static int clock_reset(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {"clock reset", "Puts the clock back to the real time.",
                                          opts, 0, "clock reset"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return clock_call(cli, "SetClock", json_pack("{s:b}", "reset", 1));
}

int cmd_clock(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"show", clock_show, "the clock's now, fixed or shifted"},
        {"set", clock_set, "stop the clock at an instant (test servers)"},
        {"shift", clock_shift, "run the clock ahead or behind (test servers)"},
        {"reset", clock_reset, "back to the real time"},
        {NULL, NULL, NULL}};
    return cli_subcommand("clock", subs, argc, argv, cli);
}

int cmd_jobs(struct cli *cli, int argc, char **argv)
{
    static const struct output_column cols[] = {{"ID", "id"},
                                                {"KIND", "kind"},
                                                {"KEY", "key"},
                                                {"TENANT", "tenant"},
                                                {"STATE", "state", OUTPUT_ENUM, "JOB_STATE_"},
                                                {"RUN AT", "runAt"},
                                                {"ATTEMPTS", "attempts"},
                                                {"LAST ERROR", "lastError"}};
    const char *kind = NULL, *state = NULL;
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"kind", &kind, NULL, false, "only this kind of job"},
        {"state", &state, NULL, false, "only this state: pending, retrying, failed or done"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "jobs [list] [--kind K] [--state S] [--page-size N] [--cursor C] [--all]",
        "Lists the scheduler's jobs, oldest first: what is due and what failed (operators).", opts,
        0, "jobs --state failed --all"};
    /* As 'migrations list' reads: the word is taken, and means what the command alone does. */
    if (argc > 1 && !strcmp(argv[1], "list")) {
        argv[1] = argv[0];
        argv++;
        argc--;
    }
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    static const char *const states[] = {"pending", "retrying", "failed", "done"};
    size_t known = 0;
    while (state && known < 4 && strcasecmp(state, states[known]))
        known++;
    if (state && known == 4) {
        fprintf(stderr, "liaison: --state is pending, retrying, failed or done\n");
        return EXIT_USAGE;
    }
    json_t *req = json_object();
    if (kind)
        json_object_set_new(req, "kind", json_string(kind));
    if (state) {
        /* The table's word ("failed") is the enum's value name without its prefix. */
        char name[64];
        size_t n = (size_t)snprintf(name, sizeof name, "JOB_STATE_%s", state);
        for (size_t i = 0; i < n && i < sizeof name; i++)
            name[i] = (char)toupper((unsigned char)name[i]);
        json_object_set_new(req, "state", json_string(n < sizeof name ? name : state));
    }
    return cli_list(cli, "ListJobs", req, "jobs", cols, 8, &page);
}
