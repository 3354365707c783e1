/*
 * rpc_scheduler.h - the operators' RPCs of the scheduler: the settable
 * clock (GetClock, SetClock) and the jobs (ListJobs). Their SQL lives in
 * rpc_scheduler.c; the runner is scheduler.c.
 */
#ifndef LIAISON_RPC_SCHEDULER_H
#define LIAISON_RPC_SCHEDULER_H

#include "request.h"

/* Registers this family's statements and declarations; -1 when they are refused. */
int rpc_scheduler_register(void);

void rpc_get_clock(struct request *r);
void rpc_set_clock(struct request *r);
void rpc_list_jobs(struct request *r);

#endif
