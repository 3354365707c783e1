\echo Use "CREATE EXTENSION liaison_wall" to load this file. \quit

-- Copies the liaison.* settings just written as the transaction's verified
-- context. Only the extension's owner may call it: the migrations' role,
-- from liaison_context_set() alone.
CREATE FUNCTION liaison_wall_seal() RETURNS void
AS 'MODULE_PATHNAME', 'liaison_wall_seal' LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION liaison_wall_seal() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION liaison_wall_seal() TO @extowner@;

-- Whether the settings are still what this transaction sealed (or the
-- session is the owner's or a superuser's).
CREATE FUNCTION liaison_wall_valid() RETURNS boolean
AS 'MODULE_PATHNAME', 'liaison_wall_valid' LANGUAGE C STABLE;
