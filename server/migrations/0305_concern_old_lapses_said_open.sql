-- Since 0300 the formal concern cites an action item overdue since before
-- its 90 days while it is still open; under "not kept in the 90 days to X"
-- such a line read as if it had fallen due in them (a review). Its line now
-- says that it has stayed open since: 'is overdue, due 2027-01-31 ...,
-- still open'. An item due within the 90 days reads as before.
--
-- Replaces liaison_concern_actions_overdue (0300) whole but for that.

CREATE OR REPLACE FUNCTION liaison_concern_actions_overdue(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT a.due_at, format('action item "%s" (owner: %s) is overdue, due %s %s%s',
                            liaison_md_text(a.description),
                            liaison_md_text(coalesce(nullif(c.name, ''),
                                                     nullif(u.display_name, ''), u.email, '')),
                            to_char(a.due_at AT TIME ZONE z.tz, 'YYYY-MM-DD HH24:MI'), z.tz,
                            CASE WHEN a.due_at < p_since THEN ', still open' ELSE '' END)
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
