/*
 * rpc_audit.c - ListAuditLog: newest last, paginated by id, filtered by
 * time range, actor and entity.
 */
#include "rpc_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "rpc_auth.h"

#define AUDIT_CURSOR "aud"

/* $1 after id, $2 limit, $3 since, $4 until, $5 actor, $6 entity (NULL: any) */
static struct db_stmt q_audit_list = {
    "SELECT id, " DB_RFC3339_MS(
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
    const PGresult *res = txn->results[1];
    unsigned want = page_size(in->page), rows = (unsigned)PQntuples(res);
    unsigned n = rows > want ? want : rows;
    Liaison__V1__AuditEntry *items = arena_alloc(&r->arena, sizeof *items * (n + 1));
    Liaison__V1__AuditEntry **ptrs = arena_alloc(&r->arena, sizeof *ptrs * (n + 1));
    if (!items || !ptrs) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        Liaison__V1__AuditEntry *e = &items[i];
        liaison__v1__audit_entry__init(e);
        e->id = strtoull(PQgetvalue(res, (int)i, 0), NULL, 10);
        e->at = PQgetvalue(res, (int)i, 1);
        e->actor = PQgetvalue(res, (int)i, 2);
        e->action = PQgetvalue(res, (int)i, 3);
        e->entity = PQgetvalue(res, (int)i, 4);
        e->entity_id = PQgetvalue(res, (int)i, 5);
        e->request_id = PQgetvalue(res, (int)i, 6);
        e->source = PQgetvalue(res, (int)i, 7);
        ptrs[i] = e;
    }
    Liaison__V1__ListAuditLogResponse out = LIAISON__V1__LIST_AUDIT_LOG_RESPONSE__INIT;
    Liaison__V1__PageResponse page = LIAISON__V1__PAGE_RESPONSE__INIT;
    out.n_entries = n;
    out.entries = ptrs;
    out.page = &page;
    if (rows > want)
        page.next_cursor =
            page_cursor_encode(&r->arena, AUDIT_CURSOR, PQgetvalue(res, (int)n - 1, 0));
    request_reply(r, &out.base);
}

void rpc_list_audit_log(struct request *r)
{
    const Liaison__V1__ListAuditLogRequest *in = (const Liaison__V1__ListAuditLogRequest *)r->input;
    char after[24];
    if (page_after_id(in->page, AUDIT_CURSOR, after, sizeof after) < 0) {
        request_fail_field(r, "page.cursor", "not a cursor from ListAuditLog");
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
    int n = auth_txn_begin(r);
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
