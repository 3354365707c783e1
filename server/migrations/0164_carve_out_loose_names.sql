-- A carve-out missed by typing (found in a try-out): the exporter carved
-- out "Cà Phê Sài Gòn" for itself, and a distributor registered "Ca Phe
-- Sai Gon", as Vietnamese is often typed without its marks, then
-- "CaPhe-SaiGon", each accepted without the carve_out flag. Whether an
-- account is carved out is now decided on a looser key than the one that
-- keeps customer names apart (liaison_name_key, unchanged, since two
-- accounts "Hòa Phát" and "Hoa Phat" may be two customers): that key
-- without its combining marks (đ as d) and without spaces and ASCII
-- punctuation, which NFKC has already made of the full-width ones. A name
-- of nothing but those compares by liaison_name_key. The flag sends the
-- deal to the exporter for a decision, so a near name flagged by mistake
-- costs a review, where one missed cost the account.
-- Replaces liaison_account_carved_out (0071), otherwise unchanged.

CREATE OR REPLACE FUNCTION liaison_name_loose(p text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(nullif(regexp_replace(
               translate(normalize(public.liaison_name_key(p), NFD), 'đ', 'd'),
               '[\u0300-\u036f[:space:][:punct:]]', '', 'g'), ''),
           public.liaison_name_key(p))
$$;

CREATE OR REPLACE FUNCTION liaison_account_carved_out(p_name text, p_country text, p_region text)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM public.charter_carve_outs o
          JOIN public.charters c ON c.tenant_id = o.tenant_id AND c.id = o.charter_id
         WHERE o.tenant_id = public.liaison_tenant() AND c.status = 'active'
           AND public.liaison_name_loose(o.account_name) = public.liaison_name_loose(p_name)
           AND (o.region = '' OR public.liaison_regions_overlap(o.region,
                                                                coalesce(nullif(p_region, ''),
                                                                         p_country))))
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_name_loose(text) TO liaison_app;
    END IF;
END $$;
