-- An account known by its country alone stayed "outside territory" after a
-- deal registered on it with a region (a try-out of the CRM): a first
-- registration in VN, flagged, made the Ho Chi Minh City distributor's
-- account of "Công ty Xa" with country VN only; a second one in VN-SG was
-- accepted on it, yet `account show` still said REGION - and OUTSIDE
-- TERRITORY yes, judged by the country against a VN-SG grant. A
-- registration accepted, or the exporter's own lead, that names a
-- subdivision now gives it to its side's account that had none (audited
-- key_account.update). A flagged one does not: it may be rejected, and an
-- account with a region keeps its own, as a registered customer's
-- correction guards it (0118).
--
-- Replaces liaison_lead_register (0340) whole but for that.

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
