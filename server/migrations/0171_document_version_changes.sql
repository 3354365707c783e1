-- A document's next version with the very bytes and media type of its
-- latest was taken (found in a try-out): `doc version 1 --file` of the
-- file already there made version 2, and every translation of version 1
-- read stale, so the coverage list asked distributors' translators for
-- work that was done. The same upload sent twice (a retry without its
-- idempotency key) did the same. It is now refused with
-- FAILED_PRECONDITION, naming the version that holds those bytes; a new
-- media type for the same bytes (one given wrong) is still a version. The
-- handbook compares before it versions (0052) and is unchanged.
-- Replaces liaison_document_version (0023) whole but for that.

CREATE OR REPLACE FUNCTION liaison_document_version(p_document bigint, p_media_type text,
                                                    p_content bytea) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    latest record;
BEGIN
    PERFORM 1 FROM documents d WHERE d.tenant_id = liaison_tenant() AND d.id = p_document
        FOR UPDATE;
    PERFORM liaison_found(FOUND, 'no such document');
    SELECT v.version, v.media_type, v.content = p_content AS same INTO latest
      FROM document_versions v
     WHERE v.tenant_id = liaison_tenant() AND v.document_id = p_document
     ORDER BY v.version DESC LIMIT 1;
    PERFORM liaison_precondition(latest.same IS NOT TRUE
        OR coalesce(nullif(p_media_type, ''), latest.media_type) <> latest.media_type, format(
        'version %s already holds these very bytes (%s): nothing new to add, and its'
        ' translations stay current', latest.version, latest.media_type));
    INSERT INTO document_versions (tenant_id, document_id, version, media_type, content,
                                   created_by, created_at)
    VALUES (liaison_tenant(), p_document, latest.version + 1,
            coalesce(nullif(p_media_type, ''), latest.media_type),
            p_content, liaison_request_setting('actor'), liaison_now());
    PERFORM liaison_audit('document.version', 'document', p_document::text);
    RETURN latest.version + 1;
END $$;
