-- A refusal for who the caller is, not for the state of the data, is
-- PERMISSION_DENIED (found in a try-out): a distributor's user confirming
-- or shipping its own order was answered FAILED_PRECONDITION, which the
-- CLI reports with exit 5 and clients read as "not now, try after a
-- change"; no change of the order ever lets that user do it. The same for
-- completing or cancelling an exporter's action item (rpc_meeting.c).
--
-- liaison_denied raises LS403, which the server answers as
-- PERMISSION_DENIED with the message, like liaison_precondition (0011)
-- for LS412. Replaces liaison_order_status (0099), unchanged but for the
-- distributor's refusal; its grants stay.

CREATE OR REPLACE FUNCTION liaison_denied(p_ok boolean, p_message text)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_ok IS NOT TRUE THEN
        RAISE EXCEPTION USING ERRCODE = 'LS403', MESSAGE = p_message;
    END IF;
    RETURN true;
END $$;

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

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_denied(boolean, text) TO liaison_app;
    END IF;
END $$;
