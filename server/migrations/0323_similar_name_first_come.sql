-- A distributor was flagged on its own customer (a try-out): Đà Nẵng
-- registered "Công ty Vận tải Sông Hàn" first and held it; Saigon then
-- registered "Cong ty Van tai Song Han", flagged as similar and approved by
-- the exporter; Đà Nẵng's next deal for its own customer was then flagged
-- `similar_protected`, "another distributor registered a similarly named
-- customer". Another distributor's similar registration now protects the
-- name only when it came before every registration of the caller's own that
-- still protects such a name: the first registrant is not flagged because of
-- a later one the exporter let through.
--
-- Replaces liaison_customer_near_protected (0278) whole but for that.

CREATE OR REPLACE FUNCTION liaison_customer_near_protected(p_name text, p_country text,
                                                           p_distributor bigint,
                                                           p_now timestamptz)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    WITH protecting AS (
        SELECT l.distributor_id, l.registered_at
          FROM public.key_accounts a
          JOIN public.leads l ON l.tenant_id = a.tenant_id AND l.key_account_id = a.id
         WHERE a.tenant_id = public.liaison_tenant()
           AND a.country = p_country
           AND public.liaison_name_loose(a.name) = public.liaison_name_loose(p_name)
           AND l.registration IN ('accepted', 'approved')
           AND l.stage <> 'lost'
           AND l.registered_at > p_now - public.liaison_deal_protection_days() * interval '1 day'
           AND NOT EXISTS (SELECT 1 FROM public.distributors d
                            WHERE d.tenant_id = l.tenant_id AND d.id = l.distributor_id
                              AND d.status = 'terminated'))
    SELECT EXISTS (
        SELECT 1 FROM protecting o
         WHERE o.distributor_id IS DISTINCT FROM p_distributor
           AND NOT EXISTS (SELECT 1 FROM protecting m
                            WHERE m.distributor_id = p_distributor
                              AND m.registered_at < o.registered_at))
$$;
