/*
 * scheduler.h - the durable scheduler's runner in liaisond: on one loop of
 * each process, a timer that asks the database to run a batch of due jobs
 * (liaison_run_due_jobs(), migration 0015) through the loop's asynchronous
 * pool. One batch in flight per process; a full batch is followed by the
 * next at once, otherwise the next waits for the timer. The jobs run in
 * the database, in the batch's transaction: a process that dies mid-batch
 * loses the transaction and its jobs are taken again by another process.
 */
#ifndef LIAISON_SCHEDULER_H
#define LIAISON_SCHEDULER_H

#include <stdbool.h>
#include <uv.h>

#include "db.h"

struct scheduler;

/* Registers the runner's statements; call before any pool exists. -1 when the table is full. */
int scheduler_register(void);

/*
 * Makes a scheduler on loop that submits to pool every interval_ms
 * (interval_ms > 0); a batch takes no new job after budget_ms. Returns NULL
 * when memory ran out.
 */
struct scheduler *scheduler_create(uv_loop_t *loop, struct db_pool *pool, int interval_ms,
                                   int budget_ms);

/*
 * Starts no more batches (SIGTERM). A batch in flight ends first, or fails
 * when the pool closes under it: its connection goes, and its session,
 * noticing that, rolls the batch back.
 */
void scheduler_stop(struct scheduler *s);

/* Closes the timer and frees s once the pool is closed (no batch can still answer). */
void scheduler_close(struct scheduler *s);

#endif
