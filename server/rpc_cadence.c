/*
 * rpc_cadence.c - the cadence plan. Every RPC is a declaration run by
 * exec.c over a function of migration 0016, where the rules live: working
 * time checked against the database's tz database, plan generation and
 * time-zone rotation with AT TIME ZONE, series edits that cancel or bring
 * back future occurrences, the fairness sums. Handlers check formats only.
 */
#include "rpc_cadence.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "geo.h"
#include "log.h"
#include "rpc_charter.h"

#define KIND_WORDS "onboarding, weekly, monthly, quarterly or annual"
/* The product's rule for the weekly operational check-in (DOMAIN: 15-30 min). */
#define WEEKLY_MIN_MINUTES 15
#define WEEKLY_MAX_MINUTES 30
#define WEEKLY_WORDS "a weekly check-in lasts 15 to 30 minutes"
#define AGENDA_MAX_ITEMS 32
#define AGENDA_ITEM_MAX 200
#define UPCOMING_MAX 500

/* Reach first: every cadence RPC of a distributor answers NOT_FOUND for one the caller cannot see.
 */
static struct db_stmt q_reach = {"SELECT liaison_cadence_distributor($1::bigint)", 1, 0};

static struct db_stmt q_tenant_hours = {
    "SELECT liaison_working_time_json(t.time_zone, t.business_hours_start, t.business_hours_end,"
    " t.work_days) AS working_time FROM tenants t WHERE t.id = liaison_tenant()",
    0, 0};
/* $1 zone, $2 start, $3 end, $4 days */
static struct db_stmt q_tenant_hours_set = {
    "SELECT * FROM liaison_set_tenant_working_time($1, $2, $3, $4::smallint[])", 4, 0};
/* $1 user (0: the caller) */
static struct db_stmt q_user_hours = {"SELECT * FROM liaison_user_working_time($1::bigint)", 1, 0};
/* $1 user, $2 zone, $3 start, $4 end, $5 days, $6 clear */
static struct db_stmt q_user_hours_set = {
    "SELECT * FROM liaison_set_user_working_time($1::bigint, $2, $3, $4, $5::smallint[],"
    " $6::boolean)",
    6, 0};
/* The five kinds, in their order. */
static struct db_stmt q_defaults = {
    "SELECT json_agg(json_build_object('kind', kind, 'duration_minutes', duration_minutes,"
    " 'agenda', agenda, 'built_in', built_in) ORDER BY rank) AS defaults"
    " FROM liaison_cadence_kinds()",
    0, 0};
/* $1 kind, $2 minutes, $3 agenda, $4 reset */
static struct db_stmt q_default_set = {
    "SELECT kind, duration_minutes, array_to_json(agenda)::text AS agenda, built_in"
    " FROM liaison_set_cadence_default($1, $2::int, $3::text[], $4::boolean)",
    4, 0};
/* $1 distributor: the plan made or brought up to date; the answer is read after it. */
static struct db_stmt q_plan = {"SELECT liaison_cadence_plan($1::bigint) AS _notes", 1, 0};
/* $1 distributor, $2 upcoming: q_cadence with what q_plan moved (migration 0290). */
static struct db_stmt q_planned = {
    "SELECT c.*, coalesce(nullif(current_setting('liaison.plan_notes', true), ''), '[]')::json"
    " AS notes FROM liaison_cadence_get($1::bigint, $2::int) c",
    2, 0};
/* $1 distributor, $2 how many upcoming occurrences (0: 10) */
static struct db_stmt q_cadence = {"SELECT * FROM liaison_cadence_get($1::bigint, $2::int)", 2, 0};
/*
 * $1 series, $2 title, $3 agenda, $4 minutes ('' / {} / 0: keep), $5 status
 * ('': keep), $6 attendees ({}: keep), $7 clear the attendees. A weekly
 * series keeps to 15-30 minutes: the check raises in the transaction,
 * whatever the order the two are evaluated in.
 */
static struct db_stmt q_series_update = {
    "SELECT series FROM liaison_cadence_series_update($1::bigint, nullif($2, ''),"
    " nullif($3::text[], '{}'), nullif($4::int, 0), $5,"
    " CASE WHEN $7::boolean THEN '{}'::text[] ELSE nullif($6::text[], '{}') END)"
    " WHERE liaison_check(NOT EXISTS (SELECT 1 FROM meeting_series s"
    "  WHERE s.tenant_id = liaison_tenant() AND s.id = $1::bigint AND s.kind = 'weekly'"
    "  AND $4::int <> 0 AND $4::int NOT BETWEEN 15 AND 30), 'durationMinutes', '" WEEKLY_WORDS "')",
    7, 0};
/*
 * $1 distributor, $2 from, $3 to (dates; '' for 90 days before and after today, the exporter's
 * by the service clock: the CLI took them from the computer's clock, so on the test clock the
 * range was not the one every other default reads; a try-out).
 */
static struct db_stmt q_fairness = {
    "WITH t AS (SELECT coalesce(nullif($2, '')::date,"
    "  (liaison_now() AT TIME ZONE ex.time_zone)::date - 90) AS f,"
    "  coalesce(nullif($3, '')::date, (liaison_now() AT TIME ZONE ex.time_zone)::date + 90) AS u"
    "  FROM distributors d CROSS JOIN liaison_exporter_hours(d.account_manager_id) ex"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint)"
    " SELECT f.* FROM t, liaison_cadence_fairness($1::bigint, t.f, t.u) f"
    /* The date given is the one blamed, against the other's default, said. */
    " WHERE liaison_check(t.u >= t.f, CASE WHEN $3 = '' THEN 'from' ELSE 'to' END,"
    "  CASE WHEN $3 = '' THEN format('must not be after the end of the range (%s, 90 days after"
    " today: to not given)', t.u) WHEN $2 = '' THEN format('must not be before the start of the"
    " range (%s, 90 days before today: from not given)', t.f)"
    "  ELSE 'must not be before the start of the range' END)",
    3, 0};

#define WORKING_TIME_PARAMS                                                                        \
    "working_time.time_zone", "working_time.business_hours_start",                                 \
        "working_time.business_hours_end", "working_time.work_days"

static struct exec_decl d_tenant_hours = {.method = "GetTenantWorkingTime",
                                          .query = {&q_tenant_hours, {NULL}},
                                          .not_found = "no such tenant"};
static struct exec_decl d_tenant_hours_set = {.method = "SetTenantWorkingTime",
                                              .query = {&q_tenant_hours_set, {WORKING_TIME_PARAMS}},
                                              .not_found = "no such tenant"};
static struct exec_decl d_user_hours = {.method = "GetUserWorkingTime",
                                        .query = {&q_user_hours, {"user_id"}},
                                        .not_found = "no such user"};
static struct exec_decl d_user_hours_set = {
    .method = "SetUserWorkingTime",
    .query = {&q_user_hours_set, {"user_id", WORKING_TIME_PARAMS, "clear"}},
    .not_found = "no such user"};
static struct exec_decl d_defaults = {
    .method = "ListCadenceDefaults", .query = {&q_defaults, {NULL}}, .not_found = "no defaults"};
static struct exec_decl d_default_set = {
    .method = "SetCadenceDefault",
    .query = {&q_default_set, {"kind", "duration_minutes", "agenda", "reset"}},
    .out = "cadence_default",
    .not_found = "no such kind of meeting"};
static struct exec_decl d_plan = {.method = "PlanCadence",
                                  .check = {&q_reach, {"distributor_id"}},
                                  .query = {&q_plan, {"distributor_id"}},
                                  .reply = {&q_planned, {"distributor_id", "upcoming"}},
                                  .not_found = "no such distributor"};
static struct exec_decl d_cadence = {.method = "GetCadence",
                                     .check = {&q_reach, {"distributor_id"}},
                                     .query = {&q_cadence, {"distributor_id", "upcoming"}},
                                     .not_found = "no such distributor"};
static struct exec_decl d_series_update = {.method = "UpdateMeetingSeries",
                                           .query = {&q_series_update,
                                                     {"id", "title", "agenda", "duration_minutes",
                                                      "status", "attendees", "clear_attendees"}},
                                           .not_found = "no such meeting series"};
static struct exec_decl d_fairness = {.method = "GetCadenceFairness",
                                      .check = {&q_reach, {"distributor_id"}},
                                      .query = {&q_fairness, {"distributor_id", "from", "to"}},
                                      .not_found = "no such distributor",
                                      .invalid = "from and to are dates, YYYY-MM-DD"};

int rpc_cadence_register(void)
{
    struct exec_decl *const decls[] = {&d_tenant_hours,   &d_tenant_hours_set, &d_user_hours,
                                       &d_user_hours_set, &d_defaults,         &d_default_set,
                                       &d_plan,           &d_cadence,          &d_series_update,
                                       &d_fairness};
    char err[256];
    if (exec_register(decls, (int)(sizeof decls / sizeof decls[0]), err, sizeof err) < 0) {
        log_event(LOG_ERROR, "cadence RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

/* "HH:MM" on a 24-hour clock. */
static bool hhmm_ok(const char *s)
{
    return strlen(s) == 5 && s[2] == ':' && s[0] >= '0' && s[0] <= '2' && s[1] >= '0' &&
           s[1] <= '9' && (s[0] < '2' || s[1] <= '3') && s[3] >= '0' && s[3] <= '5' &&
           s[4] >= '0' && s[4] <= '9';
}

/*
 * The formats of a WorkingTime at JSON path `at`, and its zone a name of the
 * tz database, the list distributors' and contacts' zones are checked
 * against (geo.c). PostgreSQL's pg_timezone_names, which the database
 * checks, also holds file names that are no zone of the tz database:
 * "localtime" (whatever zone the database's host is in), "posixrules",
 * "posix/Asia/Tokyo". Answers INVALID_ARGUMENT and returns false when one
 * is wrong.
 */
static bool working_time_ok(struct request *r, const char *at, const Liaison__V1__WorkingTime *w)
{
    const char *field = NULL, *why = NULL;
    if (!w) {
        field = "";
        why = "required";
    } else if (!geo_time_zone(w->time_zone)) {
        /* Its own words: a zone typed in another case is named as it is written. */
        char *path = request_printf(r, "%s.timeZone", at);
        return request_check_zone(r, path ? path : at, w->time_zone, true);
    } else if (!hhmm_ok(w->business_hours_start)) {
        field = ".businessHoursStart";
        why = "HH:MM on a 24-hour clock";
    } else if (!hhmm_ok(w->business_hours_end)) {
        field = ".businessHoursEnd";
        why = "HH:MM on a 24-hour clock";
    } else if (strcmp(w->business_hours_start, w->business_hours_end) >= 0) {
        field = ".businessHoursEnd";
        why = "must be after the start";
    } else {
        unsigned seen = 0;
        for (size_t i = 0; i < w->n_work_days; i++) {
            uint32_t d = w->work_days[i];
            if (d < 1 || d > 7 || (seen & (1u << d)))
                seen = ~0u;
            else
                seen |= 1u << d;
        }
        if (!w->n_work_days || seen == ~0u) {
            field = ".workDays";
            why = "ISO weekdays 1 (Monday) to 7 (Sunday), each once, at least one";
        }
    }
    if (!field)
        return true;
    char *path = request_printf(r, "%s%s", at, field);
    request_fail_field(r, path ? path : at, why);
    return false;
}

static bool kind_known(const char *k)
{
    return !strcmp(k, "onboarding") || !strcmp(k, "weekly") || !strcmp(k, "monthly") ||
           !strcmp(k, "quarterly") || !strcmp(k, "annual");
}

static bool agenda_ok(struct request *r, char **items, size_t n)
{
    if (n > AGENDA_MAX_ITEMS) {
        request_fail_field(r, "agenda", "at most 32 items");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        /* Which item: one of several long ones said only "agenda" (a try-out). */
        const char *field = request_printf(r, "agenda[%zu]", i);
        if (!request_check_text(r, field ? field : "agenda", items[i], AGENDA_ITEM_MAX, true))
            return false;
    }
    return true;
}

/* A user id that is 0 (the caller) or a record id. */
static bool user_id_ok(struct request *r, uint64_t id)
{
    return id == 0 || request_check_id(r, "userId", id);
}

void rpc_get_tenant_working_time(struct request *r)
{
    exec_run(r, &d_tenant_hours);
}

void rpc_set_tenant_working_time(struct request *r)
{
    const Liaison__V1__SetTenantWorkingTimeRequest *in =
        (const Liaison__V1__SetTenantWorkingTimeRequest *)r->input;
    if (working_time_ok(r, "workingTime", in->working_time))
        exec_run(r, &d_tenant_hours_set);
}

void rpc_get_user_working_time(struct request *r)
{
    uint64_t user = ((const Liaison__V1__UserWorkingTimeRequest *)r->input)->user_id;
    if (user_id_ok(r, user) &&
        request_other_user_ok(r, user, true,
                              "only tenant admins and auditors read another user's working "
                              "time"))
        exec_run(r, &d_user_hours);
}

void rpc_set_user_working_time(struct request *r)
{
    const Liaison__V1__SetUserWorkingTimeRequest *in =
        (const Liaison__V1__SetUserWorkingTimeRequest *)r->input;
    if (!user_id_ok(r, in->user_id) ||
        !request_other_user_ok(r, in->user_id, false,
                               "only tenant admins set another user's working time"))
        return;
    /* Cleared, a working time given too was bound unchecked (a day 40000 failed in SQL). */
    if (in->clear && in->working_time) {
        request_fail_field(r, "clear", "either workingTime or clear, not both");
        return;
    }
    if (!in->clear && !working_time_ok(r, "workingTime", in->working_time))
        return;
    exec_run(r, &d_user_hours_set);
}

void rpc_list_cadence_defaults(struct request *r)
{
    exec_run(r, &d_defaults);
}

void rpc_set_cadence_default(struct request *r)
{
    const Liaison__V1__SetCadenceDefaultRequest *in =
        (const Liaison__V1__SetCadenceDefaultRequest *)r->input;
    if (!kind_known(in->kind)) {
        request_fail_field(r, "kind", KIND_WORDS);
        return;
    }
    if (!in->reset && (in->duration_minutes < 5 || in->duration_minutes > 480)) {
        request_fail_field(r, "durationMinutes", "5 to 480 minutes");
        return;
    }
    if (!in->reset && !strcmp(in->kind, "weekly") &&
        (in->duration_minutes < WEEKLY_MIN_MINUTES || in->duration_minutes > WEEKLY_MAX_MINUTES)) {
        request_fail_field(r, "durationMinutes", WEEKLY_WORDS);
        return;
    }
    if (agenda_ok(r, in->agenda, in->n_agenda))
        exec_run(r, &d_default_set);
}

/* The distributor and how many occurrences a cadence answer lists. */
static bool cadence_request_ok(struct request *r)
{
    const Liaison__V1__CadenceRequest *in = (const Liaison__V1__CadenceRequest *)r->input;
    if (!request_check_id(r, "distributorId", in->distributor_id))
        return false;
    if (in->upcoming > UPCOMING_MAX) {
        request_fail_field(r, "upcoming", "at most 500");
        return false;
    }
    return true;
}

void rpc_plan_cadence(struct request *r)
{
    if (cadence_request_ok(r))
        exec_run(r, &d_plan);
}

void rpc_get_cadence(struct request *r)
{
    if (cadence_request_ok(r))
        exec_run(r, &d_cadence);
}

void rpc_update_meeting_series(struct request *r)
{
    const Liaison__V1__UpdateMeetingSeriesRequest *in =
        (const Liaison__V1__UpdateMeetingSeriesRequest *)r->input;
    if (!request_check_id(r, "id", in->id) ||
        !request_check_text(r, "title", in->title, 200, false) ||
        !request_check_one_line(r, "title", in->title) || !agenda_ok(r, in->agenda, in->n_agenda))
        return;
    if (in->duration_minutes && (in->duration_minutes < 5 || in->duration_minutes > 480)) {
        request_fail_field(r, "durationMinutes", "5 to 480 minutes");
        return;
    }
    if (in->status[0] && strcmp(in->status, "active") && strcmp(in->status, "paused") &&
        strcmp(in->status, "ended")) {
        request_fail_field(r, "status", "active, paused or ended");
        return;
    }
    if (in->n_attendees > 20) {
        request_fail_field(r, "attendees", "at most 20");
        return;
    }
    if (in->clear_attendees && in->n_attendees) {
        request_fail_field(r, "clearAttendees", "either attendees or clearAttendees, not both");
        return;
    }
    for (size_t i = 0; i < in->n_attendees; i++)
        if (!request_check_text(r, "attendees", in->attendees[i], 254, true))
            return;
    exec_run(r, &d_series_update);
}

void rpc_get_cadence_fairness(struct request *r)
{
    const Liaison__V1__CadenceFairnessRequest *in =
        (const Liaison__V1__CadenceFairnessRequest *)r->input;
    if (!request_check_id(r, "distributorId", in->distributor_id))
        return;
    /* The years every other day of the API keeps; 0001 to 9999 were taken here (a try-out). */
    if (in->from[0] && !charter_date_ok(in->from)) {
        request_fail_field(r, "from", charter_date_why(r, in->from));
        return;
    }
    if (in->to[0] && !charter_date_ok(in->to)) {
        request_fail_field(r, "to", charter_date_why(r, in->to));
        return;
    }
    if (in->from[0] && in->to[0] && strcmp(in->to, in->from) < 0) {
        request_fail_field(r, "to", "must not be before the start of the range");
        return;
    }
    exec_run(r, &d_fairness);
}
