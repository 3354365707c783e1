-- A registration rejected while orders named its lead (carried over from
-- a try-out): the orders went on booking the deal the exporter had just
-- said was not the distributor's, and the lead, rejected, could be closed
-- only as lost, which a lead with orders may not be (0254). A rejection
-- now waits until its orders are cancelled, as marking a lead lost does,
-- naming them; an order placed while the lead is rejected is refused
-- where it holds the lead, read locked, as one on a lead lost meanwhile
-- is; and a reassignment refused for its orders no longer suggests a
-- rejection that would be refused in turn.
--
-- Replaces liaison_lead_decide (0170), liaison_order_holds_its_lead (0254)
-- and liaison_lead_keeps_its_orders (0209) whole but for those checks.

CREATE OR REPLACE FUNCTION liaison_lead_decide(p_lead bigint, p_decision text, p_to bigint,
                                               p_note text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    l leads%ROWTYPE;
    acc key_accounts%ROWTYPE;
    dest distributors%ROWTYPE;
    held timestamptz;
    moved_to bigint;
    left_empty boolean;
    placed text;
BEGIN
    SELECT * INTO l FROM leads x WHERE x.tenant_id = liaison_tenant() AND x.id = p_lead
       AND liaison_sees_side(x.distributor_id) FOR UPDATE;
    PERFORM liaison_found(l.id IS NOT NULL, 'no such lead');
    PERFORM liaison_precondition(l.registration = 'flagged', format(
        'only a flagged registration is decided; this lead''s is %s',
        coalesce(l.registration, 'none (an exporter''s lead)')));
    -- Read after the lead is locked: an order placed meanwhile holds the
    -- lead (liaison_order_holds_its_lead) and is committed, or refused, by now.
    IF p_decision = 'reject' THEN
        SELECT string_agg(o.id::text, ', ' ORDER BY o.id) INTO placed
          FROM orders o
         WHERE o.tenant_id = l.tenant_id AND o.lead_id = l.id AND o.status <> 'cancelled';
        PERFORM liaison_precondition(placed IS NULL, format(
            'lead %s has orders (%s): a rejected registration is no deal of its distributor''s,'
            ' and those orders book one; approve it, or cancel them first', l.id, placed));
    END IF;
    SELECT * INTO acc FROM key_accounts a WHERE a.tenant_id = l.tenant_id AND a.id = l.key_account_id;
    IF p_decision = 'approve' THEN
        PERFORM pg_advisory_xact_lock(liaison_customer_lock_key(l.tenant_id, acc.name, acc.country));
        held := liaison_customer_protected_since(acc.name, acc.country, l.distributor_id,
                                                 liaison_now());
        PERFORM liaison_precondition(held IS NULL, format(
            'another distributor''s registration of %s protects this account',
            to_char(held AT TIME ZONE 'UTC', 'YYYY-MM-DD')));
    ELSIF p_decision = 'reassign' THEN
        IF p_to IS NOT NULL THEN
            SELECT * INTO dest FROM distributors d
             WHERE d.tenant_id = liaison_tenant() AND d.id = p_to AND liaison_sees_side(d.id);
        END IF;
        PERFORM liaison_check(p_to IS NULL OR dest.id IS NOT NULL,
                              'distributorId', 'no such distributor');
        -- Given to the distributor that holds it, the lead would be
        -- approved under another name, and the audit log would say it moved.
        PERFORM liaison_check(p_to IS NULL OR p_to IS DISTINCT FROM l.distributor_id,
            'distributorId', format('the lead is already distributor %s (%s)''s: approve it'
                                    ' instead', dest.id, dest.name));
        -- Said as a registration for it is (0049): the distributor the
        -- caller names exists, it only takes nothing new.
        PERFORM liaison_check(p_to IS NULL OR dest.status <> 'terminated',
            'distributorId', format('distributor %s (%s) is terminated: it takes no new leads',
                                    dest.id, dest.name));
        -- Given to another distributor, the lead is approved there: as an
        -- approval, only while no other distributor's registration protects
        -- the customer.
        IF p_to IS NOT NULL THEN
            PERFORM pg_advisory_xact_lock(liaison_customer_lock_key(l.tenant_id, acc.name,
                                                                    acc.country));
            held := liaison_customer_protected_since(acc.name, acc.country, p_to, liaison_now());
            PERFORM liaison_precondition(held IS NULL, format(
                'another distributor''s registration of %s protects this account',
                to_char(held AT TIME ZONE 'UTC', 'YYYY-MM-DD')));
        END IF;
        -- Whether the lead takes everything its account holds with it: no
        -- other lead, no interaction but the lead's own, no order.
        left_empty := NOT EXISTS (SELECT 1 FROM leads x WHERE x.tenant_id = l.tenant_id
                                     AND x.key_account_id = acc.id AND x.id <> l.id)
                  AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.tenant_id = l.tenant_id
                                     AND i.key_account_id = acc.id
                                     AND i.lead_id IS DISTINCT FROM l.id)
                  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.tenant_id = l.tenant_id
                                     AND o.key_account_id = acc.id);
        SELECT a.id INTO moved_to FROM key_accounts a
         WHERE a.tenant_id = l.tenant_id
           AND coalesce(a.distributor_id, 0) = coalesce(p_to, 0)
           AND liaison_name_key(a.name) = liaison_name_key(acc.name) AND a.country = acc.country
         ORDER BY a.id LIMIT 1;
        IF moved_to IS NULL AND left_empty THEN
            -- The customer itself changes side, with its id and history.
            UPDATE key_accounts a SET distributor_id = p_to
             WHERE a.tenant_id = l.tenant_id AND a.id = acc.id;
            PERFORM liaison_audit('key_account.update', 'key_account', acc.id::text);
            moved_to := acc.id;
        ELSE
            moved_to := liaison_side_account(p_to, acc.name, acc.country, acc.region,
                                             acc.industry);
            -- The lead's interactions are its history: they go where it goes.
            UPDATE interactions i SET key_account_id = moved_to
             WHERE i.tenant_id = l.tenant_id AND i.lead_id = l.id AND i.key_account_id = acc.id;
        END IF;
    END IF;
    -- Reassigned to the exporter, a lead is no registration any more; to
    -- another distributor, it is that distributor's, approved. Its owner
    -- stays only while it may own the lead on its new side: a user of the
    -- distributor it left would otherwise be named to the one it joined.
    UPDATE leads x
       SET registration = CASE p_decision WHEN 'approve' THEN 'approved'
                                          WHEN 'reject' THEN 'rejected'
                                          ELSE CASE WHEN p_to IS NULL THEN NULL ELSE 'approved' END
                          END,
           distributor_id = CASE WHEN p_decision = 'reassign' THEN p_to ELSE x.distributor_id END,
           key_account_id = coalesce(moved_to, x.key_account_id),
           owner_id = CASE WHEN p_decision <> 'reassign'
                             OR liaison_crm_owner_ok(p_to, x.owner_id) THEN x.owner_id END,
           flags = CASE WHEN p_decision <> 'reassign' THEN x.flags
                        WHEN p_to IS NULL THEN '{}'
                        ELSE coalesce(liaison_deal_flags(p_to, acc.name, acc.country,
                                                         coalesce(nullif(x.region, ''), acc.country),
                                                         x.product_line_ids), '{}') END,
           registered_at = CASE WHEN p_decision = 'reassign' AND p_to IS NULL THEN NULL
                                ELSE x.registered_at END,
           decided_by = liaison_request_setting('actor'), decided_at = liaison_now(),
           decision_note = coalesce(p_note, '')
     WHERE x.tenant_id = l.tenant_id AND x.id = l.id;
    -- The lead's interactions are its history: the side it goes to reads them from now on,
    -- and the side it left no longer does.
    IF p_decision = 'reassign' THEN
        UPDATE interactions i SET distributor_id = p_to
         WHERE i.tenant_id = l.tenant_id AND i.lead_id = l.id;
    END IF;
    -- The side's account the lead left holds nothing any more: the new
    -- side's account of the customer is its one copy.
    IF p_decision = 'reassign' AND left_empty AND moved_to <> acc.id THEN
        DELETE FROM key_accounts a WHERE a.tenant_id = l.tenant_id AND a.id = acc.id;
        PERFORM liaison_audit('key_account.merge', 'key_account', acc.id::text);
    END IF;
    PERFORM liaison_audit('lead.' || p_decision, 'lead', l.id::text);
    RETURN l.id;
END $$;

CREATE OR REPLACE FUNCTION liaison_order_holds_its_lead() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    owner bigint;
    stage text;
    registration text;
BEGIN
    IF liaison_tenant() IS NULL
       OR (current_setting('liaison.operator', true) = 'on' AND liaison_is_operator()) THEN
        RETURN NEW;
    END IF;
    SELECT l.distributor_id, l.stage, l.registration INTO owner, stage, registration FROM leads l
     WHERE l.tenant_id = NEW.tenant_id AND l.id = NEW.lead_id
       FOR KEY SHARE OF l;
    -- Not found: a distributor user's view lost the lead as it moved.
    PERFORM liaison_precondition(FOUND AND (owner IS NULL OR owner = NEW.distributor_id),
        format('lead %s was given to another distributor while this order was placed: the'
               ' order is not placed; reload the lead', NEW.lead_id));
    -- Read locked, after a stage change that committed meanwhile: an order
    -- does not name a lead that was lost while it was placed.
    PERFORM liaison_check(stage IS DISTINCT FROM 'lost', 'leadId',
        format('lead %s was lost: an order is placed on a deal still open or won (place it'
               ' without the lead, or on a lead of its own)', NEW.lead_id));
    PERFORM liaison_check(registration IS DISTINCT FROM 'rejected', 'leadId',
        format('lead %s''s registration was rejected: it is not this distributor''s deal',
               NEW.lead_id));
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION liaison_lead_keeps_its_orders() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    placed text;
BEGIN
    SELECT string_agg(o.id::text, ', ' ORDER BY o.id) INTO placed
      FROM orders o
     WHERE o.tenant_id = NEW.tenant_id AND o.lead_id = NEW.id
       AND o.distributor_id IS DISTINCT FROM NEW.distributor_id;
    PERFORM liaison_precondition(placed IS NULL, format(
        'lead %s has orders placed on it (%s): a lead stays with the distributor whose orders'
        ' name it; approve the registration instead, or cancel them and reject it', NEW.id,
        placed));
    RETURN NEW;
END $$;
