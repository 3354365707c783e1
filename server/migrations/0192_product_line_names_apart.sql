-- Two product lines of one name are refused (found in a try-out): "Brake
-- Pads" beside "brake  pads" was created without a word, and from then on
-- every '--lines NAME' naming either was ambiguous. Names compare as
-- distributor names do (liaison_name_compact, 0191: case, diacritics,
-- Unicode forms, punctuation and spacing aside). A retired line's name may
-- be taken again; reinstating it is then refused (FAILED_PRECONDITION)
-- until one is renamed. Creates and renames of one name wait for each
-- other (an advisory lock on the tenant and the name as compared).
-- Rows already stored are not checked, nor a tenant being imported
-- (liaison.importing, 0040), which brings its names as they were.

CREATE INDEX IF NOT EXISTS product_lines_name_compact
    ON product_lines (tenant_id, liaison_name_compact(name));

CREATE OR REPLACE FUNCTION liaison_product_line_name_apart() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    other record;
BEGIN
    IF NEW.retired_at IS NOT NULL
       OR current_setting('liaison.importing', true) = NEW.tenant_id::text THEN
        RETURN NEW;
    END IF;
    -- An edit that keeps the name as compared, and a line staying live,
    -- leave a pair stored before this migration editable.
    IF TG_OP = 'UPDATE' AND OLD.retired_at IS NULL
       AND public.liaison_name_compact(OLD.name) = public.liaison_name_compact(NEW.name) THEN
        RETURN NEW;
    END IF;
    -- Two creates of one name at once would each miss the other's row.
    PERFORM pg_advisory_xact_lock(hashtextextended(
        'product_line_name:' || NEW.tenant_id || ':' || public.liaison_name_compact(NEW.name), 0));
    SELECT l.id, l.code, l.name INTO other FROM public.product_lines l
     WHERE l.tenant_id = NEW.tenant_id AND l.id IS DISTINCT FROM NEW.id
       AND l.retired_at IS NULL
       AND public.liaison_name_compact(l.name) = public.liaison_name_compact(NEW.name)
     ORDER BY l.id LIMIT 1;
    IF other.id IS NOT NULL AND TG_OP = 'UPDATE' AND OLD.retired_at IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LS412', MESSAGE = format(
            'product line %s (%s) is named ''%s'' now: rename one of the two before %s is'
            ' reinstated', other.code, other.id, other.name, NEW.code);
    ELSIF other.id IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LS409', MESSAGE = format(
            'product line %s (%s) is named ''%s'' already: a second of that name could not be'
            ' told apart', other.code, other.id, other.name);
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS product_lines_name_apart ON product_lines;
CREATE TRIGGER product_lines_name_apart BEFORE INSERT OR UPDATE OF name, retired_at ON product_lines
    FOR EACH ROW EXECUTE FUNCTION liaison_product_line_name_apart();
