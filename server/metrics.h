/*
 * metrics.h - what an operator's Prometheus scrapes, and the liveness and
 * readiness answers balancers and orchestrators ask for.
 *
 * Every worker thread counts into one process-wide set with relaxed
 * atomic additions: a scrape may see one counter a request ahead of
 * another, never a torn value. Nothing here allocates or locks on the
 * request path. The HTTP side is libmicrohttpd's own thread on
 * metrics_listen (a separate, local address: the figures name tenants'
 * methods and volumes, so they are not served on the public port); it only
 * reads the atomics, so a stalled worker cannot stall a scrape, and a
 * stalled worker is exactly what /livez reports.
 *
 *   GET /metrics  Prometheus text format 0.0.4
 *   GET /livez    200 while every worker's loop has turned in the last
 *                 METRICS_STALL_MS, else 503
 *   GET /readyz   200 while live, not draining, and some worker has a
 *                 PostgreSQL connection up, else 503 with the reason
 */
#ifndef LIAISON_METRICS_H
#define LIAISON_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;

/* A worker whose loop has not turned for this long is reported stalled. */
#define METRICS_STALL_MS 5000

/* Connection phases, as conn.h's, for the connections gauge. */
enum metrics_phase { METRICS_HANDSHAKE, METRICS_HELLO, METRICS_READY, METRICS_PHASES };

/*
 * Sizes the tables for nworkers workers and the service's methods. Called
 * once, before any worker starts; returns -1 (out of memory) with err set.
 */
int metrics_init(int nworkers, char *err, size_t errlen);

/*
 * Starts serving on cfg->metrics_listen ("host:port"; empty: not served).
 * Returns 0, or -1 with err naming what failed (an address in use, say).
 */
int metrics_start(const struct config *cfg, char *err, size_t errlen);

/*
 * Whether listen ("host:port", the host an IP address, an IPv6 one in
 * brackets; or empty) is an address metrics_start can listen on, for
 * check-config. Returns 0, or -1 with err naming metrics_listen.
 */
int metrics_listen_check(const char *listen, char *err, size_t errlen);

/* Stops serving and frees the tables: after every worker has ended. */
void metrics_stop(void);

/* A request's end: its method (descriptor index, or -1 when unknown), wire
 * code, duration, and how many requests shared its database transaction
 * (0 when it had none). */
void metrics_request(int method, int code, uint64_t duration_us, int db_batch);

/* A connection entered phase to, leaving from (or new, when from is -1);
 * metrics_conn_gone when it is freed in phase. */
void metrics_conn_phase(int from, int to);
void metrics_conn_gone(int phase);

/* A connection turned away at admission (max_connections and the like). */
void metrics_conn_refused(void);

void metrics_tls_handshake(bool ok);

/* A request refused by a rate limit: a tenant's, or an address's. */
void metrics_rate_limited(bool tenant);

/* A PostgreSQL connection came up, or one that was up (or coming) failed. */
/* Writes the count of libmicrohttpd's lines held back, once their second is over. */
void metrics_log_flush(void);

void metrics_db_connected(void);
void metrics_db_lost(void);

/*
 * A worker's periodic report: its loop turned (now, in loop milliseconds
 * of the monotonic clock), its pool's connections up and in use, the
 * transactions waiting to be sent, and whether it is draining.
 */
void metrics_worker(int worker, uint64_t now_ms, int db_size, int db_up, int db_busy, int db_queued,
                    bool draining);

/* How late the oldest due job was when the scheduler last looked. */
void metrics_scheduler_lag(int64_t lag_ms);

/* A user's read sent to the standby (true) or, with a standby configured, to the primary. */
void metrics_standby_read(bool standby);
/* A read that failed on the standby, sent again to the primary. */
void metrics_standby_retry(void);
/* What the standby's last poll said: reachable, and how far behind the primary. */
void metrics_standby(bool up, uint64_t lag_ms);

/*
 * The text a scrape gets, in a malloc'd buffer the caller frees (NULL when
 * out of memory). Exposed for the unit test.
 */
char *metrics_render(size_t *len);

/* The /readyz decision at monotonic now_ms: true when ready, else why not. */
bool metrics_ready(uint64_t now_ms, const char **why);
bool metrics_live(uint64_t now_ms, const char **why);

#endif
