#!/usr/bin/python3
"""The Python binding (client-lib/python, the liaison package) over the real
libliaison and a real liaisond: every status code maps to its exception
class, and the server's own refusals arrive as them with message and field
violations; a dict round-trips with Vietnamese and Japanese text and 64-bit
ids unchanged; pipelining returns every answer once; a stream arrives in
parts; a dropped connection raises Unavailable and the next call
reconnects; a Client used from another thread raises ThreadError; python3
-m liaison works and refuses bad input; pip installs the package offline.

Run with Debian's /usr/bin/python3 and LIAISON_LIBRARY naming the built
libliaison.so.0 (tests/CMakeLists.txt sets both)."""
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "client-lib", "python"))
import liaison  # noqa: E402
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
from liaison_test import check  # noqa: E402

LIAISOND, CLI = sys.argv[1], sys.argv[2]
# A sanitized libliaison needs the sanitizer's runtime preloaded into every
# Python that loads it (CTest preloads it into this one), without leak
# checks of CPython itself; the servers this test starts keep the suite's.
PY_ENV = dict(os.environ)
os.environ.pop("LD_PRELOAD", None)
if "LIAISON_SERVER_ASAN_OPTIONS" in os.environ:
    os.environ["ASAN_OPTIONS"] = os.environ["LIAISON_SERVER_ASAN_OPTIONS"]
URL, CA = w.env("LIAISON_TEST_URL"), w.env("LIAISON_TEST_CA")
OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
PASSWORD = "correct horse battery staple"
RUN = str(int(time.time() * 1000) % 10**8)
PY = os.path.join(HERE, "..", "..", "client-lib", "python")


def raises(cls, fn, *args):
    """The exception fn raised if it is a cls, else None."""
    try:
        fn(*args)
    except cls as e:
        return e
    except Exception as e:  # reported by the check that follows
        print("# raised %r" % e)
    return None


# ---------------- status codes ----------------
names = {}
for code, name in liaison.CODES.items():
    cls = liaison.error_class(code)
    names[name] = cls
    check(issubclass(cls, liaison.Error) and cls.code == code and cls(name, code).code_name == name
          and liaison.error_class(name) is cls, "status %d maps to liaison.%s" % (code, cls.__name__))
check(len(set(names.values())) == 16, "sixteen distinct exception classes")
check(liaison.NotFound is names["NOT_FOUND"] and liaison.PermissionDenied is
      names["PERMISSION_DENIED"] and liaison.Unavailable is names["UNAVAILABLE"],
      "the classes are named as the issue names them")

op = liaison.Client(URL, ca=CA, token=OPERATOR)
slug = "py-" + RUN
op.call("CreateTenant", {"slug": slug, "name": "Công ty Xuất khẩu Bình Minh",
                         "adminEmail": "admin@py.example", "adminPassword": PASSWORD})
with liaison.Client(URL, ca=CA) as c:
    e = raises(liaison.Unauthenticated, c.login, slug, "admin@py.example", "wrong password")
    check(e is not None and e.code == 16, "a wrong password raises Unauthenticated")
    token = c.login(slug, "admin@py.example", PASSWORD)
    check(len(token) > 20, "login returns the session token")

    # ---------------- round trips ----------------
    text = "Nhà phân phối Hà Nội — 東京オートパーツ株式会社 ✓"
    check(c.call("Ping", {"echo": text}).get("echo") == text,
          "Vietnamese and Japanese text round-trips unchanged")
    d = c.call("CreateDistributor", {"fields": {"name": text, "country": "VN",
                                                "timeZone": "Asia/Ho_Chi_Minh",
                                                "languages": ["vi", "ja"]}})["distributor"]
    check(isinstance(d["id"], int) and d["name"] == text, "ids come back as ints (%r)" % d["id"])
    got = c.call("GetDistributor", {"id": d["id"]})["distributor"]
    check(got["id"] == d["id"] and got["name"] == text and got["languages"] == ["vi", "ja"],
          "the distributor read back is the one made")
    check(liaison.is_create("CreateDistributor") and not liaison.is_create("GetDistributor"),
          "is_create tells the creates")
    req = {"fields": {"name": "Đại lý Hải Phòng " + RUN, "country": "VN",
                      "timeZone": "Asia/Ho_Chi_Minh"}}
    first = c.call("CreateDistributor", req, idempotency_key="py-" + RUN)
    again = c.call("CreateDistributor", req, idempotency_key="py-" + RUN)
    check(first == again and c.last_idempotency_key == "py-" + RUN,
          "a create repeated with its idempotency key answers the first one")
    e = raises(liaison.InvalidArgument, lambda: c.call(
        "CreateDistributor", {"fields": dict(req["fields"], name="khác")},
        idempotency_key="py-" + RUN))
    check(e is not None, "the key with another request is refused")
    e = raises(liaison.NotFound, c.call, "GetDistributor", {"id": 2**63 - 1})
    check(e is not None and e.code_name == "NOT_FOUND" and e.message,
          "the largest 64-bit id crosses unchanged and is NOT_FOUND (%s)" % e)
    e = raises(liaison.InvalidArgument, c.call, "CreateDistributor",
               {"fields": {"name": "", "country": "ZZ", "timeZone": "Mars/Olympus"}})
    check(e is not None and e.violations and e.violations[0][0] == "fields.name"
          and all(isinstance(f, str) and why for f, why in e.violations),
          "INVALID_ARGUMENT carries its field violations (%s)" % (e and e.violations))
    e = raises(liaison.InvalidArgument, c.call, "GetDistributor", {"id": -1})
    check(e is not None and str(e) == "INVALID_ARGUMENT: " + e.message,
          "a violation the message states is not said again (%r)" % str(e))
    # Refused by libliaison before sending, reported as the server reports its
    # own: "invalid FIELD: WHY" and the field's violation. These came with no
    # violations and messages of another shape ("id: expected ...").
    local = [("GetDistributor", {"id": -1}, "id"), ("GetDistributor", {"id": 1.5}, "id"),
             ("GetDistributor", {"id": True}, "id"), ("GetDistributor", {"id": 2**64}, "id"),
             ("GetDistributor", {"bogus": 1}, "bogus"), ("Ping", {"echo": "a\0b"}, "echo"),
             ("CreateDistributor", {"fields": {"name": 5}}, "fields.name"),
             ("CreateDistributor", {"fields": {"workDays": [1, "x"]}}, "fields.workDays[1]"),
             # A lone surrogate raised UnicodeEncodeError (a try-out).
             ("Ping", {"echo": "a\udc80b"}, "echo"),
             ("CreateDistributor", {"fields": {"name": "Sài Gòn \ud800"}}, "fields.name")]
    for method, request, field in local:
        e = raises(liaison.InvalidArgument, c.call, method, request)
        check(e is not None and len(e.violations) == 1 and e.violations[0][0] == field
              and e.violations[0][1] and e.message == "invalid %s: %s" % e.violations[0],
              "a local refusal of %r names its field as the server does (%s)"
              % (request, e and (e.message, e.violations)))
    e = raises(liaison.InvalidArgument, c.send, "GetDistributor", {"id": -1})
    check(e is not None and e.message == "invalid id: expected an unsigned 64-bit integer"
          and c.outstanding == 0, "send() refuses it in the same words (%s)" % e)
    for key, why in (("k" * 256, "longer than 255 bytes"), ("\udcff", "not valid UTF-8"),
                     # Cut at the NUL, "k\0a" and "k\0b" were one key: the second create
                     # was answered with the first's record (a try-out).
                     ("k\0" + RUN, "contains a NUL character (U+0000)")):
        e = raises(liaison.InvalidArgument, lambda: c.call("CreateDistributor", req,
                                                           idempotency_key=key))
        check(e is not None and e.violations == [("idempotencyKey", why)]
              and e.message == "invalid idempotencyKey: " + why,
              "an idempotency key refused locally is a violation of idempotencyKey (%r)"
              % (e and (e.message, e.violations),))
    # An int key raised AttributeError ('int' object has no attribute 'encode'; a try-out).
    e = raises(TypeError, lambda: c.call("CreateDistributor", req, idempotency_key=12345))
    check(e is not None and str(e) == "idempotency_key is a str, not int",
          "an idempotency key that is not a str is a TypeError saying so (%s)" % e)
    check(c.call("Ping", {"echo": "vẫn đây"}).get("echo") == "vẫn đây",
          "and the connection goes on")
    e = raises(liaison.InvalidArgument, c.login, "demo", "a\ud800@x.example", "password")
    check(e is not None and e.violations == [("email", "not valid UTF-8")],
          "login refuses a lone surrogate as a violation of its argument (%s)" % e)
    for args, name in ((("demo\0x", "a@x.example", "password"), "tenant"),
                       (("demo", "a@x.example\0x", "password"), "email")):
        e = raises(liaison.InvalidArgument, c.login, *args)
        check(e is not None and e.violations == [(name, "contains a NUL character (U+0000)")],
              "login refuses a NUL in its %s, which the C string would cut off (%s)" % (name, e))
    e = raises(liaison.InvalidArgument, c.call, "Ping\0Whatever", {"echo": "x"})
    check(e is not None and e.violations == [("method", "contains a NUL character (U+0000)")],
          "call('Ping\\0Whatever') is refused, not run as Ping (%s)" % e)
    e = raises(TypeError, c.login, None, "a@x.example", "password")
    check(e is not None and "tenant" in str(e), "login(None, ...) is a TypeError naming it (%s)" % e)
    e = raises(TypeError, liaison.Client, None)
    check(e is not None and "url" in str(e), "Client(None) is a TypeError naming url (%s)" % e)
    e = raises(liaison.PermissionDenied, c.call, "CreateTenant",
               {"slug": "x" + RUN, "name": "x", "adminEmail": "a@x.example",
                "adminPassword": PASSWORD})
    check(e is not None, "a tenant admin creating a tenant raises PermissionDenied")
    e = raises(liaison.InvalidArgument, c.call, "NoSuchMethod", {})
    check(e is not None or raises(liaison.Unimplemented, c.call, "NoSuchMethod", {}) is not None,
          "an unknown method is refused as a status, not a crash")
    e = raises(TypeError, c.call, "Ping", ["not", "a", "dict"])
    check(e is not None, "a request that is not a dict raises TypeError")
    # Wrong types said as TypeErrors, not AttributeErrors or values sent (a developer's try-out).
    for args, what in (((None,), "call(None)"), ((b"WhoAmI",), "call(b'WhoAmI')")):
        e = raises(TypeError, c.call, *args)
        check(e is not None and "method" in str(e), "%s is a TypeError naming method (%s)"
              % (what, e))
    e = raises(TypeError, liaison.is_create, None)
    check(e is not None, "is_create(None) is a TypeError (%s)" % e)
    e = raises(TypeError, c.call, "Ping", {"echo": float("nan")})
    check(e is not None and "NaN" in str(e), "a NaN in a request is a TypeError saying so (%s)" % e)
    e = raises(ValueError, setattr, c, "read_after", -1)
    check(e is not None and c.read_after != (1 << 64) - 1,
          "a negative read_after is refused, not wrapped to 2**64 - 1 (%s)" % e)
    with liaison.Client(URL, ca=CA.encode(), token="") as anon:
        check(anon.call("Ping", {"echo": "bytes"}).get("echo") == "bytes",
              "a CA path given as bytes, and token \"\" as none: an anonymous Ping answers")
        e = raises(liaison.InvalidArgument, anon.set_token, "a\ud800b")
        check(e is not None, "a token that UTF-8 cannot carry is InvalidArgument (%s)" % e)
    with liaison.Client(URL, ca=CA) as fresh:
        fresh.set_token("not-a-token-any-more")
        fresh.set_token(None)
        check(fresh.call("Ping", {"echo": "none"}).get("echo") == "none",
              "set_token(None) before connecting forgets the token, not sends 'None'")

    # ---------------- pipelining ----------------
    sent = {}
    for i in range(50):
        sent[c.send("Ping", {"echo": "ping %d — số %d" % (i, i)})] = "ping %d — số %d" % (i, i)
    check(c.outstanding == 50, "fifty requests outstanding")
    seen, wrong = {}, 0
    while len(seen) < 50:
        r = c.recv(5000)
        if r is None:
            break
        rid, resp = r
        seen[rid] = seen.get(rid, 0) + 1
        wrong += resp.get("echo") != sent.get(rid)
    check(sorted(seen) == sorted(sent) and set(seen.values()) == {1} and wrong == 0,
          "pipelining returns every answer exactly once, each its own request's")
    check(c.outstanding == 0 and raises(liaison.FailedPrecondition, c.recv, 0) is not None,
          "and nothing more: recv() with nothing outstanding says so")
    rid = c.send("GetDistributor", {"id": 2**62})
    e = raises(liaison.NotFound, c.recv, 5000)
    check(e is not None and e.request_id == rid, "a pipelined refusal names its request")

    # ---------------- a stream ----------------
    parts = op.stream("ExportTenant", {"slug": slug, "stream": True})
    check(len(parts) >= 1 and any(p.get("rows") for p in parts),
          "ExportTenant streams its rows in parts (%d)" % len(parts))
    rid, rids, mores = op.send("ExportTenant", {"slug": slug, "stream": True}), [], []
    while True:
        r = op.recv(5000)
        if r is None:
            break
        rids.append(r[0])
        mores.append(op.more)
        if not op.more:
            break
    check(rids and set(rids) == {rid} and mores[-1] is False and all(mores[:-1])
          and len(rids) == len(parts) and op.outstanding == 0,
          "a pipelined stream comes part by part, .more until the last (%s)" % mores)
    stop = raises(KeyError, op.stream, "ExportTenant", {"slug": slug, "stream": True},
                  lambda part: (_ for _ in ()).throw(KeyError("stop")))
    check(stop is not None, "an exception in on_part stops the stream and is raised")
    check(op.call("Ping", {"echo": "after"}).get("echo") == "after",
          "and the next call reconnects")

    # SubscribeEvents streams until stopped: call() once waited on it for ever.
    e = raises(liaison.FailedPrecondition, c.call, "SubscribeEvents", {})
    check(e is not None and "Client.stream()" in e.message and "liaison_call_stream" not in str(e),
          "call() on an endless stream refuses at once, pointing at stream() (%s)" % e)
    e = raises(liaison.InvalidArgument, c.call, "SubscribeEvents", {"kinds": ["none"]})
    check(e is not None and e.violations and e.violations[0][0] == "kinds[0]",
          "and a refused subscription is still its refusal")
    check(c.call("Ping", {"echo": "sau"}).get("echo") == "sau", "the next call reconnects")

    # ---------------- pages ----------------
    made = [c.call("CreateDistributor", {"fields": {"name": "Đại lý %d — 代理店 %s" % (i, RUN),
                                                    "country": "VN",
                                                    "timeZone": "Asia/Ho_Chi_Minh"}}
                   )["distributor"]["id"] for i in range(5)]
    pages = list(c.pages("ListDistributors", page_size=2))
    every = [d["id"] for d in c.items("ListDistributors", page_size=2)]
    one = [d["id"] for d in c.call("ListDistributors", {"page": {"pageSize": 100}})["distributors"]]
    check(len(pages) >= 4 and all(len(p.get("distributors", [])) <= 2 for p in pages)
          and every == one and set(made) <= set(every),
          "pages() follows the cursor; items() yields every item once, in order (%d pages)"
          % len(pages))
    e = raises(ValueError, lambda: list(c.items("GetDistributor", {"id": made[0]})))
    check(e is not None and "not a paged list" in str(e), "items() of a method that does not page")

    # ---------------- content past a frame ----------------
    big = os.urandom(3 * 1024 * 1024 + 7) + b"\0\0"
    doc = c.call_with_content("CreateDocument", {"kind": "catalogue", "title": "カタログ " + RUN,
                                                 "language": "ja"}, big,
                              idempotency_key="doc-" + RUN)["document"]
    key = c.last_idempotency_key
    back = b"".join(base64.b64decode(p.get("content", "")) for p in
                    c.stream("GetDocumentContent", {"documentId": doc["id"], "stream": True}))
    check(back == big and key == "doc-" + RUN,
          "call_with_content uploads 3 MiB past a frame, keyed, byte for byte")
    small = c.call_with_content("AddDocumentVersion", {"documentId": doc["id"]}, "Xin chào".encode())
    check(small["document"]["latestVersion"] == 2, "and small content inline")
    e = raises(TypeError, c.call_with_content, "AddDocumentVersion", {"documentId": doc["id"]}, 5)
    check(e is not None and "bytes-like" in str(e),
          "content 5 is a TypeError, not five NUL bytes uploaded (%s)" % e)
    for bad in (2**40, -2):
        e = raises(ValueError, c.recv, bad)
        check(e is not None and "timeout_ms" in str(e),
              "recv(%d) is refused, not wrapped to a C int (%s)" % (bad, e))

    # ---------------- on_part calling on its own Client ----------------
    # It read the stream's frames as its own answer, and close() freed the
    # handle under the stream: SIGSEGV (an attack try-out).
    inner, parts_seen = [], []

    def on_part(part):
        parts_seen.append(part)
        inner.append(raises(liaison.FailedPrecondition, c.call, "WhoAmI"))
    c.stream("GetDocumentContent", {"documentId": doc["id"], "version": 1, "stream": True},
             on_part=on_part)
    again = b"".join(base64.b64decode(p.get("content", "")) for p in parts_seen)
    check(again == big and len(inner) >= 2 and all(e is not None and "second connection" in str(e) for e in inner)
          and c.call("WhoAmI")["identity"]["role"] == "ROLE_TENANT_ADMIN",
          "a call from on_part raises FailedPrecondition, the stream goes on whole, and the"
          " Client works after (%d parts: %s)" % (len(inner), inner[:1]))
    # A token set on a connected Client did nothing until a reconnection the program did not
    # choose, which then changed its user (a developer's try-out): it applies from the next call.
    viewer = liaison.Client(URL, ca=CA)
    viewer.login(slug, "admin@py.example", PASSWORD)
    viewer.call("WhoAmI")
    viewer.set_token(OPERATOR)
    check(viewer.call("WhoAmI")["identity"].get("kind") == "operator",
          "set_token on a connected Client applies from the next call")
    viewer.set_token(token)
    e = []
    viewer.stream("GetDocumentContent", {"documentId": doc["id"], "version": 1, "stream": True},
                  on_part=lambda p: e.append(raises(liaison.FailedPrecondition, viewer.set_token,
                                                    OPERATOR)))
    check(e and all(x is not None and "in flight" in str(x) for x in e)
          and viewer.call("WhoAmI")["identity"].get("role") == "ROLE_TENANT_ADMIN",
          "set_token from a stream's on_part is refused, and the stream's user stays (%s)" % e[:1])
    viewer.close()
    # Ctrl-C while a stream's parts arrive: its KeyboardInterrupt, raised at the entry of the
    # chunk callback, was swallowed by ctypes ("Exception ignored"), and the caller got
    # Cancelled (a developer's try-out). Heartbeats come every third of the request timeout.
    with liaison.Client(URL, ca=CA, token=token, request_timeout_ms=1500) as sub:
        interrupted, beats = None, []
        threading.Timer(0.8, os.kill, (os.getpid(), signal.SIGINT)).start()
        try:
            sub.stream("SubscribeEvents", {}, on_part=beats.append)
        except BaseException as x:  # noqa: B036 - the KeyboardInterrupt is the point
            interrupted = x
        check(isinstance(interrupted, KeyboardInterrupt),
              "Ctrl-C during a stream raises KeyboardInterrupt from stream() (%r after %d"
              " parts)" % (interrupted, len(beats)))
        check(sub.call("WhoAmI")["identity"].get("role") == "ROLE_TENANT_ADMIN",
              "and the Client works after it")
    with liaison.Client(URL, ca=CA, token=token) as closer:
        seen = []

        def close_in_part(part):
            seen.append(part)
            closer.close()
        back = closer.stream("GetDocumentContent", {"documentId": doc["id"], "version": 1,
                                                    "stream": True}, on_part=close_in_part)
        e = raises(ValueError, closer.call, "WhoAmI")
        check(back == [] and len(seen) == 1 and e is not None and "closed" in str(e),
              "close() in on_part stops the stream after that part; the Client is closed (%s)"
              % e)

    # ---------------- the JSON mapping ----------------
    who = c.call("WhoAmI")["identity"]
    check(who["role"] == "ROLE_TENANT_ADMIN" and isinstance(who["userId"], int),
          "an enum is its value's name; a 64-bit id an int (%r)" % who)
    check(isinstance(d.get("createdAt"), str) and d["createdAt"].endswith("Z"),
          "a time is RFC 3339 text in UTC (%r)" % d.get("createdAt"))
    check(got.get("timeZone") == "Asia/Ho_Chi_Minh" and "time_zone" not in got,
          "fields come in camelCase")

    # ---------------- threads ----------------
    caught = []
    th = threading.Thread(target=lambda: caught.append(raises(liaison.ThreadError, c.call,
                                                              "Ping", {})))
    th.start()
    th.join()
    check(caught and caught[0] is not None and "one Client per thread" in str(caught[0]),
          "a Client used from another thread raises ThreadError")

# A token refused at the connection's Authenticate is the server's refusal,
# with its status, like any other (it came with the library's words only).
with liaison.Client(URL, ca=CA, token="not-a-token-of-this-server") as c:
    e = raises(liaison.Unauthenticated, c.call, "WhoAmI")
    check(e is not None and e.message and "Authenticate refused" not in e.message,
          "a refused token raises Unauthenticated with the server's message (%s)" % e)

# ---------------- a dropped connection ----------------
own = t.Server("binding", LIAISOND, CLI)
own.wait_ready()
with liaison.Client("liaison://127.0.0.1:%d" % own.port, ca=CA, token=token,
                    request_timeout_ms=3000, connect_timeout_ms=2000) as c:
    check(c.call("WhoAmI").get("identity", {}).get("name") == "admin@py.example",
          "a token given to the Client authenticates it")
    check(own.stop(), "the server stops cleanly")
    e = raises(liaison.Unavailable, c.call, "GetHealth")
    check(e is not None, "a call on the dropped connection raises Unavailable (%s)" % e)
    os.environ["LIAISON_OWN_PORT"] = str(own.port)
    subprocess.run([t.SERVER_SH, "start", "binding", "LIAISON_OWN_PORT", LIAISOND,
                    "workers = 1"], check=True)
    deadline, ok = time.time() + 15, False
    while not ok and time.time() < deadline:
        try:
            ok = c.call("WhoAmI").get("identity", {}).get("name") == "admin@py.example"
        except liaison.Unavailable:
            time.sleep(0.1)
    check(ok, "the next call reconnects and authenticates again")
    # Timeouts were in the constructor only, and undocumented (a try-out).
    c.set_request_timeout(200)
    e = raises(liaison.DeadlineExceeded, c.call, "Ping", {"delayMs": 2000})
    c.set_request_timeout(3000)
    check(e is not None and c.call("Ping", {"echo": "lại"}).get("echo") == "lại",
          "set_request_timeout bounds the calls after it, and the Client stays usable (%s)" % e)
    e = raises(TypeError, c.set_request_timeout, "200")
    check(e is not None, "a timeout is an int (%s)" % e)
own.stop()

# ---------------- python3 -m liaison ----------------
env = dict(PY_ENV, LIAISON_URL=URL, LIAISON_CA=CA, LIAISON_TOKEN=token, PYTHONPATH=PY)
p = subprocess.run([sys.executable, "-m", "liaison", "call", "Ping", '{"echo": "Xin chào"}'],
                   capture_output=True, text=True, env=env)
check(p.returncode == 0 and json.loads(p.stdout).get("echo") == "Xin chào",
      "python3 -m liaison call prints the response (%s)" % p.stderr)
p = subprocess.run([sys.executable, "-m", "liaison", "call", "Ping", "{not json"],
                   capture_output=True, text=True, env=env)
check(p.returncode == 2 and "not JSON" in p.stderr, "bad JSON is a usage error")
p = subprocess.run([sys.executable, "-m", "liaison", "call", "Pnig"],
                   capture_output=True, text=True, env=env)
check(p.returncode == 2 and "no RPC named Pnig" in p.stderr, "an unknown RPC is named")
p = subprocess.run([sys.executable, "-m", "liaison", "call", "GetDistributor", '{"id": 1}'],
                   capture_output=True, text=True, env=dict(env, LIAISON_TOKEN="nope"))
check(p.returncode == 3 and "UNAUTHENTICATED" in p.stderr,
      "a refused call prints its status, exit 3 as the CLI's (%d %s)"
      % (p.returncode, p.stderr.strip()))
# Its exit codes are the CLI's (cli/main.c, cli_exit_code): it exited 1 for every status.
for request, code, want in (('{"id": 999999999}', "NOT_FOUND", 4),
                            ('{"id": 0}', "INVALID_ARGUMENT", 2)):
    p = subprocess.run([sys.executable, "-m", "liaison", "call", "GetDistributor", request],
                       capture_output=True, text=True, env=env)
    check(p.returncode == want and code in p.stderr,
          "python3 -m liaison exits %d on %s, as the CLI (%d %s)"
          % (want, code, p.returncode, p.stderr.strip()))
from liaison.__main__ import exit_code  # noqa: E402
limited = liaison.ResourceExhausted("too many requests")
limited.retry_after_ms = 1500
check([exit_code(e) for e in (limited, liaison.ResourceExhausted("out of room"),
                              liaison.PermissionDenied("no"), liaison.AlreadyExists("x"),
                              liaison.FailedPrecondition("x"), liaison.Aborted("x"),
                              liaison.Unavailable("x"), liaison.DeadlineExceeded("x"),
                              liaison.OutOfRange("x"), liaison.Internal("x"))]
      == [75, 1, 3, 5, 5, 5, 6, 6, 2, 1],
      "every status exits as the CLI's: 75 only for a rate limit's wait")
# Output to a reader that is gone (| head -1) ends quietly, as a Unix tool
# killed by SIGPIPE; it printed a BrokenPipeError traceback.
gone, pipe = os.pipe()
os.close(gone)
p = subprocess.run([sys.executable, "-m", "liaison", "call", "Ping", '{"echo": "không ai đọc"}'],
                   stdout=pipe, stderr=subprocess.PIPE, text=True, env=env)
os.close(pipe)
check(p.returncode == 141 and p.stderr == "",
      "output to a closed pipe ends quietly with 141 (%d %r)" % (p.returncode, p.stderr[-200:]))
p = subprocess.run([sys.executable, "-m", "liaison", "--help"], capture_output=True, text=True,
                   env=env)
check(p.returncode == 0 and "call" in p.stdout and "login" in p.stdout, "--help")
p = subprocess.run([sys.executable, "-m", "liaison", "call", "GetHealth"], capture_output=True,
                   text=True, env=dict(env, LIAISON_LIBRARY="/nonexistent/libliaison.so.0",
                                       LD_LIBRARY_PATH="/nonexistent"))
check(p.returncode == 1 and "LIAISON_LIBRARY" in p.stderr,
      "a missing library says how to point at it (%s)" % p.stderr.strip())

# ---------------- pip installs it offline ----------------
with tempfile.TemporaryDirectory() as target, tempfile.TemporaryDirectory() as src:
    # From a copy: building writes build/ and *.egg-info beside the sources.
    shutil.copytree(PY, os.path.join(src, "python"),
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    p = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-build-isolation",
                        "--no-deps", "--no-index", "--target", target,
                        os.path.join(src, "python")], capture_output=True, text=True)
    check(p.returncode == 0, "pip install client-lib/python (%s)" % p.stderr.strip()[-300:])
    p = subprocess.run([sys.executable, "-c", "import liaison, sys; "
                        "sys.stdout.write(liaison.__file__ + ' ' + liaison.version())"],
                       capture_output=True, text=True, cwd=target,
                       env=dict(PY_ENV, PYTHONPATH=target))
    check(p.returncode == 0 and p.stdout.startswith(target) and
          os.path.exists(os.path.join(target, "liaison", "py.typed")),
          "the installed package imports and is typed (%s %s)" % (p.stdout, p.stderr))

# ---------------- the README's ways, as written ----------------
# Debian 12's python3 refuses a plain pip install (PEP 668): the README's
# commands, run as they stand from the top of the tree (the build's library
# for build/'s), must work and leave no build/ or *.egg-info behind.
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
with open(os.path.join(PY, "README.md"), encoding="utf-8") as f:
    blocks = f.read().split("```sh\n")[1:]
blocks = [b.split("```")[0] for b in blocks]
litter = [os.path.join(PY, "build"), os.path.join(PY, "liaison.egg-info")]
before = [os.path.exists(x) for x in litter]
has_venv = subprocess.run(["/usr/bin/python3", "-c", "import ensurepip, venv"],
                          capture_output=True).returncode == 0
for block in blocks:
    if "venv" in block and not has_venv:
        print("# skip: the README's venv route (python3-venv is not installed)")
        continue
    script = (block.replace("apt-get install python3-venv", "true")
              .replace("$PWD/build/libliaison.so.0", PY_ENV["LIAISON_LIBRARY"]))
    with tempfile.TemporaryDirectory() as home:
        p = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True,
                           cwd=ROOT, env=dict(PY_ENV, HOME=home, PATH="/usr/bin:/bin",
                                              PYTHONPATH=""))
    check(p.returncode == 0 and "GetDistributor" in p.stdout.split(),
          "the README's commands work as written:\n%s\n(%s)" % (block, p.stderr.strip()[-300:]))
check(len(blocks) == 2, "the README gives both ways, from the tree and in a venv")
check([os.path.exists(x) for x in litter] == before, "and pip built nothing in the tree")

op.close()
t.finish("test_binding")
