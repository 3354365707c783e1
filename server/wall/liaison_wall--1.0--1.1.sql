\echo Use "ALTER EXTENSION liaison_wall UPDATE TO '1.1'" to load this file. \quit

-- The credential check in C (liaison_wall.c says why). The script runs as
-- the bootstrap superuser, who owns these functions: the extension's owner
-- (the migrations' role) gets liaison_wall_auth() with the right to pass it
-- on, and migration 0093 gives it to liaisond's role, whose name it knows.

-- liaison_auth(tenant, token [, deadline_us, actor, request id, source]):
-- the caller's sealed context, or LS401, LS403, 57014.
CREATE FUNCTION liaison_wall_auth(bigint, text) RETURNS void
AS 'MODULE_PATHNAME', 'liaison_wall_auth' LANGUAGE C VOLATILE;
CREATE FUNCTION liaison_wall_auth(bigint, text, bigint, text, text, text) RETURNS void
AS 'MODULE_PATHNAME', 'liaison_wall_auth' LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION liaison_wall_auth(bigint, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION liaison_wall_auth(bigint, text, bigint, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION liaison_wall_auth(bigint, text),
    liaison_wall_auth(bigint, text, bigint, text, text, text) TO @extowner@ WITH GRANT OPTION;
