-- A report opened for a month whose due day passed before any charter was
-- active (a territory granted from 2026-06-01 and activated on
-- 2026-12-04) was overdue as it was opened, and late for good once
-- submitted (a try-out), while health counts the relationship from the
-- activation. Such a month is now due on the first due day from the first
-- activation. Reports already open keep their due day.
--
-- Replaces liaison_report_open (0182) whole but for that.

CREATE OR REPLACE FUNCTION liaison_report_open(p_distributor bigint, p_period text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    start_ date := liaison_period_start(p_period);
    rep bigint;
    ch charters%ROWTYPE;
    began date;
    first_due date;
    actor text := liaison_request_setting('actor');
    now_ timestamptz := liaison_now();
BEGIN
    PERFORM liaison_found(p_distributor IS NOT NULL AND liaison_sees_side(p_distributor),
                          'no such distributor');
    PERFORM liaison_check(liaison_period_kind(p_period) = 'month', 'period',
                          'a month as YYYY-MM');
    -- A month that has not begun where the distributor is has nothing to
    -- report yet.
    PERFORM liaison_check(start_ <= (SELECT date_trunc('month', now_ AT TIME ZONE
                                                         coalesce(nullif(d.time_zone, ''), 'UTC'))::date
                                       FROM distributors d
                                      WHERE d.tenant_id = liaison_tenant()
                                        AND d.id = p_distributor),
                          'period', 'a month that has begun: a report is opened for the current'
                                    ' month or an earlier one');
    SELECT r.id INTO rep FROM monthly_reports r
     WHERE r.tenant_id = liaison_tenant() AND r.distributor_id = p_distributor
       AND r.period = start_;
    IF rep IS NULL THEN
        SELECT c.* INTO ch FROM charters c
         WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
           AND c.status = 'active';
        PERFORM liaison_precondition(ch.id IS NOT NULL,
            'this distributor has no active charter: its report''s due day and required sections'
            ' come from one');
        SELECT coalesce((SELECT min(g.starts_on) FROM charter_grants g
                        JOIN charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
                       WHERE g.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
                         AND c.activated_at IS NOT NULL),
                     (SELECT min(c.activated_at AT TIME ZONE 'UTC')::date FROM charters c
                       WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
                         AND c.activated_at IS NOT NULL))
          INTO began;
        -- A month whose due day passed before any charter was active (a
        -- territory granted from June, activated in December) is due on
        -- the first due day from the activation: it could not be late
        -- before there was a charter to report under.
        SELECT (date_trunc('month', a.d::timestamp) + (ch.report_due_day - 1) * interval '1 day'
                + CASE WHEN extract(day FROM a.d) > ch.report_due_day THEN interval '1 month'
                       ELSE interval '0' END)::date
          INTO first_due
          FROM (SELECT min(c.activated_at AT TIME ZONE 'UTC')::date AS d FROM charters c
                 WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
                   AND c.activated_at IS NOT NULL) a;
        PERFORM liaison_check(began IS NULL OR (start_ + interval '1 month')::date > began,
            'period', format('a month of the relationship, which %s: %s is before it',
                             liaison_relationship_start_words(began), to_char(start_, 'YYYY-MM')));
        INSERT INTO monthly_reports (tenant_id, distributor_id, period, charter_id, due_on,
                                     created_by, created_at, updated_by, updated_at)
        VALUES (liaison_tenant(), p_distributor, start_, ch.id,
                greatest((start_ + interval '1 month')::date + (ch.report_due_day - 1),
                         first_due), actor, now_,
                actor, now_)
        ON CONFLICT (tenant_id, distributor_id, period) DO NOTHING
        RETURNING id INTO rep;
        IF rep IS NULL THEN
            -- A concurrent opening made it first.
            SELECT r.id INTO rep FROM monthly_reports r
             WHERE r.tenant_id = liaison_tenant() AND r.distributor_id = p_distributor
               AND r.period = start_;
        ELSE
            INSERT INTO report_pipeline (tenant_id, report_id, position, lead_id, title, stage,
                                         value_minor, currency, expected_close)
            SELECT liaison_tenant(), rep, (row_number() OVER (ORDER BY l.id))::int - 1, l.id,
                   l.title, l.stage, l.value_minor, l.currency, l.expected_close
              FROM (SELECT * FROM leads x
                     WHERE x.tenant_id = liaison_tenant() AND x.distributor_id = p_distributor
                       AND x.stage NOT IN ('won', 'lost')
                       AND x.registration IS DISTINCT FROM 'rejected'
                     ORDER BY x.id LIMIT 200) l;
            PERFORM liaison_audit('report.opened', 'monthly_report', rep::text);
        END IF;
    END IF;
    PERFORM set_config('liaison.created_id', rep::text, true);
    RETURN rep;
END $$;
