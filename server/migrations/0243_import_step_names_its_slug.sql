-- The log lines of ImportTenantRows and FinishTenantImport named no tenant
-- (tenant=-), the finish writing the whole tenant among them, its failures
-- too: an operator reading the log could not tell which import failed
-- (found by an operator's try-out). A step may now name the slug its
-- import was begun for (the CLI does): liaisond logs the step under it,
-- and the database refuses a slug that is not the import's, so the log
-- cannot be told a wrong one.

-- As liaison_tenant_import_open(bigint) (0242), and p_slug, when given,
-- the import's own.
CREATE OR REPLACE FUNCTION liaison_tenant_import_open(p_import bigint, p_slug text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    into_slug text;
BEGIN
    PERFORM public.liaison_tenant_import_open(p_import);
    SELECT i.slug INTO into_slug FROM public.tenant_imports i WHERE i.id = p_import;
    PERFORM public.liaison_check(coalesce(p_slug, '') = '' OR into_slug IS NULL
                                 OR into_slug = p_slug, 'slug',
                                 format('import %s is into %s, not %s', p_import, into_slug,
                                        p_slug));
    RETURN true;
END $$;

REVOKE ALL ON FUNCTION liaison_tenant_import_open(bigint, text) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_tenant_import_open(bigint, text) TO liaison_app;
    END IF;
END $$;
