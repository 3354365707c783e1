/*
 * worker.h - one thread, one libuv loop, one listening socket (SO_REUSEPORT
 * spreads connections across workers), one PostgreSQL pool. Nothing on a
 * worker's loop blocks.
 */
#ifndef LIAISON_WORKER_H
#define LIAISON_WORKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <uv.h>

#include "config.h"
#include "db.h"
#include "frame.h"
#include "handshake.h"
#include "log.h"

struct conn;
struct request;

#define WORKER_NETBUF 65536
#define WORKER_PLAINBUF 16384
/* max_password_jobs' upper bound: no more addresses can have a job at once. */
#define WORKER_PASSWORD_SOURCES 1024

/* A source address with Argon2 jobs running or queued on this worker. */
struct worker_password_source {
    char address[64]; /* a request's peer without its port */
    int jobs;
};

struct worker {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_async_t wakeup;
    uv_timer_t drain_timer;
    uv_timer_t sweep_timer;    /* gives idle connections' TLS buffers back */
    uv_timer_t deadline_timer; /* due at the first request's deadline */
    struct request **dl_heap;  /* requests in flight, a min-heap by deadline (request.c) */
    size_t dl_n, dl_cap;
    int password_jobs;                        /* Argon2 jobs running or queued */
    unsigned long long password_jobs_refused; /* over max_password_jobs, since start */
    uint64_t password_refusal_logged;
    /* The addresses with password jobs, the first n_password_sources in use. */
    struct worker_password_source password_sources[WORKER_PASSWORD_SOURCES];
    int n_password_sources;
    struct log_limit login_log;     /* log-in failures and refusals a client provokes */
    struct log_limit handshake_log; /* failed TLS handshakes, as cheap to provoke */
    uv_thread_t thread;
    int index;
    int listen_fd;
    const struct config *cfg;
    struct db_pool *db;
    struct replica *replica;         /* the standby's pool and poller; NULL: none configured */
    struct scheduler *scheduler;     /* worker 0's, unless scheduler_interval_ms is 0 */
    struct ratelimit_refresh *rates; /* worker 0's: reads tenants' rate limits */
    struct conn *conns;              /* every open connection, for draining */
    uv_prepare_t flusher;            /* writes answers out before the loop sleeps */
    /*
     * Keeps the loop from sleeping once: work the flusher started (a held frame's database
     * step, whose pool flushes in a prepare callback too) would otherwise wait for the next
     * wake-up, up to db_reconnect_ms (conn_unhold).
     */
    uv_idle_t no_sleep;
    struct conn *flush_list;            /* connections with answers not written yet */
    struct handshake_thread hs;         /* TLS handshake steps, on a thread of lower priority */
    struct frame_budget frames;         /* incomplete frames of all its connections */
    struct frame_budget preauth_frames; /* the share of frames for those not authenticated */
    int conns_gone;                     /* connections freed since memory was last given back */
    int conns_gone_seen;                /* conns_gone at the sweep before */
    bool draining;
    bool drain_timed_out; /* connections were closed at drain_timeout_ms; read after the join */
    unsigned long long requests_seen;  /* for request ids */
    uint64_t refusal_logged;           /* when a refused connection was last logged */
    unsigned long refusals_suppressed; /* refused since then, not logged */
    bool db_closed;
    atomic_bool stop_requested;
    atomic_bool failed; /* the loop ended with handles left */
    /* Scratch space: each is used and emptied within one callback. */
    char netbuf[WORKER_NETBUF];
    char plainbuf[WORKER_PLAINBUF];
    char txbuf[WORKER_NETBUF];
};

/*
 * Opens the worker's listening socket on host:port and starts its thread.
 * Returns 0 or a negative errno-style code with err filled in.
 */
int worker_start(struct worker *w, int index, const struct config *cfg, char *err, size_t errlen);

/* Asks the worker, from any thread, to drain and stop. */
void worker_stop(struct worker *w);

/* Waits for the worker's thread; returns -1 if its loop did not close clean. */
int worker_join(struct worker *w);

/* A client's address without its port: what max_connections_per_address counts. */
struct peer_address {
    int family; /* AF_INET, AF_INET6, or 0 when unknown */
    unsigned char bytes[16];
};

enum worker_admission {
    WORKER_ADMITTED,
    WORKER_FULL,         /* max_connections reached */
    WORKER_ADDRESS_FULL, /* max_connections_per_address reached for this address */
    WORKER_NO_MEMORY
};

/*
 * Connection accounting across all workers (threads of one process): takes
 * a slot for a connection from addr, or says why not. Every admission is
 * given back with worker_conn_release() and the same address.
 */
enum worker_admission worker_conn_admit(const struct peer_address *addr, int max_connections,
                                        int max_per_address);
void worker_conn_release(const struct peer_address *addr);

/* Called by the connection layer when a connection is gone. */
void worker_conn_gone(struct worker *w);

/*
 * Whether host names an address to listen on (check-config: serve would
 * stop at it). 0, or -1 with err saying why, naming listen_host.
 */
int worker_listen_check(const char *host, int port, char *err, size_t errlen);

#endif
