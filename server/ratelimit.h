/*
 * ratelimit.h - token buckets shared by every worker of the process: one
 * per tenant (requests of its users and API tokens), one per client address
 * for requests made before a tenant is known (Hello, Login, Authenticate
 * and anything else unauthenticated). Buckets refill continuously at their
 * rate up to their burst. The table of buckets is capped: at the cap the
 * least recently used bucket is dropped for a new one, so no flood of
 * addresses or tenants grows it. Operators' own requests are not limited.
 *
 * A tenant's rate and burst are liaisond.conf's tenant_rate and
 * tenant_burst unless an operator set the tenant's own (SetTenantRateLimit,
 * stored in the tenants table): worker 0 of each process reads every
 * tenant's override again each tenant_rate_refresh_ms.
 */
#ifndef LIAISON_RATELIMIT_H
#define LIAISON_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "db.h"

struct config;
struct peer_address;

/* One tenant's override of the configured rate and burst. */
struct rate_override {
    int64_t tenant_id;
    uint32_t rate_per_s;
    uint32_t burst;
};

/*
 * Takes one request from tenant_id's bucket at monotonic time now_ns.
 * Returns 0 when the request may run, else the milliseconds until the
 * bucket holds one again (at least 1). A rate of 0 (tenant_rate's default)
 * never refuses.
 */
uint32_t ratelimit_take_tenant(const struct config *cfg, int64_t tenant_id, uint64_t now_ns);

/*
 * The same for a request made before authentication, from addr (IPv6
 * addresses share one bucket per /64, the block one host usually holds).
 */
uint32_t ratelimit_take_address(const struct config *cfg, const struct peer_address *addr,
                                uint64_t now_ns);

/*
 * Replaces every tenant's override by the n in o (copied). Returns 0, or -1
 * when memory ran out (the old ones stay).
 */
int ratelimit_set_overrides(const struct rate_override *o, size_t n);

/* Buckets in the table now, tenants' and addresses' (for tests and logs). */
size_t ratelimit_buckets(void);

/* Frees every bucket and override (at exit, and between unit tests). */
void ratelimit_reset(void);

/* Registers the refresh's statement; call with the other families'. */
int ratelimit_register(void);

struct ratelimit_refresh;

/*
 * Reads every tenant's override from pool each interval_ms, starting now.
 * Returns NULL only when memory ran out.
 */
struct ratelimit_refresh *ratelimit_refresh_create(uv_loop_t *loop, struct db_pool *pool,
                                                   int interval_ms);

/* Stops the timer (draining); an answer still out is taken when it comes. */
void ratelimit_refresh_stop(struct ratelimit_refresh *rr);

/* Closes the timer and frees rr once it is closed and nothing is out. */
void ratelimit_refresh_close(struct ratelimit_refresh *rr);

#endif
