#!/usr/bin/env python3
"""Migration checksums (issue 14), on a database of the test's own: every
applied migration's SHA-256 (of its file in server/migrations) is recorded
in schema_migrations; a database migrated before checksums were kept gets
them recorded on upgrade; and when an applied migration's text no longer
matches its record, `liaisond migrate` and `liaisond serve` (migrating at
start or not) refuse, naming the migration, and apply nothing."""
import glob
import hashlib
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
import scratch_db  # noqa: E402
from liaison_test import check  # noqa: E402

LIAISOND = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
FILES = sorted(glob.glob(os.path.join(HERE, "..", "..", "server", "migrations", "[0-9]*_*.sql")))
EXPECTED = {}
for f in FILES:
    base = os.path.basename(f)
    EXPECTED[int(base[:4])] = hashlib.sha256(open(f, "rb").read()).hexdigest()
LAST = max(EXPECTED)
DIR = os.path.join(w.env("LIAISON_TEST_DIR"), "migrations")
os.makedirs(DIR, exist_ok=True)


def recorded(db):
    rows = db.psql(None, "SELECT version, coalesce(checksum, '') FROM schema_migrations")
    return {int(v): s for v, s in (line.split("|") for line in rows.splitlines())}


def serve(db, name, migrate_on_start, seconds=60):
    """Starts liaisond on db; returns (exit code or None if it kept running
    and was stopped with SIGTERM, its log)."""
    conf = os.path.join(DIR, name + ".conf")
    log = os.path.join(DIR, name + ".log")
    certs = w.env("LIAISON_TEST_CERTS")
    with open(conf, "w") as f:
        f.write("port = %d\n" % w.free_port())
        f.write("tls_cert = %s/server.pem\ntls_key = %s/server.key\n" % (certs, certs))
        f.write("database_url = %s\n" % db.app_url)
        if migrate_on_start:
            # Without it, the check runs as liaisond's own role, which only reads.
            f.write("migrate_database_url = %s\n" % db.migrate_url)
        f.write("migrate_on_start = %s\n" % ("true" if migrate_on_start else "false"))
        f.write("workers = 1\ndb_pool_size = 2\ndrain_timeout_ms = 2000\n")
    with open(log, "w") as out:
        p = subprocess.Popen([LIAISOND, "--config", conf, "serve"], stdout=out,
                             stderr=subprocess.STDOUT)
    deadline = time.time() + seconds
    code = None
    while time.time() < deadline:
        code = p.poll()
        if code is not None or 'msg="listening"' in open(log).read():
            break
        time.sleep(0.1)
    if code is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return code, open(log).read()


db = scratch_db.ScratchDatabase("migrations")
try:
    rc, out, err = db.liaisond(LIAISOND, "migrate")
    check(rc == 0 and "migrations applied: %d" % len(EXPECTED) in out,
          "a fresh database is migrated (%s)" % out.strip())
    check(recorded(db) == EXPECTED,
          "each applied migration's recorded checksum is the SHA-256 of its file")

    # A database migrated by a build that kept no checksums.
    db.psql(None, "ALTER TABLE schema_migrations DROP COLUMN checksum")
    rc, out, err = db.liaisond(LIAISOND, "migrate")
    check(rc == 0 and "migrations applied: 0" in out, "an upgrade applies nothing (%s)" % out)
    check(recorded(db) == EXPECTED, "... and records the checksum of every applied migration")
    check(err.count('msg="migration checksum recorded"') == len(EXPECTED),
          "... saying so for each (%d)" % err.count("checksum recorded"))
    rc, out, err = db.liaisond(LIAISOND, "migrate")
    check(rc == 0 and "checksum recorded" not in err, "a second run records nothing again")

    code, log = serve(db, "verified", False)
    check(code is None and 'msg="listening"' in log,
          "liaisond serves when every checksum matches, without migrating at start")
    check('msg="stopped" clean=yes' in log, "... and stops cleanly")
    check(not any(s in log for s in ("AddressSanitizer", "LeakSanitizer", "runtime error:")),
          "... with no sanitizer report")

    # 0003's text "changed" after it was applied; the last migration is
    # made pending again (it is idempotent) to see that nothing is applied.
    db.psql(None, "UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE version = 3")
    db.psql(None, "DELETE FROM schema_migrations WHERE version = %d" % LAST)
    rc, out, err = db.liaisond(LIAISOND, "migrate")
    print("# " + err.strip().splitlines()[-1] if err.strip() else "# (no stderr)")
    check(rc == 1, "liaisond migrate fails on a changed migration (exit %d)" % rc)
    check("migration 0003_charter.sql was changed after it was applied" in err
          and EXPECTED[3] in err and "0" * 64 in err,
          "... naming it, with the recorded and the build's checksums")
    check(LAST not in recorded(db),
          "... and applies no pending migration")

    for migrate_on_start in (True, False):
        name = "refused-%s" % ("migrating" if migrate_on_start else "verifying")
        code, log = serve(db, name, migrate_on_start)
        check(code == 1, "liaisond serve (migrate_on_start = %s) refuses to start (exit %s)"
              % (migrate_on_start, code))
        check('msg="start failed: migrations"' in log and "0003_charter.sql was changed" in log
              and 'msg="listening"' not in log, "... and says why: %s"
              % (log.strip().splitlines()[-1] if log.strip() else ""))

    db.psql(None, "UPDATE schema_migrations SET checksum = '%s' WHERE version = 3" % EXPECTED[3])
    rc, out, err = db.liaisond(LIAISOND, "migrate")
    check(rc == 0 and "migrations applied: 1" in out,
          "restored, the pending migration is applied (%s)" % out.strip())
    check(recorded(db) == EXPECTED, "... and every checksum matches")

    # A migration of a newer release (a rolling upgrade's older server restarting), or one whose
    # file was removed: said, not refused.
    db.psql(None, "INSERT INTO schema_migrations (version, name, checksum) VALUES "
            "(9998, 'from_the_next_release', repeat('a', 64))")
    rc, out, err = db.liaisond(LIAISOND, "migrate")
    check(rc == 0 and "migrations applied: 0" in out
          and 'msg="applied migration unknown to this build" version=9998 '
              'name=from_the_next_release' in err,
          "an applied migration this build lacks is named in a warning, and migrate goes on "
          "(%d %r)" % (rc, err.strip()[-300:]))
    code, log = serve(db, "newer-schema", False)
    check(code is None and "version=9998" in log and 'msg="listening"' in log,
          "... and liaisond serves on the newer schema, saying so")
    db.psql(None, "DELETE FROM schema_migrations WHERE version = 9998")

    # A line retired before 0162 kept its products live (a review): 0174 retires them at the
    # line's instant, as reinstating the line takes them, and leaves one retired on its own.
    db.psql(None, "INSERT INTO tenants (slug, name) VALUES ('old-lines', 'Dòng cũ');"
            " INSERT INTO product_lines (tenant_id, code, name, retired_at)"
            " SELECT id, 'OLD', 'Phanh cũ', '2026-05-01T00:00:00Z' FROM tenants"
            " WHERE slug = 'old-lines';"
            " INSERT INTO products (tenant_id, sku, product_line_id, name, unit, retired_at)"
            " SELECT l.tenant_id, x.sku, l.id, 'Má phanh', 'hộp', x.at::timestamptz"
            " FROM product_lines l CROSS JOIN (VALUES ('OLD-1', NULL), ('OLD-2',"
            " '2026-02-01T00:00:00Z')) x (sku, at) WHERE l.code = 'OLD';"
            " DELETE FROM schema_migrations WHERE version = 174")
    rc, out, err = db.liaisond(LIAISOND, "migrate")
    got = db.psql(None, "SELECT string_agg(sku || '=' || to_char(retired_at AT TIME ZONE 'UTC',"
                  " 'YYYY-MM-DD'), ',' ORDER BY sku) FROM products WHERE sku LIKE 'OLD-%'")
    check(rc == 0 and "migrations applied: 1" in out
          and got.strip() == "OLD-1=2026-05-01,OLD-2=2026-02-01",
          "0174 retires a retired line's live products at its instant (%s %s)"
          % (out.strip(), got.strip()))
finally:
    db.drop()

t.finish("migrations")
