-- A user's name was bounded at 200 bytes, said in bytes: a Japanese name
-- stopped at 66 kanji while the column holds 200 characters (a try-out).
-- CreateUser, UpdateUser, CreateTenant and RecoverTenantAdmin now count
-- characters, as the column does; an import holds a user's name to the
-- same bound, so a tenant whose names are long in bytes still imports
-- what it exported. Replaces the users.display_name rule of 0134 whole.
UPDATE tenant_import_text_rules
   SET max_bytes = NULL, max_chars = 200
 WHERE tbl = 'users' AND col = 'display_name';
