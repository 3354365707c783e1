/*
 * dispatch.c - the method table and the way from a frame to a handler.
 */
#include "dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "conn.h"
#include "credential.h"
#include "idempotency.h"
#include "log.h"
#include "methods.h"
#include "metrics.h"
#include "ratelimit.h"
#include "replica.h"
#include "scheduler.h"
#include "wire.h"
#include "worker.h"

#define RPC_ROW(name, handler, who, reads) {#name, handler, who, reads, NULL},

/* The one table of RPCs (methods.h); descriptors are filled by dispatch_init. */
static struct rpc_method methods[] = {RPC_METHODS(RPC_ROW)};

#define N_METHODS (sizeof methods / sizeof methods[0])

/* The handler of each service method, by the method's descriptor index. */
static const struct rpc_method *by_index[N_METHODS];

int dispatch_init(char *err, size_t errlen)
{
    const ProtobufCServiceDescriptor *svc = &liaison__v1__liaison__descriptor;
    for (unsigned i = 0; i < svc->n_methods; i++) {
        struct rpc_method *m = NULL;
        for (size_t k = 0; k < N_METHODS; k++)
            if (strcmp(methods[k].name, svc->methods[i].name) == 0)
                m = &methods[k];
        if (!m) {
            snprintf(err, errlen, "method %s has no handler", svc->methods[i].name);
            return -1;
        }
        m->desc = &svc->methods[i];
        by_index[i] = m;
    }
    for (size_t k = 0; k < N_METHODS; k++) {
        if (!methods[k].desc) {
            snprintf(err, errlen, "handler %s is not in the service", methods[k].name);
            return -1;
        }
    }
    if (svc->n_methods != N_METHODS) {
        snprintf(err, errlen, "the service has %u methods, the table %zu", svc->n_methods,
                 (size_t)N_METHODS);
        return -1;
    }
    if (db_register_own() < 0 || credential_register() < 0 || rpc_system_register() < 0 ||
        rpc_auth_register() < 0 || rpc_tenant_register() < 0 || rpc_user_register() < 0 ||
        rpc_token_register() < 0 || rpc_session_register() < 0 || rpc_audit_register() < 0 ||
        rpc_catalog_register() < 0 || rpc_distributor_register() < 0 ||
        rpc_charter_register() < 0 || rpc_crm_register() < 0 || rpc_escalation_register() < 0 ||
        scheduler_register() < 0 || rpc_scheduler_register() < 0 || rpc_meeting_register() < 0 ||
        rpc_calendar_register() < 0 || rpc_cadence_register() < 0 || rpc_document_register() < 0 ||
        rpc_order_register() < 0 || ratelimit_register() < 0 || rpc_report_register() < 0 ||
        rpc_target_register() < 0 || rpc_plan_register() < 0 || rpc_update_register() < 0 ||
        rpc_health_register() < 0 || rpc_handbook_register() < 0 || replica_register() < 0 ||
        rpc_events_register() < 0) {
        snprintf(err, errlen,
                 "too many prepared statements, or one whose parameters do not "
                 "match its placeholders (see the log)");
        return -1;
    }
    return 0;
}

/* Binary search over the descriptor's sorted name index, then a table read. */
static const struct rpc_method *dispatch_find(const char *name)
{
    const ProtobufCMethodDescriptor *md = wire_method(name);
    return md ? by_index[md - liaison__v1__liaison__descriptor.methods] : NULL;
}

void dispatch_print_permissions(FILE *out)
{
    authz_print_header(out);
    for (size_t i = 0; i < N_METHODS; i++)
        authz_print_row(out, methods[i].name, methods[i].who);
}

void dispatch_detach(struct conn *c)
{
    struct request *r = c->requests, *next;
    c->requests = NULL;
    c->in_flight = 0;
    for (; r; r = next) {
        next = r->next;
        r->conn = NULL;
        r->orphaned = true;
        if (r->waits == WAIT_CLIENT)
            request_stream_abandon(r);
    }
}

void dispatch_output_ready(struct conn *c)
{
    /*
     * A stream that cannot go on is answered, which may close the
     * connection and end the others: look again from the head each time.
     */
    for (int n = c->in_flight; n > 0 && !c->closing; n--) {
        struct request *r = c->requests;
        while (r && r->waits != WAIT_CLIENT)
            r = r->next;
        if (!r)
            break;
        request_stream_resume(r);
    }
}

/* Methods after which the connection is someone else (or no one). */
static bool dispatch_changes_identity(const struct rpc_method *m)
{
    return m->handler == rpc_login || m->handler == rpc_authenticate || m->handler == rpc_logout;
}

/* What dispatch_admit decided about a frame. */
struct verdict {
    enum { ADMIT_RUN, ADMIT_CLOSE, ADMIT_FAIL } kind;
    int code;
    uint32_t timeout_ms; /* the frame's own, when it runs */
    char field[256];     /* ADMIT_FAIL naming a field: the field, why in msg */
    char msg[320];
};

/*
 * Everything between a frame's bytes and its handler that can say no:
 * decoding, the connection's phase, request ids, the in-flight limit, the
 * method, its payload and the caller's permission. Sets r's id, method and
 * input; touches neither the connection nor anything outside r, so the fuzz
 * build can drive it on a connection with no socket (dispatch_fuzz_frame).
 */
static void dispatch_admit(const struct conn *c, struct request *r, const uint8_t *body, size_t len,
                           struct verdict *v)
{
    v->kind = ADMIT_CLOSE;
    v->field[0] = '\0';
    const char *why = NULL;
    const Liaison__V1__Frame *f = (const Liaison__V1__Frame *)wire_decode(
        &liaison__v1__frame__descriptor, body, len, &r->arena, v->field, sizeof v->field, &why);
    if (!f || f->request_id == 0) {
        v->code = LIAISON__V1__CODE__INVALID_ARGUMENT;
        snprintf(v->msg, sizeof v->msg, "malformed frame: %s%s%s",
                 f ? "request_id must not be 0" : why, v->field[0] ? " at " : "", v->field);
        return;
    }
    r->id = f->request_id;
    r->method = dispatch_find(f->method);

    v->code = LIAISON__V1__CODE__FAILED_PRECONDITION;
    if (c->phase != CONN_READY && (!r->method || r->method->handler != rpc_hello)) {
        snprintf(v->msg, sizeof v->msg, "Hello must be the first request on a connection");
        return;
    }
    /* A repeated Hello is a client bug or a flood: nothing it could answer helps. */
    if (c->phase == CONN_READY && r->method && r->method->handler == rpc_hello) {
        snprintf(v->msg, sizeof v->msg, "Hello was already done on this connection");
        return;
    }
    for (const struct request *o = c->requests; o; o = o->next) {
        if (o->id == r->id) {
            v->code = LIAISON__V1__CODE__INVALID_ARGUMENT;
            snprintf(v->msg, sizeof v->msg, "request_id is already in flight on this connection");
            return;
        }
    }

    /* From here the request is answered; it counts among those in flight. */
    v->kind = ADMIT_FAIL;
    if (c->in_flight + 1 > conn_max_in_flight(c)) {
        v->code = LIAISON__V1__CODE__RESOURCE_EXHAUSTED;
        snprintf(v->msg, sizeof v->msg, "too many requests in flight on this connection");
        return;
    }
    if (!r->method) {
        v->code = LIAISON__V1__CODE__UNIMPLEMENTED;
        snprintf(v->msg, sizeof v->msg, "unknown method");
        return;
    }
    r->input = wire_decode(r->method->desc->input, f->payload.data, f->payload.len, &r->arena,
                           v->field, sizeof v->field, &why);
    if (!r->input || !wire_text_clean(r->input, v->field, sizeof v->field, &why)) {
        v->code = LIAISON__V1__CODE__INVALID_ARGUMENT;
        snprintf(v->msg, sizeof v->msg, "%s", why);
        return;
    }
    v->code = authz_check(r->method->who, &r->who, r->method->name, v->msg, sizeof v->msg);
    if (v->code)
        return;
    const char *key_refused = idem_admit(r, f->idempotency_key);
    if (key_refused) {
        v->code = LIAISON__V1__CODE__INVALID_ARGUMENT;
        snprintf(v->field, sizeof v->field, "idempotencyKey");
        snprintf(v->msg, sizeof v->msg, "%s", key_refused);
        return;
    }
    v->kind = ADMIT_RUN;
    v->timeout_ms = f->timeout_ms;
    r->read_after_us = f->read_after_us;
}

void dispatch_frame(struct conn *c, const uint8_t *body, size_t len)
{
    struct request *r = request_new(c);
    if (!r) {
        conn_close(c, "out of memory");
        return;
    }
    struct verdict v;
    dispatch_admit(c, r, body, len, &v);
    if (v.kind == ADMIT_CLOSE) {
        request_discard(r);
        conn_fail(c, v.code, v.msg);
        return;
    }
    r->conn = c;
    r->next = c->requests;
    if (c->requests)
        c->requests->prev = r;
    c->requests = r;
    c->in_flight++;

    if (v.kind == ADMIT_FAIL) {
        if (v.field[0])
            request_fail_field(r, v.field, v.msg);
        else
            request_fail(r, v.code, v.msg);
        return;
    }
    /*
     * The rate limit comes after the permission check, so a caller is told
     * first what it may never do; operators are not limited.
     */
    uint32_t retry_after_ms = 0;
    if (r->who.kind == IDENTITY_USER)
        retry_after_ms = ratelimit_take_tenant(c->w->cfg, r->who.tenant_id, uv_hrtime());
    else if (r->who.kind == IDENTITY_NONE)
        retry_after_ms = ratelimit_take_address(c->w->cfg, &c->addr, uv_hrtime());
    if (retry_after_ms) {
        metrics_rate_limited(r->who.kind == IDENTITY_USER);
        Liaison__V1__Status st = LIAISON__V1__STATUS__INIT;
        st.code = LIAISON__V1__CODE__RESOURCE_EXHAUSTED;
        st.message = r->who.kind == IDENTITY_USER ? "too many requests for this tenant"
                                                  : "too many requests from this address";
        st.retry_after_ms = retry_after_ms;
        request_fail_status(r, &st);
        return;
    }
    uint64_t timeout = (uint64_t)c->w->cfg->request_timeout_ms;
    r->asked_timeout_ms = v.timeout_ms;
    if (v.timeout_ms && v.timeout_ms < timeout)
        timeout = v.timeout_ms;
    if (request_start_clock(r, timeout) < 0) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    bool changes_identity = dispatch_changes_identity(r->method);
    uint64_t id = r->id;
    r->method->handler(r);
    if (changes_identity)
        conn_hold(c, id);
}

#ifdef LIAISON_FUZZ_BUILD
int dispatch_fuzz_frame(struct conn *c, const uint8_t *body, size_t len)
{
    struct request *r = request_new(c);
    if (!r)
        return -1;
    struct verdict v;
    dispatch_admit(c, r, body, len, &v);
    request_discard(r);
    return v.kind == ADMIT_RUN ? 0 : v.code;
}
#endif
