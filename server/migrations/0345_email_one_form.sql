-- One address as two users (an attacker's try-out): the NFC and NFD forms
-- of "hồng@demo.example" were accepted as two users, a user created with
-- the decomposed form could not log in typing the address (NFC, as most
-- keyboards give it), and full-width "ＡＤＭＩＮ@demo.example" stood beside
-- admin@demo.example. liaisond now puts every address it is given in NFC,
-- and refuses one in full-width or other compatibility forms
-- (request_check_email); a log-in's address is put in NFC too. An address
-- stored decomposed before this finds its user at log-in by its NFC form,
-- and CreateUser refuses its NFC twin (rpc_user.c). Stored addresses are
-- not rewritten: two users of one address in two forms may exist, and the
-- unique index on lower(email) would refuse the rewrite; of such a pair,
-- the one stored as typed logs in (a tenant admin renames the other).
--
-- Replaces liaison_login_user (0026) whole but for that comparison; its
-- grant stays.

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
         WHERE u.tenant_id = p_tenant
           AND (lower(u.email) = lower(p_email)
                OR (u.email IS NOT NFC NORMALIZED
                    AND lower(normalize(u.email, NFC)) = lower(normalize(p_email, NFC))))
         -- One row, as the caller needs: of two stored in both forms, the
         -- one as typed.
         ORDER BY lower(u.email) = lower(p_email) DESC, u.id
         LIMIT 1;
    PERFORM public.liaison_context_set(NULL, NULL, NULL, NULL, NULL, false);
END $$;
