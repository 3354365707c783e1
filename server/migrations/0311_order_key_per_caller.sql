-- PlaceOrder's own idempotencyKey answered any caller of the tenant who
-- sent the same request with it (an attack try-out): a manager repeating a
-- distributor user's order got that order back. The frame's key
-- (request_keys, idempotency.c) answers only the caller who made it; the
-- body's key now does the same: the caller (the user, through a session or
-- an API token of its own) is part of the request's hash, so another
-- caller's same key is "used for another request, or by another caller"
-- (INVALID_ARGUMENT), as the frame's key is refused. Keys stay one per tenant, as the frame's are: a
-- caller who knows another's key learns that it was used and may take it
-- first, which random keys (the CLI's and the library's) keep out of reach.
--
-- Replaces liaison_idempotency_claim (0022, SECURITY DEFINER since 0036)
-- whole but for that; a key claimed before keeps its hash, so a retry
-- across the upgrade is refused rather than answered (within 24 hours).

CREATE OR REPLACE FUNCTION liaison_idempotency_claim(p_method text, p_key text, p_hash bytea)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    kid bigint;
    prior public.idempotency_keys%ROWTYPE;
    -- The caller: its actor is 'user:N e-mail' or 'token:N name', N the user's id, whatever
    -- its e-mail or the token's name is now.
    hash bytea := sha256(p_hash || convert_to(coalesce(substring(
        public.liaison_request_setting('actor') FROM '^(?:user|token):([0-9]{1,18})(?: |$)'),
        public.liaison_request_setting('actor')), 'UTF8'));
BEGIN
    INSERT INTO public.idempotency_keys (tenant_id, key, method, request_hash, created_at)
    VALUES (public.liaison_tenant(), p_key, p_method, hash, public.liaison_now())
    ON CONFLICT (tenant_id, method, key) DO NOTHING RETURNING id INTO kid;
    IF kid IS NOT NULL THEN
        -- One pending prune per tenant; it reschedules itself while keys remain.
        IF NOT EXISTS (SELECT 1 FROM public.jobs j WHERE j.for_tenant = public.liaison_tenant()
                          AND j.kind = 'idempotency_prune' AND j.key = '' AND j.done_at IS NULL) THEN
            INSERT INTO public.jobs (for_tenant, kind, key, run_at)
            VALUES (public.liaison_tenant(), 'idempotency_prune', '',
                    public.liaison_now() + interval '24 hours')
            ON CONFLICT ((coalesce(for_tenant, 0)), kind, key) WHERE done_at IS NULL DO NOTHING;
        END IF;
        RETURN NULL;
    END IF;
    SELECT * INTO prior FROM public.idempotency_keys k
     WHERE k.tenant_id = public.liaison_tenant() AND k.method = p_method AND k.key = p_key;
    PERFORM public.liaison_check(prior.request_hash = hash, 'idempotencyKey',
                                 'this key was used for another request, or by another caller,'
                                 ' in the last 24 hours');
    RETURN prior.created_id;
END $$;
