-- An upload broken off (Ctrl-C during 'doc add', a dropped connection)
-- stayed open for its whole lifetime, an hour by default, and four of them
-- kept their person from uploading any document past a frame until then,
-- told to "finish one or let it expire" with nothing to finish (a
-- try-out). An upload now keeps the time its last part came
-- (touched_at); a person at their share of the open uploads has those of
-- theirs idle for ten minutes given up for the new one. A live upload
-- sends a part far more often, however slow its link.
ALTER TABLE document_uploads ADD COLUMN IF NOT EXISTS touched_at timestamptz;

CREATE OR REPLACE FUNCTION liaison_document_upload_touched() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.touched_at := liaison_now();
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS document_uploads_touched ON document_uploads;
CREATE TRIGGER document_uploads_touched BEFORE UPDATE OF received_bytes ON document_uploads
    FOR EACH ROW EXECUTE FUNCTION liaison_document_upload_touched();

-- Replaces liaison_document_upload_begin (0057) whole but for that.
CREATE OR REPLACE FUNCTION liaison_document_upload_begin(p_size bigint, p_sha256 bytea,
                                                         p_max_open int, p_lifetime_s int)
RETURNS document_uploads
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    now_ timestamptz := liaison_now();
    open_ int;
    mine int;
    share int := greatest(2, p_max_open / 4);
    up document_uploads%ROWTYPE;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('liaison.document_upload'), liaison_tenant()::int);
    DELETE FROM document_uploads u WHERE u.tenant_id = liaison_tenant() AND u.expires_at <= now_;
    SELECT count(*) FILTER (WHERE u.created_by = liaison_request_setting('actor'))
      INTO mine FROM document_uploads u WHERE u.tenant_id = liaison_tenant();
    IF mine >= share THEN
        DELETE FROM document_uploads u
         WHERE u.tenant_id = liaison_tenant() AND u.created_by = liaison_request_setting('actor')
           AND coalesce(u.touched_at, u.created_at) <= now_ - interval '10 minutes';
    END IF;
    SELECT count(*), count(*) FILTER (WHERE u.created_by = liaison_request_setting('actor'))
      INTO open_, mine FROM document_uploads u WHERE u.tenant_id = liaison_tenant();
    IF open_ >= p_max_open THEN
        RAISE EXCEPTION USING ERRCODE = 'LS429', MESSAGE = format(
            'this tenant has %s uploads open, the most it may: finish one or let it expire', open_);
    END IF;
    IF mine >= share THEN
        RAISE EXCEPTION USING ERRCODE = 'LS429', MESSAGE = format(
            'you have %s uploads open, the most one person may of this tenant''s %s: finish one,'
            ' or begin again once one has had no part for ten minutes', mine, p_max_open);
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
