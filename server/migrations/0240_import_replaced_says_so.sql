-- Two imports into one slug (two operators, or one script run twice): each
-- BeginTenantImport quietly dropped the one before it, whose next
-- ImportTenantRows or FinishTenantImport was then told "no such import (it
-- may have expired: begin again)", though nothing had expired, and began
-- again in turn, dropping the other (found by an operator's try-out).
--
-- A later import into a slug still replaces the earlier one (an import
-- whose client died must not hold its slug for a day), but the import
-- replaced is remembered for a day, and its next step is told what
-- happened: replaced by the import into that slug begun at that time by
-- that operator. liaisond asks liaison_tenant_import_open() before each
-- step (rpc_tenant.c).
--
-- Replaces liaison_tenant_import_begin (0040) whole.

CREATE TABLE IF NOT EXISTS tenant_import_ends (
    import_id bigint PRIMARY KEY,
    slug text NOT NULL,
    replaced_by text NOT NULL,
    replaced_at timestamptz NOT NULL DEFAULT now()
);

-- As in 0040, the import it replaces remembered.
CREATE OR REPLACE FUNCTION liaison_tenant_import_begin(p_slug text, p_name text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    tid bigint;
    t text;
    busy boolean;
    iid bigint;
BEGIN
    PERFORM public.liaison_precondition(public.liaison_is_operator(), 'operators only');
    SELECT id INTO tid FROM public.tenants WHERE slug = p_slug;
    IF tid IS NOT NULL THEN
        PERFORM public.liaison_operator_bind(tid);
        FOR t IN SELECT public.liaison_tenant_tables() LOOP
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM public.%I WHERE tenant_id = $1)', t)
                INTO busy USING tid;
            PERFORM public.liaison_precondition(NOT busy, format(
                'tenant %s is not empty (it has %s): import into a new slug or an empty tenant',
                p_slug, t));
        END LOOP;
    END IF;
    DELETE FROM public.tenant_import_ends WHERE replaced_at < now() - interval '1 day';
    INSERT INTO public.tenant_import_ends (import_id, slug, replaced_by)
    SELECT i.id, i.slug, public.liaison_request_setting('actor')
      FROM public.tenant_imports i
     WHERE i.slug = p_slug AND i.created_at >= now() - interval '1 day'
    ON CONFLICT (import_id) DO NOTHING;
    DELETE FROM public.tenant_imports WHERE slug = p_slug OR created_at < now() - interval '1 day';
    INSERT INTO public.tenant_imports (slug, name, actor)
    VALUES (p_slug, p_name, public.liaison_request_setting('actor')) RETURNING id INTO iid;
    PERFORM public.liaison_platform_audit('tenant.import.begin', p_slug);
    RETURN iid;
END $$;

-- Refuses (NOT_FOUND) a step of import p_import when a later import into
-- its slug replaced it, saying so; true otherwise (the step itself tells
-- an import that never was, or expired).
CREATE OR REPLACE FUNCTION liaison_tenant_import_open(p_import bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    e public.tenant_import_ends;
BEGIN
    PERFORM public.liaison_precondition(public.liaison_is_operator(), 'operators only');
    SELECT * INTO e FROM public.tenant_import_ends WHERE import_id = p_import;
    PERFORM public.liaison_found(e.import_id IS NULL, format(
        'import %s into %s was replaced by another import into %s, begun at %s by %s: a slug '
        'takes one import at a time, the latest; this one can no longer go on',
        e.import_id, e.slug, e.slug,
        to_char(e.replaced_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'), e.replaced_by));
    RETURN true;
END $$;

REVOKE ALL ON FUNCTION liaison_tenant_import_open(bigint) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_tenant_import_open(bigint) TO liaison_app;
    END IF;
END $$;
