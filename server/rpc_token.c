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
#include "page.h"

#define TOKEN_COLS                                                                                 \
    "id, name, role, " DB_RFC3339("created_at") ", coalesce(" DB_RFC3339(                          \
        "expires_at") ", ''),"                                                                     \
                      " revoked_at IS NOT NULL"
#define TOKENS_CURSOR "tok"
#define TOKEN_MAX_DAYS 3650

/* $1 owner, $2 name, $3 role, $4 hash, $5 days (0 none), $6 actor, $7 rid, $8 source */
static struct db_stmt q_token_create = {
    "WITH t AS (INSERT INTO sessions (tenant_id, user_id, kind, name, role, token_hash, expires_at)"
    "  VALUES (liaison_tenant(), $1::bigint, 'api', $2, $3, $4::bytea,"
    "  CASE WHEN $5::int > 0 THEN now() + $5::int * interval '1 day' END)"
    "  RETURNING " TOKEN_COLS "),"
    " a AS (INSERT INTO audit_log (tenant_id, actor, action, entity, entity_id, request_id, source)"
    "  SELECT liaison_tenant(), $6, 'api_token.create', 'api_token', id::text, $7, $8 FROM t)"
    " SELECT * FROM t",
    8, 0};
static struct db_stmt q_token_list = {
    "SELECT " TOKEN_COLS " FROM sessions WHERE tenant_id = liaison_tenant() AND kind = 'api'"
    " AND id > $1::bigint ORDER BY id LIMIT $2::int",
    2, 0};
/* $1 id, $2 actor, $3 rid, $4 source */
static struct db_stmt q_token_revoke = {
    "WITH t AS (UPDATE sessions SET revoked_at = now() WHERE tenant_id = liaison_tenant()"
    "  AND kind = 'api' AND id = $1::bigint AND revoked_at IS NULL RETURNING id),"
    " a AS (INSERT INTO audit_log (tenant_id, actor, action, entity, entity_id, request_id, source)"
    "  SELECT liaison_tenant(), $2, 'api_token.revoke', 'api_token', id::text, $3, $4 FROM t)"
    " SELECT id FROM t",
    4, 0};

int rpc_token_register(void)
{
    struct db_stmt *const stmts[] = {&q_token_create, &q_token_list, &q_token_revoke};
    return db_register(stmts, 3);
}

static void token_from_row(struct arena *a, const void *res, int i, void *item)
{
    (void)a;
    Liaison__V1__ApiToken *t = item;
    liaison__v1__api_token__init(t);
    t->id = strtoull(PQgetvalue(res, i, 0), NULL, 10);
    t->name = PQgetvalue(res, i, 1);
    t->role = (Liaison__V1__Role)auth_role_from_name(PQgetvalue(res, i, 2));
    t->created_at = PQgetvalue(res, i, 3);
    t->expires_at = PQgetvalue(res, i, 4);
    t->revoked = PQgetvalue(res, i, 5)[0] == 't';
}

static void create_token_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    Liaison__V1__ApiToken t;
    token_from_row(&r->arena, txn->results[1], 0, &t);
    Liaison__V1__CreateApiTokenResponse out = LIAISON__V1__CREATE_API_TOKEN_RESPONSE__INIT;
    out.token = r->state;
    out.api_token = &t;
    request_reply(r, &out.base);
}

void rpc_create_api_token(struct request *r)
{
    const Liaison__V1__CreateApiTokenRequest *in =
        (const Liaison__V1__CreateApiTokenRequest *)r->input;
    if (!in->name[0] || strlen(in->name) > 100) {
        request_fail_field(r, "name", "1 to 100 bytes");
        return;
    }
    if (!auth_role_name(in->role) || in->role == LIAISON__V1__ROLE__ROLE_DISTRIBUTOR_USER) {
        request_fail_field(r, "role", "tenant admin, manager or auditor");
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
    request_audit_params(r, s, 5);
    r->txn.nsteps = n + 1;
    request_submit(r, create_token_done);
}

static void list_tokens_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const Liaison__V1__ListApiTokensRequest *in =
        (const Liaison__V1__ListApiTokensRequest *)r->input;
    Liaison__V1__ListApiTokensResponse out = LIAISON__V1__LIST_API_TOKENS_RESPONSE__INIT;
    Liaison__V1__PageResponse page;
    if (page_rows(&r->arena, txn->results[1], in->page, sizeof(Liaison__V1__ApiToken),
                  token_from_row, TOKENS_CURSOR, "", 0, (void ***)&out.api_tokens,
                  &out.n_api_tokens, &page) < 0) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    out.page = &page;
    request_reply(r, &out.base);
}

void rpc_list_api_tokens(struct request *r)
{
    const Liaison__V1__ListApiTokensRequest *in =
        (const Liaison__V1__ListApiTokensRequest *)r->input;
    char after[24];
    if (page_after_id(in->page, TOKENS_CURSOR, "", after, sizeof after) < 0) {
        request_fail_field(r, "page.cursor", "not a cursor from ListApiTokens");
        return;
    }
    int n = credential_txn_begin(r);
    r->txn.steps[n].stmt = &q_token_list;
    r->txn.steps[n].values[0] = arena_strdup(&r->arena, after);
    r->txn.steps[n].values[1] = page_limit_param(&r->arena, in->page);
    r->txn.nsteps = n + 1;
    request_submit(r, list_tokens_done);
}

static void revoke_token_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    if (PQntuples(txn->results[1]) != 1) {
        request_fail(r, LIAISON__V1__CODE__NOT_FOUND, "no such live API token");
        return;
    }
    Liaison__V1__Empty out = LIAISON__V1__EMPTY__INIT;
    request_reply(r, &out.base);
}

void rpc_revoke_api_token(struct request *r)
{
    const Liaison__V1__RevokeApiTokenRequest *in =
        (const Liaison__V1__RevokeApiTokenRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_token_revoke;
    s->values[0] = request_printf(r, "%" PRIu64, in->id);
    request_audit_params(r, s, 1);
    r->txn.nsteps = n + 1;
    request_submit(r, revoke_token_done);
}
