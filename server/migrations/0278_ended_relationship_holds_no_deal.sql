-- What a relationship that has ended, or a deal that was lost, still held
-- (found in a try-out):
-- - A lost deal, or a terminated distributor's, went on protecting its
--   customer for the whole window: a distributor could register a deal and
--   lose it at once to lock a competitor out, and the replacement of a
--   terminated distributor could not register its customers. Protection
--   (exact and similar names) now ends when the deal is lost or its
--   distributor terminated.
-- - A terminated distributor's pending registration was approved, and its
--   user then won the deal, edited it and logged calls on it. Approval is
--   refused as a reassignment to it is; its leads only close (won or lost); a
--   correction is refused; it takes no new interaction (the trigger of
--   0101, in its words). Rejecting its registration, or reassigning it,
--   stays open.
-- - A rejected registration's value and close date were still corrected:
--   it only closes, as lost, as a stage move says.
-- - A key account that changed side with a reassigned lead kept the old
--   side's user as its owner, who could no longer read it; its owner stays
--   now only while it may own it on the new side, as the lead's does.
--
-- liaison_lead_decide here also holds 0276's check: a registration with
-- orders not cancelled is not rejected until they are, naming them.
--
-- Replaces liaison_customer_protected_since (0071),
-- liaison_customer_near_protected (0178), liaison_lead_decide (0170) and
-- liaison_lead_update (0118) whole but for those.

CREATE OR REPLACE FUNCTION liaison_customer_protected_since(p_name text, p_country text,
                                                            p_distributor bigint,
                                                            p_now timestamptz)
RETURNS timestamptz
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT min(l.registered_at)
      FROM public.key_accounts a
      JOIN public.leads l ON l.tenant_id = a.tenant_id AND l.key_account_id = a.id
     WHERE a.tenant_id = public.liaison_tenant()
       AND public.liaison_name_key(a.name) = public.liaison_name_key(p_name)
       AND a.country = p_country
       AND l.distributor_id IS DISTINCT FROM p_distributor
       AND l.registration IN ('accepted', 'approved')
       AND l.stage <> 'lost'
       AND l.registered_at > p_now - public.liaison_deal_protection_days() * interval '1 day'
       AND NOT EXISTS (SELECT 1 FROM public.distributors d
                        WHERE d.tenant_id = l.tenant_id AND d.id = l.distributor_id
                          AND d.status = 'terminated')
$$;

CREATE OR REPLACE FUNCTION liaison_customer_near_protected(p_name text, p_country text,
                                                           p_distributor bigint,
                                                           p_now timestamptz)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1
          FROM public.key_accounts a
          JOIN public.leads l ON l.tenant_id = a.tenant_id AND l.key_account_id = a.id
         WHERE a.tenant_id = public.liaison_tenant()
           AND a.country = p_country
           AND public.liaison_name_loose(a.name) = public.liaison_name_loose(p_name)
           AND l.distributor_id IS DISTINCT FROM p_distributor
           AND l.registration IN ('accepted', 'approved')
           AND l.stage <> 'lost'
           AND l.registered_at > p_now - public.liaison_deal_protection_days() * interval '1 day'
           AND NOT EXISTS (SELECT 1 FROM public.distributors d
                            WHERE d.tenant_id = l.tenant_id AND d.id = l.distributor_id
                              AND d.status = 'terminated'))
$$;

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
    -- As a lead is not reassigned to a terminated distributor (0049): its
    -- own registration is not approved either, a deal for a relationship
    -- that has ended; rejected, or given to another, it still may be.
    IF p_decision = 'approve' THEN
        SELECT * INTO dest FROM distributors d
         WHERE d.tenant_id = l.tenant_id AND d.id = l.distributor_id;
        PERFORM liaison_precondition(dest.status IS DISTINCT FROM 'terminated', format(
            'distributor %s (%s) is terminated: its registration is not approved; reject it, or'
            ' reassign the lead', dest.id, dest.name));
    END IF;
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

CREATE OR REPLACE FUNCTION liaison_lead_update(p_lead bigint, p_title text, p_value bigint,
                                               p_currency text, p_close date, p_owner bigint,
                                               p_region text, p_lines bigint[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    l leads%ROWTYPE;
BEGIN
    SELECT * INTO l FROM leads x WHERE x.tenant_id = liaison_tenant() AND x.id = p_lead
       AND liaison_sees_side(x.distributor_id) FOR UPDATE;
    PERFORM liaison_found(l.id IS NOT NULL, 'no such lead');
    PERFORM liaison_check(p_title IS NULL OR btrim(p_title) <> '', 'title', 'not blank');
    PERFORM liaison_check(p_region IS NULL OR p_region = l.region, 'region', format(
        'lead %s is for %s, as it was registered (the deal registration is checked for its'
        ' region and lines): register a new lead for another region', l.id, l.region));
    PERFORM liaison_check(p_lines IS NULL
        OR (SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(p_lines) x)
           IS NOT DISTINCT FROM
           (SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(l.product_line_ids) x),
        'productLineIds', format(
        'lead %s keeps the product lines it was registered with (the deal registration is'
        ' checked for its region and lines): register a new lead for other lines', l.id));
    PERFORM liaison_check(p_owner IS NULL OR liaison_crm_owner_ok(l.distributor_id, p_owner),
        'ownerId', 'no user of this tenant who may own this lead (the exporter''s staff who'
                   ' reach it, or a user of its distributor)');
    PERFORM liaison_precondition(l.stage NOT IN ('won', 'lost'), format(
        'this lead is %s: won and lost are final, and a closed deal is not corrected', l.stage));
    PERFORM liaison_precondition(l.registration IS DISTINCT FROM 'rejected', format(
        'the exporter rejected this registration: lead %s is only closed, as lost (lead stage %s'
        ' lost)', l.id, l.id));
    PERFORM liaison_precondition(NOT EXISTS (SELECT 1 FROM distributors d
        WHERE d.tenant_id = l.tenant_id AND d.id = l.distributor_id AND d.status = 'terminated'),
        format('lead %s is a terminated distributor''s: it is only closed, won or lost, or its'
               ' registration decided', l.id));
    UPDATE leads x SET title = coalesce(p_title, x.title),
                       value_minor = coalesce(p_value, x.value_minor),
                       currency = CASE WHEN p_value IS NULL THEN x.currency
                                       ELSE coalesce(p_currency, x.currency) END,
                       expected_close = coalesce(p_close, x.expected_close),
                       owner_id = coalesce(p_owner, x.owner_id)
     WHERE x.tenant_id = l.tenant_id AND x.id = l.id;
    PERFORM liaison_audit('lead.update', 'lead', l.id::text);
    RETURN l.id;
END $$;

DROP TRIGGER IF EXISTS interactions_distributor_takes_new ON interactions;
CREATE TRIGGER interactions_distributor_takes_new BEFORE INSERT ON interactions
    FOR EACH ROW EXECUTE FUNCTION liaison_distributor_takes_new();
