/*
 * rpc_meeting.h - meetings (ad hoc ones made here, occurrences of a series
 * made by the cadence plan), their attendees and notes, notes compliance,
 * and action items. SQL in rpc_meeting.c; what is late or overdue is
 * computed from the one clock (liaison_now(), migration 0014) on every read,
 * and recorded when it happens by the scheduler's notes_due and
 * action_overdue jobs (migration 0017).
 */
#ifndef LIAISON_RPC_MEETING_H
#define LIAISON_RPC_MEETING_H

#include "request.h"

int rpc_meeting_register(void);

void rpc_create_meeting(struct request *r);
void rpc_list_meetings(struct request *r);
void rpc_get_meeting(struct request *r);
void rpc_reschedule_meeting(struct request *r);
void rpc_mark_meeting_held(struct request *r);
void rpc_mark_meeting_missed(struct request *r);
void rpc_cancel_meeting(struct request *r);
/* A meeting marked held, missed or cancelled by mistake, scheduled again (limits in the .c). */
void rpc_reopen_meeting(struct request *r);
void rpc_add_meeting_attendee(struct request *r);
void rpc_remove_meeting_attendee(struct request *r);
void rpc_set_attendance(struct request *r);
void rpc_add_meeting_note(struct request *r);
void rpc_get_notes_compliance(struct request *r);
void rpc_create_action_item(struct request *r);
void rpc_list_action_items(struct request *r);
void rpc_get_action_item(struct request *r);
void rpc_complete_action_item(struct request *r);
void rpc_cancel_action_item(struct request *r);
void rpc_update_action_item(struct request *r);

#endif
