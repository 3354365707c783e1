-- What an operator's act set, in the platform's audit log (found in an
-- operator's try-out): a tenant.rate_limit row said that a limit was set,
-- not which one (a rate, a burst, or back to the configured default), and
-- an operator made or revoked on the host (operator.c) named its operator
-- only inside the source. platform_audit gets a detail column, '' where
-- there is none to give (every row before this one), and
-- liaison_platform_audit a form that writes it; the two-argument form
-- stays for every other act.

ALTER TABLE platform_audit ADD COLUMN IF NOT EXISTS detail text NOT NULL DEFAULT '';

CREATE OR REPLACE FUNCTION liaison_platform_audit(p_action text, p_tenant_slug text,
                                                  p_detail text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO platform_audit (actor, action, tenant_slug, request_id, source, detail)
    VALUES (liaison_request_setting('actor'), p_action, p_tenant_slug,
            liaison_request_setting('request_id'), liaison_request_setting('source'), p_detail);
    RETURN true;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_platform_audit(text, text, text) TO liaison_app;
    END IF;
END $$;
