/*
 * rpc_token.h - machine API tokens of a tenant. SQL in rpc_token.c.
 */
#ifndef LIAISON_RPC_TOKEN_H
#define LIAISON_RPC_TOKEN_H

#include "request.h"

int rpc_token_register(void);

void rpc_create_api_token(struct request *r);
void rpc_list_api_tokens(struct request *r);
void rpc_revoke_api_token(struct request *r);

#endif
