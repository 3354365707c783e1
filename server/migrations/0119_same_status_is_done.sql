-- A move to the status a record already has is done, not refused (found
-- in a try-out): a script that asked for "confirmed", lost the answer to a
-- network drop and asked again was told FAILED_PRECONDITION (exit 5) for
-- an order exactly where it asked. Asking an order, or a shipment, for the
-- status it has now answers OK with the record as it is: no write, no
-- audit row, no timestamp moved (status_changed_at/by stay those of the
-- move that made it so). Who may ask is checked first, as before: a
-- distributor's user asking to confirm a confirmed order is still
-- refused, and cancelling a cancelled one is the no-op. Every other move
-- the graph refuses is refused as before, with the same words.
--
-- Replaces liaison_order_status and liaison_shipment_status (0106),
-- whole, changed only by the early return after the record is found
-- (and, for an order, after the caller's role is checked); their grants
-- stay.

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

CREATE OR REPLACE FUNCTION liaison_shipment_status(p_shipment bigint, p_status text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    ord bigint;
    cur text;
    ord_status text;
    by_shipment boolean;
BEGIN
    SELECT s.order_id INTO ord FROM shipments s
      JOIN orders o ON o.tenant_id = s.tenant_id AND o.id = s.order_id
     WHERE s.tenant_id = liaison_tenant() AND s.id = p_shipment
       AND liaison_sees_side(o.distributor_id);
    PERFORM liaison_found(ord IS NOT NULL, 'no such shipment');
    SELECT o.status, o.shipped_by_shipment INTO ord_status, by_shipment FROM orders o
     WHERE o.tenant_id = liaison_tenant() AND o.id = ord FOR UPDATE;
    SELECT s.status INTO cur FROM shipments s
     WHERE s.tenant_id = liaison_tenant() AND s.id = p_shipment FOR UPDATE;
    -- A retry of a move that was made: nothing to do, and nothing to record.
    IF cur = p_status THEN
        RETURN p_shipment;
    END IF;
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
    IF p_status IN ('in_transit', 'delivered') AND ord_status = 'confirmed' THEN
        UPDATE orders o SET status = 'shipped', shipped_by_shipment = true,
               status_changed_by = liaison_request_setting('actor'),
               status_changed_at = liaison_now()
         WHERE o.tenant_id = liaison_tenant() AND o.id = ord;
        PERFORM liaison_audit('order.shipped', 'order', ord::text);
        ord_status := 'shipped';
        by_shipment := true;
    END IF;
    -- Its goods were not on their way after all (recorded by mistake, or
    -- the sailing fell through): with nothing else of the order on its way
    -- or delivered, the order is confirmed again, and may be cancelled.
    IF p_status = 'cancelled' AND cur = 'in_transit' AND ord_status = 'shipped' AND by_shipment
       AND NOT EXISTS (
        SELECT 1 FROM shipments s
         WHERE s.tenant_id = liaison_tenant() AND s.order_id = ord
           AND s.status IN ('in_transit', 'delivered')) THEN
        UPDATE orders o SET status = 'confirmed', shipped_by_shipment = false,
               status_changed_by = liaison_request_setting('actor'),
               status_changed_at = liaison_now()
         WHERE o.tenant_id = liaison_tenant() AND o.id = ord;
        PERFORM liaison_audit('order.confirmed', 'order', ord::text);
    END IF;
    IF p_status = 'delivered' AND ord_status = 'shipped' AND NOT EXISTS (
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
