/*
 * credential.c - the per-request credential check (see credential.h).
 */
#include "credential.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "idempotency.h"

/*
 * The caller's token goes to the database as sent: only the database's
 * check (migration 0026) gives a transaction its tenant, and it asks for
 * what SQL injected through liaisond's role does not hold. A user's read:
 * shareable by the reads batched with it (db.h, DB_TXN_SHARED_FIRST).
 */
static struct db_stmt q_auth_read = {"SELECT liaison_auth($1::bigint, $2)", 2, 0};
/*
 * Everything else also checks the deadline and records the actor, request
 * id and source for liaison_audit() (migration 0009): $3 deadline (us),
 * $4 actor, $5 request id, $6 source.
 */
static struct db_stmt q_auth_user = {"SELECT liaison_auth($1::bigint, $2, $3::bigint, $4, $5, $6)",
                                     6, 0};
static struct db_stmt q_auth_operator = {"SELECT liaison_auth_operator($1, $2::bigint, $3, $4, $5)",
                                         5, 0};
/*
 * An operator by client certificate, verified by our TLS: $1 the operator's
 * name, $2 the key that proves this process checked it (migration 0044).
 */
static struct db_stmt q_auth_operator_certificate = {
    "SELECT liaison_auth_operator_certificate($1, $2, $3::bigint, $4, $5, $6)", 6, 0};

/*
 * Set by the main thread at start, on reload (a new TLS key derives a new
 * one) and when a registration that failed succeeds later; each request
 * takes a copy under the lock, since workers read it meanwhile.
 */
static char operator_key[65];
static pthread_mutex_t operator_key_lock = PTHREAD_MUTEX_INITIALIZER;

void credential_set_operator_key(const char *key)
{
    pthread_mutex_lock(&operator_key_lock);
    snprintf(operator_key, sizeof operator_key, "%s", key);
    pthread_mutex_unlock(&operator_key_lock);
}

int credential_register(void)
{
    struct db_stmt *const stmts[] = {&q_auth_read, &q_auth_user, &q_auth_operator,
                                     &q_auth_operator_certificate};
    return db_register(stmts, 4) < 0 ? -1 : idem_register();
}

int credential_txn_begin(struct request *r)
{
    struct db_step *s = &r->txn.steps[0];
    int at;
    if (r->who.kind == IDENTITY_OPERATOR) {
        bool by_token = r->who.token[0] != '\0';
        s->stmt = by_token ? &q_auth_operator : &q_auth_operator_certificate;
        s->values[0] = by_token ? r->who.token : r->who.actor + strlen("operator:");
        at = 1;
        if (!by_token) {
            pthread_mutex_lock(&operator_key_lock);
            s->values[at++] = request_printf(r, "%s", operator_key);
            pthread_mutex_unlock(&operator_key_lock);
        }
    } else {
        s->stmt = r->method->read_only ? &q_auth_read : &q_auth_user;
        s->values[0] = request_printf(r, "%" PRId64, r->who.tenant_id);
        s->values[1] = r->who.token;
        at = 2;
    }
    if (s->stmt != &q_auth_read) {
        r->txn.deadline_us = request_deadline_us(r);
        s->values[at] = request_printf(r, "%" PRId64, r->txn.deadline_us);
        s->values[at + 1] = r->who.actor;
        s->values[at + 2] = r->rid;
        s->values[at + 3] = r->peer;
    }
    r->txn.nsteps = 1;
    /* A create's idempotency key is claimed in the transaction of the creation. */
    return idem_claim_step(r, 1);
}

bool credential_txn_checks_user(const struct db_txn *txn)
{
    return txn->nsteps > 0 && txn->steps[0].stmt == &q_auth_read;
}

bool credential_txn_checks_user_change(const struct db_txn *txn)
{
    return txn->nsteps > 0 && txn->steps[0].stmt == &q_auth_user;
}

bool credential_txn_checks_deadline(const struct db_txn *txn)
{
    return txn->nsteps > 0 &&
           (txn->steps[0].stmt == &q_auth_user || txn->steps[0].stmt == &q_auth_operator ||
            txn->steps[0].stmt == &q_auth_operator_certificate);
}
