-- One lock order for an escalation request and its pending step job: the
-- job first. The scheduler holds the job row it runs (taken FOR UPDATE SKIP
-- LOCKED) when liaison_escalation_advance() locks the request; a read or an
-- answer that advanced the same request locked the request first and then
-- waited on the job row to schedule the next step, and PostgreSQL broke the
-- deadlock by aborting one of them (GetEscalation answered ABORTED). Now
-- the read and the answer take the job row before the request: while the
-- scheduler runs the step they wait for it, then find it done.

-- Locks the caller's tenant's pending job (kind, key), if there is one. The
-- owner's: liaisond's role may read jobs but not lock them.
CREATE OR REPLACE FUNCTION liaison_job_lock(p_kind text, p_key text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM 1 FROM public.jobs
     WHERE coalesce(for_tenant, 0) = coalesce(public.liaison_tenant(), 0)
       AND kind = p_kind AND key = p_key AND done_at IS NULL FOR UPDATE;
END $$;
REVOKE ALL ON FUNCTION liaison_job_lock(text, text) FROM PUBLIC;

-- As in 0018, each request's job locked before it is advanced.
CREATE OR REPLACE FUNCTION liaison_escalation_advance_seen(p_distributor bigint,
                                                           p_request bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE rid bigint;
BEGIN
    FOR rid IN SELECT r.id FROM escalation_requests r
                 JOIN distributors d ON d.tenant_id = r.tenant_id AND d.id = r.distributor_id
                WHERE r.tenant_id = liaison_tenant() AND r.status = 'open'
                  AND r.expected_by <= liaison_now()
                  AND (p_distributor = 0 OR r.distributor_id = p_distributor)
                  AND (p_request = 0 OR r.id = p_request)
                  AND liaison_sees_distributor(d.id, d.account_manager_id)
                ORDER BY r.id LOOP
        PERFORM liaison_job_lock('escalation_step', 'escalation:' || rid);
        PERFORM liaison_escalation_advance(rid);
    END LOOP;
    RETURN true;
END $$;

-- As in 0018, the request's job locked before it is advanced and closed.
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

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_job_lock(text, text) TO liaison_app;
    END IF;
END $$;
