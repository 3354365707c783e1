-- The formal concern, a letter sent to a partner (found in a try-out):
--
-- Drafted for a request whose steps were taken early (AdvanceEscalation),
-- with nothing else on record, it said the request "has gone unanswered
-- past the time we asked for" while that time was days away. It now says
-- the request is still unanswered, the time an answer was asked for, and
-- that the matter is put in writing now; past that time it says so, with
-- the time. With other failures cited, a request whose answer is not due
-- yet was not named at all: a line says it is still unanswered.
--
-- It pasted the user's text into its Markdown as typed: an action item's
-- description of several lines put a heading of its own ("## ...") and list
-- items into the letter, and a subject its markup. Each piece of user text
-- (names, titles, subjects, descriptions, product line codes, competing
-- lines) is now escaped by liaison_md_text, the rule of the handbook's
-- Markdown (md_escaped in server/handbook.c, which renders in C: the letter
-- is drafted here, by the scheduler's step too), a line break a space, so
-- it stays inside its list item. Concerns drafted before stay as drafted.
--
-- Replaces liaison_escalation_concern_draft (0249),
-- liaison_concern_meetings_missed, liaison_concern_notes_missing,
-- liaison_concern_actions_overdue and liaison_concern_requests_unanswered
-- (0250), and liaison_concern_buffer_below and
-- liaison_concern_competing_lines (0061), whole but for that; their grants
-- stay.

-- User text for a Markdown line, as handbook.c's md_escaped writes it: no
-- markup, no HTML, one line. '&' becomes "&amp;" only where a renderer
-- would read a character reference; control characters become spaces.
-- The two change together.
CREATE OR REPLACE FUNCTION liaison_md_text(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT regexp_replace(
               regexp_replace(
                   replace(replace(regexp_replace(coalesce(p_text, ''), '&(?=[#0-9A-Za-z]+;)',
                                                  '&amp;', 'g'),
                                   '<', '&lt;'), '>', '&gt;'),
                   '([\\`*_\[\]|#~!])', '\\\1', 'g'),
               '[\x01-\x1f\x7f]', ' ', 'g')
$$;

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
    body text := '';
    began date;
    tz text;
    intro text;
    asked_by timestamptz;
    asked text;
BEGIN
    SELECT r.id, r.subject, r.severity, r.sent_at, r.distributor_id, d.name AS distributor,
           t.name AS tenant
      INTO e
      FROM escalation_requests r
      JOIN distributors d ON d.tenant_id = r.tenant_id AND d.id = r.distributor_id
      JOIN tenants t ON t.id = r.tenant_id
     WHERE r.tenant_id = liaison_tenant() AND r.id = p_request;
    SELECT coalesce(nullif(t.time_zone, ''), 'UTC') INTO tz FROM tenants t
     WHERE t.id = liaison_tenant();
    -- The answer the request asked for: its first step's, as its state
    -- counts it (0225); steps taken early owe nothing sooner.
    SELECT s.expected_by INTO asked_by FROM escalation_steps s
     WHERE s.tenant_id = liaison_tenant() AND s.request_id = p_request AND s.step_no = 1;
    asked := to_char(asked_by AT TIME ZONE tz, 'YYYY-MM-DD HH24:MI') || ' ' || tz;
    SELECT c.id, c.version, c.activated_at, c.signed_on INTO ch FROM charters c
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = e.distributor_id
       AND c.status = 'active';
    -- The day the agreement's terms began: its first grant's, in any version ever in force.
    SELECT min(g.starts_on) INTO began FROM charter_grants g
      JOIN charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = e.distributor_id
       AND c.activated_at IS NOT NULL;
    doc := format(E'# Formal performance concern\n\nTo: %s\nFrom: %s\nDate: %s\n'
                  || E'Re: %s (escalation request #%s, severity %s, sent %s %s)\n\n',
                  liaison_md_text(e.distributor), liaison_md_text(e.tenant),
                  to_char(p_at AT TIME ZONE tz, 'YYYY-MM-DD'), liaison_md_text(e.subject), e.id,
                  e.severity,
                  to_char(e.sent_at AT TIME ZONE tz, 'YYYY-MM-DD HH24:MI'), tz);
    IF ch.id IS NOT NULL THEN
        intro := format('Under our relationship charter (version %s, in force since %s%s%s), ',
                        ch.version, to_char(ch.activated_at AT TIME ZONE tz, 'YYYY-MM-DD'),
                        CASE WHEN ch.signed_on IS NOT NULL
                             THEN format(', signed on %s', ch.signed_on) ELSE '' END,
                        CASE WHEN began < (ch.activated_at AT TIME ZONE tz)::date
                             THEN format('; our agreement has run since %s', began)
                             ELSE '' END);
    ELSE
        intro := 'No relationship charter is in force between us; ';
    END IF;
    FOR sec IN SELECT s.heading, s.fn FROM public.concern_sections s ORDER BY s.position LOOP
        lines := '';
        FOR miss IN EXECUTE format('SELECT at, line FROM %s($1, $2, $3) ORDER BY at, line', sec.fn)
            USING e.distributor_id, since, p_at LOOP
            lines := lines || format(E'- %s: %s\n',
                                     to_char(miss.at AT TIME ZONE tz, 'YYYY-MM-DD'), miss.line);
            cited := cited + 1;
        END LOOP;
        IF lines <> '' THEN
            body := body || format(E'\n## %s\n\n%s', sec.heading, lines);
        END IF;
    END LOOP;
    IF cited = 0 THEN
        RETURN doc || intro
               || CASE WHEN asked_by IS NULL OR asked_by <= p_at
                       THEN format('this request has gone unanswered past the time we asked for'
                                   || '%s', ' (' || asked || ')')
                       ELSE format('this request is still unanswered: we asked for an answer by'
                                   || ' %s, and put the matter in writing now', asked) END
               || format(E'; nothing else is on record as missed in the 90 days to %s.\n\nWe '
                         || E'ask for your written response to this request within 14 days of '
                         || E'this letter.\n', to_char(p_at AT TIME ZONE tz, 'YYYY-MM-DD'));
    END IF;
    RETURN doc || intro
           || format(E'the following %s not kept in the 90 days to %s:\n',
                     CASE WHEN ch.id IS NOT NULL THEN 'commitments were'
                          ELSE 'commitments of our working relationship were' END,
                     to_char(p_at AT TIME ZONE tz, 'YYYY-MM-DD'))
           || body
           -- Cited among them only once its answer was due: said otherwise.
           || CASE WHEN asked_by > p_at
                   THEN format(E'\nThis request is still unanswered: we asked for an answer by '
                               || E'%s.\n', asked) ELSE '' END
           || E'\nWe ask for your written response and a plan to put these right within '
           || E'14 days of this letter.\n';
END $$;

CREATE OR REPLACE FUNCTION liaison_concern_meetings_missed(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT m.starts_at, format('%s (%s meeting, %s %s) was missed', liaison_md_text(m.title),
                               m.kind,
                               to_char(m.starts_at AT TIME ZONE z.tz, 'HH24:MI'), z.tz)
      FROM meetings m
     CROSS JOIN (SELECT coalesce(nullif(t.time_zone, ''), 'UTC') AS tz FROM tenants t
                  WHERE t.id = liaison_tenant()) z
     WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
       AND m.status = 'missed' AND m.starts_at >= p_since AND m.starts_at < p_until
$$;

CREATE OR REPLACE FUNCTION liaison_concern_notes_missing(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT m.starts_at, format('no notes for %s (%s meeting, held); they were due %s %s',
                               liaison_md_text(m.title), m.kind,
                               to_char((m.ends_at + interval '24 hours') AT TIME ZONE z.tz,
                                       'YYYY-MM-DD HH24:MI'), z.tz)
      FROM meetings m
     CROSS JOIN (SELECT coalesce(nullif(t.time_zone, ''), 'UTC') AS tz FROM tenants t
                  WHERE t.id = liaison_tenant()) z
     WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
       AND m.status = 'held' AND m.starts_at >= p_since
       AND m.ends_at + interval '24 hours' < p_until
       AND NOT EXISTS (SELECT 1 FROM meeting_notes n WHERE n.tenant_id = m.tenant_id
                          AND n.meeting_id = m.id AND n.created_at <= p_until)
$$;

CREATE OR REPLACE FUNCTION liaison_concern_actions_overdue(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT a.due_at, format('action item "%s" (owner: %s) is overdue, due %s %s',
                            liaison_md_text(a.description),
                            liaison_md_text(coalesce(nullif(c.name, ''),
                                                     nullif(u.display_name, ''), u.email, '')),
                            to_char(a.due_at AT TIME ZONE z.tz, 'YYYY-MM-DD HH24:MI'), z.tz)
      FROM action_items a
     CROSS JOIN (SELECT coalesce(nullif(t.time_zone, ''), 'UTC') AS tz FROM tenants t
                  WHERE t.id = liaison_tenant()) z
      LEFT JOIN contacts c ON c.tenant_id = a.tenant_id AND c.id = a.owner_contact_id
      LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.owner_user_id
     WHERE a.tenant_id = liaison_tenant() AND a.distributor_id = p_distributor
       AND (c.distributor_id = p_distributor OR u.distributor_id = p_distributor)
       AND a.due_at >= p_since AND a.due_at < p_until
       AND (a.status = 'open' OR (a.status = 'done' AND a.done_at > p_until))
$$;

CREATE OR REPLACE FUNCTION liaison_concern_requests_unanswered(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT e.sent_at, format('escalation request #%s "%s" (%s) sent %s %s: no response, one was'
                             ' expected by %s %s', e.id, liaison_md_text(e.subject), e.severity,
                             to_char(e.sent_at AT TIME ZONE z.tz, 'YYYY-MM-DD HH24:MI'), z.tz,
                             to_char(s.expected_by AT TIME ZONE z.tz, 'YYYY-MM-DD HH24:MI'), z.tz)
      FROM escalation_requests e
     CROSS JOIN (SELECT coalesce(nullif(t.time_zone, ''), 'UTC') AS tz FROM tenants t
                  WHERE t.id = liaison_tenant()) z
      JOIN escalation_steps s ON s.tenant_id = e.tenant_id AND s.request_id = e.id
       AND s.step_no = 1
     WHERE e.tenant_id = liaison_tenant() AND e.distributor_id = p_distributor
       AND s.expected_by >= p_since AND s.expected_by <= p_until
       AND (e.responded_at IS NULL OR e.responded_at > p_until)
$$;

CREATE OR REPLACE FUNCTION liaison_concern_buffer_below(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT r.submitted_at,
           format('stock of %s in the report for %s: %s%s against the charter''s buffer of %s %s',
                  liaison_md_text(v.product_line_code), to_char(r.period, 'YYYY-MM'),
                  CASE WHEN v.units_on_hand IS NULL THEN 'no stock reported'
                       WHEN v.units_on_hand = 1 THEN '1 unit on hand'
                       ELSE v.units_on_hand || ' units on hand' END,
                  CASE WHEN v.buffer_unit = 'weeks' AND v.weeks_of_cover IS NOT NULL
                       THEN format(', %s weeks of cover', round(v.weeks_of_cover, 1)) ELSE '' END,
                  v.buffer_amount,
                  CASE WHEN v.buffer_unit = 'weeks'
                       THEN CASE WHEN v.buffer_amount = 1 THEN 'week' ELSE 'weeks' END
                       ELSE CASE WHEN v.buffer_amount = 1 THEN 'unit' ELSE 'units' END END)
      FROM (SELECT m.period, m.submitted_at FROM monthly_reports m
             WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
               AND m.status IN ('submitted', 'reviewed') AND m.submitted_at <= p_until
               AND m.period < (p_until AT TIME ZONE 'UTC')
               AND m.period + interval '1 month' > (p_since AT TIME ZONE 'UTC')
             ORDER BY m.period DESC LIMIT 1) r
     CROSS JOIN LATERAL liaison_inventory_cover(p_distributor, r.period) v
     WHERE v.below_commitment
$$;

CREATE OR REPLACE FUNCTION liaison_concern_competing_lines(p_distributor bigint,
    p_since timestamptz, p_until timestamptz) RETURNS TABLE (at timestamptz, line text)
LANGUAGE sql STABLE AS $$
    SELECT c.activated_at,
           format('competing line %s of %s declared, while the charter does not allow competing'
                  ' lines', liaison_md_text(k.line), liaison_md_text(k.competitor))
      FROM charters c
      JOIN charter_competing_lines k ON k.tenant_id = c.tenant_id AND k.charter_id = c.id
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
       AND c.status = 'active' AND NOT c.competing_allowed AND c.activated_at <= p_until
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_md_text(text) TO liaison_app;
    END IF;
END $$;
