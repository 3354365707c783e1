-- Distributors told apart by a comma (found in a try-out): "Siam
-- Precision Co.,Ltd." and "Siam Precision Co., Ltd" were created beside
-- "Siam Precision Co., Ltd.", since 0187 compared names without their
-- marks but with their punctuation and spacing, and from then on "Siam"
-- named all three. Names are now compared without punctuation, symbols
-- and white space too (liaison_name_compact: "A&B" and "AB", "A+ Parts"
-- and "A Parts" are one name); a legal form still counts, so "… Co., Ltd."
-- and "… JSC" may still be two companies.
--
-- Replaces liaison_distributor_name_apart (0187) whole but for that
-- comparison, and its index; its trigger stays.

CREATE OR REPLACE FUNCTION liaison_name_compact(p text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(public.liaison_fold(public.liaison_name_key(p)),
                          '[[:punct:][:space:]]+', '', 'g')
$$;

DROP INDEX IF EXISTS distributors_name_fold;
CREATE INDEX IF NOT EXISTS distributors_name_compact
    ON distributors (tenant_id, liaison_name_compact(name));

CREATE OR REPLACE FUNCTION liaison_distributor_name_apart() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    other record;
BEGIN
    IF NEW.status = 'terminated'
       OR current_setting('liaison.importing', true) = NEW.tenant_id::text THEN
        RETURN NEW;
    END IF;
    -- An edit that keeps the name as compared (UpdateDistributor sets it
    -- each time) leaves a pair stored before this migration editable.
    IF TG_OP = 'UPDATE' AND public.liaison_name_compact(OLD.name)
                            = public.liaison_name_compact(NEW.name) THEN
        RETURN NEW;
    END IF;
    SELECT d.id, d.name INTO other FROM public.distributors d
     WHERE d.tenant_id = NEW.tenant_id AND d.id IS DISTINCT FROM NEW.id
       AND d.status <> 'terminated'
       AND public.liaison_name_compact(d.name) = public.liaison_name_compact(NEW.name)
     ORDER BY d.id LIMIT 1;
    IF other.id IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LS409', MESSAGE = format(
            'distributor %s is named %s already: a second of that name could not be told apart',
            other.id, other.name);
    END IF;
    RETURN NEW;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_name_compact(text) TO liaison_app;
    END IF;
END $$;
