-- A contact entered twice (found in a try-out): `contact add` run again, or
-- the portal's form sent twice, stored the same person twice, and every
-- later `--owner Nguyễn` or `--attendee Nguyễn` then matched two. A current
-- contact of the same distributor with the same name (as names are
-- compared, liaison_name_key) and the same e-mail, no e-mail on both
-- counting, is that person: CreateContact and UpdateContact refuse it and
-- name the one kept. Namesakes with other e-mails, and people sharing a
-- mailbox, are other people; so is someone who has left (SetContactLeft
-- brings them back).

-- Why contact p_self (0: a new one) of distributor p_distributor, named
-- p_name with e-mail p_email, would be one already there; NULL when not.
-- PL/pgSQL, so that its plan is kept across a session's writes.
CREATE OR REPLACE FUNCTION liaison_contact_same(p_distributor bigint, p_name text,
                                                p_email text, p_self bigint)
RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT format('%s is already a contact of this distributor (contact %s)',
                          o.name || CASE WHEN o.email <> '' THEN ' <' || o.email || '>'
                                         ELSE '' END, o.id)
              FROM public.contacts o
             WHERE o.tenant_id = public.liaison_tenant() AND o.distributor_id = p_distributor
               AND o.id <> p_self AND o.left_on IS NULL
               AND public.liaison_name_key(o.name) = public.liaison_name_key(p_name)
               AND lower(o.email) = lower(p_email)
             ORDER BY o.id LIMIT 1);
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_contact_same(bigint, text, text, bigint)
            TO liaison_app;
    END IF;
END $$;
