-- The account manager was told of every step of an escalation request
-- (0314) but not of its answer (a try-out): a distributor that answered in
-- the portal ended the ladder, and whoever raised the request learnt it
-- only by polling `escalation pending`. An answer now writes an
-- escalation_answered event (its subject the request) for the same user a
-- step tells: the distributor's account manager, else the user who sent
-- the request; not when that user recorded the answer itself.

ALTER TABLE events DROP CONSTRAINT IF EXISTS events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check
    CHECK (kind IN ('action_item_assigned', 'report_submitted', 'escalation_raised',
                    'escalation_step', 'escalation_answered', 'charter_activated',
                    'deal_flagged'));

CREATE OR REPLACE FUNCTION liaison_events_on_escalation_answered() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    manager bigint;
    told bigint;
BEGIN
    SELECT d.account_manager_id INTO manager FROM public.distributors d
     WHERE d.tenant_id = NEW.tenant_id AND d.id = NEW.distributor_id;
    SELECT u.id INTO told FROM public.users u
     WHERE u.tenant_id = NEW.tenant_id AND u.disabled_at IS NULL
       AND u.role <> 'distributor_user'
       AND u.id IN (manager,
                    substring(NEW.sent_by FROM '^(?:user|token):([0-9]{1,18})(?: |$)')::bigint)
     ORDER BY u.id = manager DESC LIMIT 1;
    IF told IS NOT NULL AND told IS DISTINCT FROM
           substring(NEW.responded_by FROM '^(?:user|token):([0-9]{1,18})(?: |$)')::bigint THEN
        PERFORM public.liaison_event_emit(NEW.tenant_id, 'escalation_answered', NEW.id,
                                          NEW.distributor_id, told);
    END IF;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION liaison_events_on_escalation_answered() FROM PUBLIC;

DROP TRIGGER IF EXISTS events_emit_answered ON escalation_requests;
CREATE TRIGGER events_emit_answered AFTER UPDATE OF status ON escalation_requests
    FOR EACH ROW WHEN (OLD.status <> 'answered' AND NEW.status = 'answered')
    EXECUTE FUNCTION liaison_events_on_escalation_answered();
