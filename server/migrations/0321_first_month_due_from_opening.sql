-- Opening the first month's report, which is owed only once opened (the
-- month the relationship began in, or an earlier one: 0185, 0304), was
-- punished (a try-out): opened after its due day it was overdue at once,
-- health fell by 20 points, and submitted the same minute it was late for
-- six months, while not opening it cost nothing. Such a month is now due no
-- earlier than the first due day on or after the day it is opened, in the
-- distributor's zone: whoever opens it has until then. Every other month
-- is due as liaison_report_due says (0309).
--
-- Replaces liaison_report_open and liaison_report_due_follow (0309) whole
-- but for asking liaison_report_due_opened.

-- p_period's due day for a report opened at p_opened.
CREATE OR REPLACE FUNCTION liaison_report_due_opened(p_distributor bigint, p_period date,
                                                     p_opened timestamptz) RETURNS date
LANGUAGE sql STABLE AS $$
    WITH x AS (
        SELECT liaison_report_due(p_distributor, p_period) AS due,
               (p_opened AT TIME ZONE coalesce(nullif(d.time_zone, ''), 'UTC'))::date AS opened,
               p_period < date_trunc('month', greatest(
                   (SELECT min(a.activated_at) FROM public.charters a
                     WHERE a.tenant_id = d.tenant_id AND a.distributor_id = d.id
                       AND a.status IN ('active', 'superseded') AND a.activated_at IS NOT NULL),
                   liaison_relationship_began(d.id)::timestamp AT TIME ZONE 'UTC')
                   AT TIME ZONE 'UTC' - interval '1 microsecond') + interval '1 month'
                   AS only_opened
          FROM public.distributors d
         WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor)
    SELECT CASE WHEN NOT coalesce(x.only_opened, false) OR x.due IS NULL THEN x.due
                ELSE greatest(x.due, (SELECT CASE WHEN b.due >= x.opened THEN b.due
                                                  ELSE liaison_report_due(p_distributor,
                                                           date_trunc('month', x.opened)::date)
                                             END
                                        FROM (SELECT liaison_report_due(p_distributor,
                                                  (date_trunc('month', x.opened)
                                                   - interval '1 month')::date) AS due) b))
           END
      FROM x
$$;

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
                liaison_report_due_opened(p_distributor, start_, now_), actor, now_, actor, now_)
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

CREATE OR REPLACE FUNCTION liaison_report_due_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE public.monthly_reports r SET due_on = x.due
      FROM (SELECT y.id, liaison_report_due_opened(y.distributor_id, y.period, y.created_at) AS due
              FROM public.monthly_reports y
              JOIN public.distributors d ON d.tenant_id = y.tenant_id AND d.id = y.distributor_id
             WHERE y.tenant_id = NEW.tenant_id AND y.distributor_id = NEW.distributor_id
               AND y.status = 'draft' AND y.submitted_at IS NULL
               -- The months the version governs: a month that ended before it keeps
               -- its day, whatever rule gave it (0185, 0257).
               AND (y.period + interval '1 month')::timestamp
                   AT TIME ZONE coalesce(nullif(d.time_zone, ''), 'UTC') >= NEW.activated_at) x
     WHERE r.tenant_id = NEW.tenant_id AND r.id = x.id AND x.due IS NOT NULL
       AND r.due_on <> x.due;
    RETURN NEW;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_report_due_opened(bigint, date, timestamptz)
            TO liaison_app;
    END IF;
END $$;
