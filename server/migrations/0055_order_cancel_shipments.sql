-- A cancelled order and its shipments (found in a try-out): a distributor
-- cancelled a confirmed order whose shipment was still planned, and the
-- exporter then moved that shipment on to in_transit and delivered while
-- the order stayed cancelled. Now cancelling an order cancels its planned
-- shipments with it (each audited), and is refused while one of them is
-- in transit or delivered, naming it: goods on their way are stopped (or
-- the shipment cancelled) first. A shipment of a cancelled order may only
-- be cancelled.

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

CREATE OR REPLACE FUNCTION liaison_shipment_status(p_shipment bigint, p_status text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    ord bigint;
    cur text;
    ord_status text;
BEGIN
    SELECT s.order_id INTO ord FROM shipments s
      JOIN orders o ON o.tenant_id = s.tenant_id AND o.id = s.order_id
     WHERE s.tenant_id = liaison_tenant() AND s.id = p_shipment
       AND liaison_sees_side(o.distributor_id);
    PERFORM liaison_found(ord IS NOT NULL, 'no such shipment');
    SELECT o.status INTO ord_status FROM orders o
     WHERE o.tenant_id = liaison_tenant() AND o.id = ord FOR UPDATE;
    SELECT s.status INTO cur FROM shipments s
     WHERE s.tenant_id = liaison_tenant() AND s.id = p_shipment FOR UPDATE;
    PERFORM liaison_precondition((cur, p_status) IN (('planned', 'in_transit'),
        ('in_transit', 'delivered'), ('planned', 'delivered'), ('planned', 'cancelled'),
        ('in_transit', 'cancelled')), format(
        'this shipment is %s and cannot become %s: a shipment goes planned, in_transit,'
        ' delivered, and may be cancelled until it is delivered', cur, p_status));
    PERFORM liaison_precondition(ord_status <> 'cancelled' OR p_status = 'cancelled', format(
        'order %s of this shipment is cancelled: its shipment may only be cancelled', ord));
    UPDATE shipments s SET status = p_status
     WHERE s.tenant_id = liaison_tenant() AND s.id = p_shipment;
    PERFORM liaison_audit('shipment.' || p_status, 'shipment', p_shipment::text);
    IF p_status = 'delivered' AND ord_status IN ('confirmed', 'shipped') AND NOT EXISTS (
        SELECT 1 FROM order_lines l
         WHERE l.tenant_id = liaison_tenant() AND l.order_id = ord
           AND l.quantity > (SELECT coalesce(sum(x.quantity), 0) FROM shipment_lines x
                               JOIN shipments s ON s.tenant_id = x.tenant_id
                                AND s.id = x.shipment_id
                              WHERE x.tenant_id = l.tenant_id AND x.order_line_id = l.id
                                AND s.status = 'delivered')) THEN
        UPDATE orders o SET status = 'delivered',
               status_changed_by = liaison_request_setting('actor'),
               status_changed_at = liaison_now()
         WHERE o.tenant_id = liaison_tenant() AND o.id = ord;
        PERFORM liaison_audit('order.delivered', 'order', ord::text);
    END IF;
    RETURN p_shipment;
END $$;
