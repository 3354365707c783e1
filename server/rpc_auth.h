/*
 * rpc_auth.h - Login, Authenticate, Logout, WhoAmI, and the per-request
 * credential check every authenticated RPC runs first in its transaction.
 * The SQL of sessions, operators and log-in throttling lives in rpc_auth.c.
 */
#ifndef LIAISON_RPC_AUTH_H
#define LIAISON_RPC_AUTH_H

#include <stdbool.h>

#include "dispatch.h"
#include "liaison.pb-c.h"

int rpc_auth_register(void);

/*
 * Starts r->txn with a step that checks, inside the transaction, that the
 * caller's session, API token or operator token is still live (and binds
 * the transaction to the caller's tenant). Returns the next step's index.
 */
int auth_txn_begin(struct request *r);

/* True when txn starts with auth_txn_begin()'s check of a user's session. */
bool auth_txn_checks_user(const struct db_txn *txn);

/* The caller as a protobuf Identity (strings point into who). */
void auth_identity_pb(const struct identity *who, Liaison__V1__Identity *out);

void rpc_login(struct request *r);
void rpc_authenticate(struct request *r);
void rpc_logout(struct request *r);
void rpc_whoami(struct request *r);

#endif
