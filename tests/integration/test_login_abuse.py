#!/usr/bin/env python3
"""Password guessing and password floods, on liaisonds of their own (one
worker, so that every connection shares one Argon2 cap), with clients on
several loopback addresses:

- a locked address flooding log-ins to a tenant that does not exist is
  refused without a hash, so another address keeps logging in, and the
  refusals are logged at most about ten lines a second with a count of the
  rest;
- one address flooding log-ins holds at most max_password_jobs_per_address
  of the worker's password jobs: another address keeps logging in;
- wrong passwords from one address lock that address out of the account,
  not the account: its user still logs in from elsewhere; guesses spread
  over many addresses lock the account;
- a Frame.timeout_ms shorter than the hash does not keep a wrong password
  from being counted: the account locks all the same;
- wrong current passwords in ChangePassword count against the account's
  log-in throttle: growing delay, then refusal, and the account is locked
  for Login too;
- a lock is written to the tenant's audit log (user.login_locked, the user
  when one has the e-mail), and log lines name the tenant and the key."""
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
from liaison_test import check, psql  # noqa: E402

LIAISOND, CLI = sys.argv[1], sys.argv[2]
OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
RUN = str(int(time.time() * 1000) % 10**8)
PASSWORD = "correct horse battery staple"
OK, INVALID_ARGUMENT, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNAUTHENTICATED = 0, 3, 4, 8, 16
LOCKED = "too many failed log-ins"


def Server(name, *settings):
    """A liaisond of this test's own; hashing is slow under the sanitizers."""
    return t.Server(name, LIAISOND, CLI, "request_timeout_ms = 10000", *settings)


def login_payload(tenant, email, password):
    return w.strings((1, tenant), (2, email), (3, password))


def login(srv, source, tenant, email, password, sock=None):
    """(status, seconds) of one Login from source."""
    s = sock or srv.session(source=source)
    try:
        start = time.monotonic()
        s.sendall(w.login(2, tenant, email, password))
        _, st, _ = w.recv_response(s)
        return st, time.monotonic() - start
    finally:
        if not sock:
            s.close()


def new_tenant(srv, name):
    slug = "%s-%s" % (name, RUN)
    email = "admin@%s.example" % name
    srv.must("CreateTenant", {"slug": slug, "name": name, "adminEmail": email,
                              "adminPassword": PASSWORD}, OPERATOR)
    tid = psql("SELECT id FROM tenants WHERE slug = '%s'" % slug)
    st, _ = login(srv, "127.0.0.1", slug, email, PASSWORD)
    assert st["code"] == OK, st
    return slug, tid, email


def new_user(srv, slug, admin_email, email):
    s = srv.session(source="127.0.0.5")
    s.sendall(w.login(2, slug, admin_email, PASSWORD))
    _, st, payload = w.recv_response(s)
    assert st["code"] == OK, st
    token = next(v.decode() for n, _, v in w.parse_fields(payload) if n == 1)
    s.close()
    return srv.must("CreateUser", {"email": email, "role": "ROLE_MANAGER", "password": PASSWORD},
                    token)["user"]["id"]


def account_failures(tid, email):
    return psql("SELECT coalesce(max(failures), 0) FROM login_throttle WHERE key_hash ="
                " sha256(convert_to('acct:%s:%s', 'UTF8'))" % (tid, email.lower()))


def lock_audit(tid):
    """(actor, entity, entity_id) of the tenant's user.login_locked rows."""
    out = psql("SELECT actor || '|' || entity || '|' || entity_id FROM audit_log"
               " WHERE tenant_id = %s AND action = 'user.login_locked' ORDER BY id" % tid)
    return [tuple(line.split("|")) for line in out.splitlines() if line]


class Flood:
    """Connections from source each keeping `depth` log-ins in flight until
    stopped; counts the answers by (code, first words of the message)."""

    def __init__(self, srv, source, conns, depth, tenant, email, password):
        self.stop_at = None
        self.started = time.monotonic()
        self.seen = {}
        self.lock = threading.Lock()
        self.args = (srv, source, depth, tenant, email, password)
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(conns)]
        for th in self.threads:
            th.start()

    def run(self):
        srv, source, depth, tenant, email, password = self.args
        try:
            s = srv.session(source=source)
            s.settimeout(30)
            rid = 10
            for _ in range(depth):
                rid += 1
                s.sendall(w.login(rid, tenant, email, password))
            while not self.stop_at:
                _, st, _ = w.recv_response(s)
                with self.lock:
                    key = (st["code"], st["message"][:24])
                    self.seen[key] = self.seen.get(key, 0) + 1
                rid += 1
                s.sendall(w.login(rid, tenant, email, password))
            s.close()
        except (OSError, ConnectionError) as e:
            with self.lock:
                self.seen[("error", str(e)[:24])] = 1

    def count(self, code, prefix):
        with self.lock:
            return sum(n for (c, m), n in self.seen.items() if c == code and m.startswith(prefix))

    def stop(self):
        self.stop_at = time.monotonic()
        for th in self.threads:
            th.join(40)


psql("DELETE FROM login_throttle")

# ---- a locked address flooding a tenant that does not exist ----
# The account's count from every address locks as its count from one does, so that guesses
# spread over addresses lock it (127.0.0.10 to .14 below).
srv = Server("abuse-a", "max_password_jobs = 2", "max_password_jobs_per_address = 2",
             "login_max_failures_per_address = 3", "login_max_failures = 3",
             "login_max_failures_per_account = 3", "login_lockout_s = 120")
try:
    slug, tid, admin = new_tenant(srv, "abuse-a")
    flood = Flood(srv, "127.0.0.1", 8, 4, "no-such-tenant-" + RUN, "x@y.example", "guess")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not flood.count(RESOURCE_EXHAUSTED, LOCKED[:24]):
        time.sleep(0.05)
    check(flood.count(RESOURCE_EXHAUSTED, LOCKED[:24]) > 0,
          "a flood to a tenant that does not exist locks its address (%s)" % flood.seen)
    # Guesses checked before the lock still hash, within the address's cap; then none.
    time.sleep(1.5)
    answers = []
    for _ in range(10):
        st, _ = login(srv, "127.0.0.2", slug, admin, PASSWORD)
        answers.append((st["code"], st["message"]))
    time.sleep(1)
    flood.stop()
    flood_secs = flood.stop_at - flood.started
    check(all(code == OK for code, _ in answers),
          "another address logs in 10 times out of 10 meanwhile (%s)"
          % [a for a in answers if a[0] != OK][:3])
    log = srv.log()
    refused = re.findall(r'msg="log-in refused: locked".*', log)
    # The made-up tenant's account is locked too, as an existing tenant's would be.
    check(refused and all("tenant=- " in line and re.search(r"locked=(account,)?address\b", line)
                          for line in refused),
          "the refusal lines say the address is locked, for no tenant (%s)" % refused[:1])
    check(len(refused) <= 10 * (flood_secs + 2),
          "refusal lines are limited (%d in %.1f s, %d refusals)"
          % (len(refused), flood_secs, flood.count(RESOURCE_EXHAUSTED, LOCKED[:24])))
    check('msg="log-in lines suppressed" count=' in log,
          "the lines held back are counted in the log")

    # ---- a deadline shorter than the hash does not dodge the count ----
    bob = "bob@abuse-a.example"
    bob_id = new_user(srv, slug, admin, bob)
    times = []
    for i in range(3):
        st, secs = login(srv, "127.0.0.3", slug, bob, PASSWORD)
        assert st["code"] == OK, st
        times.append(secs)
    timeout = max(1, int(min(times) * 1000 * 0.6))
    dodged = []
    for i in range(5):
        s = srv.session(source="127.0.0.%d" % (10 + i))
        s.sendall(w.frame(2, "Login", login_payload(slug, bob, "wrong %d" % i),
                          timeout_ms=timeout))
        _, st, _ = w.recv_response(s)
        dodged.append(st["code"])
        s.close()
        time.sleep(min(times) * 3 + 0.3)  # the hash ends; the next one finds a free slot
    print("# deadline %d ms for a log-in of %.0f ms: %s" % (timeout, min(times) * 1000, dodged))
    check(DEADLINE_EXCEEDED in dodged, "some guesses were answered at their deadline (%s)" % dodged)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and int(account_failures(tid, bob)) < 3:
        time.sleep(0.1)
    check(int(account_failures(tid, bob)) >= 3,
          "guesses answered at their deadline are counted (%s failures)"
          % account_failures(tid, bob))
    st, _ = login(srv, "127.0.0.20", slug, bob, PASSWORD)
    check(st["code"] == RESOURCE_EXHAUSTED and LOCKED in st["message"],
          "... and lock the account: the right password is refused (%s)" % st)
    check(st["message"].endswith("try again in 2 minutes")
          and 60000 < st["retry_after_ms"] <= 120000,
          "... saying when to try again, in words and as retry_after_ms (%s)" % st)
    check(("anonymous", "user", str(bob_id)) in lock_audit(tid),
          "the lock is in the tenant's audit log, naming the user (%s)" % lock_audit(tid))
    log = srv.log()
    check(re.search(r'msg="log-in refused: locked".*tenant=%s .*user=%s .*locked=account'
                    % (slug, bob_id), log) is not None,
          "the refusal line names the tenant, the user and the account key")
    check(re.search(r'msg="log-in failed".*tenant=%s .*locked_now=account' % slug, log)
          is not None, "the failure that locked says so")
    # A tenant admin's reset lifts the lock: the user locked out by someone's guesses stayed
    # locked out with the new password (a try-out; migration 0259).
    s = srv.session(source="127.0.0.5")
    s.sendall(w.login(2, slug, admin, PASSWORD))
    _, st, payload = w.recv_response(s)
    s.close()
    admin_token = next(v.decode() for n, _, v in w.parse_fields(payload) if n == 1)
    srv.must("ResetPassword", {"userId": bob_id, "newPassword": PASSWORD + " reset"}, admin_token)
    st, _ = login(srv, "127.0.0.20", slug, bob, PASSWORD + " reset")
    check(st["code"] == OK and int(account_failures(tid, bob)) == 0,
          "after an admin's reset the new password logs in, the failures forgotten (%s)" % st)

    # ---- an e-mail no user has: the same answers, the lock in the audit log ----
    ghost = "ghost@abuse-a.example"
    ghost_answers = set()
    for i in range(4):
        st, _ = login(srv, "127.0.0.%d" % (30 + i), slug, ghost, "wrong")
        ghost_answers.add((st["code"], st["message"]))
    check(ghost_answers == {(UNAUTHENTICATED, "invalid tenant, e-mail or password"),
                            (RESOURCE_EXHAUSTED, "too many failed log-ins; try again in 2 minutes")},
          "an e-mail no user has gets the answers a user's does (%s)" % ghost_answers)
    check(("anonymous", "email", ghost) in lock_audit(tid),
          "its lock is in the audit log under the e-mail")
    # A tenant that does not exist is locked alike (an attacker's try-out told the two apart:
    # the made-up tenant was never locked, so a lock said the slug was a tenant's).
    nowhere = set()
    for i in range(4):
        st, _ = login(srv, "127.0.0.%d" % (40 + i), "khong-co-" + RUN, ghost, "wrong")
        nowhere.add((st["code"], st["message"]))
    check(nowhere == ghost_answers,
          "a tenant that does not exist gets the answers an existing one does (%s)" % nowhere)

    # ---- ChangePassword counts wrong current passwords ----
    carol = "carol@abuse-a.example"
    carol_id = new_user(srv, slug, admin, carol)
    s = srv.session(source="127.0.0.40")
    st, _ = login(srv, None, slug, carol, PASSWORD, sock=s)
    assert st["code"] == OK, st
    changes = []
    for i in range(4):
        start = time.monotonic()
        s.sendall(w.frame(10 + i, "ChangePassword",
                          w.strings((1, "wrong %d" % i), (2, "a brand new passphrase"))))
        _, st, _ = w.recv_response(s)
        changes.append((st["code"], st["message"], time.monotonic() - start))
    print("# ChangePassword with wrong current passwords: %s" % changes)
    check([c[0] for c in changes[:3]] == [INVALID_ARGUMENT] * 3,
          "wrong current passwords are refused")
    check(changes[1][2] >= 0.5,
          "... after a delay that grows (%.2f s after the second failure)" % changes[1][2])
    check(changes[3][0] == RESOURCE_EXHAUSTED and LOCKED in changes[3][1],
          "after login_max_failures the account is locked for ChangePassword")
    s.sendall(w.frame(20, "ChangePassword",
                      w.strings((1, PASSWORD), (2, "a brand new passphrase"))))
    _, st, _ = w.recv_response(s)
    check(st["code"] == RESOURCE_EXHAUSTED, "... even with the right current password (%s)" % st)
    s.close()
    st, _ = login(srv, "127.0.0.41", slug, carol, PASSWORD)
    check(st["code"] == RESOURCE_EXHAUSTED and LOCKED in st["message"],
          "... and for Login, with the password unchanged (%s)" % st)
    check(any(a[1:] == ("user", str(carol_id)) and a[0].startswith("user:%s " % carol_id)
              for a in lock_audit(tid)),
          "the lock is in the audit log, by the user itself (%s)" % lock_audit(tid))
    check(re.search(r'msg="password change: wrong current password".*tenant=%s .*user=%s '
                    % (slug, carol_id), srv.log()) is not None,
          "wrong current passwords are logged with tenant and user")
finally:
    check(srv.stop(), "the server stops cleanly")

psql("DELETE FROM login_throttle")

# ---- one address may not take every password job ----
srv = Server("abuse-b", "max_password_jobs = 4", "max_password_jobs_per_address = 2",
             "login_max_failures_per_address = 100000", "login_max_failures = 1000")
try:
    slug, tid, admin = new_tenant(srv, "abuse-b")
    flood = Flood(srv, "127.0.0.1", 6, 4, slug, admin, PASSWORD)
    time.sleep(1)
    answers = []
    for _ in range(10):
        st, _ = login(srv, "127.0.0.2", slug, admin, PASSWORD)
        answers.append((st["code"], st["message"]))
    flood.stop()
    print("# flood answers: %s" % flood.seen)
    check(all(code == OK for code, _ in answers),
          "another address logs in 10 times out of 10 while one floods (%s)"
          % [a for a in answers if a[0] != OK][:3])
    check(flood.count(RESOURCE_EXHAUSTED, "too many passwords from") > 0,
          "the flooding address is refused past its own cap")
    check(flood.count(OK, "") > 0, "... and still logs in within it")
finally:
    check(srv.stop(), "the server stops cleanly")

psql("DELETE FROM login_throttle")

# ---- one address's guesses lock that address out, not the user ----
# A try-out locked an admin out everywhere, the right password refused, with five wrong ones
# from anywhere: whoever knew the e-mail could keep the admin out.
srv = Server("abuse-pair", "login_max_failures = 3", "login_max_failures_per_account = 100",
             "login_max_failures_per_address = 100", "login_lockout_s = 120")
try:
    slug, tid, admin = new_tenant(srv, "abuse-pair")
    admin_id = psql("SELECT id FROM users WHERE tenant_id = %s AND email = '%s'" % (tid, admin))
    for i in range(3):
        st, _ = login(srv, "127.0.0.60", slug, admin, "wrong %d" % i)
    check(st["code"] == UNAUTHENTICATED, "three wrong passwords from one address (%s)" % st)
    st, _ = login(srv, "127.0.0.60", slug, admin, PASSWORD)
    check(st["code"] == RESOURCE_EXHAUSTED and LOCKED in st["message"],
          "lock that address out: the right password from it is refused (%s)" % st)
    st, _ = login(srv, "127.0.0.61", slug, admin, PASSWORD)
    check(st["code"] == OK, "while the user logs in from another address (%s)" % st)
    st, _ = login(srv, "127.0.0.60", slug, admin, PASSWORD)
    check(st["code"] == RESOURCE_EXHAUSTED,
          "that log-in does not lift the guesser's lock (%s)" % st)
    check(("anonymous", "user", admin_id) in lock_audit(tid),
          "the lock is in the tenant's audit log (%s)" % lock_audit(tid))
    check(int(account_failures(tid, admin)) == 3,
          "the account's count from every address has the three (%s)"
          % account_failures(tid, admin))
    check(re.search(r'msg="log-in refused: locked".*tenant=%s .*peer=127\.0\.0\.60:.*locked=account'
                    % slug, srv.log()) is not None, "the refusal is logged for the address")
finally:
    check(srv.stop(), "the server stops cleanly")

psql("DELETE FROM login_throttle")

# ---- a trusted proxy (a portal) names each user's own address ----
srv = Server("abuse-proxy", "trusted_proxies = 127.0.0.9, ::1",
             "login_max_failures_per_address = 3", "login_max_failures = 1000")
PERMISSION_DENIED = 7


def login_for(source, tenant, email, password, client):
    s = srv.session(source=source)
    try:
        s.sendall(w.frame(2, "Login", w.strings((1, tenant), (2, email), (3, password),
                                                (4, client))))
        _, st, _ = w.recv_response(s)
        return st
    finally:
        s.close()


try:
    slug, tid, admin = new_tenant(srv, "abuse-proxy")
    for i in range(4):
        st = login_for("127.0.0.9", slug, admin, "wrong %d" % i, "203.0.113.5")
    check(st["code"] == RESOURCE_EXHAUSTED and LOCKED in st["message"],
          "one user's failures through the proxy lock that user's address (%s)" % st)
    st = login_for("127.0.0.9", slug, admin, PASSWORD, "203.0.113.6")
    check(st["code"] == OK, "while another user signs in through the same proxy (%s)" % st)
    st = login_for("127.0.0.9", slug, admin, PASSWORD, "2001:db8:0:0::7")
    check(st["code"] == OK, "an IPv6 user too (%s)" % st)
    for i in range(4):
        st = login_for("127.0.0.9", slug, admin, "wrong %d" % i, "2001:db8:1:2::%x" % (i + 1))
    check(st["code"] == RESOURCE_EXHAUSTED and LOCKED in st["message"],
          "IPv6 addresses of one /64, named one after another, are one guesser (%s)" % st)
    for i in range(3):
        st = login_for("127.0.0.9", slug, admin, "wrong %d" % i, "::ffff:198.51.100.7")
    st = login_for("127.0.0.9", slug, admin, "wrong 3", "198.51.100.7")
    check(st["code"] == RESOURCE_EXHAUSTED and LOCKED in st["message"],
          "an IPv4-mapped address counts as its IPv4 address (%s)" % st)
    st = login_for("127.0.0.8", slug, admin, PASSWORD, "203.0.113.6")
    check(st["code"] == PERMISSION_DENIED and "trusted_proxies" in st["message"],
          "a peer that is not a trusted proxy may not name an address (%s)" % st)
    st = login_for("127.0.0.9", slug, admin, PASSWORD, "203.0.113.6:80")
    check(st["code"] == INVALID_ARGUMENT and "clientAddress" in str(st),
          "a client address that is not an IP address is refused on the field (%s)" % st)
    check(re.search(r'msg="log-in failed".* peer=127\.0\.0\.9:[0-9]+ client=203\.0\.113\.5 ',
                    srv.log()) is not None, "the log names the proxy and the user's address")
finally:
    check(srv.stop(), "the server stops cleanly")
bad = os.path.join(w.env("LIAISON_TEST_DIR"), "proxy-bad.conf")
with open(bad, "w") as f:
    f.write("tls_cert = x\ntls_key = x\ntrusted_proxies = 127.0.0.1, portal.example\n")
p = subprocess.run([LIAISOND, "--config", bad, "check-config"], capture_output=True, text=True,
                   timeout=30)
check(p.returncode != 0 and "trusted_proxies: 'portal.example' is not an IP address" in p.stderr,
      "a trusted proxy given by name is refused, named (%s)" % p.stderr.strip()[-120:])

psql("DELETE FROM login_throttle")
t.finish("login abuse")
