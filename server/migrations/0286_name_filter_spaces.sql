-- A name filter typed with two spaces where the name has one found nothing
-- (found in a try-out: "binh  minh" beside "Bình Minh"). Names are mostly
-- stored with each run of white space one space (liaison_name_clean,
-- 0071), so a filter is also tried so cleaned: trimmed, each run of white
-- space one space. As typed it is tried still, for a name stored with its
-- runs, so nothing found before is lost.
--
-- Replaces liaison_name_like (0137).

CREATE OR REPLACE FUNCTION liaison_name_like(field text, p text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (liaison_fold(field) LIKE liaison_fold_like(p)
            AND (normalize(p, NFD) !~ '[\u0300-\u036fđĐ]'
                 OR normalize(field, NFD) ~* liaison_marks_regex(p)))
        OR (liaison_fold(field) LIKE liaison_fold_like(liaison_name_clean(p))
            AND (normalize(p, NFD) !~ '[\u0300-\u036fđĐ]'
                 OR normalize(field, NFD) ~* liaison_marks_regex(liaison_name_clean(p))))
$$;
