-- A user's role, reach, distributor and name could not be changed once the
-- user was made (found in a try-out): a manager promoted, or a distributor
-- user moved to another distributor, had to be made again under another
-- e-mail. UpdateUser changes them through liaison_user_update(), the
-- owner's: liaisond's role may not update those columns itself (0094), so
-- SQL injected into a request still cannot make its own user an admin.
--
-- The function holds to what the handler checks as well: a tenant admin
-- changes users, nobody changes their own role (another admin does, so a
-- tenant keeps an admin), the distributor is one of the tenant's, and an
-- account manager keeps a manager's role until their distributors have
-- another. A new role or distributor ends the user's sessions and revokes
-- the API tokens they made, each of which carries the reach it was opened
-- with. Returns the user's id, or NULL when the tenant has no such user.
CREATE OR REPLACE FUNCTION liaison_user_update(p_user bigint, p_name text, p_role text,
                                               p_sees_all boolean, p_distributor bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    was public.users%ROWTYPE;
    managed text;
BEGIN
    PERFORM public.liaison_precondition(public.liaison_is_tenant_admin(),
                                        'a tenant admin changes users');
    SELECT * INTO was FROM public.users u
     WHERE u.tenant_id = public.liaison_tenant() AND u.id = p_user FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    PERFORM public.liaison_check(was.id IS DISTINCT FROM public.liaison_user_id()
                                 OR was.role = p_role, 'role',
                                 'you cannot change your own role: another tenant admin can');
    PERFORM public.liaison_check(p_distributor IS NULL OR EXISTS (
                                     SELECT 1 FROM public.distributors d
                                      WHERE d.tenant_id = was.tenant_id AND d.id = p_distributor),
                                 'distributorId', 'no such distributor in this tenant');
    IF p_role NOT IN ('manager', 'tenant_admin') THEN
        SELECT string_agg(d.name, ', ' ORDER BY d.name) INTO managed
          FROM public.distributors d
         WHERE d.tenant_id = was.tenant_id AND d.account_manager_id = was.id
           AND d.status <> 'terminated';
        PERFORM public.liaison_check(managed IS NULL, 'role', format(
            '%s is the account manager of %s: assign them another manager first, then change'
            ' the role', coalesce(nullif(was.display_name, ''), was.email), managed));
    END IF;
    UPDATE public.users u SET display_name = p_name, role = p_role,
           sees_all_distributors = p_sees_all, distributor_id = p_distributor
     WHERE u.tenant_id = was.tenant_id AND u.id = was.id;
    IF was.role <> p_role OR was.distributor_id IS DISTINCT FROM p_distributor THEN
        UPDATE public.sessions s SET revoked_at = now()
         WHERE s.tenant_id = was.tenant_id AND s.user_id = was.id AND s.revoked_at IS NULL;
    END IF;
    PERFORM public.liaison_audit('user.update', 'user', was.id::text);
    RETURN was.id;
END $$;
REVOKE ALL ON FUNCTION liaison_user_update(bigint, text, text, boolean, bigint) FROM PUBLIC;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_user_update(bigint, text, text, boolean, bigint)
            TO liaison_app;
    END IF;
END $$;
