-- The handbook said "Generated on" the UTC date, and called a series
-- "ended" against it: an exporter in Tokyo reading it on the morning of
-- 8 December was told 7 December, and a series that ended on the 7th was
-- still running. The date is now the exporter's (the account manager's
-- zone, else the tenant's), as the handbook's working hours are.
--
-- Replaces liaison_handbook_distributor (0225) whole but for that.

CREATE OR REPLACE FUNCTION liaison_handbook_distributor(p_distributor bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', d.id, 'name', d.name, 'country', d.country, 'languages', d.languages,
        'status', d.status, 'tenant_name', t.name,
        'generated_on', to_char(liaison_now() AT TIME ZONE coalesce(nullif(ex.time_zone, ''),
                                                                'UTC'), 'YYYY-MM-DD'),
        'distributor_time', liaison_working_time_json(d.time_zone, d.business_hours_start,
                                                      d.business_hours_end, d.work_days),
        'exporter_time', liaison_working_time_json(ex.time_zone, ex.hours_start, ex.hours_end,
                                                   ex.work_days),
        'account_manager', (SELECT json_build_object('name', u.display_name, 'email', u.email)
                              FROM users u
                             WHERE u.tenant_id = d.tenant_id AND u.id = d.account_manager_id
                               AND u.disabled_at IS NULL),
        'contacts', (SELECT coalesce(json_agg(json_build_object(
                                'name', c.name, 'role', c.role, 'email', c.email,
                                'phone', c.phone, 'messaging', c.messaging,
                                'language', c.language) ORDER BY c.name, c.id), '[]')
                       FROM (SELECT * FROM contacts c
                              WHERE c.tenant_id = d.tenant_id AND c.distributor_id = d.id
                                AND c.left_on IS NULL
                              ORDER BY c.name, c.id LIMIT 50) c),
        'contacts_more', (SELECT greatest(count(*) - 50, 0) FROM contacts c
                           WHERE c.tenant_id = d.tenant_id AND c.distributor_id = d.id
                             AND c.left_on IS NULL))
      FROM distributors d
      JOIN tenants t ON t.id = d.tenant_id
     CROSS JOIN liaison_exporter_hours(d.account_manager_id) ex
     WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
$$;
