-- A terminated distributor keeps no calendar: its series end and its
-- meetings still to come are cancelled (SEQUENCE + 1, so subscribed
-- calendars drop them) in the transaction that terminates it, whichever
-- statement does, each audited. Meetings already held or missed stay as
-- the history they are.

CREATE OR REPLACE FUNCTION liaison_distributor_terminated() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    now_at timestamptz := liaison_now();
BEGIN
    PERFORM liaison_audit('meeting_series.end', 'meeting_series', ms.id::text)
       FROM meeting_series ms
      WHERE ms.tenant_id = NEW.tenant_id AND ms.distributor_id = NEW.id
        AND ms.status <> 'ended';
    UPDATE meeting_series ms
       SET status = 'ended',
           ends_on = greatest(ms.starts_on,
                              least(coalesce(ms.ends_on, 'infinity'), now_at::date)),
           updated_at = now()
     WHERE ms.tenant_id = NEW.tenant_id AND ms.distributor_id = NEW.id
       AND ms.status <> 'ended';
    PERFORM liaison_audit('meeting.cancelled', 'meeting', m.id::text)
       FROM meetings m
      WHERE m.tenant_id = NEW.tenant_id AND m.distributor_id = NEW.id
        AND m.status = 'scheduled' AND m.starts_at >= now_at;
    UPDATE meetings m
       SET status = 'cancelled', status_reason = 'the distributor was terminated',
           paused_by_series = false, sequence = m.sequence + 1, status_changed_at = now_at,
           updated_at = now()
     WHERE m.tenant_id = NEW.tenant_id AND m.distributor_id = NEW.id
       AND m.status = 'scheduled' AND m.starts_at >= now_at;
    UPDATE meetings m SET paused_by_series = false
     WHERE m.tenant_id = NEW.tenant_id AND m.distributor_id = NEW.id AND m.paused_by_series;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS distributors_terminated ON distributors;
CREATE TRIGGER distributors_terminated AFTER UPDATE OF status ON distributors
    FOR EACH ROW WHEN (NEW.status = 'terminated' AND OLD.status IS DISTINCT FROM 'terminated')
    EXECUTE FUNCTION liaison_distributor_terminated();
