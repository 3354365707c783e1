-- A rung that names a role and one that names a person looked alike in a
-- ladder's answer (found in a review): a person's rung answers with that
-- person's role, so the CLI's note on a contact whose role no rung names
-- (contact create, contact update) took it for a rung of that role. Each
-- step now says whether it names a role (EscalationStep.by_role).
--
-- Replaces liaison_escalation_ladder (0135) whole but for that.

CREATE OR REPLACE FUNCTION liaison_escalation_ladder(p_protocol bigint, p_distributor bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'contact_id', c.id, 'contact_name', coalesce(c.name, ''),
               'contact_role', CASE WHEN s.contact_role <> '' THEN s.contact_role
                                    ELSE coalesce(c.role, '') END,
               'method', s.method, 'response_hours', s.response_hours,
               'contact_left_on', to_char(c.left_on, 'YYYY-MM-DD'),
               'by_role', s.contact_id IS NULL) ORDER BY s.position),
           '[]')
      FROM escalation_protocol_steps s
      LEFT JOIN contacts c ON c.tenant_id = s.tenant_id
       AND c.id = coalesce(s.contact_id, liaison_escalation_contact(p_distributor, s.contact_role))
     WHERE s.tenant_id = liaison_tenant() AND s.protocol_id = p_protocol
$$;
