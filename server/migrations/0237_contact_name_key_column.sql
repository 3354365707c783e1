-- Every CreateContact and UpdateContact looks for a contact of the same
-- name and e-mail at its distributor (liaison_contact_same, 0186), by the
-- name key. The key was computed from each contact's name as the look-up
-- ran, for every contact of the distributor (without an e-mail, for all of
-- them): no index on the key could serve it, because row-level security
-- keeps a condition that passes a column through functions not marked
-- leakproof (regexp_replace, normalize) out of an index's conditions. In
-- the write benchmark (tests/bench/run, CreateContact, whose distributors'
-- contacts grow as it runs) the look-up was most of the insert's time
-- (unicode_normalize at the top of PostgreSQL's profile).
--
-- A contact now keeps its name key in a column, name_key, set from the
-- name as it is written (liaison_contact_name_key, a BEFORE trigger, so an
-- import or any other writer cannot set another), and indexed with its
-- distributor; the look-up compares the column, which an index serves
-- under row-level security. The keys of the rows there are computed here.
-- A change to liaison_name_key or what it calls must compute them again.
--
-- Replaces liaison_contact_same (0186) whole but for that, and its key
-- computed once, not for each row a generic plan filters.

ALTER TABLE contacts ADD COLUMN IF NOT EXISTS name_key text NOT NULL DEFAULT '';

CREATE OR REPLACE FUNCTION liaison_contact_name_key() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.name_key := public.liaison_name_key(NEW.name);
    RETURN NEW;
END $$;

-- After contacts_name_nfc (triggers fire in name order): the key of the name stored.
DROP TRIGGER IF EXISTS contacts_name_nfc_key ON contacts;
CREATE TRIGGER contacts_name_nfc_key BEFORE INSERT OR UPDATE OF name, name_key ON contacts
    FOR EACH ROW EXECUTE FUNCTION liaison_contact_name_key();

-- Every tenant's rows, as the tables' owner with row security set aside for the statement (as 0148).
ALTER TABLE contacts NO FORCE ROW LEVEL SECURITY;
UPDATE contacts SET name_key = liaison_name_key(name)
 WHERE name_key IS DISTINCT FROM liaison_name_key(name);
ALTER TABLE contacts FORCE ROW LEVEL SECURITY;

CREATE INDEX IF NOT EXISTS contacts_name_key ON contacts (tenant_id, distributor_id, name_key);

CREATE OR REPLACE FUNCTION liaison_contact_same(p_distributor bigint, p_name text,
                                                p_email text, p_self bigint)
RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    o record;
    -- Once: in the session's generic plan an expression of p_name is computed again for each
    -- row the scan filters.
    k text := public.liaison_name_key(p_name);
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('contact name:' || public.liaison_tenant()
                                                   || ':' || p_distributor || ':' || k, 186));
    SELECT c.id, c.name || CASE WHEN c.email <> '' THEN ' <' || c.email || '>' ELSE '' END
           AS who, c.left_on
      INTO o FROM public.contacts c
     WHERE c.tenant_id = public.liaison_tenant() AND c.distributor_id = p_distributor
       AND c.id <> p_self
       AND c.name_key = k
       AND lower(c.email) = lower(p_email)
     ORDER BY c.left_on IS NOT NULL, c.id LIMIT 1;
    IF o.id IS NULL THEN
        RETURN NULL;
    ELSIF o.left_on IS NULL THEN
        RETURN format('%s is already a contact of this distributor (contact %s)', o.who, o.id);
    END IF;
    RETURN format('%s left this distributor on %s (contact %s): `contact rejoin %s` if they '
                  'are back%s', o.who, to_char(o.left_on, 'YYYY-MM-DD'), o.id, o.id,
                  CASE WHEN p_email = '' THEN '; someone else of that name needs an e-mail'
                                              ' of their own' ELSE '' END);
END $$;
