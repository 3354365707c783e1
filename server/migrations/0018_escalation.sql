-- The escalation protocol and its requests. A protocol says, per severity
-- (low, normal, high, critical), whom to ask in turn (the contact ladder),
-- how, and how many hours each has to answer; a distributor's own protocol
-- for a severity wins over the tenant's default, which names contact roles
-- instead of contacts. A request to a distributor walks its ladder while it
-- stays unanswered: each contact in turn, then a visit, then a formal
-- written performance concern drafted from what the distributor missed.
-- liaison_escalation_advance() takes every step due up to liaison_now();
-- the scheduler calls it at each expected-by instant (job kind
-- escalation_step) and every read calls it too, so answers are right by
-- the clock even before the job has run.

-- One protocol: of a distributor, or (distributor_id NULL) the tenant's
-- default. visit_hours is the time a visit gets before the formal concern.
CREATE TABLE IF NOT EXISTS escalation_protocols (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    distributor_id bigint,
    severity text NOT NULL CHECK (severity IN ('low', 'normal', 'high', 'critical')),
    visit_hours integer NOT NULL CHECK (visit_hours BETWEEN 1 AND 8760),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX IF NOT EXISTS escalation_protocols_one
    ON escalation_protocols (tenant_id, coalesce(distributor_id, 0), severity);

-- A rung of the ladder: a contact of the distributor, or (tenant default)
-- a contact role, matched case-insensitively against the distributor's
-- contacts when a request is sent.
CREATE TABLE IF NOT EXISTS escalation_protocol_steps (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    protocol_id bigint NOT NULL,
    position smallint NOT NULL CHECK (position BETWEEN 1 AND 10),
    contact_id bigint,
    contact_role text NOT NULL DEFAULT '' CHECK (length(contact_role) <= 100),
    method text NOT NULL CHECK (method IN ('email', 'phone', 'messaging', 'visit', 'formal_letter')),
    response_hours integer NOT NULL CHECK (response_hours BETWEEN 1 AND 8760),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, protocol_id, position),
    FOREIGN KEY (tenant_id, protocol_id) REFERENCES escalation_protocols (tenant_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE,
    CHECK ((contact_id IS NULL) <> (contact_role = ''))
);

-- A request to a distributor. The ladder is copied (roles resolved to
-- contacts) when it is sent, so editing the protocol later does not change
-- a walk under way. step_no is the step reached; expected_by is when that
-- step's answer is due (NULL once the formal concern is reached), and the
-- concern's text stays as it was drafted.
CREATE TABLE IF NOT EXISTS escalation_requests (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    distributor_id bigint NOT NULL,
    severity text NOT NULL CHECK (severity IN ('low', 'normal', 'high', 'critical')),
    subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 600),
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    protocol_source text NOT NULL CHECK (protocol_source IN ('distributor', 'tenant_default')),
    ladder jsonb NOT NULL CHECK (jsonb_typeof(ladder) = 'array' AND jsonb_array_length(ladder) >= 1),
    visit_hours integer NOT NULL CHECK (visit_hours BETWEEN 1 AND 8760),
    sent_by text NOT NULL,
    sent_at timestamptz NOT NULL,
    step_no integer NOT NULL DEFAULT 1 CHECK (step_no >= 1),
    expected_by timestamptz,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered')),
    response text CHECK (length(response) BETWEEN 1 AND 20000),
    responded_by text,
    responded_at timestamptz,
    concern text,
    concern_drafted_at timestamptz,
    charter_id bigint,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, distributor_id) REFERENCES distributors (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, charter_id) REFERENCES charters (tenant_id, id),
    CHECK ((status = 'answered') = (responded_at IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS escalation_requests_distributor
    ON escalation_requests (tenant_id, distributor_id, id);
CREATE INDEX IF NOT EXISTS escalation_requests_open_due
    ON escalation_requests (tenant_id, expected_by) WHERE status = 'open';

-- The steps a request reached, the first at its sending.
CREATE TABLE IF NOT EXISTS escalation_steps (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    request_id bigint NOT NULL,
    step_no integer NOT NULL CHECK (step_no >= 1),
    kind text NOT NULL CHECK (kind IN ('contact', 'visit', 'concern')),
    contact_id bigint,
    contact_name text NOT NULL DEFAULT '',
    contact_role text NOT NULL DEFAULT '',
    method text NOT NULL CHECK (method IN ('email', 'phone', 'messaging', 'visit', 'formal_letter')),
    reached_at timestamptz NOT NULL,
    expected_by timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, request_id, step_no),
    FOREIGN KEY (tenant_id, request_id) REFERENCES escalation_requests (tenant_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
        ON DELETE SET NULL (contact_id)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['escalation_protocols', 'escalation_protocol_steps',
                             'escalation_requests', 'escalation_steps'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = liaison_tenant())'
                       ' WITH CHECK (tenant_id = liaison_tenant())', t);
    END LOOP;
END $$;

-- The first contact of distributor p_distributor whose role is p_role,
-- compared without case and surrounding blanks; NULL when none has it.
CREATE OR REPLACE FUNCTION liaison_escalation_contact(p_distributor bigint, p_role text)
RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT c.id FROM contacts c
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
       AND lower(btrim(c.role)) = lower(btrim(p_role))
     ORDER BY c.id LIMIT 1
$$;

-- The protocol in force for distributor p_distributor (0: the tenant
-- default alone) and severity p_severity: the distributor's own, else the
-- tenant's default; no row when neither exists.
CREATE OR REPLACE FUNCTION liaison_escalation_protocol_for(p_distributor bigint, p_severity text)
RETURNS TABLE (protocol_id bigint, source text) LANGUAGE sql STABLE AS $$
    SELECT p.id, CASE WHEN p.distributor_id IS NULL THEN 'tenant_default' ELSE 'distributor' END
      FROM escalation_protocols p
     WHERE p.tenant_id = liaison_tenant() AND p.severity = p_severity
       AND (p.distributor_id IS NULL OR p.distributor_id = nullif(p_distributor, 0))
     ORDER BY p.distributor_id IS NULL LIMIT 1
$$;

-- The ladder of protocol p_protocol for distributor p_distributor (0: no
-- distributor, roles stay unresolved), as a JSON array of EscalationStep
-- objects: contact_id, contact_name, contact_role, method, response_hours.
CREATE OR REPLACE FUNCTION liaison_escalation_ladder(p_protocol bigint, p_distributor bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'contact_id', c.id, 'contact_name', coalesce(c.name, ''),
               'contact_role', CASE WHEN s.contact_role <> '' THEN s.contact_role
                                    ELSE coalesce(c.role, '') END,
               'method', s.method, 'response_hours', s.response_hours) ORDER BY s.position),
           '[]')
      FROM escalation_protocol_steps s
      LEFT JOIN contacts c ON c.tenant_id = s.tenant_id
       AND c.id = coalesce(s.contact_id, liaison_escalation_contact(p_distributor, s.contact_role))
     WHERE s.tenant_id = liaison_tenant() AND s.protocol_id = p_protocol
$$;

-- Replaces the protocol of distributor p_distributor (0: the tenant
-- default) for p_severity with the steps given as parallel arrays (a
-- contact id, 0 for none, or a role; a method; hours); no steps removes
-- it, so the default applies again. The server checked the formats; this
-- checks what needs the data, raising before anything is written.
CREATE OR REPLACE FUNCTION liaison_escalation_protocol_set(p_distributor bigint, p_severity text,
    p_contacts bigint[], p_roles text[], p_methods text[], p_hours integer[],
    p_visit_hours integer) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n integer := coalesce(cardinality(p_methods), 0);
    pid bigint;
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
    INSERT INTO escalation_protocols (tenant_id, distributor_id, severity, visit_hours)
    VALUES (liaison_tenant(), nullif(p_distributor, 0), p_severity,
            CASE WHEN p_visit_hours > 0 THEN p_visit_hours ELSE p_hours[n] END)
    RETURNING id INTO pid;
    INSERT INTO escalation_protocol_steps (tenant_id, protocol_id, position, contact_id,
                                           contact_role, method, response_hours)
    SELECT liaison_tenant(), pid, i, nullif(p_contacts[i], 0),
           CASE WHEN p_contacts[i] <> 0 THEN '' ELSE btrim(p_roles[i]) END, p_methods[i],
           p_hours[i]
      FROM generate_series(1, n) i;
    PERFORM liaison_audit('escalation_protocol.set', 'escalation_protocol', pid::text);
END $$;

-- Sections of a formal performance concern, in order: each fn(p_distributor
-- bigint, p_since timestamptz, p_until timestamptz) RETURNS TABLE (at
-- timestamptz, line text) lists what the distributor missed in that period,
-- one line per miss with the instant it is dated by. A section with no
-- lines is left out of the text. Late monthly reports (issue 13) and
-- missed MOQs (issue 15) arrive as one function and one row here each.
-- Not tenant data: the functions read the caller's tenant's rows.
CREATE TABLE IF NOT EXISTS concern_sections (
    section text PRIMARY KEY CHECK (section ~ '^[a-z][a-z0-9_]{0,62}$'),
    position integer NOT NULL UNIQUE,
    heading text NOT NULL,
    fn regproc NOT NULL
);

CREATE OR REPLACE FUNCTION liaison_concern_meetings_missed(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT m.starts_at, format('%s (%s meeting, %s UTC) was missed', m.title, m.kind,
                               to_char(m.starts_at AT TIME ZONE 'UTC', 'HH24:MI'))
      FROM meetings m
     WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
       AND m.status = 'missed' AND m.starts_at >= p_since AND m.starts_at < p_until
$$;

-- A held meeting's notes are due 24 hours after it ends.
CREATE OR REPLACE FUNCTION liaison_concern_notes_missing(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT m.starts_at, format('no notes for %s (%s meeting, held); they were due %s UTC',
                               m.title, m.kind,
                               to_char((m.ends_at + interval '24 hours') AT TIME ZONE 'UTC',
                                       'YYYY-MM-DD HH24:MI'))
      FROM meetings m
     WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
       AND m.status = 'held' AND m.starts_at >= p_since
       AND m.ends_at + interval '24 hours' < p_until
       AND NOT EXISTS (SELECT 1 FROM meeting_notes n WHERE n.tenant_id = m.tenant_id
                          AND n.meeting_id = m.id AND n.created_at <= p_until)
$$;

CREATE OR REPLACE FUNCTION liaison_concern_actions_overdue(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT a.due_at, format('action item "%s" (owner: %s) is overdue, due %s UTC', a.description,
                            coalesce(c.name, u.display_name, u.email, ''),
                            to_char(a.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'))
      FROM action_items a
      LEFT JOIN contacts c ON c.tenant_id = a.tenant_id AND c.id = a.owner_contact_id
      LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.owner_user_id
     WHERE a.tenant_id = liaison_tenant() AND a.distributor_id = p_distributor
       AND a.due_at >= p_since AND a.due_at < p_until
       AND (a.status = 'open' OR (a.status = 'done' AND a.done_at > p_until))
$$;

-- Requests whose first answer was due in the period and had not come.
CREATE OR REPLACE FUNCTION liaison_concern_requests_unanswered(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT e.sent_at, format('escalation request #%s "%s" (%s) sent %s UTC: no response, one was'
                             ' expected by %s UTC', e.id, e.subject, e.severity,
                             to_char(e.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),
                             to_char(s.expected_by AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'))
      FROM escalation_requests e
      JOIN escalation_steps s ON s.tenant_id = e.tenant_id AND s.request_id = e.id
       AND s.step_no = 1
     WHERE e.tenant_id = liaison_tenant() AND e.distributor_id = p_distributor
       AND s.expected_by >= p_since AND s.expected_by <= p_until
       AND (e.responded_at IS NULL OR e.responded_at > p_until)
$$;

INSERT INTO concern_sections (section, position, heading, fn) VALUES
    ('meetings_missed', 10, 'Meetings missed', 'liaison_concern_meetings_missed'),
    ('notes_missing', 20, 'Meeting notes missing', 'liaison_concern_notes_missing'),
    ('actions_overdue', 30, 'Action items overdue', 'liaison_concern_actions_overdue'),
    ('requests_unanswered', 90, 'Requests unanswered', 'liaison_concern_requests_unanswered')
ON CONFLICT (section) DO UPDATE
    SET position = EXCLUDED.position, heading = EXCLUDED.heading, fn = EXCLUDED.fn;

-- The formal performance concern of request p_request, drafted as at p_at:
-- addressed to the distributor, citing the charter version in force and,
-- section by section, what was missed in the 90 days to p_at, with dates.
CREATE OR REPLACE FUNCTION liaison_escalation_concern_draft(p_request bigint, p_at timestamptz)
RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    e record;
    ch record;
    sec record;
    miss record;
    since timestamptz := p_at - interval '90 days';
    lines text;
    cited integer := 0;
    doc text;
BEGIN
    SELECT r.id, r.subject, r.severity, r.sent_at, r.distributor_id, d.name AS distributor,
           t.name AS tenant
      INTO e
      FROM escalation_requests r
      JOIN distributors d ON d.tenant_id = r.tenant_id AND d.id = r.distributor_id
      JOIN tenants t ON t.id = r.tenant_id
     WHERE r.tenant_id = liaison_tenant() AND r.id = p_request;
    SELECT c.id, c.version, c.activated_at INTO ch FROM charters c
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = e.distributor_id
       AND c.status = 'active';
    doc := format(E'# Formal performance concern\n\nTo: %s\nFrom: %s\nDate: %s\n'
                  || E'Re: %s (escalation request #%s, severity %s, sent %s UTC)\n\n',
                  e.distributor, e.tenant, to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                  e.subject, e.id, e.severity,
                  to_char(e.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'));
    IF ch.id IS NOT NULL THEN
        doc := doc || format(E'Under our relationship charter (version %s, in force since %s), '
                             || E'the following commitments were not kept in the 90 days to %s:\n',
                             ch.version, to_char(ch.activated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                             to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'));
    ELSE
        doc := doc || format(E'No relationship charter is in force between us; the following '
                             || E'commitments of our working relationship were not kept in the 90 '
                             || E'days to %s:\n', to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'));
    END IF;
    FOR sec IN SELECT s.heading, s.fn FROM public.concern_sections s ORDER BY s.position LOOP
        lines := '';
        FOR miss IN EXECUTE format('SELECT at, line FROM %s($1, $2, $3) ORDER BY at, line', sec.fn)
            USING e.distributor_id, since, p_at LOOP
            lines := lines || format(E'- %s: %s\n',
                                     to_char(miss.at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), miss.line);
            cited := cited + 1;
        END LOOP;
        IF lines <> '' THEN
            doc := doc || format(E'\n## %s\n\n%s', sec.heading, lines);
        END IF;
    END LOOP;
    IF cited = 0 THEN
        doc := doc || E'\nNothing beyond this request is on record as missed.\n';
    END IF;
    RETURN doc || E'\nWe ask for your written response and a plan to put these right within '
                  || E'14 days of this letter.\n';
END $$;

-- Takes every step of request p_request that is due by liaison_now(), each
-- reached at the instant the step before it expired: the next contact of
-- the ladder, then a visit, then the formal concern (drafted as at that
-- instant and kept). Schedules the escalation_step job at the new
-- expected-by instant. Idempotent; a request answered, or already at the
-- concern, is left alone. Returns the number of steps taken.
CREATE OR REPLACE FUNCTION liaison_escalation_advance(p_request bigint) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    e public.escalation_requests%ROWTYPE;
    v_now timestamptz := liaison_now();
    n_contacts integer;
    rung jsonb;
    reached timestamptz;
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
            e.expected_by := reached + make_interval(hours => (rung ->> 'response_hours')::int);
            INSERT INTO public.escalation_steps (tenant_id, request_id, step_no, kind, contact_id,
                                                 contact_name, contact_role, method, reached_at,
                                                 expected_by)
            VALUES (liaison_tenant(), e.id, e.step_no, 'contact',
                    (SELECT c.id FROM public.contacts c WHERE c.tenant_id = liaison_tenant()
                        AND c.id = (rung ->> 'contact_id')::bigint),
                    rung ->> 'contact_name', rung ->> 'contact_role', rung ->> 'method', reached,
                    e.expected_by);
        ELSIF e.step_no = n_contacts + 1 THEN
            e.expected_by := reached + make_interval(hours => e.visit_hours);
            INSERT INTO public.escalation_steps (tenant_id, request_id, step_no, kind, method,
                                                 reached_at, expected_by)
            VALUES (liaison_tenant(), e.id, e.step_no, 'visit', 'visit', reached, e.expected_by);
        ELSE
            e.expected_by := NULL;
            e.concern := liaison_escalation_concern_draft(e.id, reached);
            e.concern_drafted_at := reached;
            e.charter_id := (SELECT c.id FROM public.charters c
                              WHERE c.tenant_id = liaison_tenant()
                                AND c.distributor_id = e.distributor_id AND c.status = 'active');
            INSERT INTO public.escalation_steps (tenant_id, request_id, step_no, kind, method,
                                                 reached_at)
            VALUES (liaison_tenant(), e.id, e.step_no, 'concern', 'formal_letter', reached);
        END IF;
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

-- Advances every open request the caller reaches whose step is due, of
-- distributor p_distributor (0: any) and request p_request (0: any): what
-- a read runs first. Returns true, to stand in a select list.
CREATE OR REPLACE FUNCTION liaison_escalation_advance_seen(p_distributor bigint,
                                                           p_request bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE rid bigint;
BEGIN
    FOR rid IN SELECT r.id FROM escalation_requests r
                 JOIN distributors d ON d.tenant_id = r.tenant_id AND d.id = r.distributor_id
                WHERE r.tenant_id = liaison_tenant() AND r.status = 'open'
                  AND r.expected_by <= liaison_now()
                  AND (p_distributor = 0 OR r.distributor_id = p_distributor)
                  AND (p_request = 0 OR r.id = p_request)
                  AND liaison_sees_distributor(d.id, d.account_manager_id)
                ORDER BY r.id LOOP
        PERFORM liaison_escalation_advance(rid);
    END LOOP;
    RETURN true;
END $$;

-- What the scheduler runs for a job of kind escalation_step.
CREATE OR REPLACE FUNCTION liaison_escalation_step_job(p_payload jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM liaison_escalation_advance((p_payload ->> 'request_id')::bigint);
END $$;

INSERT INTO job_kinds (kind, fn) VALUES ('escalation_step', 'liaison_escalation_step_job')
ON CONFLICT (kind) DO UPDATE SET fn = EXCLUDED.fn;

-- Sends a request to distributor p_distributor under the protocol in force
-- for p_severity: logged as sent now (liaison_now()) by the caller, its
-- first step the ladder's first contact. Raises NOT_FOUND for a
-- distributor the caller does not reach and FAILED_PRECONDITION when no
-- protocol covers the severity. Returns the request's id, which the
-- transaction also keeps in liaison.escalation_id for the answer's read.
CREATE OR REPLACE FUNCTION liaison_escalation_create(p_distributor bigint, p_severity text,
                                                     p_subject text, p_body text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    pr record;
    v_ladder jsonb;
    v_now timestamptz := liaison_now();
    first_rung jsonb;
    rid bigint;
    due timestamptz;
BEGIN
    PERFORM liaison_found(EXISTS (SELECT 1 FROM distributors d
                                   WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
                                     AND liaison_sees_distributor(d.id, d.account_manager_id)),
                          'no such distributor');
    SELECT f.protocol_id, f.source, p.visit_hours INTO pr
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
    first_rung := v_ladder -> 0;
    due := v_now + make_interval(hours => (first_rung ->> 'response_hours')::int);
    INSERT INTO escalation_requests (tenant_id, distributor_id, severity, subject, body,
                                     protocol_source, ladder, visit_hours, sent_by, sent_at,
                                     expected_by)
    VALUES (liaison_tenant(), p_distributor, p_severity, p_subject, p_body, pr.source, v_ladder,
            pr.visit_hours, liaison_request_setting('actor'), v_now, due)
    RETURNING id INTO rid;
    INSERT INTO escalation_steps (tenant_id, request_id, step_no, kind, contact_id, contact_name,
                                  contact_role, method, reached_at, expected_by)
    VALUES (liaison_tenant(), rid, 1, 'contact', (first_rung ->> 'contact_id')::bigint,
            first_rung ->> 'contact_name', first_rung ->> 'contact_role', first_rung ->> 'method',
            v_now, due);
    PERFORM liaison_schedule('escalation_step', 'escalation:' || rid, due,
                             jsonb_build_object('request_id', rid));
    PERFORM liaison_audit('escalation.create', 'escalation_request', rid::text);
    PERFORM set_config('liaison.escalation_id', rid::text, true);
    RETURN rid;
END $$;

-- Records the answer to request p_request, by the caller (a user of that
-- distributor or staff on its behalf) at liaison_now(), after taking the
-- steps that were due before it: the answer closes the request and
-- withdraws its pending step.
CREATE OR REPLACE FUNCTION liaison_escalation_respond(p_request bigint, p_text text)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE st text;
BEGIN
    SELECT r.status INTO st FROM escalation_requests r
      JOIN distributors d ON d.tenant_id = r.tenant_id AND d.id = r.distributor_id
     WHERE r.tenant_id = liaison_tenant() AND r.id = p_request
       AND liaison_sees_distributor(d.id, d.account_manager_id);
    PERFORM liaison_found(st IS NOT NULL, 'no such escalation request');
    PERFORM liaison_precondition(st = 'open', 'this escalation request is already answered');
    PERFORM liaison_escalation_advance(p_request);
    UPDATE escalation_requests r
       SET status = 'answered', response = p_text, responded_at = liaison_now(),
           responded_by = liaison_request_setting('actor')
     WHERE r.tenant_id = liaison_tenant() AND r.id = p_request;
    PERFORM liaison_unschedule('escalation_step', 'escalation:' || p_request, 'answered');
    PERFORM liaison_audit('escalation.respond', 'escalation_request', p_request::text);
    RETURN p_request;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON escalation_protocols, escalation_protocol_steps,
            escalation_requests, escalation_steps TO liaison_app;
        GRANT SELECT ON concern_sections TO liaison_app;
        GRANT EXECUTE ON FUNCTION liaison_escalation_contact(bigint, text),
            liaison_escalation_protocol_for(bigint, text),
            liaison_escalation_ladder(bigint, bigint),
            liaison_escalation_protocol_set(bigint, text, bigint[], text[], text[], integer[],
                                            integer),
            liaison_concern_meetings_missed(bigint, timestamptz, timestamptz),
            liaison_concern_notes_missing(bigint, timestamptz, timestamptz),
            liaison_concern_actions_overdue(bigint, timestamptz, timestamptz),
            liaison_concern_requests_unanswered(bigint, timestamptz, timestamptz),
            liaison_escalation_concern_draft(bigint, timestamptz),
            liaison_escalation_advance(bigint), liaison_escalation_advance_seen(bigint, bigint),
            liaison_escalation_step_job(jsonb),
            liaison_escalation_create(bigint, text, text, text),
            liaison_escalation_respond(bigint, text)
            TO liaison_app;
    END IF;
END $$;
