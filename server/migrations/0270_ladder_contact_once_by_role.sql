-- A ladder named one contact on two rungs (found in a try-out), so step 2
-- asked the person step 1 had asked, and the distributor's management never
-- heard of the matter:
--
-- - one role written twice ("purchasing manager", "PURCHASING MANAGER") was
--   taken as two rungs, and one written with a run of spaces ("purchasing
--   manager" with two) matched nobody. Roles are compared in any case with
--   runs of spaces as one (liaison_role_key), a role is on one rung of a
--   ladder, and a rung's role is kept with its spaces collapsed;
-- - in a distributor's ladder, a role rung whose holder another rung names
--   is refused, naming who and the rung;
-- - a request passes over a rung that reaches a contact an earlier rung
--   reaches already (roles change after a ladder is set).
--
-- And a distributor's ladder kept an e-mail address that is not one of its
-- contacts' as a role no one holds (another distributor's contact, an
-- exporter user): the rung reached nobody. It is refused, naming whose
-- e-mail it is when a contact of another distributor the caller reaches has
-- it.
--
-- Replaces liaison_escalation_contact (0135) whole but for that. The
-- checks of a ladder (liaison_escalation_protocol_set) and the pass over
-- a rung already reached (liaison_escalation_create) are in 0272, which
-- replaces those two whole once for both of its changes.

CREATE OR REPLACE FUNCTION liaison_role_key(p_role text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT lower(btrim(regexp_replace(coalesce(p_role, ''), '\s+', ' ', 'g')))
$$;

CREATE OR REPLACE FUNCTION liaison_escalation_contact(p_distributor bigint, p_role text)
RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT c.id FROM contacts c
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
       AND liaison_role_key(c.role) = liaison_role_key(p_role)
     ORDER BY c.left_on IS NOT NULL, c.left_on DESC, c.id LIMIT 1
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_role_key(text) TO liaison_app;
    END IF;
END $$;
