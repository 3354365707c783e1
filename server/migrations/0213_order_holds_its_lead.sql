-- An order placed on a lead while the exporter gave the lead to another
-- distributor could slip past 0209: the reassignment's check did not see
-- the order, not yet committed, and the order read the lead as it was
-- before the move, not yet committed either. Both committed, and the order
-- named a lead that was now another distributor's. An order now holds its
-- lead (FOR SHARE, which a reassignment's row lock waits for, and which
-- waits for one already under way) and checks it again once held; the
-- reassignment, waiting, then sees the order and is refused by 0209.
CREATE OR REPLACE FUNCTION liaison_order_holds_its_lead() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    owner bigint;
BEGIN
    SELECT l.distributor_id INTO owner FROM leads l
     WHERE l.tenant_id = NEW.tenant_id AND l.id = NEW.lead_id
       FOR SHARE OF l;
    -- Not found: a distributor user's view lost the lead as it moved.
    PERFORM liaison_precondition(FOUND AND (owner IS NULL OR owner = NEW.distributor_id),
        format('lead %s was given to another distributor while this order was placed: the'
               ' order is not placed; reload the lead', NEW.lead_id));
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS holds_its_lead ON orders;
CREATE TRIGGER holds_its_lead BEFORE INSERT OR UPDATE OF lead_id, distributor_id ON orders
    FOR EACH ROW WHEN (NEW.lead_id IS NOT NULL)
    EXECUTE FUNCTION liaison_order_holds_its_lead();
