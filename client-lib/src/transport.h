/*
 * transport.h - the client's connection: TCP with deadlines, TLS with
 * certificate and host-name verification, and frames in and out. Blocking
 * with deadlines: the socket is non-blocking and every wait is a poll().
 */
#ifndef LIAISON_TRANSPORT_H
#define LIAISON_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>

struct transport_opts {
    const char *host;
    const char *port;
    const char *server_name; /* verified against the certificate */
    const char *ca_file;
    const char *cert_file;
    const char *key_file;
};

struct transport {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    uint8_t *rbuf; /* plaintext received, not yet consumed */
    size_t rlen, rcap;
    size_t consumed; /* bytes of rbuf taken by the frame last returned */
};

/* Milliseconds on a monotonic clock. */
int64_t transport_now_ms(void);

/*
 * Connects and completes TLS by deadline. Returns a liaison_code with err
 * set on failure; the transport is closed again on failure.
 */
int transport_open(struct transport *t, const struct transport_opts *o, int64_t deadline, char *err,
                   size_t errlen);

/* Writes all of data by deadline. */
int transport_write(struct transport *t, const uint8_t *data, size_t len, int64_t deadline,
                    char *err, size_t errlen);

/*
 * Returns the next frame's body (valid until the next call) by deadline.
 * A deadline in the past means: only what can be had without waiting.
 * LIAISON_DEADLINE_EXCEEDED when no whole frame arrived in time.
 */
int transport_read_frame(struct transport *t, uint32_t max_body, int64_t deadline,
                         const uint8_t **body, size_t *len, char *err, size_t errlen);

/* True when the peer has closed (checked without waiting). */
int transport_closed_by_peer(struct transport *t);

/* Closes the connection and frees its buffers; safe to call twice. */
void transport_close(struct transport *t);

#endif
