/*
 * rpc_session.c - ListSessions and RevokeSessions. A user reaches their own
 * log-in sessions; a tenant admin any user's of the tenant. The handlers
 * refuse another user's for anyone else with PERMISSION_DENIED, and the
 * statements hold to the same rule. An API token lists its maker's, and
 * ends sessions only with the tenant admin role.
 */
#include "rpc_session.h"

#include "exec.h"
#include "log.h"

/* The user a request names (0: the caller) may be reached by the caller. */
#define SESSION_USER "coalesce(nullif($1::bigint, 0), liaison_user_id())"
#define SESSION_REACHED "(s.user_id = liaison_user_id() OR liaison_is_tenant_admin())"
#define SESSION_LIVE                                                                               \
    "s.tenant_id = liaison_tenant() AND s.kind = 'session' AND s.revoked_at IS NULL"               \
    " AND (s.expires_at IS NULL OR s.expires_at > now())"

/* $1 user (0: the caller) */
static struct db_stmt q_session_user_exists = {
    "SELECT liaison_found($1::bigint = 0 OR EXISTS (SELECT 1 FROM users u"
    " WHERE u.tenant_id = liaison_tenant() AND u.id = $1::bigint), 'no such user')",
    1, 0};
/* $1 user (0: the caller), $2 the caller's session, $3 after, $4 limit */
static struct db_stmt q_session_list = {
    "SELECT s.id, s.user_id, u.email, liaison_rfc3339(s.created_at) AS created_at,"
    " coalesce(liaison_rfc3339(s.expires_at), '') AS expires_at, s.id = $2::bigint AS current"
    " FROM sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id"
    " WHERE " SESSION_LIVE " AND s.user_id = " SESSION_USER " AND " SESSION_REACHED
    " AND s.id > $3::bigint ORDER BY s.id LIMIT $4::int",
    4, 0};
/*
 * $1 user (0: the caller), $2 session (0: every one of the user's), $3 the
 * caller's session (an API token's row, which is no log-in session). None
 * ended is NOT_FOUND for one session, 0 for a user's. Audited on the user whose session ended, as a
 * log-in and a log-out are.
 */
static struct db_stmt q_session_revoke = {
    "WITH m AS (UPDATE sessions s SET revoked_at = now()"
    "  WHERE " SESSION_LIVE " AND " SESSION_REACHED
    "  AND CASE WHEN $2::bigint <> 0 THEN s.id = $2::bigint ELSE s.user_id = " SESSION_USER " END"
    "  RETURNING s.user_id, s.id = $3::bigint AS current)"
    " SELECT count(*) AS revoked, coalesce(bool_or(m.current), false) AS current FROM m"
    " WHERE liaison_audit('session.revoke', 'user', m.user_id::text)"
    " HAVING count(*) > 0 OR $2::bigint = 0",
    3, 0};

static struct exec_decl d_session_list = {
    .method = "ListSessions",
    .check = {&q_session_user_exists, {"user_id"}},
    .query = {&q_session_list, {"user_id", "@session", "@after", "@limit"}},
    .shape = EXEC_PAGE,
    .out = "sessions",
    .cursor = "ses",
    .filters = {"user_id"}};
static struct exec_decl d_session_revoke = {
    .method = "RevokeSessions",
    .check = {&q_session_user_exists, {"user_id"}},
    .query = {&q_session_revoke, {"user_id", "id", "@session"}},
    .not_found = "no such live log-in session"};

int rpc_session_register(void)
{
    struct exec_decl *const decls[] = {&d_session_list, &d_session_revoke};
    char err[256];
    if (exec_register(decls, 2, err, sizeof err) < 0) {
        log_event(LOG_ERROR, "session RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

/* Another user's sessions are a tenant admin's to see and end; answers and returns false if not. */
static bool session_user_ok(struct request *r, uint64_t user_id)
{
    if (user_id && !request_check_id(r, "userId", user_id))
        return false;
    if (user_id && (int64_t)user_id != r->who.user_id &&
        r->who.role != LIAISON__V1__ROLE__ROLE_TENANT_ADMIN) {
        request_fail(r, LIAISON__V1__CODE__PERMISSION_DENIED,
                     "only a tenant admin sees or ends another user's log-in sessions");
        return false;
    }
    return true;
}

void rpc_list_sessions(struct request *r)
{
    if (session_user_ok(r, ((const Liaison__V1__ListSessionsRequest *)r->input)->user_id))
        exec_run(r, &d_session_list);
}

void rpc_revoke_sessions(struct request *r)
{
    const Liaison__V1__RevokeSessionsRequest *in =
        (const Liaison__V1__RevokeSessionsRequest *)r->input;
    if (in->id && in->all) {
        request_fail_field(r, "all", "a session's id or all, not both");
        return;
    }
    if (!in->id && !in->all) {
        request_fail_field(r, "id", "a session's id, or all for every session of the user");
        return;
    }
    if (in->id && in->user_id) {
        request_fail_field(r, "userId", "goes with all: a session's id names its user");
        return;
    }
    /*
     * A token's own user is whoever made it: a leaked read-only token must
     * not sign its maker out. A tenant admin's token may (off-boarding).
     */
    if (r->who.api_token && r->who.role != LIAISON__V1__ROLE__ROLE_TENANT_ADMIN) {
        request_fail(r, LIAISON__V1__CODE__PERMISSION_DENIED,
                     "an API token ends log-in sessions only with the tenant admin role");
        return;
    }
    if ((in->id && !request_check_id(r, "id", in->id)) || !session_user_ok(r, in->user_id))
        return;
    exec_run(r, &d_session_revoke);
}
