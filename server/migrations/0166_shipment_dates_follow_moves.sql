-- A shipment marked delivered (or on its way) before its ETD kept the
-- dates it was planned with (found in a try-out): delivered today with an
-- ETD next week and an ETA at Christmas, so the record said it left after it
-- arrived, and the order's history read wrong in every list. Moving a
-- shipment to in_transit or delivered now brings an ETD still to come back
-- to today, the tenant's date by the service clock (as liaison_shipment_late,
-- 0086, judges an ETA), and delivered does the same to the ETA. Dates
-- already past stay what they were, the estimate lateness was judged by,
-- and so do dates never given. The returned shipment shows the dates.
-- Replaces liaison_shipment_status (0119) whole but for that.

CREATE OR REPLACE FUNCTION liaison_shipment_status(p_shipment bigint, p_status text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    ord bigint;
    cur text;
    ord_status text;
    by_shipment boolean;
    today date := (SELECT (liaison_now() AT TIME ZONE coalesce(nullif(t.time_zone, ''), 'UTC'))::date
                     FROM tenants t WHERE t.id = liaison_tenant());
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
    -- What happened replaces what was expected: goods on their way left by today, and
    -- goods delivered arrived by today.
    UPDATE shipments s SET status = p_status,
           etd = CASE WHEN p_status IN ('in_transit', 'delivered') AND s.etd > today THEN today
                      ELSE s.etd END,
           eta = CASE WHEN p_status = 'delivered' AND s.eta > today THEN today ELSE s.eta END
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

