-- A contact a series names who then leaves (0135) stayed in every one of
-- the series' meetings to come, and each calendar invitation went on
-- naming them, though 0140 leaves a contact who left out of the meetings
-- after that day. Now marking a contact as left takes them out of the
-- series' scheduled meetings that begin after the day they left (in the
-- tenant's time zone, as 0138 judges it), and rejoining, or a later day,
-- puts them back where the series names them; each meeting changed is
-- re-sent to calendars (sequence + 1). Only what a series added moves: an
-- invitation to one meeting by hand is the user's to undo, and is listed
-- by SetContactLeft's answer as before.

CREATE OR REPLACE FUNCTION liaison_series_contact_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    zone text := coalesce((SELECT nullif(t.time_zone, '') FROM public.tenants t
                            WHERE t.id = NEW.tenant_id), 'UTC');
BEGIN
    -- An import (an operator's) brings the attendees as they were.
    IF liaison_tenant() IS NULL
       OR (current_setting('liaison.operator', true) = 'on' AND liaison_is_operator()) THEN
        RETURN NULL;
    END IF;
    WITH gone AS (
        DELETE FROM public.meeting_attendees a USING public.meetings m
         WHERE a.tenant_id = NEW.tenant_id AND a.contact_id = NEW.id AND a.from_series
           AND m.tenant_id = a.tenant_id AND m.id = a.meeting_id AND m.status = 'scheduled'
           AND m.starts_at >= liaison_now() AND NEW.left_on IS NOT NULL
           AND (m.starts_at AT TIME ZONE zone)::date > NEW.left_on
        RETURNING a.meeting_id),
    came AS (
        INSERT INTO public.meeting_attendees (tenant_id, meeting_id, contact_id, from_series)
        SELECT NEW.tenant_id, m.id, NEW.id, true
          FROM public.meetings m
          JOIN public.meeting_series s ON s.tenant_id = m.tenant_id AND s.id = m.series_id
         WHERE m.tenant_id = NEW.tenant_id AND m.distributor_id = NEW.distributor_id
           AND m.status = 'scheduled' AND m.starts_at >= liaison_now()
           AND cardinality(s.attendees) > 0
           AND (NEW.left_on IS NULL OR (m.starts_at AT TIME ZONE zone)::date <= NEW.left_on)
           AND EXISTS (SELECT 1 FROM liaison_series_parties(m.distributor_id, s.attendees,
                                                             m.starts_at) p
                        WHERE p.contact_id = NEW.id)
           AND NOT EXISTS (SELECT 1 FROM public.meeting_attendees x
                            WHERE x.tenant_id = m.tenant_id AND x.meeting_id = m.id
                              AND x.contact_id = NEW.id)
        RETURNING meeting_id)
    UPDATE public.meetings m SET sequence = m.sequence + 1, updated_at = now()
     WHERE m.tenant_id = NEW.tenant_id
       AND m.id IN (SELECT meeting_id FROM gone UNION SELECT meeting_id FROM came);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS contacts_series_attendance ON contacts;
CREATE TRIGGER contacts_series_attendance AFTER UPDATE OF left_on ON contacts
    FOR EACH ROW WHEN (NEW.left_on IS DISTINCT FROM OLD.left_on)
    EXECUTE FUNCTION liaison_series_contact_sync();

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_series_contact_sync() TO liaison_app;
    END IF;
END $$;
