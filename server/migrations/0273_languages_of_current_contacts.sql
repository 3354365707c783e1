-- The languages a distributor reads counted those of its contacts who have
-- left (found in a try-out): a Korean-speaking contact marked left kept
-- "ko" among the translations `doc coverage` said were missing, and in the
-- handbook's "The distributor reads" line, a translation asked for nobody,
-- while the handbook's own "Who to reach" left that contact out. Only
-- current contacts' languages count now; one who rejoins counts again.
--
-- Replaces liaison_distributor_languages (0121) whole but for that; its
-- grant stays.

CREATE OR REPLACE FUNCTION liaison_distributor_languages(p_distributor bigint) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(y.l ORDER BY y.src, y.pos), '{}') FROM (
        SELECT DISTINCT ON (lower(x.l)) x.l, x.src, x.pos FROM (
            SELECT u.l, 0 AS src, u.pos FROM distributors d
             CROSS JOIN LATERAL unnest(d.languages) WITH ORDINALITY AS u (l, pos)
             WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
            UNION ALL
            SELECT c.language, 1, c.id FROM contacts c
             WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
               AND c.language <> '' AND c.left_on IS NULL) x
         ORDER BY lower(x.l), x.src, x.pos) y
$$;
