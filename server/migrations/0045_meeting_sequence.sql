-- A meeting's agenda is its calendar event's DESCRIPTION, so a calendar
-- must see a new agenda as a new version of the event: iCalendar's
-- SEQUENCE goes up. Publishing an upstream update appends to the next
-- monthly review's agenda (0033) without bumping it, and so would any later
-- path that forgets; a trigger keeps the rule in one place. A change that
-- already bumped the sequence (re-planning a series, 0016) is left as it is.
CREATE OR REPLACE FUNCTION liaison_meeting_agenda_sequence() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.sequence := OLD.sequence + 1;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS meetings_agenda_sequence ON meetings;
CREATE TRIGGER meetings_agenda_sequence BEFORE UPDATE OF agenda ON meetings
    FOR EACH ROW
    WHEN (NEW.agenda IS DISTINCT FROM OLD.agenda AND NEW.sequence = OLD.sequence)
    EXECUTE FUNCTION liaison_meeting_agenda_sequence();
