-- Planning a distributor whose series have attendees took 8 s where one
-- without took 1 s (tests/bench/cadence --people, after 0221 gave every
-- planned series its default attendees): each occurrence the planner makes
-- resolves each attendee through liaison_party_resolve (0150), whose third
-- branch, the lookup by a part of a name, was a function in its FROM and
-- ran every time, matching every user and contact of the tenant by name,
-- even when the e-mail or the full name had already found the person.
--
-- liaison_party_resolve now looks up the exact person first (a user by
-- e-mail; else a contact of the distributor by e-mail or full name) and
-- falls back to a part of a name only when no one has that e-mail or full
-- name, as before. A series' stored attendees (kept as an e-mail, or a
-- contact's full name: 0140) are resolved exactly only
-- (liaison_party_resolve_exact), so one that no longer names anyone is
-- left out of an occurrence, never refused: the lookup by part raises when
-- a renamed contact's old name is in several people's names, which made
-- the planner refuse to plan. The answers are otherwise those of 0150.

CREATE OR REPLACE FUNCTION liaison_party_resolve_exact(p_distributor bigint, p_who text)
RETURNS TABLE (user_id bigint, contact_id bigint)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    IF EXISTS (SELECT 1 FROM public.users u
                WHERE u.tenant_id = liaison_tenant() AND lower(u.email) = lower(p_who)) THEN
        RETURN QUERY SELECT u.id, NULL::bigint FROM public.users u
                      WHERE u.tenant_id = liaison_tenant() AND lower(u.email) = lower(p_who)
                        AND liaison_party_user_ok(p_distributor, u.id);
        RETURN;
    END IF;
    RETURN QUERY
    SELECT NULL::bigint, min(c.id) FROM public.contacts c
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
       AND (lower(c.email) = lower(p_who) OR lower(c.name) = lower(p_who))
       AND (c.left_on IS NULL
            OR NOT EXISTS (SELECT 1 FROM public.contacts h
                            WHERE h.tenant_id = c.tenant_id
                              AND h.distributor_id = c.distributor_id AND h.left_on IS NULL
                              AND (lower(h.email) = lower(p_who) OR lower(h.name) = lower(p_who))))
    HAVING count(*) = 1;
END $$;

CREATE OR REPLACE FUNCTION liaison_party_resolve(p_distributor bigint, p_who text)
RETURNS TABLE (user_id bigint, contact_id bigint)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    IF EXISTS (SELECT 1 FROM public.users u
                WHERE u.tenant_id = liaison_tenant() AND lower(u.email) = lower(p_who))
       OR EXISTS (SELECT 1 FROM public.contacts c
                   WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
                     AND (lower(c.email) = lower(p_who) OR lower(c.name) = lower(p_who))) THEN
        RETURN QUERY SELECT x.user_id, x.contact_id
                       FROM liaison_party_resolve_exact(p_distributor, p_who) x;
        RETURN;
    END IF;
    RETURN QUERY SELECT p.user_id, p.contact_id FROM liaison_party_by_part(p_distributor, p_who) p;
END $$;

-- As in 0140, the stored attendees resolved exactly.
CREATE OR REPLACE FUNCTION liaison_series_parties(p_distributor bigint, p_attendees text[],
                                                  p_starts timestamptz)
RETURNS TABLE (user_id bigint, contact_id bigint)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT p.user_id, p.contact_id
      FROM unnest(p_attendees) w (who)
     CROSS JOIN LATERAL liaison_party_resolve_exact(p_distributor, w.who) p
     WHERE p.contact_id IS NULL OR NOT EXISTS (
           SELECT 1 FROM public.contacts c
            WHERE c.tenant_id = liaison_tenant() AND c.id = p.contact_id
              AND c.left_on < (p_starts AT TIME ZONE coalesce(
                      (SELECT nullif(t.time_zone, '') FROM public.tenants t
                        WHERE t.id = liaison_tenant()), 'UTC'))::date)
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_party_resolve_exact(bigint, text) TO liaison_app;
    END IF;
END $$;
