/*
 * client.c - the public API of libliaison: handles, options, Hello,
 * blocking and pipelined calls, JSON and typed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "client_methods.h"
#include "frame.h"
#include "liaison.h"
#include "pbjson.h"
#include "transport.h"
#include "wire.h"

/* What the client accepts from the server in one frame. */
#define CLIENT_MAX_FRAME (64u << 20)
#define CLIENT_DECODE_BUDGET (8 * (size_t)CLIENT_MAX_FRAME)

struct pending {
    uint64_t id;
    const ProtobufCMessageDescriptor *output;
};

struct liaison_conn {
    char host[256];
    char port[8];
    char url_error[160]; /* set when the URL did not parse */
    char *opt[9];        /* string options, indexed by liaison_option */
    int connect_timeout_ms;
    int request_timeout_ms;
    struct transport t;
    bool connected;
    uint64_t connections;   /* connections made: tells a call whether it made a new one */
    uint32_t max_in_flight; /* from Hello, Login or Authenticate */
    /* The largest request frame the server takes now (0: not stated), and
     * the limits Hello stated, which apply again after a Logout. */
    uint32_t max_frame_bytes;
    uint32_t hello_max_frame_bytes;
    uint32_t hello_max_in_flight;
    uint64_t next_id;
    int outstanding;
    struct pending *pending; /* what each outstanding request expects back */
    struct arena raw_arena;  /* holds the last frame liaison_recv_raw returned */
    int64_t last_answer_ms;  /* when the server last answered on this connection */
    bool last_more;          /* the frame liaison_recv_* returned last was a stream's chunk */
    int pending_cap;
    uint32_t retry_after_ms; /* the last answer's Status.retry_after_ms */
    uint64_t
        read_after_us; /* the newest Frame.written_at_us seen or given, sent with each request */
    /* The idempotency key for the next request (when key_set), and the one the last call took. */
    bool key_set;
    char key[256];
    char last_key[256];
    /*
     * Inside a stream's chunk callback: a call made from there would read
     * the outer stream's frames as its own, and a free would pull the
     * handle from under the call still running (an attack try-out of the
     * Python binding: SIGSEGV). Such a call is refused; a free waits for
     * the stream to return.
     */
    bool in_callback;
    bool free_deferred;
    char err[1024];
};

const char *liaison_version(void)
{
    return LIAISON_VERSION;
}

const char *liaison_code_name(int code)
{
    return wire_code_name(code);
}

void liaison_string_free(char *s)
{
    free(s);
}

const char *liaison_error(const liaison_conn *conn)
{
    return conn ? conn->err : "no handle";
}

uint32_t liaison_retry_after_ms(const liaison_conn *conn)
{
    return conn ? conn->retry_after_ms : 0;
}

uint64_t liaison_read_after(const liaison_conn *conn)
{
    return conn ? conn->read_after_us : 0;
}

void liaison_set_read_after(liaison_conn *conn, uint64_t written_at_us)
{
    if (conn && written_at_us > conn->read_after_us)
        conn->read_after_us = written_at_us;
}

int liaison_outstanding(const liaison_conn *conn)
{
    return conn ? conn->outstanding : 0;
}

int liaison_recv_more(const liaison_conn *conn)
{
    return conn && conn->last_more;
}

int liaison_socket(const liaison_conn *conn)
{
    return conn && conn->connected ? conn->t.fd : -1;
}

__attribute__((format(printf, 3, 4))) static int client_fail(liaison_conn *c, int code,
                                                             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return code;
}

/* Whether conn may be used now: not from a stream's callback on it. */
static int client_usable(liaison_conn *c)
{
    if (!c)
        return LIAISON_INVALID_ARGUMENT;
    if (c->in_callback)
        return client_fail(c, LIAISON_FAILED_PRECONDITION,
                           "this connection is in the middle of a stream: its chunk callback "
                           "may not call on it (use a second connection)");
    return LIAISON_OK;
}

/* Splits liaison://host[:port] into the handle; errors wait for connect. */
static void client_parse_url(liaison_conn *c, const char *url)
{
    const char *scheme = "liaison://";
    if (!url || strncmp(url, scheme, strlen(scheme)) != 0) {
        snprintf(c->url_error, sizeof c->url_error, "URL must start with liaison://");
        return;
    }
    const char *p = url + strlen(scheme);
    const char *host_end;
    const char *rest;
    if (*p == '[') {
        host_end = strchr(p, ']');
        if (!host_end) {
            snprintf(c->url_error, sizeof c->url_error, "URL has an unclosed [");
            return;
        }
        p++;
        rest = host_end + 1;
    } else {
        host_end = p + strcspn(p, ":/");
        rest = host_end;
    }
    size_t hlen = (size_t)(host_end - p);
    if (hlen == 0 || hlen >= sizeof c->host) {
        snprintf(c->url_error, sizeof c->url_error, "URL has no host or too long a host");
        return;
    }
    memcpy(c->host, p, hlen);
    c->host[hlen] = '\0';
    snprintf(c->port, sizeof c->port, "7443");
    if (*rest == ':') {
        char *end;
        errno = 0;
        long port = strtol(rest + 1, &end, 10);
        if (*end == '/' && end[1]) {
            snprintf(c->url_error, sizeof c->url_error, "URL may not have a path ('%.100s')", end);
            return;
        }
        if (errno || end == rest + 1 || port < 1 || port > 65535 || (*end && strcmp(end, "/"))) {
            snprintf(c->url_error, sizeof c->url_error, "URL has a bad port");
            return;
        }
        snprintf(c->port, sizeof c->port, "%ld", port);
    } else if (*rest == '/' && rest[1]) {
        snprintf(c->url_error, sizeof c->url_error, "URL may not have a path ('%.100s')", rest);
    } else if (*rest && strcmp(rest, "/")) {
        snprintf(c->url_error, sizeof c->url_error, "URL has unexpected text after the host");
    }
}

liaison_conn *liaison_new(const char *url)
{
    liaison_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->t.fd = -1;
    c->connect_timeout_ms = 10000;
    c->request_timeout_ms = 30000;
    client_parse_url(c, url);
    return c;
}

static void client_disconnect(liaison_conn *c)
{
    if (c->connected)
        transport_close(&c->t);
    c->connected = false;
    c->outstanding = 0;
}

void liaison_free(liaison_conn *conn)
{
    if (!conn)
        return;
    if (conn->in_callback) {
        conn->free_deferred = true;
        return;
    }
    client_disconnect(conn);
    arena_reset(&conn->raw_arena);
    free(conn->pending);
    for (size_t i = 0; i < sizeof conn->opt / sizeof conn->opt[0]; i++)
        free(conn->opt[i]);
    free(conn);
}

int liaison_set_option(liaison_conn *c, liaison_option option, const char *value)
{
    if (!c)
        return LIAISON_INVALID_ARGUMENT;
    if (option == LIAISON_OPT_CONNECT_TIMEOUT_MS || option == LIAISON_OPT_REQUEST_TIMEOUT_MS) {
        char *end;
        errno = 0;
        long v = value ? strtol(value, &end, 10) : 0;
        if (!value || errno || end == value || *end || v < 1 || v > 3600000)
            return client_fail(c, LIAISON_INVALID_ARGUMENT,
                               "timeout must be 1 to 3600000 milliseconds, not '%s'",
                               value ? value : "(null)");
        if (option == LIAISON_OPT_CONNECT_TIMEOUT_MS)
            c->connect_timeout_ms = (int)v;
        else
            c->request_timeout_ms = (int)v;
        c->err[0] = '\0';
        return LIAISON_OK;
    }
    if (option < LIAISON_OPT_CA_FILE || option > LIAISON_OPT_TOKEN)
        return client_fail(c, LIAISON_INVALID_ARGUMENT, "unknown option");
    /*
     * No token or client name is "", as NULL: an empty token presented had every connection's
     * Authenticate refused. An empty file or server name stays a mistake, said when used.
     */
    if (value && !*value && (option == LIAISON_OPT_TOKEN || option == LIAISON_OPT_CLIENT_NAME))
        value = NULL;
    if (value && strlen(value) > 4096)
        return client_fail(c, LIAISON_INVALID_ARGUMENT, "option value too long");
    /* Sent in Hello or Authenticate, whose refusal would end every connection. */
    if (value && (option == LIAISON_OPT_CLIENT_NAME || option == LIAISON_OPT_TOKEN) &&
        !wire_utf8_valid(value, strlen(value)))
        return client_fail(c, LIAISON_INVALID_ARGUMENT, "%s is not valid UTF-8",
                           option == LIAISON_OPT_TOKEN ? "the token" : "the client name");
    /*
     * The rest apply to a connection as it is made: a token set on a connected handle did
     * nothing until a reconnection the program did not choose, and then changed the user
     * (a developer's try-out). The connection is closed, so the next call makes one with it.
     */
    const char *now = c->opt[option];
    if ((!value && !now) || (value && now && !strcmp(value, now))) {
        c->err[0] = '\0'; /* the same value: the connection made with it stays */
        return LIAISON_OK;
    }
    if (c->in_callback || (c->connected && c->outstanding > 0))
        return client_fail(c, LIAISON_FAILED_PRECONDITION,
                           "a call is in flight on this handle: set this option between calls");
    char *copy = NULL;
    if (value && !(copy = strdup(value)))
        return client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
    client_disconnect(c);
    free(c->opt[option]);
    c->opt[option] = copy;
    c->err[0] = '\0';
    return LIAISON_OK;
}

/*
 * Keeps the limits a successful response states: Hello's apply until an
 * identity is taken on, Login's and Authenticate's while it lasts, Hello's
 * again after Logout. A server older than these fields sends 0, which
 * leaves the limits as they were.
 */
static void client_note_limits(liaison_conn *c, const ProtobufCMessage *m)
{
    uint32_t frame = 0, in_flight = 0;
    if (m->descriptor == &liaison__v1__hello_response__descriptor) {
        const Liaison__V1__HelloResponse *r = (const Liaison__V1__HelloResponse *)m;
        frame = c->hello_max_frame_bytes = r->max_frame_bytes;
        in_flight = c->hello_max_in_flight = r->max_in_flight;
    } else if (m->descriptor == &liaison__v1__login_response__descriptor) {
        const Liaison__V1__LoginResponse *r = (const Liaison__V1__LoginResponse *)m;
        frame = r->max_frame_bytes;
        in_flight = r->max_in_flight;
    } else if (m->descriptor == &liaison__v1__authenticate_response__descriptor) {
        const Liaison__V1__AuthenticateResponse *r = (const Liaison__V1__AuthenticateResponse *)m;
        frame = r->max_frame_bytes;
        in_flight = r->max_in_flight;
    } else if (m->descriptor == &liaison__v1__logout_response__descriptor) {
        frame = c->hello_max_frame_bytes;
        in_flight = c->hello_max_in_flight;
    }
    if (frame)
        c->max_frame_bytes = frame;
    if (in_flight)
        c->max_in_flight = in_flight;
}

/* Sends one request frame carrying an encoded payload and key (NULL: none), with a fresh id. */
static int client_send_bytes(liaison_conn *c, const char *method, const uint8_t *payload,
                             size_t plen, const char *key, int64_t deadline, uint64_t *id)
{
    Liaison__V1__Frame f = LIAISON__V1__FRAME__INIT;
    f.request_id = ++c->next_id;
    f.method = (char *)method;
    if (key)
        f.idempotency_key = (char *)key;
    f.payload.data = (uint8_t *)payload;
    f.payload.len = plen;
    /* The server gives up at the same time as we do (or sooner, at its own limit). */
    f.timeout_ms = (uint32_t)c->request_timeout_ms;
    f.read_after_us = c->read_after_us;
    size_t n = protobuf_c_message_get_packed_size(&f.base);
    /* The server would end the connection over it: refuse here and keep the connection. */
    if (c->max_frame_bytes && n > c->max_frame_bytes)
        return client_fail(c, LIAISON_RESOURCE_EXHAUSTED,
                           "request of %zu bytes exceeds the server's limit of %" PRIu32 " bytes",
                           n, c->max_frame_bytes);
    uint8_t stack[512];
    uint8_t *wire = n + FRAME_HEADER_SIZE <= sizeof stack ? stack
                    : n <= UINT32_MAX                     ? malloc(FRAME_HEADER_SIZE + n)
                                                          : NULL;
    if (!wire)
        return client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "request too large");
    frame_put_header(wire, (uint32_t)n);
    protobuf_c_message_pack(&f.base, wire + FRAME_HEADER_SIZE);
    int rc = transport_write(&c->t, wire, FRAME_HEADER_SIZE + n, deadline, c->err, sizeof c->err);
    if (wire != stack)
        free(wire);
    if (rc != LIAISON_OK) {
        client_disconnect(c);
        return rc;
    }
    *id = f.request_id;
    return LIAISON_OK;
}

/* Encodes req and sends it as one request frame. */
static int client_send(liaison_conn *c, const char *method, const ProtobufCMessage *req,
                       const char *key, int64_t deadline, uint64_t *id)
{
    size_t plen = protobuf_c_message_get_packed_size(req);
    uint8_t stack[256];
    uint8_t *payload = plen <= sizeof stack ? stack : malloc(plen);
    if (!payload)
        return client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
    protobuf_c_message_pack(req, payload);
    int rc = client_send_bytes(c, method, payload, plen, key, deadline, id);
    if (payload != stack)
        free(payload);
    return rc;
}

/*
 * Receives the next frame, decoded into a. A connection-level error frame
 * (request id 0) ends the connection and is returned as its status code.
 */
static int client_recv(liaison_conn *c, int64_t deadline, struct arena *a,
                       const Liaison__V1__Frame **out)
{
    const uint8_t *body;
    size_t len;
    int rc =
        transport_read_frame(&c->t, CLIENT_MAX_FRAME, deadline, &body, &len, c->err, sizeof c->err);
    if (rc == LIAISON_DEADLINE_EXCEEDED)
        return rc;
    if (rc != LIAISON_OK) {
        client_disconnect(c);
        return rc;
    }
    char field[128];
    const char *why;
    const Liaison__V1__Frame *f = (const Liaison__V1__Frame *)wire_decode(
        &liaison__v1__frame__descriptor, body, len, a, field, sizeof field, &why);
    if (!f) {
        client_disconnect(c);
        return client_fail(c, LIAISON_DATA_LOSS, "malformed frame from server: %s", why);
    }
    c->last_answer_ms = transport_now_ms();
    liaison_set_read_after(c, f->written_at_us);
    if (f->request_id == 0) {
        int code = f->status && f->status->code ? (int)f->status->code : LIAISON_UNKNOWN;
        snprintf(c->err, sizeof c->err, "server ended the connection: %s",
                 f->status ? f->status->message : "");
        client_disconnect(c);
        return code;
    }
    *out = f;
    return LIAISON_OK;
}

/* Waits for the response to id; nothing else may be in flight. */
static int client_await(liaison_conn *c, uint64_t id, int64_t deadline, struct arena *a,
                        const Liaison__V1__Frame **out)
{
    int rc = client_recv(c, deadline, a, out);
    if (rc == LIAISON_DEADLINE_EXCEEDED) {
        /* The answer may still come: this connection can no longer be trusted. */
        client_disconnect(c);
        return rc;
    }
    if (rc != LIAISON_OK)
        return rc;
    if ((*out)->request_id != id) {
        client_disconnect(c);
        return client_fail(c, LIAISON_DATA_LOSS, "server answered a request not asked");
    }
    return LIAISON_OK;
}

/*
 * A copy of st in a, for a caller that outlives the frame it came in; NULL
 * without memory. Field by field, not packed and unpacked again: protobuf-c
 * keeps an unknown field whose tag is past 2^29 and packs it back as a tag
 * it then refuses, so a server's odd Status came out as "out of memory"
 * (found by tests/fuzz/fuzz_client.c; corpus/client/regress-status-tag).
 */
static const Liaison__V1__Status *client_copy_status(const Liaison__V1__Status *st, struct arena *a)
{
    Liaison__V1__Status *cp = arena_alloc(a, sizeof *cp);
    if (!cp)
        return NULL;
    liaison__v1__status__init(cp);
    cp->code = st->code;
    cp->server_protocol_version = st->server_protocol_version;
    cp->retry_after_ms = st->retry_after_ms;
    cp->message = arena_strdup(a, st->message ? st->message : "");
    if (!cp->message)
        return NULL;
    if (st->n_violations) {
        cp->violations = arena_alloc(a, st->n_violations * sizeof *cp->violations);
        if (!cp->violations)
            return NULL;
        for (size_t i = 0; i < st->n_violations; i++) {
            Liaison__V1__FieldViolation *v = arena_alloc(a, sizeof *v);
            if (!v)
                return NULL;
            liaison__v1__field_violation__init(v);
            const Liaison__V1__FieldViolation *from = st->violations[i];
            v->field = arena_strdup(a, from->field ? from->field : "");
            v->description = arena_strdup(a, from->description ? from->description : "");
            if (!v->field || !v->description)
                return NULL;
            cp->violations[i] = v;
        }
        cp->n_violations = st->n_violations;
    }
    return cp;
}

/*
 * What a connection's set-up hands the call that needed it when the server
 * refused a step (Hello, Authenticate): that status, copied into keep, so
 * the call reports it as it reports its own refusals. Both NULL: nobody
 * asks.
 */
struct client_refusal {
    struct arena *keep;
    const Liaison__V1__Status **status;
};
static const struct client_refusal client_nobody = {NULL, NULL};

/*
 * One request and its answer by deadline, while setting up a connection:
 * a refusal ends the connection (its status goes to rf); on success the
 * response (decoded into a) is returned in *out.
 */
static int client_setup_exchange(liaison_conn *c, const char *method, const ProtobufCMessage *req,
                                 const ProtobufCMessageDescriptor *desc, int64_t deadline,
                                 struct arena *a, ProtobufCMessage **out,
                                 const struct client_refusal *rf)
{
    uint64_t id;
    int rc = client_send(c, method, req, NULL, deadline, &id);
    if (rc != LIAISON_OK)
        return rc;
    const Liaison__V1__Frame *f = NULL;
    rc = client_await(c, id, deadline, a, &f);
    if (rc != LIAISON_OK)
        return rc;
    if (f->status && f->status->code) {
        rc = client_fail(c, (int)f->status->code, "%s refused: %s", method, f->status->message);
        if (rf->status && !(*rf->status = client_copy_status(f->status, rf->keep)))
            rc = client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
        client_disconnect(c);
        return rc;
    }
    char field[64];
    const char *why;
    *out = wire_decode(desc, f->payload.data, f->payload.len, a, field, sizeof field, &why);
    if (!*out) {
        rc = client_fail(c, LIAISON_DATA_LOSS, "bad %s response: %s", method, why);
        client_disconnect(c);
    }
    return rc;
}

static int client_hello(liaison_conn *c, int64_t deadline, const struct client_refusal *rf)
{
    Liaison__V1__HelloRequest req = LIAISON__V1__HELLO_REQUEST__INIT;
    req.protocol_version = WIRE_PROTOCOL_VERSION;
    req.client_name =
        c->opt[LIAISON_OPT_CLIENT_NAME] ? c->opt[LIAISON_OPT_CLIENT_NAME] : "libliaison";
    struct arena a;
    arena_init(&a, CLIENT_DECODE_BUDGET);
    ProtobufCMessage *out = NULL;
    int rc = client_setup_exchange(c, "Hello", &req.base, &liaison__v1__hello_response__descriptor,
                                   deadline, &a, &out, rf);
    if (rc == LIAISON_OK)
        client_note_limits(c, out);
    arena_reset(&a);
    return rc;
}

/* Presents the handle's token (or its client certificate) on a fresh connection. */
static int client_authenticate(liaison_conn *c, int64_t deadline, const struct client_refusal *rf)
{
    Liaison__V1__AuthenticateRequest req = LIAISON__V1__AUTHENTICATE_REQUEST__INIT;
    req.token = c->opt[LIAISON_OPT_TOKEN] ? c->opt[LIAISON_OPT_TOKEN] : "";
    struct arena a;
    arena_init(&a, CLIENT_DECODE_BUDGET);
    ProtobufCMessage *out = NULL;
    int rc = client_setup_exchange(c, "Authenticate", &req.base,
                                   &liaison__v1__authenticate_response__descriptor, deadline, &a,
                                   &out, rf);
    if (rc == LIAISON_OK)
        client_note_limits(c, out);
    arena_reset(&a);
    return rc;
}

/* liaison_connect(), handing a refused set-up step's status to rf. */
static int client_connect(liaison_conn *c, const struct client_refusal *rf)
{
    if (c->connected)
        return LIAISON_OK;
    if (c->url_error[0])
        return client_fail(c, LIAISON_INVALID_ARGUMENT, "%s", c->url_error);
    struct transport_opts o = {
        .host = c->host,
        .port = c->port,
        .server_name = c->opt[LIAISON_OPT_SERVER_NAME],
        .ca_file = c->opt[LIAISON_OPT_CA_FILE],
        .cert_file = c->opt[LIAISON_OPT_CERT_FILE],
        .key_file = c->opt[LIAISON_OPT_KEY_FILE],
    };
    int64_t deadline = transport_now_ms() + c->connect_timeout_ms;
    int rc = transport_open(&c->t, &o, deadline, c->err, sizeof c->err);
    if (rc != LIAISON_OK)
        return rc;
    c->connected = true;
    c->connections++;
    c->outstanding = 0;
    /* A new connection starts from nothing the last one stated. */
    c->max_frame_bytes = 0;
    rc = client_hello(c, deadline, rf);
    if (rc == LIAISON_OK && (c->opt[LIAISON_OPT_TOKEN] || c->opt[LIAISON_OPT_CERT_FILE]))
        rc = client_authenticate(c, deadline, rf);
    if (rc == LIAISON_OK)
        c->err[0] = '\0';
    return rc;
}

int liaison_connect(liaison_conn *c)
{
    int usable = client_usable(c);
    if (usable != LIAISON_OK)
        return usable;
    return client_connect(c, &client_nobody);
}

/*
 * Connected and fresh: a connection the server closed while idle is
 * replaced. The server closes connections only after at least a second of
 * idleness, so one that answered more recently is not checked (saving a
 * poll per request on a busy connection).
 */
#define CLIENT_FRESH_MS 500

static int client_ready(liaison_conn *c, const struct client_refusal *rf)
{
    if (c->connected && c->outstanding == 0 &&
        transport_now_ms() - c->last_answer_ms > CLIENT_FRESH_MS && transport_closed_by_peer(&c->t))
        client_disconnect(c);
    return client_connect(c, rf);
}

#ifdef LIAISON_FUZZ_BUILD
/* Test-only, in the fuzz build alone: client_copy_status for tests/fuzz/fuzz_client.c. */
const Liaison__V1__Status *client_fuzz_copy_status(const Liaison__V1__Status *st, struct arena *a);
const Liaison__V1__Status *client_fuzz_copy_status(const Liaison__V1__Status *st, struct arena *a)
{
    return client_copy_status(st, a);
}
#endif

/*
 * What a blocking call does with the chunks of a streamed answer (frames
 * with more set): each is decoded as the method's output and handed to fn;
 * a non-zero return stops the call with that code. When bounded, chunks
 * whose payloads add up to more than one frame could carry (the server's
 * max_frame_bytes) stop it with RESOURCE_EXHAUSTED.
 */
struct client_stream {
    int (*fn)(liaison_conn *c, void *arg, const ProtobufCMessage *chunk);
    void *arg;
    bool bounded;
    unsigned delivered; /* parts handed to fn */
};

/* What a bounded stream gathers when the server stated no frame limit. */
#define CLIENT_STREAM_BOUND_DEFAULT (1u << 20)

/*
 * Takes the chunks of id's answer until its last frame, decoded into a;
 * each frame must come within the request timeout of the one before. A
 * stream that is stopped, or not asked for (sc NULL), ends the connection:
 * nothing else can be read on it until the stream's end.
 */
static int client_await_last(liaison_conn *c, uint64_t id, int64_t deadline,
                             const ProtobufCMessageDescriptor *desc, struct client_stream *sc,
                             struct arena *a, const Liaison__V1__Frame **out)
{
    size_t total = 0;
    for (;;) {
        int rc = client_await(c, id, deadline, a, out);
        if (rc != LIAISON_OK || !(*out)->more)
            return rc;
        if (!sc) {
            client_disconnect(c);
            return client_fail(c, LIAISON_DATA_LOSS, "server streamed an answer not asked for");
        }
        size_t bound = c->max_frame_bytes ? c->max_frame_bytes : CLIENT_STREAM_BOUND_DEFAULT;
        total += (*out)->payload.len;
        if (sc->bounded && total > bound) {
            client_disconnect(c);
            return client_fail(c, LIAISON_RESOURCE_EXHAUSTED,
                               "the streamed answer passed %zu bytes, more than "
                               "liaison_call_json returns: use liaison_call_stream",
                               bound);
        }
        char field[128];
        const char *why;
        struct arena ca;
        arena_init(&ca, CLIENT_DECODE_BUDGET);
        ProtobufCMessage *m = wire_decode(desc, (*out)->payload.data, (*out)->payload.len, &ca,
                                          field, sizeof field, &why);
        if (m)
            sc->delivered++;
        rc = m ? sc->fn(c, sc->arg, m)
               : client_fail(c, LIAISON_DATA_LOSS, "malformed response: %s", why);
        arena_reset(&ca);
        /* The frame is no longer needed: a long stream must not pile up in a. */
        arena_reset(a);
        if (rc != LIAISON_OK) {
            client_disconnect(c);
            return rc;
        }
        deadline = transport_now_ms() + c->request_timeout_ms;
    }
}

/* The call's key, taken from what liaison_set_idempotency_key() set: NULL for none. */
static const char *client_take_key(liaison_conn *c)
{
    if (!c->key_set) {
        c->last_key[0] = '\0';
        return NULL;
    }
    c->key_set = false;
    memcpy(c->last_key, c->key, sizeof c->last_key);
    return c->last_key[0] ? c->last_key : NULL;
}

static bool client_listed(const char *const *names, const char *method)
{
    for (; *names; names++)
        if (!strcmp(*names, method))
            return true;
    return false;
}

/*
 * Whether method, sent with key or not, may be sent again after its
 * connection dropped: nothing it does can happen twice (server/methods.h).
 */
static bool client_may_resend(const char *method, const char *key)
{
    return client_listed(client_read_methods, method) ||
           (key && client_listed(client_create_methods, method));
}

/*
 * One blocking call: req out, the response payload decoded as desc into a
 * (for a streamed answer, the last frame's; the others go to sc). On a
 * failure the server reported, this call's or a refused Hello or
 * Authenticate of the connection it needed, *status_out (if given) points
 * at its status, in a. Sent once
 * more on a new connection when the connection dropped before the answer
 * and client_may_resend() allows it.
 */
static int client_call_stream(liaison_conn *c, const char *method, const ProtobufCMessage *req,
                              const ProtobufCMessageDescriptor *desc, struct client_stream *sc,
                              struct arena *a, ProtobufCMessage **out,
                              const Liaison__V1__Status **status_out, bool keyed)
{
    const char *key = keyed ? client_take_key(c) : NULL;
    c->retry_after_ms = 0;
    if (c->outstanding > 0)
        return client_fail(c, LIAISON_FAILED_PRECONDITION,
                           "a blocking call cannot be made while pipelined requests are "
                           "outstanding");
    bool resend = client_may_resend(method, key);
    const struct client_refusal rf = {a, status_out};
    /* Frames go to an arena of their own, emptied per chunk: req (in a) is sent already. */
    struct arena fa;
    arena_init(&fa, CLIENT_DECODE_BUDGET);
    const Liaison__V1__Frame *f = NULL;
    int rc;
    for (int attempt = 0;; attempt++) {
        rc = client_ready(c, &rf);
        if (rc != LIAISON_OK) {
            /* The resend's own failure ("cannot connect ... refused") alone hid that the call's
             * connection had dropped first (a try-out). */
            if (attempt > 0 && rc == LIAISON_UNAVAILABLE) {
                char why[sizeof c->err];
                snprintf(why, sizeof why, "%s", c->err);
                rc = client_fail(c, rc,
                                 "connection lost before the answer, and sending it again "
                                 "failed: %s",
                                 why);
            }
            arena_reset(&fa);
            return rc;
        }
        int64_t deadline = transport_now_ms() + c->request_timeout_ms;
        uint64_t id;
        rc = client_send(c, method, req, key, deadline, &id);
        if (rc == LIAISON_OK)
            rc = client_await_last(c, id, deadline, desc, sc, &fa, &f);
        bool dropped = rc == LIAISON_UNAVAILABLE && !c->connected;
        if (!dropped || !resend || attempt > 0 || (sc && sc->delivered))
            break;
        arena_reset(&fa);
        arena_init(&fa, CLIENT_DECODE_BUDGET);
    }
    c->retry_after_ms = rc == LIAISON_OK && f->status ? f->status->retry_after_ms : 0;
    if (rc == LIAISON_OK && f->status && f->status->code) {
        snprintf(c->err, sizeof c->err, "%s", f->status->message);
        rc = (int)f->status->code;
        if (status_out && !(*status_out = client_copy_status(f->status, a)))
            rc = client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
    } else if (rc == LIAISON_OK) {
        char field[128];
        const char *why;
        *out = wire_decode(desc, f->payload.data, f->payload.len, a, field, sizeof field, &why);
        if (!*out) {
            rc = client_fail(c, LIAISON_DATA_LOSS, "malformed response: %s", why);
        } else {
            client_note_limits(c, *out);
            c->err[0] = '\0';
        }
    }
    arena_reset(&fa);
    return rc;
}

/*
 * A typed call (Ping, Login, ...): none is a create, so it leaves a key set
 * with liaison_set_idempotency_key() for the next generic call.
 */
static int client_call(liaison_conn *c, const char *method, const ProtobufCMessage *req,
                       const ProtobufCMessageDescriptor *desc, struct arena *a,
                       ProtobufCMessage **out, const Liaison__V1__Status **status_out)
{
    return client_call_stream(c, method, req, desc, NULL, a, out, status_out, false);
}

/* Checks the in-flight limit and makes room to remember one more request. */
static int client_pending_room(liaison_conn *c)
{
    if ((uint32_t)c->outstanding >= c->max_in_flight)
        return client_fail(c, LIAISON_RESOURCE_EXHAUSTED,
                           "the server allows no more requests in flight on one connection");
    if (c->outstanding == c->pending_cap) {
        int cap = c->pending_cap ? 2 * c->pending_cap : 16;
        struct pending *p = realloc(c->pending, (size_t)cap * sizeof *p);
        if (!p)
            return client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
        c->pending = p;
        c->pending_cap = cap;
    }
    return LIAISON_OK;
}

static void client_pending_add(liaison_conn *c, uint64_t id,
                               const ProtobufCMessageDescriptor *output)
{
    c->pending[c->outstanding].id = id;
    c->pending[c->outstanding].output = output;
    c->outstanding++;
}

static char *client_json_dump(const ProtobufCMessage *m)
{
    json_t *j = pbjson_from_message(m);
    if (!j)
        return NULL;
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    return s;
}

/*
 * Refuses a request before it is sent for what it holds, in the server's
 * words: LIAISON_INVALID_ARGUMENT, "invalid FIELD: WHY" ("invalid request:
 * WHY" when no one field is to blame) and, in *status_json when asked, the
 * status the server would have sent, with the field's violation, so that
 * a form maps local and server refusals alike. *status_json is NULL when
 * memory ran out.
 */
static int client_refuse(liaison_conn *c, const char *field, const char *why, char **status_json)
{
    client_fail(c, LIAISON_INVALID_ARGUMENT, "invalid %s: %s", field[0] ? field : "request", why);
    if (status_json) {
        Liaison__V1__FieldViolation v = LIAISON__V1__FIELD_VIOLATION__INIT, *vp = &v;
        Liaison__V1__Status st = LIAISON__V1__STATUS__INIT;
        st.code = LIAISON__V1__CODE__INVALID_ARGUMENT;
        st.message = c->err;
        v.field = (char *)field;
        v.description = (char *)why;
        if (field[0]) {
            st.violations = &vp;
            st.n_violations = 1;
        }
        *status_json = client_json_dump(&st.base);
    }
    return LIAISON_INVALID_ARGUMENT;
}

/*
 * A method no such RPC names, echoed only when it reads as a name: its raw bytes (a 0xFF, a
 * control character) went into liaison_error(), which bindings decode as UTF-8 (a try-out).
 */
static int client_unknown_method(liaison_conn *c, const char *method)
{
    bool plain = method && strlen(method) <= WIRE_MAX_METHOD;
    for (const char *p = method; plain && *p; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                *p == '_' || *p == '.';
    if (!plain)
        return client_fail(c, LIAISON_UNIMPLEMENTED, "unknown method (%s)",
                           method ? "not a method's name" : "none given");
    return client_fail(c, LIAISON_UNIMPLEMENTED, "unknown method '%s'", method);
}

/*
 * Parses request_json for method into a; sets *md to the method. A request
 * refused for what it holds comes with its status in *status_json (when
 * status_json is not NULL), as client_refuse() makes it.
 */
static int client_json_request(liaison_conn *c, const char *method, const char *request_json,
                               struct arena *a, const ProtobufCMethodDescriptor **md,
                               ProtobufCMessage **req, char **status_json)
{
    if (!method || strlen(method) > WIRE_MAX_METHOD || !(*md = wire_method(method)))
        return client_unknown_method(c, method);
    json_error_t jerr;
    json_t *j = request_json && *request_json
                    ? json_loads(request_json, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr)
                    : json_object();
    if (!j) {
        char why[256];
        snprintf(why, sizeof why, "not valid JSON: %s (line %d)", jerr.text, jerr.line);
        return client_refuse(c, "", why, status_json);
    }
    struct pbjson_error e;
    *req = pbjson_to_message((*md)->input, j, a, &e);
    json_decref(j);
    if (!*req)
        return client_refuse(c, e.field, e.why, status_json);
    return LIAISON_OK;
}

/*
 * Adds chunk's fields to the object acc: arrays (repeated fields) are
 * extended, anything else takes chunk's value. Returns 0, or -1 when
 * memory ran out.
 */
static int client_json_merge(json_t *acc, json_t *chunk)
{
    const char *key;
    json_t *v;
    json_object_foreach(chunk, key, v)
    {
        json_t *have = json_object_get(acc, key);
        int rc = json_is_array(have) && json_is_array(v) ? json_array_extend(have, v)
                                                         : json_object_set(acc, key, v);
        if (rc)
            return -1;
    }
    return 0;
}

/* A chunk of liaison_call_json's answer: merged into the JSON object arg. */
static int client_json_chunk(liaison_conn *c, void *arg, const ProtobufCMessage *m)
{
    json_t *j = pbjson_from_message(m);
    int rc = j && client_json_merge(arg, j) == 0 ? LIAISON_OK : LIAISON_RESOURCE_EXHAUSTED;
    json_decref(j);
    return rc == LIAISON_OK ? rc : client_fail(c, rc, "out of memory");
}

/*
 * Methods whose answer is a stream that ends only when the caller stops it
 * (SubscribeEvents: events, then heartbeats, for as long as the connection
 * lasts). liaison_call_json() would wait on one for ever, so it takes only
 * its refusal, which comes before any part.
 */
static const char *const client_endless_methods[] = {"SubscribeEvents", NULL};

/* A part of an endless stream (arg: its method) reached liaison_call_json(): stops it. */
static int client_json_endless(liaison_conn *c, void *arg, const ProtobufCMessage *m)
{
    (void)m;
    return client_fail(c, LIAISON_FAILED_PRECONDITION,
                       "%s streams until the caller stops it: take it with liaison_call_stream",
                       (const char *)arg);
}

int liaison_call_json(liaison_conn *c, const char *method, const char *request_json,
                      char **response_json)
{
    char *unwanted = NULL;
    if (!response_json)
        response_json = &unwanted;
    *response_json = NULL;
    int usable = client_usable(c);
    if (usable != LIAISON_OK)
        return usable;
    struct arena a;
    arena_init(&a, CLIENT_DECODE_BUDGET);
    const ProtobufCMethodDescriptor *md;
    ProtobufCMessage *req, *resp = NULL;
    const Liaison__V1__Status *st = NULL;
    json_t *acc = json_object();
    struct client_stream sc = {client_json_chunk, acc, true, 0};
    int rc = acc ? client_json_request(c, method, request_json, &a, &md, &req, response_json)
                 : client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
    if (rc != LIAISON_OK)
        client_take_key(c); /* refused before sending, the call still took the key */
    if (rc == LIAISON_OK && client_listed(client_endless_methods, method))
        sc = (struct client_stream){client_json_endless, (void *)method, true, 0};
    if (rc == LIAISON_OK)
        rc = client_call_stream(c, method, req, md->output, &sc, &a, &resp, &st, true);
    if (rc == LIAISON_OK) {
        json_t *last = pbjson_from_message(resp);
        if (last && client_json_merge(acc, last) == 0)
            *response_json = json_dumps(acc, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(last);
        if (!*response_json)
            rc = client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
    } else if (st) {
        *response_json = client_json_dump(&st->base);
    }
    json_decref(acc);
    arena_reset(&a);
    free(unwanted);
    return rc;
}

/* A chunk of liaison_call_stream's answer, as JSON to the caller's callback. */
struct client_json_sink {
    liaison_chunk_fn fn;
    void *arg;
};

static int client_stream_chunk(liaison_conn *c, void *arg, const ProtobufCMessage *m)
{
    const struct client_json_sink *sink = arg;
    if (!sink->fn)
        return LIAISON_OK;
    char *json = client_json_dump(m);
    if (!json)
        return client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
    c->in_callback = true;
    int stop = sink->fn(sink->arg, json);
    c->in_callback = false;
    free(json);
    if (c->free_deferred)
        return client_fail(c, LIAISON_CANCELLED, "the connection was freed during its stream");
    return stop ? client_fail(c, LIAISON_CANCELLED, "the caller stopped the stream") : LIAISON_OK;
}

int liaison_call_stream(liaison_conn *c, const char *method, const char *request_json,
                        liaison_chunk_fn chunk, void *arg, char **error_json)
{
    char *unwanted = NULL;
    if (!error_json)
        error_json = &unwanted;
    *error_json = NULL;
    int usable = client_usable(c);
    if (usable != LIAISON_OK)
        return usable;
    struct arena a;
    arena_init(&a, CLIENT_DECODE_BUDGET);
    const ProtobufCMethodDescriptor *md;
    ProtobufCMessage *req, *resp = NULL;
    const Liaison__V1__Status *st = NULL;
    struct client_json_sink sink = {chunk, arg};
    struct client_stream sc = {client_stream_chunk, &sink, false, 0};
    int rc = client_json_request(c, method, request_json, &a, &md, &req, error_json);
    if (rc != LIAISON_OK)
        client_take_key(c); /* refused before sending, the call still took the key */
    if (rc == LIAISON_OK)
        rc = client_call_stream(c, method, req, md->output, &sc, &a, &resp, &st, true);
    if (rc == LIAISON_OK) {
        rc = client_stream_chunk(c, &sink, resp);
        if (rc == LIAISON_OK)
            c->err[0] = '\0';
    } else if (st) {
        *error_json = client_json_dump(&st->base);
    }
    arena_reset(&a);
    free(unwanted);
    if (c->free_deferred)
        liaison_free(c);
    return rc;
}

int liaison_send_json(liaison_conn *c, const char *method, const char *request_json,
                      uint64_t *request_id)
{
    uint64_t unwanted;
    if (!request_id)
        request_id = &unwanted;
    int usable = client_usable(c);
    if (usable != LIAISON_OK)
        return usable;
    struct arena a;
    arena_init(&a, CLIENT_DECODE_BUDGET);
    const ProtobufCMethodDescriptor *md;
    ProtobufCMessage *req;
    const char *key = client_take_key(c);
    int rc = client_json_request(c, method, request_json, &a, &md, &req, NULL);
    if (rc == LIAISON_OK && c->outstanding == 0)
        rc = client_ready(c, &client_nobody);
    if (rc == LIAISON_OK && !c->connected)
        rc =
            client_fail(c, LIAISON_UNAVAILABLE, "the connection dropped with requests outstanding");
    if (rc == LIAISON_OK)
        rc = client_pending_room(c);
    if (rc == LIAISON_OK) {
        rc = client_send(c, method, req, key, transport_now_ms() + c->request_timeout_ms,
                         request_id);
        if (rc == LIAISON_OK)
            client_pending_add(c, *request_id, md->output);
    }
    arena_reset(&a);
    return rc;
}

int liaison_recv_json(liaison_conn *c, int timeout_ms, uint64_t *request_id, int *status,
                      char **response_json)
{
    uint64_t unwanted_id;
    int unwanted_status;
    char *unwanted_json = NULL;
    if (!request_id)
        request_id = &unwanted_id;
    if (!status)
        status = &unwanted_status;
    if (!response_json)
        response_json = &unwanted_json;
    *response_json = NULL;
    int usable = client_usable(c);
    if (usable != LIAISON_OK)
        return usable;
    if (!c->connected || c->outstanding == 0)
        return client_fail(c, LIAISON_FAILED_PRECONDITION, "no request is outstanding");
    int64_t deadline = transport_now_ms() + (timeout_ms < 0 ? c->request_timeout_ms : timeout_ms);
    struct arena a;
    arena_init(&a, CLIENT_DECODE_BUDGET);
    const Liaison__V1__Frame *f = NULL;
    int rc = client_recv(c, deadline, &a, &f);
    if (rc == LIAISON_OK) {
        int k = 0;
        while (k < c->outstanding && c->pending[k].id != f->request_id)
            k++;
        if (k == c->outstanding) {
            client_disconnect(c);
            arena_reset(&a);
            return client_fail(c, LIAISON_DATA_LOSS, "server answered a request not asked");
        }
        const ProtobufCMessageDescriptor *output = c->pending[k].output;
        c->last_more = f->more;
        if (!f->more)
            c->pending[k] = c->pending[--c->outstanding];
        *request_id = f->request_id;
        c->retry_after_ms = f->status ? f->status->retry_after_ms : 0;
        if (f->status && f->status->code) {
            *status = (int)f->status->code;
            *response_json = client_json_dump(&f->status->base);
        } else {
            char field[128];
            const char *why;
            ProtobufCMessage *m =
                wire_decode(output, f->payload.data, f->payload.len, &a, field, sizeof field, &why);
            *status = LIAISON_OK;
            if (!m) {
                *status = LIAISON_DATA_LOSS;
                snprintf(c->err, sizeof c->err, "malformed response: %s", why);
            } else {
                client_note_limits(c, m);
                *response_json = client_json_dump(m);
            }
        }
    }
    arena_reset(&a);
    free(unwanted_json);
    return rc;
}

int liaison_ping(liaison_conn *c, const char *echo, char **echo_out)
{
    if (echo_out)
        *echo_out = NULL;
    int usable = client_usable(c);
    if (usable != LIAISON_OK)
        return usable;
    Liaison__V1__PingRequest req = LIAISON__V1__PING_REQUEST__INIT;
    req.echo = (char *)(echo ? echo : "");
    struct arena a;
    arena_init(&a, CLIENT_DECODE_BUDGET);
    ProtobufCMessage *out;
    int rc =
        client_call(c, "Ping", &req.base, &liaison__v1__ping_response__descriptor, &a, &out, NULL);
    if (rc == LIAISON_OK && echo_out) {
        *echo_out = strdup(((Liaison__V1__PingResponse *)out)->echo);
        if (!*echo_out)
            rc = client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
    }
    arena_reset(&a);
    return rc;
}

int liaison_get_health(liaison_conn *c, liaison_health *h)
{
    if (h)
        memset(h, 0, sizeof *h);
    int usable = client_usable(c);
    if (usable != LIAISON_OK)
        return usable;
    Liaison__V1__GetHealthRequest req = LIAISON__V1__GET_HEALTH_REQUEST__INIT;
    struct arena a;
    arena_init(&a, CLIENT_DECODE_BUDGET);
    ProtobufCMessage *out;
    int rc = client_call(c, "GetHealth", &req.base, &liaison__v1__get_health_response__descriptor,
                         &a, &out, NULL);
    if (rc == LIAISON_OK && h) {
        const Liaison__V1__GetHealthResponse *r = (const Liaison__V1__GetHealthResponse *)out;
        h->database_ok = r->database_ok;
        h->schema_version = r->schema_version;
        snprintf(h->database_time, sizeof h->database_time, "%s", r->database_time);
        snprintf(h->server_version, sizeof h->server_version, "%s", r->server_version);
    }
    arena_reset(&a);
    return rc;
}

int liaison_login(liaison_conn *c, const char *tenant, const char *email, const char *password,
                  char **token)
{
    return liaison_login_for(c, tenant, email, password, NULL, token);
}

int liaison_login_for(liaison_conn *c, const char *tenant, const char *email, const char *password,
                      const char *client_address, char **token)
{
    if (token)
        *token = NULL;
    int usable = client_usable(c);
    if (usable != LIAISON_OK)
        return usable;
    Liaison__V1__LoginRequest req = LIAISON__V1__LOGIN_REQUEST__INIT;
    req.tenant = (char *)(tenant ? tenant : "");
    req.email = (char *)(email ? email : "");
    req.password = (char *)(password ? password : "");
    req.client_address = (char *)(client_address ? client_address : "");
    struct arena a;
    arena_init(&a, CLIENT_DECODE_BUDGET);
    ProtobufCMessage *out;
    /*
     * A log-in asks for no earlier identity, yet a token the server no
     * longer takes (expired, revoked) had a new connection's Authenticate
     * refused before the Login went out: the handle could never log in
     * again. The token is put aside for the call, and kept when the log-in
     * fails, a connection made without it closed so that the next call
     * presents it again.
     */
    char *before = c->opt[LIAISON_OPT_TOKEN];
    c->opt[LIAISON_OPT_TOKEN] = NULL;
    uint64_t made = c->connections;
    int rc = client_call(c, "Login", &req.base, &liaison__v1__login_response__descriptor, &a, &out,
                         NULL);
    if (rc == LIAISON_OK) {
        const Liaison__V1__LoginResponse *lr = (const Liaison__V1__LoginResponse *)out;
        const char *t = lr->token;
        char *kept = strdup(t);
        char *copy = token ? strdup(t) : NULL;
        if (!kept || (token && !copy)) {
            free(kept);
            free(copy);
            rc = client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
        } else {
            free(before);
            before = NULL;
            c->opt[LIAISON_OPT_TOKEN] = kept;
            if (token)
                *token = copy;
        }
    }
    if (rc != LIAISON_OK && before) {
        c->opt[LIAISON_OPT_TOKEN] = before;
        /* Only a connection this call made went without the token; one signed in stays. */
        if (c->connected && c->connections != made && c->outstanding == 0)
            client_disconnect(c);
    }
    arena_reset(&a);
    return rc;
}

int liaison_logout(liaison_conn *c)
{
    int usable = client_usable(c);
    if (usable != LIAISON_OK)
        return usable;
    Liaison__V1__LogoutRequest req = LIAISON__V1__LOGOUT_REQUEST__INIT;
    struct arena a;
    arena_init(&a, CLIENT_DECODE_BUDGET);
    ProtobufCMessage *out;
    bool was_connected = c->connected;
    int rc = client_call(c, "Logout", &req.base, &liaison__v1__logout_response__descriptor, &a,
                         &out, NULL);
    /*
     * Its answer lost with a connection it went out on, the session may
     * have ended or not: sent once more, which ends it if it had not; a
     * token the new connection's Authenticate is refused is one that ended
     * already. A connection that could not be made is not tried twice.
     */
    bool lost =
        rc == LIAISON_UNAVAILABLE && was_connected && !c->connected && c->opt[LIAISON_OPT_TOKEN];
    if (lost)
        rc = client_call(c, "Logout", &req.base, &liaison__v1__logout_response__descriptor, &a,
                         &out, NULL);
    if (lost && rc == LIAISON_UNAUTHENTICATED) {
        client_disconnect(c);
        c->err[0] = '\0';
        rc = LIAISON_OK;
    }
    if (rc == LIAISON_OK) {
        free(c->opt[LIAISON_OPT_TOKEN]);
        c->opt[LIAISON_OPT_TOKEN] = NULL;
    }
    arena_reset(&a);
    return rc;
}

int liaison_send_raw(liaison_conn *c, const char *method, const uint8_t *payload, size_t len,
                     uint64_t *request_id)
{
    uint64_t unwanted;
    if (!request_id)
        request_id = &unwanted;
    int usable = client_usable(c);
    if (usable != LIAISON_OK)
        return usable;
    const ProtobufCMethodDescriptor *md;
    const char *key = client_take_key(c);
    if (!payload && len)
        return client_fail(c, LIAISON_INVALID_ARGUMENT, "no payload, yet a length of %zu", len);
    if (!method || strlen(method) > WIRE_MAX_METHOD || !(md = wire_method(method)))
        return client_unknown_method(c, method);
    int rc = c->outstanding == 0 ? client_ready(c, &client_nobody) : LIAISON_OK;
    if (rc == LIAISON_OK && !c->connected)
        rc =
            client_fail(c, LIAISON_UNAVAILABLE, "the connection dropped with requests outstanding");
    if (rc == LIAISON_OK)
        rc = client_pending_room(c);
    if (rc != LIAISON_OK)
        return rc;
    rc = client_send_bytes(c, method, payload, len, key, transport_now_ms() + c->request_timeout_ms,
                           request_id);
    if (rc == LIAISON_OK)
        client_pending_add(c, *request_id, md->output);
    return rc;
}

int liaison_recv_raw(liaison_conn *c, int timeout_ms, uint64_t *request_id, int *status,
                     const uint8_t **payload, size_t *len)
{
    uint64_t unwanted_id;
    int unwanted_status;
    const uint8_t *unwanted_payload;
    size_t unwanted_len;
    if (!request_id)
        request_id = &unwanted_id;
    if (!status)
        status = &unwanted_status;
    if (!payload)
        payload = &unwanted_payload;
    if (!len)
        len = &unwanted_len;
    *payload = NULL;
    *len = 0;
    int usable = client_usable(c);
    if (usable != LIAISON_OK)
        return usable;
    if (!c->connected || c->outstanding == 0)
        return client_fail(c, LIAISON_FAILED_PRECONDITION, "no request is outstanding");
    int64_t deadline = transport_now_ms() + (timeout_ms < 0 ? c->request_timeout_ms : timeout_ms);
    arena_reset(&c->raw_arena);
    arena_init(&c->raw_arena, CLIENT_DECODE_BUDGET);
    const Liaison__V1__Frame *f = NULL;
    int rc = client_recv(c, deadline, &c->raw_arena, &f);
    if (rc != LIAISON_OK)
        return rc;
    int k = 0;
    while (k < c->outstanding && c->pending[k].id != f->request_id)
        k++;
    if (k == c->outstanding) {
        client_disconnect(c);
        return client_fail(c, LIAISON_DATA_LOSS, "server answered a request not asked");
    }
    const ProtobufCMessageDescriptor *output = c->pending[k].output;
    c->last_more = f->more;
    if (!f->more)
        c->pending[k] = c->pending[--c->outstanding];
    *request_id = f->request_id;
    *status = f->status ? (int)f->status->code : LIAISON_OK;
    c->retry_after_ms = f->status ? f->status->retry_after_ms : 0;
    if (*status != LIAISON_OK)
        snprintf(c->err, sizeof c->err, "%s", f->status->message);
    else if (output == &liaison__v1__login_response__descriptor ||
             output == &liaison__v1__authenticate_response__descriptor ||
             output == &liaison__v1__logout_response__descriptor) {
        /* The caller decodes the payload; the limits it changes are ours to keep. */
        char field[128];
        const char *why;
        ProtobufCMessage *m = wire_decode(output, f->payload.data, f->payload.len, &c->raw_arena,
                                          field, sizeof field, &why);
        if (m)
            client_note_limits(c, m);
    }
    *payload = f->payload.data;
    *len = f->payload.len;
    return LIAISON_OK;
}

int liaison_set_idempotency_key(liaison_conn *c, const char *key)
{
    int usable = client_usable(c);
    if (usable != LIAISON_OK)
        return usable;
    if (!key) {
        unsigned char raw[16];
        if (RAND_bytes(raw, sizeof raw) != 1)
            return client_fail(c, LIAISON_INTERNAL, "no random bytes for an idempotency key");
        for (size_t i = 0; i < sizeof raw; i++)
            snprintf(c->key + 2 * i, 3, "%02x", raw[i]);
    } else if (strlen(key) >= sizeof c->key) {
        return client_fail(c, LIAISON_INVALID_ARGUMENT,
                           "invalid idempotencyKey: longer than %zu bytes", sizeof c->key - 1);
    } else if (!wire_utf8_valid(key, strlen(key))) {
        /* The server would end the connection over the frame, and every request on it. */
        return client_fail(c, LIAISON_INVALID_ARGUMENT, "invalid idempotencyKey: not valid UTF-8");
    } else {
        memcpy(c->key, key, strlen(key) + 1);
    }
    c->key_set = true;
    c->err[0] = '\0'; /* "" after a success, as liaison.h promises */
    return LIAISON_OK;
}

const char *liaison_idempotency_key(const liaison_conn *c)
{
    return c ? c->last_key : "";
}

int liaison_method_is_create(const char *method)
{
    return method && client_listed(client_create_methods, method);
}

int liaison_method_exists(const char *method)
{
    return method && strlen(method) <= WIRE_MAX_METHOD && wire_method(method) != NULL;
}

/* ---------- content larger than a request: chunked uploads ---------- */

/* Room a request leaves beside its content: the server keeps 8 KiB for the other fields. */
#define CLIENT_CONTENT_SLACK 8192
/* Calls in a row that may fail on one part before the upload gives up. */
#define CLIENT_UPLOAD_RETRIES 3

/* data as base64, NUL-terminated, for a JSON bytes field; NULL when memory ran out. */
static char *client_base64(const uint8_t *data, size_t len)
{
    char *b64 = malloc(4 * ((len + 2) / 3) + 1);
    if (b64)
        EVP_EncodeBlock((unsigned char *)b64, data, (int)len);
    return b64;
}

/*
 * Calls method with j (borrowed) as its request; on LIAISON_OK *answer is
 * the response object (the caller's), otherwise *error_json is the status
 * as liaison_call_json() gives it (the caller's, may be NULL).
 */
static int client_call_object(liaison_conn *c, const char *method, json_t *j, json_t **answer,
                              char **error_json)
{
    *answer = NULL;
    *error_json = NULL;
    char *req = json_dumps(j, JSON_COMPACT), *resp = NULL;
    if (!req)
        return client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
    int rc = liaison_call_json(c, method, req, &resp);
    free(req);
    if (rc == LIAISON_OK) {
        *answer = json_loads(resp, 0, NULL);
        liaison_string_free(resp);
        if (!*answer)
            rc = client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
    } else {
        *error_json = resp;
    }
    return rc;
}

/* A uint64 field of a response object, which JSON carries as a string. */
static uint64_t client_json_u64(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_string(v))
        return strtoull(json_string_value(v), NULL, 10);
    return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

/*
 * Sends content through BeginDocumentUpload and UploadDocumentChunk;
 * *upload_id is the complete upload. A part whose call failed is asked
 * again from where the server says the upload got (an empty part asks),
 * up to CLIENT_UPLOAD_RETRIES times in a row, so a dropped connection
 * resumes instead of starting over.
 */
static int client_upload(liaison_conn *c, const uint8_t *content, size_t len, uint64_t *upload_id,
                         char **error_json)
{
    unsigned char digest[32];
    char sha[45];
    if (EVP_Digest(content, len, digest, NULL, EVP_sha256(), NULL) != 1)
        return client_fail(c, LIAISON_INTERNAL, "SHA-256 failed");
    EVP_EncodeBlock((unsigned char *)sha, digest, 32);
    json_t *begin = json_pack("{s:I,s:s}", "sizeBytes", (json_int_t)len, "sha256", sha), *answer;
    if (!begin)
        return client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
    int rc = client_call_object(c, "BeginDocumentUpload", begin, &answer, error_json);
    json_decref(begin);
    if (rc != LIAISON_OK)
        return rc;
    *upload_id = client_json_u64(answer, "uploadId");
    size_t chunk = (size_t)client_json_u64(answer, "chunkBytes");
    json_decref(answer);
    if (!*upload_id || !chunk)
        return client_fail(c, LIAISON_DATA_LOSS, "BeginDocumentUpload answered no upload");
    size_t offset = 0;
    int failures = 0;
    while (offset < len) {
        size_t n = len - offset < chunk ? len - offset : chunk;
        char *b64 = failures ? NULL : client_base64(content + offset, n);
        if (!failures && !b64)
            return client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
        char id[24];
        snprintf(id, sizeof id, "%" PRIu64, *upload_id);
        /* After a failure, an empty part only asks how far the upload got. */
        json_t *part = json_pack("{s:s,s:I,s:s}", "uploadId", id, "offset", (json_int_t)offset,
                                 "content", b64 ? b64 : "");
        free(b64);
        if (!part)
            return client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
        rc = client_call_object(c, "UploadDocumentChunk", part, &answer, error_json);
        json_decref(part);
        if (rc == LIAISON_OK) {
            uint64_t got = client_json_u64(answer, "receivedBytes");
            json_decref(answer);
            if (got > len || (!failures && got != offset + n))
                return client_fail(c, LIAISON_DATA_LOSS, "the upload took %" PRIu64 " bytes", got);
            offset = (size_t)got;
            failures = 0;
            continue;
        }
        bool retry = (rc == LIAISON_UNAVAILABLE || rc == LIAISON_DEADLINE_EXCEEDED ||
                      rc == LIAISON_FAILED_PRECONDITION) &&
                     ++failures <= CLIENT_UPLOAD_RETRIES;
        if (!retry)
            return rc;
        liaison_string_free(*error_json);
        *error_json = NULL;
    }
    return LIAISON_OK;
}

int liaison_call_with_content(liaison_conn *c, const char *method, const char *request_json,
                              const uint8_t *content, size_t len, char **response_json)
{
    char *unwanted = NULL;
    if (!response_json)
        response_json = &unwanted;
    *response_json = NULL;
    int usable = client_usable(c);
    if (usable != LIAISON_OK)
        return usable;
    /*
     * The caller's idempotency key is for method, not for the upload's
     * BeginDocumentUpload and UploadDocumentChunk (no creates, which the
     * server refuses with a key): kept aside until method is sent.
     */
    bool keyed = c->key_set;
    char key[sizeof c->key];
    memcpy(key, c->key, sizeof key);
    c->key_set = false;
    if (!content && len) {
        /* Never sent, yet it took the key, as any call does whatever its outcome. */
        memcpy(c->last_key, keyed ? key : "", keyed ? sizeof key : 1);
        return client_fail(c, LIAISON_INVALID_ARGUMENT, "no content, yet a length of %zu", len);
    }
    json_t *j = request_json && *request_json ? json_loads(request_json, 0, NULL) : json_object();
    int rc = json_is_object(j) ? LIAISON_OK
                               : client_refuse(c, "", "expected a JSON object", response_json);
    /* Given twice, one would be dropped without a word: the argument is the content. */
    if (rc == LIAISON_OK && (json_object_get(j, "content") || json_object_get(j, "uploadId") ||
                             json_object_get(j, "upload_id")))
        rc = client_refuse(c, json_object_get(j, "content") ? "content" : "uploadId",
                           "given by liaison_call_with_content's content argument, not in the "
                           "request",
                           response_json);
    struct arena a;
    arena_init(&a, CLIENT_DECODE_BUDGET);
    const Liaison__V1__Status *refused = NULL;
    const struct client_refusal rf = {&a, &refused};
    if (rc == LIAISON_OK && !c->connected)
        rc = client_connect(c, &rf);
    if (refused)
        *response_json = client_json_dump(&refused->base);
    arena_reset(&a);
    size_t room =
        c->max_frame_bytes > CLIENT_CONTENT_SLACK + strlen(request_json ? request_json : "")
            ? c->max_frame_bytes - CLIENT_CONTENT_SLACK - strlen(request_json ? request_json : "")
            : 0;
    char *b64 = NULL;
    if (rc == LIAISON_OK && len <= room) {
        b64 = client_base64(content, len);
        rc = b64 && !json_object_set_new(j, "content", json_string(b64))
                 ? LIAISON_OK
                 : client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
    } else if (rc == LIAISON_OK) {
        uint64_t upload_id = 0;
        char id[24];
        rc = client_upload(c, content, len, &upload_id, response_json);
        snprintf(id, sizeof id, "%" PRIu64, upload_id);
        if (rc == LIAISON_OK && json_object_set_new(j, "uploadId", json_string(id)))
            rc = client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
    }
    free(b64);
    if (rc == LIAISON_OK) {
        json_t *answer;
        memcpy(c->key, key, sizeof key);
        c->key_set = keyed;
        rc = client_call_object(c, method, j, &answer, response_json);
        if (rc == LIAISON_OK) {
            *response_json = json_dumps(answer, JSON_COMPACT | JSON_PRESERVE_ORDER);
            json_decref(answer);
            if (!*response_json)
                rc = client_fail(c, LIAISON_RESOURCE_EXHAUSTED, "out of memory");
        }
    } else {
        /* Never sent, yet it took the key (liaison_idempotency_key names it). */
        memcpy(c->last_key, keyed ? key : "", keyed ? sizeof key : 1);
    }
    json_decref(j);
    free(unwanted);
    return rc;
}
