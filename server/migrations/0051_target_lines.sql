-- A target only on a line the distributor can sell (found in a try-out):
-- SetTarget took a line the active charter does not cover, on which the
-- monthly report refuses sales, and a retired line, which the exporter no
-- longer offers; such a target stayed unattained and cost the distributor
-- health points. A target set directly is now refused INVALID_ARGUMENT on
-- productLineId for a retired line, or for a line the active charter (when
-- there is one) does not cover. Targets already set stay and may be
-- removed; setting one of them again is refused as a new one would be. A
-- plan's goals, which become targets on approval, are the plan's to revise
-- and are not checked here; a tenant import (an operator's) restores what
-- was exported, and a write with no request context (the database's own
-- roles: a seed, a bulk load) is not checked either.

CREATE OR REPLACE FUNCTION liaison_target_line_ok() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    pl record;
    covered boolean;
BEGIN
    IF liaison_tenant() IS NULL OR liaison_is_operator() THEN
        RETURN NEW;
    END IF;
    SELECT l.code, l.retired_at INTO pl FROM product_lines l
     WHERE l.tenant_id = NEW.tenant_id AND l.id = NEW.product_line_id;
    PERFORM liaison_check(pl.retired_at IS NULL, 'productLineId',
                          format('product line %s is retired', pl.code));
    SELECT c.full_coverage OR NEW.product_line_id = ANY (c.covered_line_ids) INTO covered
      FROM charters c
     WHERE c.tenant_id = NEW.tenant_id AND c.distributor_id = NEW.distributor_id
       AND c.status = 'active';
    PERFORM liaison_check(covered IS NOT FALSE, 'productLineId', format(
        'product line %s is not covered by the distributor''s charter: its sales are not reported',
        pl.code));
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS targets_line_ok ON targets;
CREATE TRIGGER targets_line_ok BEFORE INSERT ON targets
    FOR EACH ROW WHEN (NEW.plan_id IS NULL) EXECUTE FUNCTION liaison_target_line_ok();
