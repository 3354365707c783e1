-- The languages a distributor reads come in its order of preference
-- (found in a try-out): the handbook's language protocol, its "missing"
-- column and the coverage report listed them alphabetically, so that a
-- Vietnamese distributor entered as "vi, en" read "en, vi" and English
-- passed for its first language. The distributor's own languages come
-- first, in the order they were entered (the first is the preferred
-- one), then its contacts' that are not among them, in the order the
-- contacts were added; still one per tag in any case, kept as the first
-- to name it wrote it.
--
-- Replaces liaison_distributor_languages (0111), whole, changed only in
-- its order; its grants stay. A coverage document's missing_languages
-- keep their own order (rpc_document.c sorts them).

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
               AND c.language <> '') x
         ORDER BY lower(x.l), x.src, x.pos) y
$$;
