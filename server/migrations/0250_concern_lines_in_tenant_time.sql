-- The formal concern's cited lines, in the tenant's time (a try-out):
--
-- 0249 dated the letter and each line's date by the tenant's time zone,
-- but the lines themselves still gave their times in UTC: for a tenant in
-- Asia/Tokyo a weekly meeting on the 5th at 23:00 UTC was cited as
-- "- <the 6th>: ... (weekly meeting, 23:00 UTC) was missed", a date and a
-- time of two different days. Each time in a line is now the tenant's
-- (its time zone, UTC when none is set), named as the letter's header
-- names it.
--
-- A late report's line was dated by its due day's midnight in UTC, so west
-- of UTC "- 2026-03-09: monthly report ..., due 2026-03-10": it is the due
-- day's midnight in the tenant's zone, the day it names.
--
-- Replaces liaison_concern_meetings_missed, liaison_concern_notes_missing
-- and liaison_concern_requests_unanswered (0018) and
-- liaison_concern_actions_overdue and liaison_concern_reports_late (0061),
-- whole but for the zone; their grants stay.

CREATE OR REPLACE FUNCTION liaison_concern_meetings_missed(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT m.starts_at, format('%s (%s meeting, %s %s) was missed', m.title, m.kind,
                               to_char(m.starts_at AT TIME ZONE z.tz, 'HH24:MI'), z.tz)
      FROM meetings m
     CROSS JOIN (SELECT coalesce(nullif(t.time_zone, ''), 'UTC') AS tz FROM tenants t
                  WHERE t.id = liaison_tenant()) z
     WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
       AND m.status = 'missed' AND m.starts_at >= p_since AND m.starts_at < p_until
$$;

-- A held meeting's notes are due 24 hours after it ends.
CREATE OR REPLACE FUNCTION liaison_concern_notes_missing(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT m.starts_at, format('no notes for %s (%s meeting, held); they were due %s %s',
                               m.title, m.kind,
                               to_char((m.ends_at + interval '24 hours') AT TIME ZONE z.tz,
                                       'YYYY-MM-DD HH24:MI'), z.tz)
      FROM meetings m
     CROSS JOIN (SELECT coalesce(nullif(t.time_zone, ''), 'UTC') AS tz FROM tenants t
                  WHERE t.id = liaison_tenant()) z
     WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
       AND m.status = 'held' AND m.starts_at >= p_since
       AND m.ends_at + interval '24 hours' < p_until
       AND NOT EXISTS (SELECT 1 FROM meeting_notes n WHERE n.tenant_id = m.tenant_id
                          AND n.meeting_id = m.id AND n.created_at <= p_until)
$$;

-- As in 0061, only items the distributor's own side owns.
CREATE OR REPLACE FUNCTION liaison_concern_actions_overdue(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT a.due_at, format('action item "%s" (owner: %s) is overdue, due %s %s', a.description,
                            coalesce(nullif(c.name, ''), nullif(u.display_name, ''), u.email, ''),
                            to_char(a.due_at AT TIME ZONE z.tz, 'YYYY-MM-DD HH24:MI'), z.tz)
      FROM action_items a
     CROSS JOIN (SELECT coalesce(nullif(t.time_zone, ''), 'UTC') AS tz FROM tenants t
                  WHERE t.id = liaison_tenant()) z
      LEFT JOIN contacts c ON c.tenant_id = a.tenant_id AND c.id = a.owner_contact_id
      LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.owner_user_id
     WHERE a.tenant_id = liaison_tenant() AND a.distributor_id = p_distributor
       AND (c.distributor_id = p_distributor OR u.distributor_id = p_distributor)
       AND a.due_at >= p_since AND a.due_at < p_until
       AND (a.status = 'open' OR (a.status = 'done' AND a.done_at > p_until))
$$;

-- Requests whose first answer was due in the period and had not come.
CREATE OR REPLACE FUNCTION liaison_concern_requests_unanswered(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT e.sent_at, format('escalation request #%s "%s" (%s) sent %s %s: no response, one was'
                             ' expected by %s %s', e.id, e.subject, e.severity,
                             to_char(e.sent_at AT TIME ZONE z.tz, 'YYYY-MM-DD HH24:MI'), z.tz,
                             to_char(s.expected_by AT TIME ZONE z.tz, 'YYYY-MM-DD HH24:MI'), z.tz)
      FROM escalation_requests e
     CROSS JOIN (SELECT coalesce(nullif(t.time_zone, ''), 'UTC') AS tz FROM tenants t
                  WHERE t.id = liaison_tenant()) z
      JOIN escalation_steps s ON s.tenant_id = e.tenant_id AND s.request_id = e.id
       AND s.step_no = 1
     WHERE e.tenant_id = liaison_tenant() AND e.distributor_id = p_distributor
       AND s.expected_by >= p_since AND s.expected_by <= p_until
       AND (e.responded_at IS NULL OR e.responded_at > p_until)
$$;

CREATE OR REPLACE FUNCTION liaison_concern_reports_late(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    WITH ch AS (
        SELECT c.report_due_day,
               (SELECT min(a.activated_at) FROM charters a
                 WHERE a.tenant_id = c.tenant_id AND a.distributor_id = c.distributor_id
                   AND a.status IN ('active', 'superseded') AND a.activated_at IS NOT NULL)
                   AS started,
               (SELECT coalesce(nullif(t.time_zone, ''), 'UTC') FROM tenants t
                 WHERE t.id = c.tenant_id) AS zone
          FROM charters c
         WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
           AND c.status = 'active'),
    -- A due day falls at most two months after its month began, and at
    -- least one month after: these are all the months that can qualify.
    months AS (
        SELECT m::date AS period, ch.report_due_day, ch.zone,
               m >= date_trunc('month', (ch.started AT TIME ZONE 'UTC')
                                        - interval '1 microsecond') + interval '1 month' AS owed
          FROM ch CROSS JOIN generate_series(
                   greatest(date_trunc('month', ch.started AT TIME ZONE 'UTC'),
                            date_trunc('month', p_since AT TIME ZONE 'UTC') - interval '2 months'),
                   date_trunc('month', p_until AT TIME ZONE 'UTC') - interval '1 month',
                   interval '1 month') m
         WHERE ch.started IS NOT NULL),
    owed AS (
        SELECT mo.period, mo.zone,
               coalesce(r.due_on, (mo.period + interval '1 month')::date + mo.report_due_day - 1)
                   AS due,
               CASE WHEN r.status <> 'draft' AND r.submitted_at <= p_until
                    THEN r.submitted_at END AS submitted_at,
               coalesce(r.late, false) AS late
          FROM months mo
          LEFT JOIN monthly_reports r ON r.tenant_id = liaison_tenant()
           AND r.distributor_id = p_distributor AND r.period = mo.period
         WHERE mo.owed OR r.id IS NOT NULL)
    SELECT o.due::timestamp AT TIME ZONE o.zone,
           format('monthly report for %s, due %s: %s', to_char(o.period, 'YYYY-MM'),
                  to_char(o.due, 'YYYY-MM-DD'),
                  CASE WHEN o.submitted_at IS NULL THEN 'not submitted'
                       ELSE 'submitted ' || to_char(o.submitted_at AT TIME ZONE o.zone,
                                                    'YYYY-MM-DD') END)
      FROM owed o
     WHERE o.due >= (p_since AT TIME ZONE o.zone)::date
       AND o.due < (p_until AT TIME ZONE o.zone)::date
       AND (o.submitted_at IS NULL OR o.late)
$$;
