#!/usr/bin/env python3
"""The tenant wall (issue 14, migration 0026): as liaisond's own database
role in psql -- what SQL injected into any of its statements could do --
no setting it writes by hand shows a row of any tenant: every liaison.*
setting forged, a made-up MAC, a genuine context edited, or copied from
another transaction, backend or tenant. Only the database's credential
check makes a context, and it asks for the token itself, not a session id
or a stored hash; log-in compares a hash liaisond computed and never hands
out the stored one. A distributor user's genuine context reaches its own
distributor's rows only, in a SELECT without any WHERE."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
from liaison_test import check  # noqa: E402

CLI = sys.argv[1]
OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
PSQL = w.env("LIAISON_TEST_PSQL").split()
PASSWORD = "correct horse battery staple"
RUN = str(int(time.time() * 1000) % 10**8)
_cli = t.Cli(CLI, w.env("LIAISON_TEST_URL"), os.path.join(w.env("LIAISON_TEST_DIR"), "wall-home"))
must = _cli.must


def app(query):
    """query, one transaction, as the server's role: (ok, last line or error)."""
    p = subprocess.run(PSQL + ["-U", "liaison_app", "-c", query], capture_output=True, text=True)
    if p.returncode != 0:
        return False, p.stderr.strip()
    lines = p.stdout.strip().splitlines()
    return True, lines[-1] if lines else ""


def tenant(slug, distributors):
    must("CreateTenant", {"slug": slug, "name": "Wall " + slug, "adminEmail": "admin@wall.example",
                          "adminPassword": PASSWORD}, OPERATOR)
    admin = must("Login", {"tenant": slug, "email": "admin@wall.example", "password": PASSWORD},
                 None)["token"]
    ids = []
    for name in distributors:
        d = must("CreateDistributor", {"fields": {"name": name, "country": "VN",
                                                  "timeZone": "Asia/Ho_Chi_Minh"}},
                 admin)["distributor"]["id"]
        must("CreateContact", {"distributorId": d, "fields": {"name": "Contact of " + name,
                                                              "role": "purchasing manager"}},
             admin)
        must("CreateCharterDraft", {"distributorId": d}, admin)
        ids.append(d)
    return t.psql("SELECT id FROM tenants WHERE slug = '%s'" % slug), admin, ids


a_id, admin_a, (d1, d2) = tenant("wall-a-" + RUN, ["Sài Gòn Parts", "Hà Nội Parts"])
b_id, admin_b, _ = tenant("wall-b-" + RUN, ["Osaka Trading"])
must("CreateUser", {"email": "portal@wall.example", "role": "ROLE_DISTRIBUTOR_USER",
                    "distributorId": d1, "password": PASSWORD}, admin_a)
portal = must("Login", {"tenant": "wall-a-" + RUN, "email": "portal@wall.example",
                        "password": PASSWORD}, None)["token"]

TABLES = t.psql("SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
                "AND a.attname = 'tenant_id' AND NOT a.attisdropped JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' "
                "ORDER BY 1").split() + ["tenants"]
# Every row of every tenant table the server's role can see, as one number.
EVERY_ROW = "SELECT " + " + ".join("(SELECT count(*) FROM public.%s)" % x for x in TABLES)
SETTINGS = ["tenant_id", "user_id", "role", "distributor_id", "sees_all", "operator",
            "context_mac"]
READ_CONTEXT = "SELECT " + " || '|' || ".join(
    "coalesce(current_setting('liaison.%s', true), '')" % s for s in SETTINGS)


def forge(values):
    return "SELECT " + ", ".join("set_config('liaison.%s', '%s', true)" % (k, v)
                                 for k, v in values.items()) + ";"


def zero(prefix, what):
    ok, got = app(prefix + EVERY_ROW)
    check(ok and got == "0", "%s: no row of any of %d tenant tables (%s)"
          % (what, len(TABLES), got))


# ---------------- a genuine context sees its tenant (so that zero means something) ----------------
ok, got = app("SELECT liaison_auth(%s, '%s');" % (a_id, admin_a) + EVERY_ROW)
check(ok and int(got) > 0, "tenant A's admin token, through liaison_auth(), shows A's rows (%s)"
      % got)
ok, genuine = app("SELECT liaison_auth(%s, '%s');" % (a_id, admin_a) + READ_CONTEXT)
fields = dict(zip(SETTINGS, genuine.split("|")))
check(ok and fields.get("tenant_id") == a_id and len(fields.get("context_mac", "")) == 64,
      "liaison_auth() writes the tenant and a MAC (%s)" % genuine)

# ---------------- forged settings ----------------
zero("", "no context")
every = {"tenant_id": a_id, "user_id": fields["user_id"], "role": "tenant_admin",
         "distributor_id": "", "sees_all": "true", "operator": "on"}
zero(forge(every), "every liaison.* setting set by hand, operator on")
for name, value in every.items():
    zero(forge({name: value, "tenant_id": a_id}), "liaison.tenant_id and liaison.%s by hand" % name)
zero(forge(dict(every, context_mac="0" * 64)), "every setting with a made-up MAC")
zero(forge(dict(every, operator="", context_mac=fields["context_mac"])),
     "A's settings with a MAC copied from another transaction")
# The same backend, the next transaction (its own message, as liaisond's
# pipelines send each transaction): the MAC names the transaction it was
# made in. (Transactions in one multi-statement simple query share their
# start time: docs/tenant-wall.md.)
cols = ", ".join("current_setting('liaison.%s') AS %s" % (x, x) for x in SETTINGS)
restore = ", ".join("set_config('liaison.%s', s.%s, true)" % (x, x) for x in SETTINGS)
p = subprocess.run(PSQL + ["-U", "liaison_app",
                           "-c", "SELECT liaison_auth(%s, '%s'); CREATE TEMP TABLE stolen AS "
                                 "SELECT %s" % (a_id, admin_a, cols),
                           "-c", "SELECT %s FROM stolen s; %s" % (restore, EVERY_ROW)],
                   capture_output=True, text=True)
got = p.stdout.strip().splitlines()[-1] if p.returncode == 0 else p.stderr.strip()
check(got == "0", "A's whole context copied into the next transaction of its own connection: "
      "no row (%s)" % got)
# A genuine context for A, then edited: its tenant, its role, the operator flag.
auth_a = "SELECT liaison_auth(%s, '%s');" % (a_id, admin_a)
zero(auth_a + forge({"tenant_id": b_id}), "A's genuine context with liaison.tenant_id set to B")
auth_portal = "SELECT liaison_auth(%s, '%s');" % (a_id, portal)
zero(auth_portal + forge({"role": "tenant_admin"}),
     "a distributor user's genuine context with liaison.role set to tenant_admin")
zero(auth_a + forge({"operator": "on"}), "A's genuine context with liaison.operator on")
# The platform's own tables (0312): platform_audit names every tenant and the operators'
# source addresses, job_runs every tenant's jobs. The first shows rows to a verified
# operator's context alone (ListPlatformAudit answers through it), the second to none.
check(int(t.psql("SELECT count(*) FROM platform_audit")) > 0,
      "the platform audit has rows (so that zero means something)")
for prefix, what in (("", "no context"), (forge(every), "every setting by hand, operator on"),
                     (auth_a, "a tenant admin's genuine context"),
                     (auth_a + forge({"operator": "on"}), "that context with operator on")):
    ok, got = app(prefix + "SELECT count(*) FROM platform_audit")
    check(ok and got == "0", "platform_audit as the server's role, %s: no row (%s)" % (what, got))
ok, got = app("SELECT count(*) FROM job_runs")
check(not ok and "permission denied" in got,
      "the server's role may not read job_runs (%s)" % got[-80:])
# B's genuine context moved onto tenant A's id in the same transaction.
ok, b_context = app("SELECT liaison_auth(%s, '%s');" % (b_id, admin_b) + READ_CONTEXT)
bf = dict(zip(SETTINGS, b_context.split("|")))
zero("SELECT liaison_auth(%s, '%s');" % (b_id, admin_b) + forge({"tenant_id": a_id}),
     "B's genuine context with liaison.tenant_id set to A")
zero(auth_a + forge(bf), "B's settings and MAC copied into a transaction of A's")

# ---------------- only the database makes a context ----------------
for what, query in (
        ("a session id", "SELECT liaison_auth(%s, '1')" % a_id),
        ("a stored token hash", "SELECT liaison_auth(%s, '%s')" % (a_id, t.psql(
            "SELECT encode(token_hash, 'hex') FROM sessions WHERE tenant_id = %s LIMIT 1"
            % a_id))),
        ("an operator's name as a token", "SELECT liaison_auth_operator('ops', 0, 'x', 'x', 'x')"),
        ("a token of tenant B for tenant A", "SELECT liaison_auth(%s, '%s')" % (a_id, admin_b))):
    ok, got = app(query)
    check(not ok and "revoked" in got, "liaison_auth refuses %s (%s)" % (what, got[-80:]))
# The certificate door (migration 0044): an operator's name is not enough,
# the database wants the key only a liaisond process can derive.
for what, query in (
        ("a made-up key", "SELECT liaison_auth_operator_certificate('ops', '%s', 0, 'x', 'x', "
                          "'x')" % ("0" * 64)),
        ("no key", "SELECT liaison_auth_operator_certificate('ops', NULL, 0, 'x', 'x', 'x')"),
        ("a stored key hash", "SELECT liaison_auth_operator_certificate('ops', (SELECT "
                              "encode(key_hash, 'hex') FROM operator_certificate_keys LIMIT 1), "
                              "0, 'x', 'x', 'x')")):
    ok, got = app(query + "; SELECT count(*) FROM tenants")
    check(not ok and ("not registered" in got or "permission denied" in got),
          "the operator-certificate door refuses %s (%s)" % (what, got[-80:]))
ok, got = app("SELECT liaison_auth_operator_certificate('ops', 0, 'x', 'x', 'x'); "
              "SELECT count(*) FROM tenants")
check(not ok and "does not exist" in got,
      "the old door that believed any operator's name is gone (%s)" % got[-80:])
ok, got = app("SELECT count(*) FROM operator_certificate_keys")
check(not ok and "permission denied" in got,
      "the server's role may not read the operator-certificate key hashes")
ok, got = app("SELECT liaison_operator_certificate_key_register('mine')")
check(not ok and "permission denied" in got,
      "the server's role may not register an operator-certificate key")
ok, got = app("SELECT liaison_context_set(%s, NULL, 'tenant_admin', NULL, true, true)" % a_id)
check(not ok and "permission denied" in got, "the server's role may not call liaison_context_set")
ok, got = app("SELECT count(*) FROM liaison_wall_key")
check(not ok and "permission denied" in got, "the server's role may not read the MAC's keys")
ok, got = app("SELECT liaison_operator_bind(%s)" % b_id)
check(not ok and "only an operator" in got, "liaison_operator_bind needs an operator's context")
ok, got = app("SELECT salt FROM liaison_login_user(%s, 'admin@wall.example')" % a_id)
check(ok and got.startswith("$argon2id$") and got.count("$") == 4,
      "log-in's look-up gives the salt and parameters, not the hash (%s)" % got)
ok, got = app("SELECT matched::text || count(*) OVER () FROM liaison_login(%s, (SELECT id FROM "
              "liaison_login_user(%s, 'admin@wall.example')), (SELECT salt || '$AAAA' FROM "
              "liaison_login_user(%s, 'admin@wall.example')), '\\x00'::bytea, 60, NULL)"
              % (a_id, a_id, a_id))
sessions = t.psql("SELECT count(*) FROM sessions WHERE tenant_id = %s AND token_hash = '\\x00'"
                  % a_id)
check(ok and got == "false1" and sessions == "0",
      "liaison_login without the password's hash makes no session (%s, %s)" % (got, sessions))

# ---------------- a distributor user's rows, limited by the database ----------------
for table, column in (("distributors", "id"), ("contacts", "distributor_id"),
                      ("charters", "distributor_id")):
    ok, got = app(auth_portal + "SELECT string_agg(DISTINCT %s::text, ',') FROM %s"
                  % (column, table))
    check(ok and got == str(d1), "a distributor user's SELECT * FROM %s without WHERE: only its "
          "own distributor's rows (%s)" % (table, got))
    ok, got = app(auth_a + "SELECT count(DISTINCT %s) FROM %s" % (column, table))
    check(ok and got == "2", "the tenant admin's context sees both distributors in %s (%s)"
          % (table, got))
ok, got = app(auth_portal + "WITH u AS (UPDATE contacts SET name = name WHERE distributor_id = %s "
              "RETURNING 1) SELECT count(*) FROM u" % d2)
check(ok and got == "0", "a distributor user's context updates no row of another distributor")
# The exporter's internal action items (migration 0096), of its own distributor too.
for internal in (True, False):
    must("CreateActionItem", {"distributorId": d1, "description": "internal %s" % internal,
                              "owner": "admin@wall.example", "dueOn": "2027-01-31",
                              "internal": internal}, admin_a)
ok, got = app(auth_portal + "SELECT string_agg(description, ',') FROM action_items")
check(ok and got == "internal False",
      "a distributor user's SELECT * FROM action_items without WHERE: no internal item (%s)" % got)
ok, got = app(auth_portal + "WITH u AS (UPDATE action_items SET status = 'done' WHERE internal "
              "RETURNING 1) SELECT count(*) FROM u")
check(ok and got == "0", "nor does it close one (%s)" % got)
ok, got = app(auth_a + "SELECT count(*) FROM action_items WHERE internal")
check(ok and got == "1", "the tenant admin's context sees it (%s)" % got)

# ---------------- credentials written by tenant admins only (migration 0094) ----------------
portal_user = t.psql("SELECT id FROM users WHERE tenant_id = %s AND email = 'portal@wall.example'"
                     % a_id)
mint = ("INSERT INTO sessions (tenant_id, user_id, kind, role, token_hash) VALUES (%s, %s, 'api', "
        "'tenant_admin', sha256(convert_to('minted-%s', 'UTF8')))" % (a_id, portal_user, RUN))
for what, query, refusal in (
        ("mint itself a tenant_admin token", mint, "row-level security"),
        ("raise its session's role", "UPDATE sessions SET role = 'tenant_admin' WHERE user_id = %s"
         % portal_user, "permission denied"),
        ("make its user an admin", "UPDATE users SET role = 'tenant_admin', distributor_id = NULL "
         "WHERE id = %s" % portal_user, "permission denied"),
        ("delete the tenant's sessions", "DELETE FROM sessions", "permission denied"),
        ("create a user", "INSERT INTO users (tenant_id, email, role, password_hash) VALUES (%s, "
         "'x@wall.example', 'tenant_admin', '$argon2id$x')" % a_id, "row-level security")):
    ok, got = app(auth_portal + query)
    check(not ok and refusal in got, "a distributor user's SQL cannot %s (%s)" % (what, got[-90:]))
ok, got = app(auth_portal + "WITH u AS (UPDATE sessions SET revoked_at = now() WHERE user_id <> "
              "%s RETURNING 1) SELECT count(*) FROM u" % portal_user)
check(ok and got == "0", "a distributor user's SQL revokes no one else's session (%s)" % got)
ok, got = app("BEGIN; " + auth_a + "WITH m AS (" + mint + " RETURNING 1) SELECT count(*) FROM m; "
              "ROLLBACK")
check(ok and got == "1", "a tenant admin's context may still create a token (%s)" % got)

# ---------------- password hashes out of reach (migration 0095) ----------------
for who, auth in (("a distributor user's", auth_portal), ("even a tenant admin's", auth_a)):
    for what, query in (
            ("read the staff's password hashes", "SELECT password_hash FROM users"),
            ("read whole rows of users", "SELECT * FROM users"),
            ("export the tenant with its hashes",
             "SELECT count(*) FROM liaison_export_page('users', 0, 100, true)"),
            ("call the export's reader",
             "SELECT count(*) FROM liaison_export_rows('users', 0, 100, true)"),
            ("give its own user a password of its choosing",
             "UPDATE users SET password_hash = '$argon2id$v=19$m=19456,t=2,p=1$x$y' "
             "WHERE id = liaison_user_id()")):
        ok, got = app(auth + query)
        check(not ok and ("permission denied" in got or "operators only" in got),
              "%s SQL cannot %s (%s)" % (who, what, got[-90:]))
for what, query in (
        ("reset its own password", "SELECT liaison_user_password_set(liaison_user_id(), "
         "'$argon2id$x', NULL, NULL)"),
        ("set its own password without the current one", "SELECT coalesce("
         "liaison_user_password_set(liaison_user_id(), '$argon2id$x', '$argon2id$wrong', NULL)"
         "::text, 'refused')")):
    ok, got = app(auth_portal + query)
    check((not ok and "a tenant admin resets passwords" in got) or (ok and got == "refused"),
          "a distributor user's SQL cannot %s (%s)" % (what, got[-90:]))
check(t.psql("SELECT password_hash FROM users WHERE id = %s" % portal_user).startswith(
      "$argon2id$v=19$"), "its hash is as it was")
# A user's role is changed only through the owner's function, by a tenant admin (0204).
ok, got = app(auth_portal + "SELECT liaison_user_update(liaison_user_id(), 'x', 'tenant_admin',"
              " false, NULL)")
check(not ok and "a tenant admin changes users" in got,
      "a distributor user's SQL cannot make its user an admin through the function (%s)"
      % got[-90:])
check(t.psql("SELECT role FROM users WHERE id = %s" % portal_user) == "distributor_user",
      "its role is as it was")

ok, got = app(auth_portal + "SELECT count(DISTINCT email) FROM users")
check(ok and got == t.psql("SELECT count(*) FROM users WHERE tenant_id = %s" % a_id),
      "the rest of users stays readable: the staff's names and addresses (%s)" % got)
own = t.psql("SELECT password_hash FROM users WHERE id = %s" % portal_user)
ok, got = app(auth_portal + "SELECT liaison_own_password_salt()")
check(ok and own.startswith("$argon2id$") and got == own[:own.rindex("$")],
      "liaison_own_password_salt() gives the caller its own salt and parameters, not the hash "
      "(%s)" % got[:40])
ok, got = app(auth_portal + "SELECT liaison_own_password_matches('%s'), "
              "liaison_own_password_matches('%s')" % (own, own[:-1] + "x"))
check(ok and got == "t|f", "liaison_own_password_matches() says only whether (%s)" % got)
ok, got = app(auth_a + "SELECT liaison_own_password_matches('%s')" % own)
check(ok and got == "f", "and only of the caller's own hash (%s)" % got)
ok, got = app(forge(every) + "SELECT coalesce(liaison_own_password_salt(), 'none'), "
              "liaison_own_password_matches('%s')" % own)
check(ok and got == "none|f", "forged settings get no one's (%s)" % got[:20])

# ---------------- the seal (migration 0036): once per transaction, in the backend ----------------
ok, got = app("SELECT liaison_wall_set(1, 1, 'tenant_admin', NULL, true, true)")
check(not ok and "permission denied" in got, "the server's role may not seal a context (%s)"
      % got[-80:])
ok, got = app(forge(every) + "SELECT liaison_wall_valid()")
check(ok and got == "f", "settings written by hand are not a sealed context (%s)" % got)
ok, got = app(auth_a + "SELECT liaison_wall_valid()")
check(ok and got == "t", "liaison_auth() seals the context it makes (%s)" % got)

# ---------------- the credential check in C (migration 0093) ----------------
# It reads tenants, sessions and users past their policies; the caller
# learns nothing but its own context.
ok, got = app("SELECT liaison_wall_auth(%s, '%s'); SELECT count(*) FROM sessions" % (a_id, admin_a))
check(ok and got.isdigit() and int(got) >= 2,
      "liaison_wall_auth with A's token: A's own sessions only (%s)" % got)
a_sessions = t.psql("SELECT count(*) FROM sessions WHERE tenant_id = %s" % a_id)
check(ok and got == a_sessions, "the context shows exactly tenant A's sessions (%s, %s)"
      % (got, a_sessions))
ok, got = app("SELECT liaison_auth(%s, '%s', 0, 'user:1 wall', 'wall-rid', '192.0.2.7'); "
              "SELECT current_setting('liaison.actor') || '|' || current_setting("
              "'liaison.request_id') || '|' || current_setting('liaison.source') || '|' || "
              "liaison_tenant()" % (a_id, admin_a))
check(ok and got == "user:1 wall|wall-rid|192.0.2.7|%s" % a_id,
      "the six-argument check records who asks, as liaison_request() did (%s)" % got)
ok, got = app("SELECT liaison_auth(%s, '%s', 1, 'x', 'x', 'x')" % (a_id, admin_a))
check(not ok and "deadline passed" in got, "a deadline already passed is refused (%s)"
      % got[-80:])
ok, got = app("SELECT liaison_auth(%s, '%s', (extract(epoch FROM clock_timestamp()) * 1000000)"
              "::bigint + 60000000, 'x', 'x', 'x'); SELECT current_setting('statement_timeout')"
              % (a_id, admin_a))
check(ok and got.endswith("ms") and 55000 <= int(got[:-2]) <= 60000,
      "the deadline becomes the statement timeout (%s)" % got)
ok, got = app("SELECT liaison_auth(NULL, '%s')" % admin_a)
check(not ok and "revoked" in got, "no tenant is refused (%s)" % got[-80:])
t.psql("UPDATE tenants SET status = 'suspended' WHERE id = %s" % b_id)
ok, got = app("SELECT liaison_auth(%s, '%s')" % (b_id, admin_b))
ok_null, got_null = app("SELECT liaison_auth(%s, NULL)" % b_id)
t.psql("UPDATE tenants SET status = 'active' WHERE id = %s" % b_id)
check(not ok and "suspended" in got, "a suspended tenant's token is refused as suspended (%s)"
      % got[-80:])
check(not ok_null and "suspended" in got_null, "so is no token for a suspended tenant, as "
      "before (%s)" % got_null[-80:])
# Temporary tables named like the credentials' tables, first in search_path,
# holding a forged session: the check reads public's, by name.
forged = "wall-forged-" + RUN
ok, got = app("CREATE TEMP TABLE tenants (id bigint PRIMARY KEY, status text); "
              "CREATE TEMP TABLE sessions (tenant_id bigint, token_hash bytea, user_id bigint, "
              "role text, expires_at timestamptz, revoked_at timestamptz, "
              "UNIQUE (tenant_id, token_hash)); "
              "CREATE TEMP TABLE users (tenant_id bigint, id bigint, distributor_id bigint, "
              "sees_all_distributors boolean, disabled_at timestamptz, "
              "PRIMARY KEY (tenant_id, id)); "
              "INSERT INTO pg_temp.tenants VALUES (%s, 'active'); "
              "INSERT INTO pg_temp.sessions VALUES (%s, sha256(convert_to('%s', 'UTF8')), 1, "
              "'tenant_admin', NULL, NULL); INSERT INTO pg_temp.users VALUES (%s, 1, NULL, "
              "true, NULL); SET search_path = pg_temp, public; SELECT liaison_auth(%s, '%s')"
              % (a_id, a_id, forged, a_id, a_id, forged))
check(not ok and "revoked" in got, "temporary look-alike tables first in search_path do not "
      "make a credential (%s)" % got[-80:])
admin_user = t.psql("SELECT id FROM users WHERE tenant_id = %s AND email = 'admin@wall.example'"
                    % a_id)
# Tokens made here, the way log-in stores them: sha256 of the token's UTF-8.
for token, expires, revoked, refused, what in (
        ("wall-expired-" + RUN, "now() - interval '1 minute'", "NULL", True,
         "an expired session"),
        ("wall-revoked-" + RUN, "NULL", "now()", True, "a revoked session"),
        ("wall-later-" + RUN, "now() + interval '1 hour'", "NULL", False,
         "a session that expires later"),
        ("ウォール-thành-" + RUN, "NULL", "NULL", False, "a token with Japanese and Vietnamese")):
    t.psql("INSERT INTO sessions (tenant_id, user_id, kind, role, token_hash, expires_at, "
           "revoked_at) VALUES (%s, %s, 'api', 'manager', sha256(convert_to('%s', 'UTF8')), %s, "
           "%s)" % (a_id, admin_user, token, expires, revoked))
    ok, got = app("SELECT liaison_auth(%s, '%s'); SELECT current_setting('liaison.role')"
                  % (a_id, token))
    if refused:
        check(not ok and "revoked" in got, "the check refuses %s (%s)" % (what, got[-80:]))
    else:
        check(ok and got == "manager", "the check takes %s, with the session's role (%s)"
              % (what, got))
t.psql("UPDATE users SET disabled_at = now() WHERE tenant_id = %s AND email = "
       "'portal@wall.example'" % a_id)
ok, got = app(auth_portal + "SELECT 1")
t.psql("UPDATE users SET disabled_at = NULL WHERE tenant_id = %s AND email = "
       "'portal@wall.example'" % a_id)
check(not ok and "revoked" in got, "a disabled user's token is refused (%s)" % got[-80:])
ok, got = app(auth_portal + READ_CONTEXT)
portal_id = t.psql("SELECT id FROM users WHERE tenant_id = %s AND email = 'portal@wall.example'"
                   % a_id)
check(ok and got.split("|")[:5] == [str(a_id), portal_id, "distributor_user", str(d1), "false"],
      "a distributor user's context: its tenant, user, role, distributor (%s)" % got)


def script(lines):
    """psql input (with \\gset) as the server's role: its last line or the error."""
    p = subprocess.run(PSQL + ["-U", "liaison_app"], input="\n".join(lines) + "\n",
                       capture_output=True, text=True)
    if p.returncode != 0:
        return p.stderr.strip()
    lines = p.stdout.strip().splitlines()
    return lines[-1] if lines else ""


steal = "SELECT %s \\gset" % ", ".join("current_setting('liaison.%s') AS %s" % (x, x)
                                       for x in SETTINGS)
put_back = "SELECT %s;" % ", ".join("set_config('liaison.%s', :'%s', true)" % (x, x)
                                    for x in SETTINGS)
# One simple-query message, two transactions: they share a start time, so
# 0026's MAC verified in the second; the seal ends with the first.
p = subprocess.run(PSQL + ["-U", "liaison_app", "-c",
                           "BEGIN; SELECT liaison_auth(%s, '%s'); CREATE TEMP TABLE stolen AS "
                           "SELECT %s; COMMIT; BEGIN; SELECT %s FROM stolen s; %s"
                           % (a_id, admin_a, cols, restore, EVERY_ROW)],
                   capture_output=True, text=True)
got = p.stdout.strip().splitlines()[-1] if p.returncode == 0 else p.stderr.strip()
check(got == "0", "A's context copied into the next transaction of the same message: no row (%s)"
      % got)
# A subtransaction that made B's context and rolled back takes its seal
# with it: B's settings and MAC written back by hand are not believed.
got = script(["BEGIN;", auth_a, "SAVEPOINT s;", "SELECT liaison_auth(%s, '%s');" % (b_id, admin_b),
              steal, "ROLLBACK TO SAVEPOINT s;", put_back, EVERY_ROW + ";"])
check(got == "0", "B's context from a rolled-back subtransaction, written back: no row (%s)" % got)
# A has two distributors, B one.
got = script(["BEGIN;", auth_a, "SAVEPOINT s;", "SELECT liaison_auth(%s, '%s');" % (b_id, admin_b),
              "ROLLBACK TO SAVEPOINT s;", "SELECT string_agg(id::text, ',' ORDER BY id) "
              "FROM distributors;"])
check(got == "%s,%s" % (d1, d2), "after the rollback the outer context is A's again (%s)" % got)
got = script(["BEGIN;", "SAVEPOINT s;", auth_a, "RELEASE SAVEPOINT s;",
              "SELECT count(*) FROM distributors;"])
check(got == "2", "a context made in a released subtransaction holds for the transaction (%s)"
      % got)
ok, got = app("DROP EXTENSION liaison_wall CASCADE")
check(not ok and "must be owner" in got, "the server's role may not drop the extension (%s)"
      % got[-80:])

# ---------------- leads and interactions: the distributor scope (migration 0036) ----------------
# Distributor 2's deal, approved so that it protects its account; one lead
# and one interaction of each distributor.
lead2 = must("RegisterLead", {"distributorId": d2, "accountName": "Công ty Bình Minh",
                              "country": "VN", "title": "東京向け部品", "currency": "VND"},
             admin_a)["lead"]
must("DecideLeadRegistration", {"id": lead2["id"], "decision": "approve"}, admin_a)
lead1 = must("RegisterLead", {"distributorId": d1, "accountName": "Nhà máy Đồng Nai",
                              "country": "VN", "title": "Phụ tùng ô tô", "currency": "VND"},
             portal)["lead"]
for d, lead in ((d1, lead1), (d2, lead2)):
    must("CreateInteraction", {"distributorId": d, "kind": "visit", "summary": "Gặp khách hàng",
                               "leadId": lead["id"]}, admin_a)
for table in ("leads", "interactions"):
    ok, got = app(auth_portal + "SELECT string_agg(DISTINCT distributor_id::text, ',') FROM %s"
                  % table)
    check(ok and got == str(d1), "a distributor user's SELECT * FROM %s without WHERE: only its "
          "own distributor's rows (%s)" % (table, got))
    ok, got = app(auth_a + "SELECT count(DISTINCT distributor_id) FROM %s" % table)
    check(ok and got == "2", "the tenant admin's context sees both distributors in %s (%s)"
          % (table, got))
ok, got = app(auth_portal + "WITH u AS (UPDATE leads SET title = title WHERE distributor_id = %s "
              "RETURNING 1) SELECT count(*) FROM u" % d2)
check(ok and got == "0", "a distributor user's context updates no lead of another distributor")
# The protection window still weighs the other distributor's lead it cannot see.
code, out = _cli.call("RegisterLead", {"distributorId": d1, "accountName": "công ty bình minh",
                                       "country": "VN", "title": "Lần thứ hai",
                                       "currency": "VND"}, portal)
check(code == "ALREADY_EXISTS" and "protected until" in out.get("message", "")
      and "Bình Minh" not in json.dumps(out, ensure_ascii=False),
      "a distributor user's registration of another distributor's protected account is refused, "
      "without its name (%s %s)" % (code, out))

# ---------------- jobs: queued only by the owner's functions ----------------
ok, got = app("INSERT INTO jobs (for_tenant, kind, key, run_at) VALUES (%s, 'idempotency_prune', "
              "'wall-%s', now() + interval '1 day')" % (b_id, RUN))
check(not ok and "permission denied" in got, "the server's role may not insert a job (%s)"
      % got[-80:])
ok, got = app("UPDATE jobs SET run_at = now() WHERE for_tenant = %s" % b_id)
check(not ok and "permission denied" in got, "the server's role may not move a job (%s)"
      % got[-80:])
key = "wall-" + RUN
ok, got = app(forge(every) + "SELECT liaison_schedule('idempotency_prune', '%s', now() + "
              "interval '1 day', NULL)" % key)
queued = t.psql("SELECT coalesce(for_tenant::text, 'none') FROM jobs WHERE key = '%s'" % key)
check(ok and queued == "none", "a job queued with forged settings is for no tenant (%s, %s)"
      % (got, queued))
ok, got = app(auth_a + "SELECT liaison_schedule('idempotency_prune', '%s-a', now() + "
              "interval '1 day', NULL)" % key)
queued = t.psql("SELECT for_tenant FROM jobs WHERE key = '%s-a'" % key)
check(ok and queued == a_id, "liaison_schedule() queues a job for the context's own tenant (%s)"
      % queued)
t.psql("DELETE FROM jobs WHERE key LIKE '%s%%'" % key)

t.finish("test_wall")
