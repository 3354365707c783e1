-- A distributor failing visibly in its first 90 days could not be marked
-- at risk (found in a try-out: a competing line against the charter,
-- stock at 40 % of its buffer, sales down 93 %, and "it may be marked
-- at_risk once its 90 days are over"): 0058 refused onboarding -> at_risk
-- before the 90 days so that at_risk -> active, not judged, could not step
-- around the 90-day rule. The warning is now given when it is seen, and the
-- rule is kept where it is stepped around: at_risk -> active inside the
-- first 90 days of onboarding is refused as onboarding -> active is.
--
-- Replaces liaison_onboarding_rule (0201) whole but for that.

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
    IF OLD.status = 'at_risk' AND NEW.status = 'active'
       AND liaison_now() < NEW.onboarding_started_at + interval '90 days' THEN
        PERFORM liaison_precondition(false, liaison_onboarding_unfinished(NEW.id));
    END IF;
    RETURN NEW;
END $$;
