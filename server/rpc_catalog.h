/*
 * rpc_catalog.h - product lines and products. SQL in rpc_catalog.c.
 */
#ifndef LIAISON_RPC_CATALOG_H
#define LIAISON_RPC_CATALOG_H

#include "request.h"

int rpc_catalog_register(void);

void rpc_create_product_line(struct request *r);
void rpc_list_product_lines(struct request *r);
void rpc_update_product_line(struct request *r);
void rpc_retire_product_line(struct request *r);
void rpc_reinstate_product_line(struct request *r);
void rpc_create_product(struct request *r);
void rpc_list_products(struct request *r);
void rpc_get_product(struct request *r);
void rpc_update_product(struct request *r);
void rpc_retire_product(struct request *r);
void rpc_reinstate_product(struct request *r);

#endif
