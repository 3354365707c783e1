-- A relationship whose first grant starts on a day to come was said to
-- have "began on 2027-01-01", and a year or a period before it to have
-- "ended before it" while it was still under way (found in a try-out: a
-- distributor's 2026 plan, refused in December 2026 for a relationship that
-- starts in January). The refusals of a plan's year (rpc_plan.c), a
-- target's or goal's period and a report's month now say "began on" or
-- "begins on" as the day is past or to come, and "is before it".
--
-- Replaces liaison_target_period_check (0165) and liaison_report_open
-- (0104) whole but for those words.

-- "began on D" or "begins on D": the relationship's start p_began, as the
-- service clock's UTC date has reached it or not.
CREATE OR REPLACE FUNCTION liaison_relationship_start_words(p_began date) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT format('%s on %s', CASE WHEN p_began > (liaison_now() AT TIME ZONE 'UTC')::date
                                   THEN 'begins' ELSE 'began' END, p_began)
$$;

CREATE OR REPLACE FUNCTION liaison_target_period_check(p_distributor bigint, p_kind text,
                                                       p_start date, p_field text)
RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    began date := liaison_relationship_began(p_distributor);
BEGIN
    PERFORM liaison_check(began IS NULL OR (p_start + liaison_period_step(p_kind))::date > began,
        p_field, format('a period of the relationship, which %s: %s is before it',
                        liaison_relationship_start_words(began),
                        liaison_plan_period_text(p_kind, p_start)));
    RETURN true;
END $$;

CREATE OR REPLACE FUNCTION liaison_report_open(p_distributor bigint, p_period text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    start_ date := liaison_period_start(p_period);
    rep bigint;
    ch charters%ROWTYPE;
    began date;
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
        PERFORM liaison_check(began IS NULL OR (start_ + interval '1 month')::date > began,
            'period', format('a month of the relationship, which %s: %s is before it',
                             liaison_relationship_start_words(began), to_char(start_, 'YYYY-MM')));
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

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_relationship_start_words(date) TO liaison_app;
    END IF;
END $$;
