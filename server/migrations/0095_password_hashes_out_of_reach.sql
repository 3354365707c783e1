-- Password hashes out of liaisond's reach.
--
-- liaisond's role could read every column of users in the caller's
-- tenant, so SQL injected into a distributor user's request could read the
-- Argon2id hashes of the exporter's staff and guess their passwords offline.
-- Only two things need a hash: log-in (the owner's liaison_login()) and a
-- user changing its own password, which checks the current one first. The
-- role now reads every column of users but password_hash. A change of
-- password goes as log-in does: liaisond hashes the current password with
-- the stored salt and parameters (liaison_own_password_salt()) and the
-- database compares (liaison_own_password_matches()), so not even the
-- caller's own hash leaves it. A tenant export (operators only, hashes
-- only when asked) reads its rows as the owner.
-- A later migration that adds a column to users grants SELECT on it too.
-- The catalogue gate fails if liaisond's role may read password_hash.

-- The caller's own hash without its last field (algorithm, parameters and
-- salt), as liaison_login_user() gives it; NULL unless the context
-- verifies and names a user.
CREATE OR REPLACE FUNCTION liaison_own_password_salt() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT regexp_replace(u.password_hash, '\$[^$]*$', '') FROM public.users u
     WHERE u.tenant_id = public.liaison_tenant() AND u.id = public.liaison_user_id()
$$;
REVOKE ALL ON FUNCTION liaison_own_password_salt() FROM PUBLIC;

-- Whether p_encoded (a password hashed by liaisond with that salt) is the
-- caller's own stored hash.
CREATE OR REPLACE FUNCTION liaison_own_password_matches(p_encoded text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM public.users u
                    WHERE u.tenant_id = public.liaison_tenant()
                      AND u.id = public.liaison_user_id() AND u.password_hash = p_encoded)
$$;
REVOKE ALL ON FUNCTION liaison_own_password_matches(text) FROM PUBLIC;

-- The export's rows, read by the owner behind liaison_export_page() below.
DO $$
BEGIN
    IF to_regprocedure('public.liaison_export_rows(text, bigint, int, boolean)') IS NULL THEN
        ALTER FUNCTION liaison_export_page(text, bigint, int, boolean)
            RENAME TO liaison_export_rows;
    END IF;
END $$;
REVOKE ALL ON FUNCTION liaison_export_rows(text, bigint, int, boolean) FROM PUBLIC;

-- A page of the bound tenant's export (liaison_export_rows(), migration
-- 0028), for an operator only: as the owner it reads the hashes its role
-- may not, and row-level security still keeps it to the bound tenant.
CREATE OR REPLACE FUNCTION liaison_export_page(p_table text, p_after bigint, p_limit int,
                                               p_secrets boolean)
RETURNS TABLE (tbl text, id bigint, js text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.liaison_precondition(public.liaison_is_operator(), 'operators only');
    RETURN QUERY SELECT r.tbl, r.id, r.js
                   FROM public.liaison_export_rows(p_table, p_after, p_limit, p_secrets) r;
END $$;
REVOKE ALL ON FUNCTION liaison_export_page(text, bigint, int, boolean) FROM PUBLIC;

DO $$
DECLARE
    cols text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        RETURN;
    END IF;
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO cols
      FROM pg_attribute a
     WHERE a.attrelid = 'public.users'::regclass AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attname <> 'password_hash';
    REVOKE SELECT ON users FROM liaison_app;
    REVOKE SELECT (password_hash) ON users FROM liaison_app;
    EXECUTE format('GRANT SELECT (%s) ON users TO liaison_app', cols);
    REVOKE ALL ON FUNCTION liaison_export_rows(text, bigint, int, boolean) FROM liaison_app;
    GRANT EXECUTE ON FUNCTION liaison_own_password_salt(), liaison_own_password_matches(text),
        liaison_export_page(text, bigint, int, boolean) TO liaison_app;
END $$;
