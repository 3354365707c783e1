-- One caller may not hold every open upload of its tenant (found in a
-- probe): a manager began the tenant's document_uploads_max (16) uploads
-- and sent nothing, and for the uploads' lifetime (an hour) no one else in
-- the tenant could upload a large document. A caller now holds at most a
-- quarter of them (at least two) at once; past that it is refused
-- RESOURCE_EXHAUSTED in words, and the others keep their places.

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
    SELECT count(*), count(*) FILTER (WHERE u.created_by = liaison_request_setting('actor'))
      INTO open_, mine FROM document_uploads u WHERE u.tenant_id = liaison_tenant();
    IF open_ >= p_max_open THEN
        RAISE EXCEPTION USING ERRCODE = 'LS429', MESSAGE = format(
            'this tenant has %s uploads open, the most it may: finish one or let it expire', open_);
    END IF;
    IF mine >= share THEN
        RAISE EXCEPTION USING ERRCODE = 'LS429', MESSAGE = format(
            'you have %s uploads open, the most one person may of this tenant''s %s: finish one'
            ' or let it expire', mine, p_max_open);
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
