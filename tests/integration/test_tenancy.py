#!/usr/bin/env python3
"""Tenancy through the real CLI, client library, server and PostgreSQL:
the cross-tenant access matrix (every RPC of proto/liaison.proto), row-level
security under the server's own database role, suspension, export and
deletion, Argon2id hashes, stored token hashes and log-in throttling."""
import hashlib
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_wire as w  # noqa: E402

CLI = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
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
code, out = call("WhoAmI", {}, token=api_token)
check(code == "OK" and out["identity"]["kind"] == "api_token", "API token authenticates")

# Things of tenant A that must never show to anyone outside it, and those of
# distributor 1 that must never show to distributor 2's user.
MARKERS = [A, "manager@a.example", "auditor@a.example", "dist1@a.example", "Saigon Auto",
           "SECRETLINE", "SECRETSKU", "Secret Contact"]
OTHER_DISTRIBUTOR = ["manager@a.example", "auditor@a.example", "dist1@a.example", "Saigon Auto",
                     "Secret Contact"]

# ---------------- the access matrix ----------------
service = open(PROTO).read().split("service Liaison {", 1)[1]
methods = re.findall(r"rpc\s+(\w+)\s*\(", service)
ANYONE = {"anonymous", "operator", "tenant_admin", "manager", "distributor_user", "auditor"}
USERS = {"tenant_admin", "manager", "distributor_user", "auditor"}
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
    "CreateUser": ({"tenant_admin"}, True, {"email": "new@a.example", "role": "ROLE_AUDITOR",
                                            "password": PASSWORD}),
    "ListUsers": ({"tenant_admin", "auditor"}, False, {}),
    "DisableUser": ({"tenant_admin"}, True, {"userId": manager_id}),
    "EnableUser": ({"tenant_admin"}, True, {"userId": disabled_id}),
    "ChangePassword": (USERS, True, {"currentPassword": "wrong password x",
                                     "newPassword": PASSWORD + "!"}),
    "ResetPassword": ({"tenant_admin"}, True, {"userId": manager_id, "newPassword": PASSWORD}),
    "CreateApiToken": ({"tenant_admin"}, True, {"name": "t", "role": "ROLE_AUDITOR"}),
    "ListApiTokens": ({"tenant_admin", "auditor"}, False, {}),
    "RevokeApiToken": ({"tenant_admin"}, True, {"id": api_token_id}),
    "ListAuditLog": ({"tenant_admin", "auditor"}, False, {}),
    "CreateProductLine": ({"tenant_admin"}, True, {"code": "X" + RUN, "name": "x"}),
    "ListProductLines": (USERS, False, {}),
    "UpdateProductLine": ({"tenant_admin"}, True, {"id": line_a, "name": "y"}),
    "RetireProductLine": ({"tenant_admin"}, True, {"id": line_a}),
    "CreateProduct": ({"tenant_admin"}, True, {"sku": "S" + RUN, "productLineId": line_a,
                                               "name": "x", "unit": "pcs"}),
    "ListProducts": (USERS, False, {}),
    "UpdateProduct": ({"tenant_admin"}, True, {"id": product_a, "name": "x", "unit": "pcs"}),
    "RetireProduct": ({"tenant_admin"}, True, {"id": product_a}),
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
    "UpdateContact": ({"tenant_admin", "manager"}, True, {"id": contact_a, "fields": {"name": "y"}}),
    "RemoveContact": ({"tenant_admin", "manager"}, True, {"id": contact_a}),
    "CreateCharterDraft": ({"tenant_admin", "manager"}, True, {"distributorId": d1}),
    "SetCharterTerms": ({"tenant_admin", "manager"}, True,
                        {"charterId": charter_a, "fullCoverage": True, "reportDueDay": 3}),
    "AddCharterGrant": ({"tenant_admin", "manager"}, True, {"charterId": charter_a, "grant": {
        "region": "LA", "allLines": True, "startsOn": "2026-01-01"}}),
    "RemoveCharterGrant": ({"tenant_admin", "manager"}, True,
                           {"charterId": charter_a, "itemId": grant_a}),
    "AddCarveOut": ({"tenant_admin", "manager"}, True,
                    {"charterId": charter_a, "carveOut": {"accountName": "x"}}),
    "SetCommitment": ({"tenant_admin", "manager"}, True, {"charterId": charter_a, "commitment": {
        "productLineId": line_a, "bufferUnit": "units", "financing": "shared"}}),
    "DeclareCompetingLine": ({"tenant_admin", "manager"}, True, {
        "charterId": charter_a, "competingLine": {"competitor": "x", "line": "y"}}),
    "CheckCharter": ({"tenant_admin", "manager", "auditor"}, False, {"id": charter_a}),
    "ActivateCharter": ({"tenant_admin", "manager"}, True, {"id": charter_a}),
    "GetCharter": (USERS, False, {"distributorId": d1}),
    "ListCharterVersions": (USERS, False, {"distributorId": d1}),
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
for method in order:
    who, write, request = MATRIX.get(method, (set(), True, {}))
    for label, token, role in PARTIES:
        if label == "auditor" and not write:
            continue  # an auditor may read its own tenant: only writes are probed
        if method in ("Hello", "Ping", "GetHealth") and label != "disabled user":
            continue  # no tenant data at all behind these
        code, out = call(method, request, token=token)
        text = json.dumps(out)
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
    for setting in ("", "SET liaison.tenant_id = %s;" % b_id):
        n = sql("%s SELECT count(*) FROM %s WHERE tenant_id = %s" % (setting, t, a_id),
                role="liaison_app").splitlines()[-1]
        check(n == "0", "%s as liaison_app with tenant %s: 0 rows of the target" %
              (t, setting and "B" or "unset"))
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
actions = [e["action"] for e in out.get("entries", [])] if code == "OK" else []
check({"user.create", "user.disable", "api_token.create", "session.login"} <= set(actions),
      "audit log has the changes (%s)" % sorted(set(actions)))
code, out = cli("audit", "--entity", "api_token", token=admin_a)
check(code == "OK" and all(e["entity"] == "api_token" for e in out["entries"]),
      "audit log filters by entity")
check(code == "OK" and out["entries"][0]["source"].startswith("127.0.0.1")
      and out["entries"][0]["requestId"], "audit rows carry source address and request id")

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

# ---------------- export, then delete ----------------
export_file = os.path.join(w.env("LIAISON_TEST_DIR"), "export-%s.jsonl" % A)
code, _ = cli("admin", "tenant", "export", A, "--output", export_file, token=OPERATOR)
check(code == "OK", "export runs")
exported = {}
for line in open(export_file):
    row = json.loads(line)
    exported[row["table"]] = exported.get(row["table"], 0) + 1
for t in tables + ["tenants"]:
    col = "id" if t == "tenants" else "tenant_id"
    n = int(sql("SELECT count(*) FROM %s WHERE %s = %s" % (t, col, a_id)))
    check(exported.get(t, 0) == n, "export has every %s row (%d of %d)" % (t, exported.get(t, 0), n))
code, _ = call("DeleteTenant", {"slug": A, "confirm": "wrong"}, token=OPERATOR)
check(code == "INVALID_ARGUMENT", "delete without the right confirmation is refused")
code, _ = cli("admin", "tenant", "delete", A, "--confirm", A, token=OPERATOR)
check(code == "OK", "operator deletes tenant A")
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
