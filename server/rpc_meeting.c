/*
 * rpc_meeting.c - meetings, attendees, notes, notes compliance and action
 * items, every RPC a declaration run by exec.c. Reach is the distributor's
 * (liaison_sees_distributor): a distributor user reaches its own
 * distributor's meetings and action items only, and another distributor's
 * answer NOT_FOUND as everywhere else. A change that is refused (a wrong
 * transition, a meeting not yet started, notes on a meeting not held) raises
 * in its check, inside the transaction, so it leaves no row and no audit.
 */
#include "rpc_meeting.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec.h"
#include "geo.h"
#include "log.h"
#include "rpc_charter.h"
#include "rpc_distributor.h"

#define SEES "liaison_sees_distributor(d.id, d.account_manager_id)"
/* The tenant's (the exporter's) zone, UTC where it has none. */
#define TENANT_ZONE                                                                                \
    "(SELECT coalesce(nullif(t.time_zone, ''), 'UTC') FROM tenants t WHERE t.id = "                \
    "liaison_tenant())"
/* The distributor d of a meeting m, or of an action item a. */
#define JOIN_DM " JOIN distributors d ON d.tenant_id = m.tenant_id AND d.id = m.distributor_id"
/*
 * A meeting's start (at, a parameter) is at most a week back: one further back did not take
 * place then, or is a year mistyped. The refusal names the first minute taken, on the tenant's
 * clock ("it starts in the past" alone left the user guessing how far: a try-out).
 */
#define WEEK_BACK(at)                                                                              \
    "liaison_check(" at "::timestamptz >= liaison_now() - interval '7 days', 'startsAt',"          \
    " format('at most 7 days in the past: %s or later', liaison_local_time(date_trunc('minute',"   \
    " liaison_now() - interval '7 days' + interval '59.999999 seconds'), " TENANT_ZONE ")))"
/*
 * An action item's due instant: the instant at, else the end of the day on (midnight after it) in
 * the distributor's zone.
 */
#define ACTION_DUE(at, on, zone)                                                                   \
    "coalesce(nullif(" at ", '')::timestamptz, (nullif(" on ", '')::date + 1)::timestamp"          \
    " AT TIME ZONE " zone ")"
/* Named, not called, inside the statements: clang-format breaks a string list at a call. */
#define WEEK_BACK_2 WEEK_BACK("$2")
#define WEEK_BACK_4 WEEK_BACK("$4")
#define ACTION_DUE_CHECKED ACTION_DUE("$6", "$7", "x.zone")
#define ACTION_DUE_UPDATING ACTION_DUE("$5", "$6", "x.zone")
#define ACTION_DUE_CREATED ACTION_DUE("$7", "$8", "d.time_zone")
/* An instant on the exporter's clock, then on the distributor's (x.zone): two %s of a format. */
#define BOTH_CLOCKS(at)                                                                            \
    "liaison_local_time(" at ", " TENANT_ZONE "), liaison_local_time(" at ", x.zone)"
#define BOTH_CLOCKS_MS BOTH_CLOCKS("x.ms")
#define BOTH_CLOCKS_STARTS BOTH_CLOCKS("x.starts_at")
#define JOIN_DA " JOIN distributors d ON d.tenant_id = a.tenant_id AND d.id = a.distributor_id"
#define FIRST_NOTE                                                                                 \
    "(SELECT min(n.created_at) FROM meeting_notes n WHERE n.tenant_id = m.tenant_id"               \
    " AND n.meeting_id = m.id)"
/*
 * The account manager of meeting m: the one it had when its distributor was given to another
 * (migration 0280), else the distributor d's.
 */
#define MEETING_MANAGER "coalesce(m.account_manager_id, d.account_manager_id)"
/*
 * Meetings m with their distributors d and the exporter side's working
 * time ex: the account manager's, else the tenant's (liaison_exporter_hours,
 * migration 0016), as the plan uses. Looked up once a row.
 */
#define FROM_MEETINGS                                                                              \
    " FROM meetings m" JOIN_DM " LEFT JOIN LATERAL liaison_exporter_hours(" MEETING_MANAGER        \
    ") ex ON true"
/* A Meeting without attendees and notes, FROM_MEETINGS. */
#define MEETING_COLS                                                                               \
    "m.id, m.distributor_id, d.name AS distributor_name, m.series_id, m.occurrence_no, m.kind,"    \
    " m.title, array_to_json(m.agenda)::text AS agenda,"                                           \
    " liaison_rfc3339(m.starts_at) AS starts_at, liaison_rfc3339(m.ends_at) AS ends_at,"           \
    " d.time_zone,"                                                                                \
    " to_char(m.starts_at AT TIME ZONE d.time_zone, 'YYYY-MM-DD HH24:MI') AS local_starts_at,"     \
    " to_char(m.ends_at AT TIME ZONE d.time_zone, 'YYYY-MM-DD HH24:MI') AS local_ends_at,"         \
    " m.status, m.sequence, m.status_reason,"                                                      \
    " liaison_rfc3339(m.status_changed_at) AS status_changed_at, m.exporter_outside_minutes,"      \
    " m.distributor_outside_minutes,"                                                              \
    " CASE WHEN m.status = 'held' THEN liaison_rfc3339(m.ends_at + interval '24 hours') END"       \
    "  AS notes_due_at,"                                                                           \
    " CASE WHEN m.status = 'scheduled' AND m.ends_at <= liaison_now()"                             \
    "  THEN 'unrecorded' ELSE liaison_notes_status(m.status, m.ends_at, " FIRST_NOTE ") END"       \
    "  AS notes_status,"                                                                           \
    " liaison_rfc3339(m.notes_flagged_at) AS notes_flagged_at,"                                    \
    " ex.time_zone AS exporter_time_zone,"                                                         \
    " to_char(m.starts_at AT TIME ZONE ex.time_zone, 'YYYY-MM-DD HH24:MI')"                        \
    "  AS exporter_local_starts_at,"                                                               \
    " to_char(m.ends_at AT TIME ZONE ex.time_zone, 'YYYY-MM-DD HH24:MI')"                          \
    "  AS exporter_local_ends_at,"                                                                 \
    " CASE WHEN m.status = 'held' THEN to_char((m.ends_at + interval '24 hours')"                  \
    "  AT TIME ZONE d.time_zone, 'YYYY-MM-DD HH24:MI') END AS local_notes_due_at,"                 \
    " CASE WHEN m.status = 'held' THEN to_char((m.ends_at + interval '24 hours')"                  \
    "  AT TIME ZONE ex.time_zone, 'YYYY-MM-DD HH24:MI') END AS exporter_local_notes_due_at"
/* The whole Meeting: its attendees and notes too. */
#define MEETING_FULL                                                                               \
    MEETING_COLS                                                                                   \
    ", (SELECT json_agg(json_build_object('id', a.id, 'user_id', a.user_id,"                       \
    "   'contact_id', a.contact_id, 'name', coalesce(nullif(u.display_name, ''),"                  \
    "   u.email, c.name), 'email', coalesce(u.email, c.email), 'attendance',"                      \
    "   CASE a.attended WHEN true THEN 'attended' WHEN false THEN 'absent'"                        \
    "   ELSE 'unmarked' END) ORDER BY a.id)"                                                       \
    "  FROM meeting_attendees a"                                                                   \
    "  LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.user_id"                        \
    "  LEFT JOIN contacts c ON c.tenant_id = a.tenant_id AND c.id = a.contact_id"                  \
    "  WHERE a.tenant_id = m.tenant_id AND a.meeting_id = m.id) AS attendees,"                     \
    " (SELECT json_agg(json_build_object('id', n.id, 'author_id', n.author_id,"                    \
    "   'author_email', u.email, 'author_name', u.display_name, 'language', n.language,"           \
    "   'body', n.body,"                                                                           \
    "   'created_at', liaison_rfc3339(n.created_at)) ORDER BY n.created_at, n.id)"                 \
    "  FROM meeting_notes n"                                                                       \
    "  JOIN users u ON u.tenant_id = n.tenant_id AND u.id = n.author_id"                           \
    "  WHERE n.tenant_id = m.tenant_id AND n.meeting_id = m.id) AS notes"
/* An ActionItem, from action_items a and distributors d. */
#define ACTION_COLS                                                                                \
    "a.id, a.distributor_id, a.meeting_id, a.description, a.owner_user_id, a.owner_contact_id,"    \
    " coalesce((SELECT coalesce(nullif(u.display_name, ''), u.email) FROM users u"                 \
    "  WHERE u.tenant_id = a.tenant_id AND u.id = a.owner_user_id),"                               \
    "  (SELECT c.name FROM contacts c WHERE c.tenant_id = a.tenant_id"                             \
    "  AND c.id = a.owner_contact_id)) AS owner_name,"                                             \
    " coalesce((SELECT u.email FROM users u"                                                       \
    "  WHERE u.tenant_id = a.tenant_id AND u.id = a.owner_user_id),"                               \
    "  (SELECT c.email FROM contacts c WHERE c.tenant_id = a.tenant_id"                            \
    "  AND c.id = a.owner_contact_id)) AS owner_email,"                                            \
    " liaison_rfc3339(a.due_at) AS due_at, a.status,"                                              \
    " a.status = 'open' AND a.due_at < liaison_now() AS overdue,"                                  \
    " liaison_rfc3339(a.done_at) AS done_at, a.done_by, a.cancel_reason,"                          \
    " liaison_rfc3339(a.created_at) AS created_at, d.time_zone,"                                   \
    " "                                                                                            \
    "to_char(a.due_at AT TIME ZONE d.time_zone, 'YYYY-MM-DD HH24:MI')"                             \
    " AS local_due_at,"                                                                            \
    " ((a.due_at - interval '1 microsecond') AT TIME ZONE d.time_zone)::date::text AS due_on,"     \
    " liaison_rfc3339(a.overdue_flagged_at) AS overdue_flagged_at, a.internal,"                    \
    " d.name AS distributor_name,"                                                                 \
    " CASE WHEN a.owner_contact_id IS NOT NULL OR (SELECT u.distributor_id FROM users u"           \
    "  WHERE u.tenant_id = a.tenant_id AND u.id = a.owner_user_id) IS NOT NULL"                    \
    "  THEN 'distributor' ELSE 'exporter' END AS owner_side"
#define CALLER "nullif(current_setting('liaison.user_id', true), '')::bigint"
/*
 * A retry's reason, given (none: any) against the one kept: the same words with a space more at
 * an end, or typed with combining accents (a Vietnamese keyboard), were refused as another
 * reason (a try-out).
 */
#define SAME_REASON(given, kept)                                                                   \
    "(btrim(" given ") = ''"                                                                       \
    " OR normalize(btrim(" given "), NFC) = normalize(btrim(" kept "), NFC))"
#define NOBODY_WHO(auditor)                                                                        \
    "no user of this tenant who works on this distributor (an admin, " auditor "its account"       \
    " manager, a manager who sees every distributor or one of its own users; not disabled), and"   \
    " no single contact of this distributor, by that e-mail or name"
#define NOBODY_BY_THAT_NAME NOBODY_WHO("an auditor, ")
/* An auditor attends, but owns no item: the list of who may was offered one (a try-out). */
#define NOBODY_TO_OWN NOBODY_WHO("")

/* ---- meetings ---- */

/* $1 distributor, $2 attendees: the distributor is reached and every attendee names someone. */
static struct db_stmt q_meeting_create_ok = {
    "SELECT liaison_found(x.reached, 'no such distributor'),"
    " liaison_precondition(NOT x.reached OR x.namesakes IS NULL, x.namesakes),"
    " liaison_check(NOT x.reached OR x.nobody IS NULL, 'attendees',"
    "  '" NOBODY_BY_THAT_NAME ": ' || coalesce(x.nobody, ''))"
    " FROM (SELECT EXISTS (SELECT 1 FROM distributors d WHERE d.tenant_id = liaison_tenant()"
    "  AND d.id = $1::bigint AND " SEES ") AS reached,"
    "  (SELECT string_agg(liaison_party_namesakes($1::bigint, w.who), '; ')"
    "   FROM unnest($2::text[]) w (who)) AS namesakes,"
    "  (SELECT string_agg(w.who, ', ') FROM unnest($2::text[]) w (who)"
    "   WHERE NOT EXISTS (SELECT 1 FROM liaison_party_resolve($1::bigint, w.who))) AS nobody) x",
    2, 0};
/*
 * $1 distributor, $2 title, $3 agenda, $4 starts_at, $5 minutes, $6 attendees.
 * One attendance a person (liaison_attendee_person, migration 0148): a user
 * and a contact of the same e-mail named both were in the meeting twice (a
 * try-out), so the user is kept, as a series keeps them. The new id is kept
 * in the transaction for the reply (q_meeting_created).
 */
static struct db_stmt q_meeting_create = {
    "WITH m AS (INSERT INTO meetings (tenant_id, distributor_id, kind, title, agenda, starts_at,"
    "  ends_at)"
    "  SELECT liaison_tenant(), d.id, 'ad_hoc', $2, $3::text[], $4::timestamptz,"
    "  $4::timestamptz + make_interval(mins => $5::int) FROM distributors d"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint AND " SEES
    /* As far back as a meeting is rescheduled: a year typed 2020 for 2026 took (a try-out). */
    "  AND " WEEK_BACK_4 "  RETURNING id, distributor_id),"
    " a AS (INSERT INTO meeting_attendees (tenant_id, meeting_id, user_id, contact_id)"
    "  SELECT DISTINCT ON (liaison_attendee_person(p.user_id, p.contact_id)) liaison_tenant(),"
    "  m.id, p.user_id, p.contact_id"
    "  FROM m CROSS JOIN LATERAL unnest($6::text[]) w (who)"
    "  CROSS JOIN LATERAL liaison_party_resolve(m.distributor_id, w.who) p"
    "  ORDER BY liaison_attendee_person(p.user_id, p.contact_id), p.user_id NULLS LAST"
    "  RETURNING id)"
    " SELECT m.id, (SELECT count(*) FROM a) AS _attendees FROM m"
    " WHERE liaison_audit('meeting.create', 'meeting', m.id::text)"
    " AND set_config('liaison.created_meeting', m.id::text, true) <> ''",
    6, 0};
static struct db_stmt q_meeting_created = {
    "SELECT " MEETING_FULL FROM_MEETINGS " WHERE m.tenant_id = liaison_tenant()"
    " AND m.id = nullif(current_setting('liaison.created_meeting', true), '')::bigint",
    0, 0};
/* $1 id */
static struct db_stmt q_meeting_get = {"SELECT " MEETING_FULL FROM_MEETINGS
                                       " WHERE m.tenant_id = liaison_tenant() AND m.id = $1::bigint"
                                       " AND " SEES,
                                       1, 0};
/*
 * $1 after id, $2 limit, $3 distributor (0: any), $4 from, $5 to ('': open),
 * $6 status ('': any), $7 after time. In calendar order, by start then id:
 * the plan makes series by series and people add and move meetings later,
 * so ids are no order to read a schedule in (index meetings_starts, 0019).
 */
static struct db_stmt q_meeting_list = {
    "SELECT " MEETING_COLS ", " EXEC_PAGE_AT("m.starts_at") FROM_MEETINGS
    " WHERE m.tenant_id = liaison_tenant() AND " SEES
    " AND (m.starts_at, m.id) > ($7::timestamptz, $1::bigint)"
    " AND ($3::bigint = 0 OR m.distributor_id = $3::bigint)"
    " AND (nullif($4, '') IS NULL OR m.starts_at >= nullif($4, '')::timestamptz)"
    " AND (nullif($5, '') IS NULL OR m.starts_at < nullif($5, '')::timestamptz)"
    " AND ($6 = '' OR m.status = $6) ORDER BY m.starts_at, m.id LIMIT $2::int",
    7, 0};
/*
 * A transition from scheduled, of a meeting the caller reaches: $1 id, $2
 * what it would become (in words), $3 whether it must have started by the
 * clock, $4 the status it would have ('': none, a reschedule), $5 the
 * reason given. Missed or cancelled, nobody is recorded as attended. A meeting that has status $4
 * already passes too: a retry whose answer was lost (q_meeting_status then leaves it as it is, and
 * the reply reads it), as orders and action items answer one (migration 0119, q_action_can); but
 * not with a reason other than the one it keeps, which would be lost. NOT_FOUND or
 * FAILED_PRECONDITION in words; each condition holds when another fails, so their order does not
 * matter. Cancelled, it may not leave a week of onboarding without a call (0329). The row stays
 * locked until the change.
 */
static struct db_stmt q_meeting_can = {
    "SELECT liaison_found(x.s IS NOT NULL, 'no such meeting'),"
    " liaison_precondition(x.s IS NULL OR x.s = 'scheduled'"
    "  OR (x.s = $4::text AND " SAME_REASON(
        "$5::text",
        "x.reason") "),"
                    "  CASE WHEN x.s = $4::text THEN format('the meeting is already %s (%s); it is "
                    "not %s again"
                    " for another reason', x.s, coalesce(nullif(x.reason, ''), 'no reason given'), "
                    "$2::text)"
                    "  ELSE format('the meeting is %s; only a scheduled meeting can be %s', x.s, "
                    "$2::text) END),"
                    " liaison_precondition(x.s IS DISTINCT FROM 'scheduled' OR NOT $3::boolean"
                    /* Both sides' times: UTC alone was no one's (a try-out). */
                    "  OR x.starts_at <= liaison_now(), format('the meeting has not started yet "
                    "(it starts at %s,"
                    " %s); it can be %s only once it has started', " BOTH_CLOCKS_STARTS
                    ", $2::text)),"
                    /* Held, attended, reopened, then missed: the record said both (a try-out). */
                    " liaison_precondition(x.s IS DISTINCT FROM 'scheduled' OR $4::text NOT IN "
                    "('missed',"
                    "  'cancelled') OR x.came IS NULL, format('%s recorded as attended: a meeting "
                    "someone"
                    " attended was not %s (record them absent first, or mark it held)', x.came, "
                    "$4::text)),"
                    /* The last call of an onboarding week (0329). */
                    " liaison_precondition(x.s IS DISTINCT FROM 'scheduled' OR x.emptied IS NULL, "
                    "x.emptied)"
                    " FROM (VALUES (1)) one LEFT JOIN (SELECT m.status AS s, m.status_reason AS "
                    "reason,"
                    " m.starts_at, d.time_zone AS zone, (SELECT string_agg(coalesce(nullif(c.name, "
                    "''), "
                    "nullif(u.display_name, ''),"
                    "  u.email), ', ' ORDER BY a.id) || CASE WHEN count(*) > 1 THEN ' are' ELSE ' "
                    "is' END"
                    "  FROM meeting_attendees a LEFT JOIN users u ON u.tenant_id = a.tenant_id"
                    "  AND u.id = a.user_id LEFT JOIN contacts c ON c.tenant_id = a.tenant_id"
                    "  AND c.id = a.contact_id WHERE a.tenant_id = m.tenant_id AND a.meeting_id = "
                    "m.id"
                    "  AND a.attended) AS came, CASE WHEN $4::text = 'cancelled'"
                    "  THEN liaison_onboarding_week_emptied(m.id) END AS emptied FROM meetings "
                    "m" JOIN_DM
                    " WHERE m.tenant_id = liaison_tenant() AND m.id = $1::bigint AND " SEES
                    " FOR UPDATE OF m) x ON true",
    5, 0};
/*
 * $1 id, $2 status, $3 reason, $4 whether calendars must see it (SEQUENCE
 * + 1). A meeting marked held has its notes due 24 hours after its end:
 * the notes_due job records a lapse then. Only a scheduled meeting is
 * written: one already $2 (q_meeting_can let only a retry through) keeps
 * its status_changed_at, sequence and notes job, and no audit row is
 * added for a change that was made before.
 */
static struct db_stmt q_meeting_status = {
    "WITH m AS (UPDATE meetings m SET status = $2, status_reason = $3,"
    "  sequence = m.sequence + CASE WHEN $4::boolean THEN 1 ELSE 0 END,"
    "  status_changed_at = liaison_now(), updated_at = now() FROM distributors d"
    "  WHERE m.tenant_id = liaison_tenant() AND m.id = $1::bigint AND d.tenant_id = m.tenant_id"
    "  AND d.id = m.distributor_id AND " SEES " AND m.status = 'scheduled'"
    "  RETURNING m.id, m.status, m.ends_at)"
    " SELECT m.id FROM m WHERE liaison_audit('meeting.' || $2, 'meeting', m.id::text)"
    " AND (m.status <> 'held' OR liaison_schedule('notes_due', m.id::text,"
    "  m.ends_at + interval '24 hours', jsonb_build_object('meeting_id', m.id)) > 0)",
    4, 0};
/*
 * $1 id: a meeting marked held, missed or cancelled by mistake may be
 * scheduled again, but not to undo what the record must keep: a held
 * meeting that has notes, or whose notes were recorded overdue; nor one
 * its series cancelled (resuming the series brings those back), one of a
 * series not active, or one of a terminated distributor. One scheduled
 * already passes (a retry). The row stays locked until the change.
 */
static struct db_stmt q_meeting_reopen_can = {
    "SELECT liaison_found(x.s IS NOT NULL, 'no such meeting'),"
    " liaison_precondition(x.s IS DISTINCT FROM 'held' OR NOT x.noted,"
    "  'the meeting has notes: one written up took place, and stays held'),"
    " liaison_precondition(x.s IS DISTINCT FROM 'held' OR x.flagged IS NULL,"
    "  format('its notes were recorded as overdue at %s, and that record stands',"
    "  liaison_rfc3339(x.flagged))),"
    " liaison_precondition(x.s IS DISTINCT FROM 'cancelled' OR NOT x.paused,"
    "  'its series cancelled it (paused, or ended with the charter''s grants): resuming the"
    " series (''cadence series resume'') or an amendment that extends the charter brings its"
    " meetings back'),"
    " liaison_precondition(x.s IS NULL OR x.s = 'scheduled' OR coalesce(x.series, 'active')"
    "  = 'active', format('its series is %s: it makes no meetings', x.series)),"
    " liaison_precondition(x.s IS NULL OR x.s = 'scheduled' OR x.dstatus <> 'terminated',"
    "  format('distributor %s is terminated: its meetings stay as they are', x.dname))"
    " FROM (VALUES (1)) one LEFT JOIN (SELECT m.status AS s, m.notes_flagged_at AS flagged,"
    " m.paused_by_series AS paused, d.status AS dstatus, d.name AS dname, ms.status AS series,"
    " EXISTS (SELECT 1 FROM meeting_notes n WHERE n.tenant_id = m.tenant_id"
    "  AND n.meeting_id = m.id) AS noted"
    " FROM meetings m" JOIN_DM " LEFT JOIN meeting_series ms ON ms.tenant_id = m.tenant_id"
    " AND ms.id = m.series_id WHERE m.tenant_id = liaison_tenant() AND m.id = $1::bigint"
    " AND " SEES " FOR UPDATE OF m) x ON true",
    1, 0};
/*
 * $1 id. Calendars that were told of a cancellation see the meeting again
 * (SEQUENCE + 1); a held meeting's notes are no longer due.
 */
static struct db_stmt q_meeting_reopen = {
    "WITH m AS (UPDATE meetings m SET status = 'scheduled', status_reason = '',"
    "  sequence = m.sequence + CASE WHEN m.status = 'cancelled' THEN 1 ELSE 0 END,"
    "  status_changed_at = liaison_now(), updated_at = now() FROM distributors d"
    "  WHERE m.tenant_id = liaison_tenant() AND m.id = $1::bigint AND d.tenant_id = m.tenant_id"
    "  AND d.id = m.distributor_id AND " SEES " AND m.status <> 'scheduled' RETURNING m.id)"
    " SELECT m.id FROM m WHERE liaison_audit('meeting.reopen', 'meeting', m.id::text)"
    " AND liaison_unschedule('notes_due', m.id::text, 'the meeting was reopened') IS NOT NULL",
    1, 0};
/*
 * A meeting's start $2 to the millisecond, as every answer shows it: a microsecond more, stored
 * and never shown, made a reschedule to the time shown a move, sent to every calendar (a
 * try-out).
 */
#define RESCHEDULED_START "date_trunc('milliseconds', $2::timestamptz)"
/* The end of meeting m moved to start at $2, $3 minutes long (0: its own length). */
#define RESCHEDULED_END                                                                            \
    RESCHEDULED_START " + CASE WHEN $3::int > 0 THEN make_interval(mins => $3::int)"               \
                      " ELSE m.ends_at - m.starts_at END"
/* The meeting q_meeting_reschedule names, already where it would move it, when it moved none. */
#define RESCHEDULED_ALREADY                                                                        \
    " UNION ALL SELECT m.id FROM meetings m" JOIN_DM " WHERE m.tenant_id = liaison_tenant()"       \
    "  AND m.id = $1::bigint AND " SEES " AND m.status = 'scheduled'"                              \
    "  AND (m.starts_at, m.ends_at) = (" RESCHEDULED_START ", " RESCHEDULED_END ")"                \
    "  AND NOT EXISTS (SELECT 1 FROM m)"
/*
 * $1 id, $2 starts_at, $3 minutes (0: the meeting's own length). A meeting
 * moves at most a week into the past (it took place earlier than planned,
 * and is then marked held); further back is a typing error, not a meeting.
 * One already there (a retry whose answer was lost) is answered as it is:
 * moved again, its SEQUENCE went up and every attendee's calendar was sent
 * the same event again, audited twice (a try-out). The UPDATE's snapshot
 * still sees a meeting it moves where it was, so only one part answers.
 */
static struct db_stmt q_meeting_reschedule = {
    "WITH m AS (UPDATE meetings m SET starts_at = " RESCHEDULED_START ","
    "  ends_at = " RESCHEDULED_END ", sequence = m.sequence + 1, updated_at = now(),"
    /* Moved ahead, it is a meeting to come: its distributor's manager's (0280, a try-out). */
    "  account_manager_id = CASE WHEN " RESCHEDULED_START " > liaison_now() THEN NULL"
    "  ELSE m.account_manager_id END,"
    /* The plan leaves a meeting someone moved where they put it (0081). */
    "  moved_by_user = true"
    "  FROM distributors d WHERE m.tenant_id = liaison_tenant() AND m.id = $1::bigint"
    "  AND d.tenant_id = m.tenant_id AND d.id = m.distributor_id AND " SEES
    "  AND m.status = 'scheduled'"
    "  AND (m.starts_at, m.ends_at) IS DISTINCT FROM (" RESCHEDULED_START ", " RESCHEDULED_END ")"
    /* The last call of an onboarding week stays in it (0331). */
    "  AND (SELECT liaison_precondition(w IS NULL, w)"
    "  FROM liaison_onboarding_week_moved(m.id, " RESCHEDULED_START ") w)"
    "  AND " WEEK_BACK_2 "  RETURNING m.id)" EXEC_AUDITED("'meeting.reschedule'", "meeting")
        RESCHEDULED_ALREADY,
    3, 0};
/*
 * $1 meeting, $2 attendee: the meeting is reached, the attendee names someone, and someone not
 * invited already under another record of the same e-mail: a distributor's user who is also one
 * of its contacts was invited twice, and the invitation went out twice (a try-out).
 */
static struct db_stmt q_attendee_can_add = {
    "SELECT liaison_found(x.dist IS NOT NULL, 'no such meeting'),"
    " liaison_precondition(x.dist IS NULL OR liaison_party_namesakes(x.dist, $2) IS NULL,"
    "  liaison_party_namesakes(x.dist, $2)),"
    " liaison_check(x.dist IS NULL OR EXISTS (SELECT 1 FROM liaison_party_resolve(x.dist, $2)),"
    "  'attendee', '" NOBODY_BY_THAT_NAME "'),"
    " liaison_unique(x.dist IS NULL OR NOT EXISTS (SELECT 1"
    "  FROM liaison_party_resolve(x.dist, $2) p"
    "  JOIN meeting_attendees a ON a.tenant_id = liaison_tenant() AND a.meeting_id = $1::bigint"
    "  LEFT JOIN users pu ON pu.tenant_id = a.tenant_id AND pu.id = p.user_id"
    "  LEFT JOIN contacts pc ON pc.tenant_id = a.tenant_id AND pc.id = p.contact_id"
    "  LEFT JOIN users au ON au.tenant_id = a.tenant_id AND au.id = a.user_id"
    "  LEFT JOIN contacts ac ON ac.tenant_id = a.tenant_id AND ac.id = a.contact_id"
    "  WHERE (a.user_id, a.contact_id) IS DISTINCT FROM (p.user_id, p.contact_id)"
    "  AND coalesce(pu.email, pc.email, '') <> ''"
    "  AND lower(coalesce(pu.email, pc.email)) = lower(coalesce(au.email, ac.email))),"
    "  'already an attendee of this meeting, under the same e-mail')"
    " FROM (SELECT (SELECT m.distributor_id FROM meetings m" JOIN_DM
    " WHERE m.tenant_id = liaison_tenant() AND m.id = $1::bigint AND " SEES ") AS dist) x",
    2, 0};
/*
 * $1 meeting, $2 attendee. Invited by hand, a person taken out of this
 * meeting by hand (q_attendee_remove) is no longer kept out of it: its
 * series' re-syncs follow it for them again (migration 0148). The meeting's
 * SEQUENCE and LAST-MODIFIED move, as a series' change of attendees moves
 * them: a calendar that had imported the event kept its old attendees (a
 * try-out).
 */
static struct db_stmt q_attendee_add = {
    "WITH x AS (INSERT INTO meeting_attendees (tenant_id, meeting_id, user_id, contact_id)"
    "  SELECT liaison_tenant(), m.id, p.user_id, p.contact_id FROM meetings m" JOIN_DM
    "  CROSS JOIN LATERAL liaison_party_resolve(m.distributor_id, $2) p"
    "  WHERE m.tenant_id = liaison_tenant() AND m.id = $1::bigint AND " SEES
    "  RETURNING id, meeting_id, liaison_attendee_person(user_id, contact_id) AS person),"
    " back AS (UPDATE meetings mt SET uninvited = array_remove(mt.uninvited, x.person),"
    "  sequence = mt.sequence + 1, updated_at = now()"
    "  FROM x WHERE mt.tenant_id = liaison_tenant() AND mt.id = x.meeting_id RETURNING mt.id),"
    " m AS (SELECT x.id FROM x)" EXEC_AUDITED("'meeting.attendee.add'", "meeting_attendee"),
    2, 0};
/*
 * $1 meeting, $2 attendee: an attendee of a meeting the caller reaches, whose attendance is not
 * recorded once the meeting has started: taken off, the meeting's record no longer said who was
 * there or absent (a try-out). One recorded ahead (before attendance waited for the start) may
 * still be taken off a meeting to come.
 */
static struct db_stmt q_attendee_found = {
    "SELECT liaison_found(x.id IS NOT NULL, 'no such attendee of this meeting'),"
    " liaison_precondition(x.attended IS NULL OR x.starts_at > liaison_now(), CASE"
    "  WHEN x.attended THEN format('%s is recorded as attended: the meeting keeps who was"
    " there; if they were not, record them absent (meeting attendance --absent)', x.who)"
    "  ELSE format('%s is recorded as absent: the meeting keeps who was invited and did not"
    " come', x.who) END)"
    " FROM (VALUES (1)) one LEFT JOIN (SELECT a.id, a.attended, m.starts_at,"
    "  coalesce(nullif(c.name, ''), nullif(u.display_name, ''), u.email) AS who"
    "  FROM meeting_attendees a"
    "  JOIN meetings m ON m.tenant_id = a.tenant_id AND m.id = a.meeting_id" JOIN_DM
    "  LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.user_id"
    "  LEFT JOIN contacts c ON c.tenant_id = a.tenant_id AND c.id = a.contact_id"
    "  WHERE a.tenant_id = liaison_tenant() AND a.id = $2::bigint"
    "  AND a.meeting_id = $1::bigint AND " SEES ") x ON true",
    2, 0};
/*
 * $1 meeting, $2 attendee (checked by q_attendee_found). The meeting keeps
 * the person taken out (migration 0148): its series' next re-sync put them
 * back (a review), though a removal by hand is the user's word on that one
 * meeting, until they are invited to it by hand again. SEQUENCE and
 * LAST-MODIFIED move, as q_attendee_add says.
 */
static struct db_stmt q_attendee_remove = {
    "WITH x AS (DELETE FROM meeting_attendees a WHERE a.tenant_id = liaison_tenant()"
    "  AND a.id = $2::bigint AND a.meeting_id = $1::bigint"
    "  RETURNING a.id, liaison_attendee_person(a.user_id, a.contact_id) AS person),"
    " kept_out AS (UPDATE meetings mt SET uninvited = CASE WHEN x.person = ANY (mt.uninvited)"
    "  THEN mt.uninvited ELSE mt.uninvited || x.person END, sequence = mt.sequence + 1,"
    "  updated_at = now()"
    "  FROM x WHERE mt.tenant_id = liaison_tenant() AND mt.id = $1::bigint RETURNING mt.id),"
    " m AS (SELECT x.id FROM x)" EXEC_AUDITED("'meeting.attendee.remove'", "meeting_attendee"),
    2, 0};
/*
 * $1 meeting, $2 attendee: as q_attendee_found, and a distributor user records the attendance
 * of its own side only, one of its contacts or of its distributor's users, as it completes
 * only their action items: it marked the exporter's staff absent (a try-out). $3 attended: not on
 * a meeting that was missed. $4 clear: what was recorded is forgotten, on any meeting: a mistake
 * could only be turned into its opposite, and an attendee recorded by error stayed so (a try-out).
 */
static struct db_stmt q_attendance_can = {
    "SELECT liaison_found(x.id IS NOT NULL, 'no such attendee of this meeting'),"
    " liaison_denied(x.id IS NULL OR x.ours, format('%s is of the exporter: a distributor"
    " records the attendance of its own people', x.who)),"
    " liaison_precondition(x.id IS NULL OR $4::boolean OR x.status <> 'cancelled', 'this"
    " meeting was cancelled: nobody attended it (reopen it first if it took place after"
    " all)'),"
    /* A no-show turned into "attended" left the record saying both (a try-out). */
    " liaison_precondition(x.id IS NULL OR x.status <> 'missed' OR NOT $3::boolean, 'this"
    " meeting was missed: nobody attended it (reopen it and mark it held first if it took"
    " place after all)'),"
    " liaison_precondition(x.id IS NULL OR $4::boolean OR x.starts_at <= liaison_now(),"
    " format('this meeting has not started (it starts at %s): attendance is recorded once it"
    " has',"
    " liaison_rfc3339(x.starts_at)))"
    " FROM (VALUES (1)) one LEFT JOIN (SELECT a.id, m.status, m.starts_at,"
    "  liaison_distributor_scope() = 0"
    "  OR a.contact_id IS NOT NULL OR u.distributor_id IS NOT DISTINCT FROM m.distributor_id"
    "  AS ours, coalesce(nullif(u.display_name, ''), u.email) AS who"
    "  FROM meeting_attendees a"
    "  JOIN meetings m ON m.tenant_id = a.tenant_id AND m.id = a.meeting_id" JOIN_DM
    "  LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.user_id"
    "  WHERE a.tenant_id = liaison_tenant() AND a.id = $2::bigint"
    "  AND a.meeting_id = $1::bigint AND " SEES ") x ON true",
    4, 0};
/* $1 meeting, $2 attendee (checked by q_attendance_can), $3 attended, $4 clear */
static struct db_stmt q_attendance = {
    "WITH m AS (UPDATE meeting_attendees a"
    "  SET attended = CASE WHEN $4::boolean THEN NULL ELSE $3::boolean END"
    "  WHERE a.tenant_id = liaison_tenant() AND a.id = $2::bigint AND a.meeting_id = $1::bigint"
    "  RETURNING a.id)" EXEC_AUDITED("'meeting.attendance'", "meeting_attendee"),
    4, 0};
/*
 * A meeting's notes, all together, in bytes: a meeting goes out whole, notes
 * and all, in one frame of max_frame_bytes (1 MiB by default), so without a
 * bound a few long notes would make it unreadable for everyone, and every
 * change to it would commit and yet answer INTERNAL.
 */
#define NOTES_MAX_BYTES "600000"
/*
 * $1 meeting: reached, and held (notes record what was said at a meeting
 * that took place); locked to the end, so that notes added at once are
 * counted one after another by q_note_add, whose statement comes after.
 */
static struct db_stmt q_note_can = {
    "SELECT liaison_found(x.s IS NOT NULL, 'no such meeting'),"
    " liaison_precondition(x.s IS NULL OR x.s = 'held',"
    "  format('notes go with a held meeting; this one is %s', x.s))"
    " FROM (VALUES (1)) one LEFT JOIN (SELECT m.status AS s FROM meetings m" JOIN_DM
    " WHERE m.tenant_id = liaison_tenant() AND m.id = $1::bigint AND " SEES
    " FOR UPDATE OF m) x ON true",
    1, 0};
/*
 * $1 meeting, $2 body, $3 language; written at the clock's instant, by the
 * caller, while the meeting's notes with this one stay within
 * NOTES_MAX_BYTES.
 */
static struct db_stmt q_note_add = {
    "WITH m AS (INSERT INTO meeting_notes (tenant_id, meeting_id, author_id, language, body,"
    "  created_at)"
    "  SELECT liaison_tenant(), m.id, " CALLER ", $3, $2, liaison_now() FROM meetings m" JOIN_DM
    "  CROSS JOIN LATERAL (SELECT coalesce(sum(octet_length(n.body)), 0) AS bytes"
    "  FROM meeting_notes n WHERE n.tenant_id = m.tenant_id AND n.meeting_id = m.id) held"
    "  WHERE m.tenant_id = liaison_tenant() AND m.id = $1::bigint AND m.status = 'held'"
    /* The CASE keeps a meeting the caller does not reach from being measured in its refusal. */
    "  AND CASE WHEN " SEES " THEN liaison_precondition(held.bytes + octet_length($2::text) "
    "<= " NOTES_MAX_BYTES ", format('this meeting''s notes hold %s bytes, and this note of %s would"
    " pass the " NOTES_MAX_BYTES " a meeting keeps: put a long text in a document and note where"
    " it is', held.bytes, octet_length($2::text))) ELSE false END"
    "  RETURNING id)" EXEC_AUDITED("'meeting.note.add'", "meeting_note"),
    3, 0};
/* The counts of one group of h, the held meetings of the period. */
#define COUNTS                                                                                     \
    "'held', count(*) FILTER (WHERE h.s NOT IN ('unrecorded', 'missed')),"                         \
    " 'on_time', count(*) FILTER (WHERE h.s = 'on_time'),"                                         \
    " 'late', count(*) FILTER (WHERE h.s = 'late'),"                                               \
    " 'missing', count(*) FILTER (WHERE h.s = 'missing'),"                                         \
    " 'pending', count(*) FILTER (WHERE h.s = 'pending'),"                                         \
    " 'unrecorded', count(*) FILTER (WHERE h.s = 'unrecorded'),"                                   \
    " 'missed', count(*) FILTER (WHERE h.s = 'missed')"
/* $1 distributor (0: any), $2 account manager (0: any), $3 from, $4 to */
static struct db_stmt q_compliance = {
    /* Held meetings by their notes, meetings that ended still scheduled:
     * neither held nor missed, the silence a report of held ones hid, and
     * those marked missed, which health and the handbook count too. */
    "WITH h AS (SELECT m.distributor_id, d.name, " MEETING_MANAGER " AS account_manager_id,"
    "  CASE WHEN m.status = 'held' THEN liaison_notes_status(m.status, m.ends_at, " FIRST_NOTE ")"
    "  WHEN m.status = 'missed' THEN 'missed' ELSE 'unrecorded' END AS s"
    "  FROM meetings m" JOIN_DM "  WHERE m.tenant_id = liaison_tenant()"
    "  AND (m.status IN ('held', 'missed')"
    "  OR (m.status = 'scheduled' AND m.ends_at <= liaison_now()))"
    "  AND " SEES " AND ($1::bigint = 0 OR m.distributor_id = $1::bigint)"
    "  AND ($2::bigint = 0 OR " MEETING_MANAGER " = $2::bigint)"
    "  AND m.starts_at >= $3::timestamptz AND m.starts_at < $4::timestamptz)"
    " SELECT (SELECT json_agg(g.o ORDER BY g.name, g.distributor_id) FROM"
    "  (SELECT h.distributor_id, h.name, json_build_object('distributor_id', h.distributor_id,"
    "   'distributor_name', h.name, " COUNTS ") AS o FROM h GROUP BY h.distributor_id, h.name) g)"
    "  AS by_distributor,"
    " (SELECT json_agg(g.o ORDER BY g.account_manager_id NULLS LAST) FROM"
    "  (SELECT h.account_manager_id, json_build_object('account_manager_id',"
    "   h.account_manager_id, 'account_manager_email', (SELECT u.email FROM users u"
    "   WHERE u.tenant_id = liaison_tenant() AND u.id = h.account_manager_id), " COUNTS
    ") AS o FROM h GROUP BY h.account_manager_id) g) AS by_account_manager,"
    " liaison_rfc3339(liaison_now()) AS as_of"
    /* Anyone else manages nothing: empty tables would read as a manager with no meetings. */
    " WHERE liaison_check($2::bigint = 0 OR EXISTS (SELECT 1 FROM users u"
    "  WHERE u.tenant_id = liaison_tenant() AND u.id = $2::bigint"
    "  AND u.role IN ('manager', 'tenant_admin')), 'accountManagerId',"
    "  'not a manager or tenant admin of this tenant: no distributor has them as its account"
    " manager')",
    4, 0};

/* ---- action items ---- */

/*
 * $1 distributor, $2 meeting (0: none), $3 owner user, $4 owner contact (0:
 * not given), $5 owner by e-mail or name ('': not given), $6 due_at, $7
 * due_on: the meeting took place, and the item falls due after it began.
 */
static struct db_stmt q_action_can_create = {
    "SELECT liaison_found(x.r, 'no such distributor'),"
    " liaison_check(NOT x.r OR $2::bigint = 0 OR EXISTS (SELECT 1 FROM meetings m"
    "  WHERE m.tenant_id = liaison_tenant() AND m.id = $2::bigint"
    "  AND m.distributor_id = $1::bigint), 'meetingId', 'no such meeting of this distributor'),"
    /* The meeting an item came from took place: a cancelled one named as its source was a
     * record of a talk that never happened (a try-out). */
    " liaison_check(NOT x.r OR $2::bigint = 0 OR NOT EXISTS (SELECT 1 FROM meetings m"
    "  WHERE m.tenant_id = liaison_tenant() AND m.id = $2::bigint AND m.status = 'cancelled'),"
    "  'meetingId', 'a cancelled meeting: an action item comes from a meeting that took place'),"
    /* One weeks ahead had not taken place either, and an item due before its meeting began
     * was agreed at none (a try-out). */
    " liaison_precondition(NOT x.r OR x.ms IS NULL OR x.ms <= liaison_now(),"
    "  format('this meeting has not started yet (it starts at %s, %s): its action items are"
    " written down once it has taken place', " BOTH_CLOCKS_MS ")),"
    " liaison_check(NOT x.r OR x.ms IS NULL OR x.ms > liaison_now() OR " ACTION_DUE_CHECKED
    " >= x.ms,"
    "  CASE WHEN $6 <> '' THEN 'dueAt' ELSE 'dueOn' END, format('due before the meeting it comes"
    " from began (%s, %s): an item agreed there falls due after it', " BOTH_CLOCKS_MS ")),"
    " liaison_check(NOT x.r OR $3::bigint = 0 OR liaison_party_user_ok($1::bigint, $3::bigint),"
    "  'ownerUserId', 'no user of this tenant who may own this distributor''s items'),"
    " liaison_check(NOT x.r OR $4::bigint = 0 OR EXISTS (SELECT 1 FROM contacts c"
    "  WHERE c.tenant_id = liaison_tenant() AND c.id = $4::bigint"
    "  AND c.distributor_id = $1::bigint), 'ownerContactId', 'not a contact of this distributor'),"
    " liaison_precondition(NOT x.r OR $5 = '' OR liaison_party_namesakes($1::bigint, $5) IS NULL,"
    "  liaison_party_namesakes($1::bigint, $5)),"
    " liaison_check(NOT x.r OR $5 = '' OR EXISTS (SELECT 1 FROM"
    "  liaison_party_resolve($1::bigint, $5)), 'owner', '" NOBODY_TO_OWN "'),"
    /* An auditor may not complete an item, so an item it owned would stay
     * open and overdue for good. */
    " liaison_check(NOT x.r OR NOT EXISTS (SELECT 1 FROM users u"
    "  WHERE u.tenant_id = liaison_tenant() AND u.role = 'auditor'"
    "  AND (u.id = $3::bigint OR ($5 <> '' AND lower(u.email) = lower($5)))),"
    "  CASE WHEN $3::bigint <> 0 THEN 'ownerUserId' ELSE 'owner' END,"
    "  'an auditor only reads and cannot complete an item: give it to someone who can')"
    " FROM (SELECT EXISTS (SELECT 1 FROM distributors d WHERE d.tenant_id = liaison_tenant()"
    "  AND d.id = $1::bigint AND " SEES ") AS r, (SELECT d.time_zone FROM distributors d"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint) AS zone,"
    "  (SELECT m.starts_at FROM meetings m WHERE m.tenant_id = liaison_tenant()"
    "  AND m.id = $2::bigint AND m.distributor_id = $1::bigint AND m.status <> 'cancelled') AS ms) "
    "x",
    7, 0};
/*
 * $1 distributor, $2 meeting, $3 description, $4 owner user, $5 owner
 * contact, $6 owner ('': by id), $7 due_at, $8 due_on: the end of that day,
 * midnight after it, in the distributor's zone, $9 internal: owned by one
 * of the exporter's staff. The action_overdue job records the lapse at the
 * due instant. The audit row and the job are written in a materialized CTE
 * over the new row alone: as a filter of the join with distributors, a plan
 * that scanned the new row once for each of the tenant's distributors wrote
 * one creation's audit row twice (a test run after another test's data).
 */
static struct db_stmt q_action_create = {
    "WITH o AS (SELECT nullif($4::bigint, 0) AS user_id, nullif($5::bigint, 0) AS contact_id"
    "  WHERE $6 = '' UNION ALL"
    "  SELECT p.user_id, p.contact_id FROM liaison_party_resolve($1::bigint, $6) p WHERE $6 <> ''),"
    " m AS (INSERT INTO action_items (tenant_id, distributor_id, meeting_id, description,"
    "  owner_user_id, owner_contact_id, due_at, created_by, created_at, internal)"
    "  SELECT liaison_tenant(), d.id, nullif($2::bigint, 0), $3, o.user_id, o.contact_id,"
    " " ACTION_DUE_CREATED ", " CALLER ", liaison_now(),"
    "  $9::boolean FROM distributors d, o"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint"
    "  AND " SEES " AND liaison_check(NOT $9::boolean OR EXISTS (SELECT 1 FROM users u"
    "  WHERE u.tenant_id = liaison_tenant() AND u.id = o.user_id AND u.distributor_id IS NULL),"
    "  'owner', 'an internal item is owned by one of the exporter''s staff') RETURNING *),"
    " x AS MATERIALIZED (SELECT m.* FROM m"
    "  WHERE liaison_audit('action_item.create', 'action_item', m.id::text)"
    "  AND liaison_schedule('action_overdue', m.id::text, m.due_at,"
    "  jsonb_build_object('action_item_id', m.id)) > 0)"
    " SELECT " ACTION_COLS " FROM x a" JOIN_DA,
    9, 0};
/*
 * $1 after id, $2 limit, $3 distributor, $4 owner user, $5 owner contact
 * (0: any), $6 status, $7 after time, $8 meeting (0: any; index
 * action_items_meeting, 0328). By due date then id, what falls due first
 * first, whenever it was written down (index action_items_due, 0082).
 * A contact's items are also those of the user who is that contact (the
 * same e-mail, liaison_contact_user, migration 0148): a distributor's user
 * who is also one of its contacts did not find them with 'action list
 * --mine' (a try-out).
 */
static struct db_stmt q_action_list = {
    "SELECT " ACTION_COLS ", " EXEC_PAGE_AT(
        "a.due_at") " FROM action_items a" JOIN_DA " WHERE a.tenant_id = liaison_tenant() AND " SEES
                    " AND (a.due_at, a.id) > ($7::timestamptz, $1::bigint)"
                    " AND ($3::bigint = 0 OR a.distributor_id = $3::bigint)"
                    " AND ($4::bigint = 0 OR a.owner_user_id = $4::bigint"
                    "  OR liaison_contact_user(a.distributor_id, a.owner_contact_id) = $4::bigint)"
                    " AND ($5::bigint = 0 OR a.owner_contact_id = $5::bigint)"
                    " AND ($6 = '' OR a.status = $6"
                    "  OR ($6 = 'overdue' AND a.status = 'open' AND a.due_at < liaison_now()))"
                    " AND ($8::bigint = 0 OR a.meeting_id = $8::bigint)"
                    " ORDER BY a.due_at, a.id LIMIT $2::int",
    8, 0};
/* $1 id: one item the caller reaches; an internal one not for a distributor's user (0096). */
static struct db_stmt q_action_get = {"SELECT " ACTION_COLS " FROM action_items a" JOIN_DA
                                      " WHERE a.tenant_id = liaison_tenant() AND a.id = $1::bigint"
                                      " AND " SEES,
                                      1, 0};
/*
 * $1 id, $2 what it would become (in words), $3 the cancel's reason:
 * reached, and open, or already what it would become (a retry whose answer
 * was lost: q_action_close answers it as it is), a cancel only for the
 * reason it was cancelled for or none. A distributor user sees every item
 * of its distributor (the exporter's promises too) but closes only those
 * its own side owns: one of its contacts, or one of its distributor's
 * users.
 *
 * The item's pending action_overdue job is locked before the item, as the
 * scheduler locks them (the job it runs, then the item): closing an item
 * the moment it fell due locked the item here, then waited in q_action_close
 * for the job row the scheduler held while it waited for the item, and
 * PostgreSQL broke the deadlock by aborting one of them. A WHERE condition
 * runs below FOR UPDATE's row lock, so the job is taken first; the cast
 * makes the void result a condition that is always true.
 */
static struct db_stmt q_action_can = {
    "SELECT liaison_found(x.s IS NOT NULL, 'no such action item'),"
    " liaison_precondition(x.s IS NULL OR x.s = 'open' OR (x.s = 'done' AND $2 = 'completed')"
    "  OR (x.s = 'cancelled' AND $2 = 'cancelled' AND " SAME_REASON(
        "$3",
        "x.reason") "),"
                    "  CASE WHEN x.s = 'cancelled' AND $2 = 'cancelled'"
                    "  THEN format('the action item is already cancelled (%s); it is not cancelled "
                    "again for"
                    " another reason', coalesce(nullif(x.reason, ''), 'no reason given'))"
                    "  ELSE format('the action item is %s; only an open one can be %s', x.s, "
                    "$2::text) END),"
                    " liaison_denied(x.s IS NULL OR x.ours, format('the action item is owned by %s "
                    "of the"
                    " exporter: a distributor completes only the items of its own people', "
                    "x.owner))"
                    " FROM (VALUES (1)) one LEFT JOIN (SELECT a.status AS s, a.cancel_reason AS "
                    "reason,"
                    "  liaison_distributor_scope() = 0 OR a.owner_contact_id IS NOT NULL OR "
                    "u.distributor_id"
                    "  IS NOT DISTINCT FROM a.distributor_id AS ours, "
                    "coalesce(nullif(u.display_name, ''),"
                    "  u.email) AS owner FROM action_items a" JOIN_DA
                    " LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.owner_user_id"
                    " WHERE a.tenant_id = liaison_tenant() AND a.id = $1::bigint AND " SEES
                    " AND liaison_job_lock('action_overdue', $1::bigint::text)::text = ''"
                    " FOR UPDATE OF a) x ON true",
    3, 0};
/*
 * $1 id, $2 status (done or cancelled), $3 reason. The pending
 * action_overdue job is withdrawn: nothing is overdue once it is closed.
 * An item already $2 (q_action_can let only a retry through) is answered
 * as it is, unwritten and unaudited: the UPDATE's snapshot still sees an
 * item it closes as open, so only one of the two parts answers. Audited
 * and unscheduled once, in a CTE of their own, as q_action_create says.
 */
static struct db_stmt q_action_close = {
    "WITH m AS (UPDATE action_items a SET status = $2,"
    "  done_at = CASE WHEN $2 = 'done' THEN liaison_now() END,"
    "  done_by = CASE WHEN $2 = 'done' THEN " CALLER " END, cancel_reason = $3"
    "  FROM distributors d WHERE a.tenant_id = liaison_tenant() AND a.id = $1::bigint"
    "  AND d.tenant_id = a.tenant_id AND d.id = a.distributor_id AND " SEES
    "  AND a.status = 'open' RETURNING a.*),"
    " x AS MATERIALIZED (SELECT m.* FROM m"
    "  WHERE liaison_audit(CASE $2 WHEN 'done' THEN 'action_item.done'"
    "  ELSE 'action_item.cancel' END, 'action_item', m.id::text)"
    "  AND liaison_unschedule('action_overdue', m.id::text, $2) IS NOT NULL)"
    " SELECT " ACTION_COLS " FROM x a" JOIN_DA " UNION ALL SELECT " ACTION_COLS
    " FROM action_items a" JOIN_DA
    " WHERE a.tenant_id = liaison_tenant() AND a.id = $1::bigint AND " SEES
    " AND a.status = $2 AND NOT EXISTS (SELECT 1 FROM m)",
    3, 0};

/*
 * $1 id, $2 owner user, $3 owner contact (0: not given), $4 owner by e-mail or name ('': not
 * given): an open item the caller reaches, and a new owner who may own its distributor's items,
 * as q_action_can_create holds a new item's; the pending action_overdue job locked first, as
 * q_action_can says. $5 due_at, $6 due_on: a new due time, not before the item's meeting began.
 */
static struct db_stmt q_action_can_update = {
    "SELECT liaison_found(x.s IS NOT NULL, 'no such action item'),"
    " liaison_precondition(x.s IS NULL OR x.s = 'open', format('the action item is %s; only an"
    " open one is corrected', x.s)),"
    " liaison_check(x.s IS NULL OR $2::bigint = 0 OR liaison_party_user_ok(x.d, $2::bigint),"
    "  'ownerUserId', 'no user of this tenant who may own this distributor''s items'),"
    " liaison_check(x.s IS NULL OR $3::bigint = 0 OR EXISTS (SELECT 1 FROM contacts c"
    "  WHERE c.tenant_id = liaison_tenant() AND c.id = $3::bigint AND c.distributor_id = x.d),"
    "  'ownerContactId', 'not a contact of this distributor'),"
    " liaison_precondition(x.s IS NULL OR $4 = '' OR liaison_party_namesakes(x.d, $4) IS NULL,"
    "  liaison_party_namesakes(x.d, $4)),"
    " liaison_check(x.s IS NULL OR $4 = '' OR EXISTS (SELECT 1 FROM liaison_party_resolve(x.d,"
    "  $4)), 'owner', '" NOBODY_TO_OWN "'),"
    " liaison_check(x.s IS NULL OR NOT EXISTS (SELECT 1 FROM users u"
    "  WHERE u.tenant_id = liaison_tenant() AND u.role = 'auditor'"
    "  AND (u.id = $2::bigint OR ($4 <> '' AND lower(u.email) = lower($4)))),"
    "  CASE WHEN $2::bigint <> 0 THEN 'ownerUserId' ELSE 'owner' END,"
    "  'an auditor only reads and cannot complete an item: give it to someone who can'),"
    " liaison_check(x.s IS NULL OR x.ms IS NULL OR ($5 = '' AND $6 = '') OR " ACTION_DUE_UPDATING
    " >= x.ms, CASE WHEN $5 <> '' THEN 'dueAt' ELSE 'dueOn' END, format('due before the"
    " meeting it comes from began (%s, %s): an item agreed there falls due after it',"
    "  " BOTH_CLOCKS_MS "))"
    " FROM (VALUES (1)) one LEFT JOIN (SELECT a.status AS s, a.distributor_id AS d,"
    "  d.time_zone AS zone, (SELECT m.starts_at FROM meetings m WHERE m.tenant_id = a.tenant_id"
    "  AND m.id = a.meeting_id) AS ms"
    "  FROM action_items a" JOIN_DA " WHERE a.tenant_id = liaison_tenant() AND a.id = $1::bigint"
    "  AND " SEES " AND liaison_job_lock('action_overdue', $1::bigint::text)::text = ''"
    "  FOR UPDATE OF a) x ON true",
    6, 0};
/* An item's new due time: $5 due_at, or $6 due_on's end in its distributor d's zone. */
#define ACTION_NEW_DUE ACTION_DUE("$5", "$6", "d.time_zone")
/*
 * $1 id (checked by q_action_can_update), $2..$4 owner as there, $5 due_at, $6 due_on, $7
 * description: what is given changes. An internal item stays owned by the exporter's staff. A
 * due time moved is the overdue job's new time, and one moved past the clock is no lapse
 * recorded any more (the scheduler records it again if it comes). Audited once, in a CTE of its
 * own, as q_action_create says.
 */
static struct db_stmt q_action_update = {
    "WITH it AS (SELECT a.distributor_id, a.description, a.owner_user_id, a.owner_contact_id,"
    "  a.due_at FROM action_items a WHERE a.tenant_id = liaison_tenant() AND a.id = $1::bigint),"
    " o AS (SELECT nullif($2::bigint, 0) AS user_id, nullif($3::bigint, 0) AS contact_id"
    "  WHERE $4 = '' AND ($2::bigint <> 0 OR $3::bigint <> 0) UNION ALL"
    "  SELECT p.user_id, p.contact_id FROM it, liaison_party_resolve(it.distributor_id, $4) p"
    "  WHERE $4 <> ''),"
    " m AS (UPDATE action_items a SET description = coalesce(nullif($7, ''), a.description),"
    "  owner_user_id = CASE WHEN EXISTS (SELECT 1 FROM o) THEN (SELECT o.user_id FROM o)"
    "  ELSE a.owner_user_id END,"
    "  owner_contact_id = CASE WHEN EXISTS (SELECT 1 FROM o) THEN (SELECT o.contact_id FROM o)"
    "  ELSE a.owner_contact_id END,"
    "  due_at = coalesce(" ACTION_NEW_DUE ", a.due_at),"
    "  overdue_flagged_at = CASE WHEN " ACTION_NEW_DUE " > liaison_now() THEN NULL"
    "  ELSE a.overdue_flagged_at END"
    "  FROM distributors d WHERE a.tenant_id = liaison_tenant() AND a.id = $1::bigint"
    "  AND d.tenant_id = a.tenant_id AND d.id = a.distributor_id AND " SEES
    "  AND a.status = 'open' RETURNING a.*),"
    " x AS MATERIALIZED (SELECT m.* FROM m, it"
    "  WHERE liaison_check(NOT m.internal OR EXISTS (SELECT 1 FROM users u"
    "  WHERE u.tenant_id = liaison_tenant() AND u.id = m.owner_user_id"
    "  AND u.distributor_id IS NULL), 'owner', 'an internal item is owned by one of the"
    " exporter''s staff')"
    /* Values it already had are no change to audit. */
    "  AND ((m.description, m.owner_user_id, m.owner_contact_id, m.due_at) IS NOT DISTINCT FROM"
    "  (it.description, it.owner_user_id, it.owner_contact_id, it.due_at)"
    "  OR liaison_audit('action_item.update', 'action_item', m.id::text))"
    "  AND ($5 = '' AND $6 = '' OR liaison_schedule('action_overdue', m.id::text, m.due_at,"
    "  jsonb_build_object('action_item_id', m.id)) > 0))"
    " SELECT " ACTION_COLS " FROM x a" JOIN_DA,
    7, 0};

/* ---- declarations ---- */

#define MEETING_REPLY(field) .reply = {&q_meeting_get, {field}}, .out = "meeting"

static struct exec_decl d_meeting_create = {
    .method = "CreateMeeting",
    .check = {&q_meeting_create_ok, {"distributor_id", "attendees"}},
    .query = {&q_meeting_create,
              {"distributor_id", "title", "agenda", "starts_at", "duration_minutes", "attendees"}},
    .reply = {&q_meeting_created, {NULL}},
    .out = "meeting",
    .not_found = "no such distributor",
    .invalid = "startsAt: not a time"};
static struct exec_decl d_meeting_list = {
    .method = "ListMeetings",
    .check = {&distributor_filter_reached, {"distributor_id"}},
    .query = {&q_meeting_list,
              {"@after", "@limit", "distributor_id", "from", "to", "status", "@after_at"}},
    .shape = EXEC_PAGE,
    .out = "meetings",
    .cursor = "mtg",
    .order = EXEC_BY_TIME,
    .filters = {"distributor_id", "from", "to", "status"}};
static struct exec_decl d_meeting_get = {.method = "GetMeeting",
                                         .query = {&q_meeting_get, {"id"}},
                                         .out = "meeting",
                                         .not_found = "no such meeting"};
static struct exec_decl d_meeting_reschedule = {
    .method = "RescheduleMeeting",
    .check = {&q_meeting_can, {"id", "=rescheduled", "=false", "=", "="}},
    .query = {&q_meeting_reschedule, {"id", "starts_at", "duration_minutes"}},
    MEETING_REPLY("id"),
    .not_found = "no such meeting",
    .invalid = "startsAt: not a time"};
static struct exec_decl d_meeting_held = {
    .method = "MarkMeetingHeld",
    .check = {&q_meeting_can, {"id", "=marked held", "=true", "=held", "="}},
    .query = {&q_meeting_status, {"id", "=held", "=", "=false"}},
    MEETING_REPLY("id"),
    .not_found = "no such meeting"};
static struct exec_decl d_meeting_missed = {
    .method = "MarkMeetingMissed",
    .check = {&q_meeting_can, {"id", "=marked missed", "=true", "=missed", "reason"}},
    .query = {&q_meeting_status, {"id", "=missed", "reason", "=false"}},
    MEETING_REPLY("id"),
    .not_found = "no such meeting"};
static struct exec_decl d_meeting_reopen = {.method = "ReopenMeeting",
                                            .check = {&q_meeting_reopen_can, {"id"}},
                                            .query = {&q_meeting_reopen, {"id"}},
                                            MEETING_REPLY("id"),
                                            .not_found = "no such meeting"};
static struct exec_decl d_meeting_cancel = {
    .method = "CancelMeeting",
    .check = {&q_meeting_can, {"id", "=cancelled", "=false", "=cancelled", "reason"}},
    .query = {&q_meeting_status, {"id", "=cancelled", "reason", "=true"}},
    MEETING_REPLY("id"),
    .not_found = "no such meeting"};
static struct exec_decl d_attendee_add = {
    .method = "AddMeetingAttendee",
    .check = {&q_attendee_can_add, {"meeting_id", "attendee"}},
    .query = {&q_attendee_add, {"meeting_id", "attendee"}},
    MEETING_REPLY("meeting_id"),
    .not_found = "no such meeting",
    .exists = "already an attendee of this meeting"};
static struct exec_decl d_attendee_remove = {
    .method = "RemoveMeetingAttendee",
    .check = {&q_attendee_found, {"meeting_id", "attendee_id"}},
    .query = {&q_attendee_remove, {"meeting_id", "attendee_id"}},
    MEETING_REPLY("meeting_id"),
    .not_found = "no such meeting"};
static struct exec_decl d_attendance = {
    .method = "SetAttendance",
    .check = {&q_attendance_can, {"meeting_id", "attendee_id", "attended", "clear"}},
    .query = {&q_attendance, {"meeting_id", "attendee_id", "attended", "clear"}},
    MEETING_REPLY("meeting_id"),
    .not_found = "no such meeting"};
static struct exec_decl d_note_add = {.method = "AddMeetingNote",
                                      .check = {&q_note_can, {"meeting_id"}},
                                      .query = {&q_note_add, {"meeting_id", "body", "language"}},
                                      MEETING_REPLY("meeting_id"),
                                      .not_found = "no such meeting"};
static struct exec_decl d_compliance = {
    .method = "GetNotesCompliance",
    .check = {&distributor_filter_reached, {"distributor_id"}},
    .query = {&q_compliance, {"distributor_id", "account_manager_id", "from", "to"}},
    .not_found = "no such distributor"};
static struct exec_decl d_action_create = {
    .method = "CreateActionItem",
    .check = {&q_action_can_create,
              {"distributor_id", "meeting_id", "owner_user_id", "owner_contact_id", "owner",
               "due_at", "due_on"}},
    .query = {&q_action_create,
              {"distributor_id", "meeting_id", "description", "owner_user_id", "owner_contact_id",
               "owner", "due_at", "due_on", "internal"}},
    .out = "action_item",
    .not_found = "no such distributor",
    .invalid = "dueAt: not a time"};
/*
 * $1 distributor, $2 meeting, $3 contact (0: not a filter): each one the caller reaches.
 * Another's meeting or contact, or a mistyped id, listed nothing, as if no item had been set
 * (an attacker's try-out).
 */
static struct db_stmt q_action_filters_reached = {
    "SELECT liaison_found($1::bigint = 0 OR EXISTS (SELECT 1 FROM distributors d"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint AND " SEES
    "), 'no such distributor'),"
    " liaison_found($2::bigint = 0 OR EXISTS (SELECT 1 FROM meetings m JOIN distributors d"
    "  ON d.tenant_id = m.tenant_id AND d.id = m.distributor_id"
    "  WHERE m.tenant_id = liaison_tenant() AND m.id = $2::bigint AND " SEES
    "), 'no such meeting'),"
    " liaison_found($3::bigint = 0 OR EXISTS (SELECT 1 FROM contacts c JOIN distributors d"
    "  ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id"
    "  WHERE c.tenant_id = liaison_tenant() AND c.id = $3::bigint AND " SEES
    "), 'no such contact')",
    3, 0};
static struct exec_decl d_action_list = {
    .method = "ListActionItems",
    .check = {&q_action_filters_reached, {"distributor_id", "meeting_id", "owner_contact_id"}},
    .query = {&q_action_list,
              {"@after", "@limit", "distributor_id", "owner_user_id", "owner_contact_id", "status",
               "@after_at", "meeting_id"}},
    .shape = EXEC_PAGE,
    .out = "action_items",
    .cursor = "act",
    .order = EXEC_BY_TIME,
    .filters = {"distributor_id", "owner_user_id", "owner_contact_id", "status", "meeting_id"}};
static struct exec_decl d_action_get = {.method = "GetActionItem",
                                        .query = {&q_action_get, {"id"}},
                                        .out = "action_item",
                                        .not_found = "no such action item"};
static struct exec_decl d_action_complete = {.method = "CompleteActionItem",
                                             .check = {&q_action_can, {"id", "=completed", "="}},
                                             .query = {&q_action_close, {"id", "=done", "="}},
                                             .out = "action_item",
                                             .not_found = "no such action item"};
static struct exec_decl d_action_cancel = {
    .method = "CancelActionItem",
    .check = {&q_action_can, {"id", "=cancelled", "reason"}},
    .query = {&q_action_close, {"id", "=cancelled", "reason"}},
    .out = "action_item",
    .not_found = "no such action item"};
static struct exec_decl d_action_update = {
    .method = "UpdateActionItem",
    .check = {&q_action_can_update,
              {"id", "owner_user_id", "owner_contact_id", "owner", "due_at", "due_on"}},
    .query = {&q_action_update,
              {"id", "owner_user_id", "owner_contact_id", "owner", "due_at", "due_on",
               "description"}},
    .out = "action_item",
    .not_found = "no such action item",
    .invalid = "dueAt: not a time"};

int rpc_meeting_register(void)
{
    struct exec_decl *const decls[] = {
        &d_meeting_create,  &d_meeting_list,    &d_meeting_get,    &d_meeting_reschedule,
        &d_meeting_held,    &d_meeting_missed,  &d_meeting_cancel, &d_meeting_reopen,
        &d_attendee_add,    &d_attendee_remove, &d_attendance,     &d_note_add,
        &d_compliance,      &d_action_create,   &d_action_list,    &d_action_get,
        &d_action_complete, &d_action_cancel,   &d_action_update};
    char err[256];
    if (exec_register(decls, (int)(sizeof decls / sizeof decls[0]), err, sizeof err) < 0) {
        log_event(LOG_ERROR, "meeting RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

/* ---- the requests' formats ---- */

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/*
 * An RFC 3339 instant: YYYY-MM-DDTHH:MM[:SS[.fraction]] and Z or +HH:MM /
 * -HH:MM. The zone is required, so no instant depends on a session's zone;
 * the day's validity is PostgreSQL's to refuse (the declaration's `invalid`).
 */
static bool instant_ok(const char *s)
{
    char day[11];
    if (strlen(s) < 16)
        return false;
    memcpy(day, s, 10);
    day[10] = 0;
    if (!charter_date_ok(day))
        return false;
    if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s + 11, 2) || s[13] != ':' ||
        !digits(s + 14, 2) || atoi(s + 11) > 23 || atoi(s + 14) > 59)
        return false;
    const char *p = s + 16;
    if (*p == ':') {
        /* No leap second: PostgreSQL rolls :60 over into the next minute. */
        if (!digits(p + 1, 2) || atoi(p + 1) > 59)
            return false;
        p += 3;
        if (*p == '.') {
            size_t n = strspn(p + 1, "0123456789");
            if (n < 1 || n > 9)
                return false;
            p += 1 + n;
        }
    }
    /* PostgreSQL takes offsets up to 15:59. */
    if (strcmp(p, "Z") != 0 && strcmp(p, "z") != 0 &&
        !((*p == '+' || *p == '-') && digits(p + 1, 2) && p[3] == ':' && digits(p + 4, 2) &&
          !p[6] && atoi(p + 1) <= 15 && atoi(p + 4) <= 59))
        return false;
    long long t = request_time_utc(s);
    return t >= REQUEST_TIME_MIN && t < REQUEST_TIME_END;
}

static bool instant_field_ok(struct request *r, const char *field, const char *s, bool required)
{
    if (!s[0] && !required)
        return true;
    if (s[0] && strlen(s) <= 40 && instant_ok(s))
        return true;
    request_fail_field(r, field,
                       s[0] ? "an RFC 3339 time with a zone in the years 1900 to 2999, e.g. "
                              "2026-03-02T08:00:00Z"
                            : "required");
    return false;
}

static bool one_of(const char *s, const char *const *values)
{
    for (; *values; values++)
        if (!strcmp(s, *values))
            return true;
    return false;
}

#define MAX_MINUTES 480

static bool duration_ok(struct request *r, uint32_t minutes, bool required)
{
    if ((!required && minutes == 0) || (minutes >= 5 && minutes <= MAX_MINUTES))
        return true;
    request_fail_field(r, "durationMinutes", "5 to 480 minutes");
    return false;
}

/* A meeting starting at start (valid) and lasting minutes ends before the year 3000. */
static bool ends_in_range(struct request *r, const char *start, uint32_t minutes)
{
    if (request_time_utc(start) + 60LL * minutes < REQUEST_TIME_END)
        return true;
    request_fail_field(r, "startsAt", "the meeting would end after the year 2999");
    return false;
}

static bool optional_id_ok(struct request *r, const char *field, uint64_t id)
{
    if (id <= INT64_MAX)
        return true;
    request_fail_field(r, field, "out of range");
    return false;
}

void rpc_create_meeting(struct request *r)
{
    const Liaison__V1__CreateMeetingRequest *in =
        (const Liaison__V1__CreateMeetingRequest *)r->input;
    if (!request_check_id(r, "distributorId", in->distributor_id) ||
        !request_check_chars(r, "title", in->title, 200, true) ||
        !request_check_one_line(r, "title", in->title) ||
        !instant_field_ok(r, "startsAt", in->starts_at, true) ||
        !duration_ok(r, in->duration_minutes, true) ||
        !ends_in_range(r, in->starts_at, in->duration_minutes))
        return;
    if (in->n_agenda > 32) {
        request_fail_field(r, "agenda", "at most 32 items");
        return;
    }
    for (size_t i = 0; i < in->n_agenda; i++)
        if (!request_check_chars(r, "agenda", in->agenda[i], 500, true))
            return;
    if (in->n_attendees > 50) {
        request_fail_field(r, "attendees", "at most 50");
        return;
    }
    for (size_t i = 0; i < in->n_attendees; i++)
        if (!request_check_text(r, "attendees", in->attendees[i], 254, true))
            return;
    exec_run(r, &d_meeting_create);
}

static const char *const meeting_statuses[] = {"",       "scheduled", "held",
                                               "missed", "cancelled", NULL};

void rpc_list_meetings(struct request *r)
{
    const Liaison__V1__ListMeetingsRequest *in = (const Liaison__V1__ListMeetingsRequest *)r->input;
    if (!optional_id_ok(r, "distributorId", in->distributor_id) ||
        !instant_field_ok(r, "from", in->from, false) ||
        !instant_field_ok(r, "to", in->to, false) ||
        !request_check_range(r, "to", in->from, in->to))
        return;
    if (!one_of(in->status, meeting_statuses)) {
        request_fail_field(r, "status", "scheduled, held, missed or cancelled");
        return;
    }
    exec_run(r, &d_meeting_list);
}

void rpc_get_meeting(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_meeting_get);
}

void rpc_reschedule_meeting(struct request *r)
{
    const Liaison__V1__RescheduleMeetingRequest *in =
        (const Liaison__V1__RescheduleMeetingRequest *)r->input;
    /* A meeting that keeps its duration may last the longest a duration allows. */
    if (request_check_id(r, "id", in->id) && instant_field_ok(r, "startsAt", in->starts_at, true) &&
        duration_ok(r, in->duration_minutes, false) &&
        ends_in_range(r, in->starts_at, in->duration_minutes ? in->duration_minutes : MAX_MINUTES))
        exec_run(r, &d_meeting_reschedule);
}

void rpc_mark_meeting_held(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_meeting_held);
}

static void meeting_status(struct request *r, const struct exec_decl *d)
{
    const Liaison__V1__MeetingStatusRequest *in =
        (const Liaison__V1__MeetingStatusRequest *)r->input;
    if (request_check_id(r, "id", in->id) &&
        request_check_chars(r, "reason", in->reason, 2000, false))
        exec_run(r, d);
}

void rpc_mark_meeting_missed(struct request *r)
{
    meeting_status(r, &d_meeting_missed);
}

void rpc_cancel_meeting(struct request *r)
{
    meeting_status(r, &d_meeting_cancel);
}

void rpc_reopen_meeting(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_meeting_reopen);
}

void rpc_add_meeting_attendee(struct request *r)
{
    const Liaison__V1__AddMeetingAttendeeRequest *in =
        (const Liaison__V1__AddMeetingAttendeeRequest *)r->input;
    if (request_check_id(r, "meetingId", in->meeting_id) &&
        request_check_text(r, "attendee", in->attendee, 254, true))
        exec_run(r, &d_attendee_add);
}

void rpc_remove_meeting_attendee(struct request *r)
{
    const Liaison__V1__MeetingAttendeeRequest *in =
        (const Liaison__V1__MeetingAttendeeRequest *)r->input;
    if (request_check_id(r, "meetingId", in->meeting_id) &&
        request_check_id(r, "attendeeId", in->attendee_id))
        exec_run(r, &d_attendee_remove);
}

void rpc_set_attendance(struct request *r)
{
    const Liaison__V1__SetAttendanceRequest *in =
        (const Liaison__V1__SetAttendanceRequest *)r->input;
    if (in->clear && in->attended) {
        request_fail_field(r, "clear", "attended or clear, not both");
        return;
    }
    if (request_check_id(r, "meetingId", in->meeting_id) &&
        request_check_id(r, "attendeeId", in->attendee_id))
        exec_run(r, &d_attendance);
}

void rpc_add_meeting_note(struct request *r)
{
    Liaison__V1__AddMeetingNoteRequest *in = (Liaison__V1__AddMeetingNoteRequest *)r->input;
    if (!request_check_id(r, "meetingId", in->meeting_id) ||
        !request_check_chars(r, "body", in->body, 100000, true))
        return;
    /* A known language, as a distributor's and a document's are: "jp" was taken here only. */
    if (in->language[0] && !geo_language_tag(in->language)) {
        request_fail_field(r, "language", "a BCP 47 language tag such as vi, ja or en-GB");
        return;
    }
    geo_language_canonical(in->language);
    exec_run(r, &d_note_add);
}

void rpc_get_notes_compliance(struct request *r)
{
    const Liaison__V1__GetNotesComplianceRequest *in =
        (const Liaison__V1__GetNotesComplianceRequest *)r->input;
    if (optional_id_ok(r, "distributorId", in->distributor_id) &&
        optional_id_ok(r, "accountManagerId", in->account_manager_id) &&
        instant_field_ok(r, "from", in->from, true) && instant_field_ok(r, "to", in->to, true) &&
        request_check_range(r, "to", in->from, in->to))
        exec_run(r, &d_compliance);
}

/* An item's due time as given: due_at an instant, due_on a day; either may be empty. */
static bool action_due_ok(struct request *r, const char *due_at, const char *due_on)
{
    if (!instant_field_ok(r, "dueAt", due_at, false))
        return false;
    /* A day is due at its end: 2999-12-31's is in the year 3000 in every zone west of UTC. */
    if (due_on[0] && (!charter_date_ok(due_on) || !strcmp(due_on, "2999-12-31"))) {
        const char *why = charter_day_lacking(r, due_on);
        request_fail_field(r, "dueOn", why ? why : "a day as YYYY-MM-DD, 1900-01-01 to 2999-12-30");
        return false;
    }
    return true;
}

void rpc_create_action_item(struct request *r)
{
    const Liaison__V1__CreateActionItemRequest *in =
        (const Liaison__V1__CreateActionItemRequest *)r->input;
    if (!request_check_id(r, "distributorId", in->distributor_id) ||
        !optional_id_ok(r, "meetingId", in->meeting_id) ||
        !optional_id_ok(r, "ownerUserId", in->owner_user_id) ||
        !optional_id_ok(r, "ownerContactId", in->owner_contact_id) ||
        !request_check_chars(r, "description", in->description, 2000, true) ||
        !request_check_text(r, "owner", in->owner, 254, false))
        return;
    if ((in->owner_user_id != 0) + (in->owner_contact_id != 0) + (in->owner[0] != 0) != 1) {
        request_fail_field(r, "owner", "exactly one of owner, ownerUserId, ownerContactId");
        return;
    }
    if (!in->due_at[0] == !in->due_on[0]) {
        request_fail_field(r, "dueAt", "exactly one of dueAt, dueOn");
        return;
    }
    if (action_due_ok(r, in->due_at, in->due_on))
        exec_run(r, &d_action_create);
}

static const char *const action_statuses[] = {"", "open", "done", "cancelled", "overdue", NULL};

void rpc_list_action_items(struct request *r)
{
    const Liaison__V1__ListActionItemsRequest *in =
        (const Liaison__V1__ListActionItemsRequest *)r->input;
    if (!optional_id_ok(r, "distributorId", in->distributor_id) ||
        !optional_id_ok(r, "ownerUserId", in->owner_user_id) ||
        !optional_id_ok(r, "ownerContactId", in->owner_contact_id))
        return;
    if (!one_of(in->status, action_statuses)) {
        request_fail_field(r, "status", "open, done, cancelled or overdue");
        return;
    }
    exec_run(r, &d_action_list);
}

void rpc_get_action_item(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_action_get);
}

void rpc_complete_action_item(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_action_complete);
}

void rpc_cancel_action_item(struct request *r)
{
    const Liaison__V1__CancelActionItemRequest *in =
        (const Liaison__V1__CancelActionItemRequest *)r->input;
    if (request_check_id(r, "id", in->id) &&
        request_check_chars(r, "reason", in->reason, 2000, false))
        exec_run(r, &d_action_cancel);
}

/* Checked as CreateActionItem checks the fields it shares; one field at least. */
void rpc_update_action_item(struct request *r)
{
    const Liaison__V1__UpdateActionItemRequest *in =
        (const Liaison__V1__UpdateActionItemRequest *)r->input;
    if (!request_check_id(r, "id", in->id) ||
        !optional_id_ok(r, "ownerUserId", in->owner_user_id) ||
        !optional_id_ok(r, "ownerContactId", in->owner_contact_id) ||
        !request_check_chars(r, "description", in->description, 2000, false) ||
        !request_check_text(r, "owner", in->owner, 254, false))
        return;
    if ((in->owner_user_id != 0) + (in->owner_contact_id != 0) + (in->owner[0] != 0) > 1) {
        request_fail_field(r, "owner", "at most one of owner, ownerUserId, ownerContactId");
        return;
    }
    if (in->due_at[0] && in->due_on[0]) {
        request_fail_field(r, "dueAt", "at most one of dueAt, dueOn");
        return;
    }
    if (!action_due_ok(r, in->due_at, in->due_on))
        return;
    if (!in->description[0] && !in->owner_user_id && !in->owner_contact_id && !in->owner[0] &&
        !in->due_at[0] && !in->due_on[0]) {
        request_fail(r, LIAISON__V1__CODE__INVALID_ARGUMENT,
                     "nothing to change: give a description, an owner or a due time");
        return;
    }
    exec_run(r, &d_action_update);
}
