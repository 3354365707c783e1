-- A flagged lead with an order on it could be reassigned to another
-- distributor (found in a try-out): the order stayed with the distributor
-- that placed it and pointed at a lead that was now another's, which its
-- user could no longer open, against the rule an order is placed by
-- (0022: an order's lead is its own distributor's or the exporter's).
-- Whatever moves a lead, it does not move away from its orders: refused,
-- naming them. Given to the exporter it may still go: the rule allows it.
CREATE OR REPLACE FUNCTION liaison_lead_keeps_its_orders() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    placed text;
BEGIN
    SELECT string_agg(o.id::text, ', ' ORDER BY o.id) INTO placed
      FROM orders o
     WHERE o.tenant_id = NEW.tenant_id AND o.lead_id = NEW.id
       AND o.distributor_id IS DISTINCT FROM NEW.distributor_id;
    PERFORM liaison_precondition(placed IS NULL, format(
        'lead %s has orders placed on it (%s): a lead stays with the distributor whose orders'
        ' name it; approve or reject the registration instead', NEW.id, placed));
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS keeps_its_orders ON leads;
CREATE TRIGGER keeps_its_orders BEFORE UPDATE OF distributor_id ON leads
    FOR EACH ROW WHEN (NEW.distributor_id IS NOT NULL
                       AND OLD.distributor_id IS DISTINCT FROM NEW.distributor_id)
    EXECUTE FUNCTION liaison_lead_keeps_its_orders();
