-- A shipment could leave before its order was placed (found in a try-out):
-- `shipment add 12 --etd 2020-01-01` on an order placed today was taken,
-- and the order's history said the goods left six years before anyone
-- ordered them. AddShipment and UpdateShipment now refuse an ETD or an ETA
-- before the day the order was placed, in the tenant's time zone (the day
-- its dates are read in, as liaison_shipment_status's today, 0166). A date
-- left out is not judged, and a stored one an update does not change
-- stays as it was.
--
-- Replaces liaison_shipment_add (0022) and liaison_shipment_update (0113)
-- whole but for that.

-- The tenant's date of instant p_at.
CREATE OR REPLACE FUNCTION liaison_shipment_placed_on(p_at timestamptz) RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT (p_at AT TIME ZONE coalesce((SELECT nullif(t.time_zone, '') FROM public.tenants t
                                         WHERE t.id = liaison_tenant()), 'UTC'))::date
$$;

CREATE OR REPLACE FUNCTION liaison_shipment_add(p_order bigint, p_carrier text, p_tracking text,
                                                p_etd date, p_eta date, p_lines jsonb)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cur text;
    placed date;
    shp bigint;
    ln record;
    ordered bigint;
    sku text;
    shipped numeric;
BEGIN
    SELECT o.status, liaison_shipment_placed_on(o.placed_at) INTO cur, placed FROM orders o
     WHERE o.tenant_id = liaison_tenant() AND o.id = p_order
       AND liaison_sees_side(o.distributor_id) FOR UPDATE;
    PERFORM liaison_found(cur IS NOT NULL, 'no such order');
    PERFORM liaison_precondition(cur IN ('confirmed', 'shipped'), format(
        'this order is %s: shipments are added once it is confirmed, until it is delivered', cur));
    PERFORM liaison_check(p_etd IS NULL OR p_eta IS NULL OR p_eta >= p_etd, 'eta',
                          'on or after the ETD');
    PERFORM liaison_check(p_etd IS NULL OR p_etd >= placed, 'etd', format(
        'on or after the day the order was placed (%s): goods leave once ordered', placed));
    PERFORM liaison_check(p_eta IS NULL OR p_eta >= placed, 'eta', format(
        'on or after the day the order was placed (%s): goods arrive once ordered', placed));
    INSERT INTO shipments (tenant_id, order_id, carrier, tracking_number, etd, eta, created_by,
                           created_at)
    VALUES (liaison_tenant(), p_order, p_carrier, coalesce(p_tracking, ''), p_etd, p_eta,
            liaison_request_setting('actor'), liaison_now())
    RETURNING id INTO shp;
    FOR ln IN SELECT e.n - 1 AS i, (e.v->>'order_line_id')::bigint AS line,
                     (e.v->>'quantity')::numeric AS quantity
                FROM jsonb_array_elements(p_lines) WITH ORDINALITY e(v, n) ORDER BY e.n LOOP
        SELECT l.quantity, p.sku INTO ordered, sku FROM order_lines l
          JOIN products p ON p.tenant_id = l.tenant_id AND p.id = l.product_id
         WHERE l.tenant_id = liaison_tenant() AND l.order_id = p_order AND l.id = ln.line;
        PERFORM liaison_check(ordered IS NOT NULL, format('lines[%s].orderLineId', ln.i),
                              'not a line of this order');
        PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM shipment_lines x
            WHERE x.tenant_id = liaison_tenant() AND x.shipment_id = shp
              AND x.order_line_id = ln.line), format('lines[%s].orderLineId', ln.i),
            'this order line is already in this shipment');
        SELECT coalesce(sum(x.quantity), 0) INTO shipped FROM shipment_lines x
          JOIN shipments s ON s.tenant_id = x.tenant_id AND s.id = x.shipment_id
         WHERE x.tenant_id = liaison_tenant() AND x.order_line_id = ln.line
           AND s.status <> 'cancelled';
        PERFORM liaison_check(ln.quantity BETWEEN 1 AND ordered - shipped,
            format('lines[%s].quantity', ln.i),
            format('order line %s (%s): %s ordered, %s in other shipments, %s remain to ship',
                   ln.line, sku, ordered, shipped, ordered - shipped));
        INSERT INTO shipment_lines (tenant_id, shipment_id, order_line_id, quantity)
        VALUES (liaison_tenant(), shp, ln.line, ln.quantity);
    END LOOP;
    PERFORM set_config('liaison.created_id', shp::text, true);
    PERFORM liaison_audit('shipment.add', 'shipment', shp::text);
    RETURN shp;
END $$;

CREATE OR REPLACE FUNCTION liaison_shipment_update(p_shipment bigint, p_carrier text,
                                                   p_tracking text, p_etd date, p_eta date)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    shp record;
    placed date;
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
    PERFORM liaison_check(coalesce(p_eta, shp.eta) IS NULL OR coalesce(p_etd, shp.etd) IS NULL
                          OR coalesce(p_eta, shp.eta) >= coalesce(p_etd, shp.etd),
                          CASE WHEN p_eta IS NOT NULL THEN 'eta' ELSE 'etd' END,
                          CASE WHEN p_eta IS NOT NULL
                               THEN format('on or after the ETD (%s)', coalesce(p_etd, shp.etd))
                               ELSE format('on or before the ETA (%s)', shp.eta) END);
    PERFORM liaison_check(p_etd IS NULL OR p_etd >= placed, 'etd', format(
        'on or after the day the order was placed (%s): goods leave once ordered', placed));
    PERFORM liaison_check(p_eta IS NULL OR p_eta >= placed, 'eta', format(
        'on or after the day the order was placed (%s): goods arrive once ordered', placed));
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
        GRANT EXECUTE ON FUNCTION liaison_shipment_placed_on(timestamptz) TO liaison_app;
    END IF;
END $$;
