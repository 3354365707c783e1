/*
 * rpc_scheduler.c - GetClock, SetClock and ListJobs, with their SQL. The
 * clock (liaison_clock, migration 0014) is one row every process on the
 * database reads through liaison_now(); SetClock changes it only on a
 * server started with --test-clock, and records it in the platform audit.
 */
#include "rpc_scheduler.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "exec.h"
#include "log.h"

/* A century either way: far enough for any test, near enough for timestamptz. */
#define CLOCK_MAX_SHIFT_S 3155760000LL
#define CLOCK_MAX_INSTANT 64

static struct db_stmt q_clock_get = {
    "SELECT " DB_RFC3339(
        "liaison_now()") " AS now, c.fixed_at IS NOT NULL AS fixed,"
                         " " DB_RFC3339(
                             "c.fixed_at") " AS fixed_at,"
                                           " extract(epoch FROM c.shift)::bigint AS shift_seconds"
                                           " FROM (SELECT 1) one LEFT JOIN liaison_clock c ON true",
    0, 0};
/*
 * $1 fixed_at ('' for none), $2 shift in seconds, $3 reset. Data-modifying
 * CTEs run whether or not they are read; the audit row names the change.
 */
static struct db_stmt q_clock_set = {
    "WITH d AS (DELETE FROM liaison_clock WHERE $3::boolean RETURNING 1),"
    " s AS (INSERT INTO liaison_clock (only_row, fixed_at, shift)"
    "  SELECT true, nullif($1, '')::timestamptz, make_interval(secs => $2::bigint)"
    "  WHERE NOT $3::boolean"
    "  ON CONFLICT (only_row) DO UPDATE SET fixed_at = EXCLUDED.fixed_at, shift = EXCLUDED.shift"
    "  RETURNING 1)"
    " SELECT true AS done WHERE liaison_platform_audit(CASE WHEN $3::boolean THEN 'clock.reset'"
    " WHEN $1 <> '' THEN 'clock.fix' ELSE 'clock.shift' END, '')",
    3, 0};
/* $1 kind ('' for all), $2 state (JOB_STATE_UNSPECIFIED for all), $3 after, $4 limit */
static struct db_stmt q_jobs_list = {
    "SELECT * FROM (SELECT j.id, coalesce(t.slug, '') AS tenant, j.kind, j.key,"
    "  CASE WHEN j.failed_at IS NOT NULL THEN 'JOB_STATE_FAILED'"
    "   WHEN j.done_at IS NOT NULL THEN 'JOB_STATE_DONE'"
    "   WHEN j.last_error IS NOT NULL THEN 'JOB_STATE_RETRYING'"
    "   ELSE 'JOB_STATE_PENDING' END AS state,"
    "  " DB_RFC3339(
        "j.run_at") " AS run_at, j.attempts, j.last_error,"
                    "  " DB_RFC3339("j.done_at") " AS done_at, " DB_RFC3339(
                        "j.created_at") " AS created_at,"
                                        "  j.payload::text AS payload"
                                        "  FROM jobs j LEFT JOIN tenants t ON t.id = j.for_tenant"
                                        "  WHERE j.id > $3::bigint AND ($1 = '' OR j.kind = $1)) x"
                                        " WHERE $2 = 'JOB_STATE_UNSPECIFIED' OR x.state = $2 ORDER "
                                        "BY x.id LIMIT $4::int",
    4, 0};

static struct exec_decl d_clock_get = {
    .method = "GetClock", .query = {&q_clock_get, {NULL}}, .not_found = "no clock"};
static struct exec_decl d_clock_set = {
    .method = "SetClock",
    .query = {&q_clock_set, {"fixed_at", "shift_seconds", "reset"}},
    .reply = {&q_clock_get, {NULL}},
    .not_found = "no clock",
    .invalid = "fixedAt: not an RFC 3339 instant"};
static struct exec_decl d_jobs_list = {
    .method = "ListJobs",
    .query = {&q_jobs_list, {"kind", "state", "@after", "@limit"}},
    .shape = EXEC_PAGE,
    .out = "jobs",
    .cursor = "job",
    .filters = {"kind", "state"}};

int rpc_scheduler_register(void)
{
    struct exec_decl *const decls[] = {&d_clock_get, &d_clock_set, &d_jobs_list};
    char err[256];
    if (exec_register(decls, 3, err, sizeof err) < 0) {
        log_event(LOG_ERROR, "scheduler RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

void rpc_get_clock(struct request *r)
{
    exec_run(r, &d_clock_get);
}

void rpc_set_clock(struct request *r)
{
    const Liaison__V1__SetClockRequest *in = (const Liaison__V1__SetClockRequest *)r->input;
    bool fixed = in->fixed_at && in->fixed_at[0];
    if (fixed + in->reset + (in->shift_seconds != 0) > 1) {
        request_fail_field(r, "fixedAt", "give one of fixedAt, shiftSeconds or reset");
        return;
    }
    if (in->shift_seconds > CLOCK_MAX_SHIFT_S || in->shift_seconds < -CLOCK_MAX_SHIFT_S) {
        request_fail_field(r, "shiftSeconds", "at most a century (3155760000 s) either way");
        return;
    }
    /* PostgreSQL alone would take 'yesterday', 'epoch' or 'infinity' and
     * move every server's clock there. */
    if (fixed && (!request_check_text(r, "fixedAt", in->fixed_at, CLOCK_MAX_INSTANT, true) ||
                  !request_check_time(r, "fixedAt", in->fixed_at, true)))
        return;
    /* After the checks: a malformed instant is told as such wherever it is sent. */
    if (!request_config(r)->test_clock) {
        request_fail(r, LIAISON__V1__CODE__FAILED_PRECONDITION,
                     "the clock can be set only on a server started with --test-clock");
        return;
    }
    exec_run(r, &d_clock_set);
}

void rpc_list_jobs(struct request *r)
{
    const Liaison__V1__ListJobsRequest *in = (const Liaison__V1__ListJobsRequest *)r->input;
    if (!request_check_text(r, "kind", in->kind, 63, false))
        return;
    exec_run(r, &d_jobs_list);
}
