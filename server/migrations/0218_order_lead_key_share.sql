-- Mends of 0213 and 0217, found in a review.
--
-- 0213's order held its lead FOR SHARE, which every change of the lead
-- waits for (a stage, a value), where the order's own foreign key takes
-- FOR KEY SHARE: two write batches, each placing an order on one lead and
-- changing the other, could deadlock. The reassignment locks its lead FOR
-- UPDATE (0170) before moving it, which FOR KEY SHARE waits for, and that
-- is all the rule needs. And an operator's import, restoring history as it
-- was, or a write with no request context, now passes, as in 0049: a tenant
-- exported with an order named by a lead moved before 0209 was refused on
-- import.
--
-- 0217's refusal of at_risk -> active raised a NULL message when no tenant
-- context gave liaison_onboarding_unfinished a distributor to read (a
-- script of the database's own roles): it says why in words now.

CREATE OR REPLACE FUNCTION liaison_order_holds_its_lead() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    owner bigint;
BEGIN
    IF liaison_tenant() IS NULL
       OR (current_setting('liaison.operator', true) = 'on' AND liaison_is_operator()) THEN
        RETURN NEW;
    END IF;
    SELECT l.distributor_id INTO owner FROM leads l
     WHERE l.tenant_id = NEW.tenant_id AND l.id = NEW.lead_id
       FOR KEY SHARE OF l;
    -- Not found: a distributor user's view lost the lead as it moved.
    PERFORM liaison_precondition(FOUND AND (owner IS NULL OR owner = NEW.distributor_id),
        format('lead %s was given to another distributor while this order was placed: the'
               ' order is not placed; reload the lead', NEW.lead_id));
    RETURN NEW;
END $$;

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
        PERFORM liaison_precondition(false, coalesce(liaison_onboarding_unfinished(NEW.id),
            'a distributor becomes active after 90 days of onboarding'));
    END IF;
    RETURN NEW;
END $$;
