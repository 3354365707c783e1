-- Charters expire (found in a review): the status 'expired' existed but
-- nothing set it, so a charter whose every grant had ended stayed
-- "active", went on setting report due days, the health score's
-- expectations and the concern letter's "charter in force", and kept its
-- territory. Now a charter activated with an end to every grant is given a
-- job, charter_expiry, at the start of the day after its last grant's end
-- in the tenant's time zone; the job marks it expired (audited as
-- charter.expired) if it is still the active version then. An amendment
-- activated before that supersedes it, and the job then finds nothing to
-- do. Active charters already past their end are given the job too, and
-- expire at the scheduler's next run.

-- The instant charter p_charter's grants have all ended (the start of the
-- day after the last one's end, in the tenant's time zone), or NULL when a
-- grant is open-ended or there is none.
CREATE OR REPLACE FUNCTION liaison_charter_ends_at(p_charter bigint) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN count(*) > 0 AND bool_and(g.ends_on IS NOT NULL)
                THEN (max(g.ends_on) + 1)::timestamp
                     AT TIME ZONE coalesce(nullif(t.time_zone, ''), 'UTC') END
      FROM public.charter_grants g
      JOIN public.tenants t ON t.id = g.tenant_id
     WHERE g.tenant_id = liaison_tenant() AND g.charter_id = p_charter
     GROUP BY t.time_zone
$$;

CREATE OR REPLACE FUNCTION liaison_job_charter_expiry(p_payload jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_id bigint := (p_payload ->> 'charter_id')::bigint;
    v_end timestamptz;
BEGIN
    PERFORM 1 FROM public.charters c
     WHERE c.tenant_id = liaison_tenant() AND c.id = v_id AND c.status = 'active' FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    v_end := liaison_charter_ends_at(v_id);
    IF v_end IS NULL THEN
        RETURN;
    END IF;
    IF liaison_now() < v_end THEN
        PERFORM liaison_schedule('charter_expiry', v_id::text, v_end, p_payload);
        RETURN;
    END IF;
    UPDATE public.charters SET status = 'expired'
     WHERE tenant_id = liaison_tenant() AND id = v_id;
    PERFORM liaison_audit('charter.expired', 'charter', v_id::text);
END $$;

-- On a charter's activation: its expiry, when every grant has an end.
CREATE OR REPLACE FUNCTION liaison_charter_expiry_schedule() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_end timestamptz := liaison_charter_ends_at(NEW.id);
BEGIN
    IF v_end IS NOT NULL THEN
        PERFORM liaison_schedule('charter_expiry', NEW.id::text, v_end,
                                 jsonb_build_object('charter_id', NEW.id));
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS charters_expiry ON charters;
CREATE TRIGGER charters_expiry AFTER UPDATE OF status ON charters
    FOR EACH ROW WHEN (NEW.status = 'active' AND OLD.status IS DISTINCT FROM 'active')
    EXECUTE FUNCTION liaison_charter_expiry_schedule();

INSERT INTO job_kinds (kind, fn) VALUES ('charter_expiry', 'liaison_job_charter_expiry'::regproc)
ON CONFLICT (kind) DO UPDATE SET fn = EXCLUDED.fn;

-- Charters active before this migration: the owner reads every tenant's
-- (liaison_tenant() is unset here) with row-level security lifted for the
-- statement, then forced again.
ALTER TABLE tenants NO FORCE ROW LEVEL SECURITY;
ALTER TABLE charters NO FORCE ROW LEVEL SECURITY;
ALTER TABLE charter_grants NO FORCE ROW LEVEL SECURITY;
INSERT INTO jobs (for_tenant, kind, key, payload, run_at)
SELECT c.tenant_id, 'charter_expiry', c.id::text, jsonb_build_object('charter_id', c.id),
       (max(g.ends_on) + 1)::timestamp AT TIME ZONE coalesce(nullif(t.time_zone, ''), 'UTC')
  FROM charters c
  JOIN charter_grants g ON g.tenant_id = c.tenant_id AND g.charter_id = c.id
  JOIN tenants t ON t.id = c.tenant_id
 WHERE c.status = 'active'
 GROUP BY c.tenant_id, c.id, t.time_zone
HAVING bool_and(g.ends_on IS NOT NULL)
ON CONFLICT ((coalesce(for_tenant, 0)), kind, key) WHERE done_at IS NULL DO NOTHING;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
ALTER TABLE charters FORCE ROW LEVEL SECURITY;
ALTER TABLE charter_grants FORCE ROW LEVEL SECURITY;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_charter_ends_at(bigint),
            liaison_job_charter_expiry(jsonb), liaison_charter_expiry_schedule() TO liaison_app;
    END IF;
END $$;
