-- A user moved to another distributor, made a distributor's user, or made an
-- auditor kept owning the leads and key accounts they could no longer own
-- (found in a try-out): a distributor user moved from A to B still owned
-- A's leads, which A's people saw in the name of someone of B. The change
-- now hands each such lead and account to its distributor's account
-- manager, as assigning a distributor another manager does (rpc_distributor.c,
-- q_dist_assign), or to nobody when that manager may not own it either;
-- the exporter's own ones (no distributor) go to nobody.
--
-- Replaces liaison_user_update (0204) whole but for that.
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
        -- Read after the users row changed: who may own each of them now.
        UPDATE public.leads l
           SET owner_id = (SELECT d.account_manager_id FROM public.distributors d
                            WHERE d.tenant_id = l.tenant_id AND d.id = l.distributor_id
                              AND d.account_manager_id <> was.id
                              AND public.liaison_crm_owner_ok(d.id, d.account_manager_id))
         WHERE l.tenant_id = was.tenant_id AND l.owner_id = was.id
           AND NOT public.liaison_crm_owner_ok(l.distributor_id, was.id);
        UPDATE public.key_accounts a
           SET owner_id = (SELECT d.account_manager_id FROM public.distributors d
                            WHERE d.tenant_id = a.tenant_id AND d.id = a.distributor_id
                              AND d.account_manager_id <> was.id
                              AND public.liaison_crm_owner_ok(d.id, d.account_manager_id))
         WHERE a.tenant_id = was.tenant_id AND a.owner_id = was.id
           AND NOT public.liaison_crm_owner_ok(a.distributor_id, was.id);
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
