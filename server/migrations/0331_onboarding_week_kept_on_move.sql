-- 0329 refused cancelling the last call left in an onboarding week, and
-- said to move it within the week instead; moving it out of the week left
-- the week as empty, without a word. A meeting to come that is the last call
-- of one of the 12 whole weeks after onboarding began is now moved only
-- within that week (or after the meeting's own start has passed).
--
-- liaison_onboarding_week_left names the week a meeting leaves without a
-- call when it is cancelled (p_to NULL) or moved to p_to, or NULL; the
-- refusals of both are said from it. Its weeks are found as 0253's are.
-- It takes a lock on the distributor's onboarding weeks first (a review):
-- two cancels of a week's last two calls at once each saw the other call
-- still there, and both went through. liaison_onboarding_week_emptied
-- replaces 0329's, naming the CLI's command as it is ('meeting
-- reschedule'; 0329 said 'meeting move', which is none).

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
    SELECT format('the week from %s to %s', (w.s AT TIME ZONE ex.time_zone)::date,
                  ((w.s + interval '6 days') AT TIME ZONE ex.time_zone)::date)
      FROM public.meetings m
      JOIN public.distributors d ON d.tenant_id = m.tenant_id AND d.id = m.distributor_id
     CROSS JOIN public.liaison_exporter_hours(d.account_manager_id) ex
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

CREATE OR REPLACE FUNCTION liaison_onboarding_week_emptied(p_meeting bigint) RETURNS text
LANGUAGE sql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT format('cancelling it leaves %s without a call, and calls are at least weekly in a'
                  ' distributor''s first 90 days: move it within that week'
                  ' (RescheduleMeeting; the CLI''s ''meeting reschedule''), or add another'
                  ' call to the week first', w)
      FROM public.liaison_onboarding_week_left(p_meeting, NULL) w
     WHERE w IS NOT NULL
$$;

CREATE OR REPLACE FUNCTION liaison_onboarding_week_moved(p_meeting bigint, p_to timestamptz)
RETURNS text
LANGUAGE sql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT format('moving it out of %s leaves that week without a call, and calls are at least'
                  ' weekly in a distributor''s first 90 days: move it within the week, or add'
                  ' another call to the week first', w)
      FROM public.liaison_onboarding_week_left(p_meeting, p_to) w
     WHERE w IS NOT NULL
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_onboarding_week_left(bigint, timestamptz),
                                  liaison_onboarding_week_moved(bigint, timestamptz)
            TO liaison_app;
    END IF;
END $$;
