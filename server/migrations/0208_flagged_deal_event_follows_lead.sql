-- A deal_flagged event kept the distributor the lead was flagged for after
-- the exporter reassigned the lead (found in a try-out): the distributor
-- that lost the deal still read, in its event history, the id of a lead
-- that was now another distributor's, and the one that won it never saw
-- the event. The event now changes side with its lead, as the lead's
-- interactions do (0170); events of leads reassigned before move here.
CREATE OR REPLACE FUNCTION liaison_events_follow_lead() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    UPDATE public.events e SET distributor_id = NEW.distributor_id
     WHERE e.tenant_id = NEW.tenant_id AND e.kind = 'deal_flagged' AND e.subject_id = NEW.id
       AND e.distributor_id IS DISTINCT FROM NEW.distributor_id;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION liaison_events_follow_lead() FROM PUBLIC;

DROP TRIGGER IF EXISTS events_follow ON leads;
CREATE TRIGGER events_follow AFTER UPDATE OF distributor_id ON leads
    FOR EACH ROW WHEN (OLD.distributor_id IS DISTINCT FROM NEW.distributor_id)
    EXECUTE FUNCTION liaison_events_follow_lead();

ALTER TABLE leads NO FORCE ROW LEVEL SECURITY;
UPDATE events e SET distributor_id = l.distributor_id
  FROM leads l
 WHERE l.tenant_id = e.tenant_id AND l.id = e.subject_id AND e.kind = 'deal_flagged'
   AND e.distributor_id IS DISTINCT FROM l.distributor_id;
ALTER TABLE leads FORCE ROW LEVEL SECURITY;
