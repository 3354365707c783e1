/*
 * cmd_ics.c - 'liaison cadence ics': a distributor's meetings, or a user's
 * schedule, as an iCalendar (.ics) file, received as a stream and written
 * as it arrives.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Where the calendar's text goes as its parts arrive. */
struct ics_sink {
    FILE *out;
    long events;
    int write_errno; /* set when writing failed: the stream was stopped for it */
};

/* One part of ExportCalendar's stream: its pieces of text, written out. Non-zero stops it. */
static int ics_chunk(void *arg, const char *chunk_json)
{
    struct ics_sink *sink = arg;
    json_t *chunk = json_loads(chunk_json, 0, NULL);
    size_t i;
    json_t *piece;
    json_array_foreach(json_object_get(chunk, "ics"), i, piece)
    {
        const char *text = json_string_value(piece);
        size_t n = text ? strlen(text) : 0;
        if (n && fwrite(text, 1, n, sink->out) != n) {
            sink->write_errno = errno ? errno : EIO;
            json_decref(chunk);
            return 1;
        }
    }
    sink->events += (long)json_integer_value(json_object_get(chunk, "events"));
    json_decref(chunk);
    return 0;
}

/* Writes the stream to out; returns an exit code, having said why when not EXIT_OK. */
static int ics_receive(struct cli *cli, json_t *jreq, struct ics_sink *sink, const char *where)
{
    char *req = json_dumps(jreq, JSON_COMPACT);
    char *err_json = NULL;
    int code =
        req ? liaison_call_stream(cli->conn, "ExportCalendar", req, ics_chunk, sink, &err_json)
            : LIAISON_RESOURCE_EXHAUSTED;
    int rc = EXIT_OK;
    if (sink->write_errno) {
        fprintf(stderr, "liaison: %s: %s\n", where, strerror(sink->write_errno));
        rc = EXIT_ERROR;
    } else if (code != LIAISON_OK) {
        cli_print_error(cli, code, err_json);
        rc = cli_exit_code(cli, code);
    }
    liaison_string_free(err_json);
    free(req);
    return rc;
}

/* argv with -o FILE as --output FILE: after a command, the global -o takes only formats. */
static char **ics_args(int argc, char **argv)
{
    char **args = calloc((size_t)argc + 1, sizeof *args);
    for (int i = 0; args && i < argc; i++)
        args[i] = !strcmp(argv[i], "-o") ? "--output" : argv[i];
    return args;
}

/* A bound checked by cli_parse_day(): a day as its local 00:00 in buf, an instant as it is. */
static int ics_bound(const char *option, const char *s, char *buf, size_t cap)
{
    if (strlen(s) == 10)
        return cli_parse_bound(option, s, buf, cap);
    if (strlen(s) >= cap) {
        fprintf(stderr, "liaison: --%s: '%.40s...' is too long for a time\n", option, s);
        return EXIT_USAGE;
    }
    snprintf(buf, cap, "%s", s);
    return 0;
}

int cadence_ics(struct cli *cli, int argc, char **argv)
{
    const char *output = NULL, *user = NULL, *from = NULL, *to = NULL;
    const struct cli_opt opts[] = {
        {"user", &user, NULL, false,
         "a user's schedule instead (e-mail, or me): the meetings they attend and those of the "
         "distributors they manage, or of the distributor they are a user of",
         "userId"},
        {"from", &from, NULL, false,
         "meetings starting at or after this TIME (default: 3 months ago)"},
        {"to", &to, NULL, false, "and before this TIME (default: 12 months ahead)"},
        {"output", &output, NULL, false,
         "write to this file (-o FILE), replaced only once the whole calendar arrived "
         "(default, or -o -: standard output)"},
        {0}};
    const struct cli_command_spec spec = {
        "cadence ics DISTRIBUTOR [-o FILE] [--from TIME] [--to TIME] | cadence ics --user EMAIL",
        "Writes a distributor's meetings, or a user's schedule, as an iCalendar (RFC 5545) file "
        "for calendar applications: one event per meeting, in UTC, each with a UID that never "
        "changes, so importing a later export updates the events (a cancelled meeting shows as "
        "cancelled). TIME is an RFC 3339 instant, or a day 'YYYY-MM-DD': its 00:00 in this "
        "computer's time zone (TZ), as 'meeting list' takes it.",
        opts, 0, "cadence ics \"Saigon Auto Parts\" -o saigon.ics --from 2026-01-01"};
    char **args = ics_args(argc, argv);
    if (!args) {
        fprintf(stderr, "liaison: out of memory\n");
        return EXIT_ERROR;
    }
    const char *dist = NULL;
    int rc = cli_args_parse(&spec, argc, args, &dist, 1);
    free(args);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    output = cli_outfile_path(output);
    if (!dist == !user) {
        fprintf(stderr, "liaison: give a DISTRIBUTOR or --user%s\n", dist ? ", not both" : "");
        return EXIT_USAGE;
    }
    json_int_t id;
    if ((from && (rc = cli_parse_day(cli, "--from", "from", from, true))) ||
        (to && (rc = cli_parse_day(cli, "--to", "to", to, true))))
        return rc;
    /* A day is its 00:00 in this computer's zone, as 'meeting list' reads it: it was midnight
     * UTC, and the export for a day missed that day's meetings west or east of UTC (a try-out).
     * An instant goes as it is, for the server to check. */
    char f[64] = "", t[64] = "";
    if ((from && (rc = ics_bound("from", from, f, sizeof f))) ||
        (to && (rc = ics_bound("to", to, t, sizeof t))) ||
        (from && to && (rc = cli_check_instant_range(cli, "to", f, t))))
        return rc;
    /* The caller itself by e-mail or "me" takes no ListUsers, which a distributor user may not
     * call. */
    rc = cli_resolve(cli, dist ? CLI_DISTRIBUTOR : CLI_USER, dist ? dist : user, 0, &id);
    if (rc)
        return rc;
    if ((rc = cli_connect(cli)))
        return rc;
    json_t *jreq = json_pack("{s:I,s:s,s:s,s:b}", dist ? "distributorId" : "userId", id, "from", f,
                             "to", t, "stream", true);
    if (!jreq) {
        fprintf(stderr, "liaison: out of memory\n");
        return EXIT_ERROR;
    }
    struct cli_outfile of;
    int opened = cli_outfile_open(&of, output, false);
    if (opened < 0) {
        json_decref(jreq);
        return opened == -2 ? EXIT_USAGE : EXIT_ERROR;
    }
    struct ics_sink sink = {of.out, 0, 0};
    rc = ics_receive(cli, jreq, &sink, output ? output : "standard output");
    json_decref(jreq);
    rc = cli_outfile_close(&of, rc);
    if (rc == EXIT_OK && output) {
        json_t *done = cli->set.json ? json_pack("{s:I,s:s}", "events", (json_int_t)sink.events,
                                                 "output", output)
                                     : NULL;
        if (done)
            output_json(done);
        else
            fprintf(stderr, "wrote %ld meeting%s to %s\n", sink.events, sink.events == 1 ? "" : "s",
                    output);
        json_decref(done);
    }
    return rc;
}
