/*
 * worker.c - a worker thread's loop: accepting, draining on stop, and a
 * clean loop close (no handle left) at the end.
 */
#include "worker.h"

#include <errno.h>
#include <malloc.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "events.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"
#include "replica.h"
#include "scheduler.h"

static atomic_int conn_count;

/*
 * Connections per client address, shared by every worker: a chained hash
 * table under one lock, an entry for each address with a connection. The
 * hash is keyed with a random seed so that addresses chosen by a client do
 * not pile up in one chain.
 */
#define ADDRESS_BUCKETS 4096

struct address_count {
    struct address_count *next;
    struct peer_address addr;
    int count;
};

static pthread_mutex_t address_lock = PTHREAD_MUTEX_INITIALIZER;
static struct address_count *address_table[ADDRESS_BUCKETS];
static uint64_t address_seed;
static bool address_seeded;

static size_t address_bucket(const struct peer_address *a)
{
    if (!address_seeded) {
        if (getrandom(&address_seed, sizeof address_seed, 0) != sizeof address_seed)
            address_seed = uv_hrtime();
        address_seeded = true;
    }
    uint64_t h = 14695981039346656037ull ^ address_seed;
    h = (h ^ (uint64_t)a->family) * 1099511628211ull;
    for (size_t i = 0; i < sizeof a->bytes; i++)
        h = (h ^ a->bytes[i]) * 1099511628211ull;
    return (size_t)(h ^ h >> 32) % ADDRESS_BUCKETS;
}

static bool address_equal(const struct peer_address *x, const struct peer_address *y)
{
    return x->family == y->family && memcmp(x->bytes, y->bytes, sizeof x->bytes) == 0;
}

/* Takes one of addr's slots; the caller holds address_lock. */
static enum worker_admission address_take(const struct peer_address *addr, int max_per_address)
{
    struct address_count **slot = &address_table[address_bucket(addr)];
    for (struct address_count *e = *slot; e; e = e->next) {
        if (address_equal(&e->addr, addr)) {
            if (e->count >= max_per_address)
                return WORKER_ADDRESS_FULL;
            e->count++;
            return WORKER_ADMITTED;
        }
    }
    struct address_count *e = malloc(sizeof *e);
    if (!e)
        return WORKER_NO_MEMORY;
    e->addr = *addr;
    e->count = 1;
    e->next = *slot;
    *slot = e;
    return WORKER_ADMITTED;
}

enum worker_admission worker_conn_admit(const struct peer_address *addr, int max_connections,
                                        int max_per_address)
{
    int n = atomic_fetch_add(&conn_count, 1);
    if (n >= max_connections) {
        atomic_fetch_sub(&conn_count, 1);
        return WORKER_FULL;
    }
    pthread_mutex_lock(&address_lock);
    enum worker_admission a = address_take(addr, max_per_address);
    pthread_mutex_unlock(&address_lock);
    if (a != WORKER_ADMITTED)
        atomic_fetch_sub(&conn_count, 1);
    return a;
}

void worker_conn_release(const struct peer_address *addr)
{
    pthread_mutex_lock(&address_lock);
    struct address_count **p = &address_table[address_bucket(addr)];
    while (*p && !address_equal(&(*p)->addr, addr))
        p = &(*p)->next;
    if (*p && --(*p)->count == 0) {
        struct address_count *gone = *p;
        *p = gone->next;
        free(gone);
    }
    pthread_mutex_unlock(&address_lock);
    atomic_fetch_sub(&conn_count, 1);
}

static void worker_handle_closed(uv_handle_t *h)
{
    (void)h;
}

#define SWEEP_MS 2000

/* Trimming this many connections in one sweep is worth returning pages. */
#define SWEEP_TRIM_RELEASE 32
/* So is freeing this many bytes of incomplete frames since the last sweep. */
#define SWEEP_FRAME_RELEASE (1u << 20)
/*
 * And freeing this many connections, or any once no more have gone for a
 * sweep: a burst of them ending leaves their TLS state and output behind.
 */
#define SWEEP_GONE_RELEASE 32

/*
 * Under AddressSanitizer the heap is the sanitizer's, and glibc's malloc is never set up: two
 * workers calling malloc_trim() at once then both set it up, and one walked an arena list not
 * yet linked (a SEGV at 0x8 in mtrim, in a test run). There is no glibc heap to trim there.
 */
#if defined(__SANITIZE_ADDRESS__)
#define WORKER_TRIMS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WORKER_TRIMS 0
#endif
#endif
#ifndef WORKER_TRIMS
#define WORKER_TRIMS 1
#endif

/* Tells the metrics this worker's loop turns, and what its pool does. */
static void worker_report(struct worker *w)
{
    struct db_pool_stats st = {0};
    if (w->db && !w->db_closed)
        db_pool_stats(w->db, &st);
    metrics_worker(w->index, uv_hrtime() / 1000000, st.size, st.up, st.busy, st.queued,
                   w->draining);
}

static void worker_sweep(uv_timer_t *t)
{
    struct worker *w = t->data;
    uint64_t now = uv_now(&w->loop);
    worker_report(w);
    int trimmed = 0;
    for (struct conn *c = w->conns; c; c = c->next)
        if (now - c->last_activity >= SWEEP_MS / 2 && conn_trim(c))
            trimmed++;
    /* Refusals left out of the log since its last line are counted now, not only at the next. */
    if (w->refusals_suppressed && now - w->refusal_logged >= 1000) {
        log_event(LOG_WARN, "connections refused", "suppressed=%lu", w->refusals_suppressed);
        w->refusals_suppressed = 0;
    }
    /* So are failed handshakes and log-in lines: a flood that stops has no next line. */
    if (now - w->handshake_log.window_ms >= 1000)
        log_limit_flush(&w->handshake_log, "TLS handshake failures suppressed", NULL);
    if (now - w->login_log.window_ms >= 1000)
        log_limit_flush(&w->login_log, "log-in lines suppressed", NULL);
    if (w->index == 0)
        metrics_log_flush();
    /*
     * Freed TLS buffers and frame buffers sit in the middle of the heap,
     * where free() keeps them; glibc's malloc_trim hands whole free pages back to the kernel.
     */
    bool burst_over = w->conns_gone > 0 && w->conns_gone == w->conns_gone_seen;
    if (trimmed >= SWEEP_TRIM_RELEASE || w->frames.released >= SWEEP_FRAME_RELEASE ||
        w->conns_gone >= SWEEP_GONE_RELEASE || burst_over) {
        if (WORKER_TRIMS)
            malloc_trim(0);
        w->conns_gone = 0;
    }
    w->conns_gone_seen = w->conns_gone;
    w->frames.released = 0;
}

/* Everything is drained: close what the worker itself holds. */
static void worker_db_closed(void *arg)
{
    struct worker *w = arg;
    w->db_closed = true;
    /* The sweep stops here: what it would have counted is said now. */
    log_limit_flush(&w->handshake_log, "TLS handshake failures suppressed", NULL);
    log_limit_flush(&w->login_log, "log-in lines suppressed", NULL);
    uv_close((uv_handle_t *)&w->drain_timer, worker_handle_closed);
    uv_close((uv_handle_t *)&w->sweep_timer, worker_handle_closed);
    uv_close((uv_handle_t *)&w->deadline_timer, worker_handle_closed);
    uv_close((uv_handle_t *)&w->wakeup, worker_handle_closed);
    uv_close((uv_handle_t *)&w->flusher, worker_handle_closed);
    uv_close((uv_handle_t *)&w->no_sleep, worker_handle_closed);
    handshake_close(&w->hs, worker_handle_closed);
    events_worker_close(w);
    if (w->scheduler)
        scheduler_close(w->scheduler);
    w->scheduler = NULL;
    if (w->rates)
        ratelimit_refresh_close(w->rates);
    w->rates = NULL;
    /* After the primary's pool: a read failing on the standby finds no primary to retry on. */
    if (w->replica)
        replica_close(w->replica);
    w->replica = NULL;
}

static void worker_maybe_finish(struct worker *w)
{
    if (w->draining && !w->conns && w->db && !w->db_closed) {
        struct db_pool *db = w->db;
        w->db = NULL;
        db_pool_close(db, worker_db_closed, w);
    }
}

void worker_conn_gone(struct worker *w)
{
    w->conns_gone++;
    worker_maybe_finish(w);
}

static void worker_drain_timeout(uv_timer_t *t)
{
    struct worker *w = t->data;
    log_event(LOG_WARN, "drain timeout: closing remaining connections", "worker=%d", w->index);
    w->drain_timed_out = w->conns != NULL;
    while (w->conns)
        conn_close(w->conns, "drain timeout");
    worker_maybe_finish(w);
}

static void worker_wakeup(uv_async_t *a)
{
    struct worker *w = a->data;
    if (!atomic_load(&w->stop_requested) || w->draining)
        return;
    w->draining = true;
    /* At once: balancers asking /readyz stop sending new connections here. */
    worker_report(w);
    uv_close((uv_handle_t *)&w->listener, worker_handle_closed);
    if (w->scheduler)
        scheduler_stop(w->scheduler);
    if (w->rates)
        ratelimit_refresh_stop(w->rates);
    if (w->replica)
        replica_stop(w->replica);
    uv_timer_start(&w->drain_timer, worker_drain_timeout, (uint64_t)w->cfg->drain_timeout_ms, 0);
    struct conn *c = w->conns;
    while (c) {
        struct conn *next = c->next;
        conn_drain(c);
        c = next;
    }
    worker_maybe_finish(w);
}

static void worker_on_connection(uv_stream_t *server, int status)
{
    struct worker *w = server->data;
    if (status < 0) {
        log_event(LOG_WARN, "accept failed", "reason=\"%s\"", uv_strerror(status));
        return;
    }
    conn_accept(w);
}

static void worker_walk_report(uv_handle_t *h, void *arg)
{
    (void)arg;
    log_event(LOG_ERROR, "handle left open at loop close", "type=%s",
              uv_handle_type_name(uv_handle_get_type(h)));
}

static void worker_main(void *arg)
{
    struct worker *w = arg;
    int rc = uv_tcp_open(&w->listener, w->listen_fd);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&w->listener, 1024, worker_on_connection);
    if (rc != 0) {
        log_event(LOG_ERROR, "listen failed", "worker=%d reason=\"%s\"", w->index, uv_strerror(rc));
        atomic_store(&w->failed, true);
        atomic_store(&w->stop_requested, true);
        worker_wakeup(&w->wakeup);
    }
    uv_run(&w->loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&w->loop) != 0) {
        uv_walk(&w->loop, worker_walk_report, NULL);
        atomic_store(&w->failed, true);
    }
    free(w->dl_heap);
    w->dl_heap = NULL;
}

/*
 * Whether another process listens on host:port already. The workers' own
 * sockets share the port through SO_REUSEPORT, which would as readily let
 * a second liaisond (one left running, or another configuration's) join
 * it and take half the connections unnoticed. A socket without
 * SO_REUSEPORT binds only when no one listens there. A process killed a
 * moment ago (a crash, then a restart) keeps its sockets until its memory
 * is unmapped, a fraction of a second: the check is tried for up to 2 s.
 * Returns 0, or -1 with err naming the setting.
 */
static int worker_port_free(const struct addrinfo *ai, const char *host, int port, char *err,
                            size_t errlen)
{
    for (int attempt = 0; attempt < 40; attempt++) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        int one = 1;
        if (fd < 0)
            return 0; /* the workers' own socket() will say why */
        /* SO_REUSEADDR: connections of a process gone (TIME_WAIT) do not count. */
        int rc = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0
                     ? 0
                     : bind(fd, ai->ai_addr, ai->ai_addrlen);
        int bind_errno = errno;
        close(fd);
        if (rc == 0 || bind_errno != EADDRINUSE)
            return 0;
        usleep(50 * 1000);
    }
    snprintf(err, errlen,
             "port: %s:%d is in use by another process (a liaisond left running, or another "
             "program): stop it, or set port to a free one",
             host, port);
    return -1;
}

/* The addresses host names for listening on port; -1 with err naming listen_host. */
static int worker_resolve(const char *host, int port, struct addrinfo **res, char *err,
                          size_t errlen)
{
    struct addrinfo hints = {0};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char portstr[8];
    snprintf(portstr, sizeof portstr, "%d", port);
    int gai = getaddrinfo(host, portstr, &hints, res);
    if (gai != 0) {
        snprintf(err, errlen, "listen_host %s: %s", host, gai_strerror(gai));
        return -1;
    }
    return 0;
}

int worker_listen_check(const char *host, int port, char *err, size_t errlen)
{
    struct addrinfo *res = NULL;
    if (worker_resolve(host, port, &res, err, errlen) < 0)
        return -1;
    freeaddrinfo(res);
    return 0;
}

/*
 * A bound, listening, non-blocking socket with SO_REUSEPORT, so each worker
 * has one. It listens here, before "listening" is logged: listened to on
 * the worker's thread only, a connection in the moment between was refused
 * (integration_resilience, a server just started); the kernel queues what
 * comes until the worker's loop accepts it. The first (first set) also
 * checks that no other process listens there.
 */
static int worker_socket(const char *host, int port, bool first, char *err, size_t errlen)
{
    struct addrinfo *res = NULL;
    if (worker_resolve(host, port, &res, err, errlen) < 0)
        return -1;
    if (first && worker_port_free(res, host, port, err, errlen) < 0) {
        freeaddrinfo(res);
        return -1;
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
        snprintf(err, errlen, "listen on %s:%d: %s", host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    return fd;
}

int worker_start(struct worker *w, int index, const struct config *cfg, char *err, size_t errlen)
{
    w->index = index;
    w->cfg = cfg;
    w->frames.limit = (size_t)cfg->max_partial_frame_bytes;
    /*
     * A quarter for connections not yet authenticated, but room for one of
     * their frames (the whole budget holds one of any: config.c checks).
     */
    w->preauth_frames.limit = w->frames.limit / 4;
    if (w->preauth_frames.limit < (size_t)cfg->preauth_max_frame_bytes + FRAME_HEADER_SIZE)
        w->preauth_frames.limit = (size_t)cfg->preauth_max_frame_bytes + FRAME_HEADER_SIZE;
    w->preauth_frames.parent = &w->frames;
    w->listen_fd = worker_socket(cfg->listen_host, cfg->port, index == 0, err, errlen);
    if (w->listen_fd < 0)
        return -1;
    int rc = uv_loop_init(&w->loop);
    if (rc != 0) {
        snprintf(err, errlen, "event loop: %s", uv_strerror(rc));
        close(w->listen_fd);
        return -1;
    }
    uv_tcp_init(&w->loop, &w->listener);
    uv_async_init(&w->loop, &w->wakeup, worker_wakeup);
    uv_timer_init(&w->loop, &w->drain_timer);
    uv_timer_init(&w->loop, &w->sweep_timer);
    uv_timer_init(&w->loop, &w->deadline_timer);
    w->deadline_timer.data = w;
    uv_prepare_init(&w->loop, &w->flusher);
    w->flusher.data = w;
    uv_idle_init(&w->loop, &w->no_sleep);
    w->listener.data = w;
    w->wakeup.data = w;
    w->drain_timer.data = w;
    w->sweep_timer.data = w;
    if (events_worker_init(w, err, errlen) < 0)
        return -1;
    /* At once too: the metrics hear from the worker as soon as its loop runs. */
    uv_timer_start(&w->sweep_timer, worker_sweep, 0, SWEEP_MS);
    struct db_options dbo = {.conninfo = cfg->database_url,
                             .setting = "database_url",
                             .size = cfg->db_pool_size,
                             .depth = cfg->db_pipeline_depth,
                             .max_batches = cfg->db_read_batches,
                             .write_batch = cfg->db_write_batch,
                             .queue_max = cfg->db_queue_max,
                             .reconnect_ms = cfg->db_reconnect_ms,
                             .timeout_ms = cfg->request_timeout_ms};
    w->db = db_pool_create(&w->loop, &dbo);
    if (!w->db) {
        snprintf(err, errlen, "out of memory creating the database pool");
        return -1;
    }
    bool replica_err;
    w->replica = replica_create(&w->loop, w->db, &dbo, cfg, &replica_err);
    if (replica_err) {
        snprintf(err, errlen, "out of memory creating the standby's pool");
        return -1;
    }
    /* One loop per process runs jobs: the database spreads them over processes. */
    if (index == 0 && cfg->scheduler_interval_ms > 0) {
        w->scheduler = scheduler_create(&w->loop, w->db, cfg->scheduler_interval_ms,
                                        cfg->request_timeout_ms / 2);
        if (!w->scheduler) {
            snprintf(err, errlen, "out of memory creating the scheduler");
            return -1;
        }
    }
    /* The buckets are the process's: one loop reads tenants' limits for all. */
    if (index == 0) {
        w->rates = ratelimit_refresh_create(&w->loop, w->db, cfg->tenant_rate_refresh_ms);
        if (!w->rates) {
            snprintf(err, errlen, "out of memory creating the rate limits' refresh");
            return -1;
        }
    }
    /* Last: a worker that fails to start leaves no thread behind. */
    if (handshake_init(&w->hs, &w->loop, cfg->handshake_nice, conn_handshake_done, err, errlen) < 0)
        return -1;
    rc = uv_thread_create(&w->thread, worker_main, w);
    if (rc != 0) {
        handshake_close(&w->hs, NULL);
        snprintf(err, errlen, "thread: %s", uv_strerror(rc));
        return -1;
    }
    return 0;
}

void worker_stop(struct worker *w)
{
    atomic_store(&w->stop_requested, true);
    uv_async_send(&w->wakeup);
}

int worker_join(struct worker *w)
{
    uv_thread_join(&w->thread);
    return atomic_load(&w->failed) ? -1 : 0;
}
