-- An update for a country reaches the distributors of its parts (found
-- trying the portal as a distributor of VN-SG): an exporter's production
-- update or launch aimed at VN went to a distributor holding all of
-- Vietnam, but not to one holding Ho Chi Minh City or Hanoi, who sell in
-- Vietnam just as much and learnt nothing of it. A grant now answers for
-- an update's region when the two overlap: the grant contains the region
-- (VN for an update on VN-SG, as before) or the region contains the grant
-- (VN-SG for an update on VN). Aimed at TH, or at VN-HN, an update still
-- never reaches a distributor of VN-SG. Recipients already fixed at
-- publication stay as they are. Replaces liaison_update_holds (0033).
CREATE OR REPLACE FUNCTION liaison_update_holds(p_distributor bigint, p_region text,
                                                p_line bigint, p_today date) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM charter_grants g
          JOIN charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
         WHERE g.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
           AND c.status = 'active' AND liaison_regions_overlap(g.region, p_region)
           AND (g.all_lines OR p_line = ANY (g.line_ids))
           AND (c.full_coverage OR p_line = ANY (c.covered_line_ids))
           AND g.starts_on <= p_today AND (g.ends_on IS NULL OR g.ends_on >= p_today))
$$;
