-- A handbook generated again with nothing changed stores no new version
-- (found in a try-out): every GenerateHandbook stored the next version of
-- the distributor's handbook document, so running `liaison handbook` twice
-- made its Vietnamese and Japanese translations stale though not a word had
-- changed. The text is now compared with the latest version's: the same
-- bytes answer that version; different ones are the next (the text names
-- the day it was generated, so a generation on a later day is a new
-- version). (The renderer no
-- longer lists the handbook's own document, whose version number changed
-- the text at every generation.) Only liaison_handbook_store() changes; its
-- grant stays (CREATE OR REPLACE keeps it).

CREATE OR REPLACE FUNCTION liaison_handbook_store(p_distributor bigint, p_language text,
                                                  p_content text,
                                                  OUT document_id bigint,
                                                  OUT document_version integer)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    dname text;
    doc bigint;
    body bytea := convert_to(p_content, 'UTF8');
    latest record;
BEGIN
    SELECT d.name INTO dname FROM distributors d
     WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
       AND liaison_sees_distributor(d.id, d.account_manager_id);
    PERFORM liaison_found(dname IS NOT NULL, 'no such distributor');
    PERFORM pg_advisory_xact_lock(hashtextextended(
        format('handbook:%s:%s', liaison_tenant(), p_distributor), 35));
    SELECT h.document_id INTO doc FROM handbook_documents h
     WHERE h.tenant_id = liaison_tenant() AND h.distributor_id = p_distributor
       AND lower(h.language) = lower(p_language);
    IF doc IS NULL THEN
        doc := liaison_document_add('handbook', left('Operating handbook: ' || dname, 200),
                                    p_language, false, ARRAY[p_distributor],
                                    'text/markdown; charset=utf-8', body);
        INSERT INTO handbook_documents (tenant_id, distributor_id, language, document_id)
        VALUES (liaison_tenant(), p_distributor, p_language, doc);
        document_version := 1;
    ELSE
        SELECT v.version, v.content = body AS same INTO latest FROM document_versions v
         WHERE v.tenant_id = liaison_tenant() AND v.document_id = doc
         ORDER BY v.version DESC LIMIT 1;
        IF latest.same THEN
            document_version := latest.version;
        ELSE
            document_version := liaison_document_version(doc, 'text/markdown; charset=utf-8',
                                                         body);
        END IF;
    END IF;
    document_id := doc;
    PERFORM liaison_audit('handbook.generated', 'distributor', p_distributor::text);
END $$;
