/*
 * rpc_auth.c - log-in, token authentication and log-out.
 *
 * Login takes three short transactions around an Argon2id hash on the
 * thread pool: resolve the tenant; read the throttle and the user (its
 * hash's salt and parameters, never the hash: migration 0026); then hash
 * the password with them and let the database compare the result with the
 * stored hash, which makes the session only when they match, or record a
 * failure. Failures are counted per account (tenant + e-mail, whether or
 * not either exists) from the source address, per account from every
 * address, and per source address; a locked key refuses even the right
 * password until the lock ends, without a hash, and every failure is
 * answered after a delay that grows with the count. The answer never says
 * whether the account exists. Once a password is being checked, the log-in
 * runs to its end even past its deadline, so that a caller who stops
 * waiting still has its guess counted. An account's lock is written to its
 * tenant's audit log.
 */
#include "rpc_auth.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "conn.h"
#include "credential.h"
#include "exec.h"
#include "log.h"

#define LOGIN_DELAY_STEP_MS 250
#define LOGIN_DELAY_MAX_MS 2000

/*
 * A log-in's change has no credential check: this records, for
 * liaison_audit() (migration 0009), actor $1, request id $2 and source $3.
 * No deadline: past the password check a log-in runs to its end. The
 * tenant comes from the database's own functions (migration 0026), which
 * liaisond's role cannot bind by itself.
 */
static struct db_stmt q_request = {"SELECT liaison_request(0, $1, $2, $3)", 3, 0};
static struct db_stmt q_tenant_lookup = {"SELECT id, status FROM liaison_tenant_lookup($1)", 1, 0};
/*
 * $1 the account's key from this address, $3 from every address (NULL:
 * none), $2 the address's key (NULL: none). Either account key locks the
 * account.
 */
static struct db_stmt q_throttle_check = {
    "SELECT coalesce(bool_or(locked_until > now())"
    "  FILTER (WHERE key_hash IN ($1::bytea, $3::bytea)), false) AS account_locked,"
    " coalesce(bool_or(locked_until > now()) FILTER (WHERE key_hash = $2::bytea), false)"
    "  AS address_locked,"
    " coalesce(ceil(extract(epoch FROM max(locked_until)"
    "  FILTER (WHERE key_hash IN ($1::bytea, $3::bytea)) - now())), 0)::int AS account_wait_s,"
    " coalesce(ceil(extract(epoch FROM max(locked_until) FILTER (WHERE key_hash = $2::bytea)"
    "  - now())), 0)::int AS address_wait_s"
    " FROM login_throttle WHERE key_hash IN ($1::bytea, $2::bytea, $3::bytea)",
    3, 0};
/* $1 tenant, $2 e-mail: the user, and its hash's salt and parameters, never the hash. */
static struct db_stmt q_user_by_email = {
    "SELECT id, salt, role, distributor_id, sees_all, disabled, email"
    " FROM liaison_login_user($1::bigint, $2)",
    2, 0};
/*
 * One more failure of key K, within a window of $2 seconds; at M failures
 * the key is locked for $4 seconds.
 */
#define THROTTLE_RESTART "t.window_start < now() - $2::int * interval '1 second'"
#define THROTTLE_COUNT "CASE WHEN " THROTTLE_RESTART " THEN 1 ELSE t.failures + 1 END"
#define THROTTLE_FAIL(K, M)                                                                        \
    "INSERT INTO login_throttle AS t (key_hash, failures, window_start, locked_until)"             \
    " VALUES (" K "::bytea, 1, now(),"                                                             \
    "  CASE WHEN 1 >= " M "::int THEN now() + $4::int * interval '1 second' END)"                  \
    " ON CONFLICT (key_hash) DO UPDATE SET"                                                        \
    "  failures = " THROTTLE_COUNT ","                                                             \
    "  window_start = CASE WHEN " THROTTLE_RESTART " THEN now() ELSE t.window_start END,"          \
    "  locked_until = CASE WHEN " THROTTLE_COUNT " >= " M "::int"                                  \
    "                 THEN now() + $4::int * interval '1 second' ELSE t.locked_until END"          \
    " RETURNING failures, failures >= " M "::int AS locked_now"
/* $1 key, $2 window seconds, $3 failures that lock, $4 lock seconds */
static struct db_stmt q_throttle_fail = {THROTTLE_FAIL("$1", "$3"), 4, 0};
/*
 * An account's failure from an address ($1, at most $3) and from
 * everywhere ($8, at most $9), the lock of either in its tenant's audit
 * log ($7 tenant, NULL: none; $5 entity, $6 entity id); a lock is refused
 * before the next hash, so each locking failure starts a lock. The
 * failures are the address's, which set the answer's delay.
 */
#define THROTTLE_FAIL_FROM_ADDRESS THROTTLE_FAIL("$1", "$3")
#define THROTTLE_FAIL_FROM_EVERYWHERE THROTTLE_FAIL("$8", "$9")
static struct db_stmt q_throttle_fail_account = {
    "WITH f AS (" THROTTLE_FAIL_FROM_ADDRESS "), a AS (" THROTTLE_FAIL_FROM_EVERYWHERE ")"
    " SELECT f.failures, f.locked_now OR a.locked_now AS locked_now FROM f, a"
    " WHERE CASE WHEN (f.locked_now OR a.locked_now) AND $7::bigint IS NOT NULL"
    " THEN liaison_login_locked_audit($7::bigint, $5, $6) ELSE true END",
    9, 0};
/*
 * $1 tenant, $2 user, $3 the password hashed with the stored salt, $4 token
 * hash (NULL: check only), $5 ttl seconds, $6 account key: the database
 * compares the hashes and only then makes the session (migration 0026).
 */
static struct db_stmt q_session_create = {
    "SELECT matched, suspended, id, expires_at"
    " FROM liaison_login($1::bigint, $2::bigint, $3, $4::bytea, $5::int, $6::bytea)",
    6, 0};
/* The same columns for a disabled user: whether the password was right, no session. */
static struct db_stmt q_login_disabled = {
    "SELECT liaison_login_disabled($1::bigint, $2::bigint, $3) AS matched, false AS suspended,"
    " NULL::bigint AS id, NULL::text AS expires_at",
    3, 0};
static struct db_stmt q_operator_by_name = {
    "SELECT id, name FROM operators WHERE name = $1 AND revoked_at IS NULL", 1, 0};
static struct db_stmt q_operator_by_token = {
    "SELECT id, name FROM operators WHERE token_hash = $1::bytea AND revoked_at IS NULL", 1, 0};
/* $1 tenant, $2 the token as sent */
static struct db_stmt q_session_by_token = {
    "SELECT id, user_id, role, kind, email, distributor_id, sees_all, slug, status"
    " FROM liaison_session_by_token($1::bigint, $2)",
    2, 0};
/* $1 session */
static struct db_stmt q_session_revoke = {
    "WITH m AS (UPDATE sessions SET revoked_at = now()"
    "  WHERE tenant_id = liaison_tenant() AND id = $1::bigint AND kind = 'session'"
    "  AND revoked_at IS NULL RETURNING user_id)"
    " SELECT count(*) FROM m WHERE liaison_audit('session.logout', 'user', m.user_id::text)",
    1, 0};
static struct db_stmt q_nothing = {"SELECT 1", 0, 0};
/*
 * What people call the caller: its user's display name, its tenant's and
 * (a distributor user's) distributor's names. No row for an operator.
 */
/* $1 the API token's session id (0: not an API token) */
static struct db_stmt q_whoami_names = {
    "SELECT u.display_name, t.name AS tenant_name, d.name AS distributor_name,"
    " (SELECT s.name FROM sessions s WHERE s.tenant_id = t.id AND s.kind = 'api'"
    "  AND s.id = $1::bigint) AS api_token_name"
    " FROM tenants t LEFT JOIN users u ON u.tenant_id = t.id"
    "  AND u.id = nullif(current_setting('liaison.user_id', true), '')::bigint"
    " LEFT JOIN distributors d ON d.tenant_id = u.tenant_id AND d.id = u.distributor_id"
    " WHERE t.id = liaison_tenant()",
    1, 0};

int rpc_auth_register(void)
{
    struct db_stmt *const stmts[] = {
        &q_request,          &q_tenant_lookup,        &q_throttle_check, &q_user_by_email,
        &q_throttle_fail,    &q_session_create,       &q_login_disabled, &q_operator_by_token,
        &q_operator_by_name, &q_session_by_token,     &q_session_revoke, &q_nothing,
        &q_whoami_names,     &q_throttle_fail_account};
    return db_register(stmts, (int)(sizeof stmts / sizeof stmts[0]));
}

void auth_identity_pb(const struct identity *who, Liaison__V1__Identity *out)
{
    liaison__v1__identity__init(out);
    if (who->kind == IDENTITY_OPERATOR) {
        out->kind = "operator";
        out->name = (char *)who->actor + strlen("operator:");
        return;
    }
    out->kind = who->api_token ? "api_token" : "session";
    out->tenant = (char *)who->tenant_slug;
    const char *sp = strchr(who->actor, ' ');
    out->name = sp ? (char *)sp + 1 : (char *)who->actor;
    out->role = (Liaison__V1__Role)who->role;
    out->user_id = (uint64_t)who->user_id;
    out->distributor_id = (uint64_t)who->distributor_id;
    out->sees_all_distributors = who->sees_all_distributors;
}

/* ---------- The throttle, shared with ChangePassword ---------- */

/* Log-in lines a second per worker: a flood of guesses must not become a flood of lines. */
#define LOGIN_LOG_PER_S 10
#define EMAIL_MAX 254

bool login_log_admit(struct request *r)
{
    return request_login_log_admit(r, LOGIN_LOG_PER_S);
}

uint64_t login_delay_ms(int failures)
{
    uint64_t delay = (uint64_t)failures * LOGIN_DELAY_STEP_MS;
    return delay > LOGIN_DELAY_MAX_MS ? LOGIN_DELAY_MAX_MS : delay;
}

/*
 * a's keys for account (lowered in ASCII here): from everywhere, its
 * SHA-256; from r's source address, that followed by the address's, so
 * that an operator's recovery finds every address's count by its first 32
 * bytes (migration 0206).
 */
static bool login_account_keys(struct request *r, struct login_account *a, char *account)
{
    int len;
    const char *source = request_source(r, &len);
    char *from = request_printf(r, "from:%.*s", len, source);
    if (!from)
        return false;
    for (char *p = account; *p; p++)
        *p = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
    char address[AUTH_HASH_HEX];
    auth_hash_hex(account, a->account_key);
    auth_hash_hex(from, address);
    snprintf(a->key, sizeof a->key, "%s%s", a->account_key, address + 2);
    return true;
}

bool login_account_init(struct request *r, struct login_account *a, int64_t tenant_id,
                        const char *email)
{
    char *lowered = request_printf(r, "%s", email);
    char *key = request_printf(r, "acct:%" PRId64 ":%s", tenant_id, email);
    if (!lowered || !key || !login_account_keys(r, a, key))
        return false;
    for (char *p = lowered; *p; p++)
        *p = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
    a->tenant_id = tenant_id;
    a->email = lowered;
    snprintf(a->tenant_param, sizeof a->tenant_param, "%" PRId64, tenant_id);
    return true;
}

void login_check_step(struct db_step *s, const struct login_account *a, const char *address_key)
{
    s->stmt = &q_throttle_check;
    s->values[0] = a ? a->key : NULL;
    s->values[1] = address_key;
    s->values[2] = a ? a->account_key : NULL;
}

void login_locked(const PGresult *res, bool *account, bool *address)
{
    *account = PQgetvalue(res, 0, PQfnumber(res, "account_locked"))[0] == 't';
    *address = PQgetvalue(res, 0, PQfnumber(res, "address_locked"))[0] == 't';
}

void login_refuse_locked(struct request *r, const PGresult *res, bool account, bool address)
{
    long wait = 1;
    if (account)
        wait = strtol(PQgetvalue(res, 0, PQfnumber(res, "account_wait_s")), NULL, 10);
    if (address) {
        long w = strtol(PQgetvalue(res, 0, PQfnumber(res, "address_wait_s")), NULL, 10);
        if (w > wait || !account)
            wait = w;
    }
    if (wait < 1)
        wait = 1;
    long minutes = (wait + 59) / 60;
    Liaison__V1__Status st = LIAISON__V1__STATUS__INIT;
    st.code = LIAISON__V1__CODE__RESOURCE_EXHAUSTED;
    st.message = request_printf(r, "too many failed log-ins; try again in %ld %s", minutes,
                                minutes == 1 ? "minute" : "minutes");
    if (!st.message)
        st.message = "too many failed log-ins; try again later";
    st.retry_after_ms = (uint32_t)(wait * 1000);
    request_fail_status(r, &st);
}

/* The throttle's settings as parameters of a failure's statement. */
static void login_fail_params(const struct config *cfg, struct db_step *s, const char *key,
                              char *window, char *lock, char *max, int max_failures)
{
    snprintf(window, 16, "%d", cfg->login_window_s);
    snprintf(lock, 16, "%d", cfg->login_lockout_s);
    snprintf(max, 16, "%d", max_failures);
    s->values[0] = key;
    s->values[1] = window;
    s->values[2] = max;
    s->values[3] = lock;
}

/*
 * Where a log-in comes from, for log lines and the audit log: the peer, and
 * the user's address a trusted proxy named.
 */
static const char *login_from(struct request *r)
{
    const char *from = r->source[0] ? request_printf(r, "%s client=%s", r->peer, r->source) : NULL;
    return from ? from : r->peer;
}

/*
 * The user's own address a trusted proxy named, for the log's client key
 * ("-": none); a value of its own, escaped as any (log.h).
 */
static const char *login_client(const struct request *r)
{
    return r->source[0] ? r->source : "-";
}

/* Sets s to count a failure of a's account from its address and from everywhere, unaudited. */
static void login_fail_account_step(const struct config *cfg, struct db_step *s,
                                    struct login_account *a)
{
    s->stmt = &q_throttle_fail_account;
    login_fail_params(cfg, s, a->key, a->window, a->lock, a->max, cfg->login_max_failures);
    snprintf(a->account_max, sizeof a->account_max, "%d", cfg->login_max_failures_per_account);
    s->values[4] = NULL;
    s->values[5] = NULL;
    s->values[6] = NULL;
    s->values[7] = a->account_key;
    s->values[8] = a->account_max;
}

int login_fail_steps(struct request *r, struct db_step *steps, struct login_account *a)
{
    steps[0].stmt = &q_request;
    steps[0].values[0] = a->actor;
    steps[0].values[1] = r->rid;
    steps[0].values[2] = login_from(r);
    struct db_step *s = &steps[1];
    login_fail_account_step(request_config(r), s, a);
    if (a->user_id) {
        snprintf(a->entity_id, sizeof a->entity_id, "%" PRId64, a->user_id);
        s->values[4] = "user";
        s->values[5] = a->entity_id;
    } else {
        /* For the tenant's admin: someone guesses at an e-mail no user has. */
        s->values[4] = "email";
        s->values[5] = a->email;
    }
    s->values[6] = a->tenant_param;
    return 2;
}

int login_failures(const PGresult *res, bool *locked_now)
{
    *locked_now = PQgetvalue(res, 0, PQfnumber(res, "locked_now"))[0] == 't';
    return atoi(PQgetvalue(res, 0, PQfnumber(res, "failures")));
}

/* "account", "address", "account,address" or "none", for log lines. */
static const char *login_keys(bool account, bool address)
{
    return account && address ? "account,address"
           : account          ? "account"
           : address          ? "address"
                              : "none";
}

/* ---------- Login ---------- */

/*
 * A log-in's state. The parameters of the steps after the password check
 * live here, not in the arena: a request short of memory there would be
 * refused without its failure being counted, which would make guessing
 * free.
 */
struct login {
    bool suspended;
    bool user_found;
    bool disabled;
    struct identity who;
    struct login_account account; /* tenant_id 0: no such tenant */
    char salt[160];               /* the stored hash's salt and parameters */
    char addr_key[AUTH_HASH_HEX];
    char token[AUTH_TOKEN_MAX];
    char token_hash[AUTH_HASH_HEX];
    char encoded[160];
    char user_param[24], ttl_param[16];
    char window_param[16], lock_param[16], max_addr_param[16];
};

static struct login *login_of(struct request *r)
{
    return r->state;
}

/* The tenant for log lines: only a slug that named a tenant is known to be safe to print. */
static const char *login_tenant_slug(const struct login *l)
{
    return l->account.tenant_id ? l->who.tenant_slug : "-";
}

static void login_refuse(struct request *r)
{
    request_fail(r, LIAISON__V1__CODE__UNAUTHENTICATED, "invalid tenant, e-mail or password");
}

static void login_failed_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    struct login *l = login_of(r);
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    bool addr_locked, acct_locked = false;
    int addr_failures = login_failures(txn->results[0], &addr_locked);
    /* The account's count: after its audit step for a tenant, alone for a made-up one. */
    int acct_failures = login_failures(txn->results[l->account.tenant_id ? 2 : 1], &acct_locked);
    if (login_log_admit(r))
        log_event(LOG_WARN, "log-in failed",
                  "req=%s tenant=%s user=%" PRId64 " peer=%s client=%s failures=%d"
                  " address_failures=%d locked_now=%s",
                  r->rid, login_tenant_slug(l), l->account.user_id, r->peer, login_client(r),
                  acct_failures, addr_failures, login_keys(acct_locked, addr_locked));
    int failures = acct_failures > addr_failures ? acct_failures : addr_failures;
    /* Answered at its deadline already: the count is what mattered. */
    if (r->answered || request_defer(r, login_delay_ms(failures), login_refuse) < 0)
        login_refuse(r);
}

/*
 * Counts a failure against the address and the account: a tenant's, with
 * the lock in its audit log, or one of a tenant that does not exist, which
 * locks alike and has no log (else the lock would tell which tenants do).
 */
static void login_record_failure(struct request *r)
{
    struct login *l = login_of(r);
    const struct config *cfg = request_config(r);
    struct db_txn *t = &r->txn;
    t->steps[0].stmt = &q_throttle_fail;
    login_fail_params(cfg, &t->steps[0], l->addr_key, l->window_param, l->lock_param,
                      l->max_addr_param, cfg->login_max_failures_per_address);
    t->nsteps = 1;
    if (l->account.tenant_id) {
        t->nsteps += login_fail_steps(r, &t->steps[1], &l->account);
    } else {
        login_fail_account_step(cfg, &t->steps[1], &l->account);
        t->nsteps = 2;
    }
    request_submit(r, login_failed_done);
}

static void login_session_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    struct login *l = login_of(r);
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const PGresult *res = txn->results[1];
    if (PQntuples(res) != 1 || PQgetvalue(res, 0, PQfnumber(res, "matched"))[0] != 't') {
        login_record_failure(r);
        return;
    }
    if (r->answered) {
        /* The caller stopped waiting: no session was made for nobody to receive. */
        login_refuse(r);
        return;
    }
    if (l->disabled) {
        if (login_log_admit(r))
            log_event(LOG_INFO, "log-in of a disabled user refused",
                      "req=%s tenant=%s user=%" PRId64 " peer=%s client=%s", r->rid,
                      l->who.tenant_slug, l->who.user_id, r->peer, login_client(r));
        request_fail(r, LIAISON__V1__CODE__PERMISSION_DENIED,
                     "this login is disabled in its organisation: ask one of its admins to "
                     "enable it");
        return;
    }
    if (PQgetvalue(res, 0, PQfnumber(res, "suspended"))[0] == 't') {
        request_fail(r, LIAISON__V1__CODE__PERMISSION_DENIED, "the tenant is suspended");
        return;
    }
    l->who.session_id = strtoll(PQgetvalue(res, 0, PQfnumber(res, "id")), NULL, 10);
    snprintf(l->who.token, sizeof l->who.token, "%s", l->token);
    request_bind_identity(r, &l->who);
    log_event(LOG_INFO, "logged in", "req=%s tenant=%s user=%" PRId64 " peer=%s", r->rid,
              l->who.tenant_slug, l->who.user_id, r->peer);
    Liaison__V1__LoginResponse out = LIAISON__V1__LOGIN_RESPONSE__INIT;
    Liaison__V1__Identity ident;
    auth_identity_pb(&r->who, &ident);
    out.token = l->token;
    out.expires_at = PQgetvalue(res, 0, PQfnumber(res, "expires_at"));
    out.identity = &ident;
    out.max_frame_bytes = (uint32_t)request_config(r)->max_frame_bytes;
    out.max_in_flight = (uint32_t)request_config(r)->max_in_flight;
    request_reply(r, &out.base);
}

/*
 * The password hashed with the stored salt (or the dummy's): the database
 * compares it with the stored hash and, when they match, makes the session
 * (or, for a caller who stopped waiting, only says whether they match).
 */
static void login_verified(void *arg, bool ok, const char *encoded)
{
    struct request *r = arg;
    struct login *l = login_of(r);
    if (!ok || !l->user_found) {
        login_record_failure(r);
        return;
    }
    snprintf(l->encoded, sizeof l->encoded, "%s", encoded);
    if (!r->answered && !l->suspended && !l->disabled) {
        if (auth_token_new(l->token, sizeof l->token, l->account.tenant_id, false) < 0) {
            request_fail(r, LIAISON__V1__CODE__INTERNAL, "no randomness for a token");
            return;
        }
        auth_hash_hex(l->token, l->token_hash);
    }
    struct db_txn *t = &r->txn;
    t->nsteps = 2;
    snprintf(l->user_param, sizeof l->user_param, "%" PRId64, l->who.user_id);
    snprintf(l->ttl_param, sizeof l->ttl_param, "%d", request_config(r)->session_ttl_s);
    t->steps[0].stmt = &q_request;
    t->steps[0].values[0] = l->who.actor;
    t->steps[0].values[1] = r->rid;
    t->steps[0].values[2] = login_from(r);
    t->steps[1].stmt = &q_session_create;
    t->steps[1].values[0] = l->account.tenant_param;
    t->steps[1].values[1] = l->user_param;
    t->steps[1].values[2] = l->encoded;
    t->steps[1].values[3] = l->token[0] ? l->token_hash : NULL;
    t->steps[1].values[4] = l->ttl_param;
    t->steps[1].values[5] = l->account.key;
    if (l->disabled)
        t->steps[1].stmt = &q_login_disabled;
    request_submit(r, login_session_done);
}

/*
 * After the throttle check (and the user's look-up, when the tenant
 * exists): a locked key is refused without a hash; otherwise the password
 * is checked, against the dummy hash when there is no such user, so that
 * both take as long.
 */
static void login_checked(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    struct login *l = login_of(r);
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    bool tenant = l->account.tenant_id != 0;
    bool acct_locked, addr_locked;
    login_locked(txn->results[0], &acct_locked, &addr_locked);
    const PGresult *u = tenant ? txn->results[1] : NULL;
    if (u && PQntuples(u) == 1) {
        l->user_found = true;
        l->who.kind = IDENTITY_USER;
        l->who.tenant_id = l->account.tenant_id;
        l->who.user_id = strtoll(PQgetvalue(u, 0, 0), NULL, 10);
        snprintf(l->salt, sizeof l->salt, "%s", PQgetvalue(u, 0, 1));
        l->who.role = auth_role_from_name(PQgetvalue(u, 0, 2));
        l->who.distributor_id = strtoll(PQgetvalue(u, 0, 3), NULL, 10);
        l->who.sees_all_distributors = PQgetvalue(u, 0, 4)[0] == 't';
        l->disabled = PQgetvalue(u, 0, 5)[0] == 't';
        snprintf(l->who.actor, sizeof l->who.actor, "user:%" PRId64 " %s", l->who.user_id,
                 PQgetvalue(u, 0, 6));
        l->account.user_id = l->who.user_id;
    }
    if (acct_locked || addr_locked) {
        if (login_log_admit(r))
            log_event(LOG_WARN, "log-in refused: locked",
                      "req=%s tenant=%s user=%" PRId64 " peer=%s client=%s locked=%s", r->rid,
                      login_tenant_slug(l), l->account.user_id, r->peer, login_client(r),
                      login_keys(acct_locked, addr_locked));
        login_refuse_locked(r, txn->results[0], acct_locked, addr_locked);
        return;
    }
    const Liaison__V1__LoginRequest *in = (const Liaison__V1__LoginRequest *)r->input;
    r->outlives_deadline = true;
    if (!l->user_found) {
        snprintf(l->salt, sizeof l->salt, "%s", auth_dummy_hash);
        *strrchr(l->salt, '$') = '\0';
    }
    request_password_job(r, in->password, l->salt, login_verified);
}

static void login_tenant_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    struct login *l = login_of(r);
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const PGresult *t = txn->results[0];
    struct db_txn *x = &r->txn;
    const Liaison__V1__LoginRequest *in = (const Liaison__V1__LoginRequest *)r->input;
    if (PQntuples(t) != 1) {
        /*
         * No such tenant: its account (keyed by the slug asked for, which no
         * tenant id can equal) is counted and locked as a real one is.
         */
        char *key = request_printf(r, "acct:none:%s:%s", in->tenant, in->email);
        if (!key || !login_account_keys(r, &l->account, key)) {
            request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
            return;
        }
        x->nsteps = 1;
        login_check_step(&x->steps[0], &l->account, l->addr_key);
        request_submit(r, login_checked);
        return;
    }
    if (!login_account_init(r, &l->account, strtoll(PQgetvalue(t, 0, 0), NULL, 10), in->email)) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    l->account.actor = "anonymous";
    l->suspended = strcmp(PQgetvalue(t, 0, 1), "active") != 0;
    snprintf(l->who.tenant_slug, sizeof l->who.tenant_slug, "%s", in->tenant);
    x->nsteps = 2;
    login_check_step(&x->steps[0], &l->account, l->addr_key);
    x->steps[1].stmt = &q_user_by_email;
    x->steps[1].values[0] = l->account.tenant_param;
    x->steps[1].values[1] = in->email;
    request_submit(r, login_checked);
}

/*
 * Takes the user's own address a proxy named (a portal signing its users
 * in) as r's source, so that one user's failures lock that user's address
 * and not every user of the proxy. Only a trusted proxy may: anyone else
 * could name any address and never be locked. On failure answers and
 * returns false.
 */
static bool login_client_address(struct request *r, const char *text)
{
    unsigned char bytes[16];
    int family = inet_pton(AF_INET, text, bytes) == 1    ? AF_INET
                 : inet_pton(AF_INET6, text, bytes) == 1 ? AF_INET6
                                                         : 0;
    if (!family) {
        request_fail_field(r, "clientAddress", "an IPv4 or IPv6 address");
        return false;
    }
    if (!r->conn ||
        !config_proxy_trusted(request_config(r), r->conn->addr.family, r->conn->addr.bytes)) {
        request_fail(r, LIAISON__V1__CODE__PERMISSION_DENIED,
                     "clientAddress is taken only from a proxy in liaisond's trusted_proxies");
        return false;
    }
    static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (family == AF_INET6 && !memcmp(bytes, v4_mapped, sizeof v4_mapped)) {
        family = AF_INET;
        memmove(bytes, bytes + sizeof v4_mapped, 4);
    } else if (family == AF_INET6) {
        /*
         * Counted by its /64, what one subscriber holds: every address of
         * it, named one after another, is the same guesser.
         */
        memset(bytes + 8, 0, 8);
    }
    /* One spelling per address ("::1", not "0::1"), so that one key counts its failures. */
    if (!inet_ntop(family, bytes, r->source, sizeof r->source)) {
        request_fail_field(r, "clientAddress", "an IPv4 or IPv6 address");
        return false;
    }
    return true;
}

void rpc_login(struct request *r)
{
    const Liaison__V1__LoginRequest *in = (const Liaison__V1__LoginRequest *)r->input;
    if (!in->tenant[0] || strlen(in->tenant) > 63) {
        request_fail_field_said(r, "tenant", "required, at most 63 bytes",
                                in->tenant[0] ? "a tenant slug is at most 63 bytes"
                                              : "a tenant slug is required to log in");
        return;
    }
    if (!in->email[0] || strlen(in->email) > EMAIL_MAX) {
        request_fail_field_said(r, "email", "required, at most 254 bytes",
                                in->email[0] ? "an e-mail address is at most 254 bytes"
                                             : "an e-mail address is required to log in");
        return;
    }
    /* As users are stored (request_check_email): one typed decomposed is the same address. One
     * that cannot be put in NFC is looked up as typed, and finds nobody. */
    (void)request_nfc_in_place(in->email);
    if (!in->password[0] || strlen(in->password) > PASSWORD_MAX) {
        request_fail_field_said(r, "password", "required, at most 128 bytes",
                                in->password[0] ? "a password is at most 128 bytes"
                                                : "a password is required to log in");
        return;
    }
    if (in->client_address[0] && !login_client_address(r, in->client_address))
        return;
    /* A slug is lower case (a-z, 0-9, '-'): "DEMO" is demo, as an e-mail is any case. */
    for (char *p = in->tenant; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    int len;
    const char *source = request_source(r, &len);
    struct login *l = arena_alloc(&r->arena, sizeof *l);
    char *addr = request_printf(r, "addr:%.*s", len, source);
    if (!l || !addr) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    memset(l, 0, sizeof *l);
    r->state = l;
    auth_hash_hex(addr, l->addr_key);
    r->txn.nsteps = 1;
    r->txn.steps[0].stmt = &q_tenant_lookup;
    r->txn.steps[0].values[0] = in->tenant;
    request_submit(r, login_tenant_done);
}

/* ---------- Authenticate ---------- */

static void authenticate_reply(struct request *r)
{
    Liaison__V1__AuthenticateResponse out = LIAISON__V1__AUTHENTICATE_RESPONSE__INIT;
    Liaison__V1__Identity ident;
    auth_identity_pb(&r->who, &ident);
    out.identity = &ident;
    out.max_frame_bytes = (uint32_t)request_config(r)->max_frame_bytes;
    out.max_in_flight = (uint32_t)request_config(r)->max_in_flight;
    request_reply(r, &out.base);
}

static void authenticate_operator_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const PGresult *res = txn->results[0];
    if (PQntuples(res) != 1) {
        request_fail(r, LIAISON__V1__CODE__UNAUTHENTICATED, "invalid or revoked token");
        return;
    }
    struct identity who = {.kind = IDENTITY_OPERATOR};
    snprintf(who.actor, sizeof who.actor, "operator:%s", PQgetvalue(res, 0, 1));
    if (r->txn.steps[0].stmt == &q_operator_by_token)
        snprintf(who.token, sizeof who.token, "%s",
                 ((const Liaison__V1__AuthenticateRequest *)r->input)->token);
    request_bind_identity(r, &who);
    authenticate_reply(r);
}

static void authenticate_session_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const PGresult *res = txn->results[0];
    if (PQntuples(res) != 1) {
        request_fail(r, LIAISON__V1__CODE__UNAUTHENTICATED, "invalid, expired or revoked token");
        return;
    }
    if (strcmp(PQgetvalue(res, 0, 8), "active") != 0) {
        request_fail(r, LIAISON__V1__CODE__PERMISSION_DENIED, "the tenant is suspended");
        return;
    }
    struct identity who = {.kind = IDENTITY_USER};
    who.tenant_id = strtoll(r->txn.steps[0].values[0], NULL, 10);
    who.session_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    who.user_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    who.role = auth_role_from_name(PQgetvalue(res, 0, 2));
    who.api_token = strcmp(PQgetvalue(res, 0, 3), "api") == 0;
    who.distributor_id = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
    who.sees_all_distributors = PQgetvalue(res, 0, 6)[0] == 't';
    snprintf(who.tenant_slug, sizeof who.tenant_slug, "%s", PQgetvalue(res, 0, 7));
    snprintf(who.actor, sizeof who.actor, "%s:%" PRId64 " %s", who.api_token ? "token" : "user",
             who.user_id, PQgetvalue(res, 0, 4));
    snprintf(who.token, sizeof who.token, "%s",
             ((const Liaison__V1__AuthenticateRequest *)r->input)->token);
    request_bind_identity(r, &who);
    authenticate_reply(r);
}

void rpc_authenticate(struct request *r)
{
    const Liaison__V1__AuthenticateRequest *in = (const Liaison__V1__AuthenticateRequest *)r->input;
    int64_t tenant_id = 0;
    if (!in->token[0]) {
        /* No token: an operator's client certificate, if it verified. */
        char cn[128];
        if (!request_operator_certificate(r, cn, sizeof cn)) {
            request_fail(r, LIAISON__V1__CODE__UNAUTHENTICATED,
                         "no token, and no operator client certificate");
            return;
        }
        r->txn.nsteps = 1;
        r->txn.steps[0].stmt = &q_operator_by_name;
        r->txn.steps[0].values[0] = arena_strdup(&r->arena, cn);
        request_submit(r, authenticate_operator_done);
        return;
    }
    int kind = auth_token_parse(in->token, &tenant_id);
    if (!kind) {
        request_fail(r, LIAISON__V1__CODE__UNAUTHENTICATED, "invalid, expired or revoked token");
        return;
    }
    if (kind == 1) {
        char *hash = arena_alloc(&r->arena, AUTH_HASH_HEX);
        if (!hash) {
            request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
            return;
        }
        auth_hash_hex(in->token, hash);
        r->txn.nsteps = 1;
        r->txn.steps[0].stmt = &q_operator_by_token;
        r->txn.steps[0].values[0] = hash;
        request_submit(r, authenticate_operator_done);
        return;
    }
    r->txn.nsteps = 1;
    r->txn.steps[0].stmt = &q_session_by_token;
    r->txn.steps[0].values[0] = request_printf(r, "%" PRId64, tenant_id);
    r->txn.steps[0].values[1] = in->token;
    request_submit(r, authenticate_session_done);
}

/* ---------- Logout, WhoAmI ---------- */

static void logout_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    request_unbind_identity(r);
    Liaison__V1__LogoutResponse out = LIAISON__V1__LOGOUT_RESPONSE__INIT;
    request_reply(r, &out.base);
}

void rpc_logout(struct request *r)
{
    int n = credential_txn_begin(r);
    if (r->who.kind == IDENTITY_OPERATOR || r->who.api_token) {
        /*
         * Nothing to revoke: the connection forgets who it was, once the
         * credential is checked like any other call's.
         */
        r->txn.steps[n].stmt = &q_nothing;
        r->txn.nsteps = n + 1;
        request_submit(r, logout_done);
        return;
    }
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_session_revoke;
    s->values[0] = request_printf(r, "%" PRId64, r->who.session_id);
    r->txn.nsteps = n + 1;
    request_submit(r, logout_done);
}

static void whoami_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    Liaison__V1__WhoAmIResponse out = LIAISON__V1__WHO_AM_IRESPONSE__INIT;
    Liaison__V1__Identity ident;
    auth_identity_pb(&r->who, &ident);
    const PGresult *names = txn->results[txn->nsteps - 1];
    char err[256];
    if (PQntuples(names) == 1 && exec_fill(&r->arena, names, 0, &ident.base, err, sizeof err) < 0) {
        log_event(LOG_ERROR, "WhoAmI's names do not fit", "reason=\"%s\"", err);
        request_fail(r, LIAISON__V1__CODE__INTERNAL, "internal error");
        return;
    }
    out.identity = &ident;
    request_reply(r, &out.base);
}

void rpc_whoami(struct request *r)
{
    int n = credential_txn_begin(r);
    r->txn.steps[n].stmt = &q_whoami_names;
    r->txn.steps[n].values[0] =
        request_printf(r, "%" PRId64, r->who.api_token ? r->who.session_id : (int64_t)0);
    if (!r->txn.steps[n].values[0]) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    r->txn.nsteps = n + 1;
    request_submit(r, whoami_done);
}
