-- The formal concern, a letter sent to a partner (found in a try-out):
--
-- It was dated by the UTC day: a tenant in Asia/Tokyo drafting one on the
-- morning of the 7th dated it the 6th, and cited the request as "sent ...
-- UTC". Its dates are now the tenant's (its time zone, UTC when none is
-- set), and the sending time names that zone. The lines each section
-- writes are unchanged.
--
-- With nothing on record as missed but the request itself, it still said
-- "the following commitments were not kept ...:", then "Nothing beyond
-- this request is on record as missed", then asked for "a plan to put
-- these right". It now says that the request has gone unanswered and
-- nothing else is on record, and asks for a written response.
--
-- Replaces liaison_escalation_concern_draft (0224), whole but for those
-- two; its grant stays.

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
                  e.distributor, e.tenant, to_char(p_at AT TIME ZONE tz, 'YYYY-MM-DD'),
                  e.subject, e.id, e.severity,
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
        RETURN doc || intro || format(E'this request has gone unanswered past the time we asked '
                                      || E'for; nothing else is on record as missed in the 90 '
                                      || E'days to %s.\n\nWe ask for your written response to '
                                      || E'this request within 14 days of this letter.\n',
                                      to_char(p_at AT TIME ZONE tz, 'YYYY-MM-DD'));
    END IF;
    RETURN doc || intro
           || format(E'the following %s not kept in the 90 days to %s:\n',
                     CASE WHEN ch.id IS NOT NULL THEN 'commitments were'
                          ELSE 'commitments of our working relationship were' END,
                     to_char(p_at AT TIME ZONE tz, 'YYYY-MM-DD'))
           || body
           || E'\nWe ask for your written response and a plan to put these right within '
           || E'14 days of this letter.\n';
END $$;
