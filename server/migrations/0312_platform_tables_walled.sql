-- liaisond's role read two platform tables with no wall (an attack
-- try-out): platform_audit (every tenant's slug, the operators' acts and
-- their source addresses) and job_runs (every tenant's job history), so
-- SQL injected into any caller's request, a distributor user's too, would
-- list every tenant of the installation.
--
-- platform_audit is read by operators alone (ListPlatformAudit, a tenant
-- export's later pages): its rows are now visible only in a verified
-- operator's context (liaison_is_operator, 0026); appending stays as it
-- was (the statements that record an act only add). Row security is not
-- forced: the owner's functions and `liaisond operator` write and read
-- it as before. job_runs is written and pruned by the scheduler's batch,
-- which runs as the owner (liaison_run_due_jobs, SECURITY DEFINER), and
-- read by nothing of liaisond's role: that role's grants on it go.

ALTER TABLE platform_audit ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS operators_read ON platform_audit;
CREATE POLICY operators_read ON platform_audit FOR SELECT
    USING ((SELECT liaison_is_operator()));
DROP POLICY IF EXISTS anyone_appends ON platform_audit;
CREATE POLICY anyone_appends ON platform_audit FOR INSERT WITH CHECK (true);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        REVOKE ALL ON job_runs FROM liaison_app;
    END IF;
END $$;
