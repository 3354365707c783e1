-- A plan's goals follow the rule a hand-set target does (found in an
-- exporter's try-out): 'plan save ID --goal SUS:2027:10' was accepted for
-- a product line the distributor's charter does not cover, approved, and
-- made a target on which the monthly report refuses sales, while 'target
-- set ... SUS 2026-12' refused the same line. A goal is now refused on
-- goals[i].productLineId with SetTarget's words, by SetTarget's own check:
-- the body of the trigger liaison_target_line_ok (0051) moves into
-- liaison_target_line_check(distributor, line, field), which the trigger
-- and liaison_plan_save both call. The rule is unchanged: a retired line is
-- refused, and so is a line the active charter (when there is one) does
-- not cover. Goals already saved stay until their plan is saved again;
-- approval still writes what was saved.
--
-- An initiative runs at least partly within the plan's year: one due
-- before the year begins is refused on initiatives[i].dueOn, one starting
-- after it ends on initiatives[i].startsOn, each message naming the year
-- (a 2027 plan took an initiative of 2026-03). Goals are "within the plan's
-- year" (proto, README); an initiative's dates are only "start and due
-- dates", and one may rightly begin in the autumn before, when the plan is
-- made (the portal offers the coming year from October), or run into the
-- next year, so overlapping the year is what is asked, not lying inside it.
--
-- Replaces liaison_target_line_ok (0051) and liaison_plan_save (0033),
-- whole but for that; their trigger and grants stay.

-- Product line p_line may be a target of distributor p_distributor: it is
-- not retired, and the distributor's active charter, when it has one,
-- covers it. Raises INVALID_ARGUMENT on p_field otherwise; true.
CREATE OR REPLACE FUNCTION liaison_target_line_check(p_distributor bigint, p_line bigint,
                                                     p_field text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    pl record;
    covered boolean;
BEGIN
    SELECT l.code, l.retired_at INTO pl FROM product_lines l
     WHERE l.tenant_id = liaison_tenant() AND l.id = p_line;
    PERFORM liaison_check(pl.retired_at IS NULL, p_field,
                          format('product line %s is retired', pl.code));
    SELECT c.full_coverage OR p_line = ANY (c.covered_line_ids) INTO covered
      FROM charters c
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
       AND c.status = 'active';
    PERFORM liaison_check(covered IS NOT FALSE, p_field, format(
        'product line %s is not covered by the distributor''s charter: its sales are not reported',
        pl.code));
    RETURN true;
END $$;

CREATE OR REPLACE FUNCTION liaison_target_line_ok() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF liaison_tenant() IS NULL OR liaison_is_operator() THEN
        RETURN NEW;
    END IF;
    PERFORM liaison_target_line_check(NEW.distributor_id, NEW.product_line_id, 'productLineId');
    RETURN NEW;
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
        -- A goal becomes a target on approval: it is held to a target's rule here, where the
        -- goal can still be named, rather than at approval.
        PERFORM liaison_target_line_check(p.distributor_id, g.line, field || 'productLineId');
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
        -- Overlapping the year, not inside it: preparation may start in the autumn before.
        PERFORM liaison_check(g.due >= make_date(p.year, 1, 1), field || 'dueOn', format(
            'due before the plan''s year %s: an initiative of the plan runs at least partly'
            ' in %s', p.year, p.year));
        PERFORM liaison_check(g.starts <= make_date(p.year, 12, 31), field || 'startsOn', format(
            'starts after the plan''s year %s: an initiative of the plan runs at least partly'
            ' in %s', p.year, p.year));
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

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_target_line_check(bigint, bigint, text) TO liaison_app;
    END IF;
END $$;
