-- A contact who has left, named by a part of the name (`action add --owner
-- Bình`, `meeting add --attendee Bình`), was "no user of this tenant ...
-- and no single contact of this distributor, by that e-mail or name"
-- (found in a try-out), as if nobody of that name had ever worked there,
-- while the whole name said "Trần Thị Bình (contact 3) left on
-- 2026-12-04: ...". The search by part of a name now falls back to the
-- contacts who have left when nobody current holds the text, as the whole
-- name does (0150): the one found meets the same rules (no new action
-- item, no meeting after the day they left; a meeting held before it is
-- theirs to attend), and several are refused, naming them. A series keeps
-- its attendees by e-mail or whole name and drops a contact who left
-- (liaison_series_parties, 0140), so its re-syncs never meet one here.
--
-- Replaces liaison_party_by_part (0150), whole but for that fallback.

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
    IF n = 0 THEN
        -- Nobody current: the contacts who have left, each with the day.
        SELECT count(*), min(c.id),
               string_agg(c.name || ' (contact ' || c.id || ', left on '
                          || to_char(c.left_on, 'YYYY-MM-DD') || ')', ', '
                          ORDER BY c.name, c.id)
          INTO n, one_contact, names
          FROM public.contacts c
         WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
           AND c.left_on IS NOT NULL AND liaison_name_like(c.name, p_who);
        one_user := NULL;
    END IF;
    PERFORM liaison_precondition(n <= 1, format(
        '"%s" is in the names of %s people: %s; give the e-mail or the full name of one',
        p_who, n, names));
    IF n = 1 THEN
        RETURN QUERY SELECT one_user, one_contact;
    END IF;
END $$;
