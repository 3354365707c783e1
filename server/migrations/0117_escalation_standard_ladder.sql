-- A new exporter can escalate on its first day (found in a try-out): a
-- tenant began with no default escalation ladder, so `escalation request`
-- was refused for every distributor until an admin had written one per
-- severity. A tenant now starts with the ladder the domain describes for
-- a distributor that goes silent: the purchasing manager, then the sales
-- director, then the general manager, then a visit, then the formal
-- concern, each severity with its own methods and timeframes. It is an
-- ordinary tenant default: shown by `escalation protocol --default`,
-- replaced or removed by a tenant admin, exported with the tenant.
-- CreateTenant fills it (server/rpc_tenant.c); tenants made before this
-- migration get it for each severity they have no default for.
--
-- Also: the tenant default names roles, and a rung that named a person
-- (a contact's name or e-mail, typed where a role belongs) was stored as
-- a role no contact holds, so every request skipped it in silence. Such
-- a rung is now refused, naming the contact it matched.

-- Fills each severity p_tenant has no default ladder for with the standard
-- one; returns how many it filled. Audited as the request's actor, or as
-- p_by when no request is under way (this migration).
CREATE OR REPLACE FUNCTION liaison_escalation_standard(p_tenant bigint, p_by text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    roles CONSTANT text[] := ARRAY['purchasing manager', 'sales director', 'general manager'];
    s record;
    pid bigint;
    n integer := 0;
BEGIN
    -- Faster and by voice as the severity rises; a visit abroad takes days
    -- to arrange, so it has longer than any rung.
    FOR s IN SELECT * FROM (VALUES
            ('low', ARRAY['email', 'email', 'email'], ARRAY[120, 120, 168], 336),
            ('normal', ARRAY['email', 'email', 'phone'], ARRAY[48, 48, 72], 168),
            ('high', ARRAY['email', 'phone', 'phone'], ARRAY[24, 24, 48], 120),
            ('critical', ARRAY['phone', 'phone', 'phone'], ARRAY[4, 8, 24], 72))
            v (severity, methods, hours, visit_hours) LOOP
        INSERT INTO escalation_protocols (tenant_id, distributor_id, severity, visit_hours)
        VALUES (p_tenant, NULL, s.severity, s.visit_hours)
        ON CONFLICT (tenant_id, (coalesce(distributor_id, 0)), severity) DO NOTHING
        RETURNING id INTO pid;
        CONTINUE WHEN pid IS NULL;
        INSERT INTO escalation_protocol_steps (tenant_id, protocol_id, position, contact_role,
                                               method, response_hours)
        SELECT p_tenant, pid, i, roles[i], (s.methods)[i], (s.hours)[i]
          FROM generate_series(1, cardinality(roles)) i;
        IF p_by IS NULL THEN
            PERFORM liaison_audit('escalation_protocol.set', 'escalation_protocol', pid::text);
        ELSE
            INSERT INTO audit_log (tenant_id, actor, action, entity, entity_id, request_id, source)
            VALUES (p_tenant, p_by, 'escalation_protocol.set', 'escalation_protocol', pid::text,
                    '-', p_by);
        END IF;
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;

-- The tenants already here, as the migration role: their rows are written
-- past the tenant wall, which needs a request's tenant context, and the
-- wall is forced again at once.
ALTER TABLE escalation_protocols NO FORCE ROW LEVEL SECURITY;
ALTER TABLE escalation_protocol_steps NO FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY;
SELECT liaison_escalation_standard(t.id, 'migration 0117') FROM tenants t ORDER BY t.id;
ALTER TABLE escalation_protocols FORCE ROW LEVEL SECURITY;
ALTER TABLE escalation_protocol_steps FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;

-- As in 0018, but a tenant default's rung that names a person rather than
-- a role is refused: an e-mail address, or a contact's name that no
-- contact holds as a role.
CREATE OR REPLACE FUNCTION liaison_escalation_protocol_set(p_distributor bigint, p_severity text,
    p_contacts bigint[], p_roles text[], p_methods text[], p_hours integer[],
    p_visit_hours integer) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n integer := coalesce(cardinality(p_methods), 0);
    pid bigint;
    who record;
BEGIN
    IF p_distributor <> 0 THEN
        PERFORM liaison_found(EXISTS (SELECT 1 FROM distributors d
                                       WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
                                         AND liaison_sees_distributor(d.id, d.account_manager_id)),
                              'no such distributor');
    END IF;
    FOR i IN 1 .. n LOOP
        IF p_contacts[i] <> 0 THEN
            PERFORM liaison_check(p_distributor <> 0, format('steps[%s].contactId', i - 1),
                                  'the tenant default names contact roles, not contacts');
            PERFORM liaison_check(EXISTS (SELECT 1 FROM contacts c
                                           WHERE c.tenant_id = liaison_tenant()
                                             AND c.id = p_contacts[i]
                                             AND c.distributor_id = p_distributor),
                                  format('steps[%s].contactId', i - 1),
                                  'not a contact of this distributor');
        ELSIF p_distributor = 0 THEN
            PERFORM liaison_check(strpos(p_roles[i], '@') = 0, format('steps[%s].contactRole', i - 1),
                format('''%s'' is an e-mail address: the tenant default names contact roles '
                       '(purchasing manager, sales director, ...); name a person in a '
                       'distributor''s own ladder', btrim(p_roles[i])));
            SELECT c.name, d.name AS distributor INTO who
              FROM contacts c
              JOIN distributors d ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id
             WHERE c.tenant_id = liaison_tenant()
               AND lower(btrim(c.name)) = lower(btrim(p_roles[i]))
               AND NOT EXISTS (SELECT 1 FROM contacts h
                                WHERE h.tenant_id = liaison_tenant()
                                  AND lower(btrim(h.role)) = lower(btrim(p_roles[i])))
             ORDER BY c.id LIMIT 1;
            PERFORM liaison_check(who.name IS NULL, format('steps[%s].contactRole', i - 1),
                format('''%s'' is a contact of %s, not a role: the tenant default names contact '
                       'roles (purchasing manager, sales director, ...); name a person in a '
                       'distributor''s own ladder', who.name, who.distributor));
        END IF;
    END LOOP;
    DELETE FROM escalation_protocols p
     WHERE p.tenant_id = liaison_tenant() AND p.severity = p_severity
       AND coalesce(p.distributor_id, 0) = p_distributor;
    IF n = 0 THEN
        PERFORM liaison_audit('escalation_protocol.remove', 'escalation_protocol',
                              p_distributor || ':' || p_severity);
        RETURN;
    END IF;
    INSERT INTO escalation_protocols (tenant_id, distributor_id, severity, visit_hours)
    VALUES (liaison_tenant(), nullif(p_distributor, 0), p_severity,
            CASE WHEN p_visit_hours > 0 THEN p_visit_hours ELSE p_hours[n] END)
    RETURNING id INTO pid;
    INSERT INTO escalation_protocol_steps (tenant_id, protocol_id, position, contact_id,
                                           contact_role, method, response_hours)
    SELECT liaison_tenant(), pid, i, nullif(p_contacts[i], 0),
           CASE WHEN p_contacts[i] <> 0 THEN '' ELSE btrim(p_roles[i]) END, p_methods[i],
           p_hours[i]
      FROM generate_series(1, n) i;
    PERFORM liaison_audit('escalation_protocol.set', 'escalation_protocol', pid::text);
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_escalation_standard(bigint, text) TO liaison_app;
    END IF;
END $$;
