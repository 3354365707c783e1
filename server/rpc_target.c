/*
 * rpc_target.c - targets per distributor, product line and period. Set
 * replaces the target of its (distributor, line, period); a target an
 * approved joint business plan wrote is refused here (migration 0032).
 */
#include "rpc_target.h"

#include <stdint.h>
#include <string.h>

#include "exec.h"
#include "geo.h"
#include "log.h"
#include "rpc_report.h"
#include "rpc_distributor.h"

#define TARGET_COLS                                                                                \
    "t.id, t.distributor_id, (SELECT d.name FROM distributors d WHERE d.tenant_id = t.tenant_id"   \
    "  AND d.id = t.distributor_id) AS distributor_name,"                                          \
    " t.product_line_id, (SELECT pl.code FROM product_lines pl"                                    \
    "  WHERE pl.tenant_id = t.tenant_id AND pl.id = t.product_line_id) AS product_line_code,"      \
    " liaison_period_label(t.period_kind, t.period_start) AS period, t.period_kind, t.units,"      \
    " t.revenue_minor, t.currency, t.plan_id, t.set_by, liaison_rfc3339(t.set_at) AS set_at"
#define TARGET_FROM                                                                                \
    " FROM targets t WHERE t.tenant_id = liaison_tenant() AND liaison_sees_side(t.distributor_id)"

/* $1 distributor, $2 line, $3 period, $4 units, $5 revenue, $6 currency */
static struct db_stmt q_target_set = {
    "SELECT liaison_target_set($1::bigint, $2::bigint, $3, nullif($4::bigint, 0),"
    " nullif($5::bigint, 0), nullif($6, '')) AS _id",
    6, 0};
static struct db_stmt q_target_created = {
    "SELECT " TARGET_COLS TARGET_FROM
    " AND t.id = nullif(current_setting('liaison.created_id', true), '')::bigint",
    0, 0};
/* The target as it was, read in the snapshot the deletion runs in. */
static struct db_stmt q_target_delete = {
    "WITH t AS (SELECT " TARGET_COLS TARGET_FROM " AND t.id = $1::bigint),"
    " d AS (SELECT liaison_target_delete($1::bigint) AS gone) SELECT t.* FROM t, d",
    1, 0};
/* $1 after, $2 limit, $3 distributor, $4 line, $5 from, $6 to */
static struct db_stmt q_target_list = {
    "SELECT " TARGET_COLS TARGET_FROM " AND t.id > $1::bigint"
    " AND ($3::bigint = 0 OR t.distributor_id = $3::bigint)"
    " AND ($4::bigint = 0 OR t.product_line_id = $4::bigint)"
    " AND ($5 = '' OR t.period_start >= liaison_period_start($5))"
    " AND ($6 = '' OR t.period_start < liaison_period_start($6)"
    "      + liaison_period_step(liaison_period_kind($6))) ORDER BY t.id LIMIT $2::int",
    6, 0};

static struct exec_decl d_target_set = {.method = "SetTarget",
                                        .query = {&q_target_set,
                                                  {"distributor_id", "product_line_id", "period",
                                                   "units", "revenue_minor", "currency"}},
                                        .reply = {&q_target_created, {NULL}},
                                        .out = "target",
                                        .not_found = "no such target"};
static struct exec_decl d_target_delete = {.method = "DeleteTarget",
                                           .query = {&q_target_delete, {"id"}},
                                           .out = "target",
                                           .not_found = "no such target"};
static struct exec_decl d_target_list = {
    .method = "ListTargets",
    .check = {&distributor_filter_reached, {"distributor_id"}},
    .query = {&q_target_list,
              {"@after", "@limit", "distributor_id", "product_line_id", "period_from",
               "period_to"}},
    .shape = EXEC_PAGE,
    .out = "targets",
    .cursor = "tgt",
    .filters = {"distributor_id", "product_line_id", "period_from", "period_to"}};

int rpc_target_register(void)
{
    struct exec_decl *const decls[] = {&d_target_set, &d_target_delete, &d_target_list};
    char err[256];
    if (exec_register(decls, (int)(sizeof decls / sizeof decls[0]), err, sizeof err) < 0) {
        log_event(LOG_ERROR, "target RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

void rpc_set_target(struct request *r)
{
    Liaison__V1__SetTargetRequest *in = (Liaison__V1__SetTargetRequest *)r->input;
    if (!request_check_id(r, "distributorId", in->distributor_id) ||
        !request_check_id(r, "productLineId", in->product_line_id) ||
        !report_period_ok(r, "period", in->period, false, true))
        return;
    if (in->units > REQUEST_MAX_AMOUNT) {
        request_fail_field(r, "units", REQUEST_MAX_AMOUNT_WORDS);
        return;
    }
    if (in->revenue_minor > REQUEST_MAX_AMOUNT) {
        request_fail_field(r, "revenueMinor", REQUEST_MAX_AMOUNT_WORDS);
        return;
    }
    geo_upcase(in->currency);
    if (in->revenue_minor && !geo_currency(in->currency)) {
        request_fail_field(r, "currency", "an ISO 4217 currency code for the revenue target");
        return;
    }
    if (!in->revenue_minor && in->currency[0]) {
        request_fail_field(r, "revenueMinor", "a revenue target (at least 1) with its currency");
        return;
    }
    if (!in->units && !in->revenue_minor) {
        request_fail_field(r, "units", "a units target, a revenue target or both (at least 1)");
        return;
    }
    exec_run(r, &d_target_set);
}

void rpc_delete_target(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_target_delete);
}

void rpc_list_targets(struct request *r)
{
    const Liaison__V1__ListTargetsRequest *in = (const Liaison__V1__ListTargetsRequest *)r->input;
    if ((in->distributor_id && !request_check_id(r, "distributorId", in->distributor_id)) ||
        (in->product_line_id && !request_check_id(r, "productLineId", in->product_line_id)) ||
        !report_period_ok(r, "periodFrom", in->period_from, false, false) ||
        !report_period_ok(r, "periodTo", in->period_to, false, false) ||
        !report_range_ok(r, "periodTo", in->period_from, in->period_to)) /* it listed nothing */
        return;
    exec_run(r, &d_target_list);
}
