-- Internal action items: the exporter's own, which its distributor never sees.
--
-- A distributor user sees every action item of its distributor, the
-- exporter's promises too, which is what a shared list is for. But staff
-- also keep items about a distributor that are not its business ("prepare
-- the notice if Q2 stays below target"), and had nowhere else to put them.
-- An item marked internal is now kept from the distributor's users by the
-- database itself, as the distributor scope is: a restrictive policy for
-- liaisond's role, on top of it.
ALTER TABLE action_items ADD COLUMN IF NOT EXISTS internal boolean NOT NULL DEFAULT false;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        RETURN;
    END IF;
    DROP POLICY IF EXISTS internal_items ON action_items;
    CREATE POLICY internal_items ON action_items AS RESTRICTIVE TO liaison_app
        USING (NOT internal OR (SELECT liaison_distributor_scope()) = 0);
END $$;
