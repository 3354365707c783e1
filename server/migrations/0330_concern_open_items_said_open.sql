-- The formal concern said "still open" only of an action item overdue since
-- before its 90 days (0305): of two items open when it was drafted, one
-- read "still open" and the other as if it might have been done since (a
-- try-out). Every item open when it is drafted says so now; one done after
-- the concern's period, which it cites as overdue then, does not.
--
-- Replaces liaison_concern_actions_overdue (0305) whole but for that.

CREATE OR REPLACE FUNCTION liaison_concern_actions_overdue(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT a.due_at, format('action item "%s" (owner: %s) is overdue, due %s %s%s',
                            liaison_md_text(a.description),
                            liaison_md_text(coalesce(nullif(c.name, ''),
                                                     nullif(u.display_name, ''), u.email, '')),
                            to_char(a.due_at AT TIME ZONE z.tz, 'YYYY-MM-DD HH24:MI'), z.tz,
                            CASE WHEN a.status = 'open' THEN ', still open' ELSE '' END)
      FROM action_items a
     CROSS JOIN (SELECT coalesce(nullif(t.time_zone, ''), 'UTC') AS tz FROM tenants t
                  WHERE t.id = liaison_tenant()) z
      LEFT JOIN contacts c ON c.tenant_id = a.tenant_id AND c.id = a.owner_contact_id
      LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.owner_user_id
     WHERE a.tenant_id = liaison_tenant() AND a.distributor_id = p_distributor
       AND (c.distributor_id = p_distributor OR u.distributor_id = p_distributor)
       AND a.due_at < p_until
       AND (a.status = 'open' OR (a.status = 'done' AND a.done_at > p_until))
$$;
