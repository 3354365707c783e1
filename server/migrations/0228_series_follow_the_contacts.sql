-- A series' default attendees were fixed at the plan (0221): the
-- distributor's purchasing manager who joined a month after the charter
-- was activated, to replace the one who left, was in none of its calls,
-- and the one who left stayed in the series (out of its meetings after
-- that day, 0141) until someone set every series by hand. Staff turnover
-- at the distributor is one of the early signs the lesson warns of; the
-- successor is the one person the calls must reach.
--
-- A series now keeps the people the plan would give it (the account
-- manager, the current contacts in purchasing or sales, for the quarterly
-- and annual reviews also the general manager or director, as 0221 and
-- 0225 choose them) until someone sets its attendees by hand: then it
-- keeps theirs, as before. When a contact is added, changes e-mail or
-- role, leaves or comes back, or the account manager changes, each series
-- of that distributor not ended and not set by hand takes the people the
-- plan would give it now, and its scheduled meetings to come follow (what
-- was changed by hand in one meeting stays).
--
-- Set by hand means changed by a statement of its own (`cadence series
-- update --attendee`, `--no-attendees`, or a series made with attendees),
-- not by one of the triggers here: pg_trigger_depth() tells them apart.
-- Series planned before this migration are taken as set by hand, so that
-- nothing someone chose is changed by it. An operator's import writes
-- series, and whether they were set by hand, as they were.
--
-- Replaces liaison_series_default_attendees (0225) and
-- liaison_series_follow_manager (0227) whole.

ALTER TABLE meeting_series ADD COLUMN IF NOT EXISTS attendees_by_hand boolean NOT NULL DEFAULT true;
ALTER TABLE meeting_series ALTER COLUMN attendees_by_hand SET DEFAULT false;

-- A contact's change looks its distributor's series up: without this, the
-- tenant's every series.
CREATE INDEX IF NOT EXISTS meeting_series_distributor ON meeting_series (tenant_id, distributor_id);

-- Who a series of kind p_kind of distributor p_distributor starts with:
-- the account manager first, then the day-to-day contacts, then the
-- others, each once, at most 20.
CREATE OR REPLACE FUNCTION liaison_series_defaults(p_tenant bigint, p_distributor bigint,
                                                   p_kind text)
RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT (coalesce(array_agg(w.who ORDER BY w.n, w.who), '{}'))[1:20]
      FROM (SELECT DISTINCT ON (lower(w.who)) w.n, w.who
              FROM (SELECT 0 AS n, u.email AS who
                      FROM public.distributors d
                      JOIN public.users u ON u.tenant_id = d.tenant_id AND u.id = d.account_manager_id
                     WHERE d.tenant_id = p_tenant AND d.id = p_distributor
                       AND liaison_party_user_ok(d.id, u.id)
                    UNION ALL
                    SELECT CASE WHEN c.role ~* '(purchas|procure|sales|mua h|kinh doanh|bán h|購買|調達|仕入|営業|販売)'
                                THEN 1 ELSE 2 END, c.email
                      FROM public.contacts c
                     WHERE c.tenant_id = p_tenant AND c.distributor_id = p_distributor
                       AND c.left_on IS NULL
                       AND c.email <> ''
                       AND (c.role ~* '(purchas|procure|sales|mua h|kinh doanh|bán h|購買|調達|仕入|営業|販売)'
                            OR (p_kind IN ('quarterly', 'annual')
                                AND c.role ~* '(general manager|managing director|chief executive|ceo|owner|president|giám đốc|tổng giám|社長|代表|取締役)'))
                       -- An e-mail that is a user's is that user, who must be one who may attend.
                       AND (NOT EXISTS (SELECT 1 FROM public.users u
                                         WHERE u.tenant_id = c.tenant_id
                                           AND lower(u.email) = lower(c.email))
                            OR EXISTS (SELECT 1 FROM public.users u
                                        WHERE u.tenant_id = c.tenant_id
                                          AND lower(u.email) = lower(c.email)
                                          AND liaison_party_user_ok(c.distributor_id, u.id)))) w
             ORDER BY lower(w.who), w.n) w
     WHERE w.who IS NOT NULL
$$;

-- Series p_series has p_who as its attendees from now: its scheduled
-- meetings to come follow, each changed one re-sent to calendars.
CREATE OR REPLACE FUNCTION liaison_series_attendees_set(p_series bigint, p_who text[])
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    due bigint;
    now_at timestamptz := liaison_now();
BEGIN
    UPDATE public.meeting_series ms SET attendees = p_who, updated_at = now()
     WHERE ms.tenant_id = liaison_tenant() AND ms.id = p_series;
    FOR due IN SELECT m.id FROM public.meetings m
                WHERE m.tenant_id = liaison_tenant() AND m.series_id = p_series
                  AND m.status = 'scheduled' AND m.starts_at >= now_at
                ORDER BY m.id LOOP
        IF liaison_series_attendees_sync(due, p_who) THEN
            UPDATE public.meetings m SET sequence = m.sequence + 1, updated_at = now()
             WHERE m.tenant_id = liaison_tenant() AND m.id = due;
        END IF;
    END LOOP;
END $$;

-- Each series of distributor p_distributor not ended and not set by hand
-- takes the people the plan would give it now.
CREATE OR REPLACE FUNCTION liaison_series_follow_defaults(p_distributor bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    s record;
    wanted text[];
BEGIN
    FOR s IN SELECT ms.id, ms.kind, ms.attendees FROM public.meeting_series ms
              WHERE ms.tenant_id = liaison_tenant() AND ms.distributor_id = p_distributor
                AND ms.status <> 'ended' AND NOT ms.attendees_by_hand
              ORDER BY ms.id
                FOR UPDATE LOOP
        wanted := liaison_series_defaults(liaison_tenant(), p_distributor, s.kind);
        IF wanted IS DISTINCT FROM s.attendees THEN
            PERFORM liaison_series_attendees_set(s.id, wanted);
        END IF;
    END LOOP;
END $$;

-- Whether the change is the operator's (an import), which writes rows as they were.
CREATE OR REPLACE FUNCTION liaison_series_by_operator() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT liaison_tenant() IS NULL
        OR (current_setting('liaison.operator', true) = 'on' AND liaison_is_operator())
$$;

CREATE OR REPLACE FUNCTION liaison_series_default_attendees() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF liaison_series_by_operator() THEN
        RETURN NEW;
    END IF;
    NEW.attendees_by_hand := cardinality(NEW.attendees) > 0;
    IF NOT NEW.attendees_by_hand THEN
        NEW.attendees := liaison_series_defaults(NEW.tenant_id, NEW.distributor_id, NEW.kind);
    END IF;
    RETURN NEW;
END $$;

-- Attendees changed by a statement of its own, not by a trigger below.
CREATE OR REPLACE FUNCTION liaison_series_set_by_hand() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() = 1 AND NOT liaison_series_by_operator() THEN
        NEW.attendees_by_hand := true;
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS meeting_series_set_by_hand ON meeting_series;
CREATE TRIGGER meeting_series_set_by_hand BEFORE UPDATE OF attendees ON meeting_series
    FOR EACH ROW WHEN (OLD.attendees IS DISTINCT FROM NEW.attendees)
    EXECUTE FUNCTION liaison_series_set_by_hand();

CREATE OR REPLACE FUNCTION liaison_series_follow_manager() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    was text;
    comes text;
    s record;
    kept text[];
BEGIN
    IF liaison_series_by_operator() THEN
        RETURN NULL;
    END IF;
    SELECT lower(u.email) INTO was FROM public.users u
     WHERE u.tenant_id = OLD.tenant_id AND u.id = OLD.account_manager_id;
    SELECT u.email INTO comes FROM public.users u
     WHERE u.tenant_id = NEW.tenant_id AND u.id = NEW.account_manager_id
       AND liaison_party_user_ok(NEW.id, u.id);
    -- A series set by hand with the previous manager has the new one in their place.
    FOR s IN SELECT ms.id, ms.attendees FROM public.meeting_series ms
              WHERE ms.tenant_id = NEW.tenant_id AND ms.distributor_id = NEW.id
                AND ms.status <> 'ended' AND ms.attendees_by_hand AND was IS NOT NULL
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
        PERFORM liaison_series_attendees_set(s.id, kept);
    END LOOP;
    PERFORM liaison_series_follow_defaults(NEW.id);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION liaison_series_follow_contacts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT liaison_series_by_operator() THEN
        PERFORM liaison_series_follow_defaults(NEW.distributor_id);
    END IF;
    RETURN NULL;
END $$;

-- A contact without an e-mail is in no series (no invitation reaches them).
DROP TRIGGER IF EXISTS contacts_series_follow ON contacts;
CREATE TRIGGER contacts_series_follow AFTER INSERT ON contacts
    FOR EACH ROW WHEN (NEW.email <> '')
    EXECUTE FUNCTION liaison_series_follow_contacts();

DROP TRIGGER IF EXISTS contacts_series_follow_change ON contacts;
CREATE TRIGGER contacts_series_follow_change AFTER UPDATE OF email, role, left_on ON contacts
    FOR EACH ROW
    WHEN ((OLD.email, OLD.role, OLD.left_on) IS DISTINCT FROM (NEW.email, NEW.role, NEW.left_on))
    EXECUTE FUNCTION liaison_series_follow_contacts();

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_series_defaults(bigint, bigint, text),
                                  liaison_series_attendees_set(bigint, text[]),
                                  liaison_series_follow_defaults(bigint),
                                  liaison_series_by_operator()
            TO liaison_app;
    END IF;
END $$;
