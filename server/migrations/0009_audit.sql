-- Audit rows written by the database. Every change liaisond makes runs
-- after a credential check that also records, local to the transaction,
-- who asks (the actor), the request's id and the source address, and
-- checks the request's deadline (folding 0008's separate statement into
-- the check every transaction already runs). A statement that changes
-- something calls liaison_audit() once per changed row, typically in its
-- RETURNING list, so the audit row is in the same transaction and exists
-- exactly when the change does: a refused or rolled-back change leaves
-- none. Statements no longer pass the actor, request id and source.

CREATE OR REPLACE FUNCTION liaison_request(p_deadline_us bigint, p_actor text, p_request_id text,
                                           p_source text) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF p_deadline_us > 0 THEN
        PERFORM liaison_deadline(p_deadline_us);
    END IF;
    PERFORM set_config('liaison.actor', p_actor, true),
            set_config('liaison.request_id', p_request_id, true),
            set_config('liaison.source', p_source, true);
END $$;

CREATE OR REPLACE FUNCTION liaison_auth(p_tenant bigint, p_session bigint, p_deadline_us bigint,
                                        p_actor text, p_request_id text, p_source text)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM liaison_request(p_deadline_us, p_actor, p_request_id, p_source);
    PERFORM liaison_auth(p_tenant, p_session);
END $$;

CREATE OR REPLACE FUNCTION liaison_auth_operator(p_operator bigint, p_deadline_us bigint,
                                                 p_actor text, p_request_id text, p_source text)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM liaison_request(p_deadline_us, p_actor, p_request_id, p_source);
    PERFORM liaison_auth_operator(p_operator);
END $$;

-- What the transaction's request recorded; raises when it recorded
-- nothing, so that a change can never be audited as nobody's. On a pooled
-- connection a transaction-local setting reads as '' once any transaction
-- has set it, hence nullif.
CREATE OR REPLACE FUNCTION liaison_request_setting(p_name text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE v text := nullif(current_setting('liaison.' || p_name, true), '');
BEGIN
    IF v IS NULL THEN
        RAISE EXCEPTION 'a change without a request: liaison.% is not set', p_name;
    END IF;
    RETURN v;
END $$;

-- One audit row in the bound tenant's log, for one changed row. Returns
-- true, so that it can stand in a RETURNING list or a WHERE clause.
CREATE OR REPLACE FUNCTION liaison_audit(p_action text, p_entity text, p_entity_id text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO audit_log (tenant_id, actor, action, entity, entity_id, request_id, source)
    VALUES (liaison_tenant(), liaison_request_setting('actor'), p_action, p_entity, p_entity_id,
            liaison_request_setting('request_id'), liaison_request_setting('source'));
    RETURN true;
END $$;

-- The same for the platform's own log (operators' acts on tenants).
CREATE OR REPLACE FUNCTION liaison_platform_audit(p_action text, p_tenant_slug text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO platform_audit (actor, action, tenant_slug, request_id, source)
    VALUES (liaison_request_setting('actor'), p_action, p_tenant_slug,
            liaison_request_setting('request_id'), liaison_request_setting('source'));
    RETURN true;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_request(bigint, text, text, text),
            liaison_auth(bigint, bigint, bigint, text, text, text),
            liaison_auth_operator(bigint, bigint, text, text, text),
            liaison_request_setting(text), liaison_audit(text, text, text),
            liaison_platform_audit(text, text)
            TO liaison_app;
    END IF;
END $$;
