/*
 * db.h - PostgreSQL from an event loop: a bounded pool of non-blocking libpq
 * connections per worker, each in pipeline mode and driven by a uv_poll_t on
 * its socket. Every statement is prepared once per connection, when the
 * connection comes up; a transaction is a short list of prepared statements
 * sent back to back and closed by a pipeline sync, so it costs one round
 * trip however many statements it holds.
 *
 * Submitted transactions wait for the end of the loop iteration (a
 * uv_prepare_t, before the loop sleeps) and are sent then, so that what many
 * clients asked for in one wake-up goes out together. Read-only
 * transactions (DB_TXN_BATCH) are sent as one segment under one sync, one
 * database transaction, which PostgreSQL answers with one flush: that is
 * what makes many requests in flight cheaper per request than one.
 */
#ifndef LIAISON_DB_H
#define LIAISON_DB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <libpq-fe.h>
#include <uv.h>

#define DB_MAX_STEPS 16

/*
 * A timestamptz or time expression as the text clients get: every time the
 * server returns is YYYY-MM-DDTHH:MM:SS.mmmZ (migration 0006).
 */
#define DB_RFC3339(expr) "liaison_rfc3339(" expr ")"
#define DB_HHMM(expr) "liaison_hhmm(" expr ")"
#define DB_MAX_PARAMS 16
#define DB_MAX_STMTS 512

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

/* May share one database transaction with other DB_TXN_BATCH ones: read only. */
#define DB_TXN_BATCH 1u
/*
 * May wait on a lock for long (an advisory lock, say): sent only on a
 * connection with nothing else in flight, and nothing is sent behind it
 * until it ends, so that no other caller's statements queue behind the wait.
 */
#define DB_TXN_ALONE 4u
/*
 * Step 0 only sets the transaction up (binds the caller) and its result is
 * not read: a DB_TXN_BATCH transaction whose step 0 is the same statement
 * with the same parameters as the one before it in the segment runs it once.
 */
#define DB_TXN_SHARED_FIRST 2u
/* Step 0 checks deadline_us itself: no separate deadline statement is sent. */
#define DB_TXN_CHECKS_DEADLINE 8u
/*
 * A change that may share one database transaction with other such changes
 * queued in the same loop iteration, each inside a savepoint of its own:
 * one that fails rolls back to its savepoint and gets its own error, and
 * every one is settled only after the one COMMIT has returned. Its step 0
 * must rebind the whole caller (a user's credential check): the one before
 * it in the batch leaves its context behind.
 */
#define DB_TXN_WRITES 16u

/*
 * One transaction. The caller owns the memory and keeps it, and every
 * parameter string, alive until done is called.
 *
 * In a segment of batched reads, a statement that fails aborts the rest of
 * the segment: the transaction it belongs to gets its error, those before
 * it their results, and those after it are sent again. In a batch of
 * writes, a deadlock or serialization failure (or a COMMIT that fails)
 * sends the transaction again once, alone.
 */
struct db_txn {
    struct db_txn *next;
    struct db_step steps[DB_MAX_STEPS];
    int nsteps;
    unsigned flags; /* DB_TXN_* */
    PGresult *results[DB_MAX_STEPS];
    db_done_cb done;
    void *arg;
    /*
     * Not DB_TXN_BATCH: when non-zero, the wall-clock deadline (microseconds
     * since the epoch) that liaison_deadline() checks before the steps run.
     */
    int64_t deadline_us;
    /* db.c's own */
    int first; /* first step sent: 1 when step 0 is shared with the one before */
    int pos;   /* the step whose results are arriving; -1: the deadline check's */
    /* The deadline check's result; in the last one of a batch of writes, the batch's. */
    PGresult *guard;
    char guard_param[24];
    bool last; /* closes its segment */
    int batch; /* transactions in its segment, for the request log */
    /* In a batch of writes: statements of the batch's own before its steps, and after them. */
    bool in_writes;
    int before, after;
    bool retried;     /* sent again alone once already */
    PGresult *commit; /* the last one's: the batch's COMMIT */
};

struct db_pool;

/* What a pool is made with (see db_pool_create). */
struct db_options {
    const char *conninfo;
    const char *setting; /* conninfo's name in the configuration, for messages */
    int size;            /* connections */
    int depth;           /* segments in flight on one connection */
    int max_batches;     /* batches of reads in flight in the pool */
    int write_batch;     /* most DB_TXN_WRITES transactions in one database transaction */
    int queue_max;       /* transactions waiting to be sent */
    int reconnect_ms;    /* between attempts to reach PostgreSQL */
    /*
     * statement_timeout and lock_timeout of every session; a connection
     * that has work out and gets no result for this long (plus a second)
     * is taken for hung: it is closed, its transactions fail UNAVAILABLE,
     * and it is made again.
     */
    int timeout_ms;
};

/*
 * Registers statements before any pool exists; returns -1 past DB_MAX_STMTS,
 * or (logged) for a statement whose highest $N is not its nparams or whose
 * nparams passes DB_MAX_PARAMS.
 */
int db_register(struct db_stmt *const *stmts, int n);

/* Registers db.c's own statements; call before any family registers its own. */
int db_register_own(void);

/* Writes every registered statement, one per line (for the benchmark). */
void db_print_statements(FILE *out);

/*
 * Creates a pool on loop and starts connecting. Failure to reach
 * PostgreSQL is not an error: the pool keeps trying every reconnect_ms.
 * Host names in the connection string are resolved on libuv's thread
 * pool, never on the loop, and handed to libpq as hostaddr (host stays
 * for TLS verification). Returns NULL only when memory ran out.
 */
struct db_pool *db_pool_create(uv_loop_t *loop, const struct db_options *opt);

/*
 * Queues txn to be sent at the end of this loop iteration. Returns 0 and
 * calls done later, or returns a liaison.v1.Code (UNAVAILABLE with no
 * connection up, RESOURCE_EXHAUSTED with the queue full) and never calls
 * done.
 */
int db_submit(struct db_pool *pool, struct db_txn *txn);

/*
 * Takes back a transaction that has not been sent yet. Returns true when it
 * was still waiting (done will never be called), false when it is out
 * already (done will be called as usual).
 */
bool db_txn_cancel(struct db_pool *pool, struct db_txn *txn);

/*
 * Wall-clock microseconds since the epoch, as request deadlines and write
 * times are kept; 0 when the clock cannot be read.
 */
int64_t db_wall_us(void);

/* True when at least one connection is ready. */
int db_pool_up(const struct db_pool *pool);

/*
 * Sends what PostgreSQL says outside an answer on pg (a warning, a backend
 * terminated: "FATAL: terminating connection due to administrator command")
 * to the log as one line, where libpq would write it raw to stderr among the
 * logfmt lines (a try-out). Every connection liaisond opens is given this.
 */
void db_log_notices(PGconn *pg);

/* What the pool is doing now, for the metrics. */
struct db_pool_stats {
    int size;   /* connections configured */
    int up;     /* of those, ready */
    int busy;   /* of those, with transactions out */
    int queued; /* transactions waiting to be sent */
};
void db_pool_stats(const struct db_pool *pool, struct db_pool_stats *out);

/*
 * Fails whatever is still pending with UNAVAILABLE, closes every connection
 * and handle, then calls closed_cb(arg) and frees the pool.
 */
void db_pool_close(struct db_pool *pool, void (*closed_cb)(void *), void *arg);

#endif
