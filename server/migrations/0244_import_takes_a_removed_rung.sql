-- A tenant could not be imported once one of its contacts had been
-- removed (RemoveContact) while an escalation request's ladder named them
-- (a try-out: the demonstration tenant's own export refused, "escalation
-- requests id 114: ladder names a row of contacts the export does not
-- hold"). A request keeps its ladder as it was sent, and takes a rung
-- whose contact is gone by the name it was sent to (0092), so the export
-- was the data as the RPCs left it, and the import refused it. Such a rung
-- now comes in naming no contact (its contact_id null), with its name,
-- role and method, which is how the request reads it.
--
-- Replaces liaison_tenant_import_finish (0231) whole but for that; its
-- grants stay.

CREATE OR REPLACE FUNCTION liaison_tenant_import_finish(p_import bigint, p_rows bigint,
                                                        p_admin_email text, p_admin_hash text)
RETURNS TABLE (slug text, name text, status text, created_at text, rows_imported bigint,
               secrets boolean, schema_version int)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    imp public.tenant_imports;
    tid bigint;
    hdr jsonb;
    ours int;
    v_secrets boolean;
    t text;
    bad text;
    c record;
    tables text[];
    placed text[] := '{}';
    deferred text[] := '{}';  -- 'table.column' written NULL first
    pending text[];
    nxt text;
    cols text;
    vals text;
    busy boolean;
    n bigint;
    carried text;
    ins text;
    one record;
    e_why text;
    e_col text;
BEGIN
    PERFORM public.liaison_precondition(public.liaison_is_operator(), 'operators only');
    SELECT * INTO imp FROM public.tenant_imports
     WHERE id = p_import AND actor = public.liaison_request_setting('actor') FOR UPDATE;
    PERFORM public.liaison_found(imp.id IS NOT NULL, 'no such import (it may have expired: begin again)');
    PERFORM public.liaison_check(imp.rows_staged = p_rows, 'rows', format(
        'the import holds %s rows but the export %s: it is truncated or was cut short',
        imp.rows_staged, p_rows));
    SELECT count(*), min(r.js::text)::jsonb INTO n, hdr FROM public.tenant_import_rows r
     WHERE r.import_id = p_import AND r.tbl = 'tenants';
    PERFORM public.liaison_check(n = 1, 'rows', 'the export must hold its tenants row once');
    SELECT max(version) INTO ours FROM public.schema_migrations;
    PERFORM public.liaison_precondition(coalesce((hdr ->> 'schema_version')::int, 0) <= ours, format(
        'the export was made at schema version %s, this installation is at %s: upgrade it first',
        hdr ->> 'schema_version', ours));
    v_secrets := coalesce((hdr ->> 'secrets')::boolean, false);
    PERFORM public.liaison_check(v_secrets OR coalesce(p_admin_hash, '') <> '', 'adminPassword',
        'the export holds no password hashes: give a tenant admin''s e-mail and a new password '
        'for them, who can then reset the other users'' passwords');

    -- Rows of tables and columns this schema has, each table's ids unique.
    tables := ARRAY(SELECT public.liaison_tenant_tables());
    SELECT min(r.tbl) INTO bad FROM public.tenant_import_rows r
     WHERE r.import_id = p_import AND r.tbl <> 'tenants'
       AND NOT (r.tbl = ANY (tables)
                OR (r.tbl LIKE '%.content' AND left(r.tbl, -8) = ANY (tables)));
    PERFORM public.liaison_check(bad IS NULL, 'rows', format('the export has rows of table %s, which '
        'this installation does not have (made by a newer release?)', bad));
    SELECT min(r.tbl || '.' || k) INTO bad FROM public.tenant_import_rows r, jsonb_object_keys(r.js) k
     WHERE r.import_id = p_import AND r.tbl = ANY (tables)
       AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = format('public.%I', r.tbl)::regclass
                          AND a.attname = k AND a.attnum > 0 AND NOT a.attisdropped);
    PERFORM public.liaison_check(bad IS NULL, 'rows', format('the export has column %s, which this '
        'installation does not have (made by a newer release?)', bad));
    SELECT min(r.tbl) INTO bad FROM public.tenant_import_rows r
     WHERE r.import_id = p_import AND r.tbl <> 'tenants'
       AND jsonb_typeof(r.js -> 'id') IS DISTINCT FROM 'number';
    PERFORM public.liaison_check(bad IS NULL, 'rows', format('a row of %s has no id', bad));
    SELECT min(r.tbl || ' id ' || (r.js ->> 'id')) INTO bad FROM public.tenant_import_rows r
     WHERE r.import_id = p_import AND r.tbl <> 'tenants'
     GROUP BY r.tbl, r.js ->> 'id', r.js ->> 'part' HAVING count(*) > 1;
    PERFORM public.liaison_check(bad IS NULL, 'rows', format('the export holds %s twice', bad));

    -- The tenant: made here, or one that exists and is still empty.
    SELECT x.id INTO tid FROM public.tenants x WHERE x.slug = imp.slug;
    IF tid IS NULL THEN
        INSERT INTO public.tenants (slug, name) VALUES (imp.slug, imp.name) RETURNING id INTO tid;
    END IF;
    PERFORM public.liaison_operator_bind(tid);
    -- The tenant's own state comes with it (0084): every column of its
    -- row the export holds, but for the id, the slug and name the import
    -- was given, and when it was made here. A suspended tenant stays
    -- suspended, its rate limit and working time are kept; an older
    -- export without a column leaves that column as it is.
    SELECT string_agg(format('%I = x.%I', a.attname, a.attname), ', ' ORDER BY a.attnum)
      INTO carried
      FROM pg_attribute a
     WHERE a.attrelid = 'public.tenants'::regclass AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attname NOT IN ('id', 'slug', 'name', 'created_at') AND hdr ? a.attname;
    IF carried IS NOT NULL THEN
        BEGIN
            EXECUTE format('UPDATE public.tenants y SET %s'
                           ' FROM jsonb_populate_record(NULL::public.tenants, $1) x'
                           ' WHERE y.id = $2', carried)
                USING hdr, tid;
        EXCEPTION WHEN check_violation OR not_null_violation OR invalid_text_representation
                       OR invalid_datetime_format OR datetime_field_overflow
                       OR numeric_value_out_of_range THEN
            PERFORM public.liaison_check(false, 'rows', format(
                'the export''s tenants row does not fit this installation: %s', SQLERRM));
        END;
        -- No constraint holds the working time: the RPCs that set it check
        -- it (0016). An edited export, or one from an installation whose tz
        -- database has a zone this one lacks, would break every AT TIME ZONE
        -- of the tenant for good.
        PERFORM public.liaison_check(
            public.liaison_time_zone_ok(y.time_zone)
            AND y.business_hours_start < y.business_hours_end
            AND cardinality(y.work_days) BETWEEN 1 AND 7
            AND y.work_days <@ '{1,2,3,4,5,6,7}'::smallint[], 'rows', format(
            'the export''s working time (%s, %s-%s, days %s) does not fit this installation: a '
            'time zone of its tz database, hours that end after they start, ISO weekdays 1 to 7',
            y.time_zone, y.business_hours_start, y.business_hours_end, y.work_days))
          FROM public.tenants y WHERE y.id = tid;
    END IF;
    -- The rows go in as history: no live event is raised for them (0039).
    PERFORM set_config('liaison.importing', tid::text, true);
    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM public.%I WHERE tenant_id = $1)', t)
            INTO busy USING tid;
        PERFORM public.liaison_precondition(NOT busy, format('tenant %s is not empty (it has %s)',
                                                      imp.slug, t));
    END LOOP;
    DELETE FROM public.tenant_import_rows r USING public.tenant_import_id_columns s
     WHERE r.import_id = p_import AND s.how = 'skip' AND s.tbl = r.tbl;

    -- Contents exported in parts go back into their rows, whole.
    WITH parts AS (
        SELECT left(r.tbl, -8) AS tbl, (r.js ->> 'id')::bigint AS id,
               string_agg(substr(r.js ->> 'content', 3), '' ORDER BY (r.js ->> 'part')::int) AS hex,
               count(*) AS got, max((r.js ->> 'part')::int) AS top
          FROM public.tenant_import_rows r
         WHERE r.import_id = p_import AND r.tbl LIKE '%.content'
         GROUP BY 1, 2)
    SELECT min(p.tbl || ' id ' || p.id) INTO bad FROM parts p WHERE p.got <> p.top + 1;
    PERFORM public.liaison_check(bad IS NULL, 'rows', format('the content of %s is incomplete', bad));
    UPDATE public.tenant_import_rows r SET js = r.js || jsonb_build_object('content', '\x' || p.hex)
      FROM (SELECT left(q.tbl, -8) AS tbl, (q.js ->> 'id')::bigint AS id,
                   string_agg(substr(q.js ->> 'content', 3), '' ORDER BY (q.js ->> 'part')::int) AS hex
              FROM public.tenant_import_rows q
             WHERE q.import_id = p_import AND q.tbl LIKE '%.content' GROUP BY 1, 2) p
     WHERE r.import_id = p_import AND r.tbl = p.tbl AND (r.js ->> 'id')::bigint = p.id;
    DELETE FROM public.tenant_import_rows r WHERE r.import_id = p_import AND r.tbl LIKE '%.content';

    -- New ids for every row, before any is written.
    DELETE FROM public.tenant_import_ids WHERE import_id = p_import;
    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('INSERT INTO public.tenant_import_ids (import_id, tbl, old_id, new_id)'
                       ' SELECT $1, $2, o.id, nextval(%L) FROM (SELECT (r.js ->> ''id'')::bigint'
                       ' AS id FROM public.tenant_import_rows r WHERE r.import_id = $1 AND r.tbl = $2'
                       ' ORDER BY 1) o', pg_get_serial_sequence(format('public.%I', t), 'id'))
            USING p_import, t;
    END LOOP;

    -- Every column holding ids, translated; an id the export does not hold
    -- is refused (a tampered or partial export).
    FOR c IN
        SELECT r.tbl, a.attname::text AS col, s.how, coalesce(s.refers_to,
               public.liaison_id_target(r.tbl, a.attname)) AS ref, s.json_key,
               format_type(a.atttypid, NULL) AS typ
          FROM (SELECT DISTINCT q.tbl FROM public.tenant_import_rows q
                 WHERE q.import_id = p_import AND q.tbl <> 'tenants') r
          JOIN pg_attribute a ON a.attrelid = format('public.%I', r.tbl)::regclass
               AND a.attnum > 0 AND NOT a.attisdropped AND a.attname NOT IN ('id', 'tenant_id')
          LEFT JOIN public.tenant_import_id_columns s ON s.tbl = r.tbl AND s.col = a.attname
         WHERE s.how IS NOT NULL OR public.liaison_id_target(r.tbl, a.attname) IS NOT NULL
            OR (a.atttypid = 'text'::regtype AND (a.attname = 'actor' OR a.attname LIKE '%\_by'))
    LOOP
        IF c.how = 'entity' THEN
            UPDATE public.tenant_import_rows r SET js = jsonb_set(r.js, ARRAY[c.col], to_jsonb(
                       public.liaison_tenant_import_entity(p_import, r.js ->> 'entity',
                           r.js ->> c.col, hdr ->> 'id', tid::text, hdr ->> 'slug', imp.slug)))
             WHERE r.import_id = p_import AND r.tbl = c.tbl AND jsonb_typeof(r.js -> c.col) = 'string';
        ELSIF c.how = 'array' THEN
            SELECT min(r.js ->> 'id') INTO bad FROM public.tenant_import_rows r
             WHERE r.import_id = p_import AND r.tbl = c.tbl AND EXISTS (
                   SELECT 1 FROM jsonb_array_elements_text(r.js -> c.col) e(v)
                    WHERE NOT EXISTS (SELECT 1 FROM public.tenant_import_ids m
                                       WHERE m.import_id = p_import AND m.tbl = c.ref
                                         AND m.old_id::text = e.v));
            PERFORM public.liaison_check(bad IS NULL, 'rows', format(
                '%s id %s: %s names a row of %s the export does not hold', c.tbl, bad, c.col, c.ref));
            UPDATE public.tenant_import_rows r SET js = jsonb_set(r.js, ARRAY[c.col], coalesce((
                       SELECT jsonb_agg(m.new_id ORDER BY e.o)
                         FROM jsonb_array_elements_text(r.js -> c.col) WITH ORDINALITY e(v, o)
                         JOIN public.tenant_import_ids m ON m.import_id = p_import AND m.tbl = c.ref
                          AND m.old_id::text = e.v), '[]'))
             WHERE r.import_id = p_import AND r.tbl = c.tbl
               AND jsonb_typeof(r.js -> c.col) = 'array';
        ELSIF c.how = 'json_key' THEN
            -- A rung's contact removed before the export: the rung names no
            -- contact, keeping the name it was sent to, as a removed contact's
            -- rung does (0092).
            UPDATE public.tenant_import_rows r SET js = jsonb_set(r.js, ARRAY[c.col], (
                       SELECT jsonb_agg(CASE WHEN jsonb_typeof(e.v -> c.json_key) <> 'number'
                                             THEN e.v
                                             WHEN m.new_id IS NULL
                                             THEN e.v || jsonb_build_object(c.json_key, NULL)
                                             ELSE e.v || jsonb_build_object(c.json_key, m.new_id)
                                        END ORDER BY e.o)
                         FROM jsonb_array_elements(r.js -> c.col) WITH ORDINALITY e(v, o)
                         LEFT JOIN public.tenant_import_ids m ON m.import_id = p_import
                          AND m.tbl = c.ref AND jsonb_typeof(e.v -> c.json_key) = 'number'
                          AND m.old_id = (e.v ->> c.json_key)::bigint))
             WHERE r.import_id = p_import AND r.tbl = c.tbl
               AND jsonb_array_length(r.js -> c.col) > 0;
        ELSIF c.ref IS NULL THEN
            -- An actor: "user:ID rest" or "token:ID rest", ID a user's.
            UPDATE public.tenant_import_rows r SET js = jsonb_set(r.js, ARRAY[c.col], to_jsonb(
                       regexp_replace(r.js ->> c.col, '^(user|token):[0-9]+',
                                      '\1:' || m.new_id)))
              FROM public.tenant_import_ids m
             WHERE r.import_id = p_import AND r.tbl = c.tbl
               AND (r.js ->> c.col) ~ '^(user|token):[0-9]{1,18}( |$)'
               AND m.import_id = p_import AND m.tbl = 'users'
               AND m.old_id = substring(r.js ->> c.col FROM '^[a-z]+:([0-9]+)')::bigint;
        ELSE
            SELECT min(r.js ->> 'id') INTO bad FROM public.tenant_import_rows r
             WHERE r.import_id = p_import AND r.tbl = c.tbl
               AND jsonb_typeof(r.js -> c.col) = 'number'
               AND NOT EXISTS (SELECT 1 FROM public.tenant_import_ids m
                                WHERE m.import_id = p_import AND m.tbl = c.ref
                                  AND m.old_id = (r.js ->> c.col)::bigint);
            PERFORM public.liaison_check(bad IS NULL, 'rows', format(
                '%s id %s: %s names a row of %s the export does not hold', c.tbl, bad, c.col, c.ref));
            UPDATE public.tenant_import_rows r SET js = jsonb_set(r.js, ARRAY[c.col], to_jsonb(m.new_id))
              FROM public.tenant_import_ids m
             WHERE r.import_id = p_import AND r.tbl = c.tbl
               AND jsonb_typeof(r.js -> c.col) = 'number'
               AND m.import_id = p_import AND m.tbl = c.ref
               AND m.old_id = (r.js ->> c.col)::bigint;
        END IF;
    END LOOP;
    UPDATE public.tenant_import_rows r SET js = r.js || jsonb_build_object('id', m.new_id, 'tenant_id', tid)
      FROM public.tenant_import_ids m
     WHERE r.import_id = p_import AND m.import_id = p_import AND m.tbl = r.tbl
       AND m.old_id = (r.js ->> 'id')::bigint;

    -- Foreign-key order; a table in a cycle goes in with the cycle's
    -- columns NULL, set once every row is in.
    pending := ARRAY(SELECT DISTINCT r.tbl FROM public.tenant_import_rows r
                      WHERE r.import_id = p_import AND r.tbl <> 'tenants' ORDER BY 1);
    WHILE cardinality(pending) > 0 LOOP
        SELECT min(p) INTO nxt FROM unnest(pending) p
         WHERE NOT EXISTS (
               SELECT 1 FROM pg_constraint k JOIN pg_class f ON f.oid = k.confrelid
                WHERE k.contype = 'f' AND k.conrelid = format('public.%I', p)::regclass
                  AND f.relname::text = ANY (pending) AND f.relname::text <> p);
        IF nxt IS NULL THEN
            -- In a cycle: the table waiting on fewest others whose columns
            -- for them may be NULL a while.
            SELECT p INTO nxt FROM unnest(pending) p
             WHERE NOT EXISTS (
                   SELECT 1 FROM pg_constraint k JOIN pg_class f ON f.oid = k.confrelid
                     JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
                    WHERE k.contype = 'f' AND k.conrelid = format('public.%I', p)::regclass
                      AND f.relname::text = ANY (pending) AND a.attname <> 'tenant_id'
                      AND a.attnotnull)
             ORDER BY (SELECT count(*) FROM pg_constraint k JOIN pg_class f ON f.oid = k.confrelid
                        WHERE k.contype = 'f' AND k.conrelid = format('public.%I', p)::regclass
                          AND f.relname::text = ANY (pending)), p
             LIMIT 1;
            PERFORM public.liaison_check(nxt IS NOT NULL, 'rows', format(
                'the tables %s refer to each other with columns that may not be NULL',
                array_to_string(pending, ', ')));
            deferred := deferred || ARRAY(
                SELECT nxt || '.' || a.attname FROM pg_constraint k
                  JOIN pg_class f ON f.oid = k.confrelid
                  JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
                 WHERE k.contype = 'f' AND k.conrelid = format('public.%I', nxt)::regclass
                   AND f.relname::text = ANY (pending) AND a.attname <> 'tenant_id');
        END IF;
        -- A reference to its own table goes in afterwards too.
        deferred := deferred || ARRAY(
            SELECT nxt || '.' || a.attname FROM pg_constraint k
              JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
             WHERE k.contype = 'f' AND k.conrelid = format('public.%I', nxt)::regclass
               AND k.confrelid = k.conrelid AND a.attname <> 'tenant_id');
        SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
               string_agg(CASE WHEN (nxt || '.' || a.attname) = ANY (deferred) THEN 'NULL'
                               WHEN h.fill IS NOT NULL THEN h.fill
                               ELSE format('x.%I', a.attname) END, ', ' ORDER BY a.attnum)
          INTO cols, vals
          FROM pg_attribute a
          LEFT JOIN LATERAL (
               SELECT CASE WHEN a.atttypid = 'bytea'::regtype
                           THEN 'decode(md5(random()::text) || md5(random()::text), ''hex'')'
                           ELSE '''$argon2id$v=19$m=19456,t=2,p=1$'' || rtrim(encode(decode('
                                '  md5(random()::text), ''hex''), ''base64''), ''='') || ''$'' ||'
                                ' rtrim(encode(decode(md5(random()::text) || md5(random()::text),'
                                ' ''hex''), ''base64''), ''='')' END AS fill
                WHERE a.attname LIKE '%\_hash' AND a.attnotnull AND NOT EXISTS (
                      SELECT 1 FROM public.tenant_import_rows r
                       WHERE r.import_id = p_import AND r.tbl = nxt AND r.js ? a.attname)) h
            ON true
         WHERE a.attrelid = format('public.%I', nxt)::regclass AND a.attnum > 0
           AND NOT a.attisdropped AND (h.fill IS NOT NULL OR EXISTS (
               SELECT 1 FROM public.tenant_import_rows r
                WHERE r.import_id = p_import AND r.tbl = nxt AND r.js ? a.attname));
        ins := format('INSERT INTO public.%I (%s) OVERRIDING SYSTEM VALUE SELECT %s'
                      ' FROM public.tenant_import_rows r, jsonb_populate_record(NULL::public.%I, r.js) x'
                      ' WHERE r.import_id = $1 AND r.tbl = $2 AND (r.n = $3 OR $3 IS NULL)'
                      ' ORDER BY (r.js ->> ''id'')::bigint',
                      nxt, cols, vals, nxt);
        BEGIN
            EXECUTE ins USING p_import, nxt, NULL::bigint;
        EXCEPTION WHEN integrity_constraint_violation OR data_exception THEN
            -- Which row: again one by one, in the same order, up to the one
            -- refused (0231). The refusal ends the import, all or nothing.
            BEGIN
                FOR one IN SELECT r.n, r.js ->> 'id' AS id FROM public.tenant_import_rows r
                            WHERE r.import_id = p_import AND r.tbl = nxt
                            ORDER BY (r.js ->> 'id')::bigint LOOP
                    EXECUTE ins USING p_import, nxt, one.n;
                END LOOP;
            EXCEPTION WHEN integrity_constraint_violation OR data_exception THEN
                -- The message, not its detail: that lists the row's values, hashes too.
                GET STACKED DIAGNOSTICS e_why = MESSAGE_TEXT, e_col = COLUMN_NAME;
                -- The row's id as the export has it: its rows hold the new ones by now.
                PERFORM public.liaison_check(false, 'rows', format(
                    'line %s of the export (%s id %s)%s: %s', one.n, nxt,
                    coalesce((SELECT m.old_id::text FROM public.tenant_import_ids m
                               WHERE m.import_id = p_import AND m.tbl = nxt
                                 AND m.new_id::text = one.id), one.id),
                    CASE WHEN e_col <> '' THEN ', ' || e_col END, e_why));
            END;
            RAISE;
        END;
        placed := placed || nxt;
        pending := array_remove(pending, nxt);
    END LOOP;
    FOREACH t IN ARRAY deferred LOOP
        EXECUTE format('UPDATE public.%I y SET %I = x.%I FROM public.tenant_import_rows r,'
                       ' jsonb_populate_record(NULL::public.%I, r.js) x WHERE r.import_id = $1'
                       ' AND r.tbl = $2 AND y.tenant_id = $3 AND y.id = x.id',
                       split_part(t, '.', 1), split_part(t, '.', 2), split_part(t, '.', 2),
                       split_part(t, '.', 1))
            USING p_import, split_part(t, '.', 1), tid;
    END LOOP;

    IF NOT v_secrets THEN
        UPDATE public.users u SET password_hash = p_admin_hash
         WHERE u.tenant_id = tid AND lower(u.email) = lower(p_admin_email)
           AND u.role = 'tenant_admin';
        GET DIAGNOSTICS n = ROW_COUNT;
        PERFORM public.liaison_check(n = 1, 'adminEmail', 'the export has no tenant admin with this e-mail');
    END IF;
    SELECT count(*) INTO n FROM public.tenant_import_ids m WHERE m.import_id = p_import;
    PERFORM public.liaison_platform_audit(CASE WHEN v_secrets THEN 'tenant.import_with_secrets'
                                        ELSE 'tenant.import' END, imp.slug);
    PERFORM public.liaison_audit(CASE WHEN v_secrets THEN 'tenant.import_with_secrets'
                               ELSE 'tenant.import' END, 'tenant', imp.slug);
    DELETE FROM public.tenant_imports WHERE id = p_import;
    RETURN QUERY SELECT x.slug, x.name, 'TENANT_STATUS_' || upper(x.status),
                        public.liaison_rfc3339(x.created_at),
                        n, v_secrets, (hdr ->> 'schema_version')::int
                   FROM public.tenants x WHERE x.id = tid;
END $$;
