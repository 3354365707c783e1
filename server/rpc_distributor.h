/*
 * rpc_distributor.h - distributors and their contacts. SQL in
 * rpc_distributor.c. Every query is limited to the distributors the caller
 * reaches (liaison_sees_distributor).
 */
#ifndef LIAISON_RPC_DISTRIBUTOR_H
#define LIAISON_RPC_DISTRIBUTOR_H

#include "request.h"

int rpc_distributor_register(void);

void rpc_create_distributor(struct request *r);
void rpc_list_distributors(struct request *r);
void rpc_get_distributor(struct request *r);
void rpc_update_distributor(struct request *r);
void rpc_set_distributor_status(struct request *r);
void rpc_assign_account_manager(struct request *r);
void rpc_create_contact(struct request *r);
void rpc_list_contacts(struct request *r);
void rpc_get_contact(struct request *r);
void rpc_update_contact(struct request *r);
void rpc_remove_contact(struct request *r);

#endif
