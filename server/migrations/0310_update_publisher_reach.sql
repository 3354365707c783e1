-- A manager who sees only its own distributors could do through an
-- upstream update what it may not do directly (an attack try-out):
-- - publish a draft a tenant admin wrote for several regions, which then
--   reached only that manager's distributors and, published, could not be
--   published again, so the others never got it;
-- - attach the exporter's own document (shared with nobody, 0248) and
--   publish it, which shares it with the recipients: ShareDocument refuses
--   that manager exactly this;
-- - publish an attachment an admin has since taken from its distributors,
--   which publishing shared with them again.
-- Each is refused now (FAILED_PRECONDITION, the draft left as it was);
-- CreateUpstreamUpdate refuses the exporter's own attachment already
-- (rpc_update.c). A manager's own draft still reaches the distributors it
-- manages (0046). And a distributor's generated operating handbook, which
-- ShareDocument shares with that distributor alone, is attached by no one:
-- publishing shared it with every recipient (a review).
--
-- Replaces liaison_update_publish (0167) whole but for that.

CREATE OR REPLACE FUNCTION liaison_update_publish(p_update bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    u upstream_updates%ROWTYPE;
    now_ timestamptz := liaison_now();
    reach_day date;
    rcp record;
    mtg record;
    item text;
    reaches_all boolean := current_setting('liaison.role', true) = 'tenant_admin'
                           OR current_setting('liaison.sees_all', true) = 'true';
    own_doc record;
BEGIN
    SELECT * INTO u FROM upstream_updates x
     WHERE x.tenant_id = liaison_tenant() AND x.id = p_update FOR UPDATE;
    PERFORM liaison_found(u.id IS NOT NULL, 'no such update');
    PERFORM liaison_precondition(u.status = 'draft', format(
        'this update was published at %s and is not published again',
        liaison_rfc3339(u.published_at)));
    -- An actor is 'user:N e-mail' or 'token:N name', N the user's id: one
    -- user, whether through a session or an API token of its own.
    PERFORM liaison_precondition(reaches_all OR substring(u.created_by
                                     FROM '^(?:user|token):([0-9]{1,18})(?: |$)')
                                 = substring(liaison_request_setting('actor')
                                     FROM '^(?:user|token):([0-9]{1,18})(?: |$)'),
        'this draft was written by someone else, for every distributor its regions reach: a'
        ' tenant admin or a manager who sees every distributor publishes it (yours would reach'
        ' only the distributors you manage)');
    -- A distributor's generated handbook is shared with it alone, as
    -- ShareDocument keeps it, whoever publishes.
    SELECT d.id, d.title, x.name INTO own_doc FROM public.handbook_documents h
      JOIN public.documents d ON d.tenant_id = h.tenant_id AND d.id = h.document_id
      JOIN public.distributors x ON x.tenant_id = h.tenant_id AND x.id = h.distributor_id
     WHERE h.tenant_id = liaison_tenant() AND h.document_id = ANY (u.document_ids)
     ORDER BY d.id LIMIT 1;
    PERFORM liaison_precondition(own_doc.id IS NULL, format(
        'document %s is the operating handbook generated for %s, with its charter terms,'
        ' escalation ladder and contacts'' details: it is shared with that distributor alone;'
        ' draft the update again without it', own_doc.id, own_doc.name));
    -- Publishing shares each attachment with the recipients: a caller who
    -- does not reach every distributor shares only what it could share
    -- itself, a document it still sees that is not the exporter's own.
    SELECT d.id, d.title INTO own_doc FROM public.documents d
     WHERE d.tenant_id = liaison_tenant() AND d.id = ANY (u.document_ids) AND NOT d.share_all
       AND NOT EXISTS (SELECT 1 FROM public.document_shares s
                        WHERE s.tenant_id = d.tenant_id AND s.document_id = d.id)
     ORDER BY d.id LIMIT 1;
    PERFORM liaison_precondition(reaches_all OR own_doc.id IS NULL, format(
        'document %s (%s) is the exporter''s own, which every manager reads, and publishing'
        ' shares it: a tenant admin or a manager who sees every distributor publishes this',
        own_doc.id, own_doc.title));
    PERFORM liaison_precondition(reaches_all OR NOT EXISTS (
        SELECT 1 FROM unnest(u.document_ids) x WHERE NOT liaison_sees_document(x)),
        'an attachment of this update is no longer shared with a distributor you manage:'
        ' publishing would share it again; draft the update again without it, or a tenant'
        ' admin or a manager who sees every distributor publishes this');
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
