-- The refusal to end the onboarding series early said it "may be ended once
-- they [the first 90 days] are over, on D" with D the day after its last
-- call (0291), which reads as though the 90 days ended then (found in a
-- review). The onboarding series is now told its own day in its own words,
-- "once its last call is past, on D", with the day the 90 days are over.
--
-- Replaces liaison_cadence_series_update (0291) whole but for that.

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
    began timestamptz;
BEGIN
    SELECT ms.*, (now_at AT TIME ZONE ex.time_zone)::date AS today, ex.time_zone AS ex_zone
      INTO s
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
    -- The first 90 days keep at least weekly calls: neither the onboarding
    -- series while it has meetings to come nor the weekly one stops before
    -- they are over. Termination ends them itself (0029), not through here.
    IF p_status IN ('paused', 'ended') AND s.status <> p_status
       AND (s.kind = 'weekly'
            OR (s.kind = 'onboarding' AND coalesce(s.ends_on, 'infinity') >= today)) THEN
        SELECT d.onboarding_started_at INTO began FROM distributors d
         WHERE d.tenant_id = liaison_tenant() AND d.id = s.distributor_id;
        PERFORM liaison_precondition(began IS NULL OR now_at >= began + interval '90 days',
            CASE WHEN s.kind = 'onboarding' AND s.ends_on IS NOT NULL
                      AND s.ends_on + 1 < ((began + interval '90 days') AT TIME ZONE s.ex_zone)::date
                 THEN format('calls are at least weekly in a distributor''s first 90 days: '
                             'onboarding %s on %s, and its onboarding series may be %s once its '
                             'last call is past, on %s (its weekly series once the 90 days are '
                             'over, on %s)',
                             CASE WHEN now_at < began THEN 'starts' ELSE 'started' END,
                             (began AT TIME ZONE s.ex_zone)::date,
                             CASE p_status WHEN 'paused' THEN 'paused' ELSE 'ended' END,
                             s.ends_on + 1,
                             ((began + interval '90 days') AT TIME ZONE s.ex_zone)::date)
                 ELSE format('calls are at least weekly in a distributor''s first 90 days: '
                             'onboarding %s on %s, and its %s series may be %s once they are '
                             'over, on %s',
                             CASE WHEN now_at < began THEN 'starts' ELSE 'started' END,
                             (began AT TIME ZONE s.ex_zone)::date, s.kind,
                             CASE p_status WHEN 'paused' THEN 'paused' ELSE 'ended' END,
                             ((began + interval '90 days') AT TIME ZONE s.ex_zone)::date) END);
    END IF;
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
