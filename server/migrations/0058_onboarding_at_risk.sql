-- An onboarding that was not kept can be marked at risk (found in a
-- review): a distributor whose onboarding missed a week could never leave
-- onboarding. The move to active is refused for good once the 12 weeks are
-- past (they cannot be held any more), and onboarding -> at_risk was not a
-- transition, so only termination was left. Onboarding may now move to
-- at_risk, from which active is reachable as before, and the refusal of
-- active says so once the weeks are past.

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
    RETURN NEW;
END $$;
