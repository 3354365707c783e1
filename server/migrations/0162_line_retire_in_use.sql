-- Retiring a product line in use (found in a try-out): the line a charter
-- named, with open orders, open deals and this quarter's targets, retired
-- at once and without a word; it could not be undone; and it was half
-- enforced: targets and charters refused it from then on while its
-- products, still live, were ordered as before.
--
-- liaison_line_retire refuses a line still in use, naming each use, unless
-- forced; it retires the line's live products with it, at the same instant,
-- so that orders refuse them as retired products; and
-- liaison_line_reinstate undoes exactly that: the line and the products
-- retired with it (not one retired on its own before) are live again.
-- Reports keep taking figures of a retired line: a month's sales of stock
-- already bought are still that month's sales.

CREATE OR REPLACE FUNCTION liaison_line_uses(p_line bigint) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT array_remove(ARRAY[
        (SELECT 'named by the active charter of ' || string_agg(DISTINCT d.name, ', ')
           FROM charters c
           JOIN distributors d ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id
          WHERE c.tenant_id = liaison_tenant() AND c.status = 'active'
            AND ((NOT c.full_coverage AND p_line = ANY (c.covered_line_ids))
                 OR EXISTS (SELECT 1 FROM charter_grants g
                             WHERE g.tenant_id = c.tenant_id AND g.charter_id = c.id
                               AND NOT g.all_lines AND p_line = ANY (g.line_ids))
                 OR EXISTS (SELECT 1 FROM charter_commitments m
                             WHERE m.tenant_id = c.tenant_id AND m.charter_id = c.id
                               AND m.product_line_id = p_line))),
        (SELECT format('%s open order%s', count(DISTINCT o.id),
                       CASE WHEN count(DISTINCT o.id) > 1 THEN 's' ELSE '' END)
           FROM orders o
           JOIN order_lines ol ON ol.tenant_id = o.tenant_id AND ol.order_id = o.id
           JOIN products p ON p.tenant_id = ol.tenant_id AND p.id = ol.product_id
          WHERE o.tenant_id = liaison_tenant() AND p.product_line_id = p_line
            AND o.status IN ('placed', 'confirmed', 'shipped')
         HAVING count(*) > 0),
        (SELECT format('%s open deal%s', count(*), CASE WHEN count(*) > 1 THEN 's' ELSE '' END)
           FROM leads l
          WHERE l.tenant_id = liaison_tenant() AND p_line = ANY (l.product_line_ids)
            AND l.stage NOT IN ('won', 'lost')
            AND l.registration IS DISTINCT FROM 'rejected'
         HAVING count(*) > 0),
        (SELECT format('%s target%s for a period not yet over', count(*),
                       CASE WHEN count(*) > 1 THEN 's' ELSE '' END)
           FROM targets t
          WHERE t.tenant_id = liaison_tenant() AND t.product_line_id = p_line
            AND (t.period_start + liaison_period_step(t.period_kind))::date
                > (liaison_now() AT TIME ZONE 'UTC')::date
         HAVING count(*) > 0)], NULL)
$$;

CREATE OR REPLACE FUNCTION liaison_line_retire(p_line bigint, p_force boolean) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    ln product_lines%ROWTYPE;
    uses text[];
    at_ timestamptz := liaison_now();
BEGIN
    SELECT * INTO ln FROM product_lines
     WHERE tenant_id = liaison_tenant() AND id = p_line FOR UPDATE;
    PERFORM liaison_found(FOUND, 'no such product line');
    IF ln.retired_at IS NOT NULL THEN
        RETURN ln.id;
    END IF;
    uses := liaison_line_uses(p_line);
    PERFORM liaison_precondition(p_force OR cardinality(uses) = 0,
        format('product line %s is still in use: %s. Retired, it is no longer offered: its'
               ' products can no longer be ordered and it takes no new targets or charters.'
               ' Retire it anyway with force (the CLI''s --force), or end those uses first',
               ln.code, array_to_string(uses, '; ')));
    UPDATE product_lines SET retired_at = at_ WHERE tenant_id = liaison_tenant() AND id = p_line;
    UPDATE products SET retired_at = at_
     WHERE tenant_id = liaison_tenant() AND product_line_id = p_line AND retired_at IS NULL;
    PERFORM liaison_audit('product_line.retire', 'product_line', p_line::text);
    RETURN ln.id;
END $$;

CREATE OR REPLACE FUNCTION liaison_line_reinstate(p_line bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    ln product_lines%ROWTYPE;
BEGIN
    SELECT * INTO ln FROM product_lines
     WHERE tenant_id = liaison_tenant() AND id = p_line FOR UPDATE;
    PERFORM liaison_found(FOUND, 'no such product line');
    IF ln.retired_at IS NULL THEN
        RETURN ln.id;
    END IF;
    UPDATE products SET retired_at = NULL
     WHERE tenant_id = liaison_tenant() AND product_line_id = p_line
       AND retired_at = ln.retired_at;
    UPDATE product_lines SET retired_at = NULL WHERE tenant_id = liaison_tenant() AND id = p_line;
    PERFORM liaison_audit('product_line.reinstate', 'product_line', p_line::text);
    RETURN ln.id;
END $$;
