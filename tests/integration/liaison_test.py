"""What the Python integration tests share: TAP-like checks, psql as the
cluster's superuser, the CLI as a JSON-speaking caller, and a liaisond of a
test's own, started and stopped with server.sh (which fails the stop on any
sanitizer report or unclean exit)."""
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import liaison_wire as w  # noqa: E402

SERVER_SH = os.path.join(HERE, "server.sh")
failures = []

# With LIAISON_TEST_CALLS=library and LIAISON_LIBRARY (CTest sets both for
# the tests that make many calls), Cli.call() goes through libliaison over
# connections it keeps, one per caller, instead of one CLI process each: the
# same library call (liaison_call_json) and JSON that the CLI's "call" makes,
# without a process start, a TLS handshake and a sanitizer's exit scan for
# every set-up call. A sanitized library needs the sanitizer's runtime loaded
# first, so the test starts itself again with it preloaded
# (LIAISON_TEST_ASAN_RUNTIME), without leak checks of CPython itself; the
# CLI, psql and servers it starts run as in every other test.
_LIBRARY = (os.environ.get("LIAISON_TEST_CALLS") == "library"
            and os.environ.get("LIAISON_LIBRARY"))
_RUNTIME = os.environ.get("LIAISON_TEST_ASAN_RUNTIME")
_PRELOADED = os.environ.pop("LIAISON_TEST_PRELOADED", None)
if _LIBRARY and _RUNTIME and _PRELOADED != _RUNTIME:
    os.execve(sys.executable, sys.orig_argv,
              dict(os.environ, LD_PRELOAD=_RUNTIME, LIAISON_TEST_PRELOADED=_RUNTIME,
                   LIAISON_TEST_CHILD_ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", ""),
                   ASAN_OPTIONS="detect_leaks=0:abort_on_error=0"))
if _PRELOADED:
    os.environ.pop("LD_PRELOAD", None)
    os.environ["ASAN_OPTIONS"] = os.environ.pop("LIAISON_TEST_CHILD_ASAN_OPTIONS", "")
if _LIBRARY:
    sys.path.insert(0, os.path.join(HERE, "..", "..", "client-lib", "python"))
    import liaison  # noqa: E402
    from liaison import _native  # noqa: E402


def check(cond, what):
    print(("ok - " if cond else "not ok - ") + what)
    if not cond:
        failures.append(what)
    return cond


def finish(name):
    """Ends the test: exit status 1 when any check failed."""
    if failures:
        print("%s: FAILED (%d)" % (name, len(failures)))
        sys.exit(1)
    print("%s: all passed" % name)


def psql(sql):
    """One statement as the cluster's superuser; its output, or an exception."""
    p = subprocess.run(w.env("LIAISON_TEST_PSQL").split() + ["-U", "postgres", "-c", sql],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("psql: %s" % p.stderr)
    return p.stdout.strip()


def forward(listener, target):
    """Passes each connection the listening socket takes on to the Unix socket at target
    (a cluster's), both ways, on daemon threads, until the listener is closed."""
    def pump(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for x in (a, b):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def accept():
        while True:
            try:
                c, _ = listener.accept()
                u = socket.socket(socket.AF_UNIX)
                u.connect(target)
            except OSError:
                return
            threading.Thread(target=pump, args=(c, u), daemon=True).start()
            threading.Thread(target=pump, args=(u, c), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()


def while_held(body, run, seconds=3, after="SELECT 1"):
    """Runs body as the superuser in a transaction held open for seconds, then after, and
    run() meanwhile, once the session is seen holding: run()'s answer. Two writers meet
    this way every time, not by chance."""
    holder = subprocess.Popen(
        w.env("LIAISON_TEST_PSQL").split() + [
            "-U", "postgres", "-c",
            "BEGIN; %s; SELECT pg_sleep(%d), 'race-holder'; %s; COMMIT;" % (body, seconds, after)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        # The holder's own start may be slow on a loaded host: waited for while it runs.
        deadline, seen = time.time() + seconds + 30, False
        while time.time() < deadline and not seen and holder.poll() is None:
            seen = psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE"
                        " '%%''race-holder''%%' AND wait_event = 'PgSleep'") != "0"
            if not seen:
                time.sleep(0.05)
        # Not seen holding, run() would not meet it: the test would pass or fail by chance.
        check(seen, "the holding session was seen holding before the call")
        return run()
    finally:
        _, err = holder.communicate(timeout=seconds + 30)
        check(holder.returncode == 0, "the holding session committed (%s)" % err.strip())


class Cli:
    """The liaison CLI with --json against one server: (code, JSON) answers."""

    def __init__(self, path, url, home):
        self.path = path
        self.env = dict(os.environ, LIAISON_URL=url, LIAISON_CA=w.env("LIAISON_TEST_CA"),
                        HOME=home)
        self.env.pop("LIAISON_TOKEN", None)

    def cli(self, *args, token=None):
        cmd = [self.path, "--json"] + (["--token", token] if token else []) + list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=60)
        if p.returncode == 0:
            return "OK", json.loads(p.stdout) if p.stdout.strip() else {}
        try:
            err = json.loads(p.stderr.strip().splitlines()[-1])
            return err.get("code", "UNKNOWN"), err
        except (json.JSONDecodeError, IndexError):
            return "EXIT_%d" % p.returncode, p.stderr

    def call(self, method, request, token):
        if self._through_library(method, request, token):
            return self._library_call(method, request, token)
        return self.cli("call", method, json.dumps(request), token=token)

    # Kept connections: (thread, url, ca, token) -> [liaison.Client, last use]. A
    # libliaison handle is used by the thread that made it; the server closes a
    # connection idle for LIAISON_TEST_IDLE_MS, so one idle for most of that is
    # replaced before a call rather than risk a change racing the close.
    _kept = {}
    _kept_lock = threading.Lock()  # tests call from threads of their own too
    _KEPT_MAX = 16

    def _through_library(self, method, request, token):
        """Whether the library can answer as the CLI would: a method the CLI
        knows, a dict request, a token the CLI would send as it is, and
        nothing but --token and LIAISON_URL/LIAISON_CA choosing the caller
        (no saved session, profile or token in the environment)."""
        if not _LIBRARY or not isinstance(request, dict):
            return False
        if method not in liaison._schema.methods():
            return False  # the CLI's own "unknown method" is what is tested
        if token is not None and not re.fullmatch(r"[\x21-\x7e]{1,1024}", token):
            return False
        if any(k in self.env for k in ("LIAISON_TOKEN", "LIAISON_PROFILE", "XDG_CONFIG_HOME",
                                       "LIAISON_CERT", "LIAISON_KEY")):
            return False
        if token is None and os.path.exists(os.path.join(self.env["HOME"], ".config",
                                                         "liaison")):
            return False
        try:
            json.dumps(request, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return False  # a lone surrogate: the CLI's own refusal is what is tested
        return True

    # These change who the connection is (the server binds a Login's user to
    # it), which a CLI process's ends with it: they get a connection of their own.
    _IDENTITY_METHODS = ("Login", "Authenticate", "Logout")

    def _library_call(self, method, request, token):
        url, ca = self.env["LIAISON_URL"], self.env.get("LIAISON_CA")
        if method in Cli._IDENTITY_METHODS:
            kept = [liaison.Client(url, ca=ca, token=token, client_name="liaison-test"), 0]
            return self._library_call_on(kept, method, request)
        key = (threading.get_ident(), url, ca, token)
        stale = (int(os.environ.get("LIAISON_TEST_IDLE_MS", "1500")) - 600) / 1000.0
        with Cli._kept_lock:
            kept = Cli._kept.get(key)
            if kept is None or time.monotonic() - kept[1] > stale:
                if key not in Cli._kept and len(Cli._kept) >= Cli._KEPT_MAX:
                    del Cli._kept[min(Cli._kept, key=lambda k: Cli._kept[k][1])]
                kept = Cli._kept[key] = [liaison.Client(url, ca=ca, token=token,
                                                        client_name="liaison-test"), 0]
        return self._library_call_on(kept, method, request)

    @staticmethod
    def _library_call_on(kept, method, request):
        client = kept[0]
        lib, conn = client._lib, client._conn  # the raw call, as the CLI makes it
        if liaison.is_create(method):
            lib.liaison_set_idempotency_key(conn, None)  # a fresh key, as the CLI sends
        out = _native.ctypes.c_void_p()
        code = lib.liaison_call_json(conn, method.encode(),
                                     json.dumps(request, ensure_ascii=False).encode("utf-8"),
                                     _native.ctypes.byref(out))
        text = _native.take_string(lib, out)
        kept[1] = time.monotonic()
        if code == 0:
            return "OK", json.loads(text) if text else {}
        status = json.loads(text) if text else {
            "code": lib.liaison_code_name(code).decode(),
            "message": (lib.liaison_error(conn) or b"").decode("utf-8", "replace")}
        return status.get("code", "UNKNOWN"), status

    def must(self, method, request, token):
        code, out = self.call(method, request, token)
        if code == "ABORTED":
            # A concurrent change won (the server's scheduler works the same rows in the
            # background): nothing was written, and the answer is to try again, once.
            code, out = self.call(method, request, token)
        if code != "OK":
            raise RuntimeError("%s: %s %s" % (method, code, out))
        return out


class Server(Cli):
    """A liaisond of the test's own on a free port, one worker unless told."""

    def __init__(self, name, liaisond, cli, *settings, port=None):
        self.name = name
        self.port = port or w.free_port()
        os.environ["LIAISON_OWN_PORT"] = str(self.port)
        subprocess.run([SERVER_SH, "start", name, "LIAISON_OWN_PORT", liaisond, "workers = 1"]
                       + list(settings), check=True)
        self.dir = os.path.join(w.env("LIAISON_TEST_DIR"), name)
        self.pid = int(open(os.path.join(self.dir, "pid")).read())
        super().__init__(cli, "liaison://127.0.0.1:%d" % self.port, os.path.join(self.dir, "home"))

    def wait_ready(self, seconds=15):
        """Waits until GetHealth answers OK: liaisond listens before its database
        pool has connected, and answers UNAVAILABLE until then."""
        deadline = time.time() + seconds
        while self.call("GetHealth", {}, None)[0] != "OK" and time.time() < deadline:
            time.sleep(0.05)

    def stop(self):
        return subprocess.run([SERVER_SH, "stop", self.name]).returncode == 0

    def log(self):
        return open(os.path.join(self.dir, "server.log")).read()

    def session(self, token=None, source=None):
        """A raw connection after Hello (and Authenticate with token)."""
        s = w.connect(self.port, w.env("LIAISON_TEST_CA"), source=source)
        s.sendall(w.hello())
        _, code, msg, _ = w.recv_frame(s)
        assert code == 0, msg
        if token:
            s.sendall(w.authenticate(2, token))
            _, code, msg, _ = w.recv_frame(s)
            assert code == 0, msg
        return s


def readyz(port):
    """The status of a server's /readyz on its metrics port (0: no answer)."""
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/readyz" % port, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


class Balancer:
    """Debian's HAProxy in TCP mode in front of servers given as
    (name, port, metrics_port), each checked on its /readyz; a connection
    the chosen server refuses goes to another (option redispatch 1)."""

    def __init__(self, name, backends):
        self.port = w.free_port()
        self.url = "liaison://127.0.0.1:%d" % self.port
        d = os.path.join(w.env("LIAISON_TEST_DIR"), name)
        os.makedirs(d, exist_ok=True)
        cfg = os.path.join(d, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write("global\n    maxconn 1000\n"
                    "defaults\n    mode tcp\n    timeout connect 2s\n    timeout client 60s\n"
                    "    timeout server 60s\n    retries 3\n    option redispatch 1\n"
                    "frontend liaison\n    bind 127.0.0.1:%d\n    default_backend liaisond\n"
                    "backend liaisond\n    balance roundrobin\n    option httpchk\n"
                    "    http-check send meth GET uri /readyz\n"
                    "    default-server inter 200ms fall 1 rise 2\n" % self.port)
            for n, port, mport in backends:
                f.write("    server %s 127.0.0.1:%d check port %d\n" % (n, port, mport))
        self.log = open(os.path.join(d, "haproxy.log"), "w")
        self.proc = subprocess.Popen(["haproxy", "-f", cfg, "-db"], stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
