/*
 * dispatch.h - from a frame's bytes to an RPC handler and back.
 *
 * dispatch_frame() decodes a Frame and its payload with a per-request arena
 * (byte budget, UTF-8 and length checks), enforces the connection's phase
 * and in-flight limit, and calls the method's handler. A handler answers
 * exactly once, now or later, with request_reply() or one of the
 * request_fail*() calls; that also logs the request line and frees it.
 */
#ifndef LIAISON_DISPATCH_H
#define LIAISON_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "arena.h"
#include "auth.h"
#include "db.h"
#include "liaison.pb-c.h"

struct conn;
struct worker;

struct request;
typedef void (*rpc_handler)(struct request *r);

/* One row of the method table (methods.h). */
struct rpc_method {
    const char *name;
    rpc_handler handler;
    unsigned who;                          /* AUTHZ_* bits of those who may call it */
    bool read_only;                        /* changes nothing, logs nothing */
    const ProtobufCMethodDescriptor *desc; /* filled by dispatch_init */
};

/* What a request waits for between its handler's steps. */
enum request_wait { WAIT_NONE, WAIT_DB, WAIT_JOB, WAIT_TIMER };

struct request {
    struct request *prev, *next;       /* in the connection's in-flight list */
    struct request *dl_prev, *dl_next; /* in the worker's list, by deadline */
    struct conn *conn;                 /* NULL once the connection is gone */
    struct worker *w;
    const struct rpc_method *method;
    uint64_t id;
    uint64_t started_ns;
    const ProtobufCMessage *input;
    struct arena arena;  /* owns input and everything built for the answer */
    struct db_txn txn;   /* for handlers that go to the database */
    void *state;         /* a handler's own state across steps, in the arena */
    struct identity who; /* the caller, as of the request's arrival */
    uint64_t deadline;   /* loop time (ms) when it is answered whatever happens */
    bool in_deadlines;
    /*
     * Answered at its deadline while a step was still out: the step's
     * callback frees it and the handler is not called again.
     */
    bool answered;
    enum request_wait waits;
    int late_code;            /* the answer at the deadline; 0: DEADLINE_EXCEEDED */
    const char *late_message; /* with late_code */
    db_done_cb txn_done;      /* the handler's, called by dispatch's own */
    auth_password_cb job_done;
    char rid[32]; /* server-wide request id, for logs and the audit log */
    char peer[64];
};

/*
 * Checks that every method of liaison.v1.Liaison has a handler and
 * registers every family's statements. Returns 0 or -1 with err set.
 */
int dispatch_init(char *err, size_t errlen);

/* Writes who may call each RPC as Markdown (liaisond rpc-table). */
void dispatch_print_permissions(FILE *out);

/* Handles one frame body received on c. */
void dispatch_frame(struct conn *c, const uint8_t *body, size_t len);

/* The connection is closing: its requests finish without answering. */
void dispatch_detach(struct conn *c);

/*
 * What handlers may do to the connection a request came on; each does
 * nothing once the connection is gone. Handlers reach the connection only
 * through these.
 */

/* Hello succeeded: the connection takes requests; *max_frame and *max_in_flight are its limits. */
void request_connection_ready(struct request *r, uint32_t *max_frame, uint32_t *max_in_flight);

/* Answers with st, then ends the connection once the answer is out. */
void request_fail_and_close(struct request *r, Liaison__V1__Status *st);

/*
 * The connection now acts as who (Login, Authenticate): requests after this
 * one run as who, with the limits after authentication.
 */
void request_bind_identity(struct request *r, const struct identity *who);

/* The connection forgets who it was (Logout): pre-authentication limits again. */
void request_unbind_identity(struct request *r);

/*
 * True when the connection presented a client certificate from the
 * operator CA; its common name goes to cn.
 */
bool request_operator_certificate(struct request *r, char *cn, size_t cap);

/*
 * Answers OK with out (a message of the method's output type), or
 * RESOURCE_EXHAUSTED when an allocation from the request's arena failed
 * (out may then be missing a part).
 */
void request_reply(struct request *r, const ProtobufCMessage *out);

/* Answers with a non-OK code and a message for the user. */
void request_fail(struct request *r, int code, const char *message);

/* Answers with code, a message and one violation per entry of v. */
void request_fail_violations(struct request *r, int code, const char *message,
                             Liaison__V1__FieldViolation **v, size_t n);

/* Answers with a status the handler built (code, message and any other field). */
void request_fail_status(struct request *r, Liaison__V1__Status *st);

/*
 * True when id is a usable record id (1 to INT64_MAX); otherwise answers
 * INVALID_ARGUMENT on field and returns false.
 */
bool request_check_id(struct request *r, const char *field, uint64_t id);

/* Answers INVALID_ARGUMENT naming one field (its JSON path). */
void request_fail_field(struct request *r, const char *field, const char *description);

/*
 * A printf-formatted string in the request's arena; NULL when out of memory,
 * which request_submit() and request_reply() then refuse.
 */
char *request_printf(struct request *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Calls fn(r) after ms milliseconds on the request's loop. Returns 0, or -1
 * (fn not called) when no timer could be had.
 */
int request_defer(struct request *r, uint64_t ms, void (*fn)(struct request *r));

/*
 * Sets values[from..from+2] of step to the audit columns every change
 * writes: the actor, the request id and the source address.
 */
void request_audit_params(struct request *r, struct db_step *step, int from);

/*
 * Sends r->txn with done as its callback; answers at once if refused, and
 * RESOURCE_EXHAUSTED when an allocation from the request's arena failed
 * (a parameter may then be a NULL the handler did not mean). r->txn.flags
 * may hold DB_TXN_ALONE; the rest is decided here.
 */
void request_submit(struct request *r, db_done_cb done);

/*
 * Hashes (encoded NULL) or verifies password on the thread pool, then calls
 * done(r, ...), like auth_password_job. At most max_password_jobs run or
 * wait per worker: past that, and when memory runs out, it answers
 * RESOURCE_EXHAUSTED itself and done is never called.
 */
void request_password_job(struct request *r, const char *password, const char *encoded,
                          auth_password_cb done);

/* The worker's deadline timer fired: answers every request past its deadline. */
void dispatch_deadlines_due(uv_timer_t *t);

/*
 * When the transaction done with code failed on one of the checks that
 * raise inside it (liaison_check: INVALID_ARGUMENT on the field it names;
 * liaison_found: NOT_FOUND), answers with that check's field and message
 * and returns true. Call only from a done callback, with its code.
 */
bool request_fail_raised(struct request *r, int code);

/*
 * Answers for a database failure: the code from db.h, the detail logged but
 * not shown to the client unless the code says it is the client's doing.
 */
void request_fail_db(struct request *r, int code, const char *detail);

#endif
