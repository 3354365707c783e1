-- A deal renamed into another open deal's title on its account (review AS
-- of 0340): `lead update --title` made the pair 0340 refuses at
-- registration. The rename is refused the same way, naming that lead; a
-- title changed only in case, width or marks is the same title and stays
-- free to correct.
--
-- Replaces liaison_lead_update (0342) whole but for that refusal.

CREATE OR REPLACE FUNCTION liaison_lead_update(p_lead bigint, p_title text, p_value bigint,
                                               p_currency text, p_close date, p_owner bigint,
                                               p_region text, p_lines bigint[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    l leads%ROWTYPE;
    twin record;
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
    -- Renamed into another open deal's title on its account, the two could
    -- not be told apart, as a second registration of it cannot (0340).
    IF p_title IS NOT NULL AND liaison_fold(liaison_name_key(p_title))
                               <> liaison_fold(liaison_name_key(l.title)) THEN
        SELECT x.id, x.stage INTO twin FROM leads x
         WHERE x.tenant_id = l.tenant_id AND x.key_account_id = l.key_account_id
           AND x.id <> l.id AND x.stage NOT IN ('won', 'lost')
           AND x.registration IS DISTINCT FROM 'rejected'
           AND liaison_fold(liaison_name_key(x.title)) = liaison_fold(liaison_name_key(p_title))
         ORDER BY x.id LIMIT 1;
        PERFORM liaison_unique(twin.id IS NULL, format(
            'lead %s is this deal already: open (%s) on this account, with this title (in any'
            ' case, width or marks); correct it with lead update, or give a second deal another'
            ' title', twin.id, twin.stage));
    END IF;
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
