-- The monthly review is placed in the week after the report it goes through
-- falls due (0110), and it took that day from the charter active now, while
-- the report, since 0309, is due under the version in force when its month
-- ended (a try-out): an amendment of 2026-09-02 moving the due day from the
-- 12th to the 3rd left August's report due on 2026-09-12, as it should, and
-- moved the review of it to 2026-09-04, before the report was due. Each
-- monthly review now follows its report's own due day (liaison_report_due
-- of the month before the review's), so an amendment moves the reviews of
-- the months that end after it alone.
--
-- Replaces liaison_cadence_generate (0189) whole but for the window a
-- monthly review is placed in.

-- The window of a monthly review that liaison_cadence_window_after_report
-- (0110) gave from the active charter's due day (p_first to p_last, p_first
-- the day after that due day, so that p_first - 1 is in the review's month
-- even when the day is the 28th of a February): the week from the day after
-- the report of the month before falls due (liaison_report_due), not before
-- the series begins (p_start). Other kinds, and a month no charter
-- governs, keep theirs.
CREATE OR REPLACE FUNCTION liaison_cadence_review_window(p_distributor bigint, p_kind text,
                                                         p_start date, p_first date,
                                                         p_last date, OUT first_day date,
                                                         OUT last_day date)
LANGUAGE sql STABLE AS $$
    SELECT coalesce(x.f, p_first), coalesce(x.f + 6, p_last)
      FROM (SELECT CASE WHEN p_kind = 'monthly'
                        THEN greatest(liaison_report_due(p_distributor,
                                          (date_trunc('month', p_first - 1)
                                           - interval '1 month')::date)
                                      + 1, p_start) END AS f) x
$$;

CREATE OR REPLACE FUNCTION liaison_cadence_generate(p_distributor bigint) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    now_at timestamptz := liaison_now();
    d record;
    ex record;
    c_id bigint;
    c_start date;
    c_end date;
    due_day integer;
    anchor date;
    first_plan boolean;
    today date;
    horizon date;
    ex_total integer;
    di_total integer;
    k record;
    t record;
    m record;
    p record;
    m_ex integer;
    m_di integer;
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
    SELECT c.report_due_day INTO due_day FROM charters c
     WHERE c.tenant_id = liaison_tenant() AND c.id = c_id;
    SELECT * INTO ex FROM liaison_exporter_hours(d.account_manager_id);
    today := (now_at AT TIME ZONE ex.time_zone)::date;
    -- The plan starts where the relationship does: the grant's first day, or
    -- the first activation (onboarding_started_at) when the grant is dated
    -- before it, so that a backdated grant still gets its month of
    -- onboarding calls, numbered from one, from the day it went live.
    anchor := greatest(c_start, coalesce((d.onboarding_started_at AT TIME ZONE ex.time_zone)::date,
                                         c_start));
    horizon := (greatest(anchor, today) + interval '12 months')::date;
    IF c_end IS NOT NULL AND c_end + 1 < horizon THEN
        horizon := c_end + 1;
    END IF;

    -- Series made under an earlier charter version follow the version in
    -- force: an amendment that extends or shortens the grants moves their
    -- end (onboarding's month stays as it was). Only once per version, so
    -- an end the user sets afterwards is kept.
    UPDATE meeting_series s SET ends_on = CASE WHEN c_end IS NULL OR c_end >= s.starts_on
                                               THEN c_end ELSE s.starts_on END,
                                charter_id = c_id, updated_at = now()
     WHERE s.tenant_id = liaison_tenant() AND s.distributor_id = p_distributor
       AND s.kind <> 'onboarding' AND s.status = 'active' AND s.charter_id IS NOT NULL
       AND s.charter_id <> c_id;
    -- Meetings to come past their series' end or the charter's are
    -- cancelled, as a paused series' are, so that a later extension brings
    -- them back. (A series that would begin after the charter's end keeps
    -- its first day as its end, the table's rule; the plan's horizon, the
    -- charter's end, places nothing in it.)
    UPDATE meetings mt SET status = 'cancelled', paused_by_series = true,
                           status_reason = 'after the end of the charter in force',
                           sequence = mt.sequence + 1, status_changed_at = now_at,
                           updated_at = now()
      FROM meeting_series s
     WHERE s.tenant_id = liaison_tenant() AND s.distributor_id = p_distributor
       AND mt.tenant_id = s.tenant_id AND mt.series_id = s.id
       AND mt.status = 'scheduled' AND mt.starts_at >= now_at
       AND (mt.starts_at AT TIME ZONE ex.time_zone)::date > least(s.ends_on, c_end);

    -- The series: an existing one of each kind is the user's (title, agenda
    -- and duration as they left them); a missing one is made, unless it
    -- would already be over.
    -- Onboarding belongs to a distributor's first plan only: a plan made
    -- before this anchor (weekly check-ins already running) gains no
    -- onboarding month when it is made again.
    first_plan := NOT EXISTS (SELECT 1 FROM meeting_series s WHERE s.tenant_id = liaison_tenant()
                                 AND s.distributor_id = p_distributor);
    FOR k IN SELECT * FROM liaison_cadence_kinds() LOOP
        CONTINUE WHEN k.kind = 'onboarding' AND NOT first_plan;
        CONTINUE WHEN EXISTS (SELECT 1 FROM meeting_series s WHERE s.tenant_id = liaison_tenant()
                                 AND s.distributor_id = p_distributor AND s.kind = k.kind);
        DECLARE
            s_start date := CASE k.kind
                WHEN 'onboarding' THEN liaison_cadence_onboarding_start(
                    p_distributor, anchor, k.duration_minutes, ex.time_zone, ex.hours_start,
                    ex.hours_end, ex.work_days, d.time_zone, d.business_hours_start,
                    d.business_hours_end, d.work_days, now_at)
                WHEN 'weekly' THEN (anchor + interval '1 month')::date
                WHEN 'monthly' THEN (anchor + interval '1 month')::date
                WHEN 'quarterly' THEN (anchor + interval '3 months')::date
                ELSE (anchor + interval '11 months')::date END;
            s_end date := CASE WHEN k.kind = 'onboarding'
                THEN (anchor + interval '1 month')::date - 1 ELSE c_end END;
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
               r.first_day, least(r.last_day, s.ends_on) AS last_day, kk.rank
          FROM meeting_series s
          JOIN liaison_cadence_kinds() kk ON kk.kind = s.kind
          CROSS JOIN LATERAL generate_series(1, 800) AS n (no)
          CROSS JOIN LATERAL liaison_cadence_window_after_report(s.kind, s.starts_on, n.no,
                                                                 due_day) w
          -- A monthly review's week starts after its own report's due day (r),
          -- at most a month from the one the charter's day gives (w): w's
          -- bounds, a month wider, keep the review window's lookups to the
          -- occurrences near the plan's span, and r's decide.
          CROSS JOIN LATERAL liaison_cadence_review_window(p_distributor, s.kind, s.starts_on,
                                                           w.first_day, w.last_day) r
         WHERE s.tenant_id = liaison_tenant() AND s.distributor_id = p_distributor
           AND s.status = 'active'
           AND w.first_day < horizon + 31 AND w.first_day <= coalesce(s.ends_on + 31, 'infinity')
           AND least(w.last_day + 31, s.ends_on) >= today - 1
           AND r.first_day < horizon AND r.first_day <= coalesce(s.ends_on, 'infinity')
           AND least(r.last_day, s.ends_on) >= today - 1
         ORDER BY r.first_day, kk.rank, n.no
    LOOP
        SELECT * INTO m FROM meetings mt
         WHERE mt.tenant_id = liaison_tenant() AND mt.series_id = t.series_id
           AND mt.occurrence_no = t.no;
        CONTINUE WHEN FOUND AND (m.starts_at < now_at OR NOT (m.status = 'scheduled'
                                 OR (m.status = 'cancelled' AND m.paused_by_series)));
        -- A meeting someone moved stays where they put it: its series' new
        -- title and agenda reach it, its time and length are theirs, its
        -- minutes outside either side's hours follow the hours as they are
        -- now, and it weighs in the running totals like a meeting not being
        -- placed.
        IF FOUND AND m.status = 'scheduled' AND m.moved_by_user THEN
            m_ex := liaison_outside_minutes(
                m.starts_at, (extract(epoch FROM m.ends_at - m.starts_at) / 60)::integer,
                ex.time_zone, ex.hours_start, ex.hours_end, ex.work_days);
            m_di := liaison_outside_minutes(
                m.starts_at, (extract(epoch FROM m.ends_at - m.starts_at) / 60)::integer,
                d.time_zone, d.business_hours_start, d.business_hours_end, d.work_days);
            UPDATE meetings mt SET exporter_outside_minutes = m_ex,
                                   distributor_outside_minutes = m_di
             WHERE mt.tenant_id = liaison_tenant() AND mt.id = m.id
               AND (mt.exporter_outside_minutes, mt.distributor_outside_minutes)
                   IS DISTINCT FROM (m_ex, m_di);
            UPDATE meetings mt SET title = t.title, agenda = t.agenda,
                                   sequence = mt.sequence + 1, updated_at = now()
             WHERE mt.tenant_id = liaison_tenant() AND mt.id = m.id
               AND (mt.title, mt.agenda) IS DISTINCT FROM (t.title, t.agenda);
            IF FOUND THEN
                changed := changed + 1;
            END IF;
            ex_total := ex_total + m_ex;
            di_total := di_total + m_di;
            CONTINUE;
        END IF;
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
                   paused_by_series = false, moved_by_user = false,
                   status_reason = CASE WHEN mt.status <> 'scheduled' THEN ''
                                        ELSE mt.status_reason END,
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

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_cadence_review_window(bigint, text, date, date, date)
            TO liaison_app;
    END IF;
END $$;
