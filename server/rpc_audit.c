/*
 * rpc_audit.c - ListAuditLog: newest last, paginated by id, filtered by
 * time range, actor and entity.
 */
#include "rpc_audit.h"

#include <string.h>

#include "exec.h"
#include "log.h"
#include "request.h"
#include "rpc_charter.h"

/*
 * $1 after id, $2 limit, $3 since, $4 until, $5 actor, $6 entity (each '' for any). A bound
 * that is a bare day (YYYY-MM-DD, 10 characters) is its 00:00 in the tenant's time zone, the
 * exporter's calendar day (as a report's due day is judged), not the database session's zone;
 * anything else is an instant.
 */
static struct db_stmt q_audit_list = {
    "SELECT id, liaison_rfc3339(at) AS at, actor, action, entity, entity_id, request_id, source"
    " FROM audit_log a CROSS JOIN (SELECT coalesce((SELECT nullif(t.time_zone, '')"
    "  FROM tenants t WHERE t.id = liaison_tenant()), 'UTC') AS zone) z"
    " WHERE a.tenant_id = liaison_tenant() AND a.id > $1::bigint"
    " AND ($3 = '' OR a.at >= CASE WHEN length($3) = 10 THEN $3::date::timestamp AT TIME ZONE"
    "  z.zone ELSE nullif($3, '')::timestamptz END)"
    " AND ($4 = '' OR a.at < CASE WHEN length($4) = 10 THEN $4::date::timestamp AT TIME ZONE"
    "  z.zone ELSE nullif($4, '')::timestamptz END)"
    " AND ($5 = '' OR a.actor = $5) AND ($6 = '' OR a.entity = $6)"
    " ORDER BY a.id LIMIT $2::int",
    6, 0};

static struct exec_decl d_audit_list = {
    .method = "ListAuditLog",
    .query = {&q_audit_list, {"@after", "@limit", "since", "until", "actor", "entity"}},
    .shape = EXEC_PAGE,
    .out = "entries",
    .cursor = "aud",
    .filters = {"since", "until", "actor", "entity"},
    .invalid = "since or until is not a day (YYYY-MM-DD) or an RFC 3339 time"};

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

/* A day, YYYY-MM-DD of the years 1900 to 2999, or an RFC 3339 time with its offset. */
static bool audit_bound_ok(const char *s)
{
    return strlen(s) == 10 ? charter_date_ok(s) : request_time_valid(s);
}

void rpc_list_audit_log(struct request *r)
{
    const Liaison__V1__ListAuditLogRequest *in = (const Liaison__V1__ListAuditLogRequest *)r->input;
    if (in->since[0] && !audit_bound_ok(in->since)) {
        request_fail_field(r, "since",
                           "a day (YYYY-MM-DD, from 00:00 in your tenant's time zone) or an "
                           "RFC 3339 time with its offset, such as 2026-11-01T00:00:00Z");
        return;
    }
    if (in->until[0] && !audit_bound_ok(in->until)) {
        request_fail_field(r, "until",
                           "a day (YYYY-MM-DD, before 00:00 in your tenant's time zone) or an "
                           "RFC 3339 time with its offset, such as 2026-12-01T00:00:00Z");
        return;
    }
    /*
     * Two days compare as text. until is the first day not listed, so a range that ends where
     * or before it starts lists nothing, silently.
     */
    if (strlen(in->since) == 10 && strlen(in->until) == 10 && strcmp(in->until, in->since) <= 0) {
        request_fail_field(r, "until", "a day after since: until is the first day not listed");
        return;
    }
    exec_run(r, &d_audit_list);
}
