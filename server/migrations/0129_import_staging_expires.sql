-- An import that failed leaves its staged rows behind (found in an
-- operator's try-out): tenant_import_rows held every row of a failed
-- import, password and token hashes included when the export had them,
-- until a later BeginTenantImport happened to clear imports over a day
-- old. With no later import they stayed for good. jobs_prune now expires
-- them each hour under the same rule: an import not finished within a day
-- (FinishTenantImport answers such an import "begin again").
--
-- liaison_tenant_import_expire() runs as the owner: the server's role has
-- no right on the staging tables, which only the import functions (also
-- the owner's) touch. Replaces liaison_jobs_prune (0123), whole but for
-- that call; the row of job_kinds naming it and its pending job stay.

CREATE OR REPLACE FUNCTION liaison_tenant_import_expire() RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    DELETE FROM public.tenant_imports WHERE created_at < now() - interval '1 day';
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

REVOKE ALL ON FUNCTION liaison_tenant_import_expire() FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_tenant_import_expire() TO liaison_app;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION liaison_jobs_prune(p_payload jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    keep interval := make_interval(hours => greatest(24, coalesce((p_payload ->> 'retention_hours')::int, 168)));
BEGIN
    DELETE FROM public.jobs WHERE done_at < liaison_now() - keep;
    DELETE FROM public.job_runs WHERE started_at < now() - keep;
    -- By the wall clock, as the throttle counts and locks by it.
    DELETE FROM public.login_throttle
     WHERE window_start < now() - interval '1 day'
       AND (locked_until IS NULL OR locked_until < now());
    -- By the wall clock too, as imports are begun and expired by it.
    PERFORM liaison_tenant_import_expire();
    PERFORM liaison_schedule('jobs_prune', '', liaison_now() + interval '1 hour', p_payload);
END $$;
