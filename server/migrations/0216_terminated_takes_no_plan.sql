-- A terminated distributor took new joint business plans, and its users
-- proposed them (found in a try-out), where its orders, leads, meetings,
-- targets and escalation requests are refused (0049, 0101): a plan's goals
-- are next year's business. Now a plan of a terminated distributor is
-- refused as they are, by the same trigger. Action items stay open: ending
-- a relationship leaves things to do (stock to take back, a last payment).
DROP TRIGGER IF EXISTS plans_distributor_takes_new ON plans;
CREATE TRIGGER plans_distributor_takes_new BEFORE INSERT ON plans
    FOR EACH ROW EXECUTE FUNCTION liaison_distributor_takes_new();
