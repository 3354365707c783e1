-- The credential check in C.
--
-- liaison_auth() was PL/pgSQL: nested calls, two SECURITY DEFINER switches
-- of search_path and about nine statements, each planned, started and
-- policed by row-level security: about 60 us before a request's own work
-- began. Version 1.1 of the liaison_wall extension does the same check as
-- three lookups by unique index in C (liaison_wall_auth(), server/wall),
-- and liaison_auth() is now that call: same arguments, same rules, same
-- refusals, one definition of them (docs/tenant-wall.md).

ALTER EXTENSION liaison_wall UPDATE TO '1.1';

-- Plain SQL, so that the call is inlined into the statement that makes it.
CREATE OR REPLACE FUNCTION liaison_auth(p_tenant bigint, p_token text) RETURNS void
LANGUAGE sql VOLATILE AS $$
    SELECT public.liaison_wall_auth(p_tenant, p_token)
$$;

CREATE OR REPLACE FUNCTION liaison_auth(p_tenant bigint, p_token text, p_deadline_us bigint,
                                        p_actor text, p_request_id text, p_source text)
RETURNS void
LANGUAGE sql VOLATILE AS $$
    SELECT public.liaison_wall_auth(p_tenant, p_token, p_deadline_us, p_actor, p_request_id,
                                    p_source)
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_wall_auth(bigint, text),
            liaison_wall_auth(bigint, text, bigint, text, text, text) TO liaison_app;
    END IF;
END $$;
