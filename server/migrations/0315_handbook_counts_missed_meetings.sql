-- The handbook's notes discipline read "held meetings: 0; notes ... missing
-- 0" for a distributor whose 31 meetings of the last 90 days were never
-- recorded (a try-out): only held meetings were counted, while its own
-- text says a meeting not marked held or missed within 24 hours of its end
-- counts as missed, as health counts it (0219). The notes now carry the
-- meetings of those 90 days missed or left unrecorded past those 24 hours.
--
-- Replaces liaison_handbook_data (0274) whole but for that.

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
        'series', liaison_handbook_series(p_distributor),
        'fairness', (SELECT json_build_object('from', f."from", 'to', f."to",
                                              'meetings', f.meetings, 'exporter', f.exporter,
                                              'distributor', f.distributor)
                       FROM liaison_cadence_fairness(p_distributor,
                                                     (liaison_now() - interval '90 days')::date,
                                                     liaison_now()::date) f),
        'escalation', (SELECT coalesce(json_agg(json_build_object(
                           'severity', s.severity, 'source', p.source,
                           'visit_hours', e.visit_hours,
                           'working_hours_only', e.working_hours_only,
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
                      'missed', (SELECT count(*) FROM meetings m
                                  WHERE m.tenant_id = liaison_tenant()
                                    AND m.distributor_id = p_distributor
                                    AND m.ends_at >= liaison_now() - interval '90 days'
                                    AND (m.status = 'missed'
                                         OR m.status = 'scheduled'
                                            AND m.ends_at <= liaison_now() - interval '24 hours')),
                      'open_actions', (SELECT count(*) FROM action_items a
                                        WHERE a.tenant_id = liaison_tenant()
                                          AND a.distributor_id = p_distributor
                                          AND a.status = 'open' AND NOT a.internal),
                      'overdue_actions', (SELECT count(*) FROM action_items a
                                           WHERE a.tenant_id = liaison_tenant()
                                             AND a.distributor_id = p_distributor
                                             AND a.status = 'open' AND a.due_at < liaison_now()
                                             AND NOT a.internal))
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
