-- Failed log-ins are forgotten once they no longer count (found in a
-- review): login_throttle keeps a row per account and per source address
-- that ever failed, and no job removed them, so guesses at made-up
-- e-mails, and at made-up tenants (counted too since a try-out:
-- rpc_auth.c), grew the table without bound. A row whose window began over a day ago and whose lock,
-- if any, has ended counts for nothing (login_window_s and
-- login_lockout_s are at most a day: the next failure starts a new
-- window), and jobs_prune now deletes such rows each hour.
--
-- Replaces liaison_jobs_prune (0015), whole but for that DELETE; the row
-- of job_kinds naming it and its pending job stay.

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
    PERFORM liaison_schedule('jobs_prune', '', liaison_now() + interval '1 hour', p_payload);
END $$;
