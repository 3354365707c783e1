-- An escalation stepping up to a contact being removed at that moment
-- (found racing RemoveContact against a read of the request): the step's
-- contact was read before the removal committed, its insert then failed
-- the contact's key, and the read that advanced the request answered
-- FAILED_PRECONDITION (the scheduler's job failed the same way, and was
-- tried again later). Now the step is recorded without the contact, by the
-- name it was sent to, as a step to a contact removed earlier is.
-- Replaces liaison_escalation_advance (0018, its newest definition); its
-- grant stays.

CREATE OR REPLACE FUNCTION liaison_escalation_advance(p_request bigint) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    e public.escalation_requests%ROWTYPE;
    v_now timestamptz := liaison_now();
    n_contacts integer;
    rung jsonb;
    reached timestamptz;
    taken integer := 0;
BEGIN
    SELECT * INTO e FROM public.escalation_requests r
     WHERE r.tenant_id = liaison_tenant() AND r.id = p_request FOR UPDATE;
    IF NOT FOUND OR e.status <> 'open' THEN
        RETURN 0;
    END IF;
    n_contacts := jsonb_array_length(e.ladder);
    WHILE e.expected_by IS NOT NULL AND e.expected_by <= v_now LOOP
        reached := e.expected_by;
        e.step_no := e.step_no + 1;
        IF e.step_no <= n_contacts THEN
            rung := e.ladder -> (e.step_no - 1);
            e.expected_by := reached + make_interval(hours => (rung ->> 'response_hours')::int);
            BEGIN
                INSERT INTO public.escalation_steps (tenant_id, request_id, step_no, kind,
                                                     contact_id, contact_name, contact_role,
                                                     method, reached_at, expected_by)
                VALUES (liaison_tenant(), e.id, e.step_no, 'contact',
                        (SELECT c.id FROM public.contacts c WHERE c.tenant_id = liaison_tenant()
                            AND c.id = (rung ->> 'contact_id')::bigint),
                        rung ->> 'contact_name', rung ->> 'contact_role', rung ->> 'method',
                        reached, e.expected_by);
            EXCEPTION WHEN foreign_key_violation THEN
                -- The contact was being removed as the step was taken: the
                -- step keeps the name it was sent to, as a step of a contact
                -- removed earlier does.
                INSERT INTO public.escalation_steps (tenant_id, request_id, step_no, kind,
                                                     contact_id, contact_name, contact_role,
                                                     method, reached_at, expected_by)
                VALUES (liaison_tenant(), e.id, e.step_no, 'contact', NULL,
                        rung ->> 'contact_name', rung ->> 'contact_role', rung ->> 'method',
                        reached, e.expected_by);
            END;
        ELSIF e.step_no = n_contacts + 1 THEN
            e.expected_by := reached + make_interval(hours => e.visit_hours);
            INSERT INTO public.escalation_steps (tenant_id, request_id, step_no, kind, method,
                                                 reached_at, expected_by)
            VALUES (liaison_tenant(), e.id, e.step_no, 'visit', 'visit', reached, e.expected_by);
        ELSE
            e.expected_by := NULL;
            e.concern := liaison_escalation_concern_draft(e.id, reached);
            e.concern_drafted_at := reached;
            e.charter_id := (SELECT c.id FROM public.charters c
                              WHERE c.tenant_id = liaison_tenant()
                                AND c.distributor_id = e.distributor_id AND c.status = 'active');
            INSERT INTO public.escalation_steps (tenant_id, request_id, step_no, kind, method,
                                                 reached_at)
            VALUES (liaison_tenant(), e.id, e.step_no, 'concern', 'formal_letter', reached);
        END IF;
        PERFORM liaison_audit('escalation.step', 'escalation_request', e.id::text);
        taken := taken + 1;
    END LOOP;
    IF taken > 0 THEN
        UPDATE public.escalation_requests r
           SET step_no = e.step_no, expected_by = e.expected_by, concern = e.concern,
               concern_drafted_at = e.concern_drafted_at, charter_id = e.charter_id
         WHERE r.tenant_id = liaison_tenant() AND r.id = e.id;
    END IF;
    IF e.expected_by IS NOT NULL THEN
        PERFORM liaison_schedule('escalation_step', 'escalation:' || e.id, e.expected_by,
                                 jsonb_build_object('request_id', e.id));
    ELSE
        PERFORM liaison_unschedule('escalation_step', 'escalation:' || e.id, 'concern reached');
    END IF;
    RETURN taken;
END $$;
