-- A registration rejected while orders named its lead (carried over from
-- a try-out): the orders went on booking the deal the exporter had just
-- said was not the distributor's, and the lead, rejected, could be closed
-- only as lost, which a lead with orders may not be (0254). A rejection
-- now waits until its orders are cancelled, as marking a lead lost does,
-- naming them (liaison_lead_decide's copy in 0278 holds that check); an
-- order placed while the lead is rejected is refused where it holds the
-- lead, read locked, as one on a lead lost meanwhile is; and a
-- reassignment refused for its orders no longer suggests a rejection that
-- would be refused in turn.
--
-- Replaces liaison_order_holds_its_lead (0254) and
-- liaison_lead_keeps_its_orders (0209) whole but for those checks.

CREATE OR REPLACE FUNCTION liaison_order_holds_its_lead() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    owner bigint;
    stage text;
    registration text;
BEGIN
    IF liaison_tenant() IS NULL
       OR (current_setting('liaison.operator', true) = 'on' AND liaison_is_operator()) THEN
        RETURN NEW;
    END IF;
    SELECT l.distributor_id, l.stage, l.registration INTO owner, stage, registration FROM leads l
     WHERE l.tenant_id = NEW.tenant_id AND l.id = NEW.lead_id
       FOR KEY SHARE OF l;
    -- Not found: a distributor user's view lost the lead as it moved.
    PERFORM liaison_precondition(FOUND AND (owner IS NULL OR owner = NEW.distributor_id),
        format('lead %s was given to another distributor while this order was placed: the'
               ' order is not placed; reload the lead', NEW.lead_id));
    -- Read locked, after a stage change that committed meanwhile: an order
    -- does not name a lead that was lost while it was placed.
    PERFORM liaison_check(stage IS DISTINCT FROM 'lost', 'leadId',
        format('lead %s was lost: an order is placed on a deal still open or won (place it'
               ' without the lead, or on a lead of its own)', NEW.lead_id));
    PERFORM liaison_check(registration IS DISTINCT FROM 'rejected', 'leadId',
        format('lead %s''s registration was rejected: it is not this distributor''s deal',
               NEW.lead_id));
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION liaison_lead_keeps_its_orders() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    placed text;
BEGIN
    SELECT string_agg(o.id::text, ', ' ORDER BY o.id) INTO placed
      FROM orders o
     WHERE o.tenant_id = NEW.tenant_id AND o.lead_id = NEW.id
       AND o.distributor_id IS DISTINCT FROM NEW.distributor_id;
    PERFORM liaison_precondition(placed IS NULL, format(
        'lead %s has orders placed on it (%s): a lead stays with the distributor whose orders'
        ' name it; approve the registration instead, or cancel them and reject it', NEW.id,
        placed));
    RETURN NEW;
END $$;
