-- A distributor's charter, asked for without a version, is the newest one
-- when none is active or a draft (found in a try-out): for a terminated
-- distributor, or one whose charter expired, `charter show` said "no such
-- charter" while `charter history` listed its versions. The active version
-- still comes first, then the draft, then the newest of the rest.

CREATE OR REPLACE FUNCTION liaison_charter_resolve(p_charter bigint, p_distributor bigint,
                                                   p_version integer) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_charter > 0 THEN p_charter ELSE (
        SELECT id FROM charters
         WHERE tenant_id = liaison_tenant() AND distributor_id = p_distributor
           AND CASE WHEN p_version > 0 THEN version = p_version
                    WHEN p_version = -1 THEN status = 'draft'
                    ELSE true END
         ORDER BY (status = 'active') DESC, (status = 'draft') DESC, version DESC LIMIT 1) END
$$;

-- A conflict names the other distributor only to whoever reaches it (found
-- in a try-out): a manager of some distributors read, in `charter check`
-- and in a refused activation, the name and id of a distributor it may
-- not see. The conflict itself is still found and listed (the territory
-- rule weighs every distributor's grants), as "another distributor", id 0.
CREATE OR REPLACE FUNCTION liaison_charter_conflicts(p_charter bigint)
RETURNS TABLE (grant_id bigint, region text, other_distributor_id bigint,
               other_distributor text, other_version integer, other_region text,
               other_exclusive boolean, other_all_lines boolean, other_lines text,
               other_starts_on date, other_ends_on date)
LANGUAGE sql STABLE AS $$
    SELECT g.id, g.region,
           CASE WHEN liaison_sees_distributor(d.id, d.account_manager_id) THEN d.id ELSE 0 END,
           CASE WHEN liaison_sees_distributor(d.id, d.account_manager_id) THEN d.name
                ELSE 'another distributor' END,
           oc.version, o.region, o.exclusive, o.all_lines,
           coalesce((SELECT string_agg(pl.code, ',' ORDER BY pl.code) FROM product_lines pl
                      WHERE pl.tenant_id = o.tenant_id AND pl.id = ANY (o.line_ids)), ''),
           o.starts_on, o.ends_on
      FROM charters c
      JOIN charter_grants g ON g.tenant_id = c.tenant_id AND g.charter_id = c.id
      JOIN charters oc ON oc.tenant_id = c.tenant_id AND oc.status = 'active'
                      AND oc.distributor_id <> c.distributor_id
      JOIN charter_grants o ON o.tenant_id = oc.tenant_id AND o.charter_id = oc.id
      JOIN distributors d ON d.tenant_id = oc.tenant_id AND d.id = oc.distributor_id
     WHERE c.tenant_id = liaison_tenant() AND c.id = p_charter
       AND liaison_grants_conflict(c.distributor_id, g.exclusive, g.region, g.all_lines,
                                   g.line_ids, g.starts_on, g.ends_on,
                                   oc.distributor_id, o.exclusive, o.region, o.all_lines,
                                   o.line_ids, o.starts_on, o.ends_on)
     ORDER BY g.id, d.id, o.id
$$;
