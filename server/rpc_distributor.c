/*
 * rpc_distributor.c - distributors (country, languages, time zone, business
 * hours and days, status, account manager) and contacts. Reference values
 * are checked against geo.c's lists before anything is written; what needs
 * the database (the distributor a contact belongs to, the account manager)
 * is checked inside the request's transaction. Every RPC but
 * SetDistributorStatus is a declaration run by exec.c.
 */
#include "rpc_distributor.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec.h"
#include "geo.h"
#include "log.h"
#include "rpc_charter.h"

/* What a distributor keeps unless its fields say otherwise (empty). */
#define DEFAULT_HOURS_START "09:00"
#define DEFAULT_HOURS_END "17:00"
#define DEFAULT_WORK_DAYS "{1,2,3,4,5}"

/* The columns of a Distributor (distributors d) and of a Contact (contacts c). */
#define DIST_COLS                                                                                  \
    "d.id, d.name, d.country, array_to_json(d.languages)::text AS languages, d.time_zone,"         \
    " liaison_hhmm(d.business_hours_start) AS business_hours_start,"                               \
    " liaison_hhmm(d.business_hours_end) AS business_hours_end,"                                   \
    " array_to_json(d.work_days)::text AS work_days, d.status, d.account_manager_id,"              \
    " liaison_rfc3339(d.created_at) AS created_at,"                                                \
    " (SELECT coalesce(nullif(u.display_name, ''), u.email) FROM users u"                          \
    "  WHERE u.tenant_id = d.tenant_id AND u.id = d.account_manager_id) AS account_manager_name,"  \
    " (SELECT u.email FROM users u WHERE u.tenant_id = d.tenant_id"                                \
    "  AND u.id = d.account_manager_id) AS account_manager_email,"                                 \
    " coalesce((SELECT u.disabled_at IS NOT NULL FROM users u WHERE u.tenant_id = d.tenant_id"     \
    "  AND u.id = d.account_manager_id), false) AS account_manager_disabled,"                      \
    " to_char(liaison_now() AT TIME ZONE coalesce(nullif(d.time_zone, ''), 'UTC'), 'YYYY-MM-DD')"  \
    "  AS local_today"
#define CONTACT_COLS                                                                               \
    "c.id, c.distributor_id, c.name, c.role, c.email, c.phone, c.messaging, c.language,"           \
    " c.time_zone, to_char(c.left_on, 'YYYY-MM-DD') AS left_on"
#define SEES "liaison_sees_distributor(d.id, d.account_manager_id)"
/* The tenant's day by the service clock, in its time zone (UTC when it has none). */
#define TENANT_TODAY                                                                               \
    "(SELECT (liaison_now() AT TIME ZONE coalesce(nullif(t.time_zone, ''), 'UTC'))::date"          \
    " FROM tenants t WHERE t.id = liaison_tenant())"

#define DISTRIBUTOR_STATUS_WORDS "prospect, onboarding, active, at_risk or terminated"

/* $1..$7 DistributorFields in proto order, $8 account manager (0: none) */
static struct db_stmt q_dist_create = {
    "WITH m AS (INSERT INTO distributors AS d (tenant_id, name, country, languages, time_zone,"
    "  business_hours_start, business_hours_end, work_days, account_manager_id)"
    "  VALUES (liaison_tenant(), $1, $2, $3::text[], $4,"
    "  coalesce(nullif($5, ''), '" DEFAULT_HOURS_START "')::time,"
    "  coalesce(nullif($6, ''), '" DEFAULT_HOURS_END "')::time,"
    "  coalesce(nullif($7::smallint[], '{}'), '" DEFAULT_WORK_DAYS "'), nullif($8::bigint, 0))"
    "  RETURNING " DIST_COLS ")" EXEC_AUDITED("'distributor.create'", "distributor"),
    8, 0};
/*
 * An account manager is an enabled manager or tenant admin of the tenant:
 * $1 user (0: none), $2 the request field that named it.
 */
static struct db_stmt q_manager_ok = {
    "SELECT liaison_check($1::bigint = 0 OR EXISTS (SELECT 1 FROM users u"
    " WHERE u.tenant_id = liaison_tenant() AND u.id = $1::bigint AND u.disabled_at IS NULL"
    " AND u.role IN ('manager', 'tenant_admin')), $2,"
    " 'not an enabled manager or tenant admin of this tenant')",
    2, 0};
/* $1 after, $2 limit, $3 status, $4 country ('': any), $5 manager (0: any), $6 name ('': any) */
static struct db_stmt q_dist_list = {
    "SELECT " DIST_COLS " FROM distributors d WHERE d.tenant_id = liaison_tenant()"
    " AND d.id > $1::bigint AND " SEES " AND ($3 = '' OR d.status = $3)"
    " AND ($4 = '' OR d.country = $4)"
    " AND ($5::bigint = 0 OR d.account_manager_id = $5::bigint)"
    " AND ($6 = '' OR liaison_name_like(d.name, $6)) ORDER BY d.id LIMIT $2::int",
    6, 0};
static struct db_stmt q_dist_get = {"SELECT " DIST_COLS " FROM distributors d"
                                    " WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint"
                                    " AND " SEES,
                                    1, 0};
/* $1 id, $2..$8 DistributorFields as for create */
static struct db_stmt q_dist_update = {
    "WITH m AS (UPDATE distributors d SET name = $2, country = $3, languages = $4::text[],"
    "  time_zone = $5,"
    "  business_hours_start = coalesce(nullif($6, ''), '" DEFAULT_HOURS_START "')::time,"
    "  business_hours_end = coalesce(nullif($7, ''), '" DEFAULT_HOURS_END "')::time,"
    "  work_days = coalesce(nullif($8::smallint[], '{}'), '" DEFAULT_WORK_DAYS "')"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint AND " SEES
    "  RETURNING " DIST_COLS ")" EXEC_AUDITED("'distributor.update'", "distributor"),
    8, 0};
/*
 * $1 id, $2 user (checked by q_manager_ok). The distributor's open leads, key accounts and open
 * action items owned by the manager it leaves, who reaches it no more (a manager who does not
 * see every distributor), go to the new one (the items, with none, to the caller): they kept an
 * owner who could not open them, and whom the owner's own rule refused when set again (try-outs).
 * A won or lost lead keeps its owner, who closed it. Each one moved is audited on itself, as a
 * change of its owner by hand is.
 */
static struct db_stmt q_dist_assign = {
    /* Read as the statement began: not FOR UPDATE, which skips the row m updates. */
    "WITH was AS (SELECT d.account_manager_id AS id FROM distributors d"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint AND " SEES "),"
    " gone AS (SELECT was.id FROM was JOIN users u ON u.tenant_id = liaison_tenant()"
    "  AND u.id = was.id WHERE u.role = 'manager' AND NOT u.sees_all_distributors"
    "  AND was.id IS DISTINCT FROM nullif($2::bigint, 0)),"
    " m AS (UPDATE distributors d SET account_manager_id = $2::bigint"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint AND " SEES
    "  RETURNING " DIST_COLS "),"
    " leads_moved AS (UPDATE leads l SET owner_id = nullif($2::bigint, 0)"
    "  WHERE l.tenant_id = liaison_tenant() AND l.distributor_id = $1::bigint"
    "  AND l.stage NOT IN ('won', 'lost') AND l.owner_id IN (SELECT gone.id FROM gone)"
    "  RETURNING liaison_audit('lead.update', 'lead', l.id::text)),"
    " accounts_moved AS (UPDATE key_accounts a SET owner_id = nullif($2::bigint, 0)"
    "  WHERE a.tenant_id = liaison_tenant() AND a.distributor_id = $1::bigint"
    "  AND a.owner_id IN (SELECT gone.id FROM gone)"
    "  RETURNING liaison_audit('key_account.update', 'key_account', a.id::text)),"
    " items_moved AS (UPDATE action_items i"
    "  SET owner_user_id = coalesce(nullif($2::bigint, 0), liaison_user_id())"
    "  WHERE i.tenant_id = liaison_tenant() AND i.distributor_id = $1::bigint"
    "  AND i.status = 'open' AND i.owner_user_id IN (SELECT gone.id FROM gone)"
    "  RETURNING liaison_audit('action_item.reassign', 'action_item', i.id::text))"
    /* The manager it already had is no change to audit. */
    " SELECT * FROM m WHERE (SELECT was.id FROM was) IS NOT DISTINCT FROM nullif($2::bigint, 0)"
    "  OR liaison_audit('distributor.assign', 'distributor', m.id::text)",
    2, 0};
/*
 * A status change the life cycle allows, of a distributor the caller
 * reaches ($1 id, $2 status): NOT_FOUND or FAILED_PRECONDITION naming the
 * status it has. Each condition holds when the other one fails, so their
 * order does not matter; the row stays locked until the change.
 */
static struct db_stmt q_dist_status_ok = {
    "SELECT liaison_found(s IS NOT NULL, 'no such distributor'),"
    " liaison_precondition(s IS NULL OR liaison_status_transition_ok(s, $2),"
    "  format('a distributor cannot go from %s to %s', s, $2))"
    " FROM (SELECT (SELECT d.status FROM distributors d WHERE d.tenant_id = liaison_tenant()"
    "  AND d.id = $1::bigint AND " SEES " FOR UPDATE) AS s) x",
    2, 0};
/*
 * $1 id, $2 status. Terminating a distributor terminates its active charter
 * and its draft in the same transaction, each audited: the territory it held
 * is free again. t is a data-modifying CTE, so it runs unreferenced.
 */
static struct db_stmt q_dist_status = {
    "WITH m AS (UPDATE distributors d SET status = $2"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint AND " SEES
    "  AND liaison_status_transition_ok(d.status, $2) RETURNING " DIST_COLS "),"
    " t AS (UPDATE charters c SET status = 'terminated' FROM m WHERE $2 = 'terminated'"
    "  AND c.tenant_id = liaison_tenant() AND c.distributor_id = m.id"
    "  AND c.status IN ('active', 'draft')"
    "  RETURNING liaison_audit('charter.terminate', 'charter', c.id::text))"
    " SELECT * FROM m WHERE liaison_audit('distributor.status.' || $2, 'distributor', m.id::text)",
    2, 0};

/* The distributor a contact belongs to, or a list is filtered by, is one the caller reaches. */
static struct db_stmt q_dist_reached = {
    "SELECT liaison_found(EXISTS (SELECT 1 FROM distributors d WHERE d.tenant_id = liaison_tenant()"
    " AND d.id = $1::bigint AND " SEES "), 'no such distributor')",
    1, 0};
struct db_stmt distributor_filter_reached = {
    "SELECT liaison_found($1::bigint = 0 OR EXISTS (SELECT 1 FROM distributors d"
    " WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint AND " SEES "),"
    " 'no such distributor')",
    1, 0};
/*
 * $1 distributor (checked by q_dist_reached), $2..$8 ContactFields. The same
 * person entered twice is refused (liaison_contact_same, migration 0186);
 * the name is stored trimmed, its spaces collapsed, as customers' are.
 */
static struct db_stmt q_contact_create = {
    "WITH m AS (INSERT INTO contacts AS c (tenant_id, distributor_id, name, role, email, phone,"
    "  messaging, language, time_zone)"
    "  SELECT liaison_tenant(), $1::bigint, liaison_name_clean($2), $3, $4, $5, $6, $7, $8"
    "  FROM (SELECT liaison_contact_same($1::bigint, $2, $4, 0) AS message) same"
    "  WHERE liaison_unique(same.message IS NULL, same.message)"
    "  RETURNING " CONTACT_COLS ")" EXEC_AUDITED("'contact.create'", "contact"),
    8, 0};
/* $1 distributor, $2 after, $3 limit, $4 name ('': any), $5 those who left too */
static struct db_stmt q_contact_list = {
    "SELECT " CONTACT_COLS " FROM contacts c JOIN distributors d"
    " ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id"
    " WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = $1::bigint AND " SEES
    " AND c.id > $2::bigint AND ($4 = '' OR liaison_name_like(c.name, $4)"
    " OR c.email ILIKE liaison_like($4)) AND ($5::boolean OR c.left_on IS NULL)"
    " ORDER BY c.id LIMIT $3::int",
    5, 0};
/* $1 contact, of a distributor the caller reaches */
static struct db_stmt q_contact_get = {
    "SELECT " CONTACT_COLS " FROM contacts c JOIN distributors d"
    " ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id"
    " WHERE c.tenant_id = liaison_tenant() AND c.id = $1::bigint AND " SEES,
    1, 0};
/*
 * $1 id, $2..$8 ContactFields. Edited into another contact of its
 * distributor, it is refused (liaison_contact_same); contacts entered twice
 * before migration 0186 can still be edited while neither name nor e-mail
 * changes. The check runs only once the caller is seen to reach the
 * distributor (CASE fixes that order), so that a refusal tells no one of
 * another distributor's contacts.
 */
static struct db_stmt q_contact_update = {
    "WITH m AS (UPDATE contacts c SET name = liaison_name_clean($2), role = $3, email = $4,"
    "  phone = $5, messaging = $6, language = $7, time_zone = $8 FROM distributors d"
    "  WHERE c.tenant_id = liaison_tenant() AND c.id = $1::bigint"
    "  AND d.tenant_id = c.tenant_id AND d.id = c.distributor_id"
    "  AND CASE WHEN " SEES " THEN liaison_unique(liaison_name_key(c.name) = liaison_name_key($2)"
    "   AND lower(c.email) = lower($4)"
    "   OR liaison_contact_same(d.id, $2, $4, c.id) IS NULL,"
    "   liaison_contact_same(d.id, $2, $4, c.id)) ELSE false END"
    "  RETURNING " CONTACT_COLS ")" EXEC_AUDITED("'contact.update'", "contact"),
    8, 0};
/*
 * $1 id: the contact locked before q_contact_remove looks for its action
 * items. An action item given to it meanwhile holds a key-share lock on it
 * until it commits; the DELETE alone would wait for that lock with its
 * snapshot taken before, find no action item, and be refused by the key
 * instead of by its own check. Locked first, the DELETE's snapshot is
 * taken after such an item committed, and a removal that went first makes
 * the item's own check say the contact is gone.
 */
static struct db_stmt q_contact_lock = {
    "SELECT c.id FROM contacts c JOIN distributors d"
    " ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id"
    " WHERE c.tenant_id = liaison_tenant() AND c.id = $1::bigint AND " SEES " FOR UPDATE OF c",
    1, 0};
/*
 * $1 id. A contact with history stays, and says so: one who owns action
 * items (the key refused it with "breaks a rule of the data" alone), or is
 * an attendee of meetings (whose attendance went with it). Someone who
 * left is marked as left instead (SetContactLeft). Said only of a contact
 * the caller reaches (the CASE orders the two): of another, a manager
 * learnt that it exists and owns items.
 */
#define CONTACT_OWNS_ITEMS                                                                         \
    "EXISTS (SELECT 1 FROM action_items a WHERE a.tenant_id = c.tenant_id"                         \
    " AND a.owner_contact_id = c.id)"
/* But for the meetings to come a series put them in, which do not keep them (migration 0233). */
#define CONTACT_ATTENDS                                                                            \
    "EXISTS (SELECT 1 FROM meeting_attendees a JOIN meetings mt ON mt.tenant_id = a.tenant_id"     \
    " AND mt.id = a.meeting_id WHERE a.tenant_id = c.tenant_id AND a.contact_id = c.id"            \
    " AND NOT (a.from_series AND mt.status = 'scheduled' AND mt.starts_at >= liaison_now()))"
/*
 * Removing the contact took its rung off an escalation ladder without a word,
 * the visit keeping the hours that rung had (a try-out): the ladder names
 * them too, each rung said by severity.
 */
#define CONTACT_ON_LADDER                                                                          \
    "EXISTS (SELECT 1 FROM escalation_protocol_steps s WHERE s.tenant_id = c.tenant_id"            \
    " AND s.contact_id = c.id)"
#define CONTACT_LADDER_RUNGS                                                                       \
    "(SELECT string_agg(format('rung %s of the %s escalation ladder', s.position, p.severity),"    \
    "  ' and ' ORDER BY array_position(ARRAY['low', 'normal', 'high', 'critical'], p.severity))"   \
    " FROM escalation_protocol_steps s JOIN escalation_protocols p ON p.tenant_id = s.tenant_id"   \
    " AND p.id = s.protocol_id WHERE s.tenant_id = c.tenant_id AND s.contact_id = c.id)"
static struct db_stmt q_contact_remove = {
    "WITH m AS (DELETE FROM contacts c USING distributors d"
    "  WHERE c.tenant_id = liaison_tenant() AND c.id = $1::bigint"
    "  AND d.tenant_id = c.tenant_id AND d.id = c.distributor_id"
    "  AND CASE WHEN " SEES " THEN liaison_precondition(NOT " CONTACT_OWNS_ITEMS
    "   AND NOT " CONTACT_ATTENDS " AND NOT " CONTACT_ON_LADDER ", format('%s %s, which keep"
    " naming them: mark the contact as left instead of removing it%s', c.name,"
    "   concat_ws(' and ', CASE WHEN " CONTACT_OWNS_ITEMS " THEN 'owns action items' END,"
    "   CASE WHEN " CONTACT_ATTENDS " THEN 'is an attendee of meetings' END,"
    "   CASE WHEN " CONTACT_ON_LADDER " THEN format('is on %s of %s', " CONTACT_LADDER_RUNGS ","
    "   d.name) END),"
    "   CASE WHEN " CONTACT_ON_LADDER " THEN ', or set those ladders without them' ELSE '' END))"
    "  ELSE false END"
    "  RETURNING " CONTACT_COLS ")" EXEC_AUDITED("'contact.remove'", "contact"),
    1, 0};
/*
 * SetContactLeft: $1 id, $2 the day they left ('': the tenant's today), $3
 * rejoined. A contact the caller reaches, locked to the change, and a day
 * not after the tenant's today (nobody is known to leave in the future).
 */
static struct db_stmt q_contact_left_ok = {
    "SELECT liaison_found(x.id IS NOT NULL, 'no such contact'),"
    " liaison_check(x.id IS NULL OR $3::boolean OR $2 = ''"
    "  OR nullif($2, '')::date <= " TENANT_TODAY ","
    "  'leftOn', format('%s is a day to come (today is %s in the tenant''s time zone): mark them"
    " once they have left', $2, " TENANT_TODAY "))"
    " FROM (VALUES (1)) one LEFT JOIN (SELECT c.id FROM contacts c JOIN distributors d"
    " ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id"
    " WHERE c.tenant_id = liaison_tenant() AND c.id = $1::bigint AND " SEES
    " FOR UPDATE OF c) x ON true",
    3, 0};
/*
 * $1 id, $2 day, $3 rejoined (checked by q_contact_left_ok). A contact
 * already so (current, or left on that day) is left as it is, unaudited:
 * a retry whose answer was lost. Without a day, one who left already keeps
 * theirs: a retry on a later day moved it to that day.
 */
#define CONTACT_LEFT_ON                                                                            \
    "(CASE WHEN $3::boolean THEN NULL"                                                             \
    " ELSE coalesce(nullif($2, '')::date, c.left_on, " TENANT_TODAY ") END)"
static struct db_stmt q_contact_left = {
    "WITH m AS (UPDATE contacts c SET left_on = " CONTACT_LEFT_ON " FROM distributors d"
    "  WHERE c.tenant_id = liaison_tenant() AND c.id = $1::bigint"
    "  AND d.tenant_id = c.tenant_id AND d.id = c.distributor_id AND " SEES
    "  AND c.left_on IS DISTINCT FROM " CONTACT_LEFT_ON " RETURNING c.id)"
    " SELECT * FROM m WHERE liaison_audit(CASE WHEN $3::boolean THEN 'contact.rejoin'"
    " ELSE 'contact.left' END, 'contact', m.id::text)",
    3, 0};
/*
 * $1 id: the contact as it is now and, when they left, what still names
 * them and wants someone else: the open action items they own, the rungs
 * of their distributor's own ladders that name them, the rungs by a role
 * that only they held (a try-out: a sales director who left was on rung 2
 * by her role, unsaid), and the meetings to come with them as an attendee.
 * A distributor user with their e-mail is the same person (0148): that
 * login, while enabled, and what it owns or attends are named too (a
 * try-out: one who left kept reading the price sheet, unsaid).
 */
#define SAME_PERSON                                                                                \
    "(SELECT u.id FROM users u WHERE u.tenant_id = c.tenant_id AND u.role = 'distributor_user'"    \
    " AND u.distributor_id = c.distributor_id AND lower(u.email) = lower(c.email))"
static struct db_stmt q_contact_left_reply = {
    "SELECT (SELECT to_json(x) FROM (SELECT " CONTACT_COLS ") x) AS contact,"
    " (SELECT json_agg(json_build_object('kind', s.kind, 'id', s.id, 'summary', s.summary,"
    "  'at', liaison_rfc3339(s.at)) ORDER BY s.rank, s.at, s.id, s.summary) FROM ("
    "  SELECT 1 AS rank, 'action_item' AS kind, a.id, a.description AS summary, a.due_at AS at"
    "  FROM action_items a WHERE a.tenant_id = c.tenant_id AND (a.owner_contact_id = c.id"
    "  OR a.owner_user_id IN " SAME_PERSON ") AND a.status = 'open'"
    "  UNION ALL SELECT 2, 'escalation_rung', 0, format('rung %s of the %s escalation ladder',"
    "  r.position, p.severity), NULL FROM escalation_protocol_steps r"
    "  JOIN escalation_protocols p ON p.tenant_id = r.tenant_id AND p.id = r.protocol_id"
    "  WHERE r.tenant_id = c.tenant_id AND r.contact_id = c.id"
    /* A rung by role that found them, and now finds no one current: one they held alone. */
    "  UNION ALL SELECT 2, 'escalation_role', 0, format('rung %s of the %s escalation ladder,"
    " by role (%s)', r.position, p.severity, r.contact_role), NULL FROM escalation_protocol_steps r"
    "  JOIN escalation_protocols p ON p.tenant_id = r.tenant_id AND p.id = r.protocol_id"
    "  WHERE r.tenant_id = c.tenant_id AND r.contact_id IS NULL"
    "  AND p.id = (SELECT f.protocol_id"
    "  FROM liaison_escalation_protocol_for(c.distributor_id, p.severity) f)"
    "  AND liaison_role_key(r.contact_role) = liaison_role_key(c.role)"
    "  AND NOT EXISTS (SELECT 1 FROM contacts o WHERE o.tenant_id = c.tenant_id"
    "  AND o.distributor_id = c.distributor_id AND o.left_on IS NULL"
    "  AND liaison_role_key(o.role) = liaison_role_key(r.contact_role))"
    "  UNION ALL SELECT 3, 'meeting', m.id, m.title, m.starts_at FROM meetings m"
    "  WHERE m.tenant_id = c.tenant_id AND m.status = 'scheduled' AND m.ends_at > liaison_now()"
    "  AND EXISTS (SELECT 1 FROM meeting_attendees a WHERE a.tenant_id = m.tenant_id"
    "  AND a.meeting_id = m.id AND (a.contact_id = c.id OR a.user_id IN " SAME_PERSON "))"
    "  UNION ALL SELECT 0, 'login', u.id, u.email, NULL FROM users u"
    "  WHERE u.tenant_id = c.tenant_id AND u.id IN " SAME_PERSON " AND u.disabled_at IS NULL)"
    " s WHERE c.left_on IS NOT NULL) AS still_named"
    " FROM contacts c JOIN distributors d ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id"
    " WHERE c.tenant_id = liaison_tenant() AND c.id = $1::bigint AND " SEES,
    1, 0};

#define DIST_FIELDS                                                                                \
    "fields.name", "fields.country", "fields.languages", "fields.time_zone",                       \
        "fields.business_hours_start", "fields.business_hours_end", "fields.work_days"
#define CONTACT_FIELDS                                                                             \
    "fields.name", "fields.role", "fields.email", "fields.phone", "fields.messaging",              \
        "fields.language", "fields.time_zone"

static struct exec_decl d_dist_create = {
    .method = "CreateDistributor",
    .check = {&q_manager_ok, {"account_manager_id", "=accountManagerId"}},
    .query = {&q_dist_create, {DIST_FIELDS, "account_manager_id"}},
    .out = "distributor",
    .not_found = "no such distributor"};
static struct exec_decl d_dist_list = {
    .method = "ListDistributors",
    .query = {&q_dist_list,
              {"@after", "@limit", "status", "country", "account_manager_id", "name"}},
    .shape = EXEC_PAGE,
    .out = "distributors",
    .cursor = "dst",
    .filters = {"status", "country", "account_manager_id", "name"}};
static struct exec_decl d_dist_get = {.method = "GetDistributor",
                                      .query = {&q_dist_get, {"id"}},
                                      .out = "distributor",
                                      .not_found = "no such distributor"};
static struct exec_decl d_dist_update = {.method = "UpdateDistributor",
                                         .query = {&q_dist_update, {"id", DIST_FIELDS}},
                                         .out = "distributor",
                                         .not_found = "no such distributor"};
static struct exec_decl d_dist_status = {.method = "SetDistributorStatus",
                                         .check = {&q_dist_status_ok, {"id", "status"}},
                                         .query = {&q_dist_status, {"id", "status"}},
                                         .out = "distributor",
                                         .not_found = "no such distributor"};
static struct exec_decl d_dist_assign = {.method = "AssignAccountManager",
                                         .check = {&q_manager_ok, {"user_id", "=userId"}},
                                         .query = {&q_dist_assign, {"id", "user_id"}},
                                         .out = "distributor",
                                         .not_found = "no such distributor"};
static struct exec_decl d_contact_create = {
    .method = "CreateContact",
    .check = {&q_dist_reached, {"distributor_id"}},
    .query = {&q_contact_create, {"distributor_id", CONTACT_FIELDS}},
    .out = "contact",
    .not_found = "no such distributor"};
static struct exec_decl d_contact_list = {
    .method = "ListContacts",
    .check = {&q_dist_reached, {"distributor_id"}},
    .query = {&q_contact_list, {"distributor_id", "@after", "@limit", "name", "include_left"}},
    .shape = EXEC_PAGE,
    .out = "contacts",
    .cursor = "cnt",
    .filters = {"distributor_id", "name", "include_left"}};
static struct exec_decl d_contact_get = {.method = "GetContact",
                                         .query = {&q_contact_get, {"id"}},
                                         .out = "contact",
                                         .not_found = "no such contact"};
static struct exec_decl d_contact_update = {.method = "UpdateContact",
                                            .query = {&q_contact_update, {"id", CONTACT_FIELDS}},
                                            .out = "contact",
                                            .not_found = "no such contact"};
static struct exec_decl d_contact_remove = {.method = "RemoveContact",
                                            .check = {&q_contact_lock, {"id"}},
                                            .query = {&q_contact_remove, {"id"}},
                                            .out = "contact",
                                            .not_found = "no such contact"};
static struct exec_decl d_contact_left = {
    .method = "SetContactLeft",
    .check = {&q_contact_left_ok, {"id", "left_on", "rejoined"}},
    .query = {&q_contact_left, {"id", "left_on", "rejoined"}},
    .reply = {&q_contact_left_reply, {"id"}},
    .not_found = "no such contact"};

int rpc_distributor_register(void)
{
    struct exec_decl *const decls[] = {&d_dist_create,    &d_dist_list,      &d_dist_get,
                                       &d_dist_update,    &d_dist_status,    &d_dist_assign,
                                       &d_contact_create, &d_contact_list,   &d_contact_get,
                                       &d_contact_update, &d_contact_remove, &d_contact_left};
    char err[256];
    if (exec_register(decls, (int)(sizeof decls / sizeof decls[0]), err, sizeof err) < 0) {
        log_event(LOG_ERROR, "distributor RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

/* "HH:MM" on a 24-hour clock. */
static bool clock_ok(const char *s)
{
    return strlen(s) == 5 && s[2] == ':' && strspn(s, "0123456789:") == 5 && atoi(s) < 24 &&
           atoi(s + 3) < 60;
}

/* Checks DistributorFields; on failure answers and returns false. */
static bool dist_fields_ok(struct request *r, const Liaison__V1__DistributorFields *f)
{
    if (!f) {
        request_fail_field(r, "fields", "required");
        return false;
    }
    if (!request_check_text(r, "fields.name", f->name, 200, true) ||
        !request_check_one_line(r, "fields.name", f->name) ||
        !request_check_one_script(r, "fields.name", f->name))
        return false;
    geo_upcase(f->country);
    if (!geo_country(f->country)) {
        request_fail_field(r, "fields.country", "not an ISO 3166-1 alpha-2 country code");
        return false;
    }
    if (f->n_languages > 20) {
        request_fail_field(r, "fields.languages", "at most 20");
        return false;
    }
    for (size_t i = 0; i < f->n_languages; i++) {
        if (!geo_language_tag(f->languages[i])) {
            request_fail_field(r, "fields.languages", "not a BCP 47 language tag");
            return false;
        }
        geo_language_canonical(f->languages[i]);
        /* ["vi", "VI"] was stored as "vi" twice, and shown so. */
        for (size_t k = 0; k < i; k++) {
            if (!strcmp(f->languages[k], f->languages[i])) {
                request_fail_field(r, "fields.languages", "each language once");
                return false;
            }
        }
    }
    if (!request_check_zone(r, "fields.timeZone", f->time_zone, true))
        return false;
    const char *start = f->business_hours_start[0] ? f->business_hours_start : DEFAULT_HOURS_START;
    const char *end = f->business_hours_end[0] ? f->business_hours_end : DEFAULT_HOURS_END;
    if (!clock_ok(start) || !clock_ok(end)) {
        request_fail_field(
            r, clock_ok(start) ? "fields.businessHoursEnd" : "fields.businessHoursStart",
            "HH:MM on a 24-hour clock");
        return false;
    }
    if (strcmp(start, end) >= 0) {
        request_fail_field(r, "fields.businessHoursEnd", "must be after the start");
        return false;
    }
    unsigned seen = 0;
    for (size_t i = 0; i < f->n_work_days; i++) {
        uint32_t d = f->work_days[i];
        if (d < 1 || d > 7 || (seen & (1u << d))) {
            request_fail_field(r, "fields.workDays", "ISO weekdays 1 (Monday) to 7, each once");
            return false;
        }
        seen |= 1u << d;
    }
    return true;
}

static bool status_known(const char *s)
{
    return !strcmp(s, "prospect") || !strcmp(s, "onboarding") || !strcmp(s, "active") ||
           !strcmp(s, "at_risk") || !strcmp(s, "terminated");
}

void rpc_create_distributor(struct request *r)
{
    const Liaison__V1__CreateDistributorRequest *in =
        (const Liaison__V1__CreateDistributorRequest *)r->input;
    if (!dist_fields_ok(r, in->fields))
        return;
    if (in->account_manager_id > INT64_MAX) {
        request_fail_field(r, "accountManagerId", "out of range");
        return;
    }
    exec_run(r, &d_dist_create);
}

void rpc_list_distributors(struct request *r)
{
    const Liaison__V1__ListDistributorsRequest *in =
        (const Liaison__V1__ListDistributorsRequest *)r->input;
    if (in->status[0] && !status_known(in->status)) {
        request_fail_field(r, "status", DISTRIBUTOR_STATUS_WORDS);
        return;
    }
    geo_upcase(in->country);
    if (in->country[0] && !geo_country(in->country)) {
        request_fail_field(r, "country", "not an ISO 3166-1 alpha-2 country code");
        return;
    }
    if (in->account_manager_id > INT64_MAX) {
        request_fail_field(r, "accountManagerId", "out of range");
        return;
    }
    if (request_check_text(r, "name", in->name, 200, false) &&
        request_check_one_line(r, "name", in->name))
        exec_run(r, &d_dist_list);
}

void rpc_get_distributor(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_dist_get);
}

void rpc_update_distributor(struct request *r)
{
    const Liaison__V1__UpdateDistributorRequest *in =
        (const Liaison__V1__UpdateDistributorRequest *)r->input;
    if (request_check_id(r, "id", in->id) && dist_fields_ok(r, in->fields))
        exec_run(r, &d_dist_update);
}

void rpc_assign_account_manager(struct request *r)
{
    const Liaison__V1__AssignAccountManagerRequest *in =
        (const Liaison__V1__AssignAccountManagerRequest *)r->input;
    if (request_check_id(r, "id", in->id) && request_check_id(r, "userId", in->user_id))
        exec_run(r, &d_dist_assign);
}

void rpc_set_distributor_status(struct request *r)
{
    const Liaison__V1__SetDistributorStatusRequest *in =
        (const Liaison__V1__SetDistributorStatusRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    if (!status_known(in->status)) {
        request_fail_field(r, "status", DISTRIBUTOR_STATUS_WORDS);
        return;
    }
    exec_run(r, &d_dist_status);
}

/*
 * A phone number as people write them ("+84 28 3822 0000", "(028) 3822-0000
 * ext. 12"): what a dialler or a person can use, not "ask reception".
 */
static bool phone_ok(const char *phone)
{
    size_t digits = 0;
    const char *p = phone;
    for (; *p && strchr("0123456789+()-./ ", *p); p++)
        digits += *p >= '0' && *p <= '9';
    if (*p) {
        /* An extension: "ext", "ext." or "x" (any case), then its digits. */
        if (!strncasecmp(p, "ext", 3))
            p += p[3] == '.' ? 4 : 3;
        else if (*p == 'x' || *p == 'X')
            p++;
        else
            return false;
        while (*p == ' ')
            p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return !*p && digits >= 3;
}

static bool contact_fields_ok(struct request *r, const Liaison__V1__ContactFields *f)
{
    if (!f) {
        request_fail_field(r, "fields", "required");
        return false;
    }
    const struct {
        const char *field, *value;
        size_t max;
    } bounds[] = {{"fields.name", f->name, 200},
                  {"fields.role", f->role, 100},
                  {"fields.email", f->email, 254},
                  {"fields.phone", f->phone, 40},
                  {"fields.messaging", f->messaging, 200}};
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
        if (strlen(bounds[i].value) > bounds[i].max) {
            /* The bound said, as every other field's is. */
            const char *why = request_printf(r, "at most %zu bytes", bounds[i].max);
            request_fail_field(r, bounds[i].field, why ? why : "too long");
            return false;
        }
    }
    /* A role and a messaging handle are one line, as a name is: shown in one table cell. */
    if (!request_check_text(r, "fields.name", f->name, 200, true) ||
        !request_check_one_line(r, "fields.name", f->name) ||
        !request_check_text(r, "fields.role", f->role, 100, false) ||
        !request_check_one_line(r, "fields.role", f->role) ||
        !request_check_text(r, "fields.messaging", f->messaging, 200, false) ||
        !request_check_one_line(r, "fields.messaging", f->messaging))
        return false;
    if (!request_check_email(r, "fields.email", f->email, false))
        return false;
    if (f->phone[0] && !phone_ok(f->phone)) {
        request_fail_field(r, "fields.phone",
                           "not a phone number: digits, spaces and + ( ) - . /, at least 3 digits,"
                           " and an extension as \"ext 12\" or \"x12\"");
        return false;
    }
    if (f->language[0] && !geo_language_tag(f->language)) {
        request_fail_field(r, "fields.language", "not a BCP 47 language tag");
        return false;
    }
    geo_language_canonical(f->language);
    if (!request_check_zone(r, "fields.timeZone", f->time_zone, false))
        return false;
    return true;
}

void rpc_create_contact(struct request *r)
{
    const Liaison__V1__CreateContactRequest *in =
        (const Liaison__V1__CreateContactRequest *)r->input;
    if (request_check_id(r, "distributorId", in->distributor_id) &&
        contact_fields_ok(r, in->fields))
        exec_run(r, &d_contact_create);
}

void rpc_list_contacts(struct request *r)
{
    Liaison__V1__ListContactsRequest *in = (Liaison__V1__ListContactsRequest *)r->input;
    if (request_check_id(r, "distributorId", *request_own_distributor(r, &in->distributor_id)) &&
        request_check_text(r, "name", in->name, 200, false) &&
        request_check_one_line(r, "name", in->name))
        exec_run(r, &d_contact_list);
}

void rpc_get_contact(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_contact_get);
}

void rpc_update_contact(struct request *r)
{
    const Liaison__V1__UpdateContactRequest *in =
        (const Liaison__V1__UpdateContactRequest *)r->input;
    if (request_check_id(r, "id", in->id) && contact_fields_ok(r, in->fields))
        exec_run(r, &d_contact_update);
}

void rpc_remove_contact(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_contact_remove);
}

void rpc_set_contact_left(struct request *r)
{
    const Liaison__V1__SetContactLeftRequest *in =
        (const Liaison__V1__SetContactLeftRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    if (in->rejoined && in->left_on[0]) {
        request_fail_field(r, "leftOn",
                           "empty when rejoined: a current contact has no day they left");
        return;
    }
    if (in->left_on[0] && !charter_date_ok(in->left_on)) {
        const char *why = charter_day_lacking(r, in->left_on);
        request_fail_field(r, "leftOn", why ? why : "YYYY-MM-DD, a day of the years 1900 to 2999");
        return;
    }
    /* As an interaction's day: a contact who left before 2000 is a slip (1990-01-01 was taken). */
    if (in->left_on[0] && strcmp(in->left_on, "2000-01-01") < 0) {
        request_fail_field(r, "leftOn", "in the year 2000 or later");
        return;
    }
    exec_run(r, &d_contact_left);
}
