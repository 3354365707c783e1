-- Two contacts of one distributor with the same name (a son who took over
-- from his father, two "Nguyễn Văn An"s) could not be invited by that name
-- (found in a try-out): `meeting invite 42 "Nguyễn Văn An"` said "no user
-- ... and no single contact of this distributor, by that e-mail or name",
-- as if there were nobody of that name, while a part of the name listed
-- them both (0150). The resolver keeps them unfound (a series re-synced
-- inside other requests must not raise), and the requests that take an
-- attendee or an owner now say who they are, with their e-mails, so one is
-- picked: liaison_party_namesakes gives that sentence, or NULL.

-- When p_who is the exact name (any case) of two or more current contacts
-- of distributor p_distributor, and no user's e-mail: the sentence naming
-- them, each with its e-mail (or its id, without one); NULL otherwise.
CREATE OR REPLACE FUNCTION liaison_party_namesakes(p_distributor bigint, p_who text)
RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN count(*) > 1 THEN format(
               '"%s" is the name of %s contacts: %s; give the e-mail of one (a contact without'
               ' one is given it with contact update)', p_who, count(*),
               string_agg(CASE WHEN coalesce(c.email, '') <> ''
                               THEN c.name || ' <' || c.email || '>'
                               ELSE c.name || ' (contact ' || c.id || ', no e-mail)' END,
                          ', ' ORDER BY c.email, c.id)) END
      FROM public.contacts c
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
       AND c.left_on IS NULL AND lower(c.name) = lower(p_who)
       AND NOT EXISTS (SELECT 1 FROM public.users u WHERE u.tenant_id = liaison_tenant()
                        AND lower(u.email) = lower(p_who))
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_party_namesakes(bigint, text) TO liaison_app;
    END IF;
END $$;
