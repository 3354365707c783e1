/*
 * credential.h - the credential check every authenticated request runs as
 * the first step of its own database transaction: the caller's session,
 * API token or operator token is still live, its user enabled and its
 * tenant active (liaison_auth() and liaison_auth_operator() raise
 * otherwise), and the transaction is bound to the caller's tenant and
 * user for row-level security and the audit log. Revocation therefore acts
 * on the very next request, at no extra round trip. A change's check also
 * records the actor, request id and source address in the transaction, so
 * that the statements' liaison_audit() calls need not pass them, and
 * refuses to run past the request's deadline (migration 0009).
 */
#ifndef LIAISON_CREDENTIAL_H
#define LIAISON_CREDENTIAL_H

#include <stdbool.h>

#include "request.h"

/* Registers the check's statements and idempotency.c's. 0, or -1 past the statement limit. */
int credential_register(void);

/*
 * The key an operator's certificate check gives the database
 * (tls_operator_key()); "" when none could be registered, and then the
 * database refuses every operator certificate. Safe to call while workers
 * run: each check copies the key it sends.
 */
void credential_set_operator_key(const char *key);

/*
 * Starts r->txn with the check for r's caller, and the claim of its
 * idempotency key when it carries one not yet claimed (idempotency.h).
 * Returns the index of the next step, where the request's own statements
 * go.
 */
int credential_txn_begin(struct request *r);

/*
 * True when txn starts with credential_txn_begin()'s check of a user's read:
 * one that may share its transaction with other reads.
 */
bool credential_txn_checks_user(const struct db_txn *txn);

/*
 * True when txn starts with the check of a user's change: it binds the
 * whole caller, so the change may share a batch of writes (db.h,
 * DB_TXN_WRITES).
 */
bool credential_txn_checks_user_change(const struct db_txn *txn);

/*
 * True when txn's first step checks its deadline itself and records the
 * actor, request id and source that liaison_audit() writes (every check but
 * a user's read): the database then needs no separate deadline statement.
 */
bool credential_txn_checks_deadline(const struct db_txn *txn);

#endif
