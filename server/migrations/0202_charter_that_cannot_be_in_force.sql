-- Three drafts that cannot or should not be activated passed 'charter
-- check' without a word (found in a try-out):
-- - a draft with no grant, which activation refuses (warning 9);
-- - a draft whose grants had all ended (in 2020, say): it was activated,
--   expired within the second, and left the distributor onboarding with no
--   cadence. Activation now refuses it, with the reason
--   liaison_charter_ended_why gives, and check warns of it (10);
-- - one draft holding an exclusive and a non-exclusive grant of the same
--   region, lines and days, which says two things of one territory (11).
--
-- Replaces liaison_charter_warnings (0194) whole but for those warnings.

-- Why draft p_charter would expire as soon as it was activated, or NULL: its
-- grants have all ended (liaison_charter_ends_at, 0069, is past).
CREATE OR REPLACE FUNCTION liaison_charter_ended_why(p_charter bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT format('the grants of this charter have all ended, the last on %s: activated, it would'
                  ' expire at once;'
                  ' extend a grant, or leave one open-ended',
                  (SELECT max(g.ends_on) FROM charter_grants g
                    WHERE g.tenant_id = liaison_tenant() AND g.charter_id = p_charter))
     WHERE liaison_charter_ends_at(p_charter) <= liaison_now()
$$;

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
        UNION ALL
        SELECT 5, g.id, format('grant of %s in %s: the charter''s product coverage leaves that'
                               ' line out, so its orders and reports will be refused',
                               l.code, g.region)
          FROM charter_grants g
          JOIN charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
          JOIN product_lines l ON l.tenant_id = g.tenant_id AND l.id = ANY (g.line_ids)
         WHERE g.tenant_id = liaison_tenant() AND g.charter_id = p_charter
           AND NOT g.all_lines AND NOT c.full_coverage
           AND NOT l.id = ANY (c.covered_line_ids)
        UNION ALL
        SELECT 6, m.id, format('commitment for product line %s: the charter''s product coverage'
                               ' leaves that line out (remove the commitment, or cover the line)',
                               l.code)
          FROM charter_commitments m
          JOIN charters c ON c.tenant_id = m.tenant_id AND c.id = m.charter_id
          JOIN product_lines l ON l.tenant_id = m.tenant_id AND l.id = m.product_line_id
         WHERE m.tenant_id = liaison_tenant() AND m.charter_id = p_charter
           AND NOT c.full_coverage AND NOT l.id = ANY (c.covered_line_ids)
        UNION ALL
        SELECT 7, c.id, format('no signing date: version %s was signed on %s%s; record the day'
                               ' this version is signed', p.version, p.signed_on,
                               CASE WHEN cardinality(p.signatories) > 0
                                    THEN ' by ' || array_to_string(p.signatories, ', ') END)
          FROM charters c
          CROSS JOIN LATERAL (SELECT v.version, v.signed_on, v.signatories FROM charters v
                               WHERE v.tenant_id = c.tenant_id
                                 AND v.distributor_id = c.distributor_id
                                 AND v.version < c.version AND v.status <> 'draft'
                               ORDER BY v.version DESC LIMIT 1) p
         WHERE c.tenant_id = liaison_tenant() AND c.id = p_charter AND c.status = 'draft'
           AND c.signed_on IS NULL AND p.signed_on IS NOT NULL
        UNION ALL
        SELECT 8, c.id, format('the grants end on %s, before the distributor may become active'
                               ' (after 90 days of onboarding, on %s at the earliest): it stays'
                               ' onboarding while this version is in force; extend a grant, or'
                               ' leave one open-ended',
                               (e.ends_at AT TIME ZONE e.zone)::date - 1,
                               (e.onboarding_ends_at AT TIME ZONE ex.time_zone)::date)
          FROM charters c
          JOIN distributors d ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id
          JOIN tenants t ON t.id = c.tenant_id
          -- The day in the zone the 90-day rule itself names it in (0016).
          CROSS JOIN LATERAL liaison_exporter_hours(d.account_manager_id) ex
          CROSS JOIN LATERAL (
              SELECT liaison_charter_ends_at(c.id) AS ends_at,
                     coalesce(nullif(t.time_zone, ''), 'UTC') AS zone,
                     -- A first charter's activation begins the onboarding now (0016).
                     coalesce(d.onboarding_started_at, liaison_now()) + interval '90 days'
                         AS onboarding_ends_at) e
         WHERE c.tenant_id = liaison_tenant() AND c.id = p_charter AND c.status = 'draft'
           AND d.status IN ('prospect', 'onboarding')
           AND e.ends_at > liaison_now() AND e.ends_at < e.onboarding_ends_at
        UNION ALL
        SELECT 9, c.id, 'no territory grant yet: a charter is activated with at least one'
          FROM charters c
         WHERE c.tenant_id = liaison_tenant() AND c.id = p_charter AND c.status = 'draft'
           AND NOT EXISTS (SELECT 1 FROM charter_grants g
                            WHERE g.tenant_id = c.tenant_id AND g.charter_id = c.id)
        UNION ALL
        SELECT 10, c.id, liaison_charter_ended_why(c.id)
          FROM charters c
         WHERE c.tenant_id = liaison_tenant() AND c.id = p_charter AND c.status = 'draft'
           AND liaison_charter_ended_why(c.id) IS NOT NULL
        UNION ALL
        SELECT 11, b.id, format('grants %s (%s, %s) and %s (%s, %s) overlap in %s%s from %s%s:'
                                ' make them agree, or remove one',
                                a.id, a.region, CASE WHEN a.exclusive THEN 'exclusive'
                                                     ELSE 'not exclusive' END,
                                b.id, b.region, CASE WHEN b.exclusive THEN 'exclusive'
                                                     ELSE 'not exclusive' END,
                                -- The narrower region: a country holds its subdivisions.
                                CASE WHEN length(a.region) >= length(b.region) THEN a.region
                                     ELSE b.region END,
                                CASE WHEN a.all_lines AND b.all_lines THEN ''
                                     ELSE ' (' || (SELECT string_agg(l.code, ',' ORDER BY l.code)
                                                     FROM product_lines l
                                                    WHERE l.tenant_id = a.tenant_id
                                                      AND (a.all_lines OR l.id = ANY (a.line_ids))
                                                      AND (b.all_lines OR l.id = ANY (b.line_ids)))
                                          || ')' END,
                                greatest(a.starts_on, b.starts_on),
                                CASE WHEN a.ends_on IS NULL AND b.ends_on IS NULL THEN ''
                                     ELSE ' to ' || least(a.ends_on, b.ends_on) END)
          FROM charter_grants a
          JOIN charter_grants b ON b.tenant_id = a.tenant_id AND b.charter_id = a.charter_id
                               AND b.id > a.id AND b.exclusive <> a.exclusive
          JOIN charters c ON c.tenant_id = a.tenant_id AND c.id = a.charter_id
         WHERE a.tenant_id = liaison_tenant() AND a.charter_id = p_charter AND c.status = 'draft'
           AND liaison_regions_overlap(a.region, b.region)
           AND liaison_lines_overlap(a.all_lines, a.line_ids, b.all_lines, b.line_ids)
           AND liaison_dates_overlap(a.starts_on, a.ends_on, b.starts_on, b.ends_on)
    ) x ORDER BY k, id
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_charter_ended_why(bigint) TO liaison_app;
    END IF;
END $$;
