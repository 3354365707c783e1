/*
 * rpc_auth.h - Login, Authenticate, Logout and WhoAmI. The SQL of sessions,
 * operators and log-in throttling lives in rpc_auth.c; the check every
 * authenticated request runs first is credential.c's.
 */
#ifndef LIAISON_RPC_AUTH_H
#define LIAISON_RPC_AUTH_H

#include <stdbool.h>

#include "request.h"
#include "liaison.pb-c.h"

int rpc_auth_register(void);

/* The caller as a protobuf Identity (strings point into who). */
void auth_identity_pb(const struct identity *who, Liaison__V1__Identity *out);

void rpc_login(struct request *r);
void rpc_authenticate(struct request *r);
void rpc_logout(struct request *r);
void rpc_whoami(struct request *r);

#endif
