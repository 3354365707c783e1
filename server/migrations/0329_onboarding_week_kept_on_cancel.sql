-- The first 90 days keep at least weekly calls, and pausing or ending
-- their series is refused (0149, 0293); but cancelling a week's calls one
-- by one was taken without a word (a try-out), and the week left empty then
-- kept the distributor from becoming active (0253). Cancelling a meeting to
-- come that is the last call of one of the 12 whole weeks after onboarding
-- began is refused, naming the week and what to do instead: move it within
-- the week, or add another call to it first. Marking one missed is a record
-- of what happened and stays allowed, as does cancelling one already past.
--
-- liaison_onboarding_week_emptied says the refusal, or NULL; its weeks and
-- the exporter's dates are liaison_onboarding_unfinished's (0253).

CREATE OR REPLACE FUNCTION liaison_onboarding_week_emptied(p_meeting bigint) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT format('cancelling it leaves the week from %s to %s without a call, and calls are'
                  ' at least weekly in a distributor''s first 90 days: move it within that'
                  ' week (RescheduleMeeting; the CLI''s ''meeting move''), or add another call'
                  ' to the week first',
                  (w.s AT TIME ZONE ex.time_zone)::date,
                  ((w.s + interval '6 days') AT TIME ZONE ex.time_zone)::date)
      FROM public.meetings m
      JOIN public.distributors d ON d.tenant_id = m.tenant_id AND d.id = m.distributor_id
     CROSS JOIN public.liaison_exporter_hours(d.account_manager_id) ex
     CROSS JOIN LATERAL (SELECT d.onboarding_started_at
                                + floor(extract(epoch FROM m.starts_at - d.onboarding_started_at)
                                        / 604800) * interval '7 days' AS s) w
     WHERE m.tenant_id = public.liaison_tenant() AND m.id = p_meeting
       AND d.onboarding_started_at IS NOT NULL AND d.status <> 'terminated'
       AND m.starts_at >= d.onboarding_started_at
       AND m.starts_at < d.onboarding_started_at + interval '84 days'
       AND m.starts_at > public.liaison_now()
       AND NOT EXISTS (SELECT 1 FROM public.meetings o
                        WHERE o.tenant_id = m.tenant_id AND o.distributor_id = m.distributor_id
                          AND o.id <> m.id AND o.status IN ('scheduled', 'held')
                          AND o.starts_at >= w.s AND o.starts_at < w.s + interval '7 days')
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_onboarding_week_emptied(bigint) TO liaison_app;
    END IF;
END $$;
