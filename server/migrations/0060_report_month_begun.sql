-- A monthly report only for a month that has begun (found in a review and
-- a try-out): OpenReport took any month up to 2100-12, and a report
-- submitted for a month to come became the "newest report" the health
-- score reads stock from, and counted toward targets and trends before a
-- sale of that month was made. The month is judged in the distributor's
-- time zone, so a distributor in Tokyo opens its report on the 1st of its
-- own month. Only liaison_report_open() changes; stored reports stay.

CREATE OR REPLACE FUNCTION liaison_report_open(p_distributor bigint, p_period text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    start_ date := liaison_period_start(p_period);
    rep bigint;
    ch charters%ROWTYPE;
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
        INSERT INTO monthly_reports (tenant_id, distributor_id, period, charter_id, due_on,
                                     created_by, created_at, updated_by, updated_at)
        VALUES (liaison_tenant(), p_distributor, start_, ch.id,
                (start_ + interval '1 month')::date + (ch.report_due_day - 1), actor, now_,
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
