-- A distributor named "Tokyo Coffee<no-break space>Trading" (pasted from a
-- web page) showed as "Tokyo Coffee Trading" in every table, and typing
-- what was shown reached another distributor whose name held those words
-- (found in a try-out). 0137's filter now takes every space as the space a
-- keyboard types; here a name is also written with it: the no-break, en,
-- em, thin, narrow and other typographic spaces of U+00A0, U+1680,
-- U+2000-U+200A, U+202F and U+205F become U+0020 as the name is written,
-- with its NFC (0103). The ideographic space U+3000, which Japanese names
-- are typed with, stays as typed. Rows written before stay as they were
-- until they are next written, as 0103 says of NFC.

CREATE OR REPLACE FUNCTION liaison_name_nfc() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.name := translate(normalize(NEW.name, NFC),
                          U&'\00A0\1680\2000\2001\2002\2003\2004\2005\2006\2007\2008\2009\200A'
                          || U&'\202F\205F',
                          '               ');
    RETURN NEW;
END $$;
