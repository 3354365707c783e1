/*
 * rpc_order.h - orders from distributors and their shipments. SQL in
 * rpc_order.c; the rules (MOQ, transitions, idempotency keys, shipped
 * never past ordered) in migration 0022.
 */
#ifndef LIAISON_RPC_ORDER_H
#define LIAISON_RPC_ORDER_H

#include "request.h"

int rpc_order_register(void);

void rpc_place_order(struct request *r);
void rpc_list_orders(struct request *r);
void rpc_get_order(struct request *r);
void rpc_set_order_status(struct request *r);
void rpc_add_shipment(struct request *r);
void rpc_list_shipments(struct request *r);
void rpc_get_shipment(struct request *r);
void rpc_set_shipment_status(struct request *r);
void rpc_update_shipment(struct request *r);

#endif
