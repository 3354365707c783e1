-- An escalation request closed when its distributor was terminated kept
-- the reason in its response, the field that holds the distributor's
-- answer (a review): a portal or a tool built on the API showed "closed
-- unanswered: ... was terminated" as what the distributor had answered,
-- and the reference portal offered the answer form on it, which the
-- server then refused. The reason and the instant now have their own
-- columns, closed_reason and closed_at (Escalation.closed_reason and
-- closed_at on the wire); response holds answers only. Requests closed
-- before this migration move their reason over; their closing instant was
-- not kept (the reason names its day), so closed_at stays empty for them.
-- Replaces liaison_distributor_terminated_escalations (0146) whole but for
-- those columns; its trigger stays.

ALTER TABLE escalation_requests ADD COLUMN IF NOT EXISTS closed_reason text
    CHECK (length(closed_reason) BETWEEN 1 AND 300);
ALTER TABLE escalation_requests ADD COLUMN IF NOT EXISTS closed_at timestamptz;

ALTER TABLE escalation_requests NO FORCE ROW LEVEL SECURITY;
UPDATE escalation_requests e SET closed_reason = left(e.response, 300), response = NULL
 WHERE e.status = 'closed' AND e.closed_reason IS NULL AND e.response IS NOT NULL;
ALTER TABLE escalation_requests FORCE ROW LEVEL SECURITY;

CREATE OR REPLACE FUNCTION liaison_distributor_terminated_escalations() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM liaison_audit('escalation.close', 'escalation_request', e.id::text),
            liaison_unschedule('escalation_step', 'escalation:' || e.id, 'closed')
       FROM escalation_requests e
      WHERE e.tenant_id = NEW.tenant_id AND e.distributor_id = NEW.id AND e.status = 'open';
    UPDATE escalation_requests e
       SET status = 'closed', closed_at = liaison_now(),
           closed_reason = left(format('closed unanswered: %s was terminated on %s', NEW.name,
                                       to_char(liaison_now(), 'YYYY-MM-DD')), 300)
     WHERE e.tenant_id = NEW.tenant_id AND e.distributor_id = NEW.id AND e.status = 'open';
    RETURN NULL;
END $$;

-- A tenant's export carries the new column; an import holds it to the rule it is written by.
INSERT INTO tenant_import_text_rules (tbl, col, one_line, max_bytes, max_chars, kind)
VALUES ('escalation_requests', 'closed_reason', true, NULL, 300, NULL)
ON CONFLICT (tbl, col) DO NOTHING;
