-- Two registrations made at the same instant (a frozen test clock, or one
-- transaction's now()) each counted as before the other in 0323's rule, so
-- the first registrant was flagged `similar_protected` on its own customer
-- by the second. The order of registration now breaks the tie: of two
-- registrations at one instant, the one recorded first came first.
--
-- Replaces liaison_customer_near_protected (0323) whole but for that.

CREATE OR REPLACE FUNCTION liaison_customer_near_protected(p_name text, p_country text,
                                                           p_distributor bigint,
                                                           p_now timestamptz)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    WITH protecting AS (
        SELECT l.distributor_id, l.registered_at, l.id
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
                              AND (m.registered_at, m.id) < (o.registered_at, o.id)))
$$;
