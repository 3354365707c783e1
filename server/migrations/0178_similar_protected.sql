-- Deal protection was passed by a legal form (an attacker's review): a
-- distributor registered "Cà Phê Đà Lạt Co., Ltd." while another
-- distributor's registration of "Công ty Cà Phê Đà Lạt" protected that
-- customer, and the second registration was accepted: protection compares
-- names only without case and spacing (0071), so as not to refuse a
-- different customer. A registration whose customer has the same loose
-- name (liaison_name_loose: without marks, punctuation, legal forms, "&"
-- as "and"; what carve-outs go by, 0168) and country as one another
-- distributor registered within the protection window is now flagged
-- 'similar_protected', for the exporter to decide: approve it (a different
-- customer after all), reject it or reassign it. An exact name is refused
-- as before, and the flag never names the other distributor.
--
-- Replaces liaison_lead_register (0107) whole but for the flag.

-- Whether another distributor than p_distributor has an accepted or
-- approved registration, within the protection window at p_now, of a
-- customer of p_country whose loose name is p_name's. As
-- liaison_customer_protected_since (0071), it reads every side's accounts.
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
           AND l.registered_at > p_now - public.liaison_deal_protection_days() * interval '1 day')
$$;

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
        IF liaison_customer_near_protected(p_name, p_country, p_distributor, now_) THEN
            flags := flags || 'similar_protected'::text;
        END IF;
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

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_customer_near_protected(text, text, bigint, timestamptz)
            TO liaison_app;
    END IF;
END $$;
