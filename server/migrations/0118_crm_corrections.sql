-- Leads and key accounts are corrected after they are made (found in a
-- try-out): a lead's mistyped value, a close date that slipped or a new
-- owner could not be told, nor anything of a key account once created, so
-- a user was stuck with the wrong figure in every pipeline sum.
--
-- UpdateLead (liaison_lead_update) replaces an open lead's title, value
-- (with its currency, or in the one it has), expected close and owner;
-- the owner is held to liaison_crm_owner_ok (0107) as at registration.
-- Won and lost are final (as SetLeadStage says). A lead's region and
-- product lines are what its deal registration was checked against
-- (liaison_deal_flags): changing them would re-open that check, so they
-- are refused, saying to register a new lead; given as they are, they pass.
--
-- UpdateKeyAccount (liaison_key_account_update) replaces an account's
-- name, country, region, industry and owner, kept to CreateKeyAccount's
-- rules: the name (by its key, 0071) unique per country and side, the
-- owner liaison_crm_owner_ok's. A distributor's account that a deal
-- registration is on keeps its name, country and region: protection and
-- carve-outs (liaison_customer_protected_since, liaison_account_carved_out)
-- go by them, and renaming it would move a registration onto a customer
-- no check was made for. Its industry and owner stay correctable.
--
-- Both audit (lead.update, key_account.update) and raise inside the
-- transaction, so a refusal changes nothing.

-- p_lead's title, value (p_value with p_currency; NULL p_currency keeps
-- the lead's), expected close and owner: NULL leaves each as it was.
-- p_region and p_lines, when given, must be the lead's own.
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

-- p_account's name, country, region, industry and owner: NULL leaves each
-- as it was. A region equal to the (new) country is the whole country
-- (''); a new country without a region drops the old country's subdivision.
CREATE OR REPLACE FUNCTION liaison_key_account_update(p_account bigint, p_name text,
                                                      p_country text, p_region text,
                                                      p_industry text, p_owner bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    a key_accounts%ROWTYPE;
    new_name text;
    new_country text;
    new_region text;
    registered bigint;
BEGIN
    SELECT * INTO a FROM key_accounts x WHERE x.tenant_id = liaison_tenant() AND x.id = p_account
       AND liaison_sees_side(x.distributor_id) FOR UPDATE;
    PERFORM liaison_found(a.id IS NOT NULL, 'no such key account');
    PERFORM liaison_check(p_name IS NULL OR liaison_name_clean(p_name) <> '', 'name',
                          'not blank');
    new_name := coalesce(liaison_name_clean(p_name), a.name);
    new_country := coalesce(p_country, a.country);
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
            'lead %s registered this customer as %s (%s): a registered customer keeps its name,'
            ' country and region, which the registration was checked for (only its industry and'
            ' owner are corrected); register the lead again under the right name',
            registered, a.name, coalesce(nullif(a.region, ''), a.country)));
    END IF;
    PERFORM liaison_unique(NOT EXISTS (
        SELECT 1 FROM key_accounts b
         WHERE b.tenant_id = a.tenant_id AND b.id <> a.id
           AND coalesce(b.distributor_id, 0) = coalesce(a.distributor_id, 0)
           AND liaison_name_key(b.name) = liaison_name_key(new_name) AND b.country = new_country),
        'a key account of this name (in any case) and country exists on this side (the'
        ' distributor''s, or the exporter''s own)');
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
            liaison_lead_update(bigint, text, bigint, text, date, bigint, text, bigint[]),
            liaison_key_account_update(bigint, text, text, text, text, bigint)
            TO liaison_app;
    END IF;
END $$;
