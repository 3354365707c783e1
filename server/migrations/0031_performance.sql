-- The distributor's performance (issue 15): monthly reports, targets and
-- the health scores computed from them. Tables only; the functions that
-- write them live with their RPC families (reports and targets in 0032,
-- the joint business plan and upstream updates in 0033, health in 0034,
-- the handbook and scorecard in 0035). Money is integer minor units with
-- an ISO 4217 code; a period is the first day of its month, quarter or year.

-- The standard report a distributor fills in before the monthly review:
-- one per distributor and month. draft -> submitted -> reviewed. due_on is
-- fixed when the report is made, from the active charter's report_due_day
-- in the month after the period; late is decided once, at submission.
CREATE TABLE IF NOT EXISTS monthly_reports (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    distributor_id bigint NOT NULL,
    period date NOT NULL CHECK (period = date_trunc('month', period::timestamp)::date),
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'reviewed')),
    charter_id bigint,
    due_on date NOT NULL,
    market_intelligence text NOT NULL DEFAULT '' CHECK (length(market_intelligence) <= 20000),
    late boolean NOT NULL DEFAULT false,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL,
    submitted_by text,
    submitted_at timestamptz,
    reviewed_by text,
    reviewed_at timestamptz,
    review_comment text NOT NULL DEFAULT '' CHECK (length(review_comment) <= 10000),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, distributor_id, period),
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id),
    FOREIGN KEY (tenant_id, charter_id) REFERENCES charters (tenant_id, id),
    CHECK (status = 'draft' OR (submitted_by IS NOT NULL AND submitted_at IS NOT NULL)),
    CHECK (status <> 'reviewed' OR (reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS monthly_reports_period ON monthly_reports (tenant_id, period, id);
CREATE INDEX IF NOT EXISTS monthly_reports_status ON monthly_reports (tenant_id, status, id);

-- Sales by product line: one row per line and report.
CREATE TABLE IF NOT EXISTS report_sales (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    report_id bigint NOT NULL,
    product_line_id bigint NOT NULL,
    units bigint NOT NULL CHECK (units >= 0),
    revenue_minor bigint NOT NULL CHECK (revenue_minor >= 0),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, report_id, product_line_id),
    FOREIGN KEY (tenant_id, report_id) REFERENCES monthly_reports (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, product_line_id) REFERENCES product_lines (tenant_id, id)
);

-- Inventory on hand at the end of the period, by product line.
CREATE TABLE IF NOT EXISTS report_inventory (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    report_id bigint NOT NULL,
    product_line_id bigint NOT NULL,
    units_on_hand bigint NOT NULL CHECK (units_on_hand >= 0),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, report_id, product_line_id),
    FOREIGN KEY (tenant_id, report_id) REFERENCES monthly_reports (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, product_line_id) REFERENCES product_lines (tenant_id, id)
);

-- Pipeline opportunities: pre-filled from the distributor's open leads
-- (lead_id kept), editable, and rows may be added without a lead.
CREATE TABLE IF NOT EXISTS report_pipeline (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    report_id bigint NOT NULL,
    position integer NOT NULL CHECK (position >= 0),
    lead_id bigint,
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    stage text NOT NULL CHECK (length(stage) BETWEEN 1 AND 40),
    value_minor bigint NOT NULL DEFAULT 0 CHECK (value_minor >= 0),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    expected_close date,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, report_id, position),
    FOREIGN KEY (tenant_id, report_id) REFERENCES monthly_reports (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, id) ON DELETE SET NULL (lead_id)
);

-- Competitive activity: a competitor, optionally the product line it
-- competes with, and what was seen.
CREATE TABLE IF NOT EXISTS report_competition (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    report_id bigint NOT NULL,
    position integer NOT NULL CHECK (position >= 0),
    competitor text NOT NULL CHECK (length(competitor) BETWEEN 1 AND 200),
    product_line_id bigint,
    activity text NOT NULL CHECK (length(activity) BETWEEN 1 AND 4000),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, report_id, position),
    FOREIGN KEY (tenant_id, report_id) REFERENCES monthly_reports (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, product_line_id) REFERENCES product_lines (tenant_id, id)
);

-- A target per distributor, product line and period (a month, a quarter or
-- a year, starting on its first day). Units, revenue or both. plan_id is
-- set when an approved joint business plan's goal made it (0033).
CREATE TABLE IF NOT EXISTS targets (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    distributor_id bigint NOT NULL,
    product_line_id bigint NOT NULL,
    period_kind text NOT NULL CHECK (period_kind IN ('month', 'quarter', 'year')),
    period_start date NOT NULL,
    units bigint CHECK (units >= 0),
    revenue_minor bigint CHECK (revenue_minor >= 0),
    currency text CHECK (currency ~ '^[A-Z]{3}$'),
    plan_id bigint,
    set_by text NOT NULL,
    set_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, distributor_id, product_line_id, period_kind, period_start),
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id),
    FOREIGN KEY (tenant_id, product_line_id) REFERENCES product_lines (tenant_id, id),
    CHECK (units IS NOT NULL OR revenue_minor IS NOT NULL),
    CHECK ((revenue_minor IS NULL) = (currency IS NULL)),
    CHECK (period_start = date_trunc(period_kind, period_start::timestamp)::date)
);

-- A distributor's health as computed at one moment: the score (0 worst,
-- 100 best), and its reasons as a JSON array, worst first, each
-- {"factor": text, "points": lost points, "weight": int, "detail": text}.
-- Kept as a history, so a trend can be drawn; the newest row is current.
CREATE TABLE IF NOT EXISTS health_scores (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    distributor_id bigint NOT NULL,
    computed_at timestamptz NOT NULL,
    score smallint NOT NULL CHECK (score BETWEEN 0 AND 100),
    reasons jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(reasons) = 'array'),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS health_scores_distributor
    ON health_scores (tenant_id, distributor_id, computed_at DESC);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['monthly_reports', 'report_sales', 'report_inventory',
                             'report_pipeline', 'report_competition', 'targets',
                             'health_scores'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I'
                       ' USING (tenant_id = (SELECT liaison_tenant()))'
                       ' WITH CHECK (tenant_id = (SELECT liaison_tenant()))', t);
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        RETURN;
    END IF;
    -- A distributor user's rows: only its own distributor's (the tenant
    -- wall, 0026).
    FOREACH t IN ARRAY ARRAY['monthly_reports', 'targets', 'health_scores'] LOOP
        EXECUTE format('DROP POLICY IF EXISTS distributor_scope ON %I', t);
        EXECUTE format('CREATE POLICY distributor_scope ON %I AS RESTRICTIVE TO liaison_app'
                       ' USING ((SELECT liaison_distributor_scope()) IN (0, distributor_id))',
                       t);
    END LOOP;
    -- The section tables name no distributor: a row is reached through its
    -- report, which the policy above already limits.
    FOREACH t IN ARRAY ARRAY['report_sales', 'report_inventory', 'report_pipeline',
                             'report_competition'] LOOP
        EXECUTE format('DROP POLICY IF EXISTS distributor_scope ON %I', t);
        EXECUTE format('CREATE POLICY distributor_scope ON %I AS RESTRICTIVE TO liaison_app'
                       ' USING (EXISTS (SELECT 1 FROM monthly_reports r'
                       ' WHERE r.tenant_id = %I.tenant_id AND r.id = %I.report_id))', t, t, t);
    END LOOP;
    GRANT SELECT, INSERT, UPDATE, DELETE ON monthly_reports, report_sales, report_inventory,
        report_pipeline, report_competition, targets TO liaison_app;
    -- Scores are written by the scheduler's job (as the owner), read by users.
    GRANT SELECT ON health_scores TO liaison_app;
END $$;
