-- An import of an export with secrets refuses a new admin password (found
-- in an operator's try-out): its users keep the passwords they had, and
-- liaison_tenant_import_finish (0084) took adminEmail and adminPassword
-- with such an export and ignored them, so an operator who meant to reset
-- a locked-out admin had done nothing, and the old password still worked.
-- The CLI refuses the pair before sending anything; this is the same
-- refusal for every other client, raised before the import is written.
--
-- liaison_tenant_import_secrets() runs as the owner, as the import
-- functions do: the server's role has no right on the staging tables. It
-- answers only the operator who began the import.

CREATE OR REPLACE FUNCTION liaison_tenant_import_secrets(p_import bigint) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.liaison_precondition(public.liaison_is_operator(), 'operators only');
    RETURN coalesce((SELECT (r.js ->> 'secrets')::boolean FROM public.tenant_import_rows r
                       JOIN public.tenant_imports i ON i.id = r.import_id
                      WHERE r.import_id = p_import AND r.tbl = 'tenants'
                        AND i.actor = public.liaison_request_setting('actor')
                      LIMIT 1), false);
END $$;

REVOKE ALL ON FUNCTION liaison_tenant_import_secrets(bigint) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_tenant_import_secrets(bigint) TO liaison_app;
    END IF;
END $$;
