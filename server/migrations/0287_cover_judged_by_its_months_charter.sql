-- Stock on hand was judged against today's buffer commitment for every
-- month (found in a try-out): an amendment raising BRK's buffer from 8 to
-- 12 weeks made every past month below the commitment in attainment, the
-- trend and the charts, though 8 weeks was what the distributor had
-- agreed to then. A month is judged now by the charter version in force at
-- its end (in the distributor's time zone), as a report's lines are
-- (0108): a version is in force from its activation until the next one's,
-- and the first also for the months before it was activated (grants may be
-- dated back). As before, a distributor with no active charter (expired,
-- terminated, or none yet) is held to no commitment: a version that ended
-- has no recorded end.
--
-- Replaces liaison_inventory_cover (0127) whole but for its commitments.

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
    month_end AS (
        SELECT (p_month + interval '1 month') AT TIME ZONE coalesce(nullif(d.time_zone, ''), 'UTC')
               AS at_
          FROM distributors d
         WHERE d.tenant_id = (SELECT liaison_tenant()) AND d.id = p_distributor),
    in_force AS (
        SELECT c.id FROM charters c, month_end e
         WHERE c.tenant_id = (SELECT liaison_tenant()) AND c.distributor_id = p_distributor
           AND c.activated_at IS NOT NULL
           AND EXISTS (SELECT 1 FROM charters a
                        WHERE a.tenant_id = c.tenant_id AND a.distributor_id = c.distributor_id
                          AND a.status = 'active')
         ORDER BY c.activated_at < e.at_ DESC,
                  CASE WHEN c.activated_at < e.at_ THEN c.activated_at END DESC,
                  c.activated_at, c.version
         LIMIT 1),
    commitments AS (
        SELECT cc.product_line_id AS line, cc.buffer_unit, cc.buffer_amount
          FROM charter_commitments cc
          JOIN in_force v ON cc.charter_id = v.id
         WHERE cc.tenant_id = (SELECT liaison_tenant())),
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
