-- A contact marked as left today was taken out of their series at once
-- (0228 counted anyone with a day they left as gone), and the series then
-- took them out of today's meetings still to come, each re-sent to
-- calendars: against 0141, by which a contact who left is still in the
-- meetings of the day they left, and found in a review.
--
-- A series' default people now count a contact who left as one of them
-- until their last day is over, in the tenant's time zone (a day to come
-- is refused by SetContactLeft, so this is today). The meetings of a
-- series already apply 0141's rule, meeting by meeting, so today's keep
-- them and later ones do not. At the start of the next day a job,
-- series_contact_left, brings the series of their distributor in line
-- again, and the series no longer name them; a contact back by then (or
-- removed) leaves the job nothing to do. Contacts who left before today
-- are out of the series already. An import (an operator's) writes series
-- as they were, and queues the job for a contact whose last day is today
-- with the tenant's other jobs.
--
-- The job is the first writer of a series' people that is no trigger:
-- 0228 told a change by hand from the series following the plan by the
-- trigger depth (a statement of its own), and would have taken the job's
-- change for one by hand, the series then following no one. What the
-- series set for themselves (liaison_series_attendees_set) now says so
-- itself, whoever calls it.
--
-- Replaces liaison_series_defaults (0228), liaison_series_set_by_hand
-- (0228), liaison_series_attendees_set (0234) and liaison_tenant_import_jobs
-- (0090) whole.

-- The instant contact p_contact's last day is over (the start of the day
-- after the one they left, in the tenant's time zone), or NULL for a
-- current contact or none.
CREATE OR REPLACE FUNCTION liaison_contact_left_over_at(p_contact bigint) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT (c.left_on + 1)::timestamp AT TIME ZONE coalesce(nullif(t.time_zone, ''), 'UTC')
      FROM public.contacts c
      JOIN public.tenants t ON t.id = c.tenant_id
     WHERE c.tenant_id = liaison_tenant() AND c.id = p_contact AND c.left_on IS NOT NULL
$$;

-- As in 0228, a contact who left still counted on the day they left.
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
                       AND (c.left_on IS NULL
                            OR c.left_on >= (SELECT (liaison_now() AT TIME ZONE
                                                     coalesce(nullif(t.time_zone, ''), 'UTC'))::date
                                               FROM public.tenants t WHERE t.id = p_tenant))
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

-- As in 0234, its change of the series told apart from one by hand.
CREATE OR REPLACE FUNCTION liaison_series_attendees_set(p_series bigint, p_who text[])
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    distributor bigint;
BEGIN
    PERFORM set_config('liaison.series_following', 'on', true);
    UPDATE public.meeting_series ms SET attendees = p_who, updated_at = now()
     WHERE ms.tenant_id = liaison_tenant() AND ms.id = p_series
    RETURNING ms.distributor_id INTO distributor;
    PERFORM set_config('liaison.series_following', '', true);
    IF distributor IS NULL THEN
        RETURN;
    END IF;
    UPDATE public.meetings m SET sequence = m.sequence + 1, updated_at = now()
      FROM (SELECT DISTINCT s.id
              FROM liaison_series_meetings_sync(
                       distributor,
                       ARRAY(SELECT x.id FROM public.meetings x
                              WHERE x.tenant_id = liaison_tenant() AND x.series_id = p_series
                                AND x.status = 'scheduled' AND x.starts_at >= liaison_now()),
                       p_who) s (id)) c
     WHERE m.tenant_id = liaison_tenant() AND m.id = c.id;
END $$;

-- As in 0228, but for what liaison_series_attendees_set writes.
CREATE OR REPLACE FUNCTION liaison_series_set_by_hand() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() = 1 AND NOT liaison_series_by_operator()
       AND current_setting('liaison.series_following', true) IS DISTINCT FROM 'on' THEN
        NEW.attendees_by_hand := true;
    END IF;
    RETURN NEW;
END $$;

-- The job: once contact p_payload.contact_id's last day is over, the
-- series of their distributor take the people the plan would give them now.
CREATE OR REPLACE FUNCTION liaison_job_series_contact_left(p_payload jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_contact bigint := (p_payload ->> 'contact_id')::bigint;
    v_distributor bigint;
    v_over timestamptz;
BEGIN
    SELECT c.distributor_id, liaison_contact_left_over_at(c.id) INTO v_distributor, v_over
      FROM public.contacts c
     WHERE c.tenant_id = liaison_tenant() AND c.id = v_contact;
    IF v_over IS NULL THEN
        RETURN;
    END IF;
    -- The tenant's time zone may have moved the day's end since it was scheduled.
    IF liaison_now() < v_over THEN
        PERFORM liaison_schedule('series_contact_left', v_contact::text, v_over, p_payload);
        RETURN;
    END IF;
    PERFORM liaison_series_follow_defaults(v_distributor);
END $$;

-- On a contact marked as left: the job, at the end of their last day.
CREATE OR REPLACE FUNCTION liaison_series_contact_left_schedule() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_over timestamptz;
BEGIN
    IF liaison_series_by_operator() THEN
        RETURN NULL;
    END IF;
    v_over := liaison_contact_left_over_at(NEW.id);
    IF v_over > liaison_now() THEN
        PERFORM liaison_schedule('series_contact_left', NEW.id::text, v_over,
                                 jsonb_build_object('contact_id', NEW.id));
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS contacts_series_left_job ON contacts;
CREATE TRIGGER contacts_series_left_job AFTER UPDATE OF left_on ON contacts
    FOR EACH ROW WHEN (NEW.left_on IS NOT NULL AND NEW.left_on IS DISTINCT FROM OLD.left_on)
    EXECUTE FUNCTION liaison_series_contact_left_schedule();

INSERT INTO job_kinds (kind, fn)
VALUES ('series_contact_left', 'liaison_job_series_contact_left'::regproc)
    ON CONFLICT (kind) DO UPDATE SET fn = EXCLUDED.fn;

-- As in 0090, and the end of a contact's last day.
CREATE OR REPLACE FUNCTION liaison_tenant_import_jobs() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n bigint := 0;
    k bigint;
BEGIN
    PERFORM liaison_precondition(liaison_is_operator(), 'operators only');
    SELECT count(liaison_schedule('notes_due', m.id::text, m.ends_at + interval '24 hours',
                                  jsonb_build_object('meeting_id', m.id)))
      INTO k FROM meetings m
     WHERE m.tenant_id = liaison_tenant() AND m.status = 'held' AND m.notes_flagged_at IS NULL;
    n := n + k;
    SELECT count(liaison_schedule('action_overdue', a.id::text, a.due_at,
                                  jsonb_build_object('action_item_id', a.id)))
      INTO k FROM action_items a
     WHERE a.tenant_id = liaison_tenant() AND a.status = 'open' AND a.overdue_flagged_at IS NULL;
    n := n + k;
    SELECT count(liaison_schedule('escalation_step', 'escalation:' || e.id, e.expected_by,
                                  jsonb_build_object('request_id', e.id)))
      INTO k FROM escalation_requests e
     WHERE e.tenant_id = liaison_tenant() AND e.status = 'open' AND e.expected_by IS NOT NULL;
    n := n + k;
    SELECT count(liaison_schedule('charter_expiry', c.id::text, x.ends_at,
                                  jsonb_build_object('charter_id', c.id)))
      INTO k FROM charters c CROSS JOIN LATERAL (SELECT liaison_charter_ends_at(c.id) AS ends_at) x
     WHERE c.tenant_id = liaison_tenant() AND c.status = 'active' AND x.ends_at IS NOT NULL;
    n := n + k;
    SELECT count(liaison_schedule('series_contact_left', c.id::text, x.over_at,
                                  jsonb_build_object('contact_id', c.id)))
      INTO k FROM contacts c
     CROSS JOIN LATERAL (SELECT liaison_contact_left_over_at(c.id) AS over_at) x
     WHERE c.tenant_id = liaison_tenant() AND c.left_on IS NOT NULL AND x.over_at > liaison_now();
    RETURN n + k;
END $$;
