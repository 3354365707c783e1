-- The formal performance concern, put right (found in a review and a
-- try-out of 0018's letter):
--   * It blamed the distributor for the exporter's own action items:
--     "Action items overdue" took every open item filed under the
--     distributor, whoever owned it. A letter to the distributor cites only
--     what its own side owes: items owned by one of its contacts or by a
--     user of that distributor. The owner's name fell to "owner: " when a
--     user had an empty display name (coalesce stops at ''); it now falls
--     through to the e-mail.
--   * It never cited the charter commitments being missed, which is what
--     the concern is for (DOMAIN.md, "Escalation and responsiveness"):
--     three sections join it, each one function and one row of
--     concern_sections as 0018 planned: monthly reports late or missing,
--     buffer stock below the charter's commitment, and competing lines
--     declared under a charter that allows none.
-- Each function has 0018's section signature (p_distributor, p_since,
-- p_until) RETURNS TABLE (at, line) and, like 0018's, runs as its caller
-- in the caller's tenant. liaison_escalation_concern_draft() is unchanged:
-- it reads concern_sections. Concerns already drafted stay as drafted.

-- As in 0018, only items the distributor's own side owns.
CREATE OR REPLACE FUNCTION liaison_concern_actions_overdue(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT a.due_at, format('action item "%s" (owner: %s) is overdue, due %s UTC', a.description,
                            coalesce(nullif(c.name, ''), nullif(u.display_name, ''), u.email, ''),
                            to_char(a.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'))
      FROM action_items a
      LEFT JOIN contacts c ON c.tenant_id = a.tenant_id AND c.id = a.owner_contact_id
      LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.owner_user_id
     WHERE a.tenant_id = liaison_tenant() AND a.distributor_id = p_distributor
       AND (c.distributor_id = p_distributor OR u.distributor_id = p_distributor)
       AND a.due_at >= p_since AND a.due_at < p_until
       AND (a.status = 'open' OR (a.status = 'done' AND a.done_at > p_until))
$$;

-- Monthly reports the charter in force asked for and did not get on time:
-- the months whose report was due (the report's due_on, or for a month
-- with no report the charter's report_due_day of the month after) on a
-- day of [p_since, p_until) that had ended by p_until, in the tenant's time
-- zone as liaison_report_submit() judges lateness. Not submitted by p_until
-- (missing, still a draft, or submitted only later): "not submitted";
-- submitted after its due day (its late flag): "submitted" and the day.
-- Only the months that began after the relationship's start (the first
-- activation of the distributor's charters), and the month it started in
-- when a report was opened for it, as the health score counts report
-- timeliness, so a new charter is not blamed for the months before it.
-- Dated by the due day. No charter in force, no line.
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
    SELECT o.due::timestamp AT TIME ZONE 'UTC',
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

-- Stock below the buffer the charter in force commits to, in the newest
-- report submitted by p_until whose month overlaps [p_since, p_until): one
-- line per product line below it, by liaison_inventory_cover() (0059), the
-- one definition of weeks of cover and of "below the commitment", which
-- also decides for a committed line the report left out. Dated by the
-- report's submission.
CREATE OR REPLACE FUNCTION liaison_concern_buffer_below(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT r.submitted_at,
           format('stock of %s in the report for %s: %s%s against the charter''s buffer of %s %s',
                  v.product_line_code, to_char(r.period, 'YYYY-MM'),
                  CASE WHEN v.units_on_hand IS NULL THEN 'no stock reported'
                       WHEN v.units_on_hand = 1 THEN '1 unit on hand'
                       ELSE v.units_on_hand || ' units on hand' END,
                  CASE WHEN v.buffer_unit = 'weeks' AND v.weeks_of_cover IS NOT NULL
                       THEN format(', %s weeks of cover', round(v.weeks_of_cover, 1)) ELSE '' END,
                  v.buffer_amount,
                  CASE WHEN v.buffer_unit = 'weeks'
                       THEN CASE WHEN v.buffer_amount = 1 THEN 'week' ELSE 'weeks' END
                       ELSE CASE WHEN v.buffer_amount = 1 THEN 'unit' ELSE 'units' END END)
      FROM (SELECT m.period, m.submitted_at FROM monthly_reports m
             WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
               AND m.status IN ('submitted', 'reviewed') AND m.submitted_at <= p_until
               AND m.period < (p_until AT TIME ZONE 'UTC')
               AND m.period + interval '1 month' > (p_since AT TIME ZONE 'UTC')
             ORDER BY m.period DESC LIMIT 1) r
     CROSS JOIN LATERAL liaison_inventory_cover(p_distributor, r.period) v
     WHERE v.below_commitment
$$;

-- Competing lines the charter in force declares while it does not allow
-- competing lines: a standing breach, dated by that charter's activation.
CREATE OR REPLACE FUNCTION liaison_concern_competing_lines(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT c.activated_at,
           format('competing line %s of %s declared, while the charter does not allow competing'
                  ' lines', k.line, k.competitor)
      FROM charters c
      JOIN charter_competing_lines k ON k.tenant_id = c.tenant_id AND k.charter_id = c.id
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
       AND c.status = 'active' AND NOT c.competing_allowed AND c.activated_at <= p_until
$$;

INSERT INTO concern_sections (section, position, heading, fn) VALUES
    ('reports_late', 40, 'Monthly reports late or missing', 'liaison_concern_reports_late'),
    ('buffer_below', 50, 'Buffer stock below the charter''s commitment',
     'liaison_concern_buffer_below'),
    ('competing_lines', 60, 'Competing lines', 'liaison_concern_competing_lines')
ON CONFLICT (section) DO UPDATE
    SET position = EXCLUDED.position, heading = EXCLUDED.heading, fn = EXCLUDED.fn;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION
            liaison_concern_actions_overdue(bigint, timestamptz, timestamptz),
            liaison_concern_reports_late(bigint, timestamptz, timestamptz),
            liaison_concern_buffer_below(bigint, timestamptz, timestamptz),
            liaison_concern_competing_lines(bigint, timestamptz, timestamptz)
            TO liaison_app;
    END IF;
END $$;
