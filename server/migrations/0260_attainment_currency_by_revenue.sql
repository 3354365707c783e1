-- A line's attainment without a revenue target reads its revenue in the
-- currency its sales mostly use, which was the one of the most rows
-- (ties in the alphabet's order): a month of 0 JPY beat a month of 400,000
-- USD, and REVENUE read 0 for a line that sold a great deal (a try-out).
-- It is now the currency of the most revenue, then of the most rows, then
-- the alphabet's.
--
-- Replaces liaison_attainment (0127) whole but for that.

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
                                      GROUP BY s.currency
                                      ORDER BY sum(s.revenue_minor) DESC, count(*) DESC,
                                               s.currency
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
