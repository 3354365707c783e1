#!/usr/bin/env python3
"""Time limits and shutdown, each on a liaisond of its own (one worker, so
that every connection shares one database pool):

- every request has a deadline: a client's shorter one answers
  DEADLINE_EXCEEDED, and with PostgreSQL frozen (SIGSTOP on the postmaster
  and every backend) calls fail within the server's deadline, GetHealth
  says the database is unavailable, and service comes back by itself after
  SIGCONT;
- an activation waiting for the tenant's activation lock does not hold up
  other tenants' reads, and gives up at lock_timeout;
- Argon2 jobs are capped per worker: a flood of log-ins is answered
  RESOURCE_EXHAUSTED past the cap, and the refusals are logged with a count;
- SIGTERM with a short drain while log-ins hash: the late password jobs
  find their requests cancelled, and the server stops cleanly (server.sh
  stop fails on any sanitizer report);
- a database host name is resolved off the loop: with a resolver that takes
  1.5 s (a preloaded getaddrinfo), the server listens at once and connects
  once the name is known."""
import datetime
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
from liaison_test import check, psql  # noqa: E402

LIAISOND, CLI, SLOW_RESOLVER = sys.argv[1], sys.argv[2], sys.argv[3]
CA = w.env("LIAISON_TEST_CA")
OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
PSQL = w.env("LIAISON_TEST_PSQL").split()
PGDIR = w.env("LIAISON_TEST_PGDIR")
RUN = str(int(time.time() * 1000) % 10**8)
PASSWORD = "correct horse battery staple"
TIMEOUT_MS = 1500
DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNAVAILABLE, UNAUTHENTICATED = 4, 8, 14, 16
# Its own servers: one worker, two database connections, no address lock.
SERVER_BASE = ("db_pool_size = 2", "login_max_failures_per_address = 100000")


def Server(name, *settings):
    return t.Server(name, LIAISOND, CLI, *SERVER_BASE, *settings)


def login_payload(tenant, email, password):
    return w.field_bytes(1, tenant) + w.field_bytes(2, email) + w.field_bytes(3, password)


def pending(sock, seconds):
    """True when nothing arrives on sock within seconds."""
    if sock.pending():
        return False
    r, _, _ = select.select([sock], [], [], seconds)
    return not r


def new_tenant(srv, name):
    slug = "%s-%s" % (name, RUN)
    email = "admin@%s.example" % name
    srv.must("CreateTenant", {"slug": slug, "name": name, "adminEmail": email,
                              "adminPassword": PASSWORD}, OPERATOR)
    token = srv.must("Login", {"tenant": slug, "email": email, "password": PASSWORD},
                     None)["token"]
    return slug, token


def sleeping(marker, seconds=30):
    """Waits until a psql session whose statements name marker is in their
    pg_sleep, the lock taken before it held; True once it is."""
    q = ("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'"
         " AND query LIKE '%%%s%%'" % marker)
    deadline = time.monotonic() + seconds
    while psql(q) == "0" and time.monotonic() < deadline:
        time.sleep(0.05)
    return psql(q) != "0"


def postgres_pids():
    postmaster = int(open(os.path.join(PGDIR, "data", "postmaster.pid")).readline())
    kids = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True,
                          text=True).stdout.split()
    return [postmaster] + [int(k) for k in kids]


psql("DELETE FROM login_throttle")
# Freed memory goes back at once, not into a quarantine, so that RSS means something.
os.environ["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1"
srv = Server("resil", "request_timeout_ms = %d" % TIMEOUT_MS, "db_reconnect_ms = 200")
try:
    slug_a, admin_a = new_tenant(srv, "resil-a")
    slug_b, admin_b = new_tenant(srv, "resil-b")

    # ---- a client's own, shorter deadline ----
    s = srv.session()
    t0 = time.monotonic()
    s.sendall(w.frame(7, "Ping", w.field_varint(2, 1500), timeout_ms=200))
    rid, code, msg, _ = w.recv_frame(s)
    took = time.monotonic() - t0
    check(rid == 7 and code == DEADLINE_EXCEEDED,
          "a Ping longer than the client's 200 ms timeout is DEADLINE_EXCEEDED (%d %s)"
          % (code, msg))
    check(took < 1.4, "answered at the client's deadline, not after the Ping (%.2f s)" % took)
    s.sendall(w.ping(8, "still here"))
    rid, code, _, payload = w.recv_frame(s)
    check(rid == 8 and code == 0 and w.decode_echo(payload) == "still here",
          "the connection goes on after a deadline")
    s.close()

    # A request answered at its deadline holds nothing while its timer would
    # still run: thousands of 5 s Pings cut to 1 ms leave memory where it was.
    s = srv.session()
    before = w.rss_kb(srv.pid)
    sent = 0
    for batch in range(1250):
        s.sendall(b"".join(w.frame(100 + k, "Ping", w.field_varint(2, 5000), timeout_ms=1)
                           for k in range(4)))
        codes = [w.recv_frame(s)[1] for _ in range(4)]
        sent += 4
        if codes != [DEADLINE_EXCEEDED] * 4:
            break
    grown = w.rss_kb(srv.pid) - before
    check(sent == 5000 and grown < 12 * 1024,
          "%d Pings answered at a 1 ms deadline hold no memory (RSS grew %d KiB)" % (sent, grown))
    s.close()

    # ---- identity changes on one connection (protocol document) ----
    def whoami_tenant(sock, rid):
        sock.sendall(w.frame(rid, "WhoAmI"))
        got, code, msg, payload = w.recv_frame(sock)
        tenant = ""
        for num, _, v in w.parse_fields(payload):
            if num == 1:
                for inum, _, iv in w.parse_fields(v):
                    if inum == 2:
                        tenant = iv.decode()
        return code, tenant

    s = srv.session(admin_a)
    s.sendall(w.frame(20, "Authenticate", w.field_bytes(1, "lts_1_not-a-real-token")))
    check(w.recv_frame(s)[1] == UNAUTHENTICATED, "a failed re-authentication is refused")
    check(whoami_tenant(s, 21) == (0, slug_a), "... and the connection keeps its identity")
    s.sendall(w.frame(22, "Authenticate", w.field_bytes(1, admin_b)))
    check(w.recv_frame(s)[1] == 0, "re-authentication as another tenant's user succeeds")
    check(whoami_tenant(s, 23) == (0, slug_b), "... and switches the connection's identity")
    s.sendall(w.frame(24, "Logout"))
    check(w.recv_frame(s)[1] == 0, "Logout")
    code, _ = whoami_tenant(s, 25)
    check(code != 0, "after Logout the connection has no identity (%d)" % code)
    s.close()
    code, _ = srv.cli("call", "WhoAmI", "{}", token=admin_b)
    check(code == "UNAUTHENTICATED", "Logout revoked that log-in session (%s)" % code)
    admin_b = srv.must("Login", {"tenant": slug_b, "email": "admin@resil-b.example",
                                 "password": PASSWORD}, None)["token"]

    # ---- item 5: a waiting activation holds up no other tenant's reads ----
    VN = {"country": "VN", "languages": ["vi"], "timeZone": "Asia/Ho_Chi_Minh",
          "businessHoursStart": "08:00", "businessHoursEnd": "17:00", "workDays": [1, 2, 3]}
    d = srv.must("CreateDistributor", {"fields": dict(VN, name="Công ty Hải Phòng")},
                 admin_a)["distributor"]
    ch = srv.must("CreateCharterDraft", {"distributorId": d["id"]}, admin_a)["charter"]
    srv.must("AddCharterGrant", {"charterId": ch["id"], "grant": {
        "region": "VN", "allLines": True, "exclusive": True, "startsOn": "2026-01-01"}}, admin_a)
    tenant_a = psql("SELECT id FROM tenants WHERE slug = '%s'" % slug_a)
    holder = subprocess.Popen(PSQL + ["-U", "postgres", "-c",
                                      "BEGIN; SELECT pg_advisory_xact_lock(hashtextextended("
                                      "'liaison.charter.activation:' || %s, 0)); "
                                      "SELECT pg_sleep(4); COMMIT;" % tenant_a],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        check(sleeping("pg_advisory_xact_lock"), "a psql session holds the activation lock")
        sa = srv.session(admin_a)
        sb = srv.session(admin_b)
        sa.sendall(w.frame(3, "ActivateCharter", w.field_varint(1, int(ch["id"]))))
        time.sleep(0.3)
        sb.sendall(b"".join(w.frame(10 + i, "WhoAmI") for i in range(8)))
        codes = [w.recv_frame(sb)[1] for _ in range(8)]
        check(codes == [0] * 8, "another tenant's reads are answered (%s)" % codes)
        check(pending(sa, 0), "... while the activation still waits for the lock")
        rid, code, msg, _ = w.recv_frame(sa)
        check(rid == 3 and code in (10, DEADLINE_EXCEEDED),
              "the activation gives up at lock_timeout (%d %s)" % (code, msg))
        sa.close()
        sb.close()
    finally:
        holder.wait()

    # ---- a write that reaches PostgreSQL after its deadline commits nothing ----
    line = srv.must("CreateProductLine", {"code": "LCK", "name": "Khóa"}, admin_a)["productLine"]
    holder = subprocess.Popen(PSQL + ["-U", "postgres", "-c",
                                      "BEGIN; UPDATE product_lines SET name = name WHERE id = %s;"
                                      " SELECT pg_sleep(3); COMMIT;" % line["id"]],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        check(sleeping("UPDATE product_lines SET name = name"),
              "a psql session holds the product line's row")
        sa = srv.session(admin_a)
        update = w.field_varint(1, int(line["id"])) + w.field_bytes(2, "Khóa mới")
        # Two updates wait for the row lock, one on each database connection
        # (sent apart: changes that arrive together share one connection's
        # batch, see db_write_batch)...
        sa.sendall(w.frame(40, "UpdateProductLine", update))
        time.sleep(0.3)
        sa.sendall(w.frame(41, "UpdateProductLine", update))
        time.sleep(0.3)
        # ... so this one queues behind one of them, and its caller gives up first.
        sa.sendall(w.frame(42, "CreateProductLine",
                           w.field_bytes(1, "LATE") + w.field_bytes(2, "trễ"), timeout_ms=300))
        answers = {}
        for _ in range(3):
            rid, code, msg, _ = w.recv_frame(sa)
            answers[rid] = code
        sa.close()
        check(answers.get(42) == DEADLINE_EXCEEDED,
              "the queued write's caller is told DEADLINE_EXCEEDED (%s)" % answers)
    finally:
        holder.wait()
    time.sleep(0.5)
    late = psql("SELECT count(*) FROM product_lines WHERE code = 'LATE'")
    check(late == "0", "... and the write did not commit when PostgreSQL reached it (%s)" % late)

    # ---- item 4: PostgreSQL frozen ----
    code, out = srv.cli("health")
    check(code == "OK", "health before the freeze")
    pids = postgres_pids()
    for pid in pids:
        try:
            os.kill(pid, signal.SIGSTOP)
        except ProcessLookupError:
            pass  # a backend (of a psql session above, say) gone since pgrep listed it
    try:
        t0 = time.monotonic()
        code, out = srv.cli("call", "ListDistributors", "{}", token=admin_a)
        took = time.monotonic() - t0
        check(code in ("DEADLINE_EXCEEDED", "UNAVAILABLE"),
              "a read against a frozen database fails (%s)" % code)
        check(took < TIMEOUT_MS / 1000 + 2.5,
              "... within the server's deadline of %d ms (%.2f s)" % (TIMEOUT_MS, took))
        t0 = time.monotonic()
        code, out = srv.cli("health")
        took = time.monotonic() - t0
        check(code == "UNAVAILABLE", "GetHealth says the database is unavailable (%s)" % code)
        check(took < TIMEOUT_MS / 1000 + 2.5, "... within the deadline (%.2f s)" % took)
        code, out = srv.cli("call", "CreateProductLine",
                            json.dumps({"code": "FRZ", "name": "frozen"}), token=admin_a)
        check(code in ("DEADLINE_EXCEEDED", "UNAVAILABLE"), "a write fails too (%s)" % code)
        check(srv.cli("ping")[0] == "OK", "what needs no database is still served")
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 30
    code = None
    while time.monotonic() < deadline:
        code, out = srv.cli("health")
        if code == "OK":
            break
        time.sleep(0.2)
    check(code == "OK", "service resumes by itself after SIGCONT")
    code, out = srv.cli("call", "ListDistributors", "{}", token=admin_a)
    check(code == "OK", "reads work again")
    check("the database stopped answering" in srv.log(),
          "the hung database connection was dropped and logged")
finally:
    check(srv.stop(), "the server stops cleanly")

# ---- item 7: Argon2 jobs capped per worker ----
srv = Server("resil-argon", "max_password_jobs = 2")
try:
    socks = [srv.session() for _ in range(8)]
    for i, s in enumerate(socks):
        s.sendall(w.frame(2, "Login", login_payload("no-such-tenant-" + RUN,
                                                    "x%d@example.com" % i, "wrong password")))
    codes, waits = [], []
    for s in socks:
        _, st, _ = w.recv_response(s)
        codes.append((st["code"], st["message"]))
        if st["code"] == RESOURCE_EXHAUSTED:
            waits.append(st["retry_after_ms"])
        s.close()
    refused = [m for c, m in codes if c == RESOURCE_EXHAUSTED]
    check(refused and all("too many passwords" in m for m in refused),
          "log-ins past max_password_jobs are refused RESOURCE_EXHAUSTED (%s)"
          % sorted(c for c, _ in codes))
    # Busy, not locked: a short retry-after says so (a locked account's is minutes); without
    # one, a portal's client could tell the two apart only by the words (a try-out).
    check(waits and all(0 < x <= 1000 for x in waits),
          "... with a retry-after of under a second (%s)" % waits)
    check(any(c == UNAUTHENTICATED for c, _ in codes), "... and the others are checked")
    check("password hashing at capacity" in srv.log() and "refused_total=" in srv.log(),
          "refusals are logged with a count")
finally:
    check(srv.stop(), "the server stops cleanly")

# ---- item 6: SIGTERM while log-ins hash ----
for round_ in range(2):
    srv = Server("resil-stop-%d" % round_, "drain_timeout_ms = 0", "max_password_jobs = 16")
    socks = [srv.session() for _ in range(8)]
    for i, s in enumerate(socks):
        s.sendall(w.frame(2, "Login", login_payload("no-such-tenant-" + RUN,
                                                    "y%d@example.com" % i, "wrong password")))
    time.sleep(0.05)
    os.kill(srv.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(srv.pid, 0)
            time.sleep(0.05)
        except ProcessLookupError:
            break
    check(srv.stop(), "round %d: SIGTERM while log-ins hash stops cleanly" % round_)
    # Cut off at the drain's end, they were logged status=... as if answered, and the last
    # line said only clean=yes (a try-out).
    lost = [ln for ln in srv.log().splitlines() if 'msg="request"' in ln and "answer=lost" in ln]
    check('msg="stopped" clean=yes drained=no' in srv.log() and lost,
          "round %d: the drain cut short says so, and the requests it cut off (%d lost)"
          % (round_, len(lost)))
    for s in socks:
        s.close()

# ---- item 17: host names resolved off the loop ----
def proxy_to_postgres():
    """A TCP port on 127.0.0.1 that forwards to the cluster's Unix socket."""
    lsn = socket.socket()
    lsn.bind(("127.0.0.1", 0))
    lsn.listen(16)
    t.forward(lsn, os.path.join(PGDIR, ".s.PGSQL.%s" % w.env("LIAISON_TEST_PGPORT")))
    return lsn.getsockname()[1]


def log_times(text, msg):
    out = []
    for line in text.splitlines():
        if line.startswith("ts=") and 'msg="%s' % msg in line:
            ts = line.split()[0][len("ts="):]
            out.append(datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ"))
    return out


proxy = proxy_to_postgres()
os.environ["LD_PRELOAD"] = SLOW_RESOLVER
# The preloaded shim comes before the sanitizers' runtime; that is all right here.
os.environ["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"
try:
    srv = Server("resil-dns", "log_level = debug",
                 "database_url = postgresql:///liaison?host=slow.liaison.test&port=%d"
                 "&user=liaison_app" % proxy)
finally:
    del os.environ["LD_PRELOAD"]
try:
    check(srv.cli("ping")[0] == "OK", "the server answers while the database host resolves")
    deadline = time.monotonic() + 20
    code = None
    while time.monotonic() < deadline:
        code, out = srv.cli("health")
        if code == "OK":
            break
        time.sleep(0.2)
    check(code == "OK", "it reaches PostgreSQL through the resolved name (%s)" % code)
    log = srv.log()
    start = log_times(log, "")[:1]
    listening = log_times(log, "listening")
    ready = log_times(log, "database connection ready")
    if check(start and listening and ready, "start, listening and connection times logged"):
        check((ready[0] - start[0]).total_seconds() >= 1.4,
              "the slow resolver was in the way (ready after %.2f s)"
              % (ready[0] - start[0]).total_seconds())
        check((listening[0] - start[0]).total_seconds() < 1.0,
              "... yet the server listened at once (after %.2f s), the lookup off its loop"
              % (listening[0] - start[0]).total_seconds())
finally:
    check(srv.stop(), "the server stops cleanly")

psql("DELETE FROM login_throttle")
t.finish("resilience")
