-- Orders from distributors, their shipments, and idempotency keys for
-- creating RPCs (issue 13). Reach is liaison_sees_side(distributor)
-- (migration 0020): a distributor user its own distributor's orders and
-- shipments, staff the distributors they see.

-- A create RPC's key: (tenant, method, key) names one creation for 24
-- hours. request_hash is SHA-256 of the request as the creating function
-- sees it; created_id the row it made, which a retry reads again (the
-- answer is that record as it is now, so a retry made before any change
-- is the first answer byte for byte). Written in the creation's
-- transaction: a refused creation leaves no key.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    key text NOT NULL CHECK (octet_length(key) BETWEEN 1 AND 255),
    method text NOT NULL CHECK (method ~ '^[A-Z][A-Za-z]{0,62}$'),
    request_hash bytea NOT NULL,
    created_id bigint,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, method, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (tenant_id, created_at);

CREATE TABLE IF NOT EXISTS orders (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    distributor_id bigint NOT NULL,
    status text NOT NULL DEFAULT 'placed'
        CHECK (status IN ('placed', 'confirmed', 'shipped', 'delivered', 'cancelled')),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    total_minor bigint NOT NULL DEFAULT 0 CHECK (total_minor >= 0),
    key_account_id bigint,
    lead_id bigint,
    note text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    placed_by text NOT NULL,
    placed_at timestamptz NOT NULL,
    status_changed_by text NOT NULL,
    status_changed_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id),
    FOREIGN KEY (tenant_id, key_account_id) REFERENCES key_accounts (tenant_id, id),
    FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS orders_distributor ON orders (tenant_id, distributor_id, id);
CREATE INDEX IF NOT EXISTS orders_status ON orders (tenant_id, status, id);
CREATE INDEX IF NOT EXISTS orders_placed ON orders (tenant_id, placed_at);
CREATE INDEX IF NOT EXISTS orders_account ON orders (tenant_id, key_account_id, id)
    WHERE key_account_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS order_lines (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    order_id bigint NOT NULL,
    product_id bigint NOT NULL,
    quantity bigint NOT NULL CHECK (quantity > 0),
    unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
    amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS order_lines_order ON order_lines (tenant_id, order_id, id);

CREATE TABLE IF NOT EXISTS shipments (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    order_id bigint NOT NULL,
    carrier text NOT NULL CHECK (length(carrier) BETWEEN 1 AND 100),
    tracking_number text NOT NULL DEFAULT '' CHECK (length(tracking_number) <= 100),
    etd date,
    eta date,
    status text NOT NULL DEFAULT 'planned'
        CHECK (status IN ('planned', 'in_transit', 'delivered', 'cancelled')),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS shipments_order ON shipments (tenant_id, order_id, id);
CREATE INDEX IF NOT EXISTS shipments_status ON shipments (tenant_id, status, id);

CREATE TABLE IF NOT EXISTS shipment_lines (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    shipment_id bigint NOT NULL,
    order_line_id bigint NOT NULL,
    quantity bigint NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, shipment_id, order_line_id),
    FOREIGN KEY (tenant_id, shipment_id) REFERENCES shipments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, order_line_id) REFERENCES order_lines (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS shipment_lines_order_line ON shipment_lines (tenant_id, order_line_id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['idempotency_keys', 'orders', 'order_lines', 'shipments',
                             'shipment_lines'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = liaison_tenant())'
                       ' WITH CHECK (tenant_id = liaison_tenant())', t);
    END LOOP;
END $$;

-- Claims (method, key) for the caller's tenant with the request's hash.
-- Returns NULL when the key is new (the caller creates, then records what
-- it made with liaison_idempotency_done), else the id the first request
-- made. A concurrent first holder makes this wait on the unique index until
-- it commits (then its id is answered) or rolls back (then this one
-- creates). The same key with another request is refused.
CREATE OR REPLACE FUNCTION liaison_idempotency_claim(p_method text, p_key text, p_hash bytea)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    kid bigint;
    prior idempotency_keys%ROWTYPE;
BEGIN
    INSERT INTO idempotency_keys (tenant_id, key, method, request_hash, created_at)
    VALUES (liaison_tenant(), p_key, p_method, p_hash, liaison_now())
    ON CONFLICT (tenant_id, method, key) DO NOTHING RETURNING id INTO kid;
    IF kid IS NOT NULL THEN
        -- One pending prune per tenant; it reschedules itself while keys remain.
        IF NOT EXISTS (SELECT 1 FROM public.jobs j WHERE j.for_tenant = liaison_tenant()
                          AND j.kind = 'idempotency_prune' AND j.key = '' AND j.done_at IS NULL) THEN
            INSERT INTO public.jobs (for_tenant, kind, key, run_at)
            VALUES (liaison_tenant(), 'idempotency_prune', '', liaison_now() + interval '24 hours')
            ON CONFLICT ((coalesce(for_tenant, 0)), kind, key) WHERE done_at IS NULL DO NOTHING;
        END IF;
        RETURN NULL;
    END IF;
    SELECT * INTO prior FROM idempotency_keys k
     WHERE k.tenant_id = liaison_tenant() AND k.method = p_method AND k.key = p_key;
    PERFORM liaison_check(prior.request_hash = p_hash, 'idempotencyKey',
                          'this key was used for another request in the last 24 hours');
    RETURN prior.created_id;
END $$;

CREATE OR REPLACE FUNCTION liaison_idempotency_done(p_method text, p_key text, p_id bigint)
RETURNS void
LANGUAGE sql VOLATILE AS $$
    UPDATE idempotency_keys k SET created_id = p_id
     WHERE k.tenant_id = liaison_tenant() AND k.method = p_method AND k.key = p_key
$$;

-- The job: forgets the tenant's keys older than 24 hours, and comes back
-- when the oldest remaining one is due.
CREATE OR REPLACE FUNCTION liaison_idempotency_prune(p_payload jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    oldest timestamptz;
BEGIN
    DELETE FROM idempotency_keys k
     WHERE k.tenant_id = liaison_tenant() AND k.created_at <= liaison_now() - interval '24 hours';
    SELECT min(k.created_at) INTO oldest FROM idempotency_keys k
     WHERE k.tenant_id = liaison_tenant();
    IF oldest IS NOT NULL THEN
        PERFORM liaison_schedule('idempotency_prune', '', oldest + interval '24 hours', p_payload);
    END IF;
END $$;

INSERT INTO job_kinds (kind, fn) VALUES ('idempotency_prune', 'liaison_idempotency_prune'::regproc)
    ON CONFLICT (kind) DO UPDATE SET fn = EXCLUDED.fn;

-- Places an order for distributor p_distributor (the caller must reach
-- it): lines [{product_id | sku, quantity, unit_price_minor}], each at
-- least its product's MOQ and its line's commitment MOQ in the
-- distributor's active charter, of a product not retired. The total is
-- computed here, refused past bigint. With p_key, a retry answers the
-- first order (see liaison_idempotency_claim). Returns the order's id and
-- leaves it in liaison.created_id for the statement that answers.
CREATE OR REPLACE FUNCTION liaison_order_place(p_distributor bigint, p_lines jsonb,
                                               p_currency text, p_account bigint, p_lead bigint,
                                               p_note text, p_key text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    now_ timestamptz := liaison_now();
    ord bigint;
    ln record;
    prod products%ROWTYPE;
    commit_moq integer;
    commit_line text;
    amount numeric;
    total numeric := 0;
    field text;
BEGIN
    PERFORM liaison_found(p_distributor IS NOT NULL AND liaison_sees_side(p_distributor),
                          'no such distributor');
    IF p_key <> '' THEN
        ord := liaison_idempotency_claim('PlaceOrder', p_key, sha256(convert_to(
            jsonb_build_array(p_distributor, p_lines, p_currency, p_account, p_lead,
                              p_note)::text, 'UTF8')));
        IF ord IS NOT NULL THEN
            PERFORM set_config('liaison.created_id', ord::text, true);
            RETURN ord;
        END IF;
    END IF;
    PERFORM liaison_found(p_account IS NULL OR EXISTS (SELECT 1 FROM key_accounts a
        WHERE a.tenant_id = liaison_tenant() AND a.id = p_account
          AND (liaison_sees_side(a.distributor_id) OR EXISTS (SELECT 1 FROM leads x
               WHERE x.tenant_id = a.tenant_id AND x.key_account_id = a.id
                 AND x.distributor_id IS NOT NULL AND liaison_sees_side(x.distributor_id)))),
        'no such key account');
    PERFORM liaison_found(p_lead IS NULL OR EXISTS (SELECT 1 FROM leads l
        WHERE l.tenant_id = liaison_tenant() AND l.id = p_lead
          AND liaison_sees_side(l.distributor_id)), 'no such lead');
    INSERT INTO orders (tenant_id, distributor_id, currency, key_account_id, lead_id, note,
                        placed_by, placed_at, status_changed_by, status_changed_at)
    VALUES (liaison_tenant(), p_distributor, p_currency, p_account, p_lead, coalesce(p_note, ''),
            liaison_request_setting('actor'), now_, liaison_request_setting('actor'), now_)
    RETURNING id INTO ord;
    FOR ln IN SELECT e.n - 1 AS i, nullif(e.v->>'product_id', '0')::bigint AS product_id,
                     nullif(e.v->>'sku', '') AS sku, (e.v->>'quantity')::numeric AS quantity,
                     (e.v->>'unit_price_minor')::numeric AS price
                FROM jsonb_array_elements(p_lines) WITH ORDINALITY e(v, n) ORDER BY e.n LOOP
        field := format('lines[%s].', ln.i);
        SELECT p.* INTO prod FROM products p
         WHERE p.tenant_id = liaison_tenant()
           AND (p.id = ln.product_id OR (ln.product_id IS NULL AND p.sku = ln.sku));
        PERFORM liaison_check(prod.id IS NOT NULL, field || 'productId', 'no such product');
        PERFORM liaison_check(prod.retired_at IS NULL, field || 'productId',
                              format('product %s is retired', prod.sku));
        PERFORM liaison_check(ln.quantity >= 1, field || 'quantity', 'at least 1');
        PERFORM liaison_check(ln.quantity >= prod.moq, field || 'quantity',
                              format('below the minimum order of %s (product %s)', prod.moq,
                                     prod.sku));
        SELECT cc.moq, pl.code INTO commit_moq, commit_line
          FROM charter_commitments cc
          JOIN charters c ON c.tenant_id = cc.tenant_id AND c.id = cc.charter_id
          JOIN product_lines pl ON pl.tenant_id = cc.tenant_id AND pl.id = cc.product_line_id
         WHERE cc.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
           AND c.status = 'active' AND cc.product_line_id = prod.product_line_id;
        PERFORM liaison_check(commit_moq IS NULL OR ln.quantity >= commit_moq, field || 'quantity',
                              format('below the minimum order of %s (charter commitment for %s)',
                                     commit_moq, commit_line));
        amount := ln.quantity * ln.price;
        total := total + amount;
        PERFORM liaison_check(total <= 9223372036854775807, field || 'unitPriceMinor',
                              'the order''s total passes the largest amount (2^63 - 1 minor units)');
        INSERT INTO order_lines (tenant_id, order_id, product_id, quantity, unit_price_minor,
                                 amount_minor)
        VALUES (liaison_tenant(), ord, prod.id, ln.quantity, ln.price, amount);
    END LOOP;
    UPDATE orders o SET total_minor = total WHERE o.tenant_id = liaison_tenant() AND o.id = ord;
    IF p_key <> '' THEN
        PERFORM liaison_idempotency_done('PlaceOrder', p_key, ord);
    END IF;
    PERFORM set_config('liaison.created_id', ord::text, true);
    PERFORM liaison_audit('order.place', 'order', ord::text);
    RETURN ord;
END $$;

-- Moves an order the caller reaches along placed -> confirmed -> shipped
-- -> delivered, or cancels it while placed or confirmed. A distributor
-- user may only cancel.
CREATE OR REPLACE FUNCTION liaison_order_status(p_order bigint, p_status text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cur text;
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
    UPDATE orders o SET status = p_status, status_changed_by = liaison_request_setting('actor'),
           status_changed_at = liaison_now()
     WHERE o.tenant_id = liaison_tenant() AND o.id = p_order;
    PERFORM liaison_audit('order.' || p_status, 'order', p_order::text);
    RETURN p_order;
END $$;

-- Adds a shipment of lines [{order_line_id, quantity}] of an order the
-- caller reaches, confirmed or shipped. The order's row lock serialises
-- shipments of one order, so what all its non-cancelled shipments carry
-- never passes what was ordered.
CREATE OR REPLACE FUNCTION liaison_shipment_add(p_order bigint, p_carrier text, p_tracking text,
                                                p_etd date, p_eta date, p_lines jsonb)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cur text;
    shp bigint;
    ln record;
    ordered bigint;
    sku text;
    shipped numeric;
BEGIN
    SELECT o.status INTO cur FROM orders o
     WHERE o.tenant_id = liaison_tenant() AND o.id = p_order
       AND liaison_sees_side(o.distributor_id) FOR UPDATE;
    PERFORM liaison_found(cur IS NOT NULL, 'no such order');
    PERFORM liaison_precondition(cur IN ('confirmed', 'shipped'), format(
        'this order is %s: shipments are added once it is confirmed, until it is delivered', cur));
    PERFORM liaison_check(p_etd IS NULL OR p_eta IS NULL OR p_eta >= p_etd, 'eta',
                          'on or after the ETD');
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

-- Moves a shipment planned -> in_transit -> delivered, or cancels it
-- before delivery. When delivered shipments carry every ordered unit, the
-- order (confirmed or shipped) becomes delivered too, audited.
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

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys, orders, order_lines, shipments,
            shipment_lines TO liaison_app;
        GRANT EXECUTE ON FUNCTION liaison_idempotency_claim(text, text, bytea),
            liaison_idempotency_done(text, text, bigint), liaison_idempotency_prune(jsonb),
            liaison_order_place(bigint, jsonb, text, bigint, bigint, text, text),
            liaison_order_status(bigint, text),
            liaison_shipment_add(bigint, text, text, date, date, jsonb),
            liaison_shipment_status(bigint, text) TO liaison_app;
    END IF;
END $$;
