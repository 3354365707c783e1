-- A terminated distributor takes no new business (found in a try-out: an
-- order was placed for a distributor terminated a minute before). 0029
-- ended its series and cancelled its meetings to come, and a charter was
-- already refused; orders, leads (a registration, or a lead reassigned to
-- it), meetings, meeting series, targets and distributor users were
-- still accepted. Now each is refused FAILED_PRECONDITION with the
-- distributor's name, whichever statement writes it, in the table's own
-- trigger: one rule, not one check per RPC. What the relationship left
-- behind stays open: shipments of its orders, its contacts, interactions
-- with its customers, its monthly reports, and a lead's stage or an
-- order's status.
-- A tenant import (an operator's, restoring history) writes a terminated
-- distributor's rows as they were.
-- A row written while its distributor is being terminated would slip past
-- the check (it reads the status before the termination commits), and a
-- meeting so written would miss 0029's cancellations: each check takes a
-- shared transaction-level advisory lock on the distributor, and a
-- termination the exclusive one before its UPDATE, so one waits for the
-- other. (A termination that has locked the row already and an insert
-- whose foreign-key check then waits for that row can deadlock; PostgreSQL
-- breaks it, and the loser is answered ABORTED or, in a batch, sent again
-- alone. The window is one statement of each.) An import (an operator's)
-- is let through first, so that it takes no lock per distributor, and so
-- is a write with no request context (the database's own roles: a seed,
-- a bulk load, a repair), which would take one per distributor it writes.

CREATE OR REPLACE FUNCTION liaison_distributor_lock_key(p_tenant bigint, p_distributor bigint)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT hashtextextended(format('distributor:%s:%s', p_tenant, p_distributor), 49)
$$;

CREATE OR REPLACE FUNCTION liaison_distributor_terminating() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(liaison_distributor_lock_key(NEW.tenant_id, NEW.id));
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS distributors_terminating ON distributors;
CREATE TRIGGER distributors_terminating BEFORE UPDATE OF status ON distributors
    FOR EACH ROW WHEN (NEW.status = 'terminated' AND OLD.status IS DISTINCT FROM 'terminated')
    EXECUTE FUNCTION liaison_distributor_terminating();

CREATE OR REPLACE FUNCTION liaison_distributor_takes_new() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    d record;
BEGIN
    IF NEW.distributor_id IS NULL OR liaison_tenant() IS NULL
       OR (current_setting('liaison.operator', true) = 'on' AND liaison_is_operator()) THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(liaison_distributor_lock_key(NEW.tenant_id,
                                                                      NEW.distributor_id));
    SELECT x.name, x.status INTO d FROM distributors x
     WHERE x.tenant_id = NEW.tenant_id AND x.id = NEW.distributor_id;
    IF d.status = 'terminated' THEN
        PERFORM liaison_precondition(false, format(
            'distributor %s (%s) is terminated: it takes no new %s', NEW.distributor_id, d.name,
            CASE TG_TABLE_NAME WHEN 'meeting_series' THEN 'meeting series'
                               ELSE TG_TABLE_NAME END));
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS orders_distributor_takes_new ON orders;
CREATE TRIGGER orders_distributor_takes_new BEFORE INSERT ON orders
    FOR EACH ROW EXECUTE FUNCTION liaison_distributor_takes_new();
DROP TRIGGER IF EXISTS leads_distributor_takes_new ON leads;
CREATE TRIGGER leads_distributor_takes_new BEFORE INSERT ON leads
    FOR EACH ROW WHEN (NEW.distributor_id IS NOT NULL)
    EXECUTE FUNCTION liaison_distributor_takes_new();
DROP TRIGGER IF EXISTS leads_reassigned_takes_new ON leads;
CREATE TRIGGER leads_reassigned_takes_new BEFORE UPDATE OF distributor_id ON leads
    FOR EACH ROW WHEN (NEW.distributor_id IS DISTINCT FROM OLD.distributor_id)
    EXECUTE FUNCTION liaison_distributor_takes_new();
DROP TRIGGER IF EXISTS meetings_distributor_takes_new ON meetings;
CREATE TRIGGER meetings_distributor_takes_new BEFORE INSERT ON meetings
    FOR EACH ROW EXECUTE FUNCTION liaison_distributor_takes_new();
DROP TRIGGER IF EXISTS targets_distributor_takes_new ON targets;
CREATE TRIGGER targets_distributor_takes_new BEFORE INSERT ON targets
    FOR EACH ROW EXECUTE FUNCTION liaison_distributor_takes_new();
DROP TRIGGER IF EXISTS users_distributor_takes_new ON users;
CREATE TRIGGER users_distributor_takes_new BEFORE INSERT ON users
    FOR EACH ROW WHEN (NEW.distributor_id IS NOT NULL)
    EXECUTE FUNCTION liaison_distributor_takes_new();
DROP TRIGGER IF EXISTS meeting_series_distributor_takes_new ON meeting_series;
CREATE TRIGGER meeting_series_distributor_takes_new BEFORE INSERT ON meeting_series
    FOR EACH ROW EXECUTE FUNCTION liaison_distributor_takes_new();
