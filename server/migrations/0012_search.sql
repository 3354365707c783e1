-- Finding things by what people call them: the lists' name filters match
-- a substring in any case (ILIKE), served by trigram indexes so that a
-- search stays an index scan as a tenant grows. pg_trgm ships with
-- PostgreSQL and is a trusted extension: the database's owner, who runs
-- the migrations, may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- A substring pattern for ILIKE matching p literally: '%' and '_' typed by
-- a user are characters, not wildcards.
CREATE OR REPLACE FUNCTION liaison_like(p text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT '%' || replace(replace(replace(p, '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;

CREATE INDEX IF NOT EXISTS distributors_name_trgm ON distributors USING gin (name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS contacts_name_trgm ON contacts USING gin (name gin_trgm_ops, email gin_trgm_ops);
CREATE INDEX IF NOT EXISTS product_lines_name_trgm
    ON product_lines USING gin (code gin_trgm_ops, name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS products_name_trgm ON products USING gin (sku gin_trgm_ops, name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS users_name_trgm
    ON users USING gin (email gin_trgm_ops, display_name gin_trgm_ops);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_like(text) TO liaison_app;
    END IF;
END $$;
