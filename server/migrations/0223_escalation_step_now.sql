-- A request walked up its ladder only as its timeframes ran out (found in
-- a try-out of the lesson's story): when the visit had already taken place
-- and nothing changed, or management decided to put the matter in writing,
-- the exporter could only wait out the visit's hours for the formal concern
-- the lesson ends with ("formally raise it in writing"). Exporter staff who
-- reach the distributor may now take the next step at once
-- (AdvanceEscalation): the current step's timeframe ends now, and the walk
-- takes the next step as it would have when the timeframe ran out (the
-- next contact, the visit, or the formal concern, drafted now), skipping a
-- rung whose contact left as it does then. Audited as escalation.step_now
-- beside the step's own escalation.step. The caller names the step the
-- request is at, so that a retry of a call that went through is refused
-- rather than taking a second step. Refused for an answered or closed
-- request, and for one whose concern is drafted already: there is no next
-- step.

CREATE OR REPLACE FUNCTION liaison_escalation_step_now(p_request bigint, p_step integer)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    st text;
    due timestamptz;
    at_step integer;
BEGIN
    SELECT r.status INTO st FROM escalation_requests r
      JOIN distributors d ON d.tenant_id = r.tenant_id AND d.id = r.distributor_id
     WHERE r.tenant_id = liaison_tenant() AND r.id = p_request
       AND liaison_sees_distributor(d.id, d.account_manager_id);
    PERFORM liaison_found(st IS NOT NULL, 'no such escalation request');
    PERFORM liaison_job_lock('escalation_step', 'escalation:' || p_request);
    SELECT r.status INTO st FROM escalation_requests r
     WHERE r.tenant_id = liaison_tenant() AND r.id = p_request FOR UPDATE;
    PERFORM liaison_precondition(st <> 'closed',
        'this escalation request was closed when its distributor was terminated');
    PERFORM liaison_precondition(st = 'open', 'this escalation request is already answered');
    -- The steps already due first, so that "now" is the step after them.
    PERFORM liaison_escalation_advance(p_request);
    SELECT r.expected_by, r.step_no INTO due, at_step FROM escalation_requests r
     WHERE r.tenant_id = liaison_tenant() AND r.id = p_request;
    PERFORM liaison_precondition(at_step = p_step,
        format('the request is at step %s, not %s: read it again (a timeframe may have run '
               'out since, or this step was taken already)', at_step, p_step));
    PERFORM liaison_precondition(due IS NOT NULL,
        'the formal concern is drafted already: the request has no further step '
        '(escalation concern prints it)');
    UPDATE escalation_requests r SET expected_by = liaison_now()
     WHERE r.tenant_id = liaison_tenant() AND r.id = p_request;
    PERFORM liaison_audit('escalation.step_now', 'escalation_request', p_request::text);
    PERFORM liaison_escalation_advance(p_request);
    RETURN p_request;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_escalation_step_now(bigint, integer) TO liaison_app;
    END IF;
END $$;
