-- A disabled user who signed in with the right password was told the
-- e-mail or password was wrong (a try-out): they tried again, locked the
-- account, and asked nobody, since nothing said an admin had disabled it.
-- Log-in now asks this, for a disabled user only, once the password has
-- been hashed: whether p_encoded equals the stored hash of disabled user
-- p_user. When it does, liaisond answers that the login is disabled, and
-- makes no session; when not, it is a failed log-in as before. The right
-- password is what tells it: without it, nothing about the account is said.

CREATE OR REPLACE FUNCTION liaison_login_disabled(p_tenant bigint, p_user bigint,
                                                  p_encoded text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    matched boolean;
BEGIN
    -- The policies hold the owner too: the tenant for this read only.
    PERFORM public.liaison_context_set(p_tenant, NULL, NULL, NULL, NULL, false);
    matched := EXISTS (SELECT 1 FROM public.users x
                        WHERE x.tenant_id = p_tenant AND x.id = p_user
                          AND x.disabled_at IS NOT NULL AND x.password_hash = p_encoded);
    PERFORM public.liaison_context_set(NULL, NULL, NULL, NULL, NULL, false);
    RETURN matched;
END $$;

REVOKE ALL ON FUNCTION liaison_login_disabled(bigint, bigint, text) FROM PUBLIC;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_login_disabled(bigint, bigint, text) TO liaison_app;
    END IF;
END $$;
