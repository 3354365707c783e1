-- Password hashes out of liaisond's reach.
--
-- liaisond's role could read every column of users in the caller's
-- tenant, so SQL injected into a distributor user's request could read the
-- Argon2id hashes of the exporter's staff and guess their passwords offline;
-- and it could write its own user's hash (0094 left that for a change of
-- password), so a stolen token's injected SQL could give the account a
-- password of the thief's choosing. Only log-in (the owner's
-- liaison_login()) and a change or reset of a password need a hash. The
-- role now reads every column of users but password_hash and writes it
-- only through liaison_user_password_set(): a user's own change names its
-- current password hashed as log-in does (liaisond hashes it with the
-- stored salt and parameters, liaison_own_password_salt(), and the
-- database compares, liaison_own_password_matches()), a reset needs a
-- tenant admin. Not even the caller's own hash leaves the database. A
-- tenant export (operators only, hashes only when asked) reads its rows as
-- the owner.
-- A later migration that adds a column to users grants SELECT on it too.
-- The catalogue gate fails if liaisond's role may read or write
-- password_hash, or may not read another column.

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

-- Sets user p_user's hash to p_hash and ends its log-in sessions but
-- p_keep_session (its API tokens stay), audited: the caller's own with its
-- current password hashed with the stored salt (p_current), or anyone's of
-- the tenant by a tenant admin (p_current NULL). Returns the user's id, NULL
-- when there is no such user or the current password does not match.
CREATE OR REPLACE FUNCTION liaison_user_password_set(p_user bigint, p_hash text, p_current text,
                                                     p_keep_session bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    uid bigint;
BEGIN
    PERFORM public.liaison_precondition(p_current IS NOT NULL
                                        OR public.liaison_is_tenant_admin(),
                                        'a tenant admin resets passwords');
    UPDATE public.users u SET password_hash = p_hash
     WHERE u.tenant_id = public.liaison_tenant() AND u.id = p_user
       AND (p_current IS NULL
            OR (u.id = public.liaison_user_id() AND u.password_hash = p_current))
    RETURNING u.id INTO uid;
    IF uid IS NULL THEN
        RETURN NULL;
    END IF;
    UPDATE public.sessions s SET revoked_at = now()
     WHERE s.tenant_id = public.liaison_tenant() AND s.user_id = uid AND s.kind = 'session'
       AND s.revoked_at IS NULL AND s.id IS DISTINCT FROM p_keep_session;
    PERFORM public.liaison_audit('user.password', 'user', uid::text);
    RETURN uid;
END $$;
REVOKE ALL ON FUNCTION liaison_user_password_set(bigint, text, text, bigint) FROM PUBLIC;

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
    REVOKE SELECT (password_hash), UPDATE (password_hash) ON users FROM liaison_app;
    EXECUTE format('GRANT SELECT (%s) ON users TO liaison_app', cols);
    REVOKE ALL ON FUNCTION liaison_export_rows(text, bigint, int, boolean) FROM liaison_app;
    GRANT EXECUTE ON FUNCTION liaison_own_password_salt(), liaison_own_password_matches(text),
        liaison_user_password_set(bigint, text, text, bigint),
        liaison_export_page(text, bigint, int, boolean) TO liaison_app;
END $$;
