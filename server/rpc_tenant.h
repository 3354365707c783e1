/*
 * rpc_tenant.h - the platform operator's tenant RPCs. SQL in rpc_tenant.c.
 */
#ifndef LIAISON_RPC_TENANT_H
#define LIAISON_RPC_TENANT_H

#include "request.h"

int rpc_tenant_register(void);

void rpc_create_tenant(struct request *r);
void rpc_list_tenants(struct request *r);
void rpc_get_tenant(struct request *r);
void rpc_suspend_tenant(struct request *r);
void rpc_resume_tenant(struct request *r);
void rpc_export_tenant(struct request *r);
void rpc_delete_tenant(struct request *r);

#endif
