-- The handbook named a meeting series' attendees as the series keeps them:
-- a user or contact given by e-mail read "attended by minh@hoabinh.example,
-- hanako@sakura-shoji.example" (a try-out), though the distributor reads
-- the handbook to know who it meets. An attendee who is a user or a contact
-- is named by their name now, and by what the series keeps when they have
-- none (or when it names no one person).
--
-- Replaces liaison_handbook_series (0274) whole but for the names.

CREATE OR REPLACE FUNCTION liaison_handbook_series(p_distributor bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(x.s::jsonb || jsonb_build_object('attendees', (
               SELECT coalesce(jsonb_agg(coalesce(
                          (SELECT coalesce(nullif(c.name, ''), nullif(u.display_name, ''))
                             FROM liaison_party_resolve_exact(p_distributor, w.who) p
                             LEFT JOIN contacts c ON c.tenant_id = liaison_tenant()
                                                 AND c.id = p.contact_id
                             LEFT JOIN users u ON u.tenant_id = liaison_tenant()
                                              AND u.id = p.user_id
                            LIMIT 1), w.who) ORDER BY w.n), '[]')
                 FROM jsonb_array_elements_text(x.s::jsonb -> 'attendees')
                      WITH ORDINALITY w (who, n)
                WHERE NOT EXISTS (
                      SELECT 1 FROM liaison_party_resolve_exact(p_distributor, w.who) p
                        JOIN contacts c ON c.tenant_id = liaison_tenant() AND c.id = p.contact_id
                       WHERE c.left_on IS NOT NULL)))
               ORDER BY x.n), '[]')
      FROM json_array_elements(liaison_cadence_series_json(p_distributor, 0))
           WITH ORDINALITY x (s, n)
$$;
