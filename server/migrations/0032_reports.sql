-- Monthly reports, targets and attainment (issue 15, part A): the rules of
-- the tables of 0031, as functions that check, write and audit in the
-- request's transaction, and the figures parts C and D read:
--   liaison_period_start(text) date, liaison_period_kind(text) text,
--   liaison_period_label(kind text, start date) text,
--   liaison_attainment(distributor bigint, kind text, from date, to date),
--   liaison_inventory_cover(distributor bigint, month date),
--   liaison_performance(distributor bigint, kind text, from date, to date),
--   liaison_performance_trend(distributor bigint, kind text, until date, n int).
-- Actuals come only from submitted and reviewed reports. Reach is
-- liaison_sees_side(distributor) (0020); row-level security (0031) keeps a
-- distributor user to its own distributor's reports and targets.

-- A period as the wire writes it: 'YYYY-MM' a month, 'YYYY-Qn' a quarter,
-- 'YYYY' a year. NULL for anything else.
CREATE OR REPLACE FUNCTION liaison_period_kind(p text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p ~ '^[0-9]{4}-(0[1-9]|1[0-2])$' THEN 'month'
                WHEN p ~ '^[0-9]{4}-Q[1-4]$' THEN 'quarter'
                WHEN p ~ '^[0-9]{4}$' THEN 'year' END
$$;

-- The first day of period p, NULL when p is no period.
CREATE OR REPLACE FUNCTION liaison_period_start(p text) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE liaison_period_kind(p)
        WHEN 'month' THEN make_date(substr(p, 1, 4)::int, substr(p, 6, 2)::int, 1)
        WHEN 'quarter' THEN make_date(substr(p, 1, 4)::int, 3 * substr(p, 7, 1)::int - 2, 1)
        WHEN 'year' THEN make_date(p::int, 1, 1) END
$$;

CREATE OR REPLACE FUNCTION liaison_period_label(p_kind text, p_start date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_kind
        WHEN 'month' THEN to_char(p_start, 'YYYY-MM')
        WHEN 'quarter' THEN to_char(p_start, 'YYYY') || '-Q' || extract(quarter FROM p_start)
        WHEN 'year' THEN to_char(p_start, 'YYYY') END
$$;

CREATE OR REPLACE FUNCTION liaison_period_step(p_kind text) RETURNS interval
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_kind WHEN 'month' THEN interval '1 month'
                       WHEN 'quarter' THEN interval '3 months'
                       WHEN 'year' THEN interval '1 year' END
$$;

-- The charter a report is held to: the distributor's active one, else the
-- one that was active when the report was opened.
CREATE OR REPLACE FUNCTION liaison_report_charter(p_report bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT c.id FROM charters c
                      WHERE c.tenant_id = r.tenant_id AND c.distributor_id = r.distributor_id
                        AND c.status = 'active'), r.charter_id)
      FROM monthly_reports r
     WHERE r.tenant_id = liaison_tenant() AND r.id = p_report
$$;

-- Opens distributor p_distributor's report for month p_period: the draft is
-- made once, due on the active charter's report_due_day of the month after,
-- its pipeline filled from the distributor's open leads; opening it again
-- answers the same report. Returns its id, also left in liaison.created_id.
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

-- The report p_report the caller reaches, locked, or NOT_FOUND.
CREATE OR REPLACE FUNCTION liaison_report_lock(p_report bigint) RETURNS monthly_reports
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rep monthly_reports%ROWTYPE;
BEGIN
    SELECT r.* INTO rep FROM monthly_reports r
     WHERE r.tenant_id = liaison_tenant() AND r.id = p_report
       AND liaison_sees_side(r.distributor_id) FOR UPDATE;
    PERFORM liaison_found(rep.id IS NOT NULL, 'no such report');
    RETURN rep;
END $$;

-- Product line p_line may be reported on under charter p_charter: it
-- exists and the charter covers it.
CREATE OR REPLACE FUNCTION liaison_report_line_ok(p_charter bigint, p_line bigint, p_field text)
RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    code_ text;
BEGIN
    SELECT pl.code INTO code_ FROM product_lines pl
     WHERE pl.tenant_id = liaison_tenant() AND pl.id = p_line;
    PERFORM liaison_check(code_ IS NOT NULL, p_field, 'no such product line');
    PERFORM liaison_check(EXISTS (SELECT 1 FROM charters c
        WHERE c.tenant_id = liaison_tenant() AND c.id = p_charter
          AND (c.full_coverage OR p_line = ANY (c.covered_line_ids))), p_field,
        format('product line %s is not covered by the distributor''s charter', code_));
    RETURN true;
END $$;

-- Saves a draft: each section named in p_sections (all five when empty) is
-- replaced by what is given; the others stay. Sections: sales_by_line
-- (p_sales [{product_line_id, units, revenue_minor, currency}]),
-- inventory_on_hand (p_inventory [{product_line_id, units_on_hand}]),
-- pipeline (p_pipeline [{lead_id, title, stage, value_minor, currency,
-- expected_close}]), market_intelligence (p_text), competitive_activity
-- (p_competition [{competitor, product_line_id, activity}]).
CREATE OR REPLACE FUNCTION liaison_report_save(p_report bigint, p_sections text[], p_sales jsonb,
                                               p_inventory jsonb, p_pipeline jsonb, p_text text,
                                               p_competition jsonb)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rep monthly_reports%ROWTYPE := liaison_report_lock(p_report);
    charter_ bigint := liaison_report_charter(p_report);
    secs text[] := CASE WHEN cardinality(p_sections) = 0
        THEN ARRAY['sales_by_line', 'inventory_on_hand', 'pipeline', 'market_intelligence',
                   'competitive_activity'] ELSE p_sections END;
    e record;
BEGIN
    PERFORM liaison_precondition(rep.status = 'draft', format(
        'this report is %s: only a draft is saved (the exporter may return a submitted report'
        ' to draft)', rep.status));
    IF 'sales_by_line' = ANY (secs) THEN
        DELETE FROM report_sales s WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id;
        FOR e IN SELECT n - 1 AS i, (v->>'product_line_id')::bigint AS line,
                        (v->>'units')::bigint AS units, (v->>'revenue_minor')::bigint AS revenue,
                        v->>'currency' AS currency
                   FROM jsonb_array_elements(p_sales) WITH ORDINALITY a(v, n) ORDER BY n LOOP
            PERFORM liaison_report_line_ok(charter_, e.line,
                                           format('sales[%s].productLineId', e.i));
            PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM report_sales s
                WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id
                  AND s.product_line_id = e.line), format('sales[%s].productLineId', e.i),
                'this product line is already in the sales section');
            INSERT INTO report_sales (tenant_id, report_id, product_line_id, units, revenue_minor,
                                      currency)
            VALUES (liaison_tenant(), rep.id, e.line, e.units, e.revenue, e.currency);
        END LOOP;
    END IF;
    IF 'inventory_on_hand' = ANY (secs) THEN
        DELETE FROM report_inventory s
         WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id;
        FOR e IN SELECT n - 1 AS i, (v->>'product_line_id')::bigint AS line,
                        (v->>'units_on_hand')::bigint AS units
                   FROM jsonb_array_elements(p_inventory) WITH ORDINALITY a(v, n) ORDER BY n LOOP
            PERFORM liaison_report_line_ok(charter_, e.line,
                                           format('inventory[%s].productLineId', e.i));
            PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM report_inventory s
                WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id
                  AND s.product_line_id = e.line), format('inventory[%s].productLineId', e.i),
                'this product line is already in the inventory section');
            INSERT INTO report_inventory (tenant_id, report_id, product_line_id, units_on_hand)
            VALUES (liaison_tenant(), rep.id, e.line, e.units);
        END LOOP;
    END IF;
    IF 'pipeline' = ANY (secs) THEN
        DELETE FROM report_pipeline s
         WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id;
        FOR e IN SELECT n - 1 AS i, nullif(v->>'lead_id', '0')::bigint AS lead,
                        v->>'title' AS title, v->>'stage' AS stage,
                        (v->>'value_minor')::bigint AS value, v->>'currency' AS currency,
                        nullif(v->>'expected_close', '')::date AS closes
                   FROM jsonb_array_elements(p_pipeline) WITH ORDINALITY a(v, n) ORDER BY n LOOP
            PERFORM liaison_check(e.lead IS NULL OR EXISTS (SELECT 1 FROM leads l
                WHERE l.tenant_id = liaison_tenant() AND l.id = e.lead
                  AND l.distributor_id = rep.distributor_id), format('pipeline[%s].leadId', e.i),
                'no such lead of this distributor');
            INSERT INTO report_pipeline (tenant_id, report_id, position, lead_id, title, stage,
                                         value_minor, currency, expected_close)
            VALUES (liaison_tenant(), rep.id, e.i, e.lead, e.title, e.stage, e.value, e.currency,
                    e.closes);
        END LOOP;
    END IF;
    IF 'market_intelligence' = ANY (secs) THEN
        UPDATE monthly_reports r SET market_intelligence = coalesce(p_text, '')
         WHERE r.tenant_id = liaison_tenant() AND r.id = rep.id;
    END IF;
    IF 'competitive_activity' = ANY (secs) THEN
        DELETE FROM report_competition s
         WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id;
        FOR e IN SELECT n - 1 AS i, v->>'competitor' AS competitor,
                        nullif(v->>'product_line_id', '0')::bigint AS line,
                        v->>'activity' AS activity
                   FROM jsonb_array_elements(p_competition) WITH ORDINALITY a(v, n)
                  ORDER BY n LOOP
            IF e.line IS NOT NULL THEN
                PERFORM liaison_report_line_ok(charter_, e.line,
                                               format('competition[%s].productLineId', e.i));
            END IF;
            INSERT INTO report_competition (tenant_id, report_id, position, competitor,
                                            product_line_id, activity)
            VALUES (liaison_tenant(), rep.id, e.i, e.competitor, e.line, e.activity);
        END LOOP;
    END IF;
    UPDATE monthly_reports r SET updated_by = liaison_request_setting('actor'),
           updated_at = liaison_now()
     WHERE r.tenant_id = liaison_tenant() AND r.id = rep.id;
    PERFORM liaison_audit('report.saved', 'monthly_report', rep.id::text);
    RETURN rep.id;
END $$;

-- Submits a draft. Every section the charter requires must hold something
-- (INVALID_ARGUMENT naming the first empty one); late when the tenant's
-- date (its time zone, liaison_now()) is past due_on.
CREATE OR REPLACE FUNCTION liaison_report_submit(p_report bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rep monthly_reports%ROWTYPE := liaison_report_lock(p_report);
    required text[];
    sec text;
    filled boolean;
    today date;
BEGIN
    PERFORM liaison_precondition(rep.status = 'draft', format(
        'this report is %s: only a draft is submitted', rep.status));
    SELECT c.report_sections INTO required FROM charters c
     WHERE c.tenant_id = liaison_tenant() AND c.id = liaison_report_charter(p_report);
    FOREACH sec IN ARRAY coalesce(required, '{}') LOOP
        filled := CASE sec
            WHEN 'sales_by_line' THEN EXISTS (SELECT 1 FROM report_sales s
                WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id)
            WHEN 'inventory_on_hand' THEN EXISTS (SELECT 1 FROM report_inventory s
                WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id)
            WHEN 'pipeline' THEN EXISTS (SELECT 1 FROM report_pipeline s
                WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id)
            WHEN 'market_intelligence' THEN btrim(rep.market_intelligence) <> ''
            WHEN 'competitive_activity' THEN EXISTS (SELECT 1 FROM report_competition s
                WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id)
            ELSE true END;
        PERFORM liaison_check(filled, CASE sec WHEN 'sales_by_line' THEN 'sales'
                                               WHEN 'inventory_on_hand' THEN 'inventory'
                                               WHEN 'market_intelligence' THEN 'marketIntelligence'
                                               WHEN 'competitive_activity' THEN 'competition'
                                               ELSE sec END,
                              format('the charter requires the section %s, and it is empty', sec));
    END LOOP;
    SELECT (liaison_now() AT TIME ZONE coalesce(nullif(t.time_zone, ''), 'UTC'))::date INTO today
      FROM tenants t WHERE t.id = liaison_tenant();
    UPDATE monthly_reports r SET status = 'submitted', late = today > r.due_on,
           submitted_by = liaison_request_setting('actor'), submitted_at = liaison_now(),
           updated_by = liaison_request_setting('actor'), updated_at = liaison_now()
     WHERE r.tenant_id = liaison_tenant() AND r.id = rep.id;
    PERFORM liaison_audit(CASE WHEN today > rep.due_on THEN 'report.submitted_late'
                               ELSE 'report.submitted' END, 'monthly_report', rep.id::text);
    RETURN rep.id;
END $$;

-- The exporter reviews a submitted report: final from then on.
CREATE OR REPLACE FUNCTION liaison_report_review(p_report bigint, p_comment text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rep monthly_reports%ROWTYPE := liaison_report_lock(p_report);
BEGIN
    PERFORM liaison_precondition(current_setting('liaison.role', true) <> 'distributor_user',
                                 'the exporter reviews reports');
    PERFORM liaison_precondition(rep.status = 'submitted', format(
        'this report is %s: only a submitted report is reviewed', rep.status));
    UPDATE monthly_reports r SET status = 'reviewed', reviewed_by = liaison_request_setting('actor'),
           reviewed_at = liaison_now(), review_comment = coalesce(p_comment, ''),
           updated_by = liaison_request_setting('actor'), updated_at = liaison_now()
     WHERE r.tenant_id = liaison_tenant() AND r.id = rep.id;
    PERFORM liaison_audit('report.reviewed', 'monthly_report', rep.id::text);
    RETURN rep.id;
END $$;

-- The exporter returns a submitted report to draft, saying why (kept as
-- the review comment until it is reviewed); it is late again or not when
-- it is submitted again.
CREATE OR REPLACE FUNCTION liaison_report_reopen(p_report bigint, p_comment text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rep monthly_reports%ROWTYPE := liaison_report_lock(p_report);
BEGIN
    PERFORM liaison_precondition(current_setting('liaison.role', true) <> 'distributor_user',
                                 'the exporter returns reports to draft');
    PERFORM liaison_precondition(rep.status = 'submitted', format(
        'this report is %s: only a submitted report is returned to draft (a reviewed one is'
        ' final)', rep.status));
    UPDATE monthly_reports r SET status = 'draft', late = false, submitted_by = NULL,
           submitted_at = NULL, review_comment = p_comment,
           updated_by = liaison_request_setting('actor'), updated_at = liaison_now()
     WHERE r.tenant_id = liaison_tenant() AND r.id = rep.id;
    PERFORM liaison_audit('report.returned_to_draft', 'monthly_report', rep.id::text);
    RETURN rep.id;
END $$;

-- Sets (or replaces) the target of distributor p_distributor for line
-- p_line and period p_period; units and revenue NULL where not targeted.
-- A target an approved plan wrote (plan_id) changes only with the plan.
CREATE OR REPLACE FUNCTION liaison_target_set(p_distributor bigint, p_line bigint, p_period text,
                                              p_units bigint, p_revenue bigint, p_currency text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    kind_ text := liaison_period_kind(p_period);
    start_ date := liaison_period_start(p_period);
    prior targets%ROWTYPE;
    tgt bigint;
BEGIN
    PERFORM liaison_found(liaison_sees_side(p_distributor), 'no such distributor');
    PERFORM liaison_check(kind_ IS NOT NULL, 'period', 'YYYY-MM, YYYY-Qn or YYYY');
    PERFORM liaison_check(EXISTS (SELECT 1 FROM product_lines pl
        WHERE pl.tenant_id = liaison_tenant() AND pl.id = p_line), 'productLineId',
        'no such product line');
    SELECT t.* INTO prior FROM targets t
     WHERE t.tenant_id = liaison_tenant() AND t.distributor_id = p_distributor
       AND t.product_line_id = p_line AND t.period_kind = kind_ AND t.period_start = start_
       FOR UPDATE;
    PERFORM liaison_precondition(prior.plan_id IS NULL, format(
        'this target comes from joint business plan %s: it changes with a new revision of the'
        ' plan', prior.plan_id));
    INSERT INTO targets (tenant_id, distributor_id, product_line_id, period_kind, period_start,
                         units, revenue_minor, currency, set_by, set_at)
    VALUES (liaison_tenant(), p_distributor, p_line, kind_, start_, p_units, p_revenue,
            p_currency, liaison_request_setting('actor'), liaison_now())
    ON CONFLICT (tenant_id, distributor_id, product_line_id, period_kind, period_start)
    DO UPDATE SET units = EXCLUDED.units, revenue_minor = EXCLUDED.revenue_minor,
                  currency = EXCLUDED.currency, set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at
    RETURNING id INTO tgt;
    PERFORM liaison_audit('target.set', 'target', tgt::text);
    PERFORM set_config('liaison.created_id', tgt::text, true);
    RETURN tgt;
END $$;

CREATE OR REPLACE FUNCTION liaison_target_delete(p_target bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    prior targets%ROWTYPE;
BEGIN
    SELECT t.* INTO prior FROM targets t
     WHERE t.tenant_id = liaison_tenant() AND t.id = p_target
       AND liaison_sees_side(t.distributor_id) FOR UPDATE;
    PERFORM liaison_found(prior.id IS NOT NULL, 'no such target');
    PERFORM liaison_precondition(prior.plan_id IS NULL, format(
        'this target comes from joint business plan %s: it changes with a new revision of the'
        ' plan', prior.plan_id));
    DELETE FROM targets t WHERE t.tenant_id = liaison_tenant() AND t.id = p_target;
    PERFORM liaison_audit('target.deleted', 'target', p_target::text);
    RETURN p_target;
END $$;

-- The figures below are PL/pgSQL, ROWS 20, jit off: inlined SQL functions
-- with the default estimate of 1000 rows a call were priced past
-- jit_above_cost, and compiling took seconds for a handful of rows.

-- Attainment of distributor p_distributor, per product line and period of
-- kind p_kind from p_from to p_to (first days, inclusive): the target, the
-- actuals summed over the months of the period from submitted and reviewed
-- reports, and actual / target in basis points (rounded down; NULL without
-- a target). Revenue counts the sales in the target's currency, or without
-- a revenue target in the currency the line's sales mostly use. Lines are
-- those with a target or a sale in the range.
CREATE OR REPLACE FUNCTION liaison_attainment(p_distributor bigint, p_kind text, p_from date,
                                              p_to date)
RETURNS TABLE (product_line_id bigint, product_line_code text, period_start date, period text,
               target_units bigint, actual_units bigint, units_bp bigint,
               target_revenue_minor bigint, actual_revenue_minor bigint, currency text,
               revenue_bp bigint)
LANGUAGE plpgsql STABLE ROWS 20 SET jit = off AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH periods AS (
        SELECT g::date AS start_, (g + liaison_period_step(p_kind))::date AS end_
          FROM generate_series(p_from::timestamp, p_to::timestamp, liaison_period_step(p_kind)) g),
    sales AS (
        SELECT p.start_, s.product_line_id AS line, s.units, s.revenue_minor, s.currency
          FROM periods p
          JOIN monthly_reports r ON r.tenant_id = (SELECT liaison_tenant())
           AND r.distributor_id = p_distributor AND r.period >= p.start_ AND r.period < p.end_
           AND r.status IN ('submitted', 'reviewed')
          JOIN report_sales s ON s.tenant_id = r.tenant_id AND s.report_id = r.id),
    lines AS (
        SELECT DISTINCT t.product_line_id AS line FROM targets t
         WHERE t.tenant_id = (SELECT liaison_tenant()) AND t.distributor_id = p_distributor
           AND t.period_kind = p_kind AND t.period_start BETWEEN p_from AND p_to
        UNION SELECT line FROM sales),
    cells AS (
        SELECT l.line, p.start_, t.units AS t_units, t.revenue_minor AS t_revenue,
               coalesce(t.currency, (SELECT s.currency FROM sales s
                                      WHERE s.line = l.line AND s.start_ = p.start_
                                      GROUP BY s.currency ORDER BY count(*) DESC, s.currency
                                      LIMIT 1)) AS cur
          FROM lines l CROSS JOIN periods p
          LEFT JOIN targets t ON t.tenant_id = (SELECT liaison_tenant())
           AND t.distributor_id = p_distributor AND t.product_line_id = l.line
           AND t.period_kind = p_kind AND t.period_start = p.start_)
    SELECT c.line, pl.code, c.start_, liaison_period_label(p_kind, c.start_),
           c.t_units, a.units,
           CASE WHEN c.t_units > 0 THEN floor(a.units * 10000.0 / c.t_units)::bigint END,
           c.t_revenue, a.revenue, c.cur,
           CASE WHEN c.t_revenue > 0 THEN floor(a.revenue * 10000.0 / c.t_revenue)::bigint END
      FROM cells c
      JOIN product_lines pl ON pl.tenant_id = (SELECT liaison_tenant()) AND pl.id = c.line
      CROSS JOIN LATERAL (
          SELECT coalesce(sum(s.units), 0)::bigint AS units,
                 coalesce(sum(s.revenue_minor) FILTER (WHERE s.currency = c.cur), 0)::bigint
                     AS revenue
            FROM sales s WHERE s.line = c.line AND s.start_ = c.start_) a
     ORDER BY pl.code, c.line, c.start_;
END $$;

-- Inventory of distributor p_distributor at the end of month p_month, per
-- product line with stock reported or a buffer-stock commitment in the
-- active charter, from submitted and reviewed reports:
--   inventory turns = units sold over the trailing 12 months (p_month and
--     the 11 before) / the average of the on-hand figures reported in them;
--   weeks of cover = on hand at p_month / (units sold over the trailing 3
--     months / their days * 7); NULL when nothing sold in those months;
--   below_commitment: under the charter's buffer (weeks of cover, or
--     units on hand); with no sales to measure weeks by, only when nothing
--     is on hand.
-- Figures are numeric, rounded to hundredths.
CREATE OR REPLACE FUNCTION liaison_inventory_cover(p_distributor bigint, p_month date)
RETURNS TABLE (product_line_id bigint, product_line_code text, units_on_hand bigint,
               trailing_units_12m bigint, average_on_hand numeric, inventory_turns numeric,
               trailing_units_3m bigint, weekly_units numeric, weeks_of_cover numeric,
               buffer_unit text, buffer_amount integer, below_commitment boolean)
LANGUAGE plpgsql STABLE ROWS 20 SET jit = off AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH reps AS (
        SELECT r.id, r.period FROM monthly_reports r
         WHERE r.tenant_id = (SELECT liaison_tenant()) AND r.distributor_id = p_distributor
           AND r.status IN ('submitted', 'reviewed')
           AND r.period > (p_month - interval '12 months')::date AND r.period <= p_month),
    commitments AS (
        SELECT cc.product_line_id AS line, cc.buffer_unit, cc.buffer_amount
          FROM charter_commitments cc
          JOIN charters c ON c.tenant_id = cc.tenant_id AND c.id = cc.charter_id
         WHERE cc.tenant_id = (SELECT liaison_tenant()) AND c.distributor_id = p_distributor
           AND c.status = 'active'),
    lines AS (
        SELECT i.product_line_id AS line FROM reps r
          JOIN report_inventory i ON i.tenant_id = (SELECT liaison_tenant()) AND i.report_id = r.id
         WHERE r.period = p_month
        UNION SELECT line FROM commitments),
    figures AS (
        SELECT l.line,
               (SELECT i.units_on_hand FROM reps r JOIN report_inventory i
                    ON i.tenant_id = (SELECT liaison_tenant()) AND i.report_id = r.id
                 WHERE r.period = p_month AND i.product_line_id = l.line) AS on_hand,
               (SELECT coalesce(sum(s.units), 0) FROM reps r JOIN report_sales s
                    ON s.tenant_id = (SELECT liaison_tenant()) AND s.report_id = r.id
                 WHERE s.product_line_id = l.line)::bigint AS units12,
               (SELECT avg(i.units_on_hand) FROM reps r JOIN report_inventory i
                    ON i.tenant_id = (SELECT liaison_tenant()) AND i.report_id = r.id
                 WHERE i.product_line_id = l.line) AS avg_on_hand,
               (SELECT coalesce(sum(s.units), 0) FROM reps r JOIN report_sales s
                    ON s.tenant_id = (SELECT liaison_tenant()) AND s.report_id = r.id
                 WHERE s.product_line_id = l.line
                   AND r.period > (p_month - interval '3 months')::date)::bigint AS units3,
               ((p_month + interval '1 month')::date
                - (p_month - interval '2 months')::date) AS days3
          FROM lines l)
    SELECT f.line, pl.code, f.on_hand, f.units12, round(f.avg_on_hand, 2),
           CASE WHEN f.avg_on_hand > 0 THEN round(f.units12 / f.avg_on_hand, 2) END,
           f.units3, round(f.units3 * 7.0 / f.days3, 2),
           CASE WHEN f.units3 > 0 AND f.on_hand IS NOT NULL
                THEN round(f.on_hand * f.days3 / (7.0 * f.units3), 2) END,
           c.buffer_unit, c.buffer_amount,
           CASE WHEN c.line IS NULL THEN false
                WHEN c.buffer_unit = 'units' THEN coalesce(f.on_hand, 0) < c.buffer_amount
                WHEN f.units3 > 0 THEN coalesce(f.on_hand, 0) * f.days3
                                       < c.buffer_amount * 7.0 * f.units3
                ELSE coalesce(f.on_hand, 0) = 0 AND c.buffer_amount > 0 END
      FROM figures f
      JOIN product_lines pl ON pl.tenant_id = (SELECT liaison_tenant()) AND pl.id = f.line
      LEFT JOIN commitments c ON c.line = f.line
     ORDER BY pl.code, f.line;
END $$;

-- Attainment per line and period with the inventory figures at the end of
-- each period (its last month).
CREATE OR REPLACE FUNCTION liaison_performance(p_distributor bigint, p_kind text, p_from date,
                                               p_to date)
RETURNS TABLE (product_line_id bigint, product_line_code text, period_start date, period text,
               target_units bigint, actual_units bigint, units_bp bigint,
               target_revenue_minor bigint, actual_revenue_minor bigint, currency text,
               revenue_bp bigint, units_on_hand bigint, inventory_turns numeric,
               weeks_of_cover numeric, buffer_unit text, buffer_amount integer,
               below_commitment boolean)
LANGUAGE plpgsql STABLE ROWS 20 SET jit = off AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH periods AS (
        SELECT g::date AS start_
          FROM generate_series(p_from::timestamp, p_to::timestamp, liaison_period_step(p_kind)) g),
    att AS (SELECT * FROM liaison_attainment(p_distributor, p_kind, p_from, p_to)),
    cover AS (
        SELECT p.start_, v.* FROM periods p CROSS JOIN LATERAL liaison_inventory_cover(
            p_distributor, (p.start_ + liaison_period_step(p_kind) - interval '1 month')::date) v),
    keys AS (SELECT a.product_line_id AS line, a.period_start AS start_ FROM att a
             UNION SELECT v.product_line_id, v.start_ FROM cover v)
    SELECT k.line, pl.code, k.start_, liaison_period_label(p_kind, k.start_),
           a.target_units, coalesce(a.actual_units, 0), a.units_bp, a.target_revenue_minor,
           coalesce(a.actual_revenue_minor, 0), a.currency, a.revenue_bp, v.units_on_hand,
           v.inventory_turns, v.weeks_of_cover, v.buffer_unit, v.buffer_amount,
           coalesce(v.below_commitment, false)
      FROM keys k
      JOIN product_lines pl ON pl.tenant_id = (SELECT liaison_tenant()) AND pl.id = k.line
      LEFT JOIN att a ON a.product_line_id = k.line AND a.period_start = k.start_
      LEFT JOIN cover v ON v.product_line_id = k.line AND v.start_ = k.start_
     ORDER BY pl.code, k.line, k.start_;
END $$;

-- The trend: liaison_performance over the p_n periods of kind p_kind that
-- end with the one starting p_until (p_n 1 to 24; NULL: 6).
CREATE OR REPLACE FUNCTION liaison_performance_trend(p_distributor bigint, p_kind text,
                                                     p_until date, p_n integer)
RETURNS TABLE (product_line_id bigint, product_line_code text, period_start date, period text,
               target_units bigint, actual_units bigint, units_bp bigint,
               target_revenue_minor bigint, actual_revenue_minor bigint, currency text,
               revenue_bp bigint, units_on_hand bigint, inventory_turns numeric,
               weeks_of_cover numeric, buffer_unit text, buffer_amount integer,
               below_commitment boolean)
LANGUAGE sql STABLE ROWS 20 SET jit = off AS $$
    SELECT * FROM liaison_performance(p_distributor, p_kind,
        (p_until - liaison_period_step(p_kind)
                   * (least(greatest(coalesce(p_n, 6), 1), 24) - 1))::date, p_until)
$$;
