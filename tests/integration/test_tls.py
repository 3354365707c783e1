#!/usr/bin/env python3
"""The server's TLS as an outside scanner sees it: Debian's testssl.sh
against two liaisonds of the test's own, one with the defaults (TLS 1.3
only) and one with tls_min_version = 1.2, asserting on the findings of its
JSON output (protocols, cipher categories, forward secrecy, renegotiation,
compression); then operator authentication by client certificate with
operator_ca set: no certificate, one from another CA and an expired one are
refused, a valid one is an operator. Certificates are made here with
openssl.

testssl's own ClientHellos carry no ALPN, which liaisond requires
(proto/README.md), so every handshake would fail and every finding would
read "not offered" for the wrong reason. The test therefore runs a copy of
/usr/bin/testssl whose hand-made ClientHellos offer ALPN liaison/1 in
place of NPN, and an openssl wrapper that adds -alpn liaison/1 to each
s_client connection; it then insists that TLS 1.3 (and in the second run
TLS 1.2) is found offered, so a scan that cannot connect fails.

Usage: test_tls.py LIAISOND CLI
"""
import json
import os
import signal
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402

LIAISOND, CLI = sys.argv[1], sys.argv[2]
WORK = os.path.join(w.env("LIAISON_TEST_DIR"), "tls")
CA = w.env("LIAISON_TEST_CA")
CODE_UNAUTHENTICATED = 16
# testssl's NPN extension (type 0x3374, empty) is swapped for ALPN offering liaison/1.
NPN_LINE = '          33, 74, 00, 00"\n'
ALPN_LINE = '          00, 10, 00, 0c, 00, 0a, 09, 6c, 69, 61, 69, 73, 6f, 6e, 2f, 31"\n'
OPENSSL_WRAPPER = """#!/bin/sh
# openssl for testssl: every s_client connection offers ALPN liaison/1.
case " $* " in
*" s_client "*" -connect "*)
  case " $* " in *" -alpn "*) ;; *) set -- "$@" -alpn liaison/1 ;; esac ;;
esac
exec /usr/bin/openssl "$@"
"""


def run(*cmd, cwd=None):
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_ca(d, name):
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-days", "30", "-subj", "/CN=" + name, "-keyout", name + ".key",
        "-out", name + ".pem", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)


def make_operator_cert(d, ca, name, dates=None, cn="ops"):
    """A client certificate for the operator cn ("ops") signed by ca; dates
    (start, end as YYYYMMDDHHMMSSZ) give it a validity of the past."""
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-subj", "/CN=" + cn, "-keyout", name + ".key", "-out", name + ".csr", cwd=d)
    if dates is None:
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n")
        run("openssl", "x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey",
            ca + ".key", "-CAcreateserial", "-days", "30", "-extfile", name + ".ext",
            "-out", name + ".pem", cwd=d)
        return
    # `openssl x509` cannot back-date a certificate; `openssl ca` can.
    with open(os.path.join(d, "ca.cnf"), "w") as f:
        f.write("[ca]\ndefault_ca = sign\n[sign]\ndatabase = index.txt\nnew_certs_dir = .\n"
                "serial = serial\ndefault_md = sha256\npolicy = any\nunique_subject = no\n"
                "x509_extensions = client\n[any]\ncommonName = supplied\n"
                "[client]\nextendedKeyUsage = clientAuth\n"
                "keyUsage = critical,digitalSignature\n")
    open(os.path.join(d, "index.txt"), "w").close()
    with open(os.path.join(d, "serial"), "w") as f:
        f.write("1000\n")
    run("openssl", "ca", "-batch", "-config", "ca.cnf", "-cert", ca + ".pem", "-keyfile",
        ca + ".key", "-in", name + ".csr", "-out", name + ".pem", "-notext",
        "-startdate", dates[0], "-enddate", dates[1], cwd=d)


def scanner(d):
    """(testssl copy, openssl wrapper) offering ALPN liaison/1."""
    with open(shutil.which("testssl") or "/usr/bin/testssl") as f:
        src = f.read()
    t.check(src.count(NPN_LINE) == 1, "testssl's NPN extension found once, to offer ALPN instead")
    path = os.path.join(d, "testssl")
    with open(path, "w") as f:
        f.write(src.replace(NPN_LINE, ALPN_LINE))
    wrapper = os.path.join(d, "openssl")
    with open(wrapper, "w") as f:
        f.write(OPENSSL_WRAPPER)
    for p in (path, wrapper):
        os.chmod(p, os.stat(p).st_mode | stat.S_IXUSR)
    return path, wrapper


def testssl_start(tool, wrapper, port, name):
    """Starts testssl against 127.0.0.1:port: protocols, cipher categories,
    forward secrecy, renegotiation and compression only; no DNS, no
    phoning out. Its report goes to WORK/NAME.log."""
    out = os.path.join(WORK, name + ".json")
    if os.path.exists(out):
        os.unlink(out)
    cmd = [tool, "--quiet", "--color", "0", "--warnings", "batch", "--fast", "--nodns", "none",
           "--openssl", wrapper, "-p", "-s", "-f", "-R", "-C", "--jsonfile", out,
           "127.0.0.1:%d" % port]
    with open(os.path.join(WORK, name + ".log"), "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    return proc, out, time.monotonic()


def testssl_findings(scan, name):
    """The findings of a scan testssl_start began, as {id: (severity, finding)}."""
    proc, out, t0 = scan
    rc = proc.wait(timeout=1200)
    print("# testssl against %s: exit %d in %.0f s" % (name, rc, time.monotonic() - t0))
    with open(out) as f:
        findings = {x["id"]: (x["severity"], x["finding"]) for x in json.load(f)}
    for k in sorted(findings):
        print("#   %s: %s %s" % (k, findings[k][0], findings[k][1]))
    return findings


def not_offered(findings, ids, name):
    for i in ids:
        got = findings.get(i, ("", "missing"))[1]
        t.check(got.startswith("not offered"), "%s: %s not offered (%s)" % (name, i, got))


def common_findings(f, name):
    """What both profiles share: nothing below TLS 1.2 and no weak suites."""
    not_offered(f, ["SSLv2", "SSLv3", "TLS1", "TLS1_1"], name)
    not_offered(f, ["cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW",
                    "cipherlist_3DES_IDEA", "cipherlist_AVERAGE"], name)
    t.check(f.get("PFS", ("", ""))[1] == "offered", "%s: forward secrecy offered" % name)
    t.check(f.get("secure_client_renego", ("", ""))[0] == "OK",
            "%s: no client-initiated renegotiation (%s)" % (name, f.get("secure_client_renego")))
    t.check(f.get("secure_renego", ("", ""))[0] == "OK",
            "%s: renegotiation safe (%s)" % (name, f.get("secure_renego")))
    t.check(f.get("CRIME_TLS", ("", ""))[0] == "OK",
            "%s: no TLS compression (%s)" % (name, f.get("CRIME_TLS")))


def tls12_client(port, ciphers):
    """True when a TLS 1.2-only client offering ciphers completes a handshake."""
    ctx = w.tls_context(CA, tls12_only=True)
    ctx.set_ciphers(ciphers)
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s = ctx.wrap_socket(raw, server_hostname="localhost")
    except (ssl.SSLError, ConnectionError):
        return False
    version = s.version()
    s.close()
    return version == "TLSv1.2"


def operator_session(port, cert=None):
    """(Authenticate's code, ListTenants' code) on a connection presenting
    cert (a name under WORK), or None when the server ends the connection
    instead of answering: in TLS 1.3 the client's certificate is checked
    after the client has finished its side, so a refusal comes as an alert
    on the first read."""
    ctx = w.tls_context(CA)
    if cert:
        ctx.load_cert_chain(os.path.join(WORK, cert + ".pem"), os.path.join(WORK, cert + ".key"))
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s = ctx.wrap_socket(raw, server_hostname="localhost")
        s.sendall(w.hello() + w.authenticate(2, "") + w.frame(3, "ListTenants"))
        codes = {}
        for _ in range(3):
            rid, code, _, _ = w.recv_frame(s)
            codes[rid] = code
        s.close()
        return codes[2], codes[3]
    except (ssl.SSLError, ConnectionError, OSError):
        return None


os.makedirs(WORK, exist_ok=True)
make_ca(WORK, "operator-ca")
make_ca(WORK, "stranger-ca")
make_operator_cert(WORK, "operator-ca", "ops-valid")
make_operator_cert(WORK, "stranger-ca", "ops-stranger")
make_operator_cert(WORK, "operator-ca", "ops-expired", ("20240101000000Z", "20240102000000Z"))
make_operator_cert(WORK, "operator-ca", "ops-nobody", cn="nobody-" + str(os.getpid()))
TOOL, WRAPPER = scanner(WORK)
OPERATOR_CA = "operator_ca = %s" % os.path.join(WORK, "operator-ca.pem")

# Both servers are scanned at once: testssl is slow, mostly in bash itself,
# and on a loaded machine may take longer than server.sh's 1 s to send a
# ClientHello after connecting.
SLOW_SCANNER = "handshake_timeout_ms = 30000"
srv13 = t.Server("tls13", LIAISOND, CLI, OPERATOR_CA, SLOW_SCANNER)
srv12 = t.Server("tls12", LIAISOND, CLI, "tls_min_version = 1.2", SLOW_SCANNER)
try:
    srv13.wait_ready()
    srv12.wait_ready()
    scan13 = testssl_start(TOOL, WRAPPER, srv13.port, "tls13")
    scan12 = testssl_start(TOOL, WRAPPER, srv12.port, "tls12")

    # ---- defaults: TLS 1.3 only; operators by certificate ----
    t.check(not tls12_client(srv13.port, "ECDHE+AESGCM:ECDHE+CHACHA20"),
            "tls13: a TLS 1.2-only client is refused")
    t.check(operator_session(srv13.port, "ops-valid") == (0, 0),
            "an operator certificate from operator_ca authenticates and may list tenants")
    t.check(operator_session(srv13.port) == (CODE_UNAUTHENTICATED, CODE_UNAUTHENTICATED),
            "no certificate and no token: Authenticate and ListTenants are UNAUTHENTICATED")
    # The CLI by certificate: the operator's own works; one of a common name
    # no operator has is said as such, not "run liaison login".
    def cli_by_cert(name):
        return subprocess.run([CLI, "--cert", os.path.join(WORK, name + ".pem"),
                               "--key", os.path.join(WORK, name + ".key"),
                               "admin", "tenant", "list"],
                              capture_output=True, text=True, env=srv13.env, timeout=60)
    r = cli_by_cert("ops-valid")
    t.check(r.returncode == 0, "the CLI lists tenants with an operator certificate (%r)" % r.stderr)
    # A tenant user's session saved in the same profile is not sent with the certificate: it
    # was, and the server refused the operator's command as the user's (a try-out).
    slug = "tls-%d" % os.getpid()
    srv13.must("CreateTenant", {"slug": slug, "name": "TLS Thử nghiệm", "adminEmail":
                                "admin@tls.example", "adminPassword": "correct horse battery"},
               w.env("LIAISON_TEST_OPERATOR_TOKEN"))
    r = subprocess.run([CLI, "login", "--tenant", slug, "--email", "admin@tls.example",
                        "--password-stdin"], input="correct horse battery\n",
                       capture_output=True, text=True, env=srv13.env, timeout=60)
    t.check(r.returncode == 0, "a tenant admin logs in, its session saved (%r)" % r.stderr)
    r = cli_by_cert("ops-valid")
    # (Its first page only: the suite's other tests make many tenants.)
    t.check(r.returncode == 0 and r.stdout.startswith("SLUG"),
            "the CLI with --cert still lists tenants as the operator (%r)" % r.stderr)
    r = cli_by_cert("ops-nobody")
    t.check(r.returncode == 3 and "certificate identifies no operator" in r.stderr
            and "liaison login" not in r.stderr,
            "a certificate of no operator is said as such by the CLI (%d %r)"
            % (r.returncode, r.stderr))
    t.check(operator_session(srv13.port, "ops-stranger") is None,
            "a certificate (CN ops) from another CA is refused in the handshake")
    t.check(operator_session(srv13.port, "ops-expired") is None,
            "an expired certificate (CN ops) from operator_ca is refused in the handshake")
    f = testssl_findings(scan13, "tls13")
    t.check(f.get("TLS1_3", ("", ""))[1].startswith("offered"),
            "tls13: TLS 1.3 offered (the scan reached the server): %s" % (f.get("TLS1_3"),))
    not_offered(f, ["TLS1_2"], "tls13")
    common_findings(f, "tls13")

    # ---- tls_min_version = 1.2: TLS 1.2 with strong AEAD suites only ----
    t.check(tls12_client(srv12.port, "ECDHE+AESGCM:ECDHE+CHACHA20"),
            "tls12: a TLS 1.2-only client with AEAD suites is accepted")
    t.check(not tls12_client(srv12.port, "ECDHE+AES+SHA1:ECDHE+AES+SHA256:ECDHE+AES+SHA384"
                             ":-AESGCM"),
            "tls12: a TLS 1.2-only client offering only CBC suites is refused")
    f = testssl_findings(scan12, "tls12")
    t.check(f.get("TLS1_3", ("", ""))[1].startswith("offered"), "tls12: TLS 1.3 still offered")
    t.check(f.get("TLS1_2", ("", ""))[1].startswith("offered"),
            "tls12: TLS 1.2 offered: %s" % (f.get("TLS1_2"),))
    common_findings(f, "tls12")
    suites = f.get("PFS_ciphers", ("", ""))[1].split()
    t.check(suites and all(("GCM" in s or "CHACHA20" in s) and s.startswith("ECDHE")
                           for s in suites),
            "tls12: the suites found are ECDHE with AEAD only: %s" % " ".join(suites))

    # ---- operator_ca added by SIGHUP: certificates are taken without a restart ----
    # The key that lets the database believe this server's certificate check was registered
    # at start only, so after a reload every operator certificate was refused (a try-out).
    t.check(operator_session(srv12.port, "ops-valid") != (0, 0),
            "tls12, no operator_ca yet: an operator certificate is not taken")
    with open(os.path.join(srv12.dir, "liaisond.conf"), "a") as conf:
        conf.write(OPERATOR_CA + "\n")
    os.kill(srv12.pid, signal.SIGHUP)
    deadline, got = time.time() + 20, None
    while time.time() < deadline and got != (0, 0):
        time.sleep(0.2)
        got = operator_session(srv12.port, "ops-valid")
    t.check(got == (0, 0), "tls12: operator_ca added by SIGHUP, an operator certificate"
            " authenticates and may list tenants (%s)" % (got,))
finally:
    t.check(srv13.stop(), "tls13: liaisond stopped cleanly")
    t.check(srv12.stop(), "tls12: liaisond stopped cleanly")

t.finish("test_tls")
