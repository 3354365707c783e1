-- Live events (issue 18): what a subscriber is told as it happens. The
-- source tables' triggers (owned by the migration role) write one row per
-- event and pg_notify('liaison_events', '<tenant>:<event id>') -- ids only:
-- every liaisond that hears it re-reads the events table in each
-- subscriber's own credentialed transaction, so row-level security, the
-- wall and the read below decide what each one gets. NOTIFY is sent at
-- commit, so nothing rolled back is ever announced. Events are kept 24
-- hours (the events_prune job, per tenant); event_prunes remembers up to
-- which id a tenant's were removed, so that a resume from before it is
-- refused rather than silently missing events.
CREATE TABLE IF NOT EXISTS events (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    kind text NOT NULL CHECK (kind IN ('action_item_assigned', 'report_submitted',
                                       'escalation_raised', 'charter_activated', 'deal_flagged')),
    subject_id bigint NOT NULL,
    distributor_id bigint,
    -- The one user an event is for (an action item's assignee); NULL: all
    -- who see its distributor's side.
    user_id bigint,
    at timestamptz NOT NULL,
    -- The writing transaction: a reader delivers an event only once every
    -- transaction that might still commit a smaller id has ended, so that
    -- "after id N" never skips one committed late.
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS events_at ON events (tenant_id, at);

-- One row per tenant; an id like every tenant table's (ExportTenant pages by it).
CREATE TABLE IF NOT EXISTS event_prunes (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    through_id bigint NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['events', 'event_prunes'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I'
                       ' USING (tenant_id = (SELECT liaison_tenant()))'
                       ' WITH CHECK (tenant_id = (SELECT liaison_tenant()))', t);
    END LOOP;
    -- The owner's triggers write events for the row's tenant, whatever
    -- session made the row (a superuser's psql has no tenant context), and
    -- read back the id (RETURNING); its functions name the tenant themselves.
    DROP POLICY IF EXISTS owner_maintains ON events;
    CREATE POLICY owner_maintains ON events TO CURRENT_USER USING (true) WITH CHECK (true);
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        RETURN;
    END IF;
    -- A distributor user's events: only its own distributor's (the wall, 0026).
    DROP POLICY IF EXISTS distributor_scope ON events;
    CREATE POLICY distributor_scope ON events AS RESTRICTIVE TO liaison_app
        USING ((SELECT liaison_distributor_scope()) IN (0, distributor_id));
    -- Read only: rows come from the owner's triggers and the prune job.
    GRANT SELECT ON events, event_prunes TO liaison_app;
END $$;

-- Records one event of the row's tenant and announces it at commit. Runs
-- as the owner (a trigger of the owner's tables): liaisond's role cannot
-- write events itself.
CREATE OR REPLACE FUNCTION liaison_event_emit(p_tenant bigint, p_kind text, p_subject bigint,
                                              p_distributor bigint, p_user bigint)
RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    eid bigint;
BEGIN
    -- A tenant import (0040) writes the exported events themselves: the rows
    -- it inserts are history, not news. A caller that forges the setting
    -- only silences its own transaction's events in its own tenant.
    IF current_setting('liaison.importing', true) = p_tenant::text THEN
        RETURN;
    END IF;
    INSERT INTO public.events (tenant_id, kind, subject_id, distributor_id, user_id, at)
    VALUES (p_tenant, p_kind, p_subject, p_distributor, p_user, public.liaison_now())
    RETURNING id INTO eid;
    PERFORM pg_notify('liaison_events', p_tenant || ':' || eid);
    -- One pending prune per tenant; it reschedules itself while events remain.
    INSERT INTO public.jobs (for_tenant, kind, key, run_at)
    VALUES (p_tenant, 'events_prune', '', public.liaison_now() + interval '24 hours')
    ON CONFLICT ((coalesce(for_tenant, 0)), kind, key) WHERE done_at IS NULL DO NOTHING;
END $$;
REVOKE ALL ON FUNCTION liaison_event_emit(bigint, text, bigint, bigint, bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION liaison_events_on_action_item() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NEW.owner_user_id IS NOT NULL AND NEW.status = 'open'
       AND (TG_OP = 'INSERT' OR OLD.owner_user_id IS DISTINCT FROM NEW.owner_user_id) THEN
        PERFORM public.liaison_event_emit(NEW.tenant_id, 'action_item_assigned', NEW.id,
                                          NEW.distributor_id, NEW.owner_user_id);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION liaison_events_on_report() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NEW.status = 'submitted' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'submitted') THEN
        PERFORM public.liaison_event_emit(NEW.tenant_id, 'report_submitted', NEW.id,
                                          NEW.distributor_id, NULL);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION liaison_events_on_escalation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.liaison_event_emit(NEW.tenant_id, 'escalation_raised', NEW.id,
                                      NEW.distributor_id, NULL);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION liaison_events_on_charter() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NEW.status = 'active' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'active') THEN
        PERFORM public.liaison_event_emit(NEW.tenant_id, 'charter_activated', NEW.id,
                                          NEW.distributor_id, NULL);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION liaison_events_on_lead() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NEW.registration = 'flagged'
       AND (TG_OP = 'INSERT' OR OLD.registration IS DISTINCT FROM 'flagged') THEN
        PERFORM public.liaison_event_emit(NEW.tenant_id, 'deal_flagged', NEW.id,
                                          NEW.distributor_id, NULL);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS events_emit ON action_items;
CREATE TRIGGER events_emit AFTER INSERT OR UPDATE OF owner_user_id ON action_items
    FOR EACH ROW EXECUTE FUNCTION liaison_events_on_action_item();
DROP TRIGGER IF EXISTS events_emit ON monthly_reports;
CREATE TRIGGER events_emit AFTER INSERT OR UPDATE OF status ON monthly_reports
    FOR EACH ROW EXECUTE FUNCTION liaison_events_on_report();
DROP TRIGGER IF EXISTS events_emit ON escalation_requests;
CREATE TRIGGER events_emit AFTER INSERT ON escalation_requests
    FOR EACH ROW EXECUTE FUNCTION liaison_events_on_escalation();
DROP TRIGGER IF EXISTS events_emit ON charters;
CREATE TRIGGER events_emit AFTER INSERT OR UPDATE OF status ON charters
    FOR EACH ROW EXECUTE FUNCTION liaison_events_on_charter();
DROP TRIGGER IF EXISTS events_emit ON leads;
CREATE TRIGGER events_emit AFTER INSERT OR UPDATE OF registration ON leads
    FOR EACH ROW EXECUTE FUNCTION liaison_events_on_lead();

-- What a subscriber reads after event p_after: the next p_limit events of
-- its tenant that row-level security and the wall let it see, oldest
-- first, each with whether it may be delivered yet (see events.xid) and
-- whether it is for this caller (an action item only for its assignee,
-- the rest for whoever sees the distributor's side). The costly check runs
-- on the page only; the caller moves past the rows that are not for it.
-- p_kinds: a comma-separated list, '' for every kind. A resume from
-- before what the tenant still keeps is FAILED_PRECONDITION. p_after -1
-- (from now on): one row, kind '', whose id is where to start.
CREATE OR REPLACE FUNCTION liaison_events_after(p_after bigint, p_kinds text, p_limit integer)
RETURNS TABLE (id bigint, kind text, subject_id bigint, distributor_id bigint, at text,
               ready boolean, mine boolean)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    pruned bigint;
BEGIN
    IF p_after < 0 THEN
        RETURN QUERY SELECT coalesce(max(e.id), 0), ''::text, 0::bigint, 0::bigint, ''::text,
                            true, false
                       FROM events e WHERE e.tenant_id = liaison_tenant();
        RETURN;
    END IF;
    SELECT p.through_id INTO pruned FROM event_prunes p WHERE p.tenant_id = liaison_tenant();
    PERFORM liaison_precondition(p_after = 0 OR pruned IS NULL OR p_after >= pruned, format(
        'events up to id %s are no longer kept (24 hours): subscribe again without after',
        pruned));
    RETURN QUERY
    WITH page AS (
        SELECT e.* FROM events e
         WHERE e.tenant_id = liaison_tenant() AND e.id > p_after
         ORDER BY e.id LIMIT p_limit)
    SELECT e.id, e.kind, e.subject_id, coalesce(e.distributor_id, 0),
           to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           e.xid < pg_snapshot_xmin(pg_current_snapshot()),
           (p_kinds = '' OR e.kind = ANY (string_to_array(p_kinds, ',')))
           AND (CASE WHEN e.user_id IS NOT NULL
                     THEN e.user_id = nullif(current_setting('liaison.user_id', true), '')::bigint
                     ELSE liaison_sees_side(e.distributor_id) END)
      FROM page e
     ORDER BY e.id;
END $$;

-- The job: forgets the tenant's events older than 24 hours, remembers up
-- to which id, and comes back when the oldest remaining one is due.
CREATE OR REPLACE FUNCTION liaison_events_prune(p_payload jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    gone bigint;
    oldest timestamptz;
BEGIN
    WITH d AS (DELETE FROM public.events e
                WHERE e.tenant_id = public.liaison_tenant()
                  AND e.at <= public.liaison_now() - interval '24 hours' RETURNING e.id)
    SELECT max(d.id) INTO gone FROM d;
    IF gone IS NOT NULL THEN
        INSERT INTO public.event_prunes (tenant_id, through_id)
        VALUES (public.liaison_tenant(), gone)
        ON CONFLICT (tenant_id) DO UPDATE
            SET through_id = greatest(event_prunes.through_id, EXCLUDED.through_id);
    END IF;
    SELECT min(e.at) INTO oldest FROM public.events e WHERE e.tenant_id = public.liaison_tenant();
    IF oldest IS NOT NULL THEN
        PERFORM public.liaison_schedule('events_prune', '', oldest + interval '24 hours', p_payload);
    END IF;
END $$;
REVOKE ALL ON FUNCTION liaison_events_prune(jsonb) FROM PUBLIC;

INSERT INTO job_kinds (kind, fn) VALUES ('events_prune', 'liaison_events_prune')
    ON CONFLICT (kind) DO UPDATE SET fn = EXCLUDED.fn;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_events_after(bigint, text, integer) TO liaison_app;
    END IF;
END $$;
