-- The formal concern, a letter to the distributor, named an ad-hoc
-- meeting by the code it is stored under: "(ad_hoc meeting, held)" (a
-- try-out). It reads "ad-hoc meeting" now; the other kinds are words
-- already (weekly, monthly, quarterly, annual, onboarding).
--
-- Replaces liaison_concern_meetings_missed and liaison_concern_notes_missing
-- (0271) whole but for that; their grants stay.

CREATE OR REPLACE FUNCTION liaison_concern_meetings_missed(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT m.starts_at, format('%s (%s meeting, %s %s) was missed', liaison_md_text(m.title),
                               replace(m.kind, '_', '-'),
                               to_char(m.starts_at AT TIME ZONE z.tz, 'HH24:MI'), z.tz)
      FROM meetings m
     CROSS JOIN (SELECT coalesce(nullif(t.time_zone, ''), 'UTC') AS tz FROM tenants t
                  WHERE t.id = liaison_tenant()) z
     WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
       AND m.status = 'missed' AND m.starts_at >= p_since AND m.starts_at < p_until
$$;

CREATE OR REPLACE FUNCTION liaison_concern_notes_missing(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT m.starts_at, format('no notes for %s (%s meeting, held); they were due %s %s',
                               liaison_md_text(m.title), replace(m.kind, '_', '-'),
                               to_char((m.ends_at + interval '24 hours') AT TIME ZONE z.tz,
                                       'YYYY-MM-DD HH24:MI'), z.tz)
      FROM meetings m
     CROSS JOIN (SELECT coalesce(nullif(t.time_zone, ''), 'UTC') AS tz FROM tenants t
                  WHERE t.id = liaison_tenant()) z
     WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
       AND m.status = 'held' AND m.starts_at >= p_since
       AND m.ends_at + interval '24 hours' < p_until
       AND NOT EXISTS (SELECT 1 FROM meeting_notes n WHERE n.tenant_id = m.tenant_id
                          AND n.meeting_id = m.id AND n.created_at <= p_until)
$$;
