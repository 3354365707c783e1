-- One customer as two accounts (found in an outside try-out of the CRM):
-- "ＡＢＣ商事株式会社" typed in full-width letters, as a Japanese input method
-- gives them, and "ABC商事株式会社" were both accepted as the Osaka
-- distributor's customers, as were half-width "ｵｵｻｶ運輸" and "オオサカ運輸".
-- A deal registration finds its customer by the name key (NFKC, 0104),
-- which makes them one, and took the older of the two even when the other
-- was the one typed; an interaction or an order named the other. The
-- customer's leads, orders and calls were split between two records, and
-- nothing said so.
--
-- CreateKeyAccount now refuses a name whose key another account of the
-- same side and country has, as UpdateKeyAccount did (0122), under the
-- customer's lock (rpc_crm.c). A registration takes the account named
-- exactly as typed (in any case) where two of one key were stored before,
-- else the oldest. And a name filter matches in any width: "abc" finds
-- "ＡＢＣ商事", "ｵｵｻｶ" finds "オオサカ運輸" (0137 kept widths apart): the
-- folded name is composed in NFKC, not NFC. The indexes that hold folded
-- names are rebuilt here, as 0137 asks of a change to liaison_fold.
--
-- Replaces liaison_fold (0137) and liaison_side_account (0107) whole.

CREATE OR REPLACE FUNCTION liaison_fold(s text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT lower(translate(normalize(regexp_replace(normalize(s, NFD), '[\u0300-\u036f]', '',
                                                    'g'), NFKC),
                           'đĐ' || U&'\00A0\1680\2000\2001\2002\2003\2004\2005\2006\2007'
                               || U&'\2008\2009\200A\202F\205F\3000',
                           'dD                '))
$$;

REINDEX INDEX distributors_name_fold_trgm;
REINDEX INDEX contacts_name_fold_trgm;
REINDEX INDEX product_lines_name_fold_trgm;
REINDEX INDEX products_name_fold_trgm;
REINDEX INDEX users_display_name_fold_trgm;
REINDEX INDEX key_accounts_name_fold_trgm;
REINDEX INDEX distributors_name_compact;
REINDEX INDEX product_lines_name_compact;

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
     ORDER BY lower(a.name) = lower(liaison_name_clean(p_name)) DESC, a.id LIMIT 1;
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
     ORDER BY lower(a.name) = lower(liaison_name_clean(p_name)) DESC, a.id LIMIT 1;
    RETURN acc;
END $$;
