/*
 * conn.h - one client connection: TCP from libuv, TLS through OpenSSL
 * memory BIOs, frames through frame_buf, requests handed to dispatch.
 * Owned by its worker's loop; freed in the close callback of its last
 * handle.
 */
#ifndef LIAISON_CONN_H
#define LIAISON_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>
#include <uv.h>

#include "auth.h"
#include "frame.h"
#include "handshake.h"
#include "log.h"
#include "worker.h"

struct worker;
struct request;

enum conn_phase { CONN_HANDSHAKE, CONN_HELLO, CONN_READY };

struct conn {
    uv_tcp_t tcp; /* first: libuv callbacks get this pointer */
    uv_timer_t timer;
    struct worker *w;
    struct conn *prev, *next; /* in the worker's list */
    SSL *ssl;
    BIO *rbio, *wbio;
    struct frame_buf in;
    enum conn_phase phase;
    bool authenticated;
    struct identity who;    /* set by Login or Authenticate */
    bool closing;           /* uv_close called */
    bool close_after_flush; /* say nothing more; close once output is out */
    bool draining;          /* server stopping: finish in-flight, then close */
    bool reading;
    bool trimmed;        /* TLS buffers given back while idle */
    bool flush_listed;   /* on the worker's flush list */
    bool output_watched; /* a stream waits for the output to drain below the stream mark */
    struct conn *flush_next;
    int handles;
    int in_flight;
    struct request *requests;   /* in flight, newest first */
    size_t queued;              /* bytes handed to uv_write, not yet written */
    uint64_t deadline;          /* end of handshake and Hello */
    uint64_t frame_since;       /* when the incomplete frame began; 0: none */
    bool held;                  /* an identity change is in flight: dispatch nothing */
    bool unhold;                /* it ended: go on at the end of this loop iteration */
    uint64_t held_for;          /* the request id of that change */
    struct log_limit log_limit; /* request lines before authentication */
    uint64_t last_activity;
    uint64_t last_progress;
    uint64_t handed;          /* bytes given to the kernel for the socket */
    uint64_t acked;           /* of those, taken by the peer when last looked at */
    bool unacked_watched;     /* the send timeout watches the kernel's queue too */
    uint64_t read_ms;         /* loop time of read_bytes */
    size_t read_bytes;        /* read in that millisecond of loop time */
    bool read_yielded;        /* stopped reading for the others; reads again next iteration */
    bool hs_waiting;          /* a handshake step is with the handshake thread */
    bool out_stalled;         /* not authenticated, too many answers not taken: not read */
    uint64_t stalled_since;   /* when out_stalled was set */
    struct handshake_job hs;  /* that step */
    struct peer_address addr; /* its slot in the per-address count */
    char peer[64];
};

/* Accepts a pending connection on the worker's listener. */
void conn_accept(struct worker *w);

/*
 * Encrypts len bytes (one or more whole frames); they go to the socket
 * with everything else answered in this loop iteration, before the loop
 * sleeps, so that many answers cost one write.
 */
void conn_send(struct conn *c, const uint8_t *data, size_t len);

/*
 * A stream of c waits for its reader: once what c has not yet written is
 * below a quarter of max_pending_output (at the end of this loop iteration
 * at the earliest), dispatch_output_ready() resumes it.
 */
void conn_watch_output(struct conn *c);

/* Sends a connection-level error frame, then closes once it is written. */
void conn_fail(struct conn *c, int code, const char *message);

/* Hello succeeded: the connection is ready for requests. */
void conn_ready(struct conn *c);

/*
 * The request request_id changes who the connection is (Login, Authenticate,
 * Logout) and has been handed to its handler. If it is still in flight, no
 * later frame of c is dispatched, and nothing more is read, until it ends:
 * requests behind it run as the identity it leaves.
 */
void conn_hold(struct conn *c, uint64_t request_id);

/*
 * Whether a request line of c, made before authentication, may be logged
 * now: a few a second, the rest counted and the count logged.
 */
bool conn_log_admit(struct conn *c);

/* A request of this connection finished and has been answered. */
void conn_request_done(struct conn *c);

/* Server is stopping: stop reading, close once in-flight requests are out. */
void conn_drain(struct conn *c);

/* Sends close_notify, then closes once everything queued is written. */
void conn_end(struct conn *c);

/*
 * An idle connection gives back the memory its TLS buffers grew to: with
 * nothing in flight, nothing queued and both memory BIOs empty, the BIOs
 * are freed, and made again when the connection reads or writes. Called
 * by the worker's sweep; returns true when it gave something back.
 */
bool conn_trim(struct conn *c);

/* The worker's handshake thread finished a step of c's (handshake.h). */
void conn_handshake_done(struct handshake_job *job, bool cancelled);

/* Closes at once, dropping anything unsent. */
void conn_close(struct conn *c, const char *reason);

/* Limits that apply to c now (tighter before authentication). */
uint32_t conn_max_frame(const struct conn *c);
int conn_max_in_flight(const struct conn *c);

#endif
