/*
 * conn.c - the transport of one client connection.
 *
 * Bytes read from the socket go into the read BIO; SSL_read yields
 * plaintext into the worker's scratch buffer, which frame_buf cuts into
 * frames for dispatch. Output goes through SSL_write into the write BIO and
 * from there straight to the socket with uv_try_write; only what the socket
 * does not take is copied into a uv_write request. A client whose unsent
 * output passes half of max_pending_output is no longer read from; past
 * max_pending_output, or after send_timeout_ms without progress, it is
 * disconnected. The kernel's send buffer, autotuned to megabytes, takes
 * answers before anything is left for the server to queue; bytes there that
 * the peer does not take count for send_timeout_ms too. A stream is
 * produced only while less than a quarter of
 * max_pending_output waits (conn_watch_output), so a slow reader pauses it
 * before either limit.
 *
 * A TLS handshake's steps never run on the loop: the worker's handshake
 * thread takes them at a lower CPU priority (handshake.c), and the
 * connection is neither read nor written meanwhile. The job holds a
 * reference, as a handle does: a connection closed while its step runs is
 * freed when the step comes back.
 */
#include "conn.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <openssl/err.h>

#include "dispatch.h"
#include "liaison.pb-c.h"
#include "metrics.h"
#include "log.h"
#include "tls.h"
#include "wire.h"
#include "worker.h"

struct conn_write {
    uv_write_t req;
    struct conn *conn;
    size_t len;
    char data[];
};

static void conn_arm_timer(struct conn *c);
static void conn_pump(struct conn *c);
static void conn_records(struct conn *c);
static void conn_schedule(struct conn *c);
static void conn_flush_cb(uv_prepare_t *h);
static void conn_unlist(struct conn *c);
static void conn_unhold(struct conn *c);

/* Request lines a second of a connection not yet authenticated. */
#define CONN_PREAUTH_LOG_PER_S 10

/*
 * Bytes one connection may read in a millisecond of loop time before it
 * lets the others go first: libuv reads a readable socket up to 32 times in
 * one iteration, and a client that sends without pause would otherwise have
 * the loop decrypt and answer megabytes before anyone else is read.
 */
#define CONN_READ_SHARE (256u << 10)

/*
 * Before authentication a client gets small answers (Hello, Ping, Login):
 * one that has left this much of them not taken, in the server's queue and
 * the kernel's send buffer together, is not reading, and is read no more
 * until it takes them (looked at every CONN_STALL_CHECK_MS). Without this
 * the kernel's send buffer, autotuned to megabytes, would have the server
 * decrypt and answer megabytes from an anonymous client before
 * max_pending_output applied; send_timeout_ms still cuts it off.
 */
#define CONN_PREAUTH_UNTAKEN (64u << 10)
#define CONN_STALL_CHECK_MS 50

uint32_t conn_max_frame(const struct conn *c)
{
    return (uint32_t)(c->authenticated ? c->w->cfg->max_frame_bytes
                                       : c->w->cfg->preauth_max_frame_bytes);
}

int conn_max_in_flight(const struct conn *c)
{
    return c->authenticated ? c->w->cfg->max_in_flight : c->w->cfg->preauth_max_in_flight;
}

/*
 * An idle connection holds no memory BIOs (conn_trim); this gives it a new
 * pair before TLS is used again. Returns false, the connection closed, when
 * memory ran out.
 */
static bool conn_bios(struct conn *c)
{
    if (c->rbio)
        return true;
    if (tls_attach_bios(c->ssl, &c->rbio, &c->wbio) == 0)
        return true;
    conn_close(c, "out of memory");
    return false;
}

/* Drops one of c's references (its handles and a handshake job); the last frees it. */
static void conn_unref(struct conn *c)
{
    if (--c->handles > 0)
        return;
    struct worker *w = c->w;
    /* Only an admitted connection has a TLS session, and was counted in a phase. */
    if (c->ssl)
        metrics_conn_gone((int)c->phase);
    SSL_free(c->ssl);
    frame_buf_reset(&c->in);
    free(c);
    worker_conn_gone(w);
}

static void conn_handle_closed(uv_handle_t *h)
{
    conn_unref(h->data);
}

/*
 * Takes back a handshake step the thread has not started: c will say no
 * more. One running comes back to conn_handshake_done.
 */
static void conn_hs_cancel(struct conn *c)
{
    if (c->hs_waiting && handshake_cancel(&c->w->hs, &c->hs)) {
        c->hs_waiting = false;
        c->handles--;
    }
}

void conn_close(struct conn *c, const char *reason)
{
    if (c->closing)
        return;
    c->closing = true;
    if (c->flush_listed)
        conn_unlist(c);
    conn_hs_cancel(c);
    log_event(LOG_DEBUG, "connection closed", "peer=%s reason=\"%s\"", c->peer, reason);
    log_limit_flush(&c->log_limit, "request lines suppressed", c->peer);
    dispatch_detach(c);
    if (c->prev)
        c->prev->next = c->next;
    else
        c->w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    worker_conn_release(&c->addr);
    uv_close((uv_handle_t *)&c->tcp, conn_handle_closed);
    uv_close((uv_handle_t *)&c->timer, conn_handle_closed);
}

static void conn_pause(struct conn *c)
{
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
    }
}

static void conn_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct conn *c = h->data;
    buf->base = c->w->netbuf;
    buf->len = sizeof c->w->netbuf;
}

static void conn_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = s->data;
    if (c->closing)
        return;
    if (nread < 0) {
        conn_close(c, nread == UV_EOF ? "peer closed" : uv_strerror((int)nread));
        return;
    }
    if (nread == 0)
        return;
    uint64_t now = uv_now(&c->w->loop);
    c->last_activity = now;
    c->trimmed = false;
    if (c->read_ms != now) {
        c->read_ms = now;
        c->read_bytes = 0;
    }
    c->read_bytes += (size_t)nread;
    if (c->read_bytes >= CONN_READ_SHARE) {
        conn_pause(c);
        c->read_yielded = true;
        conn_schedule(c);
    }
    if (!conn_bios(c))
        return;
    if (BIO_write(c->rbio, buf->base, (int)nread) != (int)nread) {
        conn_close(c, "out of memory");
        return;
    }
    conn_pump(c);
}

/*
 * Reads again, unless something says not to yet. Frames kept by a stopped
 * feed, and an identity change whose end conn_unhold has not handled, come
 * before any new bytes: feeding them first would mix the frames up.
 */
static void conn_resume(struct conn *c)
{
    if (c->reading || c->closing || c->close_after_flush || c->draining || c->held || c->unhold ||
        c->in.stopped || c->out_stalled || c->hs_waiting)
        return;
    if (uv_read_start((uv_stream_t *)&c->tcp, conn_alloc_cb, conn_read_cb) == 0)
        c->reading = true;
}

/* Below the stream mark: a stream waiting for its reader may produce again. */
static bool conn_output_low(const struct conn *c)
{
    size_t pending = c->queued + (c->wbio ? BIO_ctrl_pending(c->wbio) : 0);
    return pending < (size_t)c->w->cfg->max_pending_output / 4;
}

/*
 * Bytes handed to the socket went straight into the kernel's send buffer:
 * from now on the send timeout also watches whether the peer takes them.
 * Called after c->handed counts the just_handed bytes; what was handed
 * before them had all been taken (the watch stops only then), which is the
 * mark the first look measures progress from.
 */
static void conn_watch_unacked(struct conn *c, size_t just_handed)
{
    if (c->unacked_watched)
        return;
    c->acked = c->handed - just_handed;
    c->unacked_watched = true;
    c->last_progress = uv_now(&c->w->loop);
    conn_arm_timer(c);
}

/*
 * Bytes of c's answers in the kernel's send buffer that the peer has not
 * acknowledged (SIOCOUTQ); 0 as well when the socket cannot be asked.
 */
static size_t conn_kernel_unacked(struct conn *c)
{
    uv_os_fd_t fd;
    int unacked = 0;
    if (uv_fileno((uv_handle_t *)&c->tcp, &fd) != 0 || ioctl(fd, SIOCOUTQ, &unacked) != 0 ||
        unacked <= 0)
        return 0;
    return (size_t)unacked;
}

/* Before authentication: whether c's answers not taken pass CONN_PREAUTH_UNTAKEN. */
static bool conn_preauth_untaken(struct conn *c, size_t limit)
{
    return !c->authenticated && c->handed + c->queued > limit &&
           c->queued + conn_kernel_unacked(c) > limit;
}

/*
 * Whether the peer took bytes from the kernel's send buffer since the last
 * look (SIOCOUTQ: bytes it has not acknowledged); stops watching once it
 * has taken everything. A socket that cannot be asked counts as taking.
 */
static bool conn_peer_took(struct conn *c)
{
    size_t unacked = conn_kernel_unacked(c);
    if (unacked == 0) {
        c->acked = c->handed;
        c->unacked_watched = false;
        return true;
    }
    uint64_t acked = c->handed - (uint64_t)unacked;
    bool took = acked > c->acked;
    c->acked = acked;
    return took;
}

static void conn_write_cb(uv_write_t *req, int status)
{
    struct conn_write *wr = (struct conn_write *)req;
    struct conn *c = wr->conn;
    size_t len = wr->len;
    c->queued -= len;
    if (status >= 0)
        c->handed += len;
    free(wr);
    if (c->closing)
        return;
    if (status < 0) {
        conn_close(c, uv_strerror(status));
        return;
    }
    c->last_progress = uv_now(&c->w->loop);
    conn_watch_unacked(c, len);
    if (c->queued == 0 && c->close_after_flush) {
        conn_close(c, "closed after final frame");
        return;
    }
    if (c->queued < (size_t)c->w->cfg->max_pending_output / 4)
        conn_resume(c);
    /* Resumed from the flusher, not from inside libuv's write completion. */
    if (c->output_watched && conn_output_low(c))
        conn_schedule(c);
}

/* Queues n bytes at p for the socket, copying them. Returns 0 or -1. */
static int conn_queue(struct conn *c, const char *p, size_t n)
{
    struct conn_write *wr = malloc(sizeof *wr + n);
    if (!wr)
        return -1;
    memcpy(wr->data, p, n);
    wr->conn = c;
    wr->len = n;
    uv_buf_t b = uv_buf_init(wr->data, (unsigned)n);
    if (uv_write(&wr->req, (uv_stream_t *)&c->tcp, &b, 1, conn_write_cb) != 0) {
        free(wr);
        return -1;
    }
    if (c->queued == 0) {
        c->last_progress = uv_now(&c->w->loop);
        c->queued = n;
        conn_arm_timer(c);
    } else {
        c->queued += n;
    }
    return 0;
}

/* Moves everything in the write BIO to the socket. */
static void conn_flush(struct conn *c)
{
    /* The handshake thread owns the BIOs until its step comes back. */
    if (c->hs_waiting)
        return;
    size_t pending;
    while (!c->closing && c->wbio && (pending = BIO_ctrl_pending(c->wbio)) > 0) {
        size_t take = pending < sizeof c->w->txbuf ? pending : sizeof c->w->txbuf;
        int n = BIO_read(c->wbio, c->w->txbuf, (int)take);
        if (n <= 0) {
            conn_close(c, "TLS buffer error");
            return;
        }
        size_t off = 0;
        if (c->queued == 0) {
            uv_buf_t b = uv_buf_init(c->w->txbuf, (unsigned)n);
            int wr = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
            if (wr < 0 && wr != UV_EAGAIN) {
                conn_close(c, uv_strerror(wr));
                return;
            }
            off = wr > 0 ? (size_t)wr : 0;
            c->handed += off;
            if (off > 0)
                conn_watch_unacked(c, off);
        }
        if (off < (size_t)n && conn_queue(c, c->w->txbuf + off, (size_t)n - off) < 0) {
            conn_close(c, "cannot queue output");
            return;
        }
    }
    if (c->closing)
        return;
    size_t cap = (size_t)c->w->cfg->max_pending_output;
    if (c->queued > cap) {
        log_event(LOG_WARN, "client not reading, disconnected",
                  "peer=%s queued=%zu reason=\"output limit\"", c->peer, c->queued);
        conn_close(c, "output limit");
        return;
    }
    if (c->queued > cap / 2)
        conn_pause(c);
    if (c->reading && conn_preauth_untaken(c, CONN_PREAUTH_UNTAKEN)) {
        log_event(LOG_DEBUG, "connection not read",
                  "peer=%s reason=\"answers not taken before authentication\"", c->peer);
        c->out_stalled = true;
        c->stalled_since = uv_now(&c->w->loop);
        conn_pause(c);
        conn_arm_timer(c);
    }
    if (c->close_after_flush && c->queued == 0)
        conn_close(c, "closed after final frame");
}

/* Encrypts into the write BIO; returns false when the connection closed. */
static bool conn_encrypt(struct conn *c, const uint8_t *data, size_t len)
{
    if (c->closing || !conn_bios(c))
        return false;
    while (len > 0) {
        ERR_clear_error();
        int n = SSL_write(c->ssl, data, len > (size_t)INT32_MAX ? INT32_MAX : (int)len);
        if (n <= 0) {
            conn_close(c, "TLS write failed");
            return false;
        }
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* Has conn_flush_cb look at c at the end of this loop iteration. */
static void conn_schedule(struct conn *c)
{
    if (c->flush_listed)
        return;
    struct worker *w = c->w;
    if (!w->flush_list)
        uv_prepare_start(&w->flusher, conn_flush_cb);
    c->flush_listed = true;
    c->flush_next = w->flush_list;
    w->flush_list = c;
}

void conn_send(struct conn *c, const uint8_t *data, size_t len)
{
    if (conn_encrypt(c, data, len))
        conn_schedule(c);
}

static void conn_no_sleep_cb(uv_idle_t *h)
{
    uv_idle_stop(h);
}

/* Writes out what conn_send() left for the end of the loop iteration. */
static void conn_flush_cb(uv_prepare_t *h)
{
    struct worker *w = h->data;
    while (w->flush_list) {
        struct conn *c = w->flush_list;
        w->flush_list = c->flush_next;
        c->flush_listed = false;
        c->flush_next = NULL;
        if (c->unhold) {
            conn_unhold(c);
            /* Prepare callbacks started from here run after the poll, not before it. */
            uv_idle_start(&w->no_sleep, conn_no_sleep_cb);
        }
        conn_flush(c);
        if (c->read_yielded) {
            c->read_yielded = false;
            if (c->queued <= (size_t)w->cfg->max_pending_output / 2)
                conn_resume(c);
        }
        if (c->output_watched && !c->closing && !c->close_after_flush && conn_output_low(c)) {
            c->output_watched = false;
            dispatch_output_ready(c);
        }
    }
    uv_prepare_stop(&w->flusher);
}

static void conn_unlist(struct conn *c)
{
    struct conn **p = &c->w->flush_list;
    while (*p && *p != c)
        p = &(*p)->flush_next;
    if (*p)
        *p = c->flush_next;
    c->flush_listed = false;
    c->flush_next = NULL;
}

void conn_watch_output(struct conn *c)
{
    c->output_watched = true;
    conn_schedule(c);
}

void conn_fail(struct conn *c, int code, const char *message)
{
    if (c->closing || c->close_after_flush)
        return;
    log_event(LOG_INFO, "connection error", "peer=%s code=%s reason=\"%s\"", c->peer,
              wire_code_name(code), message);
    Liaison__V1__Status st = LIAISON__V1__STATUS__INIT;
    st.code = (Liaison__V1__Code)code;
    st.message = (char *)message;
    Liaison__V1__Frame f = LIAISON__V1__FRAME__INIT;
    f.status = &st;
    uint8_t buf[FRAME_HEADER_SIZE + 512];
    size_t n = protobuf_c_message_get_packed_size(&f.base);
    if (n <= sizeof buf - FRAME_HEADER_SIZE) {
        frame_put_header(buf, (uint32_t)n);
        protobuf_c_message_pack(&f.base, buf + FRAME_HEADER_SIZE);
        if (conn_encrypt(c, buf, FRAME_HEADER_SIZE + n))
            conn_flush(c);
    }
    if (c->closing)
        return;
    c->close_after_flush = true;
    conn_pause(c);
    if (c->queued == 0)
        conn_close(c, message);
}

void conn_end(struct conn *c)
{
    if (c->closing)
        return;
    if (!conn_bios(c))
        return;
    if (c->phase != CONN_HANDSHAKE) {
        ERR_clear_error();
        SSL_shutdown(c->ssl);
    }
    conn_hs_cancel(c);
    c->close_after_flush = true;
    conn_pause(c);
    conn_flush(c);
    if (!c->closing && c->queued == 0)
        conn_close(c, "shutdown");
}

static int conn_on_frame(void *arg, const uint8_t *body, size_t len)
{
    struct conn *c = arg;
    c->frame_since = 0;
    dispatch_frame(c, body, len);
    return c->closing || c->close_after_flush || c->held ? 1 : 0;
}

/*
 * Has c's incomplete frames draw on the share that applies now: before
 * authentication a smaller one, so anonymous connections cannot take the
 * room authenticated ones need. Login, Authenticate and Logout change it
 * from their handlers, while the feed is stopped or between reads; what the
 * buffer holds then moves with it.
 */
static void conn_frame_share(struct conn *c)
{
    struct frame_budget *b = c->authenticated ? &c->w->frames : &c->w->preauth_frames;
    if (c->in.budget != b)
        frame_buf_rebudget(&c->in, b);
}

/*
 * Starts the clock of an incomplete frame, or stops it when there is none.
 * A TLS record not yet whole is part of a frame too: it sits in the read BIO
 * or, partly read, inside OpenSSL, where the frame buffer never sees it.
 * Bytes kept while a callback stopped the feed are not late: they wait for
 * us.
 */
static void conn_frame_clock(struct conn *c)
{
    bool incomplete =
        !c->in.stopped &&
        (c->in.len > 0 || (c->rbio && BIO_ctrl_pending(c->rbio) > 0) || SSL_has_pending(c->ssl));
    if (!incomplete) {
        c->frame_since = 0;
    } else if (!c->frame_since) {
        c->frame_since = uv_now(&c->w->loop);
        conn_arm_timer(c);
    }
}

/*
 * Acts on what frame_buf_feed or frame_buf_resume returned and starts the
 * clock of a frame left incomplete. Returns false when the connection is
 * failing.
 */
static bool conn_fed(struct conn *c, int r, size_t declared)
{
    if (r == FRAME_TOO_LARGE) {
        char msg[128];
        snprintf(msg, sizeof msg, "frame of %zu bytes exceeds the limit of %u bytes", declared,
                 conn_max_frame(c));
        conn_fail(c, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, msg);
        return false;
    }
    if (r == FRAME_OVER_BUDGET) {
        conn_fail(c, LIAISON__V1__CODE__RESOURCE_EXHAUSTED,
                  "the server holds too many incomplete frames; try again later");
        return false;
    }
    if (r == FRAME_NO_MEMORY) {
        conn_close(c, "out of memory");
        return false;
    }
    if (r == FRAME_STOPPED) {
        conn_close(c, "read while frames were held");
        return false;
    }
    conn_frame_clock(c);
    return !c->closing && !c->close_after_flush;
}

void conn_handshake_done(struct handshake_job *job, bool cancelled)
{
    struct conn *c = (struct conn *)((char *)job - offsetof(struct conn, hs));
    c->hs_waiting = false;
    char *why = job->why;
    job->why = NULL;
    if (cancelled)
        conn_close(c, "server stopping");
    if (c->closing) {
        free(why);
        conn_unref(c);
        return;
    }
    /* Still open: its handles hold it, this cannot be the last reference. */
    c->handles--;
    if (job->result == 1) {
        c->phase = CONN_HELLO;
        metrics_conn_phase(METRICS_HANDSHAKE, METRICS_HELLO);
        metrics_tls_handshake(true);
    } else if (job->result < 0) {
        /*
         * A few junk bytes and a close fail a handshake, 6,000 times a second from one
         * client loop (an attack try-out: 9 MB of log in 10 s): CONN_PREAUTH_LOG_PER_S
         * lines a second per worker, the rest counted.
         */
        if (log_limit_admit(&c->w->handshake_log, uv_now(&c->w->loop), CONN_PREAUTH_LOG_PER_S,
                            "TLS handshake failures suppressed", NULL))
            log_event(LOG_INFO, "TLS handshake failed", "peer=%s reason=\"%s\"", c->peer,
                      why ? why : "out of memory for the reason");
        metrics_tls_handshake(false);
        /* Let the alert OpenSSL wrote go out, then close. */
        c->close_after_flush = true;
        conn_pause(c);
    }
    free(why);
    conn_flush(c);
    /* The Hello may have come with the handshake's last bytes. */
    if (!c->closing && !c->close_after_flush && c->phase != CONN_HANDSHAKE)
        conn_records(c);
    if (!c->closing && c->queued <= (size_t)c->w->cfg->max_pending_output / 2)
        conn_resume(c);
}

/* Runs TLS over whatever the read BIO holds and dispatches whole frames. */
static void conn_pump(struct conn *c)
{
    if (c->phase != CONN_HANDSHAKE) {
        conn_records(c);
        return;
    }
    if (c->hs_waiting)
        return;
    /* Not read meanwhile: what it sends waits in the kernel, not in the read BIO. */
    conn_pause(c);
    c->hs_waiting = true;
    c->handles++;
    c->hs.ssl = c->ssl;
    handshake_submit(&c->w->hs, &c->hs);
}

/* After the handshake: SSL_read what the read BIO holds, dispatching whole frames. */
static void conn_records(struct conn *c)
{
    while (!c->closing && !c->close_after_flush && !c->held) {
        ERR_clear_error();
        int n = SSL_read(c->ssl, c->w->plainbuf, sizeof c->w->plainbuf);
        if (n <= 0) {
            int e = SSL_get_error(c->ssl, n);
            if (e == SSL_ERROR_WANT_READ)
                break;
            conn_close(c, e == SSL_ERROR_ZERO_RETURN ? "peer sent close_notify" : "TLS error");
            return;
        }
        size_t declared = 0;
        conn_frame_share(c);
        int r = frame_buf_feed(&c->in, (const uint8_t *)c->w->plainbuf, (size_t)n,
                               conn_max_frame(c), conn_on_frame, c, &declared);
        if (!conn_fed(c, r, declared))
            return;
    }
    if (!c->closing)
        conn_frame_clock(c);
    conn_flush(c);
}

/* Picks the nearest deadline that applies and closes when one has passed. */
static void conn_timer_cb(uv_timer_t *t)
{
    struct conn *c = t->data;
    if (c->closing)
        return;
    const struct config *cfg = c->w->cfg;
    uint64_t now = uv_now(&c->w->loop);
    if (c->out_stalled && !conn_preauth_untaken(c, CONN_PREAUTH_UNTAKEN / 2)) {
        c->out_stalled = false;
        /* The frame it was sending waited for the server, not for the client. */
        if (c->frame_since)
            c->frame_since += now - c->stalled_since;
        if (c->queued <= (size_t)cfg->max_pending_output / 2)
            conn_resume(c);
    }
    /* However little it takes, it must take enough to be read again within the send timeout. */
    if (c->out_stalled && now - c->stalled_since >= (uint64_t)cfg->send_timeout_ms) {
        log_event(LOG_WARN, "client not reading, disconnected",
                  "peer=%s queued=%zu reason=\"send timeout\"", c->peer, c->queued);
        conn_close(c, "send timeout");
        return;
    }
    if (c->phase != CONN_READY && now >= c->deadline) {
        conn_close(c, c->phase == CONN_HANDSHAKE ? "TLS handshake timeout" : "Hello timeout");
        return;
    }
    if (c->frame_since && !c->held && !c->out_stalled &&
        now - c->frame_since >= (uint64_t)cfg->frame_timeout_s * 1000) {
        char msg[96];
        snprintf(msg, sizeof msg, "frame not complete within %d s of its first byte",
                 cfg->frame_timeout_s);
        c->frame_since = 0;
        conn_fail(c, LIAISON__V1__CODE__DEADLINE_EXCEEDED, msg);
        /* A client that does not read never takes that answer: its send timeout still runs. */
        if (!c->closing)
            conn_arm_timer(c);
        return;
    }
    if ((c->queued > 0 || c->unacked_watched) &&
        now - c->last_progress >= (uint64_t)cfg->send_timeout_ms && conn_peer_took(c))
        c->last_progress = now;
    if ((c->queued > 0 || c->unacked_watched) &&
        now - c->last_progress >= (uint64_t)cfg->send_timeout_ms) {
        log_event(LOG_WARN, "client not reading, disconnected",
                  "peer=%s queued=%zu reason=\"send timeout\"", c->peer, c->queued);
        conn_close(c, "send timeout");
        return;
    }
    if (c->in_flight == 0 && c->queued == 0 && !c->out_stalled &&
        now - c->last_activity >= (uint64_t)cfg->idle_timeout_ms) {
        conn_close(c, "idle timeout");
        return;
    }
    conn_arm_timer(c);
}

static void conn_arm_timer(struct conn *c)
{
    const struct config *cfg = c->w->cfg;
    uint64_t now = uv_now(&c->w->loop);
    uint64_t due = c->last_activity + (uint64_t)cfg->idle_timeout_ms;
    if (c->phase != CONN_READY && c->deadline < due)
        due = c->deadline;
    if ((c->queued > 0 || c->unacked_watched) &&
        c->last_progress + (uint64_t)cfg->send_timeout_ms < due)
        due = c->last_progress + (uint64_t)cfg->send_timeout_ms;
    if (c->frame_since && c->frame_since + (uint64_t)cfg->frame_timeout_s * 1000 < due)
        due = c->frame_since + (uint64_t)cfg->frame_timeout_s * 1000;
    if (c->out_stalled && now + CONN_STALL_CHECK_MS < due)
        due = now + CONN_STALL_CHECK_MS;
    uv_timer_start(&c->timer, conn_timer_cb, due > now ? due - now : 1, 0);
}

bool conn_trim(struct conn *c)
{
    if (c->closing || c->trimmed || !c->rbio || c->hs_waiting || c->in_flight || c->queued ||
        c->in.len || BIO_ctrl_pending(c->rbio) || BIO_ctrl_pending(c->wbio))
        return false;
    /* Frees the pair; conn_bios() makes a new one when there is work again. */
    SSL_set_bio(c->ssl, NULL, NULL);
    c->rbio = c->wbio = NULL;
    c->trimmed = true;
    return true;
}

void conn_ready(struct conn *c)
{
    c->phase = CONN_READY;
    metrics_conn_phase(METRICS_HELLO, METRICS_READY);
    conn_arm_timer(c);
}

void conn_hold(struct conn *c, uint64_t request_id)
{
    if (c->closing)
        return;
    for (const struct request *r = c->requests; r; r = r->next) {
        if (r->id == request_id) {
            c->held = true;
            c->held_for = request_id;
            conn_pause(c);
            return;
        }
    }
}

/*
 * The identity change is over: dispatches the frames kept meanwhile, then
 * whatever TLS still holds, then reads again. Runs from conn_flush_cb, not
 * from inside the request's completion.
 */
static void conn_unhold(struct conn *c)
{
    c->unhold = false;
    if (c->closing || c->close_after_flush || c->draining || c->held || !conn_bios(c))
        return;
    size_t declared = 0;
    conn_frame_share(c);
    int r = frame_buf_resume(&c->in, conn_max_frame(c), conn_on_frame, c, &declared);
    if (!conn_fed(c, r, declared) || c->held)
        return;
    conn_pump(c);
    if (!c->closing && !c->held && c->queued <= (size_t)c->w->cfg->max_pending_output / 2)
        conn_resume(c);
}

bool conn_log_admit(struct conn *c)
{
    return log_limit_admit(&c->log_limit, uv_now(&c->w->loop), CONN_PREAUTH_LOG_PER_S,
                           "request lines suppressed", c->peer);
}

void conn_request_done(struct conn *c)
{
    c->in_flight--;
    c->last_activity = uv_now(&c->w->loop);
    if (c->held) {
        bool ended = true;
        for (const struct request *r = c->requests; r && ended; r = r->next)
            ended = r->id != c->held_for;
        if (ended) {
            c->held = false;
            c->unhold = true;
            conn_schedule(c);
        }
    }
    if (c->draining && c->in_flight == 0)
        conn_end(c);
}

void conn_drain(struct conn *c)
{
    c->draining = true;
    conn_pause(c);
    if (c->in_flight == 0)
        conn_end(c);
}

/* Sets c's address, and its name for the log, from the socket's peer. */
static void conn_name_peer(struct conn *c)
{
    struct sockaddr_storage ss;
    int sslen = sizeof ss;
    snprintf(c->peer, sizeof c->peer, "?");
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &sslen) != 0)
        return;
    char ip[48];
    if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
        c->addr.family = AF_INET6;
        memcpy(c->addr.bytes, &a->sin6_addr, 16);
        uv_ip6_name(a, ip, sizeof ip);
        snprintf(c->peer, sizeof c->peer, "[%s]:%u", ip, ntohs(a->sin6_port));
    } else if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
        c->addr.family = AF_INET;
        memcpy(c->addr.bytes, &a->sin_addr, 4);
        uv_ip4_name(a, ip, sizeof ip);
        snprintf(c->peer, sizeof c->peer, "%s:%u", ip, ntohs(a->sin_port));
    }
}

/*
 * Logs a connection refused at accept: at most one line a second per
 * worker, so that a flood of refusals does not become a flood of log lines;
 * the line counts those left out since the one before.
 */
static void conn_log_refusal(struct conn *c, enum worker_admission why)
{
    struct worker *w = c->w;
    uint64_t now = uv_now(&w->loop);
    if (w->refusal_logged && now - w->refusal_logged < 1000) {
        w->refusals_suppressed++;
        return;
    }
    const char *reason = why == WORKER_ADDRESS_FULL ? "connections from this address at the limit"
                         : why == WORKER_NO_MEMORY  ? "out of memory"
                         : w->draining              ? "draining"
                                                    : "connection limit";
    int limit =
        why == WORKER_ADDRESS_FULL ? w->cfg->max_connections_per_address : w->cfg->max_connections;
    log_event(LOG_WARN, "connection refused", "peer=%s reason=\"%s\" limit=%d suppressed=%lu",
              c->peer, reason, limit, w->refusals_suppressed);
    w->refusal_logged = now;
    w->refusals_suppressed = 0;
}

void conn_accept(struct worker *w)
{
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        log_event(LOG_ERROR, "out of memory accepting a connection", NULL);
        return;
    }
    c->w = w;
    c->in.budget = &w->preauth_frames;
    c->tcp.data = c;
    c->timer.data = c;
    if (uv_tcp_init(&w->loop, &c->tcp) != 0) {
        free(c);
        return;
    }
    c->handles = 1;
    c->closing = true; /* until fully set up, a close is just a close */
    if (uv_accept((uv_stream_t *)&w->listener, (uv_stream_t *)&c->tcp) != 0 ||
        uv_timer_init(&w->loop, &c->timer) != 0) {
        uv_close((uv_handle_t *)&c->tcp, conn_handle_closed);
        return;
    }
    c->handles = 2;
    conn_name_peer(c);
    enum worker_admission a = w->draining ? WORKER_FULL
                                          : worker_conn_admit(&c->addr, w->cfg->max_connections,
                                                              w->cfg->max_connections_per_address);
    if (a == WORKER_ADMITTED) {
        c->ssl = tls_new_session(&c->rbio, &c->wbio);
        if (!c->ssl) {
            worker_conn_release(&c->addr);
            log_event(LOG_WARN, "connection refused", "peer=%s reason=\"TLS unavailable\"",
                      c->peer);
        }
    } else {
        conn_log_refusal(c, a);
        metrics_conn_refused();
    }
    if (!c->ssl) {
        uv_close((uv_handle_t *)&c->tcp, conn_handle_closed);
        uv_close((uv_handle_t *)&c->timer, conn_handle_closed);
        return;
    }
    c->closing = false;
    c->next = w->conns;
    if (w->conns)
        w->conns->prev = c;
    w->conns = c;
    uv_tcp_nodelay(&c->tcp, 1);
    uint64_t now = uv_now(&w->loop);
    c->last_activity = now;
    c->deadline = now + (uint64_t)w->cfg->handshake_timeout_ms;
    c->phase = CONN_HANDSHAKE;
    metrics_conn_phase(-1, METRICS_HANDSHAKE);
    conn_arm_timer(c);
    conn_resume(c);
    if (!c->reading)
        conn_close(c, "cannot read");
}
