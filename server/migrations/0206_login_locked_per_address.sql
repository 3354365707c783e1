-- An account was locked everywhere by five wrong passwords from anywhere
-- (found in a try-out): whoever knew an admin's e-mail could keep the
-- admin out, the right password refused, for as long as they kept
-- guessing. Log-in now counts an account's failures per source address
-- (login_max_failures locks that address out of the account) and from
-- every address together (login_max_failures_per_account, many more,
-- locks the account), as rpc_auth.c says. An address's key is the
-- account's SHA-256 followed by the address's, so a recovery lifts every
-- count of the account by the first 32 bytes of the key.
--
-- Replaces liaison_tenant_admin_recover (0133) whole but for that DELETE.
-- Counts kept under the old keys (the account's alone) are still the
-- account's from everywhere and lift alike.

CREATE OR REPLACE FUNCTION liaison_tenant_admin_recover(p_slug text, p_email text, p_name text,
                                                        p_hash text, p_revoke_api boolean)
RETURNS TABLE (user_id bigint, email text, role text, created boolean,
               tenant_suspended boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    t public.tenants;
    u public.users;
    what text[] := ARRAY[]::text[];
    n_sessions bigint;
    n_tokens bigint;
    n_locks bigint;
BEGIN
    PERFORM public.liaison_precondition(public.liaison_is_operator(), 'operators only');
    -- Locked, so that the tenant is neither deleted nor its status changed meanwhile.
    SELECT x.* INTO t FROM public.tenants x WHERE x.slug = p_slug FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LS404', MESSAGE = format(
            'no tenant has the slug %s (see liaison admin tenant list)', p_slug);
    END IF;
    PERFORM public.liaison_operator_bind(t.id);
    SELECT x.* INTO u FROM public.users x
     WHERE x.tenant_id = t.id AND lower(x.email) = lower(p_email) FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO public.users AS x (tenant_id, email, display_name, role, password_hash)
        VALUES (t.id, p_email, p_name, 'tenant_admin', p_hash) RETURNING x.* INTO u;
        created := true;
        what := what || 'created as tenant admin'::text;
    ELSE
        IF u.role = 'distributor_user' THEN
            RAISE EXCEPTION USING ERRCODE = 'LS412', MESSAGE = format(
                '%s is a distributor''s user in tenant %s: a distributor''s user cannot be '
                'the tenant''s admin; give the e-mail of one of the exporter''s own people '
                '(a new one is created as an admin)', u.email, p_slug);
        END IF;
        created := false;
        IF u.role <> 'tenant_admin' THEN
            what := what || format('role %s -> tenant_admin', u.role);
        END IF;
        IF u.disabled_at IS NOT NULL THEN
            what := what || 'enabled'::text;
        END IF;
        what := what || 'new password'::text;
        UPDATE public.users x
           SET role = 'tenant_admin', disabled_at = NULL,
               password_hash = p_hash
         WHERE x.tenant_id = t.id AND x.id = u.id
        RETURNING x.* INTO u;
    END IF;
    WITH s AS (
        UPDATE public.sessions x SET revoked_at = now()
         WHERE x.tenant_id = t.id AND x.user_id = u.id AND x.revoked_at IS NULL
           AND (x.expires_at IS NULL OR x.expires_at > now())
           AND (x.kind = 'session' OR p_revoke_api)
        RETURNING x.kind)
    SELECT count(*) FILTER (WHERE s.kind = 'session'), count(*) FILTER (WHERE s.kind = 'api')
      INTO n_sessions, n_tokens FROM s;
    IF n_sessions > 0 THEN
        what := what || format('%s log-in session(s) ended', n_sessions);
    END IF;
    IF p_revoke_api THEN
        what := what || format('%s API token(s) revoked', n_tokens);
    END IF;
    -- The account's key as log-in makes it (login_account_init): SHA-256 of
    -- "acct:TENANT:EMAIL", the e-mail as typed, lowered in ASCII only; as
    -- stored and as the operator typed it. Each address's count of the
    -- account begins with it (0206).
    DELETE FROM public.login_throttle k
     WHERE substring(k.key_hash FROM 1 FOR 32) IN (
        sha256(convert_to('acct:' || t.id || ':' || translate(u.email, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
                                                              'abcdefghijklmnopqrstuvwxyz'),
                          'UTF8')),
        sha256(convert_to('acct:' || t.id || ':' || translate(p_email, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
                                                              'abcdefghijklmnopqrstuvwxyz'),
                          'UTF8')));
    GET DIAGNOSTICS n_locks = ROW_COUNT;
    IF n_locks > 0 THEN
        what := what || 'failed log-ins forgotten'::text;
    END IF;
    PERFORM public.liaison_platform_audit('tenant.admin_recover', t.slug,
                                          u.email || ': ' || array_to_string(what, ', '));
    PERFORM public.liaison_audit('tenant.admin_recover', 'user', u.id::text);
    user_id := u.id;
    email := u.email;
    role := u.role;
    tenant_suspended := t.status <> 'active';
    RETURN NEXT;
END $$;

REVOKE ALL ON FUNCTION liaison_tenant_admin_recover(text, text, text, text, boolean) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_tenant_admin_recover(text, text, text, text, boolean)
            TO liaison_app;
    END IF;
END $$;
