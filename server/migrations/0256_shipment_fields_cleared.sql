-- A tracking number or a date entered on a shipment by mistake could be
-- replaced but never removed (a try-out): UpdateShipment's clear names the
-- fields to forget. The five-argument liaison_shipment_update (0181) stays
-- for the release before this one, which calls it during a rolling upgrade
-- (docs/scaling.md); it is liaison_shipment_update(..., '{}') of this one.
CREATE OR REPLACE FUNCTION liaison_shipment_update(p_shipment bigint, p_carrier text,
                                                   p_tracking text, p_etd date, p_eta date,
                                                   p_clear text[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    shp record;
    placed date;
    new_etd date;
    new_eta date;
BEGIN
    SELECT s.* INTO shp FROM shipments s
      JOIN orders o ON o.tenant_id = s.tenant_id AND o.id = s.order_id
     WHERE s.tenant_id = liaison_tenant() AND s.id = p_shipment
       AND liaison_sees_side(o.distributor_id)
       FOR UPDATE OF s;
    PERFORM liaison_found(FOUND, 'no such shipment');
    SELECT liaison_shipment_placed_on(o.placed_at) INTO placed FROM orders o
     WHERE o.tenant_id = liaison_tenant() AND o.id = shp.order_id;
    PERFORM liaison_check(p_carrier IS NULL OR btrim(p_carrier) <> '', 'carrier',
                          'not blank');
    PERFORM liaison_precondition(shp.status IN ('planned', 'in_transit'), format(
        'this shipment is %s: only a planned or in-transit shipment is corrected', shp.status));
    new_etd := CASE WHEN 'etd' = ANY (p_clear) THEN NULL ELSE coalesce(p_etd, shp.etd) END;
    new_eta := CASE WHEN 'eta' = ANY (p_clear) THEN NULL ELSE coalesce(p_eta, shp.eta) END;
    PERFORM liaison_check(new_eta IS NULL OR new_etd IS NULL OR new_eta >= new_etd,
                          CASE WHEN p_eta IS NOT NULL THEN 'eta' ELSE 'etd' END,
                          CASE WHEN p_eta IS NOT NULL
                               THEN format('on or after the ETD (%s)', new_etd)
                               ELSE format('on or before the ETA (%s)', new_eta) END);
    PERFORM liaison_check(p_etd IS NULL OR p_etd >= placed, 'etd', format(
        'on or after the day the order was placed (%s): goods leave once ordered', placed));
    PERFORM liaison_check(p_eta IS NULL OR p_eta >= placed, 'eta', format(
        'on or after the day the order was placed (%s): goods arrive once ordered', placed));
    UPDATE shipments s SET carrier = coalesce(p_carrier, s.carrier),
                           tracking_number = CASE WHEN 'trackingNumber' = ANY (p_clear) THEN ''
                                                  ELSE coalesce(p_tracking, s.tracking_number)
                                             END,
                           etd = new_etd, eta = new_eta
     WHERE s.tenant_id = liaison_tenant() AND s.id = p_shipment;
    PERFORM liaison_audit('shipment.update', 'shipment', p_shipment::text);
    RETURN p_shipment;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_shipment_update(bigint, text, text, date, date, text[])
            TO liaison_app;
    END IF;
END $$;
