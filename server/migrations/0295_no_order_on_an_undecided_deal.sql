-- An order was taken on a deal registration still awaiting the exporter's
-- decision (found in a try-out): a distributor's deal flagged as in another
-- distributor's exclusive territory, or on a customer the exporter serves
-- itself, took orders, and the exporter could then reject it only once it
-- had cancelled them, the channel conflict registration exists to stop. An
-- order on a flagged lead is refused, naming its flags, until the exporter
-- approves it (or reassigns it, which approves it for its new distributor).
-- A lead flagged with orders from before stays as it is (0278 and 0285
-- decide it).
--
-- Replaces liaison_order_place (0254) whole but for that.

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
    line_code text;
    covered boolean;
    commit_moq integer;
    commit_says boolean;
    line_total record;
    amount numeric;
    total numeric := 0;
    field text;
    lead_row record;
    account bigint := p_account;
    theirs record;
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
    -- Staff reach every distributor's accounts and leads: one of another
    -- distributor's was "no such key account" (or lead) to them, though
    -- they could open it. A distributor user does not reach another's.
    SELECT a.distributor_id, d.name INTO theirs FROM key_accounts a
      JOIN distributors d ON d.tenant_id = a.tenant_id AND d.id = a.distributor_id
     WHERE a.tenant_id = liaison_tenant() AND a.id = p_account
       AND a.distributor_id <> p_distributor AND liaison_sees_side(a.distributor_id);
    PERFORM liaison_check(theirs.distributor_id IS NULL, 'keyAccountId', format(
        'key account %s is distributor %s''s (%s): an order is for an account of its own'
        ' distributor, or one of the exporter''s', p_account, theirs.distributor_id, theirs.name));
    PERFORM liaison_found(p_account IS NULL OR EXISTS (SELECT 1 FROM key_accounts a
        WHERE a.tenant_id = liaison_tenant() AND a.id = p_account
          AND (a.distributor_id IS NULL OR a.distributor_id = p_distributor)
          AND liaison_sees_side(a.distributor_id)), 'no such key account');
    IF p_lead IS NOT NULL THEN
        SELECT l.distributor_id, d.name INTO theirs FROM leads l
          JOIN distributors d ON d.tenant_id = l.tenant_id AND d.id = l.distributor_id
         WHERE l.tenant_id = liaison_tenant() AND l.id = p_lead
           AND l.distributor_id <> p_distributor AND liaison_sees_side(l.distributor_id);
        PERFORM liaison_check(theirs.distributor_id IS NULL, 'leadId', format(
            'lead %s is distributor %s''s (%s): an order on a lead is placed for the lead''s'
            ' distributor', p_lead, theirs.distributor_id, theirs.name));
        SELECT l.key_account_id, l.registration, l.stage, a.name AS account_name,
               array_to_string(l.flags, ', ') AS flags INTO lead_row
          FROM leads l
          JOIN key_accounts a ON a.tenant_id = l.tenant_id AND a.id = l.key_account_id
         WHERE l.tenant_id = liaison_tenant() AND l.id = p_lead
           AND (l.distributor_id IS NULL OR l.distributor_id = p_distributor)
           AND liaison_sees_side(l.distributor_id);
        PERFORM liaison_found(FOUND, 'no such lead');
        PERFORM liaison_check(lead_row.stage <> 'lost', 'leadId',
            format('lead %s was lost: an order is placed on a deal still open or won (place'
                   ' it without the lead, or on a lead of its own)', p_lead));
        PERFORM liaison_check(lead_row.registration IS DISTINCT FROM 'rejected', 'leadId',
            format('lead %s''s registration was rejected: it is not this distributor''s deal',
                   p_lead));
        PERFORM liaison_check(lead_row.registration IS DISTINCT FROM 'flagged', 'leadId',
            format('lead %s''s registration awaits the exporter''s decision (flagged: %s): an'
                   ' order is placed on it once approved (or without the lead)', p_lead,
                   lead_row.flags));
        PERFORM liaison_check(account IS NULL OR account = lead_row.key_account_id,
            'keyAccountId', format('lead %s is for key account %s (%s): give that account, or'
                                   ' none', p_lead, lead_row.key_account_id,
                                   lead_row.account_name));
        account := lead_row.key_account_id;
    END IF;
    INSERT INTO orders (tenant_id, distributor_id, currency, key_account_id, lead_id, note,
                        placed_by, placed_at, status_changed_by, status_changed_at)
    VALUES (liaison_tenant(), p_distributor, p_currency, account, p_lead, coalesce(p_note, ''),
            liaison_request_setting('actor'), now_, liaison_request_setting('actor'), now_)
    RETURNING id INTO ord;
    FOR ln IN SELECT e.n - 1 AS i, nullif(e.v->>'product_id', '0')::bigint AS product_id,
                     nullif(e.v->>'sku', '') AS sku, (e.v->>'quantity')::numeric AS quantity,
                     (e.v->>'unit_price_minor')::numeric AS price
                FROM jsonb_array_elements(p_lines) WITH ORDINALITY e(v, n) ORDER BY e.n LOOP
        field := format('lines[%s].', ln.i);
        SELECT p.* INTO prod FROM products p
         WHERE p.tenant_id = liaison_tenant()
           AND (p.id = ln.product_id OR (ln.product_id IS NULL AND lower(p.sku) = lower(ln.sku)));
        PERFORM liaison_check(prod.id IS NOT NULL,
                              field || CASE WHEN ln.product_id IS NULL THEN 'sku'
                                            ELSE 'productId' END,
                              CASE WHEN ln.product_id IS NULL
                                   THEN format('no product has SKU "%s"', ln.sku)
                                   ELSE format('no such product: %s', ln.product_id) END);
        PERFORM liaison_check(ln.sku IS NULL OR lower(prod.sku) = lower(ln.sku), field || 'sku',
            format('product %s is SKU %s: give one of them, or both alike', prod.id, prod.sku));
        PERFORM liaison_check(prod.retired_at IS NULL, field || 'productId',
                              format('product %s is retired', prod.sku));
        SELECT pl.code INTO line_code FROM product_lines pl
         WHERE pl.tenant_id = liaison_tenant() AND pl.id = prod.product_line_id;
        SELECT c.full_coverage OR prod.product_line_id = ANY (c.covered_line_ids) INTO covered
          FROM charters c
         WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
           AND c.status = 'active';
        PERFORM liaison_check(covered IS NOT FALSE, field || 'productId', format(
            'product line %s is not covered by the distributor''s charter (product %s)',
            line_code, prod.sku));
        PERFORM liaison_check(ln.quantity >= 1, field || 'quantity', 'at least 1');
        SELECT cc.moq INTO commit_moq
          FROM charter_commitments cc
          JOIN charters c ON c.tenant_id = cc.tenant_id AND c.id = cc.charter_id
         WHERE cc.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
           AND c.status = 'active' AND cc.product_line_id = prod.product_line_id;
        IF commit_moq IS NOT NULL THEN
            -- The commitment is the product line's: the order's lines of
            -- it together, found as the loop finds each line's product,
            -- are checked once, on the first of them.
            SELECT min(e.n) - 1 AS first, count(*) AS lines, sum((e.v->>'quantity')::numeric) AS qty
              INTO line_total
              FROM jsonb_array_elements(p_lines) WITH ORDINALITY e(v, n)
              JOIN products p ON p.tenant_id = liaison_tenant()
               AND (p.id = nullif(e.v->>'product_id', '0')::bigint
                    OR (nullif(e.v->>'product_id', '0') IS NULL
                        AND lower(p.sku) = lower(nullif(e.v->>'sku', ''))))
             WHERE p.product_line_id = prod.product_line_id;
        END IF;
        -- The product's own minimum, unless this line is its product line's
        -- only one and the commitment asks more: that is said below, once.
        commit_says := commit_moq IS NOT NULL AND commit_moq > prod.moq;
        IF commit_says THEN
            commit_says := line_total.lines = 1;
        END IF;
        PERFORM liaison_check(ln.quantity >= prod.moq OR commit_says, field || 'quantity',
                              format('below the minimum order of %s (product %s)', prod.moq,
                                     prod.sku));
        IF commit_moq IS NOT NULL THEN
            IF line_total.first = ln.i THEN
                PERFORM liaison_check(line_total.qty >= commit_moq, field || 'quantity',
                    CASE WHEN line_total.lines = 1
                         THEN format('below the minimum order of %s (charter commitment for %s)',
                                     commit_moq, line_code)
                         ELSE format('below the minimum order of %s (charter commitment for %s):'
                                     ' the order''s %s %s lines total %s', commit_moq, line_code,
                                     line_total.lines, line_code, line_total.qty) END);
            END IF;
        END IF;
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
