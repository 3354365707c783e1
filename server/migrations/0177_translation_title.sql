-- A translation had no title of its own (found in a try-out): a Japanese
-- exporter's "価格表 2027" translated into Vietnamese was still listed as
-- "価格表 2027" to the Vietnamese distributor, the one reader the
-- translation was made for. AddTranslationRequest.title gives the title in
-- the translation's language, and DocumentVariant.title returns it; a
-- translation without one (all before this) reads under the document's.
--
-- Replaces liaison_document_translate (0023) whole but for p_title.

ALTER TABLE document_translations
    ADD COLUMN IF NOT EXISTS title text CHECK (title IS NULL OR length(title) BETWEEN 1 AND 200);

DROP FUNCTION IF EXISTS liaison_document_translate(bigint, text, integer, text, bytea);
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
            p_content, liaison_request_setting('actor'), liaison_now(), p_title)
    RETURNING id INTO tr;
    PERFORM liaison_audit('document.translate', 'document', d.id::text);
    RETURN tr;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_document_translate(bigint, text, integer, text, bytea,
                                                             text) TO liaison_app;
    END IF;
END $$;
