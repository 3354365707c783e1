-- Open escalation requests of a terminated distributor stayed pending and
-- the scheduler kept climbing their ladders (a review): the rungs call
-- people of a partner the exporter has let go, and the pending list fills
-- with requests nobody will answer. Terminating a distributor now closes
-- its open requests in the transaction that terminates it, whichever
-- statement does (as 0029 does for its meetings), each audited, with the
-- reason in its response so that `escalation show` says why. A closed
-- request is no longer open, so the scheduler (liaison_escalation_advance
-- takes open requests only) and the pending list leave it alone; answered
-- requests stay the history they are. liaison_escalation_respond (0047) is
-- replaced whole but for saying that a closed request is closed, not answered.

ALTER TABLE escalation_requests DROP CONSTRAINT IF EXISTS escalation_requests_status_check;
ALTER TABLE escalation_requests ADD CONSTRAINT escalation_requests_status_check
    CHECK (status IN ('open', 'answered', 'closed'));

CREATE OR REPLACE FUNCTION liaison_distributor_terminated_escalations() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM liaison_audit('escalation.close', 'escalation_request', e.id::text),
            liaison_unschedule('escalation_step', 'escalation:' || e.id, 'closed')
       FROM escalation_requests e
      WHERE e.tenant_id = NEW.tenant_id AND e.distributor_id = NEW.id AND e.status = 'open';
    UPDATE escalation_requests e
       SET status = 'closed',
           response = format('closed unanswered: %s was terminated on %s', NEW.name,
                             to_char(liaison_now(), 'YYYY-MM-DD'))
     WHERE e.tenant_id = NEW.tenant_id AND e.distributor_id = NEW.id AND e.status = 'open';
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS distributors_terminated_escalations ON distributors;
CREATE TRIGGER distributors_terminated_escalations AFTER UPDATE OF status ON distributors
    FOR EACH ROW WHEN (NEW.status = 'terminated' AND OLD.status IS DISTINCT FROM 'terminated')
    EXECUTE FUNCTION liaison_distributor_terminated_escalations();

CREATE OR REPLACE FUNCTION liaison_escalation_respond(p_request bigint, p_text text)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE st text;
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
    PERFORM liaison_escalation_advance(p_request);
    UPDATE escalation_requests r
       SET status = 'answered', response = p_text, responded_at = liaison_now(),
           responded_by = liaison_request_setting('actor')
     WHERE r.tenant_id = liaison_tenant() AND r.id = p_request;
    PERFORM liaison_unschedule('escalation_step', 'escalation:' || p_request, 'answered');
    PERFORM liaison_audit('escalation.respond', 'escalation_request', p_request::text);
    RETURN p_request;
END $$;
