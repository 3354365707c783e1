-- The shared CRM's first part: key accounts, leads with deal registration,
-- and customer interactions. Money is integer minor units with an ISO 4217
-- code (checked by liaisond against iso-codes), never floating point.

-- A tenant's own settings that its admins change (the tenants row itself
-- is written only by operators): one row per tenant, made on first change.
-- deal_protection_days: how long an accepted registration protects its key
-- account from other distributors' registrations.
CREATE TABLE IF NOT EXISTS tenant_settings (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    deal_protection_days integer NOT NULL DEFAULT 90 CHECK (deal_protection_days BETWEEN 1 AND 3650),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id)
);

-- The caller's tenant's protection window, in days.
CREATE OR REPLACE FUNCTION liaison_deal_protection_days() RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT s.deal_protection_days FROM tenant_settings s
                      WHERE s.tenant_id = liaison_tenant()), 90)
$$;

-- A customer. Owned by one distributor, or by the exporter (distributor_id
-- NULL). One account per name (any case) and country in a tenant, so two
-- distributors registering the same customer meet on one row.
CREATE TABLE IF NOT EXISTS key_accounts (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    region text NOT NULL DEFAULT '' CHECK (length(region) <= 6),
    industry text NOT NULL DEFAULT '' CHECK (length(industry) <= 100),
    distributor_id bigint,
    owner_id bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS key_accounts_name
    ON key_accounts (tenant_id, lower(name), country);
CREATE INDEX IF NOT EXISTS key_accounts_name_trgm ON key_accounts USING gin (name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS key_accounts_distributor ON key_accounts (tenant_id, distributor_id, id);

-- A lead or opportunity. A distributor's lead is a deal registration:
-- registered_at and registration say when and how the check answered
-- (accepted, or flagged with its reasons for exporter staff to decide).
CREATE TABLE IF NOT EXISTS leads (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    distributor_id bigint,
    key_account_id bigint NOT NULL,
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    stage text NOT NULL DEFAULT 'new'
        CHECK (stage IN ('new', 'qualified', 'proposal', 'negotiation', 'won', 'lost')),
    value_minor bigint NOT NULL DEFAULT 0 CHECK (value_minor >= 0),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    expected_close date,
    owner_id bigint,
    product_line_ids bigint[] NOT NULL DEFAULT '{}' CHECK (cardinality(product_line_ids) <= 100),
    region text NOT NULL CHECK (length(region) BETWEEN 2 AND 6),
    registered_at timestamptz,
    registration text CHECK (registration IN ('accepted', 'flagged', 'approved', 'rejected')),
    flags text[] NOT NULL DEFAULT '{}',
    decided_by text,
    decided_at timestamptz,
    decision_note text NOT NULL DEFAULT '' CHECK (length(decision_note) <= 2000),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id),
    FOREIGN KEY (tenant_id, key_account_id) REFERENCES key_accounts (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id),
    CHECK ((registration IS NULL) = (registered_at IS NULL))
);
CREATE INDEX IF NOT EXISTS leads_account_registered
    ON leads (tenant_id, key_account_id, registered_at) WHERE registration IS NOT NULL;
CREATE INDEX IF NOT EXISTS leads_distributor ON leads (tenant_id, distributor_id, id);
CREATE INDEX IF NOT EXISTS leads_flagged ON leads (tenant_id, id) WHERE registration = 'flagged';

-- A call, visit, e-mail or message with a customer, about an account or a
-- lead; distributor_id is the side it was on (NULL: the exporter's).
CREATE TABLE IF NOT EXISTS interactions (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    distributor_id bigint,
    kind text NOT NULL CHECK (kind IN ('call', 'visit', 'email', 'message')),
    at timestamptz NOT NULL,
    summary text NOT NULL CHECK (length(summary) BETWEEN 1 AND 4000),
    key_account_id bigint NOT NULL,
    lead_id bigint,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id),
    FOREIGN KEY (tenant_id, key_account_id) REFERENCES key_accounts (tenant_id, id),
    FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS interactions_account_at ON interactions (tenant_id, key_account_id, at);
CREATE INDEX IF NOT EXISTS interactions_distributor ON interactions (tenant_id, distributor_id, id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tenant_settings', 'key_accounts', 'leads', 'interactions'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = liaison_tenant())'
                       ' WITH CHECK (tenant_id = liaison_tenant())', t);
    END LOOP;
END $$;

-- Region inner lies inside region outer: the same, or a subdivision of the
-- country outer.
CREATE OR REPLACE FUNCTION liaison_region_contains(p_outer text, p_inner text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_outer = p_inner OR (length(p_outer) = 2 AND p_inner LIKE p_outer || '-%')
$$;

-- Whether the caller reaches records of distributor p_distributor, or the
-- exporter's own (NULL: staff only, never a distributor user).
CREATE OR REPLACE FUNCTION liaison_sees_side(p_distributor bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_distributor IS NULL
                THEN current_setting('liaison.role', true) IN ('tenant_admin', 'manager', 'auditor')
                ELSE EXISTS (SELECT 1 FROM distributors d
                              WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
                                AND liaison_sees_distributor(d.id, d.account_manager_id)) END
$$;

-- An account is a carve-out while an active charter names it (by name, any
-- case) in a region that overlaps the account's.
CREATE OR REPLACE FUNCTION liaison_account_carved_out(p_name text, p_country text, p_region text)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM charter_carve_outs o
          JOIN charters c ON c.tenant_id = o.tenant_id AND c.id = o.charter_id
         WHERE o.tenant_id = liaison_tenant() AND c.status = 'active'
           AND lower(o.account_name) = lower(p_name)
           AND (o.region = '' OR liaison_regions_overlap(o.region,
                                                         coalesce(nullif(p_region, ''), p_country))))
$$;

-- Why distributor p_distributor's registration of a deal with account
-- p_name in p_region for lines p_lines needs exporter staff: outside its
-- territory (no grant of its active charter in force contains the region),
-- outside its lines (no such grant covers them), in another distributor's
-- exclusive territory for those lines, or a carve-out (the exporter's own
-- account). Empty: accepted.
CREATE OR REPLACE FUNCTION liaison_deal_flags(p_distributor bigint, p_name text, p_country text,
                                              p_region text, p_lines bigint[]) RETURNS text[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
    today date := (liaison_now() AT TIME ZONE 'UTC')::date;
    flags text[] := '{}';
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM charter_grants g
          JOIN charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
         WHERE g.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
           AND c.status = 'active' AND liaison_region_contains(g.region, p_region)
           AND g.starts_on <= today AND (g.ends_on IS NULL OR g.ends_on >= today)) THEN
        flags := flags || 'outside_territory'::text;
    ELSIF NOT EXISTS (
        SELECT 1 FROM charter_grants g
          JOIN charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
         WHERE g.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
           AND c.status = 'active' AND liaison_region_contains(g.region, p_region)
           AND g.starts_on <= today AND (g.ends_on IS NULL OR g.ends_on >= today)
           AND (g.all_lines OR p_lines <@ g.line_ids)) THEN
        flags := flags || 'outside_lines'::text;
    END IF;
    IF EXISTS (
        SELECT 1 FROM charter_grants g
          JOIN charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
         WHERE g.tenant_id = liaison_tenant() AND c.distributor_id <> p_distributor
           AND c.status = 'active' AND g.exclusive AND liaison_region_contains(g.region, p_region)
           AND g.starts_on <= today AND (g.ends_on IS NULL OR g.ends_on >= today)
           AND (g.all_lines OR cardinality(p_lines) = 0 OR g.line_ids && p_lines)) THEN
        flags := flags || 'exclusive_elsewhere'::text;
    END IF;
    IF liaison_account_carved_out(p_name, p_country, p_region) THEN
        flags := flags || 'carve_out'::text;
    END IF;
    RETURN flags;
END $$;

-- Registers a deal: finds or makes the key account, locks it, and only then
-- (a new snapshot: this function is VOLATILE) looks for another
-- distributor's registration that protects it, so of two simultaneous
-- registrations of one account the second waits for the first and sees
-- it. A protected account is refused with the holder's registration date,
-- never its name. p_distributor NULL: the exporter's own lead, no check.
-- Returns the lead's id; writes its audit row.
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
        SELECT min(l.registered_at) INTO held FROM leads l
         WHERE l.tenant_id = liaison_tenant() AND l.key_account_id = acc
           AND l.distributor_id IS DISTINCT FROM p_distributor
           AND l.registration IN ('accepted', 'approved')
           AND l.registered_at > now_ - days * interval '1 day';
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

-- Exporter staff decide a flagged registration: approve (it then protects
-- its account, unless another registration already does), reject, or
-- reassign to another distributor (p_to) or to the exporter (p_to NULL).
CREATE OR REPLACE FUNCTION liaison_lead_decide(p_lead bigint, p_decision text, p_to bigint,
                                               p_note text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    l leads%ROWTYPE;
    held timestamptz;
BEGIN
    SELECT * INTO l FROM leads x WHERE x.tenant_id = liaison_tenant() AND x.id = p_lead
       AND liaison_sees_side(x.distributor_id) FOR UPDATE;
    PERFORM liaison_found(l.id IS NOT NULL, 'no such lead');
    PERFORM liaison_precondition(l.registration = 'flagged', format(
        'only a flagged registration is decided; this lead''s is %s',
        coalesce(l.registration, 'none (an exporter''s lead)')));
    IF p_decision = 'approve' THEN
        PERFORM 1 FROM key_accounts a WHERE a.tenant_id = l.tenant_id AND a.id = l.key_account_id
           FOR UPDATE;
        SELECT min(x.registered_at) INTO held FROM leads x
         WHERE x.tenant_id = l.tenant_id
           AND x.key_account_id = l.key_account_id AND x.id <> l.id
           AND x.distributor_id IS DISTINCT FROM l.distributor_id
           AND x.registration IN ('accepted', 'approved')
           AND x.registered_at > liaison_now() - liaison_deal_protection_days() * interval '1 day';
        PERFORM liaison_precondition(held IS NULL, format(
            'another distributor''s registration of %s protects this account',
            to_char(held AT TIME ZONE 'UTC', 'YYYY-MM-DD')));
    ELSIF p_decision = 'reassign' THEN
        PERFORM liaison_check(p_to IS NULL OR EXISTS (SELECT 1 FROM distributors d
            WHERE d.tenant_id = liaison_tenant() AND d.id = p_to AND d.status <> 'terminated'),
            'distributorId', 'no such distributor');
    END IF;
    -- Reassigned to the exporter, a lead is no registration any more; to
    -- another distributor, it is that distributor's, approved.
    UPDATE leads x
       SET registration = CASE p_decision WHEN 'approve' THEN 'approved'
                                          WHEN 'reject' THEN 'rejected'
                                          ELSE CASE WHEN p_to IS NULL THEN NULL ELSE 'approved' END
                          END,
           distributor_id = CASE WHEN p_decision = 'reassign' THEN p_to ELSE x.distributor_id END,
           registered_at = CASE WHEN p_decision = 'reassign' AND p_to IS NULL THEN NULL
                                ELSE x.registered_at END,
           decided_by = liaison_request_setting('actor'), decided_at = liaison_now(),
           decision_note = coalesce(p_note, '')
     WHERE x.tenant_id = l.tenant_id AND x.id = l.id;
    PERFORM liaison_audit('lead.' || p_decision, 'lead', l.id::text);
    RETURN l.id;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_settings, key_accounts, leads, interactions
            TO liaison_app;
        GRANT EXECUTE ON FUNCTION liaison_deal_protection_days(), liaison_region_contains(text, text),
            liaison_sees_side(bigint),
            liaison_account_carved_out(text, text, text),
            liaison_deal_flags(bigint, text, text, text, bigint[]),
            liaison_lead_register(bigint, text, text, text, text, text, bigint, text, date,
                                  bigint[], bigint),
            liaison_lead_decide(bigint, text, bigint, text) TO liaison_app;
    END IF;
END $$;
