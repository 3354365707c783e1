-- Deal protection and carve-outs were passed by look-alike letters (an
-- attacker's review): a distributor registered "Vіnfast" with a Cyrillic
-- "і" (or "VinFаst" with a Cyrillic "а", a Greek "ο" for an "o") while
-- another distributor's registration of "VinFast" protected that customer,
-- and the registration was accepted unflagged: the loose key
-- (liaison_name_loose, 0168) kept the other alphabet's letters. It now
-- reads the Cyrillic and Greek letters that look like Latin ones as those
-- (after lower case, so "В", "Н", "М" and "Т" too), so the registration is
-- flagged similar_protected, or a carve-out's customer flagged carve_out,
-- for the exporter to decide. Fullwidth letters were already folded
-- (NFKC, liaison_name_key). The key only decides whether two names are
-- near: a flag costs a review, where a miss cost the account; customer
-- names stay apart by liaison_name_key, unchanged. The Vietnamese legal
-- forms are also left out as they are abbreviated (a try-out): "CP" and
-- "CTCP" (cổ phần, công ty cổ phần) and "Cty" (công ty), so "Công ty CP
-- Nước sạch Hà Nội" is the carved-out "Công ty Cổ phần Nước sạch Hà Nội".
--
-- Replaces liaison_name_loose (0168) whole but for those; its grant stays.

CREATE OR REPLACE FUNCTION liaison_name_loose(p text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    WITH b AS (SELECT regexp_replace(translate(normalize(translate(public.liaison_name_key(p),
                                                                   'аеорсхуіјѕԁӏһкмнтвαεορικνυτχ',
                                                                   'aeopcxyijsdlhkmhtbaeopikvutx'),
                                                         NFD), 'đ', 'd'),
                                     '[\u0300-\u036f]', '', 'g') AS s),
    w AS (SELECT regexp_replace(regexp_replace(replace(b.s, '&', ' and '),
                                               '株式会社|有限会社|合同会社|\(株\)|\(有\)', ' ', 'g'),
                                '[[:punct:]]', ' ', 'g') AS s FROM b)
    SELECT coalesce(
        nullif(regexp_replace(regexp_replace(w.s,
            '\m(cong ty|cty|trach nhiem huu han|tnhh|mot thanh vien|mtv|co phan|ctcp|cp'
            '|company|co|ltd|limited|inc|incorporated|corp|corporation|llc|jsc|plc|pte|gmbh)\M',
            '', 'g'), '[[:space:]]', '', 'g'), ''),
        nullif(regexp_replace(w.s, '[[:space:]]', '', 'g'), ''),
        public.liaison_name_key(p))
      FROM w
$$;
