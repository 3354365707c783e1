/*
 * transport.c - TCP + TLS for the client, with deadlines.
 */
#include "transport.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "frame.h"
#include "liaison.h"
#include "wire.h"

int64_t transport_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline: 1 ready, 0 timed out, -1 error. */
static int transport_wait(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - transport_now_ms();
        if (left < 0)
            left = 0;
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
        if (r > 0)
            return 1;
        if (r == 0) {
            if (transport_now_ms() >= deadline)
                return 0;
            continue;
        }
        if (errno != EINTR)
            return -1;
    }
}

/*
 * Writing to a socket the peer closed raises SIGPIPE, which would end the
 * host program. As libpq does, block it in this thread around our writes
 * and swallow one that we caused. SSL_read writes too (an alert, a
 * KeyUpdate's answer), so reads are guarded as well.
 */
struct sigpipe_guard {
    sigset_t old;
    int was_pending;
};

static void sigpipe_block(struct sigpipe_guard *g)
{
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigpending(&pending);
    g->was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

static void sigpipe_restore(struct sigpipe_guard *g)
{
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigpending(&pending);
    if (!g->was_pending && sigismember(&pending, SIGPIPE)) {
        struct timespec zero = {0, 0};
        sigtimedwait(&set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/*
 * "what: reason", the reason in OpenSSL's words ("certificate verify
 * failed", "no certificate or crl found") rather than its packed code,
 * which says nothing to a user; the code only when it has no words.
 */
static void transport_ssl_error(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "";
    const char *reason = e ? ERR_reason_error_string(e) : NULL;
    if (reason)
        snprintf(buf, sizeof buf, "%s", reason);
    else if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    snprintf(err, errlen, "%s%s%s", what, e ? ": " : "", buf);
}

static int transport_tcp(struct transport *t, const struct transport_opts *o, int64_t deadline,
                         char *err, size_t errlen)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int gai = getaddrinfo(o->host, o->port, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", o->host, gai_strerror(gai));
        return LIAISON_UNAVAILABLE;
    }
    int last = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            last = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
            (errno == EINPROGRESS && transport_wait(fd, POLLOUT, deadline) == 1)) {
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0) {
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof one);
                t->fd = fd;
                freeaddrinfo(res);
                return LIAISON_OK;
            }
            last = soerr ? soerr : ETIMEDOUT;
        } else {
            last = errno == EINPROGRESS ? ETIMEDOUT : errno;
        }
        close(fd);
    }
    freeaddrinfo(res);
    snprintf(err, errlen, "cannot connect to %s:%s: %s", o->host, o->port, strerror(last));
    return last == ETIMEDOUT ? LIAISON_DEADLINE_EXCEEDED : LIAISON_UNAVAILABLE;
}

static int transport_tls(struct transport *t, const struct transport_opts *o, int64_t deadline,
                         char *err, size_t errlen)
{
    ERR_clear_error();
    t->ctx = SSL_CTX_new(TLS_client_method());
    if (!t->ctx) {
        transport_ssl_error(err, errlen, "TLS set-up");
        return LIAISON_INTERNAL;
    }
    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_mode(t->ctx, SSL_MODE_RELEASE_BUFFERS);
    /* OpenSSL's own error for a missing file names a system call, not the file. */
    const char *files[][2] = {{o->ca_file, "CA file"},
                              {o->cert_file, "client certificate"},
                              {o->cert_file ? o->key_file : NULL, "client key"}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        FILE *f = files[i][0] ? fopen(files[i][0], "r") : NULL;
        if (files[i][0] && !f) {
            snprintf(err, errlen, "cannot read the %s %s: %s", files[i][1], files[i][0],
                     strerror(errno));
            return LIAISON_INVALID_ARGUMENT;
        }
        if (f)
            fclose(f);
    }
    int ok = o->ca_file ? SSL_CTX_load_verify_locations(t->ctx, o->ca_file, NULL)
                        : SSL_CTX_set_default_verify_paths(t->ctx);
    char what[PATH_MAX + 64];
    if (ok != 1) {
        if (o->ca_file)
            snprintf(what, sizeof what, "cannot load the CA file %s (PEM certificates expected)",
                     o->ca_file);
        transport_ssl_error(err, errlen, o->ca_file ? what : "cannot load the system's CAs");
        return LIAISON_INVALID_ARGUMENT;
    }
    if (o->cert_file && SSL_CTX_use_certificate_chain_file(t->ctx, o->cert_file) != 1) {
        snprintf(what, sizeof what, "cannot load the client certificate %s", o->cert_file);
        transport_ssl_error(err, errlen, what);
        return LIAISON_INVALID_ARGUMENT;
    }
    const char *key = o->key_file ? o->key_file : o->cert_file;
    if (o->cert_file && SSL_CTX_use_PrivateKey_file(t->ctx, key, SSL_FILETYPE_PEM) != 1) {
        snprintf(what, sizeof what, "cannot load the client key %s", key);
        transport_ssl_error(err, errlen, what);
        return LIAISON_INVALID_ARGUMENT;
    }
    t->ssl = SSL_new(t->ctx);
    if (!t->ssl || SSL_set_fd(t->ssl, t->fd) != 1) {
        transport_ssl_error(err, errlen, "TLS set-up");
        return LIAISON_INTERNAL;
    }
    static const unsigned char alpn[] = "\x09" WIRE_ALPN;
    SSL_set_alpn_protos(t->ssl, alpn, sizeof alpn - 1);
    const char *name = o->server_name ? o->server_name : o->host;
    X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
    if (X509_VERIFY_PARAM_set1_ip_asc(vp, name) != 1) {
        /* Not an IP address: verify it as a DNS name and send it as SNI. */
        if (SSL_set1_host(t->ssl, name) != 1 || SSL_set_tlsext_host_name(t->ssl, name) != 1) {
            transport_ssl_error(err, errlen, "TLS server name");
            return LIAISON_INVALID_ARGUMENT;
        }
    }
    for (;;) {
        ERR_clear_error();
        struct sigpipe_guard g;
        sigpipe_block(&g);
        int r = SSL_connect(t->ssl);
        sigpipe_restore(&g);
        if (r == 1)
            break;
        int e = SSL_get_error(t->ssl, r);
        short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (!ev) {
            long v = SSL_get_verify_result(t->ssl);
            if (v != X509_V_OK)
                snprintf(err, errlen, "server certificate not trusted: %s",
                         X509_verify_cert_error_string(v));
            else if (ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_WRONG_VERSION_NUMBER) {
                /* What OpenSSL reports when the first bytes back are not a TLS
                   record: the address serves something else, most often HTTP. */
                snprintf(err, errlen,
                         "TLS handshake failed: %s:%s answered, but not with TLS (is it "
                         "liaisond's address? a web server or the portal answers so)",
                         o->host, o->port);
            } else
                transport_ssl_error(err, errlen, "TLS handshake failed");
            ERR_clear_error();
            return LIAISON_UNAVAILABLE;
        }
        int w = transport_wait(t->fd, ev, deadline);
        if (w <= 0) {
            snprintf(err, errlen, "TLS handshake %s", w == 0 ? "timed out" : "failed");
            return w == 0 ? LIAISON_DEADLINE_EXCEEDED : LIAISON_UNAVAILABLE;
        }
    }
    const unsigned char *sel;
    unsigned sel_len;
    SSL_get0_alpn_selected(t->ssl, &sel, &sel_len);
    if (sel_len != strlen(WIRE_ALPN) || memcmp(sel, WIRE_ALPN, sel_len) != 0) {
        snprintf(err, errlen, "server did not agree to ALPN %s", WIRE_ALPN);
        return LIAISON_UNAVAILABLE;
    }
    return LIAISON_OK;
}

int transport_open(struct transport *t, const struct transport_opts *o, int64_t deadline, char *err,
                   size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->fd = -1;
    int rc = transport_tcp(t, o, deadline, err, errlen);
    if (rc == LIAISON_OK)
        rc = transport_tls(t, o, deadline, err, errlen);
    if (rc != LIAISON_OK)
        transport_close(t);
    return rc;
}

int transport_write(struct transport *t, const uint8_t *data, size_t len, int64_t deadline,
                    char *err, size_t errlen)
{
    while (len > 0) {
        ERR_clear_error();
        struct sigpipe_guard g;
        sigpipe_block(&g);
        int n = SSL_write(t->ssl, data, len > INT32_MAX ? INT32_MAX : (int)len);
        sigpipe_restore(&g);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
            continue;
        }
        int e = SSL_get_error(t->ssl, n);
        short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (!ev) {
            transport_ssl_error(err, errlen, "connection lost while sending");
            return LIAISON_UNAVAILABLE;
        }
        int w = transport_wait(t->fd, ev, deadline);
        if (w <= 0) {
            snprintf(err, errlen, "sending %s", w == 0 ? "timed out" : "failed");
            return w == 0 ? LIAISON_DEADLINE_EXCEEDED : LIAISON_UNAVAILABLE;
        }
    }
    return LIAISON_OK;
}

/* Makes room for at least want more bytes in rbuf. */
static int transport_reserve(struct transport *t, size_t want)
{
    if (t->rcap - t->rlen >= want)
        return 0;
    size_t cap = t->rcap ? t->rcap : 16384;
    while (cap - t->rlen < want)
        cap *= 2;
    uint8_t *p = realloc(t->rbuf, cap);
    if (!p)
        return -1;
    t->rbuf = p;
    t->rcap = cap;
    return 0;
}

int transport_read_frame(struct transport *t, uint32_t max_body, int64_t deadline,
                         const uint8_t **body, size_t *len, char *err, size_t errlen)
{
    if (t->consumed) {
        memmove(t->rbuf, t->rbuf + t->consumed, t->rlen - t->consumed);
        t->rlen -= t->consumed;
        t->consumed = 0;
    }
    for (;;) {
        size_t consumed;
        enum frame_result fr = frame_parse(t->rbuf, t->rlen, max_body, body, len, &consumed);
        if (fr == FRAME_READY) {
            t->consumed = consumed;
            return LIAISON_OK;
        }
        if (fr == FRAME_TOO_LARGE) {
            snprintf(err, errlen, "server sent a frame of %zu bytes, over the limit", *len);
            return LIAISON_RESOURCE_EXHAUSTED;
        }
        size_t want = 16384;
        if (t->rlen >= FRAME_HEADER_SIZE && *len + FRAME_HEADER_SIZE - t->rlen > want)
            want = *len + FRAME_HEADER_SIZE - t->rlen;
        if (transport_reserve(t, want) < 0) {
            snprintf(err, errlen, "out of memory");
            return LIAISON_RESOURCE_EXHAUSTED;
        }
        ERR_clear_error();
        struct sigpipe_guard g;
        sigpipe_block(&g);
        int n = SSL_read(t->ssl, t->rbuf + t->rlen, (int)(t->rcap - t->rlen));
        sigpipe_restore(&g);
        if (n > 0) {
            t->rlen += (size_t)n;
            continue;
        }
        int e = SSL_get_error(t->ssl, n);
        if (e == SSL_ERROR_ZERO_RETURN) {
            snprintf(err, errlen, "server closed the connection");
            return LIAISON_UNAVAILABLE;
        }
        short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (!ev) {
            transport_ssl_error(err, errlen, "connection lost");
            return LIAISON_UNAVAILABLE;
        }
        int w = transport_wait(t->fd, ev, deadline);
        if (w < 0) {
            snprintf(err, errlen, "connection lost: %s", strerror(errno));
            return LIAISON_UNAVAILABLE;
        }
        if (w == 0) {
            snprintf(err, errlen, "no response in time");
            return LIAISON_DEADLINE_EXCEEDED;
        }
    }
}

int transport_closed_by_peer(struct transport *t)
{
    struct pollfd p = {.fd = t->fd, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0)
        return 0;
    if (transport_reserve(t, 4096) < 0)
        return 1;
    ERR_clear_error();
    struct sigpipe_guard g;
    sigpipe_block(&g);
    int n = SSL_read(t->ssl, t->rbuf + t->rlen, (int)(t->rcap - t->rlen));
    sigpipe_restore(&g);
    if (n > 0) {
        t->rlen += (size_t)n;
        return 0;
    }
    int e = SSL_get_error(t->ssl, n);
    ERR_clear_error();
    return e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE;
}

void transport_close(struct transport *t)
{
    if (t->ssl) {
        ERR_clear_error();
        struct sigpipe_guard g;
        sigpipe_block(&g);
        SSL_shutdown(t->ssl); /* best effort close_notify; no wait */
        sigpipe_restore(&g);
        SSL_free(t->ssl);
    }
    SSL_CTX_free(t->ctx);
    if (t->fd >= 0)
        close(t->fd);
    free(t->rbuf);
    memset(t, 0, sizeof *t);
    t->fd = -1;
}
