-- The operator-certificate door asks for a proof (issue 14). liaisond's TLS
-- verifies an operator's client certificate, and the database never sees
-- the handshake, so until now liaison_auth_operator_certificate() believed
-- whoever called it: SQL injected through liaisond's role could name any
-- operator and see every tenant. Now the caller must also give a key that
-- only liaisond's process holds (derived from its TLS private key, which
-- the database never has). liaisond registers the key's hash at start
-- through the owner's connection; liaisond's role can neither read nor
-- write the hashes.
CREATE TABLE IF NOT EXISTS operator_certificate_keys (
    key_hash bytea PRIMARY KEY CHECK (length(key_hash) = 32),
    first_registered_at timestamptz NOT NULL DEFAULT now(),
    last_registered_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON operator_certificate_keys FROM PUBLIC;

-- The old signature is the hole itself: dropped, not left beside the new one.
DROP FUNCTION IF EXISTS liaison_auth_operator_certificate(text, bigint, text, text, text);

CREATE OR REPLACE FUNCTION liaison_auth_operator_certificate(p_name text, p_key text,
                                                             p_deadline_us bigint,
                                                             p_actor text, p_request_id text,
                                                             p_source text)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.liaison_request(p_deadline_us, p_actor, p_request_id, p_source);
    PERFORM public.liaison_context_set(NULL, NULL, NULL, NULL, NULL, false);
    PERFORM 1 FROM public.operator_certificate_keys k
     WHERE k.key_hash = sha256(convert_to(coalesce(p_key, ''), 'UTF8'));
    IF NOT FOUND THEN
        RAISE EXCEPTION 'operator certificate key not registered'
              USING ERRCODE = 'LS401',
                    HINT = 'liaisond registers its key at start through migrate_database_url';
    END IF;
    PERFORM 1 FROM public.operators o WHERE o.name = p_name AND o.revoked_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'operator token revoked' USING ERRCODE = 'LS401';
    END IF;
    PERFORM public.liaison_context_set(NULL, NULL, NULL, NULL, NULL, true);
END $$;
REVOKE ALL ON FUNCTION liaison_auth_operator_certificate(text, text, bigint, text, text, text)
    FROM PUBLIC;

-- Registers (or refreshes) a key's hash. The owner's: liaisond calls it at
-- start on the migration connection. Keys of TLS private keys that no
-- process has presented for 400 days are dropped, so rotations do not pile
-- up.
CREATE OR REPLACE FUNCTION liaison_operator_certificate_key_register(p_key text) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    DELETE FROM public.operator_certificate_keys
     WHERE last_registered_at < now() - interval '400 days';
    INSERT INTO public.operator_certificate_keys (key_hash)
    VALUES (sha256(convert_to(p_key, 'UTF8')))
    ON CONFLICT (key_hash) DO UPDATE SET last_registered_at = now();
$$;
REVOKE ALL ON FUNCTION liaison_operator_certificate_key_register(text) FROM PUBLIC;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        REVOKE ALL ON operator_certificate_keys FROM liaison_app;
        GRANT EXECUTE ON FUNCTION
            liaison_auth_operator_certificate(text, text, bigint, text, text, text)
            TO liaison_app;
    END IF;
END $$;
