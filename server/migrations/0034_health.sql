-- Relationship health (issue 15, part C): a score per distributor with its
-- reasons, computed by the scheduler's jobs (as the owner) from the inputs
-- other families write, appended to health_scores (0031) when it changed or
-- a day passed; tenant weights; the current score per distributor for the
-- portfolio. docs/health.md states every factor and its arithmetic.

-- A tenant's weights, one row per tenant made on first change; a tenant
-- without one uses the defaults (liaison_health_default_weights()). A weight
-- of 0 turns its factor off; at least one is above 0.
CREATE TABLE IF NOT EXISTS health_weights (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    report_timeliness smallint NOT NULL CHECK (report_timeliness BETWEEN 0 AND 100),
    notes_compliance smallint NOT NULL CHECK (notes_compliance BETWEEN 0 AND 100),
    responsiveness smallint NOT NULL CHECK (responsiveness BETWEEN 0 AND 100),
    target_attainment smallint NOT NULL CHECK (target_attainment BETWEEN 0 AND 100),
    inventory_cover smallint NOT NULL CHECK (inventory_cover BETWEEN 0 AND 100),
    order_trend smallint NOT NULL CHECK (order_trend BETWEEN 0 AND 100),
    competing_lines smallint NOT NULL CHECK (competing_lines BETWEEN 0 AND 100),
    overdue_actions smallint NOT NULL CHECK (overdue_actions BETWEEN 0 AND 100),
    flagged_deals smallint NOT NULL CHECK (flagged_deals BETWEEN 0 AND 100),
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id),
    CHECK (report_timeliness + notes_compliance + responsiveness + target_attainment
           + inventory_cover + order_trend + competing_lines + overdue_actions + flagged_deals > 0)
);

-- The nine factors in their documented order, with their default weights (sum 100).
CREATE OR REPLACE FUNCTION liaison_health_default_weights() RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT '{"report_timeliness": 20, "notes_compliance": 15, "responsiveness": 10,
             "target_attainment": 10, "inventory_cover": 10, "order_trend": 20,
             "competing_lines": 10, "overdue_actions": 3, "flagged_deals": 2}'::jsonb
$$;

-- The caller's tenant's weights as {factor: weight}.
CREATE OR REPLACE FUNCTION liaison_health_weights() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT jsonb_build_object(
        'report_timeliness', w.report_timeliness, 'notes_compliance', w.notes_compliance,
        'responsiveness', w.responsiveness, 'target_attainment', w.target_attainment,
        'inventory_cover', w.inventory_cover, 'order_trend', w.order_trend,
        'competing_lines', w.competing_lines, 'overdue_actions', w.overdue_actions,
        'flagged_deals', w.flagged_deals)
        FROM public.health_weights w WHERE w.tenant_id = liaison_tenant()),
        liaison_health_default_weights())
$$;

-- Days after a relationship starts (its first charter activation) before
-- silence counts: no meeting held, no order, no inventory reported.
CREATE OR REPLACE FUNCTION liaison_health_grace_days() RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT 45 $$;

-- Distributor p_distributor's health now (liaison_now()), in the caller's
-- tenant: {"score": 0..100, "reasons": [...]}, reasons worst first, each
-- {"factor", "points" lost, "weight", "detail"}: only factors that lost a
-- point. Each factor gives a loss between 0 and 1; it loses
-- round(100 * weight * loss / sum of weights) points, and the score is 100
-- less the points lost. Reads stored rows only; writes nothing.
CREATE OR REPLACE FUNCTION liaison_health_compute(p_distributor bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    t bigint := liaison_tenant();
    now_ timestamptz := liaison_now();
    today date := (liaison_now() AT TIME ZONE 'UTC')::date;
    w jsonb := liaison_health_weights();
    total numeric;
    ch public.charters;
    since timestamptz;
    oldest timestamptz;
    silent boolean := false;
    f jsonb := '[]';
    n1 integer; n2 integer; n3 integer; n4 integer;
    x numeric;
    txt text;
    reasons jsonb;
BEGIN
    SELECT sum(v::numeric) INTO total FROM jsonb_each_text(w) e (k, v);
    SELECT c.* INTO ch FROM public.charters c
     WHERE c.tenant_id = t AND c.distributor_id = p_distributor AND c.status = 'active'
     ORDER BY c.version DESC LIMIT 1;
    IF ch.id IS NOT NULL THEN
        SELECT min(c.activated_at) INTO since FROM public.charters c
         WHERE c.tenant_id = t AND c.distributor_id = p_distributor
           AND c.status IN ('active', 'superseded') AND c.activated_at IS NOT NULL;
        since := coalesce(since, now_);
        silent := since <= now_ - make_interval(days => liaison_health_grace_days());
    END IF;

    -- Report timeliness: the months that began after the relationship
    -- started, at most the last six, whose report was due before today (the
    -- charter's due day of the month after). Missing or still a draft: 1;
    -- late: 0.5.
    IF ch.id IS NOT NULL THEN
        SELECT count(*), count(*) FILTER (WHERE r.id IS NULL OR r.status = 'draft'),
               count(*) FILTER (WHERE r.status <> 'draft' AND r.late)
          INTO n1, n2, n3
          FROM generate_series(greatest(date_trunc('month', (since AT TIME ZONE 'UTC')
                                                            - interval '1 microsecond')
                                        + interval '1 month',
                                        date_trunc('month', today::timestamp) - interval '6 months'),
                               date_trunc('month', today::timestamp) - interval '1 month',
                               interval '1 month') p (m)
          LEFT JOIN public.monthly_reports r
            ON r.tenant_id = t AND r.distributor_id = p_distributor AND r.period = p.m::date
         WHERE coalesce(r.due_on, (p.m + interval '1 month')::date + ch.report_due_day - 1) < today;
        IF n1 > 0 AND n2 + n3 > 0 THEN
            f := f || jsonb_build_object('factor', 'report_timeliness',
                'loss', (n2 + 0.5 * n3) / n1,
                'detail', format('%s of the last %s monthly reports missing, %s submitted late',
                                 n2, n1, n3));
        END IF;
    END IF;

    -- Notes compliance: meetings held or missed that ended in the last 180
    -- days; a missed meeting or missing notes 1, late notes 0.5, notes
    -- still within their 24 hours not judged. None at all, past the grace
    -- period: 1.
    SELECT count(*) FILTER (WHERE s.st IN ('on_time', 'late', 'missing')),
           count(*) FILTER (WHERE m.status = 'missed'),
           count(*) FILTER (WHERE s.st = 'late'), count(*) FILTER (WHERE s.st = 'missing')
      INTO n1, n2, n3, n4
      FROM public.meetings m
      CROSS JOIN LATERAL (SELECT liaison_notes_status(m.status, m.ends_at,
                            (SELECT min(n.created_at) FROM public.meeting_notes n
                              WHERE n.tenant_id = m.tenant_id AND n.meeting_id = m.id)) AS st) s
     WHERE m.tenant_id = t AND m.distributor_id = p_distributor
       AND m.status IN ('held', 'missed') AND m.ends_at > now_ - interval '180 days'
       AND m.ends_at <= now_;
    IF n1 + n2 > 0 AND n2 + n3 + n4 > 0 THEN
        f := f || jsonb_build_object('factor', 'notes_compliance',
            'loss', (n2 + n4 + 0.5 * n3) / (n1 + n2),
            'detail', format('of %s meetings in the last 180 days, %s missed; notes missing for'
                             ' %s and late (after 24 h) for %s', n1 + n2, n2, n4, n3));
    ELSIF n1 + n2 = 0 AND silent THEN
        f := f || jsonb_build_object('factor', 'notes_compliance', 'loss', 1,
            'detail', 'no meeting held in the last 180 days');
    END IF;

    -- Responsiveness: escalation requests sent in the last 180 days that
    -- were not answered within their first timeframe.
    SELECT count(*), count(*) FILTER (WHERE e.step_no > 1
               OR (e.status = 'open' AND e.expected_by < now_)
               OR (e.status = 'answered' AND e.responded_at > e.expected_by))
      INTO n1, n2
      FROM public.escalation_requests e
     WHERE e.tenant_id = t AND e.distributor_id = p_distributor
       AND e.sent_at > now_ - interval '180 days';
    IF n2 > 0 THEN
        f := f || jsonb_build_object('factor', 'responsiveness', 'loss', n2::numeric / n1,
            'detail', format('%s of %s escalation requests in the last 180 days not answered'
                             ' within their timeframe', n2, n1));
    END IF;

    -- Target attainment: targets whose period ended in the last six months,
    -- against the sales of submitted reports in that period (units when
    -- the target has units, else revenue in its currency); the loss is the
    -- shortfall of the average attainment, each capped at 100 %.
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
               AND g.period_end > (today - interval '6 months')::date) a;
    IF n1 > 0 AND x < 1 THEN
        f := f || jsonb_build_object('factor', 'target_attainment', 'loss', 1 - x,
            'detail', format('targets %s%% attained on average (%s targets ended in the last six'
                             ' months)', round(100 * x), n1));
    END IF;

    -- Inventory cover: per buffer commitment of the active charter, stock on
    -- hand in the newest submitted report of the last three months against
    -- the commitment (units, or weeks of the average monthly sales of the
    -- reports of its three months, a month being 52/12 weeks); the loss is
    -- the average shortfall. No report with a commitment, past the grace
    -- period: 1.
    IF ch.id IS NOT NULL AND EXISTS (SELECT 1 FROM public.charter_commitments k
                                      WHERE k.tenant_id = t AND k.charter_id = ch.id
                                        AND k.buffer_amount > 0) THEN
        SELECT count(*), avg(c.shortfall), count(*) FILTER (WHERE c.shortfall > 0),
               string_agg(c.line || ' ' || c.cover, ', ' ORDER BY c.shortfall DESC, c.line)
                   FILTER (WHERE c.shortfall > 0)
          INTO n1, x, n2, txt
          FROM (SELECT l.code AS line,
                       CASE WHEN k.buffer_unit = 'units' THEN
                                1 - least(1, v.on_hand / k.buffer_amount)
                            WHEN v.weekly = 0 THEN CASE WHEN v.on_hand > 0 THEN 0 ELSE 1 END
                            ELSE 1 - least(1, v.on_hand / v.weekly / k.buffer_amount) END AS shortfall,
                       CASE WHEN k.buffer_unit = 'units' THEN
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
                  JOIN public.product_lines l ON l.tenant_id = t AND l.id = k.product_line_id
                  CROSS JOIN LATERAL (SELECT
                      coalesce((SELECT i.units_on_hand FROM public.report_inventory i
                                 WHERE i.tenant_id = t AND i.report_id = last.id
                                   AND i.product_line_id = k.product_line_id), 0)::numeric AS on_hand,
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
                'detail', format('stock below the buffer commitment on %s of %s product lines: %s',
                                 n2, n1, txt));
        ELSIF n1 = 0 AND silent THEN
            f := f || jsonb_build_object('factor', 'inventory_cover', 'loss', 1,
                'detail', 'no inventory reported in the last three months against the'
                          ' charter''s buffer commitments');
        END IF;
    END IF;

    -- Order trend: orders (not cancelled) placed in the last 90 days
    -- against the 90 before; the loss is the fall. None in 180 days, past
    -- the grace period: 1.
    SELECT count(*) FILTER (WHERE o.placed_at > now_ - interval '90 days'),
           count(*) FILTER (WHERE o.placed_at <= now_ - interval '90 days')
      INTO n1, n2
      FROM public.orders o
     WHERE o.tenant_id = t AND o.distributor_id = p_distributor AND o.status <> 'cancelled'
       AND o.placed_at > now_ - interval '180 days' AND o.placed_at <= now_;
    IF n2 > n1 THEN
        f := f || jsonb_build_object('factor', 'order_trend', 'loss', 1 - n1::numeric / n2,
            'detail', format('orders fell from %s to %s (the last 90 days against the 90 before)',
                             n2, n1));
    ELSIF n1 + n2 = 0 AND silent THEN
        f := f || jsonb_build_object('factor', 'order_trend', 'loss', 1,
            'detail', 'no order in the last 180 days');
    END IF;

    -- Competing lines: competing lines declared on a charter that does not
    -- allow them lose the whole weight; on one that does, competitors named
    -- in the last six months' reports that the charter does not declare
    -- lose half.
    IF ch.id IS NOT NULL THEN
        SELECT count(*), string_agg(k.competitor || ' (' || k.line || ')', ', ' ORDER BY k.id)
          INTO n1, txt
          FROM public.charter_competing_lines k WHERE k.tenant_id = t AND k.charter_id = ch.id;
        IF NOT ch.competing_allowed AND n1 > 0 THEN
            f := f || jsonb_build_object('factor', 'competing_lines', 'loss', 1,
                'detail', format('%s competing lines declared against the charter''s exclusivity:'
                                 ' %s', n1, txt));
        ELSIF ch.competing_allowed THEN
            SELECT count(DISTINCT lower(c.competitor)),
                   string_agg(DISTINCT c.competitor, ', ')
              INTO n2, txt
              FROM public.monthly_reports r JOIN public.report_competition c
                ON c.tenant_id = r.tenant_id AND c.report_id = r.id
             WHERE r.tenant_id = t AND r.distributor_id = p_distributor AND r.status <> 'draft'
               AND r.period >= (date_trunc('month', today::timestamp) - interval '6 months')::date
               AND NOT EXISTS (SELECT 1 FROM public.charter_competing_lines k
                                WHERE k.tenant_id = t AND k.charter_id = ch.id
                                  AND lower(k.competitor) = lower(c.competitor));
            IF n2 > 0 THEN
                f := f || jsonb_build_object('factor', 'competing_lines', 'loss', 0.5,
                    'detail', format('%s competitors reported but not declared in the charter: %s',
                                     n2, txt));
            END IF;
        END IF;
    END IF;

    -- Overdue action items: open and past due; three or more lose the whole weight.
    SELECT count(*), min(a.due_at) INTO n1, oldest FROM public.action_items a
     WHERE a.tenant_id = t AND a.distributor_id = p_distributor AND a.status = 'open'
       AND a.due_at < now_;
    IF n1 > 0 THEN
        f := f || jsonb_build_object('factor', 'overdue_actions', 'loss', least(1, n1 / 3.0),
            'detail', format('%s action items overdue, the oldest due %s', n1,
                             to_char(oldest AT TIME ZONE 'UTC', 'YYYY-MM-DD')));
    END IF;

    -- Flagged deal registrations: registered in the last 180 days and
    -- flagged (waiting for a decision) or rejected; three or more lose the
    -- whole weight.
    SELECT count(*) INTO n1 FROM public.leads l
     WHERE l.tenant_id = t AND l.distributor_id = p_distributor
       AND l.registration IN ('flagged', 'rejected')
       AND l.registered_at > now_ - interval '180 days';
    IF n1 > 0 THEN
        f := f || jsonb_build_object('factor', 'flagged_deals', 'loss', least(1, n1 / 3.0),
            'detail', format('%s deal registrations flagged or rejected in the last 180 days', n1));
    END IF;

    SELECT coalesce(jsonb_agg(jsonb_build_object('factor', r.factor, 'points', r.points,
                                                 'weight', r.weight, 'detail', r.detail)
                              ORDER BY r.points DESC, r.factor), '[]')
      INTO reasons
      FROM (SELECT e ->> 'factor' AS factor, e ->> 'detail' AS detail,
                   (w ->> (e ->> 'factor'))::int AS weight,
                   round(100 * (w ->> (e ->> 'factor'))::numeric * (e ->> 'loss')::numeric
                         / total)::int AS points
              FROM jsonb_array_elements(f) e) r
     WHERE r.points > 0;
    RETURN jsonb_build_object('score', greatest(0, 100 - (SELECT coalesce(sum((e ->> 'points')::int), 0)
                                                            FROM jsonb_array_elements(reasons) e)),
                              'reasons', reasons);
END $$;

-- Computes distributor p_distributor's health and appends it when the
-- score or reasons differ from its newest row, or that row is a day old.
-- Returns whether a row was appended.
CREATE OR REPLACE FUNCTION liaison_health_record(p_distributor bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    h jsonb;
    last public.health_scores;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.distributors d
                    WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor) THEN
        RETURN false;
    END IF;
    h := liaison_health_compute(p_distributor);
    SELECT s.* INTO last FROM public.health_scores s
     WHERE s.tenant_id = liaison_tenant() AND s.distributor_id = p_distributor
     ORDER BY s.computed_at DESC, s.id DESC LIMIT 1;
    IF last.id IS NOT NULL AND last.score = (h ->> 'score')::int AND last.reasons = h -> 'reasons'
       AND last.computed_at > liaison_now() - interval '1 day' THEN
        RETURN false;
    END IF;
    INSERT INTO public.health_scores (tenant_id, distributor_id, computed_at, score, reasons)
    VALUES (liaison_tenant(), p_distributor, liaison_now(), (h ->> 'score')::int, h -> 'reasons');
    RETURN true;
END $$;

-- Queues distributor p_distributor's recomputation in tenant p_tenant,
-- due now. The key names the transaction, so the many rows one transaction
-- changes make one job, and a request never waits on a job row another
-- transaction (a running batch above all) holds: a request may not queue
-- behind the scheduler. Jobs of other transactions are coalesced when they
-- run (liaison_job_health_recompute). The owner's only (triggers and jobs):
-- liaisond's role cannot call it.
CREATE OR REPLACE FUNCTION liaison_health_queue(p_tenant bigint, p_distributor bigint)
RETURNS void LANGUAGE sql VOLATILE AS $$
    INSERT INTO public.jobs (for_tenant, kind, key, payload, run_at)
    VALUES (p_tenant, 'health_recompute', 'd' || p_distributor || '/' || txid_current(),
            jsonb_build_object('distributor_id', p_distributor), public.liaison_now())
    ON CONFLICT ((coalesce(for_tenant, 0)), kind, key) WHERE done_at IS NULL DO NOTHING;
$$;
REVOKE ALL ON FUNCTION liaison_health_queue(bigint, bigint) FROM PUBLIC;

-- Job health_recompute: one distributor, payload {"distributor_id"}. When a
-- later job for the same distributor is already due, this one leaves the
-- work to it: that one runs after this one and sees every change this one
-- would have.
CREATE OR REPLACE FUNCTION liaison_job_health_recompute(p_payload jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    me bigint := nullif(substr(current_setting('liaison.request_id', true), 5), '')::bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM public.jobs j
                WHERE coalesce(j.for_tenant, 0) = liaison_tenant() AND j.kind = 'health_recompute'
                  AND j.done_at IS NULL AND j.run_at <= liaison_now() AND j.id > me
                  AND j.payload ->> 'distributor_id' = p_payload ->> 'distributor_id') THEN
        RETURN;
    END IF;
    PERFORM liaison_health_record((p_payload ->> 'distributor_id')::bigint);
END $$;

-- Job health_daily: queues every distributor of the tenant that is not
-- terminated (each its own job, so no one job outlasts the statement
-- timeout), then itself a day later.
CREATE OR REPLACE FUNCTION liaison_job_health_daily(p_payload jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE d bigint;
BEGIN
    FOR d IN SELECT x.id FROM public.distributors x
              WHERE x.tenant_id = liaison_tenant() AND x.status <> 'terminated' LOOP
        PERFORM liaison_health_queue(liaison_tenant(), d);
    END LOOP;
    PERFORM liaison_schedule('health_daily', '', liaison_now() + interval '1 day', p_payload);
END $$;

INSERT INTO job_kinds (kind, fn) VALUES ('health_recompute', 'liaison_job_health_recompute'),
    ('health_daily', 'liaison_job_health_daily')
    ON CONFLICT (kind) DO UPDATE SET fn = EXCLUDED.fn;
INSERT INTO jobs (for_tenant, kind, key, run_at)
    SELECT t.id, 'health_daily', '', liaison_now() FROM tenants t
    ON CONFLICT DO NOTHING;

-- A new tenant's daily job, made with the tenant (no other transaction
-- holds its key yet).
CREATE OR REPLACE FUNCTION liaison_health_tenant_made() RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    INSERT INTO public.jobs (for_tenant, kind, key, run_at)
    VALUES (NEW.id, 'health_daily', '', public.liaison_now() + interval '1 day')
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS health_daily ON tenants;
CREATE TRIGGER health_daily AFTER INSERT ON tenants
    FOR EACH ROW EXECUTE FUNCTION liaison_health_tenant_made();

-- An input of a distributor's health changed: queue its recomputation.
-- TG_ARGV[0] says how a row names its distributor: 'distributor' (its
-- distributor_id), 'report', 'meeting' or 'charter' (through that parent),
-- 'tenant' (every distributor: the weights). The owner's, so that it may
-- queue jobs; it reads only the row's own tenant.
CREATE OR REPLACE FUNCTION liaison_health_input_changed() RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    rec jsonb;
    ten bigint;
    d bigint;
BEGIN
    FOREACH rec IN ARRAY ARRAY[CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
                               CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END] LOOP
        CONTINUE WHEN rec IS NULL;
        ten := (rec ->> 'tenant_id')::bigint;
        IF TG_ARGV[0] = 'tenant' THEN
            FOR d IN SELECT x.id FROM public.distributors x
                      WHERE x.tenant_id = ten AND x.status <> 'terminated' LOOP
                PERFORM public.liaison_health_queue(ten, d);
            END LOOP;
            CONTINUE;
        END IF;
        d := CASE TG_ARGV[0]
            WHEN 'distributor' THEN (rec ->> 'distributor_id')::bigint
            WHEN 'report' THEN (SELECT r.distributor_id FROM public.monthly_reports r
                                 WHERE r.tenant_id = ten AND r.id = (rec ->> 'report_id')::bigint)
            WHEN 'meeting' THEN (SELECT m.distributor_id FROM public.meetings m
                                  WHERE m.tenant_id = ten AND m.id = (rec ->> 'meeting_id')::bigint)
            WHEN 'charter' THEN (SELECT c.distributor_id FROM public.charters c
                                  WHERE c.tenant_id = ten AND c.id = (rec ->> 'charter_id')::bigint)
            END;
        -- A row deleted with its distributor (or tenant) leaves nothing to score.
        IF d IS NOT NULL AND EXISTS (SELECT 1 FROM public.distributors x
                                      WHERE x.tenant_id = ten AND x.id = d) THEN
            PERFORM public.liaison_health_queue(ten, d);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

DO $$
DECLARE
    t text;
    how text;
BEGIN
    FOR t, how IN VALUES ('monthly_reports', 'distributor'), ('targets', 'distributor'),
                         ('meetings', 'distributor'), ('action_items', 'distributor'),
                         ('escalation_requests', 'distributor'), ('orders', 'distributor'),
                         ('leads', 'distributor'), ('charters', 'distributor'),
                         ('report_sales', 'report'), ('report_inventory', 'report'),
                         ('report_competition', 'report'), ('meeting_notes', 'meeting'),
                         ('charter_commitments', 'charter'), ('charter_competing_lines', 'charter'),
                         ('health_weights', 'tenant') LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS health_input ON %I', t);
        EXECUTE format('CREATE TRIGGER health_input AFTER INSERT OR UPDATE OR DELETE ON %I'
                       ' FOR EACH ROW EXECUTE FUNCTION liaison_health_input_changed(%L)', t, how);
    END LOOP;
END $$;

-- Every distributor with its newest score (NULL columns when it has none
-- yet): what the portfolio and GetDistributorHealth read, never computing.
-- security_invoker: the caller's row-level security applies.
CREATE OR REPLACE VIEW health_current WITH (security_invoker = true) AS
SELECT d.tenant_id, d.id AS distributor_id, d.name AS distributor_name, d.status,
       d.account_manager_id, h.id AS score_id, h.score, h.computed_at, h.reasons
  FROM distributors d
  LEFT JOIN LATERAL (SELECT s.id, s.score, s.computed_at, s.reasons FROM health_scores s
                      WHERE s.tenant_id = d.tenant_id AND s.distributor_id = d.id
                      ORDER BY s.computed_at DESC, s.id DESC LIMIT 1) h ON true;

ALTER TABLE health_weights ENABLE ROW LEVEL SECURITY;
ALTER TABLE health_weights FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON health_weights;
CREATE POLICY tenant_isolation ON health_weights USING (tenant_id = (SELECT liaison_tenant()))
    WITH CHECK (tenant_id = (SELECT liaison_tenant()));

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT SELECT, INSERT, UPDATE ON health_weights TO liaison_app;
        GRANT SELECT ON health_current TO liaison_app;
        GRANT EXECUTE ON FUNCTION liaison_health_default_weights(), liaison_health_weights(),
            liaison_health_grace_days() TO liaison_app;
        REVOKE ALL ON FUNCTION liaison_health_compute(bigint), liaison_health_record(bigint),
            liaison_job_health_recompute(jsonb), liaison_job_health_daily(jsonb) FROM PUBLIC;
    END IF;
END $$;
