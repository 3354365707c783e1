/*
 * rpc_charter.c - charters. Only a draft is ever edited: every edit first
 * checks, locking the charter, that it is a draft of a distributor the
 * caller reaches (liaison_charter_draft, migration 0011), so a refused edit
 * writes nothing; the edit writes its audit row itself, and answers with
 * the whole charter, read after it in the same transaction. The reads
 * give a charter's parts as JSON columns the executor fills the nested
 * messages from.
 *
 * Activation takes a per-tenant advisory lock, so two activations in one
 * tenant run one after the other and the second sees the first's grants:
 * two charters that conflict can never both become active.
 */
#include "rpc_charter.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "credential.h"
#include "exec.h"
#include "geo.h"
#include "log.h"
#include "rpc_report.h"

/*
 * The charter c as clients see it, its parts as JSON arrays of objects keyed
 * by proto field names.
 */
#define CHARTER_COLS                                                                               \
    "c.id, c.distributor_id, c.version, c.status, c.full_coverage,"                                \
    " array_to_json(c.covered_line_ids)::text AS covered_line_ids,"                                \
    " (SELECT json_agg(l.code ORDER BY array_position(c.covered_line_ids, l.id))"                  \
    "  FROM product_lines l WHERE l.tenant_id = c.tenant_id AND l.id = ANY (c.covered_line_ids))"  \
    "  AS covered_line_codes, c.competing_allowed,"                                                \
    " c.report_due_day, array_to_json(c.report_sections)::text AS report_sections,"                \
    " array_to_json(c.signatories)::text AS signatories, c.signed_on::text AS signed_on,"          \
    " c.created_by, liaison_rfc3339(c.created_at) AS created_at, c.activated_by,"                  \
    " liaison_rfc3339(c.activated_at) AS activated_at,"                                            \
    " (SELECT json_agg(json_build_object('id', g.id, 'region', g.region,"                          \
    "   'all_lines', g.all_lines, 'product_line_ids', g.line_ids, 'exclusive', g.exclusive,"       \
    "   'starts_on', g.starts_on::text, 'ends_on', g.ends_on::text, 'product_line_codes',"         \
    "   (SELECT json_agg(l.code ORDER BY array_position(g.line_ids, l.id)) FROM product_lines l"   \
    "    WHERE l.tenant_id = g.tenant_id AND l.id = ANY (g.line_ids))) ORDER BY g.id)"             \
    "  FROM charter_grants g WHERE g.tenant_id = c.tenant_id AND g.charter_id = c.id) AS grants,"  \
    " (SELECT json_agg(json_build_object('id', o.id, 'account_name', o.account_name,"              \
    "   'region', o.region, 'note', o.note) ORDER BY o.id)"                                        \
    "  FROM charter_carve_outs o WHERE o.tenant_id = c.tenant_id AND o.charter_id = c.id)"         \
    "  AS carve_outs,"                                                                             \
    " (SELECT json_agg(json_build_object('id', m.id, 'product_line_id', m.product_line_id,"        \
    "   'moq', m.moq, 'buffer_unit', m.buffer_unit, 'buffer_amount', m.buffer_amount,"             \
    "   'financing', m.financing, 'payment_terms_days', m.payment_terms_days,"                     \
    "   'product_line_code', (SELECT l.code FROM product_lines l"                                  \
    "    WHERE l.tenant_id = m.tenant_id AND l.id = m.product_line_id)) ORDER BY m.id)"            \
    "  FROM charter_commitments m WHERE m.tenant_id = c.tenant_id AND m.charter_id = c.id)"        \
    "  AS commitments,"                                                                            \
    " (SELECT json_agg(json_build_object('id', k.id, 'competitor', k.competitor, 'line', k.line)"  \
    "   ORDER BY k.id)"                                                                            \
    "  FROM charter_competing_lines k WHERE k.tenant_id = c.tenant_id AND k.charter_id = c.id)"    \
    "  AS competing_lines"

/* $1 charter (0: by distributor), $2 distributor, $3 version, as liaison_charter_resolve reads
 * them. */
static struct db_stmt q_charter = {
    "SELECT " CHARTER_COLS " FROM charters c"
    " JOIN distributors d ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id"
    " WHERE c.tenant_id = liaison_tenant()"
    " AND c.id = liaison_charter_resolve($1::bigint, $2::bigint, $3::int)"
    " AND liaison_sees_distributor(d.id, d.account_manager_id) AND liaison_charter_shown(c.status)",
    3, 0};

/*
 * A new draft for distributor $1 with its audit row: a first version, or an
 * amendment that starts as a copy of the active version, parts and all (of
 * the expired one when none is active: the relationship goes on from it).
 */
static struct db_stmt q_draft = {
    "WITH dist AS (SELECT d.tenant_id, d.id FROM distributors d"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint"
    "  AND liaison_sees_distributor(d.id, d.account_manager_id) AND d.status <> 'terminated'),"
    " active AS (SELECT a.* FROM charters a"
    "  JOIN dist ON a.tenant_id = dist.tenant_id AND a.distributor_id = dist.id"
    "  WHERE a.status IN ('active', 'expired') ORDER BY a.version DESC LIMIT 1),"
    " draft AS (INSERT INTO charters (tenant_id, distributor_id, version, full_coverage,"
    "   covered_line_ids, competing_allowed, report_due_day, report_sections, signatories,"
    "   created_by)"
    "  SELECT dist.tenant_id, dist.id, coalesce((SELECT max(x.version) FROM charters x"
    "    WHERE x.tenant_id = dist.tenant_id AND x.distributor_id = dist.id), 0) + 1,"
    "   coalesce(active.full_coverage, true), coalesce(active.covered_line_ids, '{}'),"
    "   coalesce(active.competing_allowed, false), coalesce(active.report_due_day, 10),"
    "   coalesce(active.report_sections, '{sales_by_line,inventory_on_hand,pipeline,"
    "market_intelligence,competitive_activity}'),"
    "   coalesce(active.signatories, '{}'), liaison_request_setting('actor')"
    "  FROM dist LEFT JOIN active ON true"
    "  RETURNING tenant_id, id, liaison_audit(CASE WHEN version = 1 THEN 'charter.draft'"
    "   ELSE 'charter.amend' END, 'charter', id::text)),"
    " grants AS (INSERT INTO charter_grants (tenant_id, charter_id, region, all_lines, line_ids,"
    "   exclusive, starts_on, ends_on)"
    "  SELECT draft.tenant_id, draft.id, g.region, g.all_lines, g.line_ids, g.exclusive,"
    "   g.starts_on, g.ends_on FROM draft, active"
    "  JOIN charter_grants g ON g.tenant_id = active.tenant_id AND g.charter_id = active.id"
    "  ORDER BY g.id),"
    " carve_outs AS (INSERT INTO charter_carve_outs (tenant_id, charter_id, account_name, region,"
    "   note)"
    "  SELECT draft.tenant_id, draft.id, o.account_name, o.region, o.note FROM draft, active"
    "  JOIN charter_carve_outs o ON o.tenant_id = active.tenant_id AND o.charter_id = active.id"
    "  ORDER BY o.id),"
    " commitments AS (INSERT INTO charter_commitments (tenant_id, charter_id, product_line_id,"
    "   moq, buffer_unit, buffer_amount, financing, payment_terms_days)"
    "  SELECT draft.tenant_id, draft.id, m.product_line_id, m.moq, m.buffer_unit,"
    "   m.buffer_amount, m.financing, m.payment_terms_days FROM draft, active"
    "  JOIN charter_commitments m ON m.tenant_id = active.tenant_id AND m.charter_id = active.id"
    "  ORDER BY m.id),"
    " competing AS (INSERT INTO charter_competing_lines (tenant_id, charter_id, competitor, line)"
    "  SELECT draft.tenant_id, draft.id, k.competitor, k.line FROM draft, active"
    "  JOIN charter_competing_lines k ON k.tenant_id = active.tenant_id"
    "   AND k.charter_id = active.id"
    "  ORDER BY k.id)"
    " SELECT liaison_found(count(*) = 1, 'no such distributor (or it is terminated)') AS created"
    " FROM draft",
    1, 0};

/*
 * Distributor $1 has no draft yet, or ALREADY_EXISTS naming the draft's
 * version; and is not terminated, or FAILED_PRECONDITION saying so.
 */
static struct db_stmt q_no_draft = {
    "SELECT liaison_unique(v IS NULL, format('this distributor already has a draft charter"
    " (version %s): edit, activate or discard it', v)),"
    " liaison_precondition(st IS DISTINCT FROM 'terminated', format('%s is terminated: a"
    " terminated distributor gets no new charter', name))"
    " FROM (SELECT (SELECT c.version FROM charters c"
    "  WHERE c.tenant_id = d.tenant_id AND c.distributor_id = d.id AND c.status = 'draft') AS v,"
    "  d.status AS st, d.name FROM distributors d WHERE d.tenant_id = liaison_tenant()"
    "  AND d.id = $1::bigint AND liaison_sees_distributor(d.id, d.account_manager_id)) x",
    1, 0};

/* Charter $1 is a draft the caller may edit (locked until the end), or the edit stops here. */
static struct db_stmt q_edit = {"SELECT liaison_charter_draft($1::bigint)", 1, 0};
/* ... and every id in $2 is a live product line of the tenant, or INVALID_ARGUMENT on field $3. */
static struct db_stmt q_edit_lines = {
    "SELECT liaison_charter_draft($1::bigint), liaison_check((SELECT count(*) FROM product_lines"
    " WHERE tenant_id = liaison_tenant() AND id = ANY ($2::bigint[]) AND retired_at IS NULL)"
    " = cardinality($2::bigint[]), $3,"
    /* A retired line named: "not a live line" told a grant's dates-only update nothing. */
    " coalesce((SELECT format('product line %s is retired: a charter takes live lines only;"
    " leave it out, or reinstate it (product-line reinstate)', string_agg(code, ', '))"
    " FROM product_lines WHERE tenant_id = liaison_tenant() AND id = ANY ($2::bigint[])"
    " AND retired_at IS NOT NULL HAVING count(*) > 0),"
    " 'names a product line that is not a live line of this tenant'))",
    3, 0};
/* ... the same for one line $2, named by commitment.productLineId. */
static struct db_stmt q_edit_line = {
    "SELECT liaison_charter_draft($1::bigint), liaison_check(EXISTS (SELECT 1 FROM product_lines"
    " WHERE tenant_id = liaison_tenant() AND id = $2::bigint AND retired_at IS NULL),"
    " 'commitment.productLineId', 'names a product line that is not a live line of this tenant')",
    2, 0};

/*
 * The edits of a draft that q_edit* checked: $1 is the charter. Each writes
 * one audit row per changed row from its RETURNING list.
 */
/* $2 full, $3 covered, $4 competing, $5 due day, $6 sections, $7 signatories, $8 signed on */
static struct db_stmt q_terms = {
    "UPDATE charters SET full_coverage = $2::boolean, covered_line_ids = $3::bigint[],"
    " competing_allowed = $4::boolean, report_due_day = $5::int, report_sections = $6::text[],"
    " signatories = $7::text[], signed_on = nullif($8, '')::date"
    " WHERE tenant_id = liaison_tenant() AND id = $1::bigint"
    /*
     * A day's grace: it may already be tomorrow where the charter was signed.
     * A date kept as it was (stored before this rule) is not judged again.
     */
    " AND liaison_check(nullif($8, '')::date IS NOT DISTINCT FROM signed_on"
    "  OR coalesce(nullif($8, '')::date <= (liaison_now() AT TIME ZONE 'UTC')::date + 1, true),"
    "  'signedOn', 'may not be a day that has not come yet')"
    " RETURNING id, liaison_audit('charter.terms', 'charter', id::text)",
    8, 0};
/*
 * The grant of charter $1 that says what the one given says ($2 region, $3
 * all lines, $4 lines in any order, $5 exclusive, $6 starts, $7 ends): a
 * grant given twice (a command run again) would be listed and checked
 * twice. Its one row's dup is NULL when there is none.
 */
#define SAME_GRANT                                                                                 \
    "SELECT min(g.id) AS dup FROM charter_grants g"                                                \
    " WHERE g.tenant_id = liaison_tenant() AND g.charter_id = $1::bigint AND g.region = $2::text"  \
    " AND g.all_lines = $3::boolean AND g.exclusive = $5::boolean AND g.starts_on = $6::date"      \
    " AND g.ends_on IS NOT DISTINCT FROM nullif($7::text, '')::date"                               \
    " AND ARRAY(SELECT DISTINCT x FROM unnest(g.line_ids) x ORDER BY 1)"                           \
    "  = ARRAY(SELECT DISTINCT x FROM unnest($4::bigint[]) x ORDER BY 1)"
#define SAME_GRANT_REFUSED                                                                         \
    "liaison_unique(same.dup IS NULL, format('grant %s of this charter already says the same',"    \
    " same.dup))"
/*
 * An amendment copies the grants under ids of its own: the id of the active
 * version's grant, which 'charter show' gives by default, is not the draft's.
 */
#define NO_SUCH_GRANT                                                                              \
    "'no such grant in this version of the charter: an amendment''s draft holds copies of the"     \
    " grants under new ids'"
/* $2 region, $3 all lines, $4 lines, $5 exclusive, $6 starts, $7 ends ('': open-ended) */
static struct db_stmt q_grant_add = {
    "WITH same AS (" SAME_GRANT ")"
    " INSERT INTO charter_grants (tenant_id, charter_id, region, all_lines, line_ids, exclusive,"
    " starts_on, ends_on) SELECT liaison_tenant(), $1::bigint, $2, $3::boolean, $4::bigint[],"
    " $5::boolean, $6::date, nullif($7, '')::date FROM same WHERE " SAME_GRANT_REFUSED
    " RETURNING id, liaison_audit('charter.grant.add', 'charter', charter_id || '/grant/' || id)",
    7, 0};
/*
 * $2 to $7 as for an add, $8 the grant. A grant that does not exist repeats
 * nothing: it is NOT_FOUND, whatever it would have said.
 */
static struct db_stmt q_grant_update = {
    "WITH same AS (" SAME_GRANT " AND g.id <> $8::bigint AND EXISTS (SELECT 1 FROM charter_grants o"
    "  WHERE o.tenant_id = liaison_tenant() AND o.charter_id = $1::bigint AND o.id = $8::bigint)),"
    " m AS (UPDATE charter_grants SET region = $2, all_lines = $3::boolean,"
    "  line_ids = $4::bigint[], exclusive = $5::boolean, starts_on = $6::date,"
    "  ends_on = nullif($7, '')::date FROM same"
    "  WHERE tenant_id = liaison_tenant() AND charter_id = $1::bigint AND id = $8::bigint"
    "  AND " SAME_GRANT_REFUSED
    "  RETURNING liaison_audit('charter.grant.update', 'charter', charter_id || '/grant/' || id))"
    " SELECT liaison_found(count(*) = 1, " NO_SUCH_GRANT ") AS updated FROM m",
    8, 0};
/* $2 grant */
static struct db_stmt q_grant_remove = {
    "WITH m AS (DELETE FROM charter_grants WHERE tenant_id = liaison_tenant()"
    "  AND charter_id = $1::bigint AND id = $2::bigint"
    "  RETURNING liaison_audit('charter.grant.remove', 'charter',"
    "   charter_id || '/grant/' || id))"
    " SELECT liaison_found(count(*) = 1, " NO_SUCH_GRANT ") AS removed FROM m",
    2, 0};
/*
 * A carve-out, commitment or competing line added by mistake (a typo in an
 * account's name) stayed in every later version, which copies the parts.
 */
#define ITEM_REMOVE(table, what, noun)                                                             \
    "WITH m AS (DELETE FROM " table " WHERE tenant_id = liaison_tenant()"                          \
    "  AND charter_id = $1::bigint AND id = $2::bigint"                                            \
    "  RETURNING liaison_audit('charter." what ".remove', 'charter',"                              \
    "   charter_id || '/" what "/' || id))"                                                        \
    " SELECT liaison_found(count(*) = 1, 'no such " noun " in this version of the charter')"       \
    " AS removed FROM m"
static struct db_stmt q_carve_out_remove = {
    ITEM_REMOVE("charter_carve_outs", "carve_out", "carve-out"), 2, 0};
static struct db_stmt q_commitment_remove = {
    ITEM_REMOVE("charter_commitments", "commitment", "commitment"), 2, 0};
static struct db_stmt q_competing_remove = {
    ITEM_REMOVE("charter_competing_lines", "competing_line", "competing line"), 2, 0};
/*
 * A draft given up (a version started by mistake blocks every other draft of
 * the distributor), parts and all; the answer is the draft as it was.
 */
static struct db_stmt q_discard = {
    "WITH m AS (DELETE FROM charters WHERE tenant_id = liaison_tenant() AND id = $1::bigint"
    "  AND status = 'draft' RETURNING id, liaison_audit('charter.discard', 'charter', id::text))"
    " SELECT " CHARTER_COLS " FROM charters c JOIN m ON m.id = c.id"
    " WHERE c.tenant_id = liaison_tenant()",
    1, 0};
/*
 * $2 account, $3 region, $4 note. The same account in the same region twice
 * (a command run again) would stay in the charter as two carve-outs. Same
 * means the loose key that decides whether an account is carved out
 * (liaison_account_carved_out): "Cà phê Sài Gòn" beside "CaPhe SaiGon JSC"
 * carves out nothing more, and read as two customers (a try-out); nor does
 * one in VN-39 beside one in VN, or anywhere beside one everywhere ('').
 */
static struct db_stmt q_carve_out_add = {
    "INSERT INTO charter_carve_outs (tenant_id, charter_id, account_name, region, note)"
    " SELECT liaison_tenant(), $1::bigint, $2, $3, $4"
    " FROM (SELECT (SELECT format('this charter already carves out that account %s, as \"%s\"%s',"
    "  CASE WHEN o.region = $3 THEN 'in that region' WHEN o.region = '' THEN 'everywhere'"
    "  WHEN $3 = '' OR liaison_region_contains($3, o.region) THEN 'in ' || o.region"
    "  ELSE 'in ' || o.region || ', which holds ' || $3 END, o.account_name,"
    /* A wider one beside it would leave two: it is widened by replacing it (a try-out). */
    "  CASE WHEN o.region NOT IN ($3, '') AND ($3 = '' OR liaison_region_contains($3, o.region))"
    "  THEN format(': to carve it out %s instead, remove that one (carve-out %s) first',"
    "  CASE WHEN $3 = '' THEN 'everywhere' ELSE 'in ' || $3 END, o.id) ELSE '' END)"
    "  FROM charter_carve_outs o"
    "  WHERE o.tenant_id = liaison_tenant() AND o.charter_id = $1::bigint"
    "  AND (o.region IN ($3, '') OR $3 <> '' AND liaison_region_contains(o.region, $3)"
    "  OR $3 = '' OR liaison_region_contains($3, o.region))"
    "  AND liaison_name_loose(o.account_name) = liaison_name_loose($2)"
    "  ORDER BY o.region = $3 DESC, o.id LIMIT 1) AS message) same"
    /* Only legal forms ("JSC", "Co., Ltd."): with a word after them, only the word stays. */
    " WHERE liaison_check(liaison_name_loose($2 || ' x') <> 'x', 'carveOut.accountName',"
    "  format('''%s'' is only a legal form: give the account''s name with it, as in ''Công ty"
    " TNHH Minh Phát''', $2))"
    " AND liaison_unique(same.message IS NULL, same.message)"
    " RETURNING id,"
    " liaison_audit('charter.carve_out.add', 'charter', charter_id || '/carve_out/' || id)",
    4, 0};
/* $2 line, $3 moq, $4 buffer unit, $5 buffer amount, $6 financing, $7 payment terms */
static struct db_stmt q_commitment_set = {
    "INSERT INTO charter_commitments (tenant_id, charter_id, product_line_id, moq, buffer_unit,"
    " buffer_amount, financing, payment_terms_days)"
    " VALUES (liaison_tenant(), $1::bigint, $2::bigint, $3::int, $4, $5::int, $6, $7::int)"
    " ON CONFLICT (tenant_id, charter_id, product_line_id) DO UPDATE SET moq = EXCLUDED.moq,"
    " buffer_unit = EXCLUDED.buffer_unit, buffer_amount = EXCLUDED.buffer_amount,"
    " financing = EXCLUDED.financing, payment_terms_days = EXCLUDED.payment_terms_days"
    " RETURNING id,"
    " liaison_audit('charter.commitment.set', 'charter', charter_id || '/commitment/' || id)",
    7, 0};
/* $2 competitor, $3 line. The one declared already is named as it was written (not as typed). */
static struct db_stmt q_competing_add = {
    "WITH same AS (SELECT min(k.id) AS dup, (array_agg(k.competitor ORDER BY k.id))[1] AS was_c,"
    "  (array_agg(k.line ORDER BY k.id))[1] AS was_l FROM charter_competing_lines k"
    "  WHERE k.tenant_id = liaison_tenant() AND k.charter_id = $1::bigint"
    "  AND lower(k.competitor) = lower($2::text) AND lower(k.line) = lower($3::text))"
    " INSERT INTO charter_competing_lines (tenant_id, charter_id, competitor, line)"
    " SELECT liaison_tenant(), $1::bigint, $2, $3 FROM same"
    " WHERE liaison_unique(same.dup IS NULL, format("
    "  'this charter already declares %s''s line %s (competing line %s)', same.was_c,"
    "  same.was_l, same.dup))"
    " RETURNING id, liaison_audit("
    "'charter.competing_line.add', 'charter', charter_id || '/competing_line/' || id)",
    3, 0};

/* ---- the territory rule and activation ---- */

/* Charter $1 is one the caller reaches, or NOT_FOUND. */
static struct db_stmt q_charter_found = {
    "SELECT liaison_found(EXISTS (SELECT 1 FROM charters c"
    " JOIN distributors d ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id"
    " WHERE c.tenant_id = liaison_tenant() AND c.id = $1::bigint"
    " AND liaison_sees_distributor(d.id, d.account_manager_id)), 'no such charter')",
    1, 0};
/* Every grant of charter $1 that the territory rule forbids, as one JSON array. */
static struct db_stmt q_conflicts = {
    /* Each of the charter's checks once: the refusals are made of the warnings and reasons. */
    "WITH w AS (SELECT w FROM liaison_charter_warnings($1::bigint) w),"
    " e AS (SELECT liaison_charter_ended_why($1::bigint) AS why),"
    " rt AS (SELECT liaison_charter_retired_why($1::bigint) AS why)"
    " SELECT (SELECT json_agg(k) FROM liaison_charter_conflicts($1::bigint) k) AS conflicts,"
    " (SELECT array_to_json(array_agg(w.w)) FROM w)::text AS warnings, e.why AS _ended,"
    " rt.why AS _retired,"
    /*
     * What activation refuses on besides conflicts: the warnings of no grant and of 0202's ended
     * grants (check said exit 0), and a retired line (0296), a draft's only.
     */
    " (SELECT array_to_json(array_agg(x.w)) FROM (SELECT w.w FROM w"
    "  WHERE w.w LIKE 'no territory grant yet:%' OR w.w = e.why"
    "  UNION ALL SELECT rt.why FROM charters c WHERE c.tenant_id = liaison_tenant()"
    "  AND c.id = $1::bigint AND c.status = 'draft' AND rt.why IS NOT NULL) x)::text AS refusals"
    " FROM e, rt",
    1, 0};
static struct db_stmt q_activation_lock = {
    "SELECT pg_advisory_xact_lock(hashtextextended('liaison.charter.activation:' ||"
    " liaison_tenant(), 0))",
    0, 0};
/*
 * Charter $1, locked after the activation lock: an edit still under way
 * (liaison_charter_draft locks it too) ends first, so the statements after
 * this one see its grants.
 */
static struct db_stmt q_activation_row = {
    "SELECT id FROM charters WHERE tenant_id = liaison_tenant() AND id = $1::bigint FOR UPDATE", 1,
    0};
/* $1 charter: its distributor's active version gives way, when $1 can be activated. */
static struct db_stmt q_supersede = {
    "UPDATE charters o SET status = 'superseded' FROM charters c"
    " JOIN distributors d ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id"
    " WHERE c.tenant_id = liaison_tenant() AND c.id = $1::bigint AND c.status = 'draft'"
    " AND liaison_sees_distributor(d.id, d.account_manager_id)"
    " AND o.tenant_id = c.tenant_id AND o.distributor_id = c.distributor_id"
    " AND o.status = 'active' AND NOT EXISTS (SELECT 1 FROM liaison_charter_conflicts(c.id))"
    " AND EXISTS (SELECT 1 FROM charter_grants g WHERE g.tenant_id = c.tenant_id"
    " AND g.charter_id = c.id) AND liaison_charter_ended_why(c.id) IS NULL"
    " AND liaison_charter_retired_why(c.id) IS NULL",
    1, 0};
/*
 * $1 charter, activated when it is a draft without conflicts, with a grant not all ended, and
 * naming no retired line (0296)
 */
static struct db_stmt q_activate = {
    "UPDATE charters c SET status = 'active', activated_by = liaison_request_setting('actor'),"
    " activated_at = liaison_now() FROM distributors d"
    " WHERE d.tenant_id = c.tenant_id AND d.id = c.distributor_id"
    " AND c.tenant_id = liaison_tenant() AND c.id = $1::bigint AND c.status = 'draft'"
    " AND liaison_sees_distributor(d.id, d.account_manager_id)"
    " AND NOT EXISTS (SELECT 1 FROM liaison_charter_conflicts(c.id))"
    " AND EXISTS (SELECT 1 FROM charter_grants g WHERE g.tenant_id = c.tenant_id"
    " AND g.charter_id = c.id) AND liaison_charter_ended_why(c.id) IS NULL"
    " AND liaison_charter_retired_why(c.id) IS NULL"
    " RETURNING c.id AS _id, liaison_audit('charter.activate', 'charter', c.id::text) AS _audit,"
    /* A first activation starts onboarding and plans the cadence (0016); what it did, said
     * (0193). */
    " liaison_charter_activated(c.distributor_id) AS notes",
    1, 0};

/* ---- history ---- */

/* The distributor a list is filtered by is one the caller reaches, or NOT_FOUND. */
static struct db_stmt q_versions_parent = {
    "SELECT liaison_found(EXISTS (SELECT 1 FROM distributors d WHERE d.tenant_id = liaison_tenant()"
    " AND d.id = $1::bigint AND liaison_sees_distributor(d.id, d.account_manager_id)),"
    " 'no such distributor')",
    1, 0};
/*
 * $1 distributor, $2 after, $3 limit. A version ended when the next one was
 * activated, when its grants ended (the expiry job's instant, 0069) or when
 * its distributor was terminated (that audit row's time).
 */
static struct db_stmt q_versions = {
    "SELECT c.id, c.version, c.status, c.created_by, liaison_rfc3339(c.created_at) AS created_at,"
    " c.activated_by, liaison_rfc3339(c.activated_at) AS activated_at,"
    " liaison_rfc3339(CASE WHEN c.activated_at IS NULL THEN NULL"
    "  WHEN c.status = 'superseded' THEN (SELECT min(n.activated_at) FROM charters n"
    "   WHERE n.tenant_id = c.tenant_id AND n.distributor_id = c.distributor_id"
    "   AND n.version > c.version AND n.activated_at IS NOT NULL)"
    "  WHEN c.status = 'expired' THEN liaison_charter_ends_at(c.id)"
    "  WHEN c.status = 'terminated' THEN (SELECT max(a.at) FROM audit_log a"
    "   WHERE a.tenant_id = c.tenant_id AND a.entity = 'charter' AND a.entity_id = c.id::text"
    "   AND a.action = 'charter.terminate') END) AS ended_at FROM charters c"
    " JOIN distributors d ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id"
    " WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = $1::bigint"
    " AND liaison_sees_distributor(d.id, d.account_manager_id) AND liaison_charter_shown(c.status)"
    " AND c.id > $2::bigint ORDER BY c.id LIMIT $3::int",
    3, 0};

/* ---- the declarations ---- */

#define EDITED_CHARTER                                                                             \
    {                                                                                              \
        &q_charter,                                                                                \
        {                                                                                          \
            "charter_id", "=0", "=0"                                                               \
        }                                                                                          \
    }
#define INVALID_EDIT "a value breaks the charter's rules"

static struct exec_decl d_draft = {
    .method = "CreateCharterDraft",
    .check = {&q_no_draft, {"distributor_id"}},
    .query = {&q_draft, {"distributor_id"}},
    .reply = {&q_charter, {"=0", "distributor_id", "=-1"}},
    .out = "charter",
    .not_found = "no such charter",
    .exists = "this distributor already has a draft charter: edit, activate or discard it"};
static struct exec_decl d_terms = {
    .method = "SetCharterTerms",
    .check = {&q_edit_lines, {"charter_id", "covered_line_ids", "=coveredLineIds"}},
    .query = {&q_terms,
              {"charter_id", "full_coverage", "covered_line_ids", "competing_allowed",
               "report_due_day", "report_sections", "signatories", "signed_on"}},
    .reply = EDITED_CHARTER,
    .out = "charter",
    .not_found = "no such charter",
    .invalid = INVALID_EDIT};
static struct exec_decl d_grant_add = {
    .method = "AddCharterGrant",
    .check = {&q_edit_lines, {"charter_id", "grant.product_line_ids", "=grant.productLineIds"}},
    .query = {&q_grant_add,
              {"charter_id", "grant.region", "grant.all_lines", "grant.product_line_ids",
               "grant.exclusive", "grant.starts_on", "grant.ends_on"}},
    .reply = EDITED_CHARTER,
    .out = "charter",
    .not_found = "no such charter",
    .invalid = INVALID_EDIT};
static struct exec_decl d_grant_update = {
    .method = "UpdateCharterGrant",
    .check = {&q_edit_lines, {"charter_id", "grant.product_line_ids", "=grant.productLineIds"}},
    .query = {&q_grant_update,
              {"charter_id", "grant.region", "grant.all_lines", "grant.product_line_ids",
               "grant.exclusive", "grant.starts_on", "grant.ends_on", "item_id"}},
    .reply = EDITED_CHARTER,
    .out = "charter",
    .not_found = "no such charter",
    .invalid = INVALID_EDIT};
static struct exec_decl d_grant_remove = {.method = "RemoveCharterGrant",
                                          .check = {&q_edit, {"charter_id"}},
                                          .query = {&q_grant_remove, {"charter_id", "item_id"}},
                                          .reply = EDITED_CHARTER,
                                          .out = "charter",
                                          .not_found = "no such charter",
                                          .invalid = INVALID_EDIT};
#define D_ITEM_REMOVE(name, stmt)                                                                  \
    {                                                                                              \
        .method = name, .check = {&q_edit, {"charter_id"}},                                        \
        .query = {&stmt, {"charter_id", "item_id"}}, .reply = EDITED_CHARTER, .out = "charter",    \
        .not_found = "no such charter", .invalid = INVALID_EDIT                                    \
    }
static struct exec_decl d_carve_out_remove = D_ITEM_REMOVE("RemoveCarveOut", q_carve_out_remove);
static struct exec_decl d_commitment_remove =
    D_ITEM_REMOVE("RemoveCommitment", q_commitment_remove);
static struct exec_decl d_competing_remove =
    D_ITEM_REMOVE("RemoveCompetingLine", q_competing_remove);
static struct exec_decl d_discard = {.method = "DiscardCharterDraft",
                                     .check = {&q_edit, {"id"}},
                                     .query = {&q_discard, {"id"}},
                                     .out = "charter",
                                     .not_found = "no such charter"};
static struct exec_decl d_carve_out_add = {
    .method = "AddCarveOut",
    .check = {&q_edit, {"charter_id"}},
    .query = {&q_carve_out_add,
              {"charter_id", "carve_out.account_name", "carve_out.region", "carve_out.note"}},
    .reply = EDITED_CHARTER,
    .out = "charter",
    .not_found = "no such charter",
    .invalid = INVALID_EDIT};
static struct exec_decl d_commitment_set = {
    .method = "SetCommitment",
    .check = {&q_edit_line, {"charter_id", "commitment.product_line_id"}},
    .query = {&q_commitment_set,
              {"charter_id", "commitment.product_line_id", "commitment.moq",
               "commitment.buffer_unit", "commitment.buffer_amount", "commitment.financing",
               "commitment.payment_terms_days"}},
    .reply = EDITED_CHARTER,
    .out = "charter",
    .not_found = "no such charter",
    .invalid = INVALID_EDIT};
static struct exec_decl d_competing_add = {
    .method = "DeclareCompetingLine",
    .check = {&q_edit, {"charter_id"}},
    .query = {&q_competing_add, {"charter_id", "competing_line.competitor", "competing_line.line"}},
    .reply = EDITED_CHARTER,
    .out = "charter",
    .not_found = "no such charter",
    .invalid = INVALID_EDIT};
/* The response itself (no out) takes the row: its one column is the conflicts. */
static struct exec_decl d_check = {.method = "CheckCharter",
                                   .check = {&q_charter_found, {"id"}},
                                   .query = {&q_conflicts, {"id"}},
                                   .not_found = "no such charter"};
/* An unknown distributor is said as such, not as a distributor without a charter. */
static struct exec_decl d_get = {.method = "GetCharter",
                                 .check = {&q_versions_parent, {"distributor_id"}},
                                 .query = {&q_charter, {"=0", "distributor_id", "version"}},
                                 .out = "charter",
                                 .not_found = "no such charter"};
static struct exec_decl d_versions = {
    .method = "ListCharterVersions",
    .check = {&q_versions_parent, {"distributor_id"}},
    .query = {&q_versions, {"distributor_id", "@after", "@limit"}},
    .shape = EXEC_PAGE,
    .out = "versions",
    .cursor = "chv",
    .filters = {"distributor_id"}};

int rpc_charter_register(void)
{
    struct exec_decl *const decls[] = {&d_draft,
                                       &d_terms,
                                       &d_grant_add,
                                       &d_grant_update,
                                       &d_grant_remove,
                                       &d_carve_out_add,
                                       &d_commitment_set,
                                       &d_competing_add,
                                       &d_check,
                                       &d_get,
                                       &d_versions,
                                       &d_carve_out_remove,
                                       &d_commitment_remove,
                                       &d_competing_remove,
                                       &d_discard};
    char err[256];
    if (exec_register(decls, (int)(sizeof decls / sizeof decls[0]), err, sizeof err) < 0) {
        log_event(LOG_ERROR, "charter RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    /* ActivateCharter's own; it shares q_charter and q_conflicts with the declarations. */
    struct db_stmt *const stmts[] = {&q_activation_lock, &q_activation_row, &q_supersede,
                                     &q_activate};
    return db_register(stmts, (int)(sizeof stmts / sizeof stmts[0]));
}

/* Whether s is shaped YYYY-MM-DD with a year of 1900 to 2999; its parts in y, m and d. */
static bool date_shaped(const char *s, int *y, int *m, int *d)
{
    char tail;
    /* Digits where digits belong: sscanf alone takes " 1" or "+1" for a month. */
    if (strlen(s) != 10 || strspn(s, "0123456789") != 4 || s[4] != '-' ||
        strspn(s + 5, "0123456789") != 2 || s[7] != '-' || strspn(s + 8, "0123456789") != 2 ||
        sscanf(s, "%4d-%2d-%2d%c", y, m, d, &tail) != 3)
        return false;
    /*
     * Past 2999 nothing a date schedules can be written out any more: a cadence
     * runs 12 months past its charter's start, and the calendar export
     * (libical writes any time past the year 3000 as 00000000T000000, a
     * calendar that programs refuse whole) and RFC 3339 (four digits of year:
     * a meeting on 9999-12-31 ended in "10000-01-01") have no room for it.
     */
    return *y >= 1900 && *y <= 2999;
}

bool charter_date_ok(const char *s)
{
    int y, m, d;
    return date_shaped(s, &y, &m, &d) && request_calendar_day(y, m, d);
}

const char *charter_day_lacking(struct request *r, const char *s)
{
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    int y, m, d;
    if (!date_shaped(s, &y, &m, &d) || request_calendar_day(y, m, d))
        return NULL;
    /* "a date as YYYY-MM-DD" left people looking for a typo in 2026-02-30 (a try-out). */
    const char *why;
    if (m < 1 || m > 12) {
        why = request_printf(r, "'%s' is no such day: a year has months 01 to 12", s);
    } else {
        int n = 31;
        while (n > 28 && !request_calendar_day(y, m, n))
            n--;
        why = request_printf(r, "'%s' is no such day: %s %d has %d days", s, months[m - 1], y, n);
    }
    return why ? why : "no such day";
}

const char *charter_date_why(struct request *r, const char *s)
{
    const char *why = charter_day_lacking(r, s);
    return why ? why : "a date as YYYY-MM-DD, 1900 to 2999";
}

/* ---------- drafts and their edits ---------- */

void rpc_create_charter_draft(struct request *r)
{
    const Liaison__V1__CreateCharterDraftRequest *in =
        (const Liaison__V1__CreateCharterDraftRequest *)r->input;
    if (request_check_id(r, "distributorId", in->distributor_id))
        exec_run(r, &d_draft);
}

/*
 * s without the spaces and tabs about it, in place: a list typed "田中 一郎, 鈴木 花子" and
 * split at its commas kept " 鈴木 花子", shown so and not found the same as "鈴木 花子".
 */
static char *charter_trimmed(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
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
    if (!request_check_once(r, "coveredLineIds", in->covered_line_ids, in->n_covered_line_ids))
        return;
    if (in->signed_on[0] && !charter_date_ok(in->signed_on)) {
        request_fail_field(r, "signedOn", charter_date_why(r, in->signed_on));
        return;
    }
    if (!report_sections_ok(r, "reportSections", in->report_sections, in->n_report_sections))
        return;
    for (size_t i = 0; i < in->n_signatories; i++) {
        const char *f = request_printf(r, "signatories[%zu]", i);
        if (!f) {
            request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
            return;
        }
        in->signatories[i] = charter_trimmed(in->signatories[i]);
        if (!request_check_text(r, f, in->signatories[i], 200, true) ||
            !request_check_one_line(r, f, in->signatories[i]))
            return;
        for (size_t j = 0; j < i; j++) {
            if (!strcasecmp(in->signatories[j], in->signatories[i])) {
                request_fail_field(r, f, "each signatory once");
                return;
            }
        }
    }
    if (request_check_id(r, "charterId", in->charter_id))
        exec_run(r, &d_terms);
}

/* Checks a grant of an add or an update; on failure answers and returns false. */
static bool grant_ok(struct request *r, const Liaison__V1__CharterGrant *g)
{
    if (!g) {
        request_fail_field(r, "grant", "required");
        return false;
    }
    geo_upcase(g->region);
    if (!geo_region(g->region)) {
        request_fail_field(r, "grant.region",
                           "not an ISO 3166-1 country or ISO 3166-2 subdivision code");
        return false;
    }
    if (g->all_lines == (g->n_product_line_ids > 0)) {
        request_fail_field(r, "grant.productLineIds",
                           "a grant covers all lines, or lists at least one (not both)");
        return false;
    }
    if (!request_check_once(r, "grant.productLineIds", g->product_line_ids, g->n_product_line_ids))
        return false;
    if (!charter_date_ok(g->starts_on)) {
        request_fail_field(r, "grant.startsOn", charter_date_why(r, g->starts_on));
        return false;
    }
    if (g->ends_on[0] && !charter_date_ok(g->ends_on)) {
        const char *why = charter_day_lacking(r, g->ends_on);
        request_fail_field(r, "grant.endsOn",
                           why ? why
                               : "a date as YYYY-MM-DD (1900 to 2999), or empty for open-ended");
        return false;
    }
    if (g->ends_on[0] && strcmp(g->ends_on, g->starts_on) < 0) {
        /* Both days said: "before the start" named neither (a try-out). Both are 10 bytes. */
        char why[64];
        snprintf(why, sizeof why, "%s is before the first day, %s", g->ends_on, g->starts_on);
        request_fail_field(r, "grant.endsOn", why);
        return false;
    }
    return true;
}

void rpc_add_charter_grant(struct request *r)
{
    const Liaison__V1__AddCharterGrantRequest *in =
        (const Liaison__V1__AddCharterGrantRequest *)r->input;
    if (grant_ok(r, in->grant) && request_check_id(r, "charterId", in->charter_id))
        exec_run(r, &d_grant_add);
}

void rpc_update_charter_grant(struct request *r)
{
    const Liaison__V1__UpdateCharterGrantRequest *in =
        (const Liaison__V1__UpdateCharterGrantRequest *)r->input;
    if (grant_ok(r, in->grant) && request_check_id(r, "itemId", in->item_id) &&
        request_check_id(r, "charterId", in->charter_id))
        exec_run(r, &d_grant_update);
}

/* The remove RPCs' one shape: a charter and one of its items. */
static void item_remove(struct request *r, struct exec_decl *d)
{
    const Liaison__V1__CharterItemRequest *in = (const Liaison__V1__CharterItemRequest *)r->input;
    if (request_check_id(r, "itemId", in->item_id) &&
        request_check_id(r, "charterId", in->charter_id))
        exec_run(r, d);
}

void rpc_remove_carve_out(struct request *r)
{
    item_remove(r, &d_carve_out_remove);
}

void rpc_remove_commitment(struct request *r)
{
    item_remove(r, &d_commitment_remove);
}

void rpc_remove_competing_line(struct request *r)
{
    item_remove(r, &d_competing_remove);
}

void rpc_discard_charter_draft(struct request *r)
{
    const Liaison__V1__IdRequest *in = (const Liaison__V1__IdRequest *)r->input;
    if (request_check_id(r, "id", in->id))
        exec_run(r, &d_discard);
}

void rpc_remove_charter_grant(struct request *r)
{
    item_remove(r, &d_grant_remove);
}

void rpc_add_carve_out(struct request *r)
{
    const Liaison__V1__AddCarveOutRequest *in = (const Liaison__V1__AddCarveOutRequest *)r->input;
    const Liaison__V1__CarveOut *o = in->carve_out;
    if (!o) {
        request_fail_field(r, "carveOut", "required");
        return;
    }
    if (!request_check_text(r, "carveOut.accountName", o->account_name, 200, true) ||
        !request_check_one_line(r, "carveOut.accountName", o->account_name) ||
        !request_check_one_script(r, "carveOut.accountName", o->account_name))
        return;
    geo_upcase(o->region);
    if (o->region[0] && !geo_region(o->region)) {
        request_fail_field(r, "carveOut.region",
                           "not an ISO 3166-1 country or ISO 3166-2 subdivision code");
        return;
    }
    if (strlen(o->note) > 1000) {
        request_fail_field(r, "carveOut.note", "at most 1000 bytes");
        return;
    }
    if (request_check_id(r, "charterId", in->charter_id))
        exec_run(r, &d_carve_out_add);
}

void rpc_set_commitment(struct request *r)
{
    const Liaison__V1__SetCommitmentRequest *in =
        (const Liaison__V1__SetCommitmentRequest *)r->input;
    const Liaison__V1__InventoryCommitment *m = in->commitment;
    if (!request_check_id(r, "commitment.productLineId", m ? m->product_line_id : 0))
        return;
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
    /* Two years of cover is already more stock than a distributor holds; more is a slip. */
    if (!strcmp(m->buffer_unit, "weeks") && m->buffer_amount > 104) {
        request_fail_field(r, "commitment.bufferAmount",
                           "0 to 104 weeks of cover (two years); count a larger buffer in "
                           "units");
        return;
    }
    if (m->payment_terms_days > 365) {
        request_fail_field(r, "commitment.paymentTermsDays", "0 to 365");
        return;
    }
    if (request_check_id(r, "charterId", in->charter_id))
        exec_run(r, &d_commitment_set);
}

void rpc_declare_competing_line(struct request *r)
{
    const Liaison__V1__DeclareCompetingLineRequest *in =
        (const Liaison__V1__DeclareCompetingLineRequest *)r->input;
    const Liaison__V1__CompetingLine *k = in->competing_line;
    if (!k) {
        request_fail_field(r, "competingLine", "required");
        return;
    }
    if (!request_check_text(r, "competingLine.competitor", k->competitor, 200, true) ||
        !request_check_one_line(r, "competingLine.competitor", k->competitor) ||
        !request_check_text(r, "competingLine.line", k->line, 200, true) ||
        !request_check_one_line(r, "competingLine.line", k->line))
        return;
    if (request_check_id(r, "charterId", in->charter_id))
        exec_run(r, &d_competing_add);
}

/* ---------- the territory check and activation ---------- */

void rpc_check_charter(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_check);
}

/* Where an activation's statements are in its transaction. */
struct activation {
    int conflicts, activate, charter;
};

/* Refuses activation with one violation per conflict, every one listed. */
static void activation_refused(struct request *r, const Liaison__V1__CheckCharterResponse *found)
{
    size_t n = found->n_conflicts;
    Liaison__V1__FieldViolation *v = arena_alloc(&r->arena, sizeof *v * n);
    Liaison__V1__FieldViolation **vp = arena_alloc(&r->arena, sizeof *vp * n);
    if (!v || !vp) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const Liaison__V1__CharterConflict *k = found->conflicts[i];
        liaison__v1__field_violation__init(&v[i]);
        v[i].field = request_printf(r, "grants[id=%" PRIu64 "]", k->grant_id);
        v[i].description = request_printf(
            r, "%s overlaps %s's %s grant for %s (%s, version %u) from %s to %s", k->region,
            k->other_distributor, k->other_exclusive ? "exclusive" : "non-exclusive",
            k->other_region, k->other_all_lines ? "all lines" : k->other_lines, k->other_version,
            k->other_starts_on, k->other_ends_on[0] ? k->other_ends_on : "open-ended");
        vp[i] = &v[i];
    }
    char *msg = request_printf(r,
                               "the charter conflicts with %zu territory grant%s of other "
                               "distributors",
                               n, n == 1 ? "" : "s");
    request_fail_violations(r, LIAISON__V1__CODE__FAILED_PRECONDITION,
                            msg ? msg : "territory conflict", vp, n);
}

/* The reason a draft names a retired line (0296), or NULL. */
static const char *retired_why(const struct db_txn *txn, const struct activation *at)
{
    const PGresult *res = txn->results[at->conflicts];
    int col = PQfnumber(res, "_retired");
    return col >= 0 && PQntuples(res) == 1 && !PQgetisnull(res, 0, col) ? PQgetvalue(res, 0, col)
                                                                        : NULL;
}

static void activate_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    const struct activation *at = r->state;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const PGresult *row = txn->results[at->charter];
    if (PQntuples(row) != 1) {
        request_fail(r, LIAISON__V1__CODE__NOT_FOUND, "no such charter");
        return;
    }
    Liaison__V1__Charter charter = LIAISON__V1__CHARTER__INIT;
    Liaison__V1__CheckCharterResponse found = LIAISON__V1__CHECK_CHARTER_RESPONSE__INIT;
    Liaison__V1__CharterResponse out = LIAISON__V1__CHARTER_RESPONSE__INIT;
    bool activated = PQntuples(txn->results[at->activate]) == 1;
    char err[256];
    if (exec_fill(&r->arena, row, 0, &charter.base, err, sizeof err) < 0 ||
        exec_fill(&r->arena, txn->results[at->conflicts], 0, &found.base, err, sizeof err) < 0 ||
        (activated &&
         exec_fill(&r->arena, txn->results[at->activate], 0, &out.base, err, sizeof err) < 0)) {
        if (r->arena.failed) {
            request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
            return;
        }
        log_event(LOG_ERROR, "an activation's rows do not fit", "reason=\"%s\"", err);
        request_fail(r, LIAISON__V1__CODE__INTERNAL, "internal error");
        return;
    }
    if (activated) {
        out.charter = &charter;
        /* Activation goes ahead on warnings; whoever activates still hears them once. */
        out.n_warnings = found.n_warnings;
        out.warnings = found.warnings;
        request_reply(r, &out.base);
    } else if (!strcmp(charter.status, "active")) {
        /*
         * Most often two people activated the same draft at once and the
         * other one won: say so, and that nothing is left to do.
         */
        const char *msg = request_printf(
            r,
            "version %u of this charter is already active (activated by %s at %s): "
            "nothing to do; to change it, amend it (a new draft)",
            charter.version,
            charter.activated_by && charter.activated_by[0] ? charter.activated_by : "someone",
            charter.activated_at && charter.activated_at[0] ? charter.activated_at
                                                            : "an earlier time");
        request_fail(r, LIAISON__V1__CODE__FAILED_PRECONDITION,
                     msg ? msg : "this charter is already active");
    } else if (strcmp(charter.status, "draft") != 0) {
        const char *msg = request_printf(r,
                                         "version %u of this charter is %s: only a draft can be "
                                         "activated; start a new draft to change the charter",
                                         charter.version, charter.status);
        request_fail(r, LIAISON__V1__CODE__FAILED_PRECONDITION,
                     msg ? msg : "only a draft can be activated");
    } else if (found.n_conflicts > 0) {
        activation_refused(r, &found);
    } else if (charter.n_grants > 0 && retired_why(txn, at)) {
        request_fail(r, LIAISON__V1__CODE__FAILED_PRECONDITION, retired_why(txn, at));
    } else if (charter.n_grants > 0) {
        /* Its grants have all ended: in force, it would expire at the scheduler's next run. */
        const PGresult *res = txn->results[at->conflicts];
        int col = PQfnumber(res, "_ended");
        const char *why = col >= 0 && !PQgetisnull(res, 0, col) ? PQgetvalue(res, 0, col) : NULL;
        request_fail(r, LIAISON__V1__CODE__FAILED_PRECONDITION,
                     why ? why : "the grants of this charter have all ended");
    } else {
        request_fail(r, LIAISON__V1__CODE__FAILED_PRECONDITION,
                     "a charter needs at least one territory grant");
    }
}

void rpc_activate_charter(struct request *r)
{
    const Liaison__V1__IdRequest *in = (const Liaison__V1__IdRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    struct activation *at = arena_alloc(&r->arena, sizeof *at);
    char *cid = request_printf(r, "%" PRIu64, in->id);
    if (!at || !cid) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    r->state = at;
    int n = credential_txn_begin(r);
    struct db_step *s = r->txn.steps;
    s[n++].stmt = &q_activation_lock;
    s[n].stmt = &q_activation_row;
    s[n++].values[0] = cid;
    at->conflicts = n;
    s[n].stmt = &q_conflicts;
    s[n++].values[0] = cid;
    s[n].stmt = &q_supersede;
    s[n++].values[0] = cid;
    at->activate = n;
    s[n].stmt = &q_activate;
    s[n++].values[0] = cid;
    at->charter = n;
    s[n].stmt = &q_charter;
    s[n].values[0] = cid;
    s[n].values[1] = "0";
    s[n++].values[2] = "0";
    r->txn.nsteps = n;
    /* It may wait for another activation's lock: nobody else's statements queue behind it. */
    r->txn.flags = DB_TXN_ALONE;
    request_submit(r, activate_done);
}

/* ---------- reading and history ---------- */

void rpc_get_charter(struct request *r)
{
    Liaison__V1__GetCharterRequest *in = (Liaison__V1__GetCharterRequest *)r->input;
    if (!request_check_id(r, "distributorId", *request_own_distributor(r, &in->distributor_id)))
        return;
    if (in->version > INT32_MAX) {
        request_fail_field(r, "version", "out of range");
        return;
    }
    exec_run(r, &d_get);
}

void rpc_list_charter_versions(struct request *r)
{
    Liaison__V1__ListCharterVersionsRequest *in =
        (Liaison__V1__ListCharterVersionsRequest *)r->input;
    if (request_check_id(r, "distributorId", *request_own_distributor(r, &in->distributor_id)))
        exec_run(r, &d_versions);
}
