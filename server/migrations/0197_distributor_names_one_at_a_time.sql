-- Two distributors of one name could still be made at once (found in a
-- review): liaison_distributor_name_apart (0191) looks for another of the
-- name, and two creates in flight together each missed the other's row,
-- not yet committed, so both were written and the name named two for good.
-- Creates and renames of one name (as compared) now wait for each other
-- on an advisory lock of the tenant and the name, as product lines' do
-- (0192); the one that waited then sees the other's row and is refused.
--
-- Replaces liaison_distributor_name_apart (0191) whole but for the lock;
-- its trigger stays.

CREATE OR REPLACE FUNCTION liaison_distributor_name_apart() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    other record;
BEGIN
    IF NEW.status = 'terminated'
       OR current_setting('liaison.importing', true) = NEW.tenant_id::text THEN
        RETURN NEW;
    END IF;
    -- An edit that keeps the name as compared (UpdateDistributor sets it
    -- each time) leaves a pair stored before 0191 editable.
    IF TG_OP = 'UPDATE' AND public.liaison_name_compact(OLD.name)
                            = public.liaison_name_compact(NEW.name) THEN
        RETURN NEW;
    END IF;
    -- Two creates of one name at once would each miss the other's row.
    PERFORM pg_advisory_xact_lock(hashtextextended(
        'distributor_name:' || NEW.tenant_id || ':' || public.liaison_name_compact(NEW.name), 0));
    SELECT d.id, d.name INTO other FROM public.distributors d
     WHERE d.tenant_id = NEW.tenant_id AND d.id IS DISTINCT FROM NEW.id
       AND d.status <> 'terminated'
       AND public.liaison_name_compact(d.name) = public.liaison_name_compact(NEW.name)
     ORDER BY d.id LIMIT 1;
    IF other.id IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LS409', MESSAGE = format(
            'distributor %s is named %s already: a second of that name could not be told apart',
            other.id, other.name);
    END IF;
    RETURN NEW;
END $$;
