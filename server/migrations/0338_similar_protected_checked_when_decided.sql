-- 0337 left two gaps (a review). A manager who sees only some distributors
-- could still reassign a lead flagged similar_protected to another
-- distributor it sees: the lead is approved there, which sets the other
-- distributor's protection aside as an approval would, and its flags are
-- recomputed without similar_protected. And the approval was refused on
-- the flag stored at registration, after the protection it named had ended
-- (lost, past its window, or its distributor terminated).
--
-- Both are now judged when the decision is made, as exclusive_elsewhere is
-- on a reassignment (0324): approving is refused to such a manager while
-- another distributor's registration of a customer of the same loose name
-- still protects it (liaison_customer_near_protected, 0325), and so is
-- reassigning the lead to a distributor for which that would be so. Both
-- are asked after the exact name's protection, which is refused to anyone
-- and says so.
--
-- Replaces liaison_lead_decide (0337) whole but for that.

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
    SELECT string_agg(o.id::text, ', ' ORDER BY o.id) INTO placed
      FROM orders o
     WHERE o.tenant_id = l.tenant_id AND o.lead_id = l.id AND o.status <> 'cancelled';
    -- As a lead is not reassigned to a terminated distributor (0049): its
    -- own registration is not approved either, a deal for a relationship
    -- that has ended; rejected, or given to another, it still may be. One
    -- its orders booked while it served is approved, or nothing closes it.
    IF p_decision = 'approve' THEN
        SELECT * INTO dest FROM distributors d
         WHERE d.tenant_id = l.tenant_id AND d.id = l.distributor_id;
        PERFORM liaison_precondition(dest.status IS DISTINCT FROM 'terminated'
                                     OR placed IS NOT NULL, format(
            'distributor %s (%s) is terminated: its registration is not approved; reject it, or'
            ' reassign the lead', dest.id, dest.name));
    END IF;
    PERFORM liaison_denied(
        current_setting('liaison.role', true) = 'tenant_admin'
        OR current_setting('liaison.sees_all', true) = 'true'
        OR NOT (p_decision = 'approve' AND 'exclusive_elsewhere' = ANY (l.flags)), format(
        'lead %s is registered inside another distributor''s exclusive territory'
        ' (exclusive_elsewhere): approving it overrides that exclusivity, which a tenant admin'
        ' or a manager who sees every distributor decides', l.id));
    IF p_decision = 'reject' THEN
        PERFORM liaison_precondition(placed IS NULL, format(
            'lead %s has orders (%s): a rejected registration is no deal of its distributor''s,'
            ' and those orders book one; approve it, or cancel them first', l.id, placed));
    END IF;
    SELECT * INTO acc FROM key_accounts a WHERE a.tenant_id = l.tenant_id AND a.id = l.key_account_id;
    -- A terminated distributor's deal approved for its orders is a record
    -- of the past: another's protection of the customer since does not
    -- stand in its way, and it protects nothing itself.
    IF p_decision = 'approve' AND dest.status IS DISTINCT FROM 'terminated' THEN
        PERFORM pg_advisory_xact_lock(liaison_customer_lock_key(l.tenant_id, acc.name, acc.country));
        held := liaison_customer_protected_since(acc.name, acc.country, l.distributor_id,
                                                 liaison_now());
        PERFORM liaison_precondition(held IS NULL, format(
            'another distributor''s registration of %s protects this account%s: reject this'
            ' one, or reassign the lead to the exporter',
            to_char(held AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
            coalesce(' (' || liaison_customer_holder(acc.name, acc.country, l.distributor_id,
                                                     liaison_now()) || ')', '')));
        PERFORM liaison_denied(
            current_setting('liaison.role', true) = 'tenant_admin'
            OR current_setting('liaison.sees_all', true) = 'true'
            OR NOT liaison_customer_near_protected(acc.name, acc.country, l.distributor_id,
                                                   liaison_now()), format(
            'lead %s''s customer has the name of one another distributor''s registration'
            ' protects but for marks, punctuation or a legal form (similar_protected): approving'
            ' it sets that protection aside, which a tenant admin or a manager who sees every'
            ' distributor decides', l.id));
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
        PERFORM liaison_denied(
            p_to IS NULL OR current_setting('liaison.role', true) = 'tenant_admin'
            OR current_setting('liaison.sees_all', true) = 'true'
            OR NOT 'exclusive_elsewhere' = ANY (coalesce(liaison_deal_flags(p_to, acc.name,
                       acc.country, coalesce(nullif(l.region, ''), acc.country),
                       l.product_line_ids), '{}')), format(
            'distributor %s would hold lead %s inside another distributor''s exclusive territory'
            ' (exclusive_elsewhere): that overrides the exclusivity, which a tenant admin or a'
            ' manager who sees every distributor decides', p_to, l.id));
        IF p_to IS NOT NULL THEN
            PERFORM pg_advisory_xact_lock(liaison_customer_lock_key(l.tenant_id, acc.name,
                                                                    acc.country));
            held := liaison_customer_protected_since(acc.name, acc.country, p_to, liaison_now());
            PERFORM liaison_precondition(held IS NULL, format(
                'another distributor''s registration of %s protects this account%s',
                to_char(held AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                coalesce(' (' || liaison_customer_holder(acc.name, acc.country, p_to,
                                                         liaison_now()) || ')', '')));
            PERFORM liaison_denied(
                current_setting('liaison.role', true) = 'tenant_admin'
                OR current_setting('liaison.sees_all', true) = 'true'
                OR NOT liaison_customer_near_protected(acc.name, acc.country, p_to,
                                                       liaison_now()), format(
                'distributor %s would hold lead %s, whose customer has the name of one another'
                ' distributor''s registration protects but for marks, punctuation or a legal form'
                ' (similar_protected): that sets the protection aside, which a tenant admin or a'
                ' manager who sees every distributor decides', p_to, l.id));
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
            -- Its owner stays only while it may own the account on its new
            -- side, as the lead's does below.
            UPDATE key_accounts a SET distributor_id = p_to,
                   owner_id = CASE WHEN liaison_crm_owner_ok(p_to, a.owner_id) THEN a.owner_id END
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
