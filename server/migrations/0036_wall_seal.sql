-- The tenant wall at full speed: a context is verified once per transaction.
--
-- Migration 0026 recomputed the context's HMAC in every policy of every
-- statement (a SECURITY DEFINER PL/pgSQL call, two SHA-256 and a read of
-- the key table each), which halved read throughput. Now the one writer of
-- a context, liaison_context_set(), is the liaison_wall extension's
-- liaison_wall_set() (server/wall): it writes the settings and seals them,
-- a copy in this backend's memory that only the extension's owner may make
-- and that is dropped when the transaction ends (or the subtransaction
-- that made it aborts). liaison_context_valid() compares the settings with
-- that copy. Changing any setting by hand still breaks the context; a
-- context copied from another transaction, even one sent in the same
-- simple-query message, is not believed. liaison.context_mac keeps its
-- name and holds a random value of each seal; the MAC and its key
-- (liaison_wall_key, kept unreadable) are no longer used.

CREATE EXTENSION IF NOT EXISTS liaison_wall;

-- Callers are the owner's functions only, as before (no grant); plain SQL,
-- so that it is inlined into them.
CREATE OR REPLACE FUNCTION liaison_context_set(p_tenant bigint, p_user bigint, p_role text,
                                               p_distributor bigint, p_sees_all boolean,
                                               p_operator boolean) RETURNS void
LANGUAGE sql VOLATILE AS $$
    SELECT public.liaison_wall_set(p_tenant, p_user, p_role, p_distributor, p_sees_all,
                                   p_operator)
$$;

-- Plain SQL, so that it is inlined into the readers and the policies'
-- InitPlans: one C call that compares seven strings.
CREATE OR REPLACE FUNCTION liaison_context_valid() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT public.liaison_wall_valid()
$$;
DROP FUNCTION IF EXISTS liaison_context_message();

-- ---------- Leads and interactions: the distributor scope in the database ----------

-- Deal registration's protection window: the earliest registration of
-- account p_account, by a distributor other than p_distributor, that still
-- protects it at p_now. The owner's, so that a distributor user's
-- registration weighs other distributors' leads, which the policy below
-- hides from it, and learns only their date.
CREATE OR REPLACE FUNCTION liaison_lead_protected_since(p_account bigint, p_distributor bigint,
                                                        p_now timestamptz) RETURNS timestamptz
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT min(l.registered_at) FROM public.leads l
     WHERE l.tenant_id = public.liaison_tenant() AND l.key_account_id = p_account
       AND l.distributor_id IS DISTINCT FROM p_distributor
       AND l.registration IN ('accepted', 'approved')
       AND l.registered_at > p_now - public.liaison_deal_protection_days() * interval '1 day'
$$;

-- As in 0020, with the window read through the function above.
CREATE OR REPLACE FUNCTION liaison_lead_register(
    p_distributor bigint, p_name text, p_country text, p_region text, p_industry text,
    p_title text, p_value bigint, p_currency text, p_close date, p_lines bigint[], p_owner bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    acc bigint;
    region text := coalesce(nullif(p_region, ''), p_country);
    held timestamptz;
    days integer;
    flags text[];
    lead bigint;
    now_ timestamptz := liaison_now();
BEGIN
    PERFORM liaison_found(liaison_sees_side(p_distributor), 'no such distributor');
    PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM unnest(p_lines) l WHERE NOT EXISTS (
        SELECT 1 FROM product_lines pl WHERE pl.tenant_id = liaison_tenant() AND pl.id = l)),
        'productLineIds', 'no such product line in this tenant');
    INSERT INTO key_accounts (tenant_id, name, country, region, industry, distributor_id)
    VALUES (liaison_tenant(), p_name, p_country, coalesce(p_region, ''), coalesce(p_industry, ''),
            p_distributor)
    ON CONFLICT (tenant_id, lower(name), country) DO NOTHING;
    SELECT a.id INTO acc FROM key_accounts a
     WHERE a.tenant_id = liaison_tenant() AND lower(a.name) = lower(p_name)
       AND a.country = p_country FOR UPDATE;
    IF p_distributor IS NOT NULL THEN
        days := liaison_deal_protection_days();
        held := liaison_lead_protected_since(acc, p_distributor, now_);
        PERFORM liaison_unique(held IS NULL, format(
            'this account was registered by another distributor on %s and is protected until %s',
            to_char(held AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
            to_char((held + days * interval '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD')));
        flags := liaison_deal_flags(p_distributor, p_name, p_country, region, p_lines);
    END IF;
    INSERT INTO leads (tenant_id, distributor_id, key_account_id, title, value_minor, currency,
                       expected_close, owner_id, product_line_ids, region, registered_at,
                       registration, flags, created_by, created_at)
    VALUES (liaison_tenant(), p_distributor, acc, p_title, p_value, p_currency, p_close, p_owner,
            p_lines, region, CASE WHEN p_distributor IS NOT NULL THEN now_ END,
            CASE WHEN p_distributor IS NULL THEN NULL
                 WHEN cardinality(flags) = 0 THEN 'accepted' ELSE 'flagged' END,
            coalesce(flags, '{}'), liaison_request_setting('actor'), now_)
    RETURNING id INTO lead;
    -- The statement that answers reads the lead by this, after the call.
    PERFORM set_config('liaison.created_id', lead::text, true);
    PERFORM liaison_audit(CASE WHEN p_distributor IS NULL THEN 'lead.create'
                               ELSE 'lead.register' END, 'lead', lead::text);
    RETURN lead;
END $$;

-- ---------- Jobs: queued by the owner's functions, for the caller's own tenant ----------

-- As in 0014, the owner's: liaisond's role no longer writes jobs itself, so
-- a job is queued only for the tenant of a context the database made.
CREATE OR REPLACE FUNCTION liaison_schedule(p_kind text, p_key text, p_run_at timestamptz,
                                            p_payload jsonb) RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    INSERT INTO public.jobs (for_tenant, kind, key, payload, run_at)
    VALUES (public.liaison_tenant(), p_kind, p_key, coalesce(p_payload, '{}'), p_run_at)
    ON CONFLICT ((coalesce(for_tenant, 0)), kind, key) WHERE done_at IS NULL
    DO UPDATE SET run_at = EXCLUDED.run_at, payload = EXCLUDED.payload
    RETURNING id
$$;

CREATE OR REPLACE FUNCTION liaison_unschedule(p_kind text, p_key text, p_reason text)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    WITH u AS (UPDATE public.jobs SET done_at = public.liaison_now(), last_error = p_reason
                WHERE coalesce(for_tenant, 0) = coalesce(public.liaison_tenant(), 0)
                  AND kind = p_kind AND key = p_key AND done_at IS NULL RETURNING 1)
    SELECT count(*) > 0 FROM u
$$;

-- The two idempotency claims queue their key's prune themselves.
ALTER FUNCTION liaison_idempotency_claim(text, text, bytea)
    SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION liaison_request_key_claim(text, text, bytea)
    SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;

DO $$
DECLARE t text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        RETURN;
    END IF;
    FOREACH t IN ARRAY ARRAY['leads', 'interactions'] LOOP
        EXECUTE format('DROP POLICY IF EXISTS distributor_scope ON %I', t);
        EXECUTE format('CREATE POLICY distributor_scope ON %I AS RESTRICTIVE TO liaison_app'
                       ' USING ((SELECT liaison_distributor_scope()) IN (0, distributor_id))',
                       t);
    END LOOP;
    GRANT EXECUTE ON FUNCTION liaison_lead_protected_since(bigint, bigint, timestamptz)
        TO liaison_app;
    -- Reading stays: the operators' job list, and the claims' look for a pending prune.
    REVOKE INSERT, UPDATE, DELETE ON jobs FROM liaison_app;
END $$;
