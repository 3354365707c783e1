#!/usr/bin/env python3
"""Server life cycle on a server of its own: SIGHUP swaps the certificate
for new connections without dropping old ones; the log file survives a
copytruncate rotation; SIGTERM stops accepting,
lets in-flight requests finish and closes cleanly (server.sh stop checks
the clean exit)."""
import os
import pwd
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
from scratch_db import ScratchDatabase, role_of  # noqa: E402

PORT = int(w.env("LIAISON_TEST_LIFE_PORT"))
CA = w.env("LIAISON_TEST_CA")
DIR = os.path.join(w.env("LIAISON_TEST_DIR"), "life")
HERE = os.path.dirname(os.path.abspath(__file__))
PID = int(open(os.path.join(DIR, "pid")).read())
failures = []


def check(cond, what):
    print(("ok - " if cond else "not ok - ") + what)
    if not cond:
        failures.append(what)


def unix_forward(path, target):
    """A Unix socket at path whose connections are passed on to the socket target: a
    database that appears at path when this is called. Its listening socket, to close."""
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen(16)
    t.forward(listener, target)
    return listener


def session():
    s = w.connect(PORT, CA)
    s.sendall(w.hello())
    rid, code, msg, _ = w.recv_frame(s)
    assert code == 0, msg
    return s


# --- SIGHUP: a new certificate from a new CA ---
old = session()
newcerts = os.path.join(DIR, "newcerts")
subprocess.run([os.path.join(HERE, "..", "..", "deploy", "dev-certs.sh"), newcerts], check=True)
conf = os.path.join(DIR, "liaisond.conf")
text = open(conf).read()
text = text.replace(os.path.join(w.env("LIAISON_TEST_CERTS"), "server"),
                    os.path.join(newcerts, "server"))
open(conf, "w").write(text)
os.kill(PID, signal.SIGHUP)
deadline = time.monotonic() + 10
reloaded = False
while time.monotonic() < deadline and not reloaded:
    time.sleep(0.2)
    try:
        s = w.connect(PORT, os.path.join(newcerts, "ca.pem"))
        s.close()
        reloaded = True
    except Exception:  # noqa: BLE001 - still the old certificate
        pass
check(reloaded, "after SIGHUP new connections get the new certificate")
try:
    w.connect(PORT, CA)
    check(False, "the old CA no longer verifies new connections")
except Exception:  # noqa: BLE001
    check(True, "the old CA no longer verifies new connections")
old.sendall(w.ping(2, "old connection"))
rid, code, msg, payload = w.recv_frame(old)
check(code == 0 and w.decode_echo(payload) == "old connection",
      "connections made before SIGHUP keep working")

# --- the log rotated by logrotate's copytruncate (docs/operating.md, "Logs") ---
# liaisond writes to stderr, opened for appending: the file cut to zero
# starts again at its beginning, with no hole of NUL bytes where the old
# lines were. SIGHUP reloads; it reopens nothing and needs not.
LOG = os.path.join(DIR, "server.log")
check(b'msg="reloaded"' in open(LOG, "rb").read(), "SIGHUP's reload is logged")
os.truncate(LOG, 0)
os.kill(PID, signal.SIGHUP)
deadline = time.monotonic() + 10
while time.monotonic() < deadline and b'msg="reloaded"' not in open(LOG, "rb").read():
    time.sleep(0.1)
rotated = open(LOG, "rb").read()
check(rotated.startswith(b"ts=") and b"\0" not in rotated and b'msg="reloaded"' in rotated,
      "after copytruncate the log starts again at its first byte (%r)" % rotated[:80])


def reload_to(level):
    """SIGHUP with log_level = level; the reloaded line that came of it, or b"" in 10 s."""
    before = open(LOG, "rb").read().count(b'msg="reloaded"')
    open(conf, "w").write(re.sub(r"(?m)^log_level\s*=.*\n", "", base_conf)
                          + "log_level = %s\n" % level)
    os.kill(PID, signal.SIGHUP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [ln for ln in open(LOG, "rb").read().splitlines() if b'msg="reloaded"' in ln]
        if len(lines) > before:
            return lines[-1]
        time.sleep(0.1)
    return b""


# A reload to log_level = warn confirmed nothing: its own line was filtered out by the level
# it set (a try-out). It is written under the level before, or the one after.
base_conf = open(conf).read()
said = reload_to("warn")
check(said.endswith(b"log_level=warn"), "a reload to log_level = warn is confirmed (%r)" % said)
said = reload_to("info")
check(said.endswith(b"log_level=info"), "and one back to info (%r)" % said)

# --- check-config and a bad file at start: named, non-zero ---
if len(sys.argv) > 1:
    LIAISOND = sys.argv[1]
    certs = w.env("LIAISON_TEST_CERTS")

    def with_setting(line):
        path = os.path.join(DIR, "bad.conf")
        with open(path, "w") as f:
            f.write(open(conf).read() + "\n" + line + "\n")
        return path

    r = subprocess.run([LIAISOND, "--config", conf, "check-config"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0 and "configuration OK" in r.stdout,
          "check-config passes the running configuration (%r)" % r.stderr)

    # Certificates out of their time loaded without complaint, and every client then refused
    # the handshake (an operator's try-out): one that expired, one valid only from 2030.
    def certificate(name, start, end):
        import datetime
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
        key = ec.generate_private_key(ec.SECP256R1())
        who = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        cert = (x509.CertificateBuilder().subject_name(who).issuer_name(who)
                .public_key(key.public_key()).serial_number(1)
                .not_valid_before(datetime.datetime(*start)).not_valid_after(datetime.datetime(*end))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        path = os.path.join(DIR, name + ".pem")
        with open(path, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        return path

    expired = certificate("expired", (2020, 1, 1), (2020, 1, 2))
    early = certificate("early", (2030, 1, 1), (2031, 1, 1))
    for line, named in [
            ("tls_cert = " + expired,
             "tls_cert: cannot use %s: its certificate /CN=expired expired on 2020-01-02 00:00 UTC"
             % expired),
            ("tls_cert = " + early,
             "tls_cert: cannot use %s: its certificate /CN=early is not valid before 2030-01-01"
             % early),
            ("operator_ca = " + expired,
             "operator_ca: cannot use %s: its certificate /CN=expired expired on 2020-01-02"
             % expired),
            # A key where the certificate belongs is no "file without a PEM block".
            ("tls_cert = " + os.path.join(certs, "ca.key"),
             "tls_cert: cannot use %s: no certificate in it (a PEM "
             % os.path.join(certs, "ca.key")),
            # The reason in words, not OpenSSL's "error:80000002:system library::".
            ("tls_cert = /nonexistent/server.pem",
             "tls_cert: cannot use /nonexistent/server.pem: No such file or directory"),
            ("tls_cert = /etc/hostname",
             "tls_cert: cannot use /etc/hostname: no PEM block in it (no "),
            ("tls_cert = /etc", "tls_cert: cannot use /etc: it is a directory, not a PEM file"),
            ("tls_key = " + os.path.join(certs, "ca.key"),
             "tls_key: cannot use %s: it is not the key of the certificate in tls_cert"
             % os.path.join(certs, "ca.key")),
            ("tls_key = /etc/hostname",
             "tls_key: cannot use /etc/hostname: no private key in it that OpenSSL reads"),
            ("operator_ca = /nonexistent/ca.pem",
             "operator_ca: cannot use /nonexistent/ca.pem: No such file or directory"),
            ("standby_database_url = garbage==", "standby_database_url: not a libpq connection"),
            # libpq parses these only at connect: refused here, not retried forever.
            ("database_url = postgresql://db.example:5432:x/liaison",
             "database_url: port: not a port number from 1 to 65535 ('5432:x')"),
            ("migrate_database_url = host=/tmp port=abc dbname=liaison",
             "migrate_database_url: port: not a port number from 1 to 65535 ('abc')"),
            ("database_url = postgresql://db.example/liaison?sslmode=verify",
             "database_url: sslmode: one of disable, allow, prefer, require, verify-ca"),
            ("iso_codes_dir = /nonexistent", "/nonexistent/iso_3166-1.json"),
            ("metrics_listen = nothost", "metrics_listen: expected host:port"),
            ("metrics_listen = 127.0.0.1:99999",
             "metrics_listen: port 99999: not a port number from 1 to 65535"),
            ("metrics_listen = localhost:9469", "metrics_listen: \"localhost\" is not an IP"),
            # Said as "longer than 5 characters", where "trace" got the four words.
            ("log_level = verbose", "log_level: must be debug, info, warn or error")]:
        # serve reads metrics_listen only after its workers listen: check-config alone.
        for command in ("check-config",) if "metrics" in line else ("check-config", "serve"):
            # Not an address of this host: a serve that got past the check fails
            # to listen, without a port of its own to take.
            env = dict(os.environ, LIAISOND_LISTEN_HOST="192.0.2.1")
            r = subprocess.run([LIAISOND, "--config", with_setting(line), command],
                               capture_output=True, text=True, timeout=30, env=env)
            check(r.returncode != 0 and named in r.stderr,
                  "%s with '%s' stops, naming it (rc %d: %r)"
                  % (command, line, r.returncode, r.stderr[-300:]))

    # What serve would stop at, check-config stops at too (a listen_host it cannot
    # resolve passed as OK); a LIAISOND_ name that sets nothing is no silent no-op.
    for extra, named in (({"LIAISOND_LISTEN_HOST": "not a host"},
                          "listen_host not a host: Name or service not known"),
                         ({"LIAISOND_PROT": "1234"},
                          "environment LIAISOND_PROT: no such setting"),
                         ({"LIAISOND_port": "1234"},
                          "environment LIAISOND_port: in capitals, LIAISOND_PORT")):
        r = subprocess.run([LIAISOND, "--config", conf, "check-config"], capture_output=True,
                           text=True, timeout=30, env=dict(os.environ, **extra))
        check(r.returncode == 2 and named in r.stderr,
              "check-config with %s stops, naming it (rc %d: %r)"
              % (extra, r.returncode, r.stderr[-300:]))

    # A directory given for the file was "read error".
    r = subprocess.run([LIAISOND, "--config", DIR, "check-config"], capture_output=True,
                       text=True, timeout=30)
    check(r.returncode == 2 and "%s: a directory, not a configuration file" % DIR in r.stderr,
          "check-config --config DIRECTORY says so (%r)" % r.stderr)

    # Without --config no file is read: the refusal says so, rather than leave a
    # newcomer looking for the tls_cert line in a file liaisond never opened.
    r = subprocess.run([LIAISOND, "check-config"], capture_output=True, text=True, timeout=30,
                       env={k: v for k, v in os.environ.items()
                            if not k.startswith("LIAISOND_")})
    check(r.returncode == 2 and "tls_cert: must be set (no --config FILE given" in r.stderr
          and "liaisond.conf.sample" in r.stderr,
          "check-config without --config says no file was read (%r)" % r.stderr)

    # liaisond operator create: a name the table refuses, or one taken, is
    # said in words, without PostgreSQL's failing row (the new token's hash).
    # USER is the caller's to set: the audit names the account the process runs as (a review).
    def operator_create(name):
        return subprocess.run([LIAISOND, "--config", conf, "operator", "create", name],
                              capture_output=True, text=True, timeout=30,
                              env={k: v for k, v in os.environ.items() if k != "SUDO_USER"}
                              | {"USER": "mallory"})
    r = operator_create("Bad Name")
    check(r.returncode == 2 and "'Bad Name' is not an operator name: 1-63 of a-z" in r.stderr
          and "Failing row" not in r.stderr and not r.stdout,
          "operator create with a bad name says the rule, exit 2 as a usage error (%r)" % r.stderr)
    # A terminal escape in the name is shown, not sent to the operator's terminal.
    r = operator_create("a\x1b[31mb")
    check(r.returncode == 2 and "'a\\x1b[31mb' is not an operator name" in r.stderr
          and "\x1b" not in r.stderr, "and a control character in it is shown (%r)" % r.stderr)
    name = "life-op-%d" % os.getpid()
    r = operator_create(name)
    check(r.returncode == 0 and r.stdout.strip(), "operator create makes %s" % name)
    # Its standard output went to a file (dev-up.sh's var/operator.token): no
    # "token above" on a screen that shows none.
    check("above" not in r.stderr and "its token went to standard output" in r.stderr,
          "operator create into a file says where the token went (%r)" % r.stderr)
    r = operator_create(name)
    check(r.returncode == 1 and "an operator named '%s' exists already" % name in r.stderr
          and "DETAIL" not in r.stderr and not r.stdout,
          "operator create of a taken name says so (%r)" % r.stderr)
    # Making and revoking an operator are in the platform's audit log (an operator's try-out:
    # the most privileged acts were recorded nowhere), once each: the refused one is not.
    r = subprocess.run([LIAISOND, "--config", conf, "operator", "revoke", name],
                       capture_output=True, text=True, timeout=30)
    audited = t.psql("SELECT string_agg(action || ' ' || actor, ', ' ORDER BY id)"
                     " FROM platform_audit WHERE detail = 'operator %s'" % name)
    me = "host:" + pwd.getpwuid(os.getuid()).pw_name
    check(r.returncode == 0 and audited == "operator.create %s, operator.revoke %s" % (me, me),
          "operator create and revoke are audited, by the host's account (%s)" % audited)
    check("operator '%s' revoked" % name in r.stderr,
          "operator revoke says it was done, as create does (%r)" % r.stderr)
    # The app's role where the owner's belongs: PostgreSQL's "permission denied" named no
    # setting (an operator's try-out).
    r = subprocess.run([LIAISOND, "--config", conf, "operator", "create", name + "-x"],
                       capture_output=True, text=True, timeout=30,
                       env=dict(os.environ,
                                LIAISOND_MIGRATE_DATABASE_URL=w.env("LIAISON_TEST_DATABASE_URL")))
    check(r.returncode == 1 and "permission denied" in r.stderr
          and "migrate_database_url must connect as the role that owns the tables" in r.stderr,
          "operator create as the app's role names migrate_database_url (%r)" % r.stderr)
    r = subprocess.run([LIAISOND, "--config", conf, "operator", "list"],
                       capture_output=True, text=True, timeout=30)
    row = [ln.split() for ln in r.stdout.splitlines() if ln.startswith(name + " ")]
    check(r.returncode == 0 and r.stdout.startswith("NAME ") and len(row) == 1
          and len(row[0]) == 3 and row[0][2].endswith("Z"),
          "operator list shows the operator, revoked, with its times (%r)" % r.stdout[-300:])

    # A second liaisond on the running one's port is refused, not let in
    # beside it by SO_REUSEPORT to take half of its connections.
    try:
        r = subprocess.run([LIAISOND, "--config", conf, "serve"], capture_output=True, text=True,
                           timeout=20, env=dict(os.environ, LIAISOND_METRICS_LISTEN=""))
        check(r.returncode != 0 and "port: 127.0.0.1:%d is in use by another process (a "
              "liaisond left running, or another program): stop it, or set port to a free one"
              % PORT in r.stderr, "a second liaisond on the same port stops, naming it and what"
              " to do (%r)" % r.stderr[-300:])
        check('msg="stopping" reason="start failed"' in r.stderr and "signal=" not in r.stderr,
              "a start that failed says so when stopping, not that a signal came")
    except subprocess.TimeoutExpired:
        check(False, "a second liaisond on the same port stops (it served beside the first)")

    # liaisond as the tables' owner: row-level security would not bind it, and a sample
    # configuration once named the owner here, which ran without a word (a try-out).
    try:
        r = subprocess.run([LIAISOND, "--config", conf, "serve"], capture_output=True, text=True,
                           timeout=30, env=dict(os.environ, LIAISOND_METRICS_LISTEN="",
                                                LIAISOND_DATABASE_URL=w.env(
                                                    "LIAISON_TEST_MIGRATE_URL")))
        check(r.returncode == 1 and 'msg="start failed: database role"' in r.stderr
              and "database_url connects as role liaison, which owns table " in r.stderr
              and "e.g. user=liaison_app" in r.stderr,
              "serve refuses a database_url whose role owns the tables, naming them (%r)"
              % r.stderr[-400:])
    except subprocess.TimeoutExpired:
        check(False, "serve refuses a database_url whose role owns the tables (it served)")

    # The same role behind a database that is down at start: the role was not checked, and
    # the server served on as the owner once the database came back (a review). It is
    # checked again every 10 s, and the server stops then.
    proxy_dir = tempfile.mkdtemp(dir=DIR)
    m = re.search(r"host=([^&]+)&port=(\d+)", w.env("LIAISON_TEST_MIGRATE_URL"))
    late_url = w.env("LIAISON_TEST_MIGRATE_URL").replace("host=" + m.group(1),
                                                         "host=" + proxy_dir)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    p = subprocess.Popen([LIAISOND, "--config", conf, "serve"], stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, LIAISOND_METRICS_LISTEN="", LIAISOND_PORT=str(free),
                                  LIAISOND_DATABASE_URL=late_url,
                                  LIAISOND_SCHEDULER_INTERVAL_MS="0"))
    proxy = None
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and p.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", free), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        serving = p.poll() is None
        proxy = unix_forward(os.path.join(proxy_dir, ".s.PGSQL." + m.group(2)),
                             os.path.join(m.group(1), ".s.PGSQL." + m.group(2)))
        rc = p.wait(timeout=60)
        err = p.communicate(timeout=30)[1]
        check(serving and rc == 1 and 'msg="database role not checked"' in err
              and 'msg="database role refused"' in err
              and "database_url connects as role liaison, which owns table " in err
              and 'msg="stopping" reason="database role"' in err,
              "a role unchecked at start is checked once the database is back, and the server"
              " stops on the owner's (%s %r)" % (rc, err[-600:]))
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        check(False, "a role unchecked at start is checked once the database is back (it"
              " served on)")
    finally:
        if proxy:
            proxy.close()

    # A database that refuses the live events' connection is logged with its
    # reason whole: PostgreSQL's 'database "x" does not exist' was cut at its
    # first quote, leaving 'connection to server on socket '.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    nope = w.env("LIAISON_TEST_DATABASE_URL").replace("///liaison?", "///liaison_nope?")
    p = subprocess.Popen([LIAISOND, "--config", conf, "serve"], stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, LIAISOND_METRICS_LISTEN="", LIAISOND_PORT=str(free),
                                  LIAISOND_DATABASE_URL=nope, LIAISOND_SCHEDULER_INTERVAL_MS="0"))
    time.sleep(2)
    p.terminate()
    err = p.communicate(timeout=30)[1]
    events = [line for line in err.splitlines() if "live events: cannot listen" in line]
    check(events and 'database \\"liaison_nope\\" does not exist" attempts=1 retry_ms='
          in events[0], "the live events' connection failure is logged whole (%r)" % events[:1])
    # It was said again at every retry, 5 a second here: once a minute now.
    check(len(events) == 1, "and once, not at every retry (%d lines)" % len(events))

    # A role that becomes unfit while liaisond runs (here: made the owner of a table in a
    # database of this test's own): the start's check passed, and each connection the pools
    # made again afterwards served as it (a review). Each connection checks its role as it is
    # prepared: no request is served on one that fails, and service comes back when the role
    # is fit again, without a restart.
    db, p = ScratchDatabase("roleturn"), None
    try:
        rc, _, err = db.liaisond(LIAISOND, "migrate")
        check(rc == 0, "a scratch database migrates (%r)" % err[-300:])
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            free = sock.getsockname()[1]
        log = open(os.path.join(DIR, "roleturn.log"), "w+")
        p = subprocess.Popen([LIAISOND, "--config", conf, "serve"], stderr=log, text=True,
                             env=dict(os.environ, LIAISOND_METRICS_LISTEN="",
                                      LIAISOND_PORT=str(free), LIAISOND_DATABASE_URL=db.app_url,
                                      LIAISOND_MIGRATE_DATABASE_URL=db.migrate_url,
                                      LIAISOND_DB_RECONNECT_MS="100",
                                      LIAISOND_LOGIN_MAX_FAILURES="1000",
                                      LIAISOND_LOGIN_MAX_FAILURES_PER_ADDRESS="100000",
                                      LIAISOND_SCHEDULER_INTERVAL_MS="0"))

        def login_code():
            """The code a Login for a tenant that does not exist gets: the database's answer
            (UNAUTHENTICATED, 16) or none (UNAVAILABLE, 14)."""
            s = w.connect(free, os.path.join(newcerts, "ca.pem"))
            try:
                s.sendall(w.hello() + w.login(2, "no-such-tenant", "a@example.com", "x" * 12))
                w.recv_frame(s)
                return w.recv_frame(s)[1]
            finally:
                s.close()

        def codes_for(seconds):
            seen, until = [], time.monotonic() + seconds
            while time.monotonic() < until:
                try:
                    seen.append(login_code())
                except OSError:
                    seen.append(None)
                time.sleep(0.1)
            return seen

        deadline = time.monotonic() + 30
        first = None
        while time.monotonic() < deadline and first != 16:
            try:
                first = login_code()
            except OSError:
                time.sleep(0.2)
        check(first == 16, "a server on a scratch database answers a login (%r)" % first)
        db.psql(None, "CREATE TABLE role_turn (); ALTER TABLE role_turn OWNER TO %s;"
                " SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND usename = '%s'"
                % (role_of(db.app_url), role_of(db.app_url)))
        # A connection the loaded host refused (None) says nothing either way.
        seen = [c for c in codes_for(4) if c is not None]
        turned = seen.index(14) if 14 in seen else len(seen)
        check(turned < len(seen) and set(seen[turned:]) == {14} and p.poll() is None,
              "once its role owns a table, no connection serves: UNAVAILABLE from the first"
              " (%r)" % seen)
        log.seek(0)
        text = log.read()
        check('msg="database role refused"' in text
              and "database_url connects as role %s, which owns table role_turn"
              % role_of(db.app_url) in text,
              "the refused connection is logged with its reason (%r)" % text[-500:])
        # libpq wrote PostgreSQL's word on a terminated backend to stderr raw ("FATAL:
        # terminating connection ...") among the logfmt lines (a try-out).
        raw = [ln for ln in text.splitlines() if not ln.startswith("ts=")]
        check(not raw, "every line of the log is logfmt, PostgreSQL's notices too (%r)" % raw[:3])
        db.psql(None, "DROP TABLE role_turn")
        seen = [c for c in codes_for(3) if c is not None]
        check(seen and seen[-1] == 16 and 16 in seen[:15],
              "and service comes back when the role is fit again, without a restart (%r)" % seen)
        p.terminate()
        check(p.wait(timeout=30) == 0, "the server stops cleanly after")
        log.close()
    finally:
        if p and p.poll() is None:
            p.kill()
        db.drop()

    # --- deploy/liaisond.conf.sample: every setting, each value its default ---
    help_text = subprocess.run([LIAISOND, "--help"], capture_output=True, text=True).stdout
    defaults = {}
    for line in help_text.split("Settings", 1)[1].splitlines():
        m = re.match(r"^  ([a-z_0-9]+) ", line)
        if m:
            d = re.findall(r"\(default: ([^)]*)\)", line)
            defaults[m.group(1)] = d[-1] if d else ""
    sample = os.path.join(HERE, "..", "..", "deploy", "liaisond.conf.sample")
    # A comment speaks for the settings right under it, up to a blank line.
    in_sample, differ, comment, after_setting = {}, [], "", False
    for line in open(sample):
        line = line.strip()
        m = re.match(r"^#?\s*([a-z_0-9]+) =\s*(.*)$", line)
        if m:
            in_sample[m.group(1)] = (m.group(2), line.startswith("#"), comment)
            after_setting = True
        elif line.startswith("#"):
            comment = line if after_setting else comment + line
            after_setting = False
        else:
            comment, after_setting = "", False
    check(sorted(set(defaults) - set(in_sample)) == [],
          "the sample configuration names every setting (missing: %s)"
          % sorted(set(defaults) - set(in_sample)))
    check(sorted(set(in_sample) - set(defaults)) == [],
          "the sample configuration names only settings liaisond knows (%s)"
          % sorted(set(in_sample) - set(defaults)))
    for name, (value, commented, said) in sorted(in_sample.items()):
        if not commented and name in defaults and value != defaults[name] \
                and "default:" not in said:
            differ.append("%s = %s (default %s)" % (name, value, defaults[name]))
    check(differ == [], "a sample value that is not the default says so (%s)" % differ)
    env = dict(os.environ, LIAISOND_TLS_CERT=os.path.join(certs, "server.pem"),
               LIAISOND_TLS_KEY=os.path.join(certs, "server.key"))
    r = subprocess.run([LIAISOND, "--config", sample, "check-config"],
                       capture_output=True, text=True, timeout=30, env=env)
    check(r.returncode == 0, "check-config takes the sample configuration (%r)" % r.stderr)

# --- SIGTERM: drain ---
CA = os.path.join(newcerts, "ca.pem")
s = session()
s.sendall(w.ping(2, "in flight", delay_ms=800))
time.sleep(0.2)
os.kill(PID, signal.SIGTERM)
time.sleep(0.2)
try:
    w.connect(PORT, CA)
    check(False, "no new connections while draining")
except Exception:  # noqa: BLE001
    check(True, "no new connections while draining")
try:
    rid, code, msg, payload = w.recv_frame(s)
    check(rid == 2 and code == 0 and w.decode_echo(payload) == "in flight",
          "the in-flight request is answered after SIGTERM")
except Exception as e:  # noqa: BLE001
    check(False, "the in-flight request is answered after SIGTERM (%s)" % e)
check(w.closed_within(s, 5), "the drained connection is closed")
deadline = time.monotonic() + 15
while time.monotonic() < deadline:
    try:
        os.kill(PID, 0)
        time.sleep(0.1)
    except ProcessLookupError:
        break
log = open(os.path.join(DIR, "server.log")).read()
check('msg="stopped" clean=yes drained=yes' in log,
      "liaisond stopped with every handle closed, every answer sent")

if failures:
    print("lifecycle: FAILED")
    sys.exit(1)
print("lifecycle: all passed")
