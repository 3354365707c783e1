-- A distributor's contacts each with an e-mail of their own (found in a
-- try-out): the same address was accepted twice for one distributor (and
-- again in upper case), and from then on `contact show an@dn.example`
-- could only answer that it names several contacts. A new contact, or a
-- changed one, whose e-mail equals another contact's of the same
-- distributor ignoring case is refused ALREADY_EXISTS naming that contact.
-- Contacts without an e-mail are not compared; pairs made before this
-- migration stay, a tenant import (an operator's) restores what was
-- exported, and a write with no request context (the database's own
-- roles: a seed, a bulk load) is not checked. Two transactions adding the
-- same address at once are serialised by a transaction-level advisory
-- lock on the distributor's contacts (one per distributor, however many
-- rows: one per address would run out of the lock table in a bulk load).

CREATE OR REPLACE FUNCTION liaison_contact_email_once() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    other record;
BEGIN
    IF liaison_tenant() IS NULL OR liaison_is_operator() THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('contact:' || NEW.tenant_id || ':'
                                                   || NEW.distributor_id, 54));
    SELECT c.id, c.name INTO other FROM contacts c
     WHERE c.tenant_id = NEW.tenant_id AND c.distributor_id = NEW.distributor_id
       AND c.email <> '' AND lower(c.email) = lower(NEW.email) AND c.id <> NEW.id
     LIMIT 1;
    PERFORM liaison_unique(other.id IS NULL, format(
        'contact %s (%s) of this distributor already has the e-mail %s', other.id, other.name,
        NEW.email));
    RETURN NEW;
END $$;

CREATE INDEX IF NOT EXISTS contacts_email_lower
    ON contacts (tenant_id, distributor_id, lower(email)) WHERE email <> '';

-- An edit compares only an address (or distributor) that changed, so a
-- pair made before this migration can still be edited, each of its own.
DROP TRIGGER IF EXISTS contacts_email_once ON contacts;
CREATE TRIGGER contacts_email_once BEFORE INSERT ON contacts
    FOR EACH ROW WHEN (NEW.email <> '') EXECUTE FUNCTION liaison_contact_email_once();
DROP TRIGGER IF EXISTS contacts_email_changed_once ON contacts;
CREATE TRIGGER contacts_email_changed_once BEFORE UPDATE OF email, distributor_id ON contacts
    FOR EACH ROW WHEN (NEW.email <> '' AND (lower(NEW.email) IS DISTINCT FROM lower(OLD.email)
                                           OR NEW.distributor_id <> OLD.distributor_id))
    EXECUTE FUNCTION liaison_contact_email_once();
