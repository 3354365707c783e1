-- Whom a document is shared with could be said only when it was added (found
-- in an exporter's try-out): a distributor signed later never got the price
-- sheet, and one whose contract ended kept reading it, unless the document
-- was added again as a new one, losing its versions and translations.
-- ShareDocument changes it. The caller's reach is checked as CreateDocument
-- checks it (liaison_sees_side for each distributor named; sharing with
-- every distributor only for a caller who reaches them all), and the
-- document must be one the caller may change: rpc_document.c checks that
-- first, for its answer, and this function again once the document is
-- locked, so that a change made meanwhile (shared with all, or no longer
-- with the caller's distributors) is not overtaken.
--
-- A manager who does not see every distributor also sees the documents
-- shared with nobody (the exporter's own, 0056). Such a manager may
-- neither empty a document's share list (every other manager would read
-- a price sheet meant for one distributor) nor give the exporter's own
-- document its first share (every other manager would lose it): a tenant
-- admin or a manager who sees every distributor does either.
--
-- Adding a distributor the document is already shared with, or removing
-- one it is not, changes nothing; every call is audited (document.share).

CREATE OR REPLACE FUNCTION liaison_document_share(p_document bigint, p_add bigint[],
                                                  p_remove bigint[], p_share_all boolean,
                                                  p_listed_only boolean)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    reaches_all boolean := current_setting('liaison.role', true) = 'tenant_admin'
                           OR current_setting('liaison.sees_all', true) = 'true';
    was_all boolean;
    had_shares boolean;
BEGIN
    PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM unnest(p_add) x WHERE NOT liaison_sees_side(x)),
                          'add', 'no such distributor');
    PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM unnest(p_remove) x
                                       WHERE NOT liaison_sees_side(x)),
                          'remove', 'no such distributor');
    PERFORM liaison_check(NOT p_share_all OR reaches_all,
                          'shareAll', 'a document for every distributor is shared by a tenant'
                          ' admin or a manager who sees every distributor');
    -- Two changes of one document's shares take turns; NO KEY, as the
    -- foreign keys of document_shares rows being added elsewhere lock it.
    SELECT d.share_all INTO was_all FROM documents d
     WHERE d.tenant_id = liaison_tenant() AND d.id = p_document
       FOR NO KEY UPDATE;
    PERFORM liaison_found(FOUND AND liaison_sees_document(p_document), 'no such document');
    PERFORM liaison_precondition(NOT was_all OR reaches_all,
                                 'this document is shared with every distributor: a tenant admin'
                                 ' or a manager who sees every distributor changes it');
    had_shares := EXISTS (SELECT 1 FROM document_shares s
                           WHERE s.tenant_id = liaison_tenant() AND s.document_id = p_document);
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
    PERFORM liaison_precondition(
        reaches_all OR had_shares = EXISTS (SELECT 1 FROM document_shares s
                                 WHERE s.tenant_id = liaison_tenant()
                                   AND s.document_id = p_document),
        CASE WHEN had_shares
             THEN 'this would leave the document shared with nobody, the exporter''s own, which'
                  ' every manager reads: a tenant admin or a manager who sees every'
                  ' distributor does that'
             ELSE 'this document is the exporter''s own, which every manager reads: a tenant'
                  ' admin or a manager who sees every distributor shares it' END);
    PERFORM set_config('liaison.created_id', p_document::text, true);
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
