-- No period before the relationship is below its buffer commitment (found
-- in a try-out): attainment over a range reaching back before the first
-- grant read "below: no stock reported" for every month the distributor
-- was not yet one, although no report may be opened for them (0104). A
-- period that ends on or before the day the relationship began is now
-- never below; one it began in still is, like any period that is over.
--
-- liaison_relationship_began is the rule liaison_report_open (0104) spells
-- out: the first grant's day of an activated charter, or with no grant the
-- first activation's day. Replaces liaison_performance (0032), unchanged
-- but for that; its grants stay.

CREATE OR REPLACE FUNCTION liaison_relationship_began(p_distributor bigint) RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT min(g.starts_on) FROM charter_grants g
                      JOIN charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
                     WHERE g.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
                       AND c.activated_at IS NOT NULL),
                    (SELECT min(c.activated_at AT TIME ZONE 'UTC')::date FROM charters c
                      WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
                        AND c.activated_at IS NOT NULL))
$$;

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
DECLARE
    began date := liaison_relationship_began(p_distributor);
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
               AND (began IS NULL OR (k.start_ + liaison_period_step(p_kind))::date > began)
      FROM keys k
      JOIN product_lines pl ON pl.tenant_id = (SELECT liaison_tenant()) AND pl.id = k.line
      LEFT JOIN att a ON a.product_line_id = k.line AND a.period_start = k.start_
      LEFT JOIN cover v ON v.product_line_id = k.line AND v.start_ = k.start_
     ORDER BY pl.code, k.line, k.start_;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_relationship_began(bigint) TO liaison_app;
    END IF;
END $$;
