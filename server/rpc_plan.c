/*
 * rpc_plan.c - the joint business plan. Each change is one call of a
 * function of migration 0033 (liaison_plan_save: 0128), which checks,
 * writes and audits in the request's transaction; the answer is the plan
 * read after it. Reach is liaison_sees_side(distributor): staff the
 * distributors they see, a distributor user its own.
 */
#include "rpc_plan.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "exec.h"
#include "geo.h"
#include "log.h"
#include "rpc_charter.h"
#include "rpc_distributor.h"

#define PLAN_COLS                                                                                  \
    "p.id, p.distributor_id, (SELECT d.name FROM distributors d WHERE d.tenant_id = p.tenant_id"   \
    " AND d.id = p.distributor_id) AS distributor_name, p.year, p.revision, p.status,"             \
    " p.based_on_id, p.proposed_side, p.proposed_by, liaison_rfc3339(p.proposed_at) AS"            \
    " proposed_at, p.decided_by, liaison_rfc3339(p.decided_at) AS decided_at,"                     \
    " p.decision_comment, p.created_by, liaison_rfc3339(p.created_at) AS created_at,"              \
    " p.updated_by, liaison_rfc3339(p.updated_at) AS updated_at, p.xmin::text AS version"
#define PLAN_PARTS                                                                                 \
    ", (SELECT json_agg(json_build_object('product_line_id', g.product_line_id,"                   \
    "  'product_line_code', pl.code, 'period', liaison_plan_period_text(g.period_kind,"            \
    "  g.period_start), 'units', g.units, 'revenue_minor', g.revenue_minor,"                       \
    "  'currency', g.currency) ORDER BY g.id) FROM plan_goals g JOIN product_lines pl"             \
    "  ON pl.tenant_id = g.tenant_id AND pl.id = g.product_line_id"                                \
    "  WHERE g.tenant_id = p.tenant_id AND g.plan_id = p.id) AS goals,"                            \
    " (SELECT json_agg(json_build_object('title', i.title, 'description', i.description,"          \
    "  'owner_user_id', i.owner_user_id, 'owner_email', u.email, 'starts_on', i.starts_on::text,"  \
    "  'due_on', i.due_on::text) ORDER BY i.position) FROM plan_initiatives i JOIN users u"        \
    "  ON u.tenant_id = i.tenant_id AND u.id = i.owner_user_id"                                    \
    "  WHERE i.tenant_id = p.tenant_id AND i.plan_id = p.id) AS initiatives"
#define PLAN_FROM " FROM plans p WHERE p.tenant_id = liaison_tenant()"

/* $1 distributor (0: a distributor user's own), $2 year */
static struct db_stmt q_plan_create = {"SELECT liaison_plan_create($1::bigint, $2::int) AS _id", 2,
                                       0};
/*
 * $1 distributor (0: a distributor user's own), $2 year: a plan is for a year the relationship
 * reaches, as its goals' targets are (liaison_target_period_check, migration 0165). A
 * distributor the caller does not reach passes here and is not found by the statement.
 */
static struct db_stmt q_plan_year_in_relationship = {
    "SELECT liaison_check(d.id IS NULL OR NOT liaison_sees_side(d.id) OR b.began IS NULL"
    " OR $2::int >= extract(year FROM b.began), 'year', format('a year of the relationship,"
    " which %s: %s is before it', liaison_relationship_start_words(b.began), $2::int))"
    " FROM (SELECT CASE WHEN $1::bigint = 0 AND liaison_distributor_scope() > 0"
    "  THEN liaison_distributor_scope() ELSE nullif($1::bigint, 0) END AS id) d,"
    " LATERAL (SELECT liaison_relationship_began(d.id) AS began) b",
    2, 0};
static struct db_stmt q_plan_created = {
    "SELECT " PLAN_COLS PLAN_PARTS PLAN_FROM
    " AND p.id = nullif(current_setting('liaison.created_id', true), '')::bigint",
    0, 0};
static struct db_stmt q_plan_get = {
    "SELECT " PLAN_COLS PLAN_PARTS PLAN_FROM
    " AND p.id = $1::bigint AND liaison_sees_side(p.distributor_id)",
    1, 0};
/*
 * $1 id, $2 the version the caller's form was made from ('': none). The row's xmin changes with
 * every update of the plan (each change writes its row), so a save from a page older than
 * another tab's or user's save is refused; the lock holds it until this save commits.
 */
static struct db_stmt q_plan_unchanged = {
    /* Who saved it last, while a draft: a proposal or decision since is not a save. */
    "SELECT liaison_precondition($2 = '' OR p.xmin::text = $2, format('this plan changed after"
    " your form was made (it is now %s%s): reload it and enter your changes again', p.status,"
    " CASE WHEN p.status = 'draft' THEN format(', last saved by %s at %s',"
    " p.updated_by, liaison_rfc3339(p.updated_at)) ELSE '' END))" PLAN_FROM
    " AND p.id = $1::bigint AND liaison_sees_side(p.distributor_id) FOR UPDATE OF p",
    2, 0};
/* $1 id, $2 goals (JSON), $3 initiatives (JSON) */
static struct db_stmt q_plan_save = {
    "SELECT liaison_plan_save($1::bigint, $2::jsonb, $3::jsonb) AS _id", 3, 0};
static struct db_stmt q_plan_propose = {"SELECT liaison_plan_propose($1::bigint) AS _id", 1, 0};
/* $1 id, $2 comment */
static struct db_stmt q_plan_approve = {"SELECT liaison_plan_decide($1::bigint, true, $2) AS _id",
                                        2, 0};
static struct db_stmt q_plan_reject = {"SELECT liaison_plan_decide($1::bigint, false, $2) AS _id",
                                       2, 0};
/* $1 after, $2 limit, $3 distributor, $4 year, $5 status */
static struct db_stmt q_plan_list = {
    "SELECT " PLAN_COLS PLAN_FROM " AND p.id > $1::bigint AND liaison_sees_side(p.distributor_id)"
    " AND ($3::bigint = 0 OR p.distributor_id = $3::bigint) AND ($4::int = 0 OR p.year = $4::int)"
    " AND ($5 = '' OR p.status = $5) ORDER BY p.id LIMIT $2::int",
    5, 0};

static struct exec_decl d_plan_create = {
    .method = "CreatePlan",
    .check = {&q_plan_year_in_relationship, {"distributor_id", "year"}},
    .query = {&q_plan_create, {"distributor_id", "year"}},
    .reply = {&q_plan_created, {NULL}},
    .out = "plan",
    .not_found = "no such plan",
    .exists = "this year's plan has an open revision"};
static struct exec_decl d_plan_save = {.method = "SavePlan",
                                       .check = {&q_plan_unchanged, {"id", "if_version"}},
                                       .query = {&q_plan_save, {"id", "goals", "initiatives"}},
                                       .reply = {&q_plan_get, {"id"}},
                                       .out = "plan",
                                       .not_found = "no such plan"};
static struct exec_decl d_plan_propose = {.method = "ProposePlan",
                                          .query = {&q_plan_propose, {"id"}},
                                          .reply = {&q_plan_get, {"id"}},
                                          .out = "plan",
                                          .not_found = "no such plan"};
static struct exec_decl d_plan_approve = {.method = "ApprovePlan",
                                          .query = {&q_plan_approve, {"id", "comment"}},
                                          .reply = {&q_plan_get, {"id"}},
                                          .out = "plan",
                                          .not_found = "no such plan"};
static struct exec_decl d_plan_reject = {.method = "RejectPlan",
                                         .query = {&q_plan_reject, {"id", "comment"}},
                                         .reply = {&q_plan_get, {"id"}},
                                         .out = "plan",
                                         .not_found = "no such plan"};
static struct exec_decl d_plan_get = {.method = "GetPlan",
                                      .query = {&q_plan_get, {"id"}},
                                      .out = "plan",
                                      .not_found = "no such plan"};
static struct exec_decl d_plan_list = {
    .method = "ListPlans",
    .check = {&distributor_filter_reached, {"distributor_id"}},
    .query = {&q_plan_list, {"@after", "@limit", "distributor_id", "year", "status"}},
    .shape = EXEC_PAGE,
    .out = "plans",
    .cursor = "pln",
    .filters = {"distributor_id", "year", "status"}};

int rpc_plan_register(void)
{
    struct exec_decl *const decls[] = {&d_plan_create,  &d_plan_save,   &d_plan_propose,
                                       &d_plan_approve, &d_plan_reject, &d_plan_get,
                                       &d_plan_list};
    char err[256];
    if (exec_register(decls, (int)(sizeof decls / sizeof decls[0]), err, sizeof err) < 0) {
        log_event(LOG_ERROR, "plan RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

#define MAX_GOALS 200
#define MAX_INITIATIVES 100
#define YEAR_MIN 2000
#define YEAR_MAX 2100

static const char *const plan_statuses[] = {"draft",    "proposed",   "approved",
                                            "rejected", "superseded", NULL};

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* 'YYYY', 'YYYY-Qn' (n 1-4) or 'YYYY-MM' (01-12). */
static bool period_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 4 || !digits(s, 4))
        return false;
    if (n == 4)
        return true;
    if (n != 7 || s[4] != '-')
        return false;
    if (s[5] == 'Q')
        return s[6] >= '1' && s[6] <= '4';
    return digits(s + 5, 2) && ((s[5] == '0' && s[6] != '0') || (s[5] == '1' && s[6] <= '2'));
}

/* Answers INVALID_ARGUMENT on part name of list[i] ("goals[3].period"). */
static void fail_item(struct request *r, const char *list, size_t i, const char *name,
                      const char *why)
{
    const char *field = request_printf(r, "%s[%zu].%s", list, i, name);
    if (field)
        request_fail_field(r, field, why);
    else
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
}

static bool goal_ok(struct request *r, size_t i, Liaison__V1__PlanGoal *g)
{
    if (g->product_line_id < 1 || g->product_line_id > INT64_MAX) {
        fail_item(r, "goals", i, "productLineId", "a product line's id");
        return false;
    }
    if (!period_ok(g->period)) {
        fail_item(r, "goals", i, "period", "'YYYY', 'YYYY-Qn' or 'YYYY-MM' within the plan's year");
        return false;
    }
    if (g->units > REQUEST_MAX_AMOUNT) {
        fail_item(r, "goals", i, "units", REQUEST_MAX_AMOUNT_WORDS);
        return false;
    }
    if (g->revenue_minor > REQUEST_MAX_AMOUNT) {
        fail_item(r, "goals", i, "revenueMinor", REQUEST_MAX_AMOUNT_WORDS);
        return false;
    }
    geo_upcase(g->currency);
    if (g->currency[0] && !geo_currency(g->currency)) {
        fail_item(r, "goals", i, "currency", "not an ISO 4217 currency code");
        return false;
    }
    if (!g->currency[0] && g->revenue_minor) {
        fail_item(r, "goals", i, "currency", "a revenue goal needs its currency");
        return false;
    }
    if (!g->currency[0] && !g->units) {
        fail_item(r, "goals", i, "units", "a goal needs units, revenue (with currency) or both");
        return false;
    }
    return true;
}

static bool initiative_ok(struct request *r, size_t i, const Liaison__V1__PlanInitiative *in)
{
    const char *title = request_printf(r, "initiatives[%zu].title", i);
    const char *description = request_printf(r, "initiatives[%zu].description", i);
    if (!title || !description) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return false;
    }
    if (!request_check_chars(r, title, in->title, 200, true) ||
        !request_check_one_line(r, title, in->title) ||
        !request_check_chars(r, description, in->description, 4000, false))
        return false;
    if (in->owner_user_id < 1 || in->owner_user_id > INT64_MAX) {
        fail_item(r, "initiatives", i, "ownerUserId", "a user's id");
        return false;
    }
    if (!charter_date_ok(in->starts_on)) {
        fail_item(r, "initiatives", i, "startsOn", charter_date_why(r, in->starts_on));
        return false;
    }
    if (!charter_date_ok(in->due_on)) {
        fail_item(r, "initiatives", i, "dueOn", charter_date_why(r, in->due_on));
        return false;
    }
    /* YYYY-MM-DD compares as text in date order. */
    if (strcmp(in->due_on, in->starts_on) < 0) {
        fail_item(r, "initiatives", i, "dueOn", "not before the day the initiative starts");
        return false;
    }
    /* Running within the plan's year is liaison_plan_save's to check: only it knows the year. */
    return true;
}

void rpc_create_plan(struct request *r)
{
    const Liaison__V1__CreatePlanRequest *in = (const Liaison__V1__CreatePlanRequest *)r->input;
    if (in->distributor_id && !request_check_id(r, "distributorId", in->distributor_id))
        return;
    if (!in->distributor_id && r->who.role != LIAISON__V1__ROLE__ROLE_DISTRIBUTOR_USER) {
        request_fail_field(r, "distributorId", "required");
        return;
    }
    if (in->year < YEAR_MIN || in->year > YEAR_MAX) {
        request_fail_field(r, "year", "a year from 2000 to 2100");
        return;
    }
    exec_run(r, &d_plan_create);
}

void rpc_save_plan(struct request *r)
{
    Liaison__V1__SavePlanRequest *in = (Liaison__V1__SavePlanRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    if (in->if_version[0] && (strlen(in->if_version) > 10 ||
                              strspn(in->if_version, "0123456789") != strlen(in->if_version))) {
        request_fail_field(r, "ifVersion", "a plan's version, as the plan was read");
        return;
    }
    if (in->n_goals > MAX_GOALS) {
        request_fail_field(r, "goals", "at most 200 goals");
        return;
    }
    if (in->n_initiatives > MAX_INITIATIVES) {
        request_fail_field(r, "initiatives", "at most 100 initiatives");
        return;
    }
    for (size_t i = 0; i < in->n_goals; i++)
        if (!goal_ok(r, i, in->goals[i]))
            return;
    for (size_t i = 0; i < in->n_initiatives; i++)
        if (!initiative_ok(r, i, in->initiatives[i]))
            return;
    exec_run(r, &d_plan_save);
}

void rpc_propose_plan(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_plan_propose);
}

static bool decision_ok(struct request *r, bool comment_required)
{
    const Liaison__V1__DecidePlanRequest *in = (const Liaison__V1__DecidePlanRequest *)r->input;
    if (!request_check_id(r, "id", in->id) ||
        !request_check_chars(r, "comment", in->comment, 4000, false))
        return false;
    if (comment_required && !in->comment[0]) {
        request_fail_field(r, "comment", "say why the plan is rejected");
        return false;
    }
    return true;
}

void rpc_approve_plan(struct request *r)
{
    if (decision_ok(r, false))
        exec_run(r, &d_plan_approve);
}

void rpc_reject_plan(struct request *r)
{
    if (decision_ok(r, true))
        exec_run(r, &d_plan_reject);
}

void rpc_get_plan(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_plan_get);
}

void rpc_list_plans(struct request *r)
{
    const Liaison__V1__ListPlansRequest *in = (const Liaison__V1__ListPlansRequest *)r->input;
    if (in->distributor_id && !request_check_id(r, "distributorId", in->distributor_id))
        return;
    if (in->year && (in->year < YEAR_MIN || in->year > YEAR_MAX)) {
        request_fail_field(r, "year", "a year from 2000 to 2100");
        return;
    }
    if (in->status[0]) {
        const char *const *s = plan_statuses;
        while (*s && strcmp(*s, in->status))
            s++;
        if (!*s) {
            request_fail_field(r, "status", "draft, proposed, approved, rejected or superseded");
            return;
        }
    }
    exec_run(r, &d_plan_list);
}
