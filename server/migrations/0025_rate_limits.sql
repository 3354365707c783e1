-- Per-tenant rate limits: an operator's override of liaisond.conf's
-- tenant_rate and tenant_burst. NULL: the configured default applies.
-- Written only through SetTenantRateLimit, as an operator (the tenants
-- policy takes writes from operators alone).
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS rate_per_s integer
    CHECK (rate_per_s BETWEEN 1 AND 1000000);
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS rate_burst integer
    CHECK (rate_burst BETWEEN 1 AND 1000000);

-- Every tenant's override, for each liaisond's periodic refresh. It runs
-- with no caller in the transaction (no tenant, no operator), which row
-- security would show no tenant: the function reads as the tables' owner
-- and returns nothing but the limits.
CREATE OR REPLACE FUNCTION liaison_tenant_rate_limits()
RETURNS TABLE (tenant_id bigint, rate_per_s integer, burst integer)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT t.id, t.rate_per_s, coalesce(t.rate_burst, t.rate_per_s)
      FROM public.tenants t
     WHERE t.rate_per_s IS NOT NULL
     ORDER BY t.id
$$;
REVOKE ALL ON FUNCTION liaison_tenant_rate_limits() FROM PUBLIC;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_tenant_rate_limits() TO liaison_app;
    END IF;
END $$;
