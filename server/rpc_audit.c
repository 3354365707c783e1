/*
 * rpc_audit.c - ListAuditLog: newest last, paginated by id, filtered by
 * time range, actor and entity.
 */
#include "rpc_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"
#include "page.h"

#define AUDIT_CURSOR "aud"

/* $1 after id, $2 limit, $3 since, $4 until, $5 actor, $6 entity (NULL: any) */
static struct db_stmt q_audit_list = {
    "SELECT id, " DB_RFC3339(
        "at") ", actor, action, entity, entity_id, request_id, source"
              " FROM audit_log WHERE tenant_id = liaison_tenant() AND id > $1::bigint"
              " AND ($3::timestamptz IS NULL OR at >= $3::timestamptz)"
              " AND ($4::timestamptz IS NULL OR at < $4::timestamptz)"
              " AND ($5::text IS NULL OR actor = $5) AND ($6::text IS NULL OR entity = $6)"
              " ORDER BY id LIMIT $2::int",
    6, 0};

int rpc_audit_register(void)
{
    struct db_stmt *const stmts[] = {&q_audit_list};
    return db_register(stmts, 1);
}

/* A plausible RFC 3339 time: the database does the exact parse. */
static bool audit_time_ok(const char *s)
{
    int y, mo, d;
    char t;
    return strlen(s) >= 10 && strlen(s) <= 40 && sscanf(s, "%4d-%2d-%2d%c", &y, &mo, &d, &t) >= 3 &&
           mo >= 1 && mo <= 12 && d >= 1 && d <= 31;
}

/* What a cursor of the audit log is bound to: every filter. */
static char *audit_filters(struct request *r)
{
    const Liaison__V1__ListAuditLogRequest *in = (const Liaison__V1__ListAuditLogRequest *)r->input;
    const char *const values[] = {in->since, in->until, in->actor, in->entity};
    return page_filters(&r->arena, 4, values);
}

static void audit_fill(struct arena *a, const void *res, int i, void *item)
{
    (void)a;
    Liaison__V1__AuditEntry *e = item;
    liaison__v1__audit_entry__init(e);
    e->id = strtoull(PQgetvalue(res, i, 0), NULL, 10);
    e->at = PQgetvalue(res, i, 1);
    e->actor = PQgetvalue(res, i, 2);
    e->action = PQgetvalue(res, i, 3);
    e->entity = PQgetvalue(res, i, 4);
    e->entity_id = PQgetvalue(res, i, 5);
    e->request_id = PQgetvalue(res, i, 6);
    e->source = PQgetvalue(res, i, 7);
}

static void list_audit_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code == LIAISON__V1__CODE__INVALID_ARGUMENT) {
        request_fail(r, code, "since or until is not an RFC 3339 time");
        return;
    }
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const Liaison__V1__ListAuditLogRequest *in = (const Liaison__V1__ListAuditLogRequest *)r->input;
    Liaison__V1__ListAuditLogResponse out = LIAISON__V1__LIST_AUDIT_LOG_RESPONSE__INIT;
    Liaison__V1__PageResponse page;
    if (page_rows(&r->arena, txn->results[1], in->page, sizeof(Liaison__V1__AuditEntry), audit_fill,
                  AUDIT_CURSOR, audit_filters(r), 0, (void ***)&out.entries, &out.n_entries,
                  &page) < 0) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    out.page = &page;
    request_reply(r, &out.base);
}

void rpc_list_audit_log(struct request *r)
{
    const Liaison__V1__ListAuditLogRequest *in = (const Liaison__V1__ListAuditLogRequest *)r->input;
    char after[24];
    if (page_after_id(in->page, AUDIT_CURSOR, audit_filters(r), after, sizeof after) < 0) {
        request_fail_field(r, "page.cursor", "not a cursor from ListAuditLog with these filters");
        return;
    }
    if (in->since[0] && !audit_time_ok(in->since)) {
        request_fail_field(r, "since", "an RFC 3339 time such as 2026-11-01T00:00:00Z");
        return;
    }
    if (in->until[0] && !audit_time_ok(in->until)) {
        request_fail_field(r, "until", "an RFC 3339 time such as 2026-12-01T00:00:00Z");
        return;
    }
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_audit_list;
    s->values[0] = arena_strdup(&r->arena, after);
    s->values[1] = page_limit_param(&r->arena, in->page);
    s->values[2] = in->since[0] ? in->since : NULL;
    s->values[3] = in->until[0] ? in->until : NULL;
    s->values[4] = in->actor[0] ? in->actor : NULL;
    s->values[5] = in->entity[0] ? in->entity : NULL;
    r->txn.nsteps = n + 1;
    request_submit(r, list_audit_done);
}
