/*
 * rpc_token.c - API tokens: a sessions row of kind 'api' with its own role
 * and optional expiry, owned by the admin who made it. The token is shown
 * once; only its SHA-256 is stored.
 */
#include "rpc_token.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"
#include "exec.h"
#include "log.h"

#define TOKEN_COLS                                                                                 \
    "id, name, 'ROLE_' || upper(role) AS role, " DB_RFC3339(                                       \
        "created_at") " AS created_at,"                                                            \
                      " coalesce(" DB_RFC3339(                                                     \
                          "expires_at") ", '') AS expires_at, revoked_at IS NOT NULL AS revoked"
#define TOKEN_MAX_DAYS 3650

/* $1 owner, $2 name, $3 role, $4 hash, $5 days (0 none) */
static struct db_stmt q_token_create = {
    "WITH m AS (INSERT INTO sessions (tenant_id, user_id, kind, name, role, token_hash, expires_at)"
    "  VALUES (liaison_tenant(), $1::bigint, 'api', $2, $3, $4::bytea,"
    "  CASE WHEN $5::int > 0 THEN now() + $5::int * interval '1 day' END)"
    "  RETURNING " TOKEN_COLS ")" EXEC_AUDITED("'api_token.create'", "api_token"),
    5, 0};
static struct db_stmt q_token_list = {
    "SELECT " TOKEN_COLS " FROM sessions WHERE tenant_id = liaison_tenant() AND kind = 'api'"
    " AND id > $1::bigint ORDER BY id LIMIT $2::int",
    2, 0};
/*
 * $1 id. One revoked already answers as done, unaudited: a retry whose answer was lost said
 * "no such live API token" (a try-out). The second SELECT sees the rows as they were before the
 * UPDATE, so a token this statement revokes is not found there.
 */
static struct db_stmt q_token_revoke = {
    "WITH m AS (UPDATE sessions SET revoked_at = now() WHERE tenant_id = liaison_tenant()"
    "  AND kind = 'api' AND id = $1::bigint AND revoked_at IS NULL RETURNING id)" EXEC_AUDITED(
        "'api_token.revoke'", "api_token") " UNION ALL SELECT id FROM sessions"
                                           " WHERE tenant_id = liaison_tenant() AND kind = 'api'"
                                           " AND id = $1::bigint AND revoked_at IS NOT NULL",
    1, 0};

static struct exec_decl d_token_list = {.method = "ListApiTokens",
                                        .query = {&q_token_list, {"@after", "@limit"}},
                                        .shape = EXEC_PAGE,
                                        .out = "api_tokens",
                                        .cursor = "tok"};
static struct exec_decl d_token_revoke = {.method = "RevokeApiToken",
                                          .query = {&q_token_revoke, {"id"}},
                                          .shape = EXEC_NONE,
                                          .not_found = "no such API token"};

int rpc_token_register(void)
{
    struct db_stmt *const stmts[] = {&q_token_create};
    struct exec_decl *const decls[] = {&d_token_list, &d_token_revoke};
    char err[256];
    if (db_register(stmts, 1) < 0)
        return -1;
    if (exec_register(decls, 2, err, sizeof err) < 0) {
        log_event(LOG_ERROR, "API token RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

static void create_token_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    Liaison__V1__ApiToken t = LIAISON__V1__API_TOKEN__INIT;
    char err[256];
    if (exec_fill(&r->arena, txn->results[txn->nsteps - 1], 0, &t.base, err, sizeof err) < 0) {
        log_event(LOG_ERROR, "API token row does not fit", "reason=\"%s\"", err);
        request_fail(r, LIAISON__V1__CODE__INTERNAL, "internal error");
        return;
    }
    Liaison__V1__CreateApiTokenResponse out = LIAISON__V1__CREATE_API_TOKEN_RESPONSE__INIT;
    out.token = r->state;
    out.api_token = &t;
    request_reply(r, &out.base);
}

void rpc_create_api_token(struct request *r)
{
    const Liaison__V1__CreateApiTokenRequest *in =
        (const Liaison__V1__CreateApiTokenRequest *)r->input;
    if (!request_check_text(r, "name", in->name, 100, true) ||
        !request_check_one_line(r, "name", in->name))
        return;
    if (!auth_role_name(in->role) || in->role == LIAISON__V1__ROLE__ROLE_DISTRIBUTOR_USER) {
        request_fail_field(
            r, "role",
            "tenant_admin, manager or auditor: a token acts for the exporter, never as a "
            "distributor's user");
        return;
    }
    if (in->valid_days > TOKEN_MAX_DAYS) {
        request_fail_field(r, "validDays", "at most 3650");
        return;
    }
    char *token = arena_alloc(&r->arena, AUTH_TOKEN_MAX);
    char *hash = arena_alloc(&r->arena, AUTH_HASH_HEX);
    if (!token || !hash || auth_token_new(token, AUTH_TOKEN_MAX, r->who.tenant_id, false) < 0) {
        request_fail(r, LIAISON__V1__CODE__INTERNAL, "cannot make a token");
        return;
    }
    auth_hash_hex(token, hash);
    r->state = token;
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_token_create;
    s->values[0] = request_printf(r, "%" PRId64, r->who.user_id);
    s->values[1] = in->name;
    s->values[2] = auth_role_name(in->role);
    s->values[3] = hash;
    s->values[4] = request_printf(r, "%u", in->valid_days);
    r->txn.nsteps = n + 1;
    request_submit(r, create_token_done);
}

void rpc_list_api_tokens(struct request *r)
{
    exec_run(r, &d_token_list);
}

void rpc_revoke_api_token(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__RevokeApiTokenRequest *)r->input)->id))
        exec_run(r, &d_token_revoke);
}
