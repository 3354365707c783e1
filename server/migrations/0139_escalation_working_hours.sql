-- An escalation protocol's timeframes can count the distributor's working
-- hours only (escalation_protocols.working_hours_only, off by default and
-- for every protocol made before). Counted in plain hours, a 24-hour
-- request sent on Friday afternoon to a distributor working Monday to
-- Friday stepped up to the sales director on Saturday afternoon, when
-- nobody there works: the constant interruption the relationship should
-- not have. With the option, "8 hours" from Friday 16:00 with 09:00-17:00
-- Monday to Friday is due on Monday at 16:00 (1 hour on Friday, 7 on
-- Monday), and a request sent outside the hours starts counting at the next
-- opening; each step's deadline counts from the instant the step before it
-- ran out, so it counts on from there too.
--
-- A request keeps the option it was sent under (escalation_requests.
-- working_hours_only), so that changing the protocol does not move the
-- deadlines of requests already out; the distributor's hours, days and
-- time zone are read as they are when each deadline is computed (at the
-- sending, then at each step), as the cadence reads them.
--
-- Replaces, whole from their newest definitions, liaison_escalation_create
-- and liaison_escalation_advance (0135) and liaison_handbook_data (0097),
-- CREATE OR REPLACE keeping their grants; liaison_escalation_protocol_set
-- (0135) takes the option as a new last parameter, so its old signature is
-- dropped and the new one granted.

ALTER TABLE escalation_protocols
    ADD COLUMN IF NOT EXISTS working_hours_only boolean NOT NULL DEFAULT false;
ALTER TABLE escalation_requests
    ADD COLUMN IF NOT EXISTS working_hours_only boolean NOT NULL DEFAULT false;

-- p_start plus p_hours of working time: local wall-clock time inside
-- p_day_start..p_day_end on the ISO weekdays p_work_days, in time zone
-- p_zone. An instant outside the hours counts from the next opening; a
-- deadline that falls exactly at a closing is that closing. The hours are
-- local wall-clock hours, so a working day across a change of daylight
-- saving time holds as many working hours as its clock shows (09:00-17:00
-- is 8), not the hours that elapse. A local time the change skips or
-- repeats is placed as AT TIME ZONE places it.
--
-- Without working time to count in (no zone, an end not after the start,
-- as overnight hours would be, or no weekday 1-7 in p_work_days) it is
-- plain hours, p_start + p_hours, so a deadline always comes: the rules of
-- the distributor's hours (rpc_distributor.c) make none of these, but an
-- import or a hand-made row might.
--
-- Bounded: any seven local days hold each weekday once, so whole weeks of
-- working time are skipped in one step, and what is left (at most one
-- week's working time) ends within eight local dates.
CREATE OR REPLACE FUNCTION liaison_add_working_hours(p_start timestamptz, p_hours integer,
                                                     p_zone text, p_day_start time,
                                                     p_day_end time, p_work_days smallint[])
RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
DECLARE
    n_days integer;
    per_day interval;
    left_over interval;
    here timestamp;
    today date;
    opens timestamp;
    closes timestamp;
    weeks integer;
BEGIN
    IF p_start IS NULL OR p_hours IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT count(DISTINCT d) INTO n_days FROM unnest(p_work_days) d WHERE d BETWEEN 1 AND 7;
    IF p_hours <= 0 OR p_zone IS NULL OR p_day_start IS NULL OR p_day_end IS NULL
       OR p_day_end <= p_day_start OR n_days = 0 THEN
        RETURN p_start + make_interval(hours => p_hours);
    END IF;
    per_day := p_day_end - p_day_start;
    left_over := make_interval(hours => p_hours);
    here := p_start AT TIME ZONE p_zone;
    weeks := ceil(extract(epoch FROM left_over)
                  / extract(epoch FROM per_day * n_days))::integer - 1;
    IF weeks > 0 THEN
        here := here + make_interval(days => 7 * weeks);
        left_over := left_over - per_day * (n_days * weeks);
    END IF;
    FOR i IN 1 .. 9 LOOP
        today := here::date;
        IF extract(isodow FROM today)::smallint = ANY (p_work_days) THEN
            opens := today + p_day_start;
            closes := today + p_day_end;
            IF here < opens THEN
                here := opens;
            END IF;
            IF here < closes THEN
                IF here + left_over <= closes THEN
                    RETURN (here + left_over) AT TIME ZONE p_zone;
                END IF;
                left_over := left_over - (closes - here);
            END IF;
        END IF;
        here := (today + 1)::timestamp;
    END LOOP;
    RAISE EXCEPTION 'liaison_add_working_hours: % hours from % found no end', p_hours, p_start;
END $$;

-- When an answer from distributor p_distributor is due, p_hours after
-- p_from: in its working hours when p_working (the request's option), else
-- plain hours.
CREATE OR REPLACE FUNCTION liaison_escalation_due(p_distributor bigint, p_working boolean,
                                                  p_from timestamptz, p_hours integer)
RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT liaison_add_working_hours(p_from, p_hours, d.time_zone, d.business_hours_start,
                                          d.business_hours_end, d.work_days)
           FROM public.distributors d
          WHERE p_working AND d.tenant_id = liaison_tenant() AND d.id = p_distributor),
        p_from + make_interval(hours => p_hours))
$$;

-- As in 0135, but the request keeps its protocol's working_hours_only and
-- its first deadline counts in the distributor's working hours when set.
CREATE OR REPLACE FUNCTION liaison_escalation_create(p_distributor bigint, p_severity text,
                                                     p_subject text, p_body text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    pr record;
    v_ladder jsonb;
    v_reached jsonb;
    v_now timestamptz := liaison_now();
    v_note text;
    v_skipped text;
    first_rung jsonb;
    rid bigint;
    due timestamptz;
BEGIN
    PERFORM liaison_found(EXISTS (SELECT 1 FROM distributors d
                                   WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
                                     AND liaison_sees_distributor(d.id, d.account_manager_id)),
                          'no such distributor');
    SELECT f.protocol_id, f.source, p.visit_hours, p.working_hours_only INTO pr
      FROM liaison_escalation_protocol_for(p_distributor, p_severity) f
      JOIN escalation_protocols p ON p.tenant_id = liaison_tenant() AND p.id = f.protocol_id;
    PERFORM liaison_precondition(pr.protocol_id IS NOT NULL,
        format('no escalation protocol for severity %s: set one for the distributor or the'
               ' tenant default', p_severity));
    v_ladder := liaison_escalation_ladder(pr.protocol_id, p_distributor);
    -- Removing a contact removes the rungs that named it.
    PERFORM liaison_precondition(jsonb_array_length(v_ladder) > 0,
        format('the escalation protocol for severity %s has no steps left: set it again',
               p_severity));
    -- A rung by role that no contact holds has a null contact_id: skipped.
    SELECT coalesce(jsonb_agg(r.rung ORDER BY r.n), '[]') INTO v_reached
      FROM jsonb_array_elements(v_ladder) WITH ORDINALITY r (rung, n)
     WHERE jsonb_typeof(r.rung -> 'contact_id') = 'number';
    -- A rung at the front whose contact has left: passed over, and said.
    LOOP
        v_note := liaison_escalation_rung_left(v_reached -> 0);
        EXIT WHEN v_note IS NULL;
        v_skipped := concat_ws('; ', v_skipped, v_note);
        v_reached := v_reached - 0;
    END LOOP;
    first_rung := v_reached -> 0;
    due := liaison_escalation_due(p_distributor, pr.working_hours_only, v_now,
                                  CASE WHEN first_rung IS NULL THEN pr.visit_hours
                                       ELSE (first_rung ->> 'response_hours')::int END);
    INSERT INTO escalation_requests (tenant_id, distributor_id, severity, subject, body,
                                     protocol_source, ladder, visit_hours, sent_by, sent_at,
                                     expected_by, working_hours_only)
    VALUES (liaison_tenant(), p_distributor, p_severity, p_subject, p_body, pr.source, v_reached,
            pr.visit_hours, liaison_request_setting('actor'), v_now, due, pr.working_hours_only)
    RETURNING id INTO rid;
    IF first_rung IS NULL THEN
        INSERT INTO escalation_steps (tenant_id, request_id, step_no, kind, method, reached_at,
                                      expected_by, skipped)
        VALUES (liaison_tenant(), rid, 1, 'visit', 'visit', v_now, due, coalesce(v_skipped, ''));
    ELSE
        INSERT INTO escalation_steps (tenant_id, request_id, step_no, kind, contact_id,
                                      contact_name, contact_role, method, reached_at, expected_by,
                                      skipped)
        VALUES (liaison_tenant(), rid, 1, 'contact', (first_rung ->> 'contact_id')::bigint,
                first_rung ->> 'contact_name', first_rung ->> 'contact_role',
                first_rung ->> 'method', v_now, due, coalesce(v_skipped, ''));
    END IF;
    PERFORM liaison_schedule('escalation_step', 'escalation:' || rid, due,
                             jsonb_build_object('request_id', rid));
    PERFORM liaison_audit('escalation.create', 'escalation_request', rid::text);
    PERFORM set_config('liaison.escalation_id', rid::text, true);
    RETURN rid;
END $$;

-- As in 0135, but each deadline counts in the distributor's working hours
-- when the request was sent under that option (its own column, not the
-- protocol's now). A step is still reached at the instant the step before
-- it ran out, which with the option is inside the working hours or at a
-- closing, so the next timeframe counts on from there.
CREATE OR REPLACE FUNCTION liaison_escalation_advance(p_request bigint) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    e public.escalation_requests%ROWTYPE;
    v_now timestamptz := liaison_now();
    n_contacts integer;
    rung jsonb;
    reached timestamptz;
    v_note text;
    v_skipped text;
    taken integer := 0;
BEGIN
    SELECT * INTO e FROM public.escalation_requests r
     WHERE r.tenant_id = liaison_tenant() AND r.id = p_request FOR UPDATE;
    IF NOT FOUND OR e.status <> 'open' THEN
        RETURN 0;
    END IF;
    n_contacts := jsonb_array_length(e.ladder);
    WHILE e.expected_by IS NOT NULL AND e.expected_by <= v_now LOOP
        reached := e.expected_by;
        e.step_no := e.step_no + 1;
        IF e.step_no <= n_contacts THEN
            rung := e.ladder -> (e.step_no - 1);
            v_note := liaison_escalation_rung_left(rung);
            IF v_note IS NOT NULL THEN
                v_skipped := concat_ws('; ', v_skipped, v_note);
                CONTINUE;
            END IF;
            e.expected_by := liaison_escalation_due(e.distributor_id, e.working_hours_only,
                                                    reached, (rung ->> 'response_hours')::int);
            BEGIN
                INSERT INTO public.escalation_steps (tenant_id, request_id, step_no, kind,
                                                     contact_id, contact_name, contact_role,
                                                     method, reached_at, expected_by, skipped)
                VALUES (liaison_tenant(), e.id, e.step_no, 'contact',
                        (SELECT c.id FROM public.contacts c WHERE c.tenant_id = liaison_tenant()
                            AND c.id = (rung ->> 'contact_id')::bigint),
                        rung ->> 'contact_name', rung ->> 'contact_role', rung ->> 'method',
                        reached, e.expected_by, coalesce(v_skipped, ''));
            EXCEPTION WHEN foreign_key_violation THEN
                -- The contact was being removed as the step was taken: the
                -- step keeps the name it was sent to, as a step of a contact
                -- removed earlier does.
                INSERT INTO public.escalation_steps (tenant_id, request_id, step_no, kind,
                                                     contact_id, contact_name, contact_role,
                                                     method, reached_at, expected_by, skipped)
                VALUES (liaison_tenant(), e.id, e.step_no, 'contact', NULL,
                        rung ->> 'contact_name', rung ->> 'contact_role', rung ->> 'method',
                        reached, e.expected_by, coalesce(v_skipped, ''));
            END;
        ELSIF e.step_no = n_contacts + 1 THEN
            e.expected_by := liaison_escalation_due(e.distributor_id, e.working_hours_only,
                                                    reached, e.visit_hours);
            INSERT INTO public.escalation_steps (tenant_id, request_id, step_no, kind, method,
                                                 reached_at, expected_by, skipped)
            VALUES (liaison_tenant(), e.id, e.step_no, 'visit', 'visit', reached, e.expected_by,
                    coalesce(v_skipped, ''));
        ELSE
            e.expected_by := NULL;
            e.concern := liaison_escalation_concern_draft(e.id, reached);
            e.concern_drafted_at := reached;
            e.charter_id := (SELECT c.id FROM public.charters c
                              WHERE c.tenant_id = liaison_tenant()
                                AND c.distributor_id = e.distributor_id AND c.status = 'active');
            INSERT INTO public.escalation_steps (tenant_id, request_id, step_no, kind, method,
                                                 reached_at, skipped)
            VALUES (liaison_tenant(), e.id, e.step_no, 'concern', 'formal_letter', reached,
                    coalesce(v_skipped, ''));
        END IF;
        v_skipped := NULL;
        PERFORM liaison_audit('escalation.step', 'escalation_request', e.id::text);
        taken := taken + 1;
    END LOOP;
    IF taken > 0 THEN
        UPDATE public.escalation_requests r
           SET step_no = e.step_no, expected_by = e.expected_by, concern = e.concern,
               concern_drafted_at = e.concern_drafted_at, charter_id = e.charter_id
         WHERE r.tenant_id = liaison_tenant() AND r.id = e.id;
    END IF;
    IF e.expected_by IS NOT NULL THEN
        PERFORM liaison_schedule('escalation_step', 'escalation:' || e.id, e.expected_by,
                                 jsonb_build_object('request_id', e.id));
    ELSE
        PERFORM liaison_unschedule('escalation_step', 'escalation:' || e.id, 'concern reached');
    END IF;
    RETURN taken;
END $$;

-- As in 0135, with p_working_hours: the protocol's timeframes count the
-- distributor's working hours only.
DROP FUNCTION IF EXISTS liaison_escalation_protocol_set(bigint, text, bigint[], text[], text[],
                                                        integer[], integer);
CREATE OR REPLACE FUNCTION liaison_escalation_protocol_set(p_distributor bigint, p_severity text,
    p_contacts bigint[], p_roles text[], p_methods text[], p_hours integer[],
    p_visit_hours integer, p_working_hours boolean) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n integer := coalesce(cardinality(p_methods), 0);
    pid bigint;
    who record;
BEGIN
    IF p_distributor <> 0 THEN
        PERFORM liaison_found(EXISTS (SELECT 1 FROM distributors d
                                       WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
                                         AND liaison_sees_distributor(d.id, d.account_manager_id)),
                              'no such distributor');
    END IF;
    FOR i IN 1 .. n LOOP
        IF p_contacts[i] <> 0 THEN
            PERFORM liaison_check(p_distributor <> 0, format('steps[%s].contactId', i - 1),
                                  'the tenant default names contact roles, not contacts');
            PERFORM liaison_check(EXISTS (SELECT 1 FROM contacts c
                                           WHERE c.tenant_id = liaison_tenant()
                                             AND c.id = p_contacts[i]
                                             AND c.distributor_id = p_distributor),
                                  format('steps[%s].contactId', i - 1),
                                  'not a contact of this distributor');
            SELECT c.name, c.left_on INTO who FROM contacts c
             WHERE c.tenant_id = liaison_tenant() AND c.id = p_contacts[i] FOR SHARE;
            PERFORM liaison_precondition(who.left_on IS NULL OR EXISTS (
                    SELECT 1 FROM escalation_protocol_steps s
                      JOIN escalation_protocols p ON p.tenant_id = s.tenant_id
                       AND p.id = s.protocol_id
                     WHERE s.tenant_id = liaison_tenant() AND s.contact_id = p_contacts[i]
                       AND p.distributor_id = p_distributor AND p.severity = p_severity),
                format('%s (contact %s) left on %s: a contact who has left is no new rung of an '
                       'escalation ladder (steps[%s])', who.name, p_contacts[i],
                       to_char(who.left_on, 'YYYY-MM-DD'), i - 1));
        ELSIF p_distributor = 0 THEN
            PERFORM liaison_check(strpos(p_roles[i], '@') = 0, format('steps[%s].contactRole', i - 1),
                format('''%s'' is an e-mail address: the tenant default names contact roles '
                       '(purchasing manager, sales director, ...); name a person in a '
                       'distributor''s own ladder', btrim(p_roles[i])));
            SELECT c.name, d.name AS distributor INTO who
              FROM contacts c
              JOIN distributors d ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id
             WHERE c.tenant_id = liaison_tenant()
               AND lower(btrim(c.name)) = lower(btrim(p_roles[i]))
               AND NOT EXISTS (SELECT 1 FROM contacts h
                                WHERE h.tenant_id = liaison_tenant()
                                  AND lower(btrim(h.role)) = lower(btrim(p_roles[i])))
             ORDER BY c.id LIMIT 1;
            PERFORM liaison_check(who.name IS NULL, format('steps[%s].contactRole', i - 1),
                format('''%s'' is a contact of %s, not a role: the tenant default names contact '
                       'roles (purchasing manager, sales director, ...); name a person in a '
                       'distributor''s own ladder', who.name, who.distributor));
        END IF;
    END LOOP;
    DELETE FROM escalation_protocols p
     WHERE p.tenant_id = liaison_tenant() AND p.severity = p_severity
       AND coalesce(p.distributor_id, 0) = p_distributor;
    IF n = 0 THEN
        PERFORM liaison_audit('escalation_protocol.remove', 'escalation_protocol',
                              p_distributor || ':' || p_severity);
        RETURN;
    END IF;
    INSERT INTO escalation_protocols (tenant_id, distributor_id, severity, visit_hours,
                                      working_hours_only)
    VALUES (liaison_tenant(), nullif(p_distributor, 0), p_severity,
            CASE WHEN p_visit_hours > 0 THEN p_visit_hours ELSE p_hours[n] END,
            coalesce(p_working_hours, false))
    RETURNING id INTO pid;
    INSERT INTO escalation_protocol_steps (tenant_id, protocol_id, position, contact_id,
                                           contact_role, method, response_hours)
    SELECT liaison_tenant(), pid, i, nullif(p_contacts[i], 0),
           CASE WHEN p_contacts[i] <> 0 THEN '' ELSE btrim(p_roles[i]) END, p_methods[i],
           p_hours[i]
      FROM generate_series(1, n) i;
    PERFORM liaison_audit('escalation_protocol.set', 'escalation_protocol', pid::text);
END $$;

-- As in 0097, with each escalation ladder's working_hours_only, so that the
-- handbook says its timeframes are in the distributor's working hours.
CREATE OR REPLACE FUNCTION liaison_handbook_data(p_distributor bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'distributor', liaison_handbook_distributor(p_distributor),
        'charter', (SELECT json_build_object(
            'id', c.id, 'version', c.version, 'status', c.status,
            'signed_on', c.signed_on::text, 'signatories', c.signatories,
            'activated_at', liaison_rfc3339(c.activated_at),
            'full_coverage', c.full_coverage,
            'covered_lines', (SELECT coalesce(json_agg(l.code || ' ' || l.name ORDER BY l.code),
                                              '[]')
                                FROM product_lines l
                               WHERE l.tenant_id = c.tenant_id AND l.id = ANY (c.covered_line_ids)),
            'competing_allowed', c.competing_allowed,
            'report_due_day', c.report_due_day, 'report_sections', c.report_sections,
            'grants', (SELECT coalesce(json_agg(json_build_object(
                           'region', g.region, 'all_lines', g.all_lines,
                           'lines', (SELECT coalesce(json_agg(l.code || ' ' || l.name
                                                              ORDER BY l.code), '[]')
                                      FROM product_lines l
                                     WHERE l.tenant_id = g.tenant_id AND l.id = ANY (g.line_ids)),
                           'exclusive', g.exclusive, 'starts_on', g.starts_on::text,
                           'ends_on', g.ends_on::text) ORDER BY g.region, g.id), '[]')
                         FROM charter_grants g
                        WHERE g.tenant_id = c.tenant_id AND g.charter_id = c.id),
            'carve_outs', (SELECT coalesce(json_agg(json_build_object(
                               'account_name', o.account_name, 'region', o.region,
                               'note', o.note) ORDER BY o.id), '[]')
                             FROM charter_carve_outs o
                            WHERE o.tenant_id = c.tenant_id AND o.charter_id = c.id),
            'commitments', (SELECT coalesce(json_agg(json_build_object(
                                'line', l.code || ' ' || l.name, 'moq', m.moq,
                                'buffer_unit', m.buffer_unit, 'buffer_amount', m.buffer_amount,
                                'financing', m.financing,
                                'payment_terms_days', m.payment_terms_days) ORDER BY l.code), '[]')
                              FROM charter_commitments m
                              JOIN product_lines l
                                ON l.tenant_id = m.tenant_id AND l.id = m.product_line_id
                             WHERE m.tenant_id = c.tenant_id AND m.charter_id = c.id),
            'competing_lines', (SELECT coalesce(json_agg(json_build_object(
                                    'competitor', x.competitor, 'line', x.line) ORDER BY x.id),
                                    '[]')
                                  FROM charter_competing_lines x
                                 WHERE x.tenant_id = c.tenant_id AND x.charter_id = c.id))
            FROM charters c
           WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
             AND c.status = 'active'),
        'series', liaison_cadence_series_json(p_distributor, 0),
        'fairness', (SELECT json_build_object('from', f."from", 'to', f."to",
                                              'meetings', f.meetings, 'exporter', f.exporter,
                                              'distributor', f.distributor)
                       FROM liaison_cadence_fairness(p_distributor,
                                                     (liaison_now() - interval '90 days')::date,
                                                     liaison_now()::date) f),
        'escalation', (SELECT coalesce(json_agg(json_build_object(
                           'severity', s.severity, 'source', p.source,
                           'visit_hours', e.visit_hours,
                           'working_hours_only', e.working_hours_only,
                           'ladder', liaison_escalation_ladder(p.protocol_id, p_distributor))
                           ORDER BY s.rank), '[]')
                         FROM (VALUES ('low', 1), ('normal', 2), ('high', 3), ('critical', 4))
                              s (severity, rank)
                        CROSS JOIN LATERAL liaison_escalation_protocol_for(p_distributor,
                                                                           s.severity) p
                         JOIN escalation_protocols e
                           ON e.tenant_id = liaison_tenant() AND e.id = p.protocol_id),
        'languages', liaison_distributor_languages(p_distributor),
        'documents', (SELECT coalesce(json_agg(json_build_object(
                          'title', x.title, 'kind', x.kind, 'language', x.language,
                          'latest_version', x.latest, 'variants', x.variants)
                          ORDER BY x.kind, x.title, x.id), '[]')
                        FROM (SELECT d.id, d.title, d.kind, d.language,
                                     (SELECT max(v.version) FROM document_versions v
                                       WHERE v.tenant_id = d.tenant_id
                                         AND v.document_id = d.id) AS latest,
                                     (SELECT coalesce(json_agg(json_build_object(
                                                 'language', t.language,
                                                 'translated_from', t.translated_from)
                                                 ORDER BY lower(t.language)), '[]')
                                        FROM (SELECT DISTINCT ON (lower(y.language)) y.language,
                                                     y.translated_from
                                                FROM document_translations y
                                               WHERE y.tenant_id = d.tenant_id
                                                 AND y.document_id = d.id
                                               ORDER BY lower(y.language), y.id DESC) t)
                                         AS variants
                                FROM documents d
                               WHERE d.tenant_id = liaison_tenant()
                                 AND (d.share_all OR EXISTS (
                                     SELECT 1 FROM document_shares s
                                      WHERE s.tenant_id = d.tenant_id AND s.document_id = d.id
                                        AND s.distributor_id = p_distributor))
                               ORDER BY d.id LIMIT 200) x),
        'notes', (SELECT json_build_object(
                      'held', count(*),
                      'on_time', count(*) FILTER (WHERE n.status = 'on_time'),
                      'late', count(*) FILTER (WHERE n.status = 'late'),
                      'missing', count(*) FILTER (WHERE n.status = 'missing'),
                      'open_actions', (SELECT count(*) FROM action_items a
                                        WHERE a.tenant_id = liaison_tenant()
                                          AND a.distributor_id = p_distributor
                                          AND a.status = 'open' AND NOT a.internal),
                      'overdue_actions', (SELECT count(*) FROM action_items a
                                           WHERE a.tenant_id = liaison_tenant()
                                             AND a.distributor_id = p_distributor
                                             AND a.status = 'open' AND a.due_at < liaison_now()
                                             AND NOT a.internal))
                    FROM (SELECT liaison_notes_status(m.status, m.ends_at,
                                     (SELECT min(x.created_at) FROM meeting_notes x
                                       WHERE x.tenant_id = m.tenant_id AND x.meeting_id = m.id))
                                     AS status
                            FROM meetings m
                           WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
                             AND m.status = 'held'
                             AND m.ends_at >= liaison_now() - interval '90 days') n),
        'charts', liaison_handbook_charts(p_distributor))
     WHERE liaison_found(liaison_sees_side(p_distributor), 'no such distributor')
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION
            liaison_add_working_hours(timestamptz, integer, text, time, time, smallint[]),
            liaison_escalation_due(bigint, boolean, timestamptz, integer),
            liaison_escalation_protocol_set(bigint, text, bigint[], text[], text[], integer[],
                                            integer, boolean)
            TO liaison_app;
    END IF;
END $$;
