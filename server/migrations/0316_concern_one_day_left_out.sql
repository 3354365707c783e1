-- A concern section that left out one earlier line, or several of one day,
-- said "- 1 earlier, from 2026-03-02 to 2026-03-02, not listed here" (a
-- review): those lines now read "- 1 earlier, on 2026-03-02, not listed
-- here".
--
-- Replaces liaison_escalation_concern_draft (0306) whole but for that.

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
    shown constant integer := 20;
    left_out integer;
    left_from timestamptz;
    left_to timestamptz;
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
        left_out := 0;
        FOR miss IN EXECUTE format('SELECT at, line, row_number() OVER (ORDER BY at DESC, line DESC)'
                                   || ' AS latest FROM %s($1, $2, $3) ORDER BY at, line', sec.fn)
            USING e.distributor_id, since, p_at LOOP
            cited := cited + 1;
            IF miss.latest > shown THEN
                left_out := left_out + 1;
                left_from := coalesce(left_from, miss.at);
                left_to := miss.at;
                CONTINUE;
            END IF;
            IF left_out > 0 AND lines = '' THEN
                lines := CASE WHEN to_char(left_from AT TIME ZONE tz, 'YYYY-MM-DD')
                                   = to_char(left_to AT TIME ZONE tz, 'YYYY-MM-DD')
                              THEN format(E'- %s earlier, on %s, not listed here\n', left_out,
                                          to_char(left_from AT TIME ZONE tz, 'YYYY-MM-DD'))
                              ELSE format(E'- %s earlier, from %s to %s, not listed here\n',
                                          left_out,
                                          to_char(left_from AT TIME ZONE tz, 'YYYY-MM-DD'),
                                          to_char(left_to AT TIME ZONE tz, 'YYYY-MM-DD')) END;
            END IF;
            lines := lines || format(E'- %s: %s\n',
                                     to_char(miss.at AT TIME ZONE tz, 'YYYY-MM-DD'), miss.line);
        END LOOP;
        left_from := NULL;
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
