/*
 * authz.h - the one place that says who may call which RPC. Row-level
 * limits (a distributor user reaches only its own distributor's rows, a
 * tenant only its own rows) are applied by each handler's SQL and, as a
 * second wall, by PostgreSQL row-level security.
 */
#ifndef LIAISON_AUTHZ_H
#define LIAISON_AUTHZ_H

#include <stdio.h>

#include "auth.h"

/* Checks the table covers exactly the service's methods. 0 or -1 (err set). */
int authz_init(char *err, size_t errlen);

/*
 * 0 when id may call method; otherwise UNAUTHENTICATED (no identity and the
 * method needs one) or PERMISSION_DENIED, with *why for the caller.
 */
int authz_check(const char *method, const struct identity *id, const char **why);

/* Writes the table as Markdown (liaisond rpc-table). */
void authz_print_table(FILE *out);

#endif
