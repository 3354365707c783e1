/*
 * rpc_calendar.c - ExportCalendar. Each page is one read transaction: the
 * credential check, the calendar's scope (which raises NOT_FOUND for a
 * distributor or user the caller may not export, and fixes the range), and
 * up to a page of meetings in (starts_at, id) order. The page is rendered
 * on libuv's thread pool (request_work), cut to what one part may hold;
 * the next page starts after the last meeting rendered. Without a stream
 * the whole calendar must fit one answer, otherwise the caller is told to
 * ask for a stream.
 */
#include "rpc_calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "credential.h"
#include "ics.h"
#include "log.h"
#include "wire.h"

/*
 * $1 distributor (0: none), $2 user (0: none), $3 from, $4 to ('': the
 * default). The name is NULL when the caller may not export that
 * calendar: a distributor it does not reach, another user's schedule
 * unless it is a tenant admin or an auditor. The range is returned as
 * instants, so that every later page reads the same one.
 */
static struct db_stmt q_calendar_scope = {
    "SELECT s.*, liaison_found(s.name IS NOT NULL, CASE WHEN $1::bigint <> 0"
    " THEN 'no such distributor' ELSE 'no such user' END) AS found,"
    " liaison_check(s.from_at::timestamptz < s.to_at::timestamptz, 'to',"
    " 'must be after from') AS ordered"
    " FROM (SELECT t.slug, t.name AS tenant_name,"
    " coalesce((SELECT d.name FROM distributors d WHERE d.tenant_id = liaison_tenant()"
    " AND d.id = $1::bigint AND liaison_sees_distributor(d.id, d.account_manager_id)),"
    " (SELECT coalesce(nullif(u.display_name, ''), u.email) FROM users u"
    " WHERE u.tenant_id = liaison_tenant() AND u.id = $2::bigint"
    " AND (u.id = nullif(current_setting('liaison.user_id', true), '')::bigint"
    " OR current_setting('liaison.role', true) IN ('tenant_admin', 'auditor')))) AS name,"
    " liaison_ics_time(liaison_now()) AS dtstamp,"
    " coalesce(nullif($3, '')::timestamptz, liaison_now() - interval '3 months')::text AS from_at,"
    " coalesce(nullif($4, '')::timestamptz, liaison_now() + interval '12 months')::text AS to_at"
    " FROM tenants t WHERE t.id = liaison_tenant()) s",
    4, 0};

/*
 * A page of meetings: what both calendars select, then each one's own
 * condition, then the range and the page. Only meetings of distributors the
 * caller reaches, as GetMeeting: an invitation kept by a manager who no
 * longer reaches its distributor went on sending its title, agenda and
 * changes to their calendar, while the meeting itself was "no such meeting"
 * to them (a try-out). The organizer is the meeting's own account manager,
 * kept when its distributor went to another (migration 0280).
 */
#define CALENDAR_PAGE_SELECT                                                                       \
    "SELECT m.id, m.sequence, m.status, m.kind, m.title,"                                          \
    " liaison_ics_time(m.starts_at) AS dtstart, liaison_ics_time(m.ends_at) AS dtend,"             \
    " liaison_ics_time(m.updated_at) AS last_modified,"                                            \
    " array_to_json(m.agenda)::text AS agenda,"                                                    \
    " (SELECT coalesce(json_agg(json_build_object("                                                \
    " 'name', coalesce(nullif(au.display_name, ''), au.email, c.name),"                            \
    " 'email', coalesce(au.email, c.email)) ORDER BY a.id), '[]')"                                 \
    " FROM meeting_attendees a"                                                                    \
    " LEFT JOIN users au ON au.tenant_id = a.tenant_id AND au.id = a.user_id"                      \
    " LEFT JOIN contacts c ON c.tenant_id = a.tenant_id AND c.id = a.contact_id"                   \
    " WHERE a.tenant_id = liaison_tenant() AND a.meeting_id = m.id)::text AS attendees,"           \
    " coalesce(nullif(am.display_name, ''), am.email, '') AS organizer_name,"                      \
    " coalesce(am.email, '') AS organizer_email,"                                                  \
    " m.starts_at::text AS _after_at"                                                              \
    " FROM meetings m JOIN distributors d"                                                         \
    " ON d.tenant_id = m.tenant_id AND d.id = m.distributor_id"                                    \
    " LEFT JOIN users am ON am.tenant_id = d.tenant_id"                                            \
    "  AND am.id = coalesce(m.account_manager_id, d.account_manager_id)"                           \
    " WHERE m.tenant_id = liaison_tenant()"                                                        \
    " AND liaison_sees_distributor(d.id, d.account_manager_id)"

/*
 * $2 from, $3 to (as the scope's: within one transaction the defaults are
 * the same instants), $4 and $5 the (starts_at, id) the page starts after,
 * $6 rows.
 */
#define CALENDAR_PAGE_RANGE                                                                        \
    " AND m.starts_at >= coalesce(nullif($2, '')::timestamptz,"                                    \
    " liaison_now() - interval '3 months')"                                                        \
    " AND m.starts_at < coalesce(nullif($3, '')::timestamptz,"                                     \
    " liaison_now() + interval '12 months')"                                                       \
    " AND (m.starts_at, m.id) > ($4::timestamptz, $5::bigint)"                                     \
    " ORDER BY m.starts_at, m.id LIMIT $6::int"

/* $1 the distributor: its meetings, by meetings_distributor_starts. */
static struct db_stmt q_calendar_distributor = {
    CALENDAR_PAGE_SELECT " AND m.distributor_id = $1::bigint" CALENDAR_PAGE_RANGE, 6, 0};

/*
 * $1 the user: the meetings they attend, those of the distributors they manage, and a
 * distributor's user those of its own distributor. The planned series invite nobody, so a
 * distributor's user exporting its own schedule got no meeting at all (a try-out), though
 * every one of them is its side's. Only of distributors the user works on: an admin exporting
 * a manager's schedule got the meetings of distributors taken from them.
 */
static struct db_stmt q_calendar_user = {
    CALENDAR_PAGE_SELECT
    " AND liaison_party_user_ok(d.id, $1::bigint)"
    " AND (d.account_manager_id = $1::bigint OR d.id = (SELECT u.distributor_id FROM users u"
    " WHERE u.tenant_id = liaison_tenant() AND u.id = $1::bigint) OR EXISTS (SELECT 1"
    " FROM meeting_attendees x WHERE x.tenant_id = liaison_tenant() AND x.meeting_id = m.id"
    " AND x.user_id = $1::bigint))" CALENDAR_PAGE_RANGE,
    6, 0};

int rpc_calendar_register(void)
{
    struct db_stmt *const stmts[] = {&q_calendar_scope, &q_calendar_distributor, &q_calendar_user};
    if (ics_init() < 0) {
        log_event(LOG_ERROR, "libical could not be initialised", "zone=UTC");
        return -1;
    }
    return db_register(stmts, (int)(sizeof stmts / sizeof stmts[0]));
}

/*
 * A VEVENT takes at least this many bytes: a page of budget / this many
 * rows holds at least what one part can.
 */
#define CALENDAR_EVENT_MIN 200
#define CALENDAR_PAGE_MAX 1000

/* An export across its pages; in the request's arena. */
struct calendar_export {
    struct ics_calendar cal; /* from the first page's scope */
    bool stream;
    bool first;     /* the page under way is the first: it opens the calendar */
    int scope_step; /* the scope's step in the page's transaction */
    char distributor[24], user[24];
    char from[64], to[64]; /* as asked, then the first page's instants */
    char after_at[64], after_id[24];
    int rows; /* asked of the database for the page */
    char limit[16];
    size_t budget; /* bytes of text one part may hold */
    /* The page being rendered: rows of the transaction's results, in r->chunk. */
    struct ics_meeting *meetings;
    const char **after; /* each meeting's starts_at, where a page after it starts */
    size_t n;
    /* What the renderer made of it, in r->chunk: the part's text in pieces. */
    size_t rendered;
    bool last; /* the page ended the calendar */
    char **pieces;
    size_t n_pieces;
};

/*
 * A time bound as the database should read it: "" (the default), an
 * RFC 3339 instant as given, or a date as its midnight UTC. False when it
 * is neither, or its day is not in the calendar (2027-02-30): refused here
 * it names its field, where the database's refusal would name none.
 */
static bool calendar_bound(const char *in, char *out, size_t cap)
{
    static const char date[] = "dddd-dd-dd", instant[] = "dddd-dd-ddTdd:dd:dd";
    size_t n = strlen(in), i;
    if (!n) {
        out[0] = '\0';
        return true;
    }
    for (i = 0; i < n && i < sizeof instant - 1; i++)
        if (instant[i] == 'd' ? in[i] < '0' || in[i] > '9' : in[i] != instant[i])
            break;
    /*
     * The years of every other day of the API, 1900 to 2999, and 3000 for a range's end:
     * it is exclusive, and a meeting in the last minute of 2999 is exported.
     */
    int year = atoi(in);
    if (i >= 4 && (year < 1900 || year > 3000))
        return false;
    if (i == sizeof date - 1 && n == i) {
        snprintf(out, cap, "%sT00:00:00Z", in);
        return request_calendar_day(atoi(in), atoi(in + 5), atoi(in + 8));
    }
    if (i != sizeof instant - 1 || n >= cap)
        return false;
    const char *z = in + i;
    if (*z == '.')
        for (z++; *z >= '0' && *z <= '9'; z++)
            ;
    /* An offset PostgreSQL takes, as request_time_valid() bounds it: past it the cast failed,
     * answered "a value is out of range or malformed" with no field named (a try-out). */
    bool zone =
        !strcmp(z, "Z") || (strlen(z) == 6 && (z[0] == '+' || z[0] == '-') && z[3] == ':' &&
                            strspn(z + 1, "0123456789") == 2 && strspn(z + 4, "0123456789") == 2 &&
                            atoi(z + 1) <= 15 && atoi(z + 4) <= 59);
    snprintf(out, cap, "%s", in);
    return zone && request_calendar_day(atoi(in), atoi(in + 5), atoi(in + 8)) &&
           atoi(in + 11) <= 23 && atoi(in + 14) <= 59 && atoi(in + 17) <= 60;
}

static void calendar_page(struct request *r);

static void calendar_refuse_unstreamed(struct request *r)
{
    request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED,
                 "the calendar is larger than one answer: ask for it as a stream (stream = "
                 "true; `liaison cadence ics` does)");
}

/*
 * Renders the page into the part's pieces: on the thread pool
 * (request_work), touching only the state and r->chunk.
 */
static void calendar_render(struct request *r)
{
    struct calendar_export *st = r->state;
    size_t budget = st->budget;
    const char *head = st->first ? ics_begin(&st->cal, &r->chunk) : "";
    char *events = NULL;
    st->pieces = NULL;
    if (!head)
        return;
    budget -= strlen(head) + strlen(ics_end) < budget ? strlen(head) + strlen(ics_end) : budget;
    st->rendered = ics_render(&st->cal, st->meetings, st->n, budget, &r->chunk, &events);
    st->last = st->rendered == st->n && (int)st->n < st->rows;
    size_t len = events ? strlen(head) + strlen(events) + strlen(ics_end) + 1 : 0;
    char *text = len ? arena_alloc(&r->chunk, len) : NULL;
    if (!text)
        return;
    snprintf(text, len, "%s%s%s", head, events, st->last ? ics_end : "");
    st->n_pieces = ics_pieces(text, WIRE_MAX_STRING, &r->chunk, &st->pieces);
}

/* Back on the loop with the page rendered: one part, the answer, or a refusal. */
static void calendar_rendered(struct request *r)
{
    struct calendar_export *st = r->state;
    if (!st->pieces) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED,
                     "the request needs more memory than its budget allows");
        return;
    }
    if (!st->last && !st->stream) {
        calendar_refuse_unstreamed(r);
        return;
    }
    Liaison__V1__ExportCalendarResponse out = LIAISON__V1__EXPORT_CALENDAR_RESPONSE__INIT;
    out.n_ics = st->n_pieces;
    out.ics = st->pieces;
    out.events = (uint32_t)st->rendered;
    if (st->last) {
        request_reply(r, &out.base);
        return;
    }
    snprintf(st->after_at, sizeof st->after_at, "%s", st->after[st->rendered - 1]);
    snprintf(st->after_id, sizeof st->after_id, "%s", st->meetings[st->rendered - 1].id);
    /* About what fits a part: fewer rows after a page the budget cut, more after one it did not. */
    st->rows = st->rendered < st->n ? (int)(st->rendered + st->rendered / 2 + 1) : 2 * st->rows;
    if (st->rows > CALENDAR_PAGE_MAX)
        st->rows = CALENDAR_PAGE_MAX;
    snprintf(st->limit, sizeof st->limit, "%d", st->rows);
    st->first = false;
    request_stream_chunk(r, &out.base, calendar_page);
}

/* Copies the scope's text for the pages after the first; false when memory ran out. */
static bool calendar_scope(struct request *r, const PGresult *res)
{
    struct calendar_export *st = r->state;
    const char *slug = PQgetvalue(res, 0, PQfnumber(res, "slug"));
    st->cal.uid_domain = request_printf(r, "%s.liaison", slug);
    st->cal.name = arena_strdup(&r->arena, PQgetvalue(res, 0, PQfnumber(res, "name")));
    st->cal.tenant_name =
        arena_strdup(&r->arena, PQgetvalue(res, 0, PQfnumber(res, "tenant_name")));
    st->cal.dtstamp = arena_strdup(&r->arena, PQgetvalue(res, 0, PQfnumber(res, "dtstamp")));
    snprintf(st->from, sizeof st->from, "%s", PQgetvalue(res, 0, PQfnumber(res, "from_at")));
    snprintf(st->to, sizeof st->to, "%s", PQgetvalue(res, 0, PQfnumber(res, "to_at")));
    return st->cal.uid_domain && st->cal.name && st->cal.tenant_name && st->cal.dtstamp;
}

static void calendar_page_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    struct calendar_export *st = r->state;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    if (st->first && !calendar_scope(r, txn->results[st->scope_step])) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    const PGresult *res = txn->results[st->scope_step + 1];
    int rows = PQntuples(res);
    if (!st->stream && rows >= st->rows) {
        calendar_refuse_unstreamed(r); /* more meetings than one answer could hold */
        return;
    }
    st->meetings = arena_alloc(&r->chunk, sizeof *st->meetings * ((size_t)rows + 1));
    st->after = arena_alloc(&r->chunk, sizeof *st->after * ((size_t)rows + 1));
    if (!st->meetings || !st->after) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    /* The results go when this callback returns: the renderer gets copies, in r->chunk. */
    static const char *const cols[] = {"id",       "sequence",  "status",         "kind",
                                       "title",    "dtstart",   "dtend",          "last_modified",
                                       "agenda",   "attendees", "organizer_name", "organizer_email",
                                       "_after_at"};
    int c[sizeof cols / sizeof cols[0]];
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++)
        c[k] = PQfnumber(res, cols[k]);
    for (int i = 0; i < rows; i++) {
        const char *v[sizeof cols / sizeof cols[0]];
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++)
            v[k] = arena_strdup(&r->chunk, PQgetvalue(res, i, c[k]));
        st->meetings[i] = (struct ics_meeting){
            .id = v[0],
            .sequence = v[1],
            .status = v[2],
            .kind = v[3],
            .title = v[4],
            .dtstart = v[5],
            .dtend = v[6],
            .last_modified = v[7],
            .agenda = v[8],
            .attendees = v[9],
            .organizer_name = v[10],
            .organizer_email = v[11],
        };
        st->after[i] = v[12];
    }
    if (r->chunk.failed) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED,
                     "the request needs more memory than its budget allows");
        return;
    }
    st->n = (size_t)rows;
    request_work(r, calendar_render, calendar_rendered);
}

/*
 * Submits the next page's transaction: the credential check again (each
 * part has its own transaction and deadline), the scope, the page.
 */
static void calendar_page(struct request *r)
{
    struct calendar_export *st = r->state;
    struct db_step *s = r->txn.steps;
    int n = st->scope_step = credential_txn_begin(r);
    s[n].stmt = &q_calendar_scope;
    s[n].values[0] = st->distributor;
    s[n].values[1] = st->user;
    s[n].values[2] = st->from;
    s[n].values[3] = st->to;
    bool by_user = strcmp(st->user, "0") != 0;
    s[++n].stmt = by_user ? &q_calendar_user : &q_calendar_distributor;
    s[n].values[0] = by_user ? st->user : st->distributor;
    s[n].values[1] = st->from;
    s[n].values[2] = st->to;
    s[n].values[3] = st->after_at;
    s[n].values[4] = st->after_id;
    s[n].values[5] = st->limit;
    r->txn.nsteps = n + 1;
    request_submit(r, calendar_page_done);
}

void rpc_export_calendar(struct request *r)
{
    const Liaison__V1__ExportCalendarRequest *in =
        (const Liaison__V1__ExportCalendarRequest *)r->input;
    if (!in->distributor_id == !in->user_id) {
        request_fail_field(r, in->distributor_id ? "userId" : "distributorId",
                           "give exactly one of distributorId and userId");
        return;
    }
    if (!request_check_id(r, in->distributor_id ? "distributorId" : "userId",
                          in->distributor_id ? in->distributor_id : in->user_id) ||
        !request_other_user_ok(r, in->user_id, true,
                               "only tenant admins and auditors export another user's schedule"))
        return;
    struct calendar_export *st = arena_alloc(&r->arena, sizeof *st);
    if (!st) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    memset(st, 0, sizeof *st);
    r->state = st;
    if (!calendar_bound(in->from, st->from, sizeof st->from)) {
        request_fail_field(
            r, "from",
            "an RFC 3339 instant (2026-03-01T09:00:00Z) or a date, in the years 1900 to 3000");
        return;
    }
    if (!calendar_bound(in->to, st->to, sizeof st->to)) {
        request_fail_field(
            r, "to",
            "an RFC 3339 instant (2026-03-01T09:00:00Z) or a date, in the years 1900 to 3000");
        return;
    }
    snprintf(st->distributor, sizeof st->distributor, "%llu",
             (unsigned long long)in->distributor_id);
    snprintf(st->user, sizeof st->user, "%llu", (unsigned long long)in->user_id);
    snprintf(st->after_at, sizeof st->after_at, "-infinity");
    snprintf(st->after_id, sizeof st->after_id, "0");
    st->stream = in->stream;
    st->first = true;
    /* A frame's envelope (ids, status) takes well under a KiB of the limit. */
    st->budget = in->stream ? request_stream_chunk_bytes(r)
                            : (size_t)request_config(r)->max_frame_bytes - 1024;
    /* Pieces are full but for the last (ics_pieces): no part may have more than a client takes. */
    if (st->budget > (WIRE_MAX_REPEATED - 1) * (WIRE_MAX_STRING - 77))
        st->budget = (WIRE_MAX_REPEATED - 1) * (WIRE_MAX_STRING - 77);
    st->rows = (int)(st->budget / CALENDAR_EVENT_MIN);
    if (st->rows > CALENDAR_PAGE_MAX && in->stream)
        st->rows = CALENDAR_PAGE_MAX;
    snprintf(st->limit, sizeof st->limit, "%d", st->rows);
    calendar_page(r);
}
