-- A formal concern cited a request that reached nobody (found in a try-out):
-- with no contact on the severity's ladder, a request starts at the visit
-- (0062), and the letter said it was "sent" and had "no response", blaming
-- the distributor for a question it never received. Only a request whose
-- first step reached a contact is cited now.
--
-- Replaces liaison_concern_requests_unanswered (0271) whole but for that.

CREATE OR REPLACE FUNCTION liaison_concern_requests_unanswered(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT e.sent_at, format('escalation request #%s "%s" (%s) sent %s %s: no response, one was'
                             ' expected by %s %s', e.id, liaison_md_text(e.subject), e.severity,
                             to_char(e.sent_at AT TIME ZONE z.tz, 'YYYY-MM-DD HH24:MI'), z.tz,
                             to_char(s.expected_by AT TIME ZONE z.tz, 'YYYY-MM-DD HH24:MI'), z.tz)
      FROM escalation_requests e
     CROSS JOIN (SELECT coalesce(nullif(t.time_zone, ''), 'UTC') AS tz FROM tenants t
                  WHERE t.id = liaison_tenant()) z
      JOIN escalation_steps s ON s.tenant_id = e.tenant_id AND s.request_id = e.id
       AND s.step_no = 1 AND s.kind = 'contact'
     WHERE e.tenant_id = liaison_tenant() AND e.distributor_id = p_distributor
       AND s.expected_by >= p_since AND s.expected_by <= p_until
       AND (e.responded_at IS NULL OR e.responded_at > p_until)
$$;
