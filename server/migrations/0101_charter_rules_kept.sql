-- Rules of the charter kept where they were not (found in a try-out of the
-- CLI, a portal's and a developer's):
--
-- * A deal on a carved-out customer is the exporter's. A registration
--   that named a carve-out account already on the distributor's side
--   (VinFast, carved out in VN-HP) in another region (VN-SG) was matched
--   to that account, which lists as a carve-out and flags its orders as
--   one, but was itself accepted unflagged: the flags read only the region
--   the registration gave. It is now flagged carve_out when the account it
--   lands on is carved out too. Replaces liaison_lead_register (0063) but
--   for that.
-- * A grant of a product line the charter's product coverage leaves out
--   (coverage SUS, an exclusive grant of BRK) made a charter that activated
--   without a word, and whose orders and reports for the granted line were
--   then refused. `charter check` and each edit now warn of it.
--   Replaces liaison_charter_warnings (0053) but for the fifth warning.
-- * A terminated distributor took escalation requests (0049 refused its
--   new meetings, orders, leads and targets): the ladder then ran against
--   a partner that no longer is one, to a formal concern. A request is now
--   refused as the others are. Action items stay open to it: winding a
--   relationship down has its own tasks. Replaces
--   liaison_distributor_takes_new (0049) but for the table's name in its
--   message.
-- * A report for a month before the relationship began (2025-06 for a
--   charter whose grants start on 2026-01-01) was opened as a draft,
--   overdue at once, with no way to remove it. A month that ends before
--   the relationship's start (its first grant's start or its first
--   activation, whichever is earlier: an exporter entering a relationship
--   of some years may date its grants back) is now refused. Replaces
--   liaison_report_open (0060) but for that.
-- * Submitting a report with several required sections empty named one of
--   them at a time. It now names them all, on the first one's field.
--   Replaces liaison_report_submit (0065) but for that.
-- Their grants stay (CREATE OR REPLACE keeps them).

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
        IF NOT 'carve_out' = ANY (flags) AND EXISTS (
            SELECT 1 FROM key_accounts a
             WHERE a.tenant_id = liaison_tenant() AND a.id = acc
               AND liaison_account_carved_out(a.name, a.country, a.region)) THEN
            flags := flags || 'carve_out'::text;
        END IF;
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

CREATE OR REPLACE FUNCTION liaison_charter_warnings(p_charter bigint)
RETURNS SETOF text LANGUAGE sql STABLE AS $$
    SELECT w FROM (
        SELECT 1 AS k, m.id, format('commitment for product line %s: no grant of this charter'
                                    ' covers it', l.code) AS w
          FROM charter_commitments m
          JOIN product_lines l ON l.tenant_id = m.tenant_id AND l.id = m.product_line_id
         WHERE m.tenant_id = liaison_tenant() AND m.charter_id = p_charter
           AND NOT liaison_charter_grants_line(p_charter, l.id)
        UNION ALL
        SELECT 2, k.id, format('competing line %s of %s: product line %s is not granted by this'
                               ' charter', k.line, k.competitor, l.code)
          FROM charter_competing_lines k
          JOIN product_lines l ON l.tenant_id = k.tenant_id
               AND (lower(l.code) = lower(k.line) OR lower(l.name) = lower(k.line))
         WHERE k.tenant_id = liaison_tenant() AND k.charter_id = p_charter
           AND NOT liaison_charter_grants_line(p_charter, l.id)
        UNION ALL
        SELECT 3, k.id, format('competing line %s of %s is declared, but this charter does not'
                               ' allow competing lines', k.line, k.competitor)
          FROM charter_competing_lines k
          JOIN charters c ON c.tenant_id = k.tenant_id AND c.id = k.charter_id
         WHERE k.tenant_id = liaison_tenant() AND k.charter_id = p_charter
           AND NOT c.competing_allowed
        UNION ALL
        SELECT 4, o.id, format('carve-out %s in %s: no grant of this charter holds that region',
                               o.account_name, o.region)
          FROM charter_carve_outs o
         WHERE o.tenant_id = liaison_tenant() AND o.charter_id = p_charter AND o.region <> ''
           AND NOT EXISTS (SELECT 1 FROM charter_grants g
                            WHERE g.tenant_id = o.tenant_id AND g.charter_id = o.charter_id
                              AND liaison_regions_overlap(g.region, o.region))
        UNION ALL
        SELECT 5, g.id, format('grant of %s in %s: the charter''s product coverage leaves that'
                               ' line out, so its orders and reports will be refused',
                               l.code, g.region)
          FROM charter_grants g
          JOIN charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
          JOIN product_lines l ON l.tenant_id = g.tenant_id AND l.id = ANY (g.line_ids)
         WHERE g.tenant_id = liaison_tenant() AND g.charter_id = p_charter
           AND NOT g.all_lines AND NOT c.full_coverage
           AND NOT l.id = ANY (c.covered_line_ids)
    ) x ORDER BY k, id
$$;

CREATE OR REPLACE FUNCTION liaison_distributor_takes_new() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    d record;
BEGIN
    IF NEW.distributor_id IS NULL OR liaison_tenant() IS NULL
       OR (current_setting('liaison.operator', true) = 'on' AND liaison_is_operator()) THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(liaison_distributor_lock_key(NEW.tenant_id,
                                                                      NEW.distributor_id));
    SELECT x.name, x.status INTO d FROM distributors x
     WHERE x.tenant_id = NEW.tenant_id AND x.id = NEW.distributor_id;
    IF d.status = 'terminated' THEN
        PERFORM liaison_precondition(false, format(
            'distributor %s (%s) is terminated: it takes no new %s', NEW.distributor_id, d.name,
            CASE TG_TABLE_NAME WHEN 'meeting_series' THEN 'meeting series'
                               WHEN 'escalation_requests' THEN 'escalation requests'
                               ELSE TG_TABLE_NAME END));
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS escalation_requests_distributor_takes_new ON escalation_requests;
CREATE TRIGGER escalation_requests_distributor_takes_new BEFORE INSERT ON escalation_requests
    FOR EACH ROW EXECUTE FUNCTION liaison_distributor_takes_new();

CREATE OR REPLACE FUNCTION liaison_report_open(p_distributor bigint, p_period text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    start_ date := liaison_period_start(p_period);
    rep bigint;
    ch charters%ROWTYPE;
    began date;
    actor text := liaison_request_setting('actor');
    now_ timestamptz := liaison_now();
BEGIN
    PERFORM liaison_found(p_distributor IS NOT NULL AND liaison_sees_side(p_distributor),
                          'no such distributor');
    PERFORM liaison_check(liaison_period_kind(p_period) = 'month', 'period',
                          'a month as YYYY-MM');
    -- A month that has not begun where the distributor is has nothing to
    -- report yet.
    PERFORM liaison_check(start_ <= (SELECT date_trunc('month', now_ AT TIME ZONE
                                                         coalesce(nullif(d.time_zone, ''), 'UTC'))::date
                                       FROM distributors d
                                      WHERE d.tenant_id = liaison_tenant()
                                        AND d.id = p_distributor),
                          'period', 'a month that has begun: a report is opened for the current'
                                    ' month or an earlier one');
    SELECT r.id INTO rep FROM monthly_reports r
     WHERE r.tenant_id = liaison_tenant() AND r.distributor_id = p_distributor
       AND r.period = start_;
    IF rep IS NULL THEN
        SELECT c.* INTO ch FROM charters c
         WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
           AND c.status = 'active';
        PERFORM liaison_precondition(ch.id IS NOT NULL,
            'this distributor has no active charter: its report''s due day and required sections'
            ' come from one');
        SELECT least((SELECT min(g.starts_on) FROM charter_grants g
                        JOIN charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
                       WHERE g.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
                         AND c.activated_at IS NOT NULL),
                     (SELECT min(c.activated_at AT TIME ZONE 'UTC')::date FROM charters c
                       WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
                         AND c.activated_at IS NOT NULL))
          INTO began;
        PERFORM liaison_check(began IS NULL OR (start_ + interval '1 month')::date > began,
            'period', format('a month of the relationship, which began on %s: %s is before it',
                             began, to_char(start_, 'YYYY-MM')));
        INSERT INTO monthly_reports (tenant_id, distributor_id, period, charter_id, due_on,
                                     created_by, created_at, updated_by, updated_at)
        VALUES (liaison_tenant(), p_distributor, start_, ch.id,
                (start_ + interval '1 month')::date + (ch.report_due_day - 1), actor, now_,
                actor, now_)
        ON CONFLICT (tenant_id, distributor_id, period) DO NOTHING
        RETURNING id INTO rep;
        IF rep IS NULL THEN
            -- A concurrent opening made it first.
            SELECT r.id INTO rep FROM monthly_reports r
             WHERE r.tenant_id = liaison_tenant() AND r.distributor_id = p_distributor
               AND r.period = start_;
        ELSE
            INSERT INTO report_pipeline (tenant_id, report_id, position, lead_id, title, stage,
                                         value_minor, currency, expected_close)
            SELECT liaison_tenant(), rep, (row_number() OVER (ORDER BY l.id))::int - 1, l.id,
                   l.title, l.stage, l.value_minor, l.currency, l.expected_close
              FROM (SELECT * FROM leads x
                     WHERE x.tenant_id = liaison_tenant() AND x.distributor_id = p_distributor
                       AND x.stage NOT IN ('won', 'lost')
                       AND x.registration IS DISTINCT FROM 'rejected'
                     ORDER BY x.id LIMIT 200) l;
            PERFORM liaison_audit('report.opened', 'monthly_report', rep::text);
        END IF;
    END IF;
    PERFORM set_config('liaison.created_id', rep::text, true);
    RETURN rep;
END $$;

CREATE OR REPLACE FUNCTION liaison_report_submit(p_report bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rep monthly_reports%ROWTYPE := liaison_report_lock(p_report);
    required text[];
    sec text;
    filled boolean;
    empty_ text[] := '{}';
    today date;
BEGIN
    PERFORM liaison_precondition(rep.status = 'draft', format(
        'this report is %s: only a draft is submitted', rep.status));
    SELECT c.report_sections INTO required FROM charters c
     WHERE c.tenant_id = liaison_tenant() AND c.id = liaison_report_charter(p_report);
    FOREACH sec IN ARRAY coalesce(required, '{}') LOOP
        filled := CASE sec
            WHEN 'sales_by_line' THEN EXISTS (SELECT 1 FROM report_sales s
                WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id)
            WHEN 'inventory_on_hand' THEN EXISTS (SELECT 1 FROM report_inventory s
                WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id)
            WHEN 'pipeline' THEN EXISTS (SELECT 1 FROM report_pipeline s
                WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id)
            WHEN 'market_intelligence' THEN btrim(rep.market_intelligence) <> ''
            WHEN 'competitive_activity' THEN EXISTS (SELECT 1 FROM report_competition s
                WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id)
            ELSE true END;
        IF NOT filled THEN
            empty_ := empty_ || sec;
        END IF;
    END LOOP;
    PERFORM liaison_check(cardinality(empty_) = 0,
                          CASE empty_[1] WHEN 'sales_by_line' THEN 'sales'
                                         WHEN 'inventory_on_hand' THEN 'inventory'
                                         WHEN 'market_intelligence' THEN 'marketIntelligence'
                                         WHEN 'competitive_activity' THEN 'competition'
                                         ELSE empty_[1] END,
                          CASE WHEN cardinality(empty_) = 1
                               THEN format('the charter requires the section %s, and it is empty',
                                           empty_[1])
                               ELSE format('the charter requires the sections %s and %s, and they'
                                           ' are empty',
                                           array_to_string(empty_[1:cardinality(empty_) - 1], ', '),
                                           empty_[cardinality(empty_)]) END);
    SELECT (liaison_now() AT TIME ZONE coalesce(nullif(t.time_zone, ''), 'UTC'))::date INTO today
      FROM tenants t WHERE t.id = liaison_tenant();
    -- Submitted again after the exporter returned it: as late as it was
    -- the first time, not later for the exporter's return.
    IF rep.first_submitted_at IS NOT NULL THEN
        SELECT (rep.first_submitted_at AT TIME ZONE coalesce(nullif(t.time_zone, ''), 'UTC'))::date
          INTO today FROM tenants t WHERE t.id = liaison_tenant();
    END IF;
    UPDATE monthly_reports r SET status = 'submitted', late = today > r.due_on,
           submitted_by = liaison_request_setting('actor'), submitted_at = liaison_now(),
           first_submitted_at = coalesce(r.first_submitted_at, liaison_now()),
           updated_by = liaison_request_setting('actor'), updated_at = liaison_now()
     WHERE r.tenant_id = liaison_tenant() AND r.id = rep.id;
    PERFORM liaison_audit(CASE WHEN today > rep.due_on THEN 'report.submitted_late'
                               ELSE 'report.submitted' END, 'monthly_report', rep.id::text);
    RETURN rep.id;
END $$;
