-- An onboarding that was not kept can be marked at risk (found in a
-- review): a distributor whose onboarding missed a week could never leave
-- onboarding. The move to active is refused for good once the 12 weeks are
-- past (they cannot be held any more), and onboarding -> at_risk was not a
-- transition, so only termination was left. Onboarding may now move to
-- at_risk once its 90 days are over (before them the weeks can still be
-- kept, and at_risk -> active, not judged, would step around the rule),
-- from which active is reachable as before; the refusal of active says so
-- once the weeks are past.

CREATE OR REPLACE FUNCTION liaison_status_transition_ok(p_from text, p_to text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT (p_from, p_to) IN (('prospect', 'onboarding'), ('onboarding', 'active'),
                              ('onboarding', 'at_risk'), ('active', 'at_risk'),
                              ('at_risk', 'active'))
        OR (p_to = 'terminated' AND p_from <> 'terminated')
$$;

CREATE OR REPLACE FUNCTION liaison_onboarding_rule() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE why text;
BEGIN
    IF OLD.status = 'onboarding' AND NEW.status = 'active' THEN
        why := liaison_onboarding_unfinished(NEW.id);
        IF why IS NOT NULL AND liaison_now() >= NEW.onboarding_started_at + interval '90 days' THEN
            why := why || '; mark it at_risk while the relationship is brought back on track';
        END IF;
        PERFORM liaison_precondition(why IS NULL, why);
    END IF;
    -- Not before the 90 days are over: at_risk -> active is not judged, and
    -- would otherwise step around the rule above.
    IF OLD.status = 'onboarding' AND NEW.status = 'at_risk'
       AND liaison_now() < NEW.onboarding_started_at + interval '90 days' THEN
        PERFORM liaison_precondition(false, format(
            'onboarding started on %s: it may be marked at_risk once its 90 days are over, on %s',
            (NEW.onboarding_started_at AT TIME ZONE 'UTC')::date,
            ((NEW.onboarding_started_at + interval '90 days') AT TIME ZONE 'UTC')::date));
    END IF;
    RETURN NEW;
END $$;
