-- Leads kept to the CRM's rules (found in a user's try-out of the CLI):
--
-- * A lead's owner could be any user of the tenant: another distributor's
--   user (`lead register --owner 30`, by that distributor's user or by
--   staff for a distributor's lead), or an auditor, who only reads. A key
--   account's owner was already held to the exporter's staff or a user of
--   its own distributor (rpc_crm.c). Both now go through
--   liaison_crm_owner_ok: for the exporter's own record, a tenant admin or
--   a manager; for a distributor's, a user of that distributor, a tenant
--   admin, or a manager who reaches it; never an auditor nor a disabled
--   user, as for an action item (liaison_party_user_ok, 0104).
-- * An owner id that is no user (`--owner 999999`) reached the foreign key
--   and was answered "the user this refers to no longer exists", as if
--   someone had just removed it. The same check refuses it on ownerId.
-- * A reassigned lead kept its owner, a user of the distributor it was
--   taken from: the new distributor's users then read another
--   distributor's person on their lead. A reassignment keeps the owner
--   only while it may own the lead on its new side.
-- * A reassignment to the lead's own distributor went through as an
--   approval without a word, and one to a terminated distributor was
--   answered "no such distributor". Both are now said as they are.
-- * Key accounts made by a registration or a reassignment (a customer new
--   to that side) wrote no audit row, where an explicit `account create`
--   writes key_account.create. liaison_side_account now writes it. It
--   also looks the customer up by its name key before it inserts: its
--   insert's conflict target compares lower(name) only, so a name that
--   differed from an account's only in what the key drops (a zero-width
--   space) made a second account that nothing used.
-- * A distributor's user read, on a lead reassigned to it, who had
--   registered it at the other distributor ("user:29 vn-x@sg.example").
--   liaison_crm_actor and liaison_crm_user (below) give a distributor's
--   user only the people of its own distributor and the exporter's; the
--   CRM's reads (rpc_crm.c) show another distributor's person as nobody.
--
-- Replaces liaison_lead_register (0101) but for the owner check,
-- liaison_lead_decide (0098) but for the reassignment's refusals and
-- owner, and liaison_side_account (0071) but for the look-up first and
-- the audit row; their grants stay (CREATE OR REPLACE keeps them). Leads
-- and accounts made before keep their owners and their missing audit rows:
-- a migration runs without a tenant and sees none of their rows.

-- Whether user p_user may own a CRM record (key account, lead) of
-- distributor p_distributor's side (NULL: the exporter's own). An owner
-- acts on the record, so it is one who reaches it and may change it.
CREATE OR REPLACE FUNCTION liaison_crm_owner_ok(p_distributor bigint, p_user bigint)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_distributor IS NULL
                THEN EXISTS (SELECT 1 FROM public.users u
                              WHERE u.tenant_id = liaison_tenant() AND u.id = p_user
                                AND u.disabled_at IS NULL
                                AND u.role IN ('tenant_admin', 'manager'))
                ELSE liaison_party_user_ok(p_distributor, p_user)
                     AND EXISTS (SELECT 1 FROM public.users u
                                  WHERE u.tenant_id = liaison_tenant() AND u.id = p_user
                                    AND u.role <> 'auditor') END
$$;

-- Whether the caller may read who user p_user is: a distributor's user
-- the people of its own distributor and the exporter's, never another
-- distributor's (a lead reassigned from one distributor to another still
-- names who registered it); everyone else all of them. NULL names nobody.
CREATE OR REPLACE FUNCTION liaison_crm_user_shown(p_user bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_user IS NULL OR liaison_distributor_scope() = 0
        OR EXISTS (SELECT 1 FROM public.users u
                    WHERE u.tenant_id = liaison_tenant() AND u.id = p_user
                      AND (u.distributor_id IS NULL
                           OR u.distributor_id = liaison_distributor_scope()))
$$;

-- A user id of a CRM record as the caller reads it: NULL when it may not.
CREATE OR REPLACE FUNCTION liaison_crm_user(p_user bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN liaison_crm_user_shown(p_user) THEN p_user END
$$;

-- An actor of a CRM record ("user:ID e-mail", "token:ID name", ID a
-- user's) as the caller reads it: '' when it names a user the caller may
-- not read of. Other actors (an operator) name no distributor's person.
CREATE OR REPLACE FUNCTION liaison_crm_actor(p_actor text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN liaison_crm_user_shown(
                         substring(p_actor FROM '^(?:user|token):([0-9]{1,18})(?: |$)')::bigint)
                THEN p_actor ELSE '' END
$$;

CREATE OR REPLACE FUNCTION liaison_side_account(p_distributor bigint, p_name text,
                                                p_country text, p_region text,
                                                p_industry text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    acc bigint;
BEGIN
    SELECT a.id INTO acc FROM key_accounts a
     WHERE a.tenant_id = liaison_tenant() AND coalesce(a.distributor_id, 0) = coalesce(p_distributor, 0)
       AND liaison_name_key(a.name) = liaison_name_key(p_name) AND a.country = p_country
     ORDER BY a.id LIMIT 1;
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
    -- A concurrent request made it first.
    SELECT a.id INTO acc FROM key_accounts a
     WHERE a.tenant_id = liaison_tenant() AND coalesce(a.distributor_id, 0) = coalesce(p_distributor, 0)
       AND liaison_name_key(a.name) = liaison_name_key(p_name) AND a.country = p_country
     ORDER BY a.id LIMIT 1;
    RETURN acc;
END $$;

CREATE OR REPLACE FUNCTION liaison_lead_register(
    p_distributor bigint, p_name text, p_country text, p_region text, p_industry text,
    p_title text, p_value bigint, p_currency text, p_close date, p_lines bigint[], p_owner bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    acc bigint;
    region text := coalesce(nullif(p_region, ''), p_country);
    held timestamptz;
    days integer;
    flags text[];
    lead bigint;
    now_ timestamptz;
BEGIN
    PERFORM liaison_found(liaison_sees_side(p_distributor), 'no such distributor');
    PERFORM liaison_check(p_owner IS NULL OR liaison_crm_owner_ok(p_distributor, p_owner),
        'ownerId', 'no user of this tenant who may own this lead (the exporter''s staff who'
                   ' reach it, or a user of its distributor)');
    PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM unnest(p_lines) l WHERE NOT EXISTS (
        SELECT 1 FROM product_lines pl WHERE pl.tenant_id = liaison_tenant() AND pl.id = l)),
        'productLineIds', 'no such product line in this tenant');
    IF p_distributor IS NOT NULL THEN
        -- Held to the end of the transaction: a registration of the same
        -- customer waits here, and its statements below (each a new
        -- snapshot: this function is VOLATILE) then see this one's lead.
        PERFORM pg_advisory_xact_lock(liaison_customer_lock_key(liaison_tenant(), p_name,
                                                                p_country));
    END IF;
    now_ := liaison_now();
    acc := liaison_side_account(p_distributor, p_name, p_country, p_region, p_industry);
    IF p_distributor IS NOT NULL THEN
        days := liaison_deal_protection_days();
        held := liaison_customer_protected_since(p_name, p_country, p_distributor, now_);
        PERFORM liaison_unique(held IS NULL, format(
            'this account was registered by another distributor on %s and is protected until %s',
            to_char(held AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
            to_char((held + days * interval '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD')));
        flags := liaison_deal_flags(p_distributor, p_name, p_country, region, p_lines);
        IF NOT 'carve_out' = ANY (flags) AND EXISTS (
            SELECT 1 FROM key_accounts a
             WHERE a.tenant_id = liaison_tenant() AND a.id = acc
               AND liaison_account_carved_out(a.name, a.country, a.region)) THEN
            flags := flags || 'carve_out'::text;
        END IF;
    END IF;
    INSERT INTO leads (tenant_id, distributor_id, key_account_id, title, value_minor, currency,
                       expected_close, owner_id, product_line_ids, region, registered_at,
                       registration, flags, created_by, created_at)
    VALUES (liaison_tenant(), p_distributor, acc, p_title, p_value, p_currency, p_close, p_owner,
            p_lines, region, CASE WHEN p_distributor IS NOT NULL THEN now_ END,
            CASE WHEN p_distributor IS NULL THEN NULL
                 WHEN cardinality(flags) = 0 THEN 'accepted' ELSE 'flagged' END,
            coalesce(flags, '{}'), liaison_request_setting('actor'), now_)
    RETURNING id INTO lead;
    -- The statement that answers reads the lead by this, after the call.
    PERFORM set_config('liaison.created_id', lead::text, true);
    PERFORM liaison_audit(CASE WHEN p_distributor IS NULL THEN 'lead.create'
                               ELSE 'lead.register' END, 'lead', lead::text);
    RETURN lead;
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
BEGIN
    SELECT * INTO l FROM leads x WHERE x.tenant_id = liaison_tenant() AND x.id = p_lead
       AND liaison_sees_side(x.distributor_id) FOR UPDATE;
    PERFORM liaison_found(l.id IS NOT NULL, 'no such lead');
    PERFORM liaison_precondition(l.registration = 'flagged', format(
        'only a flagged registration is decided; this lead''s is %s',
        coalesce(l.registration, 'none (an exporter''s lead)')));
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
        moved_to := liaison_side_account(p_to, acc.name, acc.country, acc.region, acc.industry);
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
    PERFORM liaison_audit('lead.' || p_decision, 'lead', l.id::text);
    RETURN l.id;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_crm_owner_ok(bigint, bigint),
            liaison_crm_user_shown(bigint), liaison_crm_user(bigint), liaison_crm_actor(text)
            TO liaison_app;
    END IF;
END $$;
