#!/usr/bin/python3
"""Durable writes in batches (issue 17): changes queued in one loop iteration
share one transaction, each in a savepoint of its own, and are answered
after the one COMMIT.

To make a batch certain rather than likely, each part first fills the
server's two database connections (db_pipeline_depth = 1) with changes that
wait for a row a psql session holds; changes sent meanwhile from several
connections queue, and go as one batch when the session lets go. The
request log's db_batch then shows each batch's size.

- A batch of 8 (the configured cap; the 9th and 10th make a second batch)
  holding a unique violation, a validation raised by the database, a
  missing row and a keyed create that fails: each of those gets its own
  error and leaves no row, audit entry or idempotency key (the key is free
  for another request afterwards), and every other change commits with
  its audit entry.
- A deadlock between two batches: each change that lost is sent again
  alone, once, and every caller gets OK with each row updated exactly as
  often as asked (two audit entries per row, no doubled write).
- PostgreSQL killed (SIGKILL to the postmaster, on a cluster of the test's
  own with fsync on) while a batch waits between its statements and its
  COMMIT: every caller of the batch gets UNAVAILABLE, none OK, and after
  the restart none of its rows, audit entries or keys exist; the server
  serves again without a restart.
- PostgreSQL frozen (SIGSTOP on every process of that cluster) while a
  batch waits between its statements and its COMMIT: every caller gets
  DEADLINE_EXCEEDED at its own deadline while the database is still
  frozen, and after SIGCONT (the backend reads on and reaches the batch's
  deadline check late) none of its rows, audit entries or keys exist; the
  server serves again by itself.

Run with Debian's /usr/bin/python3 and LIAISON_LIBRARY naming the built
libliaison.so.0 (tests/CMakeLists.txt sets both).
Usage: test_write_batch.py LIAISOND CLI."""
import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "client-lib", "python"))
import liaison  # noqa: E402
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
from liaison_test import check  # noqa: E402

LIAISOND, CLI = sys.argv[1], sys.argv[2]
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
# The sanitizer's runtime is preloaded into this Python only (see test_binding.py).
os.environ.pop("LD_PRELOAD", None)
if "LIAISON_SERVER_ASAN_OPTIONS" in os.environ:
    os.environ["ASAN_OPTIONS"] = os.environ["LIAISON_SERVER_ASAN_OPTIONS"]
CA = w.env("LIAISON_TEST_CA")
PASSWORD = "correct horse battery staple"
RUN = str(int(time.time() * 1000) % 10**8)
CAP = 8
# The application_name of this run's lock holders, by which Cluster.waiting
# tells its own waiters from other tests'.
LOCKER_NAME = "wb-locker-" + RUN
# The frozen-database part's deadline: long enough to set a batch up, short enough to wait for.
FREEZE_MS = 4000
SETTINGS = ["db_pool_size = 2", "db_pipeline_depth = 1", "db_write_batch = %d" % CAP,
            "request_timeout_ms = 30000", "idle_timeout_ms = 600000", "log_level = info"]


class Cluster:
    """psql as the superuser of a cluster: the suite's, or one of our own."""

    def __init__(self, psql_cmd):
        self.cmd = psql_cmd

    def sql(self, query):
        p = subprocess.run(self.cmd + ["-U", "postgres", "-c", query], capture_output=True,
                           text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError("psql: %s" % p.stderr)
        out = p.stdout.strip().splitlines()
        return out[-1].strip() if out else ""

    def waiting(self, n, seconds=30):
        """Waits until n of liaisond's backends wait for a lock a Locker of
        this test holds, directly or behind another such waiter: the suite's
        other tests, run alongside on the same cluster, have waiters too."""
        query = ("WITH RECURSIVE held AS (SELECT pid FROM pg_stat_activity"
                 " WHERE application_name = '%s' UNION SELECT a.pid FROM pg_stat_activity a"
                 " JOIN held h ON h.pid = ANY (pg_blocking_pids(a.pid))"
                 " WHERE a.usename = 'liaison_app' AND a.wait_event_type = 'Lock')"
                 " SELECT count(*) FROM held JOIN pg_stat_activity a USING (pid)"
                 " WHERE a.usename = 'liaison_app'" % LOCKER_NAME)
        deadline = time.time() + seconds
        while time.time() < deadline:
            if int(self.sql(query)) >= n:
                return True
            time.sleep(0.05)
        return False


class Locker:
    """A psql session that holds product lines' rows locked until released."""

    def __init__(self, cluster, ids):
        self.p = subprocess.Popen(cluster.cmd + ["-U", "postgres"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                  env=dict(os.environ, PGAPPNAME=LOCKER_NAME))
        self.p.stdin.write("BEGIN;\nSELECT count(*) FROM (SELECT 1 FROM product_lines"
                           " WHERE id IN (%s) FOR UPDATE) x;\n" % ",".join(map(str, ids)))
        self.p.stdin.flush()
        self.p.stdout.readline()  # the count: the rows are locked

    def release(self):
        try:
            self.p.stdin.write("COMMIT;\n")
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        self.p.wait(timeout=30)


class Tenant:
    """A tenant of its own on srv, its admin's token, and clients made up front
    (authenticating takes the database, which the tests keep busy)."""

    def __init__(self, srv, operator, tag):
        self.url = "liaison://127.0.0.1:%d" % srv.port
        self.slug = "wb-%s-%s" % (tag, RUN)
        with liaison.Client(self.url, ca=CA, token=operator) as op:
            op.call("CreateTenant", {"slug": self.slug, "name": "Công ty Phụ tùng Sài Gòn",
                                     "adminEmail": "admin@wb.example",
                                     "adminPassword": PASSWORD})
        with liaison.Client(self.url, ca=CA) as c:
            self.token = c.login(self.slug, "admin@wb.example", PASSWORD)
        self.admin = self.client()
        self.tenant_id = None

    def client(self):
        c = liaison.Client(self.url, ca=CA, token=self.token, request_timeout_ms=60000)
        c.connect()
        return c

    def line(self, code, name):
        return int(self.admin.call("CreateProductLine", {"code": code, "name": name})
                   ["productLine"]["id"])


def outcome(c):
    """The answer to the one request c sent: ("OK", response) or (code name, error)."""
    try:
        return "OK", c.recv(90000)[1]
    except liaison.Error as e:
        return e.code_name, e


def send_all(clients, calls):
    """Sends calls[i] = (method, request[, key]) on clients[i], a little apart,
    so that they queue in this order."""
    for c, call in zip(clients, calls):
        c.send(call[0], call[1], idempotency_key=call[2] if len(call) > 2 else None)
        time.sleep(0.02)


def all_queued(port, n, seconds=20):
    """Waits until the server's liaison_db_queued gauge (refreshed every 2 s)
    shows n transactions waiting for a database connection: every request
    sent has been read and queued, and none has been sent yet. True once so."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
            text = r.read().decode()
        m = re.search(r"^liaison_db_queued (\d+)$", text, re.M)
        if m and int(m.group(1)) >= n:
            return True
        time.sleep(0.2)
    return False


def fill_pool(tenant, cluster, blocked_line):
    """Both database connections busy with a change that waits for
    blocked_line's row: the clients that sent them."""
    blockers = [tenant.client(), tenant.client()]
    for i, c in enumerate(blockers):
        c.send("UpdateProductLine", {"id": blocked_line, "name": "chặn %d" % i})
        check(cluster.waiting(i + 1), "blocker %d waits for the locked row" % (i + 1))
    return blockers


def batch_sizes(log, methods):
    """db_batch of each request line of the given methods, in log order."""
    pat = re.compile(r'method=(%s) status=(\w+) dur_us=\d+ db_batch=(\d+)' % "|".join(methods))
    return [(m.group(1), m.group(2), int(m.group(3))) for m in pat.finditer(log)]


def logged_sizes(srv, mark, methods, n, seconds=10):
    """batch_sizes of srv's log past mark, once it holds n such lines (or the
    seconds are up): a request's line is written after its answer is sent."""
    deadline = time.monotonic() + seconds
    sizes = batch_sizes(srv.log()[mark:], methods)
    while len(sizes) < n and time.monotonic() < deadline:
        time.sleep(0.05)
        sizes = batch_sizes(srv.log()[mark:], methods)
    return sizes


class HeldBatch:
    """A tenant of its own on srv and a batch of four of its changes (two
    creates, a keyed create, and an update of a row a psql session holds):
    made with both database connections busy, so that the four queue and go
    as one batch; on return its first three have run and it waits between
    its statements and its COMMIT."""

    def __init__(self, srv, cluster, operator, tag, pause):
        self.srv, self.cluster, self.tag = srv, cluster, tag.upper()
        self.ten = Tenant(srv, operator, tag)
        self.tid = cluster.sql("SELECT id FROM tenants WHERE slug = '%s'" % self.ten.slug)
        gate, self.last = self.ten.line("GATE", "Cổng"), self.ten.line("LAST", "Cuối cùng")
        self.batch = [self.ten.client() for _ in range(4)]
        g, self.hold_last = Locker(cluster, [gate]), Locker(cluster, [self.last])
        self.blockers = fill_pool(self.ten, cluster, gate)
        self.mark = len(srv.log())
        self.sent = time.monotonic()
        self.key = "key-%s-%s" % (tag, RUN)
        send_all(self.batch, [
            ("CreateProductLine", {"code": self.code(1), "name": "Phụ tùng ô tô"}),
            ("CreateProductLine", {"code": self.code(2), "name": "自動車部品"}),
            ("CreateProductLine", {"code": self.code(3), "name": "Bạc đạn"}, self.key),
            ("UpdateProductLine", {"id": self.last, "name": "không bao giờ"})])
        time.sleep(pause)  # every request read and queued behind the blockers
        g.release()
        check(all(outcome(b)[0] == "OK" for b in self.blockers), "the blockers commit")
        self.audit = cluster.sql("SELECT count(*) FROM audit_log WHERE tenant_id = %s" % self.tid)
        # The batch's first three ran; its fourth waits for LAST, so no COMMIT was reached.
        check(cluster.waiting(1), "the batch waits between its statements and its COMMIT")

    def code(self, i):
        return "%s%d-%s" % (self.tag, i, RUN)

    def check_one_batch(self):
        sizes = [s[2] for s in batch_sizes(self.srv.log()[self.mark:], ["CreateProductLine",
                                                                         "UpdateProductLine"])]
        check(sizes.count(4) == 4, "the four went as one batch (%s)" % sizes)

    def check_nothing_left(self, when, back):
        """None of the batch is in the database, and the server serves again by itself."""
        sql = self.cluster.sql
        check(sql("SELECT count(*) FROM product_lines WHERE tenant_id = %s AND code LIKE '%s_-%%'"
                  % (self.tid, self.tag)) == "0", "none of the batch's rows exist %s" % when)
        check(sql("SELECT count(*) FROM audit_log WHERE tenant_id = %s" % self.tid) == self.audit,
              "nor any of its audit entries")
        check(sql("SELECT count(*) FROM request_keys WHERE key = '%s'" % self.key) == "0",
              "nor its idempotency key")
        check(sql("SELECT name FROM product_lines WHERE id = %d" % self.last) == "Cuối cùng",
              "the change that waited did not happen")
        ok, deadline = False, time.time() + 30
        while not ok and time.time() < deadline:
            try:
                ok = self.ten.admin.call("CreateProductLine", {
                    "code": self.code(1), "name": "Phụ tùng ô tô"})["productLine"]["code"] \
                    == self.code(1)
            except liaison.Error:
                time.sleep(0.2)
        check(ok, "the same create succeeds %s, without restarting liaisond" % back)
        for c in self.batch + self.blockers + [self.ten.admin]:
            c.close()


OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
shared = Cluster(w.env("LIAISON_TEST_PSQL").split())
# The main server shows its queue, so that a batch is released only once
# every request meant for it is queued (a slow read would split it).
metrics_port = w.free_port()
srv = t.Server("write-batch", LIAISOND, CLI, *SETTINGS,
               "metrics_listen = 127.0.0.1:%d" % metrics_port)
# A check that raises must not leave the server running.
atexit.register(lambda: srv.pid and subprocess.run(["kill", "-TERM", str(srv.pid)],
                                                  stderr=subprocess.DEVNULL))
srv.wait_ready()

# ---------------- failures inside a batch fail only their own request ----------------
ten = Tenant(srv, OPERATOR, "f")
tid = shared.sql("SELECT id FROM tenants WHERE slug = '%s'" % ten.slug)
blocked = ten.line("WAIT", "Dòng chờ")
taken = ten.line("TAKEN", "Má phanh")
dist = int(ten.admin.call("CreateDistributor", {"fields": {
    "name": "Đại lý Hà Nội", "country": "VN", "languages": ["vi"],
    "timeZone": "Asia/Ho_Chi_Minh"}})["distributor"]["id"])
clients = [ten.client() for _ in range(10)]
calls = [
    ("CreateProductLine", {"code": "VI-" + RUN, "name": "Phanh đĩa Việt Nam"}),
    ("CreateProductLine", {"code": "TAKEN", "name": "trùng mã"}),  # unique violation
    ("CreateProductLine", {"code": "JA-" + RUN, "name": "ブレーキ部品"}),
    ("AssignAccountManager", {"id": dist, "userId": 999999999}),  # liaison_check raises
    ("CreateProductLine", {"code": "TAKEN", "name": "lại trùng"}, "key-dup-" + RUN),
    ("UpdateProductLine", {"id": 999999999, "name": "không có"}),  # no row
    ("CreateProductLine", {"code": "FLT-" + RUN, "name": "Lọc gió động cơ"}),
    ("CreateProductLine", {"code": "OIL-" + RUN, "name": "オイルフィルター"}),
    ("CreateProductLine", {"code": "N9-" + RUN, "name": "Dầu nhớt"}),
    ("CreateProductLine", {"code": "N10-" + RUN, "name": "潤滑油"}),
]
lock = Locker(shared, [blocked])
blockers = fill_pool(ten, shared, blocked)
mark = len(srv.log())
send_all(clients, calls)
check(all_queued(metrics_port, len(calls)), "the ten are queued behind the blockers")
lock.release()
got = [outcome(c) for c in clients]
check(all(outcome(b)[0] == "OK" for b in blockers), "the blockers commit")
codes = [g[0] for g in got]
check(codes == ["OK", "ALREADY_EXISTS", "OK", "INVALID_ARGUMENT", "ALREADY_EXISTS", "NOT_FOUND",
                "OK", "OK", "OK", "OK"], "each request gets its own answer: %s" % codes)
check(isinstance(got[3][1], liaison.Error) and
      [f for f, _ in got[3][1].violations] == ["userId"],
      "the validation the database raised names its field (%s)" % (got[3][1],))
check(got[2][0] == "OK" and got[2][1]["productLine"]["name"] == "ブレーキ部品" and
      got[0][1]["productLine"]["name"] == "Phanh đĩa Việt Nam",
      "Japanese and Vietnamese names come back as sent")
sizes = logged_sizes(srv, mark, ["CreateProductLine", "AssignAccountManager",
                                 "UpdateProductLine"], len(calls) + len(blockers))
firsts = [s for s in sizes if s[2] == CAP]
check(len(firsts) == CAP and sum(1 for s in sizes if s[2] == 2) == 2,
      "the ten changes went as a batch of %d (the cap) and one of 2: %s" % (CAP, sizes))
codes_now = shared.sql("SELECT string_agg(code, ',' ORDER BY code) FROM product_lines"
                       " WHERE tenant_id = %s" % tid)
want = sorted(["VI-" + RUN, "JA-" + RUN, "FLT-" + RUN, "OIL-" + RUN, "N9-" + RUN, "N10-" + RUN,
               "WAIT", "TAKEN"])
check(codes_now == ",".join(want), "the successful creates committed, nothing else (%s)"
      % codes_now)
check(shared.sql("SELECT count(*) FROM audit_log WHERE tenant_id = %s AND action ="
                 " 'product_line.create'" % tid) == "8",
      "one audit entry per product line made, none for the failed creates")
check(shared.sql("SELECT count(*) FROM audit_log WHERE tenant_id = %s AND action ="
                 " 'distributor.assign'" % tid) == "0", "no audit entry for the refused change")
check(shared.sql("SELECT count(*) FROM request_keys WHERE key = 'key-dup-%s'" % RUN) == "0",
      "the failed keyed create left no idempotency key (its claim rolled back with it)")
try:
    ok = ten.admin.call("CreateProductLine", {"code": "KEY-" + RUN, "name": "Bộ lọc"},
                        idempotency_key="key-dup-" + RUN)
    check(ok["productLine"]["code"] == "KEY-" + RUN, "the key serves another request afterwards")
except liaison.Error as e:
    check(False, "the key serves another request afterwards (%s)" % e)
for c in clients + blockers:
    c.close()

# ---------------- a deadlock between two batches ----------------
ten2 = Tenant(srv, OPERATOR, "d")
tid2 = shared.sql("SELECT id FROM tenants WHERE slug = '%s'" % ten2.slug)
x, y, z = ten2.line("X", "Xích"), ten2.line("Y", "Yên xe"), ten2.line("Z", "Zắc cắm")
w1, w2 = ten2.line("W1", "Chờ một"), ten2.line("W2", "Chờ hai")
a = [ten2.client() for _ in range(3)]
b = [ten2.client() for _ in range(3)]
b1, b2 = ten2.client(), ten2.client()
gate1, gate2, hold_z = Locker(shared, [w1]), Locker(shared, [w2]), Locker(shared, [z])
b1.send("UpdateProductLine", {"id": w1, "name": "chặn một"})
check(shared.waiting(1), "the first connection waits for W1")
b2.send("UpdateProductLine", {"id": w2, "name": "chặn hai"})
check(shared.waiting(2), "the second connection waits for W2")
mark = len(srv.log())
# Batch A locks X, then waits for Z, then wants Y; batch B locks Y, waits for Z, wants X.
send_all(a, [("UpdateProductLine", {"id": x, "name": "A xích"}),
             ("UpdateProductLine", {"id": z, "name": "A zắc"}),
             ("UpdateProductLine", {"id": y, "name": "A yên"})])
check(all_queued(metrics_port, 3), "batch A is queued behind the blockers")
gate1.release()
check(outcome(b1)[0] == "OK", "the first blocker commits")
check(shared.waiting(2), "batch A waits for Z")
send_all(b, [("UpdateProductLine", {"id": y, "name": "B yên"}),
             ("UpdateProductLine", {"id": z, "name": "B zắc"}),
             ("UpdateProductLine", {"id": x, "name": "B xích"})])
check(all_queued(metrics_port, 3), "batch B is queued behind the second blocker")
gate2.release()
check(outcome(b2)[0] == "OK", "the second blocker commits")
check(shared.waiting(2), "batch B waits for Z too")
hold_z.release()
got = [outcome(c)[0] for c in a + b]
check(got == ["OK"] * 6, "every change of both batches ends OK: %s" % got)
# Eight request lines: the two blockers' and the six changes'.
sizes = [s[2] for s in logged_sizes(srv, mark, ["UpdateProductLine"], 8)]
log = srv.log()[mark:]
check(log.count("write sent again alone") >= 1 and "deadlock detected" in log,
      "a deadlock was detected and the change that lost it sent again alone")
check(sizes.count(3) >= 4, "the six changes went as two batches of 3 (%s)" % sizes)
per_row = shared.sql("SELECT string_agg(n::text, ',' ORDER BY e) FROM (SELECT entity_id::bigint e,"
                     " count(*) n FROM audit_log WHERE tenant_id = %s AND action ="
                     " 'product_line.update' AND entity_id IN ('%d','%d','%d')"
                     " GROUP BY 1) s" % (tid2, x, y, z))
check(per_row == "2,2,2", "X, Y and Z each updated twice, as asked, none doubled (%s)" % per_row)
for c in a + b + [b1, b2]:
    c.close()

# ---------------- a COMMIT that fails after every statement went through ----------------
# A change alone commits at its pipeline's Sync, and a failure there was answered OK (a
# review). A deferred constraint trigger of the test's own makes the COMMIT fail for one code.
refused = "NOCOMMIT-" + RUN
shared.sql("CREATE FUNCTION wb_refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$"
           " BEGIN IF NEW.code = '%s' THEN RAISE EXCEPTION 'refused at commit'"
           " USING ERRCODE = 'check_violation'; END IF; RETURN NULL; END $$;"
           " CREATE CONSTRAINT TRIGGER wb_refuse_at_commit AFTER INSERT ON product_lines"
           " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION wb_refuse_at_commit()"
           % refused)
try:
    try:
        ten.admin.call("CreateProductLine", {"code": refused, "name": "Không bao giờ"})
        alone = "OK"
    except liaison.Error as e:
        alone = e.code_name
    # And in a batch: its COMMIT fails, and each change is sent again alone.
    clients = [ten.client() for _ in range(2)]
    lock = Locker(shared, [blocked])
    blockers = fill_pool(ten, shared, blocked)
    send_all(clients, [("CreateProductLine", {"code": refused, "name": "Lần nữa"}),
                       ("CreateProductLine", {"code": "OK-" + RUN, "name": "Được"})])
    check(all_queued(metrics_port, 2), "the two are queued behind the blockers")
    lock.release()
    batched = [outcome(c)[0] for c in clients]
    for c in clients + blockers:
        c.close()
finally:
    shared.sql("DROP TRIGGER wb_refuse_at_commit ON product_lines;"
               " DROP FUNCTION wb_refuse_at_commit()")
rows = shared.sql("SELECT string_agg(code, ',' ORDER BY code) FROM product_lines"
                  " WHERE tenant_id = %s AND code IN ('%s', 'OK-%s')" % (tid, refused, RUN))
check(alone != "OK" and batched[0] != "OK" and batched[1] == "OK" and rows == "OK-" + RUN,
      "a change whose COMMIT fails is refused, alone (%s) and in a batch (%s), and only the"
      " other change holds (%s)" % (alone, batched, rows))
ten.admin.close()
ten2.admin.close()
check(srv.stop(), "the server stops cleanly")
srv.pid = 0

# ---------------- PostgreSQL killed between the statements and the COMMIT ----------------
work = tempfile.mkdtemp(prefix="liaison-wbatch.")
os.chmod(work, 0o755)
os.makedirs(os.path.join(work, "pg"))
crash = os.path.join(HERE, "test_crash.sh")
cenv = dict(os.environ, CRASH_DIR=work)
pgport = w.free_port()
open(os.path.join(work, "pg.port"), "w").write(str(pgport))
saved = {k: os.environ[k] for k in ("LIAISON_TEST_DATABASE_URL", "LIAISON_TEST_MIGRATE_URL")}
own_srv = None
try:
    subprocess.run([os.path.join(ROOT, "deploy", "pgctl.sh"), "start", os.path.join(work, "pg"),
                    str(pgport)], check=True, env=dict(os.environ, PGCTL_FSYNC="on"),
                   stdout=subprocess.DEVNULL)
    pgbin = sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: int(v))[-1]
    own = Cluster(["runuser", "-u", "postgres", "--", "/usr/lib/postgresql/%s/bin/psql" % pgbin,
                   "-h", os.path.join(work, "pg"), "-p", str(pgport), "-d", "liaison",
                   "-v", "ON_ERROR_STOP=1", "-qAt"])
    check(own.sql("SHOW fsync") == "on", "the killed cluster runs with fsync on")
    base = "postgresql:///liaison?host=%s&port=%d&user=" % (os.path.join(work, "pg"), pgport)
    os.environ["LIAISON_TEST_DATABASE_URL"] = base + "liaison_app"
    os.environ["LIAISON_TEST_MIGRATE_URL"] = base + "liaison"
    lenv = dict(os.environ, LIAISOND_DATABASE_URL=base + "liaison", LIAISOND_TLS_CERT="x",
                LIAISOND_TLS_KEY="x")
    subprocess.run([LIAISOND, "migrate"], env=lenv, check=True, capture_output=True)
    own_op = subprocess.run([LIAISOND, "operator", "create", "wb-operator"], env=lenv,
                            check=True, capture_output=True, text=True).stdout.strip()
    own_srv = t.Server("write-batch-kill", LIAISOND, CLI, *SETTINGS)
    own_srv.wait_ready()
    held = HeldBatch(own_srv, own, own_op, "k", 1.5)
    pid = int(subprocess.run([crash, "pg-pid"], env=cenv, capture_output=True, text=True,
                             check=True).stdout.strip())
    os.kill(pid, signal.SIGKILL)
    got = [outcome(c)[0] for c in held.batch]
    check(got == ["UNAVAILABLE"] * 4, "every caller of the batch gets UNAVAILABLE: %s" % got)
    held.hold_last.release()
    held.check_one_batch()
    subprocess.run([crash, "pg-start"], env=cenv, check=True)
    held.check_nothing_left("after the restart", "once PostgreSQL is back")
    check(own_srv.stop(), "the server stops cleanly")
    own_srv = None

    # ------------- PostgreSQL frozen while a batch waits for its COMMIT -------------
    own_srv = t.Server("write-batch-freeze", LIAISOND, CLI,
                       *[x for x in SETTINGS if not x.startswith("request_timeout_ms")],
                       "request_timeout_ms = %d" % FREEZE_MS)
    own_srv.wait_ready()
    held = HeldBatch(own_srv, own, own_op, "z", 1.0)
    postmaster = int(open(os.path.join(work, "pg", "data", "postmaster.pid")).readline())
    frozen = [postmaster] + [int(k) for k in subprocess.run(
        ["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()]
    for pid in frozen:
        try:
            os.kill(pid, signal.SIGSTOP)
        except ProcessLookupError:
            pass  # a backend (of a psql session above, say) gone since pgrep listed it
    try:
        got = [outcome(c) for c in held.batch]
        took = time.monotonic() - held.sent
        # Past every deadline of the batch, and its backend's own lock_timeout.
        time.sleep(1.0)
    finally:
        for pid in frozen:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
    codes = [c for c, _ in got]
    check(codes == ["DEADLINE_EXCEEDED"] * 4,
          "every caller of the frozen batch gets DEADLINE_EXCEEDED: %s" % codes)
    check(took < FREEZE_MS / 1000 + 2.5, "... within the deadline of %d ms (all answered %.2f s"
          " after sending, PostgreSQL still frozen)" % (FREEZE_MS, took))
    check(all("deadline" in str(m) for _, m in got),
          "... each told its deadline passed (%s)" % (got[0][1],))
    held.hold_last.release()
    # What the resumed backend had still to read runs now: give it the time to.
    time.sleep(2.0)
    held.check_one_batch()
    held.check_nothing_left("after SIGCONT", "after SIGCONT")
    check(own_srv.stop(), "the server stops cleanly")
    own_srv = None
finally:
    if own_srv:
        own_srv.stop()
    os.environ.update(saved)
    subprocess.run([os.path.join(ROOT, "deploy", "pgctl.sh"), "stop", os.path.join(work, "pg")],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(work, ignore_errors=True)

t.finish("integration_write_batch")
