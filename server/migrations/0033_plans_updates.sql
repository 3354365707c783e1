-- The joint business plan and upstream updates (issue 15, part B).
--
-- A plan is the annual planning session's result for one distributor and
-- year, kept as revisions: draft -> proposed -> approved | rejected; an
-- approved revision is locked, a change is a new draft copied from it, and
-- approving that one supersedes it. Either side proposes (exporter staff or
-- the distributor's users); only the other side approves or rejects. On
-- approval the goals become the year's targets (0031's targets, plan_id set).
--
-- An upstream update is the exporter's news (production, a launch, a
-- campaign) sent to the distributors whose active charter holds the regions
-- and lines it is aimed at. Recipients are fixed at publication; each
-- recipient's next scheduled monthly review gets it on its agenda, and each
-- distributor user's first reading is recorded.

CREATE TABLE IF NOT EXISTS plans (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    distributor_id bigint NOT NULL,
    year integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    revision integer NOT NULL CHECK (revision >= 1),
    status text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'proposed', 'approved', 'rejected', 'superseded')),
    -- The approved revision this draft was copied from.
    based_on_id bigint,
    proposed_side text CHECK (proposed_side IN ('exporter', 'distributor')),
    proposed_by text,
    proposed_at timestamptz,
    decided_by text,
    decided_at timestamptz,
    decision_comment text NOT NULL DEFAULT '' CHECK (length(decision_comment) <= 4000),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, distributor_id, year, revision),
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id),
    FOREIGN KEY (tenant_id, based_on_id) REFERENCES plans (tenant_id, id),
    CHECK (status = 'draft' OR proposed_side IS NOT NULL),
    CHECK (status NOT IN ('approved', 'rejected') OR decided_at IS NOT NULL)
);
-- One revision open for work (draft, proposed or rejected) and one approved
-- per distributor and year.
CREATE UNIQUE INDEX IF NOT EXISTS plans_one_open ON plans (tenant_id, distributor_id, year)
    WHERE status IN ('draft', 'proposed', 'rejected');
CREATE UNIQUE INDEX IF NOT EXISTS plans_one_approved ON plans (tenant_id, distributor_id, year)
    WHERE status = 'approved';
CREATE INDEX IF NOT EXISTS plans_year ON plans (tenant_id, year, id);

-- A goal per product line and period (the year, a quarter or a month of
-- it): units, revenue or both, as targets are.
CREATE TABLE IF NOT EXISTS plan_goals (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    plan_id bigint NOT NULL,
    product_line_id bigint NOT NULL,
    period_kind text NOT NULL CHECK (period_kind IN ('month', 'quarter', 'year')),
    period_start date NOT NULL,
    units bigint CHECK (units >= 0),
    revenue_minor bigint CHECK (revenue_minor >= 0),
    currency text CHECK (currency ~ '^[A-Z]{3}$'),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, plan_id, product_line_id, period_kind, period_start),
    FOREIGN KEY (tenant_id, plan_id) REFERENCES plans (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, product_line_id) REFERENCES product_lines (tenant_id, id),
    CHECK (units IS NOT NULL OR revenue_minor IS NOT NULL),
    CHECK ((revenue_minor IS NULL) = (currency IS NULL)),
    CHECK (period_start = date_trunc(period_kind, period_start::timestamp)::date)
);

CREATE TABLE IF NOT EXISTS plan_initiatives (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    plan_id bigint NOT NULL,
    position integer NOT NULL CHECK (position >= 0),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    owner_user_id bigint NOT NULL,
    starts_on date NOT NULL,
    due_on date NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, plan_id, position),
    FOREIGN KEY (tenant_id, plan_id) REFERENCES plans (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, owner_user_id) REFERENCES users (tenant_id, id),
    CHECK (due_on >= starts_on)
);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'targets_plan_fk') THEN
        ALTER TABLE targets ADD CONSTRAINT targets_plan_fk
            FOREIGN KEY (tenant_id, plan_id) REFERENCES plans (tenant_id, id);
    END IF;
END $$;
CREATE INDEX IF NOT EXISTS targets_plan ON targets (tenant_id, plan_id) WHERE plan_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS upstream_updates (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    kind text NOT NULL CHECK (kind IN ('production', 'launch', 'campaign')),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    language text NOT NULL CHECK (length(language) BETWEEN 2 AND 35),
    effective_on date NOT NULL,
    -- The audience: a distributor receives the update when a grant of its
    -- active charter holds one of these regions for one of these lines.
    regions text[] NOT NULL CHECK (cardinality(regions) BETWEEN 1 AND 32),
    line_ids bigint[] NOT NULL CHECK (cardinality(line_ids) BETWEEN 1 AND 32),
    document_ids bigint[] NOT NULL DEFAULT '{}' CHECK (cardinality(document_ids) <= 16),
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    published_by text,
    published_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    CHECK (status = 'draft' OR published_at IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS upstream_updates_status ON upstream_updates (tenant_id, status, id);

CREATE TABLE IF NOT EXISTS update_variants (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    update_id bigint NOT NULL,
    language text NOT NULL CHECK (length(language) BETWEEN 2 AND 35),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, update_id, language),
    FOREIGN KEY (tenant_id, update_id) REFERENCES upstream_updates (tenant_id, id) ON DELETE CASCADE
);

-- Who an update went to, fixed at publication, and where it was put on
-- the agenda: added to meeting agenda_meeting_id, 'full' (that meeting
-- already had 32 items) or 'no_meeting' (no monthly review scheduled).
CREATE TABLE IF NOT EXISTS update_recipients (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    update_id bigint NOT NULL,
    distributor_id bigint NOT NULL,
    agenda text NOT NULL CHECK (agenda IN ('added', 'full', 'no_meeting')),
    agenda_meeting_id bigint,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, update_id, distributor_id),
    FOREIGN KEY (tenant_id, update_id) REFERENCES upstream_updates (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id),
    FOREIGN KEY (tenant_id, agenda_meeting_id) REFERENCES meetings (tenant_id, id) ON DELETE SET NULL (agenda_meeting_id)
);
CREATE INDEX IF NOT EXISTS update_recipients_distributor
    ON update_recipients (tenant_id, distributor_id, update_id);

-- A distributor user's first reading of an update.
CREATE TABLE IF NOT EXISTS update_receipts (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    update_id bigint NOT NULL,
    user_id bigint NOT NULL,
    distributor_id bigint NOT NULL,
    first_read_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, update_id, user_id),
    FOREIGN KEY (tenant_id, update_id) REFERENCES upstream_updates (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['plans', 'plan_goals', 'plan_initiatives', 'upstream_updates',
                             'update_variants', 'update_recipients', 'update_receipts'] LOOP
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
    -- The tenant wall (0026): a distributor user's context sees only its
    -- own distributor's rows, even through a statement without a WHERE.
    FOREACH t IN ARRAY ARRAY['plans', 'update_recipients', 'update_receipts'] LOOP
        EXECUTE format('DROP POLICY IF EXISTS distributor_scope ON %I', t);
        EXECUTE format('CREATE POLICY distributor_scope ON %I AS RESTRICTIVE TO liaison_app'
                       ' USING ((SELECT liaison_distributor_scope()) IN (0, distributor_id))',
                       t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['plan_goals', 'plan_initiatives'] LOOP
        EXECUTE format('DROP POLICY IF EXISTS distributor_scope ON %I', t);
        EXECUTE format('CREATE POLICY distributor_scope ON %I AS RESTRICTIVE TO liaison_app'
                       ' USING (EXISTS (SELECT 1 FROM plans p'
                       ' WHERE p.tenant_id = %I.tenant_id AND p.id = %I.plan_id))', t, t, t);
    END LOOP;
    -- An update shows to a distributor user only when it was addressed to
    -- its distributor: a recipient row it can see (the policy above). So
    -- drafts, and updates aimed at territories or lines it does not hold,
    -- never show.
    DROP POLICY IF EXISTS distributor_scope ON upstream_updates;
    CREATE POLICY distributor_scope ON upstream_updates AS RESTRICTIVE TO liaison_app
        USING ((SELECT liaison_distributor_scope()) = 0 OR EXISTS (
            SELECT 1 FROM update_recipients r
             WHERE r.tenant_id = upstream_updates.tenant_id
               AND r.update_id = upstream_updates.id));
    DROP POLICY IF EXISTS distributor_scope ON update_variants;
    CREATE POLICY distributor_scope ON update_variants AS RESTRICTIVE TO liaison_app
        USING (EXISTS (SELECT 1 FROM upstream_updates u
                        WHERE u.tenant_id = update_variants.tenant_id
                          AND u.id = update_variants.update_id));
    GRANT SELECT, INSERT, UPDATE, DELETE ON plans, plan_goals, plan_initiatives,
        upstream_updates, update_variants, update_recipients, update_receipts TO liaison_app;
END $$;

-- ---------------------------------------------------------------- periods

-- 'YYYY', 'YYYY-Qn' or 'YYYY-MM' as (kind, first day); NULL when it is none.
CREATE OR REPLACE FUNCTION liaison_plan_period(p_text text, OUT kind text, OUT starts date)
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_text ~ '^[0-9]{4}$' THEN 'year'
                WHEN p_text ~ '^[0-9]{4}-Q[1-4]$' THEN 'quarter'
                WHEN p_text ~ '^[0-9]{4}-(0[1-9]|1[0-2])$' THEN 'month' END,
           CASE WHEN p_text ~ '^[0-9]{4}$' THEN make_date(p_text::int, 1, 1)
                WHEN p_text ~ '^[0-9]{4}-Q[1-4]$'
                THEN make_date(left(p_text, 4)::int, right(p_text, 1)::int * 3 - 2, 1)
                WHEN p_text ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'
                THEN make_date(left(p_text, 4)::int, right(p_text, 2)::int, 1) END
$$;

-- The wire's text of a period.
CREATE OR REPLACE FUNCTION liaison_plan_period_text(p_kind text, p_start date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_kind WHEN 'year' THEN to_char(p_start, 'YYYY')
                       WHEN 'quarter' THEN to_char(p_start, 'YYYY') || '-Q'
                                           || extract(quarter FROM p_start)::int
                       ELSE to_char(p_start, 'YYYY-MM') END
$$;

-- The side the caller speaks for in a plan.
CREATE OR REPLACE FUNCTION liaison_plan_side() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN current_setting('liaison.role', true) = 'distributor_user'
                THEN 'distributor' ELSE 'exporter' END
$$;

-- ------------------------------------------------------------------ plans

-- A plan the caller reaches, locked for the change that follows; raises
-- NOT_FOUND (the same answer as no plan at all) otherwise.
CREATE OR REPLACE FUNCTION liaison_plan_lock(p_plan bigint) RETURNS plans
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    p plans%ROWTYPE;
BEGIN
    SELECT * INTO p FROM plans x
     WHERE x.tenant_id = liaison_tenant() AND x.id = p_plan
       AND liaison_sees_side(x.distributor_id) FOR UPDATE;
    PERFORM liaison_found(p.id IS NOT NULL, 'no such plan');
    RETURN p;
END $$;

-- Starts a revision of distributor p_distributor's plan (0: a distributor
-- user's own) for p_year: the
-- first, empty, or a draft copied from the approved revision. Refused
-- while a revision is open (draft, proposed or rejected). Returns its id
-- and leaves it in liaison.created_id.
CREATE OR REPLACE FUNCTION liaison_plan_create(p_distributor bigint, p_year integer)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    now_ timestamptz := liaison_now();
    dist bigint := CASE WHEN p_distributor = 0 AND liaison_distributor_scope() > 0
                        THEN liaison_distributor_scope() ELSE nullif(p_distributor, 0) END;
    open_ plans%ROWTYPE;
    approved plans%ROWTYPE;
    next_revision integer;
    pid bigint;
BEGIN
    PERFORM liaison_found(dist IS NOT NULL AND liaison_sees_side(dist),
                          'no such distributor');
    SELECT * INTO open_ FROM plans x
     WHERE x.tenant_id = liaison_tenant() AND x.distributor_id = dist
       AND x.year = p_year AND x.status IN ('draft', 'proposed', 'rejected');
    PERFORM liaison_unique(open_.id IS NULL, format(
        'revision %s of the %s plan is still open (%s, plan %s): change that one',
        open_.revision, p_year, open_.status, open_.id));
    SELECT * INTO approved FROM plans x
     WHERE x.tenant_id = liaison_tenant() AND x.distributor_id = dist
       AND x.year = p_year AND x.status = 'approved';
    SELECT coalesce(max(x.revision), 0) + 1 INTO next_revision FROM plans x
     WHERE x.tenant_id = liaison_tenant() AND x.distributor_id = dist
       AND x.year = p_year;
    INSERT INTO plans (tenant_id, distributor_id, year, revision, based_on_id, created_by,
                       created_at, updated_by, updated_at)
    VALUES (liaison_tenant(), dist, p_year, next_revision, approved.id,
            liaison_request_setting('actor'), now_, liaison_request_setting('actor'), now_)
    RETURNING id INTO pid;
    IF approved.id IS NOT NULL THEN
        INSERT INTO plan_goals (tenant_id, plan_id, product_line_id, period_kind, period_start,
                                units, revenue_minor, currency)
        SELECT g.tenant_id, pid, g.product_line_id, g.period_kind, g.period_start, g.units,
               g.revenue_minor, g.currency
          FROM plan_goals g WHERE g.tenant_id = liaison_tenant() AND g.plan_id = approved.id
         ORDER BY g.id;
        INSERT INTO plan_initiatives (tenant_id, plan_id, position, title, description,
                                      owner_user_id, starts_on, due_on)
        SELECT i.tenant_id, pid, i.position, i.title, i.description, i.owner_user_id,
               i.starts_on, i.due_on
          FROM plan_initiatives i WHERE i.tenant_id = liaison_tenant() AND i.plan_id = approved.id
         ORDER BY i.position;
    END IF;
    PERFORM set_config('liaison.created_id', pid::text, true);
    PERFORM liaison_audit('plan.created', 'plan', pid::text);
    RETURN pid;
END $$;

-- Replaces a draft's (or a rejected revision's) goals and initiatives; a
-- rejected revision becomes a draft again. p_goals: [{product_line_id,
-- period, units, revenue_minor, currency}] (units 0: none; currency '':
-- no revenue goal), p_initiatives: [{title, description, owner_user_id,
-- starts_on, due_on}], every value as text; formats were checked by
-- liaisond. Returns the plan's id.
CREATE OR REPLACE FUNCTION liaison_plan_save(p_plan bigint, p_goals jsonb, p_initiatives jsonb)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    p plans%ROWTYPE := liaison_plan_lock(p_plan);
    g record;
    per record;
    field text;
BEGIN
    PERFORM liaison_precondition(p.status <> 'approved',
        'an approved plan is locked: start a new revision to change it');
    PERFORM liaison_precondition(p.status <> 'proposed',
        'this plan is proposed and awaits the other side''s decision');
    PERFORM liaison_precondition(p.status <> 'superseded', 'this revision was superseded');
    DELETE FROM plan_goals x WHERE x.tenant_id = liaison_tenant() AND x.plan_id = p.id;
    DELETE FROM plan_initiatives x WHERE x.tenant_id = liaison_tenant() AND x.plan_id = p.id;
    FOR g IN SELECT e.n - 1 AS i, (e.v->>'product_line_id')::bigint AS line,
                    e.v->>'period' AS period, nullif(e.v->>'units', '0')::bigint AS units,
                    nullif(e.v->>'currency', '') AS currency,
                    (e.v->>'revenue_minor')::bigint AS revenue
               FROM jsonb_array_elements(p_goals) WITH ORDINALITY e(v, n) ORDER BY e.n LOOP
        field := format('goals[%s].', g.i);
        PERFORM liaison_check(EXISTS (SELECT 1 FROM product_lines pl
            WHERE pl.tenant_id = liaison_tenant() AND pl.id = g.line),
            field || 'productLineId', 'no such product line');
        per := liaison_plan_period(g.period);
        PERFORM liaison_check(extract(year FROM per.starts) = p.year, field || 'period',
                              format('outside the plan''s year %s', p.year));
        PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM plan_goals x
            WHERE x.tenant_id = liaison_tenant() AND x.plan_id = p.id
              AND x.product_line_id = g.line AND x.period_kind = per.kind
              AND x.period_start = per.starts), field || 'period',
            'a second goal for this product line and period');
        INSERT INTO plan_goals (tenant_id, plan_id, product_line_id, period_kind, period_start,
                                units, revenue_minor, currency)
        VALUES (liaison_tenant(), p.id, g.line, per.kind, per.starts, g.units,
                CASE WHEN g.currency IS NOT NULL THEN g.revenue END, g.currency);
    END LOOP;
    FOR g IN SELECT e.n - 1 AS i, e.v->>'title' AS title, e.v->>'description' AS description,
                    (e.v->>'owner_user_id')::bigint AS owner, (e.v->>'starts_on')::date AS starts,
                    (e.v->>'due_on')::date AS due
               FROM jsonb_array_elements(p_initiatives) WITH ORDINALITY e(v, n) ORDER BY e.n LOOP
        field := format('initiatives[%s].', g.i);
        PERFORM liaison_check(EXISTS (SELECT 1 FROM users u
            WHERE u.tenant_id = liaison_tenant() AND u.id = g.owner
              AND (u.distributor_id IS NULL OR u.distributor_id = p.distributor_id)),
            field || 'ownerUserId', 'no such user of the exporter or of this distributor');
        INSERT INTO plan_initiatives (tenant_id, plan_id, position, title, description,
                                      owner_user_id, starts_on, due_on)
        VALUES (liaison_tenant(), p.id, g.i, g.title, coalesce(g.description, ''), g.owner,
                g.starts, g.due);
    END LOOP;
    UPDATE plans x SET status = 'draft', updated_by = liaison_request_setting('actor'),
           updated_at = liaison_now()
     WHERE x.tenant_id = liaison_tenant() AND x.id = p.id;
    PERFORM liaison_audit('plan.saved', 'plan', p.id::text);
    RETURN p.id;
END $$;

-- Proposes a draft (or a rejected revision, unchanged) for the other side's
-- decision; the caller's side is recorded.
CREATE OR REPLACE FUNCTION liaison_plan_propose(p_plan bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    p plans%ROWTYPE := liaison_plan_lock(p_plan);
BEGIN
    PERFORM liaison_precondition(p.status IN ('draft', 'rejected'), format(
        'this plan is %s: only a draft (or a rejected revision) is proposed', p.status));
    PERFORM liaison_precondition(EXISTS (SELECT 1 FROM plan_goals g
        WHERE g.tenant_id = liaison_tenant() AND g.plan_id = p.id),
        'a plan needs at least one goal before it is proposed');
    UPDATE plans x SET status = 'proposed', proposed_side = liaison_plan_side(),
           proposed_by = liaison_request_setting('actor'), proposed_at = liaison_now(),
           updated_by = liaison_request_setting('actor'), updated_at = liaison_now()
     WHERE x.tenant_id = liaison_tenant() AND x.id = p.id;
    PERFORM liaison_audit('plan.proposed', 'plan', p.id::text);
    RETURN p.id;
END $$;

-- The other side's decision on a proposed plan. Approving supersedes the
-- year's approved revision, removes the targets that revision made and
-- writes this one's goals as targets: a goal replaces a target of the same
-- line and period, hand-set or not; other hand-set targets stay.
CREATE OR REPLACE FUNCTION liaison_plan_decide(p_plan bigint, p_approve boolean,
                                               p_comment text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    p plans%ROWTYPE := liaison_plan_lock(p_plan);
    now_ timestamptz := liaison_now();
    old bigint;
BEGIN
    PERFORM liaison_precondition(p.status = 'proposed', format(
        'this plan is %s: only a proposed plan is approved or rejected', p.status));
    PERFORM liaison_precondition(p.proposed_side <> liaison_plan_side(), format(
        'the %s side proposed this plan: the other side approves or rejects it',
        p.proposed_side));
    IF NOT p_approve THEN
        UPDATE plans x SET status = 'rejected', decided_by = liaison_request_setting('actor'),
               decided_at = now_, decision_comment = p_comment
         WHERE x.tenant_id = liaison_tenant() AND x.id = p.id;
        PERFORM liaison_audit('plan.rejected', 'plan', p.id::text);
        RETURN p.id;
    END IF;
    FOR old IN UPDATE plans x SET status = 'superseded'
                WHERE x.tenant_id = liaison_tenant() AND x.distributor_id = p.distributor_id
                  AND x.year = p.year AND x.status = 'approved' RETURNING x.id LOOP
        PERFORM liaison_audit('plan.superseded', 'plan', old::text);
    END LOOP;
    DELETE FROM targets t
     WHERE t.tenant_id = liaison_tenant() AND t.distributor_id = p.distributor_id
       AND t.plan_id IN (SELECT x.id FROM plans x WHERE x.tenant_id = liaison_tenant()
                            AND x.distributor_id = p.distributor_id AND x.year = p.year
                            AND x.id <> p.id);
    INSERT INTO targets AS t (tenant_id, distributor_id, product_line_id, period_kind,
                              period_start, units, revenue_minor, currency, plan_id, set_by,
                              set_at)
    SELECT g.tenant_id, p.distributor_id, g.product_line_id, g.period_kind, g.period_start,
           g.units, g.revenue_minor, g.currency, p.id, liaison_request_setting('actor'), now_
      FROM plan_goals g WHERE g.tenant_id = liaison_tenant() AND g.plan_id = p.id
     ORDER BY g.id
    ON CONFLICT (tenant_id, distributor_id, product_line_id, period_kind, period_start)
    DO UPDATE SET units = EXCLUDED.units, revenue_minor = EXCLUDED.revenue_minor,
                  currency = EXCLUDED.currency, plan_id = EXCLUDED.plan_id,
                  set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at;
    UPDATE plans x SET status = 'approved', decided_by = liaison_request_setting('actor'),
           decided_at = now_, decision_comment = p_comment
     WHERE x.tenant_id = liaison_tenant() AND x.id = p.id;
    PERFORM liaison_audit('plan.approved', 'plan', p.id::text);
    RETURN p.id;
END $$;

-- ---------------------------------------------------------- upstream updates

-- Makes a draft update. p_variants: [{language, title, body}] as text.
-- Returns its id and leaves it in liaison.created_id.
CREATE OR REPLACE FUNCTION liaison_update_create(
    p_kind text, p_title text, p_body text, p_language text, p_effective date,
    p_regions text[], p_lines bigint[], p_documents bigint[], p_variants jsonb)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    uid bigint;
    v record;
BEGIN
    PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM unnest(p_lines) l WHERE NOT EXISTS (
        SELECT 1 FROM product_lines pl WHERE pl.tenant_id = liaison_tenant() AND pl.id = l)),
        'productLineIds', 'no such product line in this tenant');
    PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM unnest(p_documents) x WHERE NOT EXISTS (
        SELECT 1 FROM documents d WHERE d.tenant_id = liaison_tenant() AND d.id = x)),
        'documentIds', 'no such document in this tenant');
    INSERT INTO upstream_updates (tenant_id, kind, title, body, language, effective_on, regions,
                                  line_ids, document_ids, created_by, created_at)
    VALUES (liaison_tenant(), p_kind, p_title, p_body, p_language, p_effective,
            (SELECT array_agg(DISTINCT r ORDER BY r) FROM unnest(p_regions) r),
            (SELECT array_agg(DISTINCT l ORDER BY l) FROM unnest(p_lines) l),
            coalesce((SELECT array_agg(DISTINCT d ORDER BY d) FROM unnest(p_documents) d), '{}'),
            liaison_request_setting('actor'), liaison_now())
    RETURNING id INTO uid;
    FOR v IN SELECT e.n - 1 AS i, e.v->>'language' AS language, e.v->>'title' AS title,
                    e.v->>'body' AS body
               FROM jsonb_array_elements(p_variants) WITH ORDINALITY e(v, n) ORDER BY e.n LOOP
        PERFORM liaison_check(v.language <> p_language AND NOT EXISTS (
            SELECT 1 FROM update_variants x WHERE x.tenant_id = liaison_tenant()
               AND x.update_id = uid AND x.language = v.language),
            format('variants[%s].language', v.i), 'a second text in this language');
        INSERT INTO update_variants (tenant_id, update_id, language, title, body)
        VALUES (liaison_tenant(), uid, v.language, v.title, v.body);
    END LOOP;
    PERFORM set_config('liaison.created_id', uid::text, true);
    PERFORM liaison_audit('update.created', 'upstream_update', uid::text);
    RETURN uid;
END $$;

-- Whether distributor p_distributor's active charter holds region p_region
-- for line p_line today: a grant in force whose region contains it (a
-- country contains its subdivisions, as in the territory rule) and whose
-- lines include it, in a charter whose product coverage includes it.
CREATE OR REPLACE FUNCTION liaison_update_holds(p_distributor bigint, p_region text,
                                                p_line bigint, p_today date) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM charter_grants g
          JOIN charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
         WHERE g.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
           AND c.status = 'active' AND liaison_region_contains(g.region, p_region)
           AND (g.all_lines OR p_line = ANY (g.line_ids))
           AND (c.full_coverage OR p_line = ANY (c.covered_line_ids))
           AND g.starts_on <= p_today AND (g.ends_on IS NULL OR g.ends_on >= p_today))
$$;

-- Publishes a draft: fixes its recipients (the distributors that hold one
-- of its regions for one of its lines), shares its attachments with them,
-- and puts it on each one's next scheduled monthly review. A full agenda
-- (32 items) is left as it is and the recipient says 'full'.
CREATE OR REPLACE FUNCTION liaison_update_publish(p_update bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    u upstream_updates%ROWTYPE;
    now_ timestamptz := liaison_now();
    today date := (liaison_now() AT TIME ZONE 'UTC')::date;
    rcp record;
    mtg record;
    item text;
BEGIN
    SELECT * INTO u FROM upstream_updates x
     WHERE x.tenant_id = liaison_tenant() AND x.id = p_update FOR UPDATE;
    PERFORM liaison_found(u.id IS NOT NULL, 'no such update');
    PERFORM liaison_precondition(u.status = 'draft', format(
        'this update was published at %s and is not published again',
        liaison_rfc3339(u.published_at)));
    item := left('Upstream update: ' || u.title, 200);
    FOR rcp IN SELECT d.id FROM distributors d
                WHERE d.tenant_id = liaison_tenant() AND d.status <> 'terminated'
                  AND EXISTS (SELECT 1 FROM unnest(u.regions) r CROSS JOIN unnest(u.line_ids) l
                               WHERE liaison_update_holds(d.id, r, l, today))
                ORDER BY d.id LOOP
        SELECT m.id, cardinality(m.agenda) AS items INTO mtg FROM meetings m
         WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = rcp.id
           AND m.kind = 'monthly' AND m.status = 'scheduled' AND m.starts_at > now_
         ORDER BY m.starts_at, m.id LIMIT 1 FOR UPDATE;
        IF mtg.id IS NULL THEN
            INSERT INTO update_recipients (tenant_id, update_id, distributor_id, agenda)
            VALUES (liaison_tenant(), u.id, rcp.id, 'no_meeting');
        ELSIF mtg.items >= 32 THEN
            INSERT INTO update_recipients (tenant_id, update_id, distributor_id, agenda,
                                           agenda_meeting_id)
            VALUES (liaison_tenant(), u.id, rcp.id, 'full', mtg.id);
        ELSE
            UPDATE meetings m SET agenda = m.agenda || item, updated_at = now_
             WHERE m.tenant_id = liaison_tenant() AND m.id = mtg.id;
            INSERT INTO update_recipients (tenant_id, update_id, distributor_id, agenda,
                                           agenda_meeting_id)
            VALUES (liaison_tenant(), u.id, rcp.id, 'added', mtg.id);
        END IF;
        INSERT INTO document_shares (tenant_id, document_id, distributor_id)
        SELECT liaison_tenant(), x, rcp.id FROM unnest(u.document_ids) x
        ON CONFLICT DO NOTHING;
    END LOOP;
    UPDATE upstream_updates x SET status = 'published',
           published_by = liaison_request_setting('actor'), published_at = now_
     WHERE x.tenant_id = liaison_tenant() AND x.id = u.id;
    PERFORM liaison_audit('update.published', 'upstream_update', u.id::text);
    RETURN u.id;
END $$;

-- Reads an update the caller reaches (a distributor user: only one
-- addressed to its distributor, by the policies above); a distributor
-- user's first reading is recorded, with its audit row. Returns its id.
CREATE OR REPLACE FUNCTION liaison_update_read(p_update bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    dist bigint := liaison_distributor_scope();
    rid bigint;
BEGIN
    PERFORM liaison_found(EXISTS (SELECT 1 FROM upstream_updates x
        WHERE x.tenant_id = liaison_tenant() AND x.id = p_update
          AND (dist = 0 OR x.status = 'published')), 'no such update');
    IF dist > 0 THEN
        INSERT INTO update_receipts (tenant_id, update_id, user_id, distributor_id,
                                     first_read_at)
        VALUES (liaison_tenant(), p_update,
                nullif(current_setting('liaison.user_id', true), '')::bigint, dist,
                liaison_now())
        ON CONFLICT (tenant_id, update_id, user_id) DO NOTHING RETURNING id INTO rid;
        IF rid IS NOT NULL THEN
            PERFORM liaison_audit('update.read', 'upstream_update', p_update::text);
        END IF;
    END IF;
    RETURN p_update;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_plan_period(text), liaison_plan_period_text(text, date),
            liaison_plan_side(), liaison_plan_lock(bigint), liaison_plan_create(bigint, integer),
            liaison_plan_save(bigint, jsonb, jsonb), liaison_plan_propose(bigint),
            liaison_plan_decide(bigint, boolean, text),
            liaison_update_create(text, text, text, text, date, text[], bigint[], bigint[],
                                  jsonb),
            liaison_update_holds(bigint, text, bigint, date), liaison_update_publish(bigint),
            liaison_update_read(bigint) TO liaison_app;
    END IF;
END $$;
