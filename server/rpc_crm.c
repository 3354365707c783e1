/*
 * rpc_crm.c - the shared CRM: key accounts, leads and deal registration,
 * customer interactions. Who reaches what is one function of the database
 * (liaison_sees_side, migration 0020): a distributor user its own
 * distributor's records only, staff the distributors they see and the
 * exporter's own. A distributor user's records name no other distributor,
 * nor another distributor's people (migration 0107).
 */
#include "rpc_crm.h"

#include <stdint.h>
#include <string.h>

#include "exec.h"
#include "geo.h"
#include "log.h"
#include "rpc_charter.h"
#include "rpc_distributor.h"

/*
 * Only accounts the caller reaches are read (SEES_ACCOUNT), so their side may be named. The
 * people a record names go through liaison_crm_user and liaison_crm_actor (migration 0107): a
 * distributor's user reads no other distributor's person, as on a lead reassigned from one
 * distributor to another, which still names who registered it at the first.
 */
#define ACCOUNT_COLS                                                                               \
    "a.id, a.name, a.country, a.region, a.industry,"                                               \
    " a.distributor_id, (SELECT d.name FROM distributors d WHERE d.tenant_id = a.tenant_id"        \
    "  AND d.id = a.distributor_id) AS distributor_name,"                                          \
    " liaison_crm_user(a.owner_id) AS owner_id, (SELECT u.email FROM users u"                      \
    "  WHERE u.tenant_id = a.tenant_id AND u.id = liaison_crm_user(a.owner_id)) AS owner_email,"   \
    " liaison_account_carved_out(a.name, a.country, a.region) AS carve_out,"                       \
    " liaison_account_outside_territory(a.distributor_id, a.country, a.region)"                    \
    "  AS outside_territory,"                                                                      \
    " liaison_rfc3339(a.created_at) AS created_at"
/* An account is one side's (migration 0063): a distributor's, or the exporter's own, reached
 * by those who reach that side. Not through a lead on it: a lead is on its own side's account,
 * and reaching another side's account through one showed a distributor user the account of
 * another distributor that had registered the same customer. */
#define SEES_ACCOUNT "liaison_sees_side(a.distributor_id)"
#define LEAD_COLS                                                                                  \
    "l.id, l.distributor_id, (SELECT d.name FROM distributors d WHERE d.tenant_id = l.tenant_id"   \
    "  AND d.id = l.distributor_id) AS distributor_name, l.key_account_id,"                        \
    " (SELECT a.name FROM key_accounts a WHERE a.tenant_id = l.tenant_id"                          \
    "  AND a.id = l.key_account_id) AS account_name, l.title, l.stage, l.value_minor,"             \
    " l.currency, l.expected_close::text AS expected_close,"                                       \
    " liaison_crm_user(l.owner_id) AS owner_id, (SELECT u.email FROM users u"                      \
    "  WHERE u.tenant_id = l.tenant_id AND u.id = liaison_crm_user(l.owner_id)) AS owner_email,"   \
    " array_to_json(l.product_line_ids)::text AS product_line_ids,"                                \
    " (SELECT json_agg(pl.code ORDER BY array_position(l.product_line_ids, pl.id))"                \
    "  FROM product_lines pl WHERE pl.tenant_id = l.tenant_id"                                     \
    "  AND pl.id = ANY (l.product_line_ids)) AS product_line_codes, l.region,"                     \
    " liaison_rfc3339(l.registered_at) AS registered_at, l.registration,"                          \
    " array_to_json(l.flags)::text AS flags, liaison_crm_actor(l.decided_by) AS decided_by,"       \
    " liaison_rfc3339(l.decided_at) AS decided_at, l.decision_note,"                               \
    " liaison_crm_actor(l.created_by) AS created_by,"                                              \
    " liaison_rfc3339(l.created_at) AS created_at,"                                                \
    " CASE WHEN l.registration IN ('accepted', 'approved') AND l.stage <> 'lost'"                  \
    "  AND l.registered_at > liaison_now() - liaison_deal_protection_days() * interval '1 day'"    \
    "  AND NOT EXISTS (SELECT 1 FROM distributors d WHERE d.tenant_id = l.tenant_id"               \
    "  AND d.id = l.distributor_id AND d.status = 'terminated')"                                   \
    "  THEN to_char((l.registered_at + liaison_deal_protection_days() * interval '1 day')"         \
    "  AT TIME ZONE 'UTC', 'YYYY-MM-DD') END AS protected_until,"                                  \
    " CASE WHEN l.distributor_id IS NULL AND l.stage NOT IN ('won', 'lost') THEN"                  \
    "  (SELECT coalesce(liaison_customer_holder(a.name, a.country, NULL, liaison_now()),"          \
    "   'a distributor''s registration') || ', until ' || to_char((s.held"                         \
    "   + liaison_deal_protection_days() * interval '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD')"    \
    "   FROM key_accounts a CROSS JOIN LATERAL (SELECT liaison_customer_protected_since(a.name,"   \
    "   a.country, NULL, liaison_now()) AS held) s WHERE a.tenant_id = l.tenant_id"                \
    "   AND a.id = l.key_account_id AND s.held IS NOT NULL) END AS protected_by"
#define INTERACTION_COLS                                                                           \
    "i.id, i.distributor_id, (SELECT d.name FROM distributors d WHERE d.tenant_id = i.tenant_id"   \
    "  AND d.id = i.distributor_id) AS distributor_name,"                                          \
    " i.kind, liaison_rfc3339(i.at) AS at, i.summary, i.key_account_id,"                           \
    " (SELECT a.name FROM key_accounts a WHERE a.tenant_id = i.tenant_id"                          \
    "  AND a.id = i.key_account_id) AS account_name, i.lead_id,"                                   \
    " liaison_crm_actor(i.created_by) AS created_by,"                                              \
    " liaison_rfc3339(i.created_at) AS created_at"
/* The distributor a change is for: the one named, else a distributor user's own, else NULL
 * (the exporter's). $N is the request's distributor id. */
#define SIDE(n)                                                                                    \
    "coalesce(nullif(" n "::bigint, 0), CASE WHEN current_setting('liaison.role', true) ="         \
    " 'distributor_user' THEN nullif(current_setting('liaison.distributor_id', true), '')::bigint" \
    " END)"

/* ---------- key accounts ---------- */

/*
 * $1 owner (0: none), $2 distributor (0: the exporter): the owner is one of the exporter's
 * staff who reaches the account, or a user of its own distributor; no auditor, who only reads
 * (liaison_crm_owner_ok, migration 0107, which holds a lead's owner to the same; the refusal
 * names an auditor as one to staff, 0342). $3 name,
 * $4 country: the customer's lock, as a deal registration takes it, held to the end, so that
 * the create's own statement, in a snapshot taken after it, sees a concurrent create's row.
 */
static struct db_stmt q_account_refs = {
    "SELECT liaison_found(liaison_sees_side(nullif($2::bigint, 0)), 'no such distributor'),"
    " liaison_check($1::bigint = 0 OR liaison_crm_owner_ok(nullif($2::bigint, 0), $1::bigint),"
    "  'ownerId', liaison_crm_owner_why($1::bigint, 'account')),"
    " pg_advisory_xact_lock(liaison_customer_lock_key(liaison_tenant(), $3, $4))",
    4, 0};
/*
 * $1..$4 name, country, region, industry, $5 distributor, $6 owner. One
 * customer is one account a side: by its name key (liaison_name_key) without
 * its marks (liaison_fold), full-width "ＡＢＣ商事" is "ABC商事" and "Bình Minh"
 * is "Binh Minh", as a deal registration finds it (migration 0339).
 * A distributor's side holds no customer another distributor's registration
 * protects (migration 0336), looked up after q_account_refs took its lock.
 */
static struct db_stmt q_account_create = {
    "WITH m AS (INSERT INTO key_accounts AS a (tenant_id, name, country, region, industry,"
    "  distributor_id, owner_id) SELECT liaison_tenant(), $1, $2, $3, $4,"
    "  nullif($5::bigint, 0), nullif($6::bigint, 0)"
    "  FROM (SELECT (SELECT format('%s (%s)', b.id, b.name) FROM key_accounts b"
    "   WHERE b.tenant_id = liaison_tenant() AND coalesce(b.distributor_id, 0) = $5::bigint"
    "   AND liaison_fold(liaison_name_key(b.name)) = liaison_fold(liaison_name_key($1))"
    "   AND b.country = $2"
    "   ORDER BY b.id LIMIT 1) AS taken, CASE WHEN $5::bigint <> 0 THEN"
    "   liaison_customer_protection_refusal($1, $2, $5::bigint, liaison_now()) END AS held) t"
    /* One check, so that which refusal comes first is not the planner's choice (a review). */
    "  WHERE liaison_unique(t.taken IS NULL AND t.held IS NULL, CASE WHEN t.taken IS NOT NULL"
    "  THEN 'key account ' || t.taken || ' has this name (in any case or width, or without its"
    " marks: ＡＢＣ is ABC, Bình is Binh) and country on this side (the distributor''s, or the"
    " exporter''s own)' ELSE t.held END)"
    " RETURNING " ACCOUNT_COLS ")" EXEC_AUDITED("'key_account.create'", "key_account"),
    6, 0};
/* $1 after, $2 limit, $3 name part, $4 country, $5 distributor */
static struct db_stmt q_account_list = {
    "SELECT " ACCOUNT_COLS " FROM key_accounts a WHERE a.tenant_id = liaison_tenant()"
    " AND a.id > $1::bigint AND " SEES_ACCOUNT
    " AND ($3 = '' OR liaison_name_like(a.name, $3)) AND ($4 = '' OR a.country = $4)"
    " AND ($5::bigint = 0 OR a.distributor_id = $5::bigint) ORDER BY a.id LIMIT $2::int",
    5, 0};
static struct db_stmt q_account_get = {"SELECT " ACCOUNT_COLS " FROM key_accounts a"
                                       " WHERE a.tenant_id = liaison_tenant()"
                                       " AND a.id = $1::bigint AND " SEES_ACCOUNT,
                                       1, 0};
/*
 * $1 id, $2..$5 name, country, region, industry, $6 owner: '' and 0 leave each as it was. The
 * function (migration 0118) holds the account to CreateKeyAccount's rules, and a registered
 * customer to its name, country and region.
 */
static struct db_stmt q_account_update = {
    "SELECT liaison_key_account_update($1::bigint, nullif($2, ''), nullif($3, ''),"
    " nullif($4, ''), nullif($5, ''), nullif($6::bigint, 0)) AS _id",
    6, 0};

/* ---------- leads ---------- */

/* $1 distributor, $2..$5 account, $6 title, $7 value, $8 currency, $9 close, $10 lines, $11 owner
 */
static struct db_stmt q_lead_register = {
    "SELECT liaison_lead_register(" SIDE(
        "$1") ", $2, $3, $4, $5, $6, $7::bigint, $8,"
              " nullif($9, '')::date, $10::bigint[], nullif($11::bigint, 0)) AS _id",
    11, 0};
/* The lead the registration above made, read after it. */
static struct db_stmt q_lead_registered = {
    "SELECT " LEAD_COLS " FROM leads l WHERE l.tenant_id = liaison_tenant()"
    " AND l.id = nullif(current_setting('liaison.created_id', true), '')::bigint",
    0, 0};
/*
 * $1 distributor, $2 key account, $3 lead (0: not a filter): each a list is filtered by is one
 * the caller reaches. Another's account or lead, or a mistyped id, read as an empty list, as if
 * nothing had been logged there, where a distributor's was NOT_FOUND (a try-out).
 */
static struct db_stmt q_filters_reached = {
    "SELECT liaison_found($1::bigint = 0 OR EXISTS (SELECT 1 FROM distributors d"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint"
    "  AND liaison_sees_distributor(d.id, d.account_manager_id)), 'no such distributor'),"
    " liaison_found($2::bigint = 0 OR EXISTS (SELECT 1 FROM key_accounts a"
    "  WHERE a.tenant_id = liaison_tenant() AND a.id = $2::bigint AND " SEES_ACCOUNT "),"
    "  'no such key account'),"
    " liaison_found($3::bigint = 0 OR EXISTS (SELECT 1 FROM leads l"
    "  WHERE l.tenant_id = liaison_tenant() AND l.id = $3::bigint"
    "  AND liaison_sees_side(l.distributor_id)), 'no such lead')",
    3, 0};
/* $1 after, $2 limit, $3 distributor, $4 stage, $5 registration, $6 account, $7 name part */
static struct db_stmt q_lead_list = {
    "SELECT " LEAD_COLS " FROM leads l WHERE l.tenant_id = liaison_tenant()"
    " AND l.id > $1::bigint AND liaison_sees_side(l.distributor_id)"
    " AND ($3::bigint = 0 OR l.distributor_id = $3::bigint) AND ($4 = '' OR l.stage = $4)"
    " AND ($5 = '' OR l.registration = $5)"
    " AND ($6::bigint = 0 OR l.key_account_id = $6::bigint)"
    " AND ($7 = '' OR liaison_name_like(l.title, $7) OR EXISTS (SELECT 1 FROM key_accounts a"
    "  WHERE a.tenant_id = l.tenant_id AND a.id = l.key_account_id"
    "  AND liaison_name_like(a.name, $7))) ORDER BY l.id LIMIT $2::int",
    7, 0};
static struct db_stmt q_lead_get = {"SELECT " LEAD_COLS " FROM leads l"
                                    " WHERE l.tenant_id = liaison_tenant() AND l.id = $1::bigint"
                                    " AND liaison_sees_side(l.distributor_id)",
                                    1, 0};
/*
 * A lead the caller reaches ($1 id) that may go to stage $2: won and lost are final (but for
 * a retry of the move that closed it, which q_lead_stage answers as it is); a
 * registration the exporter has not decided yet is not won before it is approved (winning
 * it would settle whose deal it is, which is the exporter's decision), though it may be
 * worked on, or lost; a rejected one is only closed, as lost; one with orders not cancelled
 * is not lost; a terminated distributor's only closes, won or lost. For every caller: staff
 * decide first, with the decision audited.
 */
static struct db_stmt q_lead_open = {
    "SELECT liaison_found(x.id IS NOT NULL, 'no such lead'),"
    " liaison_precondition(x.id IS NULL OR x.stage NOT IN ('won', 'lost') OR x.stage = $2,"
    "  format('this lead is %s: won and lost are final', x.stage)),"
    " liaison_precondition(x.id IS NULL OR x.registration IS DISTINCT FROM 'flagged'"
    "  OR $2 <> 'won', format('the exporter decides this registration first: lead %s is flagged"
    " and is won only once approved (exporter staff: lead decide %s approve, reject or"
    " reassign)', x.id, x.id)),"
    " liaison_precondition(x.id IS NULL OR x.registration IS DISTINCT FROM 'rejected'"
    "  OR $2 = 'lost', format('the exporter rejected this registration: lead %s is only closed,"
    " as lost (lead stage %s lost)', x.id, x.id)),"
    /* An order on a lost lead booked revenue the pipeline said was lost (migration 0254). */
    " liaison_precondition(x.id IS NULL OR $2 <> 'lost' OR x.stage = 'lost' OR x.orders IS NULL,"
    "  format('lead %s has orders (%s): a deal with orders cannot be marked lost; cancel them"
    " first, or mark it won', x.id, x.orders)),"
    /*
     * A relationship that has ended works no deal on (migration 0278); it closes its deals, won
     * too: one with orders delivered is not lost, and was left open for good (a try-out).
     */
    " liaison_precondition(x.id IS NULL OR $2 IN ('won', 'lost') OR x.stage = $2 OR NOT x.ended,"
    "  format('lead %s is a terminated distributor''s: it only closes, as won or lost (lead stage"
    " %s won|lost)', x.id, x.id))"
    " FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT l.id, l.stage, l.registration,"
    "  EXISTS (SELECT 1 FROM distributors d WHERE d.tenant_id = l.tenant_id"
    "   AND d.id = l.distributor_id AND d.status = 'terminated') AS ended,"
    "  (SELECT string_agg(o.id::text, ', ' ORDER BY o.id) FROM orders o"
    "   WHERE o.tenant_id = l.tenant_id AND o.lead_id = l.id AND o.status <> 'cancelled')"
    "  AS orders FROM leads l"
    "  WHERE l.tenant_id = liaison_tenant() AND l.id = $1::bigint"
    "  AND liaison_sees_side(l.distributor_id) FOR UPDATE) x ON true",
    2, 0};
/*
 * $1 id, $2 stage. A lead already at $2 (a retry whose answer was lost) is answered as it is,
 * unwritten and unaudited: the UPDATE's snapshot still sees a lead it moves at its old stage,
 * so only one of the two parts answers.
 */
static struct db_stmt q_lead_stage = {
    "WITH m AS (UPDATE leads l SET stage = $2 WHERE l.tenant_id = liaison_tenant()"
    "  AND l.id = $1::bigint AND liaison_sees_side(l.distributor_id) AND l.stage <> $2"
    "  RETURNING l.id)"
    " SELECT m.id AS _id FROM m WHERE liaison_audit('lead.stage.' || $2, 'lead', m.id::text)"
    " UNION ALL SELECT l.id FROM leads l WHERE l.tenant_id = liaison_tenant()"
    "  AND l.id = $1::bigint AND liaison_sees_side(l.distributor_id) AND l.stage = $2"
    "  AND NOT EXISTS (SELECT 1 FROM m)",
    2, 0};
/* $1 id, $2 decision, $3 to distributor (0: the exporter), $4 note */
static struct db_stmt q_lead_decide = {
    "SELECT liaison_lead_decide($1::bigint, $2, nullif($3::bigint, 0), $4) AS _id", 4, 0};
/*
 * $1 id, $2 title, $3 value and $4 its currency (both NULL when the request has no value), $5
 * expected close, $6 owner, $7 region, $8 lines: '', 0 and no lines leave each as it was
 * (migration 0118, which refuses another region or other lines: the registration was checked
 * for those).
 */
/*
 * A deal's expected close is a day to come: one years past (2016 for 2026, a
 * try-out) was registered, and the deal sat in every pipeline as overdue.
 * Today is the earlier of the distributor's (in its time zone) and the
 * tenant's, so that whoever writes it, on either side, may name their own
 * today; a day of slack by UTC let two days past through where the
 * distributor was ahead of UTC (a try-out). A deal already won or lost
 * keeps the day it closed; the exporter's own deal, with no distributor, the
 * tenant's today alone (least() passes over a NULL). $1 expected close ('':
 * none), $2 lead (0: a new registration), $3 its distributor (0: a
 * distributor user's own).
 */
static struct db_stmt q_close_ahead = {
    "SELECT liaison_check($1 = '' OR $1::date >= x.today"
    " OR EXISTS (SELECT 1 FROM leads l WHERE l.tenant_id = liaison_tenant()"
    " AND l.id = $2::bigint AND l.stage IN ('won', 'lost')), 'expectedClose',"
    /* The day it is said: a user a zone away from the distributor took "today" for theirs. */
    " format('not in the past: %s is before today, %s, the earliest day the deal may be "
    "expected to close', $1, x.today))"
    " FROM (SELECT least((liaison_now() AT TIME ZONE"
    " (SELECT nullif(d.time_zone, '') FROM distributors d"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = coalesce((SELECT l.distributor_id"
    "  FROM leads l WHERE l.tenant_id = liaison_tenant() AND l.id = $2::bigint),"
    "  nullif($3::bigint, 0), nullif(current_setting('liaison.distributor_id', true), "
    "'')::bigint)))::date, (SELECT (liaison_now() AT TIME ZONE coalesce(nullif(t.time_zone, ''),"
    " 'UTC'))::date FROM tenants t WHERE t.id = liaison_tenant())) AS today) x",
    3, 0};
static struct db_stmt q_lead_update = {
    "SELECT liaison_lead_update($1::bigint, nullif($2, ''), $3::bigint, nullif($4, ''),"
    " nullif($5, '')::date, nullif($6::bigint, 0), nullif($7, ''),"
    " nullif($8::bigint[], '{}')) AS _id",
    8, 0};

/* ---------- interactions ---------- */

/* $3 at ('': now, or kept): a time an interaction took place, as q_interaction_refs says. */
#define INTERACTION_AT_OK                                                                          \
    " liaison_check($3 = '' OR $3::timestamptz <= liaison_now() + interval '1 day', 'at',"         \
    "  'a time that has come (a day ahead at the most, for clocks and time zones that differ):"    \
    " an interaction is recorded once it took place'),"                                            \
    " liaison_check($3 = '' OR $3::timestamptz >= timestamptz '2000-01-01T00:00:00Z', 'at',"       \
    "  'in the year 2000 or later')"

/*
 * $1 distributor (0: not named), $2 lead (0: none), $3 at ('': now), $4 account (0: none). An
 * interaction took place: one dated in the year 2999 was stored as if it had (a day ahead is let
 * by, for time zones), and one before 2000 is a slip (1900-01-01 was taken). A lead names its own
 * side, so a distributor named with it is the lead's; an account names its own too. Staff naming
 * another one were told "no such key account" (the account is not on the side named), which sent
 * them looking for an account they could open (a try-out). A lead, account or distributor the
 * caller does not reach passes here, and is not found by the insert.
 */
static struct db_stmt q_interaction_refs = {
    "SELECT liaison_check($1::bigint = 0 OR NOT liaison_sees_side($1::bigint)"
    "  OR NOT EXISTS (SELECT 1 FROM leads l WHERE l.tenant_id = liaison_tenant()"
    "  AND l.id = $2::bigint AND liaison_sees_side(l.distributor_id)"
    "  AND l.distributor_id IS DISTINCT FROM $1::bigint), 'leadId',"
    "  format('lead %s is not distributor %s''s: name the lead''s own distributor, or none (the"
    " lead says whose it is)', $2::bigint, $1::bigint)),"
    " liaison_check($1::bigint = 0 OR $2::bigint <> 0 OR NOT liaison_sees_side($1::bigint)"
    "  OR NOT EXISTS (SELECT 1 FROM key_accounts a WHERE a.tenant_id = liaison_tenant()"
    "  AND a.id = $4::bigint AND " SEES_ACCOUNT " AND a.distributor_id IS DISTINCT FROM"
    "  $1::bigint), 'keyAccountId', (SELECT coalesce((SELECT format('key account %s (%s) is"
    " distributor %s''s (%s): name its own distributor, or none (the account says whose it is)',"
    " a.id, a.name, d.id, d.name) FROM distributors d WHERE d.tenant_id = a.tenant_id"
    " AND d.id = a.distributor_id), format('key account %s (%s) is the exporter''s own: name no"
    " distributor', a.id, a.name)) FROM key_accounts a"
    "  WHERE a.tenant_id = liaison_tenant() AND a.id = $4::bigint))," INTERACTION_AT_OK,
    4, 0};
/*
 * $1 distributor, $2 kind, $3 at ('': now), $4 summary, $5 account, $6 lead. The lead, when
 * given, names the account and, without $1, the side (else the account does: staff naming a
 * distributor's customer were told it did not exist); either must be one the caller reaches,
 * and the account the interaction's own side's (a distributor's interactions, which its users
 * read, name only its own accounts).
 */
static struct db_stmt q_interaction_create = {
    "WITH s AS (SELECT coalesce(nullif($1::bigint, 0), (SELECT l.distributor_id FROM leads l"
    "  WHERE l.tenant_id = liaison_tenant() AND l.id = $6::bigint"
    "  AND liaison_sees_side(l.distributor_id)), (SELECT a.distributor_id FROM key_accounts a"
    "  WHERE a.tenant_id = liaison_tenant() AND a.id = $5::bigint AND " SEES_ACCOUNT "), " SIDE(
        "$1") ") AS side),"
              " k AS (SELECT coalesce((SELECT l.key_account_id FROM leads l"
              "  WHERE l.tenant_id = liaison_tenant() AND l.id = $6::bigint"
              "  AND liaison_sees_side(l.distributor_id)), nullif($5::bigint, 0)) AS account),"
              " m AS (INSERT INTO interactions AS i (tenant_id, distributor_id, kind, at, summary,"
              "  key_account_id, lead_id, created_by, created_at)"
              "  SELECT liaison_tenant(), s.side, $2, coalesce(nullif($3, '')::timestamptz, "
              "liaison_now()),"
              "  $4, k.account, nullif($6::bigint, 0), liaison_request_setting('actor'), "
              "liaison_now()"
              "  FROM s, k WHERE liaison_found(liaison_sees_side(s.side), 'no such distributor')"
              "  AND liaison_found($6::bigint = 0 OR EXISTS (SELECT 1 FROM leads l"
              "   WHERE l.tenant_id = liaison_tenant() AND l.id = $6::bigint"
              "   AND liaison_sees_side(l.distributor_id)), 'no such lead')"
              "  AND liaison_check($5::bigint = 0 OR $6::bigint = 0 OR k.account = $5::bigint,"
              "   'keyAccountId', 'not the lead''s key account: give the lead or its account')"
              "  AND liaison_found(EXISTS (SELECT 1 FROM key_accounts a WHERE a.tenant_id = "
              "liaison_tenant()"
              "   AND a.id = k.account AND " SEES_ACCOUNT
              "   AND a.distributor_id IS NOT DISTINCT FROM s.side), 'no such key account')"
              "  RETURNING " INTERACTION_COLS
              ")" EXEC_AUDITED("'interaction.create'", "interaction"),
    6, 0};
/*
 * $1 interaction, $2 kind, $3 at: one the caller reaches, and not of a terminated distributor,
 * whose records stay as the relationship left them (as its leads are not corrected, 0278). The
 * exporter's own (no distributor) are corrected: they were refused as a terminated one's.
 */
static struct db_stmt q_interaction_can_update = {
    "SELECT liaison_found(x.id IS NOT NULL, 'no such interaction'),"
    " liaison_precondition(x.id IS NULL OR NOT x.ended, format('interaction %s is of distributor"
    " %s (%s), which is terminated: its records stay as they are', x.id, x.dist, x.name)),"
    " liaison_check($2 = '' OR $2 IN ('call', 'visit', 'email', 'message'), 'kind',"
    "  'call, visit, email or message'), " INTERACTION_AT_OK
    " FROM (VALUES (1)) one LEFT JOIN (SELECT i.id, d.id AS dist, d.name,"
    "  coalesce(d.status = 'terminated', false) AS ended FROM interactions i"
    "  LEFT JOIN distributors d ON d.tenant_id = i.tenant_id AND d.id = i.distributor_id"
    "  WHERE i.tenant_id = liaison_tenant() AND i.id = $1::bigint"
    "  AND liaison_sees_side(i.distributor_id)) x ON true",
    3, 0};
/* $1 interaction (checked by q_interaction_can_update), $2 kind, $3 at, $4 summary: '' keeps. */
static struct db_stmt q_interaction_update = {
    "WITH was AS (SELECT i.kind, i.at, i.summary FROM interactions i"
    "  WHERE i.tenant_id = liaison_tenant() AND i.id = $1::bigint),"
    " m AS (UPDATE interactions i SET kind = coalesce(nullif($2, ''), i.kind),"
    "  at = coalesce(nullif($3, '')::timestamptz, i.at),"
    "  summary = coalesce(nullif($4, ''), i.summary)"
    "  WHERE i.tenant_id = liaison_tenant() AND i.id = $1::bigint"
    "  AND liaison_sees_side(i.distributor_id)"
    "  RETURNING i.at AS at_value, " INTERACTION_COLS ")"
    /* What it already held is no change to audit. */
    " SELECT m.id, m.distributor_id, m.distributor_name, m.kind, m.at, m.summary,"
    "  m.key_account_id, m.account_name, m.lead_id, m.created_by, m.created_at FROM m, was"
    " WHERE (m.kind, m.at_value, m.summary) IS NOT DISTINCT FROM (was.kind, was.at, was.summary)"
    "  OR liaison_audit('interaction.update', 'interaction', m.id::text)",
    4, 0};
/*
 * $1 after id, $2 limit, $3 distributor, $4 account, $5 lead, $6 after time.
 * In the order they happened, then id: a call is often written down days
 * after it took place (index interactions_at, 0083).
 */
static struct db_stmt q_interaction_list = {
    "SELECT " INTERACTION_COLS ", " EXEC_PAGE_AT(
        "i.at") " FROM interactions i WHERE i.tenant_id = liaison_tenant()"
                " AND (i.at, i.id) > ($6::timestamptz, $1::bigint) AND "
                "liaison_sees_side(i.distributor_id)"
                " AND ($3::bigint = 0 OR i.distributor_id = $3::bigint)"
                " AND ($4::bigint = 0 OR i.key_account_id = $4::bigint)"
                " AND ($5::bigint = 0 OR i.lead_id = $5::bigint) ORDER BY i.at, i.id LIMIT $2::int",
    6, 0};

/* ---------- settings ---------- */

static struct db_stmt q_settings_get = {
    "SELECT liaison_deal_protection_days() AS deal_protection_days", 0, 0};
/* $1 protection days */
static struct db_stmt q_settings_update = {
    "WITH m AS (INSERT INTO tenant_settings AS s (tenant_id, deal_protection_days)"
    "  VALUES (liaison_tenant(), $1::int) ON CONFLICT (tenant_id)"
    "  DO UPDATE SET deal_protection_days = EXCLUDED.deal_protection_days"
    "  RETURNING s.tenant_id, s.deal_protection_days)"
    " SELECT m.deal_protection_days FROM m"
    " WHERE liaison_audit('crm.settings.update', 'tenant', m.tenant_id::text)",
    1, 0};

#define ACCOUNT_EXISTS                                                                             \
    "a key account of this name (in any case) and country exists on this side (the "               \
    "distributor's, or the exporter's own)"
static struct exec_decl d_account_create = {
    .method = "CreateKeyAccount",
    .check = {&q_account_refs, {"owner_id", "distributor_id", "name", "country"}},
    .query = {&q_account_create,
              {"name", "country", "region", "industry", "distributor_id", "owner_id"}},
    .out = "account",
    .not_found = "no such distributor",
    .exists = ACCOUNT_EXISTS};
static struct exec_decl d_account_update = {
    .method = "UpdateKeyAccount",
    .query = {&q_account_update, {"id", "name", "country", "region", "industry", "owner_id"}},
    .reply = {&q_account_get, {"id"}},
    .out = "account",
    .not_found = "no such key account",
    .exists = ACCOUNT_EXISTS};
static struct exec_decl d_account_list = {
    .method = "ListKeyAccounts",
    .check = {&distributor_filter_reached, {"distributor_id"}},
    .query = {&q_account_list, {"@after", "@limit", "name", "country", "distributor_id"}},
    .shape = EXEC_PAGE,
    .out = "accounts",
    .cursor = "acc",
    .filters = {"name", "country", "distributor_id"}};
static struct exec_decl d_account_get = {.method = "GetKeyAccount",
                                         .query = {&q_account_get, {"id"}},
                                         .out = "account",
                                         .not_found = "no such key account"};
static struct exec_decl d_lead_register = {
    .method = "RegisterLead",
    .check = {&q_close_ahead, {"expected_close", "=0", "distributor_id"}},
    .query = {&q_lead_register,
              {"distributor_id", "account_name", "country", "region", "industry", "title",
               "value_minor", "currency", "expected_close", "product_line_ids", "owner_id"}},
    .reply = {&q_lead_registered, {NULL}},
    .out = "lead",
    .not_found = "no such lead",
    .invalid = "expectedClose: a date as YYYY-MM-DD"};
static struct exec_decl d_lead_list = {
    .method = "ListLeads",
    .check = {&q_filters_reached, {"distributor_id", "key_account_id", "=0"}},
    .query = {&q_lead_list,
              {"@after", "@limit", "distributor_id", "stage", "registration", "key_account_id",
               "name"}},
    .shape = EXEC_PAGE,
    .out = "leads",
    .cursor = "led",
    .filters = {"distributor_id", "stage", "registration", "key_account_id", "name"}};
static struct exec_decl d_lead_get = {.method = "GetLead",
                                      .query = {&q_lead_get, {"id"}},
                                      .out = "lead",
                                      .not_found = "no such lead"};
static struct exec_decl d_lead_stage = {.method = "SetLeadStage",
                                        .check = {&q_lead_open, {"id", "stage"}},
                                        .query = {&q_lead_stage, {"id", "stage"}},
                                        .reply = {&q_lead_get, {"id"}},
                                        .out = "lead",
                                        .not_found = "no such lead"};
static struct exec_decl d_lead_decide = {
    .method = "DecideLeadRegistration",
    .query = {&q_lead_decide, {"id", "decision", "distributor_id", "note"}},
    .reply = {&q_lead_get, {"id"}},
    .out = "lead",
    .not_found = "no such lead"};
static struct exec_decl d_lead_update = {
    .method = "UpdateLead",
    .check = {&q_close_ahead, {"expected_close", "id", "=0"}},
    .query = {&q_lead_update,
              {"id", "title", "value.value_minor", "value.currency", "expected_close", "owner_id",
               "region", "product_line_ids"}},
    .reply = {&q_lead_get, {"id"}},
    .out = "lead",
    .not_found = "no such lead",
    .invalid = "expectedClose: a date as YYYY-MM-DD"};
static struct exec_decl d_interaction_create = {
    .method = "CreateInteraction",
    .check = {&q_interaction_refs, {"distributor_id", "lead_id", "at", "key_account_id"}},
    .query = {&q_interaction_create,
              {"distributor_id", "kind", "at", "summary", "key_account_id", "lead_id"}},
    .out = "interaction",
    .not_found = "no such key account",
    .invalid = "at: not a time of the calendar"};
static struct exec_decl d_interaction_update = {
    .method = "UpdateInteraction",
    .check = {&q_interaction_can_update, {"id", "kind", "at"}},
    .query = {&q_interaction_update, {"id", "kind", "at", "summary"}},
    .out = "interaction",
    .not_found = "no such interaction",
    .invalid = "at: not a time of the calendar"};
static struct exec_decl d_interaction_list = {
    .method = "ListInteractions",
    .check = {&q_filters_reached, {"distributor_id", "key_account_id", "lead_id"}},
    .query = {&q_interaction_list,
              {"@after", "@limit", "distributor_id", "key_account_id", "lead_id", "@after_at"}},
    .shape = EXEC_PAGE,
    .out = "interactions",
    .cursor = "int",
    .order = EXEC_BY_TIME,
    .filters = {"distributor_id", "key_account_id", "lead_id"}};
static struct exec_decl d_settings_get = {.method = "GetCrmSettings",
                                          .query = {&q_settings_get, {NULL}},
                                          .out = "settings",
                                          .not_found = "no such tenant"};
static struct exec_decl d_settings_update = {
    .method = "UpdateCrmSettings",
    .query = {&q_settings_update, {"settings.deal_protection_days"}},
    .out = "settings",
    .not_found = "no such tenant"};

int rpc_crm_register(void)
{
    struct exec_decl *const decls[] = {
        &d_account_create,     &d_account_list, &d_account_get,        &d_account_update,
        &d_lead_register,      &d_lead_list,    &d_lead_get,           &d_lead_stage,
        &d_lead_decide,        &d_lead_update,  &d_interaction_create, &d_interaction_list,
        &d_interaction_update, &d_settings_get, &d_settings_update};
    char err[256];
    if (exec_register(decls, (int)(sizeof decls / sizeof decls[0]), err, sizeof err) < 0) {
        log_event(LOG_ERROR, "CRM RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

#define STAGE_WORDS "new, qualified, proposal, negotiation, won or lost"

static bool stage_known(const char *s)
{
    static const char *const stages[] = {"new",         "qualified", "proposal",
                                         "negotiation", "won",       "lost"};
    for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++)
        if (!strcmp(s, stages[i]))
            return true;
    return false;
}

/* A country, and a region that is empty or one of its subdivisions (both upper-cased). */
static bool place_ok(struct request *r, const char *country, const char *region)
{
    geo_upcase(country);
    geo_upcase(region);
    if (!geo_country(country)) {
        request_fail_field(r, "country", "not an ISO 3166-1 alpha-2 country code");
        return false;
    }
    if (region[0] && (!geo_region(region) || strncmp(region, country, 2) || region[2] != '-')) {
        request_fail_field(r, "region", "an ISO 3166-2 subdivision of the country, or empty");
        return false;
    }
    return true;
}

static bool id_or_zero_ok(struct request *r, const char *field, uint64_t id)
{
    return id == 0 || request_check_id(r, field, id);
}

/* A lead's product lines: at most 100 ids, each one; answers on productLineIds otherwise. */
static bool line_ids_ok(struct request *r, const uint64_t *ids, size_t n)
{
    if (n > 100) {
        request_fail_field(r, "productLineIds", "at most 100");
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if (!request_check_id(r, "productLineIds", ids[i]))
            return false;
    return request_check_once(r, "productLineIds", ids, n);
}

void rpc_create_key_account(struct request *r)
{
    Liaison__V1__CreateKeyAccountRequest *in = (Liaison__V1__CreateKeyAccountRequest *)r->input;
    if (request_check_name_chars(r, "name", in->name, 200, true) &&
        place_ok(r, in->country, in->region) &&
        request_check_chars(r, "industry", in->industry, 100, false) &&
        request_check_one_line(r, "industry", in->industry) &&
        id_or_zero_ok(r, "distributorId", in->distributor_id) &&
        id_or_zero_ok(r, "ownerId", in->owner_id))
        exec_run(r, &d_account_create);
}

void rpc_list_key_accounts(struct request *r)
{
    Liaison__V1__ListKeyAccountsRequest *in = (Liaison__V1__ListKeyAccountsRequest *)r->input;
    geo_upcase(in->country);
    if (in->country[0] && !geo_country(in->country)) {
        request_fail_field(r, "country", "not an ISO 3166-1 alpha-2 country code");
        return;
    }
    if (request_check_text(r, "name", in->name, 200, false) &&
        id_or_zero_ok(r, "distributorId", in->distributor_id))
        exec_run(r, &d_account_list);
}

void rpc_get_key_account(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_account_get);
}

/*
 * The fields given are checked as CreateKeyAccount checks them; whether the region is one of the
 * country's subdivisions waits for the database, which knows the country when only the region is
 * given. A region may be the country itself: the whole country, as a lead's region reads.
 */
void rpc_update_key_account(struct request *r)
{
    Liaison__V1__UpdateKeyAccountRequest *in = (Liaison__V1__UpdateKeyAccountRequest *)r->input;
    if (!request_check_id(r, "id", in->id) ||
        !request_check_name_chars(r, "name", in->name, 200, false) ||
        !request_check_chars(r, "industry", in->industry, 100, false) ||
        !request_check_one_line(r, "industry", in->industry) ||
        !id_or_zero_ok(r, "ownerId", in->owner_id))
        return;
    geo_upcase(in->country);
    geo_upcase(in->region);
    if (in->country[0] && !geo_country(in->country)) {
        request_fail_field(r, "country", "not an ISO 3166-1 alpha-2 country code");
        return;
    }
    if (in->region[0] && !geo_region(in->region) && !geo_country(in->region)) {
        request_fail_field(r, "region", "an ISO 3166-2 subdivision of the country, or the country");
        return;
    }
    if (!in->name[0] && !in->country[0] && !in->region[0] && !in->industry[0] && !in->owner_id) {
        request_fail(r, LIAISON__V1__CODE__INVALID_ARGUMENT,
                     "nothing to change: give a name, a country, a region, an industry or an "
                     "owner");
        return;
    }
    exec_run(r, &d_account_update);
}

/*
 * Names, titles and summaries are limited in characters, as the tables' CHECKs count them:
 * limited in bytes, a Japanese deal title had a third of a Latin one's room.
 */
void rpc_register_lead(struct request *r)
{
    Liaison__V1__RegisterLeadRequest *in = (Liaison__V1__RegisterLeadRequest *)r->input;
    if (!request_check_name_chars(r, "accountName", in->account_name, 200, true) ||
        !place_ok(r, in->country, in->region) ||
        !request_check_chars(r, "industry", in->industry, 100, false) ||
        !request_check_one_line(r, "industry", in->industry) ||
        !request_check_chars(r, "title", in->title, 200, true) ||
        !request_check_one_line(r, "title", in->title) ||
        !id_or_zero_ok(r, "distributorId", in->distributor_id) ||
        !id_or_zero_ok(r, "ownerId", in->owner_id))
        return;
    geo_upcase(in->currency);
    if (!geo_currency(in->currency)) {
        request_fail_field(r, "currency", "not an ISO 4217 currency code");
        return;
    }
    /* As every amount a report or a plan holds: a deal's value is summed into both. */
    if (in->value_minor > REQUEST_MAX_AMOUNT) {
        request_fail_field(r, "valueMinor", REQUEST_MAX_AMOUNT_WORDS);
        return;
    }
    if (in->expected_close[0] && !charter_date_ok(in->expected_close)) {
        request_fail_field(r, "expectedClose", charter_date_why(r, in->expected_close));
        return;
    }
    if (!line_ids_ok(r, in->product_line_ids, in->n_product_line_ids))
        return;
    /*
     * A distributor's registration is its registrant's to follow up unless it names another:
     * left without an owner, no one was asked about it (a try-out).
     */
    if (!in->owner_id && r->who.kind == IDENTITY_USER && !r->who.api_token &&
        r->who.distributor_id > 0)
        in->owner_id = (uint64_t)r->who.user_id;
    exec_run(r, &d_lead_register);
}

void rpc_list_leads(struct request *r)
{
    const Liaison__V1__ListLeadsRequest *in = (const Liaison__V1__ListLeadsRequest *)r->input;
    if (in->stage[0] && !stage_known(in->stage)) {
        request_fail_field(r, "stage", STAGE_WORDS);
        return;
    }
    if (in->registration[0] && strcmp(in->registration, "accepted") &&
        strcmp(in->registration, "flagged") && strcmp(in->registration, "approved") &&
        strcmp(in->registration, "rejected")) {
        request_fail_field(r, "registration", "accepted, flagged, approved or rejected");
        return;
    }
    if (id_or_zero_ok(r, "distributorId", in->distributor_id) &&
        id_or_zero_ok(r, "keyAccountId", in->key_account_id) &&
        request_check_text(r, "name", in->name, 200, false))
        exec_run(r, &d_lead_list);
}

void rpc_get_lead(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_lead_get);
}

void rpc_set_lead_stage(struct request *r)
{
    const Liaison__V1__SetLeadStageRequest *in = (const Liaison__V1__SetLeadStageRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    if (!stage_known(in->stage)) {
        request_fail_field(r, "stage", STAGE_WORDS);
        return;
    }
    exec_run(r, &d_lead_stage);
}

void rpc_decide_lead_registration(struct request *r)
{
    const Liaison__V1__DecideLeadRegistrationRequest *in =
        (const Liaison__V1__DecideLeadRegistrationRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    bool reassign = !strcmp(in->decision, "reassign");
    if (!reassign && strcmp(in->decision, "approve") && strcmp(in->decision, "reject")) {
        request_fail_field(r, "decision", "approve, reject or reassign");
        return;
    }
    if (!reassign && in->distributor_id) {
        request_fail_field(r, "distributorId", "only a reassignment names a distributor");
        return;
    }
    if (id_or_zero_ok(r, "distributorId", in->distributor_id) &&
        request_check_chars(r, "note", in->note, 2000, false))
        exec_run(r, &d_lead_decide);
}

/*
 * A correction of an open lead. Its region and lines are not corrected (the registration was
 * checked for them): given, the database holds them to the lead's own, and alone they change
 * nothing, so they are no correction.
 */
void rpc_update_lead(struct request *r)
{
    Liaison__V1__UpdateLeadRequest *in = (Liaison__V1__UpdateLeadRequest *)r->input;
    if (!request_check_id(r, "id", in->id) ||
        !request_check_chars(r, "title", in->title, 200, false) ||
        !request_check_one_line(r, "title", in->title) ||
        !id_or_zero_ok(r, "ownerId", in->owner_id))
        return;
    if (in->value) {
        geo_upcase(in->value->currency);
        if (in->value->currency[0] && !geo_currency(in->value->currency)) {
            request_fail_field(r, "value.currency", "not an ISO 4217 currency code");
            return;
        }
        /*
         * A currency with no amount reads as "change only the currency", and would set
         * the value to 0: the amount it is in is said with it.
         */
        if (in->value->currency[0] && in->value->value_minor == 0) {
            request_fail_field(r, "value.valueMinor",
                               "the amount in that currency: a value changes amount and currency "
                               "together (0 with a currency would wipe the amount)");
            return;
        }
        /* As RegisterLead: a deal's value is summed into reports and plans. */
        if (in->value->value_minor > REQUEST_MAX_AMOUNT) {
            request_fail_field(r, "value.valueMinor", REQUEST_MAX_AMOUNT_WORDS);
            return;
        }
    }
    if (in->expected_close[0] && !charter_date_ok(in->expected_close)) {
        request_fail_field(r, "expectedClose", charter_date_why(r, in->expected_close));
        return;
    }
    geo_upcase(in->region);
    if (in->region[0] && !geo_region(in->region) && !geo_country(in->region)) {
        request_fail_field(r, "region", "an ISO 3166-2 subdivision, or a country");
        return;
    }
    if (!line_ids_ok(r, in->product_line_ids, in->n_product_line_ids))
        return;
    if (!in->title[0] && !in->value && !in->expected_close[0] && !in->owner_id) {
        request_fail(r, LIAISON__V1__CODE__INVALID_ARGUMENT,
                     "nothing to change: give a title, a value, an expected close date or an "
                     "owner (a lead's region and product lines stay those it was registered "
                     "with: register a new lead for others)");
        return;
    }
    exec_run(r, &d_lead_update);
}

void rpc_create_interaction(struct request *r)
{
    const Liaison__V1__CreateInteractionRequest *in =
        (const Liaison__V1__CreateInteractionRequest *)r->input;
    if (strcmp(in->kind, "call") && strcmp(in->kind, "visit") && strcmp(in->kind, "email") &&
        strcmp(in->kind, "message")) {
        request_fail_field(r, "kind", "call, visit, email or message");
        return;
    }
    if (!in->key_account_id && !in->lead_id) {
        request_fail_field(r, "keyAccountId",
                           "required: the key account, or a lead (whose account it is)");
        return;
    }
    /* Its years are checked in UTC: "9999-12-31T23:00:00-15:00" was year 10000. */
    if (!request_check_time(r, "at", in->at, false))
        return;
    if (request_check_chars(r, "summary", in->summary, 4000, true) &&
        id_or_zero_ok(r, "distributorId", in->distributor_id) &&
        id_or_zero_ok(r, "keyAccountId", in->key_account_id) &&
        id_or_zero_ok(r, "leadId", in->lead_id))
        exec_run(r, &d_interaction_create);
}

void rpc_update_interaction(struct request *r)
{
    const Liaison__V1__UpdateInteractionRequest *in =
        (const Liaison__V1__UpdateInteractionRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    if (!in->kind[0] && !in->at[0] && !in->summary[0]) {
        request_fail(r, LIAISON__V1__CODE__INVALID_ARGUMENT,
                     "nothing to change: give a kind, a time or a summary");
        return;
    }
    if (request_check_time(r, "at", in->at, false) &&
        request_check_chars(r, "summary", in->summary, 4000, false))
        exec_run(r, &d_interaction_update);
}

void rpc_list_interactions(struct request *r)
{
    const Liaison__V1__ListInteractionsRequest *in =
        (const Liaison__V1__ListInteractionsRequest *)r->input;
    if (id_or_zero_ok(r, "distributorId", in->distributor_id) &&
        id_or_zero_ok(r, "keyAccountId", in->key_account_id) &&
        id_or_zero_ok(r, "leadId", in->lead_id))
        exec_run(r, &d_interaction_list);
}

void rpc_get_crm_settings(struct request *r)
{
    exec_run(r, &d_settings_get);
}

void rpc_update_crm_settings(struct request *r)
{
    const Liaison__V1__UpdateCrmSettingsRequest *in =
        (const Liaison__V1__UpdateCrmSettingsRequest *)r->input;
    if (!in->settings) {
        request_fail_field(r, "settings", "required");
        return;
    }
    if (in->settings->deal_protection_days < 1 || in->settings->deal_protection_days > 3650) {
        request_fail_field(r, "settings.dealProtectionDays", "1 to 3650 days");
        return;
    }
    exec_run(r, &d_settings_update);
}
