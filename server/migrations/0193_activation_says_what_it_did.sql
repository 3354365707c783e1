-- Activating a charter said nothing of what it set going (found in a
-- try-out): a first activation moves the distributor from prospect to
-- onboarding and plans its meetings, an amendment moves or cancels the
-- meetings its dates no longer hold, and the CLI printed the charter
-- alone. liaison_charter_activated runs liaison_cadence_activated as
-- before and returns those effects as sentences (CharterResponse.notes):
-- the status change and the onboarding begun, the meetings the activation
-- moved or cancelled, and the meetings now scheduled ahead.

CREATE OR REPLACE FUNCTION liaison_charter_activated(p_distributor bigint) RETURNS json
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    was text;
    now_is text;
    begun boolean;
    begins boolean;
    before_ids bigint[];
    before_at timestamptz[];
    moved integer;
    cancelled integer;
    ahead integer;
    notes text[] := '{}';
BEGIN
    SELECT d.status, d.onboarding_started_at IS NOT NULL INTO was, begun FROM distributors d
     WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor;
    SELECT coalesce(array_agg(m.id ORDER BY m.id), '{}'),
           coalesce(array_agg(m.starts_at ORDER BY m.id), '{}')
      INTO before_ids, before_at
      FROM meetings m
     WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
       AND m.status = 'scheduled' AND m.starts_at >= liaison_now();
    PERFORM liaison_cadence_activated(p_distributor);
    SELECT d.status, NOT begun AND d.onboarding_started_at IS NOT NULL INTO now_is, begins
      FROM distributors d
     WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor;
    SELECT count(*) FILTER (WHERE m.status = 'scheduled' AND m.starts_at <> b.at),
           count(*) FILTER (WHERE m.status <> 'scheduled')
      INTO moved, cancelled
      FROM unnest(before_ids, before_at) b (id, at)
      JOIN meetings m ON m.tenant_id = liaison_tenant() AND m.id = b.id;
    SELECT count(*) INTO ahead FROM meetings m
     WHERE m.tenant_id = liaison_tenant() AND m.distributor_id = p_distributor
       AND m.status = 'scheduled' AND m.starts_at >= liaison_now();
    IF was IS DISTINCT FROM now_is THEN
        notes := notes || format('the distributor''s status moved from %s to %s', was, now_is);
    ELSIF begins THEN
        notes := notes || 'the distributor''s onboarding period has begun'::text;
    END IF;
    IF moved > 0 OR cancelled > 0 THEN
        notes := notes || (concat_ws(' and ',
            CASE WHEN moved > 0 THEN format('%s meeting%s moved', moved,
                                            CASE WHEN moved = 1 THEN '' ELSE 's' END) END,
            CASE WHEN cancelled > 0 THEN format('%s%s cancelled', cancelled,
                CASE WHEN moved > 0 THEN '' WHEN cancelled = 1 THEN ' meeting'
                     ELSE ' meetings' END) END)
            || ' to follow this version''s dates');
    END IF;
    notes := notes || format('%s meeting%s scheduled ahead', ahead,
                             CASE WHEN ahead = 1 THEN ' is' ELSE 's are' END);
    RETURN array_to_json(notes);
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_charter_activated(bigint) TO liaison_app;
    END IF;
END $$;
