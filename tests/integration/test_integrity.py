#!/usr/bin/env python3
"""A refused request changes nothing: checks that depend on the database
raise inside the transaction (no change, no audit row); a revoked
credential is refused before any check of the arguments; a request whose
memory budget runs out is refused, never run with a NULL it did not mean;
lists filtered by a parent the caller cannot reach answer NOT_FOUND like
Get; cursors are bound to their list and its filters; every time the
server returns has one precision (milliseconds, UTC)."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
from liaison_test import check  # noqa: E402

CLI = sys.argv[1]
OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
PORT = int(w.env("LIAISON_TEST_PORT"))
CA = w.env("LIAISON_TEST_CA")
PASSWORD = "correct horse battery staple"
RUN = str(int(time.time() * 1000) % 10**8)
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
_cli = t.Cli(CLI, w.env("LIAISON_TEST_URL"),
             os.path.join(w.env("LIAISON_TEST_DIR"), "integrity-home"))
cli, call, must = _cli.cli, _cli.call, _cli.must


def violation(out, field):
    return any(v.get("field") == field for v in out.get("violations", []))


sql = t.psql


def login(slug, email, password=PASSWORD):
    return must("Login", {"tenant": slug, "email": email, "password": password}, None)["token"]


def make_tenant(slug):
    out = must("CreateTenant", {"slug": slug, "name": "Tenant " + slug,
                                "adminEmail": "admin@%s.example" % slug,
                                "adminPassword": PASSWORD}, OPERATOR)
    return login(slug, "admin@%s.example" % slug), out["adminUserId"]


def audit_count(tenant_id, action):
    return int(sql("SELECT count(*) FROM audit_log WHERE tenant_id = %s AND action = '%s'"
                   % (tenant_id, action)))


# ---- raw protocol, for what one connection sees over time ----

def wire_session(token):
    """A connection past Hello and Authenticate with token, and the largest
    frame it may send."""
    s = w.connect(PORT, CA)
    s.settimeout(60)
    s.sendall(w.hello())
    _, code, msg, _ = w.recv_frame(s)
    assert code == 0, msg
    s.sendall(w.frame(2, "Authenticate", w.field_bytes(1, token)))
    _, code, msg, payload = w.recv_frame(s)
    assert code == 0, msg
    max_frame = dict((num, v) for num, _, v in w.parse_fields(payload)).get(2, 0)
    return s, max_frame


def wire_call(s, rid, method, payload=b""):
    s.sendall(w.frame(rid, method, payload))
    got, code, msg, _ = w.recv_frame(s)
    assert got == rid, "answer to %d, wanted %d" % (got, rid)
    return CODE_NAMES.get(code, str(code)), msg


CODE_NAMES = {0: "OK", 3: "INVALID_ARGUMENT", 5: "NOT_FOUND", 8: "RESOURCE_EXHAUSTED",
              9: "FAILED_PRECONDITION", 13: "INTERNAL", 16: "UNAUTHENTICATED"}


# ---------------- set-up ----------------
slug = "integrity-" + RUN
admin, admin_id = make_tenant(slug)
tenant_id = sql("SELECT id FROM tenants WHERE slug = '%s'" % slug)
other_admin, _ = make_tenant("integrity-other-" + RUN)
VN = {"country": "VN", "timeZone": "Asia/Ho_Chi_Minh", "languages": ["vi"]}
brk = must("CreateProductLine", {"code": "BRK", "name": "Brakes"}, admin)["productLine"]["id"]
old = must("CreateProductLine", {"code": "OLD", "name": "Old"}, admin)["productLine"]["id"]
must("RetireProductLine", {"id": old}, admin)
foreign_line = must("CreateProductLine", {"code": "FOREIGN", "name": "x"},
                    other_admin)["productLine"]["id"]
d1 = must("CreateDistributor", {"fields": dict(VN, name="Saigon")}, admin)["distributor"]["id"]
d2 = must("CreateDistributor", {"fields": dict(VN, name="Hanoi")}, admin)["distributor"]["id"]
foreign_d = must("CreateDistributor", {"fields": dict(VN, name="Elsewhere")},
                 other_admin)["distributor"]["id"]


def test_refused_charter_edits_change_nothing():
    charter = must("CreateCharterDraft", {"distributorId": d1}, admin)["charter"]
    cid = charter["id"]
    for lines, why in (([foreign_line], "a line of another tenant"), ([999999], "line 999999"),
                       ([old], "a retired line"), ([brk, 999999], "one good line, one bad")):
        before = audit_count(tenant_id, "charter.grant.add")
        code, out = call("AddCharterGrant", {"charterId": cid, "grant": {
            "region": "VN", "productLineIds": lines, "startsOn": "2026-01-01"}}, admin)
        check(code == "INVALID_ARGUMENT" and violation(out, "grant.productLineIds"),
              "grant naming %s: INVALID_ARGUMENT on grant.productLineIds (%s)" % (why, code))
        now = must("GetCharter", {"distributorId": d1}, admin)["charter"]
        check(not now.get("grants"), "grant naming %s: the draft has no grant" % why)
        check(audit_count(tenant_id, "charter.grant.add") == before,
              "grant naming %s: no charter.grant.add audit row" % why)

    before = audit_count(tenant_id, "charter.terms")
    code, out = call("SetCharterTerms", {"charterId": cid, "fullCoverage": False,
                                         "coveredLineIds": [999998], "reportDueDay": 5}, admin)
    check(code == "INVALID_ARGUMENT" and violation(out, "coveredLineIds"),
          "terms covering line 999998: INVALID_ARGUMENT on coveredLineIds (%s)" % code)
    now = must("GetCharter", {"distributorId": d1}, admin)["charter"]
    check(now.get("fullCoverage") is True and not now.get("coveredLineIds")
          and now.get("reportDueDay") == charter.get("reportDueDay"),
          "terms covering line 999998: the charter's terms are unchanged")
    check(audit_count(tenant_id, "charter.terms") == before,
          "terms covering line 999998: no charter.terms audit row")

    before = audit_count(tenant_id, "charter.commitment.set")
    code, out = call("SetCommitment", {"charterId": cid, "commitment": {
        "productLineId": old, "bufferUnit": "units", "financing": "shared"}}, admin)
    check(code == "INVALID_ARGUMENT" and violation(out, "commitment.productLineId"),
          "commitment on a retired line: INVALID_ARGUMENT (%s)" % code)
    now = must("GetCharter", {"distributorId": d1}, admin)["charter"]
    check(not now.get("commitments") and
          audit_count(tenant_id, "charter.commitment.set") == before,
          "commitment on a retired line: none saved, no audit row")

    out = must("AddCharterGrant", {"charterId": cid, "grant": {
        "region": "VN", "productLineIds": [brk], "startsOn": "2026-01-01"}}, admin)
    check(len(out["charter"]["grants"]) == 1, "a grant naming a live line of the tenant is saved")


def refused_charter():
    """An active charter is never edited: the edit is refused inside its
    transaction, before it writes (the edits' statements no longer carry a
    draft condition of their own), so nothing is saved and nothing audited."""
    d = must("CreateDistributor", {"fields": dict(VN, name="Da Nang")}, admin)["distributor"]["id"]
    cid = must("CreateCharterDraft", {"distributorId": d}, admin)["charter"]["id"]
    grant = must("AddCharterGrant", {"charterId": cid, "grant": {
        "region": "VN-DN", "allLines": True, "startsOn": "2026-01-01"}},
        admin)["charter"]["grants"][0]["id"]
    must("ActivateCharter", {"id": cid}, admin)

    def rows(table, where):
        return int(sql("SELECT count(*) FROM %s WHERE tenant_id = %s AND %s"
                       % (table, tenant_id, where)))

    def audited(action):
        return rows("audit_log", "action = '%s' AND entity_id LIKE '%s/%%'" % (action, cid))

    code, out = call("AddCarveOut", {"charterId": cid, "carveOut": {
        "accountName": "Refused Trading", "region": "VN-DN"}}, admin)
    check(code == "FAILED_PRECONDITION" and "amend" in out.get("message", ""),
          "a carve-out on an active charter: FAILED_PRECONDITION (%s %s)" % (code, out))
    check(rows("charter_carve_outs", "charter_id = %s" % cid) == 0
          and audited("charter.carve_out.add") == 0,
          "a carve-out on an active charter: no row, no audit entry")
    code, out = call("RemoveCharterGrant", {"charterId": cid, "itemId": grant}, admin)
    check(code == "FAILED_PRECONDITION" and "amend" in out.get("message", ""),
          "removing an active charter's grant: FAILED_PRECONDITION (%s %s)" % (code, out))
    check(rows("charter_grants", "charter_id = %s AND id = %s" % (cid, grant)) == 1
          and audited("charter.grant.remove") == 0,
          "removing an active charter's grant: the grant stays, no audit entry")
    code, out = call("RemoveCharterGrant", {"charterId": cid, "itemId": grant}, other_admin)
    check(code == "NOT_FOUND" and
          rows("charter_grants", "charter_id = %s AND id = %s" % (cid, grant)) == 1,
          "another tenant removing the grant: NOT_FOUND, the grant stays (%s)" % code)


def refused_distributors():
    """Contacts for a distributor the caller cannot reach, account managers
    who are not enabled managers or admins of the tenant, and a status
    change the life cycle forbids are refused inside the transaction: no
    row changes, no audit row. A termination's cascade is audited."""
    mgr_id = must("CreateUser", {"email": "mgr@i.example", "role": "ROLE_MANAGER",
                                 "password": PASSWORD}, admin)["user"]["id"]
    mgr = login(slug, "mgr@i.example")
    for parent, who, label in ((foreign_d, admin, "another tenant's distributor"),
                               (d2, mgr, "a distributor the manager does not reach")):
        name = "Refused %s %s" % (parent, RUN)
        before = audit_count(tenant_id, "contact.create")
        code, out = call("CreateContact", {"distributorId": parent, "fields": {"name": name}}, who)
        check(code == "NOT_FOUND" and "no such distributor" in out.get("message", ""),
              "a contact for %s: NOT_FOUND (%s %s)" % (label, code, out))
        rows = sql("SELECT count(*) FROM contacts WHERE name = '%s'" % name)
        check(rows == "0", "a contact for %s: no contact row (%s)" % (label, rows))
        check(audit_count(tenant_id, "contact.create") == before,
              "a contact for %s: no contact.create audit row" % label)

    leaver = must("CreateUser", {"email": "leaver@i.example", "role": "ROLE_MANAGER",
                                 "password": PASSWORD}, admin)["user"]["id"]
    # Disabled behind the server's back: DisableUser's audit row would count
    # in test_revoked_credential_is_checked_first.
    sql("UPDATE users SET disabled_at = now() WHERE id = %s" % leaver)
    auditor = must("CreateUser", {"email": "aud@i.example", "role": "ROLE_AUDITOR",
                                  "password": PASSWORD}, admin)["user"]["id"]
    foreign_user = sql("SELECT id FROM users WHERE email = 'admin@integrity-other-%s.example'"
                       % RUN)
    for user, label in ((leaver, "a disabled manager"), (auditor, "an auditor"),
                        (foreign_user, "another tenant's admin")):
        before = audit_count(tenant_id, "distributor.assign")
        code, out = call("AssignAccountManager", {"id": d2, "userId": user}, admin)
        check(code == "INVALID_ARGUMENT" and violation(out, "userId"),
              "assigning %s: INVALID_ARGUMENT on userId (%s %s)" % (label, code, out))
        manager = sql("SELECT coalesce(account_manager_id, 0) FROM distributors WHERE id = %s"
                      % d2)
        check(manager == "0", "assigning %s: the distributor keeps no manager (%s)"
              % (label, manager))
        check(audit_count(tenant_id, "distributor.assign") == before,
              "assigning %s: no distributor.assign audit row" % label)

        name = "Refused manager %s %s" % (user, RUN)
        before = audit_count(tenant_id, "distributor.create")
        code, out = call("CreateDistributor", {"fields": dict(VN, name=name),
                                               "accountManagerId": user}, admin)
        check(code == "INVALID_ARGUMENT" and violation(out, "accountManagerId"),
              "a distributor managed by %s: INVALID_ARGUMENT on accountManagerId (%s)"
              % (label, code))
        rows = sql("SELECT count(*) FROM distributors WHERE name = '%s'" % name)
        check(rows == "0" and audit_count(tenant_id, "distributor.create") == before,
              "a distributor managed by %s: no row, no distributor.create audit row" % label)
    before = audit_count(tenant_id, "distributor.assign")
    out = must("AssignAccountManager", {"id": d2, "userId": mgr_id}, admin)
    check(out["distributor"]["accountManagerId"] == mgr_id
          and audit_count(tenant_id, "distributor.assign") == before + 1,
          "assigning an enabled manager: saved, one distributor.assign audit row")
    out = must("AssignAccountManager", {"id": d2, "userId": mgr_id}, admin)
    check(out["distributor"]["accountManagerId"] == mgr_id
          and audit_count(tenant_id, "distributor.assign") == before + 1,
          "assigning the manager it has: answered, no second audit row")

    d3 = must("CreateDistributor", {"fields": dict(VN, name="Da Nang Auto")}, admin)["distributor"]
    check((d3["businessHoursStart"], d3["businessHoursEnd"], d3["workDays"])
          == ("09:00", "17:00", [1, 2, 3, 4, 5]), "default hours and days (%s)" % d3)
    d3 = d3["id"]
    code, out = call("SetDistributorStatus", {"id": d3, "status": "active"}, admin)
    status = sql("SELECT status FROM distributors WHERE id = %s" % d3)
    check(code == "FAILED_PRECONDITION" and status == "prospect"
          and audit_count(tenant_id, "distributor.status.active") == 0,
          "prospect -> active: FAILED_PRECONDITION, unchanged, no audit row (%s %s)"
          % (code, status))
    # Terminating cascades to the charter, and the cascade is audited too.
    charter = must("CreateCharterDraft", {"distributorId": d3}, admin)["charter"]["id"]
    must("SetDistributorStatus", {"id": d3, "status": "terminated"}, admin)
    n = sql("SELECT count(*) FROM audit_log WHERE tenant_id = %s AND action = 'charter.terminate'"
            " AND entity = 'charter' AND entity_id = '%s'" % (tenant_id, charter))
    check(n == "1", "terminating a distributor audits its draft's termination once (%s)" % n)


def test_refused_delete_writes_no_audit():
    ghost = "no-such-tenant-" + RUN
    code, _ = call("DeleteTenant", {"slug": ghost, "confirm": ghost}, OPERATOR)
    check(code == "NOT_FOUND", "deleting a tenant that does not exist: NOT_FOUND (%s)" % code)
    n = sql("SELECT count(*) FROM platform_audit WHERE tenant_slug = '%s'" % ghost)
    check(n == "0", "deleting a tenant that does not exist writes no platform audit row (%s)" % n)


def test_revoked_credential_is_checked_first():
    out = must("CreateApiToken", {"name": "sync", "role": "ROLE_TENANT_ADMIN"}, admin)
    token, token_id = out["token"], out["apiToken"]["id"]
    s, _ = wire_session(token)
    code, msg = wire_call(s, 3, "DisableUser", w.field_varint(1, int(admin_id)))
    check(code == "INVALID_ARGUMENT" and "yourself" in msg,
          "a live token cannot disable its owner (%s %s)" % (code, msg))
    code, msg = wire_call(s, 4, "ChangePassword", w.field_bytes(1, PASSWORD) +
                          w.field_bytes(2, PASSWORD + "!"))
    check(code == "FAILED_PRECONDITION", "a live token has no password to change (%s)" % code)
    check(audit_count(tenant_id, "user.disable") == 0, "the refused self-disable wrote nothing")
    must("RevokeApiToken", {"id": token_id}, admin)
    # Again (a retry whose answer was lost): done already, not "no such live API token", and
    # audited once; one that never was is still not found.
    code, out = call("RevokeApiToken", {"id": token_id}, admin)
    check(code == "OK" and audit_count(tenant_id, "api_token.revoke") == 1,
          "revoking a revoked token again answers OK, audited once (%s %s)" % (code, out))
    code, out = call("RevokeApiToken", {"id": 999999999}, admin)
    check(code == "NOT_FOUND", "a token that never was is not found (%s)" % code)
    # On the connection that authenticated with it, the token is now revoked:
    # every answer is the same, whatever the arguments say about its owner.
    for rid, method, payload, what in (
            (5, "DisableUser", w.field_varint(1, int(admin_id)), "DisableUser of its owner"),
            (6, "DisableUser", w.field_varint(1, 999999), "DisableUser of another id"),
            (7, "ChangePassword", w.field_bytes(1, PASSWORD) + w.field_bytes(2, PASSWORD + "!"),
             "ChangePassword"),
            (8, "Logout", b"", "Logout")):
        code, msg = wire_call(s, rid, method, payload)
        check(code == "UNAUTHENTICATED", "revoked token, %s: UNAUTHENTICATED (%s %s)"
              % (what, code, msg))
    # It was told to log in again, which an API token cannot (an attacker's try-out).
    code, msg = wire_call(s, 9, "ListDistributors", b"")
    check(code == "UNAUTHENTICATED" and "API token revoked or expired: ask a tenant admin for a"
          " new one" in msg, "a revoked API token is told what to do (%s %s)" % (code, msg))
    s.close()
    code, out = call("DisableUser", {"userId": admin_id}, admin)
    check(code == "INVALID_ARGUMENT" and violation(out, "userId"),
          "a session cannot disable its own user (%s)" % code)
    check(audit_count(tenant_id, "user.disable") == 0, "no user.disable audit row was written")
    # A user disabled (or enabled) twice had two audit rows for one change (a try-out).
    twice = must("CreateUser", {"email": "twice@i.example", "role": "ROLE_MANAGER",
                                "password": PASSWORD}, admin)["user"]["id"]
    for action, method in (("user.disable", "DisableUser"), ("user.enable", "EnableUser")):
        before = audit_count(tenant_id, action)
        outs = [must(method, {"userId": twice}, admin)["user"] for _ in range(2)]
        check(audit_count(tenant_id, action) == before + 1
              and [u.get("disabled", False) for u in outs] == [method == "DisableUser"] * 2,
              "%s twice: one %s audit row, the user as asked both times" % (method, action))


def test_lists_by_unreachable_parent_are_not_found():
    must("CreateContact", {"distributorId": d1, "fields": {"name": "An"}}, admin)
    must("CreateUser", {"email": "dist2@i.example", "role": "ROLE_DISTRIBUTOR_USER",
                        "password": PASSWORD, "distributorId": d2}, admin)
    dist2 = login(slug, "dist2@i.example")
    for method, field in (("ListContacts", "distributorId"),
                          ("ListCharterVersions", "distributorId")):
        code, _ = call(method, {field: d1}, admin)
        check(code == "OK", "%s of a reachable distributor: OK (%s)" % (method, code))
        for parent, who, label in ((999999, admin, "a distributor that does not exist"),
                                   (foreign_d, admin, "another tenant's distributor"),
                                   (d1, dist2, "a distributor the caller cannot reach")):
            code, out = call(method, {field: parent}, who)
            check(code == "NOT_FOUND" and "no such distributor" in out.get("message", ""),
                  "%s of %s: NOT_FOUND like Get (%s)" % (method, label, code))
    code, _ = call("ListProducts", {"productLineId": brk}, admin)
    check(code == "OK", "ListProducts of a line of the tenant: OK (%s)" % code)
    code, _ = call("ListProducts", {}, admin)
    check(code == "OK", "ListProducts of every line: OK (%s)" % code)
    for line, label in ((999999, "a line that does not exist"),
                        (foreign_line, "another tenant's line")):
        code, _ = call("ListProducts", {"productLineId": line}, admin)
        check(code == "NOT_FOUND", "ListProducts of %s: NOT_FOUND (%s)" % (label, code))

    # Reads share one database transaction; one that fails its parent check
    # fails alone.
    s, _ = wire_session(admin)
    burst = b""
    for i in range(12):
        parent = d1 if i % 2 == 0 else 999999
        burst += w.frame(10 + i, "ListContacts", w.field_varint(1, int(parent)))
    s.sendall(burst)
    answers = {}
    for _ in range(12):
        rid, code, _, _ = w.recv_frame(s)
        answers[rid] = CODE_NAMES.get(code, code)
    s.close()
    want = {10 + i: "OK" if i % 2 == 0 else "NOT_FOUND" for i in range(12)}
    check(answers == want, "12 lists sent at once: each answers for its own parent (%s)" % answers)


def test_cursors_are_bound_to_list_and_filters():
    for i in range(3):
        must("CreateContact", {"distributorId": d2, "fields": {"name": "C%d" % i}}, admin)
        must("CreateContact", {"distributorId": d1, "fields": {"name": "D%d" % i}}, admin)
    page = must("ListContacts", {"distributorId": d1, "page": {"pageSize": 1}}, admin)
    cursor = page["page"]["nextCursor"]
    code, _ = call("ListContacts", {"distributorId": d1, "page": {"pageSize": 1,
                                                                  "cursor": cursor}}, admin)
    check(code == "OK", "a cursor continues its own list (%s)" % code)
    code, out = call("ListContacts", {"distributorId": d2, "page": {"pageSize": 1,
                                                                    "cursor": cursor}}, admin)
    check(code == "INVALID_ARGUMENT" and violation(out, "page.cursor"),
          "a ListContacts cursor of distributor A with distributor B: INVALID_ARGUMENT on "
          "page.cursor (%s)" % code)
    code, out = call("ListUsers", {"page": {"cursor": cursor}}, admin)
    check(code == "INVALID_ARGUMENT" and violation(out, "page.cursor"),
          "a ListContacts cursor on ListUsers: INVALID_ARGUMENT (%s)" % code)
    page = must("ListAuditLog", {"entity": "contact", "page": {"pageSize": 1}}, admin)
    cursor = page["page"]["nextCursor"]
    code, _ = call("ListAuditLog", {"entity": "contact", "page": {"cursor": cursor}}, admin)
    check(code == "OK", "an audit cursor continues with the same filters (%s)" % code)
    for other in ({"entity": "user"}, {"entity": "contact", "actor": "x"}, {}):
        code, out = call("ListAuditLog", dict(other, page={"cursor": cursor}), admin)
        check(code == "INVALID_ARGUMENT" and violation(out, "page.cursor"),
              "an audit cursor with filters %s: INVALID_ARGUMENT (%s)" % (other, code))
    code, out = call("ListAuditLog", {"since": "2026-02-30T00:00:00Z"}, admin)
    check(code == "INVALID_ARGUMENT" and "RFC 3339" in out.get("message", ""),
          "an audit filter PostgreSQL cannot read as a time: INVALID_ARGUMENT (%s %s)" % (code, out))
    code, out = call("ListAuditLog", {"since": "2099-01-01T00:00:00Z"}, admin)
    check(code == "OK" and not out.get("entries"), "an audit filter that matches nothing: empty")
    # An actor mistyped listed nothing, which read as "they did nothing" (a try-out).
    code, out = call("ListAuditLog", {"actor": "nobody"}, admin)
    check(code == "INVALID_ARGUMENT" and violation(out, "actor"),
          "an actor nobody is: INVALID_ARGUMENT on actor (%s %s)" % (code, out))
    # An auditor typed the actor as a user is named everywhere else, and got nothing (a try-out).
    whole = {e["id"] for e in must("ListAuditLog", {"entity": "contact", "page": {
        "pageSize": 200}}, admin)["entries"]}
    actor = must("ListAuditLog", {"entity": "contact", "page": {"pageSize": 1}},
                 admin)["entries"][0]["actor"]
    uid, email = actor.split(" ", 1)
    for given in (actor, uid, email.upper()):
        out = must("ListAuditLog", {"actor": given, "entity": "CONTACT", "page": {
            "pageSize": 200}}, admin)
        got = {e["id"] for e in out.get("entries", [])}
        check(got and got <= whole and all(e["actor"] == actor for e in out["entries"]),
              "the audit log finds a user's entries by %r, any case, and only theirs" % given)
    code, out = call("ListAuditLog", {"actor": email[:3], "entity": "contact"}, admin)
    check(code == "INVALID_ARGUMENT" and violation(out, "actor"),
          "but not by a part of the e-mail (%s)" % code)
    # An auditor asks for one record's history, and for one kind of act.
    one = must("CreateContact", {"distributorId": d1, "fields": {"name": "Phạm Thị Lan"}},
               admin)["contact"]["id"]
    must("UpdateContact", {"id": one, "fields": {"name": "Phạm Thị Lan", "role": "buyer"}}, admin)
    history = must("ListAuditLog", {"entity": "contact", "entityId": one, "page": {
        "pageSize": 200}}, admin).get("entries", [])
    check([e["action"] for e in history] == ["contact.create", "contact.update"] and
          all(e["entityId"] == one for e in history),
          "entityId gives one record's history, in order: %s" % history)
    for given, want in (("contact.update", {"contact.update"}), ("CONTACT", None),
                        ("contact.upd", set())):
        got = {e["action"] for e in must("ListAuditLog", {"action": given, "page": {
            "pageSize": 200}}, admin).get("entries", [])}
        check(got == want if want is not None else
              ({"contact.create", "contact.update"} <= got and
               all(a.startswith("contact.") for a in got)),
              "action %r finds that action and its variants, any case, not a prefix: %s"
              % (given, got))
    page = must("ListAuditLog", {"action": "contact", "page": {"pageSize": 1}}, admin)
    code, out = call("ListAuditLog", {"action": "user", "page": {
        "cursor": page["page"]["nextCursor"]}}, admin)
    check(code == "INVALID_ARGUMENT" and violation(out, "page.cursor"),
          "an audit cursor is bound to its action too (%s)" % code)
    page = must("ListDistributors", {"country": "VN", "page": {"pageSize": 1}}, admin)
    cursor = page["page"]["nextCursor"]
    code, _ = call("ListDistributors", {"country": "TH", "page": {"cursor": cursor}}, admin)
    check(code == "INVALID_ARGUMENT", "a distributor cursor with another country: refused")
    first = must("ListTenants", {"page": {"pageSize": 1}}, OPERATOR)
    code, out = call("ListTenants", {"page": {"pageSize": 1,
                                              "cursor": first["page"]["nextCursor"]}}, OPERATOR)
    check(code == "OK" and out["tenants"][0]["slug"] != first["tenants"][0]["slug"],
          "tenants, paged by an id they do not show: a cursor goes on past its page (%s)" % code)


def test_one_time_precision():
    times = []
    out = must("CreateUser", {"email": "t@i.example", "role": "ROLE_AUDITOR",
                              "password": PASSWORD}, admin)
    times.append(("User.createdAt", out["user"]["createdAt"]))
    out = must("Login", {"tenant": slug, "email": "t@i.example", "password": PASSWORD}, None)
    times.append(("Login.expiresAt", out["expiresAt"]))
    out = must("CreateApiToken", {"name": "t", "role": "ROLE_AUDITOR", "validDays": 3}, admin)
    times += [("ApiToken.createdAt", out["apiToken"]["createdAt"]),
              ("ApiToken.expiresAt", out["apiToken"]["expiresAt"])]
    out = must("GetDistributor", {"id": d1}, admin)
    times.append(("Distributor.createdAt", out["distributor"]["createdAt"]))
    ch = must("CreateCharterDraft", {"distributorId": d2}, admin)["charter"]
    must("AddCharterGrant", {"charterId": ch["id"], "grant": {
        "region": "VN-HN", "allLines": True, "startsOn": "2026-01-01"}}, admin)
    ch = must("ActivateCharter", {"id": ch["id"]}, admin)["charter"]
    times += [("Charter.createdAt", ch["createdAt"]), ("Charter.activatedAt", ch["activatedAt"])]
    out = must("ListCharterVersions", {"distributorId": d2}, admin)
    times.append(("CharterVersion.createdAt", out["versions"][0]["createdAt"]))
    out = must("ListAuditLog", {"page": {"pageSize": 1}}, admin)
    times.append(("AuditEntry.at", out["entries"][0]["at"]))
    out = must("GetTenant", {"slug": slug}, OPERATOR)
    times.append(("Tenant.createdAt", out["tenant"]["createdAt"]))
    out = must("ListMigrations", {}, OPERATOR)
    times.append(("Migration.appliedAt", out["migrations"][0]["appliedAt"]))
    out = must("GetHealth", {}, None)
    times.append(("GetHealth.databaseTime", out["databaseTime"]))
    for name, value in times:
        check(bool(TIME.match(value or "")), "%s is YYYY-MM-DDTHH:MM:SS.mmmZ (%r)" % (name, value))


# ---- a request whose memory budget runs out ----

def padded(body, fields, extra):
    """body followed by `fields` unknown varint fields (number 15) whose
    values take `extra` bytes more than one byte each: protobuf-c keeps
    unknown fields in the request's arena, so these spend its budget before
    the handler runs."""
    full, rest = divmod(extra, 9)
    if full > fields or (full == fields and rest):
        raise ValueError("too many extra bytes for %d fields" % fields)
    out = bytearray(body)
    for i in range(fields):
        width = 10 if i < full else (1 + rest if i == full else 1)
        out += b"\x78" + b"\x81" * (width - 1) + b"\x01"
    return bytes(out)


def test_exhausted_budget_never_runs_half_built():
    email = "pw@i.example"
    passwords = ["integrity phrase 0001", "integrity phrase 0002"]
    wrong = "integrity phrase 9999"
    must("CreateUser", {"email": email, "role": "ROLE_AUDITOR", "password": passwords[0]}, admin)
    current = 0
    s, max_frame = wire_session(login(slug, email, passwords[0]))
    rid = [100]

    def attempt(fields, extra, right):
        rid[0] += 1
        pw = passwords[current] if right else wrong
        payload = padded(w.field_bytes(1, pw) + w.field_bytes(2, passwords[1 - current]),
                         fields, extra)
        return wire_call(s, rid[0], "ChangePassword", payload)

    def fits(fields, extra):
        code, msg = attempt(fields, extra, False)
        return not (code == "INVALID_ARGUMENT" and "decode budget" in msg)

    max_fields = max_frame // 2 - 1000  # two bytes each: the frame stays under max_frame
    if fits(max_fields, 0):
        check(False, "the decode budget could be reached with unknown fields")
        return
    lo, hi = 0, max_fields  # fits(lo), not fits(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid, 0) else (lo, mid)
    # Room for the scan below to free what the handler needs after decoding (its log-in
    # throttle's keys among it: the account's from this address and from everywhere).
    fields = lo - 64
    lo, hi = 0, min(9 * fields, max_frame - 2 * fields - 1000)
    if fits(fields, hi):
        check(False, "the decode budget could be reached with longer unknown fields")
        return
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(fields, mid) else (lo, mid)
    # From just fitting, free 16 bytes a step: every allocation the handler
    # makes after decoding is, at some step, the first one that fails.
    seen = {}
    # The probes above were wrong current passwords, which count against the
    # account like failed log-ins and lock it: the steps below use the right one.
    sql("DELETE FROM login_throttle")
    other = login(slug, email, passwords[current])
    # A log-in can outlast the server's idle timeout on a busy machine: the
    # steps below go on a connection that was not idle through it.
    s.close()
    s, _ = wire_session(login(slug, email, passwords[current]))
    # 80 steps: a change of password makes four transactions and two hashes
    # after decoding (the current password is compared in the database).
    for extra in range(lo, max(lo - 16 * 80, -1), -16):
        code, msg = attempt(fields, extra, True)
        seen[code] = seen.get(code, 0) + 1
        if code == "OK":
            current = 1 - current
            alive, _ = call("WhoAmI", {}, other)
            check(alive == "UNAUTHENTICATED", "ChangePassword answered OK %d bytes short of the "
                  "budget: other sessions are revoked (%s)" % (lo - extra, alive))
            other = login(slug, email, passwords[current])
            s.close()  # idle through those log-ins (see above)
            s, _ = wire_session(login(slug, email, passwords[current]))
        else:
            check(code == "RESOURCE_EXHAUSTED", "ChangePassword %d bytes short of the budget: "
                  "RESOURCE_EXHAUSTED (%s %s)" % (lo - extra, code, msg))
    s.close()
    check(seen.get("RESOURCE_EXHAUSTED", 0) > 0 and seen.get("OK", 0) > 0,
          "the scan crossed from too little memory to enough (%s)" % seen)


def test_wrong_password_always_counted():
    """Past the password check a log-in needs no more memory: were it to,
    a wrong password short of it would be refused uncounted, and the
    difference from a right one would let guesses go unthrottled."""
    email = "guess@i.example"
    must("CreateUser", {"email": email, "role": "ROLE_AUDITOR", "password": PASSWORD}, admin)

    def attempt(password, fields, extra):
        s = w.connect(PORT, CA)
        s.settimeout(60)
        s.sendall(w.hello())
        w.recv_frame(s)
        body = (w.field_bytes(1, slug) + w.field_bytes(2, email) +
                w.field_bytes(3, password))
        s.sendall(w.frame(2, "Login", padded(body, fields, extra)))
        _, code, msg, _ = w.recv_frame(s)
        s.close()
        if code == 3 and "decode budget" in msg:
            return "DECODE"
        return CODE_NAMES.get(code, str(code))

    # All searching is done with the right password: it never counts.
    wrong = "wrong " + PASSWORD[6:]
    max_fields = 16384 // 2 - 500  # before authentication frames are small
    lo, hi = 0, max_fields
    if attempt(PASSWORD, hi, 0) != "DECODE":
        check(False, "a log-in's decode budget could be reached")
        return
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if attempt(PASSWORD, mid, 0) != "DECODE" else (lo, mid)
    fields = lo - 40
    lo, hi = 0, 16384 - 2 * fields - 500  # the most that decodes, in extra bytes
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if attempt(PASSWORD, fields, mid) != "DECODE" else (lo, mid)
    least = 0  # the most extra bytes with which the right password logs in
    if attempt(PASSWORD, fields, least) != "OK":
        check(False, "a padded log-in with the right password works")
        return
    top = lo
    while top - least > 1:
        mid = (least + top) // 2
        least, top = (mid, top) if attempt(PASSWORD, fields, mid) == "OK" else (least, mid)
    short = attempt(PASSWORD, fields, least + 16)
    code = attempt(wrong, fields, least)
    check(code == "UNAUTHENTICATED", "a wrong password with just the memory a right one needs: "
          "UNAUTHENTICATED, counted (%s)" % code)
    code = attempt(wrong, fields, least + 16)
    check(code == short and code != "UNAUTHENTICATED", "16 bytes shorter, a wrong password is "
          "refused like the right one (%s, %s)" % (code, short))
    login(slug, email)  # clears the account's failures


def refused_users():
    """User and tenant changes the database refuses write neither the row
    nor an audit row: a distributor user bound to another tenant's
    distributor, a password reset or a disable of another tenant's user, a
    suspension of no tenant; the suspension of one is audited once."""
    email = "foreign-distributor@i.example"
    before = audit_count(tenant_id, "user.create")
    code, out = call("CreateUser", {"email": email, "role": "ROLE_DISTRIBUTOR_USER",
                                    "password": PASSWORD, "distributorId": foreign_d}, admin)
    check(code == "INVALID_ARGUMENT" and violation(out, "distributorId"),
          "a distributor user bound to another tenant's distributor: INVALID_ARGUMENT on "
          "distributorId (%s)" % code)
    n = sql("SELECT count(*) FROM users WHERE lower(email) = '%s'" % email)
    check(n == "0" and audit_count(tenant_id, "user.create") == before,
          "the refused distributor user: no users row (%s), no user.create audit row" % n)

    other_slug = "integrity-other-" + RUN
    other_tid = sql("SELECT id FROM tenants WHERE slug = '%s'" % other_slug)
    victim = sql("SELECT id FROM users WHERE tenant_id = %s AND email = 'admin@%s.example'"
                 % (other_tid, other_slug))
    state = "SELECT password_hash, disabled_at IS NULL FROM users WHERE id = %s" % victim
    was = sql(state)
    for method, payload, action in (
            ("ResetPassword", {"userId": victim, "newPassword": PASSWORD + "!"}, "user.password"),
            ("DisableUser", {"userId": victim}, "user.disable")):
        ours, theirs = audit_count(tenant_id, action), audit_count(other_tid, action)
        code, _ = call(method, payload, admin)
        check(code == "NOT_FOUND", "%s of another tenant's user: NOT_FOUND (%s)" % (method, code))
        check(audit_count(tenant_id, action) == ours and audit_count(other_tid, action) == theirs,
              "%s of another tenant's user: no %s audit row in either tenant" % (method, action))
    check(sql(state) == was, "another tenant's user keeps its password and stays enabled")

    ghost = "no-such-tenant-" + RUN
    code, _ = call("SuspendTenant", {"slug": ghost}, OPERATOR)
    n = sql("SELECT count(*) FROM platform_audit WHERE tenant_slug = '%s'" % ghost)
    check(code == "NOT_FOUND" and n == "0",
          "suspending a tenant that does not exist: NOT_FOUND (%s), no platform audit row (%s)"
          % (code, n))
    for method in ("SuspendTenant", "ResumeTenant"):
        must(method, {"slug": other_slug}, OPERATOR)
    for action in ("tenant.suspend", "tenant.resume"):
        n = sql("SELECT count(*) FROM platform_audit WHERE tenant_slug = '%s' AND action = '%s'"
                % (other_slug, action))
        check(n == "1" and audit_count(other_tid, action) == 1,
              "%s: one row in the platform audit (%s) and one in the tenant's log" % (action, n))
    code, _ = call("WhoAmI", {}, other_admin)
    check(code == "OK", "another tenant's user keeps its session (%s)" % code)


def refused_catalogue():
    """A product in a line that is not a live line of the tenant, and a
    second line with a code in use, are refused inside the transaction: no
    row, no audit entry."""
    for line, why in ((foreign_line, "another tenant's line"), (old, "a retired line"),
                      (999999, "line 999999")):
        before = audit_count(tenant_id, "product.create")
        code, out = call("CreateProduct", {"sku": "REF-1", "productLineId": line, "name": "x",
                                           "unit": "set", "moq": 1}, admin)
        n = sql("SELECT count(*) FROM products WHERE sku = 'REF-1'")
        check(code == "INVALID_ARGUMENT" and violation(out, "productLineId") and n == "0"
              and audit_count(tenant_id, "product.create") == before,
              "a product in %s: refused on productLineId, no row (%s), no audit row (%s)"
              % (why, n, code))
    before = audit_count(tenant_id, "product_line.create")
    code, _ = call("CreateProductLine", {"code": "BRK", "name": "again"}, admin)
    n = sql("SELECT count(*) FROM product_lines WHERE tenant_id = %s AND code = 'BRK'"
            % tenant_id)
    check(code == "ALREADY_EXISTS" and n == "1"
          and audit_count(tenant_id, "product_line.create") == before,
          "a second line coded BRK: ALREADY_EXISTS, one row (%s), no audit row (%s)" % (n, code))


def refused_tokens():
    """Revoking another tenant's API token is NOT_FOUND: the token still
    works and neither tenant's log records a revocation."""
    made = must("CreateApiToken", {"name": "other's", "role": "ROLE_AUDITOR"}, other_admin)
    theirs = made["apiToken"]["id"]
    other_tid = sql("SELECT id FROM tenants WHERE slug = 'integrity-other-%s'" % RUN)
    code, _ = call("RevokeApiToken", {"id": theirs}, admin)
    check(code == "NOT_FOUND" and audit_count(tenant_id, "api_token.revoke") == 0
          and audit_count(other_tid, "api_token.revoke") == 0,
          "revoking another tenant's token: NOT_FOUND, no audit row (%s)" % code)
    code, _ = call("WhoAmI", {}, made["token"])
    check(code == "OK", "... and the token still works (%s)" % code)


for test in (test_refused_charter_edits_change_nothing, refused_charter, refused_distributors,
             refused_catalogue, refused_tokens,
             test_refused_delete_writes_no_audit,
             test_revoked_credential_is_checked_first,
             test_lists_by_unreachable_parent_are_not_found,
             test_cursors_are_bound_to_list_and_filters, test_one_time_precision,
             test_exhausted_budget_never_runs_half_built, test_wrong_password_always_counted,
             refused_users):
    try:
        test()
    except Exception as e:  # noqa: BLE001 - a crash is a failure of that test
        check(False, "%s raised %r" % (test.__name__, e))

t.finish("integrity")
