-- Health's sentences said figures of nothing (a try-out): "notes missing for
-- 0 and late (after 24 h) for 0", "0 submitted late", "1 of 1 escalation
-- requests". A part whose figure is 0 is now left out, and all of a count
-- is said as such ("the one escalation request", "all 3"). The codes and
-- their args are unchanged: a client that words the sentence itself leaves
-- out the same parts (the reference portal does).
--
-- "Today" was the UTC date, while `report list`, `report owed` and a
-- shipment's lateness take the exporter's (the tenant's zone): a report due
-- on the 5th was overdue in `report list` from the tenant's midnight but
-- cost no points until UTC's, up to 14 hours later, and the other way
-- round west of Greenwich. Today and the months counted back from it are
-- now the tenant's. An overdue action item's day is the one `action list`
-- gives (the distributor's; it was the UTC date of the end of that day).
--
-- Replaces liaison_health_compute (0309) whole.
CREATE OR REPLACE FUNCTION liaison_health_compute(p_distributor bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    months_none text;
    months_draft text;
    months_late text;
    cover_month text;
    t bigint := liaison_tenant();
    now_ timestamptz := liaison_now();
    zone text := coalesce((SELECT nullif(tn.time_zone, '') FROM public.tenants tn
                            WHERE tn.id = liaison_tenant()), 'UTC');
    today date := (now_ AT TIME ZONE zone)::date;
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
    notes_said text;
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
                    THEN concat_ws(', ',
                        CASE WHEN n2 = n1 THEN format('all of the last %s monthly reports missing', n1)
                             WHEN n2 > 0 THEN format('%s of the last %s monthly reports missing',
                                                     n2, n1) END,
                        CASE WHEN n3 > 0 AND n2 > 0 THEN format('%s submitted late', n3)
                             WHEN n3 = n1 THEN format('all of the last %s monthly reports'
                                                      ' submitted late', n1)
                             WHEN n3 > 0 THEN format('%s of the last %s monthly reports'
                                                     ' submitted late', n3, n1) END)
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
    notes_said := CASE WHEN n4 > 0 AND n3 > 0
                           THEN format('notes missing for %s and late (after 24 h) for %s', n4, n3)
                       WHEN n4 > 0 THEN format('notes missing for %s', n4)
                       WHEN n3 > 0 THEN format('notes late (after 24 h) for %s', n3) END;
    IF n5 > 0 THEN
        f := f || jsonb_build_object('factor', 'notes_compliance',
            'loss', (n2 + n5 + n4 + 0.5 * n3) / (n1 + n2 + n5),
            'code', 'notes_compliance.unrecorded',
            'args', jsonb_build_array((n1 + n2 + n5)::text, n2::text, n5::text, n4::text,
                                      n3::text),
            'detail', format('%s %s in the last 180 days: ', n1 + n2 + n5,
                             CASE n1 + n2 + n5 WHEN 1 THEN 'meeting' ELSE 'meetings' END)
                      || concat_ws('; ', concat_ws(', ', CASE WHEN n2 > 0
                                                             THEN format('%s missed', n2) END,
                                                   format('%s not recorded as held or missed',
                                                          n5)),
                                   notes_said));
    ELSIF n1 + n2 > 0 AND n2 + n3 + n4 > 0 THEN
        f := f || jsonb_build_object('factor', 'notes_compliance',
            'loss', (n2 + n4 + 0.5 * n3) / (n1 + n2), 'code', 'notes_compliance.meetings',
            'args', jsonb_build_array((n1 + n2)::text, n2::text, n4::text, n3::text),
            'detail', format('%s %s in the last 180 days: ', n1 + n2,
                             CASE n1 + n2 WHEN 1 THEN 'meeting' ELSE 'meetings' END)
                      || concat_ws('; ', CASE WHEN n2 > 0 THEN format('%s missed', n2) END,
                                   notes_said));
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
            'detail', CASE WHEN n1 = 1
                THEN 'the one escalation request in the last 180 days not answered within its'
                     ' timeframe'
                WHEN n2 = n1 THEN format('all %s escalation requests in the last 180 days not'
                                         ' answered within their timeframe', n1)
                ELSE format('%s of %s escalation requests in the last 180 days not answered'
                            ' within their timeframe', n2, n1) END);
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
        -- The day `action list` gives as its due_on: due at the end of that
        -- day in the distributor's zone.
        txt := to_char((oldest - interval '1 microsecond')
                       AT TIME ZONE coalesce((SELECT nullif(d.time_zone, '')
                                                FROM public.distributors d
                                               WHERE d.tenant_id = t AND d.id = p_distributor),
                                             'UTC'), 'YYYY-MM-DD');
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
