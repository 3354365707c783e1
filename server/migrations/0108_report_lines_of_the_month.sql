-- A report is checked against the product lines of its own month (found in
-- a user try-out): a distributor's charter covered BRK and FLT, its
-- 2026-10 report held 300 units of FLT sales, then the exporter amended
-- the charter to BRK only and returned the report to draft. Every line of
-- a save was checked against today's charter, so the report could no
-- longer be corrected ("product line FLT is not covered by the
-- distributor's charter") for a line it was covered for that month, and
-- the portal, whose form sends back every section it shows, could not
-- even submit it unchanged.
--
-- A report's figures are what the distributor sold and held that month: a
-- line is accepted when
--   * a charter version in force during the report's month (in the
--     distributor's time zone) covered it: a version is in force from its
--     activation until the next version's, and the first one also for the
--     months before it was activated, which a report may be opened for
--     since 0101 (an exporter may date a relationship's grants back); a
--     version expired or terminated without a successor has no recorded
--     end, and counts as in force;
--   * or the charter the report is held to now (liaison_report_charter)
--     covers it, as before: an exporter that covers a line now has no
--     reason to refuse its figures, and no save accepted until now is
--     refused;
--   * or the report already held figures for it before this save, in any
--     section: figures once accepted are corrected or kept, never made
--     unsaveable by a later amendment.
-- A line no version of the month, nor the current one, ever covered is
-- still refused, now naming the month.
--
-- A pipeline row's stage is one of a lead's (new, qualified, proposal,
-- negotiation, won, lost): "bogus" and "NEW" were kept and shown as
-- written. A stage the report already holds (free text stored before this
-- rule, "đàm phán") is taken back, so that a report shown and saved again
-- as it was is not refused for a row nobody touched.
--
-- New: liaison_report_line_of_month(report, line, field, held lines),
-- which the save calls instead of liaison_report_line_ok (0032, kept for
-- any other caller). Replaces liaison_report_save (0102) but for that and
-- for the lines it held, read before any section is replaced; its grant
-- stays (CREATE OR REPLACE keeps it).

-- Product line p_line may be reported on in report p_report: it exists,
-- and a charter version of the report's month covered it, or the charter
-- the report is held to now covers it, or it is one of p_held (the lines
-- the report held figures for before the save). Otherwise INVALID_ARGUMENT
-- on p_field.
CREATE OR REPLACE FUNCTION liaison_report_line_of_month(p_report bigint, p_line bigint,
                                                        p_field text, p_held bigint[])
RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    code_ text;
    rep monthly_reports%ROWTYPE;
    zone text;
    from_ timestamptz;
    until_ timestamptz;
BEGIN
    SELECT pl.code INTO code_ FROM product_lines pl
     WHERE pl.tenant_id = liaison_tenant() AND pl.id = p_line;
    PERFORM liaison_check(code_ IS NOT NULL, p_field, 'no such product line');
    IF p_line = ANY (p_held) THEN
        RETURN true;
    END IF;
    SELECT r.* INTO rep FROM monthly_reports r
     WHERE r.tenant_id = liaison_tenant() AND r.id = p_report;
    PERFORM liaison_found(rep.id IS NOT NULL, 'no such report');
    SELECT coalesce(nullif(d.time_zone, ''), 'UTC') INTO zone FROM distributors d
     WHERE d.tenant_id = liaison_tenant() AND d.id = rep.distributor_id;
    from_ := rep.period::timestamp AT TIME ZONE coalesce(zone, 'UTC');
    until_ := (rep.period + interval '1 month') AT TIME ZONE coalesce(zone, 'UTC');
    PERFORM liaison_check(
        EXISTS (SELECT 1 FROM charters c
                 WHERE c.tenant_id = liaison_tenant() AND c.id = liaison_report_charter(rep.id)
                   AND (c.full_coverage OR p_line = ANY (c.covered_line_ids)))
        OR EXISTS (
            SELECT 1
              FROM (SELECT c.full_coverage, c.covered_line_ids, c.activated_at,
                           lead(c.activated_at) OVER w AS superseded_at,
                           row_number() OVER w AS nth
                      FROM charters c
                     WHERE c.tenant_id = liaison_tenant()
                       AND c.distributor_id = rep.distributor_id
                       AND c.activated_at IS NOT NULL
                    WINDOW w AS (ORDER BY c.activated_at, c.version)) v
             WHERE (v.nth = 1 OR v.activated_at < until_)
               AND (v.superseded_at IS NULL OR v.superseded_at > from_)
               AND (v.full_coverage OR p_line = ANY (v.covered_line_ids))),
        p_field,
        format('product line %s is not covered by the distributor''s charter, neither now nor'
               ' in %s', code_, to_char(rep.period, 'YYYY-MM')));
    RETURN true;
END $$;

CREATE OR REPLACE FUNCTION liaison_report_save(p_report bigint, p_sections text[], p_sales jsonb,
                                               p_inventory jsonb, p_pipeline jsonb, p_text text,
                                               p_competition jsonb)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rep monthly_reports%ROWTYPE := liaison_report_lock(p_report);
    -- The lines the report held figures for before this save replaces
    -- its sections: a form sends them back as they were.
    held bigint[] := ARRAY(
        SELECT s.product_line_id FROM report_sales s
         WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id
        UNION SELECT s.product_line_id FROM report_inventory s
         WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id
        UNION SELECT s.product_line_id FROM report_competition s
         WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id
           AND s.product_line_id IS NOT NULL);
    -- A pipeline row's stage is a lead's; one stored before that rule
    -- (free text, "đàm phán") is taken back as it was, as held lines are.
    held_stages text[] := ARRAY(
        SELECT s.stage FROM report_pipeline s
         WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id);
    secs text[] := CASE WHEN cardinality(p_sections) = 0
        THEN ARRAY['sales_by_line', 'inventory_on_hand', 'pipeline', 'market_intelligence',
                   'competitive_activity'] ELSE p_sections END;
    e record;
BEGIN
    PERFORM liaison_precondition(rep.status = 'draft', format(
        'this report is %s: only a draft is saved (the exporter may return a submitted report'
        ' to draft)', rep.status));
    IF 'sales_by_line' = ANY (secs) THEN
        DELETE FROM report_sales s WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id;
        FOR e IN SELECT n - 1 AS i, (v->>'product_line_id')::bigint AS line,
                        (v->>'units')::bigint AS units, (v->>'revenue_minor')::bigint AS revenue,
                        v->>'currency' AS currency
                   FROM jsonb_array_elements(p_sales) WITH ORDINALITY a(v, n) ORDER BY n LOOP
            PERFORM liaison_report_line_of_month(
                rep.id, e.line, format('sales[%s].productLineId', e.i), held);
            PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM report_sales s
                WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id
                  AND s.product_line_id = e.line), format('sales[%s].productLineId', e.i),
                'this product line is already in the sales section');
            INSERT INTO report_sales (tenant_id, report_id, product_line_id, units, revenue_minor,
                                      currency)
            VALUES (liaison_tenant(), rep.id, e.line, e.units, e.revenue, e.currency);
        END LOOP;
    END IF;
    IF 'inventory_on_hand' = ANY (secs) THEN
        DELETE FROM report_inventory s
         WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id;
        FOR e IN SELECT n - 1 AS i, (v->>'product_line_id')::bigint AS line,
                        (v->>'units_on_hand')::bigint AS units
                   FROM jsonb_array_elements(p_inventory) WITH ORDINALITY a(v, n) ORDER BY n LOOP
            PERFORM liaison_report_line_of_month(
                rep.id, e.line, format('inventory[%s].productLineId', e.i), held);
            PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM report_inventory s
                WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id
                  AND s.product_line_id = e.line), format('inventory[%s].productLineId', e.i),
                'this product line is already in the inventory section');
            INSERT INTO report_inventory (tenant_id, report_id, product_line_id, units_on_hand)
            VALUES (liaison_tenant(), rep.id, e.line, e.units);
        END LOOP;
    END IF;
    IF 'pipeline' = ANY (secs) THEN
        DELETE FROM report_pipeline s
         WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id;
        FOR e IN SELECT n - 1 AS i, nullif(v->>'lead_id', '0')::bigint AS lead,
                        v->>'title' AS title, v->>'stage' AS stage,
                        (v->>'value_minor')::bigint AS value, v->>'currency' AS currency,
                        nullif(v->>'expected_close', '')::date AS closes
                   FROM jsonb_array_elements(p_pipeline) WITH ORDINALITY a(v, n) ORDER BY n LOOP
            PERFORM liaison_check(e.lead IS NULL OR EXISTS (SELECT 1 FROM leads l
                WHERE l.tenant_id = liaison_tenant() AND l.id = e.lead
                  AND l.distributor_id = rep.distributor_id), format('pipeline[%s].leadId', e.i),
                'no such lead of this distributor');
            PERFORM liaison_check(e.stage IN ('new', 'qualified', 'proposal', 'negotiation', 'won',
                                              'lost') OR e.stage = ANY (held_stages),
                                  format('pipeline[%s].stage', e.i),
                                  'new, qualified, proposal, negotiation, won or lost');
            INSERT INTO report_pipeline (tenant_id, report_id, position, lead_id, title, stage,
                                         value_minor, currency, expected_close)
            VALUES (liaison_tenant(), rep.id, e.i, e.lead, e.title, e.stage, e.value, e.currency,
                    e.closes);
        END LOOP;
    END IF;
    IF 'competitive_activity' = ANY (secs) THEN
        DELETE FROM report_competition s
         WHERE s.tenant_id = liaison_tenant() AND s.report_id = rep.id;
        FOR e IN SELECT n - 1 AS i, v->>'competitor' AS competitor,
                        nullif(v->>'product_line_id', '0')::bigint AS line,
                        v->>'activity' AS activity
                   FROM jsonb_array_elements(p_competition) WITH ORDINALITY a(v, n)
                  ORDER BY n LOOP
            IF e.line IS NOT NULL THEN
                PERFORM liaison_report_line_of_month(
                    rep.id, e.line, format('competition[%s].productLineId', e.i), held);
            END IF;
            INSERT INTO report_competition (tenant_id, report_id, position, competitor,
                                            product_line_id, activity)
            VALUES (liaison_tenant(), rep.id, e.i, e.competitor, e.line, e.activity);
        END LOOP;
    END IF;
    UPDATE monthly_reports r SET updated_by = liaison_request_setting('actor'),
           updated_at = liaison_now(),
           market_intelligence = CASE WHEN 'market_intelligence' = ANY (secs)
                                      THEN coalesce(p_text, '') ELSE r.market_intelligence END
     WHERE r.tenant_id = liaison_tenant() AND r.id = rep.id;
    PERFORM liaison_audit('report.saved', 'monthly_report', rep.id::text);
    RETURN rep.id;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_report_line_of_month(bigint, bigint, text, bigint[])
            TO liaison_app;
    END IF;
END $$;
