-- The first 90 days counted from the day the charter was activated, while
-- its calls start on its first grant day (found in a try-out): a charter
-- activated on 2026-12-06 with its grant from 2027-01-09 had no meeting
-- planned in the first five of its "first 90 days", so the move to active
-- was refused for a week with no meeting held however well the cadence was
-- kept, and the weekly series could be paused four weeks after its calls
-- began. A first activation now starts the onboarding period on the later
-- of that instant and the first grant day (in the exporter's zone, as the
-- cadence's anchor takes it), and the rules that count from it say
-- "starts" of a day still to come, and give the series' lock its days in
-- the exporter's zone as the move to active does (they were UTC days). A
-- period already begun keeps its start.
--
-- A start still to come follows an amendment that moves the first grant
-- day; the activation says when onboarding starts, and charter check's
-- warning that the grants end inside onboarding counts from that day.
--
-- Replaces liaison_cadence_activated (0067), liaison_onboarding_unfinished
-- (0016), liaison_cadence_series_update (0149), liaison_charter_activated
-- (0193) and liaison_charter_warnings (0202), whole but for those; their
-- grants stay.

CREATE OR REPLACE FUNCTION liaison_cadence_activated(p_distributor bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    was text;
    started timestamptz;
    first_day timestamptz;
BEGIN
    SELECT d.status, d.onboarding_started_at INTO was, started FROM distributors d
     WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor FOR UPDATE;
    -- A start still to come follows the charter in force: an amendment
    -- that moves the first grant day moves it.
    IF was IN ('prospect', 'onboarding') AND (started IS NULL OR started > liaison_now()) THEN
        -- The first day of the charter in force, in the exporter's zone, as
        -- the cadence's anchor takes it (liaison_cadence_generate).
        SELECT min(g.starts_on)::timestamp AT TIME ZONE ex.time_zone INTO first_day
          FROM distributors d
         CROSS JOIN liaison_exporter_hours(d.account_manager_id) ex
          JOIN charters c ON c.tenant_id = d.tenant_id AND c.distributor_id = d.id
                         AND c.status = 'active'
          JOIN charter_grants g ON g.tenant_id = c.tenant_id AND g.charter_id = c.id
         WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
         GROUP BY ex.time_zone;
        UPDATE distributors d
           SET onboarding_started_at = greatest(liaison_now(), first_day), status = 'onboarding'
         WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor;
        IF was = 'prospect' THEN
            PERFORM liaison_audit('distributor.status.onboarding', 'distributor',
                                  p_distributor::text);
        END IF;
    END IF;
    -- A first charter plans the cadence; an amendment moves the plan's
    -- series made under an earlier version to its own dates.
    IF NOT EXISTS (SELECT 1 FROM meeting_series s WHERE s.tenant_id = liaison_tenant()
                      AND s.distributor_id = p_distributor)
       OR EXISTS (SELECT 1 FROM meeting_series s
                   JOIN charters c ON c.tenant_id = s.tenant_id AND c.id = s.charter_id
                  WHERE s.tenant_id = liaison_tenant() AND s.distributor_id = p_distributor
                    AND s.kind <> 'onboarding' AND s.status = 'active' AND c.status <> 'active')
    THEN
        PERFORM liaison_cadence_generate(p_distributor);
    END IF;
    RETURN true;
END $$;

CREATE OR REPLACE FUNCTION liaison_onboarding_unfinished(p_distributor bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN d.onboarding_started_at IS NULL THEN NULL
        WHEN liaison_now() < d.onboarding_started_at + interval '90 days' THEN
            format('onboarding %s on %s: a distributor becomes active after 90 days of '
                   'onboarding, on %s at the earliest',
                   CASE WHEN liaison_now() < d.onboarding_started_at THEN 'starts'
                        ELSE 'started' END,
                   (d.onboarding_started_at AT TIME ZONE ex.time_zone)::date,
                   ((d.onboarding_started_at + interval '90 days') AT TIME ZONE ex.time_zone)::date)
        ELSE (SELECT format('the cadence was not kept in onboarding: no meeting was held in the '
                            'week from %s to %s',
                            (w.s AT TIME ZONE ex.time_zone)::date,
                            ((w.s + interval '6 days') AT TIME ZONE ex.time_zone)::date)
                FROM (SELECT d.onboarding_started_at + i * interval '7 days' AS s
                        FROM generate_series(0, 11) AS g (i)) w
               WHERE NOT EXISTS (SELECT 1 FROM meetings m
                                  WHERE m.tenant_id = d.tenant_id AND m.distributor_id = d.id
                                    AND m.status = 'held' AND m.starts_at >= w.s
                                    AND m.starts_at < w.s + interval '7 days')
               ORDER BY w.s LIMIT 1) END
      FROM distributors d, liaison_exporter_hours(d.account_manager_id) ex
     WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
$$;

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
            format('calls are at least weekly in a distributor''s first 90 days: onboarding '
                   '%s on %s, and its %s series may be %s once they are over, on %s',
                   CASE WHEN now_at < began THEN 'starts' ELSE 'started' END,
                   (began AT TIME ZONE s.ex_zone)::date, s.kind,
                   CASE p_status WHEN 'paused' THEN 'paused' ELSE 'ended' END,
                   ((began + interval '90 days') AT TIME ZONE s.ex_zone)::date));
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

CREATE OR REPLACE FUNCTION liaison_charter_activated(p_distributor bigint) RETURNS json
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    was text;
    now_is text;
    begun boolean;
    begins boolean;
    before_ids bigint[];
    before_at timestamptz[];
    moved integer;
    cancelled integer;
    ahead integer;
    notes text[] := '{}';
    starts_on timestamptz;
    ex_zone text;
BEGIN
    SELECT d.status, d.onboarding_started_at IS NOT NULL INTO was, begun FROM distributors d
     WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor;
    SELECT coalesce(array_agg(m.id ORDER BY m.id), '{}'),
           coalesce(array_agg(m.starts_at ORDER BY m.id), '{}')
      INTO before_ids, before_at
      FROM meetings m
     WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
       AND m.status = 'scheduled' AND m.starts_at >= liaison_now();
    PERFORM liaison_cadence_activated(p_distributor);
    SELECT d.status, NOT begun AND d.onboarding_started_at IS NOT NULL
                         AND d.onboarding_started_at <= liaison_now(),
           d.onboarding_started_at, ex.time_zone
      INTO now_is, begins, starts_on, ex_zone
      FROM distributors d
     CROSS JOIN liaison_exporter_hours(d.account_manager_id) ex
     WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor;
    SELECT count(*) FILTER (WHERE m.status = 'scheduled' AND m.starts_at <> b.at),
           count(*) FILTER (WHERE m.status <> 'scheduled')
      INTO moved, cancelled
      FROM unnest(before_ids, before_at) b (id, at)
      JOIN meetings m ON m.tenant_id = liaison_tenant() AND m.id = b.id;
    SELECT count(*) INTO ahead FROM meetings m
     WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
       AND m.status = 'scheduled' AND m.starts_at >= liaison_now();
    IF was IS DISTINCT FROM now_is THEN
        notes := notes || format('the distributor''s status moved from %s to %s', was, now_is);
    ELSIF begins THEN
        notes := notes || 'the distributor''s onboarding period has begun'::text;
    END IF;
    -- Onboarding starts with the first grant day when that is still to come.
    IF starts_on > liaison_now() THEN
        notes := notes || format('its onboarding period starts with the first grant day, %s',
                                 (starts_on AT TIME ZONE ex_zone)::date);
    END IF;
    IF moved > 0 OR cancelled > 0 THEN
        notes := notes || (concat_ws(' and ',
            CASE WHEN moved > 0 THEN format('%s meeting%s moved', moved,
                                            CASE WHEN moved = 1 THEN '' ELSE 's' END) END,
            CASE WHEN cancelled > 0 THEN format('%s%s cancelled', cancelled,
                CASE WHEN moved > 0 THEN '' WHEN cancelled = 1 THEN ' meeting'
                     ELSE ' meetings' END) END)
            || ' to follow this version''s dates');
    END IF;
    notes := notes || format('%s meeting%s scheduled ahead', ahead,
                             CASE WHEN ahead = 1 THEN ' is' ELSE 's are' END);
    RETURN array_to_json(notes);
END $$;

CREATE OR REPLACE FUNCTION liaison_charter_warnings(p_charter bigint)
RETURNS SETOF text LANGUAGE sql STABLE AS $$
    SELECT w FROM (
        SELECT 1 AS k, m.id, format('commitment for product line %s: no grant of this charter'
                                    ' covers it', l.code) AS w
          FROM charter_commitments m
          JOIN product_lines l ON l.tenant_id = m.tenant_id AND l.id = m.product_line_id
         WHERE m.tenant_id = liaison_tenant() AND m.charter_id = p_charter
           AND NOT liaison_charter_grants_line(p_charter, l.id)
        UNION ALL
        SELECT 2, k.id, format('competing line %s of %s: product line %s is not granted by this'
                               ' charter', k.line, k.competitor, l.code)
          FROM charter_competing_lines k
          JOIN product_lines l ON l.tenant_id = k.tenant_id
               AND (lower(l.code) = lower(k.line) OR lower(l.name) = lower(k.line))
         WHERE k.tenant_id = liaison_tenant() AND k.charter_id = p_charter
           AND NOT liaison_charter_grants_line(p_charter, l.id)
        UNION ALL
        SELECT 3, k.id, format('competing line %s of %s is declared, but this charter does not'
                               ' allow competing lines', k.line, k.competitor)
          FROM charter_competing_lines k
          JOIN charters c ON c.tenant_id = k.tenant_id AND c.id = k.charter_id
         WHERE k.tenant_id = liaison_tenant() AND k.charter_id = p_charter
           AND NOT c.competing_allowed
        UNION ALL
        SELECT 4, o.id, format('carve-out %s in %s: no grant of this charter holds that region',
                               o.account_name, o.region)
          FROM charter_carve_outs o
         WHERE o.tenant_id = liaison_tenant() AND o.charter_id = p_charter AND o.region <> ''
           AND NOT EXISTS (SELECT 1 FROM charter_grants g
                            WHERE g.tenant_id = o.tenant_id AND g.charter_id = o.charter_id
                              AND liaison_regions_overlap(g.region, o.region))
        UNION ALL
        SELECT 5, g.id, format('grant of %s in %s: the charter''s product coverage leaves that'
                               ' line out, so its orders and reports will be refused',
                               l.code, g.region)
          FROM charter_grants g
          JOIN charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
          JOIN product_lines l ON l.tenant_id = g.tenant_id AND l.id = ANY (g.line_ids)
         WHERE g.tenant_id = liaison_tenant() AND g.charter_id = p_charter
           AND NOT g.all_lines AND NOT c.full_coverage
           AND NOT l.id = ANY (c.covered_line_ids)
        UNION ALL
        SELECT 6, m.id, format('commitment for product line %s: the charter''s product coverage'
                               ' leaves that line out (remove the commitment, or cover the line)',
                               l.code)
          FROM charter_commitments m
          JOIN charters c ON c.tenant_id = m.tenant_id AND c.id = m.charter_id
          JOIN product_lines l ON l.tenant_id = m.tenant_id AND l.id = m.product_line_id
         WHERE m.tenant_id = liaison_tenant() AND m.charter_id = p_charter
           AND NOT c.full_coverage AND NOT l.id = ANY (c.covered_line_ids)
        UNION ALL
        SELECT 7, c.id, format('no signing date: version %s was signed on %s%s; record the day'
                               ' this version is signed', p.version, p.signed_on,
                               CASE WHEN cardinality(p.signatories) > 0
                                    THEN ' by ' || array_to_string(p.signatories, ', ') END)
          FROM charters c
          CROSS JOIN LATERAL (SELECT v.version, v.signed_on, v.signatories FROM charters v
                               WHERE v.tenant_id = c.tenant_id
                                 AND v.distributor_id = c.distributor_id
                                 AND v.version < c.version AND v.status <> 'draft'
                               ORDER BY v.version DESC LIMIT 1) p
         WHERE c.tenant_id = liaison_tenant() AND c.id = p_charter AND c.status = 'draft'
           AND c.signed_on IS NULL AND p.signed_on IS NOT NULL
        UNION ALL
        SELECT 8, c.id, format('the grants end on %s, before the distributor may become active'
                               ' (after 90 days of onboarding, on %s at the earliest): it stays'
                               ' onboarding while this version is in force; extend a grant, or'
                               ' leave one open-ended',
                               (e.ends_at AT TIME ZONE e.zone)::date - 1,
                               (e.onboarding_ends_at AT TIME ZONE ex.time_zone)::date)
          FROM charters c
          JOIN distributors d ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id
          JOIN tenants t ON t.id = c.tenant_id
          -- The day in the zone the 90-day rule itself names it in (0016).
          CROSS JOIN LATERAL liaison_exporter_hours(d.account_manager_id) ex
          CROSS JOIN LATERAL (
              SELECT liaison_charter_ends_at(c.id) AS ends_at,
                     coalesce(nullif(t.time_zone, ''), 'UTC') AS zone,
                     -- A first charter's activation begins the onboarding now, or on
                     -- its first grant day when that comes later (0253).
                     coalesce(d.onboarding_started_at,
                              greatest(liaison_now(),
                                       (SELECT min(g.starts_on)::timestamp AT TIME ZONE ex.time_zone
                                          FROM charter_grants g
                                         WHERE g.tenant_id = c.tenant_id
                                           AND g.charter_id = c.id)))
                         + interval '90 days' AS onboarding_ends_at) e
         WHERE c.tenant_id = liaison_tenant() AND c.id = p_charter AND c.status = 'draft'
           AND d.status IN ('prospect', 'onboarding')
           AND e.ends_at > liaison_now() AND e.ends_at < e.onboarding_ends_at
        UNION ALL
        SELECT 9, c.id, 'no territory grant yet: a charter is activated with at least one'
          FROM charters c
         WHERE c.tenant_id = liaison_tenant() AND c.id = p_charter AND c.status = 'draft'
           AND NOT EXISTS (SELECT 1 FROM charter_grants g
                            WHERE g.tenant_id = c.tenant_id AND g.charter_id = c.id)
        UNION ALL
        SELECT 10, c.id, liaison_charter_ended_why(c.id)
          FROM charters c
         WHERE c.tenant_id = liaison_tenant() AND c.id = p_charter AND c.status = 'draft'
           AND liaison_charter_ended_why(c.id) IS NOT NULL
        UNION ALL
        SELECT 11, b.id, format('grants %s (%s, %s) and %s (%s, %s) overlap in %s%s from %s%s:'
                                ' make them agree, or remove one',
                                a.id, a.region, CASE WHEN a.exclusive THEN 'exclusive'
                                                     ELSE 'not exclusive' END,
                                b.id, b.region, CASE WHEN b.exclusive THEN 'exclusive'
                                                     ELSE 'not exclusive' END,
                                -- The narrower region: a country holds its subdivisions.
                                CASE WHEN length(a.region) >= length(b.region) THEN a.region
                                     ELSE b.region END,
                                CASE WHEN a.all_lines AND b.all_lines THEN ''
                                     ELSE ' (' || (SELECT string_agg(l.code, ',' ORDER BY l.code)
                                                     FROM product_lines l
                                                    WHERE l.tenant_id = a.tenant_id
                                                      AND (a.all_lines OR l.id = ANY (a.line_ids))
                                                      AND (b.all_lines OR l.id = ANY (b.line_ids)))
                                          || ')' END,
                                greatest(a.starts_on, b.starts_on),
                                CASE WHEN a.ends_on IS NULL AND b.ends_on IS NULL THEN ''
                                     ELSE ' to ' || least(a.ends_on, b.ends_on) END)
          FROM charter_grants a
          JOIN charter_grants b ON b.tenant_id = a.tenant_id AND b.charter_id = a.charter_id
                               AND b.id > a.id AND b.exclusive <> a.exclusive
          JOIN charters c ON c.tenant_id = a.tenant_id AND c.id = a.charter_id
         WHERE a.tenant_id = liaison_tenant() AND a.charter_id = p_charter AND c.status = 'draft'
           AND liaison_regions_overlap(a.region, b.region)
           AND liaison_lines_overlap(a.all_lines, a.line_ids, b.all_lines, b.line_ids)
           AND liaison_dates_overlap(a.starts_on, a.ends_on, b.starts_on, b.ends_on)
    ) x ORDER BY k, id
$$;
