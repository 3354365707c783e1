-- A draft report is due by the charter in force (found in a try-out): an
-- amendment moving the report due day from the 5th to the 20th gave the
-- drafts already open the new charter's required sections (they follow
-- liaison_report_charter, 0032) but kept the old due date, so a draft read
-- overdue from the 6th while the handbook and the charter said "by day
-- 20". On an activation, the distributor's drafts never submitted take
-- the new version's due day for their month; a report submitted once
-- (reviewed, or returned to draft to be corrected) keeps the date it was
-- judged by.
CREATE OR REPLACE FUNCTION liaison_report_due_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE public.monthly_reports r
       SET due_on = (r.period + interval '1 month')::date + (NEW.report_due_day - 1)
     WHERE r.tenant_id = NEW.tenant_id AND r.distributor_id = NEW.distributor_id
       AND r.status = 'draft' AND r.submitted_at IS NULL
       AND r.due_on <> (r.period + interval '1 month')::date + (NEW.report_due_day - 1);
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS charters_report_due ON charters;
CREATE TRIGGER charters_report_due AFTER UPDATE OF status ON charters
    FOR EACH ROW WHEN (NEW.status = 'active' AND OLD.status IS DISTINCT FROM 'active')
    EXECUTE FUNCTION liaison_report_due_follow();
