-- An attendee was found only by the exact e-mail or name (an exporter's
-- try-out): `meeting invite 42 "Nguyen Van An"` (typed without diacritics)
-- or `--attendee An` was "not found", while distributors and contacts are
-- found elsewhere by part of a name, without diacritics (0137, 0143).
-- liaison_party_resolve, behind every attendee and owner (meeting add and
-- invite, action add --owner, a series' attendees), now finds: a user's
-- e-mail; else a contact's e-mail or exact name (as in 0135); else a user's
-- exact name; else the one user or current contact whose name holds the
-- text as 0137 compares names (any case, without diacritics, any kind of
-- space). When several people's names hold it, it is refused, naming them
-- with their e-mails, so that one is picked by the user, never silently; a
-- person who is both a user and a contact (one e-mail) counts once, as
-- the user. Several contacts of one exact name stay unfound, as before,
-- since a series keeps a contact without e-mail by its name and is
-- re-synced inside other requests. The resolver stays one SQL function,
-- inlined into the series' re-syncs (a PL/pgSQL one, called per meeting
-- and attendee, made resuming a series miss its deadline); the search by
-- part of a name is its own function, reached only when nobody has that
-- e-mail or exact name.

-- The one user (working on the distributor) or current contact whose name
-- holds p_who as 0137 compares names, a user's exact name first; several:
-- refused, each named with their e-mail. A user and a contact of one
-- e-mail are one person, the user.
CREATE OR REPLACE FUNCTION liaison_party_by_part(p_distributor bigint, p_who text)
RETURNS TABLE (user_id bigint, contact_id bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    n integer;
    one_user bigint;
    one_contact bigint;
    names text;
BEGIN
    IF coalesce(btrim(p_who), '') = '' THEN
        RETURN;
    END IF;
    WITH hit AS (
        SELECT u.id AS uid, NULL::bigint AS cid, u.display_name AS name, u.email AS email,
               lower(u.email) AS person, lower(u.display_name) = lower(p_who) AS exact
          FROM public.users u
         WHERE u.tenant_id = liaison_tenant() AND u.display_name <> ''
           AND liaison_name_like(u.display_name, p_who)
           AND liaison_party_user_ok(p_distributor, u.id)
        UNION ALL
        SELECT NULL::bigint, c.id, c.name, coalesce(c.email, ''),
               coalesce(lower(nullif(c.email, '')), 'contact ' || c.id), false
          FROM public.contacts c
         WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
           AND c.left_on IS NULL AND liaison_name_like(c.name, p_who)),
    person AS (SELECT DISTINCT ON (h.person) h.* FROM hit h ORDER BY h.person, h.uid NULLS LAST),
    chosen AS (SELECT * FROM person p
                WHERE p.exact OR NOT EXISTS (SELECT 1 FROM person x WHERE x.exact))
    SELECT count(*), min(ch.uid), min(ch.cid),
           string_agg(CASE WHEN ch.email <> '' THEN ch.name || ' <' || ch.email || '>'
                           ELSE ch.name || ' (contact ' || ch.cid || ', no e-mail)' END,
                      ', ' ORDER BY ch.name, ch.email)
      INTO n, one_user, one_contact, names
      FROM chosen ch;
    PERFORM liaison_precondition(n <= 1, format(
        '"%s" is in the names of %s people: %s; give the e-mail or the full name of one',
        p_who, n, names));
    IF n = 1 THEN
        RETURN QUERY SELECT one_user, one_contact;
    END IF;
END $$;

-- As in 0135; else, when no user has that e-mail and no contact of the
-- distributor that e-mail or name, liaison_party_by_part.
CREATE OR REPLACE FUNCTION liaison_party_resolve(p_distributor bigint, p_who text)
RETURNS TABLE (user_id bigint, contact_id bigint)
LANGUAGE sql STABLE AS $$
    SELECT u.id, NULL::bigint FROM public.users u
     WHERE u.tenant_id = liaison_tenant() AND lower(u.email) = lower(p_who)
       AND liaison_party_user_ok(p_distributor, u.id)
    UNION ALL
    SELECT NULL::bigint, min(c.id) FROM public.contacts c
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
       AND NOT EXISTS (SELECT 1 FROM public.users u WHERE u.tenant_id = liaison_tenant()
                        AND lower(u.email) = lower(p_who))
       AND (lower(c.email) = lower(p_who) OR lower(c.name) = lower(p_who))
       AND (c.left_on IS NULL
            OR NOT EXISTS (SELECT 1 FROM public.contacts h
                            WHERE h.tenant_id = c.tenant_id
                              AND h.distributor_id = c.distributor_id AND h.left_on IS NULL
                              AND (lower(h.email) = lower(p_who) OR lower(h.name) = lower(p_who))))
    HAVING count(*) = 1
    UNION ALL
    SELECT p.user_id, p.contact_id FROM liaison_party_by_part(p_distributor, p_who) p
     WHERE NOT EXISTS (SELECT 1 FROM public.users u WHERE u.tenant_id = liaison_tenant()
                        AND lower(u.email) = lower(p_who))
       AND NOT EXISTS (SELECT 1 FROM public.contacts c
                        WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
                          AND (lower(c.email) = lower(p_who) OR lower(c.name) = lower(p_who)))
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_party_by_part(bigint, text) TO liaison_app;
    END IF;
END $$;
