/*
 * rpc_audit.c - ListAuditLog: newest last, paginated by id, filtered by
 * time range, actor and entity.
 */
#include "rpc_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "log.h"
#include "request.h"

/* $1 after id, $2 limit, $3 since, $4 until, $5 actor, $6 entity (each '' for any) */
static struct db_stmt q_audit_list = {
    "SELECT id, " DB_RFC3339(
        "at") " AS at, actor, action, entity, entity_id, request_id, source"
              " FROM audit_log WHERE tenant_id = liaison_tenant() AND id > $1::bigint"
              " AND ($3 = '' OR at >= nullif($3, '')::timestamptz)"
              " AND ($4 = '' OR at < nullif($4, '')::timestamptz)"
              " AND ($5 = '' OR actor = $5) AND ($6 = '' OR entity = $6)"
              " ORDER BY id LIMIT $2::int",
    6, 0};

static struct exec_decl d_audit_list = {
    .method = "ListAuditLog",
    .query = {&q_audit_list, {"@after", "@limit", "since", "until", "actor", "entity"}},
    .shape = EXEC_PAGE,
    .out = "entries",
    .cursor = "aud",
    .filters = {"since", "until", "actor", "entity"},
    .invalid = "since or until is not an RFC 3339 time"};

int rpc_audit_register(void)
{
    struct exec_decl *const decls[] = {&d_audit_list};
    char err[256];
    if (exec_register(decls, 1, err, sizeof err) < 0) {
        log_event(LOG_ERROR, "audit RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

/* A plausible RFC 3339 time: the database does the exact parse. */
static bool audit_time_ok(const char *s)
{
    int y, mo, d;
    char t;
    return strlen(s) >= 10 && strlen(s) <= 40 && sscanf(s, "%4d-%2d-%2d%c", &y, &mo, &d, &t) >= 3 &&
           request_calendar_day(y, mo, d);
}

void rpc_list_audit_log(struct request *r)
{
    const Liaison__V1__ListAuditLogRequest *in = (const Liaison__V1__ListAuditLogRequest *)r->input;
    if (in->since[0] && !audit_time_ok(in->since)) {
        request_fail_field(r, "since", "an RFC 3339 time such as 2026-11-01T00:00:00Z");
        return;
    }
    if (in->until[0] && !audit_time_ok(in->until)) {
        request_fail_field(r, "until", "an RFC 3339 time such as 2026-12-01T00:00:00Z");
        return;
    }
    exec_run(r, &d_audit_list);
}
