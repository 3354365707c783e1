/*
 * rpc_audit.c - ListAuditLog: newest last, paginated by id, filtered by
 * time range, actor, entity, action and entity id; ListPlatformAudit, the operators' log, the
 * same way by time range, tenant, action and actor.
 */
#include "rpc_audit.h"

#include <string.h>

#include "exec.h"
#include "log.h"
#include "request.h"
#include "rpc_charter.h"

/*
 * $1 after id, $2 limit, $3 since, $4 until, $5 actor, $6 entity, $7 action, $8 entity id (each
 * '' for any). A bound
 * that is a bare day (YYYY-MM-DD, 10 characters) is its 00:00 in the tenant's time zone, the
 * exporter's calendar day (as a report's due day is judged), not the database session's zone;
 * anything else is an instant. A user's actor is "user:ID EMAIL": the whole, "user:ID" or the
 * e-mail (any case) finds it, as a user is named everywhere else; an entity is any case. An
 * action names its variants too, as the platform's log does: contact finds contact.left.
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
    " AND ($5 = '' OR a.actor = $5 OR split_part(a.actor, ' ', 1) = $5"
    "  OR (a.actor LIKE 'user:% %' AND lower(substr(a.actor, strpos(a.actor, ' ') + 1)) ="
    "  lower($5)))"
    " AND ($6 = '' OR a.entity = lower($6))"
    " AND ($7 = '' OR a.action = lower($7)"
    "  OR left(a.action, length($7) + 1) IN (lower($7) || '.', lower($7) || '_'))"
    " AND ($8 = '' OR a.entity_id = $8)"
    " ORDER BY a.id LIMIT $2::int",
    8, 0};

/*
 * $1 after id, $2 limit, $3 since, $4 until, $5 tenant slug, $6 action, $7 actor (each '' for
 * any). An operator has no time zone of its own: a bare day is its 00:00 UTC. An action names
 * its variants too: tenant.export finds tenant.export_with_secrets, the one that matters most
 * (an operator's try-out), tenant.import its .begin, and tenant every tenant action.
 */
static struct db_stmt q_platform_audit_list = {
    "SELECT id, liaison_rfc3339(at) AS at, actor, action, tenant_slug AS tenant, request_id,"
    " source, detail FROM platform_audit a WHERE a.id > $1::bigint"
    " AND ($3 = '' OR a.at >= CASE WHEN length($3) = 10 THEN $3::date::timestamp AT TIME ZONE"
    "  'UTC' ELSE nullif($3, '')::timestamptz END)"
    " AND ($4 = '' OR a.at < CASE WHEN length($4) = 10 THEN $4::date::timestamp AT TIME ZONE"
    "  'UTC' ELSE nullif($4, '')::timestamptz END)"
    " AND ($5 = '' OR a.tenant_slug = $5) AND ($6 = '' OR a.action = $6"
    "  OR left(a.action, length($6) + 1) IN ($6 || '.', $6 || '_'))"
    " AND ($7 = '' OR a.actor = $7)"
    " ORDER BY a.id LIMIT $2::int",
    7, 0};

static struct exec_decl d_audit_list = {
    .method = "ListAuditLog",
    .query = {&q_audit_list,
              {"@after", "@limit", "since", "until", "actor", "entity", "action", "entity_id"}},
    .shape = EXEC_PAGE,
    .out = "entries",
    .cursor = "aud",
    .filters = {"since", "until", "actor", "entity", "action", "entity_id"},
    .invalid = "since or until is not a day (YYYY-MM-DD) or an RFC 3339 time"};

static struct exec_decl d_platform_audit_list = {
    .method = "ListPlatformAudit",
    .query = {&q_platform_audit_list,
              {"@after", "@limit", "since", "until", "tenant", "action", "actor"}},
    .shape = EXEC_PAGE,
    .out = "entries",
    .cursor = "pla",
    .filters = {"since", "until", "tenant", "action", "actor"},
    .invalid = "since or until is not a day (YYYY-MM-DD) or an RFC 3339 time"};

int rpc_audit_register(void)
{
    struct exec_decl *const decls[] = {&d_audit_list, &d_platform_audit_list};
    char err[256];
    if (exec_register(decls, (int)(sizeof decls / sizeof decls[0]), err, sizeof err) < 0) {
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

/*
 * Whether since and until are bounds of a range (a day's 00:00 is zone's, in words); answers
 * INVALID_ARGUMENT on the one that is not, and returns false, otherwise.
 */
static bool audit_range_ok(struct request *r, const char *since, const char *until,
                           const char *zone)
{
    const char *bad = since[0] && !audit_bound_ok(since)   ? "since"
                      : until[0] && !audit_bound_ok(until) ? "until"
                                                           : NULL;
    if (bad) {
        bool from = !strcmp(bad, "since");
        char *why = request_printf(
            r,
            "a day (YYYY-MM-DD, %s 00:00 in %s) or an RFC 3339 time with its offset, such as "
            "%s",
            from ? "from" : "before", zone, from ? "2026-11-01T00:00:00Z" : "2026-12-01T00:00:00Z");
        request_fail_field(r, bad, why ? why : "a day or an RFC 3339 time");
        return false;
    }
    /*
     * Two days compare as text. until is the first day not listed, so a range that ends where
     * or before it starts lists nothing, silently.
     */
    if (strlen(since) == 10 && strlen(until) == 10 && strcmp(until, since) <= 0) {
        request_fail_field(r, "until", "a day after since: until is the first day not listed");
        return false;
    }
    return true;
}

void rpc_list_audit_log(struct request *r)
{
    const Liaison__V1__ListAuditLogRequest *in = (const Liaison__V1__ListAuditLogRequest *)r->input;
    if (audit_range_ok(r, in->since, in->until, "your tenant's time zone") &&
        request_check_text(r, "actor", in->actor, 300, false) &&
        request_check_text(r, "entity", in->entity, 100, false) &&
        request_check_text(r, "action", in->action, 100, false) &&
        request_check_text(r, "entityId", in->entity_id, 100, false))
        exec_run(r, &d_audit_list);
}

void rpc_list_platform_audit(struct request *r)
{
    const Liaison__V1__ListPlatformAuditRequest *in =
        (const Liaison__V1__ListPlatformAuditRequest *)r->input;
    if (audit_range_ok(r, in->since, in->until, "UTC") &&
        request_check_text(r, "tenant", in->tenant, 63, false) &&
        request_check_text(r, "action", in->action, 100, false) &&
        request_check_text(r, "actor", in->actor, 200, false))
        exec_run(r, &d_platform_audit_list);
}
