#!/usr/bin/env python3
"""The metrics endpoint and the probes: a liaisond of its own serves
/metrics, /livez and /readyz on metrics_listen. The scrape parses as
Prometheus text (Debian's prometheus_client parser), and its figures move
with what the test does: requests by method and code, TLS handshakes ok and
failed, rate-limit refusals, connections by phase, the pool. A second
server whose PostgreSQL is unreachable is live but not ready; a bad
metrics_listen stops the start with a message naming it.

Usage: test_metrics.py LIAISOND CLI
"""
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402

LIAISOND, CLI = sys.argv[1:3]


def get(port, path, method="GET"):
    """(status, body) of one plain HTTP request to the metrics port."""
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def scrape(port):
    """{(name, frozenset(labels)): value} of one scrape, parsed strictly."""
    status, body = get(port, "/metrics")
    assert status == 200, (status, body)
    out = {}
    for fam in text_string_to_metric_families(body):
        for s in fam.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(m, name, **labels):
    return m.get((name, frozenset(labels.items())), 0)


mport = w.free_port()
srv = t.Server("metrics", LIAISOND, CLI, "metrics_listen = 127.0.0.1:%d" % mport,
               "address_rate = 2", "address_burst = 4", "scheduler_interval_ms = 200")
try:
    srv.wait_ready()
    deadline = time.time() + 10
    while get(mport, "/readyz")[0] != 200 and time.time() < deadline:
        time.sleep(0.1)
    status, body = get(mport, "/readyz")
    t.check(status == 200 and body.strip() == "ok", "ready once PostgreSQL is up: %d %r"
            % (status, body))
    status, body = get(mport, "/livez")
    t.check(status == 200 and body.strip() == "ok", "live: %d %r" % (status, body))

    before = scrape(mport)
    ok_before = value(before, "liaison_requests_total", method="GetHealth", code="OK")
    # Before authentication, calls share the address's bucket: 4 at once, then
    # 2 a second. Hello took one; ten calls sent at once find three left.
    s = srv.session()
    s.sendall(b"".join(w.frame(10 + i, "GetHealth") for i in range(10)))
    codes = [w.recv_frame(s)[1] for _ in range(10)]
    s.close()
    n_ok, n_limited = codes.count(0), codes.count(8)
    print("# GetHealth x10 at once: %d OK, %d RESOURCE_EXHAUSTED" % (n_ok, n_limited))
    t.check(n_ok >= 1 and n_limited >= 5, "the address limit refused most of them")
    time.sleep(2.5)
    # A client that is not TLS at all: its handshake fails.
    s = socket.create_connection(("127.0.0.1", srv.port))
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    s.settimeout(5)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()
    # A connection held open after Hello counts as ready while it lasts.
    held = srv.session()

    m = scrape(mport)
    t.check(value(m, "liaison_requests_total", method="GetHealth", code="OK") - ok_before == n_ok,
            "requests_total{GetHealth,OK} grew by the calls answered OK (%d)" % n_ok)
    t.check(value(m, "liaison_requests_total", method="GetHealth", code="RESOURCE_EXHAUSTED")
            >= n_limited, "requests_total counts the refusals under their code")
    t.check(value(m, "liaison_rate_limited_total", scope="address") >= n_limited,
            "rate_limited_total{address} counts the refusals")
    count = value(m, "liaison_request_duration_seconds_count", method="GetHealth")
    inf = value(m, "liaison_request_duration_seconds_bucket", method="GetHealth", le="+Inf")
    t.check(count > 0 and count == inf, "the duration histogram's count is its +Inf bucket (%s)"
            % count)
    t.check(value(m, "liaison_tls_handshakes_total", result="failed") >= 1,
            "a plain-text client counted as a failed handshake")
    t.check(value(m, "liaison_tls_handshakes_total", result="ok") >= 2,
            "the sessions' handshakes counted")
    t.check(value(m, "liaison_connections", phase="ready") >= 1,
            "the held connection is counted ready")
    t.check(value(m, "liaison_db_pool_connections", state="up") >= 1
            and value(m, "liaison_db_connects_total") >= 1, "the pool's connections are up")
    t.check(("liaison_scheduler_lag_seconds", frozenset()) in m,
            "the scheduler's lag is reported")
    t.check(value(m, "liaison_ready") == 1, "liaison_ready is 1")
    held.close()
    deadline = time.time() + 10
    while time.time() < deadline and value(scrape(mport), "liaison_connections",
                                           phase="ready") != 0:
        time.sleep(0.1)
    t.check(value(scrape(mport), "liaison_connections", phase="ready") == 0,
            "a closed connection leaves the gauge")

    # A stranger failing handshakes as fast as it connects wrote a log line each: 9 MB in 10 s
    # (an attack try-out). Now 10 lines a second per worker, and a count of the rest.
    log_before = len(srv.log())
    began = time.monotonic()
    n = 0
    while time.monotonic() - began < 2 or n < 500:
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.sendall(b"\x16\x03\x01\x00\x05hello")
        s.settimeout(5)
        try:
            s.recv(100)
        except OSError:
            pass
        s.close()
        n += 1
    took = time.monotonic() - began
    # The sweep (every 2 s) writes the count of the last second: a flood that stops has no
    # next line to carry it.
    time.sleep(4.5)
    flood = srv.log()[log_before:]
    lines = flood.count('msg="TLS handshake failed"')
    counted = sum(int(x) for x in re.findall(
        r'msg="TLS handshake failures suppressed" count=(\d+)', flood))
    print("# %d failed handshakes in %.1f s: %d lines, %d counted" % (n, took, lines, counted))
    t.check(lines <= 2 * 10 * (int(took) + 3) and lines + counted == n,
            "%d failed handshakes wrote %d lines and counted the other %d" % (n, lines, counted))
    # 64 slow connections from one address held every slot of the metrics port, and the probes
    # failed with them (the same try-out). 16 from one address now; another is served.
    slow = []
    for _ in range(300):
        try:
            c = socket.create_connection(("127.0.0.1", mport), timeout=5,
                                         source_address=("127.0.0.2", 0))
            c.sendall(b"GET /readyz HTTP/1.1\r\n")
            slow.append(c)
        except OSError:
            pass
    time.sleep(0.3)
    status, _ = get(mport, "/livez")
    t.check(status == 200, "/livez answers while another address tries 300 slow connections (%d)"
            % status)
    for c in slow:
        c.close()

    status, _ = get(mport, "/nothing")
    t.check(status == 404, "an unknown path is 404")
    status, _ = get(mport, "/metrics", method="POST")
    t.check(status == 405, "POST is 405")
    status, body = get(mport, "/metrics", method="HEAD")
    t.check(status == 200 and body == "", "HEAD answers without a body")
finally:
    t.check(srv.stop(), "liaisond stopped cleanly")

# PostgreSQL out of reach: live, not ready, and saying why.
dead_pg = w.free_port()
mport2 = w.free_port()
down = t.Server("metrics-nodb", LIAISOND, CLI, "metrics_listen = 127.0.0.1:%d" % mport2,
                "database_url = postgresql://liaison_app@127.0.0.1:%d/liaison" % dead_pg,
                "migrate_on_start = false")
try:
    time.sleep(1)
    status, body = get(mport2, "/readyz")
    t.check(status == 503 and "PostgreSQL" in body, "not ready without PostgreSQL: %d %r"
            % (status, body))
    status, body = get(mport2, "/livez")
    t.check(status == 200, "still live without PostgreSQL: %d" % status)
    m = scrape(mport2)
    t.check(value(m, "liaison_ready") == 0, "liaison_ready is 0")
    t.check(value(m, "liaison_db_connection_failures_total") >= 1,
            "the refused connections are counted")
finally:
    t.check(down.stop(), "the server without PostgreSQL stopped cleanly")

# A metrics address that is not one: the start fails and says which setting.
bad_dir = os.path.join(w.env("LIAISON_TEST_DIR"), "metrics-bad")
try:
    t.Server("metrics-bad", LIAISOND, CLI, "metrics_listen = localhost")
    t.check(False, "a bad metrics_listen is refused")
except subprocess.CalledProcessError:
    log = open(os.path.join(bad_dir, "server.log")).read()
    t.check("metrics_listen" in log, "the refusal names metrics_listen")
t.finish("test_metrics")
