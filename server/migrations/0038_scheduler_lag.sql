-- How late the scheduler is, for the metrics (liaison_scheduler_lag_seconds):
-- the age of the oldest job that is due and not done, 0 when none is. The
-- owner's, so liaisond's role needs no read on the job table for it; it
-- names no tenant and no job.
CREATE OR REPLACE FUNCTION liaison_scheduler_lag_ms() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT coalesce((extract(epoch FROM public.liaison_now() - min(j.run_at)) * 1000)::bigint, 0)
      FROM public.jobs j
     WHERE j.done_at IS NULL AND j.run_at <= public.liaison_now()
$$;
REVOKE ALL ON FUNCTION liaison_scheduler_lag_ms() FROM PUBLIC;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_scheduler_lag_ms() TO liaison_app;
    END IF;
END $$;
