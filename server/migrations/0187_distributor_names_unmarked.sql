-- A second distributor of one name, written without its marks (found in a
-- try-out): "Cong ty TNHH Thiet bi Bom Dong Nai" was created beside "Công
-- ty TNHH Thiết bị Bơm Đồng Nai" without a word, while a carve-out or a
-- customer of those two spellings is one. Names a user types are looked up
-- without their marks (liaison_name_like), so from then on "Dong Nai"
-- named both. Distributor names are now told apart as they are looked up:
-- by liaison_name_key (0104) with Vietnamese and other combining marks,
-- and đ, folded away (liaison_fold). Legal forms still count: "… Co., Ltd."
-- and "… JSC" may be two companies.
--
-- Replaces liaison_distributor_name_apart (0116) whole but for that
-- comparison, and an edit keeping the name as compared is let through, so
-- that two distributors stored before stay editable; its trigger stays.

CREATE INDEX IF NOT EXISTS distributors_name_fold
    ON distributors (tenant_id, liaison_fold(liaison_name_key(name)));

CREATE OR REPLACE FUNCTION liaison_distributor_name_apart() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    other record;
BEGIN
    IF NEW.status = 'terminated'
       OR current_setting('liaison.importing', true) = NEW.tenant_id::text THEN
        RETURN NEW;
    END IF;
    -- An edit that keeps the name as compared (UpdateDistributor sets it
    -- each time) leaves a pair stored before this migration editable.
    IF TG_OP = 'UPDATE' AND public.liaison_fold(public.liaison_name_key(OLD.name))
                            = public.liaison_fold(public.liaison_name_key(NEW.name)) THEN
        RETURN NEW;
    END IF;
    SELECT d.id, d.name INTO other FROM public.distributors d
     WHERE d.tenant_id = NEW.tenant_id AND d.id IS DISTINCT FROM NEW.id
       AND d.status <> 'terminated'
       AND public.liaison_fold(public.liaison_name_key(d.name))
           = public.liaison_fold(public.liaison_name_key(NEW.name))
     ORDER BY d.id LIMIT 1;
    IF other.id IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LS409', MESSAGE = format(
            'distributor %s is named %s already: a second of that name could not be told apart',
            other.id, other.name);
    END IF;
    RETURN NEW;
END $$;
