-- A distributor's key account outside its territory read like any other
-- (found in a try-out): Saigon's account of a customer in Hà Nội, or in
-- Japan, was made and listed without a word, while a deal there is flagged
-- outside_territory for the exporter (0120). KeyAccount.outside_territory
-- now says it, by the deal's rule: no grant in force today (the tenant's
-- date) of the distributor's active charter holds the account's place (its
-- region, else its country). The exporter's own accounts have no territory.
-- SECURITY DEFINER as liaison_account_carved_out (0164) is: a distributor's
-- user reads its accounts, not every grant row the answer rests on.

CREATE OR REPLACE FUNCTION liaison_account_outside_territory(p_distributor bigint,
                                                             p_country text, p_region text)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT p_distributor IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM public.charter_grants g
          JOIN public.charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
          CROSS JOIN (SELECT (public.liaison_now() AT TIME ZONE
                              coalesce(nullif(t.time_zone, ''), 'UTC'))::date AS today
                        FROM public.tenants t WHERE t.id = public.liaison_tenant()) d
         WHERE g.tenant_id = public.liaison_tenant() AND c.distributor_id = p_distributor
           AND c.status = 'active' AND g.starts_on <= d.today
           AND (g.ends_on IS NULL OR g.ends_on >= d.today)
           AND public.liaison_region_contains(g.region,
                                              coalesce(nullif(p_region, ''), p_country)))
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_account_outside_territory(bigint, text, text)
            TO liaison_app;
    END IF;
END $$;
