-- A contact entered twice (found in a try-out): `contact add` run again
-- stored the same person twice, and every later `--owner Nguyễn` or
-- `--attendee Nguyễn` matched two. A contact of the same distributor with
-- the same name (as names are compared, liaison_name_key) and the same
-- e-mail, no e-mail on both counting, is that person: CreateContact and
-- UpdateContact refuse it and name the one kept; for someone who has left
-- they say so and how to bring them back (the e-mail alone was already
-- refused, 0054, without saying either). A namesake with another e-mail
-- is someone else.
--
-- A name was stored as typed, "  Nguyễn Văn An ": the check above knew it
-- as Nguyễn Văn An, but no look-up by name found it, and lists showed it
-- out of line. CreateContact and UpdateContact now store it as customer
-- names are (liaison_name_clean, 0071), and the names stored before are
-- cleaned here.

-- Why contact p_self (0: a new one) of distributor p_distributor, named
-- p_name with e-mail p_email, would be one already there; NULL when not.
-- PL/pgSQL, so that its plan is kept across a session's writes. Two
-- writes of one person at once would each find the other not yet there:
-- it first takes a lock on that name at that distributor (to the end of
-- the transaction; one per name, so that batched writes of other people
-- never wait on each other), and, being VOLATILE, looks with a snapshot
-- taken after it, which holds the other's committed row.
CREATE OR REPLACE FUNCTION liaison_contact_same(p_distributor bigint, p_name text,
                                                p_email text, p_self bigint)
RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    o record;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('contact name:' || public.liaison_tenant()
                                                   || ':' || p_distributor || ':'
                                                   || public.liaison_name_key(p_name), 186));
    SELECT c.id, c.name || CASE WHEN c.email <> '' THEN ' <' || c.email || '>' ELSE '' END
           AS who, c.left_on
      INTO o FROM public.contacts c
     WHERE c.tenant_id = public.liaison_tenant() AND c.distributor_id = p_distributor
       AND c.id <> p_self
       AND public.liaison_name_key(c.name) = public.liaison_name_key(p_name)
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

ALTER TABLE contacts NO FORCE ROW LEVEL SECURITY;
UPDATE contacts SET name = liaison_name_clean(name) WHERE name <> liaison_name_clean(name);
ALTER TABLE contacts FORCE ROW LEVEL SECURITY;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_contact_same(bigint, text, text, bigint)
            TO liaison_app;
    END IF;
END $$;
