-- Charter answers in the words people need: a second draft is refused
-- naming the draft that exists, and a check warns about commitments and
-- competing lines for product lines that no grant covers.

-- A record that may exist only once already does: the server answers
-- LS409 as ALREADY_EXISTS with the message.
CREATE OR REPLACE FUNCTION liaison_unique(p_ok boolean, p_message text)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_ok IS NOT TRUE THEN
        RAISE EXCEPTION USING ERRCODE = 'LS409', MESSAGE = p_message;
    END IF;
    RETURN true;
END $$;

-- Whether charter p_charter grants product line p_line anywhere.
CREATE OR REPLACE FUNCTION liaison_charter_grants_line(p_charter bigint, p_line bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM charter_grants g
                    WHERE g.tenant_id = liaison_tenant() AND g.charter_id = p_charter
                      AND (g.all_lines OR p_line = ANY (g.line_ids)))
$$;

-- The warnings of charter p_charter, in the order of its entries.
CREATE OR REPLACE FUNCTION liaison_charter_warnings(p_charter bigint)
RETURNS SETOF text LANGUAGE sql STABLE AS $$
    SELECT w FROM (
        SELECT 1 AS k, m.id, format('commitment for product line %s: no grant of this charter'
                                    ' covers it', l.code) AS w
          FROM charter_commitments m
          JOIN product_lines l ON l.tenant_id = m.tenant_id AND l.id = m.product_line_id
         WHERE m.tenant_id = liaison_tenant() AND m.charter_id = p_charter
           AND NOT liaison_charter_grants_line(p_charter, l.id)
        UNION ALL
        SELECT 2, k.id, format('competing line %s of %s: product line %s is not granted by this'
                               ' charter', k.line, k.competitor, l.code)
          FROM charter_competing_lines k
          JOIN product_lines l ON l.tenant_id = k.tenant_id
               AND (lower(l.code) = lower(k.line) OR lower(l.name) = lower(k.line))
         WHERE k.tenant_id = liaison_tenant() AND k.charter_id = p_charter
           AND NOT liaison_charter_grants_line(p_charter, l.id)
    ) x ORDER BY k, id
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app') THEN
        GRANT EXECUTE ON FUNCTION liaison_unique(boolean, text),
            liaison_charter_grants_line(bigint, bigint), liaison_charter_warnings(bigint)
            TO liaison_app;
    END IF;
END $$;
