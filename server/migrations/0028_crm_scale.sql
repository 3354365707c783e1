-- Issue 13's leftovers: indexes the CRM, order and document lists need at
-- 10x data (tests/integration/test_crm_plans.py), documents uploaded in
-- chunks, and exports of tenants whose documents are larger than a row of
-- the wire may be.

-- ---------------- chunked uploads ----------------

-- A document's content on its way in: declared size and SHA-256 first,
-- then parts in order, then taken whole (checked) by the CreateDocument,
-- AddDocumentVersion or AddTranslation that names it, in that request's
-- transaction. Nothing of it is a document before then. One user's: the
-- actor that began it. Gone at expires_at (liaison_document_upload_prune).
CREATE TABLE IF NOT EXISTS document_uploads (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    size_bytes bigint NOT NULL CHECK (size_bytes BETWEEN 1 AND 67108864),
    sha256 bytea NOT NULL CHECK (octet_length(sha256) = 32),
    received_bytes bigint NOT NULL DEFAULT 0 CHECK (received_bytes BETWEEN 0 AND size_bytes),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS document_uploads_expires ON document_uploads (tenant_id, expires_at);

CREATE TABLE IF NOT EXISTS document_upload_parts (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    upload_id bigint NOT NULL,
    offset_bytes bigint NOT NULL CHECK (offset_bytes >= 0),
    content bytea NOT NULL CHECK (octet_length(content) BETWEEN 1 AND 67108864),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, upload_id, offset_bytes),
    FOREIGN KEY (tenant_id, upload_id) REFERENCES document_uploads (tenant_id, id) ON DELETE CASCADE
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['document_uploads', 'document_upload_parts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = liaison_tenant())'
                       ' WITH CHECK (tenant_id = liaison_tenant())', t);
    END LOOP;
END $$;

-- Begins an upload of p_size bytes whose SHA-256 is p_sha256, open for
-- p_lifetime_s seconds; refused (LS429, RESOURCE_EXHAUSTED) while the
-- tenant has p_max_open uploads open. Begins in a tenant are serialized so
-- that two cannot both take the last place. Returns the upload (the
-- statement that calls it does not see the row in its own snapshot).
CREATE OR REPLACE FUNCTION liaison_document_upload_begin(p_size bigint, p_sha256 bytea,
                                                         p_max_open int, p_lifetime_s int)
RETURNS document_uploads
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    now_ timestamptz := liaison_now();
    open_ int;
    up document_uploads%ROWTYPE;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('liaison.document_upload'), liaison_tenant()::int);
    DELETE FROM document_uploads u WHERE u.tenant_id = liaison_tenant() AND u.expires_at <= now_;
    SELECT count(*) INTO open_ FROM document_uploads u WHERE u.tenant_id = liaison_tenant();
    IF open_ >= p_max_open THEN
        RAISE EXCEPTION USING ERRCODE = 'LS429', MESSAGE = format(
            'this tenant has %s uploads open, the most it may: finish one or let it expire', open_);
    END IF;
    INSERT INTO document_uploads (tenant_id, size_bytes, sha256, created_by, created_at,
                                  expires_at)
    VALUES (liaison_tenant(), p_size, p_sha256, liaison_request_setting('actor'), now_,
            now_ + make_interval(secs => p_lifetime_s))
    RETURNING * INTO up;
    -- One pending prune per tenant, at the earliest expiry; it comes back while uploads remain.
    IF NOT EXISTS (SELECT 1 FROM public.jobs j WHERE j.for_tenant = liaison_tenant()
                      AND j.kind = 'document_upload_prune' AND j.key = ''
                      AND j.done_at IS NULL) THEN
        PERFORM liaison_schedule('document_upload_prune', '',
                                 now_ + make_interval(secs => p_lifetime_s), '{}');
    END IF;
    RETURN up;
END $$;

-- The caller's open upload p_upload, locked; raises NOT_FOUND otherwise.
CREATE OR REPLACE FUNCTION liaison_document_upload_lock(p_upload bigint)
RETURNS document_uploads
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    u document_uploads%ROWTYPE;
BEGIN
    SELECT * INTO u FROM document_uploads x
     WHERE x.tenant_id = liaison_tenant() AND x.id = p_upload
       AND x.created_by = liaison_request_setting('actor') AND x.expires_at > liaison_now()
       FOR UPDATE;
    PERFORM liaison_found(u.id IS NOT NULL, 'no such upload (it may have expired)');
    RETURN u;
END $$;

-- Adds the part at p_offset; answers the bytes received so far. A part
-- already received (a retry) changes nothing; an empty one only asks how
-- far the upload got, so that a client can resume after a lost connection.
CREATE OR REPLACE FUNCTION liaison_document_upload_chunk(p_upload bigint, p_offset bigint,
                                                         p_content bytea)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    u document_uploads%ROWTYPE := liaison_document_upload_lock(p_upload);
    n bigint := octet_length(p_content);
BEGIN
    IF n = 0 OR p_offset + n <= u.received_bytes THEN
        RETURN u.received_bytes;
    END IF;
    PERFORM liaison_precondition(p_offset = u.received_bytes, format(
        'the upload has its first %s bytes: send the part at offset %s', u.received_bytes,
        u.received_bytes));
    PERFORM liaison_check(p_offset + n <= u.size_bytes, 'content', format(
        'past the %s bytes declared at BeginDocumentUpload', u.size_bytes));
    INSERT INTO document_upload_parts (tenant_id, upload_id, offset_bytes, content)
    VALUES (u.tenant_id, u.id, p_offset, p_content);
    UPDATE document_uploads x SET received_bytes = p_offset + n
     WHERE x.tenant_id = u.tenant_id AND x.id = u.id;
    RETURN p_offset + n;
END $$;

-- The whole content of the caller's complete upload p_upload, its SHA-256
-- checked, and the upload gone; raises (so nothing is made) otherwise.
CREATE OR REPLACE FUNCTION liaison_document_upload_take(p_upload bigint) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    u document_uploads%ROWTYPE := liaison_document_upload_lock(p_upload);
    whole bytea;
BEGIN
    PERFORM liaison_precondition(u.received_bytes = u.size_bytes, format(
        'the upload has %s of its %s bytes', u.received_bytes, u.size_bytes));
    SELECT string_agg(p.content, ''::bytea ORDER BY p.offset_bytes) INTO whole
      FROM document_upload_parts p WHERE p.tenant_id = u.tenant_id AND p.upload_id = u.id;
    PERFORM liaison_check(sha256(whole) = u.sha256, 'uploadId',
                          'the content''s SHA-256 is not the one BeginDocumentUpload declared');
    DELETE FROM document_uploads x WHERE x.tenant_id = u.tenant_id AND x.id = u.id;
    RETURN whole;
END $$;

-- The job: forgets the tenant's expired uploads, and comes back at the
-- next expiry while some remain.
CREATE OR REPLACE FUNCTION liaison_document_upload_prune(p_payload jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    next_ timestamptz;
BEGIN
    DELETE FROM document_uploads u
     WHERE u.tenant_id = liaison_tenant() AND u.expires_at <= liaison_now();
    SELECT min(u.expires_at) INTO next_ FROM document_uploads u
     WHERE u.tenant_id = liaison_tenant();
    IF next_ IS NOT NULL THEN
        PERFORM liaison_schedule('document_upload_prune', '', next_, p_payload);
    END IF;
END $$;

INSERT INTO job_kinds (kind, fn)
VALUES ('document_upload_prune', 'liaison_document_upload_prune'::regproc)
    ON CONFLICT (kind) DO UPDATE SET fn = EXCLUDED.fn;

-- ---------------- exports of large content ----------------

-- One page of a tenant export, as in 0007, except that a table's bytea
-- column named content leaves its rows and goes out in rows of its own,
-- table "TABLE.content" right after TABLE: {"id": the row's id, "part": 0,
-- 1, ..., "content": "\x" and the hex of 16 KiB of it}, each part's export
-- id being the row's id * 4096 + part (contents are at most 64 MiB, 4096
-- parts). So no exported row passes the wire's 400 KiB text bound however
-- large a document is, a row (32 KiB) fits the smallest stream part and
-- output cap a server may have, and pages still resume at (table, id).
CREATE OR REPLACE FUNCTION liaison_export_page(p_table text, p_after bigint, p_limit int,
                                               p_secrets boolean)
RETURNS TABLE (tbl text, id bigint, js text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    t text;
    base text;
    hidden text[];
    got int := 0;
    rec record;
BEGIN
    FOR t IN
        SELECT x.t FROM (
            SELECT c.relname::text AS t FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
                   AND NOT a.attisdropped
             WHERE n.nspname = 'public' AND c.relkind = 'r'
            UNION SELECT 'tenants'
            UNION SELECT c.relname::text || '.content' FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
                   AND NOT a.attisdropped
              JOIN pg_attribute b ON b.attrelid = c.oid AND b.attname = 'content'
                   AND b.atttypid = 'bytea'::regtype AND NOT b.attisdropped
             WHERE n.nspname = 'public' AND c.relkind = 'r') x
         WHERE x.t >= p_table ORDER BY 1
    LOOP
        IF t LIKE '%.content' THEN
            base := left(t, -length('.content'));
            -- The parts are chosen first and only those are cut and encoded.
            FOR rec IN EXECUTE format(
                'SELECT q.id * 4096 + q.part AS id, json_build_object(''id'', q.id, ''part'','
                ' q.part, ''content'', ''\x'' || encode(substring(x.content FROM q.part * 16384'
                ' + 1 FOR 16384), ''hex''))::text AS js FROM (SELECT y.id, p.part'
                '  FROM public.%1$I y CROSS JOIN LATERAL'
                '  generate_series(0, (octet_length(y.content) - 1) / 16384) p(part)'
                '  WHERE y.tenant_id = liaison_tenant() AND y.id >= $1 / 4096'
                '  AND y.id * 4096 + p.part > $1 ORDER BY y.id, p.part LIMIT $2) q'
                ' JOIN public.%1$I x ON x.tenant_id = liaison_tenant() AND x.id = q.id'
                ' ORDER BY q.id, q.part', base)
                USING CASE WHEN t = p_table THEN p_after ELSE -1 END, p_limit - got
            LOOP
                tbl := t;
                id := rec.id;
                js := rec.js;
                RETURN NEXT;
                got := got + 1;
            END LOOP;
        ELSE
            SELECT coalesce(array_agg(a.attname::text), '{}') INTO hidden
              FROM pg_attribute a
             WHERE a.attrelid = format('public.%I', t)::regclass AND a.attnum > 0
               AND NOT a.attisdropped
               AND ((NOT p_secrets AND a.attname LIKE '%\_hash')
                    OR (a.attname = 'content' AND a.atttypid = 'bytea'::regtype));
            FOR rec IN EXECUTE format(
                'SELECT x.id, (to_jsonb(x) - $3)::text AS js FROM public.%I x'
                ' WHERE %s = liaison_tenant() AND x.id > $1 ORDER BY x.id LIMIT $2',
                t, CASE WHEN t = 'tenants' THEN 'x.id' ELSE 'x.tenant_id' END)
                USING CASE WHEN t = p_table THEN p_after ELSE 0 END, p_limit - got, hidden
            LOOP
                tbl := t;
                id := rec.id;
                js := rec.js;
                RETURN NEXT;
                got := got + 1;
            END LOOP;
        END IF;
        EXIT WHEN got >= p_limit;
    END LOOP;
END $$;

-- ---------------- indexes for the lists at 10x data ----------------

-- A key account is reached through a lead of one the caller reaches (SEES_ACCOUNT in
-- rpc_crm.c): one lookup per account, registered or not (leads_account_registered covers only
-- registrations). Without it a distributor user's page of accounts read every lead.
CREATE INDEX IF NOT EXISTS leads_account ON leads (tenant_id, key_account_id);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON document_uploads, document_upload_parts
            TO liaison_app;
        GRANT EXECUTE ON FUNCTION liaison_document_upload_begin(bigint, bytea, int, int),
            liaison_document_upload_lock(bigint), liaison_document_upload_chunk(bigint, bigint, bytea),
            liaison_document_upload_take(bigint), liaison_document_upload_prune(jsonb)
            TO liaison_app;
    END IF;
END $$;
