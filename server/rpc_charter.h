/*
 * rpc_charter.h - the Distributor Relationship Charter: drafts, terms,
 * territory grants, carve-outs, inventory commitments, declared competing
 * lines, the territory check, activation and history. SQL in rpc_charter.c;
 * the territory rule itself is SQL (liaison_grants_conflict, migration
 * 0003), so the check and the activation apply the very same rule.
 */
#ifndef LIAISON_RPC_CHARTER_H
#define LIAISON_RPC_CHARTER_H

#include <stdbool.h>

#include "request.h"

int rpc_charter_register(void);

/* YYYY-MM-DD naming a real day of the years 1900 to 2999. */
bool charter_date_ok(const char *s);
/*
 * For s shaped YYYY-MM-DD of the years 1900 to 2999 but no day of the
 * calendar, why, in r's arena ("'2026-02-30' is no such day: February 2026
 * has 28 days"); NULL otherwise.
 */
const char *charter_day_lacking(struct request *r, const char *s);
/* Why s is refused as a date: charter_day_lacking(), else the format and range. */
const char *charter_date_why(struct request *r, const char *s);

void rpc_create_charter_draft(struct request *r);
void rpc_set_charter_terms(struct request *r);
void rpc_add_charter_grant(struct request *r);
void rpc_remove_charter_grant(struct request *r);
void rpc_remove_carve_out(struct request *r);
void rpc_remove_commitment(struct request *r);
void rpc_remove_competing_line(struct request *r);
void rpc_discard_charter_draft(struct request *r);
void rpc_update_charter_grant(struct request *r);
void rpc_add_carve_out(struct request *r);
void rpc_set_commitment(struct request *r);
void rpc_declare_competing_line(struct request *r);
void rpc_check_charter(struct request *r);
void rpc_activate_charter(struct request *r);
void rpc_get_charter(struct request *r);
void rpc_list_charter_versions(struct request *r);

#endif
