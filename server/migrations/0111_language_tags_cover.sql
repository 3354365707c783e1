-- A reader's language is covered by a variant in that language or in a
-- tag it falls back to (found in a try-out): coverage compared tags whole,
-- so a contact who reads en-GB made every English document "missing
-- en-gb", and a Vietnamese reader ("vi") still saw a stale "vi"
-- translation after a fresh one was made as "vi-VN". Tags now match as
-- RFC 4647's lookup does, by subtags from the left: "en" covers an en-GB
-- reader and "vi-VN" a "vi" one, while zh-Hans and zh-Hant, or en-GB and
-- en-US, stay apart. A stale variant is listed only when no fresh variant
-- (or the document itself) covers the reader it would serve.
--
-- liaison_distributor_languages (0023) kept only the lower case of each
-- tag, so the coverage said "en-gb" where the contact said "en-GB": it now
-- keeps the tag as it was entered (tags are stored canonical, geo.c),
-- still one per tag in any case. Its grants stay.

-- Whether a variant in language p_have serves a reader of p_want.
CREATE OR REPLACE FUNCTION liaison_language_covers(p_have text, p_want text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT lower(p_have) = lower(p_want) OR starts_with(lower(p_want), lower(p_have) || '-')
        OR starts_with(lower(p_have), lower(p_want) || '-')
$$;

CREATE OR REPLACE FUNCTION liaison_distributor_languages(p_distributor bigint) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(y.l ORDER BY lower(y.l)), '{}') FROM (
        SELECT DISTINCT ON (lower(x.l)) x.l FROM (
            SELECT unnest(d.languages) AS l FROM distributors d
             WHERE d.tenant_id = liaison_tenant() AND d.id = p_distributor
            UNION ALL
            SELECT c.language FROM contacts c
             WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
               AND c.language <> '') x
         ORDER BY lower(x.l), x.l) y
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_language_covers(text, text) TO liaison_app;
    END IF;
END $$;
