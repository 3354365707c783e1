#!/usr/bin/python3
"""Two liaisond behind HAProxy (Debian's, TCP mode, health checks on each
server's /readyz): a session made through one server is valid on the
other; clients of the libliaison binding talking to the balancer's address
keep working, with no failed call, while one server is drained with
SIGTERM — their calls are reads and keyed creates, which the library sends
again on a new connection when one drops, and the balancer sends new
connections to the server that is still ready.

Run with Debian's /usr/bin/python3 and LIAISON_LIBRARY naming the built
libliaison.so.0 (tests/CMakeLists.txt sets both).

Usage: test_haproxy.py LIAISOND CLI
"""
import os
import re
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "client-lib", "python"))
import liaison  # noqa: E402
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402

LIAISOND, CLI = sys.argv[1:3]
# The sanitizer's runtime is preloaded into this Python only (see test_binding.py).
os.environ.pop("LD_PRELOAD", None)
if "LIAISON_SERVER_ASAN_OPTIONS" in os.environ:
    os.environ["ASAN_OPTIONS"] = os.environ["LIAISON_SERVER_ASAN_OPTIONS"]
CA = w.env("LIAISON_TEST_CA")
OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
PASSWORD = "correct horse battery staple"
RUN = str(int(time.time() * 1000) % 10**8)
CLIENTS = 4


def requests_of(server, slug):
    """Request lines of the tenant in the server's log."""
    return len(re.findall(r" tenant=%s " % re.escape(slug), server.log()))


ma, mb = w.free_port(), w.free_port()
a = t.Server("lb-a", LIAISOND, CLI, "metrics_listen = 127.0.0.1:%d" % ma,
             "idle_timeout_ms = 60000", "drain_timeout_ms = 10000")
b = t.Server("lb-b", LIAISOND, CLI, "metrics_listen = 127.0.0.1:%d" % mb,
             "idle_timeout_ms = 60000")
lb = t.Balancer("haproxy", [("a", a.port, ma), ("b", b.port, mb)])
LB = lb.url
failures = []
try:
    a.wait_ready()
    b.wait_ready()
    deadline = time.time() + 15
    while (t.readyz(ma), t.readyz(mb)) != (200, 200) and time.time() < deadline:
        time.sleep(0.1)
    t.check((t.readyz(ma), t.readyz(mb)) == (200, 200), "both servers ready")
    time.sleep(1)  # the balancer's checks see both up (rise 2 at 200 ms)

    slug = "lb-" + RUN
    op = liaison.Client(LB, ca=CA, token=OPERATOR)
    op.call("CreateTenant", {"slug": slug, "name": "Công ty Cân Bằng — 負荷分散",
                             "adminEmail": "admin@lb.example", "adminPassword": PASSWORD})
    op.close()
    with liaison.Client(LB, ca=CA) as c:
        token = c.login(slug, "admin@lb.example", PASSWORD)
    # The session is a row: each server accepts it, whichever made it.
    for s in (a, b):
        with liaison.Client("liaison://127.0.0.1:%d" % s.port, ca=CA, token=token) as c:
            me = c.call("WhoAmI", {}).get("identity", {})
            t.check(me.get("tenant") == slug and me.get("kind") == "session",
                    "the session made through the balancer is valid on %s" % s.name)

    stop = threading.Event()
    counts = [0] * CLIENTS

    def client(n):
        """Reads and keyed creates through the balancer until told to stop."""
        try:
            c = liaison.Client(LB, ca=CA, token=token)
        except liaison.Error as e:
            failures.append("client %d: connect: %s" % (n, e))
            return
        i = 0
        with c:
            while not stop.is_set():
                i += 1
                try:
                    if i % 3 == 0:
                        c.call("CreateDistributor",
                               {"fields": {"name": "Nhà phân phối %d-%d" % (n, i),
                                           "country": "VN", "timeZone": "Asia/Ho_Chi_Minh"}},
                               idempotency_key="lb-%s-%d-%d" % (RUN, n, i))
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
    on_a = requests_of(a, slug)
    t.check(on_a > 0 and requests_of(b, slug) > 0,
            "the balancer spreads the clients over both servers (a %d, b %d lines)"
            % (on_a, requests_of(b, slug)))
    os.kill(a.pid, signal.SIGTERM)
    time.sleep(3)
    b_before = requests_of(b, slug)
    time.sleep(1)
    t.check(requests_of(b, slug) > b_before, "the calls go on, on the server still up")
    stop.set()
    for th in threads:
        th.join(60)
    total = sum(counts)
    print("# calls answered: %d (%s); failed: %d" % (total, counts, len(failures)))
    for f in failures[:10]:
        print("# " + f)
    t.check(not failures, "no call failed while a server drained")
    t.check(all(n > 0 for n in counts), "every client kept calling")
    t.check(a.stop(), "the drained server stopped cleanly")
finally:
    lb.stop()
    t.check(b.stop(), "the other server stopped cleanly")
t.finish("test_haproxy")
