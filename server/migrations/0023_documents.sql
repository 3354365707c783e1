-- Key documents of a tenant (price sheets, catalogues, the charter, the
-- handbook), their versions and their translations. Content is bytea, held
-- to the server's document_max_bytes by liaisond (never more than a frame
-- carries) and to 64 MiB here.

CREATE TABLE IF NOT EXISTS documents (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    kind text NOT NULL
        CHECK (kind IN ('price_sheet', 'catalogue', 'marketing', 'charter', 'handbook', 'other')),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    language text NOT NULL CHECK (length(language) BETWEEN 2 AND 35),
    -- Shared with every distributor, or only with those in document_shares.
    share_all boolean NOT NULL DEFAULT false,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE IF NOT EXISTS document_shares (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    document_id bigint NOT NULL,
    distributor_id bigint NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, document_id, distributor_id),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS document_shares_distributor
    ON document_shares (tenant_id, distributor_id, document_id);

-- Version 1, 2, ... of the source; a new version is a new row.
CREATE TABLE IF NOT EXISTS document_versions (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    document_id bigint NOT NULL,
    version integer NOT NULL CHECK (version >= 1),
    media_type text NOT NULL CHECK (length(media_type) BETWEEN 3 AND 127),
    content bytea NOT NULL CHECK (octet_length(content) <= 67108864),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, document_id, version),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE
);

-- A language variant, made from version translated_from of the source. A
-- newer translation into the same language is a new row; the newest one is
-- the variant, stale once the source has a version after translated_from.
CREATE TABLE IF NOT EXISTS document_translations (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    document_id bigint NOT NULL,
    language text NOT NULL CHECK (length(language) BETWEEN 2 AND 35),
    translated_from integer NOT NULL,
    media_type text NOT NULL CHECK (length(media_type) BETWEEN 3 AND 127),
    content bytea NOT NULL CHECK (octet_length(content) <= 67108864),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, document_id, translated_from)
        REFERENCES document_versions (tenant_id, document_id, version) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS document_translations_language
    ON document_translations (tenant_id, document_id, lower(language), id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['documents', 'document_shares', 'document_versions',
                             'document_translations'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = liaison_tenant())'
                       ' WITH CHECK (tenant_id = liaison_tenant())', t);
    END LOOP;
END $$;

-- Whether the caller reads document p_document: staff and auditors every
-- one of the tenant's, a distributor user those shared with all or with
-- its own distributor.
CREATE OR REPLACE FUNCTION liaison_sees_document(p_document bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN current_setting('liaison.role', true) IN ('tenant_admin', 'manager', 'auditor')
            THEN EXISTS (SELECT 1 FROM documents d
                          WHERE d.tenant_id = liaison_tenant() AND d.id = p_document)
        WHEN current_setting('liaison.role', true) = 'distributor_user'
            THEN EXISTS (SELECT 1 FROM documents d
                          WHERE d.tenant_id = liaison_tenant() AND d.id = p_document
                            AND (d.share_all OR EXISTS (
                                SELECT 1 FROM document_shares s
                                 WHERE s.tenant_id = d.tenant_id AND s.document_id = d.id
                                   AND s.distributor_id = nullif(current_setting(
                                       'liaison.distributor_id', true), '')::bigint)))
        ELSE false END
$$;

-- Makes a document with its version 1 and its shares; audited. The
-- statement that answers reads it through liaison.created_id.
CREATE OR REPLACE FUNCTION liaison_document_add(p_kind text, p_title text, p_language text,
                                                p_share_all boolean, p_share bigint[],
                                                p_media_type text, p_content bytea)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    doc bigint;
BEGIN
    PERFORM liaison_check(NOT EXISTS (SELECT 1 FROM unnest(p_share) s WHERE NOT EXISTS (
        SELECT 1 FROM distributors d WHERE d.tenant_id = liaison_tenant() AND d.id = s
           AND liaison_sees_distributor(d.id, d.account_manager_id))),
        'share', 'no such distributor');
    INSERT INTO documents (tenant_id, kind, title, language, share_all, created_by, created_at)
    VALUES (liaison_tenant(), p_kind, p_title, p_language, p_share_all,
            liaison_request_setting('actor'), liaison_now())
    RETURNING id INTO doc;
    INSERT INTO document_shares (tenant_id, document_id, distributor_id)
    SELECT DISTINCT liaison_tenant(), doc, s FROM unnest(p_share) s;
    INSERT INTO document_versions (tenant_id, document_id, version, media_type, content,
                                   created_by, created_at)
    VALUES (liaison_tenant(), doc, 1, p_media_type, p_content, liaison_request_setting('actor'),
            liaison_now());
    PERFORM set_config('liaison.created_id', doc::text, true);
    PERFORM liaison_audit('document.create', 'document', doc::text);
    RETURN doc;
END $$;

-- Adds the next version of document p_document (locked, so two additions
-- number 2 and 3, never 2 twice); audited.
CREATE OR REPLACE FUNCTION liaison_document_version(p_document bigint, p_media_type text,
                                                    p_content bytea) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n integer;
BEGIN
    PERFORM 1 FROM documents d WHERE d.tenant_id = liaison_tenant() AND d.id = p_document
        FOR UPDATE;
    PERFORM liaison_found(FOUND, 'no such document');
    SELECT max(v.version) + 1 INTO n FROM document_versions v
     WHERE v.tenant_id = liaison_tenant() AND v.document_id = p_document;
    INSERT INTO document_versions (tenant_id, document_id, version, media_type, content,
                                   created_by, created_at)
    VALUES (liaison_tenant(), p_document, n,
            coalesce(nullif(p_media_type, ''), (SELECT v.media_type FROM document_versions v
                WHERE v.tenant_id = liaison_tenant() AND v.document_id = p_document
                  AND v.version = n - 1)),
            p_content, liaison_request_setting('actor'), liaison_now());
    PERFORM liaison_audit('document.version', 'document', p_document::text);
    RETURN n;
END $$;

-- Adds a translation of document p_document into p_language, made from
-- version p_from (NULL: the latest); audited.
CREATE OR REPLACE FUNCTION liaison_document_translate(p_document bigint, p_language text,
                                                      p_from integer, p_media_type text,
                                                      p_content bytea) RETURNS bigint
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
                                       media_type, content, created_by, created_at)
    VALUES (d.tenant_id, d.id, p_language, coalesce(p_from, latest),
            coalesce(nullif(p_media_type, ''), (SELECT v.media_type FROM document_versions v
                WHERE v.tenant_id = d.tenant_id AND v.document_id = d.id
                  AND v.version = coalesce(p_from, latest))),
            p_content, liaison_request_setting('actor'), liaison_now())
    RETURNING id INTO tr;
    PERFORM liaison_audit('document.translate', 'document', d.id::text);
    RETURN tr;
END $$;

-- The languages distributor p_distributor reads: its own and its contacts'.
CREATE OR REPLACE FUNCTION liaison_distributor_languages(p_distributor bigint) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(DISTINCT lower(l) ORDER BY lower(l)), '{}') FROM (
        SELECT unnest(d.languages) AS l FROM distributors d
         WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
        UNION ALL
        SELECT c.language FROM contacts c
         WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
           AND c.language <> '') x
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE
            ON documents, document_shares, document_versions, document_translations
            TO liaison_app;
        GRANT EXECUTE ON FUNCTION liaison_sees_document(bigint),
            liaison_document_add(text, text, text, boolean, bigint[], text, bytea),
            liaison_document_version(bigint, text, bytea),
            liaison_document_translate(bigint, text, integer, text, bytea),
            liaison_distributor_languages(bigint) TO liaison_app;
    END IF;
END $$;
