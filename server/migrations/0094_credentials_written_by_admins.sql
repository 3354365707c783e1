-- Credentials are written by tenant admins only, in the database too.
--
-- liaisond's role could insert any row into sessions and update any column
-- of sessions and users of the caller's tenant: SQL injected into a
-- distributor user's request could mint itself a tenant_admin token (a
-- session row with that role and a hash of its choosing) or make its user
-- an admin, and liaison_auth() would then believe it. The handlers only
-- ever create sessions (API tokens) and users as a tenant admin (or an
-- operator, for a tenant's first admin), revoke sessions as an admin or as
-- the session's own user, and set a user's password, disabled time or
-- working hours as an admin or (password, hours) the user itself. Now the
-- database holds to exactly that: restrictive policies for liaisond's
-- role, and no right to update any other column or to delete. Log-in makes
-- its session through the owner's liaison_login(), which these policies do
-- not reach.

CREATE OR REPLACE FUNCTION liaison_is_tenant_admin() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('liaison.role', true) = 'tenant_admin'
                    AND liaison_context_valid(), false)
$$;

-- The caller's own user id, NULL unless the context verifies.
CREATE OR REPLACE FUNCTION liaison_user_id() RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN liaison_context_valid()
                THEN nullif(current_setting('liaison.user_id', true), '')::bigint END
$$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        RETURN;
    END IF;
    GRANT EXECUTE ON FUNCTION liaison_is_tenant_admin(), liaison_user_id() TO liaison_app;
    REVOKE UPDATE, DELETE ON sessions, users FROM liaison_app;
    GRANT UPDATE (revoked_at) ON sessions TO liaison_app;
    -- liaison_set_user_working_time() (0016, the caller's) sets the hours.
    GRANT UPDATE (disabled_at, password_hash, time_zone, business_hours_start,
                  business_hours_end, work_days) ON users TO liaison_app;

    DROP POLICY IF EXISTS credential_insert ON sessions;
    CREATE POLICY credential_insert ON sessions AS RESTRICTIVE FOR INSERT TO liaison_app
        WITH CHECK ((SELECT liaison_is_tenant_admin()) OR (SELECT liaison_is_operator()));
    DROP POLICY IF EXISTS credential_update ON sessions;
    CREATE POLICY credential_update ON sessions AS RESTRICTIVE FOR UPDATE TO liaison_app
        USING ((SELECT liaison_is_tenant_admin()) OR (SELECT liaison_is_operator())
               OR user_id = (SELECT liaison_user_id()))
        WITH CHECK ((SELECT liaison_is_tenant_admin()) OR (SELECT liaison_is_operator())
                    OR user_id = (SELECT liaison_user_id()));

    DROP POLICY IF EXISTS credential_insert ON users;
    CREATE POLICY credential_insert ON users AS RESTRICTIVE FOR INSERT TO liaison_app
        WITH CHECK ((SELECT liaison_is_tenant_admin()) OR (SELECT liaison_is_operator()));
    DROP POLICY IF EXISTS credential_update ON users;
    CREATE POLICY credential_update ON users AS RESTRICTIVE FOR UPDATE TO liaison_app
        USING ((SELECT liaison_is_tenant_admin()) OR (SELECT liaison_is_operator())
               OR id = (SELECT liaison_user_id()))
        WITH CHECK ((SELECT liaison_is_tenant_admin()) OR (SELECT liaison_is_operator())
                    OR id = (SELECT liaison_user_id()));
END $$;
