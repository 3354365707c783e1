/*
 * rpc_user.c - users of a tenant: create, list, update, disable, enable,
 * change and reset passwords. Every change writes its audit row in the same
 * statement. Disabling a user, changing their role or distributor, or
 * resetting a password revokes the user's sessions.
 */
#include "rpc_user.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"
#include "exec.h"
#include "log.h"
#include "rpc_auth.h"

#define USER_COLS                                                                                  \
    "id, email, display_name, 'ROLE_' || upper(role) AS role, sees_all_distributors,"              \
    " distributor_id, disabled_at IS NOT NULL AS disabled,"                                        \
    " liaison_rfc3339(created_at) AS created_at,"                                                  \
    " (SELECT d.name FROM distributors d WHERE d.tenant_id = users.tenant_id"                      \
    "  AND d.id = users.distributor_id) AS distributor_name"

/* A distributor user's distributor is one of the tenant's: $1 distributor (0: none). */
static struct db_stmt q_user_distributor = {
    "SELECT liaison_check($1::bigint = 0 OR EXISTS (SELECT 1 FROM distributors"
    " WHERE tenant_id = liaison_tenant() AND id = $1::bigint), 'distributorId',"
    " 'no such distributor in this tenant')",
    1, 0};
/*
 * $1 email (in NFC), $2 name, $3 role (its enum name: ROLE_MANAGER is 'manager'),
 * $4 password hash, $5 sees all, $6 distributor (0: none). An address stored
 * decomposed before it was put in NFC (migration 0345) is the same address.
 */
static struct db_stmt q_user_create = {
    "WITH m AS (INSERT INTO users (tenant_id, email, display_name, role, password_hash,"
    "  sees_all_distributors, distributor_id)"
    "  SELECT liaison_tenant(), $1, $2, lower(substr($3, 6)), $4, $5::boolean,"
    "  nullif($6::bigint, 0) WHERE liaison_unique(NOT EXISTS (SELECT 1 FROM users o"
    "  WHERE o.tenant_id = liaison_tenant() AND o.email IS NOT NFC NORMALIZED"
    "  AND lower(normalize(o.email, NFC)) = lower($1)),"
    "  'a user with this e-mail address already exists')"
    "  RETURNING " USER_COLS ")" EXEC_AUDITED("'user.create'", "user"),
    6, 0};
/*
 * $1 after, $2 limit, $3 name filter. A distributor's users only for a
 * caller who reaches that distributor: a manager who does not see every
 * distributor lists the exporter's staff and the users of those it
 * manages, nothing of the others.
 */
static struct db_stmt q_user_list = {
    "SELECT " USER_COLS " FROM users WHERE tenant_id = liaison_tenant() AND id > $1::bigint"
    " AND ($3 = '' OR email ILIKE liaison_like($3) OR liaison_name_like(display_name, $3))"
    " AND (distributor_id IS NULL OR EXISTS (SELECT 1 FROM distributors d"
    "  WHERE d.tenant_id = users.tenant_id AND d.id = users.distributor_id"
    "  AND liaison_sees_distributor(d.id, d.account_manager_id)))"
    " ORDER BY id LIMIT $2::int",
    3, 0};
/*
 * $1 user, $2 disable: disabling also revokes the user's sessions and tokens.
 * Audited when it changed something: a user disabled twice has one row.
 */
static struct db_stmt q_user_set_disabled = {
    "WITH o AS (SELECT disabled_at IS NOT NULL AS was FROM users"
    "  WHERE tenant_id = liaison_tenant() AND id = $1::bigint),"
    " m AS (UPDATE users SET disabled_at = CASE WHEN $2::boolean"
    "  THEN coalesce(disabled_at, now()) END"
    "  WHERE tenant_id = liaison_tenant() AND id = $1::bigint RETURNING " USER_COLS "),"
    " s AS (UPDATE sessions SET revoked_at = now() WHERE tenant_id = liaison_tenant()"
    "  AND user_id = $1::bigint AND revoked_at IS NULL AND $2::boolean)"
    " SELECT m.* FROM m, o WHERE CASE WHEN o.was = $2::boolean THEN true"
    "  ELSE liaison_audit(CASE WHEN $2::boolean THEN 'user.disable' ELSE 'user.enable' END,"
    "  'user', m.id::text) END",
    2, 0};
/*
 * $1 user, $2 name, $3 role (its enum name), $4 sees all, $5 distributor (0:
 * none): through the owner's function (0204), which checks the change and
 * ends the user's sessions when their role or distributor changes. A row
 * when there is such a user.
 */
static struct db_stmt q_user_update = {
    "SELECT id FROM liaison_user_update($1::bigint, $2, lower(substr($3, 6)), $4::boolean,"
    " nullif($5::bigint, 0)) AS id WHERE id IS NOT NULL",
    5, 0};
/* User $1 as the answer shows it, read after its change. */
static struct db_stmt q_user_get = {
    "SELECT " USER_COLS " FROM users WHERE tenant_id = liaison_tenant() AND id = $1::bigint", 1, 0};
/*
 * A caller never disables itself: $1 user. The caller is the one
 * liaison_auth() found live, so a revoked credential is refused first. Nor
 * the tenant's last enabled admin: two admins disabling each other at the
 * same moment left none (a try-out). The admins' rows, the user's among
 * them, are locked in id order, as liaison_user_update (0255) takes them,
 * and one changed by a transaction that committed meanwhile is read again
 * as it is now.
 */
static struct db_stmt q_user_not_self = {
    "SELECT liaison_check($1::bigint IS DISTINCT FROM"
    " nullif(current_setting('liaison.user_id', true), '')::bigint, 'userId',"
    " 'you cannot disable yourself'),"
    " liaison_precondition(NOT EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = liaison_tenant()"
    "  AND u.id = $1::bigint AND u.role = 'tenant_admin' AND u.disabled_at IS NULL)"
    "  OR (SELECT count(*) FILTER (WHERE x.id <> $1::bigint) FROM (SELECT o.id FROM users o"
    "   WHERE o.tenant_id = liaison_tenant() AND o.role = 'tenant_admin'"
    "   AND o.disabled_at IS NULL ORDER BY o.id FOR UPDATE) x) > 0,"
    "  'this is the tenant''s last enabled tenant admin: make another user a tenant admin first')",
    1, 0};
/*
 * The caller's own hash without its last field: its salt and parameters. The
 * hash itself never leaves the database (migration 0095).
 */
static struct db_stmt q_user_salt = {
    "SELECT s FROM liaison_own_password_salt() AS s WHERE s IS NOT NULL", 0, 0};
/* $1 the current password hashed with that salt: whether it is the stored hash. */
static struct db_stmt q_user_matches = {"SELECT liaison_own_password_matches($1) AS matched", 1, 0};
/*
 * $1 user, $2 hash, $3 the session that stays (0: none), $4 the caller's
 * current password hashed with the stored salt ('': an admin's reset); the
 * user's other sessions end. Only the owner's function writes a hash
 * (migration 0095): a row when it did.
 */
static struct db_stmt q_user_set_password = {
    "SELECT id FROM liaison_user_password_set($1::bigint, $2, nullif($4, ''),"
    " nullif($3::bigint, 0)) AS id WHERE id IS NOT NULL",
    4, 0};

/*
 * CreateUser and ResetPassword run after their password is hashed, and
 * the handler then puts the hash where the password was: the declaration's
 * "password" is the hash, so the plain text never reaches the database.
 */
static struct exec_decl d_user_create = {.method = "CreateUser",
                                         .check = {&q_user_distributor, {"distributor_id"}},
                                         .query = {&q_user_create,
                                                   {"email", "display_name", "role", "password",
                                                    "sees_all_distributors", "distributor_id"}},
                                         .out = "user",
                                         .not_found = "no such user",
                                         .exists =
                                             "a user with this e-mail address already exists"};
static struct exec_decl d_user_list = {.method = "ListUsers",
                                       .query = {&q_user_list, {"@after", "@limit", "name"}},
                                       .shape = EXEC_PAGE,
                                       .out = "users",
                                       .cursor = "usr",
                                       .filters = {"name"}};
static struct exec_decl d_user_update = {
    .method = "UpdateUser",
    .query = {&q_user_update,
              {"user_id", "display_name", "role", "sees_all_distributors", "distributor_id"}},
    .reply = {&q_user_get, {"user_id"}},
    .out = "user",
    .not_found = "no such user"};
static struct exec_decl d_user_disable = {.method = "DisableUser",
                                          .check = {&q_user_not_self, {"user_id"}},
                                          .query = {&q_user_set_disabled, {"user_id", "=true"}},
                                          .out = "user",
                                          .not_found = "no such user"};
static struct exec_decl d_user_enable = {.method = "EnableUser",
                                         .query = {&q_user_set_disabled, {"user_id", "=false"}},
                                         .out = "user",
                                         .not_found = "no such user"};
static struct exec_decl d_password_reset = {
    .method = "ResetPassword",
    .query = {&q_user_set_password, {"user_id", "new_password", "=0", "="}},
    .shape = EXEC_NONE,
    .not_found = "no such user"};

int rpc_user_register(void)
{
    struct exec_decl *const decls[] = {&d_user_create,  &d_user_list,   &d_user_update,
                                       &d_user_disable, &d_user_enable, &d_password_reset};
    char err[256];
    if (db_register((struct db_stmt *[]){&q_user_salt, &q_user_matches}, 2) < 0)
        return -1;
    if (exec_register(decls, (int)(sizeof decls / sizeof decls[0]), err, sizeof err) < 0) {
        log_event(LOG_ERROR, "user RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

/* ---------- CreateUser ---------- */

/*
 * The hash a password job made, copied into the request's arena; NULL when
 * it failed, r then answered.
 */
static char *password_hash_kept(struct request *r, bool ok, const char *encoded)
{
    if (!ok) {
        request_fail(r, LIAISON__V1__CODE__INTERNAL, "password hashing failed");
        return NULL;
    }
    char *hash = arena_strdup(&r->arena, encoded);
    if (!hash)
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
    return hash;
}

static void create_user_hashed(void *arg, bool ok, const char *encoded)
{
    struct request *r = arg;
    char *hash = password_hash_kept(r, ok, encoded);
    if (!hash)
        return;
    ((Liaison__V1__CreateUserRequest *)r->input)->password = hash;
    exec_run(r, &d_user_create);
}

/*
 * A role, its distributor and its reach that go together, as CreateUser and
 * UpdateUser take them; on failure answers and returns false.
 */
static bool user_reach_ok(struct request *r, Liaison__V1__Role role, uint64_t distributor_id,
                          bool sees_all)
{
    if (!auth_role_name(role)) {
        request_fail_field(r, "role", "one of the roles is required");
        return false;
    }
    bool distributor = role == LIAISON__V1__ROLE__ROLE_DISTRIBUTOR_USER;
    if (distributor != (distributor_id != 0) || distributor_id > INT64_MAX) {
        request_fail_field(r, "distributorId", "required for distributor users, and only for them");
        return false;
    }
    if (sees_all && role != LIAISON__V1__ROLE__ROLE_MANAGER) {
        request_fail_field(r, "seesAllDistributors", "applies to managers only");
        return false;
    }
    return true;
}

void rpc_create_user(struct request *r)
{
    const Liaison__V1__CreateUserRequest *in = (const Liaison__V1__CreateUserRequest *)r->input;
    const char *why;
    if (!request_check_email(r, "email", in->email, true))
        return;
    if (!request_check_chars(r, "displayName", in->display_name, 200, false) ||
        !request_check_one_line(r, "displayName", in->display_name))
        return;
    if (!user_reach_ok(r, in->role, in->distributor_id, in->sees_all_distributors))
        return;
    if ((why = auth_password_problem(in->password))) {
        request_fail_field(r, "password", why);
        return;
    }
    request_password_job(r, in->password, NULL, create_user_hashed);
}

/* ---------- ListUsers, DisableUser, EnableUser ---------- */

void rpc_list_users(struct request *r)
{
    const Liaison__V1__ListUsersRequest *in = (const Liaison__V1__ListUsersRequest *)r->input;
    if (request_check_text(r, "name", in->name, 200, false) &&
        request_check_one_line(r, "name", in->name))
        exec_run(r, &d_user_list);
}

/* Who a user is and reaches, checked as CreateUser checks it; the e-mail is not changed. */
void rpc_update_user(struct request *r)
{
    const Liaison__V1__UpdateUserRequest *in = (const Liaison__V1__UpdateUserRequest *)r->input;
    if (!request_check_id(r, "userId", in->user_id) ||
        !request_check_chars(r, "displayName", in->display_name, 200, false) ||
        !request_check_one_line(r, "displayName", in->display_name))
        return;
    if (!user_reach_ok(r, in->role, in->distributor_id, in->sees_all_distributors))
        return;
    exec_run(r, &d_user_update);
}

void rpc_disable_user(struct request *r)
{
    if (request_check_id(r, "userId", ((const Liaison__V1__UserRequest *)r->input)->user_id))
        exec_run(r, &d_user_disable);
}

void rpc_enable_user(struct request *r)
{
    if (request_check_id(r, "userId", ((const Liaison__V1__UserRequest *)r->input)->user_id))
        exec_run(r, &d_user_enable);
}

/* ---------- ChangePassword, ResetPassword ---------- */

/*
 * A wrong current password counts against the account's log-in throttle
 * (rpc_auth.c), like a wrong log-in: a session is no licence to guess. The
 * request's state is that account.
 */

static void password_mismatch(struct request *r)
{
    request_fail_field_said(r, "currentPassword", "does not match",
                            "the current password does not match");
}

static void password_saved(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    if (PQntuples(txn->results[txn->nsteps - 1]) != 1) {
        /* Compared a moment ago: the password changed in between. */
        password_mismatch(r);
        return;
    }
    Liaison__V1__Empty out = LIAISON__V1__EMPTY__INIT;
    request_reply(r, &out.base);
}

/* The caller's own password: its other sessions end, the one it asks on stays. */
static void password_hashed(void *arg, bool ok, const char *encoded)
{
    struct request *r = arg;
    char *hash = password_hash_kept(r, ok, encoded);
    if (!hash)
        return;
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_user_set_password;
    s->values[0] = request_printf(r, "%" PRId64, r->who.user_id);
    s->values[1] = hash;
    s->values[2] = request_printf(r, "%" PRId64, r->who.session_id);
    s->values[3] = ((const Liaison__V1__ChangePasswordRequest *)r->input)->current_password;
    r->txn.nsteps = n + 1;
    request_submit(r, password_saved);
}

static void password_failure_counted(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    bool locked_now;
    int failures = login_failures(txn->results[txn->nsteps - 1], &locked_now);
    if (login_log_admit(r))
        log_event(LOG_WARN, "password change: wrong current password",
                  "req=%s tenant=%s user=%" PRId64 " peer=%s failures=%d locked_now=%s", r->rid,
                  r->who.tenant_slug, r->who.user_id, r->peer, failures,
                  locked_now ? "account" : "none");
    if (r->answered || request_defer(r, login_delay_ms(failures), password_mismatch) < 0)
        password_mismatch(r);
}

static void password_current_compared(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const PGresult *res = txn->results[txn->nsteps - 1];
    if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 0), "t")) {
        r->txn.nsteps = login_fail_steps(r, r->txn.steps, r->state);
        request_submit(r, password_failure_counted);
        return;
    }
    if (r->answered) {
        /* The caller stopped waiting: its password stays as it was. */
        password_mismatch(r);
        return;
    }
    request_password_job(r, ((const Liaison__V1__ChangePasswordRequest *)r->input)->new_password,
                         NULL, password_hashed);
}

/*
 * The current password hashed with the stored salt: the database compares,
 * even for a caller that stopped waiting, so that a wrong guess counts.
 */
static void password_current_hashed(void *arg, bool ok, const char *encoded)
{
    struct request *r = arg;
    char *hash = password_hash_kept(r, ok, encoded);
    if (!hash)
        return;
    /* From here the hash stands where the password was, for the save to name it again. */
    ((Liaison__V1__ChangePasswordRequest *)r->input)->current_password = hash;
    int n = credential_txn_begin(r);
    r->txn.steps[n].stmt = &q_user_matches;
    r->txn.steps[n].values[0] = hash;
    r->txn.nsteps = n + 1;
    request_submit(r, password_current_compared);
}

static void password_current_loaded(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
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
                      r->who.tenant_slug, r->who.user_id, r->peer);
        login_refuse_locked(r, txn->results[txn->nsteps - 1], true, false);
        return;
    }
    r->outlives_deadline = true;
    request_password_job(r, in->current_password, PQgetvalue(res, 0, 0), password_current_hashed);
}

void rpc_change_password(struct request *r)
{
    const Liaison__V1__ChangePasswordRequest *in =
        (const Liaison__V1__ChangePasswordRequest *)r->input;
    const char *why;
    if ((why = auth_password_problem(in->new_password))) {
        const char *said = request_printf(r, "the new password %s", why);
        request_fail_field_said(r, "newPassword", why, said ? said : why);
        return;
    }
    /* "Changed" to itself, a password handed out by someone else stayed what they know. */
    if (!strcmp(in->new_password, in->current_password)) {
        request_fail_field_said(r, "newPassword", "must not be the current one",
                                "the new password must not be the current one");
        return;
    }
    struct login_account *account = arena_alloc(&r->arena, sizeof *account);
    if (account)
        memset(account, 0, sizeof *account);
    /* A user's actor is "user:ID EMAIL", the e-mail as stored, which Login's key lowers too. */
    const char *email = strchr(r->who.actor, ' ');
    if (!account || !login_account_init(r, account, r->who.tenant_id, email ? email + 1 : "")) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    r->state = account;
    account->user_id = r->who.user_id;
    account->actor = r->who.actor;
    int n = credential_txn_begin(r);
    r->txn.steps[n].stmt = &q_user_salt;
    login_check_step(&r->txn.steps[n + 1], account, NULL);
    r->txn.nsteps = n + 2;
    request_submit(r, password_current_loaded);
}

/* An admin's reset ends every session of the user; its API tokens stay. */
static void reset_password_hashed(void *arg, bool ok, const char *encoded)
{
    struct request *r = arg;
    char *hash = password_hash_kept(r, ok, encoded);
    if (!hash)
        return;
    ((Liaison__V1__ResetPasswordRequest *)r->input)->new_password = hash;
    exec_run(r, &d_password_reset);
}

void rpc_reset_password(struct request *r)
{
    const Liaison__V1__ResetPasswordRequest *in =
        (const Liaison__V1__ResetPasswordRequest *)r->input;
    const char *why;
    if (!request_check_id(r, "userId", in->user_id))
        return;
    /* A session alone, without the password it was opened with, may not take over the account. */
    if (r->who.user_id > 0 && in->user_id == (uint64_t)r->who.user_id) {
        request_fail(r, LIAISON__V1__CODE__FAILED_PRECONDITION,
                     "that is your own account: your password is changed with the current one, "
                     "not reset");
        return;
    }
    if ((why = auth_password_problem(in->new_password))) {
        const char *said = request_printf(r, "the new password %s", why);
        request_fail_field_said(r, "newPassword", why, said ? said : why);
        return;
    }
    request_password_job(r, in->new_password, NULL, reset_password_hashed);
}
