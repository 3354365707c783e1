-- Interactions are listed in the order they took place, then id
-- (ListInteractions pages on both): a call is often written down days
-- after it happened. This index makes a page an index range read, not a
-- sort of the tenant's every interaction.
CREATE INDEX IF NOT EXISTS interactions_at ON interactions (tenant_id, at, id);
