-- A formal concern dated the commitments it cites to the day the charter
-- version in force was activated (found in a try-out of the lesson's
-- story): an amendment made last week, or a relationship of six months
-- entered into Liaison today, read "in force since" this week, as if the
-- distributor had been bound for days, which weakens the letter. The
-- sentence now also says when the version was signed, when that is
-- recorded, and, when the agreement's first territory grant (of any version
-- ever in force) began before the version's activation, since when the
-- agreement has run.
--
-- Replaces liaison_escalation_concern_draft (0018), whole but for that
-- sentence; its grant stays.

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
    began date;
BEGIN
    SELECT r.id, r.subject, r.severity, r.sent_at, r.distributor_id, d.name AS distributor,
           t.name AS tenant
      INTO e
      FROM escalation_requests r
      JOIN distributors d ON d.tenant_id = r.tenant_id AND d.id = r.distributor_id
      JOIN tenants t ON t.id = r.tenant_id
     WHERE r.tenant_id = liaison_tenant() AND r.id = p_request;
    SELECT c.id, c.version, c.activated_at, c.signed_on INTO ch FROM charters c
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = e.distributor_id
       AND c.status = 'active';
    -- The day the agreement's terms began: its first grant's, in any version ever in force.
    SELECT min(g.starts_on) INTO began FROM charter_grants g
      JOIN charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = e.distributor_id
       AND c.activated_at IS NOT NULL;
    doc := format(E'# Formal performance concern\n\nTo: %s\nFrom: %s\nDate: %s\n'
                  || E'Re: %s (escalation request #%s, severity %s, sent %s UTC)\n\n',
                  e.distributor, e.tenant, to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                  e.subject, e.id, e.severity,
                  to_char(e.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'));
    IF ch.id IS NOT NULL THEN
        doc := doc || format(E'Under our relationship charter (version %s, in force since %s%s%s), '
                             || E'the following commitments were not kept in the 90 days to %s:\n',
                             ch.version, to_char(ch.activated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                             CASE WHEN ch.signed_on IS NOT NULL
                                  THEN format(', signed on %s', ch.signed_on) ELSE '' END,
                             CASE WHEN began < (ch.activated_at AT TIME ZONE 'UTC')::date
                                  THEN format('; our agreement has run since %s', began)
                                  ELSE '' END,
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
