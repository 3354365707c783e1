#!/usr/bin/env python3
"""Log-in sessions listed and ended (ListSessions, RevokeSessions, 'liaison
session'), on the suite's shared server: each user sees their own live
sessions, the one in use marked; a tenant admin sees and ends any user's
(a laptop left signed in, a colleague who left), nobody else another's; an
ended session's token is refused at once, API tokens stay; bad requests,
another tenant's sessions and users are refused; each ending is in the
audit log. A try-out found a session could only end by logging out on the
machine that held it, or by a password reset."""
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
PASSWORD = "mật khẩu phiên làm việc 2026"
RUN = str(int(time.time() * 1000) % 10**8)
HOME = os.path.join(w.env("LIAISON_TEST_DIR"), "sessions-home")
os.makedirs(HOME, exist_ok=True)
_cli = t.Cli(CLI, w.env("LIAISON_TEST_URL"), HOME)
call, must = _cli.call, _cli.must


def run(*args, token=None):
    """The CLI as a user types it: (exit code, stdout, stderr)."""
    cmd = [CLI] + (["--token", token] if token else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, env=_cli.env, timeout=60)
    return p.returncode, p.stdout, p.stderr


def session(slug, email):
    return must("Login", {"tenant": slug, "email": email, "password": PASSWORD}, None)["token"]


def sessions(token, user_id=0):
    code, out = call("ListSessions", {"userId": user_id}, token)
    return code, out.get("sessions", []) if code == "OK" else out


def alive(token):
    return call("WhoAmI", {}, token)[0] == "OK"


SLUG, OTHER = "phien-" + RUN, "khac-" + RUN
ADMIN, MAI, DIST = ("%s@phien-%s.example" % (n, RUN) for n in ("hoa", "mai", "dai-ly"))
must("CreateTenant", {"slug": SLUG, "name": "Công ty Phiên", "adminEmail": ADMIN,
                      "adminName": "Nguyễn Thị Hoà", "adminPassword": PASSWORD}, OPERATOR)
a1, a2 = session(SLUG, ADMIN), session(SLUG, ADMIN)
admin_id = must("WhoAmI", {}, a1)["identity"]["userId"]
api = must("CreateApiToken", {"name": "erp", "role": "ROLE_AUDITOR"}, a1)["token"]
mai_id = must("CreateUser", {"email": MAI, "displayName": "Trần Mai", "role": "ROLE_MANAGER",
                             "password": PASSWORD}, a1)["user"]["id"]
dist = must("CreateDistributor", {"fields": {"name": "東京パーツ株式会社", "country": "JP",
                                             "timeZone": "Asia/Tokyo"}}, a1)["distributor"]["id"]
must("CreateUser", {"email": DIST, "displayName": "山田 太郎", "role": "ROLE_DISTRIBUTOR_USER",
                    "distributorId": dist, "password": PASSWORD}, a1)
m1, m2 = session(SLUG, MAI), session(SLUG, MAI)
d1 = session(SLUG, DIST)
must("CreateTenant", {"slug": OTHER, "name": "Khác", "adminEmail": "x@khac-%s.example" % RUN,
                      "adminPassword": PASSWORD}, OPERATOR)
x1 = session(OTHER, "x@khac-%s.example" % RUN)

# ---------------- each user's own ----------------
code, mine = sessions(a1)
check(code == "OK" and len(mine) == 2 and {s["email"] for s in mine} == {ADMIN}
      and [bool(s.get("current")) for s in mine] == [True, False]
      and all(s["createdAt"] and s["expiresAt"] for s in mine),
      "an admin lists their two sessions, the one in use marked (%s %s)" % (code, mine))
code, mine = sessions(m2)
check(code == "OK" and len(mine) == 2 and {s["email"] for s in mine} == {MAI}
      and [bool(s.get("current")) for s in mine] == [False, True],
      "a manager lists their own (%s %s)" % (code, mine))
code, mine = sessions(d1)
check(code == "OK" and len(mine) == 1 and mine[0]["email"] == DIST,
      "a distributor's user lists their own (%s %s)" % (code, mine))
rc, out, err = run("session", "list", token=a1)
rows = [line.split() for line in out.splitlines()[1:] if line.strip()]
check(rc == 0 and out.splitlines()[0].split()[:2] == ["ID", "EMAIL"] and "THIS ONE" in out
      and [r[-1] for r in rows] == ["yes", "no"],
      "'session list' shows them, THIS ONE saying which (%d %r %r)" % (rc, out, err))
code, mine = sessions(api)
check(code == "OK" and len(mine) == 2 and not any(s.get("current") for s in mine),
      "an API token lists its maker's log-in sessions, none of them itself (%s)" % code)

# ---------------- another user's: a tenant admin only ----------------
code, theirs = sessions(a1, mai_id)
check(code == "OK" and len(theirs) == 2 and {s["email"] for s in theirs} == {MAI}
      and not any(s.get("current") for s in theirs),
      "a tenant admin lists a manager's sessions (%s %s)" % (code, theirs))
code, out = sessions(m1, admin_id)
check(code == "PERMISSION_DENIED" and "tenant admin" in out.get("message", ""),
      "a manager may not list the admin's (%s %s)" % (code, out))
rc, out, err = run("session", "list", "--user", str(admin_id), token=d1)
check(rc == 3 and "only a tenant admin" in err, "nor may a distributor's user, in the CLI "
      "(%d %r)" % (rc, err))
code, out = sessions(a1, 999999999)
check(code == "NOT_FOUND" and out.get("message") == "no such user",
      "an unknown user is not found (%s %s)" % (code, out))
code, out = sessions(x1, mai_id)
check(code == "NOT_FOUND", "another tenant's admin does not find the user (%s %s)" % (code, out))

# ---------------- ending one ----------------
m2_id = [s["id"] for s in sessions(m2)[1] if s.get("current")][0]
a2_id = [s["id"] for s in sessions(a2)[1] if s.get("current")][0]
code, out = call("RevokeSessions", {"id": a2_id}, m1)
check(code == "NOT_FOUND" and alive(a2),
      "a manager cannot end the admin's session: not found, it lives (%s %s)" % (code, out))
code, out = call("RevokeSessions", {"id": a2_id}, x1)
check(code == "NOT_FOUND" and alive(a2), "nor can another tenant's admin (%s)" % code)
rc, out, err = run("session", "end", str(m2_id), token=m1)
check(rc == 0 and out.strip() == "ended session %s" % m2_id and not alive(m2) and alive(m1),
      "a user ends one of their sessions: its token is refused, the other lives (%d %r %r)"
      % (rc, out, err))
code, out = call("RevokeSessions", {"id": m2_id}, m1)
check(code == "NOT_FOUND" and out.get("message") == "no such live log-in session",
      "an ended session is not ended twice (%s %s)" % (code, out))
for req, field in (({}, "id"), ({"id": m2_id, "all": True}, "all"),
                   ({"id": m2_id, "userId": mai_id}, "userId")):
    code, out = call("RevokeSessions", req, a1)
    check(code == "INVALID_ARGUMENT" and out["violations"][0]["field"] == field,
          "%s is refused on %s (%s %s)" % (req, field, code, out))
for args, said in ((("session", "end"), "give a session's ID or --all"),
                   (("session", "end", "5", "--all"), "not both"),
                   (("session", "end", "5", "--user", MAI), "--user goes with --all"),
                   (("session", "end", "cinq"), "")):
    rc, out, err = run(*args, token=a1)
    check(rc == 2 and said in err, "'%s' is a usage error (%d %r)" % (" ".join(args), rc, err))

# ---------------- ending every one of a user's ----------------
rc, out, err = run("session", "end", "--all", "--user", ADMIN, token=m1)
check(rc == 3 and "only a tenant admin" in err and alive(m1) and alive(a1),
      "a manager may not end another user's sessions (%d %r)" % (rc, err))
rc, out, err = run("session", "end", "--all", "--user", MAI, token=a1)
check(rc == 0 and out.strip() == "ended 1 log-in session" and not alive(m1),
      "a tenant admin ends every session of a colleague (%d %r %r)" % (rc, out, err))
check(alive(a1) and alive(a2) and alive(d1), "and no one else's")
code, out = call("RevokeSessions", {"all": True, "userId": mai_id}, a1)
check(code == "OK" and int(out.get("revoked", 0)) == 0,
      "none left to end is 0 ended, not an error (%s %s)" % (code, out))
rc, out, err = run("session", "end", "--all", token=a2)
check(rc == 0 and out.strip() == "ended 2 log-in sessions, this one included: log in again to "
      "go on" and not alive(a1) and not alive(a2),
      "'session end --all' ends every one of one's own, this one too (%d %r %r)"
      % (rc, out, err))
check(alive(api), "an API token stays")
a3 = session(SLUG, ADMIN)
rows = t.psql("SELECT actor || '|' || entity_id FROM audit_log WHERE tenant_id = (SELECT id FROM "
              "tenants WHERE slug = '%s') AND action = 'session.revoke' ORDER BY id" % SLUG)
actors = [line.split("|") for line in rows.splitlines()]
check(len(actors) == 4 and [a[1] for a in actors] == [str(mai_id)] * 2 + [str(admin_id)] * 2
      and actors[0][0].endswith(" " + MAI) and all(a[0].endswith(" " + ADMIN)
                                                  for a in actors[1:]),
      "each ending is in the audit log, by whoever ended it (%s)" % actors)
code, mine = sessions(a3)
check(code == "OK" and len(mine) == 1 and mine[0].get("current"),
      "a new log-in is a new session (%s %s)" % (code, mine))

# ---------------- API tokens; ending the one in use ----------------
rc, out, err = run("session", "end", "--all", token=api)
check(rc == 3 and "only with the tenant admin role" in err and alive(a3),
      "a read-only API token may not end its maker's sessions (%d %r)" % (rc, err))
hr = must("CreateApiToken", {"name": "hr sync", "role": "ROLE_TENANT_ADMIN"}, a3)["token"]
m3 = session(SLUG, MAI)
rc, out, err = run("session", "end", "--all", "--user", MAI, token=hr)
check(rc == 0 and out.strip() == "ended 1 log-in session" and not alive(m3) and alive(hr),
      "an admin's API token ends a leaver's sessions, and says no log-in again (%d %r %r)"
      % (rc, out, err))
code, out = call("RevokeSessions", {"all": True, "userId": admin_id}, hr)
check(code == "OK" and int(out.get("revoked", 0)) == 1 and not out.get("current")
      and not alive(a3) and alive(hr),
      "ending its maker's sessions leaves the token itself (%s %s)" % (code, out))
a4 = session(SLUG, ADMIN)
a4_id = [s["id"] for s in sessions(a4)[1] if s.get("current")][0]
rc, out, err = run("session", "end", str(a4_id), token=a4)
check(rc == 0 and out.strip() == "ended session %s, this one included: log in again to go on"
      % a4_id and not alive(a4),
      "ending the session in use by its id says to log in again (%d %r %r)" % (rc, out, err))
t.finish("sessions")
