-- The handbook's and the portal's "The charter was first activated on" gave
-- the UTC date (a try-out), beside a "Generated on" in the exporter's
-- (0319): an exporter in Tokyo read 7 December for a charter activated on
-- the morning of the 8th there. The day is the exporter's now (the account
-- manager's zone, else the tenant's), as "Generated on" is. The months the
-- charts count stay as they were.
--
-- Replaces liaison_handbook_charts (0225) whole but for that.

CREATE OR REPLACE FUNCTION liaison_handbook_charts(p_distributor bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    WITH since AS (
        SELECT (SELECT (min(c.activated_at) AT TIME ZONE (
                           SELECT coalesce(nullif(ex.time_zone, ''), 'UTC') FROM distributors d
                            CROSS JOIN liaison_exporter_hours(d.account_manager_id) ex
                            WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor))::date
                  FROM charters c
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
    reps AS (
        SELECT r.id, r.period FROM monthly_reports r
         WHERE r.tenant_id = liaison_tenant() AND r.distributor_id = p_distributor
           AND r.status IN ('submitted', 'reviewed')
           AND r.period IN (SELECT period FROM months)),
    commitments AS (
        SELECT cc.product_line_id AS line, cc.buffer_unit, cc.buffer_amount
          FROM charter_commitments cc
          JOIN charters c ON c.tenant_id = cc.tenant_id AND c.id = cc.charter_id
         WHERE cc.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
           AND c.status = 'active' AND cc.buffer_amount > 0),
    month_targets AS (
        SELECT t.product_line_id AS line, t.period_start AS period, t.units FROM targets t
         WHERE t.tenant_id = liaison_tenant() AND t.distributor_id = p_distributor
           AND t.period_kind = 'month' AND t.units IS NOT NULL
           AND t.period_start IN (SELECT period FROM months)),
    charted AS (
        SELECT s.product_line_id AS line FROM reps r
          JOIN report_sales s ON s.tenant_id = liaison_tenant() AND s.report_id = r.id
        UNION SELECT i.product_line_id FROM reps r
          JOIN report_inventory i ON i.tenant_id = liaison_tenant() AND i.report_id = r.id
        UNION SELECT line FROM month_targets
        UNION SELECT line FROM commitments),
    lines AS (
        SELECT pl.id, pl.code, pl.name,
               row_number() OVER (ORDER BY (x.line IN (SELECT line FROM commitments)
                                            OR x.line IN (SELECT line FROM month_targets)) DESC,
                                           pl.code, pl.id) AS n
          FROM charted x
          JOIN product_lines pl ON pl.tenant_id = liaison_tenant() AND pl.id = x.line),
    cover AS (
        SELECT m.period, v.product_line_id AS line, v.weeks_of_cover, v.units_on_hand
          FROM months m
         CROSS JOIN LATERAL liaison_inventory_cover(p_distributor, m.period) v
         WHERE EXISTS (SELECT 1 FROM reps r WHERE r.period = m.period))
    SELECT json_build_object(
        'since', (SELECT to_char(s.began, 'YYYY-MM-DD') FROM since s),
        'months', (SELECT coalesce(json_agg(to_char(m.period, 'YYYY-MM') ORDER BY m.period),
                                   '[]') FROM months m),
        'lines', (SELECT coalesce(json_agg(json_build_object(
                             'code', l.code, 'name', l.name,
                             'buffer_unit', c.buffer_unit, 'buffer_amount', c.buffer_amount,
                             'months', (SELECT json_agg(json_build_object(
                                            'period', to_char(m.period, 'YYYY-MM'),
                                            -- A submitted report without the line's row
                                            -- sold none of it, as attainment counts it.
                                            'units', CASE WHEN r.id IS NOT NULL THEN
                                                (SELECT coalesce(sum(s.units), 0)
                                                   FROM report_sales s
                                                  WHERE s.tenant_id = liaison_tenant()
                                                    AND s.report_id = r.id
                                                    AND s.product_line_id = l.id) END,
                                            'target', t.units,
                                            'on_hand', v.units_on_hand,
                                            'weeks', round(v.weeks_of_cover, 1))
                                            ORDER BY m.period)
                                          FROM months m
                                          LEFT JOIN reps r ON r.period = m.period
                                          LEFT JOIN month_targets t
                                            ON t.line = l.id AND t.period = m.period
                                          LEFT JOIN cover v
                                            ON v.line = l.id AND v.period = m.period))
                             ORDER BY l.n), '[]')
                    FROM lines l LEFT JOIN commitments c ON c.line = l.id
                   WHERE l.n <= 8),
        'lines_more', (SELECT count(*) FILTER (WHERE l.n > 8) FROM lines l),
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
