-- A shipment's record can be corrected (found in a try-out): a slipped
-- ETA, a new tracking number or another carrier could not be told, so a
-- shipment whose sailing moved read late until it was cancelled and added
-- again, losing its history. UpdateShipment replaces the
-- fields it is given on a planned or in-transit shipment, checking the
-- ETA against the ETD as AddShipment does (0022), and audits
-- shipment.update; a delivered or cancelled shipment is history and is
-- not changed. Health follows through the shipments trigger (0086).

-- p_shipment's carrier, tracking number, ETD and ETA: NULL leaves one as
-- it was.
CREATE OR REPLACE FUNCTION liaison_shipment_update(p_shipment bigint, p_carrier text,
                                                   p_tracking text, p_etd date, p_eta date)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    shp record;
BEGIN
    SELECT s.* INTO shp FROM shipments s
      JOIN orders o ON o.tenant_id = s.tenant_id AND o.id = s.order_id
     WHERE s.tenant_id = liaison_tenant() AND s.id = p_shipment
       AND liaison_sees_side(o.distributor_id)
       FOR UPDATE OF s;
    PERFORM liaison_found(FOUND, 'no such shipment');
    PERFORM liaison_check(p_carrier IS NULL OR btrim(p_carrier) <> '', 'carrier',
                          'not blank');
    PERFORM liaison_precondition(shp.status IN ('planned', 'in_transit'), format(
        'this shipment is %s: only a planned or in-transit shipment is corrected', shp.status));
    PERFORM liaison_check(coalesce(p_eta, shp.eta) IS NULL OR coalesce(p_etd, shp.etd) IS NULL
                          OR coalesce(p_eta, shp.eta) >= coalesce(p_etd, shp.etd),
                          CASE WHEN p_eta IS NOT NULL THEN 'eta' ELSE 'etd' END,
                          CASE WHEN p_eta IS NOT NULL
                               THEN format('on or after the ETD (%s)', coalesce(p_etd, shp.etd))
                               ELSE format('on or before the ETA (%s)', shp.eta) END);
    UPDATE shipments s SET carrier = coalesce(p_carrier, s.carrier),
                           tracking_number = coalesce(p_tracking, s.tracking_number),
                           etd = coalesce(p_etd, s.etd), eta = coalesce(p_eta, s.eta)
     WHERE s.tenant_id = liaison_tenant() AND s.id = p_shipment;
    PERFORM liaison_audit('shipment.update', 'shipment', p_shipment::text);
    RETURN p_shipment;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_shipment_update(bigint, text, text, date, date)
            TO liaison_app;
    END IF;
END $$;
