-- The durable scheduler's runner (0014 holds its jobs and kinds): every
-- liaisond calls liaison_run_due_jobs() on one loop, a batch per call, and
-- the database does the rest, so that a job's effects and its done mark
-- commit together and a process that dies mid-batch loses its transaction
-- and leaves its jobs to another. Also: the history of runs, the built-in
-- pruning job, and the settable clock's privileges.

-- A job that gave up after the last attempt: done, with its error kept.
-- (A job withdrawn by liaison_unschedule() is done with a reason too, and
-- this tells the two apart.)
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS failed_at timestamptz;
CREATE INDEX IF NOT EXISTS jobs_done ON jobs (done_at) WHERE done_at IS NOT NULL;

-- One row per run that committed: what ran, where, and how it ended
-- (done, retry: failed and due again, failed: gave up). A run whose
-- process died is rolled back with its transaction and leaves no row.
-- started_at and finished_at are the wall clock (clock_timestamp()), for
-- operators timing jobs; which jobs are due is liaison_now()'s business.
CREATE TABLE IF NOT EXISTS job_runs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id bigint NOT NULL,
    for_tenant bigint REFERENCES tenants (id) ON DELETE CASCADE,
    kind text NOT NULL,
    instance text NOT NULL CHECK (length(instance) <= 200),
    attempt integer NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('done', 'retry', 'failed')),
    error text
);
CREATE INDEX IF NOT EXISTS job_runs_job ON job_runs (job_id);
CREATE INDEX IF NOT EXISTS job_runs_started ON job_runs (started_at);

-- How long a failed job waits before its next attempt: 10 s doubled per
-- attempt already made, at most an hour. p_attempts counts this one.
CREATE OR REPLACE FUNCTION liaison_job_backoff(p_attempts integer) RETURNS interval
LANGUAGE sql IMMUTABLE AS $$
    SELECT least(interval '1 hour', interval '10 seconds' * power(2, least(p_attempts - 1, 20)))
$$;

-- Attempts after which a failing job gives up (done, failed_at set).
CREATE OR REPLACE FUNCTION liaison_job_max_attempts() RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT 8 $$;

-- Runs up to p_limit due jobs, oldest run_at first, in the caller's one
-- transaction, for the liaisond instance p_instance; taking no more once
-- p_budget_ms have passed, so that a batch ends well inside the session's
-- statement_timeout. A job is taken with FOR UPDATE SKIP LOCKED (another
-- process's batch never waits for it nor runs it), marked done, and its
-- kind's function is called in a sub-transaction with the job's tenant as
-- liaison_tenant() and 'scheduler' as the actor. When the function raises
-- (or the kind has none), its changes are rolled back and the job is due
-- again after liaison_job_backoff(), or gives up after
-- liaison_job_max_attempts(). No tenant survives from one job to the next.
-- Returns how many jobs were taken, how many failed, and whether the batch
-- stopped short of due jobs (full or out of time), so the caller runs the
-- next batch at once.
CREATE OR REPLACE FUNCTION liaison_run_due_jobs(p_limit integer, p_instance text,
                                                p_budget_ms integer)
RETURNS TABLE (taken integer, failed integer, more boolean)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    j public.jobs;
    job_fn regproc;
    started timestamptz;
    batch_started timestamptz := clock_timestamp();
    err text;
    outcome text;
BEGIN
    taken := 0;
    failed := 0;
    more := false;
    PERFORM set_config('liaison.actor', 'scheduler', true),
            set_config('liaison.source', 'scheduler', true);
    FOR j IN SELECT * FROM public.jobs WHERE done_at IS NULL AND run_at <= liaison_now()
             ORDER BY run_at LIMIT p_limit FOR UPDATE SKIP LOCKED LOOP
        IF clock_timestamp() - batch_started > make_interval(secs => p_budget_ms / 1000.0) THEN
            more := true;
            EXIT;
        END IF;
        taken := taken + 1;
        started := clock_timestamp();
        -- Done first: the function may schedule its own next run under the same key.
        UPDATE public.jobs SET done_at = liaison_now(), attempts = attempts + 1, last_error = NULL
         WHERE id = j.id;
        PERFORM set_config('liaison.tenant_id', coalesce(j.for_tenant::text, ''), true),
                set_config('liaison.request_id', 'job-' || j.id, true);
        err := NULL;
        SELECT k.fn INTO job_fn FROM public.job_kinds k WHERE k.kind = j.kind;
        BEGIN
            IF job_fn IS NULL THEN
                RAISE EXCEPTION 'no function is registered for job kind %', j.kind;
            END IF;
            EXECUTE format('SELECT %s($1)', job_fn) USING j.payload;
        EXCEPTION WHEN OTHERS THEN
            err := left(SQLERRM, 2000);
        END;
        PERFORM set_config('liaison.tenant_id', '', true),
                set_config('liaison.request_id', '', true);
        IF err IS NULL THEN
            outcome := 'done';
        ELSIF j.attempts + 1 >= liaison_job_max_attempts() THEN
            outcome := 'failed';
            UPDATE public.jobs SET last_error = err, failed_at = liaison_now() WHERE id = j.id;
        ELSE
            outcome := 'retry';
            UPDATE public.jobs
               SET done_at = NULL, last_error = err,
                   run_at = liaison_now() + liaison_job_backoff(j.attempts + 1)
             WHERE id = j.id;
        END IF;
        IF err IS NOT NULL THEN
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

-- The built-in job kind jobs_prune: deletes done jobs and runs older than
-- p_payload's retention_hours (default a week, never under 24 hours, so
-- that what others keep in jobs to recognise a repeat, such as idempotency
-- keys, lives at least a day), then schedules itself an hour later. Runs
-- are dated by the wall clock, so their age is too: a clock set forward
-- for a test does not wipe the history.
CREATE OR REPLACE FUNCTION liaison_jobs_prune(p_payload jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    keep interval := make_interval(hours => greatest(24, coalesce((p_payload ->> 'retention_hours')::int, 168)));
BEGIN
    DELETE FROM public.jobs WHERE done_at < liaison_now() - keep;
    DELETE FROM public.job_runs WHERE started_at < now() - keep;
    PERFORM liaison_schedule('jobs_prune', '', liaison_now() + interval '1 hour', p_payload);
END $$;

INSERT INTO job_kinds (kind, fn) VALUES ('jobs_prune', 'liaison_jobs_prune')
    ON CONFLICT (kind) DO UPDATE SET fn = EXCLUDED.fn;
-- The first prune; later ones schedule themselves (the pending key keeps one).
INSERT INTO jobs (kind, key, run_at) VALUES ('jobs_prune', '', liaison_now() + interval '1 hour')
    ON CONFLICT DO NOTHING;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT SELECT, INSERT, DELETE ON job_runs TO liaison_app;
        -- SetClock, reached only on a server started with --test-clock.
        GRANT INSERT, UPDATE, DELETE ON liaison_clock TO liaison_app;
        GRANT EXECUTE ON FUNCTION liaison_job_backoff(integer), liaison_job_max_attempts(),
            liaison_run_due_jobs(integer, text, integer), liaison_jobs_prune(jsonb)
            TO liaison_app;
    END IF;
END $$;
