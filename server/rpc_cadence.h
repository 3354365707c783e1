/*
 * rpc_cadence.h - the cadence plan: both sides' working time, the defaults
 * per kind of meeting, plan generation with time-zone rotation, series
 * edits and the fairness report. SQL in migration 0016, declarations in
 * rpc_cadence.c.
 */
#ifndef LIAISON_RPC_CADENCE_H
#define LIAISON_RPC_CADENCE_H

#include "request.h"

int rpc_cadence_register(void);

void rpc_get_tenant_working_time(struct request *r);
void rpc_set_tenant_working_time(struct request *r);
void rpc_get_user_working_time(struct request *r);
void rpc_set_user_working_time(struct request *r);
void rpc_list_cadence_defaults(struct request *r);
void rpc_set_cadence_default(struct request *r);
void rpc_plan_cadence(struct request *r);
void rpc_get_cadence(struct request *r);
void rpc_update_meeting_series(struct request *r);
void rpc_get_cadence_fairness(struct request *r);

#endif
