/*
 * rpc_distributor.h - distributors and their contacts. SQL in
 * rpc_distributor.c. Every query is limited to the distributors the caller
 * reaches (liaison_sees_distributor).
 */
#ifndef LIAISON_RPC_DISTRIBUTOR_H
#define LIAISON_RPC_DISTRIBUTOR_H

#include "request.h"

int rpc_distributor_register(void);

/*
 * A list's or an edit's distributor ($1; 0: none named) is one the caller
 * reaches, or NOT_FOUND "no such distributor": the check of every list
 * filtered by distributor, so that another's id is refused alike by each,
 * not answered with an empty page by some.
 */
extern struct db_stmt distributor_filter_reached;

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
/* SetContactLeft: a contact left the distributor on a day, or is current again. */
void rpc_set_contact_left(struct request *r);

#endif
