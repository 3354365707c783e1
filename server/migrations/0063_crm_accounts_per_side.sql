-- Key accounts per side, and deal flags that say what is true (found in a
-- try-out).
--
-- Accounts. 0020 made one key account per name (any case) and country in
-- a tenant, "so two distributors registering the same customer meet on
-- one row": distributor B's registration of a customer that distributor A
-- had registered (flagged, so not protected) was attached to A's account,
-- and from then on B's user saw A's account (through its own lead), and
-- B's orders and interactions could name it. A distributor user sees its
-- own accounts only (README). Now an account is one side's: a
-- distributor's, or the exporter's own (distributor_id NULL); the name is
-- unique per side. A registration finds or makes its own side's account
-- of the name; the same customer registered by two distributors is two
-- accounts. What made them meet, deal protection, now compares the
-- customer (name in any case and country) across every side's accounts,
-- and two registrations of one customer at once are ordered by a
-- transaction-level advisory lock on the customer instead of the shared
-- row's lock. A lead reassigned to another distributor, or to the
-- exporter, moves to that side's account of the same name (made from the
-- old one's region and industry when it has none). Carve-outs are by name
-- (liaison_account_carved_out), so a distributor's registration of the
-- exporter's carve-out customer is flagged carve_out as before.
--
-- Rows made before this migration: each lead and each distributor's
-- interaction on another side's account, and each distributor's order on
-- another distributor's account, is moved to its own side's account of
-- that name (made from the old one when missing). An order staff recorded
-- for a distributor on the exporter's own account stays there. The
-- owner runs this with row-level security lifted for the statements
-- (liaison_tenant() is unset in a migration), then forced again.
--
-- Deal flags. 0020's outside_lines needed ONE grant to cover every line
-- of the lead (p_lines <@ g.line_ids), so a lead for BRK and FLT, granted
-- in the region by two grants of the same charter, was flagged; and a
-- line granted only elsewhere (SUS in VN-SG, the lead in VN-HN) was
-- called outside the lines when it is outside the territory for that
-- line. Now each line needs some grant in force holding the region; a
-- line that no grant in force holds here is outside_territory when a
-- grant in force holds it elsewhere, outside_lines when none holds it.

CREATE UNIQUE INDEX IF NOT EXISTS key_accounts_side_name
    ON key_accounts (tenant_id, (coalesce(distributor_id, 0)), lower(name), country);
DROP INDEX IF EXISTS key_accounts_name;
-- The customer across sides: deal protection's and the repair's look-up.
CREATE INDEX IF NOT EXISTS key_accounts_customer ON key_accounts (tenant_id, lower(name), country);

-- ---------- the repair of rows made before ----------

ALTER TABLE key_accounts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE leads NO FORCE ROW LEVEL SECURITY;
ALTER TABLE interactions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE orders NO FORCE ROW LEVEL SECURITY;

-- The side each misplaced row belongs on, and the account it is on now.
CREATE TEMPORARY TABLE liaison_0063_moves ON COMMIT DROP AS
SELECT a.tenant_id, x.side, a.id AS account_id
  FROM (SELECT l.tenant_id, l.distributor_id AS side, l.key_account_id AS account_id FROM leads l
        UNION
        SELECT i.tenant_id, i.distributor_id, i.key_account_id FROM interactions i
         WHERE i.distributor_id IS NOT NULL AND i.key_account_id IS NOT NULL
        UNION
        SELECT o.tenant_id, o.distributor_id, o.key_account_id FROM orders o
          JOIN key_accounts k ON k.tenant_id = o.tenant_id AND k.id = o.key_account_id
         WHERE k.distributor_id IS NOT NULL) x
  JOIN key_accounts a ON a.tenant_id = x.tenant_id AND a.id = x.account_id
 WHERE a.distributor_id IS DISTINCT FROM x.side;
INSERT INTO key_accounts (tenant_id, name, country, region, industry, distributor_id, created_at)
SELECT a.tenant_id, a.name, a.country, a.region, a.industry, m.side, a.created_at
  FROM liaison_0063_moves m JOIN key_accounts a ON a.tenant_id = m.tenant_id AND a.id = m.account_id
ON CONFLICT (tenant_id, (coalesce(distributor_id, 0)), lower(name), country) DO NOTHING;
UPDATE leads l SET key_account_id = s.id
  FROM key_accounts a, key_accounts s
 WHERE a.tenant_id = l.tenant_id AND a.id = l.key_account_id
   AND a.distributor_id IS DISTINCT FROM l.distributor_id
   AND s.tenant_id = a.tenant_id AND coalesce(s.distributor_id, 0) = coalesce(l.distributor_id, 0)
   AND lower(s.name) = lower(a.name) AND s.country = a.country;
UPDATE interactions i SET key_account_id = s.id
  FROM key_accounts a, key_accounts s
 WHERE i.distributor_id IS NOT NULL AND a.tenant_id = i.tenant_id AND a.id = i.key_account_id
   AND a.distributor_id IS DISTINCT FROM i.distributor_id
   AND s.tenant_id = a.tenant_id AND s.distributor_id = i.distributor_id
   AND lower(s.name) = lower(a.name) AND s.country = a.country;
UPDATE orders o SET key_account_id = s.id
  FROM key_accounts a, key_accounts s
 WHERE a.tenant_id = o.tenant_id AND a.id = o.key_account_id
   AND a.distributor_id <> o.distributor_id
   AND s.tenant_id = a.tenant_id AND s.distributor_id = o.distributor_id
   AND lower(s.name) = lower(a.name) AND s.country = a.country;

ALTER TABLE key_accounts FORCE ROW LEVEL SECURITY;
ALTER TABLE leads FORCE ROW LEVEL SECURITY;
ALTER TABLE interactions FORCE ROW LEVEL SECURITY;
ALTER TABLE orders FORCE ROW LEVEL SECURITY;

-- ---------- deal protection by customer ----------

-- The lock that orders registrations (and approvals) of one customer: name
-- in any case and country, whichever side's account holds it.
CREATE OR REPLACE FUNCTION liaison_customer_lock_key(p_tenant bigint, p_name text, p_country text)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT hashtextextended(format('customer:%s:%s:%s', p_tenant, lower(p_name), p_country), 63)
$$;

-- As liaison_lead_protected_since (0036), for the customer p_name in
-- p_country on any side's account: the earliest registration by a
-- distributor other than p_distributor that still protects it at p_now.
-- The owner's, so that a distributor user's registration weighs leads the
-- distributor scope hides from it, and learns only their date.
CREATE OR REPLACE FUNCTION liaison_customer_protected_since(p_name text, p_country text,
                                                            p_distributor bigint,
                                                            p_now timestamptz)
RETURNS timestamptz
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT min(l.registered_at)
      FROM public.key_accounts a
      JOIN public.leads l ON l.tenant_id = a.tenant_id AND l.key_account_id = a.id
     WHERE a.tenant_id = public.liaison_tenant() AND lower(a.name) = lower(p_name)
       AND a.country = p_country
       AND l.distributor_id IS DISTINCT FROM p_distributor
       AND l.registration IN ('accepted', 'approved')
       AND l.registered_at > p_now - public.liaison_deal_protection_days() * interval '1 day'
$$;

-- Side p_distributor's account (NULL: the exporter's) of name p_name (any
-- case) in p_country, made with p_region and p_industry when it has none.
-- Returns its id.
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
       AND lower(a.name) = lower(p_name) AND a.country = p_country;
    RETURN acc;
END $$;

-- As in 0036, with the account the side's own and the protection the
-- customer's (see above).
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
    now_ timestamptz;
BEGIN
    PERFORM liaison_found(liaison_sees_side(p_distributor), 'no such distributor');
    PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM unnest(p_lines) l WHERE NOT EXISTS (
        SELECT 1 FROM product_lines pl WHERE pl.tenant_id = liaison_tenant() AND pl.id = l)),
        'productLineIds', 'no such product line in this tenant');
    IF p_distributor IS NOT NULL THEN
        -- Held to the end of the transaction: a registration of the same
        -- customer waits here, and its statements below (each a new
        -- snapshot: this function is VOLATILE) then see this one's lead.
        PERFORM pg_advisory_xact_lock(liaison_customer_lock_key(liaison_tenant(), p_name,
                                                                p_country));
    END IF;
    now_ := liaison_now();
    acc := liaison_side_account(p_distributor, p_name, p_country, p_region, p_industry);
    IF p_distributor IS NOT NULL THEN
        days := liaison_deal_protection_days();
        held := liaison_customer_protected_since(p_name, p_country, p_distributor, now_);
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

-- As in 0020, with approval's protection the customer's (under the same
-- lock as a registration), and a reassigned lead moved to its new side's
-- account of the same name.
CREATE OR REPLACE FUNCTION liaison_lead_decide(p_lead bigint, p_decision text, p_to bigint,
                                               p_note text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    l leads%ROWTYPE;
    acc key_accounts%ROWTYPE;
    held timestamptz;
    moved_to bigint;
BEGIN
    SELECT * INTO l FROM leads x WHERE x.tenant_id = liaison_tenant() AND x.id = p_lead
       AND liaison_sees_side(x.distributor_id) FOR UPDATE;
    PERFORM liaison_found(l.id IS NOT NULL, 'no such lead');
    PERFORM liaison_precondition(l.registration = 'flagged', format(
        'only a flagged registration is decided; this lead''s is %s',
        coalesce(l.registration, 'none (an exporter''s lead)')));
    SELECT * INTO acc FROM key_accounts a WHERE a.tenant_id = l.tenant_id AND a.id = l.key_account_id;
    IF p_decision = 'approve' THEN
        PERFORM pg_advisory_xact_lock(liaison_customer_lock_key(l.tenant_id, acc.name, acc.country));
        held := liaison_customer_protected_since(acc.name, acc.country, l.distributor_id,
                                                 liaison_now());
        PERFORM liaison_precondition(held IS NULL, format(
            'another distributor''s registration of %s protects this account',
            to_char(held AT TIME ZONE 'UTC', 'YYYY-MM-DD')));
    ELSIF p_decision = 'reassign' THEN
        PERFORM liaison_check(p_to IS NULL OR EXISTS (SELECT 1 FROM distributors d
            WHERE d.tenant_id = liaison_tenant() AND d.id = p_to AND d.status <> 'terminated'
              AND liaison_sees_side(d.id)),
            'distributorId', 'no such distributor');
        -- Given to another distributor, the lead is approved there: as an
        -- approval, only while no other distributor's registration protects
        -- the customer.
        IF p_to IS NOT NULL THEN
            PERFORM pg_advisory_xact_lock(liaison_customer_lock_key(l.tenant_id, acc.name,
                                                                    acc.country));
            held := liaison_customer_protected_since(acc.name, acc.country, p_to, liaison_now());
            PERFORM liaison_precondition(held IS NULL, format(
                'another distributor''s registration of %s protects this account',
                to_char(held AT TIME ZONE 'UTC', 'YYYY-MM-DD')));
        END IF;
        moved_to := liaison_side_account(p_to, acc.name, acc.country, acc.region, acc.industry);
    END IF;
    -- Reassigned to the exporter, a lead is no registration any more; to
    -- another distributor, it is that distributor's, approved.
    UPDATE leads x
       SET registration = CASE p_decision WHEN 'approve' THEN 'approved'
                                          WHEN 'reject' THEN 'rejected'
                                          ELSE CASE WHEN p_to IS NULL THEN NULL ELSE 'approved' END
                          END,
           distributor_id = CASE WHEN p_decision = 'reassign' THEN p_to ELSE x.distributor_id END,
           key_account_id = coalesce(moved_to, x.key_account_id),
           registered_at = CASE WHEN p_decision = 'reassign' AND p_to IS NULL THEN NULL
                                ELSE x.registered_at END,
           decided_by = liaison_request_setting('actor'), decided_at = liaison_now(),
           decision_note = coalesce(p_note, '')
     WHERE x.tenant_id = l.tenant_id AND x.id = l.id;
    PERFORM liaison_audit('lead.' || p_decision, 'lead', l.id::text);
    RETURN l.id;
END $$;

-- ---------- deal flags: line by line ----------

-- As in 0020 (and 0026's attributes): why distributor p_distributor's
-- registration of a deal with account p_name in p_region for lines p_lines
-- needs exporter staff. outside_territory: no grant of its active charter
-- in force holds the region, or a line of the lead is held by such a grant
-- elsewhere but by none here; outside_lines: a line of the lead no grant
-- in force holds anywhere (each line may be held by a grant of its own);
-- exclusive_elsewhere: another distributor's exclusive grant holds the
-- region for one of the lines; carve_out: the exporter's own account.
-- Empty: accepted.
CREATE OR REPLACE FUNCTION liaison_deal_flags(p_distributor bigint, p_name text, p_country text,
                                              p_region text, p_lines bigint[]) RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    today date := (public.liaison_now() AT TIME ZONE 'UTC')::date;
    flags text[] := '{}';
    in_region boolean;
    line_elsewhere boolean;
    line_nowhere boolean;
BEGIN
    WITH g AS (
        SELECT g.region, g.all_lines, g.line_ids FROM public.charter_grants g
          JOIN public.charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
         WHERE g.tenant_id = public.liaison_tenant() AND c.distributor_id = p_distributor
           AND c.status = 'active' AND g.starts_on <= today
           AND (g.ends_on IS NULL OR g.ends_on >= today)),
    l AS (
        SELECT EXISTS (SELECT 1 FROM g WHERE public.liaison_region_contains(g.region, p_region)
                          AND (g.all_lines OR x = ANY (g.line_ids))) AS here,
               EXISTS (SELECT 1 FROM g WHERE g.all_lines OR x = ANY (g.line_ids)) AS anywhere
          FROM unnest(p_lines) x)
    SELECT EXISTS (SELECT 1 FROM g WHERE public.liaison_region_contains(g.region, p_region)),
           EXISTS (SELECT 1 FROM l WHERE NOT l.here AND l.anywhere),
           EXISTS (SELECT 1 FROM l WHERE NOT l.anywhere)
      INTO in_region, line_elsewhere, line_nowhere;
    IF NOT in_region OR line_elsewhere THEN
        flags := flags || 'outside_territory'::text;
    END IF;
    IF in_region AND line_nowhere THEN
        flags := flags || 'outside_lines'::text;
    END IF;
    IF EXISTS (
        SELECT 1 FROM public.charter_grants g
          JOIN public.charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
         WHERE g.tenant_id = public.liaison_tenant() AND c.distributor_id <> p_distributor
           AND c.status = 'active' AND g.exclusive
           AND public.liaison_region_contains(g.region, p_region)
           AND g.starts_on <= today AND (g.ends_on IS NULL OR g.ends_on >= today)
           AND (g.all_lines OR cardinality(p_lines) = 0 OR g.line_ids && p_lines)) THEN
        flags := flags || 'exclusive_elsewhere'::text;
    END IF;
    IF public.liaison_account_carved_out(p_name, p_country, p_region) THEN
        flags := flags || 'carve_out'::text;
    END IF;
    RETURN flags;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_customer_lock_key(bigint, text, text),
            liaison_customer_protected_since(text, text, bigint, timestamptz),
            liaison_side_account(bigint, text, text, text, text) TO liaison_app;
    END IF;
END $$;

-- 0036's protection by account, which liaison_customer_protected_since
-- replaced: nothing calls it any more.
DROP FUNCTION IF EXISTS liaison_lead_protected_since(bigint, bigint, timestamptz);
