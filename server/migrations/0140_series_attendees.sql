-- A planned meeting had nobody in it (found in review): the cadence plan
-- made every weekly check-in, monthly review and quarterly review with no
-- attendee, so its calendar invitation named nobody of the distributor and
-- each occurrence had to be filled in by hand, 48 times a year for the
-- weekly one alone. The domain says who belongs there: the exporter's
-- account manager and the distributor's purchasing or sales lead.
--
-- A series now has attendees (UpdateMeetingSeries attendees, `cadence
-- series update ID --attendee ...`): users and contacts as CreateMeeting
-- takes them, each resolved when set (INVALID_ARGUMENT naming the ones
-- that name nobody) and kept as the person's e-mail, or a contact's name
-- when it has none, so that a tenant's export carries them without ids.
-- Every occurrence the plan makes from then on has them, and the series'
-- scheduled occurrences to come are brought in line at once (those the
-- series added and are no longer named go; someone invited to one
-- occurrence by hand stays), each with its sequence bumped so calendars
-- see the change. Held, missed, cancelled and begun meetings keep who was
-- there. A contact who has left by an occurrence's day is not added to it
-- (0135, 0138), nor is a name that no longer resolves (a contact renamed
-- or removed): the occurrence is made without them, never refused.

ALTER TABLE meeting_series
    ADD COLUMN IF NOT EXISTS attendees text[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(attendees) <= 20);
ALTER TABLE meeting_attendees
    ADD COLUMN IF NOT EXISTS from_series boolean NOT NULL DEFAULT false;

-- The series' attendees in meeting p_meeting of distributor p_distributor
-- that can attend it: resolved, and not a contact who left before it.
CREATE OR REPLACE FUNCTION liaison_series_parties(p_distributor bigint, p_attendees text[],
                                                  p_starts timestamptz)
RETURNS TABLE (user_id bigint, contact_id bigint)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT p.user_id, p.contact_id
      FROM unnest(p_attendees) w (who)
     CROSS JOIN LATERAL liaison_party_resolve(p_distributor, w.who) p
     WHERE p.contact_id IS NULL OR NOT EXISTS (
           SELECT 1 FROM public.contacts c
            WHERE c.tenant_id = liaison_tenant() AND c.id = p.contact_id
              AND c.left_on < (p_starts AT TIME ZONE coalesce(
                      (SELECT nullif(t.time_zone, '') FROM public.tenants t
                        WHERE t.id = liaison_tenant()), 'UTC'))::date)
$$;

-- A new occurrence of a series gets the series' attendees. Not a meeting
-- an import (an operator's) writes: its attendees come with it, as they were.
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
    IF coalesce(cardinality(who), 0) = 0 THEN
        RETURN NULL;
    END IF;
    INSERT INTO public.meeting_attendees (tenant_id, meeting_id, user_id, contact_id, from_series)
    SELECT NEW.tenant_id, NEW.id, p.user_id, p.contact_id, true
      FROM liaison_series_parties(NEW.distributor_id, who, NEW.starts_at) p;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS meetings_series_attendees ON meetings;
CREATE TRIGGER meetings_series_attendees AFTER INSERT ON meetings
    FOR EACH ROW WHEN (NEW.series_id IS NOT NULL)
    EXECUTE FUNCTION liaison_series_meeting_attendees();

-- As in 0016, with the series' attendees.
CREATE OR REPLACE FUNCTION liaison_cadence_series_json(p_distributor bigint, p_series bigint)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(json_build_object(
               'id', s.id, 'distributor_id', s.distributor_id, 'kind', s.kind, 'title', s.title,
               'agenda', s.agenda, 'duration_minutes', s.duration_minutes,
               'starts_on', s.starts_on::text, 'ends_on', s.ends_on::text, 'status', s.status,
               'scheduled', (SELECT count(*) FROM meetings m
                              WHERE m.tenant_id = s.tenant_id AND m.series_id = s.id
                                AND m.status = 'scheduled' AND m.starts_at >= liaison_now()),
               'next_starts_at', (SELECT liaison_rfc3339(min(m.starts_at)) FROM meetings m
                                   WHERE m.tenant_id = s.tenant_id AND m.series_id = s.id
                                     AND m.status = 'scheduled'
                                     AND m.starts_at >= liaison_now()),
               'attendees', s.attendees)
           ORDER BY kk.rank, s.id), '[]')
      FROM meeting_series s JOIN liaison_cadence_kinds() kk ON kk.kind = s.kind
     WHERE s.tenant_id = liaison_tenant()
       AND (s.distributor_id = p_distributor OR p_distributor = 0)
       AND (s.id = p_series OR p_series = 0)
$$;

-- As in 0016, and p_attendees (NULL: keep; '{}': none) replaces the
-- series' attendees and brings its scheduled occurrences to come in line.
DROP FUNCTION IF EXISTS liaison_cadence_series_update(bigint, text, text[], integer, text);
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
        WITH due AS (SELECT m.id, m.starts_at FROM meetings m
                      WHERE m.tenant_id = liaison_tenant() AND m.series_id = p_series
                        AND m.status = 'scheduled' AND m.starts_at >= now_at),
             want AS (SELECT due.id AS meeting_id, p.user_id, p.contact_id FROM due
                      CROSS JOIN LATERAL liaison_series_parties(s.distributor_id, kept,
                                                                due.starts_at) p),
             gone AS (DELETE FROM meeting_attendees a USING due
                       WHERE a.tenant_id = liaison_tenant() AND a.meeting_id = due.id
                         AND a.from_series
                         AND NOT EXISTS (SELECT 1 FROM want
                                          WHERE want.meeting_id = a.meeting_id
                                            AND want.user_id IS NOT DISTINCT FROM a.user_id
                                            AND want.contact_id IS NOT DISTINCT FROM a.contact_id)
                      RETURNING a.meeting_id),
             came AS (INSERT INTO meeting_attendees (tenant_id, meeting_id, user_id, contact_id,
                                                     from_series)
                      SELECT liaison_tenant(), want.meeting_id, want.user_id, want.contact_id, true
                        FROM want
                       WHERE NOT EXISTS (SELECT 1 FROM meeting_attendees a
                                          WHERE a.tenant_id = liaison_tenant()
                                            AND a.meeting_id = want.meeting_id
                                            AND a.user_id IS NOT DISTINCT FROM want.user_id
                                            AND a.contact_id IS NOT DISTINCT FROM want.contact_id)
                      RETURNING meeting_id)
        UPDATE meetings m SET sequence = m.sequence + 1, updated_at = now()
         WHERE m.tenant_id = liaison_tenant()
           AND m.id IN (SELECT meeting_id FROM gone UNION SELECT meeting_id FROM came);
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

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_series_parties(bigint, text[], timestamptz),
            liaison_series_meeting_attendees(),
            liaison_cadence_series_update(bigint, text, text[], integer, text, text[])
            TO liaison_app;
    END IF;
END $$;
