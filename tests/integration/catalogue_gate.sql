-- The catalogue gate: one row per way the schema would let a tenant's rows,
-- or the record of what happened, out of the database's own hands. No row
-- means the schema passes. Run as a superuser (it reads every catalogue),
-- naming the role liaisond connects as:
--
--   psql -v app_role=liaison_app -qAt -f tests/integration/catalogue_gate.sql
--
-- A tenant table is any table with a tenant_id column, and tenants itself.
-- The audit tables are audit_log, platform_audit and any other table whose
-- name says audit: append-only for liaisond's role.
WITH
-- The app role and every role whose rights it has or can take (SET ROLE).
app_roles AS (
    SELECT r.oid, r.rolname FROM pg_roles r WHERE pg_has_role(:'app_role', r.oid, 'MEMBER')
),
ours AS (
    SELECT n.oid, n.nspname FROM pg_namespace n
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
),
tenant_tables AS (
    SELECT c.oid, c.oid::regclass::text AS rel, c.relrowsecurity, c.relforcerowsecurity,
           (SELECT a.attnum FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS tcol
      FROM pg_class c JOIN ours n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p')
       AND (EXISTS (SELECT 1 FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
            OR (n.nspname = 'public' AND c.relname = 'tenants'))
),
audit_tables AS (
    SELECT c.oid, c.oid::regclass::text AS rel
      FROM pg_class c JOIN ours n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND c.relname LIKE '%audit%'
),
definers AS (
    SELECT p.oid::regprocedure::text AS fn,
           (SELECT substr(cfg, length('search_path=') + 1) FROM unnest(p.proconfig) cfg
             WHERE cfg LIKE 'search\_path=%') AS path
      FROM pg_proc p JOIN ours n ON n.oid = p.pronamespace
     WHERE p.prosecdef
),
problems AS (
    SELECT rel || ': row-level security is not enabled' AS problem
      FROM tenant_tables WHERE NOT relrowsecurity
    UNION ALL
    SELECT rel || ': row-level security is not forced (its owner bypasses it)'
      FROM tenant_tables WHERE NOT relforcerowsecurity
    UNION ALL
    SELECT t.rel || ': no row-level security policy applies to ' || :'app_role'
      FROM tenant_tables t
     WHERE NOT EXISTS (SELECT 1 FROM pg_policy p
                        WHERE p.polrelid = t.oid
                          AND (0 = ANY (p.polroles)
                               OR p.polroles && ARRAY(SELECT oid FROM app_roles)))
    UNION ALL
    SELECT t.rel || ': no primary key'
      FROM tenant_tables t
     WHERE t.tcol IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = t.oid AND k.contype = 'p')
    UNION ALL
    SELECT t.rel || ': ' || CASE k.contype WHEN 'p' THEN 'primary key'
                                           WHEN 'u' THEN 'unique constraint'
                                           ELSE 'foreign key' END
           || ' ' || k.conname || ' does not lead with tenant_id: ' || pg_get_constraintdef(k.oid)
      FROM tenant_tables t JOIN pg_constraint k ON k.conrelid = t.oid
     WHERE t.tcol IS NOT NULL AND k.contype IN ('p', 'u', 'f') AND k.conkey[1] <> t.tcol
    UNION ALL
    SELECT t.rel || ': unique index ' || i.indexrelid::regclass::text
           || ' does not lead with tenant_id: ' || pg_get_indexdef(i.indexrelid)
      FROM tenant_tables t JOIN pg_index i ON i.indrelid = t.oid
     WHERE t.tcol IS NOT NULL AND i.indisunique AND i.indkey[0] <> t.tcol
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
    UNION ALL
    -- A reference into a tenant table by anything but (tenant_id, ...) could
    -- point at another tenant's row.
    SELECT k.conrelid::regclass::text || ': foreign key ' || k.conname
           || ' refers to tenant table ' || t.rel || ' without leading with tenant_id: '
           || pg_get_constraintdef(k.oid)
      FROM tenant_tables t JOIN pg_constraint k ON k.confrelid = t.oid AND k.contype = 'f'
     WHERE t.tcol IS NOT NULL AND k.confkey[1] <> t.tcol
    UNION ALL
    SELECT 'role ' || r.rolname || ' (' || :'app_role' || ' has its rights) is a superuser'
      FROM pg_roles r JOIN app_roles a ON a.oid = r.oid WHERE r.rolsuper
    UNION ALL
    SELECT 'role ' || r.rolname || ' (' || :'app_role' || ' has its rights) has BYPASSRLS'
      FROM pg_roles r JOIN app_roles a ON a.oid = r.oid WHERE r.rolbypassrls
    UNION ALL
    SELECT a.rolname || ' owns ' || CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view'
                                                   WHEN 'm' THEN 'materialized view'
                                                   WHEN 'i' THEN 'index'
                                                   WHEN 'c' THEN 'composite type'
                                                   ELSE 'table' END
           || ' ' || c.oid::regclass::text
      FROM pg_class c JOIN app_roles a ON a.oid = c.relowner
    UNION ALL
    SELECT a.rolname || ' owns function ' || p.oid::regprocedure::text
      FROM pg_proc p JOIN app_roles a ON a.oid = p.proowner
    UNION ALL
    SELECT a.rolname || ' owns type ' || t.oid::regtype::text
      FROM pg_type t JOIN app_roles a ON a.oid = t.typowner
     WHERE t.typrelid = 0 OR NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid
                                                                   AND c.relkind <> 'c')
    UNION ALL
    SELECT a.rolname || ' owns schema ' || n.nspname
      FROM pg_namespace n JOIN app_roles a ON a.oid = n.nspowner
    UNION ALL
    SELECT a.rolname || ' owns database ' || d.datname
      FROM pg_database d JOIN app_roles a ON a.oid = d.datdba
     WHERE d.datname = current_database()
    UNION ALL
    -- Whatever else it owns here (operators, casts, collations, ...).
    SELECT a.rolname || ' owns ' || pg_describe_object(s.classid, s.objid, s.objsubid)
      FROM pg_shdepend s JOIN app_roles a ON a.oid = s.refobjid
     WHERE s.deptype = 'o'
       AND s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND s.classid NOT IN ('pg_class'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass,
                             'pg_namespace'::regclass)
    UNION ALL
    -- A role that may create objects could come to own them.
    SELECT :'app_role' || ' may create objects in schema ' || n.nspname
      FROM ours n WHERE has_schema_privilege(:'app_role', n.oid, 'CREATE')
    UNION ALL
    SELECT :'app_role' || ' may create schemas in database ' || current_database()
     WHERE has_database_privilege(:'app_role', current_database(), 'CREATE')
    UNION ALL
    SELECT 'SECURITY DEFINER function ' || fn || ' does not pin its search_path'
      FROM definers WHERE path IS NULL
    UNION ALL
    SELECT 'SECURITY DEFINER function ' || fn || ' pins search_path = ' || path
           || ' without pg_temp last'
      FROM definers
     WHERE path IS NOT NULL
       AND btrim((regexp_split_to_array(path, ','))[cardinality(regexp_split_to_array(path, ','))],
                 ' "') <> 'pg_temp'
    UNION ALL
    -- A C function runs past row-level security and ACLs if it reads
    -- tables itself: the app role may execute only those reviewed for it
    -- (docs/tenant-wall.md), named here with their arguments, and pg_trgm's,
    -- which read no table.
    SELECT :'app_role' || ' may execute C function ' || p.oid::regprocedure::text
           || ', which the gate does not know'
      FROM pg_proc p JOIN ours n ON n.oid = p.pronamespace
      JOIN pg_language l ON l.oid = p.prolang
     WHERE l.lanname = 'c' AND has_function_privilege(:'app_role', p.oid, 'EXECUTE')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                          AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
                          AND e.extname = 'pg_trgm')
       AND p.oid::regprocedure::text NOT IN (
               'liaison_wall_valid()', 'liaison_wall_auth(bigint,text)',
               'liaison_wall_auth(bigint,text,bigint,text,text,text)')
    UNION ALL
    -- Only the owner's functions read or write password hashes (migration 0095).
    SELECT :'app_role' || ' may ' || v.word || ' users.password_hash'
      FROM (VALUES ('SELECT', 'read'), ('UPDATE', 'write')) v (priv, word)
     WHERE has_column_privilege(:'app_role', 'public.users', 'password_hash', v.priv)
    UNION ALL
    -- Its SELECT is granted column by column: a column added later without
    -- its grant would fail only when a statement names it.
    SELECT 'users.' || a.attname || ': ' || :'app_role' || ' may not read it (grant SELECT on it)'
      FROM pg_attribute a
     WHERE a.attrelid = 'public.users'::regclass AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attname <> 'password_hash'
       AND NOT has_column_privilege(:'app_role', a.attrelid, a.attnum, 'SELECT')
    UNION ALL
    SELECT 'audit table ' || x.name || ' not found (renamed? name it in the gate)'
      FROM (VALUES ('audit_log'), ('platform_audit')) x (name)
     WHERE NOT EXISTS (SELECT 1 FROM audit_tables a WHERE a.rel = x.name)
    UNION ALL
    SELECT :'app_role' || ' may ' || v.priv || ' audit table ' || a.rel
      FROM audit_tables a CROSS JOIN (VALUES ('UPDATE'), ('DELETE'), ('TRUNCATE')) v (priv)
     WHERE has_table_privilege(:'app_role', a.oid, v.priv)
        OR (v.priv = 'UPDATE' AND has_any_column_privilege(:'app_role', a.oid, 'UPDATE'))
)
SELECT problem FROM problems ORDER BY 1;
