-- Identities and access: operators, users, sessions and API tokens, the
-- audit log, log-in throttling; row-level security on every tenant table.
--
-- Two database roles: the owner (runs migrations, owns the tables) and
-- liaison_app (what liaisond connects as: no ownership, no BYPASSRLS). The
-- app role is created by whoever provisions the cluster; this migration
-- only grants to it.

-- Platform tables (no tenant_id): operators, the platform audit, throttling.
CREATE TABLE IF NOT EXISTS operators (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

CREATE TABLE IF NOT EXISTS platform_audit (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    action text NOT NULL,
    tenant_slug text NOT NULL,
    request_id text NOT NULL,
    source text NOT NULL
);

CREATE TABLE IF NOT EXISTS login_throttle (
    key_hash bytea PRIMARY KEY,
    failures int NOT NULL DEFAULT 0,
    window_start timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz
);

-- A placeholder row per distributor so users can be bound to one; the
-- distributor record itself grows in its own migration.
CREATE TABLE IF NOT EXISTS distributors (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE IF NOT EXISTS users (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    display_name text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
    role text NOT NULL
        CHECK (role IN ('tenant_admin', 'manager', 'distributor_user', 'auditor')),
    sees_all_distributors boolean NOT NULL DEFAULT false,
    distributor_id bigint,
    password_hash text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    disabled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id),
    CHECK ((role = 'distributor_user') = (distributor_id IS NOT NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email ON users (tenant_id, lower(email));

-- Log-in sessions and machine API tokens; only SHA-256 of a token is kept.
CREATE TABLE IF NOT EXISTS sessions (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    user_id bigint NOT NULL,
    kind text NOT NULL CHECK (kind IN ('session', 'api')),
    name text NOT NULL DEFAULT '' CHECK (length(name) <= 100),
    role text NOT NULL CHECK (role IN ('tenant_admin', 'manager', 'distributor_user', 'auditor')),
    token_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    revoked_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS audit_log (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    action text NOT NULL,
    entity text NOT NULL,
    entity_id text NOT NULL,
    request_id text NOT NULL,
    source text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (tenant_id, at, id);

-- The tenant a transaction works for, set by liaisond with set_config(...,
-- true) inside the transaction; unset means no tenant at all.
CREATE OR REPLACE FUNCTION liaison_tenant() RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('liaison.tenant_id', true), '')::bigint
$$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['distributors', 'users', 'sessions', 'audit_log'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = liaison_tenant())'
                       ' WITH CHECK (tenant_id = liaison_tenant())', t);
    END LOOP;
END $$;

-- Tenants: a transaction sees its own tenant, an operator's sees them all.
-- Not forced, so the owner's lookup function below can resolve a slug
-- before anyone is authenticated.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON tenants;
CREATE POLICY tenant_isolation ON tenants
    USING (id = liaison_tenant() OR current_setting('liaison.operator', true) = 'on')
    WITH CHECK (current_setting('liaison.operator', true) = 'on');

-- Log-in resolves the tenant named by the user; nothing else is revealed.
CREATE OR REPLACE FUNCTION liaison_tenant_lookup(p_slug text)
RETURNS TABLE (id bigint, status text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT id, status FROM tenants WHERE slug = p_slug
$$;
REVOKE ALL ON FUNCTION liaison_tenant_lookup(text) FROM PUBLIC;

-- Checks, in the caller's transaction, that a session or token is live,
-- its user enabled and its tenant active, and binds the transaction to the
-- tenant. Every authenticated request runs it first, in the same pipeline
-- as its own statements: revocation and suspension act on the next call.
CREATE OR REPLACE FUNCTION liaison_auth(p_tenant bigint, p_session bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE st text;
BEGIN
    PERFORM set_config('liaison.tenant_id', p_tenant::text, true);
    SELECT status INTO st FROM tenants WHERE id = p_tenant;
    IF st IS NULL THEN
        RAISE EXCEPTION 'session expired or revoked; log in again' USING ERRCODE = 'LS401';
    END IF;
    IF st <> 'active' THEN
        RAISE EXCEPTION 'the tenant is suspended' USING ERRCODE = 'LS403';
    END IF;
    PERFORM 1 FROM sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
     WHERE s.tenant_id = p_tenant AND s.id = p_session AND s.revoked_at IS NULL
       AND (s.expires_at IS NULL OR s.expires_at > now()) AND u.disabled_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'session expired or revoked; log in again' USING ERRCODE = 'LS401';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION liaison_auth_operator(p_operator bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM operators WHERE id = p_operator AND revoked_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'operator token revoked' USING ERRCODE = 'LS401';
    END IF;
    PERFORM set_config('liaison.operator', 'on', true);
END $$;

-- One page of a tenant export: every row of the bound tenant, table by
-- table in name order (the tenant's own row, then every table that has a
-- tenant_id column, found in the catalogue so that no table is left out),
-- then by id. Every tenant table has an id column.
CREATE OR REPLACE FUNCTION liaison_export_page(p_table text, p_after bigint, p_limit int)
RETURNS TABLE (tbl text, id bigint, js text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    t text;
    got int := 0;
    rec record;
BEGIN
    FOR t IN
        SELECT c.relname::text FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
               AND NOT a.attisdropped
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname::text >= p_table
        UNION SELECT 'tenants' WHERE 'tenants' >= p_table
        ORDER BY 1
    LOOP
        FOR rec IN EXECUTE format(
            'SELECT x.id, to_jsonb(x)::text AS js FROM %I x WHERE %s = liaison_tenant()'
            ' AND x.id > $1 ORDER BY x.id LIMIT $2',
            t, CASE WHEN t = 'tenants' THEN 'x.id' ELSE 'x.tenant_id' END)
            USING CASE WHEN t = p_table THEN p_after ELSE 0 END, p_limit - got
        LOOP
            tbl := t;
            id := rec.id;
            js := rec.js;
            RETURN NEXT;
            got := got + 1;
        END LOOP;
        EXIT WHEN got >= p_limit;
    END LOOP;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, distributors, users, sessions,
            audit_log, login_throttle, platform_audit TO liaison_app;
        GRANT SELECT ON operators, schema_migrations TO liaison_app;
        GRANT EXECUTE ON FUNCTION liaison_tenant(), liaison_auth(bigint, bigint),
            liaison_auth_operator(bigint), liaison_tenant_lookup(text),
            liaison_export_page(text, bigint, int) TO liaison_app;
    END IF;
END $$;
