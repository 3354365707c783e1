-- The Relationship Operating Handbook and the scorecard (issue 15, part D):
-- what liaisond renders them from, read in one statement each, and where
-- each generated handbook is kept: as the next version of the
-- distributor's handbook document (0023), so translation coverage tracks
-- it. Reports, targets and health scores (0031) are read here, never
-- written.

-- One handbook document per distributor and language, shared with that
-- distributor alone.
CREATE TABLE IF NOT EXISTS handbook_documents (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    distributor_id bigint NOT NULL,
    language text NOT NULL CHECK (length(language) BETWEEN 2 AND 35),
    document_id bigint NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX IF NOT EXISTS handbook_documents_one
    ON handbook_documents (tenant_id, distributor_id, lower(language));

DO $$
BEGIN
    ALTER TABLE handbook_documents ENABLE ROW LEVEL SECURITY;
    ALTER TABLE handbook_documents FORCE ROW LEVEL SECURITY;
    DROP POLICY IF EXISTS tenant_isolation ON handbook_documents;
    CREATE POLICY tenant_isolation ON handbook_documents
        USING (tenant_id = (SELECT liaison_tenant()))
        WITH CHECK (tenant_id = (SELECT liaison_tenant()));
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        DROP POLICY IF EXISTS distributor_scope ON handbook_documents;
        CREATE POLICY distributor_scope ON handbook_documents AS RESTRICTIVE TO liaison_app
            USING ((SELECT liaison_distributor_scope()) IN (0, distributor_id));
    END IF;
END $$;

-- The three charts of distributor p_distributor, over the twelve months
-- before the current one (liaison_now()):
--   attainment: units sold by month (submitted or reviewed reports) and the
--     month's unit targets;
--   cover: weeks of cover at each month's end: units on hand over the
--     weekly rate of the trailing three months' sales (those reported),
--     and the commitment line: the largest buffer in weeks of the active
--     charter's commitments;
--   health: the newest 60 health scores, oldest first.
-- Sums are over all product lines.
CREATE OR REPLACE FUNCTION liaison_handbook_charts(p_distributor bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    WITH months AS (
        SELECT m::date AS period
          FROM generate_series(date_trunc('month', liaison_now()::date::timestamp)
                                   - interval '12 months',
                               date_trunc('month', liaison_now()::date::timestamp)
                                   - interval '1 month', interval '1 month') m),
    sold AS (
        SELECT r.period, sum(s.units) AS units,
               (SELECT sum(i.units_on_hand) FROM report_inventory i
                 WHERE i.tenant_id = r.tenant_id AND i.report_id = r.id) AS on_hand
          FROM monthly_reports r
          LEFT JOIN report_sales s ON s.tenant_id = r.tenant_id AND s.report_id = r.id
         WHERE r.tenant_id = liaison_tenant() AND r.distributor_id = p_distributor
           AND r.status IN ('submitted', 'reviewed')
           AND r.period >= (SELECT min(period) FROM months) - interval '2 months'
         GROUP BY r.tenant_id, r.id, r.period),
    target AS (
        SELECT t.period_start AS period, sum(t.units) AS units FROM targets t
         WHERE t.tenant_id = liaison_tenant() AND t.distributor_id = p_distributor
           AND t.period_kind = 'month' AND t.units IS NOT NULL
         GROUP BY t.period_start),
    chart_rows AS (
        SELECT to_char(m.period, 'YYYY-MM') AS period, s.units AS sold, g.units AS target,
               CASE WHEN s.on_hand IS NOT NULL AND tr.monthly > 0
                    THEN round(s.on_hand / (tr.monthly * 12.0 / 52.0), 1) END AS weeks
          FROM months m
          LEFT JOIN sold s ON s.period = m.period
          LEFT JOIN target g ON g.period = m.period
          LEFT JOIN LATERAL (SELECT avg(x.units) AS monthly FROM sold x
                              WHERE x.period BETWEEN m.period - interval '2 months' AND m.period
                                AND x.units IS NOT NULL) tr ON true)
    SELECT json_build_object(
        'attainment', (SELECT json_agg(json_build_object('period', r.period, 'units', r.sold,
                                                         'target', r.target) ORDER BY r.period)
                         FROM chart_rows r),
        'cover', (SELECT json_agg(json_build_object('period', r.period, 'weeks', r.weeks)
                                  ORDER BY r.period) FROM chart_rows r),
        'commitment_weeks', (SELECT max(c.buffer_amount) FROM charters ch
                               JOIN charter_commitments c
                                 ON c.tenant_id = ch.tenant_id AND c.charter_id = ch.id
                              WHERE ch.tenant_id = liaison_tenant()
                                AND ch.distributor_id = p_distributor AND ch.status = 'active'
                                AND c.buffer_unit = 'weeks'),
        'health', (SELECT coalesce(json_agg(json_build_object(
                                     'at', to_char(h.computed_at, 'YYYY-MM-DD'),
                                     'score', h.score) ORDER BY h.computed_at, h.id), '[]')
                     FROM (SELECT * FROM health_scores h
                            WHERE h.tenant_id = liaison_tenant()
                              AND h.distributor_id = p_distributor
                            ORDER BY h.computed_at DESC, h.id DESC LIMIT 60) h),
        'health_now', (SELECT json_build_object('score', h.score, 'computed_at',
                                                liaison_rfc3339(h.computed_at),
                                                'reasons', h.reasons)
                         FROM health_scores h
                        WHERE h.tenant_id = liaison_tenant() AND h.distributor_id = p_distributor
                        ORDER BY h.computed_at DESC, h.id DESC LIMIT 1))
$$;

-- A distributor as both documents open it: name, country, languages,
-- working time, status, and the exporter's side.
CREATE OR REPLACE FUNCTION liaison_handbook_distributor(p_distributor bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', d.id, 'name', d.name, 'country', d.country, 'languages', d.languages,
        'status', d.status, 'tenant_name', t.name,
        'generated_on', to_char(liaison_now(), 'YYYY-MM-DD'),
        'distributor_time', liaison_working_time_json(d.time_zone, d.business_hours_start,
                                                      d.business_hours_end, d.work_days),
        'exporter_time', liaison_working_time_json(ex.time_zone, ex.hours_start, ex.hours_end,
                                                   ex.work_days))
      FROM distributors d
      JOIN tenants t ON t.id = d.tenant_id
     CROSS JOIN liaison_exporter_hours(d.account_manager_id) ex
     WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
$$;

-- Everything the handbook of distributor p_distributor says, as one JSON
-- object; NOT_FOUND when the caller does not reach the distributor (the
-- same answer as for one that does not exist). Lists are bounded: a
-- charter's parts by the charter's own limits, documents to 200.
CREATE OR REPLACE FUNCTION liaison_handbook_data(p_distributor bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'distributor', liaison_handbook_distributor(p_distributor),
        'charter', (SELECT json_build_object(
            'id', c.id, 'version', c.version, 'status', c.status,
            'signed_on', c.signed_on::text, 'signatories', c.signatories,
            'activated_at', liaison_rfc3339(c.activated_at),
            'full_coverage', c.full_coverage,
            'covered_lines', (SELECT coalesce(json_agg(l.code || ' ' || l.name ORDER BY l.code),
                                              '[]')
                                FROM product_lines l
                               WHERE l.tenant_id = c.tenant_id AND l.id = ANY (c.covered_line_ids)),
            'competing_allowed', c.competing_allowed,
            'report_due_day', c.report_due_day, 'report_sections', c.report_sections,
            'grants', (SELECT coalesce(json_agg(json_build_object(
                           'region', g.region, 'all_lines', g.all_lines,
                           'lines', (SELECT coalesce(json_agg(l.code || ' ' || l.name
                                                              ORDER BY l.code), '[]')
                                      FROM product_lines l
                                     WHERE l.tenant_id = g.tenant_id AND l.id = ANY (g.line_ids)),
                           'exclusive', g.exclusive, 'starts_on', g.starts_on::text,
                           'ends_on', g.ends_on::text) ORDER BY g.region, g.id), '[]')
                         FROM charter_grants g
                        WHERE g.tenant_id = c.tenant_id AND g.charter_id = c.id),
            'carve_outs', (SELECT coalesce(json_agg(json_build_object(
                               'account_name', o.account_name, 'region', o.region,
                               'note', o.note) ORDER BY o.id), '[]')
                             FROM charter_carve_outs o
                            WHERE o.tenant_id = c.tenant_id AND o.charter_id = c.id),
            'commitments', (SELECT coalesce(json_agg(json_build_object(
                                'line', l.code || ' ' || l.name, 'moq', m.moq,
                                'buffer_unit', m.buffer_unit, 'buffer_amount', m.buffer_amount,
                                'financing', m.financing,
                                'payment_terms_days', m.payment_terms_days) ORDER BY l.code), '[]')
                              FROM charter_commitments m
                              JOIN product_lines l
                                ON l.tenant_id = m.tenant_id AND l.id = m.product_line_id
                             WHERE m.tenant_id = c.tenant_id AND m.charter_id = c.id),
            'competing_lines', (SELECT coalesce(json_agg(json_build_object(
                                    'competitor', x.competitor, 'line', x.line) ORDER BY x.id),
                                    '[]')
                                  FROM charter_competing_lines x
                                 WHERE x.tenant_id = c.tenant_id AND x.charter_id = c.id))
            FROM charters c
           WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
             AND c.status = 'active'),
        'series', liaison_cadence_series_json(p_distributor, 0),
        'fairness', (SELECT json_build_object('from', f."from", 'to', f."to",
                                              'meetings', f.meetings, 'exporter', f.exporter,
                                              'distributor', f.distributor)
                       FROM liaison_cadence_fairness(p_distributor,
                                                     (liaison_now() - interval '90 days')::date,
                                                     liaison_now()::date) f),
        'escalation', (SELECT coalesce(json_agg(json_build_object(
                           'severity', s.severity, 'source', p.source,
                           'visit_hours', e.visit_hours,
                           'ladder', liaison_escalation_ladder(p.protocol_id, p_distributor))
                           ORDER BY s.rank), '[]')
                         FROM (VALUES ('low', 1), ('normal', 2), ('high', 3), ('critical', 4))
                              s (severity, rank)
                        CROSS JOIN LATERAL liaison_escalation_protocol_for(p_distributor,
                                                                           s.severity) p
                         JOIN escalation_protocols e
                           ON e.tenant_id = liaison_tenant() AND e.id = p.protocol_id),
        'languages', liaison_distributor_languages(p_distributor),
        'documents', (SELECT coalesce(json_agg(json_build_object(
                          'title', x.title, 'kind', x.kind, 'language', x.language,
                          'latest_version', x.latest, 'variants', x.variants)
                          ORDER BY x.kind, x.title, x.id), '[]')
                        FROM (SELECT d.id, d.title, d.kind, d.language,
                                     (SELECT max(v.version) FROM document_versions v
                                       WHERE v.tenant_id = d.tenant_id
                                         AND v.document_id = d.id) AS latest,
                                     (SELECT coalesce(json_agg(json_build_object(
                                                 'language', t.language,
                                                 'translated_from', t.translated_from)
                                                 ORDER BY lower(t.language)), '[]')
                                        FROM (SELECT DISTINCT ON (lower(y.language)) y.language,
                                                     y.translated_from
                                                FROM document_translations y
                                               WHERE y.tenant_id = d.tenant_id
                                                 AND y.document_id = d.id
                                               ORDER BY lower(y.language), y.id DESC) t)
                                         AS variants
                                FROM documents d
                               WHERE d.tenant_id = liaison_tenant()
                                 AND (d.share_all OR EXISTS (
                                     SELECT 1 FROM document_shares s
                                      WHERE s.tenant_id = d.tenant_id AND s.document_id = d.id
                                        AND s.distributor_id = p_distributor))
                               ORDER BY d.id LIMIT 200) x),
        'notes', (SELECT json_build_object(
                      'held', count(*),
                      'on_time', count(*) FILTER (WHERE n.status = 'on_time'),
                      'late', count(*) FILTER (WHERE n.status = 'late'),
                      'missing', count(*) FILTER (WHERE n.status = 'missing'),
                      'open_actions', (SELECT count(*) FROM action_items a
                                        WHERE a.tenant_id = liaison_tenant()
                                          AND a.distributor_id = p_distributor
                                          AND a.status = 'open'),
                      'overdue_actions', (SELECT count(*) FROM action_items a
                                           WHERE a.tenant_id = liaison_tenant()
                                             AND a.distributor_id = p_distributor
                                             AND a.status = 'open' AND a.due_at < liaison_now()))
                    FROM (SELECT liaison_notes_status(m.status, m.ends_at,
                                     (SELECT min(x.created_at) FROM meeting_notes x
                                       WHERE x.tenant_id = m.tenant_id AND x.meeting_id = m.id))
                                     AS status
                            FROM meetings m
                           WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
                             AND m.status = 'held'
                             AND m.ends_at >= liaison_now() - interval '90 days') n),
        'charts', liaison_handbook_charts(p_distributor))
     WHERE liaison_found(liaison_sees_side(p_distributor), 'no such distributor')
$$;

-- What the scorecard shows: the distributor, its active charter's version,
-- the charts and the newest health score with its reasons. NOT_FOUND as
-- above.
CREATE OR REPLACE FUNCTION liaison_scorecard_data(p_distributor bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'distributor', liaison_handbook_distributor(p_distributor),
        'charter_version', (SELECT c.version FROM charters c
                             WHERE c.tenant_id = liaison_tenant()
                               AND c.distributor_id = p_distributor AND c.status = 'active'),
        'charts', liaison_handbook_charts(p_distributor))
     WHERE liaison_found(liaison_sees_side(p_distributor), 'no such distributor')
$$;

-- Stores a generated handbook (Markdown, p_content) as the next version of
-- distributor p_distributor's handbook document in p_language, made on the
-- first generation (shared with that distributor alone). Two generations
-- at once queue on a lock, so the second one adds version 2 rather than a
-- second document. Audited as handbook.generated (the document's own rows
-- too: document.create or document.version).
CREATE OR REPLACE FUNCTION liaison_handbook_store(p_distributor bigint, p_language text,
                                                  p_content text,
                                                  OUT document_id bigint,
                                                  OUT document_version integer)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    dname text;
    doc bigint;
BEGIN
    SELECT d.name INTO dname FROM distributors d
     WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
       AND liaison_sees_distributor(d.id, d.account_manager_id);
    PERFORM liaison_found(dname IS NOT NULL, 'no such distributor');
    PERFORM pg_advisory_xact_lock(hashtextextended(
        format('handbook:%s:%s', liaison_tenant(), p_distributor), 35));
    SELECT h.document_id INTO doc FROM handbook_documents h
     WHERE h.tenant_id = liaison_tenant() AND h.distributor_id = p_distributor
       AND lower(h.language) = lower(p_language);
    IF doc IS NULL THEN
        doc := liaison_document_add('handbook', left('Operating handbook: ' || dname, 200),
                                    p_language, false, ARRAY[p_distributor],
                                    'text/markdown; charset=utf-8', convert_to(p_content, 'UTF8'));
        INSERT INTO handbook_documents (tenant_id, distributor_id, language, document_id)
        VALUES (liaison_tenant(), p_distributor, p_language, doc);
        document_version := 1;
    ELSE
        document_version := liaison_document_version(doc, 'text/markdown; charset=utf-8',
                                                     convert_to(p_content, 'UTF8'));
    END IF;
    document_id := doc;
    PERFORM liaison_audit('handbook.generated', 'distributor', p_distributor::text);
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT SELECT, INSERT ON handbook_documents TO liaison_app;
        GRANT EXECUTE ON FUNCTION liaison_handbook_charts(bigint),
            liaison_handbook_distributor(bigint), liaison_handbook_data(bigint),
            liaison_scorecard_data(bigint), liaison_handbook_store(bigint, text, text)
            TO liaison_app;
    END IF;
END $$;
