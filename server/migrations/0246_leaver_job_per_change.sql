-- series_contact_left (0238) kept one pending job row per contact, which a
-- change of that contact wrote after its series rows: a contact marked as
-- left again at the very moment the scheduler ran their job (it holds the
-- job row, then wants the series) could deadlock with it (found in a last
-- read). Each marking now queues a job of its own, keyed by its
-- transaction as 0242 keys series_follow; a job that finds the last day
-- not over (the tenant's time zone moved it) queues itself again under
-- its own key, and one that finds it over while another is due still only
-- brings the series in line, which changes nothing the second time.
--
-- Replaces liaison_series_contact_left_schedule and
-- liaison_job_series_contact_left (0238) whole.

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
        PERFORM liaison_schedule('series_contact_left', 'c' || NEW.id || '/' || txid_current(),
                                 v_over, jsonb_build_object('contact_id', NEW.id));
    END IF;
    RETURN NULL;
END $$;

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
        PERFORM liaison_schedule('series_contact_left',
                                 'c' || v_contact || '/' || txid_current(), v_over, p_payload);
        RETURN;
    END IF;
    PERFORM liaison_series_follow_defaults(v_distributor);
END $$;
