-- Two more charter warnings (found in a try-out), shown by `charter check`
-- and with each edit, never refusing anything: competing lines declared
-- while the charter does not allow competing lines (health already counts
-- that against the distributor), and a carve-out in a region that no grant
-- of the charter overlaps (it carves nothing out of this territory). Only
-- liaison_charter_warnings() changes; its grant stays (CREATE OR REPLACE
-- keeps it).

CREATE OR REPLACE FUNCTION liaison_charter_warnings(p_charter bigint)
RETURNS SETOF text LANGUAGE sql STABLE AS $$
    SELECT w FROM (
        SELECT 1 AS k, m.id, format('commitment for product line %s: no grant of this charter'
                                    ' covers it', l.code) AS w
          FROM charter_commitments m
          JOIN product_lines l ON l.tenant_id = m.tenant_id AND l.id = m.product_line_id
         WHERE m.tenant_id = liaison_tenant() AND m.charter_id = p_charter
           AND NOT liaison_charter_grants_line(p_charter, l.id)
        UNION ALL
        SELECT 2, k.id, format('competing line %s of %s: product line %s is not granted by this'
                               ' charter', k.line, k.competitor, l.code)
          FROM charter_competing_lines k
          JOIN product_lines l ON l.tenant_id = k.tenant_id
               AND (lower(l.code) = lower(k.line) OR lower(l.name) = lower(k.line))
         WHERE k.tenant_id = liaison_tenant() AND k.charter_id = p_charter
           AND NOT liaison_charter_grants_line(p_charter, l.id)
        UNION ALL
        SELECT 3, k.id, format('competing line %s of %s is declared, but this charter does not'
                               ' allow competing lines', k.line, k.competitor)
          FROM charter_competing_lines k
          JOIN charters c ON c.tenant_id = k.tenant_id AND c.id = k.charter_id
         WHERE k.tenant_id = liaison_tenant() AND k.charter_id = p_charter
           AND NOT c.competing_allowed
        UNION ALL
        SELECT 4, o.id, format('carve-out %s in %s: no grant of this charter holds that region',
                               o.account_name, o.region)
          FROM charter_carve_outs o
         WHERE o.tenant_id = liaison_tenant() AND o.charter_id = p_charter AND o.region <> ''
           AND NOT EXISTS (SELECT 1 FROM charter_grants g
                            WHERE g.tenant_id = o.tenant_id AND g.charter_id = o.charter_id
                              AND liaison_regions_overlap(g.region, o.region))
    ) x ORDER BY k, id
$$;
