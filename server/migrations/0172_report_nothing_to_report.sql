-- A month with nothing to report could not be submitted (found in a
-- try-out): a charter that requires the pipeline, or competitive activity,
-- refused the report of a distributor with no open opportunity, or no
-- competitor seen that month, "the charter requires the section pipeline,
-- and it is empty", and the only way through was to invent a row. A
-- section may now be declared as having nothing to report this month
-- (SaveReportRequest.nothing_to_report): the save empties it, the report
-- keeps the declaration (monthly_reports.nothing_to_report, on the wire
-- MonthlyReport.nothing_to_report), and submission takes a declared
-- section as answered. A later save that replaces the section (with
-- content, or emptied without the declaration) drops it. liaison_report_section_filled is submission's own test
-- of a section, said once for both.
-- Replaces liaison_report_submit (0101) whole but for that.

ALTER TABLE monthly_reports ADD COLUMN IF NOT EXISTS nothing_to_report text[] NOT NULL
    DEFAULT '{}' CHECK (nothing_to_report <@ ARRAY['sales_by_line', 'inventory_on_hand',
                                                   'pipeline', 'market_intelligence',
                                                   'competitive_activity']);

-- Whether section p_section of report p_report has content.
CREATE OR REPLACE FUNCTION liaison_report_section_filled(p_report bigint, p_section text)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE p_section
        WHEN 'sales_by_line' THEN EXISTS (SELECT 1 FROM report_sales s
            WHERE s.tenant_id = liaison_tenant() AND s.report_id = p_report)
        WHEN 'inventory_on_hand' THEN EXISTS (SELECT 1 FROM report_inventory s
            WHERE s.tenant_id = liaison_tenant() AND s.report_id = p_report)
        WHEN 'pipeline' THEN EXISTS (SELECT 1 FROM report_pipeline s
            WHERE s.tenant_id = liaison_tenant() AND s.report_id = p_report)
        WHEN 'market_intelligence' THEN EXISTS (SELECT 1 FROM monthly_reports r
            WHERE r.tenant_id = liaison_tenant() AND r.id = p_report
              AND btrim(r.market_intelligence) <> '')
        WHEN 'competitive_activity' THEN EXISTS (SELECT 1 FROM report_competition s
            WHERE s.tenant_id = liaison_tenant() AND s.report_id = p_report)
        ELSE true END
$$;

-- After a save of report p_report (liaison_report_save) that replaced the
-- sections p_sections, p_declared among them (emptied): each section the
-- save replaced is declared as the save says, the others keep theirs, and
-- none that has content is. Returns p_report.
CREATE OR REPLACE FUNCTION liaison_report_nothing(p_report bigint, p_sections text[],
                                                  p_declared text[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    kept text[];
BEGIN
    SELECT ARRAY(SELECT DISTINCT x
                   FROM unnest(ARRAY(SELECT y FROM unnest(r.nothing_to_report) y
                                      WHERE y <> ALL (coalesce(p_sections, '{}')))
                               || coalesce(p_declared, '{}')) x
                  WHERE NOT liaison_report_section_filled(r.id, x) ORDER BY x)
      INTO kept FROM monthly_reports r
     WHERE r.tenant_id = liaison_tenant() AND r.id = p_report;
    -- Written only when it changes: every write of the row is a revision (0091).
    UPDATE monthly_reports r SET nothing_to_report = kept
     WHERE r.tenant_id = liaison_tenant() AND r.id = p_report
       AND r.nothing_to_report IS DISTINCT FROM kept;
    RETURN p_report;
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
        -- Declared empty is answered: nothing sold, no stock, no opportunity, no competitor
        -- seen is what the exporter asked to know.
        filled := liaison_report_section_filled(rep.id, sec) OR sec = ANY (rep.nothing_to_report);
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

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_report_section_filled(bigint, text),
            liaison_report_nothing(bigint, text[], text[]) TO liaison_app;
    END IF;
END $$;
