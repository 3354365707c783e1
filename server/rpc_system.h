/*
 * rpc_system.h - the connection and service RPCs: Hello, Ping, GetHealth,
 * ListMigrations. Their SQL lives in rpc_system.c.
 */
#ifndef LIAISON_RPC_SYSTEM_H
#define LIAISON_RPC_SYSTEM_H

#include "request.h"

/* Registers this family's prepared statements; -1 when the table is full. */
int rpc_system_register(void);

void rpc_hello(struct request *r);
void rpc_ping(struct request *r);
void rpc_get_health(struct request *r);
void rpc_list_migrations(struct request *r);

#endif
