/*
 * rpc_escalation.h - the escalation protocol (per distributor, else the
 * tenant default: per severity the contact ladder, method and response
 * timeframe), requests to distributors and their answers, the walk of an
 * unanswered request up the ladder (next contact, a visit, then a formal
 * performance concern) and the concern's drafted text. SQL in
 * rpc_escalation.c; the walk itself is liaison_escalation_advance()
 * (migration 0018), which the scheduler's escalation_step job and every
 * read run, so answers are right by the clock before the job has run.
 */
#ifndef LIAISON_RPC_ESCALATION_H
#define LIAISON_RPC_ESCALATION_H

#include "request.h"

int rpc_escalation_register(void);

void rpc_set_escalation_protocol(struct request *r);
void rpc_get_escalation_protocol(struct request *r);
void rpc_create_escalation_request(struct request *r);
void rpc_respond_escalation(struct request *r);
/* AdvanceEscalation: an open request's next step taken now (migration 0223). */
void rpc_advance_escalation(struct request *r);
void rpc_list_escalations(struct request *r);
void rpc_get_escalation(struct request *r);
void rpc_get_escalation_concern(struct request *r);

#endif
