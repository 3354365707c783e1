-- Whom a document is shared with could be said only when it was added (found
-- in an exporter's try-out): a distributor signed later never got the price
-- sheet, and one whose contract ended kept reading it, unless the document
-- was added again as a new one, losing its versions and translations.
-- ShareDocument changes it. The caller's reach is checked as CreateDocument
-- checks it (liaison_sees_side for each distributor named; sharing with
-- every distributor only for a caller who reaches them all), and the
-- document must be one the caller may change (rpc_document.c). Adding a
-- distributor the document is already shared with, or removing one it is
-- not, changes nothing; every call is audited (document.share).

CREATE OR REPLACE FUNCTION liaison_document_share(p_document bigint, p_add bigint[],
                                                  p_remove bigint[], p_share_all boolean,
                                                  p_listed_only boolean)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM unnest(p_add) x WHERE NOT liaison_sees_side(x)),
                          'add', 'no such distributor');
    PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM unnest(p_remove) x
                                       WHERE NOT liaison_sees_side(x)),
                          'remove', 'no such distributor');
    PERFORM liaison_check(NOT p_share_all
                          OR current_setting('liaison.role', true) = 'tenant_admin'
                          OR current_setting('liaison.sees_all', true) = 'true',
                          'shareAll', 'a document for every distributor is shared by a tenant'
                          ' admin or a manager who sees every distributor');
    -- FOR UPDATE: two changes of one document's shares take turns.
    PERFORM 1 FROM documents d WHERE d.tenant_id = liaison_tenant() AND d.id = p_document
        FOR UPDATE;
    PERFORM liaison_found(FOUND, 'no such document');
    DELETE FROM document_shares s
     WHERE s.tenant_id = liaison_tenant() AND s.document_id = p_document
       AND s.distributor_id = ANY (p_remove);
    INSERT INTO document_shares (tenant_id, document_id, distributor_id)
    SELECT DISTINCT liaison_tenant(), p_document, x FROM unnest(p_add) x
    ON CONFLICT DO NOTHING;
    IF p_share_all OR p_listed_only THEN
        UPDATE documents d SET share_all = p_share_all
         WHERE d.tenant_id = liaison_tenant() AND d.id = p_document;
    END IF;
    PERFORM liaison_audit('document.share', 'document', p_document::text);
    RETURN p_document;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_document_share(bigint, bigint[], bigint[], boolean,
                                                         boolean) TO liaison_app;
    END IF;
END $$;
