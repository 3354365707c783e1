/*
 * rpc_crm.h - the shared CRM: key accounts, leads with deal registration,
 * customer interactions, and the tenant's CRM settings. SQL in rpc_crm.c;
 * the registration rule in migrations 0020 and 0063 (liaison_lead_register),
 * who may own a record and whose people a reader sees in 0107, corrections of leads and
 * accounts in 0118.
 */
#ifndef LIAISON_RPC_CRM_H
#define LIAISON_RPC_CRM_H

#include "request.h"

int rpc_crm_register(void);

void rpc_create_key_account(struct request *r);
void rpc_list_key_accounts(struct request *r);
void rpc_get_key_account(struct request *r);
void rpc_update_key_account(struct request *r);
void rpc_register_lead(struct request *r);
void rpc_list_leads(struct request *r);
void rpc_get_lead(struct request *r);
void rpc_set_lead_stage(struct request *r);
void rpc_decide_lead_registration(struct request *r);
void rpc_update_lead(struct request *r);
void rpc_create_interaction(struct request *r);
void rpc_list_interactions(struct request *r);
void rpc_update_interaction(struct request *r);
void rpc_get_crm_settings(struct request *r);
void rpc_update_crm_settings(struct request *r);

#endif
