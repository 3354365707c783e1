-- A meeting's minutes outside each side's hours follow the hours as they
-- are (found in an exporter's try-out): they were computed when a meeting
-- was placed (meetings_outside_minutes, 0021) and kept, so after a
-- distributor's hours went from 08:00-17:00 to 08:00-12:00 'cadence show'
-- still said 0 minutes outside them for calls at 14:00, and 'cadence
-- fairness' 0 meetings, until someone happened to run 'cadence plan'.
--
-- When a distributor's time zone, hours, days or account manager change,
-- or the exporter's (the tenant's, or a manager's own), the scheduled
-- meetings still to come are computed again, by setting their start to
-- itself: meetings_outside_minutes does the computing, as for any meeting
-- placed. Their times stay: re-placing them in the new hours is 'cadence
-- plan', which the CLI suggests after such a change. Meetings held,
-- missed or cancelled keep the figures of the hours they were kept in.

CREATE OR REPLACE FUNCTION liaison_meetings_rehoured() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'distributors' THEN
        UPDATE meetings m SET starts_at = m.starts_at
         WHERE m.tenant_id = NEW.tenant_id AND m.distributor_id = NEW.id
           AND m.status = 'scheduled' AND m.starts_at >= liaison_now();
    ELSIF TG_TABLE_NAME = 'users' THEN
        UPDATE meetings m SET starts_at = m.starts_at
          FROM distributors d
         WHERE d.tenant_id = NEW.tenant_id AND d.account_manager_id = NEW.id
           AND m.tenant_id = d.tenant_id AND m.distributor_id = d.id
           AND m.status = 'scheduled' AND m.starts_at >= liaison_now();
    ELSE
        UPDATE meetings m SET starts_at = m.starts_at
         WHERE m.tenant_id = NEW.id AND m.status = 'scheduled' AND m.starts_at >= liaison_now();
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS meetings_rehoured ON distributors;
CREATE TRIGGER meetings_rehoured
    AFTER UPDATE OF time_zone, business_hours_start, business_hours_end, work_days,
                    account_manager_id ON distributors
    FOR EACH ROW
    WHEN ((OLD.time_zone, OLD.business_hours_start, OLD.business_hours_end, OLD.work_days,
           OLD.account_manager_id)
          IS DISTINCT FROM (NEW.time_zone, NEW.business_hours_start, NEW.business_hours_end,
                            NEW.work_days, NEW.account_manager_id))
    EXECUTE FUNCTION liaison_meetings_rehoured();

DROP TRIGGER IF EXISTS meetings_rehoured ON users;
CREATE TRIGGER meetings_rehoured
    AFTER UPDATE OF time_zone, business_hours_start, business_hours_end, work_days ON users
    FOR EACH ROW
    WHEN ((OLD.time_zone, OLD.business_hours_start, OLD.business_hours_end, OLD.work_days)
          IS DISTINCT FROM (NEW.time_zone, NEW.business_hours_start, NEW.business_hours_end,
                            NEW.work_days))
    EXECUTE FUNCTION liaison_meetings_rehoured();

DROP TRIGGER IF EXISTS meetings_rehoured ON tenants;
CREATE TRIGGER meetings_rehoured
    AFTER UPDATE OF time_zone, business_hours_start, business_hours_end, work_days ON tenants
    FOR EACH ROW
    WHEN ((OLD.time_zone, OLD.business_hours_start, OLD.business_hours_end, OLD.work_days)
          IS DISTINCT FROM (NEW.time_zone, NEW.business_hours_start, NEW.business_hours_end,
                            NEW.work_days))
    EXECUTE FUNCTION liaison_meetings_rehoured();
