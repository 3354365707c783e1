-- A series that said nothing of why it had no meetings (found in a
-- try-out): an amendment ending the grants before the annual planning
-- session's first day left that series active "from 2027-01-04 to
-- 2027-01-04" (a series beginning after the charter's end keeps its first
-- day as its end, 0067) with no meeting and no word in `cadence show` or
-- the handbook. A series now carries a note when it is active and begins
-- after the charter in force ends: that it holds no meetings unless an
-- amendment extends the grants, and when the charter ends; and when it
-- ends after the charter (the onboarding month keeps its end, 0067), that
-- it holds none after the charter's end.
--
-- Replaces liaison_cadence_series_json (0140) whole but for the note.

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
               'attendees', s.attendees,
               'note', CASE WHEN s.status <> 'active' THEN ''
                            WHEN charter.ends_on < s.starts_on
                            THEN format('begins after the charter in force ends on %s: no'
                                        ' meetings unless an amendment extends its grants',
                                        charter.ends_on)
                            WHEN charter.ends_on < coalesce(s.ends_on, 'infinity')
                            THEN format('no meetings after the charter in force ends on %s',
                                        charter.ends_on)
                            ELSE '' END)
           ORDER BY kk.rank, s.id), '[]')
      FROM meeting_series s JOIN liaison_cadence_kinds() kk ON kk.kind = s.kind
      LEFT JOIN LATERAL (
          SELECT CASE WHEN bool_and(g.ends_on IS NOT NULL) THEN max(g.ends_on) END AS ends_on
            FROM charters c JOIN charter_grants g ON g.tenant_id = c.tenant_id
                                                 AND g.charter_id = c.id
           WHERE c.tenant_id = s.tenant_id AND c.distributor_id = s.distributor_id
             AND c.status = 'active') charter ON true
     WHERE s.tenant_id = liaison_tenant()
       AND (s.distributor_id = p_distributor OR p_distributor = 0)
       AND (s.id = p_series OR p_series = 0)
$$;
