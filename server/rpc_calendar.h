/*
 * rpc_calendar.h - ExportCalendar: a distributor's meetings or a user's
 * schedule as an RFC 5545 calendar. The meetings are read page by page
 * through the pool like any request's; each page is rendered with libical
 * (ics.c) on libuv's thread pool, and sent as one answer or, when asked,
 * as a stream of parts.
 */
#ifndef LIAISON_RPC_CALENDAR_H
#define LIAISON_RPC_CALENDAR_H

#include "request.h"

int rpc_calendar_register(void);

void rpc_export_calendar(struct request *r);

#endif
