-- A translation of an older version replaced a current one without a word
-- (a try-out of documents): with a Japanese catalogue translated from
-- version 2, `doc translate 13 --language ja --from-version 1` was taken,
-- became the variant Japanese readers are served (the one added last), and
-- `doc coverage` still listed nothing stale, counting the version-2 text no
-- one was served any more. Such a translation is now refused, naming the
-- version the one in use was made from; one of the same or a later version
-- replaces it as before. (`doc coverage` judges a reader served by the
-- variants in use only: rpc_document.c.)
--
-- Replaces liaison_document_translate (0313) whole but for that refusal.

CREATE OR REPLACE FUNCTION liaison_document_translate(p_document bigint, p_language text,
                                                      p_from integer, p_media_type text,
                                                      p_content bytea, p_title text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    d documents%ROWTYPE;
    latest integer;
    tr bigint;
    in_use integer;
BEGIN
    -- Locked, so that of two translations sent at once the second sees the
    -- first as the one in use (a review).
    SELECT * INTO d FROM documents x WHERE x.tenant_id = liaison_tenant() AND x.id = p_document
       FOR UPDATE;
    PERFORM liaison_found(d.id IS NOT NULL, 'no such document');
    PERFORM liaison_check(lower(p_language) <> lower(d.language), 'language',
                          'the document''s own language: add a version instead');
    SELECT max(v.version) INTO latest FROM document_versions v
     WHERE v.tenant_id = d.tenant_id AND v.document_id = d.id;
    PERFORM liaison_check(p_from IS NULL OR p_from BETWEEN 1 AND latest, 'fromVersion',
                          format('no such version: the document has versions 1 to %s', latest));
    -- The variant a reader of the language is served is the one added last.
    SELECT t.translated_from INTO in_use FROM document_translations t
     WHERE t.tenant_id = d.tenant_id AND t.document_id = d.id
       AND lower(t.language) = lower(p_language)
     ORDER BY t.id DESC LIMIT 1;
    PERFORM liaison_precondition(in_use IS NULL OR coalesce(p_from, latest) >= in_use, format(
        'the %s translation in use was made from version %s: one made from version %s would'
        ' replace it with an older text; translate version %s or later', p_language, in_use,
        coalesce(p_from, latest), in_use));
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
