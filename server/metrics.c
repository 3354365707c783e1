/*
 * metrics.c - process-wide counters and gauges, rendered as Prometheus
 * text, and the HTTP side (libmicrohttpd) that serves them.
 */
#include "metrics.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <uv.h>

#include "config.h"
#include "liaison.pb-c.h"
#include "liaison_version.h"
#include "log.h"

/* Request durations' upper bounds in microseconds; the last bucket is +Inf. */
static const uint64_t duration_le_us[] = {500,    1000,   2500,   5000,    10000,   25000,  50000,
                                          100000, 250000, 500000, 1000000, 2500000, 5000000};
#define DURATION_BUCKETS (sizeof duration_le_us / sizeof duration_le_us[0] + 1)

/* Requests per database transaction: read batches go up to 64 (db.h). */
static const int batch_le[] = {1, 2, 4, 8, 16, 32, 64};
#define BATCH_BUCKETS (sizeof batch_le / sizeof batch_le[0] + 1)

/* One method's counters: by wire code, then the duration histogram. */
struct method_counters {
    atomic_ullong *by_code; /* n_codes */
    atomic_ullong duration[DURATION_BUCKETS];
    atomic_ullong duration_sum_us;
    atomic_ullong count;
};

/* What a worker last reported about itself. */
struct worker_report {
    atomic_ullong seen_ms; /* 0: not reported yet */
    atomic_int db_size, db_up, db_busy, db_queued;
    atomic_bool draining;
};

/* Connections to /metrics and the probes, in all and from one address; lines a second of
 * libmicrohttpd's messages. */
#define METRICS_CONN_MAX 256u
#define METRICS_CONN_PER_ADDRESS 16u
#define METRICS_LOG_PER_S 5

static struct {
    int n_methods, n_codes, n_workers;
    struct method_counters *methods; /* n_methods + 1: the last is "unknown" */
    atomic_ullong *codes;            /* n_methods + 1 blocks of n_codes */
    struct worker_report *workers;
    atomic_ullong batch[BATCH_BUCKETS];
    atomic_ullong batch_sum, batch_count;
    atomic_llong conns[METRICS_PHASES];
    atomic_ullong conns_refused, handshakes_ok, handshakes_failed;
    atomic_ullong limited_tenant, limited_address;
    atomic_ullong db_connects, db_losses;
    atomic_llong scheduler_lag_ms;
    atomic_bool scheduler_seen;
    atomic_ullong standby_reads, primary_reads, standby_retries, standby_lag_ms;
    atomic_bool standby_seen, standby_up;
    uint64_t started_ms;
    struct MHD_Daemon *daemon;
} m;

static uint64_t metrics_now_ms(void)
{
    return uv_hrtime() / 1000000;
}

int metrics_init(int nworkers, char *err, size_t errlen)
{
    const ProtobufCServiceDescriptor *svc = &liaison__v1__liaison__descriptor;
    const ProtobufCEnumDescriptor *codes = &liaison__v1__code__descriptor;
    int n_codes = 0;
    for (unsigned i = 0; i < codes->n_values; i++)
        if (codes->values[i].value >= n_codes)
            n_codes = codes->values[i].value + 1;
    m.n_methods = (int)svc->n_methods;
    m.n_codes = n_codes;
    m.n_workers = nworkers;
    m.methods = calloc((size_t)m.n_methods + 1, sizeof *m.methods);
    m.codes = calloc(((size_t)m.n_methods + 1) * (size_t)n_codes, sizeof *m.codes);
    m.workers = calloc((size_t)nworkers, sizeof *m.workers);
    if (!m.methods || !m.codes || !m.workers) {
        metrics_stop();
        snprintf(err, errlen, "out of memory for the metrics");
        return -1;
    }
    for (int i = 0; i <= m.n_methods; i++)
        m.methods[i].by_code = m.codes + (size_t)i * (size_t)n_codes;
    m.started_ms = metrics_now_ms();
    return 0;
}

void metrics_request(int method, int code, uint64_t duration_us, int db_batch)
{
    if (!m.methods)
        return;
    struct method_counters *mc =
        &m.methods[method >= 0 && method < m.n_methods ? method : m.n_methods];
    if (code >= 0 && code < m.n_codes)
        atomic_fetch_add_explicit(&mc->by_code[code], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < DURATION_BUCKETS - 1 && duration_us > duration_le_us[b])
        b++;
    atomic_fetch_add_explicit(&mc->duration[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&mc->duration_sum_us, duration_us, memory_order_relaxed);
    atomic_fetch_add_explicit(&mc->count, 1, memory_order_relaxed);
    if (db_batch > 0) {
        size_t k = 0;
        while (k < BATCH_BUCKETS - 1 && db_batch > batch_le[k])
            k++;
        atomic_fetch_add_explicit(&m.batch[k], 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&m.batch_sum, (unsigned long long)db_batch, memory_order_relaxed);
        atomic_fetch_add_explicit(&m.batch_count, 1, memory_order_relaxed);
    }
}

void metrics_conn_phase(int from, int to)
{
    if (from >= 0 && from < METRICS_PHASES)
        atomic_fetch_sub_explicit(&m.conns[from], 1, memory_order_relaxed);
    if (to >= 0 && to < METRICS_PHASES)
        atomic_fetch_add_explicit(&m.conns[to], 1, memory_order_relaxed);
}

void metrics_conn_gone(int phase)
{
    metrics_conn_phase(phase, -1);
}

void metrics_conn_refused(void)
{
    atomic_fetch_add_explicit(&m.conns_refused, 1, memory_order_relaxed);
}

void metrics_tls_handshake(bool ok)
{
    atomic_fetch_add_explicit(ok ? &m.handshakes_ok : &m.handshakes_failed, 1,
                              memory_order_relaxed);
}

void metrics_rate_limited(bool tenant)
{
    atomic_fetch_add_explicit(tenant ? &m.limited_tenant : &m.limited_address, 1,
                              memory_order_relaxed);
}

void metrics_db_connected(void)
{
    atomic_fetch_add_explicit(&m.db_connects, 1, memory_order_relaxed);
}

void metrics_db_lost(void)
{
    atomic_fetch_add_explicit(&m.db_losses, 1, memory_order_relaxed);
}

void metrics_worker(int worker, uint64_t now_ms, int db_size, int db_up, int db_busy, int db_queued,
                    bool draining)
{
    if (!m.workers || worker < 0 || worker >= m.n_workers)
        return;
    struct worker_report *r = &m.workers[worker];
    atomic_store_explicit(&r->db_size, db_size, memory_order_relaxed);
    atomic_store_explicit(&r->db_up, db_up, memory_order_relaxed);
    atomic_store_explicit(&r->db_busy, db_busy, memory_order_relaxed);
    atomic_store_explicit(&r->db_queued, db_queued, memory_order_relaxed);
    atomic_store_explicit(&r->draining, draining, memory_order_relaxed);
    /* Last, and released: whoever sees this time sees the figures above. */
    atomic_store_explicit(&r->seen_ms, now_ms ? now_ms : 1, memory_order_release);
}

void metrics_scheduler_lag(int64_t lag_ms)
{
    atomic_store_explicit(&m.scheduler_lag_ms, lag_ms < 0 ? 0 : lag_ms, memory_order_relaxed);
    atomic_store_explicit(&m.scheduler_seen, true, memory_order_relaxed);
}

void metrics_standby_read(bool standby)
{
    atomic_fetch_add_explicit(standby ? &m.standby_reads : &m.primary_reads, 1,
                              memory_order_relaxed);
}

void metrics_standby_retry(void)
{
    atomic_fetch_add_explicit(&m.standby_retries, 1, memory_order_relaxed);
}

void metrics_standby(bool up, uint64_t lag_ms)
{
    atomic_store_explicit(&m.standby_up, up, memory_order_relaxed);
    atomic_store_explicit(&m.standby_lag_ms, lag_ms, memory_order_relaxed);
    atomic_store_explicit(&m.standby_seen, true, memory_order_relaxed);
}

bool metrics_live(uint64_t now_ms, const char **why)
{
    for (int i = 0; i < m.n_workers; i++) {
        uint64_t seen = atomic_load_explicit(&m.workers[i].seen_ms, memory_order_acquire);
        /* A worker that has not reported yet is starting; its start is bounded by ours. */
        uint64_t since = seen ? seen : m.started_ms;
        if (now_ms > since && now_ms - since > METRICS_STALL_MS) {
            *why = "a worker's event loop has stalled";
            return false;
        }
    }
    *why = "";
    return true;
}

bool metrics_ready(uint64_t now_ms, const char **why)
{
    if (!metrics_live(now_ms, why))
        return false;
    bool up = false;
    for (int i = 0; i < m.n_workers; i++) {
        if (atomic_load_explicit(&m.workers[i].draining, memory_order_relaxed)) {
            *why = "draining";
            return false;
        }
        if (atomic_load_explicit(&m.workers[i].db_up, memory_order_relaxed) > 0)
            up = true;
    }
    if (!up) {
        *why = "no PostgreSQL connection is up";
        return false;
    }
    *why = "";
    return true;
}

static unsigned long long load(atomic_ullong *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

static void render_requests(FILE *f)
{
    const ProtobufCServiceDescriptor *svc = &liaison__v1__liaison__descriptor;
    fputs("# HELP liaison_requests_total Requests answered, by method and status code.\n"
          "# TYPE liaison_requests_total counter\n",
          f);
    for (int i = 0; i <= m.n_methods; i++) {
        const char *name = i < m.n_methods ? svc->methods[i].name : "unknown";
        for (int c = 0; c < m.n_codes; c++) {
            unsigned long long v = load(&m.methods[i].by_code[c]);
            const ProtobufCEnumValue *cv =
                protobuf_c_enum_descriptor_get_value(&liaison__v1__code__descriptor, c);
            if (v && cv)
                fprintf(f, "liaison_requests_total{method=\"%s\",code=\"%s\"} %llu\n", name,
                        cv->name, v);
        }
    }
    fputs("# HELP liaison_request_duration_seconds Time from a request's frame to its answer.\n"
          "# TYPE liaison_request_duration_seconds histogram\n",
          f);
    for (int i = 0; i <= m.n_methods; i++) {
        struct method_counters *mc = &m.methods[i];
        unsigned long long count = load(&mc->count);
        if (!count)
            continue;
        const char *name = i < m.n_methods ? svc->methods[i].name : "unknown";
        unsigned long long cum = 0;
        for (size_t b = 0; b < DURATION_BUCKETS; b++) {
            cum += load(&mc->duration[b]);
            if (b < DURATION_BUCKETS - 1)
                fprintf(f,
                        "liaison_request_duration_seconds_bucket{method=\"%s\",le=\"%g\"} %llu\n",
                        name, (double)duration_le_us[b] / 1e6, cum);
            else
                fprintf(f,
                        "liaison_request_duration_seconds_bucket{method=\"%s\",le=\"+Inf\"} %llu\n",
                        name, cum);
        }
        fprintf(f, "liaison_request_duration_seconds_sum{method=\"%s\"} %.6f\n", name,
                (double)load(&mc->duration_sum_us) / 1e6);
        /* The buckets were read one by one: the count is their total, so they agree. */
        fprintf(f, "liaison_request_duration_seconds_count{method=\"%s\"} %llu\n", name, cum);
    }
}

static void render_batches(FILE *f)
{
    fputs("# HELP liaison_db_batch_requests Requests by the number of requests that shared "
          "their database transaction.\n"
          "# TYPE liaison_db_batch_requests histogram\n",
          f);
    unsigned long long cum = 0;
    for (size_t b = 0; b < BATCH_BUCKETS; b++) {
        cum += load(&m.batch[b]);
        if (b < BATCH_BUCKETS - 1)
            fprintf(f, "liaison_db_batch_requests_bucket{le=\"%d\"} %llu\n", batch_le[b], cum);
        else
            fprintf(f, "liaison_db_batch_requests_bucket{le=\"+Inf\"} %llu\n", cum);
    }
    fprintf(f, "liaison_db_batch_requests_sum %llu\nliaison_db_batch_requests_count %llu\n",
            load(&m.batch_sum), cum);
}

static void render_gauges(FILE *f, uint64_t now_ms)
{
    static const char *const phases[METRICS_PHASES] = {"handshake", "hello", "ready"};
    fputs("# HELP liaison_connections Open client connections by phase.\n"
          "# TYPE liaison_connections gauge\n",
          f);
    for (int p = 0; p < METRICS_PHASES; p++)
        fprintf(f, "liaison_connections{phase=\"%s\"} %lld\n", phases[p],
                (long long)atomic_load_explicit(&m.conns[p], memory_order_relaxed));
    fprintf(f,
            "# HELP liaison_connections_refused_total Connections turned away at admission.\n"
            "# TYPE liaison_connections_refused_total counter\n"
            "liaison_connections_refused_total %llu\n"
            "# HELP liaison_tls_handshakes_total TLS handshakes by result.\n"
            "# TYPE liaison_tls_handshakes_total counter\n"
            "liaison_tls_handshakes_total{result=\"ok\"} %llu\n"
            "liaison_tls_handshakes_total{result=\"failed\"} %llu\n"
            "# HELP liaison_rate_limited_total Requests refused by a rate limit.\n"
            "# TYPE liaison_rate_limited_total counter\n"
            "liaison_rate_limited_total{scope=\"tenant\"} %llu\n"
            "liaison_rate_limited_total{scope=\"address\"} %llu\n"
            "# HELP liaison_db_connects_total PostgreSQL connections made ready.\n"
            "# TYPE liaison_db_connects_total counter\n"
            "liaison_db_connects_total %llu\n"
            "# HELP liaison_db_connection_failures_total PostgreSQL connections lost or "
            "refused.\n"
            "# TYPE liaison_db_connection_failures_total counter\n"
            "liaison_db_connection_failures_total %llu\n",
            load(&m.conns_refused), load(&m.handshakes_ok), load(&m.handshakes_failed),
            load(&m.limited_tenant), load(&m.limited_address), load(&m.db_connects),
            load(&m.db_losses));
    long long size = 0, up = 0, busy = 0, queued = 0;
    for (int i = 0; i < m.n_workers; i++) {
        size += atomic_load_explicit(&m.workers[i].db_size, memory_order_relaxed);
        up += atomic_load_explicit(&m.workers[i].db_up, memory_order_relaxed);
        busy += atomic_load_explicit(&m.workers[i].db_busy, memory_order_relaxed);
        queued += atomic_load_explicit(&m.workers[i].db_queued, memory_order_relaxed);
    }
    fprintf(f,
            "# HELP liaison_db_pool_connections PostgreSQL connections of all workers' pools.\n"
            "# TYPE liaison_db_pool_connections gauge\n"
            "liaison_db_pool_connections{state=\"configured\"} %lld\n"
            "liaison_db_pool_connections{state=\"up\"} %lld\n"
            "liaison_db_pool_connections{state=\"busy\"} %lld\n"
            "# HELP liaison_db_queued Transactions waiting to be sent to PostgreSQL.\n"
            "# TYPE liaison_db_queued gauge\n"
            "liaison_db_queued %lld\n",
            size, up, busy, queued);
    if (atomic_load_explicit(&m.scheduler_seen, memory_order_relaxed))
        fprintf(f,
                "# HELP liaison_scheduler_lag_seconds How late the oldest due job was at the "
                "scheduler's last batch.\n"
                "# TYPE liaison_scheduler_lag_seconds gauge\n"
                "liaison_scheduler_lag_seconds %.3f\n",
                (double)atomic_load_explicit(&m.scheduler_lag_ms, memory_order_relaxed) / 1e3);
    if (atomic_load_explicit(&m.standby_seen, memory_order_relaxed))
        fprintf(f,
                "# HELP liaison_standby_reads_total Users' reads, by where they were sent "
                "(standby_database_url set).\n"
                "# TYPE liaison_standby_reads_total counter\n"
                "liaison_standby_reads_total{target=\"standby\"} %llu\n"
                "liaison_standby_reads_total{target=\"primary\"} %llu\n"
                "# HELP liaison_standby_retries_total Reads that failed on the standby and were "
                "sent again to the primary.\n"
                "# TYPE liaison_standby_retries_total counter\n"
                "liaison_standby_retries_total %llu\n"
                "# HELP liaison_standby_up 1 when the standby answered its last poll.\n"
                "# TYPE liaison_standby_up gauge\n"
                "liaison_standby_up %d\n"
                "# HELP liaison_standby_lag_seconds Upper bound of how far the standby's replay "
                "is behind the primary's commits.\n"
                "# TYPE liaison_standby_lag_seconds gauge\n"
                "liaison_standby_lag_seconds %.3f\n",
                load(&m.standby_reads), load(&m.primary_reads), load(&m.standby_retries),
                atomic_load_explicit(&m.standby_up, memory_order_relaxed) ? 1 : 0,
                (double)load(&m.standby_lag_ms) / 1e3);
    const char *why;
    fprintf(f,
            "# HELP liaison_ready 1 when /readyz answers 200.\n"
            "# TYPE liaison_ready gauge\n"
            "liaison_ready %d\n"
            "# HELP liaison_uptime_seconds Time since the process started serving.\n"
            "# TYPE liaison_uptime_seconds gauge\n"
            "liaison_uptime_seconds %.3f\n"
            "# HELP liaison_build_info The running version.\n"
            "# TYPE liaison_build_info gauge\n"
            "liaison_build_info{version=\"%s\"} 1\n",
            metrics_ready(now_ms, &why) ? 1 : 0, (double)(now_ms - m.started_ms) / 1e3,
            LIAISON_VERSION);
}

char *metrics_render(size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return NULL;
    if (m.methods) {
        render_requests(f);
        render_batches(f);
        render_gauges(f, metrics_now_ms());
    }
    if (ferror(f)) {
        fclose(f);
        free(buf);
        return NULL;
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static enum MHD_Result metrics_reply(struct MHD_Connection *conn, unsigned status, char *body,
                                     size_t len, const char *type)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    enum MHD_Result r = MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (r == MHD_YES)
        r = MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (r == MHD_YES)
        r = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result metrics_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
    size_t len = strlen(text);
    char *body = malloc(len + 1);
    if (!body)
        return MHD_NO;
    memcpy(body, text, len + 1);
    return metrics_reply(conn, status, body, len, "text/plain; charset=utf-8");
}

static enum MHD_Result metrics_handle(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_size, void **state)
{
    (void)cls, (void)version, (void)upload_data, (void)state;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return metrics_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
    /* A GET with a body: refuse rather than read it. */
    if (*upload_size)
        return metrics_text(conn, MHD_HTTP_BAD_REQUEST, "no body expected\n");
    if (strcmp(url, "/metrics") == 0) {
        size_t len;
        char *body = metrics_render(&len);
        if (!body)
            return metrics_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
        return metrics_reply(conn, MHD_HTTP_OK, body, len, "text/plain; version=0.0.4");
    }
    if (strcmp(url, "/livez") == 0 || strcmp(url, "/readyz") == 0) {
        const char *why;
        bool ok = url[1] == 'l' ? metrics_live(metrics_now_ms(), &why)
                                : metrics_ready(metrics_now_ms(), &why);
        char text[128];
        snprintf(text, sizeof text, "%s\n", ok ? "ok" : why);
        return metrics_text(conn, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, text);
    }
    return metrics_text(conn, MHD_HTTP_NOT_FOUND, "not found: /metrics, /livez, /readyz\n");
}

/*
 * libmicrohttpd's messages (fmt is its format, checked as one), at most
 * METRICS_LOG_PER_S lines a second and the rest counted: it says one for
 * each connection it refuses at the limit, which a stranger provokes as
 * fast as it connects (an attack try-out: 17 MB of log in 15 s). Its
 * thread, the one starting or stopping it and worker 0's sweep
 * (metrics_log_flush) share the limit under the lock.
 */
static pthread_mutex_t mhd_log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct log_limit mhd_log_limit;

__attribute__((format(printf, 2, 0))) static void metrics_mhd_log(void *cls, const char *fmt,
                                                                  va_list ap)
{
    (void)cls;
    char text[256];
    vsnprintf(text, sizeof text, fmt, ap);
    text[strcspn(text, "\n")] = '\0';
    pthread_mutex_lock(&mhd_log_lock);
    if (log_limit_admit(&mhd_log_limit, uv_hrtime() / 1000000, METRICS_LOG_PER_S,
                        "metrics endpoint lines suppressed", NULL))
        log_event(LOG_WARN, "metrics endpoint", "reason=\"%s\"", text);
    pthread_mutex_unlock(&mhd_log_lock);
}

void metrics_log_flush(void)
{
    pthread_mutex_lock(&mhd_log_lock);
    if (uv_hrtime() / 1000000 - mhd_log_limit.window_ms >= 1000)
        log_limit_flush(&mhd_log_limit, "metrics endpoint lines suppressed", NULL);
    pthread_mutex_unlock(&mhd_log_lock);
}

/* host:port (an IPv6 host in brackets) into a socket address. */
static int metrics_address(const char *listen, struct sockaddr_storage *ss, char *err,
                           size_t errlen)
{
    char host[64];
    const char *colon = strrchr(listen, ':');
    size_t hlen = colon ? (size_t)(colon - listen) : 0;
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || hlen == 0 || hlen >= sizeof host || *end) {
        snprintf(err, errlen, "metrics_listen: expected host:port, got \"%s\"", listen);
        return -1;
    }
    if (port < 1 || port > 65535) {
        snprintf(err, errlen, "metrics_listen: port %s: not a port number from 1 to 65535",
                 colon + 1);
        return -1;
    }
    if (listen[0] == '[' && listen[hlen - 1] == ']') {
        memcpy(host, listen + 1, hlen - 2);
        host[hlen - 2] = '\0';
    } else {
        memcpy(host, listen, hlen);
        host[hlen] = '\0';
    }
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
    } else {
        snprintf(err, errlen, "metrics_listen: \"%s\" is not an IP address", host);
        return -1;
    }
    return 0;
}

int metrics_listen_check(const char *listen, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    return listen[0] ? metrics_address(listen, &ss, err, errlen) : 0;
}

int metrics_start(const struct config *cfg, char *err, size_t errlen)
{
    if (!cfg->metrics_listen || !cfg->metrics_listen[0])
        return 0;
    struct sockaddr_storage ss;
    if (metrics_address(cfg->metrics_listen, &ss, err, errlen) < 0)
        return -1;
    /* poll or epoll, not select(): its sockets past FD_SETSIZE (1024), which a busy client
       port makes, were refused, probes and all. */
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /*
     * Scrapers and probes are few, but 16 idle connections of a local
     * process kept the probes out (an operator's try-out), and 64 slow ones
     * of a stranger every probe (an attack try-out): a cap with room, at
     * most 32 KiB each, METRICS_CONN_PER_ADDRESS of them from one address,
     * so that one source cannot hold them all, and a short timeout for idle
     * ones. Probes from the same address as such a stranger still wait.
     */
    /* The logger goes first: libmicrohttpd logs a warning for options given before it. */
    m.daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, metrics_handle, NULL, MHD_OPTION_EXTERNAL_LOGGER, metrics_mhd_log,
        NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
        METRICS_CONN_MAX, MHD_OPTION_PER_IP_CONNECTION_LIMIT, METRICS_CONN_PER_ADDRESS,
        MHD_OPTION_CONNECTION_TIMEOUT, 5u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
        MHD_OPTION_END);
    if (!m.daemon) {
        snprintf(err, errlen, "metrics_listen: cannot listen on %s (in use, or not local?)",
                 cfg->metrics_listen);
        return -1;
    }
    log_event(LOG_INFO, "metrics listening", "address=%s", cfg->metrics_listen);
    return 0;
}

void metrics_stop(void)
{
    if (m.daemon)
        MHD_stop_daemon(m.daemon);
    m.daemon = NULL;
    pthread_mutex_lock(&mhd_log_lock);
    log_limit_flush(&mhd_log_limit, "metrics endpoint lines suppressed", NULL);
    pthread_mutex_unlock(&mhd_log_lock);
    free(m.methods);
    free(m.codes);
    free(m.workers);
    m.methods = NULL;
    m.codes = NULL;
    m.workers = NULL;
    m.n_workers = 0;
}
