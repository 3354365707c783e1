-- An import took rows the RPCs would refuse (found in an operator's
-- try-out). An export's checksum tells accidents, not tampering: a tenant
-- admin can edit their export, compute its end line again and hand it to
-- the operator, and liaison_tenant_import_rows (0040) staged its rows as
-- they came, for liaison_tenant_import_finish (0084) to write them. A
-- forged file brought in a terminal escape (ESC [ ...) in a distributor's
-- name, which then reached every CLI table and the operator's terminal, a
-- time zone this installation's tz database lacks, which broke the
-- distributor's cadence planning, an e-mail with a zero-width space (a user
-- nobody could log in as by typing what they see), and names past the
-- RPCs' bounds.
--
-- Every batch is now checked as it is staged, so the operator learns of
-- the first bad row at once and nothing is written: INVALID_ARGUMENT on
-- "rows", naming the row's line in the export, its table and id, and the
-- column. The finish needs no check of its own: every staged row came
-- through here (rows staged before this migration are checked below).
-- The rules are the RPCs' (their checks are in C, before any SQL: proto/
-- wire.c's wire_text_refused, server/request.c's request_check_text,
-- request_check_chars, request_check_one_line and request_check_email, the
-- handlers' bounds), said once more here, in one place, for rows that
-- never went through them:
--   * every string of every row, at any depth of a JSON column: no control
--     character but tab, line feed and carriage return (C0, DEL, C1), no
--     bidirectional embedding, override or isolate (U+202A-U+202E,
--     U+2066-U+2069), as every request's text (wire_text_refused);
--   * the columns of tenant_import_text_rules (below): one line (no tab,
--     line break, U+2028 or U+2029) where the RPC says so (names, titles),
--     at most the bytes or characters the RPC allows, an e-mail as
--     request_check_email takes it, a time zone of this installation's tz
--     database (liaison_time_zone_ok, as 0084 holds the tenant's own, which
--     stays its check: tbl '*' rules skip the tenants row), a BCP 47
--     language tag in form (the loosest form an RPC takes: the list of
--     languages is the server's, not the database's).
-- An array column's strings (a charter's signatories, a distributor's
-- languages, a meeting's agenda) are each held to its column's rules.

-- tbl: a tenant table, or '*' for the column of that name in every one.
-- kind: 'email', 'time_zone' (empty allowed: the contact's or user's own
-- is optional), 'time_zone_required', 'language' (empty allowed).
CREATE TABLE IF NOT EXISTS tenant_import_text_rules (
    tbl text NOT NULL,
    col text NOT NULL,
    one_line boolean NOT NULL DEFAULT false,
    max_bytes int,
    max_chars int,
    kind text CHECK (kind IN ('email', 'time_zone', 'time_zone_required', 'language')),
    PRIMARY KEY (tbl, col)
);
DELETE FROM tenant_import_text_rules;
INSERT INTO tenant_import_text_rules (tbl, col, one_line, max_bytes, max_chars, kind) VALUES
    ('*', 'email', false, 254, NULL, 'email'),
    ('*', 'time_zone', false, 63, NULL, 'time_zone'),
    ('*', 'language', false, 35, NULL, 'language'),
    ('*', 'languages', false, 35, NULL, 'language'),
    ('distributors', 'time_zone', false, 63, NULL, 'time_zone_required'),
    -- CreateDistributor, CreateContact (request_check_text: bytes).
    ('distributors', 'name', true, 200, NULL, NULL),
    ('contacts', 'name', true, 200, NULL, NULL),
    ('contacts', 'role', false, 100, NULL, NULL),
    ('contacts', 'phone', false, 40, NULL, NULL),
    ('contacts', 'messaging', false, 200, NULL, NULL),
    -- CreateUser, CreateApiToken (a log-in session's name is empty).
    ('users', 'display_name', true, 200, NULL, NULL),
    ('sessions', 'name', true, 100, NULL, NULL),
    -- The catalogue.
    ('product_lines', 'name', true, 200, NULL, NULL),
    ('products', 'name', true, 200, NULL, NULL),
    ('products', 'unit', false, 20, NULL, NULL),
    -- The charter.
    ('charters', 'signatories', true, 200, NULL, NULL),
    ('charter_carve_outs', 'account_name', true, 200, NULL, NULL),
    ('charter_carve_outs', 'note', false, 1000, NULL, NULL),
    ('charter_competing_lines', 'competitor', true, 200, NULL, NULL),
    ('charter_competing_lines', 'line', true, 200, NULL, NULL),
    -- Meetings, their series, notes and actions.
    ('meetings', 'title', true, NULL, 200, NULL),
    ('meetings', 'agenda', false, NULL, 500, NULL),
    ('meetings', 'status_reason', false, NULL, 2000, NULL),
    ('meeting_series', 'title', true, 200, NULL, NULL),
    ('meeting_series', 'agenda', false, 200, NULL, NULL),
    ('cadence_defaults', 'agenda', false, 200, NULL, NULL),
    ('meeting_notes', 'body', false, NULL, 100000, NULL),
    ('action_items', 'description', false, NULL, 2000, NULL),
    ('action_items', 'cancel_reason', false, NULL, 2000, NULL),
    -- Escalations.
    ('escalation_requests', 'subject', true, NULL, 600, NULL),
    ('escalation_requests', 'body', false, NULL, 20000, NULL),
    ('escalation_requests', 'response', false, NULL, 20000, NULL),
    ('escalation_protocol_steps', 'contact_role', false, 100, NULL, NULL),
    ('escalation_steps', 'contact_role', false, 100, NULL, NULL),
    -- The CRM, orders and documents.
    ('key_accounts', 'name', false, NULL, 200, NULL),
    ('key_accounts', 'industry', true, NULL, 100, NULL),
    ('leads', 'title', true, NULL, 200, NULL),
    ('leads', 'decision_note', false, NULL, 2000, NULL),
    ('interactions', 'summary', false, NULL, 4000, NULL),
    ('orders', 'note', false, NULL, 2000, NULL),
    ('shipments', 'carrier', true, 100, NULL, NULL),
    ('shipments', 'tracking_number', true, 100, NULL, NULL),
    ('documents', 'title', true, 200, NULL, NULL),
    -- Reports, plans and upstream updates.
    ('monthly_reports', 'market_intelligence', false, NULL, 20000, NULL),
    ('monthly_reports', 'review_comment', false, NULL, 10000, NULL),
    ('report_pipeline', 'title', true, NULL, 200, NULL),
    ('report_pipeline', 'stage', true, NULL, 40, NULL),
    ('report_competition', 'competitor', true, NULL, 200, NULL),
    ('report_competition', 'activity', false, NULL, 4000, NULL),
    ('plans', 'decision_comment', false, NULL, 4000, NULL),
    ('plan_initiatives', 'title', true, NULL, 200, NULL),
    ('plan_initiatives', 'description', false, NULL, 4000, NULL),
    ('upstream_updates', 'title', true, NULL, 200, NULL),
    ('upstream_updates', 'body', false, NULL, 20000, NULL),
    ('update_variants', 'title', true, NULL, 200, NULL),
    ('update_variants', 'body', false, NULL, 20000, NULL);

-- Why e-mail p is not one request_check_email takes, or NULL ('' is
-- taken: a contact's e-mail is optional; a user's, the table's CHECK wants).
CREATE OR REPLACE FUNCTION liaison_email_problem(p text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p = '' THEN NULL
        WHEN octet_length(p) > 254 THEN 'at most 254 bytes'
        WHEN p !~ '^[^@]+@[^@]+$' THEN 'not an e-mail address: one ''@'' between a name and a domain'
        WHEN octet_length(split_part(p, '@', 1)) > 64
            THEN 'not an e-mail address: at most 64 bytes before the ''@'''
        WHEN split_part(p, '@', 2) ~ '^[.]|[.]$|[.][.]'
            THEN 'not an e-mail address: the domain''s dots must separate names'
        WHEN split_part(p, '@', 2) ~ '^-|-$|[.]-|-[.]'
            THEN 'not an e-mail address: a name in the domain may not begin or end with ''-'''
        WHEN p ~ '[][\u0001-\u0020"<>\\,;:()]'
            THEN 'not an e-mail address: no spaces, quotes, brackets, commas, colons or semicolons'
        -- request_space_at and request_invisible_at: white space, and what shows as nothing.
        WHEN p ~ ('[\u00a0\u00ad\u034f\u115f\u1160\u1680\u180e\u2000-\u200f\u202f\u205f-\u2064'
                  '\u2800\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f]')
            THEN 'not an e-mail address: no spaces or characters that show as nothing (such as '
                 'a zero-width space or a direction mark)'
    END
$$;

-- The first row of import p_import after its p_after'th that the RPCs
-- would refuse, said as the refusal: its line in the export (a client
-- sends the export's rows in order, so the n'th row staged is the file's
-- n'th line), its table and id and the column; NULL when there is none.
CREATE OR REPLACE FUNCTION liaison_tenant_import_problem(p_import bigint, p_after bigint)
RETURNS text LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    -- wire_text_refused's: C0 but tab, line feed and carriage return, DEL,
    -- C1, bidirectional embeddings, overrides and isolates.
    ctrl constant text :=
        '[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]';
    -- The rules by 'table.column' ('*.column'): a lookup, not a join, per column of a row.
    rules constant jsonb := (SELECT jsonb_object_agg(k.tbl || '.' || k.col,
                                                     to_jsonb(k) - 'tbl' - 'col')
                               FROM public.tenant_import_text_rules k);
    bad record;
    zone record;
    zones text[];
BEGIN
    SELECT v.n, v.tbl, v.id, v.col, v.why INTO bad FROM (
        SELECT r.n, r.tbl, r.id, e.key AS col, CASE
            WHEN s.t ~ ctrl
                THEN format('may not hold control characters or bidirectional overrides (it '
                            'holds U+%s)', lpad(upper(to_hex(ascii(substring(s.t FROM ctrl)))),
                            4, '0'))
            WHEN NOT s.value OR k IS NULL THEN NULL
            WHEN (k ->> 'one_line')::boolean AND s.t ~ '[\t\n\u000b\u000c\r\u2028\u2029]'
                THEN 'one line: no line breaks or tabs'
            WHEN octet_length(s.t) > (k ->> 'max_bytes')::int
                THEN format('at most %s bytes', k ->> 'max_bytes')
            WHEN length(s.t) > (k ->> 'max_chars')::int
                THEN format('at most %s characters', k ->> 'max_chars')
            WHEN k ->> 'kind' = 'email' THEN public.liaison_email_problem(s.t)
            WHEN k ->> 'kind' = 'language' AND s.t <> ''
                 AND s.t !~ '^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$'
                THEN 'not a BCP 47 language tag (such as vi, ja or en-GB)'
            WHEN k ->> 'kind' = 'time_zone_required' AND s.t = ''
                THEN 'a time zone of the tz database is required'
            END AS why
          FROM (SELECT q.n, q.tbl, q.js, CASE WHEN jsonb_typeof(q.js -> 'id') = 'number'
                                             THEN q.js ->> 'id' END AS id
                  FROM public.tenant_import_rows q
                 WHERE q.import_id = p_import AND q.n > p_after) r
          CROSS JOIN LATERAL jsonb_each(r.js) e
          -- The table's own rule for the column, else the '*' one.
          CROSS JOIN LATERAL (SELECT coalesce(rules -> (r.tbl || '.' || e.key), CASE
                              WHEN r.tbl <> 'tenants' THEN rules -> ('*.' || e.key) END)) c(k)
          -- Its strings, at any depth, and its keys too (a refusal of an
          -- unknown column names it), the keys held to the first rule only.
          CROSS JOIN LATERAL (
               SELECT x #>> '{}', true FROM jsonb_path_query(e.value,
                      'strict $.** ? (@.type() == "string")') x
               UNION ALL SELECT e.key, false
               UNION ALL SELECT y #>> '{}', false FROM jsonb_path_query(e.value,
                      'strict $.** ? (@.type() == "object").keyvalue().key') y) s(t, value)) v
     WHERE v.why IS NOT NULL ORDER BY v.n LIMIT 1;

    -- Time zones, in the rows before that one: pg_timezone_names reads the
    -- zone files, so once, and only for a batch that names a zone.
    IF EXISTS (SELECT 1 FROM public.tenant_import_rows r
                 JOIN public.tenant_import_text_rules k
                      ON k.kind IN ('time_zone', 'time_zone_required')
                      AND (k.tbl = r.tbl OR (k.tbl = '*' AND r.tbl <> 'tenants'))
                WHERE r.import_id = p_import AND r.n > p_after
                  AND (bad.n IS NULL OR r.n < bad.n) AND coalesce(r.js ->> k.col, '') <> '') THEN
        zones := ARRAY(SELECT z.name FROM pg_catalog.pg_timezone_names z);
        SELECT r.n, r.tbl, CASE WHEN jsonb_typeof(r.js -> 'id') = 'number' THEN r.js ->> 'id'
                           END AS id, k.col,
               format('%s is not a time zone of this installation''s tz database (such as '
                      'Asia/Ho_Chi_Minh)', r.js ->> k.col) AS why INTO zone
          FROM public.tenant_import_rows r
          JOIN public.tenant_import_text_rules k ON k.kind IN ('time_zone', 'time_zone_required')
               AND (k.tbl = r.tbl OR (k.tbl = '*' AND r.tbl <> 'tenants'))
         WHERE r.import_id = p_import AND r.n > p_after AND (bad.n IS NULL OR r.n < bad.n)
           AND jsonb_typeof(r.js -> k.col) = 'string' AND r.js ->> k.col <> ''
           AND NOT (r.js ->> k.col = ANY (zones))
         ORDER BY r.n LIMIT 1;
        IF zone.n IS NOT NULL THEN
            bad := zone;
        END IF;
    END IF;
    IF bad.n IS NULL THEN
        RETURN NULL;
    END IF;
    -- A key said as it came would carry its control character to the operator.
    RETURN format('line %s of the export (%s%s), %s: %s', bad.n, bad.tbl,
                  CASE WHEN bad.id IS NOT NULL THEN ' id ' || bad.id END,
                  regexp_replace(bad.col, ctrl, '?', 'g'), bad.why);
END $$;

-- 0040's, whole, but for the check of the batch once it is staged.
CREATE OR REPLACE FUNCTION liaison_tenant_import_rows(p_import bigint, p_rows jsonb) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    imp public.tenant_imports;
    added bigint;
    bad text;
BEGIN
    PERFORM public.liaison_precondition(public.liaison_is_operator(), 'operators only');
    SELECT * INTO imp FROM public.tenant_imports
     WHERE id = p_import AND actor = public.liaison_request_setting('actor') FOR UPDATE;
    PERFORM public.liaison_found(imp.id IS NOT NULL, 'no such import (it may have expired: begin again)');
    PERFORM public.liaison_check(bool_and(jsonb_typeof(e.v) = 'object'
                                   AND jsonb_typeof(e.v -> 'json') = 'string'
                                   AND coalesce(e.v ->> 'table', '') ~ '^[a-z_][a-z0-9_.]{0,62}$'),
                          'rows', 'each row needs a table name and a JSON object')
      FROM jsonb_array_elements(p_rows) e(v);
    INSERT INTO public.tenant_import_rows (import_id, n, tbl, js)
    SELECT p_import, imp.rows_staged + e.o, e.v ->> 'table', (e.v ->> 'json')::jsonb
      FROM jsonb_array_elements(p_rows) WITH ORDINALITY e(v, o);
    GET DIAGNOSTICS added = ROW_COUNT;
    PERFORM public.liaison_check(imp.rows_staged + added <= 2000000, 'rows',
                          'an import holds at most 2000000 rows');
    -- Nothing the RPCs would refuse (above); the batch goes back whole.
    bad := public.liaison_tenant_import_problem(p_import, imp.rows_staged);
    PERFORM public.liaison_check(bad IS NULL, 'rows', bad);
    UPDATE public.tenant_imports SET rows_staged = rows_staged + added WHERE id = p_import;
    RETURN imp.rows_staged + added;
EXCEPTION WHEN invalid_text_representation THEN
    PERFORM public.liaison_check(false, 'rows', 'a row''s json is not JSON');
    RETURN NULL;
WHEN untranslatable_character THEN
    -- jsonb takes no \u0000: said so, rather than "a value is out of range or malformed".
    PERFORM public.liaison_check(false, 'rows', 'a row holds \u0000 (NUL), which no text may hold');
    RETURN NULL;
END $$;

REVOKE ALL ON FUNCTION liaison_tenant_import_problem(bigint, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION liaison_tenant_import_rows(bigint, jsonb) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_tenant_import_rows(bigint, jsonb) TO liaison_app;
    END IF;
END $$;

-- Imports begun before this migration, their rows staged unchecked: one
-- holding a row the RPCs would refuse is dropped (its finish answers "no
-- such import ... begin again", and begun again it is refused by row).
DELETE FROM tenant_imports i WHERE liaison_tenant_import_problem(i.id, 0) IS NOT NULL;
