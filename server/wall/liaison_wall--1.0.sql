\echo Use "CREATE EXTENSION liaison_wall" to load this file. \quit

-- Writes a transaction's context (tenant, user, role, distributor, sees
-- all, operator) and seals it. Only the extension's owner may call it: the
-- migrations' role, from liaison_context_set() alone.
CREATE FUNCTION liaison_wall_set(bigint, bigint, text, bigint, boolean, boolean) RETURNS void
AS 'MODULE_PATHNAME', 'liaison_wall_set' LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION liaison_wall_set(bigint, bigint, text, bigint, boolean, boolean)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION liaison_wall_set(bigint, bigint, text, bigint, boolean, boolean)
    TO @extowner@;

-- Whether the settings are still what this transaction sealed (or the
-- session is the owner's or a superuser's).
CREATE FUNCTION liaison_wall_valid() RETURNS boolean
AS 'MODULE_PATHNAME', 'liaison_wall_valid' LANGUAGE C STABLE;
