-- An order marked delivered by hand while its goods are still on the way
-- (found in a try-out): 'order status N delivered' was taken while a
-- shipment of the order was planned or in transit, so the order read
-- delivered while its shipment read late, and the distributor lost health
-- points for a delivery the order said had happened. An order with such a
-- shipment is now delivered by delivering its shipments (the last one that
-- completes the order delivers it, as before) or after cancelling the
-- ones that will not come; the refusal names the first. An order with no
-- shipment recorded, or whose shipments are all delivered or cancelled,
-- is still marked delivered by hand. Replaces liaison_order_status (0055),
-- unchanged but for that check; its grants stay.

CREATE OR REPLACE FUNCTION liaison_order_status(p_order bigint, p_status text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cur text;
    moving record;
    shp bigint;
BEGIN
    SELECT o.status INTO cur FROM orders o
     WHERE o.tenant_id = liaison_tenant() AND o.id = p_order
       AND liaison_sees_side(o.distributor_id) FOR UPDATE;
    PERFORM liaison_found(cur IS NOT NULL, 'no such order');
    PERFORM liaison_precondition(
        current_setting('liaison.role', true) <> 'distributor_user' OR p_status = 'cancelled',
        'a distributor may only cancel its order; the exporter confirms, ships and delivers');
    PERFORM liaison_precondition((cur, p_status) IN (('placed', 'confirmed'),
        ('confirmed', 'shipped'), ('shipped', 'delivered'), ('placed', 'cancelled'),
        ('confirmed', 'cancelled')), format(
        'this order is %s and cannot become %s: an order goes placed, confirmed, shipped,'
        ' delivered, and may be cancelled only while placed or confirmed', cur, p_status));
    IF p_status = 'delivered' THEN
        SELECT s.id, s.status INTO moving FROM shipments s
         WHERE s.tenant_id = liaison_tenant() AND s.order_id = p_order
           AND s.status IN ('planned', 'in_transit')
         ORDER BY s.id LIMIT 1;
        PERFORM liaison_precondition(moving.id IS NULL, format(
            'shipment %s of this order is %s: the order is delivered with its shipments'
            ' (deliver them, or cancel the ones that will not come)', moving.id, moving.status));
    END IF;
    IF p_status = 'cancelled' THEN
        SELECT s.id, s.status INTO moving FROM shipments s
         WHERE s.tenant_id = liaison_tenant() AND s.order_id = p_order
           AND s.status IN ('in_transit', 'delivered')
         ORDER BY s.id LIMIT 1;
        PERFORM liaison_precondition(moving.id IS NULL, format(
            'shipment %s of this order is %s: an order is cancelled only while none of its'
            ' shipments is on its way or delivered', moving.id, moving.status));
        FOR shp IN UPDATE shipments s SET status = 'cancelled'
                    WHERE s.tenant_id = liaison_tenant() AND s.order_id = p_order
                      AND s.status = 'planned' RETURNING s.id LOOP
            PERFORM liaison_audit('shipment.cancelled', 'shipment', shp::text);
        END LOOP;
    END IF;
    UPDATE orders o SET status = p_status, status_changed_by = liaison_request_setting('actor'),
           status_changed_at = liaison_now()
     WHERE o.tenant_id = liaison_tenant() AND o.id = p_order;
    PERFORM liaison_audit('order.' || p_status, 'order', p_order::text);
    RETURN p_order;
END $$;
