-- An order with shipments was delivered by hand with units not shipped
-- (found in a try-out): 15 of 25 units delivered in one shipment, the
-- order marked delivered, and the other 10 could then never ship, as
-- shipments are added only until the order is delivered. An order whose
-- shipments are tracked is delivered when its delivered shipments carry
-- every unit ordered, which a shipment's delivery does by itself
-- (liaison_shipment_status); by hand it is refused before then, naming the
-- first line short and how many units it misses. An order without
-- shipments is still moved by hand, as before. (No way to close an order
-- short is added: a shipment not coming is cancelled, and the units it
-- carried are shipped on another.)
--
-- Replaces liaison_order_status (0119) whole but for that check; its
-- grants stay.

CREATE OR REPLACE FUNCTION liaison_order_status(p_order bigint, p_status text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cur text;
    moving record;
    short record;
    shp bigint;
BEGIN
    SELECT o.status INTO cur FROM orders o
     WHERE o.tenant_id = liaison_tenant() AND o.id = p_order
       AND liaison_sees_side(o.distributor_id) FOR UPDATE;
    PERFORM liaison_found(cur IS NOT NULL, 'no such order');
    PERFORM liaison_denied(
        current_setting('liaison.role', true) <> 'distributor_user' OR p_status = 'cancelled',
        'a distributor may only cancel its order; the exporter confirms, ships and delivers');
    -- A retry of a move that was made: nothing to do, and nothing to record.
    IF cur = p_status THEN
        RETURN p_order;
    END IF;
    -- Said before the graph: an order on its way is shipped now, and "a
    -- shipped order cannot become cancelled" would hide which shipment.
    IF p_status = 'cancelled' THEN
        SELECT s.id, s.status INTO moving FROM shipments s
         WHERE s.tenant_id = liaison_tenant() AND s.order_id = p_order
           AND s.status IN ('in_transit', 'delivered')
         ORDER BY s.id LIMIT 1;
        PERFORM liaison_precondition(moving.id IS NULL, format(
            'shipment %s of this order is %s: an order is cancelled only while none of its'
            ' shipments is on its way or delivered', moving.id, moving.status));
    END IF;
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
        IF EXISTS (SELECT 1 FROM shipments s WHERE s.tenant_id = liaison_tenant()
                    AND s.order_id = p_order AND s.status <> 'cancelled') THEN
            -- Line by line, as a shipment's delivery delivers the order (0166).
            SELECT ol.id, p.sku, ol.quantity,
                   coalesce(sum(sl.quantity) FILTER (WHERE s.status = 'delivered'), 0) AS got
              INTO short
              FROM order_lines ol
              JOIN products p ON p.tenant_id = ol.tenant_id AND p.id = ol.product_id
              LEFT JOIN shipment_lines sl ON sl.tenant_id = ol.tenant_id
                                         AND sl.order_line_id = ol.id
              LEFT JOIN shipments s ON s.tenant_id = sl.tenant_id AND s.id = sl.shipment_id
             WHERE ol.tenant_id = liaison_tenant() AND ol.order_id = p_order
             GROUP BY ol.id, p.sku, ol.quantity
            HAVING coalesce(sum(sl.quantity) FILTER (WHERE s.status = 'delivered'), 0)
                   < ol.quantity
             ORDER BY ol.id LIMIT 1;
            PERFORM liaison_precondition(short.id IS NULL, format(
                'line %s (%s) has %s of its %s units on delivered shipments: an order with'
                ' shipments is delivered when they carry every unit ordered (add a shipment'
                ' for the other %s)', short.id, short.sku, short.got, short.quantity,
                short.quantity - short.got));
        END IF;
    END IF;
    IF p_status = 'cancelled' THEN
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
