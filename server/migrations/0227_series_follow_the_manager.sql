-- A distributor's calls kept inviting the account manager it no longer had
-- (a gap noted when 0221 made the account manager a series' first
-- attendee): after `distributor assign`, every weekly check-in and review
-- still went to the manager who had handed the distributor over, and the
-- new one was in none of them until someone set each series by hand.
--
-- When a distributor's account manager changes, each of its series not
-- ended that has the previous manager among its attendees has the new one
-- in that place instead (or none, when the new one may not attend: see
-- liaison_party_user_ok), and its scheduled meetings to come follow, as
-- after `cadence series update`: what was changed by hand in one meeting
-- stays, and each changed meeting is re-sent to calendars. A series
-- without the previous manager was set by hand without them and is left
-- as it is; meetings held, missed or cancelled keep who was in them. An
-- operator's import writes series as they were.

CREATE OR REPLACE FUNCTION liaison_series_follow_manager() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    was text;
    comes text;
    s record;
    kept text[];
    due bigint;
    now_at timestamptz;
BEGIN
    IF liaison_tenant() IS NULL
       OR (current_setting('liaison.operator', true) = 'on' AND liaison_is_operator()) THEN
        RETURN NULL;
    END IF;
    SELECT lower(u.email) INTO was FROM public.users u
     WHERE u.tenant_id = OLD.tenant_id AND u.id = OLD.account_manager_id;
    IF was IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT u.email INTO comes FROM public.users u
     WHERE u.tenant_id = NEW.tenant_id AND u.id = NEW.account_manager_id
       AND liaison_party_user_ok(NEW.id, u.id);
    now_at := liaison_now();
    FOR s IN SELECT ms.id, ms.attendees FROM public.meeting_series ms
              WHERE ms.tenant_id = NEW.tenant_id AND ms.distributor_id = NEW.id
                AND ms.status <> 'ended'
                AND EXISTS (SELECT 1 FROM unnest(ms.attendees) a WHERE lower(a) = was)
              ORDER BY ms.id
                FOR UPDATE LOOP
        -- In the previous manager's place, each person once (the new manager
        -- may have been an attendee already), in the order they were.
        SELECT coalesce(array_agg(k.who ORDER BY k.first), '{}') INTO kept
          FROM (SELECT (array_agg(w.who ORDER BY w.n))[1] AS who, min(w.n) AS first
                  FROM (SELECT CASE WHEN lower(a.who) = was THEN comes ELSE a.who END, a.n
                          FROM unnest(s.attendees) WITH ORDINALITY a (who, n)) w (who, n)
                 WHERE w.who IS NOT NULL
                 GROUP BY lower(w.who)) k;
        UPDATE public.meeting_series ms SET attendees = kept, updated_at = now()
         WHERE ms.tenant_id = NEW.tenant_id AND ms.id = s.id;
        FOR due IN SELECT m.id FROM public.meetings m
                    WHERE m.tenant_id = NEW.tenant_id AND m.series_id = s.id
                      AND m.status = 'scheduled' AND m.starts_at >= now_at
                    ORDER BY m.id LOOP
            IF liaison_series_attendees_sync(due, kept) THEN
                UPDATE public.meetings m SET sequence = m.sequence + 1, updated_at = now()
                 WHERE m.tenant_id = NEW.tenant_id AND m.id = due;
            END IF;
        END LOOP;
    END LOOP;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS distributors_series_follow_manager ON distributors;
CREATE TRIGGER distributors_series_follow_manager
    AFTER UPDATE OF account_manager_id ON distributors
    FOR EACH ROW
    WHEN (OLD.account_manager_id IS DISTINCT FROM NEW.account_manager_id)
    EXECUTE FUNCTION liaison_series_follow_manager();
