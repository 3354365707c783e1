-- A meeting's action items could not be found from the meeting (a
-- try-out): `meeting show` and the portal's meeting page did not list
-- them, and ListActionItems took no meeting. It does now; this index
-- finds a meeting's items without reading its tenant's others.

CREATE INDEX IF NOT EXISTS action_items_meeting
    ON action_items (tenant_id, meeting_id) WHERE meeting_id IS NOT NULL;
