-- One customer, one name however it is typed (found in a try-out): deal
-- protection compared names by lower() alone, so another distributor
-- registered a protected customer, accepted and unflagged, by typing its
-- name decomposed (NFD, as some keyboards send Vietnamese), with a leading
-- space or with two spaces between words; carve-outs missed such names the
-- same way, and one side could hold two accounts of one customer. A key
-- account's name is now stored trimmed, its runs of white space one
-- space, in Unicode NFC; every comparison of customer names goes through
-- liaison_name_key() (that, in lower case), and the carve-out flag, which
-- ran as its caller and so could not see another distributor's charter (a
-- distributor user read "no" where staff read "yes", and where the
-- registration itself was flagged carve_out), runs as the owner like the
-- deal flags. Needs a UTF8 database, as every cluster liaison makes is.

-- A customer name as stored: each run of white space one space (tabs, line
-- breaks and the Unicode spaces request_check_text() counts, which \s
-- alone does not match in every locale), trimmed, NFC.
CREATE OR REPLACE FUNCTION liaison_name_clean(p text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT normalize(btrim(regexp_replace(
               p, '[\s\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\ufeff]+', ' ', 'g')), NFC)
$$;

-- What two customer names are compared by: the clean name in lower case.
CREATE OR REPLACE FUNCTION liaison_name_key(p text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT lower(liaison_name_clean(p))
$$;

CREATE OR REPLACE FUNCTION liaison_key_account_name_clean() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.name := liaison_name_clean(NEW.name);
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS key_accounts_name_clean ON key_accounts;
CREATE TRIGGER key_accounts_name_clean BEFORE INSERT OR UPDATE OF name ON key_accounts
    FOR EACH ROW EXECUTE FUNCTION liaison_key_account_name_clean();

-- Names stored before: cleaned, every tenant's (row-level security lifted
-- for the statement). Of several accounts of one side whose names clean to
-- one name, the one already clean, else the oldest, takes it; the others
-- stay as they are rather than fail the migration, and are still found by
-- their key, which every comparison below uses.
ALTER TABLE key_accounts NO FORCE ROW LEVEL SECURITY;
UPDATE key_accounts a SET name = liaison_name_clean(a.name)
 WHERE a.name <> liaison_name_clean(a.name)
   AND NOT EXISTS (SELECT 1 FROM key_accounts b
                    WHERE b.tenant_id = a.tenant_id AND b.id <> a.id
                      AND coalesce(b.distributor_id, 0) = coalesce(a.distributor_id, 0)
                      AND b.country = a.country
                      AND liaison_name_key(b.name) = liaison_name_key(a.name)
                      AND (b.name = liaison_name_clean(b.name) OR b.id < a.id));
ALTER TABLE key_accounts FORCE ROW LEVEL SECURITY;

-- The customer across sides by its key: deal protection's look-up.
CREATE INDEX IF NOT EXISTS key_accounts_customer_key
    ON key_accounts (tenant_id, liaison_name_key(name), country);

CREATE OR REPLACE FUNCTION liaison_customer_lock_key(p_tenant bigint, p_name text, p_country text)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT hashtextextended(format('customer:%s:%s:%s', p_tenant, liaison_name_key(p_name),
                                   p_country), 63)
$$;

CREATE OR REPLACE FUNCTION liaison_customer_protected_since(p_name text, p_country text,
                                                            p_distributor bigint,
                                                            p_now timestamptz)
RETURNS timestamptz
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT min(l.registered_at)
      FROM public.key_accounts a
      JOIN public.leads l ON l.tenant_id = a.tenant_id AND l.key_account_id = a.id
     WHERE a.tenant_id = public.liaison_tenant()
       AND public.liaison_name_key(a.name) = public.liaison_name_key(p_name)
       AND a.country = p_country
       AND l.distributor_id IS DISTINCT FROM p_distributor
       AND l.registration IN ('accepted', 'approved')
       AND l.registered_at > p_now - public.liaison_deal_protection_days() * interval '1 day'
$$;

CREATE OR REPLACE FUNCTION liaison_side_account(p_distributor bigint, p_name text,
                                                p_country text, p_region text,
                                                p_industry text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    acc bigint;
BEGIN
    INSERT INTO key_accounts (tenant_id, name, country, region, industry, distributor_id)
    VALUES (liaison_tenant(), p_name, p_country, coalesce(p_region, ''),
            coalesce(p_industry, ''), p_distributor)
    ON CONFLICT (tenant_id, (coalesce(distributor_id, 0)), lower(name), country) DO NOTHING;
    SELECT a.id INTO acc FROM key_accounts a
     WHERE a.tenant_id = liaison_tenant() AND coalesce(a.distributor_id, 0) = coalesce(p_distributor, 0)
       AND liaison_name_key(a.name) = liaison_name_key(p_name) AND a.country = p_country
     ORDER BY a.id LIMIT 1;
    RETURN acc;
END $$;

-- As in 0020, by the name key, and as the owner: whether an account is a
-- carve-out is one answer for every reader (it says no more than the
-- registration's own carve_out flag does).
CREATE OR REPLACE FUNCTION liaison_account_carved_out(p_name text, p_country text, p_region text)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM public.charter_carve_outs o
          JOIN public.charters c ON c.tenant_id = o.tenant_id AND c.id = o.charter_id
         WHERE o.tenant_id = public.liaison_tenant() AND c.status = 'active'
           AND public.liaison_name_key(o.account_name) = public.liaison_name_key(p_name)
           AND (o.region = '' OR public.liaison_regions_overlap(o.region,
                                                                coalesce(nullif(p_region, ''),
                                                                         p_country))))
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_name_clean(text), liaison_name_key(text)
            TO liaison_app;
    END IF;
END $$;
