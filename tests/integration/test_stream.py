#!/usr/bin/env python3
"""Server-streamed answers (proto/README.md, Streams), on a liaisond of the
test's own with a 64 KiB frame limit: a streamed ExportTenant of a tenant
many times larger than a frame reassembles, through the CLI and through a
raw reader, to exactly the tenant's rows, in chunks each well under the
frame limit, recorded once; a stream outlives request_timeout_ms while its
reader keeps reading; a reader that stops pauses the stream without the
server's memory growing, the server serving others meanwhile, and the
stream ends at its deadline; requests that ask for no stream never get
Frame.more; liaison_call_json refuses a stream too large for one answer.
Usage: test_stream.py LIAISOND CLI."""
import atexit
import json
import os
import secrets
import signal
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
from liaison_test import check  # noqa: E402

LIAISOND, CLI = sys.argv[1], sys.argv[2]
OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
MAX_FRAME = 64 << 10
PENDING_CAP = 256 << 10  # max_pending_output, the connection's cap
TIMEOUT_MS = 3000
# Memory may be this far above its baseline (the sanitizers' own bookkeeping).
RSS_TOLERANCE_KB = 12 << 10
PASSWORD = "correct horse battery staple"
RUN = secrets.token_hex(3)

# A small quarantine, so that memory freed is memory given back.
os.environ["ASAN_OPTIONS"] = (os.environ.get("ASAN_OPTIONS", "")
                              + ":quarantine_size_mb=4:allocator_release_to_os_interval_ms=500")
srv = t.Server("stream", LIAISOND, CLI, "max_frame_bytes = %d" % MAX_FRAME,
               "max_pending_output = %d" % PENDING_CAP, "request_timeout_ms = %d" % TIMEOUT_MS,
               "send_timeout_ms = 30000", "idle_timeout_ms = 60000")
srv.wait_ready()
sql = t.psql


@atexit.register
def _kill_server_left_running():
    """Only for a test that died half-way: the normal end stops it cleanly."""
    try:
        os.kill(srv.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def make_tenant(slug, products, name_len):
    """A tenant with products rows of about name_len characters of Vietnamese each."""
    srv.must("CreateTenant", {"slug": slug, "name": "Công ty " + slug,
                              "adminEmail": "admin@%s.example" % slug,
                              "adminPassword": PASSWORD}, OPERATOR)
    tid = sql("SELECT id FROM tenants WHERE slug = '%s'" % slug)
    sql("INSERT INTO product_lines (tenant_id, code, name) VALUES (%s, 'BRK', 'Phanh xe')" % tid)
    sql("INSERT INTO products (tenant_id, sku, product_line_id, name, unit) "
        "SELECT %s, 'SKU-' || g, pl.id, left(g || ' Má phanh Nguyễn ' || repeat('ễ', %d), 200), "
        "'cái' FROM product_lines pl, generate_series(1, %d) g WHERE pl.tenant_id = %s"
        % (tid, name_len, products, tid))
    return tid


def tenant_rows(tid):
    """Every (table, id) the tenant holds, from the catalogue as the export finds them."""
    tables = sql("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                 "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' "
                 "AND NOT a.attisdropped WHERE n.nspname = 'public' AND c.relkind = 'r'").split()
    rows = [("tenants", int(tid))]
    for table in tables:
        ids = sql("SELECT id FROM %s WHERE tenant_id = %s" % (table, tid)).split()
        rows += [(table, int(i)) for i in ids]
    return rows


def product_names(tid):
    return dict((int(i), n) for i, n in (line.split("|", 1) for line in sql(
        "SELECT id, name FROM products WHERE tenant_id = %s" % tid).splitlines()))


def exports_recorded(slug):
    return int(sql("SELECT count(*) FROM platform_audit WHERE tenant_slug = '%s' "
                   "AND action = 'tenant.export'" % slug))


def recv_full(sock):
    """(request_id, status dict, payload, more, frame size) of the next frame."""
    (n,) = struct.unpack(">I", w.recv_exact(sock, 4))
    body = w.recv_exact(sock, n)
    rid, st, payload, more = 0, w.decode_status(b""), b"", False
    for num, _, v in w.parse_fields(body):
        if num == 1:
            rid = v
        elif num == 3:
            payload = v
        elif num == 4:
            st = w.decode_status(v)
        elif num == 6:
            more = bool(v)
    return rid, st, payload, more, n


def export_rows(payload):
    """[(table, row dict)] of an ExportTenantResponse; and its next_cursor."""
    rows, cursor = [], ""
    for num, _, v in w.parse_fields(payload):
        if num == 1:
            f = dict((n, x.decode()) for n, _, x in w.parse_fields(v))
            rows.append((f.get(1, ""), json.loads(f.get(2, "{}"))))
        elif num == 2:
            cursor = dict((n, x.decode()) for n, _, x in w.parse_fields(v)).get(1, "")
    return rows, cursor


def export_request(slug, stream=True, page_size=0):
    payload = w.field_bytes(1, slug)
    if page_size:
        payload += w.field_bytes(2, w.field_varint(1, page_size))
    if stream:
        payload += w.field_varint(4, 1)
    return payload


def read_stream(sock, rid, pause_every=0, pause_s=0.0):
    """Reads rid's frames to the last: (rows, frames, largest frame, last status,
    whether a chunk had a status, bytes in all). With pause_every, sleeps
    pause_s after each such many bytes."""
    rows, frames, largest, status_on_chunk, since_pause, total = [], 0, 0, False, 0, 0
    while True:
        got, st, payload, more, size = recv_full(sock)
        assert got == rid, "a frame for %d, wanted %d" % (got, rid)
        frames += 1
        total += size
        largest = max(largest, size)
        rows += export_rows(payload)[0]
        if more and st["code"] != 0:
            status_on_chunk = True
        if not more:
            return rows, frames, largest, st, status_on_chunk, total
        since_pause += size
        if pause_every and since_pause >= pause_every:
            since_pause = 0
            time.sleep(pause_s)


def same_rows(got, tid, what):
    want = sorted(tenant_rows(tid))
    keys = sorted((table, row["id"]) for table, row in got)
    check(len(keys) == len(set(keys)), "%s: every row once (%d rows, %d distinct)"
          % (what, len(keys), len(set(keys))))
    check(keys == want, "%s: exactly the tenant's rows (%d of %d; missing %s, extra %s)"
          % (what, len(keys), len(want), sorted(set(want) - set(keys))[:5],
             sorted(set(keys) - set(want))[:5]))
    names = product_names(tid)
    check(all(row["name"] == names.get(row["id"]) for table, row in got if table == "products"),
          "%s: the rows' contents as stored, Vietnamese included" % what)


# ---------------- a tenant of many frames, through the CLI ----------------
BIG = "stream-big-" + RUN
big_id = make_tenant(BIG, 4000, 60)
path = os.path.join(srv.dir, "big.jsonl")
code, _ = srv.cli("admin", "tenant", "export", BIG, "--output", path, token=OPERATOR)
check(code == "OK", "the CLI's streamed export runs (%s)" % code)
size = os.path.getsize(path) if os.path.exists(path) else 0
check(size > 10 * MAX_FRAME, "the export is many frame limits long (%d bytes, limit %d)"
      % (size, MAX_FRAME))
# The CLI's last line is the file's end (row count and checksum), no row.
cli_rows = [(r["table"], r["row"]) for r in map(json.loads, open(path)) if r["table"] != "#end"]
same_rows(cli_rows, big_id, "CLI export")
check(exports_recorded(BIG) == 1, "the streamed export is recorded once in the platform audit")

# The CLI without --output writes the stream to standard output.
p = subprocess.run([CLI, "--token", OPERATOR, "admin", "tenant", "export", BIG],
                   capture_output=True, text=True, env=srv.env, timeout=120)
check(p.returncode == 0, "the CLI's export to standard output runs (%s)" % p.stderr[-200:])
same_rows([(r["table"], r["row"]) for r in map(json.loads, p.stdout.splitlines())
           if r["table"] != "#end"], big_id, "CLI export to standard output")

# ---------------- the frames, through a raw reader ----------------
s = srv.session(OPERATOR)
s.settimeout(30)
s.sendall(w.frame(3, "ExportTenant", export_request(BIG)))
rows, frames, largest, st, status_on_chunk, _ = read_stream(s, 3)
check(st["code"] == 0, "the stream ends with OK (%s)" % st)
check(frames > 10, "the rows came in many frames (%d)" % frames)
check(largest <= MAX_FRAME // 2, "every frame well under the frame limit (largest %d of %d)"
      % (largest, MAX_FRAME))
check(not status_on_chunk, "no chunk carries a failure")
same_rows(rows, big_id, "raw stream")
check(exports_recorded(BIG) == 3, "each export is recorded once, whatever its frames (%d)"
      % exports_recorded(BIG))

# ---------------- requests that ask for no stream never get more ----------------
s.sendall(w.frame(4, "ExportTenant", export_request(BIG, stream=False, page_size=50)))
got, st, payload, more, _ = recv_full(s)
check(got == 4 and st["code"] == 0 and not more,
      "a paged export is one frame without more (%s, more=%s)" % (st, more))
check(export_rows(payload)[1] != "", "the paged export still pages (a next cursor)")
s.sendall(w.ping(5, "plain"))
got, st, payload, more, _ = recv_full(s)
check(got == 5 and w.decode_echo(payload) == "plain" and not more, "a Ping has no more")
s.sendall(w.frame(6, "ExportTenant", export_request("no-such-" + RUN)))
got, st, payload, more, _ = recv_full(s)
check(got == 6 and st["code"] == 5 and not more,
      "a streamed export of an unknown tenant is one NOT_FOUND frame (%s)" % st)
s.sendall(w.frame(7, "ExportTenant", export_request(BIG) + w.field_bytes(
    2, w.field_bytes(2, "abc"))))
got, st, payload, more, _ = recv_full(s)
check(got == 7 and st["code"] == 3 and st["violations"][:1] == [
    {"field": "page.cursor", "description": "not used with stream"}] and not more,
    "a stream with a cursor is refused on page.cursor (%s)" % st)
s.close()

# ---------------- liaison_call_json: small streams merged, large ones refused ----------------
SMALL = "stream-small-" + RUN
small_id = make_tenant(SMALL, 5, 10)
code, out = srv.call("ExportTenant", {"slug": SMALL, "stream": True}, OPERATOR)
check(code == "OK" and "page" not in out, "liaison_call_json takes a small stream (%s)" % code)
same_rows([(r["table"], json.loads(r["json"])) for r in out.get("rows", [])], small_id,
          "liaison_call_json stream")
code, out = srv.call("ExportTenant", {"slug": BIG, "stream": True}, OPERATOR)
check(code == "RESOURCE_EXHAUSTED" and "liaison_call_stream" in out.get("message", str(out)),
      "liaison_call_json refuses a stream larger than a frame, naming the stream API (%s %s)"
      % (code, out))

# ---------------- a stream longer than its deadline, read steadily ----------------
HUGE = "stream-huge-" + RUN
huge_id = make_tenant(HUGE, 26000, 150)
s = srv.session(OPERATOR)
s.settimeout(30)
t0 = time.monotonic()
s.sendall(w.frame(3, "ExportTenant", export_request(HUGE)))
# Pauses each well inside the deadline, adding up to twice it.
rows, frames, largest, st, _, total = read_stream(s, 3, pause_every=2 << 20,
                                                 pause_s=TIMEOUT_MS / 3000)
took = time.monotonic() - t0
check(st["code"] == 0, "a stream read with pauses ends OK after %.1f s, past its %d ms deadline "
      "(%s)" % (took, TIMEOUT_MS, st))
check(took * 1000 > TIMEOUT_MS, "the stream lasted longer than request_timeout_ms (%.1f s)" % took)
same_rows(rows, huge_id, "huge stream")
print("  huge export: %d rows, about %d KiB, %d frames" % (len(rows), total >> 10, frames))
s.close()

# ---------------- a reader that stops: the stream pauses, memory does not grow ----------------
time.sleep(1)
baseline = w.rss_kb(srv.pid)
slow = w.connect(srv.port, w.env("LIAISON_TEST_CA"), rcvbuf=8192)
slow.settimeout(30)
slow.sendall(w.hello())
w.recv_frame(slow)
slow.sendall(w.authenticate(2, OPERATOR))
w.recv_frame(slow)
slow.sendall(w.frame(3, "ExportTenant", export_request(HUGE)))
got, st, payload, more, _ = recv_full(slow)
check(got == 3 and more, "the slow reader's stream started")
# Now it reads nothing: the server fills the socket, then its cap, then waits.
peak = 0
other_ok = True
for i in range(8):
    time.sleep(0.25)
    peak = max(peak, w.rss_kb(srv.pid))
    other = srv.session()
    other.settimeout(5)
    other.sendall(w.ping(2, "meanwhile"))
    rid, code, msg, payload = w.recv_frame(other)
    other_ok = other_ok and code == 0 and w.decode_echo(payload) == "meanwhile"
    other.close()
bound_kb = (PENDING_CAP >> 10) + RSS_TOLERANCE_KB
check(peak - baseline <= bound_kb,
      "a paused stream keeps the server's memory within the connection's cap (+%d KiB, "
      "bound %d KiB: the %d KiB cap and the sanitizers' tolerance; the export is ~%d KiB)"
      % (peak - baseline, bound_kb, PENDING_CAP >> 10, total >> 10))
check(other_ok, "other clients are served while the stream waits")
closed, _ = w.read_until_closed(slow, 0.05)
check(not closed, "the paused stream's connection is kept, not cut for its output")
# Past its deadline without a chunk taken, the stream ends: its last frame says so.
time.sleep(TIMEOUT_MS / 1000 + 1)
slow.settimeout(30)
while True:
    got, st, payload, more, _ = recv_full(slow)
    if not more:
        break
check(got == 3 and st["code"] == 4,
      "a stream whose reader stalls past the deadline ends DEADLINE_EXCEEDED (%s)" % st)
slow.sendall(w.ping(4, "after"))
got, st, payload, more, _ = recv_full(slow)
check(got == 4 and w.decode_echo(payload) == "after", "the connection serves on after the stream")
slow.close()
log = srv.log()
check('method=ExportTenant status=DEADLINE_EXCEEDED' in log,
      "the ended stream is logged once, as DEADLINE_EXCEEDED")

# A stream whose reader closes mid-way ends (logged CANCELLED) and frees what it held.
gone = w.connect(srv.port, w.env("LIAISON_TEST_CA"), rcvbuf=8192)
gone.sendall(w.hello() + w.authenticate(2, OPERATOR))
w.recv_frame(gone)
w.recv_frame(gone)
gone.sendall(w.frame(3, "ExportTenant", export_request(HUGE)))
recv_full(gone)
time.sleep(0.5)
gone.close()
deadline = time.monotonic() + 10
while time.monotonic() < deadline and "status=CANCELLED" not in srv.log():
    time.sleep(0.2)
check("method=ExportTenant status=CANCELLED" in srv.log(),
      "a stream whose connection closed ends at once (CANCELLED)")
check(w.rss_kb(srv.pid) - baseline <= RSS_TOLERANCE_KB,
      "memory back near the baseline after the streams (+%d KiB)"
      % (w.rss_kb(srv.pid) - baseline))

# Stopping while one stream is being read and another waits for its reader.
paused = w.connect(srv.port, w.env("LIAISON_TEST_CA"), rcvbuf=8192)
reading = w.connect(srv.port, w.env("LIAISON_TEST_CA"))
for sock in (paused, reading):
    sock.settimeout(30)
    sock.sendall(w.hello() + w.authenticate(2, OPERATOR))
    w.recv_frame(sock)
    w.recv_frame(sock)
    sock.sendall(w.frame(3, "ExportTenant", export_request(HUGE)))


def drain(sock):
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass


reader = threading.Thread(target=drain, args=(reading,), daemon=True)
reader.start()
time.sleep(1)
check(srv.stop(), "liaisond stops cleanly, streams under way included (no sanitizer report, "
      "no handle left)")
t.finish("test_stream")
