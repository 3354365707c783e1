-- A dump of the database could not be restored (found restoring a whole
-- installation from pg_dump, docs/operating.md): pg_restore runs with an
-- empty search_path, and the index key_accounts_customer_key (0071) calls
-- liaison_name_key(), whose body named liaison_name_clean() without its
-- schema, so creating the index failed with "function
-- liaison_name_clean(text) does not exist" and the restored installation
-- lacked it. The body now names public.liaison_name_clean(); it stays a
-- plain SQL function (no SET clause) so that it is still inlined. From
-- 0071, the newest definition.
CREATE OR REPLACE FUNCTION liaison_name_key(p text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT lower(public.liaison_name_clean(p))
$$;

-- A database restored from a dump made before this migration lacks the
-- index; it comes back here, as 0071 made it.
CREATE INDEX IF NOT EXISTS key_accounts_customer_key
    ON key_accounts (tenant_id, liaison_name_key(name), country);
