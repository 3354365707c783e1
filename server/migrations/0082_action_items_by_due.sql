-- Action items are listed by due date, then id (ListActionItems pages on
-- both, as ListMeetings does by start on meetings_starts, 0019): this index
-- makes a page an index range read, not a sort of the tenant's every item.
CREATE INDEX IF NOT EXISTS action_items_due ON action_items (tenant_id, due_at, id);
