-- The migration the "next release" of integration_upgrade brings: additive,
-- as every migration must be so that the release before it keeps serving
-- on the migrated schema during a rolling upgrade (docs/scaling.md).
ALTER TABLE distributors ADD COLUMN IF NOT EXISTS upgrade_probe text;
COMMENT ON COLUMN distributors.upgrade_probe IS 'made by integration_upgrade''s next release';
