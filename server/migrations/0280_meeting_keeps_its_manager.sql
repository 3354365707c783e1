-- Notes compliance "by account manager" charged a distributor's past
-- meetings to whoever manages it today (found in a try-out): assigned a
-- minute earlier, a new manager carried the predecessor's late, missing
-- and unrecorded notes, and the predecessor's record was cleaned of them;
-- the past meetings' iCalendar organizer and exporter-side time zone moved
-- to the new manager as well. A meeting now keeps the account manager it
-- had once its distributor is given to another: those that have started by
-- then are stamped with the manager who leaves (meetings.account_manager_id),
-- and what is read of a meeting's exporter side goes by that manager, else
-- the distributor's current one (rpc_meeting.c, rpc_calendar.c). Meetings
-- of managers changed before this migration stay with the current one: who
-- held them then was not kept.
ALTER TABLE meetings ADD COLUMN IF NOT EXISTS account_manager_id bigint;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'meetings_account_manager_fk') THEN
        ALTER TABLE meetings ADD CONSTRAINT meetings_account_manager_fk
            FOREIGN KEY (tenant_id, account_manager_id) REFERENCES users (tenant_id, id);
    END IF;
END $$;

CREATE OR REPLACE FUNCTION liaison_meetings_keep_manager() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF liaison_tenant() IS NULL OR OLD.account_manager_id IS NULL THEN
        RETURN NULL;
    END IF;
    UPDATE meetings m SET account_manager_id = OLD.account_manager_id
     WHERE m.tenant_id = NEW.tenant_id AND m.distributor_id = NEW.id
       AND m.account_manager_id IS NULL AND m.starts_at <= liaison_now();
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS distributors_meetings_keep_manager ON distributors;
CREATE TRIGGER distributors_meetings_keep_manager AFTER UPDATE OF account_manager_id ON distributors
    FOR EACH ROW WHEN (OLD.account_manager_id IS DISTINCT FROM NEW.account_manager_id)
    EXECUTE FUNCTION liaison_meetings_keep_manager();
