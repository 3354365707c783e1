-- Every meeting's out-of-hours minutes per side, whoever places it: the
-- plan (0016), an ad-hoc meeting, a reschedule. Computed from the tz
-- database as the plan computes them (liaison_outside_minutes), with the
-- exporter side's working time from the account manager, else the tenant.

CREATE OR REPLACE FUNCTION liaison_meeting_minutes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    d record;
    e record;
    mins integer := (extract(epoch FROM NEW.ends_at - NEW.starts_at) / 60)::integer;
BEGIN
    SELECT x.account_manager_id, x.time_zone, x.business_hours_start, x.business_hours_end,
           x.work_days INTO d
      FROM distributors x WHERE x.tenant_id = NEW.tenant_id AND x.id = NEW.distributor_id;
    SELECT * INTO e FROM liaison_exporter_hours(d.account_manager_id);
    IF e.time_zone IS NOT NULL THEN
        NEW.exporter_outside_minutes := liaison_outside_minutes(
            NEW.starts_at, mins, e.time_zone, e.hours_start, e.hours_end, e.work_days);
    END IF;
    IF d.time_zone IS NOT NULL THEN
        NEW.distributor_outside_minutes := liaison_outside_minutes(
            NEW.starts_at, mins, d.time_zone, d.business_hours_start, d.business_hours_end,
            d.work_days);
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS meetings_outside_minutes ON meetings;
CREATE TRIGGER meetings_outside_minutes BEFORE INSERT OR UPDATE OF starts_at, ends_at ON meetings
    FOR EACH ROW EXECUTE FUNCTION liaison_meeting_minutes();
