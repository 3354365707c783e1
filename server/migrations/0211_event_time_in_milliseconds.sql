-- An event's time was the only one written to the microsecond
-- ("…T22:08:10.694179Z", found in a try-out): every other time a client
-- reads is liaison_rfc3339's, to the millisecond. Replaces
-- liaison_events_after (0039) whole but for that.
CREATE OR REPLACE FUNCTION liaison_events_after(p_after bigint, p_kinds text, p_limit integer)
RETURNS TABLE (id bigint, kind text, subject_id bigint, distributor_id bigint, at text,
               ready boolean, mine boolean)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    pruned bigint;
BEGIN
    IF p_after < 0 THEN
        RETURN QUERY SELECT coalesce(max(e.id), 0), ''::text, 0::bigint, 0::bigint, ''::text,
                            true, false
                       FROM events e WHERE e.tenant_id = liaison_tenant();
        RETURN;
    END IF;
    SELECT p.through_id INTO pruned FROM event_prunes p WHERE p.tenant_id = liaison_tenant();
    PERFORM liaison_precondition(p_after = 0 OR pruned IS NULL OR p_after >= pruned, format(
        'events up to id %s are no longer kept (24 hours): subscribe again without after',
        pruned));
    RETURN QUERY
    WITH page AS (
        SELECT e.* FROM events e
         WHERE e.tenant_id = liaison_tenant() AND e.id > p_after
         ORDER BY e.id LIMIT p_limit)
    SELECT e.id, e.kind, e.subject_id, coalesce(e.distributor_id, 0),
           liaison_rfc3339(e.at),
           e.xid < pg_snapshot_xmin(pg_current_snapshot()),
           (p_kinds = '' OR e.kind = ANY (string_to_array(p_kinds, ',')))
           AND (CASE WHEN e.user_id IS NOT NULL
                     THEN e.user_id = nullif(current_setting('liaison.user_id', true), '')::bigint
                     ELSE liaison_sees_side(e.distributor_id) END)
      FROM page e
     ORDER BY e.id;
END $$;
