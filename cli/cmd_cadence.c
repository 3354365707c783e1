/*
 * cmd_cadence.c - 'liaison cadence ...': a distributor's meeting plan (its
 * series and next occurrences in both sides' local time), its fairness
 * figures, the tenant's defaults per kind of meeting and series edits; and
 * the working time behind the rotation, 'liaison tenant hours' and
 * 'liaison user hours'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const struct output_column series_cols[] = {{"ID", "id"},
                                                   {"KIND", "kind"},
                                                   {"TITLE", "title"},
                                                   {"MIN", "durationMinutes"},
                                                   {"STATUS", "status"},
                                                   {"FROM", "startsOn"},
                                                   {"TO", "endsOn"},
                                                   {"SCHEDULED", "scheduled"},
                                                   {"NEXT (UTC)", "nextStartsAt"},
                                                   {"ATTENDEES", "attendees"}};
/* The plan's series: the next meeting in the exporter side's local time, its zone named. */
static const struct output_column plan_series_cols[] = {{"ID", "id"},
                                                        {"KIND", "kind"},
                                                        {"TITLE", "title"},
                                                        {"MIN", "durationMinutes"},
                                                        {"STATUS", "status"},
                                                        {"FROM", "startsOn"},
                                                        {"TO", "endsOn"},
                                                        {"SCHEDULED", "scheduled"},
                                                        {"NEXT (EXPORTER)", "nextExporterLocal"},
                                                        {"ATTENDEES", "attendees"}};
/* Who is in each series' meetings, under the series table (which stays as scripts read it). */
static const struct output_column series_attendee_cols[] = {
    {"ID", "id"}, {"KIND", "kind"}, {"ATTENDEES", "attendees"}};
static const struct output_column occurrence_cols[] = {
    {"ID", "id"},
    {"KIND", "kind"},
    {"#", "occurrenceNo"},
    {"EXPORTER", "exporterLocal"},
    {"DISTRIBUTOR", "distributorLocal"},
    {"OUT EXP (min)", "exporterOutsideMinutes", OUTPUT_COUNT},
    {"OUT DIST (min)", "distributorOutsideMinutes", OUTPUT_COUNT}};
static const struct output_column hours_cols[] = {{"time zone", "timeZone"},
                                                  {"from", "businessHoursStart"},
                                                  {"to", "businessHoursEnd"},
                                                  {"days", "workDays", OUTPUT_DAYS}};
static const struct output_column default_cols[] = {{"KIND", "kind"},
                                                    {"MINUTES", "durationMinutes"},
                                                    {"AGENDA", "agenda"},
                                                    {"BUILT IN", "builtIn", OUTPUT_BOOL}};
static const struct output_column side_cols[] = {
    {"time zone", "timeZone"},
    {"meetings outside hours", "outsideCount", OUTPUT_COUNT},
    {"minutes outside hours", "outsideMinutes", OUTPUT_COUNT}};

/*
 * at, an RFC 3339 UTC instant as the server sends it, as "YYYY-MM-DD HH:MM
 * ZONE" in zone, the way the server words an occurrence's exporterLocal.
 * A zone this machine's time zone database does not have gives the UTC
 * time named "UTC" rather than a wrong local one. False when at does not parse.
 */
static bool local_in_zone(const char *at, const char *zone, char *out, size_t cap)
{
    struct tm tm = {0};
    if (sscanf(at, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    char file[512];
    const char *dir = getenv("TZDIR");
    bool known = zone && *zone && zone[0] != '/' && !strstr(zone, "..") &&
                 snprintf(file, sizeof file, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo",
                          zone) < (int)sizeof file &&
                 access(file, R_OK) == 0;
    struct tm local;
    if (known) {
        /* localtime_r reads TZ: set for this one conversion, then as it was. */
        const char *was = getenv("TZ");
        char *saved = was ? strdup(was) : NULL;
        bool ok = (!was || saved) && setenv("TZ", zone, 1) == 0;
        tzset();
        ok = ok && localtime_r(&t, &local);
        if (saved)
            setenv("TZ", saved, 1);
        else
            unsetenv("TZ");
        free(saved);
        tzset();
        if (!ok)
            known = false;
    }
    if (!known && !gmtime_r(&t, &local))
        return false;
    char when[32];
    if (!strftime(when, sizeof when, "%Y-%m-%d %H:%M", &local))
        return false;
    return snprintf(out, cap, "%s %s", when, known ? zone : "UTC") < (int)cap;
}

/*
 * Gives each series of a CadenceResponse nextExporterLocal: its next
 * meeting in the exporter side's zone, which the staff plan their day in
 * (as 'meeting list' shows it), not UTC; --json keeps nextStartsAt as sent.
 */
static void series_exporter_local(json_t *resp)
{
    const char *zone =
        json_string_value(json_object_get(json_object_get(resp, "exporter"), "timeZone"));
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(resp, "series"), i, s)
    {
        const char *at = json_string_value(json_object_get(s, "nextStartsAt"));
        char local[128];
        if (at && *at && local_in_zone(at, zone, local, sizeof local))
            json_object_set_new(s, "nextExporterLocal", json_string(local));
    }
}

/* Prints a CadenceResponse: both sides' hours, the series, the next occurrences. */
static void cadence_print(struct cli *cli, json_t *resp)
{
    json_t *up = json_object_get(resp, "upcoming");
    if (cli->set.json) {
        output_json(resp);
        return;
    }
    if (cli->set.ids) {
        cli_print_rows(cli, occurrence_cols, 7, up ? up : json_array());
        return;
    }
    printf("EXPORTER SIDE\n");
    output_fields(hours_cols, 4, json_object_get(resp, "exporter"));
    printf("\nDISTRIBUTOR SIDE\n");
    output_fields(hours_cols, 4, json_object_get(resp, "distributor"));
    json_t *series = json_object_get(resp, "series");
    if (json_array_size(series)) {
        printf("\nSERIES\n");
        series_exporter_local(resp);
        output_table(plan_series_cols, 9, series);
        json_t *with = json_array(), *one;
        size_t i;
        json_array_foreach(series, i, one)
        {
            if (json_array_size(json_object_get(one, "attendees")))
                json_array_append(with, one);
        }
        if (json_array_size(with)) {
            printf("\nSERIES ATTENDEES\n");
            output_table(series_attendee_cols, 3, with);
        }
        json_decref(with);
        /* Why a series holds no meetings: else a line with nothing scheduled and no reason. */
        json_array_foreach(series, i, one)
        {
            const char *note = json_string_value(json_object_get(one, "note"));
            if (note && *note)
                printf("\nseries %lld (%s) %s\n",
                       (long long)cli_json_id(json_object_get(one, "id")),
                       json_string_value(json_object_get(one, "kind")), note);
        }
    } else {
        printf("\nno series: the cadence is planned when the first charter is activated\n");
    }
    if (json_array_size(up)) {
        printf("\nNEXT MEETINGS\n");
        output_table(occurrence_cols, 7, up);
    }
}

/* PlanCadence or GetCadence for DISTRIBUTOR [--upcoming N]. */
static int cadence_one(struct cli *cli, int argc, char **argv, const char *method,
                       const struct cli_command_spec *spec, const char **upcoming)
{
    const char *dist = NULL;
    json_int_t d, n = 0;
    int rc = cli_args_parse(spec, argc, argv, &dist, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((*upcoming && (rc = cli_parse_range("--upcoming", *upcoming, 1, 500, &n))) ||
        (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d)))
        return rc;
    json_t *resp;
    if ((rc = cli_call(cli, method, json_pack("{s:I,s:I}", "distributorId", d, "upcoming", n),
                       &resp)))
        return rc;
    cadence_print(cli, resp);
    /* What the plan moved or cancelled: calendars were re-sent without a word (a try-out). */
    size_t i;
    const json_t *note;
    json_array_foreach(json_object_get(resp, "notes"), i, note)
    {
        fputs("liaison: note: ", stderr);
        output_escaped(stderr, json_string_value(note) ? json_string_value(note) : "");
        fputc('\n', stderr);
    }
    json_decref(resp);
    return EXIT_OK;
}

static int cad_plan(struct cli *cli, int argc, char **argv)
{
    const char *upcoming = NULL;
    const struct cli_opt opts[] = {{"upcoming", &upcoming, NULL, false,
                                    "how many next meetings to list, 1 to 500 (default 10)"},
                                   {0}};
    const struct cli_command_spec spec = {
        "cadence plan DISTRIBUTOR [--upcoming N]",
        "Makes or brings up to date a distributor's meeting plan from its active charter:\n"
        "a series per kind, occurrences up to 12 months ahead, each placed in both sides'\n"
        "business hours where they overlap, else rotating the out-of-hours burden.\n"
        "Held, missed and cancelled meetings are never touched; a moved one is re-sent.\n"
        "Each scheduled meeting it moves or cancels is said on standard error ('liaison:\n"
        "note: meeting 12 ... moved from ... to ...', at most 20, then how many more), and a\n"
        "move is audited on the meeting (meeting.reschedule).",
        opts, 1, "cadence plan \"Saigon Auto Parts\""};
    return cadence_one(cli, argc, argv, "PlanCadence", &spec, &upcoming);
}

static int cad_show(struct cli *cli, int argc, char **argv)
{
    const char *upcoming = NULL;
    const struct cli_opt opts[] = {{"upcoming", &upcoming, NULL, false,
                                    "how many next meetings to list, 1 to 500 (default 10)"},
                                   {0}};
    const struct cli_command_spec spec = {
        "cadence show DISTRIBUTOR [--upcoming N]",
        "Shows a distributor's series and next meetings, in both sides' local time (a\n"
        "series' NEXT in the exporter side's, its zone named; --json: UTC).",
        opts, 1, "cadence show \"Saigon Auto Parts\" --upcoming 20"};
    return cadence_one(cli, argc, argv, "GetCadence", &spec, &upcoming);
}

static int cad_fairness(struct cli *cli, int argc, char **argv)
{
    const char *from = NULL, *to = NULL;
    const struct cli_opt opts[] = {
        {"from", &from, NULL, false,
         "first day, YYYY-MM-DD (default: 90 days before today, the exporter's, by the service's "
         "clock)"},
        {"to", &to, NULL, false, "last day, YYYY-MM-DD (default: 90 days after today)"},
        {0}};
    const struct cli_command_spec spec = {
        "cadence fairness DISTRIBUTOR [--from DATE] [--to DATE]",
        "Per side, how many meetings and minutes fell outside its business hours (held,\n"
        "missed and scheduled meetings starting in the period; cancelled ones do not count).\n"
        "Without dates: the 90 days past and the 90 to come, what was held and what is planned.",
        opts, 1, "cadence fairness \"Saigon Auto Parts\" --from 2026-01-01 --to 2026-03-31"};
    const char *dist = NULL;
    json_int_t d;
    int rc = cli_args_parse(&spec, argc, argv, &dist, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    /* Days as YYYY-MM-DD compare as text in time order; the server sets those not given. */
    if ((from && (rc = cli_parse_day(cli, "--from", "from", from, false))) ||
        (to && (rc = cli_parse_day(cli, "--to", "to", to, false))) ||
        (from && to && (rc = cli_check_range(cli, "to", strcmp(from, to) > 0))) ||
        (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d)))
        return rc;
    json_t *resp;
    if ((rc = cli_call(cli, "GetCadenceFairness",
                       json_pack("{s:I,s:s,s:s}", "distributorId", d, "from", from ? from : "",
                                 "to", to ? to : ""),
                       &resp)))
        return rc;
    if (cli->set.json || cli->set.ids) {
        output_json(resp);
    } else {
        long long held = (long long)cli_json_id(json_object_get(resp, "meetings"));
        printf("%lld meeting%s from %s to %s\n\nEXPORTER SIDE\n", held, held == 1 ? "" : "s",
               json_string_value(json_object_get(resp, "from")),
               json_string_value(json_object_get(resp, "to")));
        output_fields(side_cols, 3, json_object_get(resp, "exporter"));
        printf("\nDISTRIBUTOR SIDE\n");
        output_fields(side_cols, 3, json_object_get(resp, "distributor"));
    }
    json_decref(resp);
    return EXIT_OK;
}

static int cad_defaults(struct cli *cli, int argc, char **argv)
{
    const char *duration = NULL, *agenda = NULL;
    bool reset = false;
    const struct cli_opt opts[] = {
        {"duration", &duration, NULL, false, "minutes, 5-480 (a weekly check-in: 15-30)",
         "durationMinutes"},
        {"agenda", &agenda, NULL, false, "agenda items, comma-separated"},
        {"reset", NULL, &reset, false, "back to the built-in default"},
        {0}};
    const struct cli_command_spec spec = {
        "cadence defaults [set KIND ([--duration MIN] [--agenda A,..] | --reset)]",
        "Lists each kind of meeting's default for new series (onboarding, weekly, monthly,\n"
        "quarterly, annual); 'set' gives the tenant its own (tenant admins): what is not\n"
        "given stays as it is.",
        opts, 0, "cadence defaults set weekly --duration 25 --agenda \"pipeline,orders,issues\""};
    const char *pos[2] = {NULL, NULL};
    int rc = cli_args_parse(&spec, argc, argv, pos, 2);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_t *resp;
    if (!pos[0]) {
        if ((rc = cli_call(cli, "ListCadenceDefaults", json_object(), &resp)))
            return rc;
        cli_print_rows(cli, default_cols, 4, json_object_get(resp, "defaults"));
        json_decref(resp);
        return EXIT_OK;
    }
    if (strcmp(pos[0], "set")) {
        cli_fail(cli, "INVALID_ARGUMENT",
                 "cadence defaults: nothing after it lists the defaults; 'set KIND' changes one");
        return EXIT_USAGE;
    }
    if (!pos[1] || (!duration && !agenda && !reset)) {
        cli_fail(cli, "INVALID_ARGUMENT",
                 "cadence defaults set KIND: give --duration, --agenda or both, or --reset");
        return EXIT_USAGE;
    }
    char kind_word[16]; /* "Monthly" as "monthly", as every enum option takes it */
    pos[1] = cli_enum_word(pos[1], kind_word, sizeof kind_word);
    if (reset && (duration || agenda)) {
        cli_fail(cli, "INVALID_ARGUMENT",
                 "--reset goes back to the built-in default: give it alone, or --duration "
                 "and --agenda instead");
        return EXIT_USAGE;
    }
    json_int_t minutes = 0;
    if (duration && (rc = cli_parse_range("--duration", duration, 5, 480, &minutes)))
        return rc;
    json_t *items = agenda ? cli_split(agenda, false) : reset ? json_array() : NULL;
    if (!items && (agenda || reset)) {
        cli_fail(cli, "INVALID_ARGUMENT", "--agenda is a comma-separated list");
        return EXIT_USAGE;
    }
    /*
     * What is not given stays as it is: the call sets both, so --duration alone emptied the
     * agenda, and --agenda alone was refused for want of a duration (a try-out).
     */
    if (!reset && (!duration || !agenda)) {
        json_t *now, *row = NULL, *d;
        size_t i;
        if ((rc = cli_call(cli, "ListCadenceDefaults", json_object(), &now))) {
            json_decref(items);
            return rc;
        }
        json_array_foreach(json_object_get(now, "defaults"), i, d)
        {
            const char *kind = json_string_value(json_object_get(d, "kind"));
            if (kind && !strcmp(kind, pos[1]))
                row = d;
        }
        if (row && !duration)
            minutes = json_integer_value(json_object_get(row, "durationMinutes"));
        if (!items)
            items = row && json_is_array(json_object_get(row, "agenda"))
                        ? json_deep_copy(json_object_get(row, "agenda"))
                        : json_array();
        json_decref(now);
    }
    if ((rc = cli_call(cli, "SetCadenceDefault",
                       json_pack("{s:s,s:I,s:o,s:b}", "kind", pos[1], "durationMinutes", minutes,
                                 "agenda", items, "reset", reset),
                       &resp)))
        return rc;
    if (cli->set.json)
        output_json(resp);
    else
        cli_print_object(cli, default_cols, 4, json_object_get(resp, "cadenceDefault"));
    json_decref(resp);
    return EXIT_OK;
}

static int cad_series(struct cli *cli, int argc, char **argv)
{
    const char *title = NULL, *agenda = NULL, *duration = NULL, *attendee = NULL;
    bool no_attendees = false;
    const struct cli_opt opts[] = {
        {"title", &title, NULL, false, "the series' title"},
        {"agenda", &agenda, NULL, false, "agenda items, comma-separated"},
        {"duration", &duration, NULL, false, "minutes, 5-480 (a weekly check-in: 15-30)",
         "durationMinutes"},
        {"attendee", &attendee, NULL, false,
         "(repeatable) who is in every meeting of the series: a user's e-mail ('me': "
         "yourself), or a contact's e-mail or name (or a part of one name); replaces the series' "
         "attendees",
         "attendees"},
        {"no-attendees", NULL, &no_attendees, false, "the series has no attendees from now",
         "clearAttendees"},
        {0}};
    const struct cli_command_spec spec = {
        "cadence series (update [--title T] [--agenda A,..] [--duration MIN] [--attendee WHO]...\n"
        "       [--no-attendees] | pause | resume | end) SERIES_ID",
        "Edits a meeting series (its id from 'cadence show'): future scheduled meetings\n"
        "follow, but one moved with 'meeting reschedule' keeps its time and length.\n"
        "Pausing cancels them until it resumes; ending cancels them for good. Calls are at\n"
        "least weekly in a distributor's first 90 days: until then the weekly series is not\n"
        "paused or ended, nor the onboarding series while it has meetings to come.\n"
        "Held and missed meetings are never touched. The series' attendees (at most 20)\n"
        "are in each meeting it makes, and in its scheduled meetings to come; someone\n"
        "invited to one meeting by hand stays, one taken out of one ('meeting uninvite')\n"
        "stays out of it, a person already in a meeting (a user and a contact of one\n"
        "e-mail are one person) is not added again, and a contact who left is left out.\n"
        "A planned series starts with the account manager and the contacts with an e-mail in\n"
        "purchasing or sales (the quarterly and annual ones also the general manager or\n"
        "managing director), and keeps them as contacts come, change role or leave, and as\n"
        "the account manager changes, until --attendee or --no-attendees sets its own; a new\n"
        "account manager then still takes the previous one's place in it.",
        opts, 2,
        "cadence series update 12 --title \"Họp hàng tuần\" --duration 25 --attendee me "
        "--attendee \"Nguyễn Văn An\""};
    const char *pos[2] = {NULL, NULL};
    json_t *attendees = json_array();
    argc = cli_take_repeated("attendee", argc, argv, attendees);
    int rc = cli_args_parse(&spec, argc, argv, pos, 2);
    if (!rc && json_array_size(attendees) && no_attendees) {
        cli_fail(cli, "INVALID_ARGUMENT", "--attendee or --no-attendees, not both");
        rc = EXIT_USAGE;
    }
    if (!rc)
        rc = cli_parties(cli, attendees);
    if (rc) {
        json_decref(attendees);
        return rc < 0 ? EXIT_OK : rc;
    }
    static const char *const actions[][2] = {
        {"update", ""}, {"pause", "paused"}, {"resume", "active"}, {"end", "ended"}};
    const char *status = NULL;
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (!strcmp(pos[0], actions[i][0]))
            status = actions[i][1];
    json_int_t id, minutes = 0;
    json_t *items = NULL;
    if (!status) {
        cli_fail(cli, "INVALID_ARGUMENT", "cadence series: update, pause, resume or end");
        rc = EXIT_USAGE;
    } else if (!*status && !title && !agenda && !duration && !json_array_size(attendees) &&
               !no_attendees) {
        /* It answered the series as it was, exit 0, as if something had changed. */
        cli_fail(cli, "INVALID_ARGUMENT",
                 "nothing to change: give at least one of --title, --agenda, --duration, "
                 "--attendee, --no-attendees (liaison cadence series --help)");
        rc = EXIT_USAGE;
    } else if (title && !*title) {
        /* The API's empty title keeps the old one: typed empty, it is a mistake, not a wish. */
        cli_fail_option(cli, "--title", "title", "required (leave --title out to keep the title)");
        rc = EXIT_USAGE;
    }
    if (!rc)
        rc = cli_parse_id(pos[1], &id);
    if (!rc && duration)
        rc = cli_parse_range("--duration", duration, 5, 480, &minutes);
    if (!rc && !(items = cli_split(agenda ? agenda : "", false))) {
        cli_fail(cli, "INVALID_ARGUMENT", "--agenda is a comma-separated list");
        rc = EXIT_USAGE;
    }
    if (rc) {
        json_decref(attendees);
        return rc;
    }
    json_t *resp;
    if ((rc = cli_call(cli, "UpdateMeetingSeries",
                       json_pack("{s:I,s:s,s:o,s:I,s:s,s:o,s:b}", "id", id, "title",
                                 title ? title : "", "agenda", items, "durationMinutes", minutes,
                                 "status", status, "attendees", attendees, "clearAttendees",
                                 no_attendees),
                       &resp)))
        return rc;
    /*
     * In a table, its next meeting in the exporter side's zone, as 'cadence show' gives it.
     * The change is made: should that lookup fail, the series is shown in UTC.
     */
    json_t *series = json_object_get(resp, "series"), *cadence = NULL;
    if (!cli->set.json && !cli->set.ids)
        (void)cli_call(cli, "GetCadence",
                       json_pack("{s:O,s:I}", "distributorId",
                                 json_object_get(series, "distributorId"), "upcoming", 1),
                       &cadence);
    if (cadence && json_object_set_new(cadence, "series", json_pack("[O]", series)) == 0)
        series_exporter_local(cadence);
    if (cli->set.json)
        output_json(resp);
    else
        cli_print_object(cli, cadence ? plan_series_cols : series_cols, 10, series);
    json_decref(cadence);
    json_decref(resp);
    return EXIT_OK;
}

int cmd_cadence(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"plan", cad_plan, "make or update a distributor's meeting plan"},
        {"show", cad_show, "series and next meetings in both sides' local time"},
        {"fairness", cad_fairness, "meetings and minutes outside each side's hours"},
        {"defaults", cad_defaults, "each kind's default ('defaults set': the tenant's own)"},
        {"series", cad_series, "update, pause, resume or end a series"},
        {"ics", cadence_ics, "meetings as an iCalendar (.ics) file"},
        {NULL, NULL, NULL}};
    return cli_subcommand("cadence", subs, argc, argv, cli);
}

/*
 * The WorkingTime to set: current (as Get*WorkingTime answered it) with
 * what --time-zone, --hours FROM-TO and --days give in its place, so that
 * '--hours 08:00-16:00' alone changes the hours and keeps the zone and the
 * days. NULL after saying what is wrong.
 */
static json_t *working_time(struct cli *cli, const json_t *current, const char *tz,
                            const char *hours, const char *days)
{
    char from[16], to[16];
    const char *cur_from = json_string_value(json_object_get(current, "businessHoursStart"));
    const char *cur_to = json_string_value(json_object_get(current, "businessHoursEnd"));
    const char *cur_tz = json_string_value(json_object_get(current, "timeZone"));
    snprintf(from, sizeof from, "%s", cur_from ? cur_from : "09:00");
    snprintf(to, sizeof to, "%s", cur_to ? cur_to : "17:00");
    if (hours && sscanf(hours, "%15[0-9:]-%15[0-9:]", from, to) != 2) {
        cli_fail(cli, "INVALID_ARGUMENT", "--hours is FROM-TO, e.g. 09:00-17:00");
        return NULL;
    }
    json_t *d;
    const json_t *cur_days = json_object_get(current, "workDays");
    if (days)
        d = cli_days(days);
    else if (json_array_size(cur_days))
        d = json_deep_copy(cur_days);
    else
        d = cli_days("Mon-Fri");
    if (!d) {
        cli_fail(cli, "INVALID_ARGUMENT",
                 "--days is a list of days, 1 (Mon) to 7 (Sun) or names: 1,2,3 or Mon-Fri");
        return NULL;
    }
    return json_pack("{s:s,s:s,s:s,s:o}", "timeZone",
                     tz       ? tz
                     : cur_tz ? cur_tz
                              : "UTC",
                     "businessHoursStart", from, "businessHoursEnd", to, "workDays", d);
}

#define HOURS_OPTS(tz, hours, days)                                                                \
    {"time-zone", &(tz), NULL, false, "a tz database name, e.g. Europe/Berlin"},                   \
        {"hours",                                                                                  \
         &(hours),                                                                                 \
         NULL,                                                                                     \
         false,                                                                                    \
         "business hours FROM-TO (default: as they are)",                                          \
         "businessHoursStart businessHoursEnd"},                                                   \
    {                                                                                              \
        "days", &(days), NULL, false, "work days: 1,2,3 or Mon-Fri (default: as they are)",        \
            "workDays"                                                                             \
    }

/*
 * Shows the working time get_method answers for req, or with any of tz,
 * hours and days sets it through set_method: what they give in place of
 * what was shown. Consumes req.
 */
static int hours_show_or_set(struct cli *cli, const char *get_method, const char *set_method,
                             json_t *req, const char *tz, const char *hours, const char *days,
                             const char *set_denied, json_t **resp)
{
    json_t *shown;
    /* Read to be changed, a refused read would say the caller may not read, not set. */
    bool setting = tz || hours || days;
    int rc =
        cli_call_or_deny(cli, get_method, json_incref(req), &shown, setting ? set_denied : NULL);
    if (rc || !(tz || hours || days)) {
        json_decref(req);
        *resp = rc ? NULL : shown;
        return rc;
    }
    json_t *w = working_time(cli, json_object_get(shown, "workingTime"), tz, hours, days);
    json_decref(shown);
    if (!w) {
        json_decref(req);
        return EXIT_USAGE;
    }
    json_object_set_new(req, "workingTime", w);
    return cli_call(cli, set_method, req, resp);
}

static int tenant_hours(struct cli *cli, int argc, char **argv)
{
    const char *tz = NULL, *hours = NULL, *days = NULL;
    const struct cli_opt opts[] = {HOURS_OPTS(tz, hours, days), {0}};
    const struct cli_command_spec spec = {
        "tenant hours [--time-zone TZ] [--hours FROM-TO] [--days D,..]",
        "Shows your tenant's working time, or sets it (tenant admins): the exporter side of\n"
        "every distributor whose account manager has none of their own. What is not given\n"
        "stays as it is (a new tenant's: UTC, 09:00-17:00, Mon-Fri).",
        opts, 0, "tenant hours --time-zone Europe/Berlin --hours 09:00-17:00 --days Mon-Fri"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_t *resp;
    if ((rc = hours_show_or_set(cli, "GetTenantWorkingTime", "SetTenantWorkingTime", json_object(),
                                tz, hours, days, "only tenant admins set the tenant's working time",
                                &resp)))
        return rc;
    if (cli->set.json)
        output_json(resp);
    else
        cli_print_object(cli, hours_cols, 4, json_object_get(resp, "workingTime"));
    json_decref(resp);
    if (tz || hours || days)
        cli_replan_hint(cli, 0);
    return EXIT_OK;
}

int cmd_tenant(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"hours", tenant_hours, "your tenant's time zone, business hours and work days"},
        {NULL, NULL, NULL}};
    return cli_subcommand("tenant", subs, argc, argv, cli);
}

void cli_replan_hint(struct cli *cli, json_int_t distributor)
{
    /*
     * Nothing planned, nothing to place again: no hint (a new tenant's hours got one, a
     * try-out). Asked quietly: the change is made. 0: any distributor's meetings.
     */
    char req[128], *out = NULL;
    snprintf(req, sizeof req,
             "{\"distributorId\":%lld,\"status\":\"scheduled\",\"page\":{\"pageSize\":1}}",
             (long long)distributor);
    json_t *resp =
        cli->conn && liaison_call_json(cli->conn, "ListMeetings", req, &out) == LIAISON_OK
            ? json_loads(out, 0, NULL)
            : NULL;
    liaison_string_free(out);
    bool none = resp && json_array_size(json_object_get(resp, "meetings")) == 0;
    json_decref(resp);
    if (none)
        return;
    if (distributor)
        fprintf(stderr,
                "liaison: meetings already planned keep their times, now counted against both "
                "sides' working hours as they are now (the distributor's, and the exporter's: "
                "its account manager's, else the tenant's); 'liaison cadence plan %lld' places "
                "the coming ones within them\n",
                (long long)distributor);
    else
        fprintf(stderr, "liaison: meetings already planned keep their times, now counted against "
                        "both sides' working hours as they are now (each distributor's, and the "
                        "exporter's: its account manager's, else the tenant's); 'liaison cadence "
                        "plan DISTRIBUTOR' places a distributor's coming ones within them\n");
}

int cli_user_hours(struct cli *cli, int argc, char **argv)
{
    const char *tz = NULL, *hours = NULL, *days = NULL;
    bool clear = false;
    const struct cli_opt opts[] = {
        HOURS_OPTS(tz, hours, days),
        {"clear", NULL, &clear, false, "forget your own: the tenant's applies"},
        {0}};
    const struct cli_command_spec spec = {
        "user hours [USER] [[--time-zone TZ] [--hours FROM-TO] [--days D,..] | --clear]",
        "Shows or sets a user's own working time (yours without USER; an admin's for anyone):\n"
        "the exporter side of the distributors they manage. Without their own, the tenant's.\n"
        "What is not given stays as shown (the tenant's, without their own).",
        opts, 0, "user hours --time-zone America/Los_Angeles --hours 08:00-16:30 --days Mon-Fri"};
    const char *who = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &who, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t id = 0;
    const char *denied = tz || hours || days || clear
                             ? "only tenant admins set another user's working time"
                             : "only tenant admins and auditors read another user's working time";
    if (who && (rc = cli_resolve_user(cli, who, denied, &id)))
        return rc;
    if (clear && (tz || hours || days)) {
        cli_fail(cli, "INVALID_ARGUMENT",
                 "--clear forgets the user's own working time: not with --time-zone, --hours "
                 "or --days");
        return EXIT_USAGE;
    }
    json_t *resp, *req = json_pack("{s:I}", "userId", id);
    if (clear) {
        json_object_set_new(req, "clear", json_true());
        rc = cli_call(cli, "SetUserWorkingTime", req, &resp);
    } else {
        rc = hours_show_or_set(cli, "GetUserWorkingTime", "SetUserWorkingTime", req, tz, hours,
                               days, "only tenant admins set another user's working time", &resp);
    }
    if (rc)
        return rc;
    if (cli->set.json) {
        output_json(resp);
    } else {
        cli_print_object(cli, hours_cols, 4, json_object_get(resp, "workingTime"));
        if (!json_is_true(json_object_get(resp, "own")))
            printf("(the tenant's working time: no own set)\n");
    }
    json_decref(resp);
    if (clear || tz || hours || days)
        cli_replan_hint(cli, 0);
    return EXIT_OK;
}
