-- A handbook generated again on another day, nothing else changed, was
-- stored as a new version, since its first paragraph says the day it was
-- generated; every translation of it then showed as stale in `doc coverage`
-- and in the portal (a try-out), and an exporter who generates it weekly
-- sent translators a document whose content had not changed. A generation
-- whose text differs from the latest version's only in that day now
-- answers that version, as one with the same text does (0052).
--
-- liaison_handbook_undated blanks the day in the first paragraph's end,
-- "Generated on YYYY-MM-DD, charter version N." (or ". No charter is
-- active."), which handbook.c writes; a name cannot hold a line break, so
-- the line's end is the template's. liaison_handbook_store replaces 0052's
-- whole but for the comparison.

CREATE OR REPLACE FUNCTION liaison_handbook_undated(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS $$
    SELECT regexp_replace(p_text,
                          '\. Generated on [0-9]{4}-[0-9]{2}-[0-9]{2}'
                          '(, charter version [0-9]+\.|\. No charter is active\.)(?=\n)',
                          '. Generated on\1')
$$;

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
        SELECT v.version,
               v.content = body
               OR liaison_handbook_undated(convert_from(v.content, 'UTF8'))
                  = liaison_handbook_undated(p_content) AS same
          INTO latest FROM document_versions v
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

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_handbook_undated(text) TO liaison_app;
    END IF;
END $$;
