-- An imported tenant's live events named the source tenant's rows (an
-- operator's try-out): events.subject_id is the id of a row of the table
-- its kind names and events.distributor_id a distributor's, and no foreign
-- key covers either, so the import kept the old ids. A subscriber to the
-- imported tenant (SubscribeEvents from the start) was handed ids of rows
-- it does not have, or worse, of other rows of its own that the new ids
-- happened to give those numbers. Events are a stream kept 24 hours to
-- resume from (0039), not the tenant's records: like the replay caches,
-- they are not imported, and the imported tenant's stream starts with its
-- first change after the move.
INSERT INTO public.tenant_import_id_columns (tbl, col, how, refers_to, json_key)
VALUES ('events', '*', 'skip', NULL, NULL)
ON CONFLICT (tbl, col) DO UPDATE SET how = EXCLUDED.how, refers_to = EXCLUDED.refers_to,
                                     json_key = EXCLUDED.json_key;
