-- The tenant wall at full speed: a context is verified once per transaction.
--
-- Migration 0026 recomputed the context's HMAC in every policy of every
-- statement (a SECURITY DEFINER PL/pgSQL call, two SHA-256 and a read of
-- the key table each), which halved read throughput. Now the one writer of
-- a context, liaison_context_set(), seals the settings it has just written
-- with the liaison_wall extension (server/wall): a copy in this backend's
-- memory, which only the extension's owner may make and which is dropped
-- when the transaction ends (or the subtransaction that made it aborts).
-- liaison_context_valid() compares the settings with that copy. Changing
-- any setting by hand still breaks the context; a context copied from
-- another transaction, even one sent in the same simple-query message, is
-- not believed. The MAC is still written (and sealed with the rest), so
-- the settings look as they did.

CREATE EXTENSION IF NOT EXISTS liaison_wall;

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
    PERFORM public.liaison_wall_seal();
END $$;

-- Plain SQL, so that it is inlined into the readers and the policies'
-- InitPlans: one C call that compares seven strings.
CREATE OR REPLACE FUNCTION liaison_context_valid() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT public.liaison_wall_valid()
$$;
