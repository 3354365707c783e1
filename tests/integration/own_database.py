#!/usr/bin/env python3
"""Runs a test on a database of its own in the suite's cluster, migrated by
the liaisond under test, with an operator and (unless --no-server) a
liaisond of its own serving it, set up as the suite's shared server is.

A test that fixes the service clock, empties login_throttle or runs the
scheduler's jobs changes what every process on its database sees; on a
database of its own it runs beside the others instead of alone. The test
finds its service where tests/run's environment says, so it runs unchanged:
LIAISON_TEST_DATABASE_URL, _MIGRATE_URL, _PSQL, _OPERATOR_TOKEN, _PORT and
_URL name its own. Its exit status is the test's, or 1 when its server
does not stop cleanly (server.sh stop: sanitizer reports, a dirty stop).

Usage: own_database.py TAG LIAISOND [--no-server] [--setting "K = V"]...
       -- COMMAND [ARG...]"""
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_wire as w  # noqa: E402
import scratch_db  # noqa: E402

SERVER_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "server.sh")


def usage(why):
    sys.stderr.write("own_database.py: %s\n%s\n" % (why, __doc__.split("Usage: ")[1]))
    sys.exit(2)


def parse(argv):
    if "--" not in argv:
        usage("no -- before the test's command")
    split = argv.index("--")
    head, command = argv[:split], argv[split + 1:]
    if len(head) < 2 or not command:
        usage("a tag, liaisond and a command are needed")
    tag, liaisond, rest = head[0], head[1], head[2:]
    serve, settings = True, []
    while rest:
        opt = rest.pop(0)
        if opt == "--no-server":
            serve = False
        elif opt == "--setting" and rest:
            settings.append(rest.pop(0))
        else:
            usage("unknown option %r" % opt)
    return tag, liaisond, serve, settings, command


def own_psql(psql, name):
    """tests/run's psql command line with -d naming database name."""
    words = psql.split()
    if "-d" not in words:
        raise SystemExit("own_database.py: LIAISON_TEST_PSQL names no -d database")
    words[words.index("-d") + 1] = name
    return " ".join(words)


def main():
    tag, liaisond, serve, settings, command = parse(sys.argv[1:])
    # A timeout's SIGTERM (ctest) still stops the server and drops the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    db = scratch_db.ScratchDatabase(tag)
    server = None
    try:
        rc, out, err = db.liaisond(liaisond, "migrate")
        if rc != 0:
            sys.stderr.write("own_database.py: migrating %s failed:\n%s%s" % (db.name, out, err))
            return 1
        rc, token, err = db.liaisond(liaisond, "operator", "create", "test-operator")
        if rc != 0 or not token.strip():
            sys.stderr.write("own_database.py: no operator in %s:\n%s" % (db.name, err))
            return 1
        env = dict(os.environ, LIAISON_TEST_DATABASE_URL=db.app_url,
                   LIAISON_TEST_MIGRATE_URL=db.migrate_url,
                   LIAISON_TEST_PSQL=own_psql(os.environ["LIAISON_TEST_PSQL"], db.name),
                   LIAISON_TEST_OPERATOR_TOKEN=token.strip())
        if serve:
            port = w.free_port()
            env.update(LIAISON_TEST_PORT=str(port),
                       LIAISON_TEST_URL="liaison://127.0.0.1:%d" % port)
            server = "own-%s" % tag
            if subprocess.run([SERVER_SH, "start", server, "LIAISON_TEST_PORT", liaisond]
                              + settings, env=env).returncode != 0:
                server = None
                return 1
        rc = subprocess.run(command, env=env).returncode
        if server:
            stopped = subprocess.run([SERVER_SH, "stop", server], env=env).returncode == 0
            server = None
            if not stopped:
                sys.stderr.write("own_database.py: the test's server did not stop cleanly\n")
                return rc or 1
        return rc
    finally:
        if server:
            subprocess.run([SERVER_SH, "stop", server])
        db.drop()


if __name__ == "__main__":
    sys.exit(main())
