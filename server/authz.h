/*
 * authz.h - who may call an RPC: each method's set of callers, as a mask of
 * the bits below, is stated in methods.h, the one table of RPCs; this file
 * decides whether an identity is in that set. Row-level limits (a
 * distributor user reaches only its own distributor's rows, a tenant only
 * its own rows) are applied by each handler's SQL and, as a second wall,
 * by PostgreSQL row-level security.
 */
#ifndef LIAISON_AUTHZ_H
#define LIAISON_AUTHZ_H

#include <stddef.h>
#include <stdio.h>

#include "auth.h"

#define AUTHZ_ANON (1u << 0)
#define AUTHZ_OPERATOR (1u << 1)
#define AUTHZ_ADMIN (1u << 2)
#define AUTHZ_MANAGER (1u << 3)
#define AUTHZ_DISTRIBUTOR (1u << 4)
#define AUTHZ_AUDITOR (1u << 5)
#define AUTHZ_USERS (AUTHZ_ADMIN | AUTHZ_MANAGER | AUTHZ_DISTRIBUTOR | AUTHZ_AUDITOR)
#define AUTHZ_ANYONE (AUTHZ_ANON | AUTHZ_OPERATOR | AUTHZ_USERS)

/*
 * 0 when id is one of who; otherwise UNAUTHENTICATED (no identity and the
 * method needs one) or PERMISSION_DENIED, with the caller's message in why
 * (cap bytes), which names the caller's role and the method.
 */
int authz_check(unsigned who, const struct identity *id, const char *method, char *why, size_t cap);

/* The Markdown table's header, then one row per method (liaisond rpc-table). */
void authz_print_header(FILE *out);
void authz_print_row(FILE *out, const char *method, unsigned who);

#endif
