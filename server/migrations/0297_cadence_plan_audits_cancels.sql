-- A meeting that `cadence plan` cancelled (past its series' or charter's
-- end) was said in the plan's notes and re-sent to calendars cancelled, but
-- not audited on the meeting, as a move is and a cancellation by hand is
-- (found in a review). It is now audited as meeting.cancelled, the caller
-- as the actor.
--
-- Replaces liaison_cadence_plan (0290) whole but for that.

CREATE OR REPLACE FUNCTION liaison_cadence_plan(p_distributor bigint) RETURNS json
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    before_ids bigint[];
    before_at timestamptz[];
    notes text[] := '{}';
    shown integer := 0;
    more integer := 0;
    zone text;
    r record;
BEGIN
    SELECT coalesce(array_agg(m.id ORDER BY m.id), '{}'),
           coalesce(array_agg(m.starts_at ORDER BY m.id), '{}')
      INTO before_ids, before_at
      FROM meetings m
     WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
       AND m.status = 'scheduled' AND m.starts_at >= liaison_now();
    PERFORM liaison_cadence_generate(p_distributor);
    SELECT ex.time_zone INTO zone FROM distributors d
     CROSS JOIN liaison_exporter_hours(d.account_manager_id) ex
     WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor;
    zone := coalesce(zone, 'UTC');
    FOR r IN SELECT m.id, m.title, m.status, b.at AS was, m.starts_at AS now_at
               FROM unnest(before_ids, before_at) b (id, at)
               JOIN meetings m ON m.tenant_id = liaison_tenant() AND m.id = b.id
              WHERE m.status <> 'scheduled' OR m.starts_at <> b.at
              ORDER BY b.at, m.id LOOP
        PERFORM liaison_audit(CASE WHEN r.status = 'scheduled' THEN 'meeting.reschedule'
                                   ELSE 'meeting.' || r.status END, 'meeting', r.id::text);
        IF shown = 20 THEN
            more := more + 1;
            CONTINUE;
        END IF;
        shown := shown + 1;
        notes := notes || CASE WHEN r.status = 'scheduled'
            THEN format('meeting %s "%s" moved from %s to %s (%s)', r.id, r.title,
                        to_char(r.was AT TIME ZONE zone, 'YYYY-MM-DD HH24:MI'),
                        to_char(r.now_at AT TIME ZONE zone, 'YYYY-MM-DD HH24:MI'), zone)
            ELSE format('meeting %s "%s" of %s (%s) %s', r.id, r.title,
                        to_char(r.was AT TIME ZONE zone, 'YYYY-MM-DD HH24:MI'), zone, r.status)
            END;
    END LOOP;
    IF more > 0 THEN
        notes := notes || format('and %s more meeting%s moved or cancelled', more,
                                 CASE WHEN more = 1 THEN '' ELSE 's' END);
    END IF;
    PERFORM set_config('liaison.plan_notes', array_to_json(notes)::text, true);
    RETURN array_to_json(notes);
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_cadence_plan(bigint) TO liaison_app;
    END IF;
END $$;
