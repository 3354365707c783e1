-- A deal registration is checked against the grants in force on the
-- tenant's date, not the UTC date (found in a try-out): a Hồ Chí Minh City
-- exporter whose distributor's grant began on 1 March had a lead
-- registered at 06:00 local on 1 March (23:00 UTC the day before) flagged
-- outside_territory, while charter expiry and late shipments (0086) already
-- go by the tenant's date through liaison_now(). The tenant's zone comes
-- from tenants.time_zone, UTC when unset, as liaison_shipment_late reads it.
--
-- Replaces liaison_deal_flags, copied whole from its latest definition
-- (0063) but for `today`; CREATE OR REPLACE keeps its grants and 0026's
-- SECURITY DEFINER and search_path, which are restated here as they were.

-- As in 0020 (and 0026's attributes): why distributor p_distributor's
-- registration of a deal with account p_name in p_region for lines p_lines
-- needs exporter staff. outside_territory: no grant of its active charter
-- in force holds the region, or a line of the lead is held by such a grant
-- elsewhere but by none here; outside_lines: a line of the lead no grant
-- in force holds anywhere (each line may be held by a grant of its own);
-- exclusive_elsewhere: another distributor's exclusive grant holds the
-- region for one of the lines; carve_out: the exporter's own account.
-- Empty: accepted.
CREATE OR REPLACE FUNCTION liaison_deal_flags(p_distributor bigint, p_name text, p_country text,
                                              p_region text, p_lines bigint[]) RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    -- The tenant's date: a grant starts and ends on the days of its charter,
    -- which are the tenant's days.
    today date := (SELECT (public.liaison_now() AT TIME ZONE coalesce(nullif(t.time_zone, ''),
                                                                      'UTC'))::date
                     FROM public.tenants t WHERE t.id = public.liaison_tenant());
    flags text[] := '{}';
    in_region boolean;
    line_elsewhere boolean;
    line_nowhere boolean;
BEGIN
    WITH g AS (
        SELECT g.region, g.all_lines, g.line_ids FROM public.charter_grants g
          JOIN public.charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
         WHERE g.tenant_id = public.liaison_tenant() AND c.distributor_id = p_distributor
           AND c.status = 'active' AND g.starts_on <= today
           AND (g.ends_on IS NULL OR g.ends_on >= today)),
    l AS (
        SELECT EXISTS (SELECT 1 FROM g WHERE public.liaison_region_contains(g.region, p_region)
                          AND (g.all_lines OR x = ANY (g.line_ids))) AS here,
               EXISTS (SELECT 1 FROM g WHERE g.all_lines OR x = ANY (g.line_ids)) AS anywhere
          FROM unnest(p_lines) x)
    SELECT EXISTS (SELECT 1 FROM g WHERE public.liaison_region_contains(g.region, p_region)),
           EXISTS (SELECT 1 FROM l WHERE NOT l.here AND l.anywhere),
           EXISTS (SELECT 1 FROM l WHERE NOT l.anywhere)
      INTO in_region, line_elsewhere, line_nowhere;
    IF NOT in_region OR line_elsewhere THEN
        flags := flags || 'outside_territory'::text;
    END IF;
    IF in_region AND line_nowhere THEN
        flags := flags || 'outside_lines'::text;
    END IF;
    IF EXISTS (
        SELECT 1 FROM public.charter_grants g
          JOIN public.charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
         WHERE g.tenant_id = public.liaison_tenant() AND c.distributor_id <> p_distributor
           AND c.status = 'active' AND g.exclusive
           AND public.liaison_region_contains(g.region, p_region)
           AND g.starts_on <= today AND (g.ends_on IS NULL OR g.ends_on >= today)
           AND (g.all_lines OR cardinality(p_lines) = 0 OR g.line_ids && p_lines)) THEN
        flags := flags || 'exclusive_elsewhere'::text;
    END IF;
    IF public.liaison_account_carved_out(p_name, p_country, p_region) THEN
        flags := flags || 'carve_out'::text;
    END IF;
    RETURN flags;
END $$;
