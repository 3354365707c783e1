/*
 * db.c - the per-worker PostgreSQL pool. A connection goes DOWN ->
 * CONNECTING -> PREPARING -> UP; any error sends it back to DOWN, fails the
 * transactions it carried with UNAVAILABLE, and the reconnect timer brings
 * it back. Nothing here blocks: libpq is non-blocking and in pipeline mode.
 */
#include "db.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liaison.pb-c.h"
#include "log.h"

#define DB_CONNECT_TIMEOUT_MS 10000

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
    int depth;
    int nulls;
    int prepare_pending;
    char prepare_error[256];
};

struct db_pool {
    uv_loop_t *loop;
    uv_timer_t timer; /* reconnects */
    char *conninfo;
    struct db_conn *conns;
    int size, depth, queue_max, queued;
    struct db_txn *queue_head, *queue_tail;
    int handles; /* timer plus every poll handle not yet closed */
    int closing;
    void (*closed_cb)(void *);
    void *closed_arg;
};

static struct db_stmt *db_stmts[DB_MAX_STMTS];
static int db_nstmts;

int db_register(struct db_stmt *const *stmts, int n)
{
    for (int i = 0; i < n; i++) {
        if (db_nstmts == DB_MAX_STMTS)
            return -1;
        stmts[i]->index = db_nstmts;
        db_stmts[db_nstmts++] = stmts[i];
    }
    return 0;
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
    if (!strcmp(state, "LS401"))
        return LIAISON__V1__CODE__UNAUTHENTICATED;
    if (!strcmp(state, "LS403"))
        return LIAISON__V1__CODE__PERMISSION_DENIED;
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
    int n = txn->nsteps;
    memcpy(results, txn->results, sizeof results);
    txn->done(txn, code, detail);
    for (int i = 0; i < n; i++)
        PQclear(results[i]);
}

/* Settles a transaction whose sync arrived: the first failure decides. */
static void db_txn_complete(struct db_txn *txn)
{
    for (int i = 0; i < txn->nsteps; i++) {
        PGresult *r = txn->results[i];
        if (!r) {
            db_txn_finish(txn, LIAISON__V1__CODE__INTERNAL, "missing result");
            return;
        }
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
            continue;
        if (st == PGRES_FATAL_ERROR) {
            int code = db_code(r);
            /* Our own exceptions carry a message meant for the user. */
            const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
            bool ours = code == LIAISON__V1__CODE__UNAUTHENTICATED ||
                        code == LIAISON__V1__CODE__PERMISSION_DENIED;
            db_txn_finish(txn, code, ours && primary ? primary : PQresultErrorMessage(r));
            return;
        }
        db_txn_finish(txn, LIAISON__V1__CODE__ABORTED, PQresStatus(st));
        return;
    }
    db_txn_finish(txn, 0, NULL);
}

static void db_poll_closed(uv_handle_t *h);
static void db_conn_fail(struct db_conn *dc, const char *why);
static void db_pump(struct db_pool *pool);

static void db_maybe_closed(struct db_pool *pool)
{
    if (pool->closing && pool->handles == 0) {
        void (*cb)(void *) = pool->closed_cb;
        void *arg = pool->closed_arg;
        free(pool->conninfo);
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

static void db_conn_fail(struct db_conn *dc, const char *why)
{
    struct db_pool *pool = dc->pool;
    if (dc->state != DB_DOWN && !pool->closing)
        log_event(LOG_WARN, "database connection lost", "reason=\"%.200s\"", why ? why : "unknown");
    db_unwatch(dc);
    if (dc->pg)
        PQfinish(dc->pg);
    dc->pg = NULL;
    dc->state = pool->closing ? DB_CLOSED : DB_DOWN;
    struct db_txn *t = dc->head;
    dc->head = dc->tail = NULL;
    dc->depth = 0;
    while (t) {
        struct db_txn *next = t->next;
        db_txn_finish(t, LIAISON__V1__CODE__UNAVAILABLE, "database connection lost");
        t = next;
    }
    if (!db_pool_up(pool)) {
        struct db_txn *q = pool->queue_head;
        pool->queue_head = pool->queue_tail = NULL;
        pool->queued = 0;
        while (q) {
            struct db_txn *next = q->next;
            db_txn_finish(q, LIAISON__V1__CODE__UNAVAILABLE, "database unavailable");
            q = next;
        }
    }
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

/* Pipeline mode on, then every registered statement prepared, one sync. */
static void db_conn_prepare(struct db_conn *dc)
{
    if (PQsetnonblocking(dc->pg, 1) != 0 || PQenterPipelineMode(dc->pg) != 1) {
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

static void db_conn_start(struct db_conn *dc)
{
    const char *keys[] = {"dbname", "application_name", "keepalives", "keepalives_idle", NULL};
    const char *vals[] = {dc->pool->conninfo, "liaisond", "1", "30", NULL};
    dc->pg = PQconnectStartParams(keys, vals, 1);
    if (!dc->pg || PQstatus(dc->pg) == CONNECTION_BAD) {
        if (dc->pg)
            PQfinish(dc->pg);
        dc->pg = NULL;
        dc->state = DB_DOWN;
        return;
    }
    dc->state = DB_CONNECTING;
    dc->connect_started = uv_now(dc->pool->loop);
    db_connect_step(dc);
}

/* Reads every result that has arrived and settles finished transactions. */
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
                dc->head->pos++;
            continue;
        }
        dc->nulls = 0;
        ExecStatusType st = PQresultStatus(r);
        if (dc->state == DB_PREPARING) {
            if (st != PGRES_COMMAND_OK && st != PGRES_PIPELINE_SYNC && !dc->prepare_error[0])
                snprintf(dc->prepare_error, sizeof dc->prepare_error, "%s",
                         PQresultErrorMessage(r));
            PQclear(r);
            if (st == PGRES_PIPELINE_SYNC) {
                if (dc->prepare_error[0]) {
                    log_event(LOG_ERROR, "preparing statements failed", "reason=\"%.200s\"",
                              dc->prepare_error);
                    db_conn_fail(dc, dc->prepare_error);
                    return;
                }
                dc->state = DB_UP;
                log_event(LOG_DEBUG, "database connection ready", NULL);
                db_pump(dc->pool);
            }
            continue;
        }
        struct db_txn *t = dc->head;
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            dc->head = t->next;
            if (!dc->head)
                dc->tail = NULL;
            dc->depth--;
            t->next = NULL;
            db_txn_complete(t);
            db_pump(dc->pool);
            continue;
        }
        if (t->pos < t->nsteps && !t->results[t->pos])
            t->results[t->pos] = r;
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

/* Sends one transaction on an UP connection. */
static void db_send(struct db_conn *dc, struct db_txn *txn)
{
    txn->pos = 0;
    txn->next = NULL;
    for (int i = 0; i < txn->nsteps; i++)
        txn->results[i] = NULL;
    if (dc->tail)
        dc->tail->next = txn;
    else
        dc->head = txn;
    dc->tail = txn;
    dc->depth++;
    for (int i = 0; i < txn->nsteps; i++) {
        const struct db_step *s = &txn->steps[i];
        char name[16];
        db_stmt_name(s->stmt->index, name, sizeof name);
        if (!PQsendQueryPrepared(dc->pg, name, s->stmt->nparams, s->values, NULL, NULL, 0)) {
            db_conn_fail(dc, PQerrorMessage(dc->pg));
            return;
        }
    }
    if (!PQpipelineSync(dc->pg)) {
        db_conn_fail(dc, PQerrorMessage(dc->pg));
        return;
    }
    db_flush(dc);
}

/* The UP connection with the fewest transactions in flight, below depth. */
static struct db_conn *db_pick(struct db_pool *pool)
{
    struct db_conn *best = NULL;
    for (int i = 0; i < pool->size; i++) {
        struct db_conn *dc = &pool->conns[i];
        if (dc->state == DB_UP && dc->depth < pool->depth && (!best || dc->depth < best->depth))
            best = dc;
    }
    return best;
}

static void db_pump(struct db_pool *pool)
{
    struct db_conn *dc;
    while (pool->queue_head && (dc = db_pick(pool))) {
        struct db_txn *t = pool->queue_head;
        pool->queue_head = t->next;
        if (!pool->queue_head)
            pool->queue_tail = NULL;
        pool->queued--;
        db_send(dc, t);
    }
}

int db_pool_up(const struct db_pool *pool)
{
    for (int i = 0; i < pool->size; i++)
        if (pool->conns[i].state == DB_UP)
            return 1;
    return 0;
}

int db_submit(struct db_pool *pool, struct db_txn *txn)
{
    if (pool->closing || !db_pool_up(pool))
        return LIAISON__V1__CODE__UNAVAILABLE;
    struct db_conn *dc = db_pick(pool);
    if (dc) {
        db_send(dc, txn);
        return 0;
    }
    if (pool->queued >= pool->queue_max)
        return LIAISON__V1__CODE__RESOURCE_EXHAUSTED;
    txn->next = NULL;
    if (pool->queue_tail)
        pool->queue_tail->next = txn;
    else
        pool->queue_head = txn;
    pool->queue_tail = txn;
    pool->queued++;
    return 0;
}

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
    }
}

struct db_pool *db_pool_create(uv_loop_t *loop, const char *conninfo, int size, int depth,
                               int queue_max, int reconnect_ms)
{
    struct db_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return NULL;
    pool->conns = calloc((size_t)size, sizeof *pool->conns);
    pool->conninfo = strdup(conninfo);
    if (!pool->conns || !pool->conninfo || uv_timer_init(loop, &pool->timer) != 0) {
        free(pool->conns);
        free(pool->conninfo);
        free(pool);
        return NULL;
    }
    pool->loop = loop;
    pool->size = size;
    pool->depth = depth;
    pool->queue_max = queue_max;
    pool->handles = 1;
    pool->timer.data = pool;
    uv_timer_start(&pool->timer, db_timer_cb, (uint64_t)reconnect_ms, (uint64_t)reconnect_ms);
    for (int i = 0; i < size; i++) {
        pool->conns[i].pool = pool;
        db_conn_start(&pool->conns[i]);
    }
    return pool;
}

static void db_timer_closed(uv_handle_t *h)
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
    uv_close((uv_handle_t *)&pool->timer, db_timer_closed);
}
