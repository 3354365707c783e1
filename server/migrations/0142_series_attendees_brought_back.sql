-- Found in review of 0140, 0141 and 0139:
--
-- A series' meetings that come back to scheduled (a paused series resumed,
-- an amendment that extends the charter again, ReopenMeeting) came back
-- with the attendees they had when they were cancelled: the series' list
-- had changed since, and a contact who had left since stayed in them,
-- after the day they left, though 0135 and 0138 give such a contact no
-- meeting after it. 0140's trigger acts on a meeting inserted, and 0140's
-- and 0141's syncs on meetings scheduled at the time. Now a series'
-- meeting that becomes scheduled again is brought in line with its series
-- as one made then would be: what the series added and no longer names, or
-- names a contact who left before the meeting's day, goes; what it names
-- now comes. Someone invited to that meeting by hand stays.
--
-- A distributor's time zone of '' (never written by the RPCs, which hold it
-- to a zone of the tz database, but possible in a hand-made row) made a
-- working-hours deadline fail; it is plain hours then, as for no zone.

CREATE OR REPLACE FUNCTION liaison_series_meeting_resync() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    who text[];
BEGIN
    -- An import (an operator's) brings the attendees as they were.
    IF liaison_tenant() IS NULL
       OR (current_setting('liaison.operator', true) = 'on' AND liaison_is_operator()) THEN
        RETURN NULL;
    END IF;
    SELECT s.attendees INTO who FROM public.meeting_series s
     WHERE s.tenant_id = NEW.tenant_id AND s.id = NEW.series_id;
    who := coalesce(who, '{}');
    DELETE FROM public.meeting_attendees a
     WHERE a.tenant_id = NEW.tenant_id AND a.meeting_id = NEW.id AND a.from_series
       AND NOT EXISTS (SELECT 1 FROM liaison_series_parties(NEW.distributor_id, who, NEW.starts_at) p
                        WHERE p.user_id IS NOT DISTINCT FROM a.user_id
                          AND p.contact_id IS NOT DISTINCT FROM a.contact_id);
    INSERT INTO public.meeting_attendees (tenant_id, meeting_id, user_id, contact_id, from_series)
    SELECT NEW.tenant_id, NEW.id, p.user_id, p.contact_id, true
      FROM liaison_series_parties(NEW.distributor_id, who, NEW.starts_at) p
     WHERE NOT EXISTS (SELECT 1 FROM public.meeting_attendees a
                        WHERE a.tenant_id = NEW.tenant_id AND a.meeting_id = NEW.id
                          AND a.user_id IS NOT DISTINCT FROM p.user_id
                          AND a.contact_id IS NOT DISTINCT FROM p.contact_id);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS meetings_series_attendees_back ON meetings;
CREATE TRIGGER meetings_series_attendees_back AFTER UPDATE OF status ON meetings
    FOR EACH ROW WHEN (NEW.status = 'scheduled' AND OLD.status IS DISTINCT FROM 'scheduled'
                       AND NEW.series_id IS NOT NULL)
    EXECUTE FUNCTION liaison_series_meeting_resync();

-- As in 0139, with a zone of '' taken as none.
CREATE OR REPLACE FUNCTION liaison_escalation_due(p_distributor bigint, p_working boolean,
                                                  p_from timestamptz, p_hours integer)
RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT liaison_add_working_hours(p_from, p_hours, nullif(d.time_zone, ''),
                                          d.business_hours_start, d.business_hours_end,
                                          d.work_days)
           FROM public.distributors d
          WHERE p_working AND d.tenant_id = liaison_tenant() AND d.id = p_distributor),
        p_from + make_interval(hours => p_hours))
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_series_meeting_resync() TO liaison_app;
    END IF;
END $$;
