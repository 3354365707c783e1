#!/usr/bin/env python3
"""Tenancy through the real CLI, client library, server and PostgreSQL:
the cross-tenant access matrix (every RPC of proto/liaison.proto, through
the Python binding of the library), row-level
security under the server's own database role, suspension, export and
deletion, Argon2id hashes, stored token hashes and log-in throttling."""
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "client-lib", "python"))
import liaison  # noqa: E402
import liaison_wire as w  # noqa: E402

CLI = sys.argv[1]
# A sanitized libliaison needs the sanitizer's runtime preloaded into the
# Python that loads it (CTest preloads it into this one), without leak
# checks of CPython itself; the CLI and psql run as in every other test.
os.environ.pop("LD_PRELOAD", None)
if "LIAISON_SERVER_ASAN_OPTIONS" in os.environ:
    os.environ["ASAN_OPTIONS"] = os.environ["LIAISON_SERVER_ASAN_OPTIONS"]
PROTO = os.path.join(HERE, "..", "..", "proto", "liaison.proto")
OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
PSQL = w.env("LIAISON_TEST_PSQL").split()
ENV = dict(os.environ, LIAISON_URL=w.env("LIAISON_TEST_URL"), LIAISON_CA=w.env("LIAISON_TEST_CA"),
           HOME=os.path.join(w.env("LIAISON_TEST_DIR"), "tenancy-home"))
ENV.pop("LIAISON_TOKEN", None)
PASSWORD = "correct horse battery staple"
failures = []
RUN = str(int(time.time() * 1000) % 10**8)  # lets the test run twice on one cluster


def check(cond, what):
    print(("ok - " if cond else "not ok - ") + what)
    if not cond:
        failures.append(what)
    return cond


def cli(*args, token=None, stdin=None):
    """Runs the CLI with --json; returns (code name, parsed output or error)."""
    cmd = [CLI, "--json"]
    if token:
        cmd += ["--token", token]
    p = subprocess.run(cmd + list(args), input=stdin, capture_output=True, text=True, env=ENV,
                       timeout=60)
    if p.returncode == 0:
        out = p.stdout.strip()
        try:
            return "OK", json.loads(out) if out else {}
        except json.JSONDecodeError:
            return "OK", out
    try:
        err = json.loads(p.stderr.strip().splitlines()[-1])
        return err.get("code", "UNKNOWN"), err
    except (json.JSONDecodeError, IndexError):
        return "EXIT_%d" % p.returncode, p.stderr


def call(method, request, token=None):
    return cli("call", method, json.dumps(request), token=token)


def sql(query, role="postgres"):
    """Runs query; the default role, a superuser, sees through row-level security."""
    p = subprocess.run(PSQL + ["-U", role, "-c", query], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("psql: %s" % p.stderr)
    return p.stdout.strip()


def login(tenant, email, password=PASSWORD):
    code, out = call("Login", {"tenant": tenant, "email": email, "password": password})
    if code != "OK":
        raise RuntimeError("login %s/%s: %s %s" % (tenant, email, code, out))
    return out["token"]


def make_tenant(slug):
    code, out = call("CreateTenant", {"slug": slug, "name": "Tenant " + slug,
                                      "adminEmail": "admin@%s.example" % slug,
                                      "adminPassword": PASSWORD}, token=OPERATOR)
    if code != "OK":
        raise RuntimeError("create tenant %s: %s %s" % (slug, code, out))
    return login(slug, "admin@%s.example" % slug)


def make_user(admin, email, role, **extra):
    req = {"email": email, "role": role, "password": PASSWORD}
    req.update(extra)
    code, out = call("CreateUser", req, token=admin)
    if code != "OK":
        raise RuntimeError("create user %s: %s %s" % (email, code, out))
    return out["user"]["id"]


# ---------------- set-up: two exporter tenants ----------------
A, B = "vn-parts-" + RUN, "other-" + RUN
admin_a = make_tenant(A)
admin_b = make_tenant(B)
a_id = sql("SELECT id FROM tenants WHERE slug = '%s'" % A)
FIELDS = {"country": "VN", "timeZone": "Asia/Ho_Chi_Minh", "languages": ["vi"]}


def must(method, request, token):
    code, out = call(method, request, token=token)
    if code != "OK":
        raise RuntimeError("%s: %s %s" % (method, code, out))
    return out


d1 = must("CreateDistributor", {"fields": dict(FIELDS, name="Saigon Auto")},
          admin_a)["distributor"]["id"]
d2 = must("CreateDistributor", {"fields": dict(FIELDS, name="Hanoi Motors")},
          admin_a)["distributor"]["id"]
line_a = must("CreateProductLine", {"code": "SECRETLINE", "name": "Brakes"},
              admin_a)["productLine"]["id"]
product_a = must("CreateProduct", {"sku": "SECRETSKU", "productLineId": line_a, "name": "Pad",
                                   "unit": "set"}, admin_a)["product"]["id"]
contact_a = must("CreateContact", {"distributorId": d1, "fields": {"name": "Secret Contact"}},
                 admin_a)["contact"]["id"]
charter_a = must("CreateCharterDraft", {"distributorId": d1}, admin_a)["charter"]["id"]
grant_a = must("AddCharterGrant", {"charterId": charter_a, "grant": {
    "region": "VN", "allLines": True, "exclusive": True, "startsOn": "2026-01-01"}},
    admin_a)["charter"]["grants"][0]["id"]
lead_a = must("RegisterLead", {"distributorId": d1, "accountName": "Secret Account",
                               "country": "VN", "title": "Secret deal", "currency": "VND"},
              admin_a)["lead"]
account_a = lead_a["keyAccountId"]
lead_a = lead_a["id"]
interaction_a = must("CreateInteraction", {"distributorId": d1, "kind": "call",
                                           "summary": "Secret call", "leadId": lead_a},
                     admin_a)["interaction"]["id"]
# --- escalation ---
ESCALATION_LADDER = [{"contactId": contact_a, "method": "email", "responseHours": 4}]
must("SetEscalationProtocol", {"distributorId": d1, "severity": "critical",
                               "steps": ESCALATION_LADDER}, admin_a)
escalation_a = must("CreateEscalationRequest", {"distributorId": d1, "severity": "critical",
                                                "subject": "x", "text": "y"},
                    admin_a)["escalation"]["id"]
# A day ago: a meeting is recorded at most 7 days back (a try-out).
RECENT = time.strftime("%Y-%m-%dT%H:00:00Z", time.gmtime(time.time() - 86400))
meeting_a = must("CreateMeeting", {"distributorId": d1, "title": "Secret meeting",
                                   "startsAt": RECENT, "durationMinutes": 30,
                                   "attendees": ["Secret Contact"]}, admin_a)["meeting"]
meeting_a, attendee_a = meeting_a["id"], meeting_a["attendees"][0]["id"]
action_a = must("CreateActionItem", {"distributorId": d1, "description": "Secret action",
                                     "ownerContactId": contact_a, "dueOn": "2026-03-10"},
                admin_a)["actionItem"]["id"]
# --- orders and shipments (the note and carrier carry markers below) ---
order_a = must("PlaceOrder", {"distributorId": d1, "currency": "VND", "note": "Secret deal order",
                              "lines": [{"productId": product_a, "quantity": 5,
                                         "unitPriceMinor": 100}]}, admin_a)["order"]
order_a, order_line_a = order_a["id"], order_a["lines"][0]["id"]
must("SetOrderStatus", {"id": order_a, "status": "confirmed"}, admin_a)
shipment_a = must("AddShipment", {"orderId": order_a, "carrier": "Secret call carrier",
                                  "lines": [{"orderLineId": order_line_a, "quantity": 1}]},
                  admin_a)["shipment"]["id"]
manager_id = make_user(admin_a, "manager@a.example", "ROLE_MANAGER", seesAllDistributors=True)
auditor_id = make_user(admin_a, "auditor@a.example", "ROLE_AUDITOR")
make_user(admin_a, "dist1@a.example", "ROLE_DISTRIBUTOR_USER", distributorId=d1)
make_user(admin_a, "dist2@a.example", "ROLE_DISTRIBUTOR_USER", distributorId=d2)
disabled_id = make_user(admin_a, "leaver@a.example", "ROLE_TENANT_ADMIN")
manager = login(A, "manager@a.example")
auditor = login(A, "auditor@a.example")
dist2 = login(A, "dist2@a.example")
leaver = login(A, "leaver@a.example")
code, tok = call("CreateApiToken", {"name": "erp sync", "role": "ROLE_MANAGER"}, token=admin_a)
check(code == "OK" and tok["token"].startswith("lts_"), "API token created")
api_token, api_token_id = tok["token"], tok["apiToken"]["id"]
code, _ = call("DisableUser", {"userId": disabled_id}, token=admin_a)
check(code == "OK", "a user is disabled")
code, _ = call("WhoAmI", {}, token=leaver)
check(code == "UNAUTHENTICATED", "a disabled user's session is refused at once")
# A disabled user with the right password was told it was wrong, tried again and locked the
# account (a try-out): the right password is told the login is disabled, and nothing else is.
code, out = call("Login", {"tenant": A, "email": "leaver@a.example", "password": PASSWORD})
check(code == "PERMISSION_DENIED" and "this login is disabled" in out.get("message", "")
      and "token" not in out, "a disabled user with the right password is told the login is "
      "disabled (%s %s)" % (code, out))
code, out = call("Login", {"tenant": A, "email": "leaver@a.example", "password": "guess"})
check(code == "UNAUTHENTICATED" and "disabled" not in json.dumps(out),
      "a disabled user's wrong password says only that it failed (%s %s)" % (code, out))
check(sql("SELECT count(*) FROM sessions WHERE user_id = %s AND revoked_at IS NULL"
          % disabled_id) == "0", "no session is made for a disabled user")
code, out = call("WhoAmI", {}, token=api_token)
check(code == "OK" and out["identity"]["kind"] == "api_token", "API token authenticates")

# Things of tenant A that must never show to anyone outside it, and those of
# distributor 1 that must never show to distributor 2's user.
MARKERS = [A, "manager@a.example", "auditor@a.example", "dist1@a.example", "Saigon Auto",
           "SECRETLINE", "SECRETSKU", "Secret Contact", "Secret Account", "Secret deal",
           "Secret call", "Secret meeting", "Secret action"]
OTHER_DISTRIBUTOR = ["manager@a.example", "auditor@a.example", "dist1@a.example", "Saigon Auto",
                     "Secret Contact", "Secret Account", "Secret deal", "Secret call",
                     "Secret meeting", "Secret action"]
# --- documents: one shared with distributor 1 only ---
document_a = must("CreateDocument", {"kind": "price_sheet", "title": "Secret document",
                                     "language": "vi", "share": [d1],
                                     "content": "U2VjcmV0IHByaWNlcw=="}, admin_a)["document"]["id"]
MARKERS.append("Secret document")
OTHER_DISTRIBUTOR.append("Secret document")
# --- a monthly report and a target of distributor 1, written as the owner (the charter above
# stays a draft, and opening a report needs an active one) ---
report_a = int(sql("INSERT INTO monthly_reports (tenant_id, distributor_id, period, due_on, "
                   "market_intelligence, created_by, created_at, updated_by, updated_at) VALUES "
                   "(%s, %s, '2099-01-01', '2099-02-10', 'Secret intel', 'x', now(), 'x', now()) "
                   "RETURNING id" % (a_id, d1)).split()[0])
target_a = int(sql("INSERT INTO targets (tenant_id, distributor_id, product_line_id, period_kind, "
                   "period_start, units, set_by, set_at) VALUES (%s, %s, %s, 'month', "
                   "'2099-01-01', 5, 'x', now()) RETURNING id" % (a_id, d1, line_a)).split()[0])
MARKERS.append("Secret intel")
OTHER_DISTRIBUTOR.append("Secret intel")
# --- issue 15 B: distributor 1's plan, and an update aimed at its territory ---
plan_a = must("CreatePlan", {"distributorId": d1, "year": 2030}, admin_a)["plan"]["id"]
must("SavePlan", {"id": plan_a, "goals": [{"productLineId": line_a, "period": "2030",
                                           "units": 10}],
                  "initiatives": [{"title": "Secret plan initiative", "ownerUserId": manager_id,
                                   "startsOn": "2030-01-01", "dueOn": "2030-02-01"}]}, admin_a)
update_a = must("CreateUpstreamUpdate", {"kind": "launch", "title": "Secret update",
                                         "body": "x", "language": "vi",
                                         "effectiveOn": "2030-01-01", "regions": ["VN"],
                                         "productLineIds": [line_a]}, admin_a)["update"]["id"]
MARKERS += ["Secret plan initiative", "Secret update"]
OTHER_DISTRIBUTOR += ["Secret plan initiative", "Secret update"]

# ---------------- the access matrix ----------------
service = open(PROTO).read().split("service Liaison {", 1)[1]
methods = re.findall(r"rpc\s+(\w+)\s*\(", service)
ANYONE = {"anonymous", "operator", "tenant_admin", "manager", "distributor_user", "auditor"}
USERS = {"tenant_admin", "manager", "distributor_user", "auditor"}
WORKING_TIME = {"timeZone": "Europe/Berlin", "businessHoursStart": "09:00",
                "businessHoursEnd": "17:00", "workDays": [1, 2, 3, 4, 5]}
# method: (who may call it, is it a write, a request aimed at tenant A's things)
MATRIX = {
    "Hello": (ANYONE, False, {"protocolVersion": 1}),
    "Ping": (ANYONE, False, {"echo": "x"}),
    "GetHealth": (ANYONE, False, {}),
    "ListMigrations": ({"operator"}, False, {}),
    "Login": (ANYONE, False, {"tenant": A, "email": "manager@a.example", "password": "wrong"}),
    "Authenticate": (ANYONE, False, {"token": "lts_1_" + "x" * 43}),
    "Logout": ({"operator"} | USERS, True, {}),
    "WhoAmI": ({"operator"} | USERS, False, {}),
    "CreateTenant": ({"operator"}, True, {"slug": "x-" + RUN, "name": "x",
                                          "adminEmail": "a@x.example", "adminPassword": PASSWORD}),
    "ListTenants": ({"operator"}, False, {}),
    "GetTenant": ({"operator"}, False, {"slug": A}),
    "SuspendTenant": ({"operator"}, True, {"slug": A}),
    "ResumeTenant": ({"operator"}, True, {"slug": A}),
    "ExportTenant": ({"operator"}, False, {"slug": A}),
    "DeleteTenant": ({"operator"}, True, {"slug": A, "confirm": A}),
    "RecoverTenantAdmin": ({"operator"}, True, {"slug": A, "adminEmail": "admin@%s.example" % A,
                                                "adminPassword": "taken over " + PASSWORD}),
    "CreateUser": ({"tenant_admin"}, True, {"email": "new@a.example", "role": "ROLE_AUDITOR",
                                            "password": PASSWORD}),
    "ListUsers": ({"tenant_admin", "manager", "auditor"}, False, {}),
    "UpdateUser": ({"tenant_admin"}, True, {"userId": manager_id, "displayName": "Trần Quản lý",
                                            "role": "ROLE_MANAGER"}),
    "DisableUser": ({"tenant_admin"}, True, {"userId": manager_id}),
    "EnableUser": ({"tenant_admin"}, True, {"userId": disabled_id}),
    "ChangePassword": (USERS, True, {"currentPassword": "wrong password x",
                                     "newPassword": PASSWORD + "!"}),
    "ResetPassword": ({"tenant_admin"}, True, {"userId": manager_id, "newPassword": PASSWORD}),
    "CreateApiToken": ({"tenant_admin"}, True, {"name": "t", "role": "ROLE_AUDITOR"}),
    "ListApiTokens": ({"tenant_admin", "auditor"}, False, {}),
    "RevokeApiToken": ({"tenant_admin"}, True, {"id": api_token_id}),
    # Another tenant's user, and a session id no caller here holds: nothing to end.
    "ListSessions": (USERS, False, {"userId": manager_id}),
    "RevokeSessions": (USERS, True, {"id": 1}),
    "ListAuditLog": ({"tenant_admin", "auditor"}, False, {}),
    "ListPlatformAudit": ({"operator"}, False, {"tenant": A}),
    "CreateProductLine": ({"tenant_admin"}, True, {"code": "X" + RUN, "name": "x"}),
    "ListProductLines": (USERS, False, {}),
    "UpdateProductLine": ({"tenant_admin"}, True, {"id": line_a, "name": "y"}),
    "RetireProductLine": ({"tenant_admin"}, True, {"id": line_a}),
    "ReinstateProductLine": ({"tenant_admin"}, True, {"id": line_a}),
    "CreateProduct": ({"tenant_admin"}, True, {"sku": "S" + RUN, "productLineId": line_a,
                                               "name": "x", "unit": "pcs"}),
    "ListProducts": (USERS, False, {}),
    "GetProduct": (USERS, False, {"id": product_a}),
    "UpdateProduct": ({"tenant_admin"}, True, {"id": product_a, "name": "x", "unit": "pcs"}),
    "RetireProduct": ({"tenant_admin"}, True, {"id": product_a}),
    "ReinstateProduct": ({"tenant_admin"}, True, {"id": product_a}),
    "CreateDistributor": ({"tenant_admin"}, True, {"fields": dict(FIELDS, name="New")}),
    "ListDistributors": (USERS, False, {}),
    "GetDistributor": (USERS, False, {"id": d1}),
    "UpdateDistributor": ({"tenant_admin", "manager"}, True,
                          {"id": d1, "fields": dict(FIELDS, name="Renamed")}),
    "SetDistributorStatus": ({"tenant_admin", "manager"}, True, {"id": d1, "status": "onboarding"}),
    "AssignAccountManager": ({"tenant_admin"}, True, {"id": d1, "userId": manager_id}),
    "CreateContact": ({"tenant_admin", "manager"}, True,
                      {"distributorId": d1, "fields": {"name": "x"}}),
    "ListContacts": (USERS, False, {"distributorId": d1}),
    "GetContact": (USERS, False, {"id": contact_a}),
    "UpdateContact": ({"tenant_admin", "manager"}, True, {"id": contact_a, "fields": {"name": "y"}}),
    "RemoveContact": ({"tenant_admin", "manager"}, True, {"id": contact_a}),
    "SetContactLeft": ({"tenant_admin", "manager"}, True, {"id": contact_a}),
    "CreateCharterDraft": ({"tenant_admin", "manager"}, True, {"distributorId": d1}),
    "SetCharterTerms": ({"tenant_admin", "manager"}, True,
                        {"charterId": charter_a, "fullCoverage": True, "reportDueDay": 3}),
    "AddCharterGrant": ({"tenant_admin", "manager"}, True, {"charterId": charter_a, "grant": {
        "region": "LA", "allLines": True, "startsOn": "2026-01-01"}}),
    "UpdateCharterGrant": ({"tenant_admin", "manager"}, True, {
        "charterId": charter_a, "itemId": grant_a,
        "grant": {"region": "LA", "allLines": True, "startsOn": "2026-02-01"}}),
    "RemoveCharterGrant": ({"tenant_admin", "manager"}, True,
                           {"charterId": charter_a, "itemId": grant_a}),
    "AddCarveOut": ({"tenant_admin", "manager"}, True,
                    {"charterId": charter_a, "carveOut": {"accountName": "x"}}),
    "SetCommitment": ({"tenant_admin", "manager"}, True, {"charterId": charter_a, "commitment": {
        "productLineId": line_a, "bufferUnit": "units", "financing": "shared"}}),
    "DeclareCompetingLine": ({"tenant_admin", "manager"}, True, {
        "charterId": charter_a, "competingLine": {"competitor": "x", "line": "y"}}),
    "RemoveCarveOut": ({"tenant_admin", "manager"}, True, {"charterId": charter_a, "itemId": 1}),
    "RemoveCommitment": ({"tenant_admin", "manager"}, True,
                         {"charterId": charter_a, "itemId": 1}),
    "RemoveCompetingLine": ({"tenant_admin", "manager"}, True,
                            {"charterId": charter_a, "itemId": 1}),
    "DiscardCharterDraft": ({"tenant_admin", "manager"}, True, {"id": charter_a}),
    "CheckCharter": ({"tenant_admin", "manager", "auditor"}, False, {"id": charter_a}),
    "ActivateCharter": ({"tenant_admin", "manager"}, True, {"id": charter_a}),
    "GetCharter": (USERS, False, {"distributorId": d1}),
    "ListCharterVersions": (USERS, False, {"distributorId": d1}),
    "CreateKeyAccount": ({"tenant_admin", "manager"}, True,
                         {"name": "x", "country": "VN", "distributorId": d1}),
    "ListKeyAccounts": (USERS, False, {}),
    "GetKeyAccount": (USERS, False, {"id": account_a}),
    "UpdateKeyAccount": ({"tenant_admin", "manager"}, True, {"id": account_a, "industry": "x"}),
    "RegisterLead": ({"tenant_admin", "manager", "distributor_user"}, True, {
        "distributorId": d1, "accountName": "Secret Account", "country": "VN", "title": "x",
        "currency": "VND"}),
    "ListLeads": (USERS, False, {}),
    "GetLead": (USERS, False, {"id": lead_a}),
    "SetLeadStage": ({"tenant_admin", "manager", "distributor_user"}, True,
                     {"id": lead_a, "stage": "qualified"}),
    "DecideLeadRegistration": ({"tenant_admin", "manager"}, True,
                               {"id": lead_a, "decision": "reject"}),
    "UpdateLead": ({"tenant_admin", "manager", "distributor_user"}, True,
                   {"id": lead_a, "title": "x"}),
    "CreateInteraction": ({"tenant_admin", "manager", "distributor_user"}, True,
                          {"kind": "call", "summary": "x", "leadId": lead_a}),
    "ListInteractions": (USERS, False, {}),
    "UpdateInteraction": ({"tenant_admin", "manager", "distributor_user"}, True,
                          {"id": interaction_a, "summary": "x"}),
    "GetCrmSettings": ({"tenant_admin", "manager", "auditor"}, False, {}),
    "UpdateCrmSettings": ({"tenant_admin"}, True, {"settings": {"dealProtectionDays": 10}}),
    # --- escalation ---
    "SetEscalationProtocol": ({"tenant_admin", "manager"}, True, {
        "distributorId": d1, "severity": "critical", "steps": ESCALATION_LADDER}),
    "GetEscalationProtocol": (USERS, False, {"distributorId": d1}),
    "CreateEscalationRequest": ({"tenant_admin", "manager"}, True, {
        "distributorId": d1, "severity": "critical", "subject": "x", "text": "y"}),
    "RespondEscalation": ({"tenant_admin", "manager", "distributor_user"}, True,
                          {"id": escalation_a, "text": "x"}),
    "AdvanceEscalation": ({"tenant_admin", "manager"}, True, {"id": escalation_a, "stepNo": 1}),
    "ListEscalations": (USERS, False, {"distributorId": d1}),
    "GetEscalation": (USERS, False, {"id": escalation_a}),
    "GetEscalationConcern": ({"tenant_admin", "manager", "auditor"}, False, {"id": escalation_a}),
    "GetClock": ({"operator"}, False, {}),
    "SetClock": ({"operator"}, True, {"reset": True}),
    "ListJobs": ({"operator"}, False, {}),
    # --- meetings, notes and action items ---
    "CreateMeeting": ({"tenant_admin", "manager"}, True, {
        "distributorId": d1, "title": "x", "startsAt": RECENT,
        "durationMinutes": 30}),
    "ListMeetings": (USERS, False, {"distributorId": d1}),
    "GetMeeting": (USERS, False, {"id": meeting_a}),
    "RescheduleMeeting": ({"tenant_admin", "manager"}, True,
                          {"id": meeting_a, "startsAt": "2026-03-03T08:00:00Z"}),
    "MarkMeetingHeld": ({"tenant_admin", "manager"}, True, {"id": meeting_a}),
    "MarkMeetingMissed": ({"tenant_admin", "manager"}, True, {"id": meeting_a}),
    "CancelMeeting": ({"tenant_admin", "manager"}, True, {"id": meeting_a}),
    "ReopenMeeting": ({"tenant_admin", "manager"}, True, {"id": meeting_a}),
    "AddMeetingAttendee": ({"tenant_admin", "manager"}, True,
                           {"meetingId": meeting_a, "attendee": "manager@a.example"}),
    "RemoveMeetingAttendee": ({"tenant_admin", "manager"}, True,
                              {"meetingId": meeting_a, "attendeeId": attendee_a}),
    "SetAttendance": ({"tenant_admin", "manager", "distributor_user"}, True,
                      {"meetingId": meeting_a, "attendeeId": attendee_a, "attended": True}),
    "AddMeetingNote": ({"tenant_admin", "manager", "distributor_user"}, True,
                       {"meetingId": meeting_a, "body": "x"}),
    "GetNotesCompliance": ({"tenant_admin", "manager", "auditor"}, False, {
        "distributorId": d1, "from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"}),
    "CreateActionItem": ({"tenant_admin", "manager"}, True, {
        "distributorId": d1, "description": "x", "ownerContactId": contact_a,
        "dueOn": "2026-03-10"}),
    "ListActionItems": (USERS, False, {"distributorId": d1}),
    "GetActionItem": (USERS, False, {"id": action_a}),
    "CompleteActionItem": ({"tenant_admin", "manager", "distributor_user"}, True,
                           {"id": action_a}),
    "CancelActionItem": ({"tenant_admin", "manager"}, True, {"id": action_a}),
    "UpdateActionItem": ({"tenant_admin", "manager"}, True, {"id": action_a,
                                                             "description": "y"}),
    "ExportCalendar": (USERS, False, {"distributorId": d1}),
    "GetTenantWorkingTime": (USERS, False, {}),
    "SetTenantWorkingTime": ({"tenant_admin"}, True, {"workingTime": WORKING_TIME}),
    "GetUserWorkingTime": (USERS, False, {"userId": manager_id}),
    "SetUserWorkingTime": (USERS, True, {"userId": manager_id, "workingTime": WORKING_TIME}),
    "ListCadenceDefaults": (USERS, False, {}),
    "SetCadenceDefault": ({"tenant_admin"}, True, {"kind": "weekly", "durationMinutes": 25}),
    "PlanCadence": ({"tenant_admin", "manager"}, True, {"distributorId": d1}),
    "GetCadence": (USERS, False, {"distributorId": d1}),
    "UpdateMeetingSeries": ({"tenant_admin", "manager"}, True, {"id": 1, "title": "x"}),
    "GetCadenceFairness": (USERS, False, {"distributorId": d1, "from": "2026-01-01",
                                          "to": "2026-03-31"}),
    # --- documents and translations ---
    "CreateDocument": ({"tenant_admin", "manager"}, True, {
        "kind": "other", "title": "x", "language": "vi", "content": "eA=="}),
    "AddDocumentVersion": ({"tenant_admin", "manager"}, True,
                           {"documentId": document_a, "content": "eA=="}),
    "AddTranslation": ({"tenant_admin", "manager"}, True,
                       {"documentId": document_a, "language": "ja", "content": "eA=="}),
    "ShareDocument": ({"tenant_admin", "manager"}, True,
                      {"documentId": document_a, "shareListedOnly": True}),
    "ListDocuments": (USERS, False, {}),
    "GetDocument": (USERS, False, {"id": document_a}),
    "GetDocumentContent": (USERS, False, {"documentId": document_a}),
    "GetTranslationCoverage": (USERS, False, {"distributorId": d1}),
    # --- orders and shipments ---
    "PlaceOrder": ({"tenant_admin", "manager", "distributor_user"}, True, {
        "distributorId": d1, "currency": "VND",
        "lines": [{"productId": product_a, "quantity": 1, "unitPriceMinor": 1}]}),
    "ListOrders": (USERS, False, {}),
    "GetOrder": (USERS, False, {"id": order_a}),
    "SetOrderStatus": ({"tenant_admin", "manager", "distributor_user"}, True,
                       {"id": order_a, "status": "cancelled"}),
    "AddShipment": ({"tenant_admin", "manager"}, True, {
        "orderId": order_a, "carrier": "x", "lines": [{"orderLineId": order_line_a,
                                                       "quantity": 1}]}),
    "ListShipments": (USERS, False, {}),
    "GetShipment": (USERS, False, {"id": shipment_a}),
    "SetShipmentStatus": ({"tenant_admin", "manager"}, True,
                          {"id": shipment_a, "status": "cancelled"}),
    "UpdateShipment": ({"tenant_admin", "manager"}, True, {"id": shipment_a, "eta": "2099-01-01"}),
    "SetTenantRateLimit": ({"operator"}, True, {"slug": A, "ratePerS": 1, "burst": 1}),
    # --- chunked document uploads ---
    "BeginDocumentUpload": ({"tenant_admin", "manager"}, True,
                            {"sizeBytes": 1, "sha256": "A" * 43 + "="}),
    "UploadDocumentChunk": ({"tenant_admin", "manager"}, True,
                            {"uploadId": 1, "offset": 0, "content": "eA=="}),
    # --- monthly reports, targets and attainment ---
    "OpenReport": ({"tenant_admin", "manager", "distributor_user"}, True,
                   {"distributorId": d1, "period": "2026-02"}),
    "SaveReport": ({"tenant_admin", "manager", "distributor_user"}, True,
                   {"id": report_a, "marketIntelligence": "x"}),
    "SubmitReport": ({"tenant_admin", "manager", "distributor_user"}, True, {"id": report_a}),
    "ReviewReport": ({"tenant_admin", "manager"}, True, {"id": report_a, "comment": "x"}),
    "ReopenReport": ({"tenant_admin", "manager"}, True, {"id": report_a, "comment": "x"}),
    "GetReport": (USERS, False, {"id": report_a}),
    "ListReports": (USERS, False, {}),
    "ListReportsOwed": (USERS, False, {}),
    "SetTarget": ({"tenant_admin", "manager"}, True,
                  {"distributorId": d1, "productLineId": line_a, "period": "2099", "units": 1}),
    "DeleteTarget": ({"tenant_admin", "manager"}, True, {"id": target_a}),
    "ListTargets": (USERS, False, {}),
    "GetAttainment": (USERS, False, {"distributorId": d1, "to": "2099-01", "last": 1}),
    # --- issue 15 B: the joint business plan and upstream updates ---
    "CreatePlan": ({"tenant_admin", "manager", "distributor_user"}, True,
                   {"distributorId": d1, "year": 2031}),
    "SavePlan": ({"tenant_admin", "manager", "distributor_user"}, True, {"id": plan_a, "goals": [
        {"productLineId": line_a, "period": "2030", "units": 1}]}),
    "ProposePlan": ({"tenant_admin", "manager", "distributor_user"}, True, {"id": plan_a}),
    "ApprovePlan": ({"tenant_admin", "manager", "distributor_user"}, True, {"id": plan_a}),
    "RejectPlan": ({"tenant_admin", "manager", "distributor_user"}, True,
                   {"id": plan_a, "comment": "x"}),
    "GetPlan": (USERS, False, {"id": plan_a}),
    "ListPlans": (USERS, False, {}),
    "CreateUpstreamUpdate": ({"tenant_admin", "manager"}, True, {
        "kind": "launch", "title": "x", "body": "x", "language": "vi", "effectiveOn": "2030-01-01",
        "regions": ["VN"], "productLineIds": [line_a]}),
    "PublishUpstreamUpdate": ({"tenant_admin", "manager"}, True, {"id": update_a}),
    "ListUpstreamUpdates": (USERS, False, {}),
    "GetUpstreamUpdate": (USERS, False, {"id": update_a}),
    "ListUpdateReceipts": ({"tenant_admin", "manager", "auditor"}, False, {"updateId": update_a}),
    # --- relationship health (issue 15 part C) ---
    "GetDistributorHealth": (USERS, False, {"distributorId": d1}),
    "GetPortfolio": ({"tenant_admin", "manager", "auditor"}, False, {}),
    "GetHealthWeights": ({"tenant_admin", "manager", "auditor"}, False, {}),
    "SetHealthWeights": ({"tenant_admin"}, True, {"weights": {"orderTrend": 30}}),
    # --- issue 15 part D: the operating handbook and the scorecard ---
    "GenerateHandbook": ({"tenant_admin", "manager"}, True, {"distributorId": d1}),
    "GetHandbook": (USERS, False, {"distributorId": d1, "format": "html"}),
    "GetScorecard": (USERS, False, {"distributorId": d1}),
    "BeginTenantImport": ({"operator"}, True, {"slug": A, "name": "x"}),
    "ImportTenantRows": ({"operator"}, True,
                         {"importId": 1, "rows": [{"table": "users", "json": "{}"}]}),
    "FinishTenantImport": ({"operator"}, True, {"importId": 1, "rows": 1}),
    # --- live events: a wrong kind, so that a caller let in is answered at once ---
    "SubscribeEvents": (USERS, False, {"kinds": ["none"]}),
}
missing = [m for m in methods if m not in MATRIX]
check(not missing, "every RPC in the proto is in the access matrix (missing: %s)" % missing)
check(not [m for m in MATRIX if m not in methods], "the matrix names no RPC the proto lacks")
check(len(methods) >= 54, "the proto's service was parsed (%d RPCs)" % len(methods))

# Parties that must get nothing of tenant A: (label, token, role it has).
# Fresh sessions: the matrix's own Logout calls end them.
PARTIES = [("unauthenticated", None, "anonymous"),
           ("admin of another tenant", login(B, "admin@%s.example" % B), "tenant_admin"),
           ("distributor user of another distributor", dist2, "distributor_user"),
           ("auditor", login(A, "auditor@a.example"), "auditor"),
           ("disabled user", leaver, None)]
# Logout ends the party's session: probe it last so every other probe runs
# with a live session.
order = [m for m in methods if m != "Logout"] + [m for m in methods if m == "Logout"]
clients = {}


def probe(method, request, token):
    """call(), over one connection per party that the binding keeps open:
    the library's JSON mapping and the server's checks as the CLI's call has
    them, without a process and a TLS handshake for each of some 800 probes."""
    client = clients.get(token)
    if client is None:
        client = clients[token] = liaison.Client(w.env("LIAISON_TEST_URL"),
                                                 ca=w.env("LIAISON_TEST_CA"), token=token)
    for attempt in (1, 2):
        try:
            try:
                return "OK", client.call(method, request)
            except liaison.Error as e:
                if "Client.stream()" not in e.message:
                    raise
                return "OK", client.stream(method, request)
        except liaison.Unavailable:
            # The server closes a connection left idle (LIAISON_TEST_IDLE_MS)
            # while other parties' probes ran: once more on a new one.
            if attempt == 2:
                return "UNAVAILABLE", {}
        except liaison.Error as e:
            return e.code_name, {"code": e.code_name, "message": e.message,
                                 "violations": e.violations}
        except (TypeError, ValueError) as e:
            return "NOT_SENT", {"message": str(e)}  # the binding refused the request itself


for method in order:
    who, write, request = MATRIX.get(method, (set(), True, {}))
    for label, token, role in PARTIES:
        if label == "auditor" and not write:
            continue  # an auditor may read its own tenant: only writes are probed
        if method in ("Hello", "Ping", "GetHealth") and label != "disabled user":
            continue  # no tenant data at all behind these
        code, out = probe(method, request, token)
        text = json.dumps(out, ensure_ascii=False)
        markers = OTHER_DISTRIBUTOR if role == "distributor_user" else MARKERS
        leaked = [m for m in markers if m in text]
        if role is None or role == "anonymous" or method in ("Login", "Authenticate"):
            # no live credential, or a bogus one offered: nothing but UNAUTHENTICATED
            ok = code == "UNAUTHENTICATED"
        elif role in who:
            # allowed for its own tenant: it must reach nothing of tenant A
            ok = code not in ("UNAUTHENTICATED", "INTERNAL") and not leaked
        else:
            ok = code == "PERMISSION_DENIED"
        check(ok and not leaked,
              "%s as %s -> %s%s" % (method, label, code, " LEAK %s" % leaked if leaked else ""))
for client in clients.values():
    client.close()

# ---------------- another distributor's id in a list's filter ----------------
# Some lists refused it NOT_FOUND and others answered an empty page (a library developer's
# try-out): one answer, whichever list, so that a portal has one error path. A fresh session:
# the matrix's Logout ended dist2's.
dist2_again = login(A, "dist2@a.example")
for method in ("ListKeyAccounts", "ListLeads", "ListInteractions", "ListOrders", "ListShipments",
               "ListPlans", "ListReports", "ListReportsOwed", "ListTargets", "ListUpstreamUpdates", "ListMeetings",
               "ListActionItems", "ListContacts", "ListEscalations"):
    allowed = "distributor_user" in MATRIX[method][0]
    code, out = call(method, {"distributorId": d1}, token=dist2_again)
    check(code == ("NOT_FOUND" if allowed else "PERMISSION_DENIED")
          and not [m for m in OTHER_DISTRIBUTOR if m in json.dumps(out)],
          "%s filtered by another distributor: %s (%s)" % (method, code, out.get("message")))
# Its own contacts with no distributor named, as GetCharter and OpenReport take 0 (a library
# developer's try-out: "distributorId: required" sent it to WhoAmI first).
must("CreateContact", {"distributorId": d2, "fields": {"name": "Trần Văn Hùng"}}, admin_a)
code, out = call("ListContacts", {}, token=dist2_again)
own = must("ListContacts", {"distributorId": d2}, admin_a)["contacts"]
check(code == "OK" and own
      and [c["id"] for c in out.get("contacts", [])] == [c["id"] for c in own],
      "ListContacts without a distributor is a distributor user's own (%s %s)" % (code, out))

# ---------------- row-level security, the second wall ----------------
check(sql("SELECT rolbypassrls FROM pg_roles WHERE rolname = 'liaison_app'") == "f",
      "the server's database role has no BYPASSRLS")
owned = sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = "
            "'liaison_app'")
check(owned == "0", "the server's database role owns no table")
tables = sql("SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
             "AND a.attname = 'tenant_id' JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1").split()
check(set(tables) >= {"users", "sessions", "audit_log", "distributors", "charters",
                      "charter_grants", "product_lines", "contacts"},
      "tenant tables found: %s" % tables)
b_id = sql("SELECT id FROM tenants WHERE slug = '%s'" % B)
for t in tables:
    forced = sql("SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE relname = "
                 "'%s'" % t)
    check(forced == "t", "%s: row-level security enabled and forced" % t)
    pk = sql("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
             "AND a.attnum = i.indkey[0] WHERE i.indrelid = '%s'::regclass AND i.indisprimary" % t)
    check(pk == "tenant_id", "%s: tenant_id leads the primary key" % t)
    # audit_log is append-only for liaisond: test_audit_append_only() below.
    updatable = sql("SELECT has_table_privilege('liaison_app', '%s', 'UPDATE')" % t) == "t"
    for setting in ("", "SET liaison.tenant_id = %s;" % b_id):
        n = sql("%s SELECT count(*) FROM %s WHERE tenant_id = %s" % (setting, t, a_id),
                role="liaison_app").splitlines()[-1]
        check(n == "0", "%s as liaison_app with tenant %s: 0 rows of the target" %
              (t, setting and "B" or "unset"))
        if not updatable:
            continue
        upd = sql("%s WITH u AS (UPDATE %s SET tenant_id = tenant_id WHERE tenant_id = %s "
                  "RETURNING 1) SELECT count(*) FROM u" % (setting, t, a_id),
                  role="liaison_app").splitlines()[-1]
        check(upd == "0", "%s: update of the target tenant's rows reaches none" % t)
fks = sql("SELECT count(*) FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid "
          "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
          "WHERE c.contype = 'f' AND r.relname = ANY(ARRAY['%s']) AND a.attname <> 'tenant_id'"
          % "','".join(tables))
check(fks == "0", "every foreign key of a tenant table starts with tenant_id")
try:
    sql("SET liaison.tenant_id = %s; INSERT INTO audit_log (tenant_id, actor, action, entity, "
        "entity_id, request_id, source) VALUES (%s, 'x', 'x', 'x', 'x', 'x', 'x')" % (b_id, a_id),
        role="liaison_app")
    check(False, "insert into another tenant is refused")
except RuntimeError as e:
    check("row-level security" in str(e), "insert into another tenant is refused")
n = sql("SELECT count(*) FROM tenants WHERE id = %s" % a_id, role="liaison_app")
check(n == "0", "tenants: another tenant's row is invisible without the setting")

# ---------------- secrets at rest ----------------
hashes = sql("SET liaison.tenant_id = %s; SELECT password_hash FROM users" % a_id).split()[1:]
check(hashes and all(h.startswith("$argon2id$v=19$m=19456,t=2,p=1$") for h in hashes),
      "password hashes are Argon2id strings with their parameters (%d)" % len(hashes))
stored = sql("SET liaison.tenant_id = %s; SELECT encode(token_hash, 'hex') FROM sessions"
             % a_id).split()[1:]
check(manager not in stored and api_token not in stored, "tokens are not stored as given")
check(hashlib.sha256(manager.encode()).hexdigest() in stored,
      "a session is stored as the SHA-256 of its token")

# ---------------- audit ----------------
code, out = cli("audit", "--all", token=auditor)
actions = [e["action"] for e in out] if code == "OK" else []
check({"user.create", "user.disable", "api_token.create", "session.login"} <= set(actions),
      "audit log has the changes (%s)" % sorted(set(actions)))
code, out = cli("audit", "--entity", "api_token", token=admin_a)
check(code == "OK" and out and all(e["entity"] == "api_token" for e in out),
      "audit log filters by entity")
check(code == "OK" and out[0]["source"].startswith("127.0.0.1")
      and out[0]["requestId"], "audit rows carry source address and request id")

# ---------------- log-in throttling ----------------
make_user(admin_a, "throttled@a.example", "ROLE_AUDITOR")
for i in range(3):
    code, _ = call("Login", {"tenant": A, "email": "throttled@a.example",
                             "password": "wrong password %d" % i})
    check(code == "UNAUTHENTICATED", "wrong password %d refused" % (i + 1))
code, _ = call("Login", {"tenant": A, "email": "throttled@a.example", "password": PASSWORD})
check(code == "RESOURCE_EXHAUSTED", "4th attempt refused even with the right password")
code, out = call("Login", {"tenant": A, "email": "nobody@a.example", "password": "x" * 12})
check(code == "UNAUTHENTICATED" and "invalid tenant, e-mail or password" in out["message"],
      "unknown account: same answer as a wrong password")
time.sleep(4.5)
code, _ = call("Login", {"tenant": A, "email": "throttled@a.example", "password": PASSWORD})
check(code == "OK", "after the lock expires the right password works")

# ---------------- suspension ----------------
code, _ = call("WhoAmI", {}, token=manager)
check(code == "OK", "manager session works")
code, _ = call("SuspendTenant", {"slug": A}, token=OPERATOR)
check(code == "OK", "operator suspends tenant A")
AUDITED = ("SELECT count(*) FROM platform_audit WHERE tenant_slug = '%s'"
           " AND action = 'tenant.suspend'" % A)
once = sql(AUDITED)
code, out = call("SuspendTenant", {"slug": A}, token=OPERATOR)
check(code == "OK" and out.get("tenant", {}).get("status") == "TENANT_STATUS_SUSPENDED"
      and sql(AUDITED) == once,
      "suspending it again answers it as it is, with no second audit row (%s %s)" % (code, out))
code, out = call("WhoAmI", {}, token=manager)
check(code == "PERMISSION_DENIED" and "suspended" in json.dumps(out),
      "suspended tenant: session refused with a clear status")
code, _ = call("ListUsers", {}, token=api_token)
check(code == "PERMISSION_DENIED", "suspended tenant: API token refused")
code, _ = call("Login", {"tenant": A, "email": "manager@a.example", "password": PASSWORD})
check(code == "PERMISSION_DENIED", "suspended tenant: log-in refused")
code, _ = call("WhoAmI", {}, token=admin_b)
check(code == "OK", "other tenants unaffected")
code, _ = call("ResumeTenant", {"slug": A}, token=OPERATOR)
code2, _ = call("WhoAmI", {}, token=manager)
check(code == "OK" and code2 == "OK", "resumed tenant works again")

# ---------------- the server's role and the functions that run as the owner ----------------
def refused(query, role, what):
    try:
        sql(query, role=role)
        return check(False, what)
    except RuntimeError as e:
        return check("permission denied" in str(e), what)


def security_definer_paths():
    """Every SECURITY DEFINER function outside PostgreSQL's own schemas, with
    the search_path it pins (None when it pins none)."""
    rows = sql("SELECT p.oid::regprocedure, coalesce((SELECT substr(c, 13) FROM "
               "unnest(p.proconfig) c WHERE c LIKE 'search\\_path=%'), '-') FROM pg_proc p "
               "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.prosecdef "
               "AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")
    found = {}
    for line in rows.splitlines():
        name, path = line.split("|", 1)
        found[name] = None if path == "-" else [
            part.strip().strip('"') for part in path.split(",")]
    return found


def test_security_definer_search_paths():
    found = security_definer_paths()
    check("liaison_tenant_lookup(text)" in found and "liaison_tenant_delete(text,text,text,text)"
          in found, "the SECURITY DEFINER functions are found in pg_proc (%s)" % sorted(found))
    for name, path in sorted(found.items()):
        check(path is not None and path[0] == "pg_catalog" and path[-1] == "pg_temp",
              "%s pins search_path with pg_catalog first and pg_temp last (%s)" % (name, path))


def test_lookup_ignores_temp_tables():
    ghost = "ghost-" + RUN
    # Readable by the function's owner, as an attacker would make it.
    try:
        got = sql("CREATE TEMP TABLE tenants (id bigint, slug text, status text); "
                  "GRANT SELECT ON pg_temp.tenants TO PUBLIC; "
                  "INSERT INTO tenants VALUES (424242, '%s', 'active'), (424243, '%s', 'active'); "
                  "SELECT coalesce((SELECT string_agg(id::text, ',') FROM "
                  "liaison_tenant_lookup('%s')), '') || '/' || "
                  "(SELECT count(*) FROM liaison_tenant_lookup('%s'))"
                  % (A, ghost, A, ghost), role="liaison_app").splitlines()[-1]
    except RuntimeError as e:
        got = str(e)
    check(got == "%s/0" % a_id, "liaison_app's temporary table named tenants does not shadow the "
          "real one in liaison_tenant_lookup (%s)" % got)


def test_audit_append_only():
    for table in ("audit_log", "platform_audit"):
        refused("SET liaison.tenant_id = %s; UPDATE %s SET actor = 'forged' WHERE id > 0"
                % (a_id, table), "liaison_app", "liaison_app may not UPDATE %s" % table)
        refused("SET liaison.tenant_id = %s; DELETE FROM %s WHERE id < 0" % (a_id, table),
                "liaison_app", "liaison_app may not DELETE from %s" % table)
    refused("SET liaison.operator = 'on'; DELETE FROM tenants WHERE id < 0", "liaison_app",
            "liaison_app may not DELETE tenants (it would take their audit log along)")
    try:
        sql("SELECT * FROM liaison_tenant_delete('%s', 'x', 'x', 'x')" % B, role="liaison_app")
        check(False, "liaison_tenant_delete refuses a transaction that is not an operator's")
    except RuntimeError as e:
        check("only an operator" in str(e),
              "liaison_tenant_delete refuses a transaction that is not an operator's")
    check(sql("SELECT count(*) FROM tenants WHERE slug = '%s'" % B) == "1", "tenant B is still there")


def test_cluster_closed_to_other_users():
    """Only root and postgres reach the test cluster: its socket directory is
    closed and it authenticates by peer, never trust."""
    stranger = list(PSQL)
    stranger[stranger.index("postgres")] = "nobody"
    for role in ("postgres", "liaison", "liaison_app"):
        p = subprocess.run(stranger + ["-U", role, "-c", "SELECT 1"], capture_output=True,
                           text=True)
        check(p.returncode != 0 and "1" not in p.stdout,
              "local user nobody cannot connect as %s (%s)" % (role, p.stderr.strip()[:100]))
    methods = sql("SELECT string_agg(DISTINCT auth_method, ',') FROM pg_hba_file_rules")
    check("trust" not in methods.split(","), "no pg_hba rule trusts anyone (%s)" % methods)


def export_rows(path):
    # The CLI's last line is the file's end (row count and checksum), no row.
    return [r for r in map(json.loads, open(path)) if r["table"] != "#end"]


def export_counts(rows):
    counts = {}
    for row in rows:
        counts[row["table"]] = counts.get(row["table"], 0) + 1
    return counts


def check_export_complete(counts, what):
    for t in tables + ["tenants"]:
        col = "id" if t == "tenants" else "tenant_id"
        n = int(sql("SELECT count(*) FROM %s WHERE %s = %s" % (t, col, a_id)))
        check(counts.get(t, 0) == n, "%s has every %s row (%d of %d)" % (what, t,
                                                                          counts.get(t, 0), n))


def export_audit(slug):
    """Export actions recorded for slug: (platform audit, the tenant's own log)."""
    platform = sql("SELECT string_agg(action, ',' ORDER BY id) FROM platform_audit "
                   "WHERE tenant_slug = '%s' AND action LIKE 'tenant.export%%'" % slug)
    tenant = sql("SELECT string_agg(a.action, ',' ORDER BY a.id) FROM audit_log a JOIN tenants t "
                 "ON t.id = a.tenant_id WHERE t.slug = '%s' AND a.action LIKE 'tenant.export%%'"
                 % slug)
    return platform.split(",") if platform else [], tenant.split(",") if tenant else []


def test_export():
    plain_file = os.path.join(w.env("LIAISON_TEST_DIR"), "export-%s.jsonl" % A)
    code, _ = cli("admin", "tenant", "export", A, "--output", plain_file, token=OPERATOR)
    check(code == "OK", "export runs")
    check(os.stat(plain_file).st_mode & 0o077 == 0, "the export file is for its owner only")
    plain = export_rows(plain_file)
    check_export_complete(export_counts(plain), "default export")
    leaked = sorted({"%s.%s" % (r["table"], k) for r in plain for k in r["row"]
                     if k.endswith("_hash")})
    check(not leaked, "a default export carries no password or token hash (%s)" % leaked)
    check(any(r["table"] == "users" and r["row"].get("email") == "manager@a.example"
              for r in plain), "a default export still carries the users")
    check(export_audit(A) == (["tenant.export"], ["tenant.export"]),
          "the export is in the platform audit and the tenant's audit log (%s)"
          % (export_audit(A),))

    secret_file = os.path.join(w.env("LIAISON_TEST_DIR"), "export-secrets-%s.jsonl" % A)
    code, _ = cli("admin", "tenant", "export", A, "--include-secrets", "--output", secret_file,
                  token=OPERATOR)
    check(code == "OK", "export with --include-secrets runs")
    full = export_rows(secret_file)
    check_export_complete(export_counts(full), "export with secrets")
    got = sorted(r["row"].get("password_hash", "") for r in full if r["table"] == "users")
    want = sorted(sql("SELECT password_hash FROM users WHERE tenant_id = %s" % a_id).split())
    check(got == want and all(h.startswith("$argon2id$") for h in got),
          "an export with secrets carries every password hash (%d)" % len(got))
    got = sorted(r["row"].get("token_hash", "") for r in full if r["table"] == "sessions")
    want = sorted(sql("SELECT '\\x' || encode(token_hash, 'hex') FROM sessions WHERE tenant_id = %s"
                      % a_id).split())
    check(got == want and len(got) > 0,
          "an export with secrets carries every session and token hash (%d)" % len(got))
    check(export_audit(A) == (["tenant.export", "tenant.export_with_secrets"],
                              ["tenant.export", "tenant.export_with_secrets"]),
          "the export with secrets is recorded as such (%s)" % (export_audit(A),))

    # Many pages, one audit row; a cursor is bound to its export's options.
    pages, rows, cursor, last_cursor = 0, 0, "", ""
    while True:
        code, out = call("ExportTenant", {"slug": A, "page": {"pageSize": 7, "cursor": cursor}},
                         token=OPERATOR)
        if not check(code == "OK", "export page %d" % (pages + 1)):
            break
        pages += 1
        rows += len(out.get("rows", []))
        cursor = out.get("page", {}).get("nextCursor", "")
        if not cursor:
            break
        last_cursor = cursor
    check(pages > 3, "the paged export took several pages (%d)" % pages)
    check(rows == sum(export_counts(plain).values()) + 2,
          "the pages hold every row, the two later exports' audit rows included (%d)" % rows)
    check(export_audit(A)[0] == ["tenant.export", "tenant.export_with_secrets", "tenant.export"],
          "a paged export is recorded once, not once per page (%s)" % (export_audit(A)[0],))
    code, out = call("ExportTenant", {"slug": A, "includeSecrets": True,
                                      "page": {"pageSize": 7, "cursor": last_cursor}},
                     token=OPERATOR)
    check(code == "INVALID_ARGUMENT" and violation_field(out) == "page.cursor",
          "a cursor of an export without secrets does not continue with secrets (%s)" % code)
    code, out = call("ExportTenant", {"slug": B, "page": {"pageSize": 7, "cursor": last_cursor}},
                     token=OPERATOR)
    check(code == "INVALID_ARGUMENT", "a cursor of tenant A's export does not page tenant B")
    forged = base64.urlsafe_b64encode(b"exp:1/audit_log/0").rstrip(b"=").decode()
    code, out = call("ExportTenant", {"slug": A, "page": {"cursor": forged}}, token=OPERATOR)
    check(code == "INVALID_ARGUMENT", "a made-up cursor does not skip the export's record")
    check(len(export_audit(A)[0]) == 3, "refused pages record nothing")


def violation_field(out):
    v = out.get("violations", []) if isinstance(out, dict) else []
    return v[0].get("field") if v else None


def test_delete():
    code, _ = call("DeleteTenant", {"slug": A, "confirm": "wrong"}, token=OPERATOR)
    check(code == "INVALID_ARGUMENT", "delete without the right confirmation is refused")
    unknown = "unknown-" + RUN
    code, _ = call("DeleteTenant", {"slug": unknown, "confirm": unknown}, token=OPERATOR)
    check(code == "NOT_FOUND", "deleting an unknown tenant: NOT_FOUND")
    check(sql("SELECT count(*) FROM platform_audit WHERE tenant_slug = '%s'" % unknown) == "0",
          "deleting an unknown tenant writes no platform audit row")
    code, _ = cli("admin", "tenant", "delete", A, "--confirm", A, token=OPERATOR)
    check(code == "OK", "operator deletes tenant A")
    check(sql("SELECT count(*) FROM platform_audit WHERE tenant_slug = '%s' "
              "AND action = 'tenant.delete' AND actor LIKE 'operator:%%'" % A) == "1",
          "the deletion is in the platform audit once")


test_security_definer_search_paths()
test_lookup_ignores_temp_tables()
test_audit_append_only()
test_cluster_closed_to_other_users()

# ---------------- export, then delete ----------------
test_export()
test_delete()
for t in tables:
    n = sql("SELECT count(*) FROM %s WHERE tenant_id = %s" % (t, a_id))
    check(n == "0", "no %s row of the deleted tenant is left" % t)
check(sql("SELECT count(*) FROM tenants WHERE id = %s" % a_id) == "0", "the tenant row is gone")
code, _ = call("WhoAmI", {}, token=manager)
check(code == "UNAUTHENTICATED", "sessions of a deleted tenant are refused")
code, _ = call("WhoAmI", {}, token=admin_b)
check(code == "OK", "the other tenant is untouched")

if failures:
    print("tenancy: FAILED (%d)" % len(failures))
    sys.exit(1)
print("tenancy: all passed")
