/*
 * rpc_user.c - users of a tenant: create, list, disable, enable, change and
 * reset passwords. Every change writes its audit row in the same statement.
 * Disabling a user or resetting a password revokes the user's sessions.
 */
#include "rpc_user.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"
#include "log.h"
#include "page.h"
#include "rpc_auth.h"
#include "worker.h"

#define USER_COLS                                                                                  \
    "id, email, display_name, role, sees_all_distributors, coalesce(distributor_id, 0),"           \
    " disabled_at IS NOT NULL, " DB_RFC3339("created_at")
#define USERS_CURSOR "usr"

/* $1 email, $2 name, $3 role, $4 hash, $5 sees all, $6 distributor, $7 actor, $8 rid, $9 source */
static struct db_stmt q_user_create = {
    "WITH u AS (INSERT INTO users (tenant_id, email, display_name, role, password_hash,"
    "  sees_all_distributors, distributor_id)"
    "  VALUES (liaison_tenant(), $1, $2, $3, $4, $5::boolean, nullif($6::bigint, 0))"
    "  RETURNING " USER_COLS "),"
    " a AS (INSERT INTO audit_log (tenant_id, actor, action, entity, entity_id, request_id, source)"
    "  SELECT liaison_tenant(), $7, 'user.create', 'user', id::text, $8, $9 FROM u)"
    " SELECT * FROM u",
    9, 0};
static struct db_stmt q_user_list = {
    "SELECT " USER_COLS " FROM users WHERE tenant_id = liaison_tenant() AND id > $1::bigint"
    " ORDER BY id LIMIT $2::int",
    2, 0};
/* $1 user, $2 disable (boolean), $3 actor, $4 rid, $5 source */
static struct db_stmt q_user_set_disabled = {
    "WITH u AS (UPDATE users SET disabled_at = CASE WHEN $2::boolean"
    "  THEN coalesce(disabled_at, now()) END"
    "  WHERE tenant_id = liaison_tenant() AND id = $1::bigint RETURNING " USER_COLS "),"
    " s AS (UPDATE sessions SET revoked_at = now() WHERE tenant_id = liaison_tenant()"
    "  AND user_id = $1::bigint AND revoked_at IS NULL AND $2::boolean),"
    " a AS (INSERT INTO audit_log (tenant_id, actor, action, entity, entity_id, request_id, source)"
    "  SELECT liaison_tenant(), $3, CASE WHEN $2::boolean THEN 'user.disable'"
    "  ELSE 'user.enable' END, 'user', id::text, $4, $5 FROM u)"
    " SELECT * FROM u",
    5, 0};
/*
 * A caller never disables itself: $1 user. The caller is the one
 * liaison_auth() found live, so a revoked credential is refused first.
 */
static struct db_stmt q_user_not_self = {
    "SELECT liaison_check($1::bigint IS DISTINCT FROM"
    " nullif(current_setting('liaison.user_id', true), '')::bigint, 'userId',"
    " 'you cannot disable yourself')",
    1, 0};
static struct db_stmt q_user_hash = {
    "SELECT password_hash FROM users WHERE tenant_id = liaison_tenant() AND id = $1::bigint", 1, 0};
/* $1 user, $2 hash, $3 keep session (0 none), $4 actor, $5 rid, $6 source */
static struct db_stmt q_user_set_password = {
    "WITH u AS (UPDATE users SET password_hash = $2"
    "  WHERE tenant_id = liaison_tenant() AND id = $1::bigint RETURNING id),"
    " s AS (UPDATE sessions SET revoked_at = now() WHERE tenant_id = liaison_tenant()"
    "  AND user_id = $1::bigint AND kind = 'session' AND revoked_at IS NULL"
    "  AND id <> $3::bigint),"
    " a AS (INSERT INTO audit_log (tenant_id, actor, action, entity, entity_id, request_id, source)"
    "  SELECT liaison_tenant(), $4, 'user.password', 'user', id::text, $5, $6 FROM u)"
    " SELECT id FROM u",
    6, 0};

int rpc_user_register(void)
{
    struct db_stmt *const stmts[] = {&q_user_create, &q_user_list,         &q_user_set_disabled,
                                     &q_user_hash,   &q_user_set_password, &q_user_not_self};
    return db_register(stmts, (int)(sizeof stmts / sizeof stmts[0]));
}

static void user_from_row(struct arena *a, const void *res, int i, void *item)
{
    (void)a;
    Liaison__V1__User *u = item;
    liaison__v1__user__init(u);
    u->id = strtoull(PQgetvalue(res, i, 0), NULL, 10);
    u->email = PQgetvalue(res, i, 1);
    u->display_name = PQgetvalue(res, i, 2);
    u->role = (Liaison__V1__Role)auth_role_from_name(PQgetvalue(res, i, 3));
    u->sees_all_distributors = PQgetvalue(res, i, 4)[0] == 't';
    u->distributor_id = strtoull(PQgetvalue(res, i, 5), NULL, 10);
    u->disabled = PQgetvalue(res, i, 6)[0] == 't';
    u->created_at = PQgetvalue(res, i, 7);
}

static void user_reply_one(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code == LIAISON__V1__CODE__ALREADY_EXISTS) {
        request_fail(r, code, "a user with this e-mail address already exists");
        return;
    }
    if (code == LIAISON__V1__CODE__FAILED_PRECONDITION) {
        request_fail_field(r, "distributorId", "no such distributor in this tenant");
        return;
    }
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const PGresult *res = txn->results[txn->nsteps - 1];
    if (PQntuples(res) != 1) {
        request_fail(r, LIAISON__V1__CODE__NOT_FOUND, "no such user");
        return;
    }
    Liaison__V1__User u;
    user_from_row(&r->arena, res, 0, &u);
    Liaison__V1__UserResponse out = LIAISON__V1__USER_RESPONSE__INIT;
    out.user = &u;
    request_reply(r, &out.base);
}

/* ---------- CreateUser ---------- */

static void create_user_hashed(void *arg, bool ok, const char *encoded)
{
    struct request *r = arg;
    const Liaison__V1__CreateUserRequest *in = (const Liaison__V1__CreateUserRequest *)r->input;
    if (!ok) {
        request_fail(r, LIAISON__V1__CODE__INTERNAL, "password hashing failed");
        return;
    }
    char *hash = arena_strdup(&r->arena, encoded); /* NULL: request_submit refuses */
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_user_create;
    s->values[0] = in->email;
    s->values[1] = in->display_name;
    s->values[2] = auth_role_name(in->role);
    s->values[3] = hash;
    s->values[4] = in->sees_all_distributors ? "true" : "false";
    s->values[5] = request_printf(r, "%" PRIu64, in->distributor_id);
    request_audit_params(r, s, 6);
    r->txn.nsteps = n + 1;
    request_submit(r, user_reply_one);
}

void rpc_create_user(struct request *r)
{
    const Liaison__V1__CreateUserRequest *in = (const Liaison__V1__CreateUserRequest *)r->input;
    const char *why;
    if (strlen(in->email) < 3 || strlen(in->email) > 254 || !strchr(in->email, '@')) {
        request_fail_field(r, "email", "an e-mail address is required");
        return;
    }
    if (strlen(in->display_name) > 200) {
        request_fail_field(r, "displayName", "at most 200 bytes");
        return;
    }
    if (!auth_role_name(in->role)) {
        request_fail_field(r, "role", "one of the roles is required");
        return;
    }
    bool distributor = in->role == LIAISON__V1__ROLE__ROLE_DISTRIBUTOR_USER;
    if (distributor != (in->distributor_id != 0) || in->distributor_id > INT64_MAX) {
        request_fail_field(r, "distributorId", "required for distributor users, and only for them");
        return;
    }
    if (in->sees_all_distributors && in->role != LIAISON__V1__ROLE__ROLE_MANAGER) {
        request_fail_field(r, "seesAllDistributors", "applies to managers only");
        return;
    }
    if ((why = auth_password_problem(in->password))) {
        request_fail_field(r, "password", why);
        return;
    }
    request_password_job(r, in->password, NULL, create_user_hashed);
}

/* ---------- ListUsers ---------- */

static void list_users_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const Liaison__V1__ListUsersRequest *in = (const Liaison__V1__ListUsersRequest *)r->input;
    Liaison__V1__ListUsersResponse out = LIAISON__V1__LIST_USERS_RESPONSE__INIT;
    Liaison__V1__PageResponse page;
    if (page_rows(&r->arena, txn->results[1], in->page, sizeof(Liaison__V1__User), user_from_row,
                  USERS_CURSOR, "", 0, (void ***)&out.users, &out.n_users, &page) < 0) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    out.page = &page;
    request_reply(r, &out.base);
}

void rpc_list_users(struct request *r)
{
    const Liaison__V1__ListUsersRequest *in = (const Liaison__V1__ListUsersRequest *)r->input;
    char after[24];
    if (page_after_id(in->page, USERS_CURSOR, "", after, sizeof after) < 0) {
        request_fail_field(r, "page.cursor", "not a cursor from ListUsers");
        return;
    }
    int n = credential_txn_begin(r);
    r->txn.steps[n].stmt = &q_user_list;
    r->txn.steps[n].values[0] = arena_strdup(&r->arena, after);
    r->txn.steps[n].values[1] = page_limit_param(&r->arena, in->page);
    r->txn.nsteps = n + 1;
    request_submit(r, list_users_done);
}

/* ---------- DisableUser, EnableUser ---------- */

static void user_set_disabled(struct request *r, bool disable)
{
    const Liaison__V1__UserRequest *in = (const Liaison__V1__UserRequest *)r->input;
    if (!request_check_id(r, "userId", in->user_id))
        return;
    char *user = request_printf(r, "%" PRIu64, in->user_id);
    int n = credential_txn_begin(r);
    if (disable) {
        r->txn.steps[n].stmt = &q_user_not_self;
        r->txn.steps[n].values[0] = user;
        n++;
    }
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_user_set_disabled;
    s->values[0] = user;
    s->values[1] = disable ? "true" : "false";
    request_audit_params(r, s, 2);
    r->txn.nsteps = n + 1;
    request_submit(r, user_reply_one);
}

void rpc_disable_user(struct request *r)
{
    user_set_disabled(r, true);
}

void rpc_enable_user(struct request *r)
{
    user_set_disabled(r, false);
}

/* ---------- ChangePassword, ResetPassword ---------- */

/*
 * A wrong current password counts against the account's log-in throttle
 * (rpc_auth.c), like a wrong log-in: a session is no licence to guess.
 */
struct password_change {
    int64_t user_id;
    int64_t keep_session;
    const char *new_password;
    struct login_account account; /* ChangePassword only */
};

static void password_saved(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    if (PQntuples(txn->results[txn->nsteps - 1]) != 1) {
        request_fail(r, LIAISON__V1__CODE__NOT_FOUND, "no such user");
        return;
    }
    Liaison__V1__Empty out = LIAISON__V1__EMPTY__INIT;
    request_reply(r, &out.base);
}

static void password_hashed(void *arg, bool ok, const char *encoded)
{
    struct request *r = arg;
    struct password_change *pc = r->state;
    if (!ok) {
        request_fail(r, LIAISON__V1__CODE__INTERNAL, "password hashing failed");
        return;
    }
    char *hash = arena_strdup(&r->arena, encoded); /* NULL: request_submit refuses */
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_user_set_password;
    s->values[0] = request_printf(r, "%" PRId64, pc->user_id);
    s->values[1] = hash;
    s->values[2] = request_printf(r, "%" PRId64, pc->keep_session);
    request_audit_params(r, s, 3);
    r->txn.nsteps = n + 1;
    request_submit(r, password_saved);
}

static void password_hash_new(struct request *r)
{
    struct password_change *pc = r->state;
    request_password_job(r, pc->new_password, NULL, password_hashed);
}

static void password_mismatch(struct request *r)
{
    request_fail_field(r, "currentPassword", "does not match");
}

static void password_failure_counted(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    struct password_change *pc = r->state;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    bool locked_now;
    int failures = login_failures(txn->results[txn->nsteps - 1], &locked_now);
    if (login_log_admit(r))
        log_event(LOG_WARN, "password change: wrong current password",
                  "req=%s tenant=%s user=%" PRId64 " peer=%s failures=%d locked_now=%s", r->rid,
                  r->who.tenant_slug, pc->user_id, r->peer, failures,
                  locked_now ? "account" : "none");
    if (r->answered || request_defer(r, login_delay_ms(failures), password_mismatch) < 0)
        password_mismatch(r);
}

static void password_current_checked(void *arg, bool ok, const char *encoded)
{
    (void)encoded;
    struct request *r = arg;
    struct password_change *pc = r->state;
    if (!ok) {
        r->txn.nsteps = login_fail_steps(r, r->txn.steps, &pc->account);
        request_submit(r, password_failure_counted);
        return;
    }
    if (r->answered) {
        /* The caller stopped waiting: its password stays as it was. */
        password_mismatch(r);
        return;
    }
    password_hash_new(r);
}

static void password_current_loaded(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    struct password_change *pc = r->state;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const Liaison__V1__ChangePasswordRequest *in =
        (const Liaison__V1__ChangePasswordRequest *)r->input;
    /* Only now: a revoked token must get UNAUTHENTICATED, not this. */
    if (r->who.api_token) {
        request_fail(r, LIAISON__V1__CODE__FAILED_PRECONDITION,
                     "an API token has no password; log in as the user");
        return;
    }
    const PGresult *res = txn->results[txn->nsteps - 2];
    if (PQntuples(res) != 1) {
        request_fail(r, LIAISON__V1__CODE__NOT_FOUND, "no such user");
        return;
    }
    bool locked, unused;
    login_locked(txn->results[txn->nsteps - 1], &locked, &unused);
    if (locked) {
        if (login_log_admit(r))
            log_event(LOG_WARN, "password change refused: locked",
                      "req=%s tenant=%s user=%" PRId64 " peer=%s locked=account", r->rid,
                      r->who.tenant_slug, pc->user_id, r->peer);
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED,
                     "too many failed log-ins; try again later");
        return;
    }
    r->outlives_deadline = true;
    request_password_job(r, in->current_password, PQgetvalue(res, 0, 0), password_current_checked);
}

static struct password_change *password_state(struct request *r, int64_t user, int64_t keep,
                                              const char *pw)
{
    struct password_change *pc = arena_alloc(&r->arena, sizeof *pc);
    if (pc) {
        memset(pc, 0, sizeof *pc);
        pc->user_id = user;
        pc->keep_session = keep;
        pc->new_password = pw;
        r->state = pc;
    }
    return pc;
}

void rpc_change_password(struct request *r)
{
    const Liaison__V1__ChangePasswordRequest *in =
        (const Liaison__V1__ChangePasswordRequest *)r->input;
    const char *why;
    if ((why = auth_password_problem(in->new_password))) {
        request_fail_field(r, "newPassword", why);
        return;
    }
    struct password_change *pc =
        password_state(r, r->who.user_id, r->who.session_id, in->new_password);
    /* A user's actor is "user:ID EMAIL", the e-mail as stored, which Login's key lowers too. */
    const char *email = strchr(r->who.actor, ' ');
    if (!pc || !login_account_init(r, &pc->account, r->who.tenant_id, email ? email + 1 : "")) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    pc->account.user_id = r->who.user_id;
    pc->account.actor = r->who.actor;
    int n = credential_txn_begin(r);
    r->txn.steps[n].stmt = &q_user_hash;
    r->txn.steps[n].values[0] = request_printf(r, "%" PRId64, r->who.user_id);
    login_check_step(&r->txn.steps[n + 1], &pc->account, NULL);
    r->txn.nsteps = n + 2;
    request_submit(r, password_current_loaded);
}

void rpc_reset_password(struct request *r)
{
    const Liaison__V1__ResetPasswordRequest *in =
        (const Liaison__V1__ResetPasswordRequest *)r->input;
    const char *why;
    if (!request_check_id(r, "userId", in->user_id))
        return;
    if ((why = auth_password_problem(in->new_password))) {
        request_fail_field(r, "newPassword", why);
        return;
    }
    if (!password_state(r, (int64_t)in->user_id, 0, in->new_password)) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    password_hash_new(r);
}
