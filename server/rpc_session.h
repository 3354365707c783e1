/*
 * rpc_session.h - a user's log-in sessions: listed and ended, one's own,
 * or any user's by a tenant admin (a stolen laptop's, a departed
 * colleague's). SQL in rpc_session.c; a session is made by Login
 * (rpc_auth.c), and an API token, a sessions row of another kind, is
 * rpc_token.c's.
 */
#ifndef LIAISON_RPC_SESSION_H
#define LIAISON_RPC_SESSION_H

#include "request.h"

int rpc_session_register(void);

void rpc_list_sessions(struct request *r);
void rpc_revoke_sessions(struct request *r);

#endif
