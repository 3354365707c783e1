-- Meetings, notes and action items as people use them: why a meeting was
-- missed or cancelled, who a free-text attendee or owner is, whether a
-- held meeting's notes came on time, and the two scheduler kinds that
-- record a lapse when it happens (notes_due, action_overdue). Reads never
-- wait for those jobs: they compute lateness from liaison_now(); the flags
-- are the record that the lapse was noticed, with its audit row.

ALTER TABLE meetings
    ADD COLUMN IF NOT EXISTS status_reason text NOT NULL DEFAULT ''
        CHECK (length(status_reason) <= 2000),
    ADD COLUMN IF NOT EXISTS notes_flagged_at timestamptz;
ALTER TABLE action_items
    ADD COLUMN IF NOT EXISTS cancel_reason text NOT NULL DEFAULT ''
        CHECK (length(cancel_reason) <= 2000),
    ADD COLUMN IF NOT EXISTS overdue_flagged_at timestamptz;
CREATE INDEX IF NOT EXISTS action_items_distributor ON action_items (tenant_id, distributor_id);

-- Whether user p_user may take part in distributor p_distributor's
-- meetings and own its action items: any user of the exporter, and that
-- distributor's own portal users, never another distributor's (whose
-- e-mail would then show to this one).
CREATE OR REPLACE FUNCTION liaison_party_user_ok(p_distributor bigint, p_user bigint)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM public.users u
                    WHERE u.tenant_id = liaison_tenant() AND u.id = p_user
                      AND (u.distributor_id IS NULL OR u.distributor_id = p_distributor))
$$;

-- Who p_who names for distributor p_distributor: a user of the tenant by
-- e-mail (liaison_party_user_ok), else a contact of that distributor by
-- e-mail or exact name (case ignored). At most one row; none when it names
-- nobody, or more than one contact.
CREATE OR REPLACE FUNCTION liaison_party_resolve(p_distributor bigint, p_who text)
RETURNS TABLE (user_id bigint, contact_id bigint)
LANGUAGE sql STABLE AS $$
    SELECT u.id, NULL::bigint FROM public.users u
     WHERE u.tenant_id = liaison_tenant() AND lower(u.email) = lower(p_who)
       AND liaison_party_user_ok(p_distributor, u.id)
    UNION ALL
    SELECT NULL::bigint, min(c.id) FROM public.contacts c
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
       AND NOT EXISTS (SELECT 1 FROM public.users u WHERE u.tenant_id = liaison_tenant()
                        AND lower(u.email) = lower(p_who))
       AND (lower(c.email) = lower(p_who) OR lower(c.name) = lower(p_who))
    HAVING count(*) = 1
$$;

-- The notes of a meeting that ended at p_ends_at are due 24 hours later. A
-- held meeting's notes are on_time when the first came at or before the due
-- instant (exactly at it counts as on time), late when after; without one
-- they are pending up to and at the due instant and missing after it, by
-- liaison_now(). '' for a meeting that was not held.
CREATE OR REPLACE FUNCTION liaison_notes_status(p_status text, p_ends_at timestamptz,
                                                p_first_note timestamptz)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN p_status <> 'held' THEN ''
        WHEN p_first_note IS NOT NULL THEN
            CASE WHEN p_first_note <= p_ends_at + interval '24 hours' THEN 'on_time' ELSE 'late' END
        WHEN liaison_now() > p_ends_at + interval '24 hours' THEN 'missing'
        ELSE 'pending' END
$$;

-- Job notes_due, scheduled when a meeting is marked held, at its notes'
-- due instant: records (notes_flagged_at, audited as meeting.notes_overdue)
-- that the held meeting had no note by then. A note made at the due instant
-- is still on time, so a run at that very instant looks again just after.
CREATE OR REPLACE FUNCTION liaison_job_notes_due(p_payload jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_id bigint := (p_payload ->> 'meeting_id')::bigint;
    v_due timestamptz;
BEGIN
    SELECT m.ends_at + interval '24 hours' INTO v_due FROM public.meetings m
     WHERE m.tenant_id = liaison_tenant() AND m.id = v_id AND m.status = 'held'
       AND m.notes_flagged_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM public.meeting_notes n
                        WHERE n.tenant_id = m.tenant_id AND n.meeting_id = m.id
                          AND n.created_at <= m.ends_at + interval '24 hours')
       FOR UPDATE;
    IF v_due IS NULL THEN
        RETURN;
    END IF;
    IF liaison_now() <= v_due THEN
        PERFORM liaison_schedule('notes_due', v_id::text, v_due + interval '1 microsecond',
                                 p_payload);
        RETURN;
    END IF;
    UPDATE public.meetings SET notes_flagged_at = liaison_now()
     WHERE tenant_id = liaison_tenant() AND id = v_id;
    PERFORM liaison_audit('meeting.notes_overdue', 'meeting', v_id::text);
END $$;

-- Job action_overdue, scheduled when an action item is created, at its due
-- instant: records (overdue_flagged_at, audited as action_item.overdue) that
-- it was still open after it. Overdue means strictly after due_at, as on
-- read, so a run at the due instant looks again just after.
CREATE OR REPLACE FUNCTION liaison_job_action_overdue(p_payload jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_id bigint := (p_payload ->> 'action_item_id')::bigint;
    v_due timestamptz;
BEGIN
    SELECT a.due_at INTO v_due FROM public.action_items a
     WHERE a.tenant_id = liaison_tenant() AND a.id = v_id AND a.status = 'open'
       AND a.overdue_flagged_at IS NULL
       FOR UPDATE;
    IF v_due IS NULL THEN
        RETURN;
    END IF;
    IF liaison_now() <= v_due THEN
        PERFORM liaison_schedule('action_overdue', v_id::text, v_due + interval '1 microsecond',
                                 p_payload);
        RETURN;
    END IF;
    UPDATE public.action_items SET overdue_flagged_at = liaison_now()
     WHERE tenant_id = liaison_tenant() AND id = v_id;
    PERFORM liaison_audit('action_item.overdue', 'action_item', v_id::text);
END $$;

INSERT INTO job_kinds (kind, fn) VALUES
    ('notes_due', 'liaison_job_notes_due'::regproc),
    ('action_overdue', 'liaison_job_action_overdue'::regproc)
ON CONFLICT (kind) DO UPDATE SET fn = EXCLUDED.fn;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_party_user_ok(bigint, bigint),
            liaison_party_resolve(bigint, text),
            liaison_notes_status(text, timestamptz, timestamptz),
            liaison_job_notes_due(jsonb), liaison_job_action_overdue(jsonb) TO liaison_app;
    END IF;
END $$;
