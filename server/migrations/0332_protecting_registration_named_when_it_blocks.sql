-- 0326 named to staff the earliest protecting registration they could see,
-- beside the date of the earliest of all (a review): a manager who does not
-- see the distributor whose registration blocks, but sees a later one, was
-- shown that date with the other lead. Only the registration that blocks is
-- named now, and only to staff who see its distributor; others are told the
-- date alone, as before 0326.
--
-- Replaces liaison_customer_holder (0326) whole but for that.

CREATE OR REPLACE FUNCTION liaison_customer_holder(p_name text, p_country text,
                                                   p_distributor bigint, p_now timestamptz)
RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT format('lead %s, of distributor %s (%s)', l.id, d.id, d.name)
      FROM public.key_accounts a
      JOIN public.leads l ON l.tenant_id = a.tenant_id AND l.key_account_id = a.id
      JOIN public.distributors d ON d.tenant_id = l.tenant_id AND d.id = l.distributor_id
     WHERE a.tenant_id = public.liaison_tenant()
       AND public.liaison_name_key(a.name) = public.liaison_name_key(p_name)
       AND a.country = p_country
       AND l.distributor_id IS DISTINCT FROM p_distributor
       AND l.registration IN ('accepted', 'approved')
       AND l.stage <> 'lost'
       AND l.registered_at > p_now - public.liaison_deal_protection_days() * interval '1 day'
       AND l.registered_at = public.liaison_customer_protected_since(p_name, p_country,
                                                                     p_distributor, p_now)
       AND d.status <> 'terminated'
       AND public.liaison_sees_side(d.id)
     ORDER BY l.registered_at, l.id
     LIMIT 1
$$;
