-- Deal protection was passed from the exporter's side (a try-out): while
-- one distributor's accepted registration protected a customer, another
-- distributor was refused when it registered that customer, but staff
-- could create a key account of the same name and country on that other
-- distributor's side ('account create --distributor'), or rename one of
-- its accounts to it, and that distributor then placed orders and logged
-- visits on it. A distributor's account of a customer another
-- distributor's registration protects is now refused as the registration
-- is, on create and on a rename; the exporter's own side is not held, as a
-- lead of its own is not.
--
-- The refusal also names the registration that protects the customer to
-- staff who see its distributor, as a decision of a flagged registration
-- does since 0326/0332: a tenant admin was told the dates only. Others,
-- the portal's distributor users among them, get the sentence as before.
--
-- Replaces liaison_lead_register (0178) and liaison_key_account_update
-- (0234) whole but for that refusal.

-- Why p_distributor's side may not hold the customer p_name of p_country
-- at p_now, or NULL: another distributor's registration protects it
-- (liaison_customer_protected_since, 0278), named where the caller sees
-- it (liaison_customer_holder, 0332). VOLATILE as the look-up it makes:
-- called after the customer's lock, it sees a registration committed
-- while it waited.
CREATE OR REPLACE FUNCTION liaison_customer_protection_refusal(p_name text, p_country text,
                                                               p_distributor bigint,
                                                               p_now timestamptz)
RETURNS text
LANGUAGE sql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT format('this account was registered by another distributor on %s and is protected'
                  ' until %s',
                  to_char(s.held AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                  to_char((s.held + public.liaison_deal_protection_days() * interval '1 day')
                          AT TIME ZONE 'UTC', 'YYYY-MM-DD'))
           || coalesce(' (' || public.liaison_customer_holder(p_name, p_country, p_distributor,
                                                              p_now) || ')', '')
      FROM (SELECT public.liaison_customer_protected_since(p_name, p_country, p_distributor,
                                                           p_now) AS held) s
     WHERE s.held IS NOT NULL
$$;

CREATE OR REPLACE FUNCTION liaison_lead_register(
    p_distributor bigint, p_name text, p_country text, p_region text, p_industry text,
    p_title text, p_value bigint, p_currency text, p_close date, p_lines bigint[], p_owner bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    acc bigint;
    region text := coalesce(nullif(p_region, ''), p_country);
    refusal text;
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
        refusal := liaison_customer_protection_refusal(p_name, p_country, p_distributor, now_);
        PERFORM liaison_unique(refusal IS NULL, refusal);
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
       AND liaison_name_key(b.name) = liaison_name_key(new_name) AND b.country = new_country
     ORDER BY b.id LIMIT 1;
    PERFORM liaison_unique(taken IS NULL, format(
        'key account %s has this name (in any case or width: ＡＢＣ is ABC) and country on this'
        ' side (the distributor''s, or the exporter''s own)', taken));
    UPDATE key_accounts x SET name = new_name, country = new_country, region = new_region,
                              industry = coalesce(p_industry, x.industry),
                              owner_id = coalesce(p_owner, x.owner_id)
     WHERE x.tenant_id = a.tenant_id AND x.id = a.id;
    PERFORM liaison_audit('key_account.update', 'key_account', a.id::text);
    RETURN a.id;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION
            liaison_customer_protection_refusal(text, text, bigint, timestamptz)
            TO liaison_app;
    END IF;
END $$;
