-- A contact who left could not be recorded at a meeting held before they
-- left (found in review): a manager writing up last month's review, with
-- the purchasing manager who left yesterday at the table, was refused
-- "invited to no new meeting", so the record lost the one person who was
-- there. 0135's rule is about what a contact takes on after leaving; a
-- meeting that began on or before the day they left (in the tenant's time
-- zone, as SetContactLeft reads "today") is their past, and they may be
-- recorded at it. A meeting that begins after that day is still refused.
-- Action items keep 0135's rule: an item is work still to do, whatever the
-- meeting it came from.
--
-- Replaces liaison_contact_takes_new (0135) whole; CREATE OR REPLACE keeps
-- the triggers that call it.

CREATE OR REPLACE FUNCTION liaison_contact_takes_new() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    who bigint := (to_jsonb(NEW) ->> TG_ARGV[0])::bigint;
    c record;
    began timestamptz;
BEGIN
    IF who IS NULL OR liaison_tenant() IS NULL
       OR (current_setting('liaison.operator', true) = 'on' AND liaison_is_operator()) THEN
        RETURN NEW;
    END IF;
    SELECT x.name, x.left_on INTO c FROM public.contacts x
     WHERE x.tenant_id = NEW.tenant_id AND x.id = who FOR SHARE;
    IF c.left_on IS NULL THEN
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'meeting_attendees' THEN
        SELECT m.starts_at INTO began FROM public.meetings m
         WHERE m.tenant_id = NEW.tenant_id AND m.id = (to_jsonb(NEW) ->> 'meeting_id')::bigint;
        IF began IS NOT NULL AND (began AT TIME ZONE coalesce(
               (SELECT nullif(t.time_zone, '') FROM public.tenants t WHERE t.id = NEW.tenant_id),
               'UTC'))::date <= c.left_on THEN
            RETURN NEW;
        END IF;
    END IF;
    PERFORM liaison_precondition(false, format('%s (contact %s) left on %s: %s', c.name, who,
                                               to_char(c.left_on, 'YYYY-MM-DD'), TG_ARGV[1]));
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS meeting_attendees_contact_takes_new ON meeting_attendees;
CREATE TRIGGER meeting_attendees_contact_takes_new BEFORE INSERT ON meeting_attendees
    FOR EACH ROW WHEN (NEW.contact_id IS NOT NULL)
    EXECUTE FUNCTION liaison_contact_takes_new('contact_id',
        'a contact who has left attends no meeting after the day they left');
