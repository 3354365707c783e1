#!/usr/bin/env python3
"""Per-tenant and per-address rate limits, on liaisonds of the test's own
(one worker each), all on 127.0.0.x:

- a tenant over liaisond.conf's tenant_rate gets RESOURCE_EXHAUSTED with
  Status.retry_after_ms > 0, while another tenant in the same moment is
  served; waiting retry_after_ms is enough; operators are not limited;
- an operator's SetTenantRateLimit (through the CLI) takes effect on the
  running server within tenant_rate_refresh_ms, both ways, is stored in
  the tenants table and audited; --default goes back to the configuration;
  a tenant admin may not call it;
- the CLI says "try again in N s", and its --json status carries
  retryAfterMs;
- a log-in flood from one address is refused by the address bucket while
  another address logs in.
Usage: test_rate_limit.py LIAISOND CLI."""
import atexit
import os
import secrets
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
from liaison_test import check  # noqa: E402

LIAISOND, CLI = sys.argv[1], sys.argv[2]
OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
PASSWORD = "correct horse battery staple"
RUN = secrets.token_hex(3)
OK, RESOURCE_EXHAUSTED, UNAUTHENTICATED = 0, 8, 16
TENANT_RATE = 10
REFRESH_MS = 200
servers = []


@atexit.register
def _kill_servers_left_running():
    """Only for a test that died half-way: the normal end stops them cleanly."""
    for srv in servers:
        try:
            os.kill(srv.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def start(name, *settings):
    """A server of the test's own, once GetHealth answers OK. Asked over raw
    connections from addresses of their own, so that waiting spends nothing
    of 127.0.0.1's address bucket."""
    srv = t.Server(name, LIAISOND, CLI, *settings)
    servers.append(srv)
    deadline = time.monotonic() + 15
    for i in range(1000):
        s = srv.session(source="127.0.15.%d" % (1 + i % 250))
        s.sendall(w.frame(2, "GetHealth"))
        code = w.recv_response(s)[1]["code"]
        s.close()
        if code == OK or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return srv


def new_tenant(srv, name):
    """(slug, admin session token), the tenant made by the operator."""
    slug = "%s-%s" % (name, RUN)
    email = "admin@%s.example" % name
    srv.must("CreateTenant", {"slug": slug, "name": name, "adminEmail": email,
                              "adminPassword": PASSWORD}, OPERATOR)
    s = srv.session()
    s.sendall(w.login(2, slug, email, PASSWORD))
    _, st, payload = w.recv_response(s)
    assert st["code"] == OK, st
    s.close()
    return slug, next(v.decode() for n, _, v in w.parse_fields(payload) if n == 1)


def pings(sock, n, first_id=100):
    """Sends n Pings at once on sock; their statuses, in id order."""
    sock.sendall(b"".join(w.ping(first_id + i, "x") for i in range(n)))
    got = {}
    for _ in range(n):
        rid, st, _ = w.recv_response(sock)
        got[rid] = st
    return [got[first_id + i] for i in range(n)]


def refused(statuses):
    return [st for st in statuses if st["code"] == RESOURCE_EXHAUSTED]


def served_alone(sock, first_id):
    """True when one Ping on sock is answered OK."""
    return pings(sock, 1, first_id)[0]["code"] == OK


# ---------------- tenants ----------------
# Connections wait for buckets to fill: longer than the tests' usual idle timeout.
srv = start("rate", "tenant_rate = %d requests/s" % TENANT_RATE, "tenant_burst = %d" % TENANT_RATE,
            "tenant_rate_refresh_ms = %d" % REFRESH_MS, "idle_timeout_ms = 60000")
slug_a, token_a = new_tenant(srv, "ratea")
slug_b, token_b = new_tenant(srv, "rateb")
a, b = srv.session(token_a), srv.session(token_b)
time.sleep(1.5)  # both buckets full again after the set-up's calls

flood = pings(a, 4 * TENANT_RATE)
other = pings(b, TENANT_RATE // 2)
over = refused(flood)
check(len(over) >= 2 * TENANT_RATE,
      "a tenant sending 4x its burst at once is refused (%d of %d)" % (len(over), len(flood)))
check(all(st["retry_after_ms"] > 0 for st in over),
      "every refusal carries retry_after_ms > 0 (%s)" % sorted({st["retry_after_ms"] for st in over}))
check(all(st["message"] == "too many requests for this tenant" for st in over),
      "the refusal says why: %r" % (over[0]["message"] if over else None))
check(all(st["code"] == OK for st in other),
      "another tenant in the same moment is served (%s)" % [st["code"] for st in other])
longest = max([st["retry_after_ms"] for st in over] or [0])
check(0 < longest <= 1000 // TENANT_RATE + 1,
      "retry_after_ms is the time to one token at %d/s (%d)" % (TENANT_RATE, longest))
time.sleep(longest / 1000.0)
check(served_alone(a, 500), "after retry_after_ms the tenant is served again")

op = srv.session(OPERATOR)
check(not refused(pings(op, 4 * TENANT_RATE)), "operators are not rate limited")

# The operator's own limit for a tenant, on the running server.
code, denied = srv.call("SetTenantRateLimit", {"slug": slug_b, "ratePerS": 1000}, token_b)
check(code == "PERMISSION_DENIED", "a tenant admin may not set its own limit (%s)" % code)
before = t.psql("SELECT count(*) FROM platform_audit WHERE action = 'tenant.rate_limit' "
                "AND tenant_slug = '%s'" % slug_a)
code, out = srv.cli("admin", "tenant", "rate-limit", slug_a, "--rate", "1000", "--burst", "1000",
                    token=OPERATOR)
check(code == "OK" and out.get("ratePerS") == 1000 and out.get("burst") == 1000,
      "the CLI sets tenant A's limit: %s %s" % (code, out))
check(t.psql("SELECT rate_per_s || '/' || rate_burst FROM tenants WHERE slug = '%s'" % slug_a)
      == "1000/1000", "the limit is stored in the tenants table")
after = t.psql("SELECT count(*) FROM platform_audit WHERE action = 'tenant.rate_limit' "
               "AND tenant_slug = '%s'" % slug_a)
check(int(after) == int(before) + 1, "the change is in the platform audit")
# With what it set (an operator's try-out: the row said a limit was set, not which).
code, out = srv.cli("admin", "audit", "--tenant", slug_a, "--action", "tenant.rate_limit",
                    token=OPERATOR)
check(code == "OK" and out and out[-1].get("detail") == "1000 a second, burst 1000",
      "the audit row says the rate and burst set (%s %s)" % (code, out))
code, out = srv.cli("admin", "tenant", "show", slug_a, token=OPERATOR)
check(code == "OK" and out.get("ratePerS") == 1000 and out.get("rateBurst") == 1000,
      "'admin tenant show' shows the tenant's own limit: %s %s" % (code, out))
code, out = srv.cli("admin", "tenant", "list", "--all", token=OPERATOR)
# --all prints the rows of every page as one JSON array.
listed = {x["slug"]: x for x in out} if code == "OK" else {}
check(listed.get(slug_a, {}).get("ratePerS") == 1000
      and not listed.get(slug_b, {}).get("ratePerS"),
      "'admin tenant list' shows it too, none for a tenant on the default: %s" % code)
check(t.psql("SELECT count(*) FROM audit_log l JOIN tenants t ON t.id = l.tenant_id "
             "WHERE t.slug = '%s' AND l.action = 'tenant.rate_limit'" % slug_a) == "1",
      "and in the tenant's own audit log")
code, out = srv.cli("admin", "tenant", "rate-limit", slug_b, "--rate", "1", token=OPERATOR)
check(code == "OK" and out.get("burst") == 1,
      "the CLI sets tenant B's limit, burst = rate when not given: %s" % out)

deadline = time.monotonic() + 5
took_effect = None
while time.monotonic() < deadline:
    time.sleep(REFRESH_MS / 1000.0)
    time.sleep(1.1)  # B's one token is back; A's 1000 are there whatever happened
    a_flood, b_two = pings(a, 4 * TENANT_RATE, 1000), pings(b, 2, 2000)
    if not refused(a_flood) and refused(b_two):
        took_effect = (a_flood, b_two)
        break
check(took_effect is not None,
      "without a restart, A takes 4x the configured rate and B is held to 1/s")
if took_effect:
    st = refused(took_effect[1])[0]
    check(900 <= st["retry_after_ms"] <= 1000,
          "B's retry_after_ms is its own rate's (%d)" % st["retry_after_ms"])
check(srv.pid == int(open(os.path.join(srv.dir, "pid")).read()), "the same server process")

# What the CLI says to a user over the limit. A starting CLI may take more
# than B's second per token on a loaded host: meanwhile another connection
# of B's takes every token as it comes, and each check has three tries.
stop_draining = threading.Event()


def drain_tokens():
    rid = 5000
    while not stop_draining.is_set():
        pings(b, 1, rid)
        rid += 1
        time.sleep(0.01)


drainer = threading.Thread(target=drain_tokens)
drainer.start()
env = dict(srv.env)
for _ in range(3):
    p = subprocess.run([CLI, "--token", token_b, "call", "Ping", "{}"], capture_output=True,
                       text=True, env=env, timeout=60)
    if p.returncode != 0:
        break
check(p.returncode == 75 and "try again in 1 s" in p.stderr,
      "the CLI says when to try again, and exits 75 (EX_TEMPFAIL), not 1 like any error: "
      "%d %r" % (p.returncode, p.stderr.strip()))
for _ in range(3):
    code, out = srv.cli("call", "Ping", "{}", token=token_b)
    if code != "OK":
        break
check(code == "RESOURCE_EXHAUSTED" and int(out.get("retryAfterMs", 0)) > 0,
      "the CLI's --json status carries retryAfterMs: %s" % out)
stop_draining.set()
drainer.join()

code, out = srv.cli("admin", "tenant", "rate-limit", slug_b, "--default", token=OPERATOR)
check(code == "OK" and not out.get("ratePerS"),
      "--default drops B's own limit: %s" % out)
check(t.psql("SELECT rate_per_s IS NULL AND rate_burst IS NULL FROM tenants WHERE slug = '%s'"
             % slug_b) == "t", "and clears the stored columns")
check(t.psql("SELECT detail FROM platform_audit WHERE tenant_slug = '%s' ORDER BY id DESC"
             " LIMIT 1" % slug_b) == "the configured default",
      "and its audit row says it went back to the configured default")
code, out = srv.cli("admin", "tenant", "show", slug_b, token=OPERATOR)
check(code == "OK" and not out.get("ratePerS") and not out.get("rateBurst"),
      "'admin tenant show' then shows no limit of its own: %s" % out)
back = False
deadline = time.monotonic() + 5
while time.monotonic() < deadline and not back:
    time.sleep(1.1)
    back = not refused(pings(b, TENANT_RATE // 2, 3000))
check(back, "B is back to the configured %d/s" % TENANT_RATE)
code, out = srv.cli("admin", "tenant", "rate-limit", slug_b, "--burst", "5", token=OPERATOR)
check(code == "EXIT_2", "the CLI wants --rate or --default (%s)" % code)
code, out = srv.call("SetTenantRateLimit", {"slug": slug_b, "burst": 5}, OPERATOR)
check(code == "INVALID_ARGUMENT" and out["violations"][0]["field"] == "burst",
      "a burst without a rate is refused on burst: %s" % out)
code, out = srv.call("SetTenantRateLimit", {"slug": "nope-" + RUN, "ratePerS": 5}, OPERATOR)
check(code == "NOT_FOUND", "an unknown tenant is NOT_FOUND (%s)" % code)
for s in (a, b, op):
    s.close()
check(srv.stop(), "the rate server stops cleanly")

# ---------------- a log-in flood from one address ----------------
fl = start("rateflood", "address_rate = 1/s", "address_burst = 8",
           "request_timeout_ms = 10000", "idle_timeout_ms = 60000")
slug_c, _ = new_tenant(fl, "ratec")
FLOODER, OTHER = "127.0.14.7", "127.0.14.8"
# 8 Hellos, then 24 log-ins at once: whatever the set-up left in the
# bucket (at most its burst of 8), at least 16 are refused.
conns = [fl.session(source=FLOODER) for _ in range(8)]
for i, s in enumerate(conns):
    s.sendall(b"".join(w.login(10 + k, "nope-" + RUN, "x%d@nope.example" % k, "wrong password!")
                       for k in range(3)))
# Meanwhile another address logs in.
s = fl.session(source=OTHER)
s.sendall(w.login(2, slug_c, "admin@ratec.example", PASSWORD))
_, st_other, _ = w.recv_response(s)
s.close()
answers = []
for s in conns:
    for _ in range(3):
        answers.append(w.recv_response(s)[1])
    s.close()
limited = [st for st in answers if st["code"] == RESOURCE_EXHAUSTED
           and st["message"] == "too many requests from this address"]
check(len(limited) >= 16, "the address bucket refuses the log-in flood (%d of 24: %s)"
      % (len(limited), sorted({(st["code"], st["message"]) for st in answers})))
check(all(st["retry_after_ms"] > 0 for st in limited), "with retry_after_ms > 0")
check(all(st["code"] in (RESOURCE_EXHAUSTED, UNAUTHENTICATED) for st in answers),
      "the others were checked and failed as usual")
check(st_other["code"] == OK, "another address logs in meanwhile (%s)" % st_other)
check(fl.stop(), "the flood server stops cleanly")
servers.clear()
t.finish("test_rate_limit")
