-- An onboarding week runs seven days from the instant onboarding began
-- (0253), but 0331's refusals named it by two days, "the week from
-- 2026-12-07 to 2026-12-13" (a try-out): a call moved to the 14th before
-- that instant's hour was still in the week and allowed, while one moved
-- within the days named but before that hour was refused as moved out. The
-- week is named by its bounds now, to the minute in the exporter's zone,
-- the end not included: "the week from 2026-12-08 03:42 until 2026-12-15
-- 03:42 (Asia/Ho_Chi_Minh)".
--
-- Replaces liaison_onboarding_week_left (0331) whole but for that.

CREATE OR REPLACE FUNCTION liaison_onboarding_week_left(p_meeting bigint, p_to timestamptz)
RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    dist bigint;
BEGIN
    SELECT m.distributor_id INTO dist FROM public.meetings m
     WHERE m.tenant_id = public.liaison_tenant() AND m.id = p_meeting;
    IF dist IS NULL THEN
        RETURN NULL;
    END IF;
    -- Each statement below reads with a snapshot taken after the lock: what
    -- another cancel of the same distributor committed meanwhile is seen.
    PERFORM pg_advisory_xact_lock(hashtextextended(
        format('onboarding-week:%s:%s', public.liaison_tenant(), dist), 0));
    RETURN (
    SELECT format('the week from %s until %s (%s)',
                  to_char(w.s AT TIME ZONE z.tz, 'YYYY-MM-DD HH24:MI'),
                  to_char((w.s + interval '7 days') AT TIME ZONE z.tz, 'YYYY-MM-DD HH24:MI'),
                  z.tz)
      FROM public.meetings m
      JOIN public.distributors d ON d.tenant_id = m.tenant_id AND d.id = m.distributor_id
     CROSS JOIN public.liaison_exporter_hours(d.account_manager_id) ex
     CROSS JOIN LATERAL (SELECT coalesce(nullif(ex.time_zone, ''), 'UTC') AS tz) z
     CROSS JOIN LATERAL (SELECT d.onboarding_started_at + i * interval '7 days' AS s
                           FROM generate_series(0, 11) AS g (i)) w
     WHERE m.tenant_id = public.liaison_tenant() AND m.id = p_meeting
       AND d.onboarding_started_at IS NOT NULL AND d.status <> 'terminated'
       AND m.starts_at >= w.s AND m.starts_at < w.s + interval '7 days'
       AND m.starts_at > public.liaison_now()
       AND (p_to IS NULL OR p_to < w.s OR p_to >= w.s + interval '7 days')
       AND NOT EXISTS (SELECT 1 FROM public.meetings o
                        WHERE o.tenant_id = m.tenant_id AND o.distributor_id = m.distributor_id
                          AND o.id <> m.id AND o.status IN ('scheduled', 'held')
                          AND o.starts_at >= w.s AND o.starts_at < w.s + interval '7 days')
     LIMIT 1);
END $$;
