/*
 * db.c - the per-worker PostgreSQL pool. A connection goes DOWN ->
 * CONNECTING -> PREPARING -> UP; any error sends it back to DOWN, fails the
 * transactions it carried with UNAVAILABLE, and the reconnect timer brings
 * it back. Nothing here blocks: libpq is non-blocking and in pipeline mode.
 */
#include "db.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "liaison.pb-c.h"
#include "metrics.h"
#include "log.h"
#include "migrate.h"

#define DB_CONNECT_TIMEOUT_MS 10000

/* A connection with work out that hears nothing this long past timeout_ms is hung. */
#define DB_STALL_GRACE_MS 1000

/*
 * While the database cannot be reached, one line says so when it starts and
 * then one this often, not one per connection per reconnect.
 */
#define DB_UNREACHABLE_LOG_MS 60000

/* Resolved host addresses are used this long before they are looked up again. */
#define DB_RESOLVE_TTL_MS 60000

/*
 * Batched transactions per segment. More makes a flush cheaper per request
 * but holds the first answers back until the last statement has run.
 */
#define DB_SEGMENT_MAX 64

/*
 * Statements a transaction in a batch of writes ends after its steps:
 * RELEASE, SAVEPOINT, ROLLBACK TO; and the last one the batch's deadline
 * check and the COMMIT.
 */
#define DB_WRITES_AFTER 3
#define DB_WRITES_AFTER_LAST 5

enum db_state { DB_DOWN, DB_CONNECTING, DB_PREPARING, DB_UP, DB_CLOSED };

struct db_poll {
    uv_poll_t handle; /* first: the close callback gets this pointer */
    struct db_pool *pool;
    struct db_conn *conn; /* NULL once the connection moved on */
    int fd;
    int events; /* what the handle watches now; 0 when stopped */
};

struct db_conn {
    struct db_pool *pool;
    PGconn *pg;
    struct db_poll *poll;
    enum db_state state;
    uint64_t connect_started;
    struct db_txn *head, *tail; /* sent, awaiting results, oldest first */
    struct db_txn *cur;         /* the one whose results are arriving */
    int depth;                  /* segments in flight */
    int batches;                /* of which batches of reads */
    int writes;                 /* of which DB_TXN_WRITES ones (a batch or one alone) */
    bool alone;                 /* a DB_TXN_ALONE transaction is out */
    uint64_t last_progress;     /* loop time of the last result, or of sending to an idle one */
    int nulls;
    int prepare_pending;
    bool role_refused; /* prepare_error says why the role may not serve */
    char prepare_error[640];
};

struct db_queue {
    struct db_txn *head, *tail;
};

struct db_resolve;

struct db_pool {
    uv_loop_t *loop;
    uv_timer_t timer;   /* reconnects */
    uv_prepare_t flush; /* sends what was queued, before the loop sleeps */
    char *conninfo;
    const char *setting; /* db_options.setting: a literal */
    struct db_conn *conns;
    int size, depth, max_batches, batches, queue_max, queued, timeout_ms, alone_out, write_batch;
    /* While a DB_TXN_ALONE transaction waits: the connection left to drain for it. */
    struct db_conn *reserved;
    /* Submitted, not sent yet: reads that may be batched, the rest, and DB_TXN_ALONE ones. */
    struct db_queue reads, others, alones;
    /* Host names to resolve off the loop (NULL: none), their addresses when known. */
    char *hosts;
    char *hostaddr;
    uint64_t resolved_at;
    struct db_resolve *resolving;
    char session_timeouts[2][16]; /* statement/lock timeout, idle-in-transaction timeout */
    int handles; /* timer, prepare, a resolution, and every poll handle not yet closed */
    int closing;
    /*
     * Until the first connection is up or one attempt has failed, requests
     * wait for it instead of failing: a server that has just started
     * listening serves its first clients rather than calling itself down.
     */
    int starting;
    int reconnect_ms;
    /* Failed connection attempts since the last line about them, and that line's loop time. */
    unsigned long failed_attempts;
    uint64_t unreachable_logged;
    bool failing;                  /* no attempt has succeeded since one failed */
    bool said_down;                /* and none was up then: the database said unreachable */
    unsigned long outage_attempts; /* failed since the first of them */
    void (*closed_cb)(void *);
    void *closed_arg;
};

static struct db_stmt *db_stmts[DB_MAX_STMTS];
static int db_nstmts;

/* The highest $N placeholder in sql (0 for none). */
static int db_max_placeholder(const char *sql)
{
    int max = 0;
    for (const char *p = sql; (p = strchr(p, '$')) != NULL;) {
        char *end;
        long v = strtol(++p, &end, 10);
        if (end != p && v > max && v <= DB_MAX_PARAMS + 1)
            max = (int)v;
        else if (end != p && v > DB_MAX_PARAMS)
            max = DB_MAX_PARAMS + 1;
        p = end;
    }
    return max;
}

int db_register(struct db_stmt *const *stmts, int n)
{
    for (int i = 0; i < n; i++) {
        /* A statement shared by several families' declarations is prepared once. */
        bool known = false;
        for (int k = 0; k < db_nstmts && !known; k++)
            known = db_stmts[k] == stmts[i];
        if (known)
            continue;
        if (db_nstmts == DB_MAX_STMTS)
            return -1;
        /* A statement whose placeholders and declared count disagree fails at start-up, not in use.
         */
        if (stmts[i]->nparams < 0 || stmts[i]->nparams > DB_MAX_PARAMS ||
            db_max_placeholder(stmts[i]->sql) != stmts[i]->nparams) {
            log_event(LOG_ERROR, "statement parameters do not match its placeholders",
                      "declared=%d sql=\"%.120s\"", stmts[i]->nparams, stmts[i]->sql);
            return -1;
        }
        stmts[i]->index = db_nstmts;
        db_stmts[db_nstmts++] = stmts[i];
    }
    return 0;
}

/* The first step of a transaction with a deadline (migration 0008). */
static struct db_stmt q_deadline = {"SELECT liaison_deadline($1::bigint)", 1, 0};

/*
 * A batch of writes: BEGIN, then for each transaction its reset, its steps
 * and RELEASE + SAVEPOINT, a sync, and ROLLBACK TO SAVEPOINT; then COMMIT and
 * a sync. A failed statement skips the rest up to its own transaction's
 * sync, so the ROLLBACK TO after it undoes that one transaction and no
 * other; after one that succeeded it rolls back to the savepoint just made,
 * which undoes nothing.
 */
static struct db_stmt q_begin = {"BEGIN", 0, 0};
static struct db_stmt q_savepoint = {"SAVEPOINT liaison_request", 0, 0};
static struct db_stmt q_release = {"RELEASE SAVEPOINT liaison_request", 0, 0};
static struct db_stmt q_rollback_to = {"ROLLBACK TO SAVEPOINT liaison_request", 0, 0};
static struct db_stmt q_commit = {"COMMIT", 0, 0};
/*
 * Before the COMMIT, in a sync of its own: the earliest deadline of the
 * batch ($1, 0: none). A batch that reaches it late (the database froze or
 * stalled, and a caller was told UNAVAILABLE) is left aborted, so the COMMIT
 * after it rolls everything back.
 */
static struct db_stmt q_batch_deadline = {
    "SELECT liaison_deadline($1::bigint) WHERE $1::bigint > 0", 1, 0};
/*
 * What one transaction of a batch leaves behind for the next: its tenant
 * context (until the next one's credential check makes its own, nothing
 * runs in it), the ids its creation made for the answer's read, and the
 * other settings its statements pass on to later ones (a cadence plan's
 * notes, a series being followed, a tenant being imported). A meeting's id
 * escaped this once: a CreateMeeting whose insert made no row answered the
 * meeting the member before it had made (a review). $1, the session's
 * statement and lock timeout: the member before set its own deadline's,
 * which would otherwise govern this one's credential check, and the whole
 * of an idempotency key's store, which sets none.
 */
static struct db_stmt q_reset = {
    "SELECT set_config('liaison.context_mac', '', true),"
    " set_config('liaison.created_id', '', true), set_config('liaison.escalation_id', '', true),"
    " set_config('liaison.created_meeting', '', true), set_config('liaison.plan_notes', '', true),"
    " set_config('liaison.series_following', '', true), set_config('liaison.importing', '', true),"
    " set_config('statement_timeout', $1, true), set_config('lock_timeout', $1, true)",
    1, 0};

int db_register_own(void)
{
    struct db_stmt *const own[] = {&q_deadline,    &q_begin,  &q_savepoint,      &q_release,
                                   &q_rollback_to, &q_commit, &q_batch_deadline, &q_reset};
    return db_register(own, 8);
}

void db_print_statements(FILE *out)
{
    for (int i = 0; i < db_nstmts; i++)
        fprintf(out, "%s\n", db_stmts[i]->sql);
}

static void db_stmt_name(int index, char *buf, size_t len)
{
    snprintf(buf, len, "s%d", index);
}

/* Maps a failed result to a status code, by SQLSTATE class. */
static int db_code(const PGresult *r)
{
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (!state)
        return LIAISON__V1__CODE__INTERNAL;
    if (!strcmp(state, "23505"))
        return LIAISON__V1__CODE__ALREADY_EXISTS;
    if (!strcmp(state, "23503") || !strcmp(state, "23514") || !strcmp(state, "23P01"))
        return LIAISON__V1__CODE__FAILED_PRECONDITION;
    if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03"))
        return LIAISON__V1__CODE__ABORTED;
    if (!strcmp(state, "57014"))
        return LIAISON__V1__CODE__DEADLINE_EXCEEDED; /* statement_timeout, or a cancel */
    if (!strcmp(state, "LS401"))
        return LIAISON__V1__CODE__UNAUTHENTICATED;
    if (!strcmp(state, "LS403"))
        return LIAISON__V1__CODE__PERMISSION_DENIED;
    if (!strcmp(state, "LS404"))
        return LIAISON__V1__CODE__NOT_FOUND;
    if (!strcmp(state, "LS409"))
        return LIAISON__V1__CODE__ALREADY_EXISTS;
    if (!strcmp(state, "LS412"))
        return LIAISON__V1__CODE__FAILED_PRECONDITION;
    if (!strcmp(state, "LS422"))
        return LIAISON__V1__CODE__INVALID_ARGUMENT;
    if (!strcmp(state, "LS429"))
        return LIAISON__V1__CODE__RESOURCE_EXHAUSTED;
    if (!strncmp(state, "22", 2))
        return LIAISON__V1__CODE__INVALID_ARGUMENT;
    if (!strncmp(state, "08", 2) || !strncmp(state, "57", 2) || !strncmp(state, "53", 2))
        return LIAISON__V1__CODE__UNAVAILABLE;
    return LIAISON__V1__CODE__INTERNAL;
}

/* The callback may free txn (it usually frees the request that holds it). */
static void db_txn_finish(struct db_txn *txn, int code, const char *detail)
{
    PGresult *results[DB_MAX_STEPS];
    PGresult *guard = txn->guard, *commit = txn->commit;
    int n = txn->nsteps;
    memcpy(results, txn->results, sizeof results);
    txn->guard = NULL;
    txn->commit = NULL;
    txn->done(txn, code, detail);
    for (int i = 0; i < n; i++)
        PQclear(results[i]);
    PQclear(guard);
    PQclear(commit);
}

/*
 * What a transaction whose sync arrived comes to: the first failure
 * decides. *failed_step is the step that failed (-1 for none); *detail
 * points into the transaction's results.
 */
static int db_txn_outcome(const struct db_txn *txn, int *failed_step, const char **detail)
{
    *failed_step = -1;
    *detail = NULL;
    if (txn->guard && PQresultStatus(txn->guard) == PGRES_FATAL_ERROR) {
        *detail = PQresultErrorField(txn->guard, PG_DIAG_MESSAGE_PRIMARY);
        return db_code(txn->guard);
    }
    for (int i = txn->first; i < txn->nsteps; i++) {
        const PGresult *r = txn->results[i];
        *failed_step = i;
        if (!r) {
            *detail = "missing result";
            return LIAISON__V1__CODE__INTERNAL;
        }
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
            continue;
        if (st == PGRES_FATAL_ERROR) {
            int code = db_code(r);
            /* Our own exceptions carry a message meant for the user. */
            const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
            bool ours = code == LIAISON__V1__CODE__UNAUTHENTICATED ||
                        code == LIAISON__V1__CODE__PERMISSION_DENIED ||
                        code == LIAISON__V1__CODE__NOT_FOUND;
            *detail = ours && primary ? primary : PQresultErrorMessage(r);
            return code;
        }
        *detail = PQresStatus(st);
        return LIAISON__V1__CODE__ABORTED;
    }
    *failed_step = -1;
    /* Every step went through, and then the COMMIT did not: nothing of it holds (a review:
     * such a change was answered OK). A batch's own COMMIT is judged by db_writes_complete. */
    if (!txn->in_writes && txn->commit) {
        *detail = PQresultErrorMessage(txn->commit);
        return db_code(txn->commit);
    }
    return 0;
}

static void db_txn_complete(struct db_txn *txn)
{
    int step;
    const char *detail;
    int code = db_txn_outcome(txn, &step, &detail);
    db_txn_finish(txn, code, detail);
}

static void db_poll_closed(uv_handle_t *h);
static void db_conn_fail(struct db_conn *dc, const char *why);
static void db_flush_cb(uv_prepare_t *h);

static void db_maybe_closed(struct db_pool *pool)
{
    if (pool->closing && pool->handles == 0) {
        void (*cb)(void *) = pool->closed_cb;
        void *arg = pool->closed_arg;
        free(pool->conninfo);
        free(pool->hosts);
        free(pool->hostaddr);
        free(pool->conns);
        free(pool);
        cb(arg);
    }
}

static void db_poll_closed(uv_handle_t *h)
{
    struct db_poll *p = (struct db_poll *)h;
    struct db_pool *pool = p->pool;
    free(p);
    pool->handles--;
    db_maybe_closed(pool);
}

static void db_unwatch(struct db_conn *dc)
{
    if (dc->poll) {
        dc->poll->conn = NULL;
        uv_close((uv_handle_t *)&dc->poll->handle, db_poll_closed);
        dc->poll = NULL;
    }
}

static void db_poll_cb(uv_poll_t *h, int status, int events);

/* Watches the connection's current socket for events. */
static int db_watch(struct db_conn *dc, int events)
{
    int fd = PQsocket(dc->pg);
    if (fd < 0)
        return -1;
    if (dc->poll && dc->poll->fd != fd)
        db_unwatch(dc);
    if (!dc->poll) {
        struct db_poll *p = calloc(1, sizeof *p);
        if (!p)
            return -1;
        if (uv_poll_init_socket(dc->pool->loop, &p->handle, fd) != 0) {
            free(p);
            return -1;
        }
        p->pool = dc->pool;
        p->conn = dc;
        p->fd = fd;
        dc->pool->handles++;
        dc->poll = p;
    }
    /* Every flush asks again: only a change costs an epoll_ctl. */
    if (dc->poll->events == events)
        return 0;
    if (uv_poll_start(&dc->poll->handle, events, db_poll_cb) != 0)
        return -1;
    dc->poll->events = events;
    return 0;
}

static void db_queue_fail(struct db_pool *pool, struct db_queue *q)
{
    struct db_txn *t = q->head;
    q->head = q->tail = NULL;
    while (t) {
        struct db_txn *next = t->next;
        pool->queued--;
        db_txn_finish(t, LIAISON__V1__CODE__UNAVAILABLE, "database unavailable");
        t = next;
    }
}

/* A connection attempt failed: what waits for one fails too unless another is up. */
static void db_pool_stop_waiting(struct db_pool *pool)
{
    pool->starting = 0;
    if (!db_pool_up(pool)) {
        db_queue_fail(pool, &pool->reads);
        db_queue_fail(pool, &pool->others);
        db_queue_fail(pool, &pool->alones);
    }
}

/*
 * A connection attempt failed: said once when the database becomes
 * unreachable, then once a DB_UNREACHABLE_LOG_MS with the attempts since.
 * Every connection of every worker retries each db_reconnect_ms: a line
 * each was dozens a second that hid everything else in the log.
 */
static void db_pool_attempt_failed(struct db_pool *pool, enum log_level level, const char *msg,
                                   const char *why)
{
    uint64_t now = uv_now(pool->loop);
    pool->failed_attempts++;
    pool->outage_attempts++;
    /* With another connection up, the database answers: one more could not be made. */
    pool->said_down = pool->said_down || !db_pool_up(pool);
    metrics_db_lost();
    if (pool->failing && now - pool->unreachable_logged < DB_UNREACHABLE_LOG_MS)
        return;
    log_event(level, msg, "reason=\"%.640s\" attempts=%lu retry_ms=%d", why ? why : "unknown",
              pool->failed_attempts, pool->reconnect_ms);
    pool->failing = true;
    pool->unreachable_logged = now;
    pool->failed_attempts = 0;
}

static void db_conn_fail(struct db_conn *dc, const char *why)
{
    struct db_pool *pool = dc->pool;
    if (dc->state == DB_UP && !pool->closing) {
        log_event(LOG_WARN, "database connection lost", "reason=\"%.200s\"", why ? why : "unknown");
        metrics_db_lost();
    } else if ((dc->state == DB_CONNECTING || dc->state == DB_PREPARING) && !pool->closing) {
        /* Statements the schema refuses: a server newer than its migrations, most often. */
        bool prepare = dc->state == DB_PREPARING && dc->prepare_error[0];
        db_pool_attempt_failed(pool, prepare ? LOG_ERROR : LOG_WARN,
                               prepare && dc->role_refused ? "database role refused"
                               : prepare                   ? "preparing statements failed"
                                                           : "cannot connect to the database",
                               why);
    }
    db_unwatch(dc);
    if (dc->pg)
        PQfinish(dc->pg);
    dc->pg = NULL;
    dc->state = pool->closing ? DB_CLOSED : DB_DOWN;
    dc->role_refused = false;
    dc->prepare_error[0] = '\0';
    struct db_txn *t = dc->head;
    dc->head = dc->tail = dc->cur = NULL;
    dc->depth = 0;
    pool->batches -= dc->batches;
    dc->batches = 0;
    dc->writes = 0;
    pool->alone_out -= dc->alone;
    dc->alone = false;
    if (pool->reserved == dc)
        pool->reserved = NULL;
    while (t) {
        struct db_txn *next = t->next;
        db_txn_finish(t, LIAISON__V1__CODE__UNAVAILABLE, "database connection lost");
        t = next;
    }
    db_pool_stop_waiting(pool);
}

static void db_flush(struct db_conn *dc)
{
    int f = PQflush(dc->pg);
    if (f < 0) {
        db_conn_fail(dc, PQerrorMessage(dc->pg));
        return;
    }
    if (db_watch(dc, f == 1 ? UV_READABLE | UV_WRITABLE : UV_READABLE) < 0)
        db_conn_fail(dc, "cannot watch socket");
}

/*
 * Pipeline mode on, the session's time limits set, the role checked, then
 * every registered statement prepared, one sync. The start checks the role
 * too, but one it could not reach is checked again only each second (main.c),
 * and a pool that connected in between would have served as it: so no
 * connection serves before its own role has been checked.
 */
static void db_conn_prepare(struct db_conn *dc)
{
    static const char limits[] =
        "SELECT set_config('statement_timeout', $1, false), set_config('lock_timeout', $1, false),"
        " set_config('idle_in_transaction_session_timeout', $2, false)";
    const char *values[2] = {dc->pool->session_timeouts[0], dc->pool->session_timeouts[1]};
    if (PQsetnonblocking(dc->pg, 1) != 0 || PQenterPipelineMode(dc->pg) != 1 ||
        !PQsendQueryParams(dc->pg, limits, 2, NULL, values, NULL, NULL, 0) ||
        !PQsendQueryParams(dc->pg, migrate_role_sql, 0, NULL, NULL, NULL, NULL, 0)) {
        db_conn_fail(dc, PQerrorMessage(dc->pg));
        return;
    }
    for (int i = 0; i < db_nstmts; i++) {
        char name[16];
        db_stmt_name(i, name, sizeof name);
        if (!PQsendPrepare(dc->pg, name, db_stmts[i]->sql, db_stmts[i]->nparams, NULL)) {
            db_conn_fail(dc, PQerrorMessage(dc->pg));
            return;
        }
    }
    if (!PQpipelineSync(dc->pg)) {
        db_conn_fail(dc, PQerrorMessage(dc->pg));
        return;
    }
    dc->state = DB_PREPARING;
    dc->prepare_pending = 1;
    dc->role_refused = false;
    dc->prepare_error[0] = '\0';
    db_flush(dc);
}

static void db_connect_step(struct db_conn *dc)
{
    if (dc->poll) {
        uv_poll_stop(&dc->poll->handle);
        dc->poll->events = 0;
    }
    switch (PQconnectPoll(dc->pg)) {
    case PGRES_POLLING_READING:
        if (db_watch(dc, UV_READABLE) < 0)
            db_conn_fail(dc, "cannot watch socket");
        return;
    case PGRES_POLLING_WRITING:
        if (db_watch(dc, UV_WRITABLE) < 0)
            db_conn_fail(dc, "cannot watch socket");
        return;
    case PGRES_POLLING_OK:
        db_conn_prepare(dc);
        return;
    default:
        db_conn_fail(dc, PQerrorMessage(dc->pg));
        return;
    }
}

static void db_resolve_start(struct db_pool *pool);

static void db_conn_start(struct db_conn *dc)
{
    struct db_pool *pool = dc->pool;
    if (pool->hosts &&
        (!pool->hostaddr || uv_now(pool->loop) - pool->resolved_at > (uint64_t)DB_RESOLVE_TTL_MS))
        db_resolve_start(pool);
    if (pool->hosts && !pool->hostaddr)
        return; /* connects when the names are resolved */
    /* Later keys override what the expanded connection string says. */
    const char *keys[] = {"dbname",          "application_name", "keepalives",
                          "keepalives_idle", "hostaddr",         NULL};
    const char *vals[] = {pool->conninfo, "liaisond", "1", "30", pool->hostaddr, NULL};
    if (!pool->hostaddr)
        keys[4] = NULL;
    dc->pg = PQconnectStartParams(keys, vals, 1);
    if (!dc->pg || PQstatus(dc->pg) == CONNECTION_BAD) {
        /* A Unix socket that is not there fails here, before any polling. */
        db_pool_attempt_failed(pool, LOG_WARN, "cannot connect to the database",
                               dc->pg ? PQerrorMessage(dc->pg) : "out of memory");
        if (dc->pg)
            PQfinish(dc->pg);
        dc->pg = NULL;
        dc->state = DB_DOWN;
        db_pool_stop_waiting(pool);
        return;
    }
    db_log_notices(dc->pg);
    dc->state = DB_CONNECTING;
    dc->connect_started = uv_now(dc->pool->loop);
    db_connect_step(dc);
}

/*
 * Severities above NOTICE are worth an operator's eye; the rest is detail. The severity is
 * read in English whatever the server's lc_messages (PG_DIAG_SEVERITY_NONLOCALIZED).
 */
static void db_notice(void *arg, const PGresult *res)
{
    (void)arg;
    const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *text = PQresultErrorMessage(res);
    if (!sev)
        sev = PQresultErrorField(res, PG_DIAG_SEVERITY);
    if (!text)
        return;
    bool loud = sev && (!strcmp(sev, "WARNING") || !strcmp(sev, "ERROR") || !strcmp(sev, "FATAL") ||
                        !strcmp(sev, "PANIC"));
    size_t n = strcspn(text, "\n");
    log_event(loud ? LOG_WARN : LOG_DEBUG, "database notice", "text=\"%.*s\"", (int)n, text);
}

void db_log_notices(PGconn *pg)
{
    if (pg)
        PQsetNoticeReceiver(pg, db_notice, NULL);
}

/* A batched transaction that did not run because an earlier one failed. */
static bool db_txn_aborted(const struct db_txn *txn)
{
    bool aborted = false;
    for (int i = txn->first; i < txn->nsteps; i++) {
        const PGresult *r = txn->results[i];
        if (r && PQresultStatus(r) == PGRES_FATAL_ERROR)
            return false;
        if (!r || PQresultStatus(r) == PGRES_PIPELINE_ABORTED)
            aborted = true;
    }
    return aborted;
}

static void db_requeue(struct db_pool *pool, struct db_queue *q, struct db_txn *head,
                       struct db_txn *tail, int n);

/* A deadlock or a serialization failure: the same transaction alone may well succeed. */
static bool db_retryable(const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return state && (!strcmp(state, "40001") || !strcmp(state, "40P01"));
}

int64_t db_wall_us(void)
{
    uv_timeval64_t now;
    return uv_gettimeofday(&now) == 0 ? now.tv_sec * 1000000 + now.tv_usec : 0;
}

/*
 * A batch of writes' last sync arrived. When its COMMIT succeeded each
 * transaction settles as its own steps came out, except one that lost a
 * deadlock or a serialization failure (its savepoint undid it), which is
 * sent again alone. When the COMMIT failed nothing of the batch is in the
 * database: each is sent again alone, or fails if it already was, if the
 * database is gone, or if the batch failed its deadline check and its own
 * deadline has passed too.
 */
static void db_writes_complete(struct db_pool *pool, struct db_txn *seg)
{
    struct db_txn *last = seg;
    while (last->next)
        last = last->next;
    const PGresult *c = last->commit, *g = last->guard;
    int commit_code = 0;
    char commit_detail[256] = "";
    bool late = false;
    if (!g || PQresultStatus(g) != PGRES_TUPLES_OK) {
        /*
         * One caller's deadline passed before the COMMIT, and that caller
         * may have been told so: the batch committed nothing. The others
         * are not to pay for it while they still have time.
         */
        late = g != NULL;
        commit_code = g ? LIAISON__V1__CODE__DEADLINE_EXCEEDED : LIAISON__V1__CODE__INTERNAL;
        snprintf(commit_detail, sizeof commit_detail,
                 "the batch reached its COMMIT after a caller's deadline: %s",
                 g ? PQresultErrorMessage(g) : "no result");
    } else if (!c) {
        commit_code = LIAISON__V1__CODE__INTERNAL;
        snprintf(commit_detail, sizeof commit_detail, "no result for the batch's COMMIT");
    } else if (PQresultStatus(c) == PGRES_FATAL_ERROR) {
        commit_code = db_code(c);
        snprintf(commit_detail, sizeof commit_detail, "%s", PQresultErrorMessage(c));
    } else if (PQresultStatus(c) != PGRES_COMMAND_OK ||
               strcmp(PQcmdStatus((PGresult *)c), "COMMIT") != 0) {
        /* A transaction left aborted answers COMMIT with ROLLBACK, and no error. */
        commit_code = LIAISON__V1__CODE__ABORTED;
        snprintf(commit_detail, sizeof commit_detail, "the batch's transaction was rolled back");
    }
    struct db_txn *again = NULL, **again_tail = &again, *again_last = NULL;
    int nagain = 0;
    for (struct db_txn *t = seg, *next; t; t = next) {
        next = t->next;
        t->next = NULL;
        int code, step = -1;
        const char *detail = commit_detail;
        bool retry;
        if (late) {
            code = commit_code;
            retry = !t->deadline_us || t->deadline_us > db_wall_us();
        } else if (commit_code) {
            code = commit_code;
            retry = code != LIAISON__V1__CODE__UNAVAILABLE;
        } else {
            code = db_txn_outcome(t, &step, &detail);
            retry = step >= 0 && db_retryable(t->results[step]);
        }
        if (!retry || t->retried) {
            db_txn_finish(t, code, detail);
            continue;
        }
        log_event(LOG_INFO, "write sent again alone", "batch=%d reason=\"%.200s\"", t->batch,
                  detail ? detail : "");
        for (int i = 0; i < t->nsteps; i++) {
            PQclear(t->results[i]);
            t->results[i] = NULL;
        }
        PQclear(t->guard);
        PQclear(t->commit);
        t->guard = t->commit = NULL;
        t->retried = true;
        *again_tail = t;
        again_tail = &t->next;
        again_last = t;
        nagain++;
    }
    if (again)
        db_requeue(pool, &pool->others, again, again_last, nagain);
}

/*
 * A segment's sync arrived: settles each of its transactions in order. In a
 * batch, those that were aborted by another's failure go back to the front
 * of the queue, their results dropped, to run again.
 */
static void db_segment_complete(struct db_pool *pool, struct db_txn *seg)
{
    if (seg->in_writes) {
        db_writes_complete(pool, seg);
        return;
    }
    if (!seg->next) {
        db_txn_complete(seg);
        return;
    }
    struct db_txn *again = NULL, **again_tail = &again, *again_last = NULL;
    int nagain = 0;
    /* A shared first step that failed fails every transaction that shared it. */
    int shared_code = 0;
    char shared_detail[256];
    for (struct db_txn *t = seg, *next; t; t = next) {
        next = t->next;
        t->next = NULL;
        if (t->first == 1 && shared_code) {
            db_txn_finish(t, shared_code, shared_detail);
            continue;
        }
        shared_code = 0;
        if (db_txn_aborted(t)) {
            for (int i = 0; i < t->nsteps; i++) {
                PQclear(t->results[i]);
                t->results[i] = NULL;
            }
            *again_tail = t;
            again_tail = &t->next;
            again_last = t;
            nagain++;
            continue;
        }
        int step;
        const char *detail;
        int code = db_txn_outcome(t, &step, &detail);
        if (code && step == 0 && (t->flags & DB_TXN_SHARED_FIRST)) {
            shared_code = code;
            snprintf(shared_detail, sizeof shared_detail, "%s", detail);
        }
        db_txn_finish(t, code, detail);
    }
    if (again)
        db_requeue(pool, &pool->reads, again, again_last, nagain);
}

/*
 * One statement's results have all arrived: the next statement, and after
 * a transaction's last one (in a batch of writes, its ROLLBACK TO) the next
 * transaction.
 */
static void db_statement_ended(struct db_conn *dc)
{
    struct db_txn *t = dc->cur;
    if (t->before > 0) {
        t->before--;
        return;
    }
    if (t->pos < t->nsteps) {
        if (++t->pos < t->nsteps)
            return;
    } else {
        t->after++;
    }
    if (!t->last && t->after == (t->in_writes ? DB_WRITES_AFTER : 0))
        dc->cur = t->next;
}

/* Reads every result that has arrived and settles finished segments. */
static void db_read(struct db_conn *dc)
{
    if (!PQconsumeInput(dc->pg)) {
        db_conn_fail(dc, PQerrorMessage(dc->pg));
        return;
    }
    while (dc->pg && (dc->head || dc->state == DB_PREPARING) && !PQisBusy(dc->pg)) {
        PGresult *r = PQgetResult(dc->pg);
        if (!r) {
            /* One NULL ends each statement's results; a second means idle. */
            if (++dc->nulls > 1)
                break;
            if (dc->state == DB_UP)
                db_statement_ended(dc);
            continue;
        }
        dc->nulls = 0;
        dc->last_progress = uv_now(dc->pool->loop);
        ExecStatusType st = PQresultStatus(r);
        if (dc->state == DB_PREPARING) {
            /* Of the preparation's results, only the role check's has four columns. */
            if (st == PGRES_TUPLES_OK && PQnfields(r) == 4 && !dc->prepare_error[0] &&
                migrate_role_verdict(r, dc->pool->setting, dc->prepare_error,
                                     sizeof dc->prepare_error) != 0)
                dc->role_refused = true;
            else if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_PIPELINE_SYNC &&
                     !dc->prepare_error[0])
                snprintf(dc->prepare_error, sizeof dc->prepare_error, "%s",
                         PQresultErrorMessage(r));
            PQclear(r);
            if (st == PGRES_PIPELINE_SYNC) {
                if (dc->prepare_error[0]) {
                    db_conn_fail(dc, dc->prepare_error);
                    return;
                }
                dc->state = DB_UP;
                metrics_db_connected();
                dc->pool->starting = 0;
                if (dc->pool->said_down)
                    log_event(LOG_INFO, "database reachable again", "failed_attempts=%lu",
                              dc->pool->outage_attempts);
                dc->pool->failing = dc->pool->said_down = false;
                dc->pool->failed_attempts = dc->pool->outage_attempts = 0;
                log_event(LOG_DEBUG, "database connection ready", NULL);
                if (dc->pool->queued)
                    uv_prepare_start(&dc->pool->flush, db_flush_cb);
            }
            continue;
        }
        struct db_txn *t = dc->cur;
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            /* A batch of writes ends with the sync after its COMMIT. */
            if (t->in_writes && !(t->last && t->after == DB_WRITES_AFTER_LAST))
                continue;
            struct db_txn *seg = dc->head;
            dc->head = t->next;
            if (!dc->head)
                dc->tail = NULL;
            dc->cur = dc->head;
            dc->depth--;
            if (seg->flags & DB_TXN_BATCH) {
                dc->batches--;
                dc->pool->batches--;
            }
            if (seg->flags & DB_TXN_WRITES)
                dc->writes--;
            if (seg->flags & DB_TXN_ALONE) {
                dc->alone = false;
                dc->pool->alone_out--;
            }
            t->next = NULL;
            db_segment_complete(dc->pool, seg);
            continue;
        }
        if (t->before > 0)
            PQclear(r);
        else if (t->pos < 0 && !t->guard)
            t->guard = r;
        else if (t->pos >= 0 && t->pos < t->nsteps && !t->results[t->pos])
            t->results[t->pos] = r;
        else if (t->in_writes && t->last && t->after == DB_WRITES_AFTER && !t->guard)
            t->guard = r;
        else if (t->in_writes && t->last && t->after == DB_WRITES_AFTER_LAST - 1 && !t->commit)
            t->commit = r;
        else if (!t->in_writes && t->pos >= t->nsteps && st == PGRES_FATAL_ERROR && !t->commit)
            /* The implicit transaction's COMMIT failed at the Sync (a deferred check, NOTIFY). */
            t->commit = r;
        else
            PQclear(r);
    }
    if (dc->pg && PQstatus(dc->pg) == CONNECTION_BAD)
        db_conn_fail(dc, PQerrorMessage(dc->pg));
}

static void db_poll_cb(uv_poll_t *h, int status, int events)
{
    struct db_poll *p = (struct db_poll *)h;
    struct db_conn *dc = p->conn;
    if (!dc || !dc->pg)
        return;
    if (status < 0) {
        db_conn_fail(dc, uv_strerror(status));
        return;
    }
    if (dc->state == DB_CONNECTING) {
        db_connect_step(dc);
        return;
    }
    if (events & UV_WRITABLE) {
        db_flush(dc);
        if (!dc->pg)
            return;
    }
    if (events & UV_READABLE)
        db_read(dc);
}

static bool db_same_step(const struct db_step *a, const struct db_step *b)
{
    if (a->stmt != b->stmt)
        return false;
    for (int i = 0; i < a->stmt->nparams; i++) {
        const char *x = a->values[i], *y = b->values[i];
        if (x != y && (!x || !y || strcmp(x, y) != 0))
            return false;
    }
    return true;
}

static int db_send_own_with(struct db_conn *dc, const struct db_stmt *stmt,
                            const char *const *values)
{
    char name[16];
    db_stmt_name(stmt->index, name, sizeof name);
    return PQsendQueryPrepared(dc->pg, name, stmt->nparams, values, NULL, NULL, 0) ? 0 : -1;
}

static int db_send_own(struct db_conn *dc, const struct db_stmt *stmt)
{
    return db_send_own_with(dc, stmt, NULL);
}

/*
 * Queues txn's statements on dc after prev (NULL: it opens the segment);
 * writes: as one of a batch of writes (db_register_own's statements).
 */
static int db_send_txn(struct db_conn *dc, struct db_txn *txn, const struct db_txn *prev,
                       bool writes)
{
    /* A transaction sharing its only step would send nothing and get no result. */
    txn->first = prev && txn->nsteps > 1 && (txn->flags & DB_TXN_SHARED_FIRST) &&
                         (prev->flags & DB_TXN_SHARED_FIRST) &&
                         db_same_step(&prev->steps[0], &txn->steps[0])
                     ? 1
                     : 0;
    bool guarded = txn->deadline_us && !(txn->flags & (DB_TXN_BATCH | DB_TXN_CHECKS_DEADLINE));
    txn->pos = guarded ? -1 : txn->first;
    txn->last = false;
    txn->next = NULL;
    txn->guard = NULL;
    txn->commit = NULL;
    txn->in_writes = writes;
    txn->before = writes ? (prev ? 1 : 3) : 0;
    txn->after = 0;
    for (int i = 0; i < txn->nsteps; i++)
        txn->results[i] = NULL;
    if (dc->tail)
        dc->tail->next = txn;
    else
        dc->head = dc->cur = txn;
    dc->tail = txn;
    if (writes &&
        ((!prev && (db_send_own(dc, &q_begin) < 0 || db_send_own(dc, &q_savepoint) < 0)) ||
         db_send_own_with(dc, &q_reset, (const char *const[]){dc->pool->session_timeouts[0]}) < 0))
        return -1;
    if (guarded) {
        char name[16];
        const char *v[1] = {txn->guard_param};
        snprintf(txn->guard_param, sizeof txn->guard_param, "%" PRId64, txn->deadline_us);
        db_stmt_name(q_deadline.index, name, sizeof name);
        if (!PQsendQueryPrepared(dc->pg, name, 1, v, NULL, NULL, 0))
            return -1;
    }
    for (int i = txn->first; i < txn->nsteps; i++) {
        const struct db_step *s = &txn->steps[i];
        char name[16];
        db_stmt_name(s->stmt->index, name, sizeof name);
        if (!PQsendQueryPrepared(dc->pg, name, s->stmt->nparams, s->values, NULL, NULL, 0))
            return -1;
    }
    if (writes && (db_send_own(dc, &q_release) < 0 || db_send_own(dc, &q_savepoint) < 0 ||
                   !PQpipelineSync(dc->pg) || db_send_own(dc, &q_rollback_to) < 0))
        return -1;
    return 0;
}

/* Ends a batch of writes that opened with first: its deadline check, and the COMMIT. */
static int db_send_writes_end(struct db_conn *dc, const struct db_txn *first)
{
    int64_t earliest = 0;
    for (const struct db_txn *t = first; t; t = t->next)
        if (t->deadline_us > 0 && (!earliest || t->deadline_us < earliest))
            earliest = t->deadline_us;
    char param[24], name[16];
    const char *v[1] = {param};
    snprintf(param, sizeof param, "%" PRId64, earliest);
    db_stmt_name(q_batch_deadline.index, name, sizeof name);
    if (!PQsendQueryPrepared(dc->pg, name, 1, v, NULL, NULL, 0) || !PQpipelineSync(dc->pg))
        return -1;
    return db_send_own(dc, &q_commit);
}

/* How many transactions at the head of q may go as one batch of writes (0: not 2). */
static int db_writes_ahead(const struct db_pool *pool, const struct db_queue *q)
{
    int n = 0;
    for (const struct db_txn *t = q->head;
         t && n < pool->write_batch && (t->flags & DB_TXN_WRITES) && !t->retried; t = t->next)
        n++;
    return n >= 2 ? n : 0;
}

static struct db_txn *db_queue_pop(struct db_pool *pool, struct db_queue *q)
{
    struct db_txn *t = q->head;
    q->head = t->next;
    if (!q->head)
        q->tail = NULL;
    t->next = NULL;
    pool->queued--;
    return t;
}

/*
 * Sends one segment from q on dc: one transaction, (batch) up to
 * DB_SEGMENT_MAX reads, or up to write_batch writes, oldest first.
 */
static void db_send_segment(struct db_pool *pool, struct db_conn *dc, struct db_queue *q,
                            bool batch)
{
    struct db_txn *prev = NULL, *first = q->head;
    int n = 0, writes = batch ? 0 : db_writes_ahead(pool, q);
    if (!dc->head)
        dc->last_progress = uv_now(pool->loop);
    do {
        struct db_txn *t = db_queue_pop(pool, q);
        if (db_send_txn(dc, t, prev, writes > 0) < 0)
            goto failed;
        prev = t;
        n++;
    } while ((batch && q->head && n < DB_SEGMENT_MAX) || n < writes);
    prev->last = true;
    if (writes && db_send_writes_end(dc, first) < 0)
        goto failed;
    for (struct db_txn *t = first; t; t = t->next)
        t->batch = n;
    dc->depth++;
    if (batch) {
        dc->batches++;
        pool->batches++;
    }
    if (first->flags & DB_TXN_WRITES)
        dc->writes++;
    if (first->flags & DB_TXN_ALONE) {
        dc->alone = true;
        pool->alone_out++;
    }
    if (!PQpipelineSync(dc->pg))
        goto failed;
    db_flush(dc);
    return;
failed:
    db_conn_fail(dc, PQerrorMessage(dc->pg));
}

enum db_kind { DB_KIND_READS, DB_KIND_OTHER, DB_KIND_WRITES, DB_KIND_ALONE };

/*
 * Where the next segment of a kind goes, so that nothing waits behind a
 * transaction that may wait long:
 * - reads go to the first connection with room that carries no other kind
 *   of transaction, and only while fewer than max_batches batches are out:
 *   under load they wait and batch up instead of waking more backends than
 *   the database has cores for;
 * - other transactions go to the least busy connection, one without reads
 *   out first; changes that may share a batch (DB_TXN_WRITES) only to one
 *   with none of them out: while a connection waits for its COMMIT's WAL
 *   flush the next ones queue, and go together when it is done;
 * - a DB_TXN_ALONE one only to a connection with nothing out, and one
 *   connection is always kept free of them.
 * A connection carrying a DB_TXN_ALONE transaction gets nothing more.
 */
static struct db_conn *db_pick(struct db_pool *pool, enum db_kind kind)
{
    if (kind == DB_KIND_READS && pool->batches >= pool->max_batches)
        return NULL;
    if (kind == DB_KIND_ALONE && pool->size > 1 && pool->alone_out >= pool->size - 1)
        return NULL;
    struct db_conn *best = NULL;
    for (int i = 0; i < pool->size; i++) {
        struct db_conn *dc = &pool->conns[i];
        if (dc->state != DB_UP || dc->depth >= pool->depth || dc->alone ||
            (dc == pool->reserved && kind != DB_KIND_ALONE))
            continue;
        switch (kind) {
        case DB_KIND_READS:
            if (dc->depth == dc->batches)
                return dc;
            break;
        case DB_KIND_ALONE:
            if (dc->depth == 0)
                return dc;
            break;
        case DB_KIND_WRITES:
            if (dc->writes)
                break;
            /* fall through */
        case DB_KIND_OTHER:
            if (!best || (dc->batches > 0) < (best->batches > 0) ||
                ((dc->batches > 0) == (best->batches > 0) && dc->depth < best->depth))
                best = dc;
            break;
        }
    }
    return best;
}

/*
 * Sends segments while a connection has room. What is left waits for a
 * segment to finish; the flush handle stays on until the queues are empty.
 */
/*
 * Under steady load no connection may ever be idle: while a DB_TXN_ALONE
 * transaction waits, the least busy connection gets nothing new, so that
 * it drains and takes it.
 */
static void db_reserve(struct db_pool *pool)
{
    pool->reserved = NULL;
    if (!pool->alones.head || (pool->size > 1 && pool->alone_out >= pool->size - 1))
        return;
    for (int i = 0; i < pool->size; i++) {
        struct db_conn *dc = &pool->conns[i];
        if (dc->state == DB_UP && !dc->alone &&
            (!pool->reserved || dc->depth < pool->reserved->depth))
            pool->reserved = dc;
    }
}

static void db_flush_cb(uv_prepare_t *h)
{
    struct db_pool *pool = h->data;
    db_reserve(pool);
    for (;;) {
        struct db_conn *dc;
        bool sent = false;
        if (pool->alones.head && (dc = db_pick(pool, DB_KIND_ALONE))) {
            db_send_segment(pool, dc, &pool->alones, false);
            db_reserve(pool);
            sent = true;
        }
        if (pool->others.head &&
            (dc = db_pick(pool, pool->others.head->flags & DB_TXN_WRITES ? DB_KIND_WRITES
                                                                         : DB_KIND_OTHER))) {
            db_send_segment(pool, dc, &pool->others, false);
            sent = true;
        }
        if (pool->reads.head && (dc = db_pick(pool, DB_KIND_READS))) {
            db_send_segment(pool, dc, &pool->reads, true);
            sent = true;
        }
        if (!sent)
            break;
    }
    if (!pool->queued)
        uv_prepare_stop(&pool->flush);
}

static void db_requeue(struct db_pool *pool, struct db_queue *q, struct db_txn *head,
                       struct db_txn *tail, int n)
{
    tail->next = q->head;
    q->head = head;
    if (!q->tail)
        q->tail = tail;
    pool->queued += n;
    uv_prepare_start(&pool->flush, db_flush_cb);
}

int db_pool_up(const struct db_pool *pool)
{
    for (int i = 0; i < pool->size; i++)
        if (pool->conns[i].state == DB_UP)
            return 1;
    return 0;
}

static struct db_queue *db_queue_of(struct db_pool *pool, const struct db_txn *txn)
{
    if (txn->flags & DB_TXN_BATCH)
        return &pool->reads;
    return txn->flags & DB_TXN_ALONE ? &pool->alones : &pool->others;
}

int db_submit(struct db_pool *pool, struct db_txn *txn)
{
    /*
     * A transaction used again still points at its last results, cleared
     * after its callback: one failed before it is sent (the pool closing)
     * must not clear them again.
     */
    for (int i = 0; i < DB_MAX_STEPS; i++)
        txn->results[i] = NULL;
    txn->retried = false;
    if (pool->closing || (!pool->starting && !db_pool_up(pool)))
        return LIAISON__V1__CODE__UNAVAILABLE;
    if (pool->queued >= pool->queue_max)
        return LIAISON__V1__CODE__RESOURCE_EXHAUSTED;
    struct db_queue *q = db_queue_of(pool, txn);
    txn->next = NULL;
    if (q->tail)
        q->tail->next = txn;
    else
        q->head = txn;
    q->tail = txn;
    pool->queued++;
    uv_prepare_start(&pool->flush, db_flush_cb);
    return 0;
}

bool db_txn_cancel(struct db_pool *pool, struct db_txn *txn)
{
    struct db_queue *q = db_queue_of(pool, txn);
    struct db_txn *prev = NULL;
    for (struct db_txn *t = q->head; t; prev = t, t = t->next) {
        if (t != txn)
            continue;
        if (prev)
            prev->next = t->next;
        else
            q->head = t->next;
        if (q->tail == t)
            q->tail = prev;
        t->next = NULL;
        pool->queued--;
        return true;
    }
    return false;
}

/* ---- host names, resolved on the thread pool ---- */

struct db_resolve {
    uv_work_t work; /* first: the callbacks get this pointer */
    struct db_pool *pool;
    char *hosts;    /* in: libpq's comma-separated host list */
    char *hostaddr; /* out: one numeric address (or empty) per host */
    char error[160];
};

/* A host entry libpq would look up: not a socket directory, not already numeric. */
static bool db_host_is_name(const char *h, size_t n)
{
    char buf[256];
    struct in6_addr a6;
    if (n == 0 || h[0] == '/' || h[0] == '@' || n >= sizeof buf)
        return false;
    memcpy(buf, h, n);
    buf[n] = '\0';
    return inet_pton(AF_INET, buf, &a6) != 1 && inet_pton(AF_INET6, buf, &a6) != 1;
}

static void db_resolve_run(uv_work_t *w)
{
    struct db_resolve *j = (struct db_resolve *)w;
    size_t cap = strlen(j->hosts) * 2 + 64, used = 0;
    int entries = 1;
    for (const char *p = j->hosts; *p; p++)
        entries += *p == ',';
    cap += (size_t)entries * INET6_ADDRSTRLEN;
    j->hostaddr = malloc(cap);
    if (!j->hostaddr) {
        snprintf(j->error, sizeof j->error, "out of memory");
        return;
    }
    j->hostaddr[0] = '\0';
    for (const char *h = j->hosts;;) {
        size_t n = strcspn(h, ",");
        char addr[INET6_ADDRSTRLEN] = "";
        if (db_host_is_name(h, n)) {
            char name[256];
            memcpy(name, h, n);
            name[n] = '\0';
            struct addrinfo hints = {0}, *res = NULL;
            hints.ai_family = AF_UNSPEC;
            hints.ai_socktype = SOCK_STREAM;
            int rc = getaddrinfo(name, NULL, &hints, &res);
            if (rc != 0 || !res) {
                snprintf(j->error, sizeof j->error, "%.100s: %.50s", name,
                         rc ? gai_strerror(rc) : "no address");
                free(j->hostaddr);
                j->hostaddr = NULL;
                return;
            }
            const void *src = res->ai_family == AF_INET6
                                  ? (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr
                                  : (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr;
            if (!inet_ntop(res->ai_family, src, addr, sizeof addr))
                addr[0] = '\0';
            freeaddrinfo(res);
        }
        used += (size_t)snprintf(j->hostaddr + used, cap - used, "%s%s", h == j->hosts ? "" : ",",
                                 addr);
        if (!h[n])
            break;
        h += n + 1;
    }
}

static void db_resolve_after(uv_work_t *w, int status)
{
    struct db_resolve *j = (struct db_resolve *)w;
    struct db_pool *pool = j->pool;
    pool->resolving = NULL;
    pool->handles--;
    if (!pool->closing) {
        if (status == 0 && j->hostaddr) {
            free(pool->hostaddr);
            pool->hostaddr = j->hostaddr;
            j->hostaddr = NULL;
            pool->resolved_at = uv_now(pool->loop);
            for (int i = 0; i < pool->size; i++)
                if (pool->conns[i].state == DB_DOWN)
                    db_conn_start(&pool->conns[i]);
        } else {
            db_pool_attempt_failed(pool, LOG_WARN, "cannot resolve the database host",
                                   status ? uv_strerror(status) : j->error);
            db_pool_stop_waiting(pool);
        }
    }
    free(j->hostaddr);
    free(j->hosts);
    free(j);
    db_maybe_closed(pool);
}

static void db_resolve_start(struct db_pool *pool)
{
    if (pool->resolving || pool->closing)
        return;
    struct db_resolve *j = calloc(1, sizeof *j);
    if (!j || !(j->hosts = strdup(pool->hosts))) {
        free(j);
        log_event(LOG_WARN, "cannot resolve the database host", "reason=\"out of memory\"");
        return;
    }
    j->pool = pool;
    if (uv_queue_work(pool->loop, &j->work, db_resolve_run, db_resolve_after) != 0) {
        free(j->hosts);
        free(j);
        return;
    }
    pool->resolving = j;
    pool->handles++;
}

/*
 * The host list of conninfo when any entry is a name to look up and no
 * hostaddr is given; NULL otherwise. *err is set when conninfo does not
 * parse or memory ran out.
 */
static char *db_hosts_to_resolve(const char *conninfo, bool *err)
{
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &msg);
    *err = !opts;
    PQfreemem(msg);
    if (!opts)
        return NULL;
    const char *host = NULL, *hostaddr = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!strcmp(o->keyword, "host"))
            host = o->val;
        else if (!strcmp(o->keyword, "hostaddr"))
            hostaddr = o->val;
    }
    char *out = NULL;
    bool names = false;
    for (const char *h = host; h && !(hostaddr && *hostaddr);) {
        size_t n = strcspn(h, ",");
        names = names || db_host_is_name(h, n);
        if (!h[n])
            break;
        h += n + 1;
    }
    if (names && !(out = strdup(host)))
        *err = true;
    PQconninfoFree(opts);
    return out;
}

/* ---- the pool ---- */

static void db_timer_cb(uv_timer_t *t)
{
    struct db_pool *pool = t->data;
    uint64_t now = uv_now(pool->loop);
    for (int i = 0; i < pool->size; i++) {
        struct db_conn *dc = &pool->conns[i];
        if (dc->state == DB_DOWN)
            db_conn_start(dc);
        else if ((dc->state == DB_CONNECTING || dc->state == DB_PREPARING) &&
                 now - dc->connect_started > DB_CONNECT_TIMEOUT_MS)
            db_conn_fail(dc, "connect timed out");
        else if (dc->state == DB_UP && dc->head &&
                 now - dc->last_progress > (uint64_t)pool->timeout_ms + DB_STALL_GRACE_MS &&
                 !(dc->head->deadline_us && dc->head->deadline_us > db_wall_us()))
            /* Silent past its time, and past its own deadline when it has a longer one. */
            db_conn_fail(dc, "the database stopped answering");
    }
}

struct db_pool *db_pool_create(uv_loop_t *loop, const struct db_options *opt)
{
    struct db_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return NULL;
    bool err = false;
    pool->conns = calloc((size_t)opt->size, sizeof *pool->conns);
    pool->conninfo = strdup(opt->conninfo);
    pool->setting = opt->setting ? opt->setting : "database_url";
    pool->hosts = db_hosts_to_resolve(opt->conninfo, &err);
    if (!pool->conns || !pool->conninfo || err || uv_timer_init(loop, &pool->timer) != 0) {
        free(pool->conns);
        free(pool->conninfo);
        free(pool->hosts);
        free(pool);
        return NULL;
    }
    /* libuv's uv_prepare_init only fills the handle in: it always returns 0. */
    (void)uv_prepare_init(loop, &pool->flush);
    pool->flush.data = pool;
    pool->loop = loop;
    pool->size = opt->size;
    pool->depth = opt->depth;
    pool->max_batches = opt->max_batches;
    pool->write_batch = opt->write_batch > 0 ? opt->write_batch : 1;
    pool->queue_max = opt->queue_max;
    pool->timeout_ms = opt->timeout_ms;
    snprintf(pool->session_timeouts[0], sizeof pool->session_timeouts[0], "%d", opt->timeout_ms);
    /* Nothing here leaves a transaction open between statements: this only catches a bug. */
    snprintf(pool->session_timeouts[1], sizeof pool->session_timeouts[1], "%d",
             2 * opt->timeout_ms);
    pool->handles = 2;
    pool->timer.data = pool;
    pool->reconnect_ms = opt->reconnect_ms;
    uv_timer_start(&pool->timer, db_timer_cb, (uint64_t)opt->reconnect_ms,
                   (uint64_t)opt->reconnect_ms);
    pool->starting = 1;
    for (int i = 0; i < pool->size; i++) {
        pool->conns[i].pool = pool;
        db_conn_start(&pool->conns[i]);
    }
    return pool;
}

static void db_handle_closed(uv_handle_t *h)
{
    struct db_pool *pool = h->data;
    pool->handles--;
    db_maybe_closed(pool);
}

void db_pool_close(struct db_pool *pool, void (*closed_cb)(void *), void *arg)
{
    pool->closing = 1;
    pool->closed_cb = closed_cb;
    pool->closed_arg = arg;
    for (int i = 0; i < pool->size; i++)
        db_conn_fail(&pool->conns[i], "server stopping");
    /* A resolution under way cannot be stopped: its callback finishes the close. */
    if (pool->resolving)
        uv_cancel((uv_req_t *)&pool->resolving->work);
    uv_close((uv_handle_t *)&pool->timer, db_handle_closed);
    uv_close((uv_handle_t *)&pool->flush, db_handle_closed);
}

void db_pool_stats(const struct db_pool *pool, struct db_pool_stats *out)
{
    memset(out, 0, sizeof *out);
    out->size = pool->size;
    out->queued = pool->queued;
    for (int i = 0; i < pool->size; i++) {
        if (pool->conns[i].state != DB_UP)
            continue;
        out->up++;
        if (pool->conns[i].depth > 0)
            out->busy++;
    }
}
