-- An auditor reads the whole tenant, a user's working time included: it was
-- refused as a manager is ("only tenant admins read another user's working
-- time", a try-out), although an auditor may read the schedule it shapes.
-- As in 0016, but for the role check. Setting another user's stays a tenant
-- admin's (liaison_set_user_working_time, unchanged).
CREATE OR REPLACE FUNCTION liaison_user_working_time(p_user bigint)
RETURNS TABLE (user_id bigint, own boolean, working_time json)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
    me bigint := nullif(current_setting('liaison.user_id', true), '')::bigint;
    who bigint := CASE WHEN p_user = 0 THEN me ELSE p_user END;
BEGIN
    PERFORM liaison_found(who IS NOT NULL AND (who = me
                          OR current_setting('liaison.role', true) IN ('tenant_admin', 'auditor'))
                          AND EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = liaison_tenant()
                                      AND u.id = who), 'no such user');
    RETURN QUERY
    SELECT u.id, u.time_zone <> '',
           liaison_working_time_json(h.time_zone, h.hours_start, h.hours_end, h.work_days)
      FROM users u, liaison_exporter_hours(u.id) h
     WHERE u.tenant_id = liaison_tenant() AND u.id = who;
END $$;
