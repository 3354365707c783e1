-- No call at night when another time does (found in a try-out): the plan
-- weighed a candidate by its minutes outside each side's business hours
-- only, not by how far outside, so for Los Angeles and Tokyo (9:00-17:00
-- both) a check-in at 09:00 in Los Angeles, 01:00 in Tokyo, cost Tokyo the
-- same 30 minutes as one at 16:30, 08:30 in Tokyo, and won as the earlier
-- of the two. The planner now first keeps the minutes that fall in either
-- side's night, 22:00 to 06:00 local time, outside its business hours, as
-- few as it can; the rotation of the out-of-hours burden between the sides
-- then works among the times left, as before. Where every time falls in
-- somebody's night (hours twelve time zones apart), the fewest night
-- minutes win. Meetings already planned move at the next plan of their
-- distributor (SEQUENCE + 1, as any move). Replaces liaison_cadence_place
-- (0080) but for that order; its grant stays.

-- Minutes of a meeting at p_start lasting p_minutes that fall in one
-- side's night (22:00-06:00 in p_zone) and not in its business hours of a
-- work day (a side whose hours start at 05:00 has chosen to work then).
-- Meetings last at most 480 minutes, so the nights around the day before,
-- of and after its start cover it. A local end before the local start
-- (a meeting across the autumn clock change) counts the meeting as empty
-- from its start rather than failing.
CREATE OR REPLACE FUNCTION liaison_night_minutes(p_start timestamptz, p_minutes integer,
                                                 p_zone text, p_from time, p_to time,
                                                 p_days smallint[])
RETURNS integer LANGUAGE sql STABLE AS $$
    WITH m AS (SELECT tsrange(p_start AT TIME ZONE p_zone,
                              greatest(p_start AT TIME ZONE p_zone,
                                       (p_start + make_interval(mins => p_minutes))
                                           AT TIME ZONE p_zone)) AS r),
    days AS (SELECT (lower(m.r))::date + k AS d FROM m, generate_series(-1, 1) AS k),
    night AS (SELECT m.r * tsrange(days.d + time '22:00', days.d + 1 + time '06:00') AS r
                FROM m, days),
    work AS (SELECT tsrange(days.d + p_from, days.d + p_to) AS r FROM days
              WHERE extract(isodow FROM days.d)::smallint = ANY (p_days))
    SELECT round(coalesce(sum(extract(epoch FROM upper(n.r) - lower(n.r))
                              - coalesce((SELECT sum(extract(epoch FROM upper(n.r * w.r)
                                                                    - lower(n.r * w.r)))
                                            FROM work w WHERE NOT isempty(n.r * w.r)), 0)),
                          0) / 60)::integer
      FROM night n WHERE NOT isempty(n.r)
$$;

-- Where one occurrence goes: as in 0080 (a start within the exporter's
-- local dates p_first..p_last, not before p_not_before, apart from the
-- distributor's other meetings and, where any candidate allows it, from
-- the account manager's calls with other distributors; candidates start
-- at, end at or are centred on a boundary of either side's business
-- hours). The chosen one clashes with no call of the manager's if any
-- candidate allows, then has the fewest minutes in either side's night,
-- then keeps the larger of the two sides' running out-of-hours totals as
-- small as it can, then the meeting's own out-of-hours minutes, then is
-- the earliest. A candidate inside both sides' hours is still taken first
-- without scoring any: it has no minute outside hours, so none at night.
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
    cand AS (SELECT DISTINCT edge.at - o.halves * make_interval(mins => p_minutes) / 2 AS at
               FROM sides, LATERAL (VALUES (sides.lo), (sides.hi)) AS edge (at),
                    (VALUES (0), (1), (2)) AS o (halves)),
    free AS (SELECT cand.at,
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
    inside AS (SELECT free.at FROM free
                WHERE NOT free.clash
                  AND EXISTS (SELECT 1 FROM both_in b WHERE free.at >= b.lo
                                 AND free.at + make_interval(mins => p_minutes) <= b.hi)
                ORDER BY free.at LIMIT 1)
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
                                            p_di_days) AS night
               FROM free WHERE NOT EXISTS (SELECT 1 FROM inside)) fit
      ORDER BY fit.clash, fit.night, greatest(p_ex_total + fit.e, p_di_total + fit.x),
               fit.e + fit.x, fit.at
      LIMIT 1);
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION
            liaison_night_minutes(timestamptz, integer, text, time, time, smallint[])
            TO liaison_app;
    END IF;
END $$;
