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
-- Replaces liaison_concern_meetings_missed, liaison_concern_notes_missing
-- and liaison_concern_requests_unanswered (0018) and
-- liaison_concern_actions_overdue (0061), whole but for the zone; their
-- grants stay.

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
