-- An account known by its country alone stayed "outside territory" after a
-- deal registered on it with a region (a try-out of the CRM): a first
-- registration in VN, flagged, made the Ho Chi Minh City distributor's
-- account of "Công ty Xa" with country VN only; a second one in VN-SG was
-- accepted on it, yet `account show` still said REGION - and OUTSIDE
-- TERRITORY yes, judged by the country against a VN-SG grant. A
-- registration, a reassignment or the exporter's own lead that names a
-- subdivision now gives it to its side's account that had none (audited
-- key_account.update); an account with a region keeps its own, as a
-- registered customer's correction guards it (0118).
--
-- Replaces liaison_side_account (0339) whole but for that.

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
        -- An account known by its country alone learns its subdivision from
        -- the deal that names one; one that has a region keeps it.
        UPDATE key_accounts a SET region = p_region
         WHERE a.tenant_id = liaison_tenant() AND a.id = acc AND a.region = ''
           AND left(coalesce(p_region, ''), 3) = p_country || '-';
        IF FOUND THEN
            PERFORM liaison_audit('key_account.update', 'key_account', acc::text);
        END IF;
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
