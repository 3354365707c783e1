-- A disabled user is given no new meeting and owns no new action item: it
-- cannot sign in to attend or to close it. What it already has stays, as
-- history; its e-mail then names nobody, as a stranger's would.
CREATE OR REPLACE FUNCTION liaison_party_user_ok(p_distributor bigint, p_user bigint)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM public.users u
                    WHERE u.tenant_id = liaison_tenant() AND u.id = p_user
                      AND u.disabled_at IS NULL
                      AND (u.distributor_id IS NULL OR u.distributor_id = p_distributor))
$$;
