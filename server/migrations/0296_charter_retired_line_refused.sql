-- A retired product line slipped back into a charter (found in a try-out):
-- a new grant, coverage or commitment naming it is refused, but an
-- amendment copies the active version's, and the copy was checked without a
-- word and activated, granting the withdrawn line again, exclusively too.
-- Activation now refuses a draft that names a retired line in a grant, its
-- coverage or a commitment, with liaison_charter_retired_why's reason, and
-- charter check says so as a refusal.

CREATE OR REPLACE FUNCTION liaison_charter_retired_why(p_charter bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT format('%s names retired product line%s %s: a new version takes live lines only;'
                  ' take %s out (charter grant update --lines, charter terms --lines,'
                  ' charter remove commitment) or reinstate %s (product-line reinstate)',
                  string_agg(DISTINCT x.part, ', '),
                  CASE WHEN count(DISTINCT x.code) = 1 THEN '' ELSE 's' END,
                  string_agg(DISTINCT x.code, ', '),
                  CASE WHEN count(DISTINCT x.code) = 1 THEN 'it' ELSE 'them' END,
                  CASE WHEN count(DISTINCT x.code) = 1 THEN 'it' ELSE 'them' END)
      FROM (SELECT 'grant ' || g.id AS part, l.code
              FROM charter_grants g
              JOIN product_lines l ON l.tenant_id = g.tenant_id AND l.id = ANY (g.line_ids)
             WHERE g.tenant_id = liaison_tenant() AND g.charter_id = p_charter
               AND NOT g.all_lines AND l.retired_at IS NOT NULL
            UNION ALL
            SELECT 'its coverage', l.code
              FROM charters c
              JOIN product_lines l ON l.tenant_id = c.tenant_id AND l.id = ANY (c.covered_line_ids)
             WHERE c.tenant_id = liaison_tenant() AND c.id = p_charter AND NOT c.full_coverage
               AND l.retired_at IS NOT NULL
            UNION ALL
            SELECT 'commitment ' || m.id, l.code
              FROM charter_commitments m
              JOIN product_lines l ON l.tenant_id = m.tenant_id AND l.id = m.product_line_id
             WHERE m.tenant_id = liaison_tenant() AND m.charter_id = p_charter
               AND l.retired_at IS NOT NULL) x
    HAVING count(*) > 0
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_charter_retired_why(bigint) TO liaison_app;
    END IF;
END $$;
