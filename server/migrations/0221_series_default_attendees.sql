-- The cadence a charter's activation plans invited nobody (found in a
-- try-out of the lesson's story): 0140 let a series name its attendees,
-- but a new series named none, so its .ics carried no ATTENDEE and landed
-- in no one's calendar until someone set each of five series by hand. The
-- lesson says who is in these calls: "the exporter's account manager or
-- regional sales manager and the distributor's purchasing or sales lead".
--
-- A series made in a tenant's context with no attendees of its own now
-- starts with those: the distributor's account manager, when it has one
-- who may attend (liaison_party_user_ok), and its current contacts whose
-- role names purchasing, procurement or sales; the quarterly and annual
-- reviews also its general manager, director or owner. A contact is kept
-- as its e-mail, or its name when it has no e-mail and no other contact of
-- the distributor goes by that name (a name two share would resolve to
-- neither, 0150). At most 20, the column's bound. A series given attendees
-- keeps them, and an operator's import writes series as they were.
-- Changing them later is as before (cadence series update --attendee /
-- --no-attendees); people added after the plan are not added by this.

CREATE OR REPLACE FUNCTION liaison_series_default_attendees() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(NEW.attendees) > 0 OR liaison_tenant() IS NULL
       OR (current_setting('liaison.operator', true) = 'on' AND liaison_is_operator()) THEN
        RETURN NEW;
    END IF;
    SELECT coalesce(array_agg(w.who ORDER BY w.n, w.who), '{}') INTO NEW.attendees
      FROM (SELECT w.n, w.who, row_number() OVER (ORDER BY w.n, w.who) AS k
              FROM (SELECT 0 AS n, u.email AS who
                      FROM public.distributors d
                      JOIN public.users u ON u.tenant_id = d.tenant_id AND u.id = d.account_manager_id
                     WHERE d.tenant_id = NEW.tenant_id AND d.id = NEW.distributor_id
                       AND liaison_party_user_ok(d.id, u.id)
                    UNION
                    SELECT 1, coalesce(nullif(c.email, ''), c.name)
                      FROM public.contacts c
                     WHERE c.tenant_id = NEW.tenant_id AND c.distributor_id = NEW.distributor_id
                       AND c.left_on IS NULL
                       AND (c.role ~* '(purchas|procure|sales)'
                            OR (NEW.kind IN ('quarterly', 'annual')
                                AND c.role ~* '(general manager|director|owner|chief executive|ceo)'))
                       AND (nullif(c.email, '') IS NOT NULL
                            OR NOT EXISTS (SELECT 1 FROM public.contacts o
                                            WHERE o.tenant_id = c.tenant_id
                                              AND o.distributor_id = c.distributor_id
                                              AND o.id <> c.id
                                              AND (lower(o.name) = lower(c.name)
                                                   OR lower(o.email) = lower(c.name))))) w) w
     WHERE w.k <= 20;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS meeting_series_default_attendees ON meeting_series;
CREATE TRIGGER meeting_series_default_attendees BEFORE INSERT ON meeting_series
    FOR EACH ROW EXECUTE FUNCTION liaison_series_default_attendees();
