-- Idempotency keys for every create RPC (issue 14): a key carried in the
-- request's Frame (Frame.idempotency_key) names one creation in its scope
-- for at least 24 hours. The scope is the tenant for a tenant's callers
-- and the operator (its actor, "operator:NAME") for operator creates
-- (CreateTenant), which have no tenant. request_hash is SHA-256 of the
-- method and the request (server/idempotency.c says which fields count);
-- response the encoded response message the first request answered, so
-- that a repeat answers the same bytes. The key row is written by the
-- creation's own transaction (a refused creation leaves no key); the
-- response by the next one, right after it committed and before the
-- caller is answered: in between (response NULL) the key is in flight.
-- PlaceOrder.idempotency_key (0022's idempotency_keys) is separate and
-- keeps its own rules.
CREATE TABLE IF NOT EXISTS request_keys (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY, -- every tenant table has one (ExportTenant pages by it)
    key text NOT NULL CHECK (octet_length(key) BETWEEN 1 AND 255),
    method text NOT NULL CHECK (method ~ '^[A-Z][A-Za-z]{0,62}$'),
    request_hash bytea NOT NULL,
    request_id text NOT NULL,
    response bytea,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, key)
);
CREATE INDEX IF NOT EXISTS request_keys_created ON request_keys (tenant_id, created_at);

ALTER TABLE request_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE request_keys FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON request_keys;
CREATE POLICY tenant_isolation ON request_keys USING (tenant_id = liaison_tenant())
    WITH CHECK (tenant_id = liaison_tenant());

-- Operators' keys: platform data like operators and jobs (no tenant), read
-- and written only through the functions below.
CREATE TABLE IF NOT EXISTS operator_request_keys (
    actor text NOT NULL CHECK (actor ~ '^operator:'),
    key text NOT NULL CHECK (octet_length(key) BETWEEN 1 AND 255),
    method text NOT NULL CHECK (method ~ '^[A-Z][A-Za-z]{0,62}$'),
    request_hash bytea NOT NULL,
    request_id text NOT NULL,
    response bytea,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (actor, key)
);
CREATE INDEX IF NOT EXISTS operator_request_keys_created ON operator_request_keys (created_at);

-- The scope of the transaction's caller: NULL for a tenant's (the tenant
-- is liaison_tenant()), the operator's actor otherwise.
CREATE OR REPLACE FUNCTION liaison_request_key_scope() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN liaison_tenant() IS NULL THEN liaison_request_setting('actor') END
$$;

-- Claims p_key for this transaction's request, before its creation runs in
-- the same transaction. Returns when the key is new. Otherwise raises, so
-- that nothing of the creation runs: LSK00 when the same request already
-- finished (the server then answers its stored response), LSK10 when the
-- first is still in flight (ABORTED: a concurrent duplicate is not waited
-- for), and LS422 on idempotencyKey when the key was used for another
-- request. A claim whose answer never came for five minutes (far past
-- any request's deadline: its server died between the creation's commit
-- and storing the answer) raises LS412: the creation was made -- the
-- claim commits only with it -- but its answer is lost.
CREATE OR REPLACE FUNCTION liaison_request_key_claim(p_method text, p_key text, p_hash bytea)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    t bigint := liaison_tenant();
    scope text := liaison_request_key_scope();
    prior_hash bytea;
    prior_done boolean;
    prior_at timestamptz;
BEGIN
    IF NOT pg_try_advisory_xact_lock(
            hashtextextended(coalesce(t::text, scope) || ' ' || p_key, 1424)) THEN
        RAISE EXCEPTION 'a request with this idempotency key is in progress; try again shortly'
            USING ERRCODE = 'LSK10';
    END IF;
    IF t IS NOT NULL THEN
        SELECT k.request_hash, k.response IS NOT NULL, k.created_at
          INTO prior_hash, prior_done, prior_at
          FROM request_keys k WHERE k.tenant_id = t AND k.key = p_key;
    ELSE
        SELECT k.request_hash, k.response IS NOT NULL, k.created_at
          INTO prior_hash, prior_done, prior_at
          FROM operator_request_keys k WHERE k.actor = scope AND k.key = p_key;
    END IF;
    IF FOUND THEN
        PERFORM liaison_check(prior_hash = p_hash, 'idempotencyKey',
                              'this key was used for another request in the last 24 hours');
        IF prior_done THEN
            RAISE EXCEPTION 'the request with this idempotency key was done already'
                USING ERRCODE = 'LSK00';
        END IF;
        IF prior_at < liaison_now() - interval '5 minutes' THEN
            RAISE EXCEPTION USING ERRCODE = 'LS412', MESSAGE = 'the request with this '
                || 'idempotency key was carried out, but its answer was lost: read to find it';
        END IF;
        RAISE EXCEPTION 'a request with this idempotency key is in progress; try again shortly'
            USING ERRCODE = 'LSK10';
    END IF;
    IF t IS NOT NULL THEN
        INSERT INTO request_keys (tenant_id, key, method, request_hash, request_id, created_at)
        VALUES (t, p_key, p_method, p_hash, liaison_request_setting('request_id'), liaison_now());
    ELSE
        INSERT INTO operator_request_keys (actor, key, method, request_hash, request_id,
                                           created_at)
        VALUES (scope, p_key, p_method, p_hash, liaison_request_setting('request_id'),
                liaison_now());
    END IF;
    -- One pending prune per scope (the platform's for operators); it
    -- reschedules itself while keys remain.
    INSERT INTO public.jobs (for_tenant, kind, key, run_at)
    VALUES (t, 'idempotency_prune', '', liaison_now() + interval '24 hours')
    ON CONFLICT ((coalesce(for_tenant, 0)), kind, key) WHERE done_at IS NULL DO NOTHING;
END $$;

-- Records what the request that claimed p_key answered. True when its
-- claim was found still waiting for it.
CREATE OR REPLACE FUNCTION liaison_request_key_store(p_key text, p_response bytea)
RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rid text := liaison_request_setting('request_id');
BEGIN
    IF liaison_tenant() IS NOT NULL THEN
        UPDATE request_keys k SET response = p_response
         WHERE k.tenant_id = liaison_tenant() AND k.key = p_key AND k.request_id = rid
           AND k.response IS NULL;
    ELSE
        UPDATE operator_request_keys k SET response = p_response
         WHERE k.actor = liaison_request_key_scope() AND k.key = p_key AND k.request_id = rid
           AND k.response IS NULL;
    END IF;
    RETURN FOUND;
END $$;

-- The stored response of p_key in the caller's scope (NULL: none).
CREATE OR REPLACE FUNCTION liaison_request_key_response(p_key text) RETURNS bytea
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT k.response FROM request_keys k
          WHERE liaison_tenant() IS NOT NULL AND k.tenant_id = liaison_tenant() AND k.key = p_key),
        (SELECT k.response FROM operator_request_keys k
          WHERE liaison_tenant() IS NULL AND k.actor = liaison_request_key_scope()
            AND k.key = p_key))
$$;

-- The job (0022's kind, now for both kinds of key): forgets the scope's
-- keys older than 24 hours -- a tenant's (with PlaceOrder's own), or, run
-- without a tenant, the operators' -- and comes back when the oldest
-- remaining one is due.
CREATE OR REPLACE FUNCTION liaison_idempotency_prune(p_payload jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    oldest timestamptz;
BEGIN
    IF liaison_tenant() IS NULL THEN
        DELETE FROM operator_request_keys k
         WHERE k.created_at <= liaison_now() - interval '24 hours';
        SELECT min(k.created_at) INTO oldest FROM operator_request_keys k;
    ELSE
        DELETE FROM idempotency_keys k
         WHERE k.tenant_id = liaison_tenant() AND k.created_at <= liaison_now() - interval '24 hours';
        DELETE FROM request_keys k
         WHERE k.tenant_id = liaison_tenant() AND k.created_at <= liaison_now() - interval '24 hours';
        SELECT least((SELECT min(k.created_at) FROM idempotency_keys k
                       WHERE k.tenant_id = liaison_tenant()),
                     (SELECT min(k.created_at) FROM request_keys k
                       WHERE k.tenant_id = liaison_tenant()))
          INTO oldest;
    END IF;
    IF oldest IS NOT NULL THEN
        PERFORM liaison_schedule('idempotency_prune', '', oldest + interval '24 hours', p_payload);
    END IF;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON request_keys, operator_request_keys
            TO liaison_app;
        GRANT EXECUTE ON FUNCTION liaison_request_key_scope(),
            liaison_request_key_claim(text, text, bytea), liaison_request_key_store(text, bytea),
            liaison_request_key_response(text), liaison_idempotency_prune(jsonb) TO liaison_app;
    END IF;
END $$;
