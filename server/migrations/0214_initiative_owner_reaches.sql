-- An initiative's owner was any user of the exporter or of the plan's
-- distributor (found in a try-out): a distributor's user, who may not list
-- the exporter's users, saved initiatives owned by user ids 1, 2, 3, ...
-- and read each one's e-mail back, learning every admin, auditor and
-- manager of the exporter; an auditor, who changes nothing, or a manager
-- who does not reach the distributor, could own one. An initiative's owner
-- is now who may own the distributor's leads and accounts (0107): its own
-- users, and the exporter's staff who reach it, auditors not.
--
-- Replaces liaison_plan_save (0165) whole but for that check; its grants
-- stay.
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
        -- A goal becomes a target on approval: it is held to a target's rules here, where the
        -- goal can still be named, rather than at approval.
        PERFORM liaison_target_line_check(p.distributor_id, g.line, field || 'productLineId');
        per := liaison_plan_period(g.period);
        PERFORM liaison_check(extract(year FROM per.starts) = p.year, field || 'period',
                              format('outside the plan''s year %s', p.year));
        PERFORM liaison_target_period_check(p.distributor_id, per.kind, per.starts,
                                            field || 'period');
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
        PERFORM liaison_check(liaison_crm_owner_ok(p.distributor_id, g.owner),
            field || 'ownerUserId', 'no user of this tenant who may own this initiative (the'
            ' exporter''s staff who reach its distributor, auditors not, or a user of its'
            ' distributor)');
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
