-- An onboarding distributor marked at_risk by mistake could not be set
-- back (a try-out): at_risk -> onboarding was no move of the life cycle,
-- and at_risk -> active was refused until its 90 days of onboarding were
-- over, so the distributor read "at risk" for up to 90 days, in the portal
-- too. At_risk -> onboarding is now allowed while those 90 days last; after
-- them, or for a distributor that never onboarded, it is refused saying to
-- go back to active.
--
-- Replaces liaison_status_transition_ok (0058) and liaison_onboarding_rule
-- (0218) whole but for that move.

CREATE OR REPLACE FUNCTION liaison_status_transition_ok(p_from text, p_to text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT (p_from, p_to) IN (('prospect', 'onboarding'), ('onboarding', 'active'),
                              ('onboarding', 'at_risk'), ('active', 'at_risk'),
                              ('at_risk', 'active'), ('at_risk', 'onboarding'))
        OR (p_to = 'terminated' AND p_from <> 'terminated')
$$;

CREATE OR REPLACE FUNCTION liaison_onboarding_rule() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE why text;
BEGIN
    IF OLD.status = 'onboarding' AND NEW.status IN ('active', 'at_risk')
       AND NEW.onboarding_started_at IS NULL THEN
        PERFORM liaison_precondition(false,
            'its onboarding period has not begun: it begins when the distributor''s first'
            ' charter is activated, and the distributor may become active 90 days later');
    END IF;
    IF OLD.status = 'onboarding' AND NEW.status = 'active' THEN
        why := liaison_onboarding_unfinished(NEW.id);
        IF why IS NOT NULL AND liaison_now() >= NEW.onboarding_started_at + interval '90 days' THEN
            why := why || '; mark it at_risk while the relationship is brought back on track';
        END IF;
        PERFORM liaison_precondition(why IS NULL, why);
    END IF;
    -- Back from at_risk while the 90 days last: an onboarding distributor
    -- marked at_risk by mistake stayed so, and the portal showed it. A
    -- write with no request context (an import, a repair) sets it as it
    -- was, as before.
    IF OLD.status = 'at_risk' AND NEW.status = 'onboarding' AND liaison_tenant() IS NOT NULL THEN
        PERFORM liaison_precondition(NEW.onboarding_started_at IS NOT NULL
                                     AND liaison_now() < NEW.onboarding_started_at
                                                         + interval '90 days',
            CASE WHEN NEW.onboarding_started_at IS NULL
                 THEN 'it has no onboarding period to go back to (it begins when the'
                      ' distributor''s first charter is activated): an at_risk distributor'
                      ' goes back to active'
                 ELSE format('its 90 days of onboarding ended on %s (UTC): an at_risk'
                             ' distributor goes back to active',
                             to_char((NEW.onboarding_started_at + interval '90 days')
                                     AT TIME ZONE 'UTC', 'YYYY-MM-DD')) END);
    END IF;
    IF OLD.status = 'at_risk' AND NEW.status = 'active'
       AND liaison_now() < NEW.onboarding_started_at + interval '90 days' THEN
        PERFORM liaison_precondition(false, coalesce(liaison_onboarding_unfinished(NEW.id),
            'a distributor becomes active after 90 days of onboarding'));
    END IF;
    RETURN NEW;
END $$;
