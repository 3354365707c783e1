-- The cadence plan: both sides' working time, the built-in and tenant
-- defaults per kind of meeting, plan generation with time-zone rotation,
-- series edits, the fairness report, the distributor's onboarding on its
-- first charter's activation and the 90-day rule before it becomes active.
-- Every time is computed with PostgreSQL's tz database (AT TIME ZONE with
-- the zone's name), never a fixed offset; "today" and "now" are
-- liaison_now().

-- A future occurrence cancelled because its series was paused: resuming
-- the series brings it back (any other cancellation is final).
ALTER TABLE meetings ADD COLUMN IF NOT EXISTS paused_by_series boolean NOT NULL DEFAULT false;

-- ---------- working time ----------

-- Whether p_zone is a name of the database's tz database. pg_timezone_names
-- reads the zone files, so this is for the RPCs that set a zone, not for
-- placement.
CREATE OR REPLACE FUNCTION liaison_time_zone_ok(p_zone text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names WHERE name = p_zone)
$$;

-- Raises INVALID_ARGUMENT on the field that is wrong, or returns true.
-- Hours are "HH:MM" (checked by the handler), start before end.
CREATE OR REPLACE FUNCTION liaison_working_time_check(p_zone text, p_start text, p_end text,
                                                      p_days smallint[]) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT liaison_check(liaison_time_zone_ok(p_zone), 'workingTime.timeZone',
                         'not a time zone of the tz database (e.g. Europe/Berlin)')
       AND liaison_check(p_start::time < p_end::time, 'workingTime.businessHoursEnd',
                         'business hours end after they start')
       AND liaison_check(cardinality(p_days) BETWEEN 1 AND 7
                         AND p_days <@ '{1,2,3,4,5,6,7}'::smallint[], 'workingTime.workDays',
                         'ISO weekdays 1 (Monday) to 7 (Sunday), at least one')
$$;

-- The working time of the exporter's side for a distributor managed by
-- p_manager: the manager's own when they set a time zone (their hours and
-- days, else the tenant's), else the tenant's.
CREATE OR REPLACE FUNCTION liaison_exporter_hours(p_manager bigint, OUT time_zone text,
                                                  OUT hours_start time, OUT hours_end time,
                                                  OUT work_days smallint[])
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN u.time_zone <> '' THEN u.time_zone ELSE t.time_zone END,
           CASE WHEN u.time_zone <> '' THEN coalesce(u.business_hours_start,
                                                     t.business_hours_start)
                ELSE t.business_hours_start END,
           CASE WHEN u.time_zone <> '' THEN coalesce(u.business_hours_end, t.business_hours_end)
                ELSE t.business_hours_end END,
           CASE WHEN u.time_zone <> '' THEN coalesce(u.work_days, t.work_days)
                ELSE t.work_days END
      FROM tenants t
      LEFT JOIN users u ON u.tenant_id = t.id AND u.id = p_manager
     WHERE t.id = liaison_tenant()
$$;

-- The tenant's row is written by operators only (0002's policy); its
-- working time is the tenant's own to set, through this function run as
-- the owner, for the transaction's tenant and an admin of it alone.
CREATE OR REPLACE FUNCTION liaison_tenant_working_time_write(p_zone text, p_start time,
                                                             p_end time, p_days smallint[])
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    UPDATE public.tenants t SET time_zone = p_zone, business_hours_start = p_start,
                                business_hours_end = p_end, work_days = p_days
     WHERE t.id = public.liaison_tenant()
       AND current_setting('liaison.role', true) = 'tenant_admin'
    RETURNING t.id
$$;
REVOKE ALL ON FUNCTION liaison_tenant_working_time_write(text, time, time, smallint[]) FROM PUBLIC;

-- The tenant's working time (the exporter side's default): zone, start,
-- end, days, checked first.
CREATE OR REPLACE FUNCTION liaison_set_tenant_working_time(p_zone text, p_start text,
                                                           p_end text, p_days smallint[])
RETURNS TABLE (working_time json)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE tenant bigint;
BEGIN
    PERFORM liaison_working_time_check(p_zone, p_start, p_end, p_days);
    tenant := liaison_tenant_working_time_write(p_zone, p_start::time, p_end::time, p_days);
    PERFORM liaison_found(tenant IS NOT NULL, 'no such tenant');
    PERFORM liaison_audit('tenant.working_time', 'tenant', tenant::text);
    RETURN QUERY
    SELECT liaison_working_time_json(t.time_zone, t.business_hours_start, t.business_hours_end,
                                     t.work_days)
      FROM tenants t WHERE t.id = tenant;
END $$;

-- A WorkingTime message as JSON.
CREATE OR REPLACE FUNCTION liaison_working_time_json(p_zone text, p_start time, p_end time,
                                                     p_days smallint[]) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('time_zone', p_zone, 'business_hours_start', liaison_hhmm(p_start),
                             'business_hours_end', liaison_hhmm(p_end), 'work_days', p_days)
$$;

-- A user's working time: $1 user (0: the caller). Admins read anyone's,
-- others only their own (NOT_FOUND otherwise, as for a user that does not
-- exist).
CREATE OR REPLACE FUNCTION liaison_user_working_time(p_user bigint)
RETURNS TABLE (user_id bigint, own boolean, working_time json)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
    me bigint := nullif(current_setting('liaison.user_id', true), '')::bigint;
    who bigint := CASE WHEN p_user = 0 THEN me ELSE p_user END;
BEGIN
    PERFORM liaison_found(who IS NOT NULL AND (who = me
                          OR current_setting('liaison.role', true) = 'tenant_admin')
                          AND EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = liaison_tenant()
                                      AND u.id = who), 'no such user');
    RETURN QUERY
    SELECT u.id, u.time_zone <> '',
           liaison_working_time_json(h.time_zone, h.hours_start, h.hours_end, h.work_days)
      FROM users u, liaison_exporter_hours(u.id) h
     WHERE u.tenant_id = liaison_tenant() AND u.id = who;
END $$;

-- Sets (or with p_clear, forgets) a user's working time: $1 user (0: the
-- caller; an admin may set anyone's), then zone, start, end, days.
CREATE OR REPLACE FUNCTION liaison_set_user_working_time(p_user bigint, p_zone text,
                                                         p_start text, p_end text,
                                                         p_days smallint[], p_clear boolean)
RETURNS TABLE (user_id bigint, own boolean, working_time json)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    me bigint := nullif(current_setting('liaison.user_id', true), '')::bigint;
    who bigint := CASE WHEN p_user = 0 THEN me ELSE p_user END;
BEGIN
    PERFORM liaison_found(who IS NOT NULL AND (who = me
                          OR current_setting('liaison.role', true) = 'tenant_admin')
                          AND EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = liaison_tenant()
                                      AND u.id = who), 'no such user');
    IF p_clear THEN
        UPDATE users u SET time_zone = '', business_hours_start = NULL,
                           business_hours_end = NULL, work_days = NULL
         WHERE u.tenant_id = liaison_tenant() AND u.id = who;
    ELSE
        PERFORM liaison_working_time_check(p_zone, p_start, p_end, p_days);
        UPDATE users u SET time_zone = p_zone, business_hours_start = p_start::time,
                           business_hours_end = p_end::time, work_days = p_days
         WHERE u.tenant_id = liaison_tenant() AND u.id = who;
    END IF;
    PERFORM liaison_audit('user.working_time', 'user', who::text);
    RETURN QUERY SELECT * FROM liaison_user_working_time(who);
END $$;

-- ---------- defaults per kind of meeting ----------

-- The five kinds with their built-in defaults, each overridden by the
-- tenant's row in cadence_defaults when it has one. rank orders them.
CREATE OR REPLACE FUNCTION liaison_cadence_kinds()
RETURNS TABLE (kind text, rank integer, title text, duration_minutes integer, agenda text[],
               built_in boolean)
LANGUAGE sql STABLE AS $$
    SELECT k.kind, k.rank, k.title, coalesce(c.duration_minutes, k.minutes),
           coalesce(c.agenda, k.agenda), c.id IS NULL
      FROM (VALUES
        ('onboarding', 1, 'Onboarding call', 30,
         '{introductions and roles,charter walk-through,first orders and stock,open questions}'
         ::text[]),
        ('weekly', 2, 'Weekly check-in', 30, '{pipeline,orders,issues}'::text[]),
        ('monthly', 3, 'Monthly performance review', 60,
         '{monthly performance report,targets and attainment,inventory cover}'::text[]),
        ('quarterly', 4, 'Quarterly business review', 90,
         '{scorecard,charter commitments,priorities for the next quarter}'::text[]),
        ('annual', 5, 'Annual strategic planning', 180,
         '{joint business plan,targets for the year,charter renewal}'::text[])
      ) AS k (kind, rank, title, minutes, agenda)
      LEFT JOIN cadence_defaults c ON c.tenant_id = liaison_tenant() AND c.kind = k.kind
     ORDER BY k.rank
$$;

-- An admin's default for a kind ($1), or with p_reset the built-in one back.
CREATE OR REPLACE FUNCTION liaison_set_cadence_default(p_kind text, p_minutes integer,
                                                       p_agenda text[], p_reset boolean)
RETURNS TABLE (kind text, duration_minutes integer, agenda text[], built_in boolean)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE row_id bigint;
BEGIN
    PERFORM liaison_check(p_kind IN ('onboarding', 'weekly', 'monthly', 'quarterly', 'annual'),
                          'kind', 'onboarding, weekly, monthly, quarterly or annual');
    IF p_reset THEN
        DELETE FROM cadence_defaults c WHERE c.tenant_id = liaison_tenant() AND c.kind = p_kind
        RETURNING c.id INTO row_id;
    ELSE
        PERFORM liaison_check(p_minutes BETWEEN 5 AND 480, 'durationMinutes',
                              '5 to 480 minutes');
        INSERT INTO cadence_defaults AS c (tenant_id, kind, duration_minutes, agenda)
        VALUES (liaison_tenant(), p_kind, p_minutes, p_agenda)
        ON CONFLICT ON CONSTRAINT cadence_defaults_tenant_id_kind_key DO UPDATE
            SET duration_minutes = EXCLUDED.duration_minutes, agenda = EXCLUDED.agenda
        RETURNING c.id INTO row_id;
    END IF;
    PERFORM liaison_audit(CASE WHEN p_reset THEN 'cadence_default.reset'
                               ELSE 'cadence_default.set' END, 'cadence_default', p_kind);
    RETURN QUERY SELECT k.kind, k.duration_minutes, k.agenda, k.built_in
                   FROM liaison_cadence_kinds() k WHERE k.kind = p_kind;
END $$;

-- ---------- placement ----------

-- Minutes of [p_start, p_end) inside one side's business hours on local
-- date p_day (0 when p_day is not one of its work days). Inlined by the
-- planner: one expression.
CREATE OR REPLACE FUNCTION liaison_inside_minutes(p_start timestamptz, p_end timestamptz,
                                                  p_day date, p_zone text, p_from time,
                                                  p_to time, p_days smallint[])
RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN extract(isodow FROM p_day)::smallint = ANY (p_days)
        THEN greatest(0, extract(epoch FROM least(p_end, (p_day + p_to) AT TIME ZONE p_zone)
                                            - greatest(p_start, (p_day + p_from) AT TIME ZONE p_zone))
                         / 60)::integer
        ELSE 0 END
$$;

-- Minutes of a meeting at p_start lasting p_minutes outside one side's
-- business hours, each minute judged in that side's own local date (a
-- meeting of at most a day touches at most two of them).
CREATE OR REPLACE FUNCTION liaison_outside_minutes(p_start timestamptz, p_minutes integer,
                                                   p_zone text, p_from time, p_to time,
                                                   p_days smallint[])
RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT p_minutes
         - liaison_inside_minutes(p_start, p_start + make_interval(mins => p_minutes),
                                  (p_start AT TIME ZONE p_zone)::date, p_zone, p_from, p_to, p_days)
         - CASE WHEN ((p_start + make_interval(mins => p_minutes)) AT TIME ZONE p_zone)::date
                     = (p_start AT TIME ZONE p_zone)::date THEN 0
                ELSE liaison_inside_minutes(p_start, p_start + make_interval(mins => p_minutes),
                         ((p_start + make_interval(mins => p_minutes)) AT TIME ZONE p_zone)::date,
                         p_zone, p_from, p_to, p_days) END
$$;

-- Where one occurrence goes: a start within the exporter's local dates
-- p_first..p_last, not before p_not_before, not overlapping another
-- meeting of the distributor (but p_meeting, its own earlier placement).
-- Candidates start at, end at or are centred on a boundary of either
-- side's business hours on the dates around the window. The chosen one
-- keeps the larger of the two sides' running out-of-hours totals
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
BEGIN
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
    free AS (SELECT cand.at FROM cand
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
                WHERE EXISTS (SELECT 1 FROM both_in b WHERE free.at >= b.lo
                                 AND free.at + make_interval(mins => p_minutes) <= b.hi)
                ORDER BY free.at LIMIT 1)
    SELECT inside.at, 0, 0 FROM inside
    UNION ALL
    (SELECT fit.at, fit.e, fit.x
       FROM (SELECT free.at,
                    liaison_outside_minutes(free.at, p_minutes, p_ex_zone, p_ex_from, p_ex_to,
                                            p_ex_days) AS e,
                    liaison_outside_minutes(free.at, p_minutes, p_di_zone, p_di_from, p_di_to,
                                            p_di_days) AS x
               FROM free WHERE NOT EXISTS (SELECT 1 FROM inside)) fit
      ORDER BY greatest(p_ex_total + fit.e, p_di_total + fit.x), fit.e + fit.x, fit.at
      LIMIT 1);
END $$;

-- ---------- plan generation ----------

-- The local dates occurrence p_no of a series of kind p_kind starting on
-- p_start may take (the exporter's dates). Onboarding: twice a week, days
-- 0-2 and 3-6 of each week; weekly: each 7 days; monthly and quarterly:
-- the first week of each month or quarter from the start; annual: two
-- weeks a month before each charter year ends, to plan the next one.
CREATE OR REPLACE FUNCTION liaison_cadence_window(p_kind text, p_start date, p_no integer,
                                                  OUT first_day date, OUT last_day date)
LANGUAGE sql IMMUTABLE AS $$
    SELECT f, f + CASE p_kind WHEN 'onboarding' THEN 2 + (p_no - 1) % 2
                              WHEN 'annual' THEN 13 ELSE 6 END
      FROM (SELECT CASE p_kind
          WHEN 'onboarding' THEN p_start + 7 * ((p_no - 1) / 2) + 3 * ((p_no - 1) % 2)
          WHEN 'weekly' THEN p_start + 7 * (p_no - 1)
          WHEN 'monthly' THEN (p_start + make_interval(months => p_no - 1))::date
          WHEN 'quarterly' THEN (p_start + make_interval(months => 3 * (p_no - 1)))::date
          ELSE (p_start + make_interval(months => 12 * (p_no - 1)))::date END AS f) x
$$;

-- Makes or updates distributor p_distributor's plan: one series per kind
-- (created from the tenant's defaults the first time; a paused or ended
-- series makes nothing), and each series' occurrences from the charter's
-- start up to 12 months after the later of that start and today (or the
-- charter's end, when every grant ends). An occurrence keeps its
-- occurrence_no, so regenerating finds it: held, missed and cancelled
-- ones and those already begun are never touched; a future scheduled one
-- moves when its placement changes (sequence bumped); occurrences whose
-- time has passed before they were first planned are not made. Occurrences
-- are placed in time order with running out-of-hours totals that start
-- from the distributor's meetings not being placed. Returns how many
-- occurrences were made or changed. The caller has checked the reach.
CREATE OR REPLACE FUNCTION liaison_cadence_generate(p_distributor bigint) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    now_at timestamptz := liaison_now();
    d record;
    ex record;
    c_id bigint;
    c_start date;
    c_end date;
    today date;
    horizon date;
    ex_total integer;
    di_total integer;
    k record;
    t record;
    m record;
    p record;
    changed integer := 0;
BEGIN
    SELECT * INTO d FROM distributors
     WHERE tenant_id = liaison_tenant() AND id = p_distributor FOR UPDATE;
    SELECT c.id, min(g.starts_on),
           CASE WHEN bool_and(g.ends_on IS NOT NULL) THEN max(g.ends_on) END
      INTO c_id, c_start, c_end
      FROM charters c JOIN charter_grants g ON g.tenant_id = c.tenant_id AND g.charter_id = c.id
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
       AND c.status = 'active'
     GROUP BY c.id;
    PERFORM liaison_precondition(c_id IS NOT NULL,
        'the distributor has no active charter: its cadence starts from the charter');
    SELECT * INTO ex FROM liaison_exporter_hours(d.account_manager_id);
    today := (now_at AT TIME ZONE ex.time_zone)::date;
    horizon := (greatest(c_start, today) + interval '12 months')::date;
    IF c_end IS NOT NULL AND c_end + 1 < horizon THEN
        horizon := c_end + 1;
    END IF;

    -- The series: an existing one of each kind is the user's (title, agenda
    -- and duration as they left them); a missing one is made, unless it
    -- would already be over.
    FOR k IN SELECT * FROM liaison_cadence_kinds() LOOP
        CONTINUE WHEN EXISTS (SELECT 1 FROM meeting_series s WHERE s.tenant_id = liaison_tenant()
                                 AND s.distributor_id = p_distributor AND s.kind = k.kind);
        DECLARE
            s_start date := CASE k.kind
                WHEN 'onboarding' THEN c_start
                WHEN 'weekly' THEN (c_start + interval '1 month')::date
                WHEN 'monthly' THEN (c_start + interval '1 month')::date
                WHEN 'quarterly' THEN (c_start + interval '3 months')::date
                ELSE (c_start + interval '11 months')::date END;
            s_end date := CASE WHEN k.kind = 'onboarding'
                THEN (c_start + interval '1 month')::date - 1 ELSE c_end END;
            s_id bigint;
        BEGIN
            CONTINUE WHEN s_end < today OR (c_end IS NOT NULL AND s_start > c_end);
            INSERT INTO meeting_series (tenant_id, distributor_id, kind, title, agenda,
                                        duration_minutes, starts_on, ends_on, charter_id)
            VALUES (liaison_tenant(), p_distributor, k.kind, left(k.title || ' · ' || d.name, 200),
                    k.agenda, k.duration_minutes, s_start, s_end, c_id)
            RETURNING id INTO s_id;
            PERFORM liaison_audit('meeting_series.create', 'meeting_series', s_id::text);
        END;
    END LOOP;

    SELECT coalesce(sum(exporter_outside_minutes), 0), coalesce(sum(distributor_outside_minutes), 0)
      INTO ex_total, di_total
      FROM meetings mt
     WHERE mt.tenant_id = liaison_tenant() AND mt.distributor_id = p_distributor
       AND mt.status <> 'cancelled'
       AND NOT (mt.series_id IS NOT NULL AND mt.status = 'scheduled' AND mt.starts_at >= now_at);

    FOR t IN
        SELECT s.id AS series_id, s.kind, s.title, s.agenda, s.duration_minutes, n.no,
               w.first_day, least(w.last_day, s.ends_on) AS last_day, kk.rank
          FROM meeting_series s
          JOIN liaison_cadence_kinds() kk ON kk.kind = s.kind
          CROSS JOIN LATERAL generate_series(1, 800) AS n (no)
          CROSS JOIN LATERAL liaison_cadence_window(s.kind, s.starts_on, n.no) w
         WHERE s.tenant_id = liaison_tenant() AND s.distributor_id = p_distributor
           AND s.status = 'active'
           AND w.first_day < horizon AND w.first_day <= coalesce(s.ends_on, 'infinity')
           AND least(w.last_day, s.ends_on) >= today - 1
         ORDER BY w.first_day, kk.rank, n.no
    LOOP
        SELECT * INTO m FROM meetings mt
         WHERE mt.tenant_id = liaison_tenant() AND mt.series_id = t.series_id
           AND mt.occurrence_no = t.no;
        CONTINUE WHEN FOUND AND (m.starts_at < now_at OR NOT (m.status = 'scheduled'
                                 OR (m.status = 'cancelled' AND m.paused_by_series)));
        SELECT * INTO p FROM liaison_cadence_place(
            p_distributor, m.id, t.first_day, t.last_day, t.duration_minutes,
            ex.time_zone, ex.hours_start, ex.hours_end, ex.work_days,
            d.time_zone, d.business_hours_start, d.business_hours_end, d.work_days,
            ex_total, di_total, now_at);
        CONTINUE WHEN NOT FOUND;
        IF m.id IS NULL THEN
            INSERT INTO meetings (tenant_id, distributor_id, series_id, occurrence_no, kind, title,
                                  agenda, starts_at, ends_at, exporter_outside_minutes,
                                  distributor_outside_minutes)
            VALUES (liaison_tenant(), p_distributor, t.series_id, t.no, t.kind, t.title, t.agenda,
                    p.starts_at, p.starts_at + make_interval(mins => t.duration_minutes),
                    p.exporter_outside, p.distributor_outside);
            changed := changed + 1;
        ELSIF (m.starts_at, m.ends_at, m.title, m.agenda, m.status)
              IS DISTINCT FROM (p.starts_at,
                                p.starts_at + make_interval(mins => t.duration_minutes),
                                t.title, t.agenda, 'scheduled'::text) THEN
            UPDATE meetings mt
               SET starts_at = p.starts_at,
                   ends_at = p.starts_at + make_interval(mins => t.duration_minutes),
                   title = t.title, agenda = t.agenda, status = 'scheduled',
                   paused_by_series = false,
                   exporter_outside_minutes = p.exporter_outside,
                   distributor_outside_minutes = p.distributor_outside,
                   sequence = mt.sequence + 1, updated_at = now(),
                   status_changed_at = CASE WHEN mt.status <> 'scheduled' THEN now_at
                                            ELSE mt.status_changed_at END
             WHERE mt.tenant_id = liaison_tenant() AND mt.id = m.id;
            changed := changed + 1;
        ELSE
            -- Same time, but a change of hours may have moved the burden.
            UPDATE meetings mt SET exporter_outside_minutes = p.exporter_outside,
                                   distributor_outside_minutes = p.distributor_outside
             WHERE mt.tenant_id = liaison_tenant() AND mt.id = m.id
               AND (mt.exporter_outside_minutes, mt.distributor_outside_minutes)
                   IS DISTINCT FROM (p.exporter_outside, p.distributor_outside);
        END IF;
        ex_total := ex_total + p.exporter_outside;
        di_total := di_total + p.distributor_outside;
    END LOOP;
    PERFORM liaison_audit('cadence.plan', 'distributor', p_distributor::text);
    RETURN changed;
END $$;

-- ---------- what the RPCs read ----------

-- A distributor the caller reaches, or NOT_FOUND.
CREATE OR REPLACE FUNCTION liaison_cadence_distributor(p_distributor bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT liaison_found(EXISTS (SELECT 1 FROM distributors d
                                  WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
                                    AND liaison_sees_distributor(d.id, d.account_manager_id)),
                         'no such distributor')
$$;

-- "2026-03-03 09:00 Europe/Berlin": an instant in one side's local time.
CREATE OR REPLACE FUNCTION liaison_local_time(p_at timestamptz, p_zone text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT to_char(p_at AT TIME ZONE p_zone, 'YYYY-MM-DD HH24:MI ') || p_zone
$$;

-- The series of a distributor (or one, p_series > 0) as CadenceSeries JSON.
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
                                     AND m.starts_at >= liaison_now()))
           ORDER BY kk.rank, s.id), '[]')
      FROM meeting_series s JOIN liaison_cadence_kinds() kk ON kk.kind = s.kind
     WHERE s.tenant_id = liaison_tenant()
       AND (s.distributor_id = p_distributor OR p_distributor = 0)
       AND (s.id = p_series OR p_series = 0)
$$;

-- A distributor's cadence: both sides' working time, its series and its
-- next p_upcoming scheduled occurrences (from now), each shown in both
-- sides' local time. The caller has checked the reach.
CREATE OR REPLACE FUNCTION liaison_cadence_get(p_distributor bigint, p_upcoming integer)
RETURNS TABLE (distributor_id bigint, exporter json, distributor json, series json,
               upcoming json)
LANGUAGE sql STABLE AS $$
    SELECT d.id,
           liaison_working_time_json(ex.time_zone, ex.hours_start, ex.hours_end, ex.work_days),
           liaison_working_time_json(d.time_zone, d.business_hours_start, d.business_hours_end,
                                     d.work_days),
           liaison_cadence_series_json(d.id, 0),
           (SELECT coalesce(json_agg(json_build_object(
                       'id', m.id, 'series_id', m.series_id, 'occurrence_no', m.occurrence_no,
                       'kind', m.kind, 'title', m.title, 'agenda', m.agenda,
                       'starts_at', liaison_rfc3339(m.starts_at),
                       'ends_at', liaison_rfc3339(m.ends_at), 'status', m.status,
                       'sequence', m.sequence,
                       'exporter_local', liaison_local_time(m.starts_at, ex.time_zone),
                       'distributor_local', liaison_local_time(m.starts_at, d.time_zone),
                       'exporter_outside_minutes', m.exporter_outside_minutes,
                       'distributor_outside_minutes', m.distributor_outside_minutes)
                       ORDER BY m.starts_at, m.id), '[]')
              FROM (SELECT * FROM meetings m
                     WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = d.id
                       AND m.status = 'scheduled' AND m.starts_at >= liaison_now()
                     ORDER BY m.starts_at, m.id
                     LIMIT CASE WHEN p_upcoming = 0 THEN 10 ELSE p_upcoming END) m)
      FROM distributors d, liaison_exporter_hours(d.account_manager_id) ex
     WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
$$;

-- Per side, the meetings of a distributor starting in the exporter's local
-- dates p_from..p_to and how many of them, and how many minutes, fall
-- outside that side's business hours. Held, missed and scheduled meetings
-- count; cancelled ones do not (nobody sat in them).
CREATE OR REPLACE FUNCTION liaison_cadence_fairness(p_distributor bigint, p_from date, p_to date)
RETURNS TABLE (distributor_id bigint, "from" text, "to" text, meetings bigint, exporter json,
               distributor json)
LANGUAGE sql STABLE AS $$
    SELECT d.id, p_from::text, p_to::text, count(m.id),
           json_build_object('time_zone', ex.time_zone,
                             'outside_count', count(m.id) FILTER (WHERE m.exporter_outside_minutes > 0),
                             'outside_minutes', coalesce(sum(m.exporter_outside_minutes), 0)),
           json_build_object('time_zone', d.time_zone,
                             'outside_count',
                             count(m.id) FILTER (WHERE m.distributor_outside_minutes > 0),
                             'outside_minutes', coalesce(sum(m.distributor_outside_minutes), 0))
      FROM distributors d
     CROSS JOIN liaison_exporter_hours(d.account_manager_id) ex
      LEFT JOIN meetings m ON m.tenant_id = d.tenant_id AND m.distributor_id = d.id
            AND m.status <> 'cancelled'
            AND m.starts_at >= p_from::timestamp AT TIME ZONE ex.time_zone
            AND m.starts_at < (p_to + 1)::timestamp AT TIME ZONE ex.time_zone
     WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
     GROUP BY d.id, ex.time_zone, d.time_zone
$$;

-- ---------- series edits ----------

-- Edits series p_series of a distributor the caller reaches: title,
-- agenda, duration (NULL: keep) and status ('': keep). Pausing and ending
-- cancel the future scheduled occurrences (sequence bumped, so calendars
-- see them cancelled); held, missed and begun ones stay. Resuming a
-- paused series brings back what the pause cancelled, and every change
-- re-plans the distributor, so a new duration moves future occurrences.
-- An ended series ends today (the exporter's date) and stays ended.
CREATE OR REPLACE FUNCTION liaison_cadence_series_update(p_series bigint, p_title text,
                                                         p_agenda text[], p_minutes integer,
                                                         p_status text)
RETURNS TABLE (series json)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    s record;
    now_at timestamptz := liaison_now();
    today date;
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

-- ---------- the distributor's life cycle ----------

-- On a charter's activation: a prospect moves to onboarding and a
-- distributor in onboarding without a start gets one (now), and a
-- distributor without a plan gets its cadence planned, all in the
-- activation's transaction; an amendment's activation changes nothing here.
-- Returns true, to stand in the activation's RETURNING list.
CREATE OR REPLACE FUNCTION liaison_cadence_activated(p_distributor bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    was text;
    started timestamptz;
BEGIN
    SELECT d.status, d.onboarding_started_at INTO was, started FROM distributors d
     WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor FOR UPDATE;
    IF was IN ('prospect', 'onboarding') AND started IS NULL THEN
        UPDATE distributors d SET onboarding_started_at = liaison_now(), status = 'onboarding'
         WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor;
        IF was = 'prospect' THEN
            PERFORM liaison_audit('distributor.status.onboarding', 'distributor',
                                  p_distributor::text);
        END IF;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM meeting_series s WHERE s.tenant_id = liaison_tenant()
                      AND s.distributor_id = p_distributor) THEN
        PERFORM liaison_cadence_generate(p_distributor);
    END IF;
    RETURN true;
END $$;

-- Why onboarding distributor p_distributor may not become active yet, or
-- NULL. It may after 90 days of onboarding with the cadence kept: each of
-- the 12 whole weeks (7 days from the onboarding's start) in those 90 days
-- had at least one held meeting with it. The rule holds for onboarding
-- that began with a first charter's activation (onboarding_started_at),
-- which planned the cadence to keep; a distributor moved to onboarding by
-- hand, without a charter, has no cadence and no such rule.
CREATE OR REPLACE FUNCTION liaison_onboarding_unfinished(p_distributor bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN d.onboarding_started_at IS NULL THEN NULL
        WHEN liaison_now() < d.onboarding_started_at + interval '90 days' THEN
            format('onboarding started on %s: a distributor becomes active after 90 days of '
                   'onboarding, on %s at the earliest',
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

-- The 90-day rule, wherever a distributor's status changes from onboarding
-- to active: refused (FAILED_PRECONDITION, with the reason) inside the
-- transaction, before anything is written.
CREATE OR REPLACE FUNCTION liaison_onboarding_rule() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE why text;
BEGIN
    IF OLD.status = 'onboarding' AND NEW.status = 'active' THEN
        why := liaison_onboarding_unfinished(NEW.id);
        PERFORM liaison_precondition(why IS NULL, why);
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS distributors_onboarding_rule ON distributors;
CREATE TRIGGER distributors_onboarding_rule BEFORE UPDATE OF status ON distributors
    FOR EACH ROW EXECUTE FUNCTION liaison_onboarding_rule();

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_time_zone_ok(text),
            liaison_working_time_check(text, text, text, smallint[]),
            liaison_exporter_hours(bigint),
            liaison_set_tenant_working_time(text, text, text, smallint[]),
            liaison_tenant_working_time_write(text, time, time, smallint[]),
            liaison_working_time_json(text, time, time, smallint[]),
            liaison_user_working_time(bigint),
            liaison_set_user_working_time(bigint, text, text, text, smallint[], boolean),
            liaison_cadence_kinds(),
            liaison_set_cadence_default(text, integer, text[], boolean),
            liaison_inside_minutes(timestamptz, timestamptz, date, text, time, time, smallint[]),
            liaison_outside_minutes(timestamptz, integer, text, time, time, smallint[]),
            liaison_cadence_place(bigint, bigint, date, date, integer, text, time, time,
                                  smallint[], text, time, time, smallint[], integer, integer,
                                  timestamptz),
            liaison_cadence_window(text, date, integer),
            liaison_cadence_generate(bigint), liaison_cadence_distributor(bigint),
            liaison_local_time(timestamptz, text), liaison_cadence_series_json(bigint, bigint),
            liaison_cadence_get(bigint, integer), liaison_cadence_fairness(bigint, date, date),
            liaison_cadence_series_update(bigint, text, text[], integer, text),
            liaison_cadence_activated(bigint), liaison_onboarding_unfinished(bigint),
            liaison_onboarding_rule()
            TO liaison_app;
    END IF;
END $$;
