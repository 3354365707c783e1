-- What tests/integration/catalogue_gate.sql found: the tenants table's row
-- security was enabled but not forced, so its owner (the role migrations
-- run as, and every SECURITY DEFINER function with it) read and wrote
-- every tenant's row past the policy. Forced now, the owner is held to
-- policies too: these two keep exactly what the definer functions need.
--
-- tenants_owner_read: liaison_tenant_lookup() resolves a slug at log-in,
-- before any tenant is the transaction's, and a deletion's RETURNING
-- reads the row it removes; only the owner's own functions read with it,
-- and each returns what it chooses, so nothing more reaches liaisond.
--
-- tenants_owner_write: liaison_tenant_working_time_write() sets the
-- transaction's own tenant's working time; the operator-only WITH CHECK
-- of tenant_isolation would refuse it otherwise. Deletion by an operator
-- (liaison_tenant_delete) passes tenant_isolation as it always did.
--
-- A later migration that changes tenants' rows must set the tenant or the
-- operator flag first, as liaisond does: the owner no longer bypasses.
-- The policies name the owner, whatever the installation calls it.
DO $$
DECLARE
    owner text := (SELECT pg_get_userbyid(c.relowner) FROM pg_class c
                    WHERE c.oid = 'public.tenants'::regclass);
BEGIN
    DROP POLICY IF EXISTS tenants_owner_read ON public.tenants;
    EXECUTE format('CREATE POLICY tenants_owner_read ON public.tenants FOR SELECT TO %I'
                   ' USING (true)', owner);
    DROP POLICY IF EXISTS tenants_owner_write ON public.tenants;
    EXECUTE format('CREATE POLICY tenants_owner_write ON public.tenants FOR UPDATE TO %I'
                   ' USING (id = public.liaison_tenant()) WITH CHECK (id = public.liaison_tenant())',
                   owner);
END $$;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
