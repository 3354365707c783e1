-- An amendment that moved the report due day later forgave a report that
-- was overdue already (a try-out): January's report, due on 2027-02-05
-- under the charter in force all January and not opened, was "not
-- overdue, due 2027-02-10" once an amendment of 2027-02-06 set the 10th;
-- the health score rose, and the formal concern and the report list gave
-- the new day. Months not opened took the due day of the charter active
-- now, drafts followed each activation (0257).
--
-- A month's report is now due under the charter version in force when the
-- month ended where the distributor is, as a period's buffer stock is
-- judged by the version in force at its end: an amendment changes the due
-- day from the first month that ends after it. A month that ended before
-- any version was active keeps 0185's rule (the first version's day, no
-- earlier than its first due day from the first activation).
-- liaison_report_due says it, and every place that gave a month's due day
-- asks it: opening a report, the drafts an activation follows, the health
-- score's report timeliness, the concern's late reports and the reports
-- owed (rpc_report.c). An activation moves the drafts of the months that
-- end after it alone: a draft of a month that ended before keeps the day
-- it was given, by this rule or an older one.
--
-- The concern cited a late report only when its due day fell in the 90
-- days it covers, so a report missing for 100 days and delivered within
-- them was not cited at all (the same try-out). One never submitted
-- before the 90 days began is cited however old, as an overdue action item
-- is (0300); one submitted before them and since returned to draft is
-- cited only when due within them. The months counted begin with the
-- relationship, as health's do.
--
-- Replaces liaison_report_open (0185), liaison_report_due_follow (0257),
-- liaison_concern_reports_late (0250) and liaison_health_compute (0304),
-- each whole but for that.

-- The version in force at the month's end in the distributor's zone; the
-- fallback's first activation is taken by its UTC date, as 0185 took it.
CREATE OR REPLACE FUNCTION liaison_report_due(p_distributor bigint, p_period date) RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT (p_period + interval '1 month')::date + c.report_due_day - 1
           FROM public.charters c
           JOIN public.distributors d ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id
          WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
            AND c.activated_at <= (p_period + interval '1 month')::timestamp
                                  AT TIME ZONE coalesce(nullif(d.time_zone, ''), 'UTC')
          ORDER BY c.activated_at DESC, c.version DESC LIMIT 1),
        (SELECT greatest((p_period + interval '1 month')::date + c.report_due_day - 1,
                         (date_trunc('month', a.d::timestamp)
                          + (c.report_due_day - 1) * interval '1 day'
                          + CASE WHEN extract(day FROM a.d) > c.report_due_day
                                 THEN interval '1 month' ELSE interval '0' END)::date)
           FROM public.charters c
          CROSS JOIN LATERAL (SELECT (c.activated_at AT TIME ZONE 'UTC')::date AS d) a
          WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
            AND c.activated_at IS NOT NULL
          ORDER BY c.activated_at, c.version LIMIT 1))
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
                liaison_report_due(p_distributor, start_), actor, now_, actor, now_)
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
      FROM (SELECT y.id, liaison_report_due(y.distributor_id, y.period) AS due
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

CREATE OR REPLACE FUNCTION liaison_concern_reports_late(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    WITH ch AS (
        -- The relationship's start as health and the reports owed count it: the
        -- first activation, or the first grant's day when that comes later.
        SELECT greatest((SELECT min(a.activated_at) FROM charters a
                          WHERE a.tenant_id = c.tenant_id AND a.distributor_id = c.distributor_id
                            AND a.status IN ('active', 'superseded')
                            AND a.activated_at IS NOT NULL),
                        liaison_relationship_began(p_distributor)::timestamp AT TIME ZONE 'UTC')
                   AS started,
               (SELECT coalesce(nullif(t.time_zone, ''), 'UTC') FROM tenants t
                 WHERE t.id = c.tenant_id) AS zone
          FROM charters c
         WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
           AND c.status = 'active'),
    -- A due day falls at least one month after its month began: these are
    -- all the months that can qualify, a report still missing when the
    -- 90 days began among them however old.
    months AS (
        SELECT m::date AS period, ch.zone,
               m >= date_trunc('month', (ch.started AT TIME ZONE 'UTC')
                                        - interval '1 microsecond') + interval '1 month' AS owed
          FROM ch CROSS JOIN generate_series(
                   date_trunc('month', ch.started AT TIME ZONE 'UTC'),
                   date_trunc('month', p_until AT TIME ZONE 'UTC') - interval '1 month',
                   interval '1 month') m
         WHERE ch.started IS NOT NULL),
    owed AS (
        SELECT mo.period, mo.zone,
               coalesce(r.due_on, liaison_report_due(p_distributor, mo.period)) AS due,
               CASE WHEN r.status <> 'draft' AND r.submitted_at <= p_until
                    THEN r.submitted_at END AS submitted_at,
               r.first_submitted_at IS NULL OR r.first_submitted_at > p_since AS open_at_since,
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
     WHERE o.due < (p_until AT TIME ZONE o.zone)::date
       AND (o.due >= (p_since AT TIME ZONE o.zone)::date OR o.open_at_since)
       AND (o.submitted_at IS NULL OR o.late)
$$;

CREATE OR REPLACE FUNCTION liaison_health_compute(p_distributor bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    months_none text;
    months_draft text;
    months_late text;
    cover_month text;
    t bigint := liaison_tenant();
    now_ timestamptz := liaison_now();
    today date := (liaison_now() AT TIME ZONE 'UTC')::date;
    w jsonb := liaison_health_weights();
    total numeric;
    ch public.charters;
    since timestamptz;
    oldest timestamptz;
    late_eta date;
    silent boolean := false;
    f jsonb := '[]';
    n1 integer; n2 integer; n3 integer; n4 integer; n5 integer;
    x numeric;
    txt text;
    reasons jsonb;
BEGIN
    -- Each reason: its factor, its loss, its English sentence (plurals
    -- agreeing with the figures), and a stable code with the sentence's
    -- figures as strings in order, from which a client words it in its
    -- own language (docs/health.md lists the codes).
    SELECT sum(v::numeric) INTO total FROM jsonb_each_text(w) e (k, v);
    SELECT c.* INTO ch FROM public.charters c
     WHERE c.tenant_id = t AND c.distributor_id = p_distributor AND c.status = 'active'
     ORDER BY c.version DESC LIMIT 1;
    IF ch.id IS NOT NULL THEN
        SELECT min(c.activated_at) INTO since FROM public.charters c
         WHERE c.tenant_id = t AND c.distributor_id = p_distributor
           AND c.status IN ('active', 'superseded') AND c.activated_at IS NOT NULL;
        since := greatest(coalesce(since, now_),
                          liaison_relationship_began(p_distributor)::timestamp AT TIME ZONE 'UTC');
        silent := since <= now_ - make_interval(days => liaison_health_grace_days());
    END IF;

    -- Report timeliness: the months that began after the relationship
    -- started, and the month it started in when a report was opened for
    -- it, at most the last six, whose report was due before today (the
    -- charter's due day of the month after). Missing or still a draft: 1;
    -- late: 0.5.
    IF ch.id IS NOT NULL THEN
        SELECT count(*), count(*) FILTER (WHERE r.id IS NULL OR r.status = 'draft'),
               count(*) FILTER (WHERE r.status <> 'draft' AND r.late),
               coalesce(string_agg(to_char(p.m, 'YYYY-MM'), ', ' ORDER BY p.m)
                            FILTER (WHERE r.id IS NULL), ''),
               coalesce(string_agg(to_char(p.m, 'YYYY-MM'), ', ' ORDER BY p.m)
                            FILTER (WHERE r.status = 'draft'), ''),
               coalesce(string_agg(to_char(p.m, 'YYYY-MM'), ', ' ORDER BY p.m)
                            FILTER (WHERE r.status <> 'draft' AND r.late), '')
          INTO n1, n2, n3, months_none, months_draft, months_late
          FROM generate_series(greatest(date_trunc('month', since AT TIME ZONE 'UTC'),
                                        date_trunc('month', today::timestamp) - interval '6 months'),
                               date_trunc('month', today::timestamp) - interval '1 month',
                               interval '1 month') p (m)
          LEFT JOIN public.monthly_reports r
            ON r.tenant_id = t AND r.distributor_id = p_distributor AND r.period = p.m::date
         WHERE coalesce(r.due_on, liaison_report_due(p_distributor, p.m::date)) < today
           AND (p.m >= date_trunc('month', (since AT TIME ZONE 'UTC') - interval '1 microsecond')
                       + interval '1 month'
                OR r.id IS NOT NULL);
        IF n1 > 0 AND n2 + n3 > 0 THEN
            txt := concat_ws('; ', 'not opened: ' || nullif(months_none, ''),
                             'still a draft: ' || nullif(months_draft, ''),
                             'submitted late: ' || nullif(months_late, ''));
            f := f || jsonb_build_object('factor', 'report_timeliness',
                'loss', (n2 + 0.5 * n3) / n1, 'code', 'report_timeliness.missing_late',
                'args', jsonb_build_array(n2::text, n1::text, n3::text, months_none,
                                          months_draft, months_late),
                'detail', CASE WHEN n1 > 1
                    THEN format('%s of the last %s monthly reports missing, %s submitted late',
                                n2, n1, n3)
                    WHEN n2 = 1 THEN 'the one monthly report due so far missing'
                    ELSE 'the one monthly report due so far submitted late' END
                    || ' (' || txt || ')');
        END IF;
    END IF;

    -- Notes compliance: meetings that ended in the last 180 days and were
    -- held, missed, or never recorded as either (still scheduled 24 h after
    -- their end: the silence a count of held meetings hid); a missed or
    -- unrecorded meeting or missing notes 1, late notes 0.5, notes or a
    -- record still within their 24 hours not judged. None at all, past the
    -- grace period: 1.
    SELECT count(*) FILTER (WHERE s.st IN ('on_time', 'late', 'missing')),
           count(*) FILTER (WHERE m.status = 'missed'),
           count(*) FILTER (WHERE s.st = 'late'), count(*) FILTER (WHERE s.st = 'missing'),
           count(*) FILTER (WHERE m.status = 'scheduled')
      INTO n1, n2, n3, n4, n5
      FROM public.meetings m
      CROSS JOIN LATERAL (SELECT liaison_notes_status(m.status, m.ends_at,
                            (SELECT min(n.created_at) FROM public.meeting_notes n
                              WHERE n.tenant_id = m.tenant_id AND n.meeting_id = m.id)) AS st) s
     WHERE m.tenant_id = t AND m.distributor_id = p_distributor
       AND m.ends_at > now_ - interval '180 days'
       AND ((m.status IN ('held', 'missed') AND m.ends_at <= now_)
            OR (m.status = 'scheduled' AND m.ends_at + interval '24 hours' < now_));
    IF n5 > 0 THEN
        f := f || jsonb_build_object('factor', 'notes_compliance',
            'loss', (n2 + n5 + n4 + 0.5 * n3) / (n1 + n2 + n5),
            'code', 'notes_compliance.unrecorded',
            'args', jsonb_build_array((n1 + n2 + n5)::text, n2::text, n5::text, n4::text,
                                      n3::text),
            'detail', format('%s %s in the last 180 days: %s missed, %s not recorded as held'
                             ' or missed; notes missing for %s and late (after 24 h) for %s',
                             n1 + n2 + n5,
                             CASE n1 + n2 + n5 WHEN 1 THEN 'meeting' ELSE 'meetings' END,
                             n2, n5, n4, n3));
    ELSIF n1 + n2 > 0 AND n2 + n3 + n4 > 0 THEN
        f := f || jsonb_build_object('factor', 'notes_compliance',
            'loss', (n2 + n4 + 0.5 * n3) / (n1 + n2), 'code', 'notes_compliance.meetings',
            'args', jsonb_build_array((n1 + n2)::text, n2::text, n4::text, n3::text),
            'detail', format('%s %s in the last 180 days: %s missed; notes missing for'
                             ' %s and late (after 24 h) for %s', n1 + n2,
                             CASE n1 + n2 WHEN 1 THEN 'meeting' ELSE 'meetings' END, n2, n4, n3));
    ELSIF n1 + n2 = 0 AND silent THEN
        f := f || jsonb_build_object('factor', 'notes_compliance', 'loss', 1,
            'code', 'notes_compliance.none', 'args', '[]'::jsonb,
            'detail', 'no meeting held in the last 180 days');
    END IF;

    -- Responsiveness: escalation requests sent in the last 180 days that
    -- were not answered within their first timeframe.
    -- The first timeframe is the first step's own (0225): a step the exporter
    -- took early (AdvanceEscalation) is no answer the distributor owed yet.
    -- Only a request whose first step reached a contact counts (0292): one
    -- that started at the visit, no contact on its ladder, was never received.
    SELECT count(*), count(*) FILTER (WHERE first.due < coalesce(e.responded_at, e.closed_at,
                                                                 now_))
      INTO n1, n2
      FROM public.escalation_requests e
      JOIN LATERAL (SELECT s.expected_by AS due, s.kind FROM public.escalation_steps s
                     WHERE s.tenant_id = e.tenant_id AND s.request_id = e.id
                     ORDER BY s.step_no LIMIT 1) first ON first.kind = 'contact'
     WHERE e.tenant_id = t AND e.distributor_id = p_distributor
       AND e.sent_at > now_ - interval '180 days';
    IF n2 > 0 THEN
        f := f || jsonb_build_object('factor', 'responsiveness', 'loss', n2::numeric / n1,
            'code', 'responsiveness.unanswered', 'args', jsonb_build_array(n2::text, n1::text),
            'detail', format('%s of %s escalation requests in the last 180 days not answered'
                             ' within their timeframe', n2, n1));
    END IF;

    -- Target attainment: targets whose period ended in the last six months,
    -- after the relationship started, and whose last month's report was
    -- due before today or is in, against the sales of submitted reports in
    -- that period (units when the target has units, else revenue in its
    -- currency); the loss is the shortfall of the average attainment, each
    -- capped at 100 %.
    SELECT count(*), avg(least(1, a.actual / a.goal)) INTO n1, x
      FROM (SELECT g.goal, coalesce((SELECT sum(CASE WHEN g.by_units THEN s.units
                                                     ELSE s.revenue_minor END)
                 FROM public.monthly_reports r JOIN public.report_sales s
                   ON s.tenant_id = r.tenant_id AND s.report_id = r.id
                WHERE r.tenant_id = t AND r.distributor_id = p_distributor
                  AND r.status <> 'draft' AND s.product_line_id = g.product_line_id
                  AND r.period >= g.period_start AND r.period < g.period_end
                  AND (g.by_units OR s.currency = g.currency)), 0)::numeric AS actual
              FROM (SELECT tg.product_line_id, tg.period_start, tg.currency,
                           (tg.period_start + CASE tg.period_kind WHEN 'month' THEN interval '1 month'
                            WHEN 'quarter' THEN interval '3 months'
                            ELSE interval '1 year' END)::date AS period_end,
                           tg.units IS NOT NULL AS by_units,
                           coalesce(tg.units, tg.revenue_minor)::numeric AS goal
                      FROM public.targets tg
                     WHERE tg.tenant_id = t AND tg.distributor_id = p_distributor) g
             WHERE g.goal > 0 AND g.period_end <= today
               AND g.period_end > (today - interval '6 months')::date
               AND (ch.id IS NULL
                    OR coalesce((SELECT r.status <> 'draft'
                                        OR g.period_end > (since AT TIME ZONE 'UTC')::date
                                           AND r.due_on < today
                                   FROM public.monthly_reports r
                                  WHERE r.tenant_id = t AND r.distributor_id = p_distributor
                                    AND r.period = (g.period_end - interval '1 month')::date),
                                g.period_end > (since AT TIME ZONE 'UTC')::date
                                AND liaison_report_due(p_distributor,
                                        (g.period_end - interval '1 month')::date) < today))
               -- Revenue in another currency cannot be set against the goal
               -- (no exchange rate): such a target is not judged, rather
               -- than judged unmet.
               AND (g.by_units OR NOT EXISTS (
                   SELECT 1 FROM public.monthly_reports r JOIN public.report_sales s
                     ON s.tenant_id = r.tenant_id AND s.report_id = r.id
                    WHERE r.tenant_id = t AND r.distributor_id = p_distributor
                      AND r.status <> 'draft' AND s.product_line_id = g.product_line_id
                      AND r.period >= g.period_start AND r.period < g.period_end
                      AND s.revenue_minor > 0 AND s.currency <> g.currency))) a;
    IF n1 > 0 AND x < 1 THEN
        f := f || jsonb_build_object('factor', 'target_attainment', 'loss', 1 - x,
            'code', 'target_attainment.below',
            'args', jsonb_build_array(round(100 * x)::text, n1::text),
            'detail', format('targets %s%% attained on average (%s %s in the last six months)',
                             round(100 * x), n1,
                             CASE n1 WHEN 1 THEN 'target ended' ELSE 'targets ended' END));
    END IF;

    -- Inventory cover: per buffer commitment of the active charter, stock on
    -- hand in the newest submitted report of the last three months against
    -- the commitment (units, or weeks of the average monthly sales of the
    -- reports of its three months, a month being 52/12 weeks); the loss is
    -- the average shortfall. No report with a commitment, past the grace
    -- period: 1.
    IF ch.id IS NOT NULL AND EXISTS (SELECT 1 FROM public.charter_commitments k
                                      WHERE k.tenant_id = t AND k.charter_id = ch.id
                                        AND k.buffer_amount > 0
                                        AND (ch.full_coverage
                                             OR k.product_line_id = ANY (ch.covered_line_ids))) THEN
        SELECT count(*), avg(c.shortfall), count(*) FILTER (WHERE c.shortfall > 0),
               string_agg(c.line || ' ' || c.cover, ', ' ORDER BY c.shortfall DESC, c.line)
                   FILTER (WHERE c.shortfall > 0),
               max(c.month)
          INTO n1, x, n2, txt, cover_month
          FROM (SELECT l.code AS line, to_char(last.period, 'YYYY-MM') AS month,
                       CASE WHEN v.on_hand IS NULL THEN 1
                            WHEN k.buffer_unit = 'units' THEN
                                1 - least(1, v.on_hand / k.buffer_amount)
                            WHEN v.weekly = 0 THEN CASE WHEN v.on_hand > 0 THEN 0 ELSE 1 END
                            ELSE 1 - least(1, v.on_hand / v.weekly / k.buffer_amount) END AS shortfall,
                       CASE WHEN v.on_hand IS NULL THEN
                                format('stock not reported against %s %s', k.buffer_amount,
                                       k.buffer_unit)
                            WHEN k.buffer_unit = 'units' THEN
                                format('%s units against %s', v.on_hand, k.buffer_amount)
                            WHEN v.weekly = 0 THEN format('%s units, no sales', v.on_hand)
                            ELSE format('%s weeks against %s', round(v.on_hand / v.weekly, 1),
                                        k.buffer_amount) END AS cover
                  FROM (SELECT r.id, r.period FROM public.monthly_reports r
                         WHERE r.tenant_id = t AND r.distributor_id = p_distributor
                           AND r.status <> 'draft'
                           AND r.period >= (date_trunc('month', today::timestamp) - interval '3 months')::date
                         ORDER BY r.period DESC LIMIT 1) last
                  JOIN public.charter_commitments k ON k.tenant_id = t AND k.charter_id = ch.id
                                                   AND k.buffer_amount > 0
                                                   AND (ch.full_coverage
                                                        OR k.product_line_id
                                                           = ANY (ch.covered_line_ids))
                  JOIN public.product_lines l ON l.tenant_id = t AND l.id = k.product_line_id
                  CROSS JOIN LATERAL (SELECT
                      (SELECT i.units_on_hand FROM public.report_inventory i
                        WHERE i.tenant_id = t AND i.report_id = last.id
                          AND i.product_line_id = k.product_line_id)::numeric AS on_hand,
                      coalesce((SELECT sum(s.units)::numeric / count(DISTINCT r.id) * 12 / 52
                                  FROM public.monthly_reports r LEFT JOIN public.report_sales s
                                    ON s.tenant_id = r.tenant_id AND s.report_id = r.id
                                   AND s.product_line_id = k.product_line_id
                                 WHERE r.tenant_id = t AND r.distributor_id = p_distributor
                                   AND r.status <> 'draft' AND r.period <= last.period
                                   AND r.period > (last.period - interval '3 months')::date), 0)
                          AS weekly) v) c;
        IF n1 > 0 AND n2 > 0 THEN
            f := f || jsonb_build_object('factor', 'inventory_cover', 'loss', x,
                'code', 'inventory_cover.below',
                'args', jsonb_build_array(n2::text, n1::text, txt, cover_month),
                'detail', CASE n1 WHEN 1
                    THEN format('stock below the buffer commitment on its one product line in '
                                'the %s report: %s', cover_month, txt)
                    ELSE format('stock below the buffer commitment on %s of %s product lines in '
                                'the %s report: %s', n2, n1, cover_month, txt) END);
        ELSIF n1 = 0 AND silent THEN
            f := f || jsonb_build_object('factor', 'inventory_cover', 'loss', 1,
                'code', 'inventory_cover.none', 'args', '[]'::jsonb, 'detail', 'no inventory reported in the last three months against the'
                          ' charter''s buffer commitments');
        END IF;
    END IF;

    -- Order trend: orders (not cancelled) placed in the last 90 days
    -- against the 90 before; the loss is the fall. None in 180 days, past
    -- the grace period: 1. Shipments late (liaison_shipment_late: past
    -- their ETA, the tenant's date, neither delivered nor cancelled) lose
    -- min(1, count / 3), as overdue action items do; the worse of the two
    -- counts, and the reason says both when both apply (0299).
    SELECT count(*) FILTER (WHERE o.placed_at > now_ - interval '90 days'),
           count(*) FILTER (WHERE o.placed_at <= now_ - interval '90 days')
      INTO n1, n2
      FROM public.orders o
     WHERE o.tenant_id = t AND o.distributor_id = p_distributor AND o.status <> 'cancelled'
       AND o.placed_at > now_ - interval '180 days' AND o.placed_at <= now_;
    SELECT count(*), min(s.eta) INTO n3, late_eta
      FROM public.shipments s JOIN public.orders o ON o.tenant_id = s.tenant_id
                                                  AND o.id = s.order_id
     WHERE s.tenant_id = t AND o.distributor_id = p_distributor
       AND public.liaison_shipment_late(s.status, s.eta);
    IF n3 > 0 AND n2 > n1 THEN
        -- Both: the larger loss counts, and both are said, since goods stuck on their way are
        -- most worth knowing when orders fall too (a try-out: the late shipment went unsaid).
        txt := to_char(late_eta, 'YYYY-MM-DD');
        f := f || jsonb_build_object('factor', 'order_trend',
            'loss', greatest(least(1, n3 / 3.0), 1 - n1::numeric / n2),
            'code', 'order_trend.fell_late',
            'args', jsonb_build_array(n2::text, n1::text, n3::text, txt),
            'detail', format('orders fell from %s to %s (the last 90 days against the 90 before); '
                             '%s', n2, n1, CASE n3 WHEN 1
                THEN format('1 shipment past its ETA %s, not delivered', txt)
                ELSE format('%s shipments past their ETA, not delivered, the oldest due %s',
                            n3, txt) END));
    ELSIF n3 > 0 AND NOT (n1 + n2 = 0 AND silent) THEN
        txt := to_char(late_eta, 'YYYY-MM-DD');
        f := f || jsonb_build_object('factor', 'order_trend', 'loss', least(1, n3 / 3.0),
            'code', 'order_trend.late_shipments', 'args', jsonb_build_array(n3::text, txt),
            'detail', CASE n3 WHEN 1
                THEN format('1 shipment past its ETA %s, not delivered', txt)
                ELSE format('%s shipments past their ETA, not delivered, the oldest due %s',
                            n3, txt) END);
    ELSIF n2 > n1 THEN
        f := f || jsonb_build_object('factor', 'order_trend', 'loss', 1 - n1::numeric / n2,
            'code', 'order_trend.fell', 'args', jsonb_build_array(n2::text, n1::text), 'detail', format('orders fell from %s to %s (the last 90 days against the 90 before)',
                             n2, n1));
    ELSIF n1 + n2 = 0 AND silent THEN
        f := f || jsonb_build_object('factor', 'order_trend', 'loss', 1,
            'code', 'order_trend.none', 'args', '[]'::jsonb,
            'detail', 'no order in the last 180 days');
    END IF;

    -- Competing lines: competing lines declared on a charter that does not
    -- allow them lose the whole weight. Competitive activity in a report is
    -- market intelligence, not a line the distributor carries: it costs
    -- nothing, on any charter.
    IF ch.id IS NOT NULL AND NOT ch.competing_allowed THEN
        SELECT count(*), string_agg(k.competitor || ' (' || k.line || ')', ', ' ORDER BY k.id)
          INTO n1, txt
          FROM public.charter_competing_lines k WHERE k.tenant_id = t AND k.charter_id = ch.id;
        IF n1 > 0 THEN
            f := f || jsonb_build_object('factor', 'competing_lines', 'loss', 1,
                'code', 'competing_lines.declared', 'args', jsonb_build_array(n1::text, txt),
                'detail', format('%s %s declared, though the charter allows none: %s', n1,
                                 CASE n1 WHEN 1 THEN 'competing line' ELSE 'competing lines' END,
                                 txt));
        END IF;
    END IF;

    -- Overdue action items: open and past due; three or more lose the whole weight.
    SELECT count(*), min(a.due_at) INTO n1, oldest FROM public.action_items a
     WHERE a.tenant_id = t AND a.distributor_id = p_distributor AND a.status = 'open'
       AND NOT a.internal
       AND a.due_at < now_;
    IF n1 > 0 THEN
        txt := to_char(oldest AT TIME ZONE 'UTC', 'YYYY-MM-DD');
        f := f || jsonb_build_object('factor', 'overdue_actions', 'loss', least(1, n1 / 3.0),
            'code', 'overdue_actions.overdue', 'args', jsonb_build_array(n1::text, txt),
            'detail', CASE n1 WHEN 1 THEN format('1 action item overdue, due %s', txt)
                      ELSE format('%s action items overdue, the oldest due %s', n1, txt) END);
    END IF;

    -- Flagged deal registrations: flagged (waiting for a decision), however
    -- old while the deal is open, or registered in the last 180 days, and
    -- rejected ones registered in the last 180 days; three or more lose the
    -- whole weight. A flag left undecided past 180 days dropped out while
    -- still waiting (a try-out); one on a deal already won or lost, left
    -- undecided by the exporter, is not held against the distributor past
    -- them (a review).
    SELECT count(*) INTO n1 FROM public.leads l
     WHERE l.tenant_id = t AND l.distributor_id = p_distributor
       AND ((l.registration = 'flagged'
             AND (l.stage NOT IN ('won', 'lost') OR l.registered_at > now_ - interval '180 days'))
            OR (l.registration = 'rejected' AND l.registered_at > now_ - interval '180 days'));
    IF n1 > 0 THEN
        f := f || jsonb_build_object('factor', 'flagged_deals', 'loss', least(1, n1 / 3.0),
            'code', 'flagged_deals.flagged', 'args', jsonb_build_array(n1::text),
            'detail', format('%s %s flagged and undecided, or rejected in the last 180 days', n1,
                             CASE n1 WHEN 1 THEN 'deal registration'
                             ELSE 'deal registrations' END));
    END IF;

    SELECT coalesce(jsonb_agg(jsonb_build_object('factor', r.factor, 'points', r.points,
                                                 'weight', r.weight, 'detail', r.detail,
                                                 'code', r.code, 'args', r.args)
                              ORDER BY r.points DESC, r.factor), '[]')
      INTO reasons
      FROM (SELECT e ->> 'factor' AS factor, e ->> 'detail' AS detail, e ->> 'code' AS code,
                   e -> 'args' AS args,
                   (w ->> (e ->> 'factor'))::int AS weight,
                   round(100 * (w ->> (e ->> 'factor'))::numeric * (e ->> 'loss')::numeric
                         / total)::int AS points
              FROM jsonb_array_elements(f) e) r
     WHERE r.points > 0;
    RETURN jsonb_build_object('score', greatest(0, 100 - (SELECT coalesce(sum((e ->> 'points')::int), 0)
                                                            FROM jsonb_array_elements(reasons) e)),
                              'reasons', reasons);
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_report_due(bigint, date) TO liaison_app;
    END IF;
END $$;
