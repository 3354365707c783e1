/*
 * request.c - the life of a request and what handlers may do with it:
 * answer, fail, go to the database, wait, hash a password, act on the
 * connection. dispatch.c creates requests and calls handlers.
 */
#include "request.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "conn.h"
#include "credential.h"
#include "dispatch.h"
#include "frame.h"
#include "geo.h"
#include "idempotency.h"
#include "log.h"
#include "metrics.h"
#include "replica.h"
#include "tls.h"
#include "wire.h"
#include "worker.h"

const char *request_method_name(const struct request *r)
{
    return r->method ? r->method->name : "unknown";
}

/* The tenant a log line names: the caller's, else the one an operator acts on, else "-". */
static const char *request_log_tenant(const struct request *r)
{
    if (r->who.tenant_slug[0])
        return r->who.tenant_slug;
    return r->log_tenant && r->log_tenant[0] ? r->log_tenant : "-";
}

const char *request_source(const struct request *r, int *len)
{
    if (r->source[0]) {
        *len = (int)strlen(r->source);
        return r->source;
    }
    const char *colon = strrchr(r->peer, ':');
    *len = (int)(colon ? (size_t)(colon - r->peer) : strlen(r->peer));
    return r->peer;
}

/*
 * This process's part of every request id: the counters start again at each start, so without
 * it one id named requests of several runs in the same log and audit log (an operator's
 * try-out found one id five times in a day's log).
 */
static char request_run[9];
static pthread_once_t request_run_once = PTHREAD_ONCE_INIT;

static void request_run_init(void)
{
    unsigned char raw[4];
    unsigned long v;
    if (RAND_bytes(raw, sizeof raw) == 1)
        v = (unsigned long)raw[0] << 24 | (unsigned long)raw[1] << 16 | (unsigned long)raw[2] << 8 |
            raw[3];
    else
        v = ((unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16)) & 0xffffffffUL;
    snprintf(request_run, sizeof request_run, "%08lx", v);
}

struct request *request_new(struct conn *c)
{
    struct request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->started_ns = uv_hrtime();
    r->w = c->w;
    r->who = c->who;
    pthread_once(&request_run_once, request_run_init);
    snprintf(r->rid, sizeof r->rid, "%s-%d-%llx", request_run, c->w->index,
             (unsigned long long)++c->w->requests_seen);
    memcpy(r->peer, c->peer, sizeof r->peer);
    arena_init(&r->arena, (size_t)conn_max_frame(c) * REQUEST_DECODE_FACTOR);
    arena_init(&r->chunk, (size_t)conn_max_frame(c) * REQUEST_DECODE_FACTOR);
    return r;
}

void request_discard(struct request *r)
{
    if (r->on_end)
        r->on_end(r);
    arena_reset(&r->arena);
    arena_reset(&r->chunk);
    free(r);
}

/*
 * The worker's deadlines are a binary min-heap of requests (each knows its
 * slot), so filing and removing one costs O(log n) whatever deadlines
 * clients ask for.
 */
static bool request_heap_before(const struct request *a, const struct request *b)
{
    return a->deadline < b->deadline;
}

static void request_heap_set(struct worker *w, size_t i, struct request *r)
{
    w->dl_heap[i] = r;
    r->dl_index = i;
}

static void request_heap_up(struct worker *w, size_t i)
{
    struct request *r = w->dl_heap[i];
    while (i > 0 && request_heap_before(r, w->dl_heap[(i - 1) / 2])) {
        request_heap_set(w, i, w->dl_heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    request_heap_set(w, i, r);
}

static void request_heap_down(struct worker *w, size_t i)
{
    struct request *r = w->dl_heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= w->dl_n)
            break;
        if (c + 1 < w->dl_n && request_heap_before(w->dl_heap[c + 1], w->dl_heap[c]))
            c++;
        if (!request_heap_before(w->dl_heap[c], r))
            break;
        request_heap_set(w, i, w->dl_heap[c]);
        i = c;
    }
    request_heap_set(w, i, r);
}

int request_start_clock(struct request *r, uint64_t ms)
{
    struct worker *w = r->w;
    if (w->dl_n == w->dl_cap) {
        size_t cap = w->dl_cap ? 2 * w->dl_cap : 64;
        struct request **grown = realloc(w->dl_heap, cap * sizeof *grown);
        if (!grown)
            return -1;
        w->dl_heap = grown;
        w->dl_cap = cap;
    }
    r->deadline = uv_now(&w->loop) + ms;
    r->timeout_ms = ms;
    r->in_deadlines = true;
    w->dl_heap[w->dl_n] = r;
    request_heap_up(w, w->dl_n++);
    if (w->dl_heap[0] == r && !uv_is_closing((uv_handle_t *)&w->deadline_timer))
        uv_timer_start(&w->deadline_timer, request_deadlines_due, ms, 0);
    return 0;
}

static void request_deadline_remove(struct request *r);

void request_extend_deadline(struct request *r, uint64_t ms)
{
    if (r->asked_timeout_ms && r->asked_timeout_ms < ms)
        ms = r->asked_timeout_ms;
    request_deadline_remove(r);
    /* The slot just given up is taken again: the heap does not grow. */
    (void)request_start_clock(r, ms);
}

static void request_deadline_remove(struct request *r)
{
    struct worker *w = r->w;
    if (!r->in_deadlines)
        return;
    size_t i = r->dl_index;
    r->in_deadlines = false;
    struct request *last = w->dl_heap[--w->dl_n];
    if (i == w->dl_n)
        return;
    request_heap_set(w, i, last);
    request_heap_up(w, i);
    request_heap_down(w, last->dl_index);
}

/* Logs r's line and unlinks it from its connection and the deadlines. */
static void request_close(struct request *r, int code)
{
    uint64_t dur = (uv_hrtime() - r->started_ns) / 1000;
    if (!r->conn || r->who.kind != IDENTITY_NONE || conn_log_admit(r->conn))
        log_request(r->id, r->rid, request_log_tenant(r), request_method_name(r),
                    wire_code_name(code), dur, r->txn.batch, r->peer, r->orphaned);
    metrics_request(r->method && r->method->desc
                        ? (int)(r->method->desc - liaison__v1__liaison__descriptor.methods)
                        : -1,
                    code, dur, r->txn.batch);
    request_deadline_remove(r);
    struct conn *c = r->conn;
    r->conn = NULL;
    if (c) {
        if (r->prev)
            r->prev->next = r->next;
        else
            c->requests = r->next;
        if (r->next)
            r->next->prev = r->prev;
        conn_request_done(c);
    }
}

/* The answer is out: logs r, unlinks it, frees it. */
static void request_end(struct request *r, int code)
{
    if (!r->answered)
        request_close(r, code);
    request_discard(r);
}

static bool request_send_payload(struct request *r, Liaison__V1__Status *st, const uint8_t *payload,
                                 size_t len);

/*
 * Encodes and sends a response frame: the final one with its status st, or
 * (st NULL) a stream's chunk, with Frame.more set. The bytes are the
 * connection's once sent, so that a long stream's frames do not pile up
 * in the request. A final answer over the frame limit becomes INTERNAL;
 * a chunk over it is not sent: returns false.
 */
static bool request_send(struct request *r, Liaison__V1__Status *st, const ProtobufCMessage *out)
{
    struct conn *c = r->conn;
    if (!c || r->answered)
        return true;
    uint8_t *payload = NULL;
    size_t n = 0;
    if (out) {
        n = protobuf_c_message_get_packed_size(out);
        payload = malloc(n ? n : 1);
        if (!payload) {
            conn_close(c, "out of memory");
            return true;
        }
        protobuf_c_message_pack(out, payload);
    }
    bool fits = request_send_payload(r, st, payload, n);
    free(payload);
    return fits;
}

/* request_send with the payload encoded already (NULL: none). */
static bool request_send_payload(struct request *r, Liaison__V1__Status *st, const uint8_t *payload,
                                 size_t len)
{
    struct conn *c = r->conn;
    if (!c || r->answered)
        return true;
    Liaison__V1__Frame f = LIAISON__V1__FRAME__INIT;
    f.request_id = r->id;
    f.status = st;
    f.more = st == NULL;
    f.written_at_us = r->written_at_us;
    uint8_t *wire = NULL;
    if (payload) {
        f.payload.data = (uint8_t *)payload;
        f.payload.len = len;
    }
    size_t n = protobuf_c_message_get_packed_size(&f.base);
    bool fits = n <= (size_t)c->w->cfg->max_frame_bytes;
    if (!fits && st) {
        st->code = LIAISON__V1__CODE__INTERNAL;
        st->message = "response too large";
        f.payload.len = 0;
        n = protobuf_c_message_get_packed_size(&f.base);
        fits = true;
    }
    if (fits && !(wire = malloc(FRAME_HEADER_SIZE + n))) {
        conn_close(c, "out of memory");
    } else if (fits) {
        frame_put_header(wire, (uint32_t)n);
        protobuf_c_message_pack(&f.base, wire + FRAME_HEADER_SIZE);
        conn_send(c, wire, FRAME_HEADER_SIZE + n);
    }
    free(wire);
    return fits;
}

/*
 * An answer or a transaction built after an arena allocation failed may hold
 * a NULL where the handler meant a value (a missing string, a parameter that
 * becomes SQL NULL): refuse the request instead. True after answering.
 */
static bool request_out_of_memory(struct request *r)
{
    if (!r->arena.failed && !r->chunk.failed)
        return false;
    request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED,
                 "the request needs more memory than its budget allows");
    return true;
}

/*
 * Ends r after its answer went out with status st: an answer over the frame
 * limit went as INTERNAL, and is logged and counted so (it was counted OK,
 * and no operator could find it).
 */
static void request_answered(struct request *r, const Liaison__V1__Status *st)
{
    if (st->code == LIAISON__V1__CODE__INTERNAL)
        log_event(LOG_ERROR, "an answer is larger than max_frame_bytes",
                  "req=%s rid=%llu method=%s", r->rid, (unsigned long long)r->id,
                  request_method_name(r));
    request_end(r, st->code);
}

void request_reply(struct request *r, const ProtobufCMessage *out)
{
    if (request_out_of_memory(r))
        return;
    if (r->idem == IDEM_CLAIMED) {
        /* Committed: its answer is stored, and the caller waits for it, past any deadline. */
        request_deadline_remove(r);
        idem_store(r, out);
        return;
    }
    Liaison__V1__Status st = LIAISON__V1__STATUS__INIT;
    request_send(r, &st, out);
    request_answered(r, &st);
}

void request_reply_encoded(struct request *r, const uint8_t *payload, size_t len)
{
    Liaison__V1__Status st = LIAISON__V1__STATUS__INIT;
    request_send_payload(r, &st, payload, len);
    request_answered(r, &st);
}

bool request_other_user_ok(struct request *r, uint64_t user, bool reads, const char *why)
{
    if (!user || (int64_t)user == r->who.user_id ||
        (r->who.role != LIAISON__V1__ROLE__ROLE_MANAGER &&
         (reads || r->who.role != LIAISON__V1__ROLE__ROLE_AUDITOR)))
        return true;
    request_fail(r, LIAISON__V1__CODE__PERMISSION_DENIED, why);
    return false;
}

uint64_t *request_own_distributor(const struct request *r, uint64_t *id)
{
    if (*id == 0 && r->who.role == LIAISON__V1__ROLE__ROLE_DISTRIBUTOR_USER &&
        r->who.distributor_id > 0)
        *id = (uint64_t)r->who.distributor_id;
    return id;
}

size_t request_answer_bytes(const struct request *r)
{
    size_t frame = (size_t)r->w->cfg->max_frame_bytes;
    return frame - (frame / 8 < 8192 ? frame / 8 : 8192);
}

void request_stream_chunk(struct request *r, const ProtobufCMessage *out,
                          void (*next)(struct request *r))
{
    if (request_out_of_memory(r))
        return;
    if (!request_send(r, NULL, out)) {
        request_fail(r, LIAISON__V1__CODE__INTERNAL, "response too large");
        return;
    }
    arena_reset(&r->chunk);
    if (!r->conn) {
        /* Nobody reads the rest: the stream ends here, its steps with it. */
        request_end(r, LIAISON__V1__CODE__CANCELLED);
        return;
    }
    request_deadline_remove(r);
    if (request_start_clock(r, r->timeout_ms) < 0) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    r->stream_next = next;
    r->waits = WAIT_CLIENT;
    conn_watch_output(r->conn);
}

size_t request_stream_chunk_bytes(const struct request *r)
{
    const struct config *cfg = r->w->cfg;
    size_t bytes = (size_t)cfg->max_pending_output / 8;
    if (bytes > (size_t)cfg->max_frame_bytes / 4)
        bytes = (size_t)cfg->max_frame_bytes / 4;
    return bytes < 256 * 1024 ? bytes : 256 * 1024;
}

void request_stream_resume(struct request *r)
{
    r->waits = WAIT_NONE;
    /*
     * Called while the loop runs its prepare callbacks, where a statement
     * submitted now would wait for the loop's next wake-up: the next step
     * starts from a timer due at once instead.
     */
    if (request_defer(r, 0, r->stream_next) < 0) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    r->stream_next = NULL;
}

void request_stream_abandon(struct request *r)
{
    r->waits = WAIT_NONE;
    request_end(r, LIAISON__V1__CODE__CANCELLED);
}

static void request_fail_with(struct request *r, int code, const char *message,
                              Liaison__V1__FieldViolation *v)
{
    Liaison__V1__Status st = LIAISON__V1__STATUS__INIT;
    st.code = (Liaison__V1__Code)code;
    st.message = (char *)message;
    if (v) {
        st.n_violations = 1;
        st.violations = &v;
    }
    request_send(r, &st, NULL);
    request_end(r, code);
}

void request_fail_violations(struct request *r, int code, const char *message,
                             Liaison__V1__FieldViolation **v, size_t n)
{
    if (request_out_of_memory(r))
        return;
    Liaison__V1__Status st = LIAISON__V1__STATUS__INIT;
    st.code = (Liaison__V1__Code)code;
    st.message = (char *)message;
    st.n_violations = n;
    st.violations = v;
    request_send(r, &st, NULL);
    request_end(r, code);
}

void request_fail(struct request *r, int code, const char *message)
{
    request_fail_with(r, code, message, NULL);
}

void request_fail_field_said(struct request *r, const char *field, const char *description,
                             const char *message)
{
    Liaison__V1__FieldViolation v = LIAISON__V1__FIELD_VIOLATION__INIT;
    v.field = (char *)field;
    v.description = (char *)description;
    request_fail_with(r, LIAISON__V1__CODE__INVALID_ARGUMENT, message, &v);
}

void request_fail_field(struct request *r, const char *field, const char *description)
{
    char msg[WIRE_MAX_STRING];
    snprintf(msg, sizeof msg, "invalid %s: %s", field, description);
    request_fail_field_said(r, field, description, msg);
}

char *request_printf(struct request *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = arena_alloc(&r->arena, (size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

struct request_timer {
    uv_timer_t timer; /* first: the close callback gets this pointer */
    struct request *r;
    void (*fn)(struct request *r);
};

static void request_timer_closed(uv_handle_t *h)
{
    free(h);
}

static void request_timer_fired(uv_timer_t *t)
{
    struct request_timer *rt = (struct request_timer *)t;
    struct request *r = rt->r;
    uv_close((uv_handle_t *)t, request_timer_closed);
    r->timer = NULL;
    r->waits = WAIT_NONE;
    if (r->answered && !r->outlives_deadline)
        request_discard(r);
    else
        rt->fn(r);
}

int request_defer(struct request *r, uint64_t ms, void (*fn)(struct request *r))
{
    struct request_timer *rt = malloc(sizeof *rt);
    if (!rt || uv_timer_init(&r->w->loop, &rt->timer) != 0) {
        free(rt);
        return -1;
    }
    rt->r = r;
    rt->fn = fn;
    uv_timer_start(&rt->timer, request_timer_fired, ms, 0);
    r->timer = rt;
    r->waits = WAIT_TIMER;
    return 0;
}

void request_wake(struct request *r)
{
    if (r->waits == WAIT_TIMER && r->timer)
        uv_timer_start(&r->timer->timer, request_timer_fired, 0, 0);
}

/*
 * A step came back: true when r was answered at its deadline and nothing
 * more is done for it (then r is freed).
 */
static bool request_settle(struct request *r)
{
    r->waits = WAIT_NONE;
    if (!r->answered || r->outlives_deadline)
        return false;
    request_discard(r);
    return true;
}

/* The worker's entry for r's source address; NULL when it has no job. */
static struct worker_password_source *request_password_source(const struct request *r)
{
    struct worker *w = r->w;
    int len;
    const char *source = request_source(r, &len);
    for (int i = 0; i < w->n_password_sources; i++) {
        struct worker_password_source *s = &w->password_sources[i];
        if (strncmp(s->address, source, (size_t)len) == 0 && s->address[len] == '\0')
            return s;
    }
    return NULL;
}

static void request_job_done(void *arg, bool ok, const char *encoded)
{
    struct request *r = arg;
    struct worker *w = r->w;
    w->password_jobs--;
    struct worker_password_source *s = request_password_source(r);
    if (s && --s->jobs == 0)
        *s = w->password_sources[--w->n_password_sources];
    if (!request_settle(r))
        r->job_done(r, ok, encoded);
}

/*
 * Busy, not refused: the caller may try again as soon as a check ends. A
 * retry-after tells it so (clients wait that long and send again), where a
 * locked account's is minutes; without one, "busy" could not be told from
 * "locked" but by the message's words. One Argon2 check takes tens of
 * milliseconds at auth.c's cost.
 */
#define PASSWORD_BUSY_RETRY_MS 100

static void request_password_busy(struct request *r, const char *message)
{
    Liaison__V1__Status st = LIAISON__V1__STATUS__INIT;
    st.code = LIAISON__V1__CODE__RESOURCE_EXHAUSTED;
    st.message = (char *)message;
    st.retry_after_ms = PASSWORD_BUSY_RETRY_MS;
    request_fail_status(r, &st);
}

void request_password_job(struct request *r, const char *password, const char *encoded,
                          auth_password_cb done)
{
    struct worker *w = r->w;
    if (w->password_jobs >= w->cfg->max_password_jobs) {
        w->password_jobs_refused++;
        uint64_t now = uv_now(&w->loop);
        /* One line a second at most: a flood of log-ins must not become a flood of lines. */
        if (now - w->password_refusal_logged >= 1000) {
            w->password_refusal_logged = now;
            log_event(LOG_WARN, "password hashing at capacity: request refused",
                      "worker=%d running=%d refused_total=%llu", w->index, w->password_jobs,
                      w->password_jobs_refused);
        }
        request_password_busy(r, "too many passwords are being checked right now; try again "
                                 "shortly");
        return;
    }
    /* Within the worker's cap: one address may not take all of it. */
    struct worker_password_source *s = request_password_source(r);
    if (s && s->jobs >= w->cfg->max_password_jobs_per_address) {
        request_password_busy(r, "too many passwords from your address are being checked "
                                 "right now; try again shortly");
        return;
    }
    r->job_done = done;
    if (auth_password_job(&w->loop, password, encoded, request_job_done, r) < 0) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    w->password_jobs++;
    if (!s) {
        /* Fewer addresses than jobs: there is room while password_jobs was under its cap. */
        s = &w->password_sources[w->n_password_sources++];
        int len;
        const char *source = request_source(r, &len);
        snprintf(s->address, sizeof s->address, "%.*s", len, source);
        s->jobs = 0;
    }
    s->jobs++;
    r->waits = WAIT_JOB;
}

static void request_work_run(uv_work_t *w)
{
    struct request *r = w->data;
    r->work_fn(r);
}

static void request_work_after(uv_work_t *w, int status)
{
    struct request *r = w->data;
    /* status is UV_ECANCELED only for uv_cancel(), which nothing calls. */
    (void)status;
    if (!request_settle(r))
        r->work_done(r);
}

void request_work(struct request *r, void (*work)(struct request *r),
                  void (*done)(struct request *r))
{
    r->work_fn = work;
    r->work_done = done;
    r->work.data = r;
    if (uv_queue_work(&r->w->loop, &r->work, request_work_run, request_work_after) != 0) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    r->waits = WAIT_JOB;
}

/* Answers r at its deadline; what it still waits for frees it when it comes back. */
static void request_expire(struct request *r)
{
    Liaison__V1__Status st = LIAISON__V1__STATUS__INIT;
    /*
     * One still queued is taken back; one out (in a batch of writes too)
     * is left to come back and free r. Its database deadline check keeps
     * it from committing past the deadline, though a COMMIT already under
     * way may land: DEADLINE_EXCEEDED leaves the outcome open.
     */
    if (r->waits == WAIT_DB && r->w->db && !r->outlives_deadline && db_txn_cancel(r->pool, &r->txn))
        r->waits = WAIT_NONE;
    /*
     * A stream its reader left behind: answered now, nothing else holds it. Said before the
     * answer goes: a send that fails closes the connection, whose detach would otherwise free
     * a stream still waiting for its reader under this function (a review).
     */
    if (r->waits == WAIT_CLIENT)
        r->waits = WAIT_NONE;
    st.code = r->late_code ? (Liaison__V1__Code)r->late_code : LIAISON__V1__CODE__DEADLINE_EXCEEDED;
    st.message = (char *)(r->late_message ? r->late_message
                                          : "the request did not finish within its deadline");
    request_send(r, &st, NULL);
    request_close(r, st.code);
    r->answered = true;
    if (r->waits == WAIT_TIMER) {
        /* Nothing is left to wait for: a timer must not keep an answered request alive. */
        uv_close((uv_handle_t *)&r->timer->timer, request_timer_closed);
        r->timer = NULL;
        r->waits = WAIT_NONE;
    }
    if (r->waits == WAIT_NONE)
        request_discard(r);
}

void request_deadlines_due(uv_timer_t *t)
{
    struct worker *w = t->data;
    uint64_t now = uv_now(&w->loop);
    while (w->dl_n && w->dl_heap[0]->deadline <= now)
        request_expire(w->dl_heap[0]);
    if (w->dl_n)
        uv_timer_start(t, request_deadlines_due, w->dl_heap[0]->deadline - now, 0);
}

const struct config *request_config(const struct request *r)
{
    return r->w->cfg;
}

bool request_login_log_admit(struct request *r, unsigned per_s)
{
    return log_limit_admit(&r->w->login_log, uv_now(&r->w->loop), per_s, "log-in lines suppressed",
                           NULL);
}

int64_t request_deadline_us(struct request *r)
{
    uint64_t loop_now = uv_now(&r->w->loop);
    uint64_t left = r->deadline > loop_now ? r->deadline - loop_now : 0;
    int64_t now = r->in_deadlines ? db_wall_us() : 0;
    return now ? now + (int64_t)left * 1000 : 0;
}

/*
 * A read that failed on the standby runs again on the primary, which is
 * always as new as the standby: the standby went away or cancelled it
 * (a conflict with its replay), or it has not replayed yet the session,
 * user or tenant the caller's credential needs. Returns false when the
 * failure stands.
 */
static bool request_retry_on_primary(struct request *r, int code)
{
    if (code != LIAISON__V1__CODE__UNAVAILABLE && code != LIAISON__V1__CODE__ABORTED &&
        code != LIAISON__V1__CODE__UNAUTHENTICATED &&
        code != LIAISON__V1__CODE__PERMISSION_DENIED && code != LIAISON__V1__CODE__INTERNAL)
        return false;
    replica_read_failed(r->w->replica, code);
    if (!r->w->db)
        return false;
    r->pool = r->w->db;
    r->waits = WAIT_DB;
    if (db_submit(r->pool, &r->txn) == 0)
        return true;
    r->waits = WAIT_NONE;
    return false;
}

static void request_txn_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    /*
     * Recorded before the caller hears of it: its next read must see this transaction. So is
     * one whose caller was told DEADLINE_EXCEEDED already: its COMMIT may have landed, and the
     * read that looks for it must not go to a standby without it (a review).
     */
    if (!(txn->flags & DB_TXN_BATCH) && r->who.kind == IDENTITY_USER) {
        int64_t now = db_wall_us();
        if (now > 0 && (uint64_t)now > r->written_at_us)
            r->written_at_us = (uint64_t)now;
        if (r->w->replica)
            replica_wrote(r->who.tenant_id, r->who.token, r->written_at_us);
    }
    if (request_settle(r))
        return;
    if (code && r->pool == replica_pool(r->w->replica) && request_retry_on_primary(r, code))
        return;
    /* The wall's words are a session's: an API token, which cannot log in, was told to (an
     * attacker's try-out). */
    if (code == LIAISON__V1__CODE__UNAUTHENTICATED && r->who.api_token && detail &&
        !strcmp(detail, "session expired or revoked; log in again"))
        detail = "API token revoked or expired: ask a tenant admin for a new one (liaison token "
                 "create)";
    if (!idem_refused(r, code))
        r->txn_done(txn, code, detail);
}

/*
 * A request that asked for a stream (a `stream` field set) reads on the
 * primary: its pages are separate transactions, and the standby's replay
 * may cancel a long one.
 */
static bool request_streams(const struct request *r)
{
    const ProtobufCFieldDescriptor *f =
        r->input ? protobuf_c_message_descriptor_get_field_by_name(r->input->descriptor, "stream")
                 : NULL;
    return f && f->type == PROTOBUF_C_TYPE_BOOL && f->label != PROTOBUF_C_LABEL_REPEATED &&
           *(const protobuf_c_boolean *)((const char *)r->input + f->offset);
}

/* The standby's pool for a user's read it may take; the primary's otherwise. */
static struct db_pool *request_pool(struct request *r)
{
    struct db_pool *standby = NULL;
    if (r->w->replica && (r->txn.flags & DB_TXN_BATCH) && !request_streams(r))
        standby = replica_route(r->w->replica, r->who.tenant_id, r->who.token, r->read_after_us);
    return standby ? standby : r->w->db;
}

void request_submit(struct request *r, db_done_cb done)
{
    if (!r->w->db) {
        /* The worker is stopping and its pool is gone (a late password job, say). */
        request_fail(r, LIAISON__V1__CODE__UNAVAILABLE, "the server is stopping");
        return;
    }
    /*
     * A user's read may run in one database transaction with other reads:
     * its own liaison_auth() call rebinds the tenant and the caller before
     * its statements, and one session's calls share one check. Operators
     * are never batched: their check sets a flag a user's does not clear.
     */
    r->txn.flags =
        (r->txn.flags & DB_TXN_ALONE) |
        (r->method->read_only && r->who.kind == IDENTITY_USER && credential_txn_checks_user(&r->txn)
             ? DB_TXN_BATCH | DB_TXN_SHARED_FIRST
             : 0) |
        (credential_txn_checks_deadline(&r->txn) ? DB_TXN_CHECKS_DEADLINE : 0);
    /*
     * A user's change may share one transaction, and one WAL flush, with
     * other changes: its savepoint isolates it, and its own credential check
     * rebinds everything the one before it set.
     */
    if (!(r->txn.flags & (DB_TXN_ALONE | DB_TXN_BATCH)) && r->who.kind == IDENTITY_USER &&
        credential_txn_checks_user_change(&r->txn))
        r->txn.flags |= DB_TXN_WRITES;
    if (request_out_of_memory(r))
        return;
    /* A change that reaches PostgreSQL after its deadline runs nothing (migration 0008). */
    if (!(r->txn.flags & (DB_TXN_BATCH | DB_TXN_CHECKS_DEADLINE)))
        r->txn.deadline_us = request_deadline_us(r);
    r->txn_done = done;
    r->txn.done = request_txn_done;
    r->txn.arg = r;
    r->waits = WAIT_DB;
    r->pool = request_pool(r);
    int code = db_submit(r->pool, &r->txn);
    if (code && r->pool == replica_pool(r->w->replica)) {
        replica_read_failed(r->w->replica, code);
        r->pool = r->w->db;
        code = db_submit(r->pool, &r->txn);
    }
    if (code) {
        r->waits = WAIT_NONE;
        request_fail_db(r, code, NULL);
    }
}

bool request_check_id(struct request *r, const char *field, uint64_t id)
{
    if (id != 0 && id <= INT64_MAX)
        return true;
    request_fail_field(r, field, id ? "out of range" : "required");
    return false;
}

/* Whether s holds n digits. */
static bool request_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool request_calendar_day(int y, int m, int d)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

bool request_time_valid(const char *text)
{
    const char *s = text;
    bool ok = strlen(s) <= 40 && request_digits(s, 4) && s[4] == '-' && request_digits(s + 5, 2) &&
              s[7] == '-' && request_digits(s + 8, 2) && strchr("Tt ", s[10]) && s[10] &&
              request_digits(s + 11, 2) && s[13] == ':' && request_digits(s + 14, 2) &&
              s[16] == ':' && request_digits(s + 17, 2) &&
              request_calendar_day(atoi(s), atoi(s + 5), atoi(s + 8)) && atoi(s + 11) <= 23 &&
              atoi(s + 14) <= 59 && atoi(s + 17) <= 59;
    if (ok) {
        s += 19;
        if (*s == '.' && request_digits(s + 1, 1))
            for (s++; *s >= '0' && *s <= '9'; s++)
                ;
        ok = ((*s == 'Z' || *s == 'z') && !s[1]) ||
             ((*s == '+' || *s == '-') && request_digits(s + 1, 2) && s[3] == ':' &&
              request_digits(s + 4, 2) && !s[6] && atoi(s + 1) <= 15 && atoi(s + 4) <= 59);
    }
    if (ok) {
        long long t = request_time_utc(text);
        ok = t >= REQUEST_TIME_MIN && t < REQUEST_TIME_END;
    }
    return ok;
}

long long request_time_utc(const char *text)
{
    struct tm tm = {.tm_year = atoi(text) - 1900,
                    .tm_mon = atoi(text + 5) - 1,
                    .tm_mday = atoi(text + 8),
                    .tm_hour = atoi(text + 11),
                    .tm_min = atoi(text + 14)};
    const char *p = text + 16;
    if (*p == ':') {
        tm.tm_sec = atoi(p + 1);
        p += 3;
        if (*p == '.')
            p += 1 + strspn(p + 1, "0123456789");
    }
    long long t = (long long)timegm(&tm);
    if (*p == '+' || *p == '-')
        t -= (*p == '+' ? 1 : -1) * (atoi(p + 1) * 3600LL + atoi(p + 4) * 60LL);
    return t;
}

bool request_check_once(struct request *r, const char *field, const uint64_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < i; k++) {
            if (ids[k] == ids[i]) {
                request_fail_field(r, field, "each product line once");
                return false;
            }
        }
    }
    return true;
}

bool request_check_time(struct request *r, const char *field, const char *text, bool required)
{
    if (request_time_valid(text) || (!required && !text[0]))
        return true;
    request_fail_field(r, field,
                       "a time as RFC 3339 in the years 1900 to 2999, such as "
                       "2026-03-01T09:30:00+07:00");
    return false;
}

bool request_check_range(struct request *r, const char *to_field, const char *from, const char *to)
{
    if (!from[0] || !to[0] || request_time_utc(to) >= request_time_utc(from))
        return true;
    request_fail_field(r, to_field, "must not be before the start of the range");
    return false;
}

/*
 * Bytes of white space at s: ASCII, no-break (U+00A0), Ogham (U+1680), the
 * typographic spaces U+2000 to U+200A, narrow no-break (U+202F), medium
 * mathematical (U+205F), ideographic (U+3000) and zero-width no-break
 * (U+FEFF): the class liaison_name_clean() (migration 0071) collapses. Or
 * of a character that shows nothing, which liaison_name_key() (0104) leaves
 * out: soft hyphen (U+00AD), combining grapheme joiner (U+034F), the
 * Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), Mongolian vowel
 * separator (U+180E), zero-width space and joiners (U+200B to U+200D), word
 * joiner (U+2060), Braille blank (U+2800): a name of only "\u200b" showed
 * as nothing in every list.
 */
static size_t request_space_at(const unsigned char *s)
{
    if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        return 1;
    if (s[0] == 0xc2 && (s[1] == 0xa0 || s[1] == 0xad))
        return 2;
    if (s[0] == 0xcd && s[1] == 0x8f)
        return 2;
    if ((s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80) ||
        (s[0] == 0xe1 && s[1] == 0x85 && (s[2] == 0x9f || s[2] == 0xa0)) ||
        (s[0] == 0xe1 && s[1] == 0xa0 && s[2] == 0x8e) ||
        (s[0] == 0xe2 && s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8d) || s[2] == 0xaf)) ||
        (s[0] == 0xe2 && s[1] == 0x81 && (s[2] == 0x9f || s[2] == 0xa0)) ||
        (s[0] == 0xe2 && s[1] == 0xa0 && s[2] == 0x80) ||
        (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80) ||
        (s[0] == 0xe3 && s[1] == 0x85 && s[2] == 0xa4) ||
        (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) ||
        (s[0] == 0xef && s[1] == 0xbe && s[2] == 0xa0))
        return 3;
    return 0;
}

/*
 * Bytes of a mark at s that combines with the letter before it, and alone shows nothing but a
 * stray accent: the combining diacritical marks (U+0300 to U+036F, and their extended,
 * supplement, for-symbols and half-mark blocks) and the variation selectors (U+FE00 to U+FE0F).
 * A name of only U+0301 was taken, and invisible in every list (a try-out).
 */
static size_t request_mark_at(const unsigned char *s)
{
    if ((s[0] == 0xcc && s[1] >= 0x80 && s[1] <= 0xbf) ||
        (s[0] == 0xcd && s[1] >= 0x80 && s[1] <= 0xaf))
        return 2;
    if ((s[0] == 0xe1 && s[1] == 0xaa && s[2] >= 0xb0) || (s[0] == 0xe1 && s[1] == 0xab) ||
        (s[0] == 0xe1 && s[1] == 0xb7) || (s[0] == 0xe2 && s[1] == 0x83 && s[2] >= 0x90) ||
        (s[0] == 0xef && s[1] == 0xb8 && (s[2] <= 0x8f || (s[2] >= 0xa0 && s[2] <= 0xaf))))
        return 3;
    return 0;
}

bool request_check_text(struct request *r, const char *field, const char *text, size_t max,
                        bool required)
{
    size_t len = strlen(text);
    if (len > max) {
        char *why = request_printf(r, "at most %zu bytes", max);
        request_fail_field(r, field, why ? why : "too long");
        return false;
    }
    const unsigned char *p = (const unsigned char *)text;
    bool marks = false;
    for (size_t n, m = 0; (n = request_space_at(p)) > 0 || (m = request_mark_at(p)) > 0;) {
        p += n ? n : m;
        marks = marks || !n;
    }
    if (*p || (!required && !len))
        return true;
    request_fail_field(r, field,
                       !len    ? "required"
                       : marks ? "may not be only spaces and accents with no letter"
                               : "may not be only spaces");
    return false;
}

bool request_check_one_line(struct request *r, const char *field, const char *text)
{
    if (!text[strcspn(text, "\t\n\v\f\r")] && !strstr(text, "\xe2\x80\xa8") &&
        !strstr(text, "\xe2\x80\xa9"))
        return true;
    request_fail_field(r, field, "one line: no line breaks or tabs");
    return false;
}

/*
 * Whether s starts a character that shows as nothing and that request_space_at() leaves to
 * names, where joiners and marks have their uses: the direction marks (U+200E, U+200F and the
 * Arabic letter mark U+061C), the invisible operators (U+2061 to U+2064), the variation
 * selectors (U+FE00 to U+FE0F) and the tags (U+E0000 to U+E007F). wire_text_refused() refuses the
 * embeddings and isolates already.
 */
static bool request_invisible_at(const unsigned char *s)
{
    return (s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0x8e || s[2] == 0x8f)) ||
           (s[0] == 0xd8 && s[1] == 0x9c) ||
           (s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa1 && s[2] <= 0xa4) ||
           (s[0] == 0xef && s[1] == 0xb8 && s[2] >= 0x80 && s[2] <= 0x8f) ||
           (s[0] == 0xf3 && s[1] == 0xa0 && (s[2] == 0x80 || s[2] == 0x81));
}

bool request_check_zone(struct request *r, const char *field, const char *zone, bool required)
{
    if ((!*zone && !required) || geo_time_zone(zone))
        return true;
    if (!*zone) {
        request_fail_field(r, field, "required: an IANA time zone such as Asia/Ho_Chi_Minh");
        return false;
    }
    const char *meant = geo_time_zone_in_any_case(zone);
    const char *why = meant ? request_printf(r,
                                             "not an IANA time zone of the tz database (did you "
                                             "mean %s? the names are case-sensitive)",
                                             meant)
                            : NULL;
    request_fail_field(r, field, why ? why : "not an IANA time zone of the tz database");
    return false;
}

bool request_nfc_in_place(char *text)
{
    size_t len = strlen(text), got = 0;
    /* Written only when it changes: an empty field is protobuf-c's one read-only "". */
    if (!len)
        return true;
    uint8_t *nfc = u8_normalize(UNINORM_NFC, (const uint8_t *)text, len, NULL, &got);
    bool fits = nfc && got <= len;
    if (fits && (got != len || memcmp(nfc, text, len))) {
        memcpy(text, nfc, got);
        text[got] = '\0';
    }
    free(nfc);
    return fits;
}

/* Whether text (in NFC) is its own NFKC: no full-width letter, ligature or other such form. */
static bool request_plain_form(const char *text)
{
    size_t len = strlen(text), got = 0;
    uint8_t *nfkc = u8_normalize(UNINORM_NFKC, (const uint8_t *)text, len, NULL, &got);
    bool same = nfkc && got == len && !memcmp(nfkc, text, len);
    free(nfkc);
    return same;
}

bool request_check_email(struct request *r, const char *field, char *email, bool required)
{
    if (!*email && !required)
        return true;
    /*
     * The NFC and NFD forms of hồng@… were two users, and the one stored decomposed could not
     * log in typing the address; ＡＤＭＩＮ@… in full-width letters stood beside admin@… (an
     * attacker's try-out).
     */
    if (!request_nfc_in_place(email)) {
        request_fail_field(r, field, "not an e-mail address: not text that can be put in NFC");
        return false;
    }
    if (!request_plain_form(email)) {
        request_fail_field(r, field,
                           "not an e-mail address: write it in ordinary letters (full-width "
                           "ＡＢＣ is ABC; no ligatures or other such forms)");
        return false;
    }
    const char *at = strchr(email, '@');
    size_t len = strlen(email);
    const char *why = NULL;
    if (!*email)
        why = "an e-mail address is required";
    else if (len > 254)
        why = "at most 254 bytes";
    else if (!at || at == email || !at[1] || strchr(at + 1, '@'))
        why = "not an e-mail address: one '@' between a name and a domain";
    else if (at - email > 64)
        why = "not an e-mail address: at most 64 bytes before the '@'";
    else if (at[1] == '.' || email[len - 1] == '.' || strstr(at, ".."))
        why = "not an e-mail address: the domain's dots must separate names";
    else if (!strchr(at, '.'))
        /* a@b took a user whose calendar invitations could never be delivered (a try-out). */
        why = "not an e-mail address: the domain has a dot (saigon.example), as every domain "
              "mail is delivered to does";
    else if (at[1] == '-' || email[len - 1] == '-' || strstr(at, ".-") || strstr(at, "-."))
        /* No host name may: mail to an@-saigon.example goes nowhere. */
        why = "not an e-mail address: a name in the domain may not begin or end with '-'";
    for (const unsigned char *c = (const unsigned char *)email; !why && *c; c++)
        /* What a mail header or a mailto: URI would have to quote. */
        if (*c <= 0x20 || strchr("\"<>\\,;:()[]", *c))
            why = "not an e-mail address: no spaces, quotes, brackets, commas, colons or "
                  "semicolons";
        else if (request_space_at(c) || request_invisible_at(c))
            /* A user so named could not log in by typing the address they see. */
            why = "not an e-mail address: no spaces or characters that show as nothing (such "
                  "as a zero-width space or a direction mark)";
    if (!why)
        return true;
    request_fail_field(r, field, why);
    return false;
}

/*
 * A mark that joins the character before it, as text typed decomposed (NFD,
 * which some keyboards and macOS give) carries them: Vietnamese "Ấ" is A,
 * U+0302 and U+0301, one character once the name is stored in NFC
 * (migration 0103). The combining blocks, Japanese (han)dakuten and Hangul
 * vowel and final jamo.
 */
static bool request_combining(uint32_t cp)
{
    return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1160 && cp <= 0x11FF) ||
           (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
           (cp >= 0x20D0 && cp <= 0x20FF) || cp == 0x3099 || cp == 0x309A ||
           (cp >= 0xFE20 && cp <= 0xFE2F);
}

/*
 * text of at most max characters: code points, or with marks_join the
 * characters as shown (a combining mark part of the one before it).
 * Characters first: a name too long is told the bound that applies ("at
 * most 200 characters"), not the bytes those characters may take.
 */
static bool request_chars_bound(struct request *r, const char *field, const char *text, size_t max,
                                bool required, bool marks_join)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)text; p && *p;) {
        /* protobuf-c checked the encoding: a lead byte, then its continuation bytes. */
        uint32_t cp = *p < 0x80 ? *p : *p < 0xE0 ? *p & 0x1F : *p < 0xF0 ? *p & 0x0F : *p & 0x07;
        for (p++; (*p & 0xC0) == 0x80; p++)
            cp = cp << 6 | (*p & 0x3F);
        chars += !(marks_join && request_combining(cp));
    }
    if (chars > max) {
        char *why = request_printf(r, "at most %zu characters", max);
        request_fail_field(r, field, why ? why : "too long");
        return false;
    }
    /*
     * A UTF-8 code point takes at most 4 bytes; a Vietnamese letter typed
     * decomposed, with its two marks, 5, and a kana with its dakuten 6.
     */
    return request_check_text(r, field, text, (marks_join ? 6 : 4) * max, required);
}

bool request_check_chars(struct request *r, const char *field, const char *text, size_t max,
                         bool required)
{
    return request_chars_bound(r, field, text, max, required, false);
}

bool request_check_name_chars(struct request *r, const char *field, const char *text, size_t max,
                              bool required)
{
    return request_chars_bound(r, field, text, max, required, true) &&
           request_check_one_script(r, field, text);
}

/* The bit of cp's script among those whose letters look alike; 0 for any other. */
static unsigned request_lookalike_script(ucs4_t cp)
{
    static const char *const scripts[] = {"Latin", "Greek", "Cyrillic"};
    const uc_script_t *s = uc_is_alpha(cp) ? uc_script(cp) : NULL;
    for (unsigned i = 0; s && i < sizeof scripts / sizeof scripts[0]; i++)
        if (!strcmp(s->name, scripts[i]))
            return 1u << i;
    return 0;
}

bool request_check_one_script(struct request *r, const char *field, const char *text)
{
    static const char *const names[] = {"Latin", "Greek", "Cyrillic"};
    const uint8_t *word = NULL, *p = (const uint8_t *)text, *end = p + strlen(text);
    unsigned mask = 0;
    for (;;) {
        ucs4_t cp = 0;
        /* protobuf-c checked the encoding; the end of the text ends the last word. */
        int n = p < end ? u8_mbtouc(&cp, p, (size_t)(end - p)) : 0;
        bool in_word = n > 0 && (uc_is_alpha(cp) || uc_is_general_category(cp, UC_CATEGORY_M));
        if (in_word) {
            word = word ? word : p;
            mask |= request_lookalike_script(cp);
            p += n;
            continue;
        }
        if (mask & (mask - 1)) {
            const char *a = NULL, *b = NULL;
            for (unsigned i = 0; i < 3; i++)
                if (mask & (1u << i))
                    *(a ? &b : &a) = names[i];
            char *why = request_printf(r,
                                       "mixes %s and %s letters in the word '%.*s', which then "
                                       "reads as another name: write it in one script",
                                       a, b, (int)(p - word), (const char *)word);
            request_fail_field(r, field, why ? why : "mixes the letters of two scripts in a word");
            return false;
        }
        if (n <= 0)
            return true;
        word = NULL;
        mask = 0;
        p += n;
    }
}

bool request_fail_raised(struct request *r, int code)
{
    if (code != LIAISON__V1__CODE__INVALID_ARGUMENT && code != LIAISON__V1__CODE__NOT_FOUND &&
        code != LIAISON__V1__CODE__FAILED_PRECONDITION && code != LIAISON__V1__CODE__ALREADY_EXISTS)
        return false;
    for (int i = 0; i < r->txn.nsteps; i++) {
        const PGresult *res = r->txn.results[i];
        if (!res || PQresultStatus(res) != PGRES_FATAL_ERROR)
            continue;
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        const char *field = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
        if (!state || !msg)
            return false;
        if (!strcmp(state, "LS404")) {
            request_fail(r, LIAISON__V1__CODE__NOT_FOUND, msg);
            return true;
        }
        if (!strcmp(state, "LS412")) {
            request_fail(r, LIAISON__V1__CODE__FAILED_PRECONDITION, msg);
            return true;
        }
        if (!strcmp(state, "LS409")) {
            request_fail(r, LIAISON__V1__CODE__ALREADY_EXISTS, msg);
            return true;
        }
        if (!strcmp(state, "LS422") && field) {
            request_fail_field(r, field, msg);
            return true;
        }
        return false;
    }
    return false;
}

void request_connection_ready(struct request *r, uint32_t *max_frame, uint32_t *max_in_flight)
{
    struct conn *c = r->conn;
    *max_frame = *max_in_flight = 0;
    if (!c)
        return;
    conn_ready(c);
    *max_frame = conn_max_frame(c);
    *max_in_flight = (uint32_t)conn_max_in_flight(c);
}

void request_fail_and_close(struct request *r, Liaison__V1__Status *st)
{
    struct conn *c = r->conn;
    request_fail_status(r, st);
    /* The answer is encrypted and queued: the connection outlives r until it is written. */
    if (c)
        conn_end(c);
}

void request_bind_identity(struct request *r, const struct identity *who)
{
    r->who = *who;
    if (r->conn) {
        r->conn->who = *who;
        r->conn->authenticated = true;
    }
}

void request_unbind_identity(struct request *r)
{
    if (r->conn) {
        memset(&r->conn->who, 0, sizeof r->conn->who);
        r->conn->authenticated = false;
    }
}

bool request_operator_certificate(struct request *r, char *cn, size_t cap)
{
    return r->conn && tls_peer_operator(r->conn->ssl, cn, cap);
}

/* What a table's row is called in messages to users; NULL for a table not listed. */
static const char *request_table_noun(const char *table, size_t len)
{
    static const char *const nouns[][2] = {
        {"contacts", "contact"},
        {"meetings", "meeting"},
        {"users", "user"},
        {"distributors", "distributor"},
        {"product_lines", "product line"},
        {"products", "product"},
        {"orders", "order"},
        {"order_lines", "order line"},
        {"shipments", "shipment"},
        {"key_accounts", "key account"},
        {"leads", "lead"},
        {"charters", "charter"},
        {"documents", "document"},
        {"action_items", "action item"},
        {"meeting_attendees", "meeting attendee"},
        {"escalation_protocols", "escalation protocol"},
        {"escalation_protocol_steps", "escalation ladder step"},
        {"escalation_requests", "escalation request"},
        {"monthly_reports", "monthly report"},
    };
    for (size_t i = 0; i < sizeof nouns / sizeof nouns[0]; i++)
        if (strlen(nouns[i][0]) == len && !strncmp(nouns[i][0], table, len))
            return nouns[i][1];
    return NULL;
}

/* The quoted table name after marker in detail, as *name and *len; false when absent. */
static bool request_detail_table(const char *detail, const char *marker, const char **name,
                                 size_t *len)
{
    const char *p = detail ? strstr(detail, marker) : NULL;
    if (!p)
        return false;
    p += strlen(marker);
    const char *end = strchr(p, '"');
    if (!end)
        return false;
    *name = p;
    *len = (size_t)(end - p);
    return true;
}

/*
 * A foreign key refused the write (23503). Every handler checks what it
 * refers to first, so this is nearly always a race: the row referred to
 * was removed between that check and the write (a contact removed while
 * an action item was given to it), or a row referring to the one being
 * removed was added meanwhile. The user is told which and what to do, not
 * "breaks a rule of the data". Returns whether it answered.
 */
static bool request_fail_reference(struct request *r)
{
    for (int i = 0; i < r->txn.nsteps; i++) {
        const PGresult *res = r->txn.results[i];
        if (!res || PQresultStatus(res) != PGRES_FATAL_ERROR)
            continue;
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (!state || strcmp(state, "23503") != 0)
            return false;
        const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
        const char *table;
        size_t len;
        const char *msg;
        if (request_detail_table(detail, "is not present in table \"", &table, &len)) {
            const char *noun = request_table_noun(table, len);
            msg = request_printf(r,
                                 "the %s this refers to no longer exists (it was removed a "
                                 "moment ago, perhaps by someone else): reload and choose another",
                                 noun ? noun : "record");
        } else if (request_detail_table(detail, "is still referenced from table \"", &table,
                                        &len)) {
            const char *noun = request_table_noun(table, len);
            msg = request_printf(r,
                                 "this is still in use by %s %s (one was added a moment ago, "
                                 "perhaps by someone else): reload it and try again",
                                 noun && strchr("aeiou", noun[0]) ? "an" : "a",
                                 noun ? noun : "record");
        } else {
            return false;
        }
        request_fail(r, LIAISON__V1__CODE__FAILED_PRECONDITION,
                     msg ? msg : "refers to something removed meanwhile: reload and try again");
        return true;
    }
    return false;
}

void request_fail_db(struct request *r, int code, const char *detail)
{
    const char *msg;
    if (request_fail_raised(r, code))
        return;
    if (code == LIAISON__V1__CODE__FAILED_PRECONDITION && request_fail_reference(r))
        return;
    switch (code) {
    case LIAISON__V1__CODE__UNAUTHENTICATED:
    case LIAISON__V1__CODE__PERMISSION_DENIED:
        /* Raised by liaison_auth() with a message written for the user. */
        request_fail(r, code, detail ? detail : "not allowed");
        return;
    case LIAISON__V1__CODE__UNAVAILABLE:
        msg = "the database is unavailable; try again shortly";
        break;
    case LIAISON__V1__CODE__RESOURCE_EXHAUSTED:
        msg = "the server is overloaded; try again shortly";
        break;
    case LIAISON__V1__CODE__ABORTED:
        msg = "the transaction was aborted by a concurrent change; try again";
        break;
    case LIAISON__V1__CODE__DEADLINE_EXCEEDED:
        /* The deadline is the caller's: a short one is the likelier cause than a slow database. */
        msg = "the request's deadline passed before the database had finished; the database "
              "cancelled it";
        break;
    case LIAISON__V1__CODE__ALREADY_EXISTS:
        msg = "already exists";
        break;
    case LIAISON__V1__CODE__FAILED_PRECONDITION:
        msg = "refers to something that does not exist, or breaks a rule of the data";
        break;
    case LIAISON__V1__CODE__INVALID_ARGUMENT:
        msg = "a value is out of range or malformed";
        break;
    default:
        msg = "internal error";
        code = LIAISON__V1__CODE__INTERNAL;
        break;
    }
    /* The same req, tenant and method as its request's line (when that one is logged). */
    if (detail)
        log_event(code == LIAISON__V1__CODE__INTERNAL ? LOG_ERROR : LOG_INFO, "database error",
                  "req=%s rid=%llu tenant=%s method=%s detail=\"%.300s%s\"", r->rid,
                  (unsigned long long)r->id, request_log_tenant(r), request_method_name(r), detail,
                  strlen(detail) > 300 ? "..." : "");
    request_fail(r, code, msg);
}

void request_fail_status(struct request *r, Liaison__V1__Status *st)
{
    request_send(r, st, NULL);
    request_end(r, (int)st->code);
}
