/*
 * rpc_audit.h - reading a tenant's audit log, and the platform's (the
 * operators' acts on tenants). Rows are written by each family's own
 * statements, in the transaction of the change.
 */
#ifndef LIAISON_RPC_AUDIT_H
#define LIAISON_RPC_AUDIT_H

#include "request.h"

int rpc_audit_register(void);

void rpc_list_audit_log(struct request *r);
void rpc_list_platform_audit(struct request *r);

#endif
