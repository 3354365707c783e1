/*
 * rpc_target.h - targets per distributor, product line and period (month,
 * quarter, year), set and removed by exporter staff, read by the
 * distributor's users. SQL in rpc_target.c; the rules in migration 0032.
 */
#ifndef LIAISON_RPC_TARGET_H
#define LIAISON_RPC_TARGET_H

#include "request.h"

int rpc_target_register(void);

void rpc_set_target(struct request *r);
void rpc_delete_target(struct request *r);
void rpc_list_targets(struct request *r);

#endif
