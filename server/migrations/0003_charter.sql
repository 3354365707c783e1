-- The catalogue, distributors and contacts, and the versioned Distributor
-- Relationship Charter with its territory rule.

CREATE TABLE IF NOT EXISTS product_lines (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    code text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    retired_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code)
);

CREATE TABLE IF NOT EXISTS products (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    sku text NOT NULL CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
    product_line_id bigint NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    unit text NOT NULL CHECK (length(unit) BETWEEN 1 AND 20),
    moq integer NOT NULL DEFAULT 0 CHECK (moq >= 0),
    retired_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, sku),
    FOREIGN KEY (tenant_id, product_line_id) REFERENCES product_lines (tenant_id, id)
);

ALTER TABLE distributors
    ADD COLUMN IF NOT EXISTS country text NOT NULL DEFAULT 'ZZ',
    ADD COLUMN IF NOT EXISTS languages text[] NOT NULL DEFAULT '{}',
    ADD COLUMN IF NOT EXISTS time_zone text NOT NULL DEFAULT 'UTC',
    ADD COLUMN IF NOT EXISTS business_hours_start time NOT NULL DEFAULT '09:00',
    ADD COLUMN IF NOT EXISTS business_hours_end time NOT NULL DEFAULT '17:00',
    ADD COLUMN IF NOT EXISTS work_days smallint[] NOT NULL DEFAULT '{1,2,3,4,5}',
    ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'prospect'
        CHECK (status IN ('prospect', 'onboarding', 'active', 'at_risk', 'terminated')),
    ADD COLUMN IF NOT EXISTS account_manager_id bigint;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'distributors_account_manager_fk') THEN
        ALTER TABLE distributors ADD CONSTRAINT distributors_account_manager_fk
            FOREIGN KEY (tenant_id, account_manager_id) REFERENCES users (tenant_id, id);
    END IF;
END $$;

CREATE TABLE IF NOT EXISTS contacts (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    distributor_id bigint NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role text NOT NULL DEFAULT '' CHECK (length(role) <= 100),
    email text NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    phone text NOT NULL DEFAULT '' CHECK (length(phone) <= 40),
    messaging text NOT NULL DEFAULT '' CHECK (length(messaging) <= 200),
    language text NOT NULL DEFAULT '' CHECK (length(language) <= 35),
    time_zone text NOT NULL DEFAULT '' CHECK (length(time_zone) <= 64),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id) ON DELETE CASCADE
);

-- A charter version: drafts are edited, an active version never is; an
-- amendment is a new draft copied from the active version.
CREATE TABLE IF NOT EXISTS charters (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    distributor_id bigint NOT NULL,
    version integer NOT NULL CHECK (version >= 1),
    status text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'active', 'superseded', 'expired', 'terminated')),
    full_coverage boolean NOT NULL DEFAULT true,
    covered_line_ids bigint[] NOT NULL DEFAULT '{}',
    competing_allowed boolean NOT NULL DEFAULT false,
    report_due_day smallint NOT NULL DEFAULT 10 CHECK (report_due_day BETWEEN 1 AND 28),
    report_sections text[] NOT NULL DEFAULT
        '{sales_by_line,inventory_on_hand,pipeline,market_intelligence,competitive_activity}',
    signatories text[] NOT NULL DEFAULT '{}',
    signed_on date,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    activated_by text,
    activated_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, distributor_id, version),
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX IF NOT EXISTS charters_one_draft ON charters (tenant_id, distributor_id)
    WHERE status = 'draft';
CREATE UNIQUE INDEX IF NOT EXISTS charters_one_active ON charters (tenant_id, distributor_id)
    WHERE status = 'active';

CREATE TABLE IF NOT EXISTS charter_grants (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    charter_id bigint NOT NULL,
    region text NOT NULL CHECK (region ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'),
    all_lines boolean NOT NULL,
    line_ids bigint[] NOT NULL DEFAULT '{}',
    exclusive boolean NOT NULL,
    starts_on date NOT NULL,
    ends_on date,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, charter_id) REFERENCES charters (tenant_id, id) ON DELETE CASCADE,
    CHECK (all_lines OR cardinality(line_ids) > 0),
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX IF NOT EXISTS charter_grants_charter ON charter_grants (tenant_id, charter_id);

CREATE TABLE IF NOT EXISTS charter_carve_outs (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    charter_id bigint NOT NULL,
    account_name text NOT NULL CHECK (length(account_name) BETWEEN 1 AND 200),
    region text NOT NULL DEFAULT '' CHECK (region = '' OR region ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'),
    note text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, charter_id) REFERENCES charters (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS charter_commitments (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    charter_id bigint NOT NULL,
    product_line_id bigint NOT NULL,
    moq integer NOT NULL CHECK (moq >= 0),
    buffer_unit text NOT NULL CHECK (buffer_unit IN ('weeks', 'units')),
    buffer_amount integer NOT NULL CHECK (buffer_amount >= 0),
    financing text NOT NULL CHECK (financing IN ('distributor', 'consignment', 'shared')),
    payment_terms_days integer NOT NULL CHECK (payment_terms_days BETWEEN 0 AND 365),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, charter_id, product_line_id),
    FOREIGN KEY (tenant_id, charter_id) REFERENCES charters (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, product_line_id) REFERENCES product_lines (tenant_id, id)
);

CREATE TABLE IF NOT EXISTS charter_competing_lines (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    charter_id bigint NOT NULL,
    competitor text NOT NULL CHECK (length(competitor) BETWEEN 1 AND 200),
    line text NOT NULL CHECK (length(line) BETWEEN 1 AND 200),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, charter_id) REFERENCES charters (tenant_id, id) ON DELETE CASCADE
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['product_lines', 'products', 'contacts', 'charters', 'charter_grants',
                             'charter_carve_outs', 'charter_commitments',
                             'charter_competing_lines'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = liaison_tenant())'
                       ' WITH CHECK (tenant_id = liaison_tenant())', t);
    END LOOP;
END $$;

-- The territory rule, in one place. Regions are ISO 3166-1 countries or
-- ISO 3166-2 subdivisions; a country overlaps each of its subdivisions.
CREATE OR REPLACE FUNCTION liaison_regions_overlap(a text, b text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT a = b OR (length(a) = 2 AND b LIKE a || '-%') OR (length(b) = 2 AND a LIKE b || '-%')
$$;

-- "All lines" overlaps anything; lists overlap when they share a line.
CREATE OR REPLACE FUNCTION liaison_lines_overlap(a_all boolean, a bigint[], b_all boolean,
                                                 b bigint[]) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT a_all OR b_all OR a && b
$$;

-- Inclusive dates; an open end runs for ever. Touching ranges do not overlap.
CREATE OR REPLACE FUNCTION liaison_dates_overlap(s1 date, e1 date, s2 date, e2 date)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT s1 <= coalesce(e2, 'infinity'::date) AND s2 <= coalesce(e1, 'infinity'::date)
$$;

-- An exclusive grant conflicts with any other distributor's grant,
-- exclusive or not, that overlaps it in lines, region and dates.
CREATE OR REPLACE FUNCTION liaison_grants_conflict(
    a_distributor bigint, a_exclusive boolean, a_region text, a_all boolean, a_lines bigint[],
    a_start date, a_end date,
    b_distributor bigint, b_exclusive boolean, b_region text, b_all boolean, b_lines bigint[],
    b_start date, b_end date) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT a_distributor <> b_distributor AND (a_exclusive OR b_exclusive)
       AND liaison_regions_overlap(a_region, b_region)
       AND liaison_lines_overlap(a_all, a_lines, b_all, b_lines)
       AND liaison_dates_overlap(a_start, a_end, b_start, b_end)
$$;

-- Every conflict between the grants of charter p_charter and the grants of
-- other distributors' active charters in the bound tenant.
CREATE OR REPLACE FUNCTION liaison_charter_conflicts(p_charter bigint)
RETURNS TABLE (grant_id bigint, region text, other_distributor_id bigint,
               other_distributor text, other_version integer, other_region text,
               other_exclusive boolean, other_all_lines boolean, other_lines text,
               other_starts_on date, other_ends_on date)
LANGUAGE sql STABLE AS $$
    SELECT g.id, g.region, d.id, d.name, oc.version, o.region, o.exclusive, o.all_lines,
           coalesce((SELECT string_agg(pl.code, ',' ORDER BY pl.code) FROM product_lines pl
                      WHERE pl.tenant_id = o.tenant_id AND pl.id = ANY (o.line_ids)), ''),
           o.starts_on, o.ends_on
      FROM charters c
      JOIN charter_grants g ON g.tenant_id = c.tenant_id AND g.charter_id = c.id
      JOIN charters oc ON oc.tenant_id = c.tenant_id AND oc.status = 'active'
                      AND oc.distributor_id <> c.distributor_id
      JOIN charter_grants o ON o.tenant_id = oc.tenant_id AND o.charter_id = oc.id
      JOIN distributors d ON d.tenant_id = oc.tenant_id AND d.id = oc.distributor_id
     WHERE c.tenant_id = liaison_tenant() AND c.id = p_charter
       AND liaison_grants_conflict(c.distributor_id, g.exclusive, g.region, g.all_lines,
                                   g.line_ids, g.starts_on, g.ends_on,
                                   oc.distributor_id, o.exclusive, o.region, o.all_lines,
                                   o.line_ids, o.starts_on, o.ends_on)
     ORDER BY g.id, d.id, o.id
$$;

-- Which distributors the caller reaches: admins and auditors all, managers
-- all or those they manage, distributor users only their own. The caller
-- is what liaison_auth() recorded from the database for this transaction.
CREATE OR REPLACE FUNCTION liaison_sees_distributor(p_distributor bigint, p_manager bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT CASE current_setting('liaison.role', true)
        WHEN 'tenant_admin' THEN true
        WHEN 'auditor' THEN true
        WHEN 'manager' THEN current_setting('liaison.sees_all', true) = 'true'
            OR p_manager = nullif(current_setting('liaison.user_id', true), '')::bigint
        WHEN 'distributor_user' THEN
            p_distributor = nullif(current_setting('liaison.distributor_id', true), '')::bigint
        ELSE false END
$$;

CREATE OR REPLACE FUNCTION liaison_auth(p_tenant bigint, p_session bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    st text;
    s_role text;
    s_user bigint;
    u_distributor bigint;
    u_sees_all boolean;
BEGIN
    PERFORM set_config('liaison.tenant_id', p_tenant::text, true);
    SELECT status INTO st FROM tenants WHERE id = p_tenant;
    IF st IS NULL THEN
        RAISE EXCEPTION 'session expired or revoked; log in again' USING ERRCODE = 'LS401';
    END IF;
    IF st <> 'active' THEN
        RAISE EXCEPTION 'the tenant is suspended' USING ERRCODE = 'LS403';
    END IF;
    SELECT s.role, s.user_id, u.distributor_id, u.sees_all_distributors
      INTO s_role, s_user, u_distributor, u_sees_all
      FROM sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
     WHERE s.tenant_id = p_tenant AND s.id = p_session AND s.revoked_at IS NULL
       AND (s.expires_at IS NULL OR s.expires_at > now()) AND u.disabled_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'session expired or revoked; log in again' USING ERRCODE = 'LS401';
    END IF;
    PERFORM set_config('liaison.role', s_role, true);
    PERFORM set_config('liaison.user_id', s_user::text, true);
    PERFORM set_config('liaison.distributor_id', coalesce(u_distributor::text, ''), true);
    PERFORM set_config('liaison.sees_all', u_sees_all::text, true);
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON product_lines, products, contacts, charters,
            charter_grants, charter_carve_outs, charter_commitments, charter_competing_lines
            TO liaison_app;
        GRANT EXECUTE ON FUNCTION liaison_regions_overlap(text, text),
            liaison_lines_overlap(boolean, bigint[], boolean, bigint[]),
            liaison_dates_overlap(date, date, date, date),
            liaison_grants_conflict(bigint, boolean, text, boolean, bigint[], date, date,
                                    bigint, boolean, text, boolean, bigint[], date, date),
            liaison_charter_conflicts(bigint), liaison_sees_distributor(bigint, bigint)
            TO liaison_app;
    END IF;
END $$;

-- The distributor life cycle: prospect -> onboarding -> active <-> at_risk,
-- and from any state but terminated to terminated.
CREATE OR REPLACE FUNCTION liaison_status_transition_ok(p_from text, p_to text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT (p_from, p_to) IN (('prospect', 'onboarding'), ('onboarding', 'active'),
                              ('active', 'at_risk'), ('at_risk', 'active'))
        OR (p_to = 'terminated' AND p_from <> 'terminated')
$$;

-- The charter a request means: an id; or for a distributor, a version
-- (> 0), the draft (-1), or the active version and else the draft (0).
CREATE OR REPLACE FUNCTION liaison_charter_resolve(p_charter bigint, p_distributor bigint,
                                                   p_version integer) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_charter > 0 THEN p_charter ELSE (
        SELECT id FROM charters
         WHERE tenant_id = liaison_tenant() AND distributor_id = p_distributor
           AND CASE WHEN p_version > 0 THEN version = p_version
                    WHEN p_version = -1 THEN status = 'draft'
                    ELSE status IN ('active', 'draft') END
         ORDER BY (status = 'active') DESC, version DESC LIMIT 1) END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_status_transition_ok(text, text),
            liaison_charter_resolve(bigint, bigint, integer) TO liaison_app;
    END IF;
END $$;
