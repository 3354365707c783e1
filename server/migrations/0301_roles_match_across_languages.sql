-- The default escalation ladder names its rungs' roles in English
-- (purchasing manager, sales director, general manager), and a contact's
-- role was matched only when written the same way: a Japanese distributor's
-- 購買部長 and 社長 were never asked, every request went straight to a visit
-- from Europe, and such a request is not counted in responsiveness (0292),
-- so ignoring it cost the distributor nothing (a try-out of the lesson's
-- story). The cadence already put the same people in the meetings.
--
-- liaison_role_key now gives the three ladder roles one key whatever the
-- language a title is written in: the English titles that name the same
-- post, and the Vietnamese and Japanese ones. Only whole titles are
-- mapped, not words in them: "phó giám đốc" (a deputy) stays its own role.
-- Everything that compares roles by it (a rung and the contact it reaches,
-- a role on two rungs, the handbook and the concern saying a rung reaches
-- no one) follows; no index holds its values.
--
-- Replaces liaison_role_key (0270) whole but for that.

CREATE OR REPLACE FUNCTION liaison_role_key(p_role text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN k IN ('purchasing manager', 'purchase manager', 'procurement manager',
                   'head of purchasing', 'head of procurement',
                   'trưởng phòng mua hàng', 'trưởng phòng thu mua', 'trưởng phòng vật tư',
                   '購買部長', '購買課長', '購買マネージャー', '購買責任者', '調達部長',
                   '調達課長', '仕入部長', '仕入課長')
            THEN 'purchasing manager'
        WHEN k IN ('sales director', 'director of sales', 'head of sales',
                   'giám đốc kinh doanh', 'giám đốc bán hàng',
                   '営業部長', '営業本部長', '営業責任者', '販売部長')
            THEN 'sales director'
        WHEN k IN ('general manager', 'managing director', 'ceo', 'chief executive officer',
                   'giám đốc', 'tổng giám đốc', 'giám đốc điều hành',
                   '社長', '代表取締役', '代表取締役社長', '代表')
            THEN 'general manager'
        ELSE k END
      FROM (SELECT lower(btrim(regexp_replace(normalize(coalesce(p_role, ''), NFC), '\s+', ' ',
                                              'g'))) AS k) x
$$;
