-- A name typed decomposed was not found (found in a try-out): Vietnamese
-- from some keyboards arrives in NFD ("o" + U+031B + U+0301 for "ớ"), so
-- "Công ty … Sài Gòn" typed on one machine did not match the same name
-- typed on another, neither in a list's name filter nor in the CLI, which
-- looks names up through it; and the same name could be saved twice,
-- looking the same. Customer names are stored in NFC since 0071; now the
-- names of distributors, contacts, product lines and products are too, as
-- they are written, and every name filter (liaison_like) compares in NFC.
-- Rows written before stay as they were until they are next written (a
-- migration runs with no tenant's context and, under forced row-level
-- security, reaches no tenant's rows), and a filter typed either way
-- finds a name stored in NFC.

CREATE OR REPLACE FUNCTION liaison_like(p text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT '%' || replace(replace(replace(normalize(p, NFC), '\', '\\'), '%', '\%'), '_', '\_')
           || '%'
$$;

CREATE OR REPLACE FUNCTION liaison_name_nfc() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.name := normalize(NEW.name, NFC);
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS distributors_name_nfc ON distributors;
CREATE TRIGGER distributors_name_nfc BEFORE INSERT OR UPDATE OF name ON distributors
    FOR EACH ROW EXECUTE FUNCTION liaison_name_nfc();
DROP TRIGGER IF EXISTS contacts_name_nfc ON contacts;
CREATE TRIGGER contacts_name_nfc BEFORE INSERT OR UPDATE OF name ON contacts
    FOR EACH ROW EXECUTE FUNCTION liaison_name_nfc();
DROP TRIGGER IF EXISTS product_lines_name_nfc ON product_lines;
CREATE TRIGGER product_lines_name_nfc BEFORE INSERT OR UPDATE OF name ON product_lines
    FOR EACH ROW EXECUTE FUNCTION liaison_name_nfc();
DROP TRIGGER IF EXISTS products_name_nfc ON products;
CREATE TRIGGER products_name_nfc BEFORE INSERT OR UPDATE OF name ON products
    FOR EACH ROW EXECUTE FUNCTION liaison_name_nfc();

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_name_nfc() TO liaison_app;
    END IF;
END $$;
