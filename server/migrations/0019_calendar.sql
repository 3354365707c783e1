-- The iCalendar export (ExportCalendar): the time format RFC 5545 wants,
-- and indexes for its reads. A page of a distributor's calendar walks
-- meetings_distributor_starts; a user's schedule walks the tenant's
-- meetings by start; each meeting's attendees are found by meeting (the
-- unique indexes of 0014 are partial, by user or by contact, so they
-- serve neither "every attendee of this meeting" nor a user's meetings).

-- An instant as iCalendar's UTC DATE-TIME: 20260302T020000Z.
CREATE OR REPLACE FUNCTION liaison_ics_time(t timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"')
$$;

CREATE INDEX IF NOT EXISTS meeting_attendees_meeting ON meeting_attendees (tenant_id, meeting_id);
CREATE INDEX IF NOT EXISTS meeting_attendees_by_user
    ON meeting_attendees (tenant_id, user_id, meeting_id) WHERE user_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS meetings_starts ON meetings (tenant_id, starts_at, id);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_ics_time(timestamptz) TO liaison_app;
    END IF;
END $$;
