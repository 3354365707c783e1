/*
 * rpc_report.c - the monthly report and attainment. Each change is one
 * call of a function of migration 0032, which checks, writes and audits in
 * the request's transaction; the answer is the report read again. Reach is
 * liaison_sees_side(distributor), and row-level security (0031) keeps a
 * distributor user to its own distributor's reports.
 */
#include "rpc_report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec.h"
#include "geo.h"
#include "log.h"
#include "rpc_charter.h"
#include "rpc_distributor.h"

#define REPORT_COLS                                                                                \
    "r.id, r.distributor_id, (SELECT d.name FROM distributors d WHERE d.tenant_id = r.tenant_id"   \
    "  AND d.id = r.distributor_id) AS distributor_name, to_char(r.period, 'YYYY-MM') AS period,"  \
    " r.status, r.charter_id, r.due_on::text AS due_on, r.late,"                                   \
    " r.status = 'draft' AND r.first_submitted_at IS NULL AND r.due_on < (SELECT"                  \
    "  (liaison_now() AT TIME ZONE coalesce(nullif(t.time_zone, ''), 'UTC'))::date"                \
    "  FROM tenants t WHERE t.id = r.tenant_id)"                                                   \
    "  AS overdue,"                                                                                \
    " array_to_json((SELECT c.report_sections FROM charters c WHERE c.tenant_id = r.tenant_id"     \
    "  AND c.id = liaison_report_charter(r.id)))::text AS required_sections,"                      \
    " r.market_intelligence, r.created_by, liaison_rfc3339(r.created_at) AS created_at,"           \
    " r.updated_by, liaison_rfc3339(r.updated_at) AS updated_at, r.submitted_by,"                  \
    " liaison_rfc3339(r.submitted_at) AS submitted_at, r.reviewed_by,"                             \
    " liaison_rfc3339(r.reviewed_at) AS reviewed_at, r.review_comment, r.revision,"                \
    " array_to_json(r.nothing_to_report)::text AS nothing_to_report"
#define REPORT_SECTIONS                                                                            \
    ", (SELECT json_agg(json_build_object('product_line_id', s.product_line_id,"                   \
    "   'product_line_code', pl.code, 'units', s.units, 'revenue_minor', s.revenue_minor,"         \
    "   'currency', s.currency) ORDER BY pl.code) FROM report_sales s JOIN product_lines pl"       \
    "   ON pl.tenant_id = s.tenant_id AND pl.id = s.product_line_id"                               \
    "  WHERE s.tenant_id = r.tenant_id AND s.report_id = r.id) AS sales,"                          \
    " (SELECT json_agg(json_build_object('product_line_id', s.product_line_id,"                    \
    "   'product_line_code', pl.code, 'units_on_hand', s.units_on_hand) ORDER BY pl.code)"         \
    "  FROM report_inventory s JOIN product_lines pl ON pl.tenant_id = s.tenant_id"                \
    "   AND pl.id = s.product_line_id"                                                             \
    "  WHERE s.tenant_id = r.tenant_id AND s.report_id = r.id) AS inventory,"                      \
    " (SELECT json_agg(json_build_object('lead_id', s.lead_id, 'title', s.title, 'stage',"         \
    "   s.stage, 'value_minor', s.value_minor, 'currency', s.currency, 'expected_close',"          \
    "   s.expected_close::text) ORDER BY s.position) FROM report_pipeline s"                       \
    "  WHERE s.tenant_id = r.tenant_id AND s.report_id = r.id) AS pipeline,"                       \
    " (SELECT json_agg(json_build_object('competitor', s.competitor, 'product_line_id',"           \
    "   s.product_line_id, 'product_line_code', pl.code, 'activity', s.activity)"                  \
    "   ORDER BY s.position) FROM report_competition s LEFT JOIN product_lines pl"                 \
    "   ON pl.tenant_id = s.tenant_id AND pl.id = s.product_line_id"                               \
    "  WHERE s.tenant_id = r.tenant_id AND s.report_id = r.id) AS competition"
#define REPORT_FROM                                                                                \
    " FROM monthly_reports r WHERE r.tenant_id = liaison_tenant()"                                 \
    " AND liaison_sees_side(r.distributor_id)"
/* The distributor asked for: the one named, else a distributor user's own. */
#define SIDE(n)                                                                                    \
    "coalesce(nullif(" n "::bigint, 0), CASE WHEN current_setting('liaison.role', true) ="         \
    " 'distributor_user' THEN nullif(current_setting('liaison.distributor_id', true), '')::bigint" \
    " END)"
#define CREATED "nullif(current_setting('liaison.created_id', true), '')::bigint"

/* $1 distributor, $2 period */
static struct db_stmt q_report_open = {"SELECT liaison_report_open(" SIDE("$1") ", $2) AS _id", 2,
                                       0};
static struct db_stmt q_report_created = {
    "SELECT " REPORT_COLS REPORT_SECTIONS REPORT_FROM " AND r.id = " CREATED, 0, 0};
static struct db_stmt q_report_get = {
    "SELECT " REPORT_COLS REPORT_SECTIONS REPORT_FROM " AND r.id = $1::bigint", 1, 0};
/*
 * $1 id, $2 sections, $3 sales, $4 inventory, $5 pipeline, $6 market intelligence, $7
 * competition, $8 the sections declared to have nothing to report (among $2, so emptied by the
 * save, which runs first): each section of $2 is declared or not as $8 says.
 */
static struct db_stmt q_report_save = {
    "WITH s AS MATERIALIZED (SELECT liaison_report_save($1::bigint, $2::text[], $3::jsonb,"
    " $4::jsonb, $5::jsonb, $6, $7::jsonb) AS id)"
    " SELECT liaison_report_nothing(s.id, $2::text[], $8::text[]) AS _id FROM s",
    8, 0};
/*
 * $1 id, $2 the revision the saved form was made from (0: any). The report
 * is locked first, so a save that committed while this one waited counts:
 * two users saving one form each, the second is refused instead of
 * replacing the first one's figures (the portal sends every section).
 */
static struct db_stmt q_report_unchanged = {
    "SELECT liaison_precondition($2::bigint = 0 OR r.revision = $2::bigint, format('this report"
    " changed after your form was made (from revision %s to %s, now %s, last saved by %s at %s):"
    " reload it and enter your changes again', $2::bigint, r.revision, r.status, r.updated_by,"
    " liaison_rfc3339(r.updated_at)))" REPORT_FROM " AND r.id = $1::bigint FOR UPDATE OF r",
    2, 0};
static struct db_stmt q_report_submit = {"SELECT liaison_report_submit($1::bigint) AS _id", 1, 0};
/* $1 id, $2 comment */
static struct db_stmt q_report_review = {"SELECT liaison_report_review($1::bigint, $2) AS _id", 2,
                                         0};
static struct db_stmt q_report_reopen = {"SELECT liaison_report_reopen($1::bigint, $2) AS _id", 2,
                                         0};
/*
 * $1 after id, $2 limit, $3 distributor, $4 from, $5 to, $6 status, $7
 * after month (its first day at 00:00 UTC). By month, then id: a month's
 * report opened late, or a past month's opened to catch up, takes its place
 * among the months (index monthly_reports_period, 0031).
 */
static struct db_stmt q_report_list = {
    "SELECT " REPORT_COLS ", " EXEC_PAGE_AT("(r.period::timestamp AT TIME ZONE 'UTC')") REPORT_FROM
    " AND (r.period, r.id) > (($7::timestamptz AT TIME ZONE 'UTC')::date, $1::bigint)"
    " AND ($3::bigint = 0 OR r.distributor_id = $3::bigint)"
    " AND ($4 = '' OR r.period >= liaison_period_start($4))"
    " AND ($5 = '' OR r.period <= liaison_period_start($5)) AND ($6 = '' OR r.status = $6)"
    " ORDER BY r.period, r.id LIMIT $2::int",
    7, 0};

/*
 * $1 after key (k below), $2 limit, $3 distributor (0: every one seen), $4 after due day
 * (its 00:00 UTC). The months are health's (liaison_health_compute, 0304): from the month after
 * the relationship began, and the month it began in when a report was opened for it; every
 * month over, not only the last six, for a distributor whose first reports never came. A month
 * is over in the distributor's zone, as OpenReport takes one begun (in UTC, Tokyo's November
 * was left out for nine hours of December 1, and Tijuana's listed on its last evening: a
 * try-out). A month not opened is due under the charter version in force when it ended
 * (liaison_report_due, 0309), not under the one active now. A draft of a month before those
 * (opened as history, due no earlier than the first due day from its opening: 0185, 0321) is
 * owed too once opened: `report list` called it overdue while this list left it out (a
 * try-out); health and the concern still judge only the relationship's own months. Two months of a
 * distributor may be due on one day (a first month opened late, 0321): rows page by due day, then
 * by a key of distributor and month (k), so that a page's edge between them skips neither.
 */
#define OWED_DUE_AT "(o.due::timestamp AT TIME ZONE 'UTC')"
#define OWED_PAGE_AT EXEC_PAGE_AT(OWED_DUE_AT)
static struct db_stmt q_report_owed = {
    "WITH d AS (SELECT d.id, d.name, d.time_zone,"
    "  greatest((SELECT min(a.activated_at) FROM charters a"
    "  WHERE a.tenant_id = d.tenant_id AND a.distributor_id = d.id"
    "  AND a.status IN ('active', 'superseded') AND a.activated_at IS NOT NULL),"
    "  liaison_relationship_began(d.id)::timestamp AT TIME ZONE 'UTC') AS since,"
    "  (SELECT min(r.period) FROM monthly_reports r WHERE r.tenant_id = d.tenant_id"
    "  AND r.distributor_id = d.id AND r.status = 'draft') AS first_draft"
    "  FROM distributors d JOIN charters c ON c.tenant_id = d.tenant_id"
    "  AND c.distributor_id = d.id AND c.status = 'active'"
    "  WHERE d.tenant_id = liaison_tenant()"
    "  AND liaison_sees_distributor(d.id, d.account_manager_id)"
    "  AND ($3::bigint = 0 OR d.id = $3::bigint)),"
    " o AS (SELECT d.id, d.name, m.m, r.id AS report_id,"
    "  d.id * 100000 + (extract(year FROM m.m) * 12 + extract(month FROM m.m))::bigint AS k,"
    "  coalesce(r.due_on, liaison_report_due(d.id, m.m::date)) AS due"
    "  FROM d CROSS JOIN LATERAL generate_series(least(date_trunc('month', d.since AT TIME ZONE"
    "  'UTC'), d.first_draft::timestamp),"
    "  date_trunc('month', liaison_now() AT TIME ZONE d.time_zone) - interval '1 month',"
    "  interval '1 month') m (m)"
    "  LEFT JOIN monthly_reports r ON r.tenant_id = liaison_tenant() AND r.distributor_id = d.id"
    "  AND r.period = m.m::date"
    "  WHERE (r.id IS NULL OR r.status = 'draft')"
    "  AND (m.m >= date_trunc('month', (d.since AT TIME ZONE 'UTC') - interval '1 microsecond')"
    "  + interval '1 month' OR r.id IS NOT NULL))"
    " SELECT o.id AS distributor_id, o.name AS distributor_name,"
    " to_char(o.m, 'YYYY-MM') AS period, o.due::text AS due_on,"
    " o.due < (SELECT (liaison_now() AT TIME ZONE coalesce(nullif(t.time_zone, ''), 'UTC'))::date"
    "  FROM tenants t WHERE t.id = liaison_tenant()) AS overdue, o.report_id, o.k AS _id,"
    " " OWED_PAGE_AT " FROM o WHERE (" OWED_DUE_AT ", o.k) > ($4::timestamptz, $1::bigint)"
    " ORDER BY o.due, o.k LIMIT $2::int",
    4, 0};

/* $1 distributor */
static struct db_stmt q_attainment_reach = {
    "SELECT liaison_found(" SIDE("$1") " IS NOT NULL AND liaison_sees_side(" SIDE(
        "$1") "),"
              " 'no such distributor')",
    1, 0};
/*
 * $1 distributor, $2 from, $3 to, $4 last: the trend of the last $4 periods up to $3, or
 * $2..$3. Fixed point on the wire: basis points and hundredths. Stock not reported counts as
 * none, and so below a commitment, only for a period that is over: a quarter in progress, or
 * one to come, read "below: no stock reported" (found in a try-out).
 */
static struct db_stmt q_attainment = {
    "WITH p AS (SELECT " SIDE(
        "$1") " AS d, liaison_period_kind($3) AS k),"
              " rows_ AS (SELECT x.* FROM p, liaison_performance_trend(p.d, p.k,"
              "   liaison_period_start($3), $4::int) x WHERE $4::int > 0"
              "  UNION ALL SELECT x.* FROM p, liaison_performance(p.d, p.k, "
              "liaison_period_start($2),"
              "   liaison_period_start($3)) x WHERE $4::int = 0)"
              " SELECT p.d AS distributor_id, p.k AS period_kind, (SELECT "
              "json_agg(json_build_object("
              "   'product_line_id', x.product_line_id, 'product_line_code', x.product_line_code,"
              "   'period', x.period, 'target_units', x.target_units,"
              "   'has_units_target', x.target_units IS NOT NULL, 'actual_units', x.actual_units,"
              "   'units_attainment_bp', x.units_bp, 'target_revenue_minor', "
              "x.target_revenue_minor,"
              "   'has_revenue_target', x.target_revenue_minor IS NOT NULL,"
              "   'actual_revenue_minor', x.actual_revenue_minor, 'currency', x.currency,"
              "   'revenue_attainment_bp', x.revenue_bp, 'has_on_hand', x.units_on_hand IS NOT "
              "NULL,"
              "   'units_on_hand', x.units_on_hand, 'has_turns', x.inventory_turns IS NOT NULL,"
              "   'inventory_turns_centi', round(x.inventory_turns * 100)::bigint,"
              "   'has_weeks_of_cover', x.weeks_of_cover IS NOT NULL,"
              "   'weeks_of_cover_centi', round(x.weeks_of_cover * 100)::bigint,"
              "   'buffer_unit', x.buffer_unit, 'buffer_amount', x.buffer_amount,"
              "   'below_commitment', x.below_commitment AND (x.units_on_hand IS NOT NULL"
              "    OR x.period_start + CASE p.k WHEN 'month' THEN interval '1 month'"
              "    WHEN 'quarter' THEN interval '3 months' ELSE interval '1 year' END"
              "    <= liaison_now()),"
              "   'uncounted_currencies', (SELECT array_agg(DISTINCT s.currency ORDER BY "
              "s.currency)"
              "    FROM monthly_reports r JOIN report_sales s ON s.tenant_id = r.tenant_id"
              "     AND s.report_id = r.id AND s.product_line_id = x.product_line_id"
              "    WHERE r.tenant_id = liaison_tenant() AND r.distributor_id = p.d"
              "     AND r.status IN ('submitted', 'reviewed') AND r.period >= x.period_start"
              "     AND r.period < x.period_start + liaison_period_step(p.k)"
              "     AND s.revenue_minor > 0 AND s.currency IS DISTINCT FROM x.currency),"
              /* Nothing reported is not zero sold: the table says "-" for it (a try-out). */
              "   'nothing_reported', NOT EXISTS (SELECT 1 FROM monthly_reports r"
              "    WHERE r.tenant_id = liaison_tenant() AND r.distributor_id = p.d"
              "     AND r.status IN ('submitted', 'reviewed') AND r.period >= x.period_start"
              "     AND r.period < x.period_start + liaison_period_step(p.k)))"
              "  ORDER BY x.product_line_code, x.product_line_id, x.period_start) FROM rows_ x) AS "
              "rows"
              " FROM p",
    4, 0};

static struct exec_decl d_report_open = {.method = "OpenReport",
                                         .query = {&q_report_open, {"distributor_id", "period"}},
                                         .reply = {&q_report_created, {NULL}},
                                         .out = "report",
                                         .not_found = "no such report"};
static struct exec_decl d_report_save = {
    .method = "SaveReport",
    .check = {&q_report_unchanged, {"id", "if_revision"}},
    .query = {&q_report_save,
              {"id", "sections", "sales", "inventory", "pipeline", "market_intelligence",
               "competition", "nothing_to_report"}},
    .reply = {&q_report_get, {"id"}},
    .out = "report",
    .not_found = "no such report"};
static struct exec_decl d_report_submit = {.method = "SubmitReport",
                                           .query = {&q_report_submit, {"id"}},
                                           .reply = {&q_report_get, {"id"}},
                                           .out = "report",
                                           .not_found = "no such report"};
static struct exec_decl d_report_review = {.method = "ReviewReport",
                                           .query = {&q_report_review, {"id", "comment"}},
                                           .reply = {&q_report_get, {"id"}},
                                           .out = "report",
                                           .not_found = "no such report"};
static struct exec_decl d_report_reopen = {.method = "ReopenReport",
                                           .query = {&q_report_reopen, {"id", "comment"}},
                                           .reply = {&q_report_get, {"id"}},
                                           .out = "report",
                                           .not_found = "no such report"};
static struct exec_decl d_report_get = {.method = "GetReport",
                                        .query = {&q_report_get, {"id"}},
                                        .out = "report",
                                        .not_found = "no such report"};
static struct exec_decl d_report_list = {
    .method = "ListReports",
    .check = {&distributor_filter_reached, {"distributor_id"}},
    .query = {&q_report_list,
              {"@after", "@limit", "distributor_id", "period_from", "period_to", "status",
               "@after_at"}},
    .shape = EXEC_PAGE,
    .out = "reports",
    .cursor = "rpt",
    .order = EXEC_BY_TIME,
    .filters = {"distributor_id", "period_from", "period_to", "status"}};
static struct exec_decl d_report_owed = {
    .method = "ListReportsOwed",
    .check = {&distributor_filter_reached, {"distributor_id"}},
    .query = {&q_report_owed, {"@after", "@limit", "distributor_id", "@after_at"}},
    .shape = EXEC_PAGE,
    .out = "reports",
    .cursor = "rpo",
    .order = EXEC_BY_TIME,
    .filters = {"distributor_id"}};
static struct exec_decl d_attainment = {
    .method = "GetAttainment",
    .check = {&q_attainment_reach, {"distributor_id"}},
    .query = {&q_attainment, {"distributor_id", "from", "to", "last"}},
    .not_found = "no such distributor"};

int rpc_report_register(void)
{
    struct exec_decl *const decls[] = {&d_report_open,   &d_report_save,   &d_report_submit,
                                       &d_report_review, &d_report_reopen, &d_report_get,
                                       &d_report_list,   &d_report_owed,   &d_attainment};
    char err[256];
    if (exec_register(decls, (int)(sizeof decls / sizeof decls[0]), err, sizeof err) < 0) {
        log_event(LOG_ERROR, "report RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

const char *report_period_kind(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < 4; i++)
        if (i >= n || s[i] < '0' || s[i] > '9')
            return NULL;
    if (n == 4)
        return "year";
    if (n == 7 && s[4] == '-' && s[5] == 'Q' && s[6] >= '1' && s[6] <= '4')
        return "quarter";
    if (n == 7 && s[4] == '-' &&
        ((s[5] == '0' && s[6] >= '1' && s[6] <= '9') ||
         (s[5] == '1' && s[6] >= '0' && s[6] <= '2')))
        return "month";
    return NULL;
}

/* The index of period s among periods of its kind (year * per-year + position). */
static long period_index(const char *s, const char *kind)
{
    long year = strtol(s, NULL, 10);
    if (!strcmp(kind, "year"))
        return year;
    if (!strcmp(kind, "quarter"))
        return year * 4 + (s[6] - '1');
    return year * 12 + strtol(s + 5, NULL, 10) - 1;
}

/* The months (year * 12 + month - 1) period s (report_period_kind's kind) starts and ends in. */
static void period_months(const char *s, const char *kind, long *first, long *last)
{
    long year = strtol(s, NULL, 10);
    if (!strcmp(kind, "year")) {
        *first = year * 12;
        *last = *first + 11;
    } else if (!strcmp(kind, "quarter")) {
        *first = year * 12 + (s[6] - '1') * 3;
        *last = *first + 2;
    } else {
        *first = *last = year * 12 + strtol(s + 5, NULL, 10) - 1;
    }
}

bool report_range_ok(struct request *r, const char *to_field, const char *from, const char *to)
{
    const char *from_kind = report_period_kind(from), *to_kind = report_period_kind(to);
    if (!from_kind || !to_kind)
        return true;
    long from_first, from_last, to_first, to_last;
    period_months(from, from_kind, &from_first, &from_last);
    period_months(to, to_kind, &to_first, &to_last);
    if (from_first <= to_last)
        return true;
    /* The words of every reversed range, a meeting or order list's too (request_check_range). */
    request_fail_field(r, to_field, "must not be before the start of the range");
    return false;
}

bool report_period_ok(struct request *r, const char *field, const char *s, bool month_only,
                      bool required)
{
    if (!s[0] && !required)
        return true;
    const char *kind = report_period_kind(s);
    if (kind && (!month_only || !strcmp(kind, "month"))) {
        /* The years a plan may be made for: a report or target of year 0 or 9999 is a typo. */
        long year = strtol(s, NULL, 10);
        if (year >= 2000 && year <= 2100)
            return true;
        request_fail_field(r, field, "a period in the years 2000 to 2100");
        return false;
    }
    if (!month_only) {
        /* Left out, it read as typed wrong (an attacker's try-out). */
        request_fail_field(r, field,
                           s[0] ? "a period: YYYY-MM, YYYY-Qn or YYYY"
                                : "required: a period, YYYY-MM, YYYY-Qn or YYYY");
        return false;
    }
    /*
     * The example is last month (UTC), which has begun wherever the
     * distributor is: a fixed one (2027-03) was itself refused as a month
     * to come by OpenReport until it came.
     */
    time_t now = time(NULL);
    struct tm tm;
    const char *why = NULL;
    if (now != (time_t)-1 && gmtime_r(&now, &tm)) {
        int year = tm.tm_year + 1900, month = tm.tm_mon; /* tm_mon 0..11: last month 1..12 */
        if (month == 0) {
            year--;
            month = 12;
        }
        why = request_printf(r, "a month as YYYY-MM (%04d-%02d)", year, month);
    }
    request_fail_field(r, field, why ? why : "a month as YYYY-MM");
    return false;
}

/* Answers INVALID_ARGUMENT on "list[i].name", or RESOURCE_EXHAUSTED. */
static void fail_item(struct request *r, const char *list, size_t i, const char *name,
                      const char *why)
{
    const char *f = request_printf(r, "%s[%zu].%s", list, i, name);
    if (f)
        request_fail_field(r, f, why);
    else
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
}

/* A currency code, upper-cased in place, checked on "list[i].currency". */
static bool item_currency_ok(struct request *r, const char *list, size_t i, char *code)
{
    geo_upcase(code);
    if (geo_currency(code))
        return true;
    fail_item(r, list, i, "currency", "not an ISO 4217 currency code");
    return false;
}

/* Text of an item checked like text_ok, on "list[i].name"; one line when one_line (a name). */
static bool item_request_check_chars(struct request *r, const char *list, size_t i,
                                     const char *name, const char *s, size_t max, bool one_line)
{
    const char *f = request_printf(r, "%s[%zu].%s", list, i, name);
    if (f)
        return request_check_chars(r, f, s, max, true) &&
               (!one_line || request_check_one_line(r, f, s));
    request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
    return false;
}

static const char *const sections[] = {"sales_by_line", "inventory_on_hand", "pipeline",
                                       "market_intelligence", "competitive_activity"};
#define MAX_LINES 100
#define MAX_PIPELINE 200

bool report_sections_ok(struct request *r, const char *field, char *const *names, size_t n)
{
    if (n > sizeof sections / sizeof sections[0]) {
        request_fail_field(r, field, "at most the five sections");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < sizeof sections / sizeof sections[0] && strcmp(names[i], sections[k]))
            k++;
        if (k == sizeof sections / sizeof sections[0]) {
            const char *f = request_printf(r, "%s[%zu]", field, i);
            if (f)
                request_fail_field(r, f,
                                   "sales_by_line, inventory_on_hand, pipeline, "
                                   "market_intelligence or competitive_activity");
            else
                request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
            return false;
        }
        /* A charter's ["pipeline", "pipeline"] was stored, and required, twice. */
        for (size_t j = 0; j < i; j++) {
            if (!strcmp(names[j], names[i])) {
                const char *f = request_printf(r, "%s[%zu]", field, i);
                if (f)
                    request_fail_field(r, f, "each section once");
                else
                    request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
                return false;
            }
        }
    }
    return true;
}

void rpc_open_report(struct request *r)
{
    const Liaison__V1__OpenReportRequest *in = (const Liaison__V1__OpenReportRequest *)r->input;
    if (in->distributor_id && !request_check_id(r, "distributorId", in->distributor_id))
        return;
    if (!in->distributor_id && r->who.role != LIAISON__V1__ROLE__ROLE_DISTRIBUTOR_USER) {
        request_fail_field(r, "distributorId", "required");
        return;
    }
    if (report_period_ok(r, "period", in->period, true, true))
        exec_run(r, &d_report_open);
}

static bool sales_ok(struct request *r, Liaison__V1__SaveReportRequest *in)
{
    if (in->n_sales > MAX_LINES) {
        request_fail_field(r, "sales", "at most 100 product lines");
        return false;
    }
    for (size_t i = 0; i < in->n_sales; i++) {
        Liaison__V1__ReportSales *s = in->sales[i];
        if (s->product_line_id < 1 || s->product_line_id > INT64_MAX)
            fail_item(r, "sales", i, "productLineId", "a product line's id");
        else if (s->units > REQUEST_MAX_AMOUNT)
            fail_item(r, "sales", i, "units", REQUEST_MAX_AMOUNT_WORDS);
        else if (s->revenue_minor > REQUEST_MAX_AMOUNT)
            fail_item(r, "sales", i, "revenueMinor", REQUEST_MAX_AMOUNT_WORDS);
        else if (item_currency_ok(r, "sales", i, s->currency))
            continue;
        return false;
    }
    return true;
}

static bool inventory_ok(struct request *r, const Liaison__V1__SaveReportRequest *in)
{
    if (in->n_inventory > MAX_LINES) {
        request_fail_field(r, "inventory", "at most 100 product lines");
        return false;
    }
    for (size_t i = 0; i < in->n_inventory; i++) {
        const Liaison__V1__ReportInventory *s = in->inventory[i];
        if (s->product_line_id < 1 || s->product_line_id > INT64_MAX)
            fail_item(r, "inventory", i, "productLineId", "a product line's id");
        else if (s->units_on_hand > REQUEST_MAX_AMOUNT)
            fail_item(r, "inventory", i, "unitsOnHand", REQUEST_MAX_AMOUNT_WORDS);
        else
            continue;
        return false;
    }
    return true;
}

static bool pipeline_ok(struct request *r, Liaison__V1__SaveReportRequest *in)
{
    if (in->n_pipeline > MAX_PIPELINE) {
        request_fail_field(r, "pipeline", "at most 200 rows");
        return false;
    }
    for (size_t i = 0; i < in->n_pipeline; i++) {
        Liaison__V1__ReportPipelineRow *p = in->pipeline[i];
        if (p->lead_id > INT64_MAX)
            fail_item(r, "pipeline", i, "leadId", "out of range");
        else if (p->value_minor > REQUEST_MAX_AMOUNT)
            fail_item(r, "pipeline", i, "valueMinor", REQUEST_MAX_AMOUNT_WORDS);
        else if (p->expected_close[0] && !charter_date_ok(p->expected_close))
            fail_item(r, "pipeline", i, "expectedClose", charter_date_why(r, p->expected_close));
        else if (item_request_check_chars(r, "pipeline", i, "title", p->title, 200, true) &&
                 item_request_check_chars(r, "pipeline", i, "stage", p->stage, 40, true) &&
                 item_currency_ok(r, "pipeline", i, p->currency))
            continue; /* the stage is a lead's, or one the report holds: liaison_report_save */
        return false;
    }
    return true;
}

static bool competition_ok(struct request *r, const Liaison__V1__SaveReportRequest *in)
{
    if (in->n_competition > MAX_LINES) {
        request_fail_field(r, "competition", "at most 100 entries");
        return false;
    }
    for (size_t i = 0; i < in->n_competition; i++) {
        const Liaison__V1__ReportCompetition *c = in->competition[i];
        if (c->product_line_id > INT64_MAX)
            fail_item(r, "competition", i, "productLineId", "out of range");
        else if (item_request_check_chars(r, "competition", i, "competitor", c->competitor, 200,
                                          true) &&
                 item_request_check_chars(r, "competition", i, "activity", c->activity, 4000,
                                          false))
            continue;
        return false;
    }
    return true;
}

/*
 * A save without sections replaces the sections it carries. It used to
 * replace all five, so that a client saving its sales alone emptied the
 * pipeline and the notes the distributor had written, without a word; an
 * empty section is now emptied only when named.
 */
static bool carried_sections(struct request *r, Liaison__V1__SaveReportRequest *in)
{
    const bool carried[] = {in->n_sales > 0, in->n_inventory > 0, in->n_pipeline > 0,
                            in->market_intelligence && in->market_intelligence[0],
                            in->n_competition > 0};
    size_t nsections = sizeof carried / sizeof carried[0];
    /*
     * A section declared to have nothing to report is one the save replaces (by nothing), so
     * it may not carry content too.
     */
    for (size_t i = 0; i < in->n_nothing_to_report; i++)
        for (size_t k = 0; k < nsections; k++)
            if (!strcmp(in->nothing_to_report[i], sections[k]) && carried[k]) {
                const char *f = request_printf(r, "nothingToReport[%zu]", i);
                const char *why = request_printf(
                    r, "%s has content in this save: give it content or nothing to report",
                    sections[k]);
                if (f && why)
                    request_fail_field(r, f, why);
                else
                    request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
                return false;
            }
    char **names = arena_alloc(&r->arena, 2 * nsections * sizeof *names);
    if (!names) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return false;
    }
    size_t n = 0;
    if (in->n_sections) {
        for (size_t i = 0; i < in->n_sections; i++)
            names[n++] = in->sections[i];
    } else {
        for (size_t k = 0; k < nsections; k++)
            if (carried[k])
                names[n++] = (char *)sections[k];
    }
    for (size_t i = 0; i < in->n_nothing_to_report; i++) {
        size_t j = 0;
        while (j < n && strcmp(names[j], in->nothing_to_report[i]))
            j++;
        if (j == n)
            names[n++] = in->nothing_to_report[i];
    }
    if (!n) {
        request_fail_field(r, "sections",
                           "nothing to save: a save without sections replaces only the sections "
                           "it carries; name a section here to empty it");
        return false;
    }
    /* The request's own: a batch binds each request's parameters when it sends them. */
    in->sections = names;
    in->n_sections = n;
    return true;
}

void rpc_save_report(struct request *r)
{
    Liaison__V1__SaveReportRequest *in = (Liaison__V1__SaveReportRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    if (!report_sections_ok(r, "sections", in->sections, in->n_sections) ||
        !report_sections_ok(r, "nothingToReport", in->nothing_to_report, in->n_nothing_to_report))
        return;
    if (sales_ok(r, in) && inventory_ok(r, in) && pipeline_ok(r, in) && competition_ok(r, in) &&
        request_check_chars(r, "marketIntelligence", in->market_intelligence, 20000, false) &&
        carried_sections(r, in))
        exec_run(r, &d_report_save);
}

void rpc_submit_report(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_report_submit);
}

void rpc_review_report(struct request *r)
{
    const Liaison__V1__ReportCommentRequest *in =
        (const Liaison__V1__ReportCommentRequest *)r->input;
    if (request_check_id(r, "id", in->id) &&
        request_check_chars(r, "comment", in->comment, 10000, false))
        exec_run(r, &d_report_review);
}

void rpc_reopen_report(struct request *r)
{
    const Liaison__V1__ReportCommentRequest *in =
        (const Liaison__V1__ReportCommentRequest *)r->input;
    if (request_check_id(r, "id", in->id) &&
        request_check_chars(r, "comment", in->comment, 10000, true))
        exec_run(r, &d_report_reopen);
}

void rpc_get_report(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_report_get);
}

void rpc_list_reports(struct request *r)
{
    const Liaison__V1__ListReportsRequest *in = (const Liaison__V1__ListReportsRequest *)r->input;
    if (in->distributor_id && !request_check_id(r, "distributorId", in->distributor_id))
        return;
    if (!report_period_ok(r, "periodFrom", in->period_from, true, false) ||
        !report_period_ok(r, "periodTo", in->period_to, true, false))
        return;
    /* A reversed range would list nothing. */
    if (!report_range_ok(r, "periodTo", in->period_from, in->period_to))
        return;
    if (in->status[0] && strcmp(in->status, "draft") && strcmp(in->status, "submitted") &&
        strcmp(in->status, "reviewed")) {
        request_fail_field(r, "status", "draft, submitted or reviewed");
        return;
    }
    exec_run(r, &d_report_list);
}

void rpc_list_reports_owed(struct request *r)
{
    const Liaison__V1__ListReportsOwedRequest *in =
        (const Liaison__V1__ListReportsOwedRequest *)r->input;
    if (!in->distributor_id || request_check_id(r, "distributorId", in->distributor_id))
        exec_run(r, &d_report_owed);
}

#define MAX_RANGE 36
#define MAX_TREND 24
#define DEFAULT_TREND 6

void rpc_get_attainment(struct request *r)
{
    Liaison__V1__AttainmentRequest *in = (Liaison__V1__AttainmentRequest *)r->input;
    if (in->distributor_id && !request_check_id(r, "distributorId", in->distributor_id))
        return;
    if (!in->distributor_id && r->who.role != LIAISON__V1__ROLE__ROLE_DISTRIBUTOR_USER) {
        request_fail_field(r, "distributorId", "required");
        return;
    }
    if (!report_period_ok(r, "to", in->to, false, true))
        return;
    const char *kind = report_period_kind(in->to);
    if (in->last > MAX_TREND) {
        request_fail_field(r, "last", "1 to 24 periods");
        return;
    }
    /* Neither a range nor a length: the trend over the usual half year. */
    if (!in->last && !in->from[0])
        in->last = DEFAULT_TREND;
    if (in->last) {
        if (in->from[0]) {
            request_fail_field(r, "from", "either from..to or the last periods up to to");
            return;
        }
    } else {
        if (!report_period_ok(r, "from", in->from, false, true))
            return;
        if (strcmp(report_period_kind(in->from), kind)) {
            request_fail_field(r, "from", "a period of the same kind as to");
            return;
        }
        long n = period_index(in->to, kind) - period_index(in->from, kind) + 1;
        if (!report_range_ok(r, "to", in->from, in->to))
            return;
        if (n > MAX_RANGE) {
            request_fail_field(r, "from", "at most 36 periods from from to to");
            return;
        }
    }
    exec_run(r, &d_attainment);
}
