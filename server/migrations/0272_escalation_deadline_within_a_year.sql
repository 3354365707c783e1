-- A deadline in working hours could fall in the year 12100 (found in a
-- try-out): a distributor working 09:00-09:01 on Sundays, a ladder of 8760
-- working hours. Every date stored lies in the years 1900 to 2999, and a
-- timeframe over a year of the calendar is no timeframe. A request each of
-- whose step deadlines (as the steps would be taken, none answered) falls
-- more than a year after its step is refused, naming the step and the date
-- it would give; a distributor's own working-hours ladder whose timeframe
-- from now would, is refused too, naming the date. The tenant default is
-- checked by each request, its distributors' hours being theirs. A request
-- already out keeps its deadlines.
--
-- The same two functions carry 0270's changes: a ladder names a contact
-- once (roles by liaison_role_key; a role beside its holder, or an e-mail
-- no contact of the distributor has, refused), and a request passes over a
-- rung reaching a contact an earlier rung reached. Replaces
-- liaison_escalation_protocol_set (0210) and liaison_escalation_create
-- (0139) whole but for those and this.

CREATE OR REPLACE FUNCTION liaison_escalation_protocol_set(p_distributor bigint, p_severity text,
    p_contacts bigint[], p_roles text[], p_methods text[], p_hours integer[],
    p_visit_hours integer, p_working_hours boolean) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n integer := coalesce(cardinality(p_methods), 0);
    pid bigint;
    who record;
    j integer;
    ends timestamptz;
BEGIN
    IF p_distributor <> 0 THEN
        PERFORM liaison_found(EXISTS (SELECT 1 FROM distributors d
                                       WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
                                         AND liaison_sees_distributor(d.id, d.account_manager_id)),
                              'no such distributor');
    END IF;
    FOR i IN 1 .. n LOOP
        -- One role written twice ("purchasing manager", "PURCHASING
        -- MANAGER") asked the same person twice, and one with a run of
        -- spaces matched nobody.
        j := (SELECT min(k) FROM generate_series(1, i - 1) k
               WHERE p_contacts[i] = 0 AND p_contacts[k] = 0
                 AND liaison_role_key(p_roles[k]) = liaison_role_key(p_roles[i]));
        PERFORM liaison_check(j IS NULL, format('steps[%s].contactRole', i - 1),
            format('''%s'' is the role of rung %s already (''%s''): a role is on one rung of a '
                   'ladder, in any case and spacing', btrim(p_roles[i]), j, btrim(p_roles[j])));
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
            PERFORM liaison_check(array_position(p_contacts, p_contacts[i]) = i,
                format('steps[%s].contactId', i - 1),
                format('%s (contact %s) is already on rung %s of this ladder: a contact is on '
                       'one rung of a ladder', who.name, p_contacts[i],
                       array_position(p_contacts, p_contacts[i])));
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
        ELSE
            -- Another distributor's contact named in this one's ladder was
            -- taken for a role no contact holds: the rung reached nobody.
            SELECT c.name, d.name AS distributor INTO who
              FROM contacts c
              JOIN distributors d ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id
             WHERE c.tenant_id = liaison_tenant() AND c.distributor_id <> p_distributor
               AND liaison_sees_distributor(d.id, d.account_manager_id)
               AND lower(btrim(c.name)) = lower(btrim(p_roles[i]))
               AND NOT EXISTS (SELECT 1 FROM contacts h
                                WHERE h.tenant_id = liaison_tenant()
                                  AND h.distributor_id = p_distributor
                                  AND lower(btrim(h.role)) = lower(btrim(p_roles[i])))
             ORDER BY c.id LIMIT 1;
            PERFORM liaison_check(who.name IS NULL, format('steps[%s].contactRole', i - 1),
                format('''%s'' is a contact of %s, not of this distributor: its ladder names '
                       'its own contacts, or roles they hold (purchasing manager, sales '
                       'director, ...)', who.name, who.distributor));
            -- An e-mail address that is not one of this distributor's
            -- contacts' was kept as a role no one holds: the rung reached
            -- nobody.
            IF strpos(p_roles[i], '@') > 0
               AND NOT EXISTS (SELECT 1 FROM contacts h
                                WHERE h.tenant_id = liaison_tenant()
                                  AND h.distributor_id = p_distributor
                                  AND liaison_role_key(h.role) = liaison_role_key(p_roles[i])) THEN
                SELECT c.id, c.name, c.distributor_id, d.name AS distributor INTO who
                  FROM contacts c
                  JOIN distributors d ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id
                 WHERE c.tenant_id = liaison_tenant()
                   AND lower(btrim(c.email)) = lower(btrim(p_roles[i]))
                   AND (c.distributor_id = p_distributor
                        OR liaison_sees_distributor(d.id, d.account_manager_id))
                 ORDER BY c.distributor_id <> p_distributor, c.id LIMIT 1;
                PERFORM liaison_check(who.name IS NOT NULL AND who.distributor_id = p_distributor,
                    format('steps[%s].contactRole', i - 1),
                    CASE WHEN who.name IS NULL
                         THEN format('no contact of this distributor has the e-mail ''%s'': its '
                                     'ladder names its own contacts, or roles they hold '
                                     '(purchasing manager, sales director, ...)',
                                     btrim(p_roles[i]))
                         ELSE format('''%s'' is the e-mail of %s, a contact of %s, not of this '
                                     'distributor: its ladder names its own contacts, or roles '
                                     'they hold (purchasing manager, sales director, ...)',
                                     btrim(p_roles[i]), who.name, who.distributor) END);
                PERFORM liaison_check(false, format('steps[%s].contactRole', i - 1),
                    format('''%s'' is the e-mail of %s (contact %s): name the contact (its id), '
                           'not a role', btrim(p_roles[i]), who.name, who.id));
            END IF;
            -- A role held by a contact another rung names asked that
            -- person twice: the climb went nowhere.
            SELECT c.id, c.name, array_position(p_contacts, c.id) AS rung INTO who
              FROM contacts c
             WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
               AND c.left_on IS NULL AND c.id = ANY (p_contacts)
               AND liaison_role_key(c.role) = liaison_role_key(p_roles[i])
             ORDER BY array_position(p_contacts, c.id) LIMIT 1;
            PERFORM liaison_check(who.id IS NULL, format('steps[%s].contactRole', i - 1),
                format('''%s'' is the role of %s (contact %s), on rung %s of this ladder '
                       'already: a contact is on one rung of a ladder', btrim(p_roles[i]),
                       who.name, who.id, who.rung));
        END IF;
    END LOOP;
    -- A timeframe of working hours at a distributor that works a few
    -- minutes a week ended millennia on (the year 12100 in a try-out).
    IF p_distributor <> 0 AND coalesce(p_working_hours, false) THEN
        FOR i IN 1 .. n + 1 LOOP
            CONTINUE WHEN i > n AND coalesce(p_visit_hours, 0) <= 0;
            ends := liaison_escalation_due(p_distributor, true, liaison_now(),
                                           CASE WHEN i <= n THEN p_hours[i] ELSE p_visit_hours END);
            PERFORM liaison_check(ends <= liaison_now() + interval '1 year',
                CASE WHEN i <= n THEN format('steps[%s].responseHours', i - 1)
                     ELSE 'visitHours' END,
                format('%s working hours from now end on %s, more than a year away, at the '
                       'distributor''s business hours and work days: give fewer hours, widen '
                       'its hours or days (distributor update), or set the ladder without '
                       'working hours', CASE WHEN i <= n THEN p_hours[i] ELSE p_visit_hours END,
                       to_char(ends, 'YYYY-MM-DD')));
        END LOOP;
    END IF;
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
           CASE WHEN p_contacts[i] <> 0 THEN ''
                ELSE btrim(regexp_replace(p_roles[i], '\s+', ' ', 'g')) END, p_methods[i],
           p_hours[i]
      FROM generate_series(1, n) i;
    PERFORM liaison_audit('escalation_protocol.set', 'escalation_protocol', pid::text);
END $$;

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
    step_from timestamptz;
    step_due timestamptz;
    n_rungs integer;
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
     WHERE jsonb_typeof(r.rung -> 'contact_id') = 'number'
       -- Roles change after a ladder is set: a rung whose role is now
       -- held by a contact an earlier rung reaches asks no one new.
       AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v_ladder) WITH ORDINALITY o (rung, n)
                        WHERE o.n < r.n AND o.rung -> 'contact_id' = r.rung -> 'contact_id');
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
    -- Each step's deadline, as the steps will be taken when none is
    -- answered: one that falls more than a year after its step (working
    -- hours at a distributor that works a few minutes a week) is refused,
    -- not scheduled for the year 12100 (a try-out).
    IF pr.working_hours_only THEN
        n_rungs := jsonb_array_length(v_reached);
        step_from := v_now;
        FOR k IN 0 .. n_rungs LOOP
            step_due := liaison_escalation_due(p_distributor, true, step_from,
                            CASE WHEN k < n_rungs THEN (v_reached -> k ->> 'response_hours')::int
                                 ELSE pr.visit_hours END);
            PERFORM liaison_precondition(step_due <= step_from + interval '1 year',
                format('step %s (%s) would be due %s, more than a year after it is taken: the %s '
                       'ladder counts %s of the distributor''s working hours; widen its business '
                       'hours or work days (distributor update), or set the ladder with fewer '
                       'hours or without working hours', k + 1,
                       CASE WHEN k < n_rungs THEN v_reached -> k ->> 'contact_name'
                            ELSE 'the visit' END,
                       to_char(step_due, 'YYYY-MM-DD'), p_severity,
                       CASE WHEN k < n_rungs THEN (v_reached -> k ->> 'response_hours')::int
                            ELSE pr.visit_hours END));
            step_from := step_due;
        END LOOP;
    END IF;
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
