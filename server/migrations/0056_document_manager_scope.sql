-- Documents within a limited manager's reach (found in a probe): a manager
-- limited to some distributors read, versioned and translated the
-- documents shared only with others (a distributor's price sheet, its
-- generated handbook), and could attach one to an upstream update whose
-- publication shared it with a distributor of their own. Now a manager
-- who does not see every distributor sees a document shared with all,
-- one shared with nobody (the exporter's own), or one shared with at
-- least one distributor they reach; any other is "no such document", to
-- read, to change and to attach alike. Admins, auditors and managers who
-- see all are unchanged, and so are distributor users.

CREATE OR REPLACE FUNCTION liaison_sees_document(p_document bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM documents d
         WHERE d.tenant_id = liaison_tenant() AND d.id = p_document
           AND CASE current_setting('liaison.role', true)
               WHEN 'tenant_admin' THEN true
               WHEN 'auditor' THEN true
               WHEN 'manager' THEN
                   current_setting('liaison.sees_all', true) = 'true' OR d.share_all
                   OR NOT EXISTS (SELECT 1 FROM document_shares s
                                   WHERE s.tenant_id = d.tenant_id AND s.document_id = d.id)
                   OR EXISTS (SELECT 1 FROM document_shares s
                                JOIN distributors x ON x.tenant_id = s.tenant_id
                                 AND x.id = s.distributor_id
                               WHERE s.tenant_id = d.tenant_id AND s.document_id = d.id
                                 AND liaison_sees_distributor(x.id, x.account_manager_id))
               WHEN 'distributor_user' THEN
                   d.share_all OR EXISTS (
                       SELECT 1 FROM document_shares s
                        WHERE s.tenant_id = d.tenant_id AND s.document_id = d.id
                          AND s.distributor_id = nullif(current_setting(
                              'liaison.distributor_id', true), '')::bigint)
               ELSE false END)
$$;

CREATE OR REPLACE FUNCTION liaison_update_create(
    p_kind text, p_title text, p_body text, p_language text, p_effective date,
    p_regions text[], p_lines bigint[], p_documents bigint[], p_variants jsonb)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    uid bigint;
    v record;
BEGIN
    PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM unnest(p_lines) l WHERE NOT EXISTS (
        SELECT 1 FROM product_lines pl WHERE pl.tenant_id = liaison_tenant() AND pl.id = l)),
        'productLineIds', 'no such product line in this tenant');
    PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM unnest(p_documents) x
                                       WHERE NOT liaison_sees_document(x)),
        'documentIds', 'no such document in this tenant');
    INSERT INTO upstream_updates (tenant_id, kind, title, body, language, effective_on, regions,
                                  line_ids, document_ids, created_by, created_at)
    VALUES (liaison_tenant(), p_kind, p_title, p_body, p_language, p_effective,
            (SELECT array_agg(DISTINCT r ORDER BY r) FROM unnest(p_regions) r),
            (SELECT array_agg(DISTINCT l ORDER BY l) FROM unnest(p_lines) l),
            coalesce((SELECT array_agg(DISTINCT d ORDER BY d) FROM unnest(p_documents) d), '{}'),
            liaison_request_setting('actor'), liaison_now())
    RETURNING id INTO uid;
    FOR v IN SELECT e.n - 1 AS i, e.v->>'language' AS language, e.v->>'title' AS title,
                    e.v->>'body' AS body
               FROM jsonb_array_elements(p_variants) WITH ORDINALITY e(v, n) ORDER BY e.n LOOP
        PERFORM liaison_check(v.language <> p_language AND NOT EXISTS (
            SELECT 1 FROM update_variants x WHERE x.tenant_id = liaison_tenant()
               AND x.update_id = uid AND x.language = v.language),
            format('variants[%s].language', v.i), 'a second text in this language');
        INSERT INTO update_variants (tenant_id, update_id, language, title, body)
        VALUES (liaison_tenant(), uid, v.language, v.title, v.body);
    END LOOP;
    PERFORM set_config('liaison.created_id', uid::text, true);
    PERFORM liaison_audit('update.created', 'upstream_update', uid::text);
    RETURN uid;
END $$;
