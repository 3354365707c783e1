-- The handbook's and the scorecard's weeks of cover differed from
-- attainment's and the handbook's own per-line list for the same month
-- (found in a try-out: 14.4 weeks against 28.9): the chart averaged the
-- monthly sales of the reports that had sales rows, leaving out a month
-- reported with nothing sold, where liaison_inventory_cover (0127) and
-- health count it as 0. A submitted report without sales now counts as
-- 0 units sold in the chart's three months too.
--
-- Replaces liaison_handbook_charts (0125) whole but for that; its grant
-- stays.

CREATE OR REPLACE FUNCTION liaison_handbook_charts(p_distributor bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    WITH since AS (
        SELECT (SELECT min(c.activated_at)::date FROM charters c
                 WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
                   AND c.activated_at IS NOT NULL) AS began,
               least((SELECT date_trunc('month', min(c.activated_at)::date::timestamp)::date
                        FROM charters c
                       WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
                         AND c.activated_at IS NOT NULL),
                     (SELECT min(r.period) FROM monthly_reports r
                       WHERE r.tenant_id = liaison_tenant() AND r.distributor_id = p_distributor
                         AND r.status IN ('submitted', 'reviewed'))) AS first_month),
    months AS (
        SELECT m::date AS period
          FROM since,
               generate_series(greatest(date_trunc('month', liaison_now()::date::timestamp)
                                            - interval '12 months', since.first_month),
                               date_trunc('month', liaison_now()::date::timestamp)
                                   - interval '1 month', interval '1 month') m
         WHERE since.first_month IS NOT NULL),
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
        SELECT t.period_start AS period, sum(t.units) AS units, sum(ls.units) AS sold
          FROM targets t
          LEFT JOIN LATERAL (
              SELECT coalesce(sum(s.units), 0) AS units FROM monthly_reports r
                JOIN report_sales s ON s.tenant_id = r.tenant_id AND s.report_id = r.id
               WHERE r.tenant_id = t.tenant_id AND r.distributor_id = t.distributor_id
                 AND r.period = t.period_start AND r.status IN ('submitted', 'reviewed')
                 AND s.product_line_id = t.product_line_id) ls ON true
         WHERE t.tenant_id = liaison_tenant() AND t.distributor_id = p_distributor
           AND t.period_kind = 'month' AND t.units IS NOT NULL
         GROUP BY t.period_start),
    chart_rows AS (
        SELECT to_char(m.period, 'YYYY-MM') AS period,
               CASE WHEN s.period IS NULL THEN NULL WHEN g.units IS NOT NULL THEN g.sold
                    ELSE s.units END AS sold,
               g.units AS target,
               CASE WHEN s.on_hand IS NOT NULL AND tr.monthly > 0
                    THEN round(s.on_hand / (tr.monthly * 12.0 / 52.0), 1) END AS weeks
          FROM months m
          LEFT JOIN sold s ON s.period = m.period
          LEFT JOIN target g ON g.period = m.period
          LEFT JOIN LATERAL (SELECT avg(coalesce(x.units, 0)) AS monthly FROM sold x
                              WHERE x.period BETWEEN m.period - interval '2 months'
                                                 AND m.period) tr ON true)
    SELECT json_build_object(
        'since', (SELECT to_char(s.began, 'YYYY-MM-DD') FROM since s),
        'attainment', (SELECT json_agg(json_build_object('period', r.period, 'units', r.sold,
                                                         'target', r.target) ORDER BY r.period)
                         FROM chart_rows r),
        'cover', (SELECT json_agg(json_build_object('period', r.period, 'weeks', r.weeks)
                                  ORDER BY r.period) FROM chart_rows r),
        'cover_lines', (SELECT json_agg(json_build_object(
                                  'period', to_char(last.period, 'YYYY-MM'),
                                  'line', v.product_line_code, 'on_hand', v.units_on_hand,
                                  'weeks', v.weeks_of_cover, 'buffer_unit', v.buffer_unit,
                                  'buffer_amount', v.buffer_amount, 'below', v.below_commitment)
                                  ORDER BY v.product_line_code)
                          FROM (SELECT r.period FROM monthly_reports r
                                 WHERE r.tenant_id = liaison_tenant()
                                   AND r.distributor_id = p_distributor
                                   AND r.status IN ('submitted', 'reviewed')
                                   AND r.period >= (SELECT min(period) FROM months)
                                 ORDER BY r.period DESC LIMIT 1) last
                          CROSS JOIN LATERAL liaison_inventory_cover(p_distributor, last.period) v
                         WHERE v.buffer_unit IS NOT NULL AND v.buffer_amount > 0),
        'commitment_weeks', (SELECT max(c.buffer_amount) FROM charters ch
                               JOIN charter_commitments c
                                 ON c.tenant_id = ch.tenant_id AND c.charter_id = ch.id
                              WHERE ch.tenant_id = liaison_tenant()
                                AND ch.distributor_id = p_distributor AND ch.status = 'active'
                                AND c.buffer_unit = 'weeks'),
        'commitment_weeks_differ', (SELECT count(DISTINCT c.buffer_amount) > 1 FROM charters ch
                                     JOIN charter_commitments c
                                       ON c.tenant_id = ch.tenant_id AND c.charter_id = ch.id
                                    WHERE ch.tenant_id = liaison_tenant()
                                      AND ch.distributor_id = p_distributor
                                      AND ch.status = 'active' AND c.buffer_unit = 'weeks'
                                      AND c.buffer_amount > 0),
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
