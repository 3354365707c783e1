/*
 * methods.h - every RPC of liaison.v1.Liaison, once: its handler, who may
 * call it and whether it only reads. dispatch.c builds its method table
 * from this list and checks it against the proto's service at start-up
 * (liaisond refuses to start when they disagree); `liaisond rpc-table`
 * prints the permissions from it into docs/rpc-permissions.md.
 *
 * Adding an RPC: the proto, its handler in the family's rpc_*.c, and one
 * M(...) line here. Who may call it, by role (authz.h): AUTHZ_ANON,
 * AUTHZ_OPERATOR, AUTHZ_ADMIN, AUTHZ_MANAGER, AUTHZ_DISTRIBUTOR,
 * AUTHZ_AUDITOR, or AUTHZ_USERS (the four tenant roles) and AUTHZ_ANYONE.
 * READS marks an RPC that changes nothing and logs nothing: a user's call
 * may then share one database transaction with other callers' reads.
 * Rows are further limited to the caller's tenant and reach by each
 * handler's SQL and by row-level security.
 */
#ifndef LIAISON_METHODS_H
#define LIAISON_METHODS_H

#include "authz.h"
#include "rpc_audit.h"
#include "rpc_auth.h"
#include "rpc_calendar.h"
#include "rpc_cadence.h"
#include "rpc_catalog.h"
#include "rpc_charter.h"
#include "rpc_crm.h"
#include "rpc_document.h"
#include "rpc_order.h"
#include "rpc_report.h"
#include "rpc_target.h"
#include "rpc_plan.h"
#include "rpc_update.h"
#include "rpc_scheduler.h"
#include "rpc_distributor.h"
#include "rpc_escalation.h"
#include "rpc_health.h"
#include "rpc_handbook.h"
#include "rpc_events.h"
#include "rpc_meeting.h"
#include "rpc_session.h"
#include "rpc_system.h"
#include "rpc_tenant.h"
#include "rpc_token.h"
#include "rpc_user.h"

#define READS true
#define WRITES false
#define ADMIN_MANAGER (AUTHZ_ADMIN | AUTHZ_MANAGER)

/* M(name in the proto, handler, who may call it, READS or WRITES) */
#define RPC_METHODS(M)                                                                             \
    M(Hello, rpc_hello, AUTHZ_ANYONE, WRITES)                                                      \
    M(Ping, rpc_ping, AUTHZ_ANYONE, READS)                                                         \
    M(GetHealth, rpc_get_health, AUTHZ_ANYONE, READS)                                              \
    M(ListMigrations, rpc_list_migrations, AUTHZ_OPERATOR, READS)                                  \
    M(Login, rpc_login, AUTHZ_ANYONE, WRITES)                                                      \
    M(Authenticate, rpc_authenticate, AUTHZ_ANYONE, WRITES)                                        \
    M(Logout, rpc_logout, AUTHZ_OPERATOR | AUTHZ_USERS, WRITES)                                    \
    M(WhoAmI, rpc_whoami, AUTHZ_OPERATOR | AUTHZ_USERS, READS)                                     \
    M(CreateTenant, rpc_create_tenant, AUTHZ_OPERATOR, WRITES)                                     \
    M(ListTenants, rpc_list_tenants, AUTHZ_OPERATOR, READS)                                        \
    M(GetTenant, rpc_get_tenant, AUTHZ_OPERATOR, READS)                                            \
    M(SuspendTenant, rpc_suspend_tenant, AUTHZ_OPERATOR, WRITES)                                   \
    M(ResumeTenant, rpc_resume_tenant, AUTHZ_OPERATOR, WRITES)                                     \
    M(ExportTenant, rpc_export_tenant, AUTHZ_OPERATOR, WRITES)                                     \
    M(DeleteTenant, rpc_delete_tenant, AUTHZ_OPERATOR, WRITES)                                     \
    M(RecoverTenantAdmin, rpc_recover_tenant_admin, AUTHZ_OPERATOR, WRITES)                        \
    M(CreateUser, rpc_create_user, AUTHZ_ADMIN, WRITES)                                            \
    M(ListUsers, rpc_list_users, AUTHZ_ADMIN | AUTHZ_MANAGER | AUTHZ_AUDITOR, READS)               \
    M(UpdateUser, rpc_update_user, AUTHZ_ADMIN, WRITES)                                            \
    M(DisableUser, rpc_disable_user, AUTHZ_ADMIN, WRITES)                                          \
    M(EnableUser, rpc_enable_user, AUTHZ_ADMIN, WRITES)                                            \
    M(ChangePassword, rpc_change_password, AUTHZ_USERS, WRITES)                                    \
    M(ResetPassword, rpc_reset_password, AUTHZ_ADMIN, WRITES)                                      \
    M(CreateApiToken, rpc_create_api_token, AUTHZ_ADMIN, WRITES)                                   \
    M(ListApiTokens, rpc_list_api_tokens, AUTHZ_ADMIN | AUTHZ_AUDITOR, READS)                      \
    M(RevokeApiToken, rpc_revoke_api_token, AUTHZ_ADMIN, WRITES)                                   \
    M(ListSessions, rpc_list_sessions, AUTHZ_USERS, READS)                                         \
    M(RevokeSessions, rpc_revoke_sessions, AUTHZ_USERS, WRITES)                                    \
    M(ListAuditLog, rpc_list_audit_log, AUTHZ_ADMIN | AUTHZ_AUDITOR, READS)                        \
    M(ListPlatformAudit, rpc_list_platform_audit, AUTHZ_OPERATOR, READS)                           \
    M(CreateProductLine, rpc_create_product_line, AUTHZ_ADMIN, WRITES)                             \
    M(ListProductLines, rpc_list_product_lines, AUTHZ_USERS, READS)                                \
    M(UpdateProductLine, rpc_update_product_line, AUTHZ_ADMIN, WRITES)                             \
    M(RetireProductLine, rpc_retire_product_line, AUTHZ_ADMIN, WRITES)                             \
    M(ReinstateProductLine, rpc_reinstate_product_line, AUTHZ_ADMIN, WRITES)                       \
    M(CreateProduct, rpc_create_product, AUTHZ_ADMIN, WRITES)                                      \
    M(ListProducts, rpc_list_products, AUTHZ_USERS, READS)                                         \
    M(GetProduct, rpc_get_product, AUTHZ_USERS, READS)                                             \
    M(UpdateProduct, rpc_update_product, AUTHZ_ADMIN, WRITES)                                      \
    M(RetireProduct, rpc_retire_product, AUTHZ_ADMIN, WRITES)                                      \
    M(ReinstateProduct, rpc_reinstate_product, AUTHZ_ADMIN, WRITES)                                \
    M(CreateDistributor, rpc_create_distributor, AUTHZ_ADMIN, WRITES)                              \
    M(ListDistributors, rpc_list_distributors, AUTHZ_USERS, READS)                                 \
    M(GetDistributor, rpc_get_distributor, AUTHZ_USERS, READS)                                     \
    M(UpdateDistributor, rpc_update_distributor, ADMIN_MANAGER, WRITES)                            \
    M(SetDistributorStatus, rpc_set_distributor_status, ADMIN_MANAGER, WRITES)                     \
    M(AssignAccountManager, rpc_assign_account_manager, AUTHZ_ADMIN, WRITES)                       \
    M(CreateContact, rpc_create_contact, ADMIN_MANAGER, WRITES)                                    \
    M(ListContacts, rpc_list_contacts, AUTHZ_USERS, READS)                                         \
    M(GetContact, rpc_get_contact, AUTHZ_USERS, READS)                                             \
    M(UpdateContact, rpc_update_contact, ADMIN_MANAGER, WRITES)                                    \
    M(RemoveContact, rpc_remove_contact, ADMIN_MANAGER, WRITES)                                    \
    M(SetContactLeft, rpc_set_contact_left, ADMIN_MANAGER, WRITES)                                 \
    M(CreateCharterDraft, rpc_create_charter_draft, ADMIN_MANAGER, WRITES)                         \
    M(SetCharterTerms, rpc_set_charter_terms, ADMIN_MANAGER, WRITES)                               \
    M(AddCharterGrant, rpc_add_charter_grant, ADMIN_MANAGER, WRITES)                               \
    M(RemoveCharterGrant, rpc_remove_charter_grant, ADMIN_MANAGER, WRITES)                         \
    M(UpdateCharterGrant, rpc_update_charter_grant, ADMIN_MANAGER, WRITES)                         \
    M(AddCarveOut, rpc_add_carve_out, ADMIN_MANAGER, WRITES)                                       \
    M(SetCommitment, rpc_set_commitment, ADMIN_MANAGER, WRITES)                                    \
    M(DeclareCompetingLine, rpc_declare_competing_line, ADMIN_MANAGER, WRITES)                     \
    M(RemoveCarveOut, rpc_remove_carve_out, ADMIN_MANAGER, WRITES)                                 \
    M(RemoveCommitment, rpc_remove_commitment, ADMIN_MANAGER, WRITES)                              \
    M(RemoveCompetingLine, rpc_remove_competing_line, ADMIN_MANAGER, WRITES)                       \
    M(DiscardCharterDraft, rpc_discard_charter_draft, ADMIN_MANAGER, WRITES)                       \
    M(CheckCharter, rpc_check_charter, ADMIN_MANAGER | AUTHZ_AUDITOR, READS)                       \
    M(ActivateCharter, rpc_activate_charter, ADMIN_MANAGER, WRITES)                                \
    M(GetCharter, rpc_get_charter, AUTHZ_USERS, READS)                                             \
    M(ListCharterVersions, rpc_list_charter_versions, AUTHZ_USERS, READS)                          \
    M(CreateKeyAccount, rpc_create_key_account, ADMIN_MANAGER, WRITES)                             \
    M(ListKeyAccounts, rpc_list_key_accounts, AUTHZ_USERS, READS)                                  \
    M(GetKeyAccount, rpc_get_key_account, AUTHZ_USERS, READS)                                      \
    M(UpdateKeyAccount, rpc_update_key_account, ADMIN_MANAGER, WRITES)                             \
    M(RegisterLead, rpc_register_lead, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)                  \
    M(ListLeads, rpc_list_leads, AUTHZ_USERS, READS)                                               \
    M(GetLead, rpc_get_lead, AUTHZ_USERS, READS)                                                   \
    M(SetLeadStage, rpc_set_lead_stage, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)                 \
    M(DecideLeadRegistration, rpc_decide_lead_registration, ADMIN_MANAGER, WRITES)                 \
    M(UpdateLead, rpc_update_lead, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)                      \
    M(CreateInteraction, rpc_create_interaction, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)        \
    M(ListInteractions, rpc_list_interactions, AUTHZ_USERS, READS)                                 \
    M(UpdateInteraction, rpc_update_interaction, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)        \
    M(GetCrmSettings, rpc_get_crm_settings, ADMIN_MANAGER | AUTHZ_AUDITOR, READS)                  \
    M(UpdateCrmSettings, rpc_update_crm_settings, AUTHZ_ADMIN, WRITES)                             \
    /* escalation: the reads take the steps due by the clock first, so they write */               \
    M(SetEscalationProtocol, rpc_set_escalation_protocol, ADMIN_MANAGER, WRITES)                   \
    M(GetEscalationProtocol, rpc_get_escalation_protocol, AUTHZ_USERS, READS)                      \
    M(CreateEscalationRequest, rpc_create_escalation_request, ADMIN_MANAGER, WRITES)               \
    M(RespondEscalation, rpc_respond_escalation, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)        \
    M(AdvanceEscalation, rpc_advance_escalation, ADMIN_MANAGER, WRITES)                            \
    M(ListEscalations, rpc_list_escalations, AUTHZ_USERS, WRITES)                                  \
    M(GetEscalation, rpc_get_escalation, AUTHZ_USERS, WRITES)                                      \
    M(GetEscalationConcern, rpc_get_escalation_concern, ADMIN_MANAGER | AUTHZ_AUDITOR, WRITES)     \
    M(GetClock, rpc_get_clock, AUTHZ_OPERATOR, READS)                                              \
    M(SetClock, rpc_set_clock, AUTHZ_OPERATOR, WRITES)                                             \
    M(ListJobs, rpc_list_jobs, AUTHZ_OPERATOR, READS)                                              \
    /* --- meetings, notes and action items --- */                                                 \
    M(CreateMeeting, rpc_create_meeting, ADMIN_MANAGER, WRITES)                                    \
    M(ListMeetings, rpc_list_meetings, AUTHZ_USERS, READS)                                         \
    M(GetMeeting, rpc_get_meeting, AUTHZ_USERS, READS)                                             \
    M(RescheduleMeeting, rpc_reschedule_meeting, ADMIN_MANAGER, WRITES)                            \
    M(MarkMeetingHeld, rpc_mark_meeting_held, ADMIN_MANAGER, WRITES)                               \
    M(MarkMeetingMissed, rpc_mark_meeting_missed, ADMIN_MANAGER, WRITES)                           \
    M(CancelMeeting, rpc_cancel_meeting, ADMIN_MANAGER, WRITES)                                    \
    M(ReopenMeeting, rpc_reopen_meeting, ADMIN_MANAGER, WRITES)                                    \
    M(AddMeetingAttendee, rpc_add_meeting_attendee, ADMIN_MANAGER, WRITES)                         \
    M(RemoveMeetingAttendee, rpc_remove_meeting_attendee, ADMIN_MANAGER, WRITES)                   \
    M(SetAttendance, rpc_set_attendance, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)                \
    M(AddMeetingNote, rpc_add_meeting_note, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)             \
    M(GetNotesCompliance, rpc_get_notes_compliance, ADMIN_MANAGER | AUTHZ_AUDITOR, READS)          \
    M(CreateActionItem, rpc_create_action_item, ADMIN_MANAGER, WRITES)                             \
    M(ListActionItems, rpc_list_action_items, AUTHZ_USERS, READS)                                  \
    M(GetActionItem, rpc_get_action_item, AUTHZ_USERS, READS)                                      \
    M(CompleteActionItem, rpc_complete_action_item, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)     \
    M(CancelActionItem, rpc_cancel_action_item, ADMIN_MANAGER, WRITES)                             \
    M(UpdateActionItem, rpc_update_action_item, ADMIN_MANAGER, WRITES)                             \
    M(ExportCalendar, rpc_export_calendar, AUTHZ_USERS, READS)                                     \
    /* --- cadence plan --- */                                                                     \
    M(GetTenantWorkingTime, rpc_get_tenant_working_time, AUTHZ_USERS, READS)                       \
    M(SetTenantWorkingTime, rpc_set_tenant_working_time, AUTHZ_ADMIN, WRITES)                      \
    M(GetUserWorkingTime, rpc_get_user_working_time, AUTHZ_USERS, READS)                           \
    M(SetUserWorkingTime, rpc_set_user_working_time, AUTHZ_USERS, WRITES)                          \
    M(ListCadenceDefaults, rpc_list_cadence_defaults, AUTHZ_USERS, READS)                          \
    M(SetCadenceDefault, rpc_set_cadence_default, AUTHZ_ADMIN, WRITES)                             \
    M(PlanCadence, rpc_plan_cadence, ADMIN_MANAGER, WRITES)                                        \
    M(GetCadence, rpc_get_cadence, AUTHZ_USERS, READS)                                             \
    M(UpdateMeetingSeries, rpc_update_meeting_series, ADMIN_MANAGER, WRITES)                       \
    M(GetCadenceFairness, rpc_get_cadence_fairness, AUTHZ_USERS, READS)                            \
    /* --- documents and translations --- */                                                       \
    M(CreateDocument, rpc_create_document, ADMIN_MANAGER, WRITES)                                  \
    M(AddDocumentVersion, rpc_add_document_version, ADMIN_MANAGER, WRITES)                         \
    M(ShareDocument, rpc_share_document, ADMIN_MANAGER, WRITES)                                    \
    M(AddTranslation, rpc_add_translation, ADMIN_MANAGER, WRITES)                                  \
    M(ListDocuments, rpc_list_documents, AUTHZ_USERS, READS)                                       \
    M(GetDocument, rpc_get_document, AUTHZ_USERS, READS)                                           \
    M(GetDocumentContent, rpc_get_document_content, AUTHZ_USERS, READS)                            \
    M(GetTranslationCoverage, rpc_get_translation_coverage, AUTHZ_USERS, READS)                    \
    /* --- orders and shipments --- */                                                             \
    M(PlaceOrder, rpc_place_order, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)                      \
    M(ListOrders, rpc_list_orders, AUTHZ_USERS, READS)                                             \
    M(GetOrder, rpc_get_order, AUTHZ_USERS, READS)                                                 \
    M(SetOrderStatus, rpc_set_order_status, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)             \
    M(AddShipment, rpc_add_shipment, ADMIN_MANAGER, WRITES)                                        \
    M(ListShipments, rpc_list_shipments, AUTHZ_USERS, READS)                                       \
    M(GetShipment, rpc_get_shipment, AUTHZ_USERS, READS)                                           \
    M(SetShipmentStatus, rpc_set_shipment_status, ADMIN_MANAGER, WRITES)                           \
    M(UpdateShipment, rpc_update_shipment, ADMIN_MANAGER, WRITES)                                  \
    /* issue 14: per-tenant rate limits */                                                         \
    M(SetTenantRateLimit, rpc_set_tenant_rate_limit, AUTHZ_OPERATOR, WRITES)                       \
    /* --- chunked document uploads --- */                                                         \
    M(BeginDocumentUpload, rpc_begin_document_upload, ADMIN_MANAGER, WRITES)                       \
    M(UploadDocumentChunk, rpc_upload_document_chunk, ADMIN_MANAGER, WRITES)                       \
    /* --- monthly reports, targets and attainment --- */                                          \
    M(OpenReport, rpc_open_report, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)                      \
    M(SaveReport, rpc_save_report, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)                      \
    M(SubmitReport, rpc_submit_report, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)                  \
    M(ReviewReport, rpc_review_report, ADMIN_MANAGER, WRITES)                                      \
    M(ReopenReport, rpc_reopen_report, ADMIN_MANAGER, WRITES)                                      \
    M(GetReport, rpc_get_report, AUTHZ_USERS, READS)                                               \
    M(ListReports, rpc_list_reports, AUTHZ_USERS, READS)                                           \
    M(ListReportsOwed, rpc_list_reports_owed, AUTHZ_USERS, READS)                                  \
    M(SetTarget, rpc_set_target, ADMIN_MANAGER, WRITES)                                            \
    M(DeleteTarget, rpc_delete_target, ADMIN_MANAGER, WRITES)                                      \
    M(ListTargets, rpc_list_targets, AUTHZ_USERS, READS)                                           \
    M(GetAttainment, rpc_get_attainment, AUTHZ_USERS, READS)                                       \
    /* --- issue 15 B: joint business plan (either side proposes, the other decides) --- */        \
    M(CreatePlan, rpc_create_plan, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)                      \
    M(SavePlan, rpc_save_plan, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)                          \
    M(ProposePlan, rpc_propose_plan, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)                    \
    M(ApprovePlan, rpc_approve_plan, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)                    \
    M(RejectPlan, rpc_reject_plan, ADMIN_MANAGER | AUTHZ_DISTRIBUTOR, WRITES)                      \
    M(GetPlan, rpc_get_plan, AUTHZ_USERS, READS)                                                   \
    M(ListPlans, rpc_list_plans, AUTHZ_USERS, READS)                                               \
    /* upstream updates: a distributor user's reading records its receipt, so Get writes */        \
    M(CreateUpstreamUpdate, rpc_create_upstream_update, ADMIN_MANAGER, WRITES)                     \
    M(PublishUpstreamUpdate, rpc_publish_upstream_update, ADMIN_MANAGER, WRITES)                   \
    M(ListUpstreamUpdates, rpc_list_upstream_updates, AUTHZ_USERS, READS)                          \
    M(GetUpstreamUpdate, rpc_get_upstream_update, AUTHZ_USERS, WRITES)                             \
    M(ListUpdateReceipts, rpc_list_update_receipts, ADMIN_MANAGER | AUTHZ_AUDITOR, READS)          \
    /* issue 15 part C: relationship health */                                                     \
    M(GetDistributorHealth, rpc_get_distributor_health, AUTHZ_USERS, READS)                        \
    M(GetPortfolio, rpc_get_portfolio, ADMIN_MANAGER | AUTHZ_AUDITOR, READS)                       \
    M(GetHealthWeights, rpc_get_health_weights, ADMIN_MANAGER | AUTHZ_AUDITOR, READS)              \
    M(SetHealthWeights, rpc_set_health_weights, AUTHZ_ADMIN, WRITES)                               \
    /* issue 15 part D: the operating handbook and the scorecard */                                \
    M(GenerateHandbook, rpc_generate_handbook, ADMIN_MANAGER, WRITES)                              \
    M(GetHandbook, rpc_get_handbook, AUTHZ_USERS, READS)                                           \
    M(GetScorecard, rpc_get_scorecard, AUTHZ_USERS, READS)                                         \
    /* --- tenant import (issue 18) --- */                                                         \
    M(BeginTenantImport, rpc_begin_tenant_import, AUTHZ_OPERATOR, WRITES)                          \
    M(ImportTenantRows, rpc_import_tenant_rows, AUTHZ_OPERATOR, WRITES)                            \
    M(FinishTenantImport, rpc_finish_tenant_import, AUTHZ_OPERATOR, WRITES)                        \
    /* --- live events --- */                                                                      \
    M(SubscribeEvents, rpc_subscribe_events, AUTHZ_USERS, READS)

/*
 * Creates: the RPCs that make something a caller would not want twice.
 * Each takes an idempotency key in its Frame (idempotency.h); any other
 * method refuses one. Keys are per tenant, per operator for CreateTenant.
 * CreateApiToken is left out on purpose: its answer holds the token, shown
 * once and stored only as a hash, so no repeat could give it again.
 */
#define RPC_CREATES(C)                                                                             \
    C(CreateTenant)                                                                                \
    C(CreateUser)                                                                                  \
    C(CreateProductLine)                                                                           \
    C(CreateProduct)                                                                               \
    C(CreateDistributor)                                                                           \
    C(CreateContact)                                                                               \
    C(CreateCharterDraft)                                                                          \
    C(AddCharterGrant)                                                                             \
    C(AddCarveOut)                                                                                 \
    C(DeclareCompetingLine)                                                                        \
    C(CreateKeyAccount)                                                                            \
    C(RegisterLead)                                                                                \
    C(CreateInteraction)                                                                           \
    C(CreateEscalationRequest)                                                                     \
    C(CreateMeeting)                                                                               \
    C(AddMeetingAttendee)                                                                          \
    C(AddMeetingNote)                                                                              \
    C(CreateActionItem)                                                                            \
    C(CreateDocument)                                                                              \
    C(AddDocumentVersion)                                                                          \
    C(AddTranslation)                                                                              \
    C(PlaceOrder)                                                                                  \
    C(AddShipment)                                                                                 \
    C(CreatePlan)                                                                                  \
    C(CreateUpstreamUpdate)

#endif
