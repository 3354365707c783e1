-- A request's deadline, checked by the database itself as the first step
-- of each of liaisond's write transactions: a transaction that reaches
-- PostgreSQL after its caller was already told DEADLINE_EXCEEDED (it
-- waited behind slower work on its connection) runs nothing and commits
-- nothing; one that arrives in time may take only what is left, by
-- statement_timeout and lock_timeout local to the transaction. The
-- deadline is wall-clock time in microseconds since the epoch: liaisond's
-- and PostgreSQL's clocks are taken to agree (NTP) to within a few ms.
CREATE OR REPLACE FUNCTION liaison_deadline(p_deadline_us bigint) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    left_ms bigint := (p_deadline_us - (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
                      / 1000;
BEGIN
    IF left_ms <= 0 THEN
        RAISE EXCEPTION 'the request''s deadline passed before it reached the database'
            USING ERRCODE = '57014';
    END IF;
    PERFORM set_config('statement_timeout', left_ms::text, true),
            set_config('lock_timeout', left_ms::text, true);
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_deadline(bigint) TO liaison_app;
    END IF;
END $$;
