/*
 * rpc_handbook.h - the Relationship Operating Handbook and the scorecard:
 * GenerateHandbook (renders and stores the handbook as the next version of
 * the distributor's handbook document), GetHandbook (renders only) and
 * GetScorecard. The data is read in one transaction, rendered on libuv's
 * thread pool (handbook.c, svg.c) and sent as one answer or, when asked,
 * as a stream of parts.
 */
#ifndef LIAISON_RPC_HANDBOOK_H
#define LIAISON_RPC_HANDBOOK_H

#include "request.h"

int rpc_handbook_register(void);

void rpc_generate_handbook(struct request *r);
void rpc_get_handbook(struct request *r);
void rpc_get_scorecard(struct request *r);

#endif
