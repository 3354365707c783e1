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
 */
struct login_account {
    int64_t tenant_id;
    int64_t user_id; /* 0: no user has the e-mail */
    const char *email;
    const char *actor; /* who the audit row of a lock names */
    char key[AUTH_HASH_HEX];
    char tenant_param[24], entity_id[24];
    char window[16], max[16], lock[16];
};

/*
 * Fills a for tenant_id and email (keyed as Login keys it: ASCII letters
 * lowered); user_id and actor are the caller's to set. False when out of
 * memory.
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
 * Sets steps[0..1] to count one wrong password against a, in a's tenant;
 * when that locks it, an audit row user.login_locked goes to the tenant's
 * log. Returns the number of steps; read the last with login_failures().
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
