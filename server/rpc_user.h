/*
 * rpc_user.h - a tenant's users and passwords. SQL in rpc_user.c.
 */
#ifndef LIAISON_RPC_USER_H
#define LIAISON_RPC_USER_H

#include "request.h"

int rpc_user_register(void);

void rpc_create_user(struct request *r);
void rpc_list_users(struct request *r);
void rpc_update_user(struct request *r);
void rpc_disable_user(struct request *r);
void rpc_enable_user(struct request *r);
void rpc_change_password(struct request *r);
void rpc_reset_password(struct request *r);

#endif
