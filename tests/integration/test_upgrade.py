#!/usr/bin/python3
"""A rolling upgrade behind HAProxy, in a database of its own: two servers
of this release serve clients of the libliaison binding through the
balancer; server A is drained (SIGTERM), the next release's migration is
applied with `liaisond_next migrate` while B (this release) keeps serving
on the migrated schema, A comes back as the next release, then B is drained
and comes back as the next release. The clients' calls are reads and
creates with idempotency keys: none fails, none is made twice, and the
migration is applied once.

liaisond_next is this build with one more migration
(tests/integration/upgrade/9001_upgrade_probe.sql).

Usage: test_upgrade.py LIAISOND LIAISOND_NEXT CLI
"""
import os
import re
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "client-lib", "python"))
import liaison  # noqa: E402
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402

LIAISOND, NEXT, CLI = sys.argv[1:4]
os.environ.pop("LD_PRELOAD", None)
if "LIAISON_SERVER_ASAN_OPTIONS" in os.environ:
    os.environ["ASAN_OPTIONS"] = os.environ["LIAISON_SERVER_ASAN_OPTIONS"]
CA = w.env("LIAISON_TEST_CA")
PASSWORD = "correct horse battery staple"
RUN = str(int(time.time() * 1000) % 10**8)
DB = "liaison_upgrade_" + RUN
CLIENTS = 3


def in_db(url):
    return url.replace("postgresql:///liaison?", "postgresql:///%s?" % DB)


APP_URL, OWNER_URL = in_db(w.env("LIAISON_TEST_DATABASE_URL")), in_db(w.env("LIAISON_TEST_MIGRATE_URL"))
t.psql("CREATE DATABASE %s OWNER liaison" % DB)


def db(sql):
    """One statement in the upgrade's database, as the cluster's superuser."""
    cmd = w.env("LIAISON_TEST_PSQL").replace("-d liaison", "-d " + DB).split()
    p = subprocess.run(cmd + ["-U", "postgres", "-c", sql], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("psql: %s" % p.stderr)
    return p.stdout.strip()


def start(name, binary, port, mport, migrate):
    return t.Server(name, binary, CLI, "database_url = " + APP_URL,
                    "migrate_database_url = " + OWNER_URL,
                    "migrate_on_start = %s" % ("true" if migrate else "false"),
                    "metrics_listen = 127.0.0.1:%d" % mport, "idle_timeout_ms = 60000",
                    "drain_timeout_ms = 10000", port=port)


def wait_ready(mport, what):
    deadline = time.time() + 20
    while t.readyz(mport) != 200 and time.time() < deadline:
        time.sleep(0.1)
    t.check(t.readyz(mport) == 200, what)


def drain(server):
    """SIGTERM, then wait for the process to end (server.sh stop checks its log)."""
    os.kill(server.pid, signal.SIGTERM)
    t.check(server.stop(), "%s drained and stopped cleanly" % server.name)


ma, mb = w.free_port(), w.free_port()
a = start("up-a", LIAISOND, None, ma, True)
b = start("up-b", LIAISOND, None, mb, False)
lb = t.Balancer("up-haproxy", [("a", a.port, ma), ("b", b.port, mb)])
failures = []
stop = threading.Event()
counts = [0] * CLIENTS
created = [0] * CLIENTS
threads = []
try:
    wait_ready(ma, "A (this release) ready")
    wait_ready(mb, "B (this release) ready")
    time.sleep(1)
    operator = subprocess.run([LIAISOND, "--config", os.path.join(a.dir, "liaisond.conf"),
                               "operator", "create", "upgrader"], capture_output=True, text=True,
                              check=True, env=dict(os.environ, LIAISOND_DATABASE_URL=OWNER_URL)
                              ).stdout.strip()
    slug = "up-" + RUN
    with liaison.Client(lb.url, ca=CA, token=operator) as op:
        op.call("CreateTenant", {"slug": slug, "name": "Công ty Nâng Cấp — 段階的更新",
                                 "adminEmail": "admin@up.example", "adminPassword": PASSWORD})
    with liaison.Client(lb.url, ca=CA) as c:
        token = c.login(slug, "admin@up.example", PASSWORD)

    def client(n):
        try:
            c = liaison.Client(lb.url, ca=CA, token=token)
        except liaison.Error as e:
            failures.append("client %d: connect: %s" % (n, e))
            return
        i = 0
        with c:
            while not stop.is_set():
                i += 1
                key = "up-%s-%d-%d" % (RUN, n, i)
                try:
                    if i % 2 == 0:
                        c.call("CreateDistributor",
                               {"fields": {"name": "Đại lý %d-%d" % (n, i), "country": "JP",
                                           "timeZone": "Asia/Tokyo"}}, idempotency_key=key)
                        created[n] += 1
                    else:
                        c.call("ListDistributors", {"page": {"pageSize": 5}})
                    counts[n] += 1
                except liaison.Error as e:
                    failures.append("client %d call %d: %s %s" % (n, i, e.code_name, e))
                time.sleep(0.01)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for th in threads:
        th.start()
    time.sleep(2)

    # A: drained, the next release's migration, back as the next release.
    drain(a)
    out = subprocess.run([NEXT, "--config", os.path.join(a.dir, "liaisond.conf"), "migrate"],
                         capture_output=True, text=True)
    t.check(out.returncode == 0, "the next release's migrate: %s" % out.stderr.strip()[-200:])
    t.check(db("SELECT count(*) FROM information_schema.columns WHERE table_name = "
               "'distributors' AND column_name = 'upgrade_probe'") == "1",
            "the next release's migration is applied")
    b_lines = len(re.findall(r" tenant=%s " % slug, b.log()))
    time.sleep(2)
    t.check(len(re.findall(r" tenant=%s " % slug, b.log())) > b_lines,
            "B (this release) serves on the migrated schema")
    a = start("up-a", NEXT, a.port, ma, False)
    wait_ready(ma, "A (next release) ready")
    time.sleep(1)

    # B: likewise.
    drain(b)
    b = start("up-b", NEXT, b.port, mb, False)
    wait_ready(mb, "B (next release) ready")
    time.sleep(2)
    stop.set()
    for th in threads:
        th.join(60)
    print("# calls answered: %d (%s); failed: %d" % (sum(counts), counts, len(failures)))
    for f in failures[:10]:
        print("# " + f)
    t.check(not failures, "no call failed during the rolling upgrade")
    t.check(all(n > 0 for n in counts), "every client kept calling")
    made = int(db("SELECT count(*) FROM distributors d JOIN tenants t ON t.id = d.tenant_id "
                  "WHERE t.slug = '%s'" % slug))
    t.check(made == sum(created), "one distributor per keyed create (%d rows, %d creates)"
            % (made, sum(created)))
    t.check(db("SELECT count(*) FROM schema_migrations WHERE version = 9001") == "1",
            "the migration is recorded once")
finally:
    stop.set()
    for th in threads:
        th.join(60)
    lb.stop()
    t.check(a.stop(), "A stopped cleanly")
    t.check(b.stop(), "B stopped cleanly")
    t.psql("DROP DATABASE IF EXISTS %s" % DB)
t.finish("test_upgrade")
