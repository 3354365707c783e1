-- A tenant's name was kept as typed (an operator's try-out): "  Trailing  "
-- with its spaces, which shifted every table the operator reads, and a
-- Vietnamese name typed decomposed (NFD) as such, so that it differed from
-- the same name typed composed and counted up to three characters a
-- letter. A tenant's name is now stored as a customer's is (0071): trimmed,
-- its runs of spaces one space, in NFC. Names stored before stay as they
-- are until next written.
CREATE OR REPLACE FUNCTION liaison_tenant_name_clean() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.name := public.liaison_name_clean(NEW.name);
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS tenants_name_clean ON tenants;
CREATE TRIGGER tenants_name_clean BEFORE INSERT OR UPDATE OF name ON tenants
    FOR EACH ROW EXECUTE FUNCTION liaison_tenant_name_clean();
