/*
 * scheduler.c - the timer that runs batches of due jobs, and the two
 * statements of a batch.
 */
#include "scheduler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"

/*
 * Jobs per batch: each job is a sub-transaction, and past 64 of them that
 * write, every other session's snapshot has to look subtransactions up.
 */
#define SCHEDULER_BATCH "50"
/*
 * How often the session checks that liaisond is still there while a batch
 * runs: a killed process's batch is rolled back within this, not
 * committed after the fact (its pipeline sync was sent with it).
 */
#define SCHEDULER_CLIENT_CHECK_MS "1000"

struct scheduler {
    uv_timer_t timer; /* first: the handle's close callback frees the struct */
    struct db_pool *pool;
    struct db_txn txn;
    bool in_flight;
    bool stopping;
    uint64_t started_ms;
    char instance[128]; /* host:pid, recorded in job_runs */
    char budget[16];
};

/*
 * $1 the client check's interval, $2 the instance: while the batch runs,
 * pg_stat_activity shows which process's it is.
 */
static struct db_stmt q_batch_setup = {
    "SELECT set_config('client_connection_check_interval', $1, true),"
    " set_config('application_name', $2, true), liaison_scheduler_lag_ms() AS lag_ms",
    2, 0};
/* $1 batch size, $2 instance, $3 budget in ms */
static struct db_stmt q_run_due = {
    "SELECT taken, failed, more FROM liaison_run_due_jobs($1::int, $2, $3::int)", 3, 0};

int scheduler_register(void)
{
    struct db_stmt *const stmts[] = {&q_batch_setup, &q_run_due};
    return db_register(stmts, 2);
}

static void scheduler_submit(struct scheduler *s);

/* Reads column name of row 0 as an int (0 when absent). */
static int scheduler_column(const PGresult *res, const char *name)
{
    int col = PQfnumber(res, name);
    if (col < 0 || PQntuples(res) < 1)
        return 0;
    return atoi(PQgetvalue(res, 0, col));
}

static void scheduler_done(struct db_txn *txn, int code, const char *detail)
{
    struct scheduler *s = txn->arg;
    s->in_flight = false;
    uint64_t ms = uv_now(s->timer.loop) - s->started_ms;
    if (code) {
        /* Its transaction rolled back: the jobs are due again, for the next batch. */
        log_event(s->stopping ? LOG_INFO : LOG_WARN, "job batch failed",
                  "code=%d ms=%llu reason=\"%s\"", code, (unsigned long long)ms,
                  detail ? detail : "");
        return;
    }
    const PGresult *setup = txn->results[0];
    int lag_col = setup ? PQfnumber(setup, "lag_ms") : -1;
    if (lag_col >= 0 && PQntuples(setup) > 0)
        metrics_scheduler_lag(strtoll(PQgetvalue(setup, 0, lag_col), NULL, 10));
    const PGresult *res = txn->results[1];
    int taken = scheduler_column(res, "taken"), failed = scheduler_column(res, "failed");
    bool more = PQntuples(res) > 0 && PQfnumber(res, "more") >= 0 &&
                PQgetvalue(res, 0, PQfnumber(res, "more"))[0] == 't';
    if (taken > 0)
        log_event(failed ? LOG_WARN : LOG_INFO, "jobs run", "taken=%d failed=%d ms=%llu", taken,
                  failed, (unsigned long long)ms);
    if (more && !s->stopping)
        scheduler_submit(s);
}

static void scheduler_submit(struct scheduler *s)
{
    if (s->in_flight || s->stopping || !db_pool_up(s->pool))
        return;
    struct db_txn *t = &s->txn;
    memset(t, 0, sizeof *t);
    t->nsteps = 2;
    t->steps[0].stmt = &q_batch_setup;
    t->steps[0].values[0] = SCHEDULER_CLIENT_CHECK_MS;
    t->steps[0].values[1] = s->instance;
    t->steps[1].stmt = &q_run_due;
    t->steps[1].values[0] = SCHEDULER_BATCH;
    t->steps[1].values[1] = s->instance;
    t->steps[1].values[2] = s->budget;
    /* A batch may wait on locks its jobs take: keep requests from queueing behind it. */
    t->flags = DB_TXN_ALONE;
    t->done = scheduler_done;
    t->arg = s;
    s->started_ms = uv_now(s->timer.loop);
    s->in_flight = true;
    int code = db_submit(s->pool, t);
    if (code) {
        /* The queue is full or PostgreSQL is away: the timer tries again. */
        s->in_flight = false;
        log_event(LOG_DEBUG, "job batch not submitted", "code=%d", code);
    }
}

static void scheduler_tick(uv_timer_t *t)
{
    scheduler_submit(t->data);
}

struct scheduler *scheduler_create(uv_loop_t *loop, struct db_pool *pool, int interval_ms,
                                   int budget_ms)
{
    struct scheduler *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->pool = pool;
    char host[48]; /* application_name keeps 63 bytes: room for the pid */
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    snprintf(s->instance, sizeof s->instance, "%s:%ld", host, (long)getpid());
    snprintf(s->budget, sizeof s->budget, "%d", budget_ms);
    /* libuv's uv_timer_init only fills the handle in: it always returns 0. */
    (void)uv_timer_init(loop, &s->timer);
    s->timer.data = s;
    uv_timer_start(&s->timer, scheduler_tick, (uint64_t)interval_ms, (uint64_t)interval_ms);
    return s;
}

void scheduler_stop(struct scheduler *s)
{
    s->stopping = true;
    uv_timer_stop(&s->timer);
}

static void scheduler_closed(uv_handle_t *h)
{
    free(h->data);
}

void scheduler_close(struct scheduler *s)
{
    s->stopping = true;
    uv_close((uv_handle_t *)&s->timer, scheduler_closed);
}
