-- A distributor's own escalation ladder took the name of another
-- distributor's contact for a role (found in a try-out): only a warning,
-- the ladder replaced, and the next request skipped the rung, as no
-- contact of this distributor holds such a role. The tenant default
-- refuses the same mistake (0117); a distributor's ladder now does too,
-- naming whose contact it is. Replaces liaison_escalation_protocol_set
-- (0145) whole but for that check.

CREATE OR REPLACE FUNCTION liaison_escalation_protocol_set(p_distributor bigint, p_severity text,
    p_contacts bigint[], p_roles text[], p_methods text[], p_hours integer[],
    p_visit_hours integer, p_working_hours boolean) RETURNS void
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
            SELECT c.name, c.left_on INTO who FROM contacts c
             WHERE c.tenant_id = liaison_tenant() AND c.id = p_contacts[i] FOR SHARE;
            PERFORM liaison_check(array_position(p_contacts, p_contacts[i]) = i,
                format('steps[%s].contactId', i - 1),
                format('%s (contact %s) is already on rung %s of this ladder: a contact is on '
                       'one rung of a ladder', who.name, p_contacts[i],
                       array_position(p_contacts, p_contacts[i])));
            PERFORM liaison_precondition(who.left_on IS NULL OR EXISTS (
                    SELECT 1 FROM escalation_protocol_steps s
                      JOIN escalation_protocols p ON p.tenant_id = s.tenant_id
                       AND p.id = s.protocol_id
                     WHERE s.tenant_id = liaison_tenant() AND s.contact_id = p_contacts[i]
                       AND p.distributor_id = p_distributor AND p.severity = p_severity),
                format('%s (contact %s) left on %s: a contact who has left is no new rung of an '
                       'escalation ladder (steps[%s])', who.name, p_contacts[i],
                       to_char(who.left_on, 'YYYY-MM-DD'), i - 1));
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
        ELSE
            -- Another distributor's contact named in this one's ladder was
            -- taken for a role no contact holds: the rung reached nobody.
            SELECT c.name, d.name AS distributor INTO who
              FROM contacts c
              JOIN distributors d ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id
             WHERE c.tenant_id = liaison_tenant() AND c.distributor_id <> p_distributor
               AND liaison_sees_distributor(d.id, d.account_manager_id)
               AND lower(btrim(c.name)) = lower(btrim(p_roles[i]))
               AND NOT EXISTS (SELECT 1 FROM contacts h
                                WHERE h.tenant_id = liaison_tenant()
                                  AND h.distributor_id = p_distributor
                                  AND lower(btrim(h.role)) = lower(btrim(p_roles[i])))
             ORDER BY c.id LIMIT 1;
            PERFORM liaison_check(who.name IS NULL, format('steps[%s].contactRole', i - 1),
                format('''%s'' is a contact of %s, not of this distributor: its ladder names '
                       'its own contacts, or roles they hold (purchasing manager, sales '
                       'director, ...)', who.name, who.distributor));
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
    INSERT INTO escalation_protocols (tenant_id, distributor_id, severity, visit_hours,
                                      working_hours_only)
    VALUES (liaison_tenant(), nullif(p_distributor, 0), p_severity,
            CASE WHEN p_visit_hours > 0 THEN p_visit_hours ELSE p_hours[n] END,
            coalesce(p_working_hours, false))
    RETURNING id INTO pid;
    INSERT INTO escalation_protocol_steps (tenant_id, protocol_id, position, contact_id,
                                           contact_role, method, response_hours)
    SELECT liaison_tenant(), pid, i, nullif(p_contacts[i], 0),
           CASE WHEN p_contacts[i] <> 0 THEN '' ELSE btrim(p_roles[i]) END, p_methods[i],
           p_hours[i]
      FROM generate_series(1, n) i;
    PERFORM liaison_audit('escalation_protocol.set', 'escalation_protocol', pid::text);
END $$;
