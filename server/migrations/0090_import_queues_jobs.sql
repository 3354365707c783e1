-- A tenant imported (0040) came back without its jobs. Jobs are no
-- tenant's rows, so the export leaves them out, and nothing queued them
-- again: an imported charter with an end never expired, an open action
-- item was never recorded overdue, a held meeting's missing notes were
-- never flagged, and an open escalation request stepped up the ladder only
-- when someone happened to read it. FinishTenantImport now calls this, in
-- its transaction, once the rows are in: each row that waits for a job
-- gets it, at the instant the job's own function would have chosen. Each
-- job looks at its row again when it runs, so one queued for a row that
-- needs nothing does nothing.

-- Returns the number of jobs queued. The tenant is the one the import
-- bound (liaison_operator_bind); operators only.
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
    RETURN n + k;
END $$;
REVOKE ALL ON FUNCTION liaison_tenant_import_jobs() FROM PUBLIC;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_tenant_import_jobs() TO liaison_app;
    END IF;
END $$;
