/*
 * rpc_charter.c - charters. Only a draft is ever edited; every edit checks,
 * in its own statement, that the charter is a draft of a distributor the
 * caller reaches, and writes its audit row. Every call that changes a
 * charter answers with the whole charter, read in the same transaction.
 *
 * Activation takes a per-tenant advisory lock, so two activations in one
 * tenant run one after the other and the second sees the first's grants:
 * two charters that conflict can never both become active.
 */
#include "rpc_charter.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"
#include "geo.h"
#include "page.h"
#include "rows.h"

#define SEES "liaison_sees_distributor(d.id, d.account_manager_id)"
#define RESOLVE "liaison_charter_resolve($1::bigint, $2::bigint, $3::int)"
#define JOIN_D " JOIN distributors d ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id"
#define DRAFT(cid)                                                                                 \
    " c.tenant_id = liaison_tenant() AND c.id = " cid " AND c.status = 'draft' AND " SEES
#define AUDIT(action, actor, rid, src, id, from)                                                   \
    " au AS (INSERT INTO audit_log (tenant_id, actor, action, entity, entity_id, request_id,"      \
    " source) SELECT liaison_tenant(), " actor ", " action ", 'charter', " id ", " rid ", " src    \
    " FROM " from ")"
#define VERSIONS_CURSOR "chv"
#define DEFAULT_SECTIONS                                                                           \
    "'{sales_by_line,inventory_on_hand,pipeline,market_intelligence,competitive_activity}'"

/* ---- reading a charter: ($1 id or 0, $2 distributor, $3 version) ---- */
static struct db_stmt q_row = {
    "SELECT c.id, c.distributor_id, c.version, c.status, c.full_coverage,"
    " array_to_json(c.covered_line_ids)::text, c.competing_allowed, c.report_due_day,"
    " array_to_json(c.report_sections)::text, array_to_json(c.signatories)::text,"
    " coalesce(c.signed_on::text, ''), c.created_by, " DB_RFC3339(
        "c.created_at") ","
                        " coalesce(c.activated_by, ''), coalesce(" DB_RFC3339(
                            "c.activated_at") ", '')"
                                              " FROM charters c" JOIN_D
                                              " WHERE c.tenant_id = liaison_tenant() AND c.id "
                                              "= " RESOLVE " AND " SEES,
    3, 0};
static struct db_stmt q_grants = {
    "SELECT id, region, all_lines, array_to_json(line_ids)::text, exclusive, starts_on::text,"
    " coalesce(ends_on::text, '') FROM charter_grants"
    " WHERE tenant_id = liaison_tenant() AND charter_id = " RESOLVE " ORDER BY id",
    3, 0};
static struct db_stmt q_carve_outs = {
    "SELECT id, account_name, region, note FROM charter_carve_outs"
    " WHERE tenant_id = liaison_tenant() AND charter_id = " RESOLVE " ORDER BY id",
    3, 0};
static struct db_stmt q_commitments = {
    "SELECT id, product_line_id, moq, buffer_unit, buffer_amount, financing, payment_terms_days"
    " FROM charter_commitments WHERE tenant_id = liaison_tenant() AND charter_id = " RESOLVE
    " ORDER BY id",
    3, 0};
static struct db_stmt q_competing = {"SELECT id, competitor, line FROM charter_competing_lines"
                                     " WHERE tenant_id = liaison_tenant() AND charter_id = " RESOLVE
                                     " ORDER BY id",
                                     3, 0};

/* ---- a new draft: $1 distributor, $2 actor, $3 rid, $4 source ---- */
static struct db_stmt q_draft = {
    "WITH c AS (INSERT INTO charters (tenant_id, distributor_id, version, full_coverage,"
    "  covered_line_ids, competing_allowed, report_due_day, report_sections, signatories,"
    "  created_by)"
    "  SELECT d.tenant_id, d.id, coalesce((SELECT max(x.version) FROM charters x"
    "   WHERE x.tenant_id = d.tenant_id AND x.distributor_id = d.id), 0) + 1,"
    "   coalesce(a.full_coverage, true), coalesce(a.covered_line_ids, '{}'),"
    "   coalesce(a.competing_allowed, false), coalesce(a.report_due_day, 10),"
    "   coalesce(a.report_sections, " DEFAULT_SECTIONS "), coalesce(a.signatories, '{}'), $2"
    "  FROM distributors d LEFT JOIN charters a ON a.tenant_id = d.tenant_id"
    "   AND a.distributor_id = d.id AND a.status = 'active'"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint AND " SEES
    "   AND d.status <> 'terminated' RETURNING id, version)," AUDIT(
        "CASE WHEN version = 1 THEN 'charter.draft' ELSE 'charter.amend' END", "$2", "$3", "$4",
        "id::text", "c") " SELECT id FROM c WHERE liaison_found((SELECT count(*) FROM c) = 1,"
                         " 'no such distributor (or it is terminated)')",
    4, 0};
/* Copies of the active version's parts into the new draft: $1 distributor. */
#define FROM_ACTIVE(alias)                                                                         \
    " FROM charters a WHERE a.tenant_id = liaison_tenant() AND a.distributor_id = $1::bigint"      \
    " AND a.status = 'active' AND " alias ".tenant_id = a.tenant_id AND " alias                    \
    ".charter_id = a.id"
#define NEW_DRAFT "liaison_charter_resolve(0, $1::bigint, -1)"
static struct db_stmt q_copy_grants = {
    "INSERT INTO charter_grants (tenant_id, charter_id, region, all_lines, line_ids, exclusive,"
    " starts_on, ends_on) SELECT g.tenant_id, " NEW_DRAFT ", g.region, g.all_lines, g.line_ids,"
    " g.exclusive, g.starts_on, g.ends_on FROM charter_grants g"
    " WHERE EXISTS (SELECT 1" FROM_ACTIVE("g") ") ORDER BY g.id",
    1, 0};
static struct db_stmt q_copy_carve_outs = {
    "INSERT INTO charter_carve_outs (tenant_id, charter_id, account_name, region, note)"
    " SELECT o.tenant_id, " NEW_DRAFT ", o.account_name, o.region, o.note"
    " FROM charter_carve_outs o WHERE EXISTS (SELECT 1" FROM_ACTIVE("o") ") ORDER BY o.id",
    1, 0};
static struct db_stmt q_copy_commitments = {
    "INSERT INTO charter_commitments (tenant_id, charter_id, product_line_id, moq, buffer_unit,"
    " buffer_amount, financing, payment_terms_days) SELECT m.tenant_id, " NEW_DRAFT ","
    " m.product_line_id, m.moq, m.buffer_unit, m.buffer_amount, m.financing,"
    " m.payment_terms_days FROM charter_commitments m"
    " WHERE EXISTS (SELECT 1" FROM_ACTIVE("m") ") ORDER BY m.id",
    1, 0};
static struct db_stmt q_copy_competing = {
    "INSERT INTO charter_competing_lines (tenant_id, charter_id, competitor, line)"
    " SELECT k.tenant_id, " NEW_DRAFT ", k.competitor, k.line FROM charter_competing_lines k"
    " WHERE EXISTS (SELECT 1" FROM_ACTIVE("k") ") ORDER BY k.id",
    1, 0};

/*
 * Every id in $1 is a live product line of the tenant, or the transaction
 * fails naming field $2 before the edit after it can be saved.
 */
static struct db_stmt q_lines_ok = {
    "SELECT liaison_check(count(*) = cardinality($1::bigint[]), $2,"
    " 'names a product line that is not a live line of this tenant') FROM product_lines"
    " WHERE tenant_id = liaison_tenant() AND id = ANY ($1::bigint[]) AND retired_at IS NULL",
    2, 0};

/* $1 charter, $2 full, $3 covered, $4 competing, $5 due day, $6 sections, $7 signatories,
 * $8 signed on, $9 actor, $10 rid, $11 source */
static struct db_stmt q_terms = {
    "WITH m AS (UPDATE charters c SET full_coverage = $2::boolean,"
    "  covered_line_ids = $3::bigint[], competing_allowed = $4::boolean,"
    "  report_due_day = $5::int, report_sections = $6::text[], signatories = $7::text[],"
    "  signed_on = $8::date FROM distributors d"
    "  WHERE d.tenant_id = c.tenant_id AND d.id = c.distributor_id AND" DRAFT(
        "$1::bigint") "  RETURNING c.id)," AUDIT("'charter.terms'", "$9", "$10", "$11", "id::text",
                                                 "m") " SELECT id FROM m",
    11, 0};
/* $1 charter, $2 region, $3 all, $4 lines, $5 exclusive, $6 start, $7 end, actor, rid, src */
static struct db_stmt q_grant_add = {
    "WITH m AS (INSERT INTO charter_grants (tenant_id, charter_id, region, all_lines, line_ids,"
    "  exclusive, starts_on, ends_on) SELECT c.tenant_id, c.id, $2, $3::boolean, $4::bigint[],"
    "  $5::boolean, $6::date, $7::date FROM charters c" JOIN_D
    " WHERE" DRAFT("$1::bigint") "  RETURNING charter_id, id)," AUDIT(
        "'charter.grant.add'", "$8", "$9", "$10", "charter_id || '/grant/' || id",
        "m") " SELECT id FROM m",
    10, 0};
/* $1 charter, $2 grant, actor, rid, src */
static struct db_stmt q_grant_remove = {
    "WITH m AS (DELETE FROM charter_grants g USING charters c, distributors d"
    "  WHERE g.tenant_id = liaison_tenant() AND g.id = $2::bigint AND g.charter_id = c.id"
    "  AND d.tenant_id = c.tenant_id AND d.id = c.distributor_id AND" DRAFT(
        "$1::bigint") "  RETURNING g.charter_id, g.id)," AUDIT("'charter.grant.remove'", "$3", "$4",
                                                               "$5",
                                                               "charter_id || '/grant/' || id",
                                                               "m") " SELECT id FROM m",
    5, 0};
/* $1 charter, $2 account, $3 region, $4 note, actor, rid, src */
static struct db_stmt q_carve_out_add = {
    "WITH m AS (INSERT INTO charter_carve_outs (tenant_id, charter_id, account_name, region,"
    "  note) SELECT c.tenant_id, c.id, $2, $3, $4 FROM charters c" JOIN_D
    "  WHERE" DRAFT("$1::bigint") " RETURNING charter_id, id)," AUDIT(
        "'charter.carve_out.add'", "$5", "$6", "$7", "charter_id || '/carve_out/' || id",
        "m") " SELECT id FROM m",
    7, 0};
/* $1 charter, $2 line, $3 moq, $4 unit, $5 amount, $6 financing, $7 terms, actor, rid, src */
static struct db_stmt q_commitment_set = {
    "WITH m AS (INSERT INTO charter_commitments (tenant_id, charter_id, product_line_id, moq,"
    "  buffer_unit, buffer_amount, financing, payment_terms_days)"
    "  SELECT c.tenant_id, c.id, l.id, $3::int, $4, $5::int, $6, $7::int FROM charters c" JOIN_D
    "  JOIN product_lines l ON l.tenant_id = c.tenant_id AND l.id = $2::bigint"
    "  WHERE" DRAFT("$1::bigint") "  ON CONFLICT (tenant_id, charter_id, product_line_id) DO "
                                  "UPDATE SET moq = EXCLUDED.moq,"
                                  "  buffer_unit = EXCLUDED.buffer_unit, buffer_amount = "
                                  "EXCLUDED.buffer_amount,"
                                  "  financing = EXCLUDED.financing, payment_terms_days = "
                                  "EXCLUDED.payment_terms_days"
                                  "  RETURNING charter_id, id)," AUDIT(
                                      "'charter.commitment.set'", "$8", "$9", "$10",
                                      "charter_id || '/commitment/' || id",
                                      "m") " SELECT id FROM m",
    10, 0};
/* $1 charter, $2 competitor, $3 line, actor, rid, src */
static struct db_stmt q_competing_add = {
    "WITH m AS (INSERT INTO charter_competing_lines (tenant_id, charter_id, competitor, line)"
    "  SELECT c.tenant_id, c.id, $2, $3 FROM charters c" JOIN_D
    " WHERE" DRAFT("$1::bigint") "  RETURNING charter_id, id)," AUDIT(
        "'charter.competing_line.add'", "$4", "$5", "$6", "charter_id || '/competing_line/' || id",
        "m") " SELECT id FROM m",
    6, 0};

/* ---- the territory rule and activation ---- */
static struct db_stmt q_conflicts = {
    "SELECT grant_id, region, other_distributor_id, other_distributor, other_version,"
    " other_region, other_exclusive, other_all_lines, other_lines, other_starts_on::text,"
    " coalesce(other_ends_on::text, '') FROM liaison_charter_conflicts($1::bigint)",
    1, 0};
static struct db_stmt q_activation_lock = {
    "SELECT pg_advisory_xact_lock(hashtextextended('liaison.charter.activation:' ||"
    " liaison_tenant(), 0))",
    0, 0};
#define ACTIVATABLE(cid)                                                                           \
    " NOT EXISTS (SELECT 1 FROM liaison_charter_conflicts(" cid "))"                               \
    " AND EXISTS (SELECT 1 FROM charter_grants g WHERE g.tenant_id = c.tenant_id"                  \
    " AND g.charter_id = c.id)"
/* $1 charter */
static struct db_stmt q_supersede = {
    "UPDATE charters o SET status = 'superseded' FROM charters c" JOIN_D
    " WHERE" DRAFT("$1::bigint") " AND o.tenant_id = c.tenant_id"
                                 " AND o.distributor_id = c.distributor_id AND o.status = 'active' "
                                 "AND" ACTIVATABLE("$1::bigint"),
    1, 0};
/* $1 charter, $2 actor, $3 rid, $4 source */
static struct db_stmt q_activate = {
    "WITH m AS (UPDATE charters c SET status = 'active', activated_by = $2, activated_at = "
    "now()"
    "  FROM distributors d WHERE d.tenant_id = c.tenant_id AND d.id = c.distributor_id "
    "AND" DRAFT("$1::bigint") " AND" ACTIVATABLE("$1::bigint") " RETURNING c.id)," AUDIT(
        "'charter.activate'", "$2", "$3", "$4", "id::text", "m") " SELECT id FROM m",
    4, 0};
/* The distributor a list is filtered by is one the caller reaches, or NOT_FOUND. */
static struct db_stmt q_versions_parent = {
    "SELECT liaison_found(EXISTS (SELECT 1 FROM distributors d WHERE d.tenant_id = liaison_tenant()"
    " AND d.id = $1::bigint AND " SEES "), 'no such distributor')",
    1, 0};
/* $1 distributor, $2 after, $3 limit */
static struct db_stmt q_versions = {
    "SELECT c.id, c.version, c.status, c.created_by, " DB_RFC3339(
        "c.created_at") ","
                        " coalesce(c.activated_by, ''), coalesce(" DB_RFC3339(
                            "c.activated_at") ", '')"
                                              " FROM charters c" JOIN_D
                                              " WHERE c.tenant_id = liaison_tenant()"
                                              " AND c.distributor_id = $1::bigint AND " SEES
                                              " AND c.id > $2::bigint"
                                              " ORDER BY c.id LIMIT $3::int",
    3, 0};

int rpc_charter_register(void)
{
    struct db_stmt *const stmts[] = {&q_row,
                                     &q_grants,
                                     &q_carve_outs,
                                     &q_commitments,
                                     &q_competing,
                                     &q_draft,
                                     &q_copy_grants,
                                     &q_copy_carve_outs,
                                     &q_copy_commitments,
                                     &q_copy_competing,
                                     &q_lines_ok,
                                     &q_terms,
                                     &q_grant_add,
                                     &q_grant_remove,
                                     &q_carve_out_add,
                                     &q_commitment_set,
                                     &q_competing_add,
                                     &q_conflicts,
                                     &q_activation_lock,
                                     &q_supersede,
                                     &q_activate,
                                     &q_versions,
                                     &q_versions_parent};
    return db_register(stmts, (int)(sizeof stmts / sizeof stmts[0]));
}

bool charter_date_ok(const char *s)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return false;
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

/* ---------- reading ---------- */

/* Appends the five reading steps; returns the index of the first. */
static int charter_read_steps(struct request *r, int n, const char *charter, const char *dist,
                              const char *version)
{
    struct db_stmt *const readers[] = {&q_row, &q_grants, &q_carve_outs, &q_commitments,
                                       &q_competing};
    for (int i = 0; i < 5; i++) {
        struct db_step *s = &r->txn.steps[n + i];
        s->stmt = readers[i];
        s->values[0] = charter;
        s->values[1] = dist;
        s->values[2] = version;
    }
    r->txn.nsteps = n + 5;
    return n;
}

static void grant_fill(struct arena *a, const void *res, int i, void *item)
{
    Liaison__V1__CharterGrant *g = item;
    liaison__v1__charter_grant__init(g);
    g->id = strtoull(PQgetvalue(res, i, 0), NULL, 10);
    g->region = PQgetvalue(res, i, 1);
    g->all_lines = PQgetvalue(res, i, 2)[0] == 't';
    g->product_line_ids = rows_u64s(a, PQgetvalue(res, i, 3), &g->n_product_line_ids);
    if (!g->product_line_ids)
        g->n_product_line_ids = 0;
    g->exclusive = PQgetvalue(res, i, 4)[0] == 't';
    g->starts_on = PQgetvalue(res, i, 5);
    g->ends_on = PQgetvalue(res, i, 6);
}

static void carve_out_fill(struct arena *a, const void *res, int i, void *item)
{
    (void)a;
    Liaison__V1__CarveOut *o = item;
    liaison__v1__carve_out__init(o);
    o->id = strtoull(PQgetvalue(res, i, 0), NULL, 10);
    o->account_name = PQgetvalue(res, i, 1);
    o->region = PQgetvalue(res, i, 2);
    o->note = PQgetvalue(res, i, 3);
}

static void commitment_fill(struct arena *a, const void *res, int i, void *item)
{
    (void)a;
    Liaison__V1__InventoryCommitment *m = item;
    liaison__v1__inventory_commitment__init(m);
    m->id = strtoull(PQgetvalue(res, i, 0), NULL, 10);
    m->product_line_id = strtoull(PQgetvalue(res, i, 1), NULL, 10);
    m->moq = (uint32_t)strtoul(PQgetvalue(res, i, 2), NULL, 10);
    m->buffer_unit = PQgetvalue(res, i, 3);
    m->buffer_amount = (uint32_t)strtoul(PQgetvalue(res, i, 4), NULL, 10);
    m->financing = PQgetvalue(res, i, 5);
    m->payment_terms_days = (uint32_t)strtoul(PQgetvalue(res, i, 6), NULL, 10);
}

static void competing_fill(struct arena *a, const void *res, int i, void *item)
{
    (void)a;
    Liaison__V1__CompetingLine *k = item;
    liaison__v1__competing_line__init(k);
    k->id = strtoull(PQgetvalue(res, i, 0), NULL, 10);
    k->competitor = PQgetvalue(res, i, 1);
    k->line = PQgetvalue(res, i, 2);
}

/* Every row of res as an arena array of items. */
static void **charter_items(struct request *r, const PGresult *res, size_t size,
                            void (*fill)(struct arena *, const void *, int, void *), size_t *n)
{
    int rows = PQntuples(res);
    char *arr = arena_alloc(&r->arena, size * (size_t)(rows + 1));
    void **ptrs = arena_alloc(&r->arena, sizeof *ptrs * (size_t)(rows + 1));
    if (!arr || !ptrs)
        return NULL;
    for (int i = 0; i < rows; i++) {
        ptrs[i] = arr + (size_t)i * size;
        fill(&r->arena, res, i, ptrs[i]);
    }
    *n = (size_t)rows;
    return ptrs;
}

/* Answers with the charter read by the steps from first on. */
static void charter_reply(struct request *r, struct db_txn *txn, int first)
{
    const PGresult *row = txn->results[first];
    if (PQntuples(row) != 1) {
        request_fail(r, LIAISON__V1__CODE__NOT_FOUND, "no such charter");
        return;
    }
    Liaison__V1__Charter c = LIAISON__V1__CHARTER__INIT;
    struct arena *a = &r->arena;
    c.id = strtoull(PQgetvalue(row, 0, 0), NULL, 10);
    c.distributor_id = strtoull(PQgetvalue(row, 0, 1), NULL, 10);
    c.version = (uint32_t)strtoul(PQgetvalue(row, 0, 2), NULL, 10);
    c.status = PQgetvalue(row, 0, 3);
    c.full_coverage = PQgetvalue(row, 0, 4)[0] == 't';
    c.covered_line_ids = rows_u64s(a, PQgetvalue(row, 0, 5), &c.n_covered_line_ids);
    c.competing_allowed = PQgetvalue(row, 0, 6)[0] == 't';
    c.report_due_day = (uint32_t)strtoul(PQgetvalue(row, 0, 7), NULL, 10);
    c.report_sections = rows_strings(a, PQgetvalue(row, 0, 8), &c.n_report_sections);
    c.signatories = rows_strings(a, PQgetvalue(row, 0, 9), &c.n_signatories);
    c.signed_on = PQgetvalue(row, 0, 10);
    c.created_by = PQgetvalue(row, 0, 11);
    c.created_at = PQgetvalue(row, 0, 12);
    c.activated_by = PQgetvalue(row, 0, 13);
    c.activated_at = PQgetvalue(row, 0, 14);
    c.grants = (Liaison__V1__CharterGrant **)charter_items(
        r, txn->results[first + 1], sizeof(Liaison__V1__CharterGrant), grant_fill, &c.n_grants);
    c.carve_outs = (Liaison__V1__CarveOut **)charter_items(
        r, txn->results[first + 2], sizeof(Liaison__V1__CarveOut), carve_out_fill, &c.n_carve_outs);
    c.commitments = (Liaison__V1__InventoryCommitment **)charter_items(
        r, txn->results[first + 3], sizeof(Liaison__V1__InventoryCommitment), commitment_fill,
        &c.n_commitments);
    c.competing_lines = (Liaison__V1__CompetingLine **)charter_items(
        r, txn->results[first + 4], sizeof(Liaison__V1__CompetingLine), competing_fill,
        &c.n_competing_lines);
    if (!c.covered_line_ids || !c.report_sections || !c.signatories || !c.grants || !c.carve_outs ||
        !c.commitments || !c.competing_lines) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    Liaison__V1__CharterResponse out = LIAISON__V1__CHARTER_RESPONSE__INIT;
    out.charter = &c;
    request_reply(r, &out.base);
}

/* ---------- editing a draft ---------- */

/* State of one edit: which step changes the charter. */
struct charter_edit {
    int change;
};

static void charter_edit_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    struct charter_edit *e = r->state;
    if (request_fail_raised(r, code))
        return;
    if (code == LIAISON__V1__CODE__INVALID_ARGUMENT) {
        request_fail(r, code, "a value breaks the charter's rules");
        return;
    }
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    int first = e->change + 1;
    if (PQntuples(txn->results[e->change]) == 0) {
        const PGresult *row = txn->results[first];
        if (PQntuples(row) != 1) {
            request_fail(r, LIAISON__V1__CODE__NOT_FOUND, "no such charter");
        } else if (strcmp(PQgetvalue(row, 0, 3), "draft") != 0) {
            char *msg = request_printf(r,
                                       "charter version %s is %s: it is never edited; amend it "
                                       "with a new draft",
                                       PQgetvalue(row, 0, 2), PQgetvalue(row, 0, 3));
            request_fail(r, LIAISON__V1__CODE__FAILED_PRECONDITION, msg ? msg : "not a draft");
        } else {
            request_fail(r, LIAISON__V1__CODE__NOT_FOUND, "no such item in this charter");
        }
        return;
    }
    charter_reply(r, txn, first);
}

/*
 * Starts an edit of charter id: [auth, (line check), change, readers]. The
 * line check, when lines_field is given, refuses inside the transaction.
 * Returns the change step for the caller to fill, or NULL after answering.
 */
static struct db_step *charter_edit(struct request *r, uint64_t id, const uint64_t *lines,
                                    size_t nlines, const char *lines_field)
{
    if (!request_check_id(r, "charterId", id))
        return NULL;
    struct charter_edit *e = arena_alloc(&r->arena, sizeof *e);
    if (!e) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    r->state = e;
    int n = credential_txn_begin(r);
    if (lines_field) {
        r->txn.steps[n].stmt = &q_lines_ok;
        r->txn.steps[n].values[0] = rows_u64_array(&r->arena, lines, nlines);
        r->txn.steps[n].values[1] = lines_field;
        n++;
    }
    e->change = n;
    char *cid = request_printf(r, "%" PRIu64, id);
    charter_read_steps(r, n + 1, cid, "0", "0");
    return &r->txn.steps[n];
}

static void draft_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code == LIAISON__V1__CODE__ALREADY_EXISTS) {
        request_fail(r, code, "this distributor already has a draft charter: edit or activate it");
        return;
    }
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    charter_reply(r, txn, 6);
}

void rpc_create_charter_draft(struct request *r)
{
    const Liaison__V1__CreateCharterDraftRequest *in =
        (const Liaison__V1__CreateCharterDraftRequest *)r->input;
    if (!request_check_id(r, "distributorId", in->distributor_id))
        return;
    char *dist = request_printf(r, "%" PRIu64, in->distributor_id);
    int n = credential_txn_begin(r);
    struct db_step *s = r->txn.steps;
    s[n].stmt = &q_draft;
    s[n].values[0] = dist;
    request_audit_params(r, &s[n], 1);
    struct db_stmt *const copies[] = {&q_copy_grants, &q_copy_carve_outs, &q_copy_commitments,
                                      &q_copy_competing};
    for (int i = 0; i < 4; i++) {
        s[n + 1 + i].stmt = copies[i];
        s[n + 1 + i].values[0] = dist;
    }
    charter_read_steps(r, n + 5, "0", dist, "-1");
    request_submit(r, draft_done);
}

void rpc_set_charter_terms(struct request *r)
{
    const Liaison__V1__SetCharterTermsRequest *in =
        (const Liaison__V1__SetCharterTermsRequest *)r->input;
    if (in->report_due_day < 1 || in->report_due_day > 28) {
        request_fail_field(r, "reportDueDay", "1 to 28");
        return;
    }
    if (in->full_coverage == (in->n_covered_line_ids > 0)) {
        request_fail_field(r, "coveredLineIds",
                           "list the covered lines exactly when coverage is not full");
        return;
    }
    if (in->signed_on[0] && !charter_date_ok(in->signed_on)) {
        request_fail_field(r, "signedOn", "a date as YYYY-MM-DD");
        return;
    }
    for (size_t i = 0; i < in->n_report_sections; i++) {
        if (!in->report_sections[i][0] || strlen(in->report_sections[i]) > 100) {
            request_fail_field(r, "reportSections", "each 1 to 100 bytes");
            return;
        }
    }
    for (size_t i = 0; i < in->n_signatories; i++) {
        if (!in->signatories[i][0] || strlen(in->signatories[i]) > 200) {
            request_fail_field(r, "signatories", "each 1 to 200 bytes");
            return;
        }
    }
    struct db_step *s = charter_edit(r, in->charter_id, in->covered_line_ids,
                                     in->n_covered_line_ids, "coveredLineIds");
    if (!s)
        return;
    s->stmt = &q_terms;
    s->values[0] = request_printf(r, "%" PRIu64, in->charter_id);
    s->values[1] = in->full_coverage ? "true" : "false";
    s->values[2] = rows_u64_array(&r->arena, in->covered_line_ids, in->n_covered_line_ids);
    s->values[3] = in->competing_allowed ? "true" : "false";
    s->values[4] = request_printf(r, "%u", in->report_due_day);
    s->values[5] = rows_text_array(&r->arena, in->report_sections, in->n_report_sections);
    s->values[6] = rows_text_array(&r->arena, in->signatories, in->n_signatories);
    s->values[7] = in->signed_on[0] ? in->signed_on : NULL;
    request_audit_params(r, s, 8);
    request_submit(r, charter_edit_done);
}

void rpc_add_charter_grant(struct request *r)
{
    const Liaison__V1__AddCharterGrantRequest *in =
        (const Liaison__V1__AddCharterGrantRequest *)r->input;
    const Liaison__V1__CharterGrant *g = in->grant;
    if (!g) {
        request_fail_field(r, "grant", "required");
        return;
    }
    if (!geo_region(g->region)) {
        request_fail_field(r, "grant.region",
                           "not an ISO 3166-1 country or ISO 3166-2 subdivision code");
        return;
    }
    if (g->all_lines == (g->n_product_line_ids > 0)) {
        request_fail_field(r, "grant.productLineIds",
                           "a grant covers all lines, or lists at least one (not both)");
        return;
    }
    if (!charter_date_ok(g->starts_on)) {
        request_fail_field(r, "grant.startsOn", "a date as YYYY-MM-DD");
        return;
    }
    if (g->ends_on[0] && !charter_date_ok(g->ends_on)) {
        request_fail_field(r, "grant.endsOn", "a date as YYYY-MM-DD, or empty for open-ended");
        return;
    }
    if (g->ends_on[0] && strcmp(g->ends_on, g->starts_on) < 0) {
        request_fail_field(r, "grant.endsOn", "before the start");
        return;
    }
    struct db_step *s = charter_edit(r, in->charter_id, g->product_line_ids, g->n_product_line_ids,
                                     "grant.productLineIds");
    if (!s)
        return;
    s->stmt = &q_grant_add;
    s->values[0] = request_printf(r, "%" PRIu64, in->charter_id);
    s->values[1] = g->region;
    s->values[2] = g->all_lines ? "true" : "false";
    s->values[3] = rows_u64_array(&r->arena, g->product_line_ids, g->n_product_line_ids);
    s->values[4] = g->exclusive ? "true" : "false";
    s->values[5] = g->starts_on;
    s->values[6] = g->ends_on[0] ? g->ends_on : NULL;
    request_audit_params(r, s, 7);
    request_submit(r, charter_edit_done);
}

void rpc_remove_charter_grant(struct request *r)
{
    const Liaison__V1__CharterItemRequest *in = (const Liaison__V1__CharterItemRequest *)r->input;
    if (!request_check_id(r, "itemId", in->item_id))
        return;
    struct db_step *s = charter_edit(r, in->charter_id, NULL, 0, NULL);
    if (!s)
        return;
    s->stmt = &q_grant_remove;
    s->values[0] = request_printf(r, "%" PRIu64, in->charter_id);
    s->values[1] = request_printf(r, "%" PRIu64, in->item_id);
    request_audit_params(r, s, 2);
    request_submit(r, charter_edit_done);
}

void rpc_add_carve_out(struct request *r)
{
    const Liaison__V1__AddCarveOutRequest *in = (const Liaison__V1__AddCarveOutRequest *)r->input;
    const Liaison__V1__CarveOut *o = in->carve_out;
    if (!o || !o->account_name[0] || strlen(o->account_name) > 200) {
        request_fail_field(r, "carveOut.accountName", "1 to 200 bytes");
        return;
    }
    if (o->region[0] && !geo_region(o->region)) {
        request_fail_field(r, "carveOut.region",
                           "not an ISO 3166-1 country or ISO 3166-2 subdivision code");
        return;
    }
    if (strlen(o->note) > 1000) {
        request_fail_field(r, "carveOut.note", "at most 1000 bytes");
        return;
    }
    struct db_step *s = charter_edit(r, in->charter_id, NULL, 0, NULL);
    if (!s)
        return;
    s->stmt = &q_carve_out_add;
    s->values[0] = request_printf(r, "%" PRIu64, in->charter_id);
    s->values[1] = o->account_name;
    s->values[2] = o->region;
    s->values[3] = o->note;
    request_audit_params(r, s, 4);
    request_submit(r, charter_edit_done);
}

void rpc_set_commitment(struct request *r)
{
    const Liaison__V1__SetCommitmentRequest *in =
        (const Liaison__V1__SetCommitmentRequest *)r->input;
    const Liaison__V1__InventoryCommitment *m = in->commitment;
    if (!m || m->product_line_id == 0 || m->product_line_id > INT64_MAX) {
        request_fail_field(r, "commitment.productLineId", "required");
        return;
    }
    if (strcmp(m->buffer_unit, "weeks") && strcmp(m->buffer_unit, "units")) {
        request_fail_field(r, "commitment.bufferUnit", "weeks or units");
        return;
    }
    if (strcmp(m->financing, "distributor") && strcmp(m->financing, "consignment") &&
        strcmp(m->financing, "shared")) {
        request_fail_field(r, "commitment.financing", "distributor, consignment or shared");
        return;
    }
    if (m->moq > INT32_MAX || m->buffer_amount > INT32_MAX) {
        request_fail_field(r, m->moq > INT32_MAX ? "commitment.moq" : "commitment.bufferAmount",
                           "too large");
        return;
    }
    if (m->payment_terms_days > 365) {
        request_fail_field(r, "commitment.paymentTermsDays", "0 to 365");
        return;
    }
    struct db_step *s =
        charter_edit(r, in->charter_id, &m->product_line_id, 1, "commitment.productLineId");
    if (!s)
        return;
    s->stmt = &q_commitment_set;
    s->values[0] = request_printf(r, "%" PRIu64, in->charter_id);
    s->values[1] = request_printf(r, "%" PRIu64, m->product_line_id);
    s->values[2] = request_printf(r, "%u", m->moq);
    s->values[3] = m->buffer_unit;
    s->values[4] = request_printf(r, "%u", m->buffer_amount);
    s->values[5] = m->financing;
    s->values[6] = request_printf(r, "%u", m->payment_terms_days);
    request_audit_params(r, s, 7);
    request_submit(r, charter_edit_done);
}

void rpc_declare_competing_line(struct request *r)
{
    const Liaison__V1__DeclareCompetingLineRequest *in =
        (const Liaison__V1__DeclareCompetingLineRequest *)r->input;
    const Liaison__V1__CompetingLine *k = in->competing_line;
    if (!k || !k->competitor[0] || strlen(k->competitor) > 200) {
        request_fail_field(r, "competingLine.competitor", "1 to 200 bytes");
        return;
    }
    if (!k->line[0] || strlen(k->line) > 200) {
        request_fail_field(r, "competingLine.line", "1 to 200 bytes");
        return;
    }
    struct db_step *s = charter_edit(r, in->charter_id, NULL, 0, NULL);
    if (!s)
        return;
    s->stmt = &q_competing_add;
    s->values[0] = request_printf(r, "%" PRIu64, in->charter_id);
    s->values[1] = k->competitor;
    s->values[2] = k->line;
    request_audit_params(r, s, 3);
    request_submit(r, charter_edit_done);
}

/* ---------- the territory check and activation ---------- */

static void conflict_fill(struct arena *a, const void *res, int i, void *item)
{
    (void)a;
    Liaison__V1__CharterConflict *c = item;
    liaison__v1__charter_conflict__init(c);
    c->grant_id = strtoull(PQgetvalue(res, i, 0), NULL, 10);
    c->region = PQgetvalue(res, i, 1);
    c->other_distributor_id = strtoull(PQgetvalue(res, i, 2), NULL, 10);
    c->other_distributor = PQgetvalue(res, i, 3);
    c->other_version = (uint32_t)strtoul(PQgetvalue(res, i, 4), NULL, 10);
    c->other_region = PQgetvalue(res, i, 5);
    c->other_exclusive = PQgetvalue(res, i, 6)[0] == 't';
    c->other_all_lines = PQgetvalue(res, i, 7)[0] == 't';
    c->other_lines = PQgetvalue(res, i, 8);
    c->other_starts_on = PQgetvalue(res, i, 9);
    c->other_ends_on = PQgetvalue(res, i, 10);
}

static void check_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    if (PQntuples(txn->results[1]) != 1) {
        request_fail(r, LIAISON__V1__CODE__NOT_FOUND, "no such charter");
        return;
    }
    Liaison__V1__CheckCharterResponse out = LIAISON__V1__CHECK_CHARTER_RESPONSE__INIT;
    out.conflicts = (Liaison__V1__CharterConflict **)charter_items(
        r, txn->results[2], sizeof(Liaison__V1__CharterConflict), conflict_fill, &out.n_conflicts);
    if (!out.conflicts) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    request_reply(r, &out.base);
}

void rpc_check_charter(struct request *r)
{
    const Liaison__V1__IdRequest *in = (const Liaison__V1__IdRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    char *cid = request_printf(r, "%" PRIu64, in->id);
    int n = credential_txn_begin(r);
    struct db_step *s = r->txn.steps;
    s[n].stmt = &q_row;
    s[n].values[0] = cid;
    s[n].values[1] = "0";
    s[n].values[2] = "0";
    s[n + 1].stmt = &q_conflicts;
    s[n + 1].values[0] = cid;
    r->txn.nsteps = n + 2;
    request_submit(r, check_done);
}

/* Refuses activation with one violation per conflict, every one listed. */
static void activation_refused(struct request *r, const PGresult *res)
{
    int rows = PQntuples(res);
    Liaison__V1__FieldViolation *v = arena_alloc(&r->arena, sizeof *v * (size_t)rows);
    Liaison__V1__FieldViolation **vp = arena_alloc(&r->arena, sizeof *vp * (size_t)rows);
    if (!v || !vp) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    for (int i = 0; i < rows; i++) {
        liaison__v1__field_violation__init(&v[i]);
        v[i].field = request_printf(r, "grants[id=%s]", PQgetvalue(res, i, 0));
        v[i].description = request_printf(
            r, "%s overlaps %s's %s grant for %s (%s, version %s) from %s to %s",
            PQgetvalue(res, i, 1), PQgetvalue(res, i, 3),
            PQgetvalue(res, i, 6)[0] == 't' ? "exclusive" : "non-exclusive", PQgetvalue(res, i, 5),
            PQgetvalue(res, i, 7)[0] == 't' ? "all lines" : PQgetvalue(res, i, 8),
            PQgetvalue(res, i, 4), PQgetvalue(res, i, 9),
            PQgetvalue(res, i, 10)[0] ? PQgetvalue(res, i, 10) : "open-ended");
        vp[i] = &v[i];
    }
    char *msg = request_printf(r,
                               "the charter conflicts with %d territory grant%s of other "
                               "distributors",
                               rows, rows == 1 ? "" : "s");
    request_fail_violations(r, LIAISON__V1__CODE__FAILED_PRECONDITION,
                            msg ? msg : "territory conflict", vp, (size_t)rows);
}

static void activate_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const PGresult *conflicts = txn->results[2];
    const PGresult *row = txn->results[5];
    if (PQntuples(row) != 1) {
        request_fail(r, LIAISON__V1__CODE__NOT_FOUND, "no such charter");
        return;
    }
    if (PQntuples(txn->results[4]) == 1) {
        charter_reply(r, txn, 5);
        return;
    }
    if (strcmp(PQgetvalue(row, 0, 3), "draft") != 0) {
        request_fail(r, LIAISON__V1__CODE__FAILED_PRECONDITION, "only a draft can be activated");
        return;
    }
    if (PQntuples(conflicts) > 0) {
        activation_refused(r, conflicts);
        return;
    }
    request_fail(r, LIAISON__V1__CODE__FAILED_PRECONDITION,
                 "a charter needs at least one territory grant");
}

void rpc_activate_charter(struct request *r)
{
    const Liaison__V1__IdRequest *in = (const Liaison__V1__IdRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    char *cid = request_printf(r, "%" PRIu64, in->id);
    int n = credential_txn_begin(r);
    struct db_step *s = r->txn.steps;
    s[n].stmt = &q_activation_lock;
    s[n + 1].stmt = &q_conflicts;
    s[n + 1].values[0] = cid;
    s[n + 2].stmt = &q_supersede;
    s[n + 2].values[0] = cid;
    s[n + 3].stmt = &q_activate;
    s[n + 3].values[0] = cid;
    request_audit_params(r, &s[n + 3], 1);
    charter_read_steps(r, n + 4, cid, "0", "0");
    /* It may wait for another activation's lock: nobody else's statements queue behind it. */
    r->txn.flags = DB_TXN_ALONE;
    request_submit(r, activate_done);
}

/* ---------- reading and history ---------- */

static void get_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    charter_reply(r, txn, 1);
}

void rpc_get_charter(struct request *r)
{
    const Liaison__V1__GetCharterRequest *in = (const Liaison__V1__GetCharterRequest *)r->input;
    if (!request_check_id(r, "distributorId", in->distributor_id))
        return;
    if (in->version > INT32_MAX) {
        request_fail_field(r, "version", "out of range");
        return;
    }
    int n = credential_txn_begin(r);
    charter_read_steps(r, n, "0", request_printf(r, "%" PRIu64, in->distributor_id),
                       request_printf(r, "%u", in->version));
    request_submit(r, get_done);
}

static void version_fill(struct arena *a, const void *res, int i, void *item)
{
    (void)a;
    Liaison__V1__CharterVersion *v = item;
    liaison__v1__charter_version__init(v);
    v->id = strtoull(PQgetvalue(res, i, 0), NULL, 10);
    v->version = (uint32_t)strtoul(PQgetvalue(res, i, 1), NULL, 10);
    v->status = PQgetvalue(res, i, 2);
    v->created_by = PQgetvalue(res, i, 3);
    v->created_at = PQgetvalue(res, i, 4);
    v->activated_by = PQgetvalue(res, i, 5);
    v->activated_at = PQgetvalue(res, i, 6);
}

static void versions_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const Liaison__V1__ListCharterVersionsRequest *in =
        (const Liaison__V1__ListCharterVersionsRequest *)r->input;
    Liaison__V1__ListCharterVersionsResponse out =
        LIAISON__V1__LIST_CHARTER_VERSIONS_RESPONSE__INIT;
    Liaison__V1__PageResponse page;
    if (page_rows(&r->arena, txn->results[txn->nsteps - 1], in->page,
                  sizeof(Liaison__V1__CharterVersion), version_fill, VERSIONS_CURSOR,
                  request_printf(r, "%" PRIu64, in->distributor_id), 0, (void ***)&out.versions,
                  &out.n_versions, &page) < 0) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    out.page = &page;
    request_reply(r, &out.base);
}

void rpc_list_charter_versions(struct request *r)
{
    const Liaison__V1__ListCharterVersionsRequest *in =
        (const Liaison__V1__ListCharterVersionsRequest *)r->input;
    char after[24];
    if (!request_check_id(r, "distributorId", in->distributor_id))
        return;
    char *dist = request_printf(r, "%" PRIu64, in->distributor_id);
    if (page_after_id(in->page, VERSIONS_CURSOR, dist, after, sizeof after) < 0) {
        request_fail_field(r, "page.cursor",
                           "not a cursor from ListCharterVersions for this distributor");
        return;
    }
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s[0].stmt = &q_versions_parent;
    s[0].values[0] = dist;
    s[1].stmt = &q_versions;
    s[1].values[0] = dist;
    s[1].values[1] = arena_strdup(&r->arena, after);
    s[1].values[2] = page_limit_param(&r->arena, in->page);
    r->txn.nsteps = n + 2;
    request_submit(r, versions_done);
}
