-- An order delivered short was audited as order.delivered, as one delivered
-- whole (found in a try-out): the audit log, where staff look for who
-- closed an order with units missing, could not tell the two apart. A
-- short delivery is audited as order.delivered_short now.
--
-- Replaces liaison_order_status (0196) whole but for that; its grants stay.

CREATE OR REPLACE FUNCTION liaison_order_status(p_order bigint, p_status text,
                                                p_short text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cur text;
    said text;
    moving record;
    short record;
    shp bigint;
BEGIN
    SELECT o.status, o.short_reason INTO cur, said FROM orders o
     WHERE o.tenant_id = liaison_tenant() AND o.id = p_order
       AND liaison_sees_side(o.distributor_id) FOR UPDATE;
    PERFORM liaison_found(cur IS NOT NULL, 'no such order');
    PERFORM liaison_check(p_short IS NULL OR p_status = 'delivered', 'shortReason',
        'only with the status delivered: why the order is delivered short');
    PERFORM liaison_denied(
        current_setting('liaison.role', true) <> 'distributor_user' OR p_status = 'cancelled',
        'a distributor may only cancel its order; the exporter confirms, ships and delivers');
    -- A retry of a move that was made: nothing to do, and nothing to record.
    -- A reason it was not delivered with is not one (it was answered OK and
    -- dropped).
    IF cur = p_status THEN
        PERFORM liaison_precondition(p_short IS NULL OR said IS NOT NULL,
            'this order is delivered already, without a reason: it was not delivered short');
        PERFORM liaison_precondition(p_short IS NULL OR p_short = said, format(
            'this order is delivered short already, saying ''%s''', said));
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
            PERFORM liaison_precondition(short.id IS NULL OR p_short IS NOT NULL, format(
                'line %s (%s) has %s of its %s units on delivered shipments: an order with'
                ' shipments is delivered when they carry every unit ordered (add a shipment'
                ' for the other %s, or deliver the order short, saying why)', short.id,
                short.sku, short.got, short.quantity, short.quantity - short.got));
            PERFORM liaison_precondition(short.id IS NOT NULL OR p_short IS NULL,
                'nothing is missing: every unit ordered is on delivered shipments, so the order'
                ' is delivered whole, without a reason');
        END IF;
        IF p_short IS NOT NULL THEN
            PERFORM liaison_precondition(EXISTS (SELECT 1 FROM shipments s
                WHERE s.tenant_id = liaison_tenant() AND s.order_id = p_order
                  AND s.status = 'delivered'),
                'none of this order''s shipments is delivered: an order delivered short keeps'
                ' what its delivered shipments carried, so deliver one first (an order without'
                ' shipments is delivered whole, without a reason)');
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
           status_changed_at = liaison_now(), short_reason = p_short
     WHERE o.tenant_id = liaison_tenant() AND o.id = p_order;
    PERFORM liaison_audit(CASE WHEN p_short IS NULL THEN 'order.' || p_status
                               ELSE 'order.delivered_short' END, 'order', p_order::text);
    RETURN p_order;
END $$;
