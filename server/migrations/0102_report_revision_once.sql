-- A report's revision went up by two at every save that held the market
-- intelligence (found by a library developer: 1, 3, 5): the save wrote the
-- report's row twice, the text and then who saved it, and each write is a
-- revision (0091). The text and who saved it are now one write, so a save
-- is one revision, as a submission, a review or a return to draft is; a
-- client that predicts the next revision from the last gets it right.
-- Replaces liaison_report_save (0032) but for that; its grant stays.

CREATE OR REPLACE FUNCTION liaison_report_save(p_report bigint, p_sections text[], p_sales jsonb,
                                               p_inventory jsonb, p_pipeline jsonb, p_text text,
                                               p_competition jsonb)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rep monthly_reports%ROWTYPE := liaison_report_lock(p_report);
    charter_ bigint := liaison_report_charter(p_report);
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
            PERFORM liaison_report_line_ok(charter_, e.line,
                                           format('sales[%s].productLineId', e.i));
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
            PERFORM liaison_report_line_ok(charter_, e.line,
                                           format('inventory[%s].productLineId', e.i));
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
                PERFORM liaison_report_line_ok(charter_, e.line,
                                               format('competition[%s].productLineId', e.i));
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
