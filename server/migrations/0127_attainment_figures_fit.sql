-- One extreme row no longer breaks the attainment table (found in an
-- exporter's try-out): a quarter target of 1 unit against 10^15 units sold,
-- both accepted, made floor(actual * 10000.0 / target)::bigint overflow,
-- and GetAttainment failed with "a value is out of range or malformed" for
-- every line and period, not just that one. The same happened to revenue,
-- and to inventory turns, whose hundredths liaisond takes as a bigint: 12
-- trailing months of 10^15 units sold against an average of 1/12 unit on
-- hand (one month 1, eleven 0) is 1.44 * 10^17 turns.
--
-- The cap: a figure on the wire is at most 10^15, the largest quantity or
-- amount the server accepts anywhere (REQUEST_MAX_AMOUNT, server/request.h).
-- units_bp and revenue_bp stop at 10^15 basis points (10^11 times the
-- target), inventory turns at 10^13 (10^15 hundredths). A capped figure
-- means "at least this much"; nothing below the cap changes, and every
-- other row reads exactly as before. Weeks of cover need no cap: on hand
-- (at most 10^15) over weekly sales (at least 1 unit in 3 months) is under
-- 1.3 * 10^16 weeks, 1.3 * 10^18 hundredths. Health (liaison_health_compute,
-- 0124) sets actual against target in numeric, each capped at 100 %, and
-- never overflowed; the handbook's charts (0125) sum units in numeric.
--
-- Replaces liaison_attainment (0032) and liaison_inventory_cover (0059),
-- whole but for the caps; their result's columns and grants stay.

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
    -- The ratio is taken in numeric and capped there, before it becomes a bigint.
    SELECT c.line, pl.code, c.start_, liaison_period_label(p_kind, c.start_),
           c.t_units, a.units,
           CASE WHEN c.t_units > 0
                THEN least(floor(a.units * 10000.0 / c.t_units), 1000000000000000)::bigint END,
           c.t_revenue, a.revenue, c.cur,
           CASE WHEN c.t_revenue > 0
                THEN least(floor(a.revenue * 10000.0 / c.t_revenue), 1000000000000000)::bigint
                END
      FROM cells c
      JOIN product_lines pl ON pl.tenant_id = (SELECT liaison_tenant()) AND pl.id = c.line
      CROSS JOIN LATERAL (
          SELECT coalesce(sum(s.units), 0)::bigint AS units,
                 coalesce(sum(s.revenue_minor) FILTER (WHERE s.currency = c.cur), 0)::bigint
                     AS revenue
            FROM sales s WHERE s.line = c.line AND s.start_ = c.start_) a
     ORDER BY pl.code, c.line, c.start_;
END $$;

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
               (SELECT count(*) FROM reps r
                 WHERE r.period > (p_month - interval '3 months')::date) AS n3
          FROM lines l)
    -- Turns stop at 10^13, so that their hundredths on the wire fit (see above).
    SELECT f.line, pl.code, f.on_hand, f.units12, round(f.avg_on_hand, 2),
           CASE WHEN f.avg_on_hand > 0
                THEN least(round(f.units12 / f.avg_on_hand, 2), 10000000000000) END,
           f.units3, CASE WHEN f.n3 > 0 THEN round(f.units3 * 12.0 / (52 * f.n3), 2) END,
           CASE WHEN f.units3 > 0 AND f.on_hand IS NOT NULL
                THEN round(f.on_hand * 52.0 * f.n3 / (12 * f.units3), 2) END,
           c.buffer_unit, c.buffer_amount,
           CASE WHEN c.line IS NULL THEN false
                WHEN c.buffer_unit = 'units' THEN coalesce(f.on_hand, 0) < c.buffer_amount
                WHEN f.units3 > 0 THEN coalesce(f.on_hand, 0) * 52.0 * f.n3
                                       < c.buffer_amount * 12.0 * f.units3
                ELSE coalesce(f.on_hand, 0) = 0 AND c.buffer_amount > 0 END
      FROM figures f
      JOIN product_lines pl ON pl.tenant_id = (SELECT liaison_tenant()) AND pl.id = f.line
      LEFT JOIN commitments c ON c.line = f.line
     ORDER BY pl.code, f.line;
END $$;
