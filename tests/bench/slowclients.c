/*
 * slowclients.c - slow and greedy clients against liaisond while one
 * well-behaved client measures its latency (tests/bench/slow-clients runs
 * it against a server of its own). Talks to 127.0.0.1 only and ends by
 * itself.
 *
 * The well-behaved client is a libliaison connection sending Ping, one in
 * flight, every 2 ms, in its own thread; its latencies are kept per phase:
 *   alone         before any attacker;
 *   under attack  from the first attacker's connect until the last is cut,
 *                 and apart: while attackers connect (TLS handshakes and
 *                 Hellos), and once all are connected until the last is cut;
 *   after         once every attacker is gone;
 *   at the limit  while max_connections connections are open.
 * The attackers are non-blocking sockets (plain sockets and OpenSSL on one
 * poll loop), from 16 loopback addresses so that no per-address cap is what
 * stops them, each misbehaving one way, round robin:
 *   trickled ClientHello   a byte every 500 ms of a TLS ClientHello
 *   silent after TLS       the handshake, then nothing (no Hello)
 *   silent after Hello     Hello answered, then nothing
 *   half-sent frame        Hello, then 4,000 bytes of an 8,000-byte frame, held
 *   trickled frame         Hello, then a frame a byte (a TLS record) every 500 ms
 *   never reads            Hello, then 4 KB Pings as fast as they go out, never
 *                          reading an answer (a 4 KiB receive buffer)
 *   oversized frame        Hello, then a length prefix of 64 MiB
 * Each is watched until the server cuts it off (its socket closed or reset),
 * and the time from its misbehaviour's start to the cut is kept. Which
 * limit cut it is the server's to say (its log at debug names every close's
 * reason); the runner counts them.
 * Then max_connections - 1 plain TCP connections are opened beside the
 * well-behaved one and connection max_connections + 1 is tried, through
 * libliaison and raw: what it sees and how fast is printed.
 * Server memory is VmRSS of --pid: at the end of "alone", the highest seen
 * under attack, and at the end of "after".
 * Where the two cores went in each phase is the scheduler's own account
 * (/proc/.../schedstat: time on a CPU, and time runnable but waiting for
 * one) of liaisond's threads together, of this program's attacker loop (its
 * main thread) and of the well-behaved client's thread: a wait that the
 * well-behaved client's thread or the server spends runnable is CPU taken by
 * something else. --attacker-nice N runs the attacker loop at that nice
 * value, so that a run can tell the attackers' own CPU from the server's.
 * --attacker-cpu N and --client-cpu N pin the attacker loop and the
 * well-behaved client's thread to one CPU each: with the server pinned to
 * the client's CPU (the runner's --split-cores), the attackers' user and
 * kernel send work stays on a core of its own, as on a machine of its own.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <liaison.h>

#include "liaison.pb-c.h"

enum kind {
    TRICKLED_HELLO,
    SILENT_AFTER_TLS,
    SILENT_AFTER_HELLO,
    HALF_FRAME,
    TRICKLED_FRAME,
    NEVER_READS,
    OVERSIZED_FRAME,
    KINDS
};

static const char *const kind_name[KINDS] = {
    "trickled ClientHello", "silent after TLS", "silent after Hello", "half-sent frame held",
    "trickled frame",       "never reads",      "oversized frame"};
static const char *const kind_limit[KINDS] = {
    "handshake_timeout_ms", "handshake_timeout_ms (Hello)",
    "idle_timeout_ms",      "frame_timeout_s",
    "frame_timeout_s",      "64 KiB not taken: not read; send_timeout_ms",
    "max_frame_bytes"};

enum state { CONNECTING, HANDSHAKING, AWAITING_HELLO, MISBEHAVING, CUT };

struct attacker {
    int fd;
    SSL *ssl;
    enum kind kind;
    enum state state;
    int64_t began_us; /* the misbehaviour's start */
    int64_t next_us;  /* when a trickler sends its next byte */
    size_t sent;      /* bytes of its script sent */
    bool write_blocked;
    uint8_t in[512]; /* what the server said, up to a frame's first bytes */
    size_t in_len;
    int64_t cut_us;
};

enum phase { ALONE, UNDER_ATTACK, OPENING, HELD, AFTER, AT_LIMIT, PHASES };
static const char *const phase_name[PHASES] = {"alone",
                                               "under attack (all of it)",
                                               "  while attackers connect",
                                               "  all connected, until cut",
                                               "after",
                                               "at the limit"};

struct samples {
    uint32_t *us;
    size_t n, cap;
    long errors;
};

static struct options {
    int port, attackers, limit, attacker_nice, attacker_cpu, client_cpu;
    long pid;
    const char *ca;
    double alone_s, after_s, max_attack_s;
} opt = {.attackers = 2000,
         .attacker_cpu = -1,
         .client_cpu = -1,
         .alone_s = 10,
         .after_s = 10,
         .max_attack_s = 180};

static atomic_int phase = ALONE;
static atomic_bool good_stop;
static atomic_long good_tid;

/* CPU time and run-queue wait, in ns, at the phases' boundaries. */
struct sched {
    int64_t run_ns, wait_ns;
};
enum mark { MARK_ALONE, MARK_OPENING, MARK_HELD, MARK_AFTER, MARK_END, MARKS };
static struct {
    int64_t at_us;
    struct sched server, attacker, good;
} marks[MARKS];
static struct samples good[PHASES];
static uint8_t client_hello[2048];
static size_t client_hello_len;
static uint8_t *greedy_pings; /* never-readers' Pings, back to back */
static size_t greedy_pings_len;
static uint8_t hello_frame[64], ping_frame[512];
static size_t hello_frame_len, ping_frame_len;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "slowclients: %s: %s\n", what, why);
    exit(1);
}

static void sched_add(const char *path, struct sched *s)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    long long run, wait;
    if (fscanf(f, "%lld %lld", &run, &wait) == 2) {
        s->run_ns += run;
        s->wait_ns += wait;
    }
    fclose(f);
}

/* One thread's account, or (tid 0) every thread's of pid together. */
static struct sched sched_of(long pid, long tid)
{
    struct sched s = {0, 0};
    char path[96];
    if (tid) {
        snprintf(path, sizeof path, "/proc/%ld/task/%ld/schedstat", pid, tid);
        sched_add(path, &s);
        return s;
    }
    snprintf(path, sizeof path, "/proc/%ld/task", pid);
    DIR *d = opendir(path);
    if (!d)
        return s;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/%ld/task/%.20s/schedstat", pid, e->d_name);
        sched_add(path, &s);
    }
    closedir(d);
    return s;
}

static void mark(enum mark m)
{
    marks[m].at_us = now_us();
    marks[m].server = sched_of(opt.pid, 0);
    marks[m].attacker = sched_of((long)getpid(), (long)getpid());
    marks[m].good = sched_of((long)getpid(), atomic_load(&good_tid));
}

static long rss_kb(void)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", opt.pid);
    FILE *f = fopen(path, "r");
    if (!f)
        die(path, strerror(errno));
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

/* Packs a request frame (length prefix included) into out; returns its size. */
static size_t pack_frame(uint8_t *out, size_t cap, uint64_t id, const char *method,
                         const ProtobufCMessage *payload)
{
    uint8_t body[16384];
    Liaison__V1__Frame f = LIAISON__V1__FRAME__INIT;
    f.request_id = id;
    f.method = (char *)method;
    f.payload.len = protobuf_c_message_pack(payload, body);
    f.payload.data = body;
    size_t n = protobuf_c_message_get_packed_size(&f.base);
    if (n + 4 > cap)
        die("pack", "frame too large");
    out[0] = (uint8_t)(n >> 24);
    out[1] = (uint8_t)(n >> 16);
    out[2] = (uint8_t)(n >> 8);
    out[3] = (uint8_t)n;
    protobuf_c_message_pack(&f.base, out + 4);
    return n + 4;
}

static void prepare_frames(SSL_CTX *ctx)
{
    Liaison__V1__HelloRequest h = LIAISON__V1__HELLO_REQUEST__INIT;
    h.protocol_version = 1;
    h.client_name = "slowclients";
    hello_frame_len = pack_frame(hello_frame, sizeof hello_frame, 1, "Hello", &h.base);
    Liaison__V1__PingRequest p = LIAISON__V1__PING_REQUEST__INIT;
    p.echo = "trickled, a byte at a time";
    ping_frame_len = pack_frame(ping_frame, sizeof ping_frame, 2, "Ping", &p.base);
    /* 256 Pings of 4,000 bytes (the most an echo may hold is 4,096): ~1 MB of answers a round. */
    static char echo[4001];
    memset(echo, 'g', sizeof echo - 1);
    p.echo = echo;
    greedy_pings = malloc(256 * 4096);
    if (!greedy_pings)
        die("greedy pings", "out of memory");
    for (uint64_t id = 2; id < 258; id++)
        greedy_pings_len += pack_frame(greedy_pings + greedy_pings_len, 4096, id, "Ping", &p.base);
    /* A ClientHello as a real client sends it, for the trickler. */
    SSL *s = SSL_new(ctx);
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    if (!s || !rb || !wb)
        die("ClientHello", "out of memory");
    SSL_set_bio(s, rb, wb);
    SSL_set_connect_state(s);
    SSL_do_handshake(s);
    int n = BIO_read(wb, client_hello, sizeof client_hello);
    if (n <= 0)
        die("ClientHello", "none written");
    client_hello_len = (size_t)n;
    SSL_free(s);
}

static void record(enum phase ph, int64_t us)
{
    struct samples *s = &good[ph];
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 65536;
        s->us = realloc(s->us, s->cap * sizeof *s->us);
        if (!s->us)
            die("samples", "out of memory");
    }
    s->us[s->n++] = (uint32_t)(us > UINT32_MAX ? UINT32_MAX : us);
}

static liaison_conn *good_connect(void)
{
    char url[64];
    snprintf(url, sizeof url, "liaison://127.0.0.1:%d", opt.port);
    liaison_conn *c = liaison_new(url);
    if (!c)
        die("good client", "out of memory");
    liaison_set_option(c, LIAISON_OPT_CA_FILE, opt.ca);
    liaison_set_option(c, LIAISON_OPT_CLIENT_NAME, "well-behaved");
    return c;
}

/* Pins the calling thread (not the process) to one CPU; cpu < 0 leaves it free. */
static void pin_thread(int cpu, const char *who)
{
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    if (rc != 0)
        die(who, strerror(rc));
}

/* The well-behaved client: a Ping every 2 ms, latencies kept by phase. */
static void *good_main(void *arg)
{
    (void)arg;
    pin_thread(opt.client_cpu, "--client-cpu");
    atomic_store(&good_tid, (long)syscall(SYS_gettid));
    liaison_conn *c = good_connect();
    if (liaison_connect(c) != LIAISON_OK)
        die("good client", liaison_error(c));
    while (!atomic_load(&good_stop)) {
        enum phase ph = (enum phase)atomic_load(&phase);
        int64_t t0 = now_us();
        char *echo = NULL;
        bool attacked = ph == OPENING || ph == HELD;
        if (liaison_ping(c, "well-behaved", &echo) == LIAISON_OK) {
            record(ph, now_us() - t0);
            if (attacked)
                record(UNDER_ATTACK, now_us() - t0);
        } else {
            good[ph].errors++;
            good[UNDER_ATTACK].errors += attacked;
        }
        liaison_string_free(echo);
        int64_t rest = t0 + 2000 - now_us();
        if (rest > 0)
            usleep((useconds_t)rest);
    }
    liaison_free(c);
    return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(uint32_t *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i] / 1000.0;
}

/* A non-blocking socket to the server from 127.0.0.(10 + i % 16). */
static int open_socket(int i, int rcvbuf, bool blocking)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (blocking ? 0 : SOCK_NONBLOCK), 0);
    if (fd < 0)
        return -1;
    if (rcvbuf)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in src = {.sin_family = AF_INET};
    src.sin_addr.s_addr = htonl(0x7f00000a + (uint32_t)(i % 16));
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0 ||
        (connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0 && errno != EINPROGRESS)) {
        close(fd);
        return -1;
    }
    return fd;
}

static void cut(struct attacker *a)
{
    a->state = CUT;
    a->cut_us = now_us();
    if (a->ssl)
        SSL_free(a->ssl);
    a->ssl = NULL;
    close(a->fd);
    a->fd = -1;
}

/* Writes len bytes through TLS; false when the connection is gone. */
static bool tls_write(struct attacker *a, const void *p, size_t len, size_t *done)
{
    ERR_clear_error();
    int n = SSL_write(a->ssl, p, (int)len);
    if (n > 0) {
        *done = (size_t)n;
        a->write_blocked = false;
        return true;
    }
    *done = 0;
    int e = SSL_get_error(a->ssl, n);
    a->write_blocked = e == SSL_ERROR_WANT_WRITE;
    return e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ;
}

static void begin_misbehaving(struct attacker *a)
{
    a->state = MISBEHAVING;
    a->began_us = now_us();
    a->next_us = a->began_us;
    a->sent = 0;
    a->in_len = 0;
    size_t done;
    uint8_t frame[4 + 4000];
    switch (a->kind) {
    case HALF_FRAME:
        frame[0] = 0, frame[1] = 0, frame[2] = 0x1f, frame[3] = 0x40; /* 8,000 */
        memset(frame + 4, 0x08, sizeof frame - 4);
        if (!tls_write(a, frame, sizeof frame, &done))
            cut(a);
        break;
    case OVERSIZED_FRAME:
        frame[0] = 4, frame[1] = 0, frame[2] = 0, frame[3] = 0; /* 64 MiB */
        if (!tls_write(a, frame, 4, &done))
            cut(a);
        break;
    default:
        break;
    }
}

/* Reads whatever TLS has; false when the server has closed. */
static bool tls_drain(struct attacker *a)
{
    for (;;) {
        uint8_t buf[4096];
        ERR_clear_error();
        int n = SSL_read(a->ssl, buf, sizeof buf);
        if (n <= 0)
            return SSL_get_error(a->ssl, n) == SSL_ERROR_WANT_READ;
        size_t take = (size_t)n < sizeof a->in - a->in_len ? (size_t)n : sizeof a->in - a->in_len;
        memcpy(a->in + a->in_len, buf, take);
        a->in_len += take;
    }
}

/* Advances one attacker after poll said something about it (or its time came). */
static void step(struct attacker *a, short revents, SSL_CTX *ctx)
{
    int64_t now = now_us();
    if (a->state == CONNECTING) {
        if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
            return;
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            cut(a);
            a->began_us = a->cut_us = -1; /* never connected */
            return;
        }
        if (a->kind == TRICKLED_HELLO) {
            begin_misbehaving(a);
            return;
        }
        a->ssl = SSL_new(ctx);
        if (!a->ssl || SSL_set_fd(a->ssl, a->fd) != 1)
            die("attacker", "TLS set-up");
        SSL_set_connect_state(a->ssl);
        a->state = HANDSHAKING;
    }
    if (a->state == HANDSHAKING) {
        ERR_clear_error();
        int r = SSL_do_handshake(a->ssl);
        if (r != 1) {
            int e = SSL_get_error(a->ssl, r);
            a->write_blocked = e == SSL_ERROR_WANT_WRITE;
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
                cut(a);
                a->began_us = -1; /* refused before it could misbehave */
            }
            return;
        }
        if (a->kind == SILENT_AFTER_TLS) {
            begin_misbehaving(a);
            return;
        }
        size_t done;
        if (!tls_write(a, hello_frame, hello_frame_len, &done) || done != hello_frame_len) {
            cut(a);
            a->began_us = -1;
            return;
        }
        a->state = AWAITING_HELLO;
        return;
    }
    if (a->state == AWAITING_HELLO) {
        if (!tls_drain(a)) {
            cut(a);
            a->began_us = -1;
            return;
        }
        if (a->in_len >= 4) {
            size_t n =
                (size_t)a->in[0] << 24 | (size_t)a->in[1] << 16 | (size_t)a->in[2] << 8 | a->in[3];
            /* The answer to Hello is small; the whole of it is what we wait for. */
            if (a->in_len >= 4 + n || a->in_len == sizeof a->in)
                begin_misbehaving(a);
        }
        return;
    }
    if (a->state != MISBEHAVING)
        return;
    if (a->kind == TRICKLED_HELLO) {
        if (revents & (POLLIN | POLLRDHUP | POLLERR | POLLHUP)) {
            uint8_t buf[4096];
            ssize_t n = read(a->fd, buf, sizeof buf);
            if (n == 0 || (n < 0 && errno != EAGAIN)) {
                cut(a);
                return;
            }
        }
        if (now >= a->next_us && a->sent < client_hello_len) {
            if (write(a->fd, client_hello + a->sent, 1) != 1) {
                cut(a);
                return;
            }
            a->sent++;
            a->next_us = now + 500000;
        }
        return;
    }
    if (a->kind == NEVER_READS) {
        if (revents & (POLLRDHUP | POLLERR | POLLHUP)) {
            cut(a);
            return;
        }
        while (!a->write_blocked) {
            size_t off = a->sent % greedy_pings_len, done;
            if (!tls_write(a, greedy_pings + off, greedy_pings_len - off, &done)) {
                cut(a);
                return;
            }
            a->sent += done;
        }
        if (revents & POLLOUT)
            a->write_blocked = false;
        return;
    }
    if (revents & (POLLIN | POLLERR | POLLHUP | POLLRDHUP)) {
        if (!tls_drain(a)) {
            cut(a);
            return;
        }
    }
    if (a->kind == TRICKLED_FRAME && now >= a->next_us && a->sent < ping_frame_len) {
        size_t done;
        if (!tls_write(a, ping_frame + a->sent, 1, &done)) {
            cut(a);
            return;
        }
        a->sent += done;
        a->next_us = now + 500000;
    }
}

static short wanted(const struct attacker *a)
{
    switch (a->state) {
    case CONNECTING:
        return POLLOUT;
    case HANDSHAKING:
        return a->write_blocked ? POLLOUT : POLLIN;
    case AWAITING_HELLO:
        return POLLIN;
    case MISBEHAVING:
        if (a->kind == NEVER_READS)
            return POLLRDHUP | POLLOUT;
        return (short)(POLLIN | POLLRDHUP);
    default:
        return 0;
    }
}

static void attack(SSL_CTX *ctx, long *rss_peak)
{
    struct attacker *as = calloc((size_t)opt.attackers, sizeof *as);
    struct pollfd *pfd = calloc((size_t)opt.attackers, sizeof *pfd);
    int *idx = calloc((size_t)opt.attackers, sizeof *idx);
    if (!as || !pfd || !idx)
        die("attackers", "out of memory");
    int opened = 0, live = 0, setting_up = 0;
    /* On Linux this sets the calling thread's nice only: the well-behaved client's stays 0. */
    if (opt.attacker_nice && setpriority(PRIO_PROCESS, 0, opt.attacker_nice) != 0)
        die("setpriority", strerror(errno));
    pin_thread(opt.attacker_cpu, "--attacker-cpu");
    int64_t start = now_us(), stop = start + (int64_t)(opt.max_attack_s * 1e6);
    mark(MARK_OPENING);
    atomic_store(&phase, OPENING);
    while ((opened < opt.attackers || live > 0) && now_us() < stop) {
        /* A few set-ups at a time, as a client pool would open them. */
        while (opened < opt.attackers && setting_up < 64) {
            struct attacker *a = &as[opened];
            a->kind = (enum kind)(opened % KINDS);
            a->fd = open_socket(opened, a->kind == NEVER_READS ? 4096 : 0, false);
            a->state = a->fd < 0 ? CUT : CONNECTING;
            if (a->fd < 0)
                a->began_us = a->cut_us = -1;
            opened++;
            setting_up += a->fd >= 0;
            live += a->fd >= 0;
        }
        int n = 0;
        int64_t next = now_us() + 50000;
        for (int i = 0; i < opened; i++) {
            struct attacker *a = &as[i];
            if (a->state == CUT)
                continue;
            pfd[n] = (struct pollfd){.fd = a->fd, .events = wanted(a)};
            idx[n++] = i;
            if (a->state == MISBEHAVING &&
                (a->kind == TRICKLED_HELLO || a->kind == TRICKLED_FRAME) && a->next_us < next)
                next = a->next_us;
        }
        int64_t wait = (next - now_us()) / 1000;
        if (poll(pfd, (nfds_t)n, wait > 0 ? (int)wait : 0) < 0 && errno != EINTR)
            die("poll", strerror(errno));
        int64_t now = now_us();
        for (int k = 0; k < n; k++) {
            struct attacker *a = &as[idx[k]];
            bool trickling = a->state == MISBEHAVING &&
                             (a->kind == TRICKLED_HELLO || a->kind == TRICKLED_FRAME) &&
                             now >= a->next_us;
            if (!pfd[k].revents && !trickling)
                continue;
            enum state before = a->state;
            step(a, pfd[k].revents, ctx);
            if (before < MISBEHAVING && a->state >= MISBEHAVING)
                setting_up--;
            if (a->state == CUT)
                live--;
        }
        long rss = rss_kb();
        if (rss > *rss_peak)
            *rss_peak = rss;
        if (opened == opt.attackers && setting_up == 0 && atomic_load(&phase) != HELD) {
            mark(MARK_HELD);
            atomic_store(&phase, HELD);
        }
    }
    if (atomic_load(&phase) != HELD)
        mark(MARK_HELD);
    mark(MARK_AFTER);
    atomic_store(&phase, AFTER);
    double attack_s = (double)(now_us() - start) / 1e6;

    printf("\n%d attackers, %.1f s from the first connect to the last cut:\n\n", opt.attackers,
           attack_s);
    printf("| attacker | the limit meant for it | cut off | still open | refused before "
           "misbehaving | seconds to the cut: median | max |\n|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < KINDS; k++) {
        double t[4096];
        int nt = 0, open_left = 0, refused = 0;
        for (int i = 0; i < opened; i++) {
            struct attacker *a = &as[i];
            if ((int)a->kind != k)
                continue;
            if (a->state != CUT)
                open_left++;
            else if (a->began_us < 0)
                refused++;
            else if (nt < 4096)
                t[nt++] = (double)(a->cut_us - a->began_us) / 1e6;
        }
        for (int i = 1; i < nt; i++)
            for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
                double x = t[j];
                t[j] = t[j - 1];
                t[j - 1] = x;
            }
        printf("| %s | %s | %d | %d | %d | %.2f | %.2f |\n", kind_name[k], kind_limit[k], nt,
               open_left, refused, nt ? t[nt / 2] : 0.0, nt ? t[nt - 1] : 0.0);
    }
    for (int i = 0; i < opened; i++)
        if (as[i].state != CUT)
            cut(&as[i]);
    free(as);
    free(pfd);
    free(idx);
}

/* Descriptors the server has open: one for each connection it took. */
static int server_fds(void)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/fd", opt.pid);
    DIR *d = opendir(path);
    if (!d)
        die(path, strerror(errno));
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* Fills the server to max_connections and tries one more. */
static void at_the_limit(void)
{
    if (opt.limit <= 1)
        return;
    int held = opt.limit - 1; /* the well-behaved client has the last slot */
    int *fds = malloc((size_t)held * sizeof *fds);
    if (!fds)
        die("limit", "out of memory");
    int open_ok = 0, before = server_fds();
    for (int i = 0; i < held; i++) {
        fds[i] = open_socket(i, 0, true);
        open_ok += fds[i] >= 0;
    }
    /* Taken by the server, not only queued for accept: else the next one may overtake them. */
    for (int64_t until = now_us() + 5000000; server_fds() < before + open_ok && now_us() < until;)
        usleep(10000);
    int closed_early = 0;
    for (int i = 0; i < held; i++) {
        struct pollfd p = {.fd = fds[i], .events = POLLIN | POLLRDHUP};
        if (fds[i] >= 0 && poll(&p, 1, 0) == 1)
            closed_early++;
    }
    atomic_store(&phase, AT_LIMIT);
    /* Connection limit + 1, through the client library. */
    liaison_conn *c = good_connect();
    liaison_set_option(c, LIAISON_OPT_CONNECT_TIMEOUT_MS, "5000");
    int64_t t0 = now_us();
    int rc = liaison_connect(c);
    double lib_ms = (double)(now_us() - t0) / 1000;
    printf("\nmax_connections = %d: %d held open (%d of them closed by the server: expected 0) "
           "beside the well-behaved client.\n",
           opt.limit, open_ok, closed_early);
    const char *status = rc == LIAISON_OK                  ? "ACCEPTED (unexpected)"
                         : rc == LIAISON_UNAVAILABLE       ? "UNAVAILABLE"
                         : rc == LIAISON_DEADLINE_EXCEEDED ? "DEADLINE_EXCEEDED"
                                                           : "another status";
    printf("connection %d through libliaison: %s (%d) after %.1f ms: \"%s\"\n", opt.limit + 1,
           status, rc, lib_ms, rc == LIAISON_OK ? "" : liaison_error(c));
    liaison_free(c);
    /* And raw: a ClientHello, then what comes back. */
    int fd = open_socket(opt.limit, 0, true);
    t0 = now_us();
    const char *seen = "nothing within 5 s";
    if (fd >= 0 && write(fd, client_hello, client_hello_len) == (ssize_t)client_hello_len) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 5000) == 1) {
            uint8_t buf[64];
            ssize_t n = read(fd, buf, sizeof buf);
            seen = n == 0                         ? "closed (EOF), no byte sent"
                   : n < 0 && errno == ECONNRESET ? "reset, no byte sent"
                   : n > 0 && buf[0] == 0x15      ? "a TLS alert"
                   : n > 0                        ? "bytes: ACCEPTED (unexpected)"
                                                  : "error";
        }
    } else {
        seen = "connect failed";
    }
    printf("connection %d raw, after a ClientHello: %s after %.1f ms\n", opt.limit + 2, seen,
           (double)(now_us() - t0) / 1000);
    if (fd >= 0)
        close(fd);
    usleep(2000000); /* the well-behaved client, served at the limit */
    for (int i = 0; i < held; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
    atomic_store(&phase, AFTER);
}

/* The scheduler's account between the marks: cores busy, and run-queue wait a second. */
static void print_cpu(void)
{
    static const char *const name[MARK_END] = {"alone", "while attackers connect",
                                               "all connected, until cut", "after"};
    char cpus[96] = "";
    if (opt.attacker_cpu >= 0 || opt.client_cpu >= 0)
        snprintf(cpus, sizeof cpus, "; attacker loop on CPU %d, well-behaved client on CPU %d",
                 opt.attacker_cpu, opt.client_cpu);
    printf("\nWhere the CPU went (the scheduler's account, /proc/*/schedstat; attacker loop at "
           "nice %d%s):\n\n",
           opt.attacker_nice, cpus);
    printf("| phase | seconds | liaisond: cores busy | liaisond: waiting for a core, ms/s | "
           "attacker loop: cores busy | well-behaved client: cores busy | well-behaved client: "
           "waiting for a core, ms/s |\n|---|---|---|---|---|---|---|\n");
    for (int m = 0; m < MARK_END; m++) {
        double s = (double)(marks[m + 1].at_us - marks[m].at_us) / 1e6;
        if (s <= 0)
            continue;
        const struct sched *a = &marks[m].server, *b = &marks[m + 1].server;
        const struct sched *aa = &marks[m].attacker, *ba = &marks[m + 1].attacker;
        const struct sched *ag = &marks[m].good, *bg = &marks[m + 1].good;
        printf("| %s | %.1f | %.2f | %.0f | %.2f | %.2f | %.1f |\n", name[m], s,
               (double)(b->run_ns - a->run_ns) / 1e9 / s,
               (double)(b->wait_ns - a->wait_ns) / 1e6 / s,
               (double)(ba->run_ns - aa->run_ns) / 1e9 / s,
               (double)(bg->run_ns - ag->run_ns) / 1e9 / s,
               (double)(bg->wait_ns - ag->wait_ns) / 1e6 / s);
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: slowclients --port PORT --ca FILE --pid SERVER_PID [--attackers N] "
                    "[--limit MAX_CONNECTIONS] [--alone S] [--after S] [--max-attack S] "
                    "[--attacker-nice N] [--attacker-cpu N] [--client-cpu N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (!strcmp(argv[i], "--port"))
            opt.port = atoi(v);
        else if (!strcmp(argv[i], "--ca"))
            opt.ca = v;
        else if (!strcmp(argv[i], "--pid"))
            opt.pid = atol(v);
        else if (!strcmp(argv[i], "--attackers"))
            opt.attackers = atoi(v);
        else if (!strcmp(argv[i], "--limit"))
            opt.limit = atoi(v);
        else if (!strcmp(argv[i], "--alone"))
            opt.alone_s = atof(v);
        else if (!strcmp(argv[i], "--after"))
            opt.after_s = atof(v);
        else if (!strcmp(argv[i], "--max-attack"))
            opt.max_attack_s = atof(v);
        else if (!strcmp(argv[i], "--attacker-nice"))
            opt.attacker_nice = atoi(v);
        else if (!strcmp(argv[i], "--attacker-cpu"))
            opt.attacker_cpu = atoi(v);
        else if (!strcmp(argv[i], "--client-cpu"))
            opt.client_cpu = atoi(v);
        else
            usage();
        i++;
    }
    if (!opt.port || !opt.ca || !opt.pid || opt.attackers < 1)
        usage();
    /* Every attacker and the held connections need a descriptor. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rlim_t need = (rlim_t)(opt.attackers > opt.limit ? opt.attackers : opt.limit) + 64;
        if (rl.rlim_cur < need) {
            rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur < need)
            die("RLIMIT_NOFILE", "too low for the attackers: raise it with ulimit -n");
    }
    signal(SIGPIPE, SIG_IGN);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        die("TLS", "no context");
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* Attackers do not care who answers; the well-behaved client verifies. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    static const unsigned char alpn[] = "\x09liaison/1";
    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn - 1);
    prepare_frames(ctx);

    pthread_t good_thread;
    if (pthread_create(&good_thread, NULL, good_main, NULL) != 0)
        die("thread", "cannot start the well-behaved client");
    while (!atomic_load(&good_tid))
        usleep(1000);
    mark(MARK_ALONE);
    usleep((useconds_t)(opt.alone_s * 1e6));
    long rss_base = rss_kb(), rss_peak = rss_base;
    attack(ctx, &rss_peak);
    /* Memory as the server gives it back, a sample a second. */
    char after_trace[1024] = "";
    size_t at = 0;
    for (int sec = 1; sec <= (int)opt.after_s; sec++) {
        usleep(1000000);
        if (at < sizeof after_trace)
            at += (size_t)snprintf(after_trace + at, sizeof after_trace - at, " %.1f",
                                   rss_kb() / 1024.0);
    }
    long rss_after = rss_kb();
    mark(MARK_END);
    at_the_limit();
    usleep(500000);
    atomic_store(&good_stop, true);
    pthread_join(good_thread, NULL);

    printf("\nThe well-behaved client (Ping through libliaison, one in flight, every 2 ms):\n\n");
    printf("| phase | answers | errors | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n");
    double p99[PHASES];
    for (int ph = 0; ph < PHASES; ph++) {
        struct samples *s = &good[ph];
        qsort(s->us, s->n, sizeof *s->us, cmp_u32);
        p99[ph] = pct(s->us, s->n, 0.99);
        printf("| %s | %zu | %ld | %.2f | %.2f | %.2f |\n", phase_name[ph], s->n, s->errors,
               pct(s->us, s->n, 0.50), p99[ph], pct(s->us, s->n, 1.0));
    }
    printf("\np99 under attack vs alone: %+.1f %% (target: at most +20 %%)\n",
           p99[ALONE] > 0 ? 100.0 * (p99[UNDER_ATTACK] - p99[ALONE]) / p99[ALONE] : 0.0);
    printf("server memory (VmRSS): baseline %.1f MiB, peak under attack %.1f MiB (+%.1f), "
           "after %.1f MiB (+%.1f)\n",
           rss_base / 1024.0, rss_peak / 1024.0, (rss_peak - rss_base) / 1024.0, rss_after / 1024.0,
           (rss_after - rss_base) / 1024.0);
    printf("server memory after the attack, MiB, a second apart:%s\n", after_trace);
    print_cpu();
    for (int ph = 0; ph < PHASES; ph++)
        free(good[ph].us);
    free(greedy_pings);
    SSL_CTX_free(ctx);
    return 0;
}
