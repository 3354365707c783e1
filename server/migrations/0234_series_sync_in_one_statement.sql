-- What 0228 left slow or open, from a review and its measurement:
--
-- * A contact in purchasing entered for a distributor whose series follow
--   the plan's people took 0.6 to 1.0 s (72 scheduled meetings to come):
--   each meeting was brought in line on its own, and in each the series'
--   attendees were resolved again for every attendance the meeting had
--   (the look-up sat in a correlated subquery), 1,800 look-ups and 365
--   access checks for one contact. The meetings of a series are now
--   brought in line in one statement, each attendee resolved once for all
--   of them; the rules are those of 0148: what the series added and no
--   longer names (or names a contact who left before the meeting's day)
--   goes, and so does what it added for a person also invited by hand;
--   what it names comes, unless that person was taken out of the meeting
--   by hand or is in it already, once a person (the user before a contact
--   of the same e-mail). Planning, which brings each new meeting in line
--   as it is made, takes the same path.
-- * A series being planned and a contact change of the same distributor
--   committing at the same moment could miss each other (the new series
--   kept the people of before, until the next change): both now take the
--   distributor's series lock first, so the later one sees the earlier.
-- * An exporter's own deal registration made its customer's account
--   without the customer's lock, so it and a CreateKeyAccount of the same
--   name in another width, both at once, made one customer two accounts
--   (0229): the account is now made under that lock, which its callers
--   that hold it already take again at no cost.
-- * A key account refused as one that exists (CreateKeyAccount,
--   UpdateKeyAccount) did not say which one, and since 0229 the two
--   names may differ in width, not only in case: the refusal names it.
--
-- Replaces liaison_series_attendees_sync (0148), liaison_series_attendees_set,
-- liaison_series_follow_defaults and liaison_series_default_attendees (0228),
-- liaison_side_account (0229) and liaison_key_account_update (0122) whole.

-- Serialises what sets the plan's people of distributor p_distributor's series.
CREATE OR REPLACE FUNCTION liaison_series_lock(p_tenant bigint, p_distributor bigint)
RETURNS void
LANGUAGE sql VOLATILE AS $$
    SELECT pg_advisory_xact_lock(hashtextextended(format('series:%s:%s', p_tenant, p_distributor),
                                                  234))
$$;

-- Brings meetings p_meetings of distributor p_distributor in line with
-- series attendees p_who, as 0148 brought one; the meetings changed.
CREATE OR REPLACE FUNCTION liaison_series_meetings_sync(p_distributor bigint,
                                                        p_meetings bigint[], p_who text[])
RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    zone text := coalesce((SELECT nullif(t.time_zone, '') FROM public.tenants t
                            WHERE t.id = liaison_tenant()), 'UTC');
BEGIN
    RETURN QUERY
    WITH parties AS MATERIALIZED (
        SELECT DISTINCT p.user_id, p.contact_id, c.left_on,
               lower(coalesce(u.email, nullif(c.email, ''), c.name)) AS person
          FROM unnest(coalesce(p_who, '{}')) w (who)
         CROSS JOIN LATERAL liaison_party_resolve_exact(p_distributor, w.who) p
          LEFT JOIN public.users u ON u.tenant_id = liaison_tenant() AND u.id = p.user_id
          LEFT JOIN public.contacts c ON c.tenant_id = liaison_tenant() AND c.id = p.contact_id),
    due AS MATERIALIZED (
        SELECT m.tenant_id, m.id, (m.starts_at AT TIME ZONE zone)::date AS day, m.uninvited
          FROM public.meetings m
         WHERE m.tenant_id = liaison_tenant() AND m.id = ANY (p_meetings)
           AND m.distributor_id = p_distributor),
    wanted AS MATERIALIZED (
        SELECT d.tenant_id, d.id AS meeting_id, p.user_id, p.contact_id, p.person
          FROM due d
          JOIN parties p ON p.left_on IS NULL OR p.left_on >= d.day
         WHERE NOT EXISTS (SELECT 1 FROM unnest(d.uninvited) x WHERE lower(x) = p.person)),
    here AS MATERIALIZED (
        SELECT a.id, a.meeting_id, a.user_id, a.contact_id, a.from_series,
               lower(coalesce(u.email, nullif(c.email, ''), c.name)) AS person
          FROM due d
          JOIN public.meeting_attendees a ON a.tenant_id = d.tenant_id AND a.meeting_id = d.id
          LEFT JOIN public.users u ON u.tenant_id = a.tenant_id AND u.id = a.user_id
          LEFT JOIN public.contacts c ON c.tenant_id = a.tenant_id AND c.id = a.contact_id),
    going AS MATERIALIZED (
        SELECT h.id, h.meeting_id FROM here h
         WHERE h.from_series
           AND (NOT EXISTS (SELECT 1 FROM wanted w
                             WHERE w.meeting_id = h.meeting_id
                               AND w.user_id IS NOT DISTINCT FROM h.user_id
                               AND w.contact_id IS NOT DISTINCT FROM h.contact_id)
                OR EXISTS (SELECT 1 FROM here x
                            WHERE x.meeting_id = h.meeting_id AND NOT x.from_series
                              AND x.person = h.person))),
    gone AS (
        DELETE FROM public.meeting_attendees a USING going g
         WHERE a.tenant_id = liaison_tenant() AND a.id = g.id
        RETURNING a.meeting_id),
    came AS (
        INSERT INTO public.meeting_attendees (tenant_id, meeting_id, user_id, contact_id,
                                              from_series)
        SELECT DISTINCT ON (w.meeting_id, w.person) w.tenant_id, w.meeting_id, w.user_id,
               w.contact_id, true
          FROM wanted w
         WHERE NOT EXISTS (SELECT 1 FROM here h
                            WHERE h.meeting_id = w.meeting_id AND h.person = w.person
                              AND NOT EXISTS (SELECT 1 FROM going g WHERE g.id = h.id))
         ORDER BY w.meeting_id, w.person, w.user_id NULLS LAST, w.contact_id
        RETURNING meeting_id)
    SELECT gone.meeting_id FROM gone UNION SELECT came.meeting_id FROM came;
END $$;

-- As in 0148: meeting p_meeting in line with series attendees p_who; whether anything changed.
CREATE OR REPLACE FUNCTION liaison_series_attendees_sync(p_meeting bigint, p_who text[])
RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    distributor bigint;
    changed boolean;
BEGIN
    SELECT m.distributor_id INTO distributor FROM public.meetings m
     WHERE m.tenant_id = liaison_tenant() AND m.id = p_meeting;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    SELECT count(*) > 0 INTO changed
      FROM liaison_series_meetings_sync(distributor, ARRAY[p_meeting], p_who);
    RETURN changed;
END $$;

-- As in 0228, its scheduled meetings to come brought in line in one statement.
CREATE OR REPLACE FUNCTION liaison_series_attendees_set(p_series bigint, p_who text[])
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    distributor bigint;
BEGIN
    UPDATE public.meeting_series ms SET attendees = p_who, updated_at = now()
     WHERE ms.tenant_id = liaison_tenant() AND ms.id = p_series
    RETURNING ms.distributor_id INTO distributor;
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

-- As in 0228, under the distributor's series lock.
CREATE OR REPLACE FUNCTION liaison_series_follow_defaults(p_distributor bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    s record;
    wanted text[];
BEGIN
    PERFORM liaison_series_lock(liaison_tenant(), p_distributor);
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

-- As in 0228, under the distributor's series lock.
CREATE OR REPLACE FUNCTION liaison_series_default_attendees() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF liaison_series_by_operator() THEN
        RETURN NEW;
    END IF;
    NEW.attendees_by_hand := cardinality(NEW.attendees) > 0;
    IF NOT NEW.attendees_by_hand THEN
        PERFORM liaison_series_lock(NEW.tenant_id, NEW.distributor_id);
        NEW.attendees := liaison_series_defaults(NEW.tenant_id, NEW.distributor_id, NEW.kind);
    END IF;
    RETURN NEW;
END $$;

-- As in 0229, under the customer's lock.
CREATE OR REPLACE FUNCTION liaison_side_account(p_distributor bigint, p_name text,
                                                p_country text, p_region text,
                                                p_industry text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    acc bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(liaison_customer_lock_key(liaison_tenant(), p_name, p_country));
    SELECT a.id INTO acc FROM key_accounts a
     WHERE a.tenant_id = liaison_tenant() AND coalesce(a.distributor_id, 0) = coalesce(p_distributor, 0)
       AND liaison_name_key(a.name) = liaison_name_key(p_name) AND a.country = p_country
     ORDER BY lower(a.name) = lower(liaison_name_clean(p_name)) DESC, a.id LIMIT 1;
    IF acc IS NOT NULL THEN
        RETURN acc;
    END IF;
    INSERT INTO key_accounts (tenant_id, name, country, region, industry, distributor_id)
    VALUES (liaison_tenant(), p_name, p_country, coalesce(p_region, ''),
            coalesce(p_industry, ''), p_distributor)
    ON CONFLICT (tenant_id, (coalesce(distributor_id, 0)), lower(name), country) DO NOTHING
    RETURNING id INTO acc;
    IF acc IS NOT NULL THEN
        -- As an explicit CreateKeyAccount is audited (rpc_crm.c).
        PERFORM liaison_audit('key_account.create', 'key_account', acc::text);
        RETURN acc;
    END IF;
    -- A concurrent insert that took no customer lock (none should) made it first.
    SELECT a.id INTO acc FROM key_accounts a
     WHERE a.tenant_id = liaison_tenant() AND coalesce(a.distributor_id, 0) = coalesce(p_distributor, 0)
       AND liaison_name_key(a.name) = liaison_name_key(p_name) AND a.country = p_country
     ORDER BY lower(a.name) = lower(liaison_name_clean(p_name)) DESC, a.id LIMIT 1;
    RETURN acc;
END $$;

-- As in 0122, but a refused name says which account has it.
CREATE OR REPLACE FUNCTION liaison_key_account_update(p_account bigint, p_name text,
                                                      p_country text, p_region text,
                                                      p_industry text, p_owner bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    a key_accounts%ROWTYPE;
    locked key_accounts%ROWTYPE;
    new_name text;
    new_country text;
    new_region text;
    registered bigint;
    taken text;
BEGIN
    SELECT * INTO a FROM key_accounts x WHERE x.tenant_id = liaison_tenant() AND x.id = p_account
       AND liaison_sees_side(x.distributor_id);
    PERFORM liaison_found(a.id IS NOT NULL, 'no such key account');
    PERFORM liaison_check(p_name IS NULL OR liaison_name_clean(p_name) <> '', 'name',
                          'not blank');
    new_name := coalesce(liaison_name_clean(p_name), a.name);
    new_country := coalesce(p_country, a.country);
    -- The customer's locks, the old name's and the new one's, in one order,
    -- before the row's: a registration holds its name's lock from its
    -- look-up to its commit, and then waits for the row's.
    PERFORM pg_advisory_xact_lock(k.key)
       FROM (SELECT DISTINCT x.key FROM unnest(ARRAY[
                 liaison_customer_lock_key(a.tenant_id, a.name, a.country),
                 liaison_customer_lock_key(a.tenant_id, new_name, new_country)]) x (key)
              ORDER BY x.key) k;
    SELECT * INTO locked FROM key_accounts x WHERE x.tenant_id = a.tenant_id AND x.id = a.id
       FOR UPDATE;
    IF locked.id IS NULL OR liaison_name_key(locked.name) <> liaison_name_key(a.name)
       OR locked.country <> a.country THEN
        RAISE EXCEPTION 'key account % changed while it was corrected: try again', a.id
            USING ERRCODE = 'serialization_failure';
    END IF;
    a := locked;
    new_name := coalesce(liaison_name_clean(p_name), a.name);
    new_region := CASE WHEN p_region = new_country THEN ''
                       WHEN p_region IS NOT NULL THEN p_region
                       WHEN new_country = a.country THEN a.region
                       ELSE '' END;
    PERFORM liaison_check(new_region = '' OR left(new_region, 3) = new_country || '-', 'region',
        format('an ISO 3166-2 subdivision of %s, or %s for the whole country', new_country,
               new_country));
    PERFORM liaison_check(p_owner IS NULL OR liaison_crm_owner_ok(a.distributor_id, p_owner),
        'ownerId', 'no user of this tenant who may own this account (the exporter''s staff who'
                   ' reach it, or a user of its distributor)');
    -- A change of case or spacing is the same customer (the name key).
    IF a.distributor_id IS NOT NULL AND (liaison_name_key(new_name) <> liaison_name_key(a.name)
                                         OR new_country <> a.country OR new_region <> a.region)
    THEN
        SELECT l.id INTO registered FROM leads l
         WHERE l.tenant_id = a.tenant_id AND l.key_account_id = a.id
           AND l.registration IS NOT NULL
         ORDER BY l.id LIMIT 1;
        PERFORM liaison_precondition(registered IS NULL, format(
            'lead %s registered this customer (in %s): a registered customer keeps its name,'
            ' country and region, which the registration was checked for (only its industry and'
            ' owner are corrected); register the lead again under the right name',
            registered, coalesce(nullif(a.region, ''), a.country)));
    END IF;
    SELECT format('%s (%s)', b.id, b.name) INTO taken FROM key_accounts b
     WHERE b.tenant_id = a.tenant_id AND b.id <> a.id
       AND coalesce(b.distributor_id, 0) = coalesce(a.distributor_id, 0)
       AND liaison_name_key(b.name) = liaison_name_key(new_name) AND b.country = new_country
     ORDER BY b.id LIMIT 1;
    PERFORM liaison_unique(taken IS NULL, format(
        'key account %s has this name (in any case or width: ＡＢＣ is ABC) and country on this'
        ' side (the distributor''s, or the exporter''s own)', taken));
    UPDATE key_accounts x SET name = new_name, country = new_country, region = new_region,
                              industry = coalesce(p_industry, x.industry),
                              owner_id = coalesce(p_owner, x.owner_id)
     WHERE x.tenant_id = a.tenant_id AND x.id = a.id;
    PERFORM liaison_audit('key_account.update', 'key_account', a.id::text);
    RETURN a.id;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_series_lock(bigint, bigint),
                                  liaison_series_meetings_sync(bigint, bigint[], text[])
            TO liaison_app;
    END IF;
END $$;
