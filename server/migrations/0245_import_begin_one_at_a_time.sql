-- Three imports into one slug begun at once (an operator's try-out, after
-- 0240): one finished, one was told it was replaced, and the third still
-- "no such import (it may have expired: begin again)". A Begin recorded the
-- imports it replaced in one statement and deleted them in another, so an
-- import committed between the two was deleted unrecorded; and two Begins
-- at once did not see each other's uncommitted import, both going on. The
-- Begins of one slug now take turns (a lock on the slug's name), and an
-- import is recorded as replaced by the statement that deletes it.
--
-- Replaces liaison_tenant_import_begin (0240) whole.

CREATE OR REPLACE FUNCTION liaison_tenant_import_begin(p_slug text, p_name text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    tid bigint;
    t text;
    busy boolean;
    iid bigint;
BEGIN
    PERFORM public.liaison_precondition(public.liaison_is_operator(), 'operators only');
    PERFORM pg_advisory_xact_lock(hashtextextended('tenant import:' || p_slug, 245));
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
    WITH gone AS (
        DELETE FROM public.tenant_imports i
         WHERE i.slug = p_slug OR i.created_at < now() - interval '1 day'
        RETURNING i.id, i.slug, i.created_at)
    INSERT INTO public.tenant_import_ends (import_id, slug, replaced_by)
    SELECT g.id, g.slug, public.liaison_request_setting('actor')
      FROM gone g
     WHERE g.slug = p_slug AND g.created_at >= now() - interval '1 day'
    ON CONFLICT (import_id) DO NOTHING;
    INSERT INTO public.tenant_imports (slug, name, actor)
    VALUES (p_slug, p_name, public.liaison_request_setting('actor')) RETURNING id INTO iid;
    PERFORM public.liaison_platform_audit('tenant.import.begin', p_slug);
    RETURN iid;
END $$;
