-- Four more rules kept (found by an attacker's try-out and a review):
--
-- * A carve-out slipped by an invisible or a full-width letter: a
--   distributor registered "Active\u200bAcct" (a zero-width space) or
--   "ＡctiveAcct" (a full-width A), which look like the carved-out
--   "ActiveAcct", accepted and unflagged, and ordered on it. Customer names
--   are now compared (liaison_name_key) without the characters that show
--   nothing (zero-width spaces and joiners, word joiners, soft hyphens,
--   variation selectors, Hangul fillers, the bidirectional marks) and in
--   NFKC, which makes full-width and other compatibility letters their
--   plain selves. The index on the key is rebuilt with it. Still a plain
--   SQL function, inlined, naming its schema (0085).
-- * A check-in across a clock change counted its night minutes wrongly:
--   liaison_night_minutes (0100) measured the meeting in local wall time,
--   which loses an hour in the autumn (a 60-minute call at 01:15 counted
--   no night at all) and gains one in the spring. It now measures
--   instants: each night and each working day is turned into instants in
--   the zone, and the meeting's own minutes are counted against them.
-- * A distributor's users read the exporter's drafts (GetCharter with a
--   draft's version, or with no version when no version was active, and
--   ListCharterVersions): a draft's carve-outs and notes are the
--   exporter's working papers until activated. liaison_charter_shown()
--   keeps drafts from them; liaison_charter_resolve (0066) passes them by.
-- * A report could be opened for a month before any territory began when
--   the charter was activated before its first grant started (activated
--   on 2026-12-02, grant from 2027-01-10: December 2026 was taken). The
--   relationship begins with its first grant; with no grant at all, at
--   the first activation. Replaces liaison_report_open (0101).
-- * An action item could be given to a manager who does not reach its
--   distributor (neither its account manager nor one who sees every
--   distributor): the item went overdue with nobody able to see it, and
--   its assignment event named the distributor to that manager. A party
--   of a distributor's items and meetings is now its own user, a tenant
--   admin, an auditor (refused as an item's owner by the handler), or a
--   manager who reaches it. Replaces liaison_party_user_ok (0030).

CREATE OR REPLACE FUNCTION liaison_name_key(p text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT lower(normalize(public.liaison_name_clean(regexp_replace(p,
               '[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0]',
               '', 'g')), NFKC))
$$;

REINDEX INDEX key_accounts_customer_key;

-- Minutes of a meeting at p_start lasting p_minutes in one side's night
-- (22:00-06:00 in p_zone) and not in its business hours of a work day, by
-- the clock's instants: a local time the clock skips or repeats is where
-- PostgreSQL's AT TIME ZONE puts it.
CREATE OR REPLACE FUNCTION liaison_night_minutes(p_start timestamptz, p_minutes integer,
                                                 p_zone text, p_from time, p_to time,
                                                 p_days smallint[])
RETURNS integer LANGUAGE sql STABLE AS $$
    WITH m AS (SELECT tstzrange(p_start, p_start + make_interval(mins => p_minutes)) AS r),
    days AS (SELECT (p_start AT TIME ZONE p_zone)::date + k AS d
               FROM generate_series(-1, 1) AS k),
    night AS (SELECT m.r * tstzrange((days.d + time '22:00') AT TIME ZONE p_zone,
                                     (days.d + 1 + time '06:00') AT TIME ZONE p_zone) AS r
                FROM m, days),
    work AS (SELECT tstzrange((days.d + p_from) AT TIME ZONE p_zone,
                              (days.d + p_to) AT TIME ZONE p_zone) AS r
               FROM days WHERE extract(isodow FROM days.d)::smallint = ANY (p_days))
    SELECT round(coalesce(sum(extract(epoch FROM upper(n.r) - lower(n.r))
                              - coalesce((SELECT sum(extract(epoch FROM upper(n.r * w.r)
                                                                    - lower(n.r * w.r)))
                                            FROM work w WHERE NOT isempty(n.r * w.r)), 0)),
                          0) / 60)::integer
      FROM night n WHERE NOT isempty(n.r)
$$;

-- Whether the caller may read a charter version of this status: a
-- distributor's users read no draft.
CREATE OR REPLACE FUNCTION liaison_charter_shown(p_status text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_status <> 'draft'
        OR current_setting('liaison.role', true) IS DISTINCT FROM 'distributor_user'
$$;

CREATE OR REPLACE FUNCTION liaison_charter_resolve(p_charter bigint, p_distributor bigint,
                                                   p_version integer) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_charter > 0 THEN p_charter ELSE (
        SELECT id FROM charters
         WHERE tenant_id = liaison_tenant() AND distributor_id = p_distributor
           AND CASE WHEN p_version > 0 THEN version = p_version
                    WHEN p_version = -1 THEN status = 'draft'
                    ELSE true END
           AND liaison_charter_shown(status)
         ORDER BY (status = 'active') DESC, (status = 'draft') DESC, version DESC LIMIT 1) END
$$;

CREATE OR REPLACE FUNCTION liaison_party_user_ok(p_distributor bigint, p_user bigint)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM public.users u
                    WHERE u.tenant_id = liaison_tenant() AND u.id = p_user
                      AND u.disabled_at IS NULL
                      AND (u.distributor_id = p_distributor
                           OR (u.distributor_id IS NULL
                               AND (u.role <> 'manager' OR u.sees_all_distributors
                                    OR EXISTS (SELECT 1 FROM public.distributors d
                                                WHERE d.tenant_id = u.tenant_id
                                                  AND d.id = p_distributor
                                                  AND d.account_manager_id = u.id)))))
$$;

CREATE OR REPLACE FUNCTION liaison_report_open(p_distributor bigint, p_period text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    start_ date := liaison_period_start(p_period);
    rep bigint;
    ch charters%ROWTYPE;
    began date;
    actor text := liaison_request_setting('actor');
    now_ timestamptz := liaison_now();
BEGIN
    PERFORM liaison_found(p_distributor IS NOT NULL AND liaison_sees_side(p_distributor),
                          'no such distributor');
    PERFORM liaison_check(liaison_period_kind(p_period) = 'month', 'period',
                          'a month as YYYY-MM');
    -- A month that has not begun where the distributor is has nothing to
    -- report yet.
    PERFORM liaison_check(start_ <= (SELECT date_trunc('month', now_ AT TIME ZONE
                                                         coalesce(nullif(d.time_zone, ''), 'UTC'))::date
                                       FROM distributors d
                                      WHERE d.tenant_id = liaison_tenant()
                                        AND d.id = p_distributor),
                          'period', 'a month that has begun: a report is opened for the current'
                                    ' month or an earlier one');
    SELECT r.id INTO rep FROM monthly_reports r
     WHERE r.tenant_id = liaison_tenant() AND r.distributor_id = p_distributor
       AND r.period = start_;
    IF rep IS NULL THEN
        SELECT c.* INTO ch FROM charters c
         WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
           AND c.status = 'active';
        PERFORM liaison_precondition(ch.id IS NOT NULL,
            'this distributor has no active charter: its report''s due day and required sections'
            ' come from one');
        SELECT coalesce((SELECT min(g.starts_on) FROM charter_grants g
                        JOIN charters c ON c.tenant_id = g.tenant_id AND c.id = g.charter_id
                       WHERE g.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
                         AND c.activated_at IS NOT NULL),
                     (SELECT min(c.activated_at AT TIME ZONE 'UTC')::date FROM charters c
                       WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
                         AND c.activated_at IS NOT NULL))
          INTO began;
        PERFORM liaison_check(began IS NULL OR (start_ + interval '1 month')::date > began,
            'period', format('a month of the relationship, which began on %s: %s is before it',
                             began, to_char(start_, 'YYYY-MM')));
        INSERT INTO monthly_reports (tenant_id, distributor_id, period, charter_id, due_on,
                                     created_by, created_at, updated_by, updated_at)
        VALUES (liaison_tenant(), p_distributor, start_, ch.id,
                (start_ + interval '1 month')::date + (ch.report_due_day - 1), actor, now_,
                actor, now_)
        ON CONFLICT (tenant_id, distributor_id, period) DO NOTHING
        RETURNING id INTO rep;
        IF rep IS NULL THEN
            -- A concurrent opening made it first.
            SELECT r.id INTO rep FROM monthly_reports r
             WHERE r.tenant_id = liaison_tenant() AND r.distributor_id = p_distributor
               AND r.period = start_;
        ELSE
            INSERT INTO report_pipeline (tenant_id, report_id, position, lead_id, title, stage,
                                         value_minor, currency, expected_close)
            SELECT liaison_tenant(), rep, (row_number() OVER (ORDER BY l.id))::int - 1, l.id,
                   l.title, l.stage, l.value_minor, l.currency, l.expected_close
              FROM (SELECT * FROM leads x
                     WHERE x.tenant_id = liaison_tenant() AND x.distributor_id = p_distributor
                       AND x.stage NOT IN ('won', 'lost')
                       AND x.registration IS DISTINCT FROM 'rejected'
                     ORDER BY x.id LIMIT 200) l;
            PERFORM liaison_audit('report.opened', 'monthly_report', rep::text);
        END IF;
    END IF;
    PERFORM set_config('liaison.created_id', rep::text, true);
    RETURN rep;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_charter_shown(text) TO liaison_app;
    END IF;
END $$;
