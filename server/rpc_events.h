/*
 * rpc_events.h - SubscribeEvents: a stream of the events (migration 0039)
 * the caller may see, as they happen on any instance (events.h), resumable
 * after the last id seen, with a heartbeat while idle and cut off when its
 * reader falls event_queue_max announcements behind.
 */
#ifndef LIAISON_RPC_EVENTS_H
#define LIAISON_RPC_EVENTS_H

#include "request.h"

int rpc_events_register(void);

void rpc_subscribe_events(struct request *r);

#endif
