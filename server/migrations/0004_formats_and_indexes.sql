-- How times leave the database, in one place (RFC 3339 in UTC, business
-- hours as HH:MM), and an index the contact list needs.
CREATE OR REPLACE FUNCTION liaison_rfc3339(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

CREATE OR REPLACE FUNCTION liaison_rfc3339_ms(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

CREATE OR REPLACE FUNCTION liaison_hhmm(t time) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(t, 'HH24:MI')
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_rfc3339(timestamptz), liaison_rfc3339_ms(timestamptz),
            liaison_hhmm(time) TO liaison_app;
    END IF;
END $$;

-- A distributor's contacts are listed by id: without this index the list
-- walks every contact of the tenant.
CREATE INDEX IF NOT EXISTS contacts_distributor ON contacts (tenant_id, distributor_id, id);
