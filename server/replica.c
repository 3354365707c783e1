/*
 * replica.c - the standby's pool, its poller and the read-your-writes
 * table (see replica.h).
 */
#include "replica.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "liaison.pb-c.h"
#include "log.h"
#include "metrics.h"

/* Often enough that a session's reads return to the standby soon after its write. */
#define REPLICA_POLL_MS 50

/*
 * Slots of the write table. Sessions that share a slot share the newest of
 * their writes: a collision only keeps a read on the primary a little longer.
 */
#define REPLICA_SESSIONS 4096

/* The end time (wall clock, µs since the epoch) of each slot's newest write. */
static atomic_ullong replica_writes[REPLICA_SESSIONS];

/* The standby's state as last logged, shared by the workers so that a change is logged once. */
enum replica_state { REPLICA_UNKNOWN, REPLICA_IN_USE, REPLICA_DOWN, REPLICA_LAGGING };
static atomic_int replica_logged;

/* Positions as bytes since 0/0, as text: libpq gives numerics as text. */
static struct db_stmt q_primary_lsn = {"SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::text", 0, 0};
/* NULL when the server is not in recovery (promoted): it is no standby of ours then. */
static struct db_stmt q_standby_lsn = {"SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::text", 0,
                                       0};

struct replica_sample {
    uint64_t at_ns; /* when the primary's position was asked for */
    uint64_t at_us; /* the same instant by the wall clock, which other servers share */
    uint64_t lsn;
};

struct replica {
    uv_timer_t timer; /* first: the close callback gets this pointer */
    struct db_pool *primary, *standby;
    struct db_txn ask_primary, ask_standby;
    bool in_flight, stopping, up;
    uint64_t asked_ns, asked_us;
    /* Everything committed before this is visible on the standby; 0: never. */
    uint64_t caught_up_ns, caught_up_us;
    uint64_t max_lag_ns;
    /* Samples of the primary not yet replayed by the standby, oldest first (a ring). */
    struct replica_sample *samples;
    int cap, head, count;
};

int replica_register(void)
{
    struct db_stmt *const stmts[] = {&q_primary_lsn, &q_standby_lsn};
    return db_register(stmts, 2);
}

static size_t replica_slot(int64_t tenant_id, const char *token)
{
    /* FNV-1a: the token is random already; this only spreads it over the slots. */
    uint64_t h = 14695981039346656037ull;
    for (int i = 0; i < 8; i++) {
        h ^= (uint64_t)tenant_id >> (8 * i) & 0xff;
        h *= 1099511628211ull;
    }
    for (const unsigned char *p = (const unsigned char *)token; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return (size_t)(h % REPLICA_SESSIONS);
}

void replica_wrote(int64_t tenant_id, const char *token, uint64_t at_us)
{
    atomic_ullong *slot = &replica_writes[replica_slot(tenant_id, token)];
    unsigned long long seen = atomic_load_explicit(slot, memory_order_relaxed);
    /* Workers may record out of order: the slot keeps the newest. */
    while (seen < at_us && !atomic_compare_exchange_weak(slot, &seen, at_us))
        ;
}

static bool replica_usable(const struct replica *rep, uint64_t now)
{
    return rep->up && rep->caught_up_ns && now - rep->caught_up_ns <= rep->max_lag_ns &&
           db_pool_up(rep->standby);
}

struct db_pool *replica_route(struct replica *rep, int64_t tenant_id, const char *token,
                              uint64_t read_after_us)
{
    uint64_t now = uv_hrtime();
    bool standby = replica_usable(rep, now) && read_after_us < rep->caught_up_us &&
                   atomic_load(&replica_writes[replica_slot(tenant_id, token)]) < rep->caught_up_us;
    metrics_standby_read(standby);
    return standby ? rep->standby : NULL;
}

struct db_pool *replica_pool(const struct replica *rep)
{
    return rep ? rep->standby : NULL;
}

void replica_read_failed(struct replica *rep, int code)
{
    /* Down until the next poll says otherwise: the reads behind this one go to the primary. */
    if (code == LIAISON__V1__CODE__UNAVAILABLE)
        rep->up = false;
    metrics_standby_retry();
}

static void replica_note_state(const struct replica *rep, uint64_t now)
{
    enum replica_state st = replica_usable(rep, now) ? REPLICA_IN_USE
                            : rep->up                ? REPLICA_LAGGING
                                                     : REPLICA_DOWN;
    uint64_t lag_ms = rep->caught_up_ns ? (now - rep->caught_up_ns) / 1000000 : 0;
    metrics_standby(rep->up, lag_ms);
    if (atomic_exchange(&replica_logged, (int)st) == (int)st)
        return;
    if (st == REPLICA_IN_USE)
        log_event(LOG_INFO, "standby in use: reads go to it", "lag_ms=%" PRIu64, lag_ms);
    else if (st == REPLICA_LAGGING)
        log_event(LOG_WARN, "standby behind: reads go to the primary",
                  "lag_ms=%" PRIu64 " max_lag_ms=%" PRIu64, lag_ms, rep->max_lag_ns / 1000000);
    else
        log_event(LOG_WARN, "standby unreachable: reads go to the primary", "lag_ms=%" PRIu64,
                  lag_ms);
}

/* Reads the one text column of a poll's answer as a position; false when NULL or absent. */
static bool replica_lsn(const struct db_txn *txn, uint64_t *lsn)
{
    const PGresult *res = txn->results[0];
    if (!res || PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
        return false;
    char *end;
    *lsn = strtoull(PQgetvalue(res, 0, 0), &end, 10);
    return *end == '\0';
}

static void replica_standby_done(struct db_txn *txn, int code, const char *detail)
{
    struct replica *rep = txn->arg;
    uint64_t replayed = 0;
    rep->in_flight = false;
    rep->up = code == 0 && replica_lsn(txn, &replayed);
    if (code && !rep->stopping)
        log_event(LOG_DEBUG, "standby poll failed", "code=%d reason=\"%.200s\"", code,
                  detail ? detail : "");
    if (rep->up) {
        while (rep->count && rep->samples[rep->head].lsn <= replayed) {
            rep->caught_up_ns = rep->samples[rep->head].at_ns;
            rep->caught_up_us = rep->samples[rep->head].at_us;
            rep->head = (rep->head + 1) % rep->cap;
            rep->count--;
        }
    }
    if (!rep->stopping)
        replica_note_state(rep, uv_hrtime());
}

static void replica_ask(struct replica *rep, struct db_txn *t, struct db_pool *pool,
                        const struct db_stmt *stmt, db_done_cb done)
{
    memset(t, 0, sizeof *t);
    t->nsteps = 1;
    t->steps[0].stmt = stmt;
    t->done = done;
    t->arg = rep;
    rep->in_flight = true;
    int code = db_submit(pool, t);
    if (code)
        done(t, code, "not submitted");
}

static void replica_primary_done(struct db_txn *txn, int code, const char *detail)
{
    struct replica *rep = txn->arg;
    uint64_t lsn;
    (void)detail;
    rep->in_flight = false;
    if (code || rep->stopping || !replica_lsn(txn, &lsn))
        return; /* without a sample of the primary the standby's lag grows: it is not trusted */
    /* Full: the oldest goes; the standby then looks further behind than it is, never closer. */
    if (rep->count == rep->cap) {
        rep->head = (rep->head + 1) % rep->cap;
        rep->count--;
    }
    rep->samples[(rep->head + rep->count) % rep->cap] =
        (struct replica_sample){.at_ns = rep->asked_ns, .at_us = rep->asked_us, .lsn = lsn};
    rep->count++;
    replica_ask(rep, &rep->ask_standby, rep->standby, &q_standby_lsn, replica_standby_done);
}

static void replica_tick(uv_timer_t *t)
{
    struct replica *rep = t->data;
    if (rep->in_flight || rep->stopping)
        return;
    if (!db_pool_up(rep->primary))
        return;
    /* Before the question is sent: whatever committed before now is in its answer. */
    rep->asked_ns = uv_hrtime();
    rep->asked_us = (uint64_t)db_wall_us();
    replica_ask(rep, &rep->ask_primary, rep->primary, &q_primary_lsn, replica_primary_done);
}

struct replica *replica_create(uv_loop_t *loop, struct db_pool *primary,
                               const struct db_options *primary_opt, const struct config *cfg,
                               bool *err)
{
    *err = false;
    if (!cfg->standby_database_url[0])
        return NULL;
    struct replica *rep = calloc(1, sizeof *rep);
    if (rep)
        rep->cap = cfg->standby_max_lag_ms / REPLICA_POLL_MS + 2;
    if (rep)
        rep->samples = calloc((size_t)rep->cap, sizeof *rep->samples);
    struct db_options opt = *primary_opt;
    opt.conninfo = cfg->standby_database_url;
    opt.setting = "standby_database_url";
    if (rep && rep->samples)
        rep->standby = db_pool_create(loop, &opt);
    if (!rep || !rep->standby) {
        if (rep)
            free(rep->samples);
        free(rep);
        *err = true;
        return NULL;
    }
    rep->primary = primary;
    rep->max_lag_ns = (uint64_t)cfg->standby_max_lag_ms * 1000000;
    /* libuv's uv_timer_init only fills the handle in: it always returns 0. */
    (void)uv_timer_init(loop, &rep->timer);
    rep->timer.data = rep;
    uv_timer_start(&rep->timer, replica_tick, 0, REPLICA_POLL_MS);
    return rep;
}

void replica_stop(struct replica *rep)
{
    rep->stopping = true;
    uv_timer_stop(&rep->timer);
}

static void replica_timer_closed(uv_handle_t *h)
{
    struct replica *rep = h->data;
    free(rep->samples);
    free(rep);
}

static void replica_pool_closed(void *arg)
{
    struct replica *rep = arg;
    uv_close((uv_handle_t *)&rep->timer, replica_timer_closed);
}

void replica_close(struct replica *rep)
{
    replica_stop(rep);
    db_pool_close(rep->standby, replica_pool_closed, rep);
}
