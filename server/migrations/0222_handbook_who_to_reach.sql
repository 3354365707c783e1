-- The handbook said how often to talk and whom a request climbs to, but
-- not how to reach anyone (found in a try-out of the lesson's story): the
-- contacts' e-mail, phone and messaging handles were stored and listed
-- nowhere in it, and the exporter's account manager was never named. The
-- distributor part of the handbook's data now carries the account manager
-- (name and e-mail, when one is assigned and not disabled) and the current
-- contacts (not left), by name, at most 50.
--
-- Replaces liaison_handbook_distributor (0035), whole but for the two keys.

CREATE OR REPLACE FUNCTION liaison_handbook_distributor(p_distributor bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', d.id, 'name', d.name, 'country', d.country, 'languages', d.languages,
        'status', d.status, 'tenant_name', t.name,
        'generated_on', to_char(liaison_now(), 'YYYY-MM-DD'),
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
                                AND (c.left_on IS NULL OR c.left_on > liaison_now()::date)
                              ORDER BY c.name, c.id LIMIT 50) c))
      FROM distributors d
      JOIN tenants t ON t.id = d.tenant_id
     CROSS JOIN liaison_exporter_hours(d.account_manager_id) ex
     WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
$$;
