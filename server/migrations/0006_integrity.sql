-- Checks that refuse a request from inside its transaction, so that a
-- refused request changes nothing and writes no audit row: a check whose
-- result the server read after the commit let the change it guarded be
-- saved. The server answers LS422 as INVALID_ARGUMENT naming the field
-- (the error's COLUMN), and LS404 as NOT_FOUND, each with the message.
CREATE OR REPLACE FUNCTION liaison_check(p_ok boolean, p_field text, p_message text)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_ok IS NOT TRUE THEN
        RAISE EXCEPTION USING ERRCODE = 'LS422', MESSAGE = p_message, COLUMN = p_field;
    END IF;
    RETURN true;
END $$;

CREATE OR REPLACE FUNCTION liaison_found(p_ok boolean, p_message text)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_ok IS NOT TRUE THEN
        RAISE EXCEPTION USING ERRCODE = 'LS404', MESSAGE = p_message;
    END IF;
    RETURN true;
END $$;

-- One precision for every time the server returns: milliseconds, UTC.
-- STABLE, like to_char(), so that the planner still inlines it (0005).
CREATE OR REPLACE FUNCTION liaison_rfc3339(t timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_check(boolean, text, text),
            liaison_found(boolean, text) TO liaison_app;
    END IF;
END $$;
