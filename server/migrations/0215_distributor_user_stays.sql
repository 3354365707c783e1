-- A tenant admin could make a distributor's user the tenant's admin, or a
-- manager or auditor, with one `user update --role` (found in a try-out),
-- where the operator's `admin tenant recover` refuses a distributor's user
-- as admin. A distributor's user now stays one: the change is refused,
-- saying how the person is given a login of the exporter's instead. Moving
-- them to another distributor, or changing their name, stays open.
--
-- Replaces liaison_user_update (0204) whole but for that check; its
-- grants stay.
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
    -- The person is the distributor's: its e-mail, its company. Made the
    -- exporter's staff, they would read every other distributor's charter,
    -- prices and reports, one typed word away (the operator's recovery
    -- already refuses a distributor's user as admin).
    PERFORM public.liaison_check(was.role <> 'distributor_user' OR p_role = 'distributor_user',
                                 'role', format(
        '%s is a user of a distributor: a distributor''s user does not become one of the'
        ' exporter''s staff; create a user with the e-mail the person has at the exporter'
        ' (user create), and disable this one', was.email));
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
