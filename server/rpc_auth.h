/*
 * rpc_auth.h - Login, Authenticate, Logout and WhoAmI. The SQL of sessions,
 * operators and log-in throttling lives in rpc_auth.c; the check every
 * authenticated request runs first is credential.c's.
 */
#ifndef LIAISON_RPC_AUTH_H
#define LIAISON_RPC_AUTH_H

#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>

#include "request.h"
#include "liaison.pb-c.h"

int rpc_auth_register(void);

/* The caller as a protobuf Identity (strings point into who). */
void auth_identity_pb(const struct identity *who, Liaison__V1__Identity *out);

/*
 * The throttle of one account (a tenant and an e-mail, whether or not a
 * user has it), shared by Login and ChangePassword. Filled before the
 * password is checked: no allocation may stand between a wrong guess and
 * its count.
 *
 * An account is counted twice. From the caller's address it is locked out
 * after a few failures; from everywhere together only after many, so that
 * someone who knows a user's e-mail cannot lock the user out by guessing
 * wrong from one address (a try-out did, and the right password was
 * refused everywhere for 15 minutes) while guessing spread over many
 * addresses still stops.
 */
/* "\x", the account's SHA-256 and the address's, in hex, and a NUL. */
#define LOGIN_PAIR_HEX (AUTH_HASH_HEX + 64)

struct login_account {
    int64_t tenant_id;
    int64_t user_id; /* 0: no user has the e-mail */
    const char *email;
    const char *actor; /* who the audit row of a lock names */
    /* The account from this address: locks it out at login_max_failures. */
    char key[LOGIN_PAIR_HEX];
    /* The account from every address: locks it at login_max_failures_per_account. */
    char account_key[AUTH_HASH_HEX];
    char tenant_param[24], entity_id[24];
    char window[16], max[16], lock[16], account_max[16];
};

/*
 * Fills a for tenant_id and email (keyed as Login keys it: ASCII letters
 * lowered) and r's source address; user_id and actor are the caller's to
 * set. False when out of memory.
 */
bool login_account_init(struct request *r, struct login_account *a, int64_t tenant_id,
                        const char *email);

/*
 * Sets s to read whether account a (NULL: none) and the source address key
 * (NULL: none) are locked; read the answer with login_locked().
 */
void login_check_step(struct db_step *s, const struct login_account *a, const char *address_key);

/* From login_check_step's result: whether the account, the address is locked. */
void login_locked(const PGresult *res, bool *account, bool *address);

/*
 * Fails r RESOURCE_EXHAUSTED for the lock login_locked() found (the account's,
 * the address's or both, from the same result), saying in how many minutes it
 * ends and carrying that wait as retry_after_ms.
 */
void login_refuse_locked(struct request *r, const PGresult *res, bool account, bool address);

/*
 * Sets steps[0..1] to count one wrong password against a, from its address
 * and from everywhere, in a's tenant; when that locks either, an audit row
 * user.login_locked goes to the tenant's log. Returns the number of steps;
 * read the last with login_failures().
 */
int login_fail_steps(struct request *r, struct db_step *steps, struct login_account *a);

/* From a failure's step: the failures counted so far; *locked_now: this one locked the key. */
int login_failures(const PGresult *res, bool *locked_now);

/* How long a wrong password's answer waits after failures. */
uint64_t login_delay_ms(int failures);

/* True when a log-in failure or refusal may be logged now (a per-worker budget a second). */
bool login_log_admit(struct request *r);

void rpc_login(struct request *r);
void rpc_authenticate(struct request *r);
void rpc_logout(struct request *r);
void rpc_whoami(struct request *r);

#endif
