/*
 * db.h - PostgreSQL from an event loop: a bounded pool of non-blocking libpq
 * connections per worker, each in pipeline mode and driven by a uv_poll_t on
 * its socket. Every statement is prepared once per connection, when the
 * connection comes up; a transaction is a short list of prepared statements
 * sent back to back and closed by a pipeline sync, so it costs one round
 * trip however many statements it holds, and many transactions from many
 * clients share a connection without waiting for each other's round trips.
 */
#ifndef LIAISON_DB_H
#define LIAISON_DB_H

#include <stdio.h>

#include <libpq-fe.h>
#include <uv.h>

#define DB_MAX_STEPS 16

/* A timestamptz or time expression as the text clients get (migration 0004). */
#define DB_RFC3339(expr) "liaison_rfc3339(" expr ")"
#define DB_RFC3339_MS(expr) "liaison_rfc3339_ms(" expr ")"
#define DB_HHMM(expr) "liaison_hhmm(" expr ")"
#define DB_MAX_PARAMS 16
#define DB_MAX_STMTS 256

/* A statement, registered once at start-up by db_register(). */
struct db_stmt {
    const char *sql;
    int nparams;
    int index; /* set by db_register */
};

struct db_step {
    const struct db_stmt *stmt;
    const char *values[DB_MAX_PARAMS]; /* text format; NULL is SQL NULL */
};

struct db_txn;

/*
 * Called once per submitted transaction: code is 0 (OK) or a liaison.v1.Code;
 * detail is PostgreSQL's message, for the log only. The results stay valid
 * until the callback returns; the callback may free the transaction. It may
 * run before db_submit() returns, when the connection fails while sending.
 */
typedef void (*db_done_cb)(struct db_txn *txn, int code, const char *detail);

/*
 * One transaction. The caller owns the memory and keeps it, and every
 * parameter string, alive until done is called.
 */
struct db_txn {
    struct db_txn *next;
    struct db_step steps[DB_MAX_STEPS];
    int nsteps;
    PGresult *results[DB_MAX_STEPS];
    int pos;
    db_done_cb done;
    void *arg;
};

struct db_pool;

/* Registers statements before any pool exists; returns -1 past DB_MAX_STMTS. */
int db_register(struct db_stmt *const *stmts, int n);

/* Writes every registered statement, one per line (for the benchmark). */
void db_print_statements(FILE *out);

/*
 * Creates a pool of size connections on loop and starts connecting. Failure
 * to reach PostgreSQL is not an error: the pool keeps trying every
 * reconnect_ms. Returns NULL only when memory ran out.
 */
struct db_pool *db_pool_create(uv_loop_t *loop, const char *conninfo, int size, int depth,
                               int queue_max, int reconnect_ms);

/*
 * Sends txn, or queues it when every connection is at its pipeline depth.
 * Returns 0 and calls done later, or returns a liaison.v1.Code
 * (UNAVAILABLE with no connection up, RESOURCE_EXHAUSTED with the queue
 * full) and never calls done.
 */
int db_submit(struct db_pool *pool, struct db_txn *txn);

/* True when at least one connection is ready. */
int db_pool_up(const struct db_pool *pool);

/*
 * Fails whatever is still pending with UNAVAILABLE, closes every connection
 * and handle, then calls closed_cb(arg) and frees the pool.
 */
void db_pool_close(struct db_pool *pool, void (*closed_cb)(void *), void *arg);

#endif
