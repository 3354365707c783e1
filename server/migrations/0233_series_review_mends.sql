-- Mends of 0228 and 0230 from a review:
--
-- * A series in an export made before 0228 came in following the plan's
--   people, where the same data upgraded in place kept its attendees as
--   set by hand (0228 gave the column no default that an import relies
--   on): the first contact change would then replace lists someone chose.
--   An import's series without the column are set by hand, as upgraded
--   ones are; a series made in a tenant's context is told apart by the
--   insert trigger, as before.
-- * `cadence series update --no-attendees` on a series that had none, or
--   the list it had given again, did not count as set by hand (0228 looked
--   for a change of value), so the next contact in purchasing was added to
--   a series someone had emptied on purpose. Setting the attendees by a
--   statement of its own counts, changed or not.
-- * A contact entered by mistake could no longer be removed once its role
--   put it in the series' meetings (RemoveContact refuses a contact who
--   attends meetings: mark them left). The meetings to come that a series
--   put them in do not keep them: those attendances go with the contact
--   (rpc_distributor.c), each such meeting is re-sent to calendars, and
--   the series take the plan's people again. A meeting held, missed or
--   cancelled, or one they were invited to by hand, still keeps them.
-- * An import carried the events' prune mark (event_prunes.through_id, an
--   event id of the source) though not the events (0230): subscribers of
--   the moved tenant that resume from an id were refused until new ids
--   passed it. It is not imported either.

ALTER TABLE meeting_series ALTER COLUMN attendees_by_hand SET DEFAULT true;

DROP TRIGGER IF EXISTS meeting_series_set_by_hand ON meeting_series;
CREATE TRIGGER meeting_series_set_by_hand BEFORE UPDATE OF attendees ON meeting_series
    FOR EACH ROW EXECUTE FUNCTION liaison_series_set_by_hand();

CREATE OR REPLACE FUNCTION liaison_series_contact_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF liaison_series_by_operator() THEN
        RETURN OLD;
    END IF;
    UPDATE public.meetings m SET sequence = m.sequence + 1, updated_at = now()
     WHERE m.tenant_id = OLD.tenant_id AND m.status = 'scheduled' AND m.starts_at >= liaison_now()
       AND EXISTS (SELECT 1 FROM public.meeting_attendees a
                    WHERE a.tenant_id = m.tenant_id AND a.meeting_id = m.id
                      AND a.contact_id = OLD.id AND a.from_series);
    RETURN OLD;
END $$;

DROP TRIGGER IF EXISTS contacts_series_removed ON contacts;
CREATE TRIGGER contacts_series_removed BEFORE DELETE ON contacts
    FOR EACH ROW EXECUTE FUNCTION liaison_series_contact_removed();

CREATE OR REPLACE FUNCTION liaison_series_follow_contacts_gone() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT liaison_series_by_operator() THEN
        PERFORM liaison_series_follow_defaults(OLD.distributor_id);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS contacts_series_follow_gone ON contacts;
CREATE TRIGGER contacts_series_follow_gone AFTER DELETE ON contacts
    FOR EACH ROW WHEN (OLD.email <> '')
    EXECUTE FUNCTION liaison_series_follow_contacts_gone();

INSERT INTO public.tenant_import_id_columns (tbl, col, how, refers_to, json_key)
VALUES ('event_prunes', '*', 'skip', NULL, NULL)
ON CONFLICT (tbl, col) DO UPDATE SET how = EXCLUDED.how, refers_to = EXCLUDED.refers_to,
                                     json_key = EXCLUDED.json_key;
