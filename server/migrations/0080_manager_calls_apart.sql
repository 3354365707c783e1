-- An account manager's calls do not clash (found running a quarter with
-- the CLI): the plan kept a distributor's own meetings apart but not those
-- of two distributors with the same account manager, so a manager of a
-- distributor in Ho Chi Minh City and one in Tokyo had both weekly
-- check-ins on Thursday at 09:00 Berlin time, and both onboarding calls on
-- Mondays at 09:00, every week. A generated occurrence now also avoids
-- the meetings (not cancelled) of the other distributors of the same
-- account manager; with the hours full it goes where the out-of-hours
-- burden allows, as before. A manager with so many calls that every
-- candidate clashes still gets the meeting, where the other rules place
-- it: a clash the manager can move beats a call never planned. Meetings
-- already planned move at the next plan of their distributor (SEQUENCE + 1,
-- as any move). Replaces liaison_cadence_place (0016); its grant stays.

-- Where one occurrence goes: a start within the exporter's local dates
-- p_first..p_last, not before p_not_before, not overlapping another
-- meeting of the distributor (but p_meeting, its own earlier placement)
-- and, where any candidate allows it, not one of another distributor with
-- the same account manager, who is the exporter's side of both.
-- Candidates start at, end at or are centred on a boundary of either
-- side's business hours on the dates around the window. The chosen one
-- clashes with no call of the manager's if any candidate allows, then keeps
-- the larger of the two sides' running out-of-hours totals
-- (p_ex_total, p_di_total) as small as it can, then the meeting's own
-- out-of-hours minutes, then is the earliest: where the hours overlap that
-- is a meeting inside both; where they do not, the burden goes to the side
-- that has carried less so far. No row when nothing fits.
--
-- A candidate inside both sides' hours on their work days (inside one
-- intersection of their windows) is always the best by that order, so
-- the earliest such is taken without computing any candidate's minutes;
-- only a window without one scores every candidate. PL/pgSQL with a
-- generic plan: planning this query costs more than running it, so it is
-- planned once a session rather than at every call.
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
                                            p_di_days) AS x
               FROM free WHERE NOT EXISTS (SELECT 1 FROM inside)) fit
      ORDER BY fit.clash, greatest(p_ex_total + fit.e, p_di_total + fit.x), fit.e + fit.x, fit.at
      LIMIT 1);
END $$;
