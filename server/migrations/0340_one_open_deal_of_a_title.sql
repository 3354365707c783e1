-- A deal registered twice (a try-out of the CRM): `lead register` run a
-- second time, as after a lost connection or a shell's history, made a
-- second lead identical to the first, exit 0, and the exporter saw the
-- distributor's pipeline doubled. The portal's form and a keyed call are
-- answered once by their idempotency key; a command run again is a new
-- request. A registration (and the exporter's own lead) is now refused
-- while the same side has an open lead of that title on that account,
-- naming it: open is neither won nor lost, nor a rejected registration.
-- Titles compare as names do, in any case, width and marks. Two deals with
-- one customer at once still register under two titles.
--
-- Replaces liaison_lead_register (0336) whole but for that refusal.

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
