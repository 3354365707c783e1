-- A re-plan moved meetings whose time still suited both sides (found in a
-- try-out): after a distributor's hours changed, monthly reviews at 10:00
-- Berlin, 16:00 in Bangkok, inside both sides' new hours and clear of
-- every other call, went to 14:00, the new hours' edge, and every
-- attendee's calendar was sent the move. The planner places a call at an
-- edge of either side's hours, and 10:00 was no longer one. A scheduled
-- meeting's own time is now a candidate too, and taken first while it is
-- inside both sides' hours and clear of the distributor's other meetings
-- and of the account manager's other calls; otherwise the call goes where
-- it went before. Where the hours do not meet, placement is as before.
--
-- Replaces liaison_cadence_place (0252) whole but for that; its grant stays.

CREATE OR REPLACE FUNCTION liaison_cadence_place(
    p_distributor bigint, p_meeting bigint, p_first date, p_last date, p_minutes integer,
    p_ex_zone text, p_ex_from time, p_ex_to time, p_ex_days smallint[],
    p_di_zone text, p_di_from time, p_di_to time, p_di_days smallint[],
    p_ex_total integer, p_di_total integer, p_not_before timestamptz)
RETURNS TABLE (starts_at timestamptz, exporter_outside integer, distributor_outside integer)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
DECLARE
    v_manager bigint;
BEGIN
    SELECT d.account_manager_id INTO v_manager FROM distributors d
     WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor;
    RETURN QUERY
    WITH days AS (SELECT d::date AS d FROM generate_series(p_first - 1, p_last + 1,
                                                           interval '1 day') g (d)),
    sides AS (SELECT s.side, days.d, (days.d + s.f) AT TIME ZONE s.z AS lo,
                     (days.d + s.t) AT TIME ZONE s.z AS hi,
                     extract(isodow FROM days.d)::smallint = ANY (s.w) AS works
                FROM days, (VALUES (1, p_ex_zone, p_ex_from, p_ex_to, p_ex_days),
                                   (2, p_di_zone, p_di_from, p_di_to, p_di_days))
                           AS s (side, z, f, t, w)),
    both_in AS (SELECT greatest(e.lo, x.lo) AS lo, least(e.hi, x.hi) AS hi
                  FROM sides e JOIN sides x ON e.side = 1 AND x.side = 2 AND e.works AND x.works
                                           AND x.lo < e.hi AND e.lo < x.hi),
    -- The meeting's own time, while it is scheduled at its length: kept
    -- below when it is still inside both sides' hours and clear.
    cur AS (SELECT m.starts_at AS at FROM meetings m
             WHERE m.tenant_id = liaison_tenant() AND m.id = p_meeting
               AND m.status = 'scheduled'
               AND m.ends_at - m.starts_at = make_interval(mins => p_minutes)),
    cand AS (SELECT edge.at - o.halves * make_interval(mins => p_minutes) / 2 AS at
               FROM sides, LATERAL (VALUES (sides.lo), (sides.hi)) AS edge (at),
                    (VALUES (0), (1), (2)) AS o (halves)
             UNION SELECT cur.at FROM cur),
    free0 AS (SELECT cand.at,
                    EXISTS (SELECT 1 FROM meetings m
                              JOIN distributors o ON o.tenant_id = m.tenant_id
                                                 AND o.id = m.distributor_id
                             WHERE v_manager IS NOT NULL
                               AND m.tenant_id = liaison_tenant()
                               AND o.account_manager_id = v_manager
                               AND m.distributor_id <> p_distributor
                               AND m.status <> 'cancelled'
                               AND m.starts_at < cand.at + make_interval(mins => p_minutes)
                               AND m.starts_at > cand.at - interval '1 day'
                               AND m.ends_at > cand.at) AS clash
               FROM cand
              WHERE cand.at >= p_first::timestamp AT TIME ZONE p_ex_zone
                AND cand.at + make_interval(mins => p_minutes)
                    <= (p_last + 1)::timestamp AT TIME ZONE p_ex_zone
                AND cand.at >= p_not_before
                AND NOT EXISTS (SELECT 1 FROM meetings m
                                 WHERE m.tenant_id = liaison_tenant()
                                   AND m.distributor_id = p_distributor
                                   AND m.status <> 'cancelled'
                                   AND m.id IS DISTINCT FROM p_meeting
                                   AND m.starts_at < cand.at + make_interval(mins => p_minutes)
                                   AND m.starts_at > cand.at - interval '1 day'
                                   AND m.ends_at > cand.at)),
    -- The window's first slot on both sides' work days, at no one's night
    -- and clashing with nothing: the call goes within two days of it.
    decent AS (SELECT min(free0.at) AS at FROM free0
                WHERE NOT free0.clash
                  AND extract(isodow FROM free0.at AT TIME ZONE p_ex_zone)::smallint
                      = ANY (p_ex_days)
                  AND extract(isodow FROM free0.at AT TIME ZONE p_di_zone)::smallint
                      = ANY (p_di_days)
                  AND liaison_night_minutes(free0.at, p_minutes, p_ex_zone, p_ex_from, p_ex_to,
                                            p_ex_days)
                      + liaison_night_minutes(free0.at, p_minutes, p_di_zone, p_di_from,
                                              p_di_to, p_di_days) = 0),
    -- Only where the two sides' hours do not meet, for the call's length,
    -- in the window's first three days: where they do, a later in-hours
    -- slot is still better than one outside (the first days' taken by the
    -- account manager's other calls, or already past at a re-plan).
    free AS (SELECT free0.* FROM free0, decent
              WHERE decent.at IS NULL OR free0.at < decent.at + interval '2 days'
                 OR EXISTS (SELECT 1 FROM both_in b
                             WHERE b.hi - b.lo >= make_interval(mins => p_minutes)
                               AND b.hi > p_first::timestamp AT TIME ZONE p_ex_zone
                               AND b.lo < (p_first + 3)::timestamp AT TIME ZONE p_ex_zone)),
    inside AS (SELECT free.at FROM free
                WHERE NOT free.clash
                  AND EXISTS (SELECT 1 FROM both_in b WHERE free.at >= b.lo
                                 AND free.at + make_interval(mins => p_minutes) <= b.hi)
                ORDER BY free.at IS NOT DISTINCT FROM (SELECT cur.at FROM cur) DESC, free.at
                LIMIT 1)
    SELECT inside.at, 0, 0 FROM inside
    UNION ALL
    (SELECT fit.at, fit.e, fit.x
       FROM (SELECT free.at, free.clash,
                    liaison_outside_minutes(free.at, p_minutes, p_ex_zone, p_ex_from, p_ex_to,
                                            p_ex_days) AS e,
                    liaison_outside_minutes(free.at, p_minutes, p_di_zone, p_di_from, p_di_to,
                                            p_di_days) AS x,
                    liaison_night_minutes(free.at, p_minutes, p_ex_zone, p_ex_from, p_ex_to,
                                          p_ex_days)
                    + liaison_night_minutes(free.at, p_minutes, p_di_zone, p_di_from, p_di_to,
                                            p_di_days) AS night,
                    (extract(isodow FROM free.at AT TIME ZONE p_ex_zone)::smallint
                         <> ALL (p_ex_days))::integer
                    + (extract(isodow FROM free.at AT TIME ZONE p_di_zone)::smallint
                           <> ALL (p_di_days))::integer AS off_days
               FROM free WHERE NOT EXISTS (SELECT 1 FROM inside)) fit
      ORDER BY fit.clash, fit.night, fit.off_days,
               greatest(p_ex_total + fit.e, p_di_total + fit.x),
               fit.e + fit.x, fit.at
      LIMIT 1);
END $$;
