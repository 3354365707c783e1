-- The 90-day onboarding rule could be stepped around by hand (found in a
-- try-out): a distributor moved to onboarding by hand, without a charter,
-- has no onboarding start, and the rule (0016, 0058) let such a one become
-- active or at_risk at once. Its onboarding period begins with its first
-- charter's activation (0016), which starts the cadence the rule judges, so
-- until then onboarding -> active and onboarding -> at_risk are refused,
-- saying so.
--
-- Replaces liaison_onboarding_rule (0058) whole but for that.

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
