/*
 * replica.h - reads on a streaming standby (standby_database_url).
 *
 * Each worker keeps a second pool on the standby and a timer that, every
 * REPLICA_POLL_MS, reads the primary's WAL position and then the standby's
 * replayed position. A sample of the primary taken at time s that the
 * standby has replayed proves that everything committed before s is
 * visible there: the newest such s is the standby's "caught-up time".
 *
 * Read your writes: a user's transaction that is not a batched read
 * records its end time, by the wall clock, against its session (a
 * process-wide table, keyed by a hash of tenant and token), and its answer
 * carries that time to the client (Frame.written_at_us). The client sends
 * the newest it saw with each request (Frame.read_after_us), to whichever
 * server it reaches. A read goes to the standby only once the caught-up
 * time, by the wall clock too, has passed both; before that, and whenever
 * the standby is down or further behind than standby_max_lag_ms, it goes
 * to the primary. The servers' clocks are taken to agree to within a few
 * ms (NTP), as the database deadline check already takes them to.
 */
#ifndef LIAISON_REPLICA_H
#define LIAISON_REPLICA_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "db.h"

struct replica;

/* Registers the two polling statements; call before any pool exists. */
int replica_register(void);

/*
 * Makes the standby pool (as primary_opt says, on standby_database_url)
 * and its poller on loop, next to primary. NULL when no standby is
 * configured, or (with *err set) when memory ran out.
 */
struct replica *replica_create(uv_loop_t *loop, struct db_pool *primary,
                               const struct db_options *primary_opt, const struct config *cfg,
                               bool *err);

/*
 * Where a user's batchable read goes: the standby pool, or NULL for the
 * primary. read_after_us is the request's Frame.read_after_us. Counts the
 * choice for the metrics.
 */
struct db_pool *replica_route(struct replica *rep, int64_t tenant_id, const char *token,
                              uint64_t read_after_us);

/*
 * A transaction of this session that may have written ended at at_us (wall
 * clock): its reads stay on the primary until the standby holds it.
 */
void replica_wrote(int64_t tenant_id, const char *token, uint64_t at_us);

/* The standby's pool; NULL when rep is. */
struct db_pool *replica_pool(const struct replica *rep);

/* A read on the standby failed with code: it is sent again to the primary. */
void replica_read_failed(struct replica *rep, int code);

/* Polls no more (SIGTERM). */
void replica_stop(struct replica *rep);

/*
 * Closes the standby pool (what it still carries fails UNAVAILABLE) and the
 * timer, then frees rep. Call after the primary pool is closed.
 */
void replica_close(struct replica *rep);

#endif
