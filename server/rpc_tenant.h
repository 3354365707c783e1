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
/* Operators: a tenant's own rate and burst, or back to the configured ones. */
void rpc_set_tenant_rate_limit(struct request *r);
void rpc_begin_tenant_import(struct request *r);
void rpc_import_tenant_rows(struct request *r);
void rpc_finish_tenant_import(struct request *r);
/* Operators: a tenant whose admins are locked out gets one back (migration 0133). */
void rpc_recover_tenant_admin(struct request *r);

#endif
