-- A product retired on its own (a try-out):
--
-- RetireProduct went through UpdateProduct's statement: it was audited as
-- product.update, dated by the database's clock instead of the service's
-- (as a line's retirement is), and nothing could undo it: the SKU stayed
-- taken and the product could never be ordered again, though a line's
-- retirement can be undone. Retiring is now audited as product.retire at
-- liaison_now(), and ReinstateProduct offers the product again; one whose
-- line is retired is not reinstated alone: the line first (which brings
-- back the products retired with it), then one retired before it.

CREATE OR REPLACE FUNCTION liaison_product_retire(p_product bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    pr products%ROWTYPE;
BEGIN
    SELECT * INTO pr FROM products
     WHERE tenant_id = liaison_tenant() AND id = p_product FOR UPDATE;
    PERFORM liaison_found(FOUND, 'no such product');
    IF pr.retired_at IS NOT NULL THEN
        RETURN pr.id;
    END IF;
    -- A microsecond before the clock: a line's reinstatement brings back the
    -- products whose retired_at is the line's, and a line retired at the
    -- same instant (one write batch, or a fixed test clock) would take this
    -- one, retired on its own, for one retired with it.
    UPDATE products SET retired_at = liaison_now() - interval '1 microsecond'
     WHERE tenant_id = liaison_tenant() AND id = p_product;
    PERFORM liaison_audit('product.retire', 'product', p_product::text);
    RETURN pr.id;
END $$;

CREATE OR REPLACE FUNCTION liaison_product_reinstate(p_product bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    pr products%ROWTYPE;
    ln product_lines%ROWTYPE;
BEGIN
    SELECT * INTO pr FROM products
     WHERE tenant_id = liaison_tenant() AND id = p_product FOR UPDATE;
    PERFORM liaison_found(FOUND, 'no such product');
    IF pr.retired_at IS NULL THEN
        RETURN pr.id;
    END IF;
    SELECT * INTO ln FROM product_lines
     WHERE tenant_id = liaison_tenant() AND id = pr.product_line_id FOR SHARE;
    PERFORM liaison_precondition(ln.retired_at IS NULL,
        CASE WHEN pr.retired_at = ln.retired_at
             THEN format('it was retired with its product line %s: reinstate the line (the'
                         ' CLI''s ''product-line reinstate %s''), which brings it back',
                         ln.code, ln.code)
             ELSE format('its product line %s is retired too: reinstate the line first (the'
                         ' CLI''s ''product-line reinstate %s''), then this product',
                         ln.code, ln.code) END);
    UPDATE products SET retired_at = NULL WHERE tenant_id = liaison_tenant() AND id = p_product;
    PERFORM liaison_audit('product.reinstate', 'product', p_product::text);
    RETURN pr.id;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_product_retire(bigint) TO liaison_app;
        GRANT EXECUTE ON FUNCTION liaison_product_reinstate(bigint) TO liaison_app;
    END IF;
END $$;
