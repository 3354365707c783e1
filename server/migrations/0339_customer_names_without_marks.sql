-- One customer as two accounts of one side, told apart only by Vietnamese
-- marks (a try-out of the CRM): "Cong ty Van tai Binh Minh" and "Công ty
-- Vận tải Bình Minh" were both the Ho Chi Minh City distributor's accounts
-- in VN, while a name filter, a carve-out and the similar-customer check
-- (0137, 0178) already took the two for one, and a deal registration typed
-- without the marks made a third. Distributors of such names are refused
-- since 0187; a side's customers now are too, as 0229 did for widths:
--
-- * CreateKeyAccount refuses a name equal to another account's of the same
--   side and country once case, width and marks (and đ) are folded away
--   (liaison_fold of liaison_name_key), naming that account (rpc_crm.c);
--   UpdateKeyAccount refuses a rename into one. Two stored before stay
--   correctable in everything but such a name.
-- * A registration takes the side's account of that folded name, the one
--   named as typed first, then the one of the same key, then the oldest,
--   instead of making another.
-- * The customer's lock is taken on the folded name, so that two spellings
--   created at the same moment wait for each other and the second sees the
--   first.
--
-- * A lead reassigned to a side that has the customer under another
--   spelling joins that account, as liaison_side_account finds it, instead
--   of taking its own account there beside it.
--
-- Replaces liaison_customer_lock_key (0071), liaison_side_account (0234),
-- liaison_key_account_update (0336) and liaison_lead_decide (0338) whole
-- but for that comparison.

CREATE INDEX IF NOT EXISTS key_accounts_customer_fold
    ON key_accounts (tenant_id, liaison_fold(liaison_name_key(name)), country);

CREATE OR REPLACE FUNCTION liaison_customer_lock_key(p_tenant bigint, p_name text, p_country text)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT hashtextextended(format('customer:%s:%s:%s', p_tenant,
                                   liaison_fold(liaison_name_key(p_name)), p_country), 63)
$$;

CREATE OR REPLACE FUNCTION liaison_side_account(p_distributor bigint, p_name text,
                                                p_country text, p_region text,
                                                p_industry text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    acc bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(liaison_customer_lock_key(liaison_tenant(), p_name, p_country));
    SELECT a.id INTO acc FROM key_accounts a
     WHERE a.tenant_id = liaison_tenant() AND coalesce(a.distributor_id, 0) = coalesce(p_distributor, 0)
       AND liaison_fold(liaison_name_key(a.name)) = liaison_fold(liaison_name_key(p_name))
       AND a.country = p_country
     ORDER BY lower(a.name) = lower(liaison_name_clean(p_name)) DESC,
              liaison_name_key(a.name) = liaison_name_key(p_name) DESC, a.id LIMIT 1;
    IF acc IS NOT NULL THEN
        RETURN acc;
    END IF;
    INSERT INTO key_accounts (tenant_id, name, country, region, industry, distributor_id)
    VALUES (liaison_tenant(), p_name, p_country, coalesce(p_region, ''),
            coalesce(p_industry, ''), p_distributor)
    ON CONFLICT (tenant_id, (coalesce(distributor_id, 0)), lower(name), country) DO NOTHING
    RETURNING id INTO acc;
    IF acc IS NOT NULL THEN
        -- As an explicit CreateKeyAccount is audited (rpc_crm.c).
        PERFORM liaison_audit('key_account.create', 'key_account', acc::text);
        RETURN acc;
    END IF;
    -- A concurrent insert that took no customer lock (none should) made it first.
    SELECT a.id INTO acc FROM key_accounts a
     WHERE a.tenant_id = liaison_tenant() AND coalesce(a.distributor_id, 0) = coalesce(p_distributor, 0)
       AND liaison_fold(liaison_name_key(a.name)) = liaison_fold(liaison_name_key(p_name))
       AND a.country = p_country
     ORDER BY lower(a.name) = lower(liaison_name_clean(p_name)) DESC,
              liaison_name_key(a.name) = liaison_name_key(p_name) DESC, a.id LIMIT 1;
    RETURN acc;
END $$;

CREATE OR REPLACE FUNCTION liaison_key_account_update(p_account bigint, p_name text,
                                                      p_country text, p_region text,
                                                      p_industry text, p_owner bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    a key_accounts%ROWTYPE;
    locked key_accounts%ROWTYPE;
    new_name text;
    new_country text;
    new_region text;
    registered bigint;
    taken text;
    refusal text;
BEGIN
    SELECT * INTO a FROM key_accounts x WHERE x.tenant_id = liaison_tenant() AND x.id = p_account
       AND liaison_sees_side(x.distributor_id);
    PERFORM liaison_found(a.id IS NOT NULL, 'no such key account');
    PERFORM liaison_check(p_name IS NULL OR liaison_name_clean(p_name) <> '', 'name',
                          'not blank');
    new_name := coalesce(liaison_name_clean(p_name), a.name);
    new_country := coalesce(p_country, a.country);
    -- The customer's locks, the old name's and the new one's, in one order,
    -- before the row's: a registration holds its name's lock from its
    -- look-up to its commit, and then waits for the row's.
    PERFORM pg_advisory_xact_lock(k.key)
       FROM (SELECT DISTINCT x.key FROM unnest(ARRAY[
                 liaison_customer_lock_key(a.tenant_id, a.name, a.country),
                 liaison_customer_lock_key(a.tenant_id, new_name, new_country)]) x (key)
              ORDER BY x.key) k;
    SELECT * INTO locked FROM key_accounts x WHERE x.tenant_id = a.tenant_id AND x.id = a.id
       FOR UPDATE;
    IF locked.id IS NULL OR liaison_name_key(locked.name) <> liaison_name_key(a.name)
       OR locked.country <> a.country THEN
        RAISE EXCEPTION 'key account % changed while it was corrected: try again', a.id
            USING ERRCODE = 'serialization_failure';
    END IF;
    a := locked;
    new_name := coalesce(liaison_name_clean(p_name), a.name);
    new_region := CASE WHEN p_region = new_country THEN ''
                       WHEN p_region IS NOT NULL THEN p_region
                       WHEN new_country = a.country THEN a.region
                       ELSE '' END;
    PERFORM liaison_check(new_region = '' OR left(new_region, 3) = new_country || '-', 'region',
        format('an ISO 3166-2 subdivision of %s, or %s for the whole country', new_country,
               new_country));
    PERFORM liaison_check(p_owner IS NULL OR liaison_crm_owner_ok(a.distributor_id, p_owner),
        'ownerId', 'no user of this tenant who may own this account (the exporter''s staff who'
                   ' reach it, or a user of its distributor)');
    -- A change of case or spacing is the same customer (the name key).
    IF a.distributor_id IS NOT NULL AND (liaison_name_key(new_name) <> liaison_name_key(a.name)
                                         OR new_country <> a.country OR new_region <> a.region)
    THEN
        SELECT l.id INTO registered FROM leads l
         WHERE l.tenant_id = a.tenant_id AND l.key_account_id = a.id
           AND l.registration IS NOT NULL
         ORDER BY l.id LIMIT 1;
        PERFORM liaison_precondition(registered IS NULL, format(
            'lead %s registered this customer (in %s): a registered customer keeps its name,'
            ' country and region, which the registration was checked for (only its industry and'
            ' owner are corrected); register the lead again under the right name',
            registered, coalesce(nullif(a.region, ''), a.country)));
    END IF;
    -- A distributor's account renamed to a customer another distributor's
    -- registration protects: refused as that registration would be.
    IF a.distributor_id IS NOT NULL AND (liaison_name_key(new_name) <> liaison_name_key(a.name)
                                         OR new_country <> a.country) THEN
        refusal := liaison_customer_protection_refusal(new_name, new_country, a.distributor_id,
                                                       liaison_now());
        PERFORM liaison_unique(refusal IS NULL, refusal);
    END IF;
    SELECT format('%s (%s)', b.id, b.name) INTO taken FROM key_accounts b
     WHERE b.tenant_id = a.tenant_id AND b.id <> a.id
       AND coalesce(b.distributor_id, 0) = coalesce(a.distributor_id, 0)
       AND b.country = new_country
       AND (liaison_name_key(b.name) = liaison_name_key(new_name)
            -- Two stored before this migration stay correctable: only a
            -- change of the name as compared, or of the country, is held.
            OR (liaison_fold(liaison_name_key(b.name)) = liaison_fold(liaison_name_key(new_name))
                AND (liaison_fold(liaison_name_key(new_name))
                     <> liaison_fold(liaison_name_key(a.name)) OR new_country <> a.country)))
     ORDER BY b.id LIMIT 1;
    PERFORM liaison_unique(taken IS NULL, format(
        'key account %s has this name (in any case or width, or without its marks: ＡＢＣ is'
        ' ABC, Bình is Binh) and country on this side (the distributor''s, or the exporter''s'
        ' own)', taken));
    UPDATE key_accounts x SET name = new_name, country = new_country, region = new_region,
                              industry = coalesce(p_industry, x.industry),
                              owner_id = coalesce(p_owner, x.owner_id)
     WHERE x.tenant_id = a.tenant_id AND x.id = a.id;
    PERFORM liaison_audit('key_account.update', 'key_account', a.id::text);
    RETURN a.id;
END $$;

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
           AND liaison_fold(liaison_name_key(a.name)) = liaison_fold(liaison_name_key(acc.name))
           AND a.country = acc.country
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
