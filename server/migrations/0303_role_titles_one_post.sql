-- 0301 gave one key to titles that often name different people at one
-- distributor (a review): general manager, CEO and managing director;
-- giám đốc and tổng giám đốc; a department's head (部長) and a section's
-- chief (課長); a bare 代表. A ladder stored with "general manager" and then
-- "CEO" reached the general manager on both rungs, the second was passed
-- over as reaching someone already asked, and saving that ladder again was
-- refused. The titles mapped together are now only those that name the same
-- post in English, Vietnamese and Japanese:
--   purchasing manager = trưởng phòng mua hàng = trưởng phòng thu mua
--                      = 購買部長 = 仕入部長 = 調達部長
--   sales director     = giám đốc kinh doanh = giám đốc bán hàng = 営業部長 = 販売部長
--   general manager    = tổng giám đốc = 社長 = 代表取締役社長
-- A title is compared in NFC (a Vietnamese title typed decomposed is the
-- same title), any case, runs of white space as one, as 0301 began to.
-- And a rung's role finds first the contact whose title is written as the
-- rung writes it, then one of its other languages, so that a distributor
-- with a "purchasing manager" and a "購買部長" reaches the one named.
-- A ladder that names two titles of one post on two rungs asks their
-- holder once, as a ladder naming one role twice would; saving it again
-- asks for one of them.
--
-- Replaces liaison_role_key (0301) and liaison_escalation_contact (0270)
-- whole but for that; liaison_role_text is new.

CREATE OR REPLACE FUNCTION liaison_role_text(p_role text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT lower(btrim(regexp_replace(normalize(coalesce(p_role, ''), NFC), '\s+', ' ', 'g')))
$$;

CREATE OR REPLACE FUNCTION liaison_role_key(p_role text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN k IN ('purchasing manager', 'trưởng phòng mua hàng', 'trưởng phòng thu mua',
                   '購買部長', '仕入部長', '調達部長')
            THEN 'purchasing manager'
        WHEN k IN ('sales director', 'giám đốc kinh doanh', 'giám đốc bán hàng',
                   '営業部長', '販売部長')
            THEN 'sales director'
        WHEN k IN ('general manager', 'tổng giám đốc', '社長', '代表取締役社長')
            THEN 'general manager'
        ELSE k END
      FROM (SELECT liaison_role_text(p_role) AS k) x
$$;

CREATE OR REPLACE FUNCTION liaison_escalation_contact(p_distributor bigint, p_role text)
RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT c.id FROM contacts c
     WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = p_distributor
       AND liaison_role_key(c.role) = liaison_role_key(p_role)
     ORDER BY c.left_on IS NOT NULL, liaison_role_text(c.role) <> liaison_role_text(p_role),
              c.left_on DESC, c.id LIMIT 1
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_role_text(text) TO liaison_app;
    END IF;
END $$;
