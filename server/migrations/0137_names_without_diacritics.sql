-- A name typed without its diacritics was not found: exporters and their
-- distributors type Vietnamese names on keyboards without Telex, copy them
-- from e-mails that lost their marks, or do not know the marks at all, so
-- "Nguyen" missed "Nguyễn Văn An" and "sai gon" missed "Công ty TNHH Sài
-- Gòn" in every list's name filter and in the CLI, which looks names up
-- through it.
--
-- What a filter matches now, letter by letter: a letter typed without
-- marks matches it with any (e matches e, ê, ễ; d matches đ, as Vietnamese
-- sorts and searches đ with d), and a letter typed with marks matches only
-- those marks (ễ matches ễ, not e or ê). Vietnamese tones tell names apart
-- (Nguyên and Nguyễn are different people), so who types them means them,
-- and folding both sides would bury the one meant among its look-alikes;
-- who leaves them out gets every spelling. Case is ignored as before, '%'
-- and '_' stay characters, and a filter is compared in NFC as since 0103.
-- Only the combining marks U+0300..U+036F go: kana keep their voicing
-- marks (U+3099, U+309A are not stripped and the result is composed
-- again), so Japanese is matched as before, and widths are not folded.
--
-- The filter stays index-served: the folded name has a trigram index of
-- its own per table, and the letter-by-letter check of the marks (a
-- regular expression over the NFD name) runs only on the rows the index
-- found, and only when the filter has marks. The indexes hold
-- liaison_fold's results: a migration that changes its body must rebuild
-- them (REINDEX) in the same migration.

-- The name as compared without marks: NFD, the combining diacritics
-- U+0300..U+036F removed, composed again (NFC), đ/Đ as d, lower case, and
-- every space (a no-break space pasted from a web page, an ideographic
-- one typed in Japanese) as the space a keyboard types: a name shown with
-- a no-break space looked like the name typed and was not found by it.
CREATE OR REPLACE FUNCTION liaison_fold(s text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT lower(translate(normalize(regexp_replace(normalize(s, NFD), '[\u0300-\u036f]', '',
                                                    'g'), NFC),
                           'đĐ' || U&'\00A0\1680\2000\2001\2002\2003\2004\2005\2006\2007'
                               || U&'\2008\2009\200A\202F\205F\3000',
                           'dD                '))
$$;

-- A LIKE pattern for a substring of a folded name, p folded alike, its
-- '%' and '_' characters, not wildcards.
CREATE OR REPLACE FUNCTION liaison_fold_like(p text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT '%' || replace(replace(replace(liaison_fold(p), '\', '\\'), '%', '\%'), '_', '\_')
           || '%'
$$;

-- A case-insensitive regular expression (for ~* over an NFD name) that
-- holds p's marks letter by letter: a letter without marks may carry any
-- (d also is đ), a letter with marks carries exactly those. ASCII
-- punctuation is escaped, so p is taken literally.
CREATE OR REPLACE FUNCTION liaison_marks_regex(p text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(string_agg(
               CASE WHEN m[1] IN ('d', 'D') THEN '[dDđĐ]'
                    WHEN m[1] IN ('đ', 'Đ') THEN '[đĐ]'
                    WHEN m[1] ~ '^[ \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]$'
                         THEN '[ \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]'
                    WHEN m[1] = '' OR m[1] ~ '^[A-Za-z0-9 ]$' OR ascii(m[1]) > 127 THEN m[1]
                    ELSE '\' || m[1] END
               || CASE WHEN m[2] = '' THEN '[\u0300-\u036f]*'
                       ELSE m[2] || '(?![\u0300-\u036f])' END,
               '' ORDER BY i), '')
      FROM regexp_matches(normalize(p, NFD), '([^\u0300-\u036f]?)([\u0300-\u036f]*)', 'g')
           WITH ORDINALITY AS r (m, i)
     WHERE m[1] <> '' OR m[2] <> ''
$$;

-- Whether field (a name) holds the filter p (the rule above). Not STRICT,
-- and one expression, so that the planner inlines it and finds
-- liaison_fold(field) in the trigram indexes below; the marks are checked
-- only when p has any.
CREATE OR REPLACE FUNCTION liaison_name_like(field text, p text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT liaison_fold(field) LIKE liaison_fold_like(p)
           AND (normalize(p, NFD) !~ '[\u0300-\u036fđĐ]'
                OR normalize(field, NFD) ~* liaison_marks_regex(p))
$$;

CREATE INDEX IF NOT EXISTS distributors_name_fold_trgm
    ON distributors USING gin (liaison_fold(name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS contacts_name_fold_trgm
    ON contacts USING gin (liaison_fold(name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS product_lines_name_fold_trgm
    ON product_lines USING gin (liaison_fold(name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS products_name_fold_trgm
    ON products USING gin (liaison_fold(name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS users_display_name_fold_trgm
    ON users USING gin (liaison_fold(display_name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS key_accounts_name_fold_trgm
    ON key_accounts USING gin (liaison_fold(name) gin_trgm_ops);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_fold(text), liaison_fold_like(text),
            liaison_marks_regex(text), liaison_name_like(text, text) TO liaison_app;
    END IF;
END $$;
