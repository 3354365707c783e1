"""What the Python integration tests share: TAP-like checks, psql as the
cluster's superuser, the CLI as a JSON-speaking caller, and a liaisond of a
test's own, started and stopped with server.sh (which fails the stop on any
sanitizer report or unclean exit)."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_wire as w  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_SH = os.path.join(HERE, "server.sh")
failures = []


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
        return self.cli("call", method, json.dumps(request), token=token)

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
