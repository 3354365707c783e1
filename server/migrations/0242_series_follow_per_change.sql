-- Mends of 0238, 0240 and 0241 from a review:
--
-- * 0241 queued one series_follow job per distributor, its pending row
--   written by every change: a lock by another name, taken partway through
--   each change, after rows the other side needed. A new account manager
--   (the job row, then the series, by the triggers' name order) and a
--   contact's change (the series, then the job row) could deadlock, and so
--   could planning and a contact marked as left (0236's cycle again); a
--   change also waited for the scheduler's batch that held the row. Each
--   change now queues a job of its own (keyed by its transaction, as 0034
--   queues health_recompute), and a job leaves the work to a later one of
--   the same distributor already due, which sees every change it would.
-- * An import queued series_contact_left only while the contact's last day
--   was still running: an export made that day and imported on a later one
--   left the series naming them. It is now queued for any contact who left
--   and is still named by a series following the plan's people, at the end
--   of their day or at once. Those who left today before 0238 was applied
--   had no job either, and are given one here.
-- * A BeginTenantImport committed between a step's check (0240) and the
--   step itself still left the step "no such import": the check now holds
--   the import's row, so a replacing Begin waits for the step to end.
--
-- Replaces liaison_series_follow_later, liaison_job_series_follow (0241),
-- liaison_tenant_import_jobs (0238) and liaison_tenant_import_open (0240)
-- whole.

-- As in 0241, one job for each change.
CREATE OR REPLACE FUNCTION liaison_series_follow_later() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    distributor bigint;
BEGIN
    IF liaison_series_by_operator() THEN
        RETURN NULL;
    END IF;
    -- Statements of their own: a field the row's table lacks may not even be named.
    IF TG_TABLE_NAME = 'distributors' THEN
        distributor := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        distributor := OLD.distributor_id;
    ELSE
        distributor := NEW.distributor_id;
    END IF;
    PERFORM liaison_schedule('series_follow', 'd' || distributor || '/' || txid_current(),
                             liaison_now(), jsonb_build_object('distributor_id', distributor));
    RETURN NULL;
END $$;

-- As in 0241, but for a later job of the same distributor already due:
-- that one runs after this one and sees every change this one would.
CREATE OR REPLACE FUNCTION liaison_job_series_follow(p_payload jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    me bigint := nullif(substr(current_setting('liaison.request_id', true), 5), '')::bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM public.jobs j
                WHERE coalesce(j.for_tenant, 0) = liaison_tenant() AND j.kind = 'series_follow'
                  AND j.done_at IS NULL AND j.run_at <= liaison_now() AND j.id > me
                  AND j.payload ->> 'distributor_id' = p_payload ->> 'distributor_id') THEN
        RETURN;
    END IF;
    PERFORM liaison_series_follow_defaults((p_payload ->> 'distributor_id')::bigint);
END $$;

-- As in 0238, a contact who left and is still named by a series that
-- follows the plan's people queued whatever the day.
CREATE OR REPLACE FUNCTION liaison_tenant_import_jobs() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n bigint := 0;
    k bigint;
BEGIN
    PERFORM liaison_precondition(liaison_is_operator(), 'operators only');
    SELECT count(liaison_schedule('notes_due', m.id::text, m.ends_at + interval '24 hours',
                                  jsonb_build_object('meeting_id', m.id)))
      INTO k FROM meetings m
     WHERE m.tenant_id = liaison_tenant() AND m.status = 'held' AND m.notes_flagged_at IS NULL;
    n := n + k;
    SELECT count(liaison_schedule('action_overdue', a.id::text, a.due_at,
                                  jsonb_build_object('action_item_id', a.id)))
      INTO k FROM action_items a
     WHERE a.tenant_id = liaison_tenant() AND a.status = 'open' AND a.overdue_flagged_at IS NULL;
    n := n + k;
    SELECT count(liaison_schedule('escalation_step', 'escalation:' || e.id, e.expected_by,
                                  jsonb_build_object('request_id', e.id)))
      INTO k FROM escalation_requests e
     WHERE e.tenant_id = liaison_tenant() AND e.status = 'open' AND e.expected_by IS NOT NULL;
    n := n + k;
    SELECT count(liaison_schedule('charter_expiry', c.id::text, x.ends_at,
                                  jsonb_build_object('charter_id', c.id)))
      INTO k FROM charters c CROSS JOIN LATERAL (SELECT liaison_charter_ends_at(c.id) AS ends_at) x
     WHERE c.tenant_id = liaison_tenant() AND c.status = 'active' AND x.ends_at IS NOT NULL;
    n := n + k;
    SELECT count(liaison_schedule('series_contact_left', c.id::text,
                                  greatest(liaison_contact_left_over_at(c.id), liaison_now()),
                                  jsonb_build_object('contact_id', c.id)))
      INTO k FROM contacts c
     WHERE c.tenant_id = liaison_tenant() AND c.left_on IS NOT NULL AND c.email <> ''
       AND EXISTS (SELECT 1 FROM meeting_series s
                    WHERE s.tenant_id = c.tenant_id AND s.distributor_id = c.distributor_id
                      AND s.status <> 'ended' AND NOT s.attendees_by_hand
                      AND EXISTS (SELECT 1 FROM unnest(s.attendees) w (who)
                                   WHERE lower(w.who) = lower(c.email)));
    RETURN n + k;
END $$;

-- As in 0240, the import's row held until the step's transaction ends.
CREATE OR REPLACE FUNCTION liaison_tenant_import_open(p_import bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    e public.tenant_import_ends;
BEGIN
    PERFORM public.liaison_precondition(public.liaison_is_operator(), 'operators only');
    PERFORM 1 FROM public.tenant_imports i WHERE i.id = p_import FOR KEY SHARE;
    SELECT * INTO e FROM public.tenant_import_ends WHERE import_id = p_import;
    PERFORM public.liaison_found(e.import_id IS NULL, format(
        'import %s into %s was replaced by another import into %s, begun at %s by %s: a slug '
        'takes one import at a time, the latest; this one can no longer go on',
        e.import_id, e.slug, e.slug,
        to_char(e.replaced_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'), e.replaced_by));
    RETURN true;
END $$;

-- The pending jobs of 0241, one per distributor, run as they are; those who
-- left on their tenant's today before 0238 was applied get their job (every
-- tenant's rows, as the tables' owner with row security set aside, as 0069).
ALTER TABLE contacts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE tenants NO FORCE ROW LEVEL SECURITY;
INSERT INTO jobs (for_tenant, kind, key, payload, run_at)
SELECT c.tenant_id, 'series_contact_left', c.id::text, jsonb_build_object('contact_id', c.id),
       (c.left_on + 1)::timestamp AT TIME ZONE coalesce(nullif(t.time_zone, ''), 'UTC')
  FROM contacts c
  JOIN tenants t ON t.id = c.tenant_id
 WHERE c.left_on IS NOT NULL
   AND (c.left_on + 1)::timestamp AT TIME ZONE coalesce(nullif(t.time_zone, ''), 'UTC')
       > liaison_now()
ON CONFLICT ((coalesce(for_tenant, 0)), kind, key) WHERE done_at IS NULL DO NOTHING;
ALTER TABLE contacts FORCE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
