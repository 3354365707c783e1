-- A name filter made only of characters liaison_name_clean takes away (a
-- line or paragraph separator, U+2028 or U+2029, a carriage return) was
-- tried cleaned too since 0286, as '', whose pattern matches every name
-- (found in a review): "AddMeetingAttendee {attendee: U+2028}" invited a
-- distributor's only contact. The cleaned filter is tried only when
-- something is left of it (else as typed again, so that the answer is
-- false, not NULL); as typed it is tried still, as before 0286.
--
-- Replaces liaison_name_like (0286).

CREATE OR REPLACE FUNCTION liaison_name_like(field text, p text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (liaison_fold(field) LIKE liaison_fold_like(p)
            AND (normalize(p, NFD) !~ '[\u0300-\u036fđĐ]'
                 OR normalize(field, NFD) ~* liaison_marks_regex(p)))
        OR (liaison_fold(field) LIKE coalesce(liaison_fold_like(nullif(liaison_name_clean(p), '')),
                                              liaison_fold_like(p))
            AND (normalize(p, NFD) !~ '[\u0300-\u036fđĐ]'
                 OR normalize(field, NFD) ~* liaison_marks_regex(liaison_name_clean(p))))
$$;
