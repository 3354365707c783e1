-- Nobody was told when an escalation request took its next step (a
-- try-out): a request unanswered past its timeframe moved to the next
-- contact, then to the visit, then got its formal concern drafted, and
-- the only event was escalation_raised, so the account manager had to
-- poll `escalation pending` to learn that a visit was due or a letter
-- ready. Each step after the first now writes an escalation_step event
-- (its subject the request), for the one who is to act on it: the
-- distributor's account manager, else the user who sent the request (by a
-- session or an API token of its own). It
-- is that user's alone (events.user_id), never the distributor's users':
-- a step is the exporter's next move, the concern a draft of its own.

ALTER TABLE events DROP CONSTRAINT IF EXISTS events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check
    CHECK (kind IN ('action_item_assigned', 'report_submitted', 'escalation_raised',
                    'escalation_step', 'charter_activated', 'deal_flagged'));

CREATE OR REPLACE FUNCTION liaison_events_on_escalation_step() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    req record;
    told bigint;
BEGIN
    SELECT r.distributor_id, d.account_manager_id, r.sent_by INTO req
      FROM public.escalation_requests r
      JOIN public.distributors d ON d.tenant_id = r.tenant_id AND d.id = r.distributor_id
     WHERE r.tenant_id = NEW.tenant_id AND r.id = NEW.request_id;
    SELECT u.id INTO told FROM public.users u
     WHERE u.tenant_id = NEW.tenant_id AND u.disabled_at IS NULL
       AND u.role <> 'distributor_user'
       AND u.id IN (req.account_manager_id,
                    substring(req.sent_by FROM '^(?:user|token):([0-9]{1,18})(?: |$)')::bigint)
     ORDER BY u.id = req.account_manager_id DESC LIMIT 1;
    IF told IS NOT NULL THEN
        PERFORM public.liaison_event_emit(NEW.tenant_id, 'escalation_step', NEW.request_id,
                                          req.distributor_id, told);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS events_emit ON escalation_steps;
CREATE TRIGGER events_emit AFTER INSERT ON escalation_steps
    FOR EACH ROW WHEN (NEW.step_no > 1) EXECUTE FUNCTION liaison_events_on_escalation_step();
