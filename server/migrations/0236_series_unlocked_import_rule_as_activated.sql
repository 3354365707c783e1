-- Mends of 0234 and 0235 from a review:
--
-- * The distributor's series lock of 0234 made a new deadlock where it
--   meant to close a race: a contact change holds its contact's row and
--   then waits for the lock, while planning holds the lock and then waits
--   for that row (an attendance takes it FOR SHARE, 0138), and two changes
--   of one distributor's contacts could wait on each other the same way.
--   PostgreSQL breaks such a deadlock by failing one side, which liaisond
--   sends again alone, a second or more later. The lock goes; what it was
--   for stays as before 0234: a series planned at the very moment a
--   contact of its distributor changes may keep the people of before until
--   the next change (every change brings all its series in line again).
-- * 0235 refused an export the RPCs made: charters activated before 0068
--   widened the territory rule (a subdivision holds its ISO children, as
--   ES-MD holds ES-M) can both be active, and such a tenant could no longer
--   be moved or restored. An import now refuses only the conflicts that no
--   activation ever let through: the same region, or a country and one of
--   its subdivisions, for overlapping lines and days, one grant exclusive.
--
-- Replaces liaison_series_follow_defaults, liaison_series_default_attendees
-- (0234) and liaison_tenant_import_territory (0235) whole.

-- As in 0228.
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

-- As in 0228.
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

DROP FUNCTION IF EXISTS liaison_series_lock(bigint, bigint);

-- As in 0235, for the conflicts of 0003's rule.
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
       -- The regions as 0003 compared them: equal, or a country and one of
       -- its subdivisions.
       AND (g.region = o.region OR (length(g.region) = 2 AND o.region LIKE g.region || '-%')
            OR (length(o.region) = 2 AND g.region LIKE o.region || '-%'))
       AND liaison_grants_conflict(c.distributor_id, g.exclusive, g.region, g.all_lines,
                                   g.line_ids, g.starts_on, g.ends_on,
                                   oc.distributor_id, o.exclusive, o.region, o.all_lines,
                                   o.line_ids, o.starts_on, o.ends_on)
     ORDER BY c.id, g.id, o.id LIMIT 1;
    PERFORM liaison_check(bad IS NULL, 'rows', format(
        'the export breaks the territory rule, which no charter is activated against: %s', bad));
    RETURN true;
END $$;
