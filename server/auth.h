/*
 * auth.h - who is calling: the identity a connection carries after Login
 * or Authenticate, opaque tokens (only their SHA-256 is stored), and
 * Argon2id password hashing on libuv's thread pool so no loop ever waits
 * for it.
 */
#ifndef LIAISON_AUTH_H
#define LIAISON_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define AUTH_TOKEN_MAX 128
#define AUTH_HASH_HEX (2 + 64 + 1) /* "\x" + SHA-256 in hex + NUL */

enum identity_kind { IDENTITY_NONE, IDENTITY_OPERATOR, IDENTITY_USER };

struct identity {
    enum identity_kind kind;
    int role; /* liaison.v1.Role for users */
    bool sees_all_distributors;
    bool api_token; /* authenticated with an API token, not a log-in */
    int64_t tenant_id;
    int64_t session_id;
    int64_t user_id;
    int64_t distributor_id;
    char tenant_slug[64];
    char actor[160]; /* for the audit log: "user:12 ana@example.com" */
    /*
     * The session's, API token's or operator's token as the caller sent it
     * ("" for an operator's certificate): every request hands it to the
     * database's own check (liaison_auth(), migration 0026), which alone
     * can give a transaction its tenant.
     */
    char token[AUTH_TOKEN_MAX + 1];
};

#define PASSWORD_MIN 12
#define PASSWORD_MAX 128

/*
 * A new token: "lto_" + 256 random bits for operators, "lts_<tenant>_" +
 * 256 random bits for sessions and API tokens. Returns 0 or -1.
 */
int auth_token_new(char *out, size_t cap, int64_t tenant_id, bool operator_token);

/* bytea literal ("\x…") of SHA-256(text), for a query parameter. */
void auth_hash_hex(const char *text, char out[AUTH_HASH_HEX]);

/*
 * Splits a token: 1 operator, 2 tenant (with *tenant_id), 0 not a token.
 */
int auth_token_parse(const char *token, int64_t *tenant_id);

/* NULL if the password is acceptable, else why not. */
const char *auth_password_problem(const char *password);

/*
 * Hashes (encoded == NULL) or verifies a password on the thread pool, then
 * calls done on the loop's thread. Hashing gives "$argon2id$v=19$m=…"
 * with a fresh salt; verifying gives ok. Given an encoded hash without its
 * last field (algorithm, parameters and salt only, as liaison_login_user()
 * returns it), hashes with that salt and those parameters and gives the
 * encoded hash, for the database to compare with the stored one. The job
 * owns copies of its inputs.
 * Returns 0, or -1 (done not called) when the job could not be queued.
 */
typedef void (*auth_password_cb)(void *arg, bool ok, const char *encoded);
int auth_password_job(uv_loop_t *loop, const char *password, const char *encoded,
                      auth_password_cb done, void *arg);

/* Role names as stored ("tenant_admin") to liaison.v1.Role and back. */
int auth_role_from_name(const char *name);
const char *auth_role_name(int role);

/* A fixed valid hash, verified against when an account does not exist. */
extern const char auth_dummy_hash[];

#endif
