-- Correcting a key account waits for a deal registration of the same
-- customer (found in a review): liaison_key_account_update (0118) locked
-- the account's row and then looked for a registration on it, but a
-- registration takes the customer's advisory lock (0063), finds the
-- account by its name, and only then inserts its lead, which waits for
-- the row. An account renamed or moved meanwhile committed first, and the
-- lead went onto a customer whose new name and country no check had seen.
-- The correction now takes the customer's advisory locks, for the name it
-- has and the one it is given, before the row's; two corrections to names
-- of one key wait for each other too. An account whose name or country
-- changed between its first read and its lock is a serialization failure,
-- which liaisond sends again once. Its refusal no longer quotes the name
-- as the registration's: after a change of case it was the new one.
--
-- Replaces liaison_key_account_update (0118), whole but for that; its
-- grant stays.

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
    locked key_accounts%ROWTYPE;
    new_name text;
    new_country text;
    new_region text;
    registered bigint;
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
