-- A tenant wall that injected SQL cannot climb.
--
-- Until now row-level security trusted settings (liaison.tenant_id,
-- liaison.operator, liaison.role, ...) that liaisond's role may set itself,
-- so SQL injected into any statement could name another tenant. Now the
-- caller's context is only believed when it carries a MAC that the
-- database's own credential checks computed: liaison_context_set(), which
-- only functions owned by the migration role may call, writes the six
-- settings and liaison.context_mac = HMAC-SHA-256 (two independent 64-byte
-- keys in liaison_wall_key, a table liaisond's role cannot read) over them,
-- the backend's pid and the transaction's start time. liaison_tenant() and
-- the other readers used by policies return NULL unless it verifies, so a
-- forged or edited setting, a MAC made up or copied from another
-- transaction, shows no row of any tenant. The settings keep their names,
-- so statements that read them directly keep working: any change to one
-- of them breaks the MAC and with it the tenant.
--
-- How a context is made, and what each door asks for:
--   liaison_auth(tenant, token, ...)   the session's or API token's text;
--                                      the database hashes and looks it up
--   liaison_auth_operator(token, ...)  an operator token's text, likewise
--   liaison_auth_operator_certificate  an operator's name: the client
--                                      certificate was verified by liaisond's
--                                      TLS, which the database cannot see, so
--                                      this door trusts the caller (see
--                                      docs/tenant-wall.md)
--   liaison_operator_bind(tenant)      an operator context already made
--   liaison_login(...)                 the Argon2id hash liaisond computed from
--                                      the password with the stored salt,
--                                      compared with the stored hash here
--   liaison_run_due_jobs(...)          the scheduler: a job's tenant, no user
-- Sessions of the owner or a superuser (tests, benchmarks, psql by an
-- operator on the host) may still set the settings by hand: they own or
-- bypass the policies anyway.

CREATE TABLE IF NOT EXISTS liaison_wall_key (
    id integer PRIMARY KEY CHECK (id = 1),
    inner_key bytea NOT NULL CHECK (length(inner_key) = 64),
    outer_key bytea NOT NULL CHECK (length(outer_key) = 64)
);
-- gen_random_uuid() draws from pg_strong_random(): 4 x 122 random bits a key.
INSERT INTO liaison_wall_key (id, inner_key, outer_key)
SELECT 1, uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())
          || uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()),
       uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())
          || uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())
ON CONFLICT (id) DO NOTHING;
REVOKE ALL ON liaison_wall_key FROM PUBLIC;

-- What the MAC covers: every setting a policy or a check reads, and what
-- ties it to this transaction of this backend.
CREATE OR REPLACE FUNCTION liaison_context_message() RETURNS bytea
LANGUAGE sql STABLE AS $$
    SELECT convert_to(concat_ws('|', 'v1',
        coalesce(current_setting('liaison.tenant_id', true), ''),
        coalesce(current_setting('liaison.user_id', true), ''),
        coalesce(current_setting('liaison.role', true), ''),
        coalesce(current_setting('liaison.distributor_id', true), ''),
        coalesce(current_setting('liaison.sees_all', true), ''),
        coalesce(current_setting('liaison.operator', true), ''),
        pg_backend_pid(), (extract(epoch FROM now()) * 1000000)::bigint), 'UTF8')
$$;

-- The one writer of a context: all six settings, then their MAC. Only the
-- owner's functions call it (no grant); each passes values it checked.
CREATE OR REPLACE FUNCTION liaison_context_set(p_tenant bigint, p_user bigint, p_role text,
                                               p_distributor bigint, p_sees_all boolean,
                                               p_operator boolean) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    -- A value holding the separator could pass for another split of the fields.
    IF position('|' IN coalesce(p_role, '')) > 0 THEN
        RAISE EXCEPTION 'invalid role for a context';
    END IF;
    PERFORM set_config('liaison.tenant_id', coalesce(p_tenant::text, ''), true),
            set_config('liaison.user_id', coalesce(p_user::text, ''), true),
            set_config('liaison.role', coalesce(p_role, ''), true),
            set_config('liaison.distributor_id', coalesce(p_distributor::text, ''), true),
            set_config('liaison.sees_all', coalesce(p_sees_all::text, ''), true),
            set_config('liaison.operator', CASE WHEN p_operator THEN 'on' ELSE '' END, true);
    PERFORM set_config('liaison.context_mac', encode(sha256(k.outer_key
                || sha256(k.inner_key || public.liaison_context_message())), 'hex'), true)
       FROM public.liaison_wall_key k WHERE k.id = 1;
END $$;
REVOKE ALL ON FUNCTION liaison_context_set(bigint, bigint, text, bigint, boolean, boolean)
    FROM PUBLIC;

-- Whether the settings are a context the database made in this
-- transaction (or the session is the owner's or a superuser's). PL/pgSQL,
-- so that its statements' plans are kept for the session: policies call it
-- once per statement (an InitPlan) and it must cost little.
CREATE OR REPLACE FUNCTION liaison_context_valid() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    k public.liaison_wall_key;
BEGIN
    SELECT * INTO k FROM public.liaison_wall_key WHERE id = 1;
    IF current_setting('liaison.context_mac', true)
       = encode(sha256(k.outer_key || sha256(k.inner_key || public.liaison_context_message())),
                'hex') THEN
        RETURN true;
    END IF;
    RETURN EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                    WHERE r.rolname = session_user AND (r.rolsuper OR r.rolname = current_user));
END $$;

-- The readers: NULL (false) unless the context verifies.
CREATE OR REPLACE FUNCTION liaison_tenant() RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN liaison_context_valid()
                THEN nullif(current_setting('liaison.tenant_id', true), '')::bigint END
$$;

CREATE OR REPLACE FUNCTION liaison_is_operator() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('liaison.operator', true) = 'on' AND liaison_context_valid(),
                    false)
$$;

-- For the distributor policies, in one call: 0 when the caller is not
-- limited to a distributor, its distributor when it is, -1 (no row) when
-- the context does not verify.
CREATE OR REPLACE FUNCTION liaison_distributor_scope() RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN NOT liaison_context_valid() THEN -1
                WHEN coalesce(current_setting('liaison.role', true), '') <> 'distributor_user'
                THEN 0
                ELSE coalesce(nullif(current_setting('liaison.distributor_id', true),
                                     '')::bigint, -1) END
$$;

-- Policies read the context once per statement (an InitPlan), not per row.
DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT p.tablename::text FROM pg_policies p
              WHERE p.schemaname = 'public' AND p.policyname = 'tenant_isolation'
                AND p.tablename <> 'tenants' LOOP
        EXECUTE format('ALTER POLICY tenant_isolation ON %I'
                       ' USING (tenant_id = (SELECT liaison_tenant()))'
                       ' WITH CHECK (tenant_id = (SELECT liaison_tenant()))', t);
    END LOOP;
END $$;
DROP POLICY IF EXISTS tenant_isolation ON tenants;
CREATE POLICY tenant_isolation ON tenants
    USING (id = (SELECT liaison_tenant()) OR (SELECT liaison_is_operator()))
    WITH CHECK ((SELECT liaison_is_operator()));

-- A distributor user's rows, limited by the database: only its own
-- distributor's, in every table a distributor user reaches that names the
-- distributor. Restrictive (on top of the tenant's policy) and only for
-- liaisond's role: the owner's functions that must compare with other
-- distributors' records (deal registration's exclusive-elsewhere check)
-- still may, and say only whether.
DO $$
DECLARE t text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        RETURN;
    END IF;
    DROP POLICY IF EXISTS distributor_scope ON distributors;
    CREATE POLICY distributor_scope ON distributors AS RESTRICTIVE TO liaison_app
        USING ((SELECT liaison_distributor_scope()) IN (0, id));
    -- Not leads nor interactions: deal registration's protection window
    -- reads other distributors' leads in the caller's own functions.
    FOREACH t IN ARRAY ARRAY['contacts', 'charters', 'meeting_series', 'meetings',
                             'action_items', 'orders', 'escalation_requests'] LOOP
        CONTINUE WHEN to_regclass(format('public.%I', t)) IS NULL;
        EXECUTE format('DROP POLICY IF EXISTS distributor_scope ON %I', t);
        EXECUTE format('CREATE POLICY distributor_scope ON %I AS RESTRICTIVE TO liaison_app'
                       ' USING ((SELECT liaison_distributor_scope()) IN (0, distributor_id))',
                       t);
    END LOOP;
END $$;
ALTER FUNCTION liaison_deal_flags(bigint, text, text, text, bigint[])
    SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;

-- ---------- The doors ----------

DROP FUNCTION IF EXISTS liaison_auth(bigint, bigint, bigint, text, text, text);
DROP FUNCTION IF EXISTS liaison_auth(bigint, bigint);
DROP FUNCTION IF EXISTS liaison_auth_operator(bigint, bigint, text, text, text);
DROP FUNCTION IF EXISTS liaison_auth_operator(bigint);

-- A session or API token of tenant p_tenant, given as its text (what the
-- caller sent liaisond), is live, its user enabled, its tenant active:
-- the transaction gets that user's context. Raises otherwise.
CREATE OR REPLACE FUNCTION liaison_auth(p_tenant bigint, p_token text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    st text;
    s record;
BEGIN
    SELECT t.status INTO st FROM public.tenants t WHERE t.id = p_tenant;
    IF st IS NULL THEN
        RAISE EXCEPTION 'session expired or revoked; log in again' USING ERRCODE = 'LS401';
    END IF;
    IF st <> 'active' THEN
        RAISE EXCEPTION 'the tenant is suspended' USING ERRCODE = 'LS403';
    END IF;
    -- The tables' policies need a tenant to show the session at all.
    PERFORM public.liaison_context_set(p_tenant, NULL, NULL, NULL, NULL, false);
    SELECT x.role, x.user_id, u.distributor_id, u.sees_all_distributors INTO s
      FROM public.sessions x
      JOIN public.users u ON u.tenant_id = x.tenant_id AND u.id = x.user_id
     WHERE x.tenant_id = p_tenant AND x.token_hash = sha256(convert_to(p_token, 'UTF8'))
       AND x.revoked_at IS NULL AND (x.expires_at IS NULL OR x.expires_at > now())
       AND u.disabled_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'session expired or revoked; log in again' USING ERRCODE = 'LS401';
    END IF;
    PERFORM public.liaison_context_set(p_tenant, s.user_id, s.role, s.distributor_id,
                                       s.sees_all_distributors, false);
END $$;

CREATE OR REPLACE FUNCTION liaison_auth(p_tenant bigint, p_token text, p_deadline_us bigint,
                                        p_actor text, p_request_id text, p_source text)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.liaison_request(p_deadline_us, p_actor, p_request_id, p_source);
    PERFORM public.liaison_auth(p_tenant, p_token);
END $$;

-- An operator token, given as its text.
CREATE OR REPLACE FUNCTION liaison_auth_operator(p_token text, p_deadline_us bigint,
                                                 p_actor text, p_request_id text, p_source text)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.liaison_request(p_deadline_us, p_actor, p_request_id, p_source);
    PERFORM public.liaison_context_set(NULL, NULL, NULL, NULL, NULL, false);
    PERFORM 1 FROM public.operators o
     WHERE o.token_hash = sha256(convert_to(p_token, 'UTF8')) AND o.revoked_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'operator token revoked' USING ERRCODE = 'LS401';
    END IF;
    PERFORM public.liaison_context_set(NULL, NULL, NULL, NULL, NULL, true);
END $$;

-- An operator whose client certificate liaisond's TLS verified. The
-- database cannot see the handshake: whoever holds liaisond's role may
-- call this (docs/tenant-wall.md says what that leaves open).
CREATE OR REPLACE FUNCTION liaison_auth_operator_certificate(p_name text, p_deadline_us bigint,
                                                             p_actor text, p_request_id text,
                                                             p_source text)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.liaison_request(p_deadline_us, p_actor, p_request_id, p_source);
    PERFORM public.liaison_context_set(NULL, NULL, NULL, NULL, NULL, false);
    PERFORM 1 FROM public.operators o WHERE o.name = p_name AND o.revoked_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'operator token revoked' USING ERRCODE = 'LS401';
    END IF;
    PERFORM public.liaison_context_set(NULL, NULL, NULL, NULL, NULL, true);
END $$;

-- An operator's transaction works in tenant p_tenant (creating it, its
-- first admin, exporting it). Returns the tenant's id as text.
CREATE OR REPLACE FUNCTION liaison_operator_bind(p_tenant bigint) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NOT public.liaison_is_operator() THEN
        RAISE EXCEPTION 'only an operator binds a tenant' USING ERRCODE = 'LS403';
    END IF;
    PERFORM public.liaison_context_set(p_tenant, NULL, NULL, NULL, NULL, true);
    RETURN p_tenant::text;
END $$;

-- Log-in, step 1: what liaisond needs to hash the given password as the
-- stored one was hashed (the encoded hash without its last field: the
-- algorithm, parameters and salt), never the hash itself.
CREATE OR REPLACE FUNCTION liaison_login_user(p_tenant bigint, p_email text)
RETURNS TABLE (id bigint, salt text, role text, distributor_id bigint, sees_all boolean,
               disabled boolean, email text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    -- The policies hold the owner too: the tenant for this read only.
    PERFORM public.liaison_context_set(p_tenant, NULL, NULL, NULL, NULL, false);
    RETURN QUERY
        SELECT u.id, regexp_replace(u.password_hash, '\$[^$]*$', ''), u.role,
               coalesce(u.distributor_id, 0), u.sees_all_distributors, u.disabled_at IS NOT NULL,
               u.email
          FROM public.users u
         WHERE u.tenant_id = p_tenant AND lower(u.email) = lower(p_email);
    PERFORM public.liaison_context_set(NULL, NULL, NULL, NULL, NULL, false);
END $$;

-- Log-in, step 2: whether p_encoded (the password hashed by liaisond with
-- the stored salt and parameters) equals the stored hash of enabled user
-- p_user, and whether the tenant is suspended. When it matches, the tenant
-- is active and p_token_hash is given, records a session for that token
-- hash living p_ttl_s seconds with its audit row, clears the account's
-- log-in throttle (key p_account_key) and returns the session. The
-- transaction's context is left empty.
CREATE OR REPLACE FUNCTION liaison_login(p_tenant bigint, p_user bigint, p_encoded text,
                                         p_token_hash bytea, p_ttl_s integer,
                                         p_account_key bytea)
RETURNS TABLE (matched boolean, suspended boolean, id bigint, expires_at text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    u public.users;
    st text;
BEGIN
    PERFORM public.liaison_context_set(p_tenant, NULL, NULL, NULL, NULL, false);
    SELECT x.* INTO u FROM public.users x
     WHERE x.tenant_id = p_tenant AND x.id = p_user AND x.disabled_at IS NULL
       AND x.password_hash = p_encoded;
    matched := FOUND;
    SELECT t.status INTO st FROM public.tenants t WHERE t.id = p_tenant;
    suspended := st IS DISTINCT FROM 'active';
    IF NOT matched OR suspended OR p_token_hash IS NULL THEN
        PERFORM public.liaison_context_set(NULL, NULL, NULL, NULL, NULL, false);
        RETURN NEXT;
        RETURN;
    END IF;
    DELETE FROM public.login_throttle k WHERE k.key_hash = p_account_key;
    PERFORM public.liaison_context_set(p_tenant, u.id, u.role, u.distributor_id,
                                       u.sees_all_distributors, false);
    INSERT INTO public.sessions AS s (tenant_id, user_id, kind, role, token_hash, expires_at)
    VALUES (p_tenant, u.id, 'session', u.role, p_token_hash,
            now() + p_ttl_s * interval '1 second')
    RETURNING s.id, public.liaison_rfc3339(s.expires_at) INTO id, expires_at;
    PERFORM public.liaison_audit('session.login', 'user', u.id::text);
    PERFORM public.liaison_context_set(NULL, NULL, NULL, NULL, NULL, false);
    RETURN NEXT;
END $$;

-- A token's identity, for Authenticate: the token's text in, the session's
-- or API token's user out; no row when it is not live.
CREATE OR REPLACE FUNCTION liaison_session_by_token(p_tenant bigint, p_token text)
RETURNS TABLE (id bigint, user_id bigint, role text, kind text, email text,
               distributor_id bigint, sees_all boolean, slug text, status text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    PERFORM public.liaison_context_set(p_tenant, NULL, NULL, NULL, NULL, false);
    RETURN QUERY
        SELECT s.id, s.user_id, s.role, s.kind, u.email, coalesce(u.distributor_id, 0),
               u.sees_all_distributors, t.slug, t.status
          FROM public.sessions s
          JOIN public.users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
          JOIN public.tenants t ON t.id = s.tenant_id
         WHERE s.tenant_id = p_tenant AND s.token_hash = sha256(convert_to(p_token, 'UTF8'))
           AND s.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > now())
           AND u.disabled_at IS NULL;
    PERFORM public.liaison_context_set(NULL, NULL, NULL, NULL, NULL, false);
END $$;

-- An account's log-in lock, in its tenant's audit log (the actor, request
-- and source as liaison_request() recorded them). Returns true.
CREATE OR REPLACE FUNCTION liaison_login_locked_audit(p_tenant bigint, p_entity text,
                                                      p_entity_id text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.liaison_context_set(p_tenant, NULL, NULL, NULL, NULL, false);
    PERFORM public.liaison_audit('user.login_locked', p_entity, p_entity_id);
    PERFORM public.liaison_context_set(NULL, NULL, NULL, NULL, NULL, false);
    RETURN true;
END $$;

-- As in 0007, asking the verified context whether the caller is an operator.
CREATE OR REPLACE FUNCTION liaison_tenant_delete(p_slug text, p_actor text, p_request_id text,
                                                 p_source text)
RETURNS TABLE (slug text, name text, status text, created_at text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF NOT public.liaison_is_operator() THEN
        RAISE EXCEPTION 'only an operator deletes a tenant' USING ERRCODE = 'LS403';
    END IF;
    RETURN QUERY
        DELETE FROM public.tenants t WHERE t.slug = p_slug
        RETURNING t.slug, t.name, t.status, public.liaison_rfc3339(t.created_at);
    IF FOUND THEN
        INSERT INTO public.platform_audit (actor, action, tenant_slug, request_id, source)
        VALUES (p_actor, 'tenant.delete', p_slug, p_request_id, p_source);
    END IF;
END $$;

-- The scheduler's runner, as in 0015, now the owner's: it gives each job
-- its tenant's context (no user, no role), which liaisond's role cannot.
CREATE OR REPLACE FUNCTION liaison_run_due_jobs(p_limit integer, p_instance text,
                                                p_budget_ms integer)
RETURNS TABLE (taken integer, failed integer, more boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    j public.jobs;
    job_fn regproc;
    started timestamptz;
    batch_started timestamptz := clock_timestamp();
    err text;
    outcome text;
BEGIN
    taken := 0;
    failed := 0;
    more := false;
    PERFORM set_config('liaison.actor', 'scheduler', true),
            set_config('liaison.source', 'scheduler', true);
    FOR j IN SELECT * FROM public.jobs WHERE done_at IS NULL AND run_at <= public.liaison_now()
             ORDER BY run_at LIMIT p_limit FOR UPDATE SKIP LOCKED LOOP
        IF clock_timestamp() - batch_started > make_interval(secs => p_budget_ms / 1000.0) THEN
            more := true;
            EXIT;
        END IF;
        taken := taken + 1;
        started := clock_timestamp();
        -- Done first: the function may schedule its own next run under the same key.
        UPDATE public.jobs SET done_at = public.liaison_now(), attempts = attempts + 1,
                               last_error = NULL
         WHERE id = j.id;
        PERFORM public.liaison_context_set(j.for_tenant, NULL, NULL, NULL, NULL, false);
        PERFORM set_config('liaison.request_id', 'job-' || j.id, true);
        err := NULL;
        SELECT k.fn INTO job_fn FROM public.job_kinds k WHERE k.kind = j.kind;
        BEGIN
            IF job_fn IS NULL THEN
                RAISE EXCEPTION 'no function is registered for job kind %', j.kind;
            END IF;
            EXECUTE format('SELECT %s($1)', job_fn) USING j.payload;
        EXCEPTION WHEN OTHERS THEN
            err := left(SQLERRM, 2000);
        END;
        PERFORM public.liaison_context_set(NULL, NULL, NULL, NULL, NULL, false);
        PERFORM set_config('liaison.request_id', '', true);
        IF err IS NULL THEN
            outcome := 'done';
        ELSIF j.attempts + 1 >= public.liaison_job_max_attempts() THEN
            outcome := 'failed';
            UPDATE public.jobs SET last_error = err, failed_at = public.liaison_now()
             WHERE id = j.id;
        ELSE
            outcome := 'retry';
            UPDATE public.jobs
               SET done_at = NULL, last_error = err,
                   run_at = public.liaison_now() + public.liaison_job_backoff(j.attempts + 1)
             WHERE id = j.id;
        END IF;
        IF err IS NOT NULL THEN
            failed := failed + 1;
        END IF;
        INSERT INTO public.job_runs (job_id, for_tenant, kind, instance, attempt, started_at,
                                     finished_at, outcome, error)
        VALUES (j.id, j.for_tenant, j.kind, left(p_instance, 200), j.attempts + 1, started,
                clock_timestamp(), outcome, err);
    END LOOP;
    IF taken >= p_limit THEN
        more := true;
    END IF;
    RETURN NEXT;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        REVOKE ALL ON liaison_wall_key FROM liaison_app;
        REVOKE ALL ON FUNCTION liaison_context_set(bigint, bigint, text, bigint, boolean,
                                                   boolean) FROM liaison_app;
        GRANT EXECUTE ON FUNCTION liaison_context_message(), liaison_context_valid(),
            liaison_tenant(), liaison_is_operator(), liaison_distributor_scope(),
            liaison_auth(bigint, text), liaison_auth(bigint, text, bigint, text, text, text),
            liaison_auth_operator(text, bigint, text, text, text),
            liaison_auth_operator_certificate(text, bigint, text, text, text),
            liaison_operator_bind(bigint), liaison_login_user(bigint, text),
            liaison_login(bigint, bigint, text, bytea, integer, bytea),
            liaison_session_by_token(bigint, text),
            liaison_login_locked_audit(bigint, text, text) TO liaison_app;
    END IF;
END $$;
