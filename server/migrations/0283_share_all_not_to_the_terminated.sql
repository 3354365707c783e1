-- A document shared with every distributor, added after a distributor was
-- terminated, was read by that distributor's users (found in a try-out),
-- while sharing one with it by name is refused (0277): "every
-- distributor" is every relationship still running. A terminated
-- distributor's users read what was shared with it by name, and no longer
-- what is shared with all.
--
-- Replaces liaison_sees_document (0056) whole but for that.

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
                   (d.share_all AND NOT EXISTS (
                       SELECT 1 FROM distributors x
                        WHERE x.tenant_id = d.tenant_id AND x.status = 'terminated'
                          AND x.id = nullif(current_setting('liaison.distributor_id', true),
                                            '')::bigint))
                   OR EXISTS (
                       SELECT 1 FROM document_shares s
                        WHERE s.tenant_id = d.tenant_id AND s.document_id = d.id
                          AND s.distributor_id = nullif(current_setting(
                              'liaison.distributor_id', true), '')::bigint)
               ELSE false END)
$$;
