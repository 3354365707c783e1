/*
 * cmd_events.c - 'liaison events': the caller's live events, one JSON
 * object a line as they happen, until interrupted or the server ends the
 * stream. A heartbeat (an empty part) prints nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct events_sink {
    int write_errno; /* writing failed: the stream was stopped for it */
};

/* One part of SubscribeEvents' stream: its events, one line each. Non-zero stops it. */
static int events_chunk(void *arg, const char *chunk_json)
{
    struct events_sink *sink = arg;
    json_t *chunk = json_loads(chunk_json, 0, NULL);
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(chunk, "events"), i, ev)
    {
        char *s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!s || printf("%s\n", s) < 0 || fflush(stdout) != 0) {
            sink->write_errno = s ? errno : ENOMEM;
            free(s);
            json_decref(chunk);
            return 1;
        }
        free(s);
    }
    json_decref(chunk);
    return 0;
}

int cmd_events(struct cli *cli, int argc, char **argv)
{
    const char *after = NULL, *kinds = NULL;
    const struct cli_opt opts[] = {
        {"after", &after, NULL, false,
         "resume after this event id, 1 or more: the last one printed before a reconnect "
         "(without it: from now on)"},
        {"kinds", &kinds, NULL, false,
         "only these kinds, comma-separated: action_item_assigned, report_submitted, "
         "escalation_raised, escalation_step, escalation_answered, charter_activated, "
         "deal_flagged"},
        {0}};
    const struct cli_command_spec spec = {
        "events [--after ID] [--kinds KIND,...]",
        "Prints your live events as they happen on any server, one JSON object a line "
        "({\"id\", \"kind\", \"subjectId\", \"distributorId\", \"at\"}): action items assigned "
        "to you, the next step of an escalation you are to act on, reports submitted, "
        "escalations raised, charters activated and deal registrations flagged for the "
        "distributors you see. Runs until interrupted; after a "
        "reconnect, --after with the last id printed resumes with nothing lost (events are "
        "kept 24 hours).",
        opts, 0, "events --kinds escalation_raised,deal_flagged"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_t *jreq = json_object();
    if (after) {
        char *end;
        errno = 0;
        unsigned long long id = strtoull(after, &end, 10);
        if (errno || end == after || *end || after[0] == '-') {
            json_decref(jreq);
            cli_fail(cli, "INVALID_ARGUMENT", "--after: an event id, such as 42");
            return EXIT_USAGE;
        }
        /*
         * Ids start at 1, and the server reads 0 as "from now on" (its
         * absence on the wire): it would replay nothing, where a user who
         * typed 0 most likely meant everything kept. Say so instead.
         */
        if (id == 0) {
            json_decref(jreq);
            cli_fail(cli, "INVALID_ARGUMENT",
                     "--after 0: event ids start at 1; leave --after out to print events from "
                     "now on, or give the last id printed to resume after it (what came after "
                     "it is replayed, kept 24 hours)");
            return EXIT_USAGE;
        }
        json_object_set_new(jreq, "after", json_integer((json_int_t)id));
    }
    if (kinds) {
        json_t *list = json_array();
        char *copy = strdup(kinds);
        for (char *save = NULL, *k = copy ? strtok_r(copy, ",", &save) : NULL; k;
             k = strtok_r(NULL, ",", &save))
            json_array_append_new(list, json_string(k));
        free(copy);
        json_object_set_new(jreq, "kinds", list);
    }
    rc = cli_connect(cli);
    if (rc != EXIT_OK) {
        json_decref(jreq);
        return rc;
    }
    char *req = json_dumps(jreq, JSON_COMPACT);
    json_decref(jreq);
    struct events_sink sink = {0};
    char *err_json = NULL;
    int code =
        req ? liaison_call_stream(cli->conn, "SubscribeEvents", req, events_chunk, &sink, &err_json)
            : LIAISON_RESOURCE_EXHAUSTED;
    free(req);
    if (sink.write_errno) {
        fprintf(stderr, "liaison: standard output: %s\n", strerror(sink.write_errno));
        rc = EXIT_ERROR;
    } else if (code != LIAISON_OK) {
        cli_print_error(cli, code, err_json);
        rc = cli_exit_code(cli, code);
    }
    liaison_string_free(err_json);
    return rc;
}
