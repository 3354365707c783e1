-- A user locked out by failed log-ins stayed locked after a tenant admin
-- reset their password (a try-out): the new password was refused with "too
-- many failed log-ins" for the rest of the lock, and only an operator's
-- recovery (0133, 0206) forgot the failures. An admin's reset now forgets
-- them too, from every address, as that recovery does; a user's own change
-- of password leaves them, since whoever guesses may be someone else.
--
-- Replaces liaison_user_password_set (0095) whole but for that.
CREATE OR REPLACE FUNCTION liaison_user_password_set(p_user bigint, p_hash text, p_current text,
                                                     p_keep_session bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    uid bigint;
    mail text;
BEGIN
    PERFORM public.liaison_precondition(p_current IS NOT NULL
                                        OR public.liaison_is_tenant_admin(),
                                        'a tenant admin resets passwords');
    UPDATE public.users u SET password_hash = p_hash
     WHERE u.tenant_id = public.liaison_tenant() AND u.id = p_user
       AND (p_current IS NULL
            OR (u.id = public.liaison_user_id() AND u.password_hash = p_current))
    RETURNING u.id, u.email INTO uid, mail;
    IF uid IS NULL THEN
        RETURN NULL;
    END IF;
    UPDATE public.sessions s SET revoked_at = now()
     WHERE s.tenant_id = public.liaison_tenant() AND s.user_id = uid AND s.kind = 'session'
       AND s.revoked_at IS NULL AND s.id IS DISTINCT FROM p_keep_session;
    IF p_current IS NULL THEN
        -- The account's key as log-in makes it (login_account_init, 0206).
        DELETE FROM public.login_throttle k
         WHERE substring(k.key_hash FROM 1 FOR 32) = sha256(convert_to(
                   'acct:' || public.liaison_tenant() || ':'
                   || translate(mail, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
                   'UTF8'));
    END IF;
    PERFORM public.liaison_audit('user.password', 'user', uid::text);
    RETURN uid;
END $$;
REVOKE ALL ON FUNCTION liaison_user_password_set(bigint, text, text, bigint) FROM PUBLIC;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_user_password_set(bigint, text, text, bigint)
            TO liaison_app;
    END IF;
END $$;
