-- What liaisond's role may do to the record of what happened, and to the
-- functions that run with the owner's rights.
--
-- A SECURITY DEFINER function runs as the owner with the caller's
-- search_path unless it pins one; and a pinned path that leaves pg_temp
-- out searches it first, so a caller's temporary table named like one of
-- ours would be read in its place. Every such function pins
-- "pg_catalog, public, pg_temp" (pg_temp last) and qualifies its tables;
-- tests/integration/test_tenancy.py holds every future one to it.

CREATE OR REPLACE FUNCTION liaison_tenant_lookup(p_slug text)
RETURNS TABLE (id bigint, status text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT t.id, t.status FROM public.tenants t WHERE t.slug = p_slug
$$;
REVOKE ALL ON FUNCTION liaison_tenant_lookup(text) FROM PUBLIC;

-- The audit trails are append-only for liaisond. Deleting a tenant
-- cascades to its audit_log rows, so liaisond may not delete tenants
-- either: it goes through liaison_tenant_delete(), which deletes one
-- tenant for an operator's transaction and records it in the platform
-- audit in the same statement, only when the tenant existed.
CREATE OR REPLACE FUNCTION liaison_tenant_delete(p_slug text, p_actor text, p_request_id text,
                                                 p_source text)
RETURNS TABLE (slug text, name text, status text, created_at text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF current_setting('liaison.operator', true) IS DISTINCT FROM 'on' THEN
        RAISE EXCEPTION 'only an operator deletes a tenant' USING ERRCODE = 'LS403';
    END IF;
    RETURN QUERY
        DELETE FROM public.tenants t WHERE t.slug = p_slug
        RETURNING t.slug, t.name, t.status, public.liaison_rfc3339(t.created_at);
    IF FOUND THEN
        INSERT INTO public.platform_audit (actor, action, tenant_slug, request_id, source)
        VALUES (p_actor, 'tenant.delete', p_slug, p_request_id, p_source);
    END IF;
END $$;
REVOKE ALL ON FUNCTION liaison_tenant_delete(text, text, text, text) FROM PUBLIC;

-- One page of a tenant export, as in 0002, now without secrets unless asked
-- for: a column holding a secret (a password or token hash) is named
-- *_hash, and those are left out of every row when p_secrets is false.
DROP FUNCTION IF EXISTS liaison_export_page(text, bigint, int);
CREATE OR REPLACE FUNCTION liaison_export_page(p_table text, p_after bigint, p_limit int,
                                               p_secrets boolean)
RETURNS TABLE (tbl text, id bigint, js text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    t text;
    hidden text[];
    got int := 0;
    rec record;
BEGIN
    FOR t IN
        SELECT c.relname::text FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
               AND NOT a.attisdropped
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname::text >= p_table
        UNION SELECT 'tenants' WHERE 'tenants' >= p_table
        ORDER BY 1
    LOOP
        SELECT coalesce(array_agg(a.attname::text), '{}') INTO hidden
          FROM pg_attribute a
         WHERE a.attrelid = format('public.%I', t)::regclass AND a.attnum > 0
           AND NOT a.attisdropped AND NOT p_secrets AND a.attname LIKE '%\_hash';
        FOR rec IN EXECUTE format(
            'SELECT x.id, (to_jsonb(x) - $3)::text AS js FROM public.%I x'
            ' WHERE %s = liaison_tenant() AND x.id > $1 ORDER BY x.id LIMIT $2',
            t, CASE WHEN t = 'tenants' THEN 'x.id' ELSE 'x.tenant_id' END)
            USING CASE WHEN t = p_table THEN p_after ELSE 0 END, p_limit - got, hidden
        LOOP
            tbl := t;
            id := rec.id;
            js := rec.js;
            RETURN NEXT;
            got := got + 1;
        END LOOP;
        EXIT WHEN got >= p_limit;
    END LOOP;
END $$;

-- Every page after the first names the export it continues: the platform
-- audit row its first page wrote, by the same operator, for the same tenant
-- and with the same choice about secrets. Returns that row's id.
CREATE OR REPLACE FUNCTION liaison_export_resume(p_export bigint, p_slug text, p_actor text,
                                                 p_action text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM 1 FROM platform_audit
     WHERE id = p_export AND tenant_slug = p_slug AND actor = p_actor AND action = p_action;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the cursor continues no export of this tenant with these options'
            USING ERRCODE = '22023';
    END IF;
    RETURN p_export;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, platform_audit FROM liaison_app;
        REVOKE DELETE, TRUNCATE ON tenants FROM liaison_app;
        GRANT EXECUTE ON FUNCTION liaison_tenant_lookup(text),
            liaison_tenant_delete(text, text, text, text),
            liaison_export_page(text, bigint, int, boolean),
            liaison_export_resume(bigint, text, text, text) TO liaison_app;
    END IF;
END $$;
