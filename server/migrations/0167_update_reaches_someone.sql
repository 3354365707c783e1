-- Publishing an update that reaches no distributor is refused (found in
-- a try-out): it was published to nobody, with a warning on the CLI's
-- stderr only, and was then final, its aim beyond correcting, while the
-- portal and the API said nothing at all. The refusal names the regions
-- and the day the reach was judged on, and leaves the update a draft, to
-- publish once a charter grants its territory.
-- Replaces liaison_update_publish (0163), unchanged but for that.

CREATE OR REPLACE FUNCTION liaison_update_publish(p_update bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    u upstream_updates%ROWTYPE;
    now_ timestamptz := liaison_now();
    reach_day date;
    rcp record;
    mtg record;
    item text;
BEGIN
    SELECT * INTO u FROM upstream_updates x
     WHERE x.tenant_id = liaison_tenant() AND x.id = p_update FOR UPDATE;
    PERFORM liaison_found(u.id IS NOT NULL, 'no such update');
    PERFORM liaison_precondition(u.status = 'draft', format(
        'this update was published at %s and is not published again',
        liaison_rfc3339(u.published_at)));
    reach_day := greatest((now_ AT TIME ZONE 'UTC')::date, u.effective_on);
    item := left('Upstream update: ' || u.title, 200);
    FOR rcp IN SELECT d.id FROM distributors d
                WHERE d.tenant_id = liaison_tenant() AND d.status <> 'terminated'
                  AND liaison_sees_distributor(d.id, d.account_manager_id)
                  AND EXISTS (SELECT 1 FROM unnest(u.regions) r CROSS JOIN unnest(u.line_ids) l
                               WHERE liaison_update_holds(d.id, r, l, reach_day))
                ORDER BY d.id LOOP
        SELECT m.id, cardinality(m.agenda) AS items INTO mtg FROM meetings m
         WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = rcp.id
           AND m.kind = 'monthly' AND m.status = 'scheduled' AND m.starts_at > now_
         ORDER BY m.starts_at, m.id LIMIT 1 FOR UPDATE;
        IF mtg.id IS NULL THEN
            INSERT INTO update_recipients (tenant_id, update_id, distributor_id, agenda)
            VALUES (liaison_tenant(), u.id, rcp.id, 'no_meeting');
        ELSIF mtg.items >= 32 THEN
            INSERT INTO update_recipients (tenant_id, update_id, distributor_id, agenda,
                                           agenda_meeting_id)
            VALUES (liaison_tenant(), u.id, rcp.id, 'full', mtg.id);
        ELSE
            UPDATE meetings m SET agenda = m.agenda || item, updated_at = now_
             WHERE m.tenant_id = liaison_tenant() AND m.id = mtg.id;
            INSERT INTO update_recipients (tenant_id, update_id, distributor_id, agenda,
                                           agenda_meeting_id)
            VALUES (liaison_tenant(), u.id, rcp.id, 'added', mtg.id);
        END IF;
        INSERT INTO document_shares (tenant_id, document_id, distributor_id)
        SELECT liaison_tenant(), x, rcp.id FROM unnest(u.document_ids) x
        ON CONFLICT DO NOTHING;
    END LOOP;
    PERFORM liaison_precondition(EXISTS (SELECT 1 FROM update_recipients x
        WHERE x.tenant_id = liaison_tenant() AND x.update_id = u.id), format(
        'no distributor would receive this update: none you reach has an active charter that'
        ' grants one of its regions (%s) for one of its product lines on %s; it stays a draft,'
        ' to publish once one does', array_to_string(u.regions, ', '), reach_day));
    UPDATE upstream_updates x SET status = 'published',
           published_by = liaison_request_setting('actor'), published_at = now_
     WHERE x.tenant_id = liaison_tenant() AND x.id = u.id;
    PERFORM liaison_audit('update.published', 'upstream_update', u.id::text);
    RETURN u.id;
END $$;
