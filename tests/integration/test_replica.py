#!/usr/bin/python3
"""Reads on a streaming standby (standby_database_url), on a primary and a
standby of the test's own (initdb, pg_basebackup -R, as the postgres user in
a fresh mktemp -d, unix sockets only):

- users' reads go to the standby (the server's counters, and a reader that
  does not see what the lagging standby has not replayed yet);
- tenants stay apart there: row-level security and the wall hold in a
  hot-standby transaction;
- a session reads its own writes, 200 times in a row, while the standby
  replays two seconds late (recovery_min_apply_delay); and through a
  second server at once, on a connection that carries the write's time
  (Frame.read_after_us), while a read on one without it misses the write;
- the standby stopped (pg_ctl stop -m immediate): reads go on, on the
  primary, with no failed call; started again: reads return to it, without
  restarting liaisond.

Run with Debian's /usr/bin/python3 and LIAISON_LIBRARY naming the built
libliaison.so.0 (tests/CMakeLists.txt sets both).

Usage: test_replica.py LIAISOND CLI
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "client-lib", "python"))
import liaison  # noqa: E402
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402

LIAISOND, CLI = sys.argv[1:3]
# The sanitizer's runtime is preloaded into this Python only (see test_binding.py).
os.environ.pop("LD_PRELOAD", None)
if "LIAISON_SERVER_ASAN_OPTIONS" in os.environ:
    os.environ["ASAN_OPTIONS"] = os.environ["LIAISON_SERVER_ASAN_OPTIONS"]
CA = w.env("LIAISON_TEST_CA")
PASSWORD = "correct horse battery staple"
PGCTL = os.path.join(ROOT, "deploy", "pgctl.sh")
PGBIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
               key=lambda p: int(p.split("/")[-2]))[-1]
DELAY_S = 2


def as_pg(*args, check=True):
    return subprocess.run(["runuser", "-u", "postgres", "--"] + list(args), check=check,
                          capture_output=True, text=True)


class Cluster:
    """A cluster in DIR/name (its socket there too) on its own port."""

    def __init__(self, top, name):
        self.dir = os.path.join(top, name)
        self.port = w.free_port()
        os.makedirs(self.dir)

    def url(self, user):
        return "postgresql:///liaison?host=%s&port=%d&user=%s" % (self.dir, self.port, user)

    def sql(self, statement, user="postgres", check=True):
        p = as_pg(os.path.join(PGBIN, "psql"), "-h", self.dir, "-p", str(self.port), "-U", user,
                  "-d", "liaison", "-v", "ON_ERROR_STOP=1", "-qAt", "-c", statement, check=False)
        if check and p.returncode != 0:
            raise RuntimeError("psql: %s" % p.stderr)
        return p.stdout.strip() if p.returncode == 0 else None

    def conf(self, line):
        with open(os.path.join(self.dir, "data", "postgresql.conf"), "a") as f:
            f.write(line + "\n")

    def start(self):
        subprocess.run([PGCTL, "start", self.dir, str(self.port)], check=True,
                       capture_output=True)

    def reload(self):
        as_pg(os.path.join(PGBIN, "pg_ctl"), "-D", os.path.join(self.dir, "data"), "reload")

    def stop_immediate(self):
        as_pg(os.path.join(PGBIN, "pg_ctl"), "-D", os.path.join(self.dir, "data"), "-m",
              "immediate", "-w", "stop")

    def stop(self):
        subprocess.run([PGCTL, "stop", self.dir], capture_output=True)


def metrics(port):
    """The server's counters and gauges by name and labels."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        m = re.match(r'^(liaison_standby_\w+(?:\{[^}]*\})?) (\S+)$', line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def standby_reads(port):
    return metrics(port).get('liaison_standby_reads_total{target="standby"}', 0)


def primary_reads(port):
    return metrics(port).get('liaison_standby_reads_total{target="primary"}', 0)


T0 = time.time()


def step(what):
    print("# %.1f s: %s" % (time.time() - T0, what), flush=True)


def wait_for(cond, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


top = tempfile.mkdtemp(prefix="liaison-replica.")
shutil.chown(top, "postgres", "postgres")
os.chmod(top, 0o755)
primary = Cluster(top, "primary")
standby = Cluster(top, "standby")
srv = None
try:
    # The primary: pgctl.sh's cluster (wal_level replica is PostgreSQL's default),
    # open to replication for the postgres user on its socket.
    primary.start()
    step("primary started")
    primary.conf("wal_level = replica")
    with open(os.path.join(primary.dir, "data", "pg_hba.conf"), "a") as f:
        f.write("local replication postgres peer map=liaison\n")
    primary.reload()
    env = dict(os.environ, LIAISOND_DATABASE_URL=primary.url("liaison"), LIAISOND_TLS_CERT="x",
               LIAISOND_TLS_KEY="x")
    subprocess.run([LIAISOND, "migrate"], env=env, check=True, capture_output=True)
    operator = subprocess.run([LIAISOND, "operator", "create", "replica-operator"], env=env,
                              check=True, capture_output=True, text=True).stdout.strip()
    step("migrated")
    # The standby: a base backup that streams from the primary (-R), its own port and socket.
    shutil.chown(standby.dir, "postgres", "postgres")
    as_pg(os.path.join(PGBIN, "pg_basebackup"), "-D", os.path.join(standby.dir, "data"), "-R",
          "-X", "stream", "-c", "fast", "-h", primary.dir, "-p", str(primary.port),
          "-U", "postgres")
    standby.conf("port = %d" % standby.port)
    standby.conf("unix_socket_directories = '%s'" % standby.dir)
    standby.conf("hot_standby = on")
    standby.start()
    step("standby started")
    t.check(standby.sql("SELECT pg_is_in_recovery()") == "t", "the standby is in recovery")

    def server(name, metrics_port):
        """A liaisond on the primary, reading on the standby."""
        return t.Server(name, LIAISOND, CLI, "database_url = %s" % primary.url("liaison_app"),
                        "migrate_database_url = %s" % primary.url("liaison"),
                        "standby_database_url = %s" % standby.url("liaison_app"),
                        "standby_max_lag_ms = 30000",
                        "metrics_listen = 127.0.0.1:%d" % metrics_port,
                        "idle_timeout_ms = 120000")

    mport = w.free_port()
    srv = server("replica", mport)
    srv.wait_ready()
    step("server ready")
    URL = "liaison://127.0.0.1:%d" % srv.port
    t.check(wait_for(lambda: metrics(mport).get("liaison_standby_up") == 1, 15),
            "the server polls the standby and finds it up")

    run = str(int(time.time() * 1000) % 10**8)
    with liaison.Client(URL, ca=CA, token=operator) as op:
        for slug, name in (("rep-vn-" + run, "Công ty Phụ tùng Ô tô Việt — 越"),
                           ("rep-jp-" + run, "株式会社レプリカ部品")):
            op.call("CreateTenant", {"slug": slug, "name": name,
                                     "adminEmail": "admin@%s.example" % slug,
                                     "adminPassword": PASSWORD})
    vn_slug, jp_slug = "rep-vn-" + run, "rep-jp-" + run

    def login(slug):
        with liaison.Client(URL, ca=CA) as c:
            return c.login(slug, "admin@%s.example" % slug, PASSWORD)

    writer_token = login(vn_slug)
    vn_writer = liaison.Client(URL, ca=CA, token=writer_token)
    vn_reader = liaison.Client(URL, ca=CA, token=login(vn_slug))
    jp = liaison.Client(URL, ca=CA, token=login(jp_slug))
    first = vn_writer.call("CreateDistributor", {"fields": {
        "name": "Nhà phân phối Hà Nội — đầu tiên", "country": "VN",
        "timeZone": "Asia/Ho_Chi_Minh"}})["distributor"]
    jp.call("CreateDistributor", {"fields": {"name": "東京販売株式会社", "country": "JP",
                                             "timeZone": "Asia/Tokyo"}})

    # --- reads go to the standby, tenants apart there ---
    t.check(wait_for(lambda: any(d["id"] == first["id"] for d in vn_reader.call(
        "ListDistributors", {}).get("distributors", [])), 10),
        "a read sees a row written by another session of the tenant once it is replayed")
    before = standby_reads(mport)
    for _ in range(20):
        names = [d["name"] for d in vn_reader.call("ListDistributors", {}).get("distributors", [])]
    t.check(standby_reads(mport) - before >= 20,
            "20 reads of a session that did not write went to the standby (%d)"
            % (standby_reads(mport) - before))
    t.check(names == ["Nhà phân phối Hà Nội — đầu tiên"],
            "the standby answers with the tenant's own rows, Vietnamese intact: %s" % names)
    # The other tenant's session wrote its distributor after the first one was
    # seen replayed: its reads stay on the primary until the standby has
    # replayed that write too, so they are tried again until they move.
    jp_seen = {}

    def jp_reads_on_standby():
        before = standby_reads(mport)
        jp_seen["names"] = [d["name"] for d in
                            jp.call("ListDistributors", {}).get("distributors", [])]
        try:
            jp.call("GetDistributor", {"id": first["id"]})
            jp_seen["other"] = "OK"
        except liaison.Error as e:
            jp_seen["other"] = e.code_name
        return standby_reads(mport) - before >= 2

    t.check(wait_for(jp_reads_on_standby, 10), "the other tenant's reads went to the standby too")
    jp_names, other = jp_seen["names"], jp_seen["other"]
    t.check(jp_names == ["東京販売株式会社"] and other == "NOT_FOUND",
            "on the standby another tenant's rows stay invisible (%s, Get: %s)" % (jp_names, other))
    t.check(standby.sql("SELECT count(*) FROM distributors", user="liaison_app") == "0",
            "on the standby, liaisond's role with no context sees no row")
    vn_id = primary.sql("SELECT id FROM tenants WHERE slug = '%s'" % vn_slug)
    forged = standby.sql("SELECT set_config('liaison.tenant_id', '%s', false),"
                         " set_config('liaison.role', 'tenant_admin', false);"
                         " SELECT count(*) FROM distributors" % vn_id, user="liaison_app")
    t.check(forged.splitlines()[-1] == "0",
            "on the standby a context set by hand shows no row (%s)" % forged.splitlines()[-1])

    before = standby_reads(mport)
    vn_reader.call("ExportCalendar", {"distributorId": first["id"]})
    t.check(standby_reads(mport) > before, "a calendar export in one answer reads on the standby")
    before = standby_reads(mport)
    parts = vn_reader.stream("ExportCalendar", {"distributorId": first["id"], "stream": True})
    t.check(parts and standby_reads(mport) == before,
            "a streamed calendar export (%d parts) reads on the primary" % len(parts))

    step("lag phase")
    # --- read your writes, with the standby two seconds behind ---
    standby.conf("recovery_min_apply_delay = '%ds'" % DELAY_S)
    standby.reload()
    time.sleep(0.5)
    failed_ryw = []
    before = standby_reads(mport)
    last = None
    for i in range(200):
        d = vn_writer.call("CreateDistributor", {"fields": {
            "name": "Đại lý Sài Gòn số %d — 代理店" % i, "country": "VN",
            "timeZone": "Asia/Ho_Chi_Minh"}})["distributor"]
        try:
            got = vn_writer.call("GetDistributor", {"id": d["id"]})["distributor"]
            if got["name"] != "Đại lý Sài Gòn số %d — 代理店" % i:
                failed_ryw.append((i, got["name"]))
        except liaison.Error as e:
            failed_ryw.append((i, e.code_name))
        last = d
    t.check(not failed_ryw, "the writer read each of its 200 writes right after it (%d missed: %s)"
            % (len(failed_ryw), failed_ryw[:5]))
    try:
        vn_reader.call("GetDistributor", {"id": last["id"]})
        lagged = "OK"
    except liaison.Error as e:
        lagged = e.code_name
    t.check(lagged == "NOT_FOUND" and standby_reads(mport) > before,
            "meanwhile another session's read, on the lagging standby, does not see the last "
            "write yet (%s): the writer's reads did not go there" % lagged)
    # A session made now is not on the standby yet: its first read fails there and is sent
    # again to the primary, unseen by the caller.
    retries = metrics(mport).get("liaison_standby_retries_total", 0)
    with liaison.Client(URL, ca=CA, token=login(vn_slug)) as fresh:
        try:
            fresh_names = len(fresh.call("ListDistributors", {"page": {"pageSize": 500}})
                              .get("distributors", []))
        except liaison.Error as e:
            fresh_names = e.code_name
    t.check(fresh_names == 201 and
            metrics(mport).get("liaison_standby_retries_total", 0) > retries,
            "a session made while the standby lags reads at once, through the primary (%s)"
            % fresh_names)
    # The gauge shows the delay once the oldest write the standby has not
    # replayed is a second old, and until the newest is replayed: the writes
    # above may span less than that, so it is watched for a moment.
    lag = [0]

    def lagging():
        lag[0] = metrics(mport).get("liaison_standby_lag_seconds", 0)
        return lag[0] >= 1

    t.check(wait_for(lagging, 2 * DELAY_S + 1), "the lag gauge shows the delay (%.3f s)" % lag[0])
    # The same session through a second server: its reads there carry the writer's time.
    written = vn_writer.read_after
    t.check(abs(written / 1e6 - time.time()) < 5,
            "an answer to a write carries its time (%.3f s ago)" % (time.time() - written / 1e6))
    mport2 = w.free_port()
    srv2 = server("replica-2", mport2)
    try:
        srv2.wait_ready()
        URL2 = "liaison://127.0.0.1:%d" % srv2.port
        t.check(wait_for(lambda: metrics(mport2).get("liaison_standby_up") == 1, 15),
                "a second server polls the standby too")
        # Two connections of the writer's session to the second server (a pool's,
        # say, or a portal's page each), reading on its standby.
        with liaison.Client(URL2, ca=CA, token=writer_token) as blind, \
                liaison.Client(URL2, ca=CA, token=writer_token) as carried:
            blind.call("ListDistributors", {})
            carried.call("ListDistributors", {})

            def blind_on_standby():
                b = standby_reads(mport2)
                blind.call("ListDistributors", {})
                return standby_reads(mport2) > b

            t.check(wait_for(blind_on_standby, 15),
                    "the second server's connections read on the standby")
            moved = vn_writer.call("CreateDistributor", {"fields": {
                "name": "Đại lý Đà Nẵng — chuyển máy chủ", "country": "VN",
                "timeZone": "Asia/Ho_Chi_Minh"}})["distributor"]
            carried.read_after = vn_writer.read_after
            before2 = standby_reads(mport2)
            try:
                carried_name = carried.call("GetDistributor", {"id": moved["id"]})[
                    "distributor"]["name"]
            except liaison.Error as e:
                carried_name = e.code_name
            on_primary = standby_reads(mport2) == before2
            # Without the time, the second server has no record of the write: a standby read.
            try:
                blind.call("GetDistributor", {"id": moved["id"]})
                blind_got = "OK"
            except liaison.Error as e:
                blind_got = e.code_name
            t.check(carried_name == "Đại lý Đà Nẵng — chuyển máy chủ" and on_primary,
                    "the session reads its write through the other server at once, on the "
                    "primary (%s)" % carried_name)
            t.check(blind_got == "NOT_FOUND" and standby_reads(mport2) > before2,
                    "while a read there without the write's time goes to the lagging standby "
                    "and misses it (%s)" % blind_got)
            older = carried.read_after
            carried.read_after = 1
            t.check(carried.read_after == older, "an older time given does not move it back")
    finally:
        t.check(srv2.stop(), "the second server stopped cleanly")
    standby.conf("recovery_min_apply_delay = 0")
    standby.reload()
    t.check(wait_for(lambda: any(x["id"] == last["id"] for x in vn_reader.call(
        "ListDistributors", {"page": {"pageSize": 500}}).get("distributors", [])), 20),
        "once replayed, the other session sees it too")

    # --- the standby stops: reads on the primary; it comes back: reads return ---
    step("standby stopping")
    standby.stop_immediate()
    failed = []
    before_primary = primary_reads(mport) + metrics(mport).get("liaison_standby_retries_total", 0)
    end = time.time() + 3
    n = 0
    while time.time() < end:
        for c in (vn_reader, jp):
            try:
                c.call("ListDistributors", {})
                n += 1
            except liaison.Error as e:
                failed.append(e.code_name)
        time.sleep(0.01)
    t.check(not failed, "no read failed while the standby stopped (%d answered, failed: %s)"
            % (n, failed[:5]))
    on_primary = (primary_reads(mport) + metrics(mport).get("liaison_standby_retries_total", 0)
                  - before_primary)
    t.check(on_primary >= n, "the reads went to the primary (%d of %d)" % (on_primary, n))
    t.check(metrics(mport).get("liaison_standby_up") == 0, "the standby is reported down")
    step("reads sent again to the primary after failing on the standby: %d"
         % metrics(mport).get("liaison_standby_retries_total", 0))
    standby.start()

    def back():
        b = standby_reads(mport)
        vn_reader.call("ListDistributors", {})
        return standby_reads(mport) > b

    t.check(wait_for(back, 30), "with the standby started again, reads return to it")
    log = srv.log()
    t.check(log.count("standby unreachable: reads go to the primary") == 1,
            "one log line when the standby went away")
    t.check(log.count("standby in use: reads go to it") == 2,
            "one log line each time it came into use (%d)"
            % log.count("standby in use: reads go to it"))
    for c in (vn_writer, vn_reader, jp):
        c.close()

    # Wrong settings: named.
    bad = os.path.join(top, "bad.conf")
    with open(bad, "w") as f:
        f.write("tls_cert = x\ntls_key = x\nstandby_max_lag_ms = 10\n")
    p = subprocess.run([LIAISOND, "--config", bad, "check-config"], capture_output=True,
                       text=True)
    t.check(p.returncode != 0 and "standby_max_lag_ms" in p.stderr,
            "a standby_max_lag_ms out of range is refused, named: %s" % p.stderr.strip()[-120:])
finally:
    if srv:
        t.check(srv.stop(), "the server stopped cleanly")
    standby.stop()
    primary.stop()
    shutil.rmtree(top, ignore_errors=True)
t.finish("test_replica")
