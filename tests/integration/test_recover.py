#!/usr/bin/env python3
"""An operator recovers a tenant whose admins are locked out
(RecoverTenantAdmin, 'liaison admin tenant recover', migration 0133), on the
suite's shared server: an admin who forgot the password (and locked the
account guessing) gets a new one, the old one is refused and the old session
ends, its API tokens stay unless asked; a disabled auditor is enabled and
made an admin; a new admin is created; a distributor's user, an unknown or
deleted tenant, a bad e-mail, name or password and a non-operator are
refused, leaving nothing; a suspended tenant is recovered but logs in only
once resumed; each recovery is in the platform audit (the e-mail in its
detail) and in the tenant's own audit log with the operator as the actor;
the answer holds the user only."""
import hashlib
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
PASSWORD = "correct horse battery staple"
NEW = "mật khẩu mới của Hoà 2026"  # a new password, not ASCII
RUN = str(int(time.time() * 1000) % 10**8)
HOME = os.path.join(w.env("LIAISON_TEST_DIR"), "recover-home")
os.makedirs(HOME, exist_ok=True)
_cli = t.Cli(CLI, w.env("LIAISON_TEST_URL"), HOME)
call, must = _cli.call, _cli.must
ANSWER_FIELDS = {"userId", "email", "role", "created", "tenantSuspended"}


def run(*args, token=None, stdin=None):
    """The CLI as an operator types it: (exit code, stdout, stderr)."""
    cmd = [CLI] + (["--token", token] if token else []) + list(args)
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=_cli.env,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def login(slug, email, password):
    return call("Login", {"tenant": slug, "email": email, "password": password}, None)


def session(slug, email, password):
    code, out = login(slug, email, password)
    if code != "OK":
        raise RuntimeError("login %s/%s: %s %s" % (slug, email, code, out))
    return out["token"]


def recover(slug, email, password, token=OPERATOR, **extra):
    req = {"slug": slug, "adminEmail": email, "adminPassword": password}
    req.update(extra)
    return call("RecoverTenantAdmin", req, token)


def platform_rows(slug):
    code, out = _cli.cli("admin", "audit", "--tenant", slug, "--action", "tenant.admin_recover",
                         "--all", token=OPERATOR)
    if code != "OK":
        raise RuntimeError("admin audit: %s %s" % (code, out))
    return out


# ---------------- a tenant, its admin, an API token, an auditor, a distributor's user ----------
SLUG = "sao-khue-" + RUN
DOMAIN = "saokhue-%s.example" % RUN
HOA, YAMADA, BAO, TANAKA, DIST = ("%s@%s" % (n, DOMAIN)
                                  for n in ("hoa", "yamada", "bao", "tanaka", "dist"))
must("CreateTenant", {"slug": SLUG, "name": "Công ty Sao Khuê", "adminEmail": HOA,
                      "adminName": "Nguyễn Thị Hoà", "adminPassword": PASSWORD}, OPERATOR)
tenant_id = t.psql("SELECT id FROM tenants WHERE slug = '%s'" % SLUG)
hoa_old = session(SLUG, HOA, PASSWORD)
hoa_id = must("WhoAmI", {}, hoa_old)["identity"]["userId"]
api_token = must("CreateApiToken", {"name": "erp-sync", "role": "ROLE_AUDITOR"}, hoa_old)["token"]
yamada_id = must("CreateUser", {"email": YAMADA, "displayName": "山田 太郎", "role": "ROLE_AUDITOR",
                                "password": PASSWORD}, hoa_old)["user"]["id"]
must("DisableUser", {"userId": yamada_id}, hoa_old)
bao_id = must("CreateUser", {"email": BAO, "displayName": "Trần Văn Bảo", "role": "ROLE_MANAGER",
                             "seesAllDistributors": True, "password": PASSWORD},
              hoa_old)["user"]["id"]
dist = must("CreateDistributor", {"fields": {"name": "Nhà phân phối Đà Nẵng", "country": "VN",
                                             "timeZone": "Asia/Ho_Chi_Minh",
                                             "languages": ["vi"]}}, hoa_old)["distributor"]["id"]
must("CreateUser", {"email": DIST, "role": "ROLE_DISTRIBUTOR_USER", "distributorId": dist,
                    "password": PASSWORD}, hoa_old)


def users():
    """The tenant's users by e-mail, as its admin of the moment (admin_now) lists them."""
    return {u["email"]: u for u in must("ListUsers", {"page": {"pageSize": 100}},
                                        admin_now)["users"]}


# ---------------- the admin forgot the password and locked the account guessing ----------------
# The account's locks as log-in keeps them (rpc_auth.c): from everywhere, SHA-256 of
# "acct:TENANT:email"; from one address, that followed by SHA-256 of "from:ADDRESS".
key = hashlib.sha256(("acct:%s:%s" % (tenant_id, HOA.lower())).encode()).hexdigest()
pair = key + hashlib.sha256(b"from:203.0.113.9").hexdigest()
t.psql("INSERT INTO login_throttle (key_hash, failures, window_start, locked_until) VALUES "
       "('\\x%s', 3, now(), now() + interval '1 hour'),"
       " ('\\x%s', 3, now(), now() + interval '1 hour')" % (key, pair))
code, _ = login(SLUG, HOA, PASSWORD)
check(code == "RESOURCE_EXHAUSTED", "before: the admin's account is locked (%s)" % code)

# Through the CLI as an operator types it: the e-mail in another case, the password on stdin.
rc, out, err = run("--json", "admin", "tenant", "recover", SLUG, "--admin-email", HOA.upper(),
                   "--password-stdin", token=OPERATOR, stdin=NEW + "\n")
ans = json.loads(out) if rc == 0 else {}
check(rc == 0 and ans.get("userId") == hoa_id and ans.get("email") == HOA
      and ans.get("role") == "ROLE_TENANT_ADMIN" and not ans.get("created")
      and not ans.get("tenantSuspended"),
      "admin tenant recover: the existing admin, not created (%d %s %s)" % (rc, out, err))
check(set(ans) <= ANSWER_FIELDS, "the answer names the user only (%s)" % sorted(ans))
code, _ = login(SLUG, HOA, PASSWORD)
check(code == "UNAUTHENTICATED", "the old password is refused afterwards (%s)" % code)
code, out = login(SLUG, HOA, NEW)
check(code == "OK", "the new password logs in at once: the lock was lifted (%s %s)" % (code, out))
admin_now = out.get("token") if code == "OK" else hoa_old
code, _ = call("WhoAmI", {}, hoa_old)
check(code == "UNAUTHENTICATED", "the admin's old session has ended (%s)" % code)
code, out = call("WhoAmI", {}, api_token)
check(code == "OK", "its API token stays without --revoke-api-tokens (%s %s)" % (code, out))
# Forgotten from every address: since, one wrong password (the old one) from everywhere, and
# none locks.
check(t.psql("SELECT count(*) FROM login_throttle WHERE substring(key_hash FROM 1 FOR 32)"
             " = '\\x%s' AND (failures > 1 OR locked_until > now())" % key) == "0",
      "the account's failed log-ins are forgotten")

# ---------------- a disabled auditor becomes an enabled admin (table output) ----------------
rc, out, err = run("admin", "tenant", "recover", SLUG, "--admin-email", YAMADA, "--admin-name",
                   "Yamada T.", "--password-stdin", token=OPERATOR, stdin=NEW + "\n")
check(rc == 0 and "tenant_admin" in out and yamada_id in out,
      "recover a disabled auditor: shown as a tenant admin (%d %r %r)" % (rc, out, err))
check("keeps their name" in err, "--admin-name for a user who exists: said not to apply (%r)" % err)
yamada = session(SLUG, YAMADA, NEW)
ident = must("WhoAmI", {}, yamada)["identity"]
check(ident["role"] == "ROLE_TENANT_ADMIN" and ident.get("displayName") == "山田 太郎",
      "the auditor logs in as a tenant admin, named as before (%s)" % ident)
code, out = call("CreateUser", {"email": "new-by-yamada@" + DOMAIN, "role": "ROLE_AUDITOR",
                                "password": PASSWORD}, yamada)
check(code == "OK", "and may do what an admin does (%s %s)" % (code, out))
u = users()[YAMADA]
check(u["role"] == "ROLE_TENANT_ADMIN" and not u.get("disabled"),
      "ListUsers: an enabled tenant admin (%s)" % u)

# ---------------- a manager who sees every distributor ----------------
code, ans = recover(SLUG, BAO, NEW)
check(code == "OK" and ans.get("userId") == bao_id and ans.get("role") == "ROLE_TENANT_ADMIN",
      "recover a manager (%s %s)" % (code, ans))
u = users()[BAO]
# Kept: an admin's role ignores it, and the API tokens the manager made, which stay, act as
# the manager they were made for (cleared, they silently saw fewer distributors; a review).
check(u["role"] == "ROLE_TENANT_ADMIN" and u.get("seesAllDistributors") is True,
      "the manager's 'sees all distributors' stays for its kept tokens (%s)" % u)

# ---------------- nobody with that e-mail: a new admin, named in Japanese ----------------
code, ans = recover(SLUG, TANAKA, NEW, adminName="田中 花子")
check(code == "OK" and ans.get("created") is True and ans.get("role") == "ROLE_TENANT_ADMIN"
      and ans.get("email") == TANAKA and set(ans) <= ANSWER_FIELDS,
      "recover with a new e-mail creates a tenant admin (%s %s)" % (code, ans))
tanaka_id = ans.get("userId")
u = users().get(TANAKA, {})
check(u.get("displayName") == "田中 花子" and u.get("role") == "ROLE_TENANT_ADMIN",
      "the new admin has its name and role (%s)" % u)
check(login(SLUG, TANAKA, NEW)[0] == "OK", "the new admin logs in")
# A name is bounded as CreateTenant, CreateUser and an import bound it, in
# characters, as the column holds it (0205): a Japanese name once stopped at
# 66 kanji (200 bytes).
LONG = "long@" + DOMAIN
code, ans = recover(SLUG, LONG, NEW, adminName="山" * 200)
check(code == "OK" and ans.get("created") is True, "a name of 200 kanji is taken (%s %s)"
      % (code, ans))
long_id = ans.get("userId")
code, out = recover(SLUG, "longer@" + DOMAIN, NEW, adminName="山" * 201)
check(code == "INVALID_ARGUMENT" and "adminName" in json.dumps(out)
      and "at most 200 characters" in json.dumps(out),
      "a name of 201 kanji is refused, in characters (%s %s)" % (code, out))

# ---------------- again, with the API tokens: the stolen laptop ----------------
NEWER = "新しいパスワード 山田 2026"
code, ans = recover(SLUG, HOA, NEWER, revokeApiTokens=True)
check(code == "OK" and ans.get("userId") == hoa_id, "recover with revokeApiTokens (%s %s)"
      % (code, ans))
code, _ = call("WhoAmI", {}, api_token)
check(code == "UNAUTHENTICATED", "its API token is revoked now (%s)" % code)
code, _ = call("WhoAmI", {}, admin_now)
check(code == "UNAUTHENTICATED", "and the session of the first recovery has ended (%s)" % code)
admin_now = session(SLUG, HOA, NEWER)

# ---------------- refused, leaving nothing ----------------
before = len(platform_rows(SLUG))
code, out = recover(SLUG, DIST, NEW)
check(code == "FAILED_PRECONDITION" and "distributor" in out.get("message", ""),
      "a distributor's user cannot be made the admin (%s %s)" % (code, out))
check(login(SLUG, DIST, PASSWORD)[0] == "OK", "and keeps its password")
unknown = "nope-" + RUN
code, out = recover(unknown, HOA, NEW)
check(code == "NOT_FOUND" and unknown in out.get("message", ""),
      "an unknown slug is refused, naming it (%s %s)" % (code, out))
rc, _, err = run("admin", "tenant", "recover", unknown, "--admin-email", HOA, "--password-stdin",
                 token=OPERATOR, stdin=NEW + "\n")
check(rc == 4 and unknown in err, "the CLI: not found, exit 4, naming the slug (%d %r)" % (rc, err))
code, out = recover("Sao Khue", HOA, NEW)
check(code == "INVALID_ARGUMENT" and "slug" in json.dumps(out), "a slug of the wrong shape (%s %s)"
      % (code, out))
for email, what in (("hoa at " + DOMAIN, "no '@'"), ("hoa@@" + DOMAIN, "two '@'"),
                    ("ho\u200ba@" + DOMAIN, "a zero-width space"), ("", "none")):
    code, out = recover(SLUG, email, NEW)
    check(code == "INVALID_ARGUMENT" and "adminEmail" in json.dumps(out),
          "a bad e-mail (%s) is refused as CreateUser refuses it (%s %s)" % (what, code, out))
code, out = recover(SLUG, "someone@" + DOMAIN, "short")
check(code == "INVALID_ARGUMENT" and "adminPassword" in json.dumps(out),
      "a password under 12 characters is refused (%s %s)" % (code, out))
code, out = recover(SLUG, "someone@" + DOMAIN, NEW, adminName="two\nlines")
check(code == "INVALID_ARGUMENT" and "adminName" in json.dumps(out),
      "a name of two lines is refused (%s %s)" % (code, out))
code, out = recover(SLUG, "someone@" + DOMAIN, NEW, token=admin_now)
check(code == "PERMISSION_DENIED", "a tenant admin's token is refused (%s %s)" % (code, out))
code, out = recover(SLUG, "someone@" + DOMAIN, NEW, token=None)
check(code == "UNAUTHENTICATED", "no token is refused (%s)" % code)
rc, _, err = run("admin", "tenant", "recover", SLUG, "--admin-email", "someone@" + DOMAIN,
                 "--password-stdin", token=admin_now, stdin=NEW + "\n")
check(rc == 3, "the CLI with a tenant admin's token: permission denied, exit 3 (%d %r)" % (rc, err))
check(not {"someone@" + DOMAIN, "longer@" + DOMAIN} & set(users()),
      "no refused recovery made a user")
check(len(platform_rows(SLUG)) == before, "no refused recovery is in the platform audit")
gone = "gone-" + RUN
must("CreateTenant", {"slug": gone, "name": "Gone", "adminEmail": "a@" + DOMAIN,
                      "adminPassword": PASSWORD}, OPERATOR)
must("DeleteTenant", {"slug": gone, "confirm": gone}, OPERATOR)
code, out = recover(gone, "a@" + DOMAIN, NEW)
check(code == "NOT_FOUND" and gone in out.get("message", ""),
      "a deleted tenant is not found (%s %s)" % (code, out))

# ---------------- a suspended tenant is recovered; its admin logs in once it is resumed --------
must("SuspendTenant", {"slug": SLUG}, OPERATOR)
rc, out, err = run("admin", "tenant", "recover", SLUG, "--admin-email", TANAKA, "--password-stdin",
                   token=OPERATOR, stdin=NEWER + "\n")
check(rc == 0 and "is suspended" in err and "admin tenant resume " + SLUG in err,
      "recover while suspended: done, and the CLI says to resume (%d %r)" % (rc, err))
code, ans = recover(SLUG, TANAKA, NEWER)
check(code == "OK" and ans.get("tenantSuspended") is True, "the answer says suspended (%s)" % ans)
code, out = login(SLUG, TANAKA, NEWER)
check(code == "PERMISSION_DENIED", "no log-in while suspended (%s %s)" % (code, out))
must("ResumeTenant", {"slug": SLUG}, OPERATOR)
check(login(SLUG, TANAKA, NEWER)[0] == "OK", "after resume the recovered admin logs in")

# ---------------- both audit logs ----------------
rows = platform_rows(SLUG)
mine = [r for r in rows if r.get("action") == "tenant.admin_recover"]
check(len(mine) == 8 and all(r["actor"].startswith("operator:") for r in mine),
      "the platform audit has each recovery, by the operator (%d)" % len(mine))
details = [r.get("detail", "") for r in mine]
check(details and details[0].startswith(HOA + ": ") and "new password" in details[0]
      and "log-in session(s) ended" in details[0] and "failed log-ins forgotten" in details[0],
      "its detail names the e-mail and what changed (%r)" % details[:1])
check(any(d.startswith(YAMADA + ": ") and "role auditor -> tenant_admin" in d and "enabled" in d
          for d in details), "the auditor's row says promoted and enabled (%r)" % details)
check(any(d.startswith(TANAKA + ": ") and "created as tenant admin" in d for d in details),
      "the new admin's row says created (%r)" % details)
check(any(d.startswith(HOA + ": ") and "1 API token(s) revoked" in d for d in details),
      "the stolen-laptop row says its API token was revoked (%r)" % details)
rc, out, _ = run("admin", "audit", "--tenant", SLUG, "--action", "tenant.admin_recover",
                 token=OPERATOR)
check(rc == 0 and "tenant.admin_recover" in out and YAMADA in out,
      "'admin audit --action tenant.admin_recover' is a known action (%d)" % rc)
code, out = call("ListAuditLog", {"entity": "user", "page": {"pageSize": 500}}, admin_now)
own = [e for e in out.get("entries", []) if e.get("action") == "tenant.admin_recover"]
check(len(own) == 8 and all(e["actor"].startswith("operator:") for e in own)
      and {e["entityId"] for e in own} == {hoa_id, yamada_id, bao_id, tanaka_id, long_id},
      "the tenant's own audit log shows each recovery, the operator as its actor (%s)"
      % [(e.get("actor"), e.get("entityId")) for e in own])

# ---------------- help ----------------
rc, out, _ = run("admin", "tenant", "--help")
check(rc == 0 and "recover" in out, "'admin tenant --help' lists recover")
rc, out, _ = run("admin", "tenant", "recover", "--help")
check(rc == 0 and "Example:\n  $ liaison admin tenant recover" in out
      and "--revoke-api-tokens" in out, "'admin tenant recover --help' has an example")

t.finish("recover")
