-- The formal concern cited only the action items that fell due in its 90
-- days: one overdue since before them and still open was left out (a
-- try-out of the lesson's story: the customer-feedback survey due in
-- January was missing from May's letter). The longer a commitment had been
-- broken, the less likely it was to be cited. An item of the distributor's
-- side due before the letter, and open when it is drafted (or done only
-- after), is cited however long ago it fell due.
--
-- Replaces liaison_concern_actions_overdue (0271) whole but for that;
-- p_since no longer bounds it, and stays in the signature its caller uses.

CREATE OR REPLACE FUNCTION liaison_concern_actions_overdue(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT a.due_at, format('action item "%s" (owner: %s) is overdue, due %s %s',
                            liaison_md_text(a.description),
                            liaison_md_text(coalesce(nullif(c.name, ''),
                                                     nullif(u.display_name, ''), u.email, '')),
                            to_char(a.due_at AT TIME ZONE z.tz, 'YYYY-MM-DD HH24:MI'), z.tz)
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
