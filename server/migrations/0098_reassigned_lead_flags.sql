-- A reassigned lead's flags are its new holder's (found in a try-out): a
-- lead reassigned from Saigon to Tokyo kept the flags of Saigon's
-- registration ("outside_territory, exclusive_elsewhere"), which said the
-- opposite of the truth for Tokyo, whose own exclusive grant holds the
-- region; and one reassigned to the exporter kept flags of a registration
-- it no longer is. A lead given to another distributor now carries the
-- flags its registration would have there (empty when it holds the
-- territory and lines); one taken by the exporter carries none. What the
-- registration was flagged for stays in the audit log and the decision's
-- note. Replaces liaison_lead_decide (0063), unchanged but for the flags;
-- its grants stay. Leads reassigned before keep their flags.

CREATE OR REPLACE FUNCTION liaison_lead_decide(p_lead bigint, p_decision text, p_to bigint,
                                               p_note text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    l leads%ROWTYPE;
    acc key_accounts%ROWTYPE;
    held timestamptz;
    moved_to bigint;
BEGIN
    SELECT * INTO l FROM leads x WHERE x.tenant_id = liaison_tenant() AND x.id = p_lead
       AND liaison_sees_side(x.distributor_id) FOR UPDATE;
    PERFORM liaison_found(l.id IS NOT NULL, 'no such lead');
    PERFORM liaison_precondition(l.registration = 'flagged', format(
        'only a flagged registration is decided; this lead''s is %s',
        coalesce(l.registration, 'none (an exporter''s lead)')));
    SELECT * INTO acc FROM key_accounts a WHERE a.tenant_id = l.tenant_id AND a.id = l.key_account_id;
    IF p_decision = 'approve' THEN
        PERFORM pg_advisory_xact_lock(liaison_customer_lock_key(l.tenant_id, acc.name, acc.country));
        held := liaison_customer_protected_since(acc.name, acc.country, l.distributor_id,
                                                 liaison_now());
        PERFORM liaison_precondition(held IS NULL, format(
            'another distributor''s registration of %s protects this account',
            to_char(held AT TIME ZONE 'UTC', 'YYYY-MM-DD')));
    ELSIF p_decision = 'reassign' THEN
        PERFORM liaison_check(p_to IS NULL OR EXISTS (SELECT 1 FROM distributors d
            WHERE d.tenant_id = liaison_tenant() AND d.id = p_to AND d.status <> 'terminated'
              AND liaison_sees_side(d.id)),
            'distributorId', 'no such distributor');
        -- Given to another distributor, the lead is approved there: as an
        -- approval, only while no other distributor's registration protects
        -- the customer.
        IF p_to IS NOT NULL THEN
            PERFORM pg_advisory_xact_lock(liaison_customer_lock_key(l.tenant_id, acc.name,
                                                                    acc.country));
            held := liaison_customer_protected_since(acc.name, acc.country, p_to, liaison_now());
            PERFORM liaison_precondition(held IS NULL, format(
                'another distributor''s registration of %s protects this account',
                to_char(held AT TIME ZONE 'UTC', 'YYYY-MM-DD')));
        END IF;
        moved_to := liaison_side_account(p_to, acc.name, acc.country, acc.region, acc.industry);
    END IF;
    -- Reassigned to the exporter, a lead is no registration any more; to
    -- another distributor, it is that distributor's, approved.
    UPDATE leads x
       SET registration = CASE p_decision WHEN 'approve' THEN 'approved'
                                          WHEN 'reject' THEN 'rejected'
                                          ELSE CASE WHEN p_to IS NULL THEN NULL ELSE 'approved' END
                          END,
           distributor_id = CASE WHEN p_decision = 'reassign' THEN p_to ELSE x.distributor_id END,
           key_account_id = coalesce(moved_to, x.key_account_id),
           flags = CASE WHEN p_decision <> 'reassign' THEN x.flags
                        WHEN p_to IS NULL THEN '{}'
                        ELSE coalesce(liaison_deal_flags(p_to, acc.name, acc.country,
                                                         coalesce(nullif(x.region, ''), acc.country),
                                                         x.product_line_ids), '{}') END,
           registered_at = CASE WHEN p_decision = 'reassign' AND p_to IS NULL THEN NULL
                                ELSE x.registered_at END,
           decided_by = liaison_request_setting('actor'), decided_at = liaison_now(),
           decision_note = coalesce(p_note, '')
     WHERE x.tenant_id = l.tenant_id AND x.id = l.id;
    PERFORM liaison_audit('lead.' || p_decision, 'lead', l.id::text);
    RETURN l.id;
END $$;
