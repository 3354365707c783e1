/*
 * rpc_health.h - relationship health (issue 15, part C): a distributor's
 * score with its reasons and history, the portfolio worst first, and the
 * tenant's weights. Every read answers from stored scores (the view
 * health_current, migration 0034); scores are computed and appended only
 * by the scheduler's health_recompute and health_daily jobs, as the owner.
 */
#ifndef LIAISON_RPC_HEALTH_H
#define LIAISON_RPC_HEALTH_H

#include "request.h"

int rpc_health_register(void);

void rpc_get_distributor_health(struct request *r);
void rpc_get_portfolio(struct request *r);
void rpc_get_health_weights(struct request *r);
void rpc_set_health_weights(struct request *r);

#endif
