/*
 * rpc_plan.h - the joint business plan: a distributor's goals and
 * initiatives for a year, proposed by one side and decided by the other.
 * SQL in rpc_plan.c; the rules (revisions, locking, goals -> targets) in
 * migration 0033.
 */
#ifndef LIAISON_RPC_PLAN_H
#define LIAISON_RPC_PLAN_H

#include "request.h"

int rpc_plan_register(void);

void rpc_create_plan(struct request *r);
void rpc_save_plan(struct request *r);
void rpc_propose_plan(struct request *r);
void rpc_approve_plan(struct request *r);
void rpc_reject_plan(struct request *r);
void rpc_get_plan(struct request *r);
void rpc_list_plans(struct request *r);

#endif
