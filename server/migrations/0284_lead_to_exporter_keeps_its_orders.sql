-- A flagged lead with orders on it was reassigned to the exporter (found
-- in a try-out): the reassignment to another distributor is refused while
-- orders name the lead (0209), but the trigger fired only for a new
-- distributor, not for none. The order stayed on its distributor's account
-- while the lead moved to a new account of the exporter's, and the
-- distributor's user saw an order naming a lead it could not open. The
-- trigger now fires for any change of the lead's side: a lead stays with
-- the distributor whose orders name it, whoever it would go to; approve
-- the registration, or cancel the orders and reject or reassign it.
DROP TRIGGER IF EXISTS keeps_its_orders ON leads;
CREATE TRIGGER keeps_its_orders BEFORE UPDATE OF distributor_id ON leads
    FOR EACH ROW WHEN (OLD.distributor_id IS DISTINCT FROM NEW.distributor_id)
    EXECUTE FUNCTION liaison_lead_keeps_its_orders();
