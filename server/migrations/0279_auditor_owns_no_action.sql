-- A manager made auditor kept owning open action items (found in a
-- try-out), which an auditor may neither own (CreateActionItem refuses
-- one) nor complete: an auditor reads every distributor, so the hand-over
-- of 0255, which went by what the user could still reach, passed over
-- them. They go to the distributor's account manager, or to the admin
-- making the change, as the others do. Each lead, account and action item
-- handed over is audited on itself (lead.update, key_account.update,
-- action_item.reassign), as distributor assign audits them: the log said
-- only user.update (a try-out).
--
-- Replaces liaison_user_update (0255) whole but for those.

CREATE OR REPLACE FUNCTION liaison_user_update(p_user bigint, p_name text, p_role text,
                                               p_sees_all boolean, p_distributor bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    was public.users%ROWTYPE;
    managed text;
    moved record;
    admins integer;
BEGIN
    PERFORM public.liaison_precondition(public.liaison_is_tenant_admin(),
                                        'a tenant admin changes users');
    -- Before the user's own row, in the order every such change takes them.
    PERFORM 1 FROM public.users u
     WHERE u.tenant_id = public.liaison_tenant() AND u.role = 'tenant_admin'
     ORDER BY u.id FOR UPDATE;
    SELECT * INTO was FROM public.users u
     WHERE u.tenant_id = public.liaison_tenant() AND u.id = p_user FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    PERFORM public.liaison_check(was.id IS DISTINCT FROM public.liaison_user_id()
                                 OR was.role = p_role, 'role',
                                 'you cannot change your own role: another tenant admin can');
    IF was.role = 'tenant_admin' AND p_role <> 'tenant_admin' AND was.disabled_at IS NULL THEN
        SELECT count(*) INTO admins FROM public.users u
         WHERE u.tenant_id = was.tenant_id AND u.role = 'tenant_admin'
           AND u.disabled_at IS NULL AND u.id <> was.id;
        PERFORM public.liaison_precondition(admins > 0, format(
            '%s is the tenant''s last enabled tenant admin: make another user a tenant admin'
            ' first', coalesce(nullif(was.display_name, ''), was.email)));
    END IF;
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
        -- Each read after the users row changed: who may have it now.
        FOR moved IN
            UPDATE public.leads l
               SET owner_id = (SELECT d.account_manager_id FROM public.distributors d
                                WHERE d.tenant_id = l.tenant_id AND d.id = l.distributor_id
                                  AND d.account_manager_id <> was.id
                                  AND public.liaison_crm_owner_ok(d.id, d.account_manager_id))
             WHERE l.tenant_id = was.tenant_id AND l.owner_id = was.id
               AND NOT public.liaison_crm_owner_ok(l.distributor_id, was.id)
            RETURNING l.id
        LOOP
            PERFORM public.liaison_audit('lead.update', 'lead', moved.id::text);
        END LOOP;
        FOR moved IN
            UPDATE public.key_accounts a
               SET owner_id = (SELECT d.account_manager_id FROM public.distributors d
                                WHERE d.tenant_id = a.tenant_id AND d.id = a.distributor_id
                                  AND d.account_manager_id <> was.id
                                  AND public.liaison_crm_owner_ok(d.id, d.account_manager_id))
             WHERE a.tenant_id = was.tenant_id AND a.owner_id = was.id
               AND NOT public.liaison_crm_owner_ok(a.distributor_id, was.id)
            RETURNING a.id
        LOOP
            PERFORM public.liaison_audit('key_account.update', 'key_account', moved.id::text);
        END LOOP;
        FOR moved IN
            UPDATE public.action_items a
               SET owner_user_id = coalesce(
                       (SELECT d.account_manager_id FROM public.distributors d
                         WHERE d.tenant_id = a.tenant_id AND d.id = a.distributor_id
                           AND d.account_manager_id <> was.id
                           AND public.liaison_party_user_ok(d.id, d.account_manager_id)),
                       public.liaison_user_id())
             WHERE a.tenant_id = was.tenant_id AND a.owner_user_id = was.id AND a.status = 'open'
               AND (NOT public.liaison_party_user_ok(a.distributor_id, was.id)
                    OR a.internal AND p_distributor IS NOT NULL
                    OR p_role = 'auditor')
            RETURNING a.id
        LOOP
            PERFORM public.liaison_audit('action_item.reassign', 'action_item', moved.id::text);
        END LOOP;
        DELETE FROM public.meeting_attendees x
         USING public.meetings m
         WHERE x.tenant_id = was.tenant_id AND x.user_id = was.id
           AND m.tenant_id = x.tenant_id AND m.id = x.meeting_id
           AND m.status = 'scheduled' AND m.starts_at > public.liaison_now()
           AND NOT public.liaison_party_user_ok(m.distributor_id, was.id);
        UPDATE public.meeting_series s
           SET attendees = array(SELECT w FROM unnest(s.attendees) w
                                  WHERE lower(w) <> lower(was.email))
         WHERE s.tenant_id = was.tenant_id
           AND EXISTS (SELECT 1 FROM unnest(s.attendees) w WHERE lower(w) = lower(was.email))
           AND NOT public.liaison_party_user_ok(s.distributor_id, was.id);
    END IF;
    PERFORM public.liaison_audit('user.update', 'user', was.id::text);
    RETURN was.id;
END $$;
