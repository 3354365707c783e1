/*
 * rpc_update.h - upstream updates: the exporter's production news,
 * launches and campaigns, sent to the distributors whose active charter
 * holds the regions and lines they are aimed at, with read receipts. SQL
 * in rpc_update.c; the audience, agenda and receipts in migration 0033.
 */
#ifndef LIAISON_RPC_UPDATE_H
#define LIAISON_RPC_UPDATE_H

#include "request.h"

int rpc_update_register(void);

void rpc_create_upstream_update(struct request *r);
void rpc_publish_upstream_update(struct request *r);
void rpc_list_upstream_updates(struct request *r);
void rpc_get_upstream_update(struct request *r);
void rpc_list_update_receipts(struct request *r);

#endif
