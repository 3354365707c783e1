-- An auditor named as an owner was told there was no such user (a try-out
-- of the CRM): `lead update 13 --owner au@demo.example` said "no user of
-- this tenant who may own this lead (the exporter's staff who reach it, or
-- a user of its distributor)", and an auditor is one of the exporter's
-- staff. The refusal now says that the user is an auditor, who only reads,
-- to the exporter's staff; to a distributor's user it reads as before, so
-- that trying ids does not tell them who the exporter's auditors are (a
-- review).
-- CreateKeyAccount says the same (rpc_crm.c).
--
-- Replaces liaison_key_account_update (0339), liaison_lead_register (0341)
-- and liaison_lead_update (0278) whole but for that message.

-- Why p_user may not own a p_what ('lead', 'account'), for a refusal.
CREATE OR REPLACE FUNCTION liaison_crm_owner_why(p_user bigint, p_what text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT coalesce(
        (SELECT format('user %s (%s) is an auditor, who only reads: the owner of this %s is one'
                       ' of the exporter''s staff who reach it, or a user of its distributor',
                       u.id, u.email, p_what)
           FROM public.users u
          WHERE u.tenant_id = public.liaison_tenant() AND u.id = p_user
            AND u.role = 'auditor' AND public.liaison_distributor_scope() = 0),
        format('no user of this tenant who may own this %s (the exporter''s staff who reach it,'
               ' or a user of its distributor)', p_what))
$$;

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
        'ownerId', liaison_crm_owner_why(p_owner, 'account'));
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
    twin record;
BEGIN
    PERFORM liaison_found(liaison_sees_side(p_distributor), 'no such distributor');
    PERFORM liaison_check(p_owner IS NULL OR liaison_crm_owner_ok(p_distributor, p_owner),
        'ownerId', liaison_crm_owner_why(p_owner, 'lead'));
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
    -- Under the customer's lock, which liaison_side_account takes on every
    -- side: the same deal sent twice at once is seen by the second.
    SELECT x.id, x.stage INTO twin FROM leads x
     WHERE x.tenant_id = liaison_tenant() AND x.key_account_id = acc
       AND x.stage NOT IN ('won', 'lost') AND x.registration IS DISTINCT FROM 'rejected'
       AND liaison_fold(liaison_name_key(x.title)) = liaison_fold(liaison_name_key(p_title))
     ORDER BY x.id LIMIT 1;
    PERFORM liaison_unique(twin.id IS NULL, format(
        'lead %s is this deal already: open (%s) on this account, with this title (in any case,'
        ' width or marks); correct it with lead update, or give a second deal another title',
        twin.id, twin.stage));
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
    -- An account known by its country alone learns its subdivision from a
    -- deal that names one and holds: accepted, or the exporter's own. A
    -- flagged one may yet be rejected, and a region once set is kept.
    IF cardinality(coalesce(flags, '{}')) = 0
       AND left(coalesce(p_region, ''), 3) = p_country || '-' THEN
        UPDATE key_accounts a SET region = p_region
         WHERE a.tenant_id = liaison_tenant() AND a.id = acc AND a.region = '';
        IF FOUND THEN
            PERFORM liaison_audit('key_account.update', 'key_account', acc::text);
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
        'ownerId', liaison_crm_owner_why(p_owner, 'lead'));
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

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_crm_owner_why(bigint, text) TO liaison_app;
    END IF;
END $$;
