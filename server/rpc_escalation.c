/*
 * rpc_escalation.c - escalation protocols, requests, answers and the
 * formal concern. Every RPC but SetEscalationProtocol (whose ladder comes
 * as repeated messages, bound here as parallel arrays) is a declaration run
 * by exec.c. The reads are changes too: each first takes the steps that
 * came due by the service clock (liaison_escalation_advance_seen), so what
 * it answers is right even before the scheduler's job has run.
 */
#include "rpc_escalation.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "credential.h"
#include "exec.h"
#include "log.h"
#include "rows.h"
#include "rpc_distributor.h"

#define SEES "liaison_sees_distributor(d.id, d.account_manager_id)"
#define MAX_STEPS 10
#define MAX_HOURS 8760 /* a year: a timeframe longer than that is a typing mistake */
/* In characters, as the table counts them (a Japanese answer is 3 bytes a character). */
#define SUBJECT_MAX 600
#define TEXT_MAX 20000

/* An Escalation, of escalation_requests e joined to its distributor d. */
#define ESC_FROM                                                                                   \
    " FROM escalation_requests e JOIN distributors d"                                              \
    " ON d.tenant_id = e.tenant_id AND d.id = e.distributor_id"
/*
 * Overdue once the first step's timeframe is over (migration 0225): a later step the exporter
 * took early (AdvanceEscalation) is no answer the distributor owed yet.
 */
#define ESC_STATE                                                                                  \
    "CASE WHEN e.status IN ('answered', 'closed') THEN e.status"                                   \
    " WHEN (SELECT s.expected_by FROM escalation_steps s WHERE s.tenant_id = e.tenant_id"          \
    "  AND s.request_id = e.id ORDER BY s.step_no LIMIT 1) <= liaison_now() THEN 'overdue'"        \
    " ELSE 'pending' END"
#define ESC_COLS                                                                                   \
    "e.id, e.distributor_id, d.name AS distributor_name, e.severity, e.subject, e.body AS text,"   \
    " e.sent_by, liaison_rfc3339(e.sent_at) AS sent_at,"                                           \
    " liaison_rfc3339(e.expected_by) AS expected_by, " ESC_STATE " AS state, e.step_no,"           \
    " (SELECT s.kind FROM escalation_steps s WHERE s.tenant_id = e.tenant_id"                      \
    "  AND s.request_id = e.id AND s.step_no = e.step_no) AS step_kind,"                           \
    " e.protocol_source, e.response, e.responded_by,"                                              \
    " liaison_rfc3339(e.responded_at) AS responded_at, e.concern IS NOT NULL AS concern_drafted,"  \
    " e.working_hours_only, e.closed_reason, liaison_rfc3339(e.closed_at) AS closed_at,"           \
    " (SELECT json_agg(json_build_object('step_no', s.step_no, 'kind', s.kind,"                    \
    "   'contact_id', s.contact_id, 'contact_name', s.contact_name,"                               \
    "   'contact_role', s.contact_role, 'method', s.method,"                                       \
    "   'reached_at', liaison_rfc3339(s.reached_at),"                                              \
    "   'expected_by', liaison_rfc3339(s.expected_by), 'skipped', s.skipped) ORDER BY s.step_no)"  \
    "  FROM escalation_steps s WHERE s.tenant_id = e.tenant_id AND s.request_id = e.id) AS steps"

/*
 * $1 distributor (0: the tenant default), $2 severity, $3 contact ids (0:
 * a role), $4 roles, $5 methods, $6 hours, $7 visit hours (0: the last
 * step's), $8 whether the timeframes count the distributor's working hours
 * only. Audited by the function.
 */
static struct db_stmt q_protocol_set = {
    "SELECT liaison_escalation_protocol_set($1::bigint, $2, $3::bigint[], $4::text[],"
    " $5::text[], $6::int[], $7::int, $8::boolean)",
    8, 0};
/*
 * The protocols in force for distributor $1 (0: the tenant default alone),
 * severity $2 ('': every one), in severity order; roles resolved to the
 * distributor's contacts.
 */
static struct db_stmt q_protocol_get = {
    "SELECT coalesce(json_agg(json_build_object('distributor_id', coalesce(p.distributor_id, 0),"
    "  'severity', v.severity, 'source', f.source, 'visit_hours', p.visit_hours,"
    "  'working_hours_only', p.working_hours_only,"
    "  'steps', liaison_escalation_ladder(p.id, $1::bigint)) ORDER BY v.n), '[]') AS protocols"
    " FROM unnest(ARRAY['low', 'normal', 'high', 'critical']) WITH ORDINALITY v(severity, n)"
    " CROSS JOIN LATERAL liaison_escalation_protocol_for($1::bigint, v.severity) f"
    " JOIN escalation_protocols p ON p.tenant_id = liaison_tenant() AND p.id = f.protocol_id"
    " WHERE $2 = '' OR v.severity = $2",
    2, 0};
/* $1 distributor, $2 severity, $3 subject, $4 text: raises NOT_FOUND or FAILED_PRECONDITION. */
static struct db_stmt q_create = {"SELECT liaison_escalation_create($1::bigint, $2, $3, $4) AS _id",
                                  4, 0};
/* The request the transaction's create made (liaison.escalation_id, set by it). */
static struct db_stmt q_created = {"SELECT " ESC_COLS ESC_FROM
                                   " WHERE e.tenant_id = liaison_tenant()"
                                   " AND e.id = current_setting('liaison.escalation_id')::bigint",
                                   0, 0};
/* $1 request, $2 text: raises NOT_FOUND or FAILED_PRECONDITION. */
static struct db_stmt q_respond = {"SELECT liaison_escalation_respond($1::bigint, $2) AS _id", 2,
                                   0};
/* $1 request, $2 the step it is at: raises NOT_FOUND or FAILED_PRECONDITION (migration 0223). */
static struct db_stmt q_step_now = {
    "SELECT liaison_escalation_step_now($1::bigint, $2::int) AS _id", 2, 0};
/* The steps due by now of the requests the caller reaches: $1 distributor, $2 request (0: any). */
static struct db_stmt q_advance = {"SELECT liaison_escalation_advance_seen($1::bigint, $2::bigint)",
                                   2, 0};
/* Advances distributor $1's due requests (0: all), after checking that it is reached. */
static struct db_stmt q_advance_list = {
    "SELECT liaison_found($1::bigint = 0 OR EXISTS (SELECT 1 FROM distributors d"
    " WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint AND " SEES "),"
    " 'no such distributor'), liaison_escalation_advance_seen($1::bigint, 0)",
    1, 0};
/* $1 request */
static struct db_stmt q_get = {"SELECT " ESC_COLS ESC_FROM " WHERE e.tenant_id = liaison_tenant()"
                               " AND e.id = $1::bigint AND " SEES,
                               1, 0};
/* $1 after, $2 limit, $3 distributor (0: any), $4 state ('': any; open: pending or overdue) */
static struct db_stmt q_list = {
    "SELECT " ESC_COLS ESC_FROM " WHERE e.tenant_id = liaison_tenant() AND e.id > $1::bigint"
    " AND " SEES " AND ($3::bigint = 0 OR e.distributor_id = $3::bigint)"
    " AND ($4 = '' OR ($4 = 'open' AND e.status = 'open') OR " ESC_STATE " = $4)"
    " ORDER BY e.id LIMIT $2::int",
    4, 0};
/*
 * The concern of request $1 as it was drafted. The reach is decided before
 * the precondition (OFFSET 0 keeps the planner from merging the two), so a
 * request the caller cannot see is NOT_FOUND whether or not it has one.
 */
static struct db_stmt q_concern = {
    "SELECT x.id, x.concern, x.drafted_at, x.charter_version FROM (SELECT e.id, e.concern,"
    "  liaison_rfc3339(e.concern_drafted_at) AS drafted_at,"
    "  (SELECT c.version FROM charters c WHERE c.tenant_id = e.tenant_id AND c.id = e.charter_id)"
    "  AS charter_version" ESC_FROM " WHERE e.tenant_id = liaison_tenant() AND e.id = $1::bigint"
    "  AND " SEES " OFFSET 0) x"
    " WHERE liaison_precondition(x.concern IS NOT NULL, 'no formal concern yet: the request has"
    " not reached that step of its ladder')",
    1, 0};

static struct exec_decl d_protocol_get = {
    .method = "GetEscalationProtocol",
    .check = {&distributor_filter_reached, {"distributor_id"}},
    .query = {&q_protocol_get, {"distributor_id", "severity"}},
    .not_found = "no such distributor"};
static struct exec_decl d_create = {
    .method = "CreateEscalationRequest",
    .query = {&q_create, {"distributor_id", "severity", "subject", "text"}},
    .reply = {&q_created, {NULL}},
    .out = "escalation",
    .not_found = "no such escalation request"};
static struct exec_decl d_respond = {.method = "RespondEscalation",
                                     .query = {&q_respond, {"id", "text"}},
                                     .reply = {&q_get, {"id"}},
                                     .out = "escalation",
                                     .not_found = "no such escalation request"};
static struct exec_decl d_step_now = {.method = "AdvanceEscalation",
                                      .query = {&q_step_now, {"id", "step_no"}},
                                      .reply = {&q_get, {"id"}},
                                      .out = "escalation",
                                      .not_found = "no such escalation request"};
static struct exec_decl d_list = {
    .method = "ListEscalations",
    .check = {&q_advance_list, {"distributor_id"}},
    .query = {&q_list, {"@after", "@limit", "distributor_id", "state"}},
    .shape = EXEC_PAGE,
    .out = "escalations",
    .cursor = "esc",
    .filters = {"distributor_id", "state"}};
static struct exec_decl d_get = {.method = "GetEscalation",
                                 .check = {&q_advance, {"=0", "id"}},
                                 .query = {&q_get, {"id"}},
                                 .out = "escalation",
                                 .not_found = "no such escalation request"};
static struct exec_decl d_concern = {.method = "GetEscalationConcern",
                                     .check = {&q_advance, {"=0", "id"}},
                                     .query = {&q_concern, {"id"}},
                                     .not_found = "no such escalation request"};

int rpc_escalation_register(void)
{
    struct exec_decl *const decls[] = {&d_protocol_get, &d_create, &d_respond, &d_step_now,
                                       &d_list,         &d_get,    &d_concern};
    char err[256];
    if (db_register((struct db_stmt *[]){&q_protocol_set}, 1) < 0)
        return -1;
    if (exec_register(decls, (int)(sizeof decls / sizeof decls[0]), err, sizeof err) < 0) {
        log_event(LOG_ERROR, "escalation RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

/* Whether s is one of the words, NULL-terminated. */
static bool word_in(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (!strcmp(s, *words))
            return true;
    return false;
}

static const char *const severities[] = {"low", "normal", "high", "critical", NULL};
static const char *const methods[] = {"email", "phone",         "messaging",
                                      "visit", "formal_letter", NULL};

/* A severity is required and one of the four; answers and returns false otherwise. */
static bool severity_ok(struct request *r, const char *severity)
{
    if (word_in(severity, severities))
        return true;
    request_fail_field(r, "severity", "low, normal, high or critical");
    return false;
}

static bool distributor_filter_ok(struct request *r, uint64_t id)
{
    if (id <= INT64_MAX)
        return true;
    request_fail_field(r, "distributorId", "out of range");
    return false;
}

/* ---------- SetEscalationProtocol ---------- */

/* Checks one step's format; answers naming steps[i].<field> and returns false when wrong. */
static bool step_ok(struct request *r, size_t i, const Liaison__V1__EscalationStep *s)
{
    const char *field = NULL, *why = NULL;
    bool has_role = s->contact_role[0] != '\0';
    if ((s->contact_id != 0) == has_role) {
        field = "contactId";
        why = "a contact id or a contact role, not both";
    } else if (s->contact_id > INT64_MAX) {
        field = "contactId";
        why = "out of range";
    } else if (!word_in(s->method, methods)) {
        field = "method";
        why = "email, phone, messaging, visit or formal_letter";
    } else if (s->response_hours < 1 || s->response_hours > MAX_HOURS) {
        field = "responseHours";
        why = "1 to 8760 hours";
    }
    if (field) {
        char *path = request_printf(r, "steps[%zu].%s", i, field);
        request_fail_field(r, path ? path : "steps", why);
        return false;
    }
    if (has_role) {
        char *path = request_printf(r, "steps[%zu].contactRole", i);
        return request_check_text(r, path ? path : "steps", s->contact_role, 100, true);
    }
    return true;
}

static void protocol_set_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    Liaison__V1__EscalationProtocolResponse out = LIAISON__V1__ESCALATION_PROTOCOL_RESPONSE__INIT;
    char err[256];
    if (exec_fill(&r->arena, txn->results[txn->nsteps - 1], 0, &out.base, err, sizeof err) < 0) {
        if (r->arena.failed) {
            request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
            return;
        }
        log_event(LOG_ERROR, "an escalation protocol does not fit", "reason=\"%s\"", err);
        request_fail(r, LIAISON__V1__CODE__INTERNAL, "internal error");
        return;
    }
    request_reply(r, &out.base);
}

/*
 * The ladder travels as parallel arrays (the executor binds scalar fields
 * only); the function checks what needs the data and writes, and the
 * answer is the protocol now in force for that severity, read after it.
 */
void rpc_set_escalation_protocol(struct request *r)
{
    const Liaison__V1__SetEscalationProtocolRequest *in =
        (const Liaison__V1__SetEscalationProtocolRequest *)r->input;
    if (!distributor_filter_ok(r, in->distributor_id) || !severity_ok(r, in->severity))
        return;
    /* The default reaches every distributor, the ones a manager does not manage too. */
    if (!in->distributor_id && r->who.role != LIAISON__V1__ROLE__ROLE_TENANT_ADMIN) {
        request_fail(r, LIAISON__V1__CODE__PERMISSION_DENIED,
                     "the tenant's default ladder is set by a tenant admin; a manager sets a"
                     " distributor's own");
        return;
    }
    size_t n = in->n_steps;
    if (n > MAX_STEPS) {
        request_fail_field(r, "steps", "at most 10 steps");
        return;
    }
    if (in->visit_hours > MAX_HOURS) {
        request_fail_field(r, "visitHours", "at most 8760 hours");
        return;
    }
    uint64_t *contacts = arena_alloc(&r->arena, sizeof *contacts * (n ? n : 1));
    uint32_t *hours = arena_alloc(&r->arena, sizeof *hours * (n ? n : 1));
    char **roles = arena_alloc(&r->arena, sizeof *roles * (n ? n : 1));
    char **ways = arena_alloc(&r->arena, sizeof *ways * (n ? n : 1));
    if (!contacts || !hours || !roles || !ways) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const Liaison__V1__EscalationStep *s = in->steps[i];
        if (!step_ok(r, i, s))
            return;
        contacts[i] = s->contact_id;
        roles[i] = s->contact_role;
        ways[i] = s->method;
        hours[i] = s->response_hours;
    }
    const char *distributor = request_printf(r, "%" PRIu64, in->distributor_id);
    int k = credential_txn_begin(r);
    struct db_step *st = r->txn.steps;
    st[k].stmt = &q_protocol_set;
    st[k].values[0] = distributor;
    st[k].values[1] = in->severity;
    st[k].values[2] = rows_u64_array(&r->arena, contacts, n);
    st[k].values[3] = rows_text_array(&r->arena, roles, n);
    st[k].values[4] = rows_text_array(&r->arena, ways, n);
    st[k].values[5] = rows_u32_array(&r->arena, hours, n);
    st[k].values[6] = request_printf(r, "%" PRIu32, in->visit_hours);
    st[k++].values[7] = in->working_hours_only ? "true" : "false";
    st[k].stmt = &q_protocol_get;
    st[k].values[0] = distributor;
    st[k++].values[1] = in->severity;
    r->txn.nsteps = k;
    /* A value the arena could not hold is NULL: request_submit answers RESOURCE_EXHAUSTED. */
    request_submit(r, protocol_set_done);
}

/* ---------- the declarations' handlers ---------- */

void rpc_get_escalation_protocol(struct request *r)
{
    const Liaison__V1__GetEscalationProtocolRequest *in =
        (const Liaison__V1__GetEscalationProtocolRequest *)r->input;
    if (!distributor_filter_ok(r, in->distributor_id))
        return;
    if (in->severity[0] && !severity_ok(r, in->severity))
        return;
    exec_run(r, &d_protocol_get);
}

void rpc_create_escalation_request(struct request *r)
{
    const Liaison__V1__NewEscalationRequest *in =
        (const Liaison__V1__NewEscalationRequest *)r->input;
    if (request_check_id(r, "distributorId", in->distributor_id) && severity_ok(r, in->severity) &&
        request_check_chars(r, "subject", in->subject, SUBJECT_MAX, true) &&
        request_check_one_line(r, "subject", in->subject) &&
        request_check_chars(r, "text", in->text, TEXT_MAX, true))
        exec_run(r, &d_create);
}

void rpc_respond_escalation(struct request *r)
{
    const Liaison__V1__RespondEscalationRequest *in =
        (const Liaison__V1__RespondEscalationRequest *)r->input;
    if (request_check_id(r, "id", in->id) &&
        request_check_chars(r, "text", in->text, TEXT_MAX, true))
        exec_run(r, &d_respond);
}

void rpc_advance_escalation(struct request *r)
{
    const Liaison__V1__AdvanceEscalationRequest *in =
        (const Liaison__V1__AdvanceEscalationRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    if (in->step_no < 1 || in->step_no > INT32_MAX) {
        request_fail_field(r, "stepNo", "the step the request is at, as GetEscalation shows it");
        return;
    }
    exec_run(r, &d_step_now);
}

void rpc_list_escalations(struct request *r)
{
    static const char *const states[] = {"",         "open",   "pending", "overdue",
                                         "answered", "closed", NULL};
    const Liaison__V1__ListEscalationsRequest *in =
        (const Liaison__V1__ListEscalationsRequest *)r->input;
    if (!distributor_filter_ok(r, in->distributor_id))
        return;
    if (!word_in(in->state, states)) {
        request_fail_field(r, "state", "open, pending, overdue, answered or closed");
        return;
    }
    exec_run(r, &d_list);
}

void rpc_get_escalation(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_get);
}

void rpc_get_escalation_concern(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_concern);
}
