-- An export with secrets brought its API tokens along, and the imported
-- tenant listed them as live (`token list`: REVOKED no), yet none could
-- work: a token names its tenant's id, and the import gives the tenant a
-- new one (found in an operator's try-out). The operator was told to
-- revoke them by hand. They are revoked as the import finishes, in its
-- transaction, and the tenant's admin makes new ones.
CREATE OR REPLACE FUNCTION liaison_tenant_import_tokens() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM liaison_precondition(liaison_is_operator(), 'operators only');
    UPDATE sessions s SET revoked_at = liaison_now()
     WHERE s.tenant_id = liaison_tenant() AND s.revoked_at IS NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
REVOKE ALL ON FUNCTION liaison_tenant_import_tokens() FROM PUBLIC;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_tenant_import_tokens() TO liaison_app;
    END IF;
END $$;
