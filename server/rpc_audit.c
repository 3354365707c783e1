/*
 * rpc_audit.c - ListAuditLog: newest last, paginated by id, filtered by
 * time range, actor, entity, action and entity id; ListPlatformAudit, the operators' log, the
 * same way by time range, tenant, action and actor.
 */
#include "rpc_audit.h"

#include <ctype.h>
#include <stdio.h>
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
    " AND ($3 = '' OR a.at >= liaison_audit_bound($3, z.zone))"
    " AND ($4 = '' OR a.at < liaison_audit_bound($4, z.zone))"
    " AND ($5 = '' OR a.actor = $5 OR split_part(a.actor, ' ', 1) = $5"
    "  OR (a.actor LIKE 'user:% %' AND lower(substr(a.actor, strpos(a.actor, ' ') + 1)) ="
    "  lower($5)))"
    " AND ($6 = '' OR a.entity = lower($6))"
    " AND ($7 = '' OR a.action = lower($7)"
    "  OR left(a.action, length($7) + 1) IN (lower($7) || '.', lower($7) || '_'))"
    /* A charter's parts are logged as "7/grant/3": charter 7's history holds them. */
    " AND ($8 = '' OR a.entity_id = $8 OR left(a.entity_id, length($8) + 1) = $8 || '/')"
    " ORDER BY a.id LIMIT $2::int",
    8, 0};

/*
 * Until $3 comes after since $2 (either '' for none), each read as the list reads it in zone z: a
 * range the wrong way round, of instants or of a day and an instant, listed nothing without a
 * word, which reads as "nothing happened" (a try-out, migration 0282). Two bare days are
 * refused before, in words of days (audit_range_ok).
 */
#define AUDIT_RANGE_OK                                                                             \
    " liaison_check($2 = '' OR $3 = '' OR liaison_audit_bound($3, z.zone)"                         \
    "  > liaison_audit_bound($2, z.zone), 'until',"                                                \
    "  'a time after since: until is the first instant not listed')"
/*
 * Actor $1 ('' for any) is one of the tenant's users or has acted in it: a
 * name mistyped lists nothing, which would read as "they did nothing"; since $2 and until $3,
 * AUDIT_RANGE_OK in the tenant's zone.
 */
static struct db_stmt q_audit_actor = {
    "SELECT" AUDIT_RANGE_OK ","
    " liaison_check($1 = '' OR EXISTS (SELECT 1 FROM users u"
    "  WHERE u.tenant_id = liaison_tenant() AND ('user:' || u.id IN ($1, split_part($1, ' ', 1))"
    "  OR lower(u.email) = lower($1)))"
    " OR EXISTS (SELECT 1 FROM audit_log a WHERE a.tenant_id = liaison_tenant()"
    "  AND (a.actor = $1 OR split_part(a.actor, ' ', 1) = $1)),"
    " 'actor', format('no user or other actor %s is known in this tenant (a user by e-mail or"
    " user:ID, another as the ACTOR column shows it)', $1))"
    " FROM (SELECT coalesce((SELECT nullif(t.time_zone, '') FROM tenants t"
    "  WHERE t.id = liaison_tenant()), 'UTC') AS zone) z",
    3, 0};

/*
 * $1 after id, $2 limit, $3 since, $4 until, $5 tenant slug, $6 action, $7 actor (each '' for
 * any). An operator has no time zone of its own: a bare day is its 00:00 UTC. An action names
 * its variants too: tenant.export finds tenant.export_with_secrets, the one that matters most
 * (an operator's try-out), tenant.import its .begin, and tenant every tenant action.
 */
static struct db_stmt q_platform_audit_list = {
    "SELECT id, liaison_rfc3339(at) AS at, actor, action, tenant_slug AS tenant, request_id,"
    " source, detail FROM platform_audit a WHERE a.id > $1::bigint"
    " AND ($3 = '' OR a.at >= liaison_audit_bound($3, 'UTC'))"
    " AND ($4 = '' OR a.at < liaison_audit_bound($4, 'UTC'))"
    " AND ($5 = '' OR a.tenant_slug = lower($5)) AND ($6 = '' OR a.action = $6"
    "  OR left(a.action, length($6) + 1) IN ($6 || '.', $6 || '_'))"
    " AND ($7 = '' OR a.actor = $7)"
    " ORDER BY a.id LIMIT $2::int",
    7, 0};

/*
 * Since $2 and until $3, AUDIT_RANGE_OK in UTC; tenant $1 ('' for any) is one, or was (its
 * deletion is in the log), and actor $4 has acted on the platform: a slug or name mistyped lists
 * nothing, which would read as "nothing happened".
 */
static struct db_stmt q_platform_audit_known = {
    "SELECT" AUDIT_RANGE_OK ","
    " liaison_check($1 = '' OR EXISTS (SELECT 1 FROM tenants t WHERE t.slug = lower($1))"
    "  OR EXISTS (SELECT 1 FROM platform_audit a WHERE a.tenant_slug = lower($1)),"
    "  'tenant', format('no tenant %s, now or before', $1)),"
    " liaison_check($4 = '' OR EXISTS (SELECT 1 FROM platform_audit a WHERE a.actor = $4),"
    "  'actor', format('no operator %s has acted on the platform (as the ACTOR column shows"
    " it)', $4))"
    " FROM (SELECT 'UTC'::text AS zone) z",
    4, 0};

static struct exec_decl d_audit_list = {
    .method = "ListAuditLog",
    .check = {&q_audit_actor, {"actor", "since", "until"}},
    .query = {&q_audit_list,
              {"@after", "@limit", "since", "until", "actor", "entity", "action", "entity_id"}},
    .shape = EXEC_PAGE,
    .out = "entries",
    .cursor = "aud",
    .filters = {"since", "until", "actor", "entity", "action", "entity_id"},
    .invalid = "since or until is not a day (YYYY-MM-DD) or an RFC 3339 time"};

static struct exec_decl d_platform_audit_list = {
    .method = "ListPlatformAudit",
    .check = {&q_platform_audit_known, {"tenant", "since", "until", "actor"}},
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
            "%s, in the years 1900 to 2999",
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

/*
 * The kinds of entity audit rows name, and the groups their actions start with (an action is
 * GROUP.VERB...: report.submitted_late). A filter naming anything else listed nothing, as if
 * nothing had happened (a try-out: --entity reports). tests/check_audit_kinds.py keeps these
 * lists in step with every liaison_audit() call of server/ and its migrations.
 */
static const char *const audit_entities[] = {"action_item",
                                             "api_token",
                                             "cadence_default",
                                             "charter",
                                             "contact",
                                             "distributor",
                                             "document",
                                             "escalation_protocol",
                                             "escalation_request",
                                             "interaction",
                                             "key_account",
                                             "lead",
                                             "meeting",
                                             "meeting_attendee",
                                             "meeting_note",
                                             "meeting_series",
                                             "monthly_report",
                                             "order",
                                             "plan",
                                             "product",
                                             "product_line",
                                             "shipment",
                                             "target",
                                             "tenant",
                                             "upstream_update",
                                             "user"};
static const char *const audit_action_groups[] = {"action_item",
                                                  "api_token",
                                                  "cadence",
                                                  "cadence_default",
                                                  "charter",
                                                  "contact",
                                                  "crm",
                                                  "distributor",
                                                  "document",
                                                  "escalation",
                                                  "escalation_protocol",
                                                  "handbook",
                                                  "health",
                                                  "interaction",
                                                  "key_account",
                                                  "lead",
                                                  "meeting",
                                                  "meeting_series",
                                                  "order",
                                                  "plan",
                                                  "product",
                                                  "product_line",
                                                  "report",
                                                  "session",
                                                  "shipment",
                                                  "target",
                                                  "tenant",
                                                  "update",
                                                  "user"};

/* Whether the first n bytes of s are, in any case, one of names. */
static bool audit_known(const char *s, size_t n, const char *const *names, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        size_t k = 0;
        while (k < n && names[i][k] && tolower((unsigned char)s[k]) == names[i][k])
            k++;
        if (k == n && !names[i][k])
            return true;
    }
    return false;
}

/* "a, b, c" of names into buf of cap bytes (the lists above fit in 512), cut short if not. */
static const char *audit_names(char *buf, size_t cap, const char *const *names, size_t count)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < count && len < cap; i++) {
        int n = snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", names[i]);
        if (n < 0)
            break;
        len += (size_t)n;
    }
    return buf;
}

/*
 * Whether the entity and action filters name something audit rows can hold (empty: any);
 * answers INVALID_ARGUMENT on the one that does not, with what it may be, and returns false.
 */
static bool audit_kinds_ok(struct request *r, const char *entity, const char *action)
{
    const size_t nent = sizeof audit_entities / sizeof audit_entities[0];
    const size_t ngroup = sizeof audit_action_groups / sizeof audit_action_groups[0];
    if (entity[0] && !audit_known(entity, strlen(entity), audit_entities, nent)) {
        char names[512];
        const char *why = request_printf(r, "no entity '%s' is recorded; one of: %s", entity,
                                         audit_names(names, sizeof names, audit_entities, nent));
        request_fail_field(r, "entity", why ? why : "no such entity is recorded");
        return false;
    }
    if (action[0] && !audit_known(action, strcspn(action, "."), audit_action_groups, ngroup)) {
        char names[512];
        const char *why = request_printf(
            r,
            "no action '%s' is recorded: an action is one of %s, or one of theirs such as "
            "contact.left",
            action, audit_names(names, sizeof names, audit_action_groups, ngroup));
        request_fail_field(r, "action", why ? why : "no such action is recorded");
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
        request_check_text(r, "entityId", in->entity_id, 100, false) &&
        audit_kinds_ok(r, in->entity, in->action))
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
