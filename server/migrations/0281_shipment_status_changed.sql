-- A shipment kept no time of leaving or arriving, nor who moved it (found in
-- a try-out): delivered, it showed only the ETD and ETA planned, so a late
-- delivery could not be told from an on-time one afterwards, where an
-- order keeps when and by whom its status last changed. A shipment now
-- keeps them too, stamped whenever its status changes (by hand, or by its
-- order's cancel), by the service clock and the request's actor. Shipments
-- moved before this migration have none.
ALTER TABLE shipments ADD COLUMN IF NOT EXISTS status_changed_at timestamptz,
                      ADD COLUMN IF NOT EXISTS status_changed_by text;

CREATE OR REPLACE FUNCTION liaison_shipment_status_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.status_changed_at := liaison_now();
    -- NULL for a change no request made (the scheduler, a migration).
    NEW.status_changed_by := nullif(current_setting('liaison.actor', true), '');
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS shipments_status_stamp ON shipments;
CREATE TRIGGER shipments_status_stamp BEFORE UPDATE OF status ON shipments
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION liaison_shipment_status_stamp();
