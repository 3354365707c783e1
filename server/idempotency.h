/*
 * idempotency.h - idempotency keys for every create RPC (RPC_CREATES in
 * methods.h), handled here once for all of them rather than per handler.
 *
 * A request carries its key in Frame.idempotency_key. Its life:
 *   1. admission (dispatch): only a create may carry one, of 1-255 bytes;
 *      the request's hash is taken (idem_admit);
 *   2. the first transaction the handler submits claims the key right after
 *      the credential check (idem_claim_step, from credential_txn_begin), so
 *      the key row commits or rolls back with the creation itself. A key
 *      already done aborts that transaction in the database, and the stored
 *      response is read and answered instead (idem_refused); one still in
 *      flight is answered ABORTED; one used for another request
 *      INVALID_ARGUMENT on idempotencyKey (the handler's own error path);
 *   3. the handler's answer, encoded, is stored under the key by one more
 *      transaction before the caller gets it (idem_store), so that every
 *      acknowledged create can be answered again byte for byte.
 * Keys live at least 24 hours (the idempotency_prune job, migration 0024).
 */
#ifndef LIAISON_IDEMPOTENCY_H
#define LIAISON_IDEMPOTENCY_H

#include <stdbool.h>

#include "request.h"

/* The longest key, in bytes. */
#define IDEM_MAX_KEY 255

/*
 * Registers the statements and checks that every RPC_CREATES name is a
 * method of the service. 0, or -1 (logged).
 */
int idem_register(void);

/* True when method name takes an idempotency key (it is in RPC_CREATES). */
bool idem_method_takes_key(const char *name);

/*
 * For the dispatcher, once r's method and input are known: takes key (from
 * the frame, "" for none) for r. Returns NULL, or why the key is refused
 * (INVALID_ARGUMENT on idempotencyKey), in r's arena or static.
 */
const char *idem_admit(struct request *r, const char *key);

/*
 * For credential_txn_begin: when r holds a key not yet claimed, puts the
 * claim at step n of r->txn. Returns the index of the next step.
 */
int idem_claim_step(struct request *r, int n);

/*
 * For request.c, when a transaction of r failed with code: true when it
 * failed on the key's claim and r is taken care of here (answered ABORTED,
 * or the stored response is being read to answer it).
 */
bool idem_refused(struct request *r, int code);

/*
 * For request_reply, when r claimed a key: stores out's encoding under the
 * key, then answers r with those bytes. r no longer has a deadline: the
 * creation has committed, and its caller gets its answer.
 */
void idem_store(struct request *r, const ProtobufCMessage *out);

#endif
