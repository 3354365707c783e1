/*
 * rpc_health.c - relationship health: GetDistributorHealth,
 * GetPortfolio, GetHealthWeights and SetHealthWeights, each a declaration
 * run by exec.c. Reads go through the view health_current (the newest
 * stored score per distributor) and never call liaison_health_compute(),
 * which liaisond's role may not execute: a portfolio of 1,000 distributors
 * costs one index probe per distributor, not a computation.
 */
#include "rpc_health.h"

#include <stdio.h>

#include "exec.h"
#include "log.h"

#define SEES "liaison_sees_distributor(h.distributor_id, h.account_manager_id)"
#define HISTORY_DEFAULT "30"
#define HISTORY_MAX 365
#define WEIGHT_MAX 100
/* The portfolio's order as one page key: score (unscored last, as 101) then id. */
#define RANK "((coalesce(h.score, 101)::bigint << 40) | h.distributor_id)"
/* The newest scores of h's distributor, newest first, as the FROM item x (LIMIT follows). */
#define NEWEST                                                                                     \
    " FROM (SELECT s.id, s.computed_at, s.score FROM health_scores s"                              \
    " WHERE s.tenant_id = h.tenant_id AND s.distributor_id = h.distributor_id"                     \
    " ORDER BY s.computed_at DESC, s.id DESC LIMIT "

/* $1 distributor, $2 history points (0: the default) */
static struct db_stmt q_health = {
    "SELECT h.distributor_id, h.distributor_name, h.score_id IS NOT NULL AS scored, h.score,"
    " liaison_rfc3339(h.computed_at) AS computed_at, h.reasons,"
    " (SELECT json_agg(json_build_object('computed_at', liaison_rfc3339(x.computed_at),"
    "   'score', x.score) ORDER BY x.computed_at, x.id)" NEWEST
    "coalesce(nullif($2::int, 0), " HISTORY_DEFAULT ")) x) AS history"
    " FROM health_current h WHERE h.tenant_id = liaison_tenant()"
    " AND h.distributor_id = $1::bigint AND " SEES,
    2, 0};
/*
 * $1 after, $2 limit, $3 only the caller's own distributors. The page is
 * chosen first (one index probe per distributor for its newest score), and
 * only its rows get their reasons and trend.
 */
static struct db_stmt q_portfolio = {
    "SELECT h._id, h.distributor_id, h.distributor_name, h.status, h.account_manager_id,"
    " h.score_id IS NOT NULL AS scored, h.score, liaison_rfc3339(h.computed_at) AS computed_at,"
    " (SELECT json_agg(e.r ORDER BY e.n) FROM jsonb_array_elements(h.reasons)"
    "   WITH ORDINALITY e (r, n) WHERE e.n <= 3) AS top_reasons,"
    " (SELECT array_to_json(array_agg(x.score ORDER BY x.computed_at, x.id))" NEWEST "12) x)"
    " AS trend FROM (SELECT " RANK " AS _id, h.* FROM health_current h"
    "  WHERE h.tenant_id = liaison_tenant() AND h.status <> 'terminated' AND " SEES
    "  AND (NOT $3::boolean OR h.account_manager_id ="
    "  nullif(current_setting('liaison.user_id', true), '')::bigint)"
    "  AND " RANK " > $1::bigint ORDER BY 1 LIMIT $2::int) h ORDER BY h._id",
    3, 0};
/* The tenant's weights (the defaults until first set). */
static struct db_stmt q_weights = {
    "SELECT (x.w ->> 'report_timeliness')::int AS report_timeliness,"
    " (x.w ->> 'notes_compliance')::int AS notes_compliance,"
    " (x.w ->> 'responsiveness')::int AS responsiveness,"
    " (x.w ->> 'target_attainment')::int AS target_attainment,"
    " (x.w ->> 'inventory_cover')::int AS inventory_cover,"
    " (x.w ->> 'order_trend')::int AS order_trend,"
    " (x.w ->> 'competing_lines')::int AS competing_lines,"
    " (x.w ->> 'overdue_actions')::int AS overdue_actions,"
    " (x.w ->> 'flagged_deals')::int AS flagged_deals, hw.updated_by,"
    " liaison_rfc3339(hw.updated_at) AS updated_at"
    " FROM (SELECT liaison_health_weights() AS w) x"
    " LEFT JOIN health_weights hw ON hw.tenant_id = liaison_tenant()",
    0, 0};
/* $1..$9 the weights in the proto's order; the trigger queues every distributor's recompute. */
static struct db_stmt q_weights_set = {
    "WITH m AS (INSERT INTO health_weights (tenant_id, report_timeliness, notes_compliance,"
    "  responsiveness, target_attainment, inventory_cover, order_trend, competing_lines,"
    "  overdue_actions, flagged_deals, updated_by, updated_at)"
    " VALUES (liaison_tenant(), $1::smallint, $2::smallint, $3::smallint, $4::smallint,"
    "  $5::smallint, $6::smallint, $7::smallint, $8::smallint, $9::smallint,"
    "  liaison_request_setting('actor'), now())"
    " ON CONFLICT (tenant_id) DO UPDATE SET report_timeliness = EXCLUDED.report_timeliness,"
    "  notes_compliance = EXCLUDED.notes_compliance, responsiveness = EXCLUDED.responsiveness,"
    "  target_attainment = EXCLUDED.target_attainment,"
    "  inventory_cover = EXCLUDED.inventory_cover, order_trend = EXCLUDED.order_trend,"
    "  competing_lines = EXCLUDED.competing_lines, overdue_actions = EXCLUDED.overdue_actions,"
    "  flagged_deals = EXCLUDED.flagged_deals, updated_by = EXCLUDED.updated_by,"
    "  updated_at = EXCLUDED.updated_at RETURNING id, tenant_id)"
    " SELECT m.id FROM m WHERE liaison_audit('health.weights_set', 'tenant', m.tenant_id::text)",
    9, 0};

static struct exec_decl d_health = {.method = "GetDistributorHealth",
                                    .query = {&q_health, {"distributor_id", "history_limit"}},
                                    .out = "health",
                                    .not_found = "no such distributor"};
static struct exec_decl d_portfolio = {.method = "GetPortfolio",
                                       .query = {&q_portfolio, {"@after", "@limit", "mine"}},
                                       .shape = EXEC_PAGE,
                                       .out = "entries",
                                       .cursor = "hpf",
                                       .filters = {"mine"}};
static struct exec_decl d_weights = {.method = "GetHealthWeights",
                                     .query = {&q_weights, {NULL}},
                                     .out = "weights",
                                     .not_found = "no weights"};
static struct exec_decl d_weights_set = {
    .method = "SetHealthWeights",
    .query = {&q_weights_set,
              {"weights.report_timeliness", "weights.notes_compliance", "weights.responsiveness",
               "weights.target_attainment", "weights.inventory_cover", "weights.order_trend",
               "weights.competing_lines", "weights.overdue_actions", "weights.flagged_deals"}},
    .reply = {&q_weights, {NULL}},
    .out = "weights",
    .not_found = "no weights"};

int rpc_health_register(void)
{
    struct exec_decl *const decls[] = {&d_health, &d_portfolio, &d_weights, &d_weights_set};
    char err[256];
    if (exec_register(decls, (int)(sizeof decls / sizeof decls[0]), err, sizeof err) < 0) {
        log_event(LOG_ERROR, "health RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

void rpc_get_distributor_health(struct request *r)
{
    const Liaison__V1__DistributorHealthRequest *in =
        (const Liaison__V1__DistributorHealthRequest *)r->input;
    if (!request_check_id(r, "distributorId", in->distributor_id))
        return;
    if (in->history_limit > HISTORY_MAX) {
        request_fail_field(r, "historyLimit", "at most 365 points");
        return;
    }
    exec_run(r, &d_health);
}

void rpc_get_portfolio(struct request *r)
{
    exec_run(r, &d_portfolio);
}

void rpc_get_health_weights(struct request *r)
{
    exec_run(r, &d_weights);
}

/*
 * Every weight 0..100 and at least one above 0: checked here, each naming
 * its field, so the database's CHECKs never answer a user.
 */
void rpc_set_health_weights(struct request *r)
{
    static const Liaison__V1__HealthWeights none = LIAISON__V1__HEALTH_WEIGHTS__INIT;
    const Liaison__V1__SetHealthWeightsRequest *in =
        (const Liaison__V1__SetHealthWeightsRequest *)r->input;
    const Liaison__V1__HealthWeights *w = in->weights ? in->weights : &none;
    const struct {
        const char *field;
        uint32_t weight;
    } weights[] = {{"weights.reportTimeliness", w->report_timeliness},
                   {"weights.notesCompliance", w->notes_compliance},
                   {"weights.responsiveness", w->responsiveness},
                   {"weights.targetAttainment", w->target_attainment},
                   {"weights.inventoryCover", w->inventory_cover},
                   {"weights.orderTrend", w->order_trend},
                   {"weights.competingLines", w->competing_lines},
                   {"weights.overdueActions", w->overdue_actions},
                   {"weights.flaggedDeals", w->flagged_deals}};
    uint32_t sum = 0;
    for (size_t i = 0; i < sizeof weights / sizeof weights[0]; i++) {
        if (weights[i].weight > WEIGHT_MAX) {
            request_fail_field(r, weights[i].field, "a weight is 0 to 100");
            return;
        }
        sum += weights[i].weight;
    }
    if (sum == 0) {
        request_fail_field(r, "weights", "at least one weight above 0");
        return;
    }
    exec_run(r, &d_weights_set);
}
