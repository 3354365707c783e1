-- A monthly report saved from two portal pages at once lost the first
-- save (found racing two distributor users): each page sends the whole
-- form, and the second save replaced the figures of the first without a
-- word. A report now carries a revision, one more at every write of its
-- row (every save, submission, review and return to draft writes it), and
-- a save may name the revision its form was made from: when the report has
-- changed since, the save is refused and changes nothing.

ALTER TABLE monthly_reports ADD COLUMN IF NOT EXISTS revision integer NOT NULL DEFAULT 1;

CREATE OR REPLACE FUNCTION liaison_report_revision_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.revision := OLD.revision + 1;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS monthly_reports_revision ON monthly_reports;
CREATE TRIGGER monthly_reports_revision BEFORE UPDATE ON monthly_reports
    FOR EACH ROW EXECUTE FUNCTION liaison_report_revision_bump();

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_report_revision_bump() TO liaison_app;
    END IF;
END $$;
