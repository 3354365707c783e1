-- A meeting neither side recorded within 24 hours of its end counts as
-- missed: the handbook says so to the distributor, and health counts it
-- (0219), but the formal concern cited none of them (a try-out: 15 such
-- meetings in its 90 days, and no meetings section). It cites them now,
-- saying what they were: "... was not recorded as held by either side
-- within 24 hours of its end, and so counts as missed".
--
-- Replaces liaison_concern_meetings_missed (0308) whole but for that; its
-- grant stays.

CREATE OR REPLACE FUNCTION liaison_concern_meetings_missed(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT m.starts_at, format('%s (%s meeting, %s %s) was %s', liaison_md_text(m.title),
                               replace(m.kind, '_', '-'),
                               to_char(m.starts_at AT TIME ZONE z.tz, 'HH24:MI'), z.tz,
                               CASE WHEN m.status = 'missed' THEN 'missed'
                                    ELSE 'not recorded as held by either side within 24'
                                         ' hours of its end, and so counts as missed' END)
      FROM meetings m
     CROSS JOIN (SELECT coalesce(nullif(t.time_zone, ''), 'UTC') AS tz FROM tenants t
                  WHERE t.id = liaison_tenant()) z
     WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
       AND m.starts_at >= p_since AND m.starts_at < p_until
       AND (m.status = 'missed'
            OR m.status = 'scheduled' AND m.ends_at + interval '24 hours' <= p_until)
$$;
