-- Refusals a charter edit checks inside its transaction, before it writes,
-- so that a refused edit changes nothing and writes no audit row (as 0006's
-- liaison_check and liaison_found do for INVALID_ARGUMENT and NOT_FOUND).

-- A rule of the data's state that the request cannot pass now: the server
-- answers LS412 as FAILED_PRECONDITION with the message.
CREATE OR REPLACE FUNCTION liaison_precondition(p_ok boolean, p_message text)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_ok IS NOT TRUE THEN
        RAISE EXCEPTION USING ERRCODE = 'LS412', MESSAGE = p_message;
    END IF;
    RETURN true;
END $$;

-- Charter p_charter is a draft of a distributor the caller reaches, or this
-- raises: NOT_FOUND when the caller cannot see it, FAILED_PRECONDITION when
-- it is not a draft. The row stays locked to the end of the transaction, so
-- an activation cannot slip in between this check and the edit after it.
CREATE OR REPLACE FUNCTION liaison_charter_draft(p_charter bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    c_version integer;
    c_status text;
BEGIN
    SELECT c.version, c.status INTO c_version, c_status
      FROM charters c
      JOIN distributors d ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id
     WHERE c.tenant_id = liaison_tenant() AND c.id = p_charter
       AND liaison_sees_distributor(d.id, d.account_manager_id)
       FOR UPDATE OF c;
    PERFORM liaison_found(FOUND, 'no such charter');
    RETURN liaison_precondition(c_status = 'draft',
        format('charter version %s is %s: it is never edited; amend it with a new draft',
               c_version, c_status));
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_precondition(boolean, text),
            liaison_charter_draft(bigint) TO liaison_app;
    END IF;
END $$;
