-- Two distributors of one name are refused (found in two try-outs): a
-- second "công ty tnhh phụ tùng sài gòn" beside "Công ty TNHH Phụ tùng Sài
-- Gòn" was created without a word, and from then on every command naming
-- either was ambiguous, even after the duplicate was terminated (there is
-- no deleting a distributor). Names compare as customer names do
-- (liaison_name_key, 0104: case, Unicode forms and invisible characters
-- aside). A terminated distributor's name may be taken again, as when a
-- relationship ended is begun anew; the CLI takes the one not terminated.
-- Rows already stored are not checked, nor a tenant being imported
-- (liaison.importing, 0040), which brings its names as they were.
-- The trigger's look-up, so that a bulk insert does not compare each row
-- with every distributor of its tenant.
CREATE INDEX IF NOT EXISTS distributors_name_key ON distributors (tenant_id, liaison_name_key(name));

CREATE OR REPLACE FUNCTION liaison_distributor_name_apart() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    other record;
BEGIN
    IF NEW.status = 'terminated'
       OR current_setting('liaison.importing', true) = NEW.tenant_id::text THEN
        RETURN NEW;
    END IF;
    SELECT d.id, d.name INTO other FROM public.distributors d
     WHERE d.tenant_id = NEW.tenant_id AND d.id IS DISTINCT FROM NEW.id
       AND d.status <> 'terminated'
       AND public.liaison_name_key(d.name) = public.liaison_name_key(NEW.name)
     ORDER BY d.id LIMIT 1;
    IF other.id IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LS409', MESSAGE = format(
            'distributor %s is named %s already: a second of that name could not be told apart',
            other.id, other.name);
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS distributors_name_apart ON distributors;
CREATE TRIGGER distributors_name_apart BEFORE INSERT OR UPDATE OF name ON distributors
    FOR EACH ROW EXECUTE FUNCTION liaison_distributor_name_apart();
