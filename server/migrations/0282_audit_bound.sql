-- The instant an audit log's bound stands for, as ListAuditLog and
-- ListPlatformAudit read it: a bare day (YYYY-MM-DD) is its 00:00 in
-- p_zone, anything else an RFC 3339 instant; '' none. One expression for
-- the lists and for the check that a range is not the wrong way round: a
-- range of instants, or of a day and an instant, reversed listed nothing
-- without a word, which reads as "nothing happened" (found in a try-out).
-- A SQL function of one expression, inlined where it is used.
CREATE OR REPLACE FUNCTION liaison_audit_bound(p_bound text, p_zone text)
RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN length(p_bound) = 10 THEN p_bound::date::timestamp AT TIME ZONE p_zone
                ELSE nullif(p_bound, '')::timestamptz END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_audit_bound(text, text) TO liaison_app;
    END IF;
END $$;
