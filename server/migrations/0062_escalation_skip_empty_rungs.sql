-- Rungs that reach no one are skipped (found in a try-out): a ladder rung
-- names a contact role, and when no contact of the distributor holds it
-- liaison_escalation_ladder() keeps the rung with no contact. 0018 copied
-- it into the request as it was, so the request waited out that rung's
-- whole timeframe with nobody asked ("CONTACT -" in `escalation show`).
-- Now a request copies only the rungs that reach a contact when it is
-- sent: the next of them is the next step, each keeping its own
-- timeframe, and when none reaches anyone the request starts at the visit
-- (its visit hours) and goes on to the formal concern, as before.
-- liaison_escalation_advance() walks the copied ladder unchanged: with no
-- rung left, the step after the first (the visit) is the concern. The
-- protocol itself, its view and the handbook still show every rung, an
-- unheld role said as such, so the exporter sees whom to add.
--
-- The request's ladder may therefore be empty: 0018's check that it holds
-- a rung gives way to one that it is an array.
ALTER TABLE escalation_requests DROP CONSTRAINT IF EXISTS escalation_requests_ladder_check;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                    WHERE conrelid = 'public.escalation_requests'::regclass
                      AND conname = 'escalation_requests_ladder_array') THEN
        ALTER TABLE escalation_requests ADD CONSTRAINT escalation_requests_ladder_array
            CHECK (jsonb_typeof(ladder) = 'array');
    END IF;
END $$;

-- As in 0018, but the request's ladder holds only the rungs that reach a
-- contact, and with none its first step is the visit. Raises NOT_FOUND
-- for a distributor the caller does not reach and FAILED_PRECONDITION
-- when no protocol covers the severity or the protocol has no rung left.
-- Returns the request's id, also kept in liaison.escalation_id.
CREATE OR REPLACE FUNCTION liaison_escalation_create(p_distributor bigint, p_severity text,
                                                     p_subject text, p_body text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    pr record;
    v_ladder jsonb;
    v_reached jsonb;
    v_now timestamptz := liaison_now();
    first_rung jsonb;
    rid bigint;
    due timestamptz;
BEGIN
    PERFORM liaison_found(EXISTS (SELECT 1 FROM distributors d
                                   WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
                                     AND liaison_sees_distributor(d.id, d.account_manager_id)),
                          'no such distributor');
    SELECT f.protocol_id, f.source, p.visit_hours INTO pr
      FROM liaison_escalation_protocol_for(p_distributor, p_severity) f
      JOIN escalation_protocols p ON p.tenant_id = liaison_tenant() AND p.id = f.protocol_id;
    PERFORM liaison_precondition(pr.protocol_id IS NOT NULL,
        format('no escalation protocol for severity %s: set one for the distributor or the'
               ' tenant default', p_severity));
    v_ladder := liaison_escalation_ladder(pr.protocol_id, p_distributor);
    -- Removing a contact removes the rungs that named it.
    PERFORM liaison_precondition(jsonb_array_length(v_ladder) > 0,
        format('the escalation protocol for severity %s has no steps left: set it again',
               p_severity));
    -- A rung by role that no contact holds has a null contact_id: skipped.
    SELECT coalesce(jsonb_agg(r.rung ORDER BY r.n), '[]') INTO v_reached
      FROM jsonb_array_elements(v_ladder) WITH ORDINALITY r (rung, n)
     WHERE jsonb_typeof(r.rung -> 'contact_id') = 'number';
    first_rung := v_reached -> 0;
    due := v_now + make_interval(hours => CASE WHEN first_rung IS NULL THEN pr.visit_hours
                                               ELSE (first_rung ->> 'response_hours')::int END);
    INSERT INTO escalation_requests (tenant_id, distributor_id, severity, subject, body,
                                     protocol_source, ladder, visit_hours, sent_by, sent_at,
                                     expected_by)
    VALUES (liaison_tenant(), p_distributor, p_severity, p_subject, p_body, pr.source, v_reached,
            pr.visit_hours, liaison_request_setting('actor'), v_now, due)
    RETURNING id INTO rid;
    IF first_rung IS NULL THEN
        INSERT INTO escalation_steps (tenant_id, request_id, step_no, kind, method, reached_at,
                                      expected_by)
        VALUES (liaison_tenant(), rid, 1, 'visit', 'visit', v_now, due);
    ELSE
        INSERT INTO escalation_steps (tenant_id, request_id, step_no, kind, contact_id,
                                      contact_name, contact_role, method, reached_at, expected_by)
        VALUES (liaison_tenant(), rid, 1, 'contact', (first_rung ->> 'contact_id')::bigint,
                first_rung ->> 'contact_name', first_rung ->> 'contact_role',
                first_rung ->> 'method', v_now, due);
    END IF;
    PERFORM liaison_schedule('escalation_step', 'escalation:' || rid, due,
                             jsonb_build_object('request_id', rid));
    PERFORM liaison_audit('escalation.create', 'escalation_request', rid::text);
    PERFORM set_config('liaison.escalation_id', rid::text, true);
    RETURN rid;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_escalation_create(bigint, text, text, text)
            TO liaison_app;
    END IF;
END $$;
