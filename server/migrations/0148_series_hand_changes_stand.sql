-- Two faults of a series' attendees (0140 to 0142), found in a review and
-- a try-out, and one of action items:
--
-- Someone taken out of one meeting by hand (RemoveMeetingAttendee,
-- `meeting uninvite`) was put back in it by the series' next re-sync: an
-- attendee added to the series, a contact marked left or rejoining, the
-- series resumed. A meeting now keeps who was taken out of it by hand
-- (meetings.uninvited: each as the series keeps its attendees, a user's
-- e-mail, else a contact's e-mail or name), and no re-sync adds them to it
-- again; inviting them to that meeting by hand (AddMeetingAttendee) undoes
-- it. The series' other meetings follow the series as before.
--
-- One person sat in one meeting twice: a distributor's user who is also
-- one of its contacts (the same e-mail), once invited by hand and once by
-- the series, or named both ways in one new meeting. By hand the second
-- invitation was refused already ("already an attendee of this meeting,
-- under the same e-mail"); the series now recognises the person already
-- there and adds nothing, and CreateMeeting keeps one attendance a person,
-- the user's. A person is the key above, in any case: one meeting has one
-- attendance of each. What a series added twice so far goes at the next
-- re-sync of the meeting, and below for the scheduled meetings to come.
--
-- An action item owned by a contact reached no user with that contact's
-- e-mail: `action list --mine` (ListActionItems ownerUserId) left it out,
-- and no action_item_assigned event (0039) was for them. The user who may
-- work on the item's distributor and has its contact's e-mail is now its
-- owner for both (liaison_contact_user).
--
-- Replaces whole, from their newest definitions: liaison_cadence_series_update,
-- liaison_series_meeting_attendees (0140), liaison_series_contact_sync
-- (0141), liaison_series_meeting_resync (0142) and
-- liaison_events_on_action_item (0039); CREATE OR REPLACE keeps their grants.

ALTER TABLE meetings ADD COLUMN IF NOT EXISTS uninvited text[] NOT NULL DEFAULT '{}';

-- The person an attendee (or a party) is, as one meeting counts them: a
-- user's e-mail, else a contact's e-mail, else its name; in lower case.
CREATE OR REPLACE FUNCTION liaison_attendee_person(p_user bigint, p_contact bigint)
RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT lower(coalesce((SELECT u.email FROM public.users u
                            WHERE u.tenant_id = liaison_tenant() AND u.id = p_user),
                          (SELECT coalesce(nullif(c.email, ''), c.name) FROM public.contacts c
                            WHERE c.tenant_id = liaison_tenant() AND c.id = p_contact)))
$$;

-- The user who is contact p_contact of distributor p_distributor: the one
-- with its e-mail who may work on that distributor (liaison_party_user_ok);
-- NULL when there is none, or the contact has no e-mail.
CREATE OR REPLACE FUNCTION liaison_contact_user(p_distributor bigint, p_contact bigint)
RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT u.id FROM public.contacts c
      JOIN public.users u ON u.tenant_id = c.tenant_id AND lower(u.email) = lower(c.email)
     WHERE c.tenant_id = liaison_tenant() AND c.id = p_contact
       AND c.distributor_id = p_distributor AND c.email <> ''
       AND liaison_party_user_ok(p_distributor, u.id)
$$;

-- The series attendees p_who that a meeting of distributor p_distributor
-- at p_starts would have (liaison_series_parties), each with the person
-- it is, but for those taken out of that meeting by hand (p_uninvited).
CREATE OR REPLACE FUNCTION liaison_series_wanted(p_distributor bigint, p_who text[],
                                                 p_starts timestamptz, p_uninvited text[])
RETURNS TABLE (user_id bigint, contact_id bigint, person text)
LANGUAGE sql STABLE AS $$
    SELECT w.user_id, w.contact_id, w.person
      FROM (SELECT p.user_id, p.contact_id, liaison_attendee_person(p.user_id, p.contact_id) AS person
              FROM liaison_series_parties(p_distributor, coalesce(p_who, '{}'), p_starts) p) w
     WHERE NOT EXISTS (SELECT 1 FROM unnest(p_uninvited) x WHERE lower(x) = w.person)
$$;

-- Brings meeting p_meeting's attendees in line with series attendees p_who,
-- as a meeting made now would have them, but for the meeting's own hand
-- changes: what the series added and no longer names (or names a contact
-- who left before the meeting's day) goes, and so does what it added for a
-- person also invited by hand; what it names comes, unless that person was
-- taken out of this meeting by hand or is in it already, once a person
-- (the user before a contact of the same e-mail). Someone invited by hand
-- stays. Whether anything changed.
CREATE OR REPLACE FUNCTION liaison_series_attendees_sync(p_meeting bigint, p_who text[])
RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    m record;
    gone integer;
    came integer;
BEGIN
    SELECT x.tenant_id, x.id, x.distributor_id, x.starts_at, x.uninvited INTO m
      FROM public.meetings x WHERE x.tenant_id = liaison_tenant() AND x.id = p_meeting;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    DELETE FROM public.meeting_attendees a
     WHERE a.tenant_id = m.tenant_id AND a.meeting_id = m.id AND a.from_series
       AND (NOT EXISTS (SELECT 1 FROM liaison_series_wanted(m.distributor_id, p_who, m.starts_at,
                                                            m.uninvited) w
                         WHERE w.user_id IS NOT DISTINCT FROM a.user_id
                           AND w.contact_id IS NOT DISTINCT FROM a.contact_id)
            OR EXISTS (SELECT 1 FROM public.meeting_attendees h
                        WHERE h.tenant_id = a.tenant_id AND h.meeting_id = a.meeting_id
                          AND NOT h.from_series
                          AND liaison_attendee_person(h.user_id, h.contact_id)
                              = liaison_attendee_person(a.user_id, a.contact_id)));
    GET DIAGNOSTICS gone = ROW_COUNT;
    INSERT INTO public.meeting_attendees (tenant_id, meeting_id, user_id, contact_id, from_series)
    SELECT DISTINCT ON (w.person) m.tenant_id, m.id, w.user_id, w.contact_id, true
      FROM liaison_series_wanted(m.distributor_id, p_who, m.starts_at, m.uninvited) w
     WHERE NOT EXISTS (SELECT 1 FROM public.meeting_attendees a
                        WHERE a.tenant_id = m.tenant_id AND a.meeting_id = m.id
                          AND liaison_attendee_person(a.user_id, a.contact_id) = w.person)
     ORDER BY w.person, w.user_id NULLS LAST, w.contact_id;
    GET DIAGNOSTICS came = ROW_COUNT;
    RETURN gone + came > 0;
END $$;

-- As in 0140, each scheduled meeting to come brought in line by
-- liaison_series_attendees_sync.
CREATE OR REPLACE FUNCTION liaison_cadence_series_update(p_series bigint, p_title text,
                                                         p_agenda text[], p_minutes integer,
                                                         p_status text, p_attendees text[])
RETURNS TABLE (series json)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    s record;
    now_at timestamptz := liaison_now();
    today date;
    nobody text;
    kept text[];
    due bigint;
BEGIN
    SELECT ms.*, (now_at AT TIME ZONE ex.time_zone)::date AS today INTO s
      FROM meeting_series ms
      JOIN distributors d ON d.tenant_id = ms.tenant_id AND d.id = ms.distributor_id
     CROSS JOIN liaison_exporter_hours(d.account_manager_id) ex
     WHERE ms.tenant_id = liaison_tenant() AND ms.id = p_series
       AND liaison_sees_distributor(d.id, d.account_manager_id)
       FOR UPDATE OF ms;
    PERFORM liaison_found(FOUND, 'no such meeting series');
    today := s.today;
    PERFORM liaison_check(p_status IN ('', 'active', 'paused', 'ended'), 'status',
                          'active, paused or ended');
    PERFORM liaison_check(p_minutes IS NULL OR p_minutes BETWEEN 5 AND 480, 'durationMinutes',
                          '5 to 480 minutes');
    PERFORM liaison_precondition(s.status <> 'ended' OR p_status IN ('', 'ended'),
                                 'the series has ended: it does not start again');
    IF p_attendees IS NOT NULL THEN
        PERFORM liaison_check(cardinality(p_attendees) <= 20, 'attendees', 'at most 20');
        SELECT string_agg(w.who, ', ') INTO nobody FROM unnest(p_attendees) w (who)
         WHERE NOT EXISTS (SELECT 1 FROM liaison_party_resolve(s.distributor_id, w.who));
        PERFORM liaison_check(nobody IS NULL, 'attendees',
            'no user of this tenant who works on this distributor (an admin, an auditor, its '
            'account manager, a manager who sees every distributor or one of its own users; '
            'not disabled), and no single contact of this distributor, by that e-mail or name: '
            || coalesce(nobody, ''));
        SELECT c.name || ' (contact ' || c.id || ') left on ' || to_char(c.left_on, 'YYYY-MM-DD')
          INTO nobody
          FROM unnest(p_attendees) w (who)
         CROSS JOIN LATERAL liaison_party_resolve(s.distributor_id, w.who) p
          JOIN contacts c ON c.tenant_id = liaison_tenant() AND c.id = p.contact_id
         WHERE c.left_on IS NOT NULL LIMIT 1;
        PERFORM liaison_precondition(nobody IS NULL,
            coalesce(nobody, '') || ': a contact who has left attends no meeting to come');
        -- Kept as the person is found again: a user's e-mail, a contact's
        -- e-mail or else its name, in the order given, each once.
        SELECT coalesce(array_agg(k.who ORDER BY k.first), '{}') INTO kept
          FROM (SELECT coalesce(u.email, nullif(c.email, ''), c.name) AS who, min(w.n) AS first
                  FROM unnest(p_attendees) WITH ORDINALITY w (who, n)
                 CROSS JOIN LATERAL liaison_party_resolve(s.distributor_id, w.who) p
                  LEFT JOIN users u ON u.tenant_id = liaison_tenant() AND u.id = p.user_id
                  LEFT JOIN contacts c ON c.tenant_id = liaison_tenant() AND c.id = p.contact_id
                 GROUP BY 1) k;
        UPDATE meeting_series ms SET attendees = kept, updated_at = now()
         WHERE ms.tenant_id = liaison_tenant() AND ms.id = p_series;
        -- Each scheduled meeting to come as one made now would be, but for
        -- what was changed by hand in it; each changed re-sent to calendars.
        FOR due IN SELECT m.id FROM meetings m
                    WHERE m.tenant_id = liaison_tenant() AND m.series_id = p_series
                      AND m.status = 'scheduled' AND m.starts_at >= now_at
                    ORDER BY m.id LOOP
            IF liaison_series_attendees_sync(due, kept) THEN
                UPDATE meetings m SET sequence = m.sequence + 1, updated_at = now()
                 WHERE m.tenant_id = liaison_tenant() AND m.id = due;
            END IF;
        END LOOP;
    END IF;
    UPDATE meeting_series ms
       SET title = coalesce(p_title, ms.title), agenda = coalesce(p_agenda, ms.agenda),
           duration_minutes = coalesce(p_minutes, ms.duration_minutes),
           status = coalesce(nullif(p_status, ''), ms.status),
           ends_on = CASE WHEN p_status = 'ended' AND ms.status <> 'ended'
                          THEN greatest(ms.starts_on, least(coalesce(ms.ends_on, 'infinity'),
                                                            today))
                          ELSE ms.ends_on END,
           updated_at = now()
     WHERE ms.tenant_id = liaison_tenant() AND ms.id = p_series;
    IF p_status IN ('paused', 'ended') THEN
        UPDATE meetings m SET status = 'cancelled', paused_by_series = (p_status = 'paused'),
                              sequence = m.sequence + 1, status_changed_at = now_at,
                              updated_at = now()
         WHERE m.tenant_id = liaison_tenant() AND m.series_id = p_series
           AND m.status = 'scheduled' AND m.starts_at >= now_at;
    END IF;
    IF p_status = 'ended' THEN
        UPDATE meetings m SET paused_by_series = false
         WHERE m.tenant_id = liaison_tenant() AND m.series_id = p_series AND m.paused_by_series;
    END IF;
    PERFORM liaison_audit('meeting_series.' || CASE nullif(p_status, '')
                              WHEN 'paused' THEN 'pause' WHEN 'ended' THEN 'end'
                              WHEN 'active' THEN 'resume' ELSE 'update' END,
                          'meeting_series', p_series::text);
    IF EXISTS (SELECT 1 FROM charters c WHERE c.tenant_id = liaison_tenant()
                  AND c.distributor_id = s.distributor_id AND c.status = 'active') THEN
        PERFORM liaison_cadence_generate(s.distributor_id);
    END IF;
    RETURN QUERY SELECT liaison_cadence_series_json(s.distributor_id, p_series) -> 0;
END $$;
-- As in 0140, through liaison_series_attendees_sync.
CREATE OR REPLACE FUNCTION liaison_series_meeting_attendees() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    who text[];
BEGIN
    IF liaison_tenant() IS NULL
       OR (current_setting('liaison.operator', true) = 'on' AND liaison_is_operator()) THEN
        RETURN NULL;
    END IF;
    SELECT s.attendees INTO who FROM public.meeting_series s
     WHERE s.tenant_id = NEW.tenant_id AND s.id = NEW.series_id;
    IF coalesce(cardinality(who), 0) > 0 THEN
        PERFORM liaison_series_attendees_sync(NEW.id, who);
    END IF;
    RETURN NULL;
END $$;

-- As in 0142, through liaison_series_attendees_sync.
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
    PERFORM liaison_series_attendees_sync(NEW.id, coalesce(who, '{}'));
    RETURN NULL;
END $$;

-- As in 0141, but a contact rejoining (or leaving later) comes back only
-- to meetings they were not taken out of by hand and where they are not
-- already, under another record of the same e-mail.
CREATE OR REPLACE FUNCTION liaison_series_contact_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    zone text := coalesce((SELECT nullif(t.time_zone, '') FROM public.tenants t
                            WHERE t.id = NEW.tenant_id), 'UTC');
    person text;
BEGIN
    -- An import (an operator's) brings the attendees as they were.
    IF liaison_tenant() IS NULL
       OR (current_setting('liaison.operator', true) = 'on' AND liaison_is_operator()) THEN
        RETURN NULL;
    END IF;
    person := liaison_attendee_person(NULL, NEW.id);
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
           AND EXISTS (SELECT 1 FROM liaison_series_wanted(m.distributor_id, s.attendees,
                                                            m.starts_at, m.uninvited) p
                        WHERE p.contact_id = NEW.id)
           AND NOT EXISTS (SELECT 1 FROM public.meeting_attendees x
                            WHERE x.tenant_id = m.tenant_id AND x.meeting_id = m.id
                              AND (x.contact_id = NEW.id
                                   OR liaison_attendee_person(x.user_id, x.contact_id) = person))
        RETURNING meeting_id)
    UPDATE public.meetings m SET sequence = m.sequence + 1, updated_at = now()
     WHERE m.tenant_id = NEW.tenant_id
       AND m.id IN (SELECT meeting_id FROM gone UNION SELECT meeting_id FROM came);
    RETURN NULL;
END $$;

-- As in 0039, and an item owned by a contact is for the user who is that
-- contact (liaison_contact_user), when there is one.
CREATE OR REPLACE FUNCTION liaison_events_on_action_item() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    owner bigint;
BEGIN
    IF NEW.status <> 'open'
       OR (TG_OP = 'UPDATE' AND OLD.owner_user_id IS NOT DISTINCT FROM NEW.owner_user_id
           AND OLD.owner_contact_id IS NOT DISTINCT FROM NEW.owner_contact_id) THEN
        RETURN NULL;
    END IF;
    owner := coalesce(NEW.owner_user_id,
                      public.liaison_contact_user(NEW.distributor_id, NEW.owner_contact_id));
    IF owner IS NOT NULL THEN
        PERFORM public.liaison_event_emit(NEW.tenant_id, 'action_item_assigned', NEW.id,
                                          NEW.distributor_id, owner);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS events_emit ON action_items;
CREATE TRIGGER events_emit AFTER INSERT OR UPDATE OF owner_user_id, owner_contact_id
    ON action_items FOR EACH ROW EXECUTE FUNCTION liaison_events_on_action_item();

-- What a series added for a person already invited by hand to one of its
-- scheduled meetings to come goes now, each meeting re-sent to calendars;
-- held and past meetings keep who was there. Across tenants, as the
-- migration role, with row security set aside for the statement (as 0071).
ALTER TABLE meeting_attendees NO FORCE ROW LEVEL SECURITY;
ALTER TABLE meetings NO FORCE ROW LEVEL SECURITY;
ALTER TABLE users NO FORCE ROW LEVEL SECURITY;
ALTER TABLE contacts NO FORCE ROW LEVEL SECURITY;
WITH who AS (
    SELECT a.tenant_id, a.id, a.meeting_id, a.from_series,
           lower(coalesce(u.email, nullif(c.email, ''), c.name)) AS person
      FROM meeting_attendees a
      JOIN meetings m ON m.tenant_id = a.tenant_id AND m.id = a.meeting_id
      LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.user_id
      LEFT JOIN contacts c ON c.tenant_id = a.tenant_id AND c.id = a.contact_id
     WHERE m.status = 'scheduled' AND m.starts_at >= liaison_now()),
twice AS (
    DELETE FROM meeting_attendees a USING who s
     WHERE a.tenant_id = s.tenant_id AND a.id = s.id AND s.from_series
       AND EXISTS (SELECT 1 FROM who h
                    WHERE h.tenant_id = s.tenant_id AND h.meeting_id = s.meeting_id
                      AND NOT h.from_series AND h.person = s.person)
    RETURNING a.tenant_id, a.meeting_id)
UPDATE meetings m SET sequence = m.sequence + 1, updated_at = now()
  FROM (SELECT DISTINCT tenant_id, meeting_id FROM twice) t
 WHERE m.tenant_id = t.tenant_id AND m.id = t.meeting_id;
ALTER TABLE meeting_attendees FORCE ROW LEVEL SECURITY;
ALTER TABLE meetings FORCE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
ALTER TABLE contacts FORCE ROW LEVEL SECURITY;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_attendee_person(bigint, bigint),
            liaison_contact_user(bigint, bigint),
            liaison_series_wanted(bigint, text[], timestamptz, text[]),
            liaison_series_attendees_sync(bigint, text[]) TO liaison_app;
    END IF;
END $$;
