-- Product line codes and SKUs unique in any case (found in a try-out):
-- the unique keys compare bytes, so "brk" was accepted beside "BRK", and
-- from then on the CLI, which finds a code in any case, could no longer
-- tell which one "Brk" meant. A new code or SKU (or one renamed) that
-- equals another of the tenant's ignoring case is now refused
-- ALREADY_EXISTS, naming the one it collides with. Pairs made before this
-- migration stay as they are (refusing them would lose data; the CLI
-- takes the one written exactly as given), and so does a tenant import
-- (an operator's, restoring what was exported), and a write with no
-- request context (the database's own roles: a seed, a bulk load). Two transactions adding
-- "brk" and "BRK" at once are serialised by a transaction-level advisory
-- lock on the tenant's table, so one of them sees the other: one lock
-- however many rows a transaction writes (one per code would run out of
-- the lock table in a bulk load), and catalogue writes are rare.

CREATE OR REPLACE FUNCTION liaison_code_unique_any_case() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    code_ text := to_jsonb(NEW) ->> CASE TG_TABLE_NAME WHEN 'products' THEN 'sku' ELSE 'code' END;
    other text;
BEGIN
    IF liaison_tenant() IS NULL OR liaison_is_operator() THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended(TG_TABLE_NAME || ':' || NEW.tenant_id, 50));
    IF TG_TABLE_NAME = 'products' THEN
        SELECT p.sku INTO other FROM products p
         WHERE p.tenant_id = NEW.tenant_id AND lower(p.sku) = lower(code_) AND p.id <> NEW.id
         LIMIT 1;
        PERFORM liaison_unique(other IS NULL,
                               format('a product with SKU %s already exists', other));
    ELSE
        SELECT l.code INTO other FROM product_lines l
         WHERE l.tenant_id = NEW.tenant_id AND lower(l.code) = lower(code_) AND l.id <> NEW.id
         LIMIT 1;
        PERFORM liaison_unique(other IS NULL,
                               format('a product line with code %s already exists', other));
    END IF;
    RETURN NEW;
END $$;

-- The lookups above, by index rather than a scan of the tenant's catalogue.
CREATE INDEX IF NOT EXISTS product_lines_code_lower ON product_lines (tenant_id, lower(code));
CREATE INDEX IF NOT EXISTS products_sku_lower ON products (tenant_id, lower(sku));

DROP TRIGGER IF EXISTS product_lines_code_any_case ON product_lines;
CREATE TRIGGER product_lines_code_any_case BEFORE INSERT OR UPDATE OF code ON product_lines
    FOR EACH ROW EXECUTE FUNCTION liaison_code_unique_any_case();
DROP TRIGGER IF EXISTS products_sku_any_case ON products;
CREATE TRIGGER products_sku_any_case BEFORE INSERT OR UPDATE OF sku ON products
    FOR EACH ROW EXECUTE FUNCTION liaison_code_unique_any_case();
