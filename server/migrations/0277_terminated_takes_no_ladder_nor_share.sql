-- A terminated distributor took a new escalation ladder and new shared
-- documents without a word (found in a try-out), where its orders, leads,
-- meetings, targets, plans and escalation requests are refused (0049,
-- 0101, 0216): a ladder no request can climb, a price sheet for a
-- relationship that has ended. Both are refused now by the same trigger,
-- in its words; removing a ladder or a share stays open, and so does the
-- relationship's own handbook, stored and shared whenever it is
-- generated.
--
-- Replaces liaison_distributor_takes_new (0101) whole but for those.

CREATE OR REPLACE FUNCTION liaison_distributor_takes_new() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    d record;
BEGIN
    IF NEW.distributor_id IS NULL OR liaison_tenant() IS NULL
       OR (current_setting('liaison.operator', true) = 'on' AND liaison_is_operator()) THEN
        RETURN NEW;
    END IF;
    -- A relationship's own handbook is stored, and shared with it, whenever
    -- it is generated, ended or not: it is the record of how it was run.
    -- (Two IFs: one expression would read NEW.document_id of every table.)
    IF TG_TABLE_NAME = 'document_shares' THEN
        IF EXISTS (SELECT 1 FROM documents x WHERE x.tenant_id = NEW.tenant_id
                      AND x.id = NEW.document_id AND x.kind = 'handbook') THEN
            RETURN NEW;
        END IF;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(liaison_distributor_lock_key(NEW.tenant_id,
                                                                      NEW.distributor_id));
    SELECT x.name, x.status INTO d FROM distributors x
     WHERE x.tenant_id = NEW.tenant_id AND x.id = NEW.distributor_id;
    IF d.status = 'terminated' THEN
        PERFORM liaison_precondition(false, format(
            'distributor %s (%s) is terminated: it takes no new %s', NEW.distributor_id, d.name,
            CASE TG_TABLE_NAME WHEN 'meeting_series' THEN 'meeting series'
                               WHEN 'escalation_requests' THEN 'escalation requests'
                               WHEN 'escalation_protocols' THEN 'escalation ladder'
                               WHEN 'document_shares' THEN 'shared documents'
                               ELSE TG_TABLE_NAME END));
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS escalation_protocols_distributor_takes_new ON escalation_protocols;
CREATE TRIGGER escalation_protocols_distributor_takes_new BEFORE INSERT ON escalation_protocols
    FOR EACH ROW EXECUTE FUNCTION liaison_distributor_takes_new();
DROP TRIGGER IF EXISTS document_shares_distributor_takes_new ON document_shares;
CREATE TRIGGER document_shares_distributor_takes_new BEFORE INSERT ON document_shares
    FOR EACH ROW EXECUTE FUNCTION liaison_distributor_takes_new();
