-- An export edited and sealed again (an operator's try-out) brought two
-- distributors in with active charters that both granted Vietnam's brake
-- line exclusively for the same days: ActivateCharter refuses the second
-- of such charters (the territory rule), but an import writes charters as
-- they come, so the tenant held what no RPC could have made, and nothing
-- told its users which of the two the distributors' territory was.
--
-- A finished import is now held to the rule too: the first pair of
-- conflicting grants of active charters is named by its distributors'
-- names, versions and regions, and nothing is imported. (An export the
-- RPCs made has none: the rule is the one activation applies, 0003.)

CREATE OR REPLACE FUNCTION liaison_tenant_import_territory() RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    bad text;
BEGIN
    PERFORM liaison_precondition(liaison_is_operator(), 'operators only');
    SELECT format('the active charters of %s (version %s, %s) and %s (version %s, %s) grant '
                  'the same product lines on the same days, one of them exclusively',
                  d.name, c.version, g.region, od.name, oc.version, o.region)
      INTO bad
      FROM charters c
      JOIN charter_grants g ON g.tenant_id = c.tenant_id AND g.charter_id = c.id
      JOIN distributors d ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id
      JOIN charters oc ON oc.tenant_id = c.tenant_id AND oc.status = 'active'
                      AND oc.distributor_id > c.distributor_id
      JOIN charter_grants o ON o.tenant_id = oc.tenant_id AND o.charter_id = oc.id
      JOIN distributors od ON od.tenant_id = oc.tenant_id AND od.id = oc.distributor_id
     WHERE c.tenant_id = liaison_tenant() AND c.status = 'active'
       AND liaison_grants_conflict(c.distributor_id, g.exclusive, g.region, g.all_lines,
                                   g.line_ids, g.starts_on, g.ends_on,
                                   oc.distributor_id, o.exclusive, o.region, o.all_lines,
                                   o.line_ids, o.starts_on, o.ends_on)
     ORDER BY c.id, g.id, o.id LIMIT 1;
    PERFORM liaison_check(bad IS NULL, 'rows', format(
        'the export breaks the territory rule, which no charter is activated against: %s', bad));
    RETURN true;
END $$;
REVOKE ALL ON FUNCTION liaison_tenant_import_territory() FROM PUBLIC;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_tenant_import_territory() TO liaison_app;
    END IF;
END $$;
