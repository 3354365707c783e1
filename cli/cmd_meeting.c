/*
 * cmd_meeting.c - 'liaison meeting ...': meetings (list, show, add, held,
 * missed, cancel, reschedule), their notes and the notes compliance report.
 *
 * Times given on the command line are RFC 3339 ("2026-03-02T08:00:00Z",
 * "2026-03-02T15:00:00+07:00") or "YYYY-MM-DD HH:MM" in the caller's own
 * time zone (TZ, else the system's); they are sent as UTC (cli_parse_time).
 * Times shown are the distributor's local time, with its zone, and UTC.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define NOTE_MAX_CHARS 100000
/* A UTF-8 character takes at most 4 bytes. */
#define NOTE_MAX_BYTES (4 * NOTE_MAX_CHARS)
#define NCOLS(c) ((int)(sizeof(c) / sizeof((c)[0])))

/* Both sides' local times: the staff's own and the distributor's (UTC in --json). */
static const struct output_column meeting_cols[] = {{"ID", "id"},
                                                    {"DISTRIBUTOR", "distributorName"},
                                                    {"TITLE", "title"},
                                                    {"EXPORTER START", "exporterLocalStartsAt"},
                                                    {"EXPORTER ZONE", "exporterTimeZone"},
                                                    {"DISTRIBUTOR START", "localStartsAt"},
                                                    {"DISTRIBUTOR ZONE", "timeZone"},
                                                    {"STATUS", "status"},
                                                    {"NOTES", "notesStatus"}};
static const struct output_column meeting_fields[] = {
    {"meeting", "id"},
    {"distributor", "distributorName"},
    {"kind", "kind"},
    {"title", "title"},
    {"agenda", "agenda"},
    {"distributor zone", "timeZone"},
    {"distributor start", "localStartsAt"},
    {"distributor end", "localEndsAt"},
    {"exporter zone", "exporterTimeZone"},
    {"exporter start", "exporterLocalStartsAt"},
    {"exporter end", "exporterLocalEndsAt"},
    {"start (UTC)", "startsAt"},
    {"end (UTC)", "endsAt"},
    {"outside hours", "outsideHours"},
    {"status", "status"},
    {"status changed (UTC)", "statusChangedAt"},
    {"reason", "statusReason"},
    {"sequence", "sequence", OUTPUT_COUNT},
    {"notes due (distributor)", "localNotesDueAt"},
    {"notes due (exporter)", "exporterLocalNotesDueAt"},
    {"notes due (UTC)", "notesDueAt"},
    {"notes", "notesStatus"}};
#define N_MEETING_FIELDS ((int)(sizeof meeting_fields / sizeof meeting_fields[0]))
static const struct output_column attendee_cols[] = {
    {"ID", "id"}, {"NAME", "name"}, {"E-MAIL", "email"}, {"ATTENDANCE", "attendance"}};
static const struct output_column meeting_action_cols[] = {{"ID", "id"},
                                                           {"DESCRIPTION", "description"},
                                                           {"OWNER", "ownerName"},
                                                           {"LOCAL DUE", "localDue"},
                                                           {"ZONE", "timeZone"},
                                                           {"STATUS", "status"},
                                                           {"OVERDUE", "overdue", OUTPUT_BOOL},
                                                           {"INTERNAL", "internal", OUTPUT_BOOL}};
static const struct output_column note_cols[] = {{"ID", "id"},
                                                 {"AT (UTC)", "createdAt"},
                                                 {"BY", "authorEmail"},
                                                 {"LANGUAGE", "language"},
                                                 {"NOTE", "body"}};
/* Counts read 0 when none (proto3 leaves a 0 out of JSON); a manager's id of 0 is "none". */
static const struct output_column compliance_cols[] = {{"ID", "distributorId"},
                                                       {"DISTRIBUTOR", "distributorName"},
                                                       {"HELD", "held", OUTPUT_COUNT},
                                                       {"ON TIME", "onTime", OUTPUT_COUNT},
                                                       {"LATE", "late", OUTPUT_COUNT},
                                                       {"MISSING", "missing", OUTPUT_COUNT},
                                                       {"PENDING", "pending", OUTPUT_COUNT},
                                                       {"UNRECORDED", "unrecorded", OUTPUT_COUNT},
                                                       {"MISSED", "missed", OUTPUT_COUNT}};
static const struct output_column manager_cols[] = {
    {"ID", "accountManagerId"},           {"ACCOUNT MANAGER", "accountManagerEmail"},
    {"HELD", "held", OUTPUT_COUNT},       {"ON TIME", "onTime", OUTPUT_COUNT},
    {"LATE", "late", OUTPUT_COUNT},       {"MISSING", "missing", OUTPUT_COUNT},
    {"PENDING", "pending", OUTPUT_COUNT}, {"UNRECORDED", "unrecorded", OUTPUT_COUNT},
    {"MISSED", "missed", OUTPUT_COUNT}};

/*
 * tm, a local time as people write it (1-based month, full year), as an
 * RFC 3339 UTC string in buf; false when the calendar or the clock has no
 * such instant. With unclear, a wall-clock time the zone's clocks skip
 * (02:30 on the spring change) or pass twice (02:30 on the autumn one) is
 * no instant either, and *unclear says so; without, mktime's choice stands
 * (a day's bound).
 */
static bool local_to_utc(struct tm *tm, char *buf, size_t cap, bool *unclear)
{
    tm->tm_year -= 1900;
    tm->tm_mon -= 1;
    tm->tm_isdst = -1;
    /* mktime() normalises 2026-13-01 into a real day: a day it moved was no day. */
    struct tm asked = *tm;
    int mon = tm->tm_mon, mday = tm->tm_mday;
    bool clock_ok = tm->tm_hour < 24 && tm->tm_min < 60;
    time_t t = mktime(tm);
    struct tm utc;
    if (!clock_ok || t == (time_t)-1 || tm->tm_mon != mon || tm->tm_mday != mday)
        return false;
    if (unclear) {
        /* Skipped: mktime moved the hour. Twice: the other offset names the same wall time. */
        struct tm other = asked;
        other.tm_isdst = !tm->tm_isdst;
        time_t t2 = mktime(&other);
        *unclear = tm->tm_hour != asked.tm_hour || tm->tm_min != asked.tm_min ||
                   (t2 != (time_t)-1 && t2 != t && other.tm_hour == asked.tm_hour &&
                    other.tm_min == asked.tm_min && other.tm_mday == asked.tm_mday);
        if (*unclear)
            return false;
    }
    return gmtime_r(&t, &utc) && strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &utc) > 0;
}

/*
 * Whether TZ, when set, names a zone this computer has or a POSIX rule: the C
 * library reads any other name as UTC without a word, so that "Mars/Olympus"
 * (or a zone mistyped) put meetings hours off. Says why when not.
 */
static bool local_zone_ok(const char *option)
{
    const char *tz = getenv("TZ");
    if (!tz || !*tz)
        return true;
    const char *name = tz[0] == ':' ? tz + 1 : tz;
    const char *dir = getenv("TZDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s",
             name[0] == '/' ? ""
             : dir && *dir  ? dir
                            : "/usr/share/zoneinfo",
             name);
    /*
     * "CET-1CEST,M3.5.0,M10.5.0/3", "UTC0": a rule holds an offset after its
     * name of three letters or more, or of anything in <...> ("<+07>-7").
     * UTC by its names is UTC to the C library with no file at all.
     */
    const char *quoted = name[0] == '<' ? strchr(name, '>') : NULL;
    size_t letters = quoted ? (size_t)(quoted - name) + 1
                            : strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    bool rule =
        tz[0] != ':' && letters >= 3 && name[letters] && strchr("+-0123456789", name[letters]);
    static const char *const utc[] = {"UTC", "UCT", "GMT", "Etc/UTC", "Etc/GMT", "Zulu", NULL};
    for (const char *const *u = utc; !rule && *u; u++)
        rule = !strcmp(name, *u);
    if (rule || access(path, R_OK) == 0)
        return true;
    fprintf(stderr,
            "liaison: --%s: TZ='%s' is no time zone this computer knows (no %s), so a local "
            "time would be read as UTC: set TZ to one, such as Asia/Ho_Chi_Minh, or give the "
            "time in RFC 3339 (2026-03-02T08:00:00+07:00)\n",
            option, tz, path);
    return false;
}

/*
 * Why a date written y-m-d (and a clock h:mi) that is shaped right is no
 * day or time the calendar has, in why; false when the calendar has it.
 * "is not a time" alone left people looking for a typo in the format of
 * 2026-02-30 (a try-out).
 */
static bool calendar_lacks(int y, int m, int d, int h, int mi, char *why, size_t cap)
{
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) {
        snprintf(why, cap, "no such day: a year has months 01 to 12");
        return true;
    }
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int n = days[m - 1] + (m == 2 && leap);
    if (d < 1 || d > n) {
        snprintf(why, cap, "no such day: %s %d has %d days", months[m - 1], y, n);
        return true;
    }
    if (h < 0 || h > 23 || mi < 0 || mi > 59) {
        snprintf(why, cap, "no such time of day: a clock reads 00:00 to 23:59");
        return true;
    }
    return false;
}

/*
 * calendar_lacks() for s when it begins 'YYYY-MM-DD' and goes on with
 * nothing, with ' HH:MM' or 'T' and digits of the hour and minute.
 */
static bool text_lacks_day(const char *s, char *why, size_t cap)
{
    int y, m, d, h = 0, mi = 0;
    char sep = 0;
    if (strlen(s) < 10 || strspn(s, "0123456789") != 4 || s[4] != '-' ||
        strspn(s + 5, "0123456789") != 2 || s[7] != '-' || strspn(s + 8, "0123456789") != 2 ||
        sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return false;
    if (s[10] && sscanf(s + 10, "%c%2d:%2d", &sep, &h, &mi) != 3)
        h = mi = 0;
    return calendar_lacks(y, m, d, h, mi, why, cap);
}

/* cli_parse_time(), and with day a bare 'YYYY-MM-DD' as that day's 00:00 too. */
static int parse_time(const char *option, const char *s, char *buf, size_t cap, bool day)
{
    struct tm tm = {0};
    char tail;
    bool unclear = false;
    char why[96];
    if (text_lacks_day(s, why, sizeof why)) {
        fprintf(stderr, "liaison: --%s: '%.40s%s' is %s\n", option, s, strlen(s) > 40 ? "..." : "",
                why);
        return EXIT_USAGE;
    }
    /* 'YYYY-MM-DDT...': RFC 3339, which the server reads; a word with a 't' in it is not. */
    if (strlen(s) > 10 && strspn(s, "0123456789") == 4 && s[4] == '-' && s[7] == '-' &&
        (s[10] == 'T' || s[10] == 't')) {
        if (!strpbrk(s + 11, "Zz+-")) {
            fprintf(stderr,
                    "liaison: --%s: '%.40s%s' has no zone: add Z or an offset "
                    "(2026-03-02T08:00:00+07:00), or write 'YYYY-MM-DD HH:MM' for this "
                    "computer's time zone (TZ)\n",
                    option, s, strlen(s) > 40 ? "..." : "");
            return EXIT_USAGE;
        }
        snprintf(buf, cap, "%s", s);
        return 0;
    }
    if (!local_zone_ok(option))
        return EXIT_USAGE;
    if (day && sscanf(s, "%4d-%2d-%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tail) == 3 &&
        local_to_utc(&tm, buf, cap, NULL))
        return 0;
    memset(&tm, 0, sizeof tm);
    if (sscanf(s, "%4d-%2d-%2d %2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tail) == 5 &&
        local_to_utc(&tm, buf, cap, &unclear))
        return 0;
    if (unclear) {
        /* It was taken as the hour after, or as one of the two, without a word. */
        fprintf(stderr,
                "liaison: --%s: '%s' is not one time in this computer's time zone (TZ): its "
                "clocks skip it or pass it twice (a daylight-saving change); give the offset, as "
                "in 2026-03-29T03:30:00+02:00\n",
                option, s);
        return EXIT_USAGE;
    }
    fprintf(stderr,
            "liaison: --%s: '%s' is not a time: RFC 3339 (2026-03-02T08:00:00Z)%s or "
            "'YYYY-MM-DD HH:MM' in this computer's time zone (TZ)\n",
            option, s, day ? ", a day ('YYYY-MM-DD', from its 00:00)" : "");
    return EXIT_USAGE;
}

int cli_parse_time(const char *option, const char *s, char *buf, size_t cap)
{
    return parse_time(option, s, buf, cap, false);
}

int cli_parse_bound(const char *option, const char *s, char *buf, size_t cap)
{
    return parse_time(option, s, buf, cap, true);
}

const char *cli_local_day(char *buf, size_t cap, int days)
{
    time_t t = time(NULL) + (time_t)days * 86400;
    struct tm local;
    if (!localtime_r(&t, &local) || !strftime(buf, cap, "%Y-%m-%d", &local))
        buf[0] = '\0';
    return buf;
}

int cli_parse_day(const struct cli *cli, const char *option, const char *field, const char *s,
                  bool instant)
{
    /* At noon: local_to_utc's check of the calendar, clear of any zone's midnight gap. */
    struct tm tm = {.tm_hour = 12};
    char utc[32];
    bool day = strlen(s) >= 10 && strspn(s, "0123456789") == 4 && s[4] == '-' &&
               strspn(s + 5, "0123456789") == 2 && s[7] == '-' &&
               strspn(s + 8, "0123456789") == 2 &&
               sscanf(s, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) == 3 &&
               local_to_utc(&tm, utc, sizeof utc, NULL);
    if (day && (!s[10] || (instant && (s[10] == 'T' || s[10] == 't'))))
        return 0;
    char why[160], lacks[96];
    if (text_lacks_day(s, lacks, sizeof lacks))
        snprintf(why, sizeof why, "'%.40s%s' is %s", s, strlen(s) > 40 ? "..." : "", lacks);
    else
        snprintf(why, sizeof why, "'%.40s%s' is not %s", s, strlen(s) > 40 ? "..." : "",
                 instant ? "a day (YYYY-MM-DD) or an RFC 3339 instant (2026-03-01T09:00:00Z)"
                         : "a day, YYYY-MM-DD");
    cli_fail_option(cli, option, field, why);
    return EXIT_USAGE;
}

/* Prints a meeting: its fields, attendees, notes and action items (or JSON / its id). */
static void meeting_print(struct cli *cli, json_t *m)
{
    if (cli->set.json || cli->set.ids) {
        cli_print_object(cli, meeting_fields, N_MEETING_FIELDS, m);
        return;
    }
    /* Minutes outside each side's business hours: the burden the rotation shares. */
    char outside[96];
    snprintf(outside, sizeof outside, "exporter %lld min, distributor %lld min",
             (long long)json_integer_value(json_object_get(m, "exporterOutsideMinutes")),
             (long long)json_integer_value(json_object_get(m, "distributorOutsideMinutes")));
    json_object_set_new(m, "outsideHours", json_string(outside));
    output_fields(meeting_fields, N_MEETING_FIELDS, m);
    json_t *attendees = json_object_get(m, "attendees");
    if (json_array_size(attendees)) {
        printf("\nATTENDEES\n");
        output_table(attendee_cols, 4, attendees);
    }
    json_t *notes = json_object_get(m, "notes");
    if (json_array_size(notes)) {
        printf("\nNOTES\n");
        output_table(note_cols, 5, notes);
    }
    json_t *actions = json_object_get(m, "actionItems");
    if (json_array_size(actions)) {
        size_t i;
        json_t *item;
        json_array_foreach(actions, i, item) cli_action_cells(item);
        printf("\nACTION ITEMS\n");
        output_table(meeting_action_cols,
                     (int)(sizeof meeting_action_cols / sizeof meeting_action_cols[0]), actions);
    }
}

/*
 * A meeting added or moved with a start already past is a meeting recorded
 * after the fact, or a mistyped year or month (1901, a try-out): made, but
 * said, as 'action add' says of a due time past.
 */
static void started_note(const json_t *m)
{
    const char *at = json_string_value(json_object_get(m, "startsAt"));
    struct tm tm = {0};
    if (!at || sscanf(at, "%4d-%2d-%2dT%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                      &tm.tm_min) != 5)
        return;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    if (timegm(&tm) >= time(NULL))
        return;
    fprintf(stderr,
            "liaison: note: it starts in the past (%.10s %.5s UTC); if it took place, mark it "
            "held: 'liaison meeting held %lld'\n",
            at, at + 11, (long long)cli_json_id(json_object_get(m, "id")));
}

/*
 * A meeting added or moved outside either side's business hours (at night,
 * on a day off) was made without a word while a start in the past was
 * said (a try-out): said too, with the local start of each side it burdens.
 */
static void hours_note(const json_t *m)
{
    json_int_t ex = json_integer_value(json_object_get(m, "exporterOutsideMinutes"));
    json_int_t di = json_integer_value(json_object_get(m, "distributorOutsideMinutes"));
    const char *ex_at = json_string_value(json_object_get(m, "exporterLocalStartsAt"));
    const char *di_at = json_string_value(json_object_get(m, "localStartsAt"));
    if (!ex && !di)
        return;
    fprintf(stderr, "liaison: note: it falls outside business hours:");
    if (ex)
        fprintf(stderr, " %lld min of the exporter's (it starts %s there)%s", (long long)ex,
                ex_at ? ex_at : "-", di ? "," : "");
    if (di)
        fprintf(stderr, " %lld min of the distributor's (it starts %s there)", (long long)di,
                di_at ? di_at : "-");
    fputc('\n', stderr);
}

/*
 * A meeting added, moved or reopened onto another of its distributor's was
 * stacked on it without a word, both in both sides' calendars (a try-out;
 * the planner keeps them apart, a hand may not): each it overlaps is said.
 * The look-up is the distributor's meetings that start at most 8 hours
 * (the longest meeting) before this one ends.
 */
static void overlap_note(const struct cli *cli, const json_t *m)
{
    const char *at = json_string_value(json_object_get(m, "startsAt"));
    const char *end = json_string_value(json_object_get(m, "endsAt"));
    json_int_t id = cli_json_id(json_object_get(m, "id"));
    struct tm tm = {0};
    if (!at || !end ||
        !strcmp(json_string_value(json_object_get(m, "status")) ?: "", "cancelled") ||
        sscanf(at, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t from = timegm(&tm) - 8 * 3600;
    char since[32];
    if (!gmtime_r(&from, &tm) || !strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return;
    /* Called directly: a look-up that fails leaves the note out, rather than print an error
     * after the command succeeded. */
    json_t *req = json_pack("{s:I,s:s,s:s,s:{s:i}}", "distributorId",
                            cli_json_id(json_object_get(m, "distributorId")), "from", since, "to",
                            end, "page", "pageSize", 100);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL, *text = NULL;
    json_decref(req);
    int called = body ? liaison_call_json(cli->conn, "ListMeetings", body, &text) : -1;
    free(body);
    json_t *resp = called == LIAISON_OK && text ? json_loads(text, 0, NULL) : NULL;
    liaison_string_free(text);
    if (!resp)
        return;
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(resp, "meetings"), i, o)
    {
        const char *o_at = json_string_value(json_object_get(o, "startsAt"));
        const char *o_end = json_string_value(json_object_get(o, "endsAt"));
        const char *o_st = json_string_value(json_object_get(o, "status"));
        /* RFC 3339 in UTC, all of one form: ordered as strings. */
        if (cli_json_id(json_object_get(o, "id")) == id || !o_at || !o_end ||
            (o_st && !strcmp(o_st, "cancelled")) || strcmp(o_at, end) >= 0 ||
            strcmp(o_end, at) <= 0)
            continue;
        fprintf(stderr, "liaison: note: it overlaps meeting %lld, \"%s\" (%.10s %.5s-%.5s UTC)\n",
                (long long)cli_json_id(json_object_get(o, "id")),
                json_string_value(json_object_get(o, "title")) ?: "", o_at, o_at + 11, o_end + 11);
    }
    json_decref(resp);
}

/*
 * A meeting marked held more than a day after its end has its notes
 * overdue at once, and whoever writes them next is late through no lapse
 * of their own (a try-out): said when marked, so it is not a surprise in
 * the health score.
 */
static void notes_due_note(const json_t *m)
{
    const char *due = json_string_value(json_object_get(m, "notesDueAt"));
    const char *st = json_string_value(json_object_get(m, "notesStatus"));
    if (!due || strlen(due) < 16 || !st || strcmp(st, "missing"))
        return;
    /* On the exporter's clock too, where it is not UTC: the time is its staff's to keep. */
    const char *local = json_string_value(json_object_get(m, "exporterLocalNotesDueAt"));
    const char *zone = json_string_value(json_object_get(m, "exporterTimeZone"));
    char beside[96] = "";
    if (local && zone && strcmp(zone, "UTC"))
        snprintf(beside, sizeof beside, ", %.16s %.64s", local, zone);
    fprintf(stderr,
            "liaison: note: its notes were due by %.10s %.5s UTC%s (24 hours after its end): "
            "notes written now count as late, in the meeting and in the distributor's health\n",
            due, due + 11, beside);
}

/*
 * The attendee an invitation just added (the highest id) when it has no e-mail: its meeting's
 * SEQUENCE moved, yet the calendar invitation names nobody new, so they are never invited to
 * it (a try-out).
 */
static void no_email_note(const json_t *m)
{
    const json_t *a, *added = NULL;
    size_t i;
    json_array_foreach(json_object_get(m, "attendees"), i, a)
    {
        if (!added ||
            cli_json_id(json_object_get(a, "id")) > cli_json_id(json_object_get(added, "id")))
            added = a;
    }
    const char *email = json_string_value(json_object_get(added, "email"));
    if (!added || (email && email[0]))
        return;
    fputs("liaison: note: ", stderr);
    const char *name = json_string_value(json_object_get(added, "name"));
    output_escaped(stderr, name ? name : "the attendee");
    fputs(" has no e-mail: the meeting's calendar invitation (.ics) does not reach them until "
          "they have one ('contact update')\n",
          stderr);
}

/*
 * Calls method and prints the meeting it answers with; placed: the call
 * just set its start (add, reschedule), which started_note says when past
 * and hours_note when outside either side's hours; one placed or reopened
 * onto another of its distributor's, overlap_note; a meeting marked held
 * past its notes' due time, notes_due_note. The notes go to standard error with --json and
 * -o ids too: a script that made a meeting onto another was told nothing (a try-out).
 */
static int meeting_call(struct cli *cli, const char *method, json_t *req, bool placed)
{
    json_t *resp;
    int rc = cli_call(cli, method, req, &resp);
    if (rc != EXIT_OK)
        return rc;
    json_t *m = json_object_get(resp, "meeting");
    meeting_print(cli, m);
    if (placed) {
        started_note(m);
        hours_note(m);
    }
    if (placed || !strcmp(method, "ReopenMeeting"))
        overlap_note(cli, m);
    if (!strcmp(method, "MarkMeetingHeld"))
        notes_due_note(m);
    if (!strcmp(method, "AddMeetingAttendee"))
        no_email_note(m);
    json_decref(resp);
    return EXIT_OK;
}

static int mt_list(struct cli *cli, int argc, char **argv)
{
    const char *dist = NULL, *from = NULL, *to = NULL, *status = "";
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"distributor", &dist, NULL, false, "a distributor: id or name", "distributorId"},
        {"from", &from, NULL, false, "meetings starting at or after this time"},
        {"to", &to, NULL, false, "meetings starting before this time"},
        {"status", &status, NULL, false, "scheduled, held, missed or cancelled"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "meeting list [--distributor D] [--from TIME] [--to TIME] [--status S] [--all]",
        "Lists meetings of the distributors you reach, by start time.\n"
        "TIME is RFC 3339, or 'YYYY-MM-DD HH:MM' or a day 'YYYY-MM-DD' (its 00:00) in this\n"
        "computer's time zone (TZ).",
        opts, 0, "meeting list --distributor \"Saigon Auto Parts\" --from \"2026-03-01 00:00\""};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    char f[64] = "", t[64] = "";
    json_int_t d = 0;
    if ((from && (rc = cli_parse_bound("from", from, f, sizeof f))) ||
        (to && (rc = cli_parse_bound("to", to, t, sizeof t))) ||
        (dist && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d))))
        return rc;
    return cli_list(cli, "ListMeetings",
                    json_pack("{s:I,s:s,s:s,s:o}", "distributorId", d, "from", f, "to", t, "status",
                              cli_enum_string(status)),
                    "meetings", meeting_cols, (int)(sizeof meeting_cols / sizeof meeting_cols[0]),
                    &page);
}

/* Parses a command's one meeting ID. Returns 0, -1 after --help, or an exit code. */
static int meeting_id(const struct cli_command_spec *spec, int argc, char **argv, json_int_t *id)
{
    const char *arg = NULL;
    int rc = cli_args_parse(spec, argc, argv, &arg, 1);
    if (rc)
        return rc;
    return cli_parse_id(arg, id);
}

static int mt_show(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "meeting show ID",
        "Shows a meeting with its attendees, notes and the action items written down at it\n"
        "(with --json, as actionItems).",
        opts, 1, "meeting show 42"};
    json_int_t id;
    int rc = meeting_id(&spec, argc, argv, &id);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_t *resp, *list;
    if ((rc = cli_call(cli, "GetMeeting", json_pack("{s:I}", "id", id), &resp)))
        return rc;
    /* A meeting's action items could be added to it but found from it nowhere (a try-out). */
    if ((rc = cli_call(cli, "ListActionItems",
                       json_pack("{s:I,s:{s:i}}", "meetingId", id, "page", "pageSize", CLI_SOME),
                       &list))) {
        json_decref(resp);
        return rc;
    }
    json_t *m = json_object_get(resp, "meeting"), *items = json_object_get(list, "actionItems");
    json_object_set_new(m, "actionItems", items ? json_incref(items) : json_array());
    const char *next =
        json_string_value(json_object_get(json_object_get(list, "page"), "nextCursor"));
    meeting_print(cli, m);
    if (next && *next && !cli->set.ids)
        fprintf(stderr,
                "liaison: note: it has more action items than these %d: 'liaison action "
                "list --meeting %lld'\n",
                CLI_SOME, (long long)id);
    json_decref(list);
    json_decref(resp);
    return EXIT_OK;
}

static int mt_attendance(struct cli *cli, int argc, char **argv)
{
    bool attended = false, absent = false, clear = false;
    const struct cli_opt opts[] = {
        {"attended", NULL, &attended, false, "took part"},
        {"absent", NULL, &absent, false, "did not take part"},
        {"clear", NULL, &clear, false, "forget what was recorded, a mistake: not known"},
        {0}};
    const struct cli_command_spec spec = {
        "meeting attendance ID ATTENDEE --attended | --absent | --clear",
        "Records whether an attendee of a meeting took part, or forgets what was recorded.\n"
        "ATTENDEE: the attendee's id, as 'meeting show ID' lists it.",
        opts, 2, "meeting attendance 42 7 --attended"};
    const char *args[2] = {NULL, NULL};
    int rc = cli_args_parse(&spec, argc, argv, args, 2);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (attended + absent + clear != 1) {
        fprintf(stderr, "liaison: --attended, --absent or --clear: one of them\n");
        return EXIT_USAGE;
    }
    json_int_t id, attendee;
    if ((rc = cli_parse_id(args[0], &id)) || (rc = cli_parse_id(args[1], &attendee)))
        return rc;
    return meeting_call(cli, "SetAttendance",
                        json_pack("{s:I,s:I,s:b,s:b}", "meetingId", id, "attendeeId", attendee,
                                  "attended", attended, "clear", clear),
                        false);
}

/*
 * 'invite' and 'uninvite': the planned cadence meetings have no attendees, so
 * without these 'meeting attendance' had nobody to record on them.
 */
static int mt_invite(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt none[] = {{0}};
    const struct cli_command_spec invite = {
        "meeting invite ID EMAIL|CONTACT|me",
        "Adds an attendee to a meeting: a user of your tenant by e-mail ('me': yourself), or a\n"
        "contact of the meeting's distributor by e-mail or name. A part of a name, in any case\n"
        "and without diacritics, finds the one user or contact whose name holds it; when\n"
        "several do, they are listed with their e-mails. 'meeting show ID' then lists\n"
        "the attendee with the id 'meeting attendance' takes. A person is in a meeting once:\n"
        "a user and a contact of the same e-mail are one, and the second is refused.",
        none, 2, "meeting invite 42 \"Nguyễn Văn An\""};
    const struct cli_command_spec uninvite = {
        "meeting uninvite ID ATTENDEE",
        "Removes an attendee from a meeting. ATTENDEE: the attendee's id, as 'meeting show ID'\n"
        "lists it. The meeting's series does not put them back in it; 'meeting invite' does.",
        none, 2, "meeting uninvite 42 7"};
    bool add = !strcmp(argv[0], "invite");
    const char *args[2] = {NULL, NULL};
    int rc = cli_args_parse(add ? &invite : &uninvite, argc, argv, args, 2);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t id, attendee;
    if ((rc = cli_parse_id(args[0], &id)))
        return rc;
    if (add) {
        json_t *who = cli_party(cli, args[1], &rc);
        return who ? meeting_call(cli, "AddMeetingAttendee",
                                  json_pack("{s:I,s:o}", "meetingId", id, "attendee", who), false)
                   : rc;
    }
    if ((rc = cli_parse_id(args[1], &attendee)))
        return rc;
    return meeting_call(cli, "RemoveMeetingAttendee",
                        json_pack("{s:I,s:I}", "meetingId", id, "attendeeId", attendee), false);
}

static int mt_add(struct cli *cli, int argc, char **argv)
{
    const char *title = NULL, *at = NULL, *duration = "30", *agenda = NULL, *attendee = NULL;
    const struct cli_opt opts[] = {
        {"title", &title, NULL, true, "what the meeting is"},
        {"at", &at, NULL, true,
         "when it starts: RFC 3339 or 'YYYY-MM-DD HH:MM' in this computer's zone (TZ)", "startsAt"},
        {"duration", &duration, NULL, false, "minutes, 5 to 480 (default 30)", "durationMinutes"},
        {"agenda", &agenda, NULL, false, "agenda items, comma-separated"},
        {"attendee", &attendee, NULL, false,
         "(repeatable) a user's e-mail ('me': yourself), or a contact's e-mail or name (or a "
         "part of one name)",
         "attendees"},
        {0}};
    const struct cli_command_spec spec = {
        "meeting add DISTRIBUTOR --title T --at TIME [--duration MIN] [--agenda A,..]\n"
        "       [--attendee EMAIL|CONTACT]...",
        "Schedules an ad-hoc meeting with a distributor.", opts, 1,
        "meeting add \"Saigon Auto Parts\" --title \"Họp khẩn: giao hàng trễ\" --at "
        "\"2027-03-02 15:00\" --duration 45 --attendee an@saigon.example --attendee "
        "bao@acme.example"};
    json_t *attendees = json_array();
    argc = cli_take_repeated("attendee", argc, argv, attendees);
    const char *dist = NULL;
    json_int_t d, minutes;
    char when[64];
    json_t *items = agenda ? NULL : json_array();
    int rc = cli_args_parse(&spec, argc, argv, &dist, 1);
    if (!rc && agenda && !(items = cli_split(agenda, false))) {
        fprintf(stderr, "liaison: --agenda is comma-separated\n");
        rc = EXIT_USAGE;
    }
    if (!rc)
        rc = cli_parties(cli, attendees);
    if (!rc && !(rc = cli_parse_range("--duration", duration, 5, 480, &minutes)) &&
        !(rc = cli_parse_time("at", at, when, sizeof when)) &&
        !(rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d))) {
        return meeting_call(cli, "CreateMeeting",
                            json_pack("{s:I,s:s,s:o,s:s,s:I,s:o}", "distributorId", d, "title",
                                      title, "agenda", items, "startsAt", when, "durationMinutes",
                                      minutes, "attendees", attendees),
                            true);
    }
    json_decref(items);
    json_decref(attendees);
    return rc < 0 ? EXIT_OK : rc;
}

/*
 * 'held', 'missed', 'cancel' and 'reopen': one meeting ID and, for missed
 * and cancel, a reason.
 * A meeting that has the status asked for already is left as it is by the
 * server (no audit row, no time moved), and said so here: exit 0, so that a
 * script's retry does not read as a failure.
 */
static int mt_status(struct cli *cli, int argc, char **argv)
{
    const char *reason = "";
    const struct cli_opt opts[] = {{"reason", &reason, NULL, false, "why (kept with the meeting)"},
                                   {0}};
    const struct cli_opt none[] = {{0}};
    const struct cli_command_spec held = {
        "meeting held ID",
        "Marks a meeting held, once it has started by the server's clock. Its notes are\n"
        "then due 24 hours after its end. One held already is left as it is (a retry is\n"
        "safe).",
        none, 1, "meeting held 42"};
    const struct cli_command_spec missed = {
        "meeting missed ID [--reason TEXT]",
        "Marks a meeting that did not take place as missed; one missed already for this reason\n"
        "(or with none given) is left as it is.",
        opts, 1, "meeting missed 42 --reason \"no one dialled in\""};
    const struct cli_command_spec cancel = {
        "meeting cancel ID [--reason TEXT]",
        "Cancels a scheduled meeting; calendars see it cancelled (its SEQUENCE goes up). One\n"
        "cancelled already for this reason (or with none given) is left as it is.",
        opts, 1, "meeting cancel 42 --reason \"Tết holiday\""};
    const struct cli_command_spec reopen = {
        "meeting reopen ID",
        "Schedules again a meeting marked held, missed or cancelled by mistake; calendars\n"
        "told of a cancellation see it again. Not a held meeting with notes or whose notes\n"
        "were recorded overdue, one its series' pause cancelled ('cadence series resume'),\n"
        "nor a terminated distributor's. One scheduled already is left as it is.",
        none, 1, "meeting reopen 42"};
    const char *method = "MarkMeetingHeld", *status = "held";
    const struct cli_command_spec *spec = &held;
    if (!strcmp(argv[0], "missed")) {
        method = "MarkMeetingMissed";
        status = "missed";
        spec = &missed;
    } else if (!strcmp(argv[0], "cancel")) {
        method = "CancelMeeting";
        status = "cancelled";
        spec = &cancel;
    } else if (!strcmp(argv[0], "reopen")) {
        method = "ReopenMeeting";
        status = "scheduled";
        spec = &reopen;
    }
    json_int_t id;
    bool already = false;
    int rc = meeting_id(spec, argc, argv, &id);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    /* --json prints the answer only, as 'order' does: a script reads its status. */
    if (!cli->set.json &&
        (rc = cli_status_already(cli, "GetMeeting", "meeting", "status", id, status, &already)))
        return rc;
    json_t *req = json_pack("{s:I}", "id", id);
    if (!req)
        return EXIT_ERROR;
    if ((spec == &missed || spec == &cancel) &&
        json_object_set_new(req, "reason", json_string(reason))) {
        json_decref(req);
        return EXIT_ERROR;
    }
    rc = meeting_call(cli, method, req, false);
    if (rc == EXIT_OK && already)
        fprintf(stderr, "liaison: meeting %lld was already %s: nothing changed\n", (long long)id,
                status);
    return rc;
}

static int mt_reschedule(struct cli *cli, int argc, char **argv)
{
    const char *at = NULL, *duration = NULL;
    const struct cli_opt opts[] = {
        {"at", &at, NULL, true,
         "the new start: RFC 3339 or 'YYYY-MM-DD HH:MM' in this computer's zone (TZ)", "startsAt"},
        {"duration", &duration, NULL, false, "minutes, 5 to 480 (default: as it was)",
         "durationMinutes"},
        {0}};
    const struct cli_command_spec spec = {
        "meeting reschedule ID --at TIME [--duration MIN]",
        "Moves a scheduled meeting; calendars see the change (its SEQUENCE goes up).", opts, 1,
        "meeting reschedule 42 --at 2026-03-03T08:00:00Z"};
    json_int_t id, minutes = 0;
    char when[64];
    int rc = meeting_id(&spec, argc, argv, &id);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    /* Not given, 0: the meeting keeps its length. */
    if ((duration && (rc = cli_parse_range("--duration", duration, 5, 480, &minutes))) ||
        (rc = cli_parse_time("at", at, when, sizeof when)))
        return rc;
    /* Moved into the past (up to the 7 days the server allows), it is said as 'meeting add' says
     * it: a try-out moved one a day back by a mistyped date and heard nothing. */
    return meeting_call(
        cli, "RescheduleMeeting",
        json_pack("{s:I,s:s,s:I}", "id", id, "startsAt", when, "durationMinutes", minutes), true);
}

/*
 * The contents of path, UTF-8 of at most NOTE_MAX_CHARS characters, in a
 * malloc'd string; NULL after saying why.
 */
static char *read_note(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "liaison: --file: cannot open %s\n", path);
        return NULL;
    }
    char *buf = malloc(NOTE_MAX_BYTES + 2);
    size_t n = buf ? fread(buf, 1, NOTE_MAX_BYTES + 1, f) : 0;
    int failed = !buf || ferror(f);
    fclose(f);
    size_t chars = 0;
    for (size_t i = 0; !failed && i < n; i++)
        chars += ((unsigned char)buf[i] & 0xC0) != 0x80;
    if (failed || n > NOTE_MAX_BYTES || chars > NOTE_MAX_CHARS || memchr(buf, 0, n)) {
        fprintf(stderr, "liaison: --file: %s\n",
                failed ? "cannot read it" : "a note is text of at most 100,000 characters");
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    if (!cli_utf8_valid(buf)) {
        fprintf(stderr, "liaison: --file: not UTF-8 text\n");
        free(buf);
        return NULL;
    }
    /* A Windows editor's byte order mark is no part of the note: it was kept, and showed as
     * U+FEFF before the text (a try-out). */
    if (n >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
        memmove(buf, buf + 3, n - 2);
    return buf;
}

static int mt_notes(struct cli *cli, int argc, char **argv)
{
    const char *add = NULL, *file = NULL, *language = NULL;
    const struct cli_opt opts[] = {
        {"add", &add, NULL, false, "a note's text", "body"},
        {"file", &file, NULL, false, "a note's text from a file (UTF-8)", "body"},
        {"language", &language, NULL, false, "its BCP 47 language tag: vi, ja, en, ..."},
        {0}};
    const struct cli_command_spec spec = {
        "meeting notes ID [--add TEXT | --file F] [--language TAG]",
        "Shows a meeting's notes, or adds one. Notes go with a held meeting and are due\n"
        "24 hours after it ends; a note at that very instant is on time.",
        opts, 1, "meeting notes 42 --add \"Đã thống nhất đơn hàng tháng 4\" --language vi"};
    json_int_t id;
    int rc = meeting_id(&spec, argc, argv, &id);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (add && file) {
        fprintf(stderr, "liaison: --add and --file: one or the other\n");
        return EXIT_USAGE;
    }
    /* --language "" was taken as no language at all, where every other option given empty is
     * refused (a try-out): leave the option out for none. */
    if (language && !*language) {
        cli_fail_option(cli, "--language", "language",
                        "empty: give a BCP 47 tag (vi, ja, en), or leave --language out");
        return EXIT_USAGE;
    }
    if (!add && !file) {
        json_t *resp;
        if ((rc = cli_call(cli, "GetMeeting", json_pack("{s:I}", "id", id), &resp)))
            return rc;
        json_t *m = json_object_get(resp, "meeting");
        json_t *notes = json_object_get(m, "notes");
        if (!notes)
            json_object_set_new(m, "notes", notes = json_array());
        if (cli->set.json || cli->set.ids) {
            cli_print_rows(cli, note_cols, 5, notes);
        } else {
            /* Each note whole, its lines as written: a table cell showed them as "\n". */
            size_t i;
            json_t *note;
            json_array_foreach(notes, i, note)
            {
                /* "#ID  AT  BY  LANGUAGE", then the note. */
                printf("%s#", i ? "\n" : "");
                for (int k = 0; k < 4; k++) {
                    const char *v = json_string_value(json_object_get(note, note_cols[k].key));
                    if (v && *v) {
                        fputs(k ? "  " : "", stdout);
                        output_escaped(stdout, v);
                    }
                }
                fputc('\n', stdout);
                const char *body = json_string_value(json_object_get(note, "body"));
                output_prose(stdout, body ? body : "", "  ");
            }
            if (!json_array_size(notes))
                printf("no notes yet\n");
        }
        json_decref(resp);
        return EXIT_OK;
    }
    char *text = file ? read_note(file) : NULL;
    if (file && !text)
        return EXIT_USAGE;
    /* The server's "required" named --file, not what was wrong with it (a try-out). */
    if (file && !text[strspn(text, " \t\r\n")]) {
        fprintf(stderr, "liaison: invalid --file: %s holds no text\n", file);
        free(text);
        return EXIT_USAGE;
    }
    rc = meeting_call(cli, "AddMeetingNote",
                      json_pack("{s:I,s:s,s:s}", "meetingId", id, "body", file ? text : add,
                                "language", language ? language : ""),
                      false);
    free(text);
    return rc;
}

static int mt_compliance(struct cli *cli, int argc, char **argv)
{
    const char *dist = NULL, *manager = NULL, *from = NULL, *to = NULL;
    const struct cli_opt opts[] = {
        {"distributor", &dist, NULL, false, "one distributor: id or name", "distributorId"},
        {"manager", &manager, NULL, false, "one account manager: id or e-mail", "accountManagerId"},
        {"from", &from, NULL, false,
         "meetings starting at or after this time (default: 30 days ago, at 00:00)"},
        {"to", &to, NULL, false, "meetings starting before this time (default: the end of today)"},
        {0}};
    const struct cli_command_spec spec = {
        "meeting compliance [--distributor D | --manager M] [--from TIME] [--to TIME]",
        "Counts held meetings of a period by their notes, per distributor and per account\n"
        "manager: on time (first note at most 24 hours after the end, the instant itself\n"
        "included), late, missing (none, and past due) or pending (none, not yet due);\n"
        "the meetings that ended still scheduled, neither held nor missed, as\n"
        "unrecorded (the distributor's health counts them as missed 24 hours on); and\n"
        "those marked missed.\n"
        "TIME is RFC 3339, or 'YYYY-MM-DD HH:MM' or a day 'YYYY-MM-DD' (its 00:00) in this\n"
        "computer's time zone (TZ). Without them: the last 30 days, today included.",
        opts, 0, "meeting compliance --from 2026-03-01 --to 2026-04-01"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    char f[64], t[64], from_day[16], to_day[16];
    if (!from)
        from = cli_local_day(from_day, sizeof from_day, -30);
    if (!to)
        to = cli_local_day(to_day, sizeof to_day, 1);
    json_int_t d = 0, m = 0;
    if ((rc = cli_parse_bound("from", from, f, sizeof f)) ||
        (rc = cli_parse_bound("to", to, t, sizeof t)) ||
        (dist && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d))) ||
        (manager && (rc = cli_resolve(cli, CLI_USER, manager, 0, &m))))
        return rc;
    json_t *resp;
    if ((rc = cli_call(cli, "GetNotesCompliance",
                       json_pack("{s:I,s:I,s:s,s:s}", "distributorId", d, "accountManagerId", m,
                                 "from", f, "to", t),
                       &resp)))
        return rc;
    json_t *by_d = json_object_get(resp, "byDistributor");
    json_t *by_m = json_object_get(resp, "byAccountManager");
    if (!by_d)
        json_object_set_new(resp, "byDistributor", by_d = json_array());
    if (!by_m)
        json_object_set_new(resp, "byAccountManager", by_m = json_array());
    if (cli->set.json) {
        output_json(resp);
    } else if (cli->set.ids) {
        cli_print_rows(cli, compliance_cols, NCOLS(compliance_cols), by_d);
    } else {
        const char *as_of = json_string_value(json_object_get(resp, "asOf"));
        printf("notes compliance as of %s (UTC)\n\nBY DISTRIBUTOR\n", as_of ? as_of : "");
        output_table(compliance_cols, NCOLS(compliance_cols), by_d);
        printf("\nBY ACCOUNT MANAGER\n");
        output_table(manager_cols, NCOLS(manager_cols), by_m);
    }
    json_decref(resp);
    return EXIT_OK;
}

int cmd_meeting(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"list", mt_list, "meetings of the distributors you reach"},
        {"show", mt_show, "a meeting with its attendees, notes and action items"},
        {"add", mt_add, "schedule an ad-hoc meeting"},
        {"held", mt_status, "mark a meeting held"},
        {"missed", mt_status, "mark a meeting missed"},
        {"cancel", mt_status, "cancel a meeting"},
        {"reopen", mt_status, "schedule again a meeting marked held, missed or cancelled"},
        {"reschedule", mt_reschedule, "move a meeting"},
        {"invite", mt_invite, "add an attendee: a user or a contact"},
        {"uninvite", mt_invite, "remove an attendee"},
        {"attendance", mt_attendance, "record whether an attendee took part"},
        {"notes", mt_notes, "a meeting's notes, or add one"},
        {"compliance", mt_compliance, "notes on time, late, missing, pending; unrecorded"},
        {NULL, NULL, NULL}};
    return cli_subcommand("meeting", subs, argc, argv, cli);
}
