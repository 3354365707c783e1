-- A series planned at the very moment a contact of its distributor changed
-- could keep the people of before until the next change (0236 took back
-- 0234's lock, which deadlocked with the contact's row): the planning did
-- not see the uncommitted contact, and the contact's change did not see
-- the uncommitted series. No lock order serves both, since each side
-- holds rows the other needs before it knows of the other.
--
-- Each change that makes a distributor's series follow the plan's people
-- (a series planned without attendees, a contact entered with an e-mail,
-- changed, leaving, back or removed, a new account manager) now also
-- queues a job, series_follow, due at once, that brings that distributor's
-- series in line again in a transaction of its own. It runs after the
-- change has committed, so the later of two such changes always sees both;
-- when nothing is amiss it changes nothing and re-sends no invitation.
-- One job is pending per distributor, however many changes queue it.
-- An import (an operator's) writes series as they were and queues none.

-- The job: distributor p_payload.distributor_id's series take the plan's people now.
CREATE OR REPLACE FUNCTION liaison_job_series_follow(p_payload jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM liaison_series_follow_defaults((p_payload ->> 'distributor_id')::bigint);
END $$;

-- After a change that makes the series of a distributor follow the plan's
-- people: the job, once the change is committed.
CREATE OR REPLACE FUNCTION liaison_series_follow_later() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    distributor bigint;
BEGIN
    IF liaison_series_by_operator() THEN
        RETURN NULL;
    END IF;
    -- Statements of their own: a field the row's table lacks may not even be named.
    IF TG_TABLE_NAME = 'distributors' THEN
        distributor := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        distributor := OLD.distributor_id;
    ELSE
        distributor := NEW.distributor_id;
    END IF;
    PERFORM liaison_schedule('series_follow', distributor::text, liaison_now(),
                             jsonb_build_object('distributor_id', distributor));
    RETURN NULL;
END $$;

-- The same changes as 0227, 0228 and 0233 follow at once, with their conditions.
DROP TRIGGER IF EXISTS contacts_series_follow_later ON contacts;
CREATE TRIGGER contacts_series_follow_later AFTER INSERT ON contacts
    FOR EACH ROW WHEN (NEW.email <> '') EXECUTE FUNCTION liaison_series_follow_later();
DROP TRIGGER IF EXISTS contacts_series_follow_change_later ON contacts;
CREATE TRIGGER contacts_series_follow_change_later AFTER UPDATE OF email, role, left_on ON contacts
    FOR EACH ROW WHEN (OLD.email IS DISTINCT FROM NEW.email OR OLD.role IS DISTINCT FROM NEW.role
                       OR OLD.left_on IS DISTINCT FROM NEW.left_on)
    EXECUTE FUNCTION liaison_series_follow_later();
DROP TRIGGER IF EXISTS contacts_series_follow_gone_later ON contacts;
CREATE TRIGGER contacts_series_follow_gone_later AFTER DELETE ON contacts
    FOR EACH ROW WHEN (OLD.email <> '') EXECUTE FUNCTION liaison_series_follow_later();
DROP TRIGGER IF EXISTS distributors_series_follow_later ON distributors;
CREATE TRIGGER distributors_series_follow_later AFTER UPDATE OF account_manager_id ON distributors
    FOR EACH ROW WHEN (OLD.account_manager_id IS DISTINCT FROM NEW.account_manager_id)
    EXECUTE FUNCTION liaison_series_follow_later();
-- A series planned with the plan's people (0221's trigger set attendees_by_hand before this runs).
DROP TRIGGER IF EXISTS meeting_series_follow_later ON meeting_series;
CREATE TRIGGER meeting_series_follow_later AFTER INSERT ON meeting_series
    FOR EACH ROW WHEN (NOT NEW.attendees_by_hand) EXECUTE FUNCTION liaison_series_follow_later();

INSERT INTO job_kinds (kind, fn) VALUES ('series_follow', 'liaison_job_series_follow'::regproc)
    ON CONFLICT (kind) DO UPDATE SET fn = EXCLUDED.fn;
