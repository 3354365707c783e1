-- A distributor's contact can leave (the purchasing manager moves to a
-- competitor, the sales director retires): found in the domain's early
-- warning signs. A contact who owned an action item could not be removed,
-- and there was no other state, so they stayed current for good: new
-- action items were given to them, escalations asked them, the portal
-- named them as the person to talk to. Now a contact has left_on, the day
-- they left (SetContactLeft; NULL: current), and keeps their history:
-- meetings, notes, action items and audit rows still name them.
--
-- After that day the contact takes nothing new, whichever statement
-- writes it, in the table's own trigger (as 0049 does for a terminated
-- distributor): no new action item owned by them, no new meeting with them
-- as an attendee; and SetEscalationProtocol gives them no new rung. Each
-- is refused FAILED_PRECONDITION naming them and the day. An escalation
-- request passes over a rung whose contact has left, when it is sent and
-- when it steps up, and the step it reaches says whom it passed over
-- (escalation_steps.skipped). A role of the tenant default goes to a
-- current holder first; when only a contact who left holds it, the rung
-- names them, so that the skip says who left. A name or e-mail given for
-- an owner or an attendee finds a current contact before one who left.
--
-- Replaces, whole from their newest definitions, liaison_party_resolve
-- (0017), liaison_escalation_contact and liaison_escalation_ladder (0018),
-- liaison_escalation_create (0062), liaison_escalation_advance (0092) and
-- liaison_escalation_protocol_set (0117); CREATE OR REPLACE keeps their
-- grants.

ALTER TABLE contacts ADD COLUMN IF NOT EXISTS left_on date;
ALTER TABLE escalation_steps
    ADD COLUMN IF NOT EXISTS skipped text NOT NULL DEFAULT '' CHECK (length(skipped) <= 6000);

-- What still names a contact who leaves, read when they are marked.
CREATE INDEX IF NOT EXISTS action_items_owner_contact
    ON action_items (tenant_id, owner_contact_id) WHERE owner_contact_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS meeting_attendees_by_contact
    ON meeting_attendees (tenant_id, contact_id) WHERE contact_id IS NOT NULL;

-- A row naming contact NEW.<TG_ARGV[0]> is refused when that contact has
-- left; TG_ARGV[1] says what they cannot be given. The contact is read
-- under a share lock, so a marking under way is waited for and seen. An
-- import (an operator's) and a write with no request context are let
-- through, as 0049's rule lets them.
CREATE OR REPLACE FUNCTION liaison_contact_takes_new() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    who bigint := (to_jsonb(NEW) ->> TG_ARGV[0])::bigint;
    c record;
BEGIN
    IF who IS NULL OR liaison_tenant() IS NULL
       OR (current_setting('liaison.operator', true) = 'on' AND liaison_is_operator()) THEN
        RETURN NEW;
    END IF;
    SELECT x.name, x.left_on INTO c FROM public.contacts x
     WHERE x.tenant_id = NEW.tenant_id AND x.id = who FOR SHARE;
    IF c.left_on IS NOT NULL THEN
        PERFORM liaison_precondition(false, format('%s (contact %s) left on %s: %s', c.name, who,
                                                   to_char(c.left_on, 'YYYY-MM-DD'), TG_ARGV[1]));
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS action_items_contact_takes_new ON action_items;
CREATE TRIGGER action_items_contact_takes_new BEFORE INSERT ON action_items
    FOR EACH ROW WHEN (NEW.owner_contact_id IS NOT NULL)
    EXECUTE FUNCTION liaison_contact_takes_new('owner_contact_id',
        'a contact who has left owns no new action item; give it to someone current');
DROP TRIGGER IF EXISTS action_items_contact_reassigned ON action_items;
CREATE TRIGGER action_items_contact_reassigned BEFORE UPDATE OF owner_contact_id ON action_items
    FOR EACH ROW WHEN (NEW.owner_contact_id IS DISTINCT FROM OLD.owner_contact_id)
    EXECUTE FUNCTION liaison_contact_takes_new('owner_contact_id',
        'a contact who has left owns no new action item; give it to someone current');
DROP TRIGGER IF EXISTS meeting_attendees_contact_takes_new ON meeting_attendees;
CREATE TRIGGER meeting_attendees_contact_takes_new BEFORE INSERT ON meeting_attendees
    FOR EACH ROW WHEN (NEW.contact_id IS NOT NULL)
    EXECUTE FUNCTION liaison_contact_takes_new('contact_id',
        'a contact who has left is invited to no new meeting');

-- As in 0017, but among contacts of the same name or e-mail a current one
-- is found before one who left, who is found only when no current contact
-- has it (and is then refused by the trigger above, naming the day).
CREATE OR REPLACE FUNCTION liaison_party_resolve(p_distributor bigint, p_who text)
RETURNS TABLE (user_id bigint, contact_id bigint)
LANGUAGE sql STABLE AS $$
    SELECT u.id, NULL::bigint FROM public.users u
     WHERE u.tenant_id = liaison_tenant() AND lower(u.email) = lower(p_who)
       AND liaison_party_user_ok(p_distributor, u.id)
    UNION ALL
    SELECT NULL::bigint, min(c.id) FROM public.contacts c
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
       AND NOT EXISTS (SELECT 1 FROM public.users u WHERE u.tenant_id = liaison_tenant()
                        AND lower(u.email) = lower(p_who))
       AND (lower(c.email) = lower(p_who) OR lower(c.name) = lower(p_who))
       AND (c.left_on IS NULL
            OR NOT EXISTS (SELECT 1 FROM public.contacts h
                            WHERE h.tenant_id = c.tenant_id
                              AND h.distributor_id = c.distributor_id AND h.left_on IS NULL
                              AND (lower(h.email) = lower(p_who) OR lower(h.name) = lower(p_who))))
    HAVING count(*) = 1
$$;

-- As in 0018, but a current holder of the role first; else the one who
-- left last, so that a request passing the rung over says who left.
CREATE OR REPLACE FUNCTION liaison_escalation_contact(p_distributor bigint, p_role text)
RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT c.id FROM contacts c
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
       AND lower(btrim(c.role)) = lower(btrim(p_role))
     ORDER BY c.left_on IS NOT NULL, c.left_on DESC, c.id LIMIT 1
$$;

-- As in 0018, with contact_left_on: the day the rung's contact left (null
-- while current), shown with the protocol so the exporter sees whom to
-- replace.
CREATE OR REPLACE FUNCTION liaison_escalation_ladder(p_protocol bigint, p_distributor bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'contact_id', c.id, 'contact_name', coalesce(c.name, ''),
               'contact_role', CASE WHEN s.contact_role <> '' THEN s.contact_role
                                    ELSE coalesce(c.role, '') END,
               'method', s.method, 'response_hours', s.response_hours,
               'contact_left_on', to_char(c.left_on, 'YYYY-MM-DD')) ORDER BY s.position),
           '[]')
      FROM escalation_protocol_steps s
      LEFT JOIN contacts c ON c.tenant_id = s.tenant_id
       AND c.id = coalesce(s.contact_id, liaison_escalation_contact(p_distributor, s.contact_role))
     WHERE s.tenant_id = liaison_tenant() AND s.protocol_id = p_protocol
$$;

-- Why rung p_rung of a request's ladder is passed over: its contact has
-- left ("Trần Văn Hùng (purchasing manager) left on 2026-11-28"), as the
-- contact is now; NULL while they are current, or when they were removed
-- (the step keeps the name it was sent to, as 0092 has it).
CREATE OR REPLACE FUNCTION liaison_escalation_rung_left(p_rung jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT format('%s%s left on %s', c.name,
                  CASE WHEN coalesce(p_rung ->> 'contact_role', '') <> ''
                       THEN format(' (%s)', p_rung ->> 'contact_role') ELSE '' END,
                  to_char(c.left_on, 'YYYY-MM-DD'))
      FROM contacts c
     WHERE c.tenant_id = liaison_tenant() AND c.id = (p_rung ->> 'contact_id')::bigint
       AND c.left_on IS NOT NULL
$$;

-- As in 0062, but rungs at the front of the ladder whose contact has left
-- are passed over too, and the first step says whom it passed over; a
-- rung further up whose contact has left is passed over when the request
-- steps up to it (liaison_escalation_advance), by then maybe back.
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
    due := v_now + make_interval(hours => CASE WHEN first_rung IS NULL THEN pr.visit_hours
                                               ELSE (first_rung ->> 'response_hours')::int END);
    INSERT INTO escalation_requests (tenant_id, distributor_id, severity, subject, body,
                                     protocol_source, ladder, visit_hours, sent_by, sent_at,
                                     expected_by)
    VALUES (liaison_tenant(), p_distributor, p_severity, p_subject, p_body, pr.source, v_reached,
            pr.visit_hours, liaison_request_setting('actor'), v_now, due)
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

-- As in 0092, but a rung whose contact has left by the time the request
-- steps up to it is passed over at once (its timeframe is not waited
-- out), and the step reached next says whom it passed over; a step number
-- is the rung's place in the ladder still, so a passed-over rung leaves a
-- gap in the numbers.
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
            e.expected_by := reached + make_interval(hours => (rung ->> 'response_hours')::int);
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
            e.expected_by := reached + make_interval(hours => e.visit_hours);
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

-- As in 0117, but a contact who has left is no new rung of a
-- distributor's ladder (FAILED_PRECONDITION naming them and the day); a
-- rung that named them already in the ladder being replaced may stay, so
-- that another rung can be changed before theirs is.
CREATE OR REPLACE FUNCTION liaison_escalation_protocol_set(p_distributor bigint, p_severity text,
    p_contacts bigint[], p_roles text[], p_methods text[], p_hours integer[],
    p_visit_hours integer) RETURNS void
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

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_escalation_rung_left(jsonb) TO liaison_app;
    END IF;
END $$;
