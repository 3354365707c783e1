-- A new translation given without a title dropped the one its language had
-- (a try-out): the Vietnamese price sheet "Bảng giá 2027", translated again
-- from the document's new version without --title, was listed to the
-- Vietnamese distributor under the German "Preisliste 2027", and nothing
-- said so. A translation without a title now keeps the last title that
-- language's translations had; one given replaces it.
--
-- Replaces liaison_document_translate (0177) whole but for that.

CREATE OR REPLACE FUNCTION liaison_document_translate(p_document bigint, p_language text,
                                                      p_from integer, p_media_type text,
                                                      p_content bytea, p_title text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    d documents%ROWTYPE;
    latest integer;
    tr bigint;
BEGIN
    SELECT * INTO d FROM documents x WHERE x.tenant_id = liaison_tenant() AND x.id = p_document;
    PERFORM liaison_found(d.id IS NOT NULL, 'no such document');
    PERFORM liaison_check(lower(p_language) <> lower(d.language), 'language',
                          'the document''s own language: add a version instead');
    SELECT max(v.version) INTO latest FROM document_versions v
     WHERE v.tenant_id = d.tenant_id AND v.document_id = d.id;
    PERFORM liaison_check(p_from IS NULL OR p_from BETWEEN 1 AND latest, 'fromVersion',
                          format('no such version: the document has versions 1 to %s', latest));
    INSERT INTO document_translations (tenant_id, document_id, language, translated_from,
                                       media_type, content, created_by, created_at, title)
    VALUES (d.tenant_id, d.id, p_language, coalesce(p_from, latest),
            coalesce(nullif(p_media_type, ''), (SELECT v.media_type FROM document_versions v
                WHERE v.tenant_id = d.tenant_id AND v.document_id = d.id
                  AND v.version = coalesce(p_from, latest))),
            p_content, liaison_request_setting('actor'), liaison_now(),
            coalesce(p_title, (SELECT t.title FROM document_translations t
                                WHERE t.tenant_id = d.tenant_id AND t.document_id = d.id
                                  AND lower(t.language) = lower(p_language)
                                  AND t.title IS NOT NULL
                                ORDER BY t.id DESC LIMIT 1)))
    RETURNING id INTO tr;
    PERFORM liaison_audit('document.translate', 'document', d.id::text);
    RETURN tr;
END $$;
