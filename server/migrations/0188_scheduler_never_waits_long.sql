-- A deadlock between the scheduler and a user (found when the suite ran
-- side by side): the scheduler takes a job's row, marks it done, then its
-- function waits for the row it works on, say an escalation request; a
-- request that showed the escalation holds that row and, rescheduling the
-- step (liaison_schedule), waits for the job's row. PostgreSQL broke the
-- cycle after deadlock_timeout by aborting one of them, at times the
-- user's. A job's function now waits at most half a second for a lock,
-- well inside deadlock_timeout (1 s by default): the scheduler gives way,
-- the user's request goes on, and the job is due again a few seconds on
-- without the lost wait counting as one of its attempts (each such run is
-- in job_runs, its error beginning "busy:"). And jobs are taken one at a
-- time: the loop over a query locked them ten ahead as it fetched them,
-- so a request rescheduling a job not yet run waited for the whole batch,
-- long enough for its own deadlock check to come first. A job already run
-- stays locked until the batch commits, so a request that reschedules it
-- and holds what a later job of the batch needs can still meet that job;
-- it waits at most half a second, and PostgreSQL ends the rarer cycle.
--
-- Replaces liaison_run_due_jobs (0026) whole but for that.

CREATE OR REPLACE FUNCTION liaison_run_due_jobs(p_limit integer, p_instance text,
                                                p_budget_ms integer)
RETURNS TABLE (taken integer, failed integer, more boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    j public.jobs;
    job_fn regproc;
    started timestamptz;
    batch_started timestamptz := clock_timestamp();
    caller_lock_timeout text := current_setting('lock_timeout');
    -- The batch is the jobs there when it began: one a job schedules at once waits for the next.
    last_id bigint := (SELECT max(id) FROM public.jobs);
    err text;
    busy boolean;
    outcome text;
BEGIN
    taken := 0;
    failed := 0;
    more := false;
    PERFORM set_config('liaison.actor', 'scheduler', true),
            set_config('liaison.source', 'scheduler', true);
    LOOP
        EXIT WHEN taken >= p_limit;
        IF clock_timestamp() - batch_started > make_interval(secs => p_budget_ms / 1000.0) THEN
            more := true;
            EXIT;
        END IF;
        SELECT * INTO j FROM public.jobs
         WHERE done_at IS NULL AND run_at <= public.liaison_now() AND id <= last_id
         ORDER BY run_at LIMIT 1 FOR UPDATE SKIP LOCKED;
        EXIT WHEN NOT FOUND;
        taken := taken + 1;
        started := clock_timestamp();
        -- Done first: the function may schedule its own next run under the same key.
        UPDATE public.jobs SET done_at = public.liaison_now(), attempts = attempts + 1,
                               last_error = NULL
         WHERE id = j.id;
        PERFORM public.liaison_context_set(j.for_tenant, NULL, NULL, NULL, NULL, false);
        PERFORM set_config('liaison.request_id', 'job-' || j.id, true);
        err := NULL;
        busy := false;
        SELECT k.fn INTO job_fn FROM public.job_kinds k WHERE k.kind = j.kind;
        PERFORM set_config('lock_timeout', '500ms', true);
        BEGIN
            IF job_fn IS NULL THEN
                RAISE EXCEPTION 'no function is registered for job kind %', j.kind;
            END IF;
            EXECUTE format('SELECT %s($1)', job_fn) USING j.payload;
        EXCEPTION
            WHEN lock_not_available THEN
                err := left('busy: ' || SQLERRM, 2000);
                busy := true;
            WHEN OTHERS THEN
                err := left(SQLERRM, 2000);
        END;
        PERFORM set_config('lock_timeout', caller_lock_timeout, true);
        PERFORM public.liaison_context_set(NULL, NULL, NULL, NULL, NULL, false);
        PERFORM set_config('liaison.request_id', '', true);
        IF err IS NULL THEN
            outcome := 'done';
        ELSIF busy THEN
            -- A user's request holds what the job needs: not the job's fault.
            outcome := 'retry';
            UPDATE public.jobs
               SET done_at = NULL, last_error = err, attempts = j.attempts,
                   run_at = public.liaison_now() + interval '5 seconds'
             WHERE id = j.id;
        ELSIF j.attempts + 1 >= public.liaison_job_max_attempts() THEN
            outcome := 'failed';
            UPDATE public.jobs SET last_error = err, failed_at = public.liaison_now()
             WHERE id = j.id;
        ELSE
            outcome := 'retry';
            UPDATE public.jobs
               SET done_at = NULL, last_error = err,
                   run_at = public.liaison_now() + public.liaison_job_backoff(j.attempts + 1)
             WHERE id = j.id;
        END IF;
        IF err IS NOT NULL AND NOT busy THEN
            failed := failed + 1;
        END IF;
        INSERT INTO public.job_runs (job_id, for_tenant, kind, instance, attempt, started_at,
                                     finished_at, outcome, error)
        VALUES (j.id, j.for_tenant, j.kind, left(p_instance, 200), j.attempts + 1, started,
                clock_timestamp(), outcome, err);
    END LOOP;
    IF taken >= p_limit THEN
        more := true;
    END IF;
    RETURN NEXT;
END $$;
