-- The communication cadence's data: both sides' working time, meeting
-- series and their occurrences, attendees, notes, action items, the one
-- clock everything time-driven reads, and the scheduler's jobs. The rules
-- that use them (plan generation, rotation, compliance, escalation, the
-- job runner) come in the migrations after this one.

-- The exporter side's working time: the tenant's, unless the account
-- manager has their own (an empty time zone and NULL hours mean "the
-- tenant's").
ALTER TABLE tenants
    ADD COLUMN IF NOT EXISTS time_zone text NOT NULL DEFAULT 'UTC',
    ADD COLUMN IF NOT EXISTS business_hours_start time NOT NULL DEFAULT '09:00',
    ADD COLUMN IF NOT EXISTS business_hours_end time NOT NULL DEFAULT '17:00',
    ADD COLUMN IF NOT EXISTS work_days smallint[] NOT NULL DEFAULT '{1,2,3,4,5}';
ALTER TABLE users
    ADD COLUMN IF NOT EXISTS time_zone text NOT NULL DEFAULT '' CHECK (length(time_zone) <= 64),
    ADD COLUMN IF NOT EXISTS business_hours_start time,
    ADD COLUMN IF NOT EXISTS business_hours_end time,
    ADD COLUMN IF NOT EXISTS work_days smallint[];

-- When a distributor's onboarding began (its first charter's activation):
-- the 90-day onboarding period counts from here.
ALTER TABLE distributors ADD COLUMN IF NOT EXISTS onboarding_started_at timestamptz;

-- A tenant's own defaults for a kind of meeting; a kind without a row uses
-- the built-in default (liaison_cadence_kind(), next migration).
CREATE TABLE IF NOT EXISTS cadence_defaults (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    kind text NOT NULL CHECK (kind IN ('onboarding', 'weekly', 'monthly', 'quarterly', 'annual')),
    duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
    agenda text[] NOT NULL DEFAULT '{}' CHECK (cardinality(agenda) <= 32),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, kind)
);

-- A recurring meeting of one distributor. Occurrences are rows of
-- meetings numbered by occurrence_no, so regenerating a series finds the
-- occurrences it made before instead of making them again.
CREATE TABLE IF NOT EXISTS meeting_series (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    distributor_id bigint NOT NULL,
    kind text NOT NULL CHECK (kind IN ('onboarding', 'weekly', 'monthly', 'quarterly', 'annual')),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    agenda text[] NOT NULL DEFAULT '{}' CHECK (cardinality(agenda) <= 32),
    duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
    starts_on date NOT NULL,
    ends_on date,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'ended')),
    charter_id bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, charter_id) REFERENCES charters (tenant_id, id),
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);

-- One meeting. sequence is iCalendar's SEQUENCE: bumped on every change a
-- calendar must see (time, status, title). The outside-hours minutes of
-- each side are fixed when the time is placed, from the tz database, so
-- the fairness report sums them.
CREATE TABLE IF NOT EXISTS meetings (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    distributor_id bigint NOT NULL,
    series_id bigint,
    occurrence_no integer CHECK (occurrence_no >= 1),
    kind text NOT NULL
        CHECK (kind IN ('onboarding', 'weekly', 'monthly', 'quarterly', 'annual', 'ad_hoc')),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    agenda text[] NOT NULL DEFAULT '{}' CHECK (cardinality(agenda) <= 32),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'held', 'missed', 'cancelled')),
    sequence integer NOT NULL DEFAULT 0 CHECK (sequence >= 0),
    exporter_outside_minutes integer NOT NULL DEFAULT 0 CHECK (exporter_outside_minutes >= 0),
    distributor_outside_minutes integer NOT NULL DEFAULT 0
        CHECK (distributor_outside_minutes >= 0),
    status_changed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, series_id) REFERENCES meeting_series (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, series_id, occurrence_no),
    CHECK (ends_at > starts_at AND ends_at <= starts_at + interval '1 day'),
    CHECK ((series_id IS NULL) = (occurrence_no IS NULL))
);
CREATE INDEX IF NOT EXISTS meetings_distributor_starts
    ON meetings (tenant_id, distributor_id, starts_at);

-- Who is expected at a meeting: a user of the tenant or a contact of the
-- distributor; attended is NULL until someone marks it.
CREATE TABLE IF NOT EXISTS meeting_attendees (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    meeting_id bigint NOT NULL,
    user_id bigint,
    contact_id bigint,
    attended boolean,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, meeting_id) REFERENCES meetings (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE,
    CHECK ((user_id IS NULL) <> (contact_id IS NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS meeting_attendees_user
    ON meeting_attendees (tenant_id, meeting_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS meeting_attendees_contact
    ON meeting_attendees (tenant_id, meeting_id, contact_id) WHERE contact_id IS NOT NULL;

-- Notes of a held meeting, due 24 hours after it ends; the first note's
-- created_at decides on time or late.
CREATE TABLE IF NOT EXISTS meeting_notes (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    meeting_id bigint NOT NULL,
    author_id bigint NOT NULL,
    language text NOT NULL DEFAULT '' CHECK (length(language) <= 35),
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 100000),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, meeting_id) REFERENCES meetings (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, author_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS meeting_notes_meeting ON meeting_notes (tenant_id, meeting_id);

-- An action item: from a meeting or alone, one owner (a user or a
-- contact), due at an instant.
CREATE TABLE IF NOT EXISTS action_items (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    distributor_id bigint NOT NULL,
    meeting_id bigint,
    description text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    owner_user_id bigint,
    owner_contact_id bigint,
    due_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    done_at timestamptz,
    done_by bigint,
    created_by bigint,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, meeting_id) REFERENCES meetings (tenant_id, id) ON DELETE SET NULL (meeting_id),
    FOREIGN KEY (tenant_id, owner_user_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_contact_id) REFERENCES contacts (tenant_id, id),
    CHECK ((owner_user_id IS NULL) <> (owner_contact_id IS NULL)),
    CHECK ((status = 'done') = (done_at IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS action_items_open_due
    ON action_items (tenant_id, due_at) WHERE status = 'open';

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['cadence_defaults', 'meeting_series', 'meetings', 'meeting_attendees',
                             'meeting_notes', 'action_items'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = liaison_tenant())'
                       ' WITH CHECK (tenant_id = liaison_tenant())', t);
    END LOOP;
END $$;

-- The one clock. Everything time-driven (due notes, overdue actions,
-- escalation steps, due jobs) asks liaison_now(), never now(): a server
-- started with a settable clock (tests) fixes or shifts it for every
-- process that shares the database, so overdue logic is tested at exact
-- instants. Without a row the clock is the transaction's now().
CREATE TABLE IF NOT EXISTS liaison_clock (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    fixed_at timestamptz,
    shift interval NOT NULL DEFAULT '0'
);

CREATE OR REPLACE FUNCTION liaison_now() RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT coalesce(c.fixed_at, now() + c.shift) FROM public.liaison_clock c),
                    now())
$$;

-- Durable jobs shared by every liaisond on the database: a due job is
-- taken with FOR UPDATE SKIP LOCKED inside the transaction that runs it,
-- so it runs once, and a process that dies mid-job leaves it to another.
-- Not tenant data (no row-level security, and so no tenant_id column: the
-- tenant a job works for is for_tenant); liaisond reaches it only through
-- the scheduler's statements. (kind, key) names a job once while it is
-- pending, so scheduling the same thing twice does not run it twice.
CREATE TABLE IF NOT EXISTS jobs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    for_tenant bigint REFERENCES tenants (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
    key text NOT NULL DEFAULT '' CHECK (length(key) <= 200),
    payload jsonb NOT NULL DEFAULT '{}',
    run_at timestamptz NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    done_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (run_at) WHERE done_at IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS jobs_pending_key
    ON jobs ((coalesce(for_tenant, 0)), kind, key) WHERE done_at IS NULL;

-- What each kind of job runs: a function fn(p_payload jsonb) RETURNS void,
-- called by the scheduler inside the transaction that takes the job, with
-- the job's tenant as liaison_tenant() and 'scheduler' as the actor, so its
-- changes are tenant-scoped and audited like a request's. A migration that
-- adds a kind registers it here (INSERT ... ON CONFLICT (kind) DO UPDATE).
-- The job is marked done before fn runs, so fn may schedule its own next
-- run under the same key.
CREATE TABLE IF NOT EXISTS job_kinds (
    kind text PRIMARY KEY CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
    fn regproc NOT NULL
);

-- Schedules (or moves) the pending job (kind, key) of the caller's tenant
-- to run at p_run_at. Returns the job's id.
CREATE OR REPLACE FUNCTION liaison_schedule(p_kind text, p_key text, p_run_at timestamptz,
                                            p_payload jsonb) RETURNS bigint
LANGUAGE sql VOLATILE AS $$
    INSERT INTO public.jobs (for_tenant, kind, key, payload, run_at)
    VALUES (liaison_tenant(), p_kind, p_key, coalesce(p_payload, '{}'), p_run_at)
    ON CONFLICT ((coalesce(for_tenant, 0)), kind, key) WHERE done_at IS NULL
    DO UPDATE SET run_at = EXCLUDED.run_at, payload = EXCLUDED.payload
    RETURNING id
$$;

-- Withdraws the caller's tenant's pending job (kind, key), if there is one:
-- it is kept, done, with the reason. Returns whether there was one.
CREATE OR REPLACE FUNCTION liaison_unschedule(p_kind text, p_key text, p_reason text)
RETURNS boolean
LANGUAGE sql VOLATILE AS $$
    WITH u AS (UPDATE public.jobs SET done_at = liaison_now(), last_error = p_reason
                WHERE coalesce(for_tenant, 0) = coalesce(liaison_tenant(), 0) AND kind = p_kind
                  AND key = p_key AND done_at IS NULL RETURNING 1)
    SELECT count(*) > 0 FROM u
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON cadence_defaults, meeting_series, meetings,
            meeting_attendees, meeting_notes, action_items, jobs TO liaison_app;
        GRANT SELECT ON liaison_clock, job_kinds TO liaison_app;
        GRANT EXECUTE ON FUNCTION liaison_now(), liaison_schedule(text, text, timestamptz, jsonb),
            liaison_unschedule(text, text, text) TO liaison_app;
    END IF;
END $$;
