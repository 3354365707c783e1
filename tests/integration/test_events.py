#!/usr/bin/python3
"""Live events (SubscribeEvents, migration 0039) across two liaisond of the
test's own on the suite's cluster: an event of each kind, made through
server A's RPCs (an escalation raised, an action item assigned, a charter
activated, a monthly report submitted, a deal registration flagged),
reaches subscribers on server B (LISTEN/NOTIFY between them); each gets
exactly the events its own credentials may read (another tenant nothing, a
distributor user of D2 never D1's, an action item only its assignee);
resuming after the last id seen loses and repeats nothing, and a resume
from before what is kept is refused clearly; an idle subscription outlives
request_timeout_ms on its heartbeats; a disabled user's stream ends at the
next event; a subscriber that never reads is cut off at event_queue_max
(RESOURCE_EXHAUSTED) while the server answers others; wrong input names
its field. The CLI prints the same events as JSON lines.

Run with Debian's /usr/bin/python3 and LIAISON_LIBRARY naming the built
libliaison.so.0 (tests/CMakeLists.txt sets both).

Usage: test_events.py LIAISOND CLI
"""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "client-lib", "python"))
import liaison  # noqa: E402
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
from liaison_test import check  # noqa: E402

LIAISOND, CLI = sys.argv[1:3]
os.environ.pop("LD_PRELOAD", None)
if "LIAISON_SERVER_ASAN_OPTIONS" in os.environ:
    os.environ["ASAN_OPTIONS"] = os.environ["LIAISON_SERVER_ASAN_OPTIONS"]
CA = w.env("LIAISON_TEST_CA")
OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
PASSWORD = "correct horse battery staple"
RUN = str(int(time.time() * 1000) % 10**8)
TIMEOUT_B = 1500  # server B's request_timeout_ms: heartbeats every 500 ms
QUEUE_A = 50  # server A's event_queue_max
RESOURCE_EXHAUSTED, FAILED_PRECONDITION = 8, 9

a = t.Server("events-a", LIAISOND, CLI, "idle_timeout_ms = 120000", "request_timeout_ms = 60000",
             "event_queue_max = %d" % QUEUE_A, "max_pending_output = 65536",
             "send_timeout_ms = 60000")
b = t.Server("events-b", LIAISOND, CLI, "idle_timeout_ms = 120000",
             "request_timeout_ms = %d" % TIMEOUT_B)
URL_A = "liaison://127.0.0.1:%d" % a.port
URL_B = "liaison://127.0.0.1:%d" % b.port


class Sub(threading.Thread):
    """A subscriber through the binding: its events and parts as they come,
    and the error that ended its stream (None while it runs or when we
    stopped it)."""

    def __init__(self, url, token, after=None, kinds=None, timeout_ms=None):
        super().__init__(daemon=True)
        self.url, self.token, self.timeout_ms = url, token, timeout_ms
        self.req = {}
        if after is not None:
            self.req["after"] = after
        if kinds:
            self.req["kinds"] = kinds
        self.events, self.parts, self.error = [], 0, None
        self.stopping = threading.Event()
        self.listening = threading.Event()
        self.start()
        self.listening.wait(15)

    def part(self, p):
        self.events.extend(p.get("events", []))
        self.parts += 1
        self.listening.set()
        if self.stopping.is_set():
            raise StopIteration

    def run(self):
        c = liaison.Client(self.url, ca=CA, token=self.token, request_timeout_ms=self.timeout_ms)
        try:
            c.stream("SubscribeEvents", self.req, self.part)
        except StopIteration:
            pass
        except liaison.Error as e:
            self.error = e
        finally:
            self.listening.set()
            c.close()

    def keys(self):
        return [(e["kind"], int(e["subjectId"])) for e in self.events]

    def ids(self):
        return [int(e["id"]) for e in self.events]

    def stop(self):
        self.stopping.set()
        self.join(10)


def until(cond, seconds=15):
    deadline = time.time() + seconds
    while not cond() and time.time() < deadline:
        time.sleep(0.05)
    return cond()


try:
    a.wait_ready()
    b.wait_ready()
    must = a.must

    def tenant(slug):
        must("CreateTenant", {"slug": slug, "name": "Công ty " + slug,
                              "adminEmail": "admin@%s.example" % slug,
                              "adminPassword": PASSWORD}, OPERATOR)
        tok = must("Login", {"tenant": slug, "email": "admin@%s.example" % slug,
                             "password": PASSWORD}, None)["token"]
        tid = int(t.psql("SELECT id FROM tenants WHERE slug = '%s'" % slug))
        return tid, tok

    def user(slug, admin, email, role, distributor=0):
        req = {"email": email, "role": role, "password": PASSWORD}
        if distributor:
            req["distributorId"] = distributor
        uid = must("CreateUser", req, admin)["user"]["id"]
        tok = must("Login", {"tenant": slug, "email": email, "password": PASSWORD}, None)["token"]
        return int(uid), tok

    s1, s2 = "ev1-" + RUN, "ev2-" + RUN
    t1, admin = tenant(s1)
    t2, admin2 = tenant(s2)
    dist = []
    for name in ("Phụ tùng Sài Gòn", "東京商事"):
        d = must("CreateDistributor", {"fields": {"name": name, "country": "VN",
                                                  "timeZone": "Asia/Ho_Chi_Minh"}},
                 admin)["distributor"]["id"]
        must("CreateContact", {"distributorId": d, "fields": {
            "name": "Nguyễn Văn An", "role": "purchasing manager"}}, admin)
        dist.append(int(d))
    d1, d2 = dist
    must("SetEscalationProtocol", {"severity": "critical", "visitHours": 48, "steps": [
        {"contactRole": "purchasing manager", "method": "email", "responseHours": 4}]}, admin)
    u1, portal1 = user(s1, admin, "portal1@ev.example", "ROLE_DISTRIBUTOR_USER", d1)
    u2, portal2 = user(s1, admin, "portal2@ev.example", "ROLE_DISTRIBUTOR_USER", d2)
    um, manager = user(s1, admin, "quanly@ev.example", "ROLE_MANAGER")
    # Only a manager who reaches a distributor owns its items: Saigon's account manager, who
    # so hears of Saigon's other events too (and of none of Tokyo's).
    must("AssignAccountManager", {"id": d1, "userId": um}, admin)
    ua = int(must("WhoAmI", {}, admin)["identity"]["userId"])

    def escalate(d, subject):
        return int(must("CreateEscalationRequest", {
            "distributorId": d, "severity": "critical", "subject": subject,
            "text": "Vui lòng xác nhận đơn hàng — 至急ご確認ください。"}, admin)["escalation"]["id"])

    def action(d, owner, text):
        return int(must("CreateActionItem", {"distributorId": d, "description": text,
                                             "ownerUserId": owner,
                                             "dueAt": "2027-03-10T10:00:00Z"},
                        admin)["actionItem"]["id"])

    line = must("CreateProductLine", {"code": "BRK", "name": "Má phanh"}, admin)["productLine"]["id"]

    def charter(d):
        """d's charter draft: Vietnam, every line, a report of market intelligence alone."""
        cid = must("CreateCharterDraft", {"distributorId": d}, admin)["charter"]["id"]
        must("AddCharterGrant", {"charterId": cid, "grant": {
            "region": "VN", "allLines": True, "startsOn": "2024-01-01"}}, admin)
        must("SetCharterTerms", {"charterId": cid, "fullCoverage": True, "reportDueDay": 10,
                                 "reportSections": ["market_intelligence"]}, admin)
        return int(cid)

    def report(token, period):
        """A distributor user's monthly report opened, written and submitted."""
        rid = must("OpenReport", {"period": period}, token)["report"]["id"]
        must("SaveReport", {"id": rid, "sections": ["market_intelligence"],
                            "marketIntelligence": "Thị trường phụ tùng tăng 12% — 需要は堅調"},
             token)
        rep = must("SubmitReport", {"id": rid}, token)["report"]
        check(rep.get("status") == "submitted", "report %s submitted through SubmitReport" % rid)
        return int(rid)

    def flagged(token, d, account):
        """A deal registered in Japan, outside d's territory: flagged."""
        lead = must("RegisterLead", {"distributorId": d, "accountName": account, "country": "JP",
                                     "title": "Má phanh cho đội xe " + account,
                                     "currency": "JPY", "productLineIds": [line]},
                    token)["lead"]
        check(lead.get("registration") == "flagged",
              "a registration outside the territory is flagged: %s" % lead)
        return int(lead["id"])

    charter1, charter2 = charter(d1), charter(d2)

    # ---------------- wrong input ----------------
    for req, field in (({"kinds": ["escalation_raised", "khiếu nại"]}, "kinds[1]"),
                       ({"after": str(2**63)}, "after")):
        code, out = b.call("SubscribeEvents", req, admin)
        check(code == "INVALID_ARGUMENT" and out.get("violations", [{}])[0].get("field") == field,
              "SubscribeEvents refuses a wrong %s: %s %s" % (field, code, out))

    # ---------------- across instances, in scope only ----------------
    subs = {name: Sub(URL_B, tok) for name, tok in
            (("admin", admin), ("portal1", portal1), ("portal2", portal2),
             ("manager", manager), ("other", admin2))}
    check(all(s.listening.is_set() and s.error is None for s in subs.values()),
          "five subscribers listen on server B: %s"
          % {n: str(s.error) for n, s in subs.items()})
    # The CLI prints nothing until an event, so when its subscription is made
    # cannot be seen: "from now on" made after e1 would miss it. It resumes
    # after an id taken from the events' sequence here instead, below every
    # event made from now on, whenever it comes to subscribe.
    first_id = t.psql("SELECT nextval(pg_get_serial_sequence('events', 'id'))")
    cli = subprocess.Popen([CLI, "--json", "--token", admin, "events", "--after", first_id],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=dict(os.environ, LIAISON_URL=URL_B, LIAISON_CA=CA))
    e1 = escalate(d1, "Đơn hàng tối thiểu tháng 4")
    e2 = escalate(d2, "在庫の確認")
    x1 = action(d1, um, "Gửi dự báo tồn kho quý 2 cho quản lý")
    x2 = action(d2, ua, "見積書を送付する")
    must("ActivateCharter", {"id": charter2}, admin)
    r2 = report(portal2, time.strftime("%Y-%m", time.gmtime()))
    l2 = flagged(portal2, d2, "株式会社大阪運輸")
    l1 = flagged(admin, d1, "Công ty Vận tải Đà Nẵng")
    must("ActivateCharter", {"id": charter1}, admin)
    want = {
        "admin": [("escalation_raised", e1), ("escalation_raised", e2),
                  ("action_item_assigned", x2), ("charter_activated", charter2),
                  ("report_submitted", r2), ("deal_flagged", l2), ("deal_flagged", l1),
                  ("charter_activated", charter1)],
        "portal1": [("escalation_raised", e1), ("deal_flagged", l1),
                    ("charter_activated", charter1)],
        "portal2": [("escalation_raised", e2), ("charter_activated", charter2),
                    ("report_submitted", r2), ("deal_flagged", l2)],
        "manager": [("escalation_raised", e1), ("action_item_assigned", x1),
                    ("deal_flagged", l1), ("charter_activated", charter1)],
        "other": [],
    }
    until(lambda: all(len(subs[n].events) >= len(k) for n, k in want.items()))
    time.sleep(1)  # anything extra would have come by now
    for n, k in want.items():
        check(subs[n].keys() == k, "%s on server B gets exactly its events made through "
              "server A: %s" % (n, subs[n].keys()))
    ids = subs["admin"].ids()
    check(ids == sorted(ids) and len(set(ids)) == len(ids), "in id order, each once")
    lines = []
    reader = threading.Thread(target=lambda: [lines.append(json.loads(x))
                                              for x in cli.stdout], daemon=True)
    reader.start()
    until(lambda: len(lines) >= len(want["admin"]), 10)
    cli.send_signal(signal.SIGTERM)
    cli.wait(10)
    check([(e["kind"], int(e["subjectId"])) for e in lines] == want["admin"],
          "liaison events prints the admin's events as JSON lines: %s" % lines)
    # To the millisecond, as every other time a client reads (migration 0211).
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    check(lines and all(re.fullmatch(stamp, e.get("at", "")) for e in lines),
          "an event's time is RFC 3339 to the millisecond: %s" % [e.get("at") for e in lines[:3]])

    # ---------------- heartbeat ----------------
    time.sleep(3 * TIMEOUT_B / 1000.0)
    check(subs["other"].error is None and subs["other"].parts >= 3 and subs["other"].is_alive(),
          "an idle subscription outlives request_timeout_ms (%d ms) on heartbeats: %d parts, %s"
          % (TIMEOUT_B, subs["other"].parts, subs["other"].error))

    # ---------------- resume ----------------
    admin_sub = subs.pop("admin")
    admin_sub.stop()
    last = admin_sub.ids()[-1]
    e3 = escalate(d1, "Giao hàng trễ")
    x3 = action(d2, ua, "契約の更新")
    again = Sub(URL_B, admin, after=last)
    until(lambda: len(again.events) >= 2)
    time.sleep(0.5)
    check(again.keys() == [("escalation_raised", e3), ("action_item_assigned", x3)],
          "a resume after the last id seen gets what came meanwhile, nothing lost nor "
          "repeated: %s" % again.keys())
    mid = Sub(URL_A, admin, after=ids[1], kinds=["escalation_raised"])
    until(lambda: len(mid.events) >= 1)
    time.sleep(0.5)
    check(mid.keys() == [("escalation_raised", e3)],
          "a resume from the middle, one kind only, on the other server: %s" % mid.keys())
    mid.stop()
    again.stop()
    t.psql("INSERT INTO event_prunes (tenant_id, through_id) VALUES (%d, %d)" % (t1, ids[2]))
    try:
        code, out = b.call("SubscribeEvents", {"after": ids[0]}, admin)
    except subprocess.TimeoutExpired:  # a stream that was let through: the check below says so
        code, out = "still streaming after 60 s", {}
    check(code == "FAILED_PRECONDITION" and "no longer kept" in out.get("message", ""),
          "a resume from before what is kept is refused, saying so: %s %s" % (code, out))
    t.psql("DELETE FROM event_prunes WHERE tenant_id = %d" % t1)

    # ---------------- a reassigned deal's event goes with it ----------------
    # The distributor that lost the deal kept reading its lead's id in its history, and the
    # one that won it never saw the event (a try-out; 0208).
    must("DecideLeadRegistration", {"id": l1, "decision": "reassign", "distributorId": d2},
         admin)
    for name, tok, want_l1 in (("portal1", portal1, False), ("portal2", portal2, True)):
        hist = Sub(URL_B, tok, after=first_id, kinds=["deal_flagged"])
        until(lambda: ("deal_flagged", l1) in hist.keys(), 3)
        time.sleep(0.5)
        hist.stop()
        check((("deal_flagged", l1) in hist.keys()) == want_l1 and hist.error is None,
              "after lead %d is reassigned from D1 to D2, %s's history %s its deal_flagged: %s"
              % (l1, name, "has" if want_l1 else "no longer has", hist.keys()))

    # ---------------- a disabled user gets nothing more ----------------
    must("DisableUser", {"userId": u1}, admin)
    e4 = escalate(d1, "Sau khi khoá tài khoản")
    until(lambda: not subs["portal1"].is_alive(), 10)
    check(not subs["portal1"].is_alive() and subs["portal1"].error is not None
          and ("escalation_raised", e4) not in subs["portal1"].keys(),
          "a disabled user's stream ends, without the next event: %s" % subs["portal1"].error)
    for s in subs.values():
        s.stop()

    # ---------------- the prune job ----------------
    t.psql("UPDATE events SET at = at - interval '25 hours' WHERE tenant_id = %d AND id <= %d"
           % (t1, ids[1]))
    t.psql("UPDATE jobs SET run_at = now() WHERE for_tenant = %d AND kind = 'events_prune'"
           " AND done_at IS NULL" % t1)
    until(lambda: t.psql("SELECT count(*) FROM events WHERE tenant_id = %d AND id <= %d"
                         % (t1, ids[1])) == "0", 15)
    kept = t.psql("SELECT through_id FROM event_prunes WHERE tenant_id = %d" % t1)
    check(kept == str(ids[1]),
          "the scheduler's events_prune removes events older than 24 hours and remembers "
          "through which id: %s" % kept)

    # ---------------- a subscriber that never reads ----------------
    def flood(n):
        """n events of D1 written and announced as the triggers do, without their sources."""
        t.psql("WITH e AS (INSERT INTO events (tenant_id, kind, subject_id, distributor_id, at)"
               " SELECT %d, 'report_submitted', 0, %d, now() FROM generate_series(1, %d)"
               " RETURNING id) SELECT count(pg_notify('liaison_events', '%d:' || id)) FROM e"
               % (t1, d1, n, t1))

    slow = w.connect(a.port, CA, rcvbuf=4096)
    slow.sendall(w.hello())
    w.recv_frame(slow)
    slow.sendall(w.authenticate(2, admin))
    w.recv_frame(slow)
    slow.sendall(w.frame(3, "SubscribeEvents"))
    time.sleep(0.5)
    flood(100000)  # more than the kernel's buffers hold: its stream stops at its unread output
    # Announcements while it does not read, until the server cuts it off.
    until(lambda: flood(2 * QUEUE_A) or "SubscribeEvents status=RESOURCE_EXHAUSTED" in a.log(),
          90)
    check(a.call("Ping", {}, admin)[0] == "OK", "server A answers others meanwhile")
    code, msg, frames = 0, "", 0
    slow.settimeout(30)
    stop_at = time.time() + 60
    try:
        while code == 0 and time.time() < stop_at:
            _, code, msg, _ = w.recv_frame(slow)
            frames += 1
    except OSError as e:
        msg = str(e)
    check(code == RESOURCE_EXHAUSTED and "behind" in msg,
          "the subscriber that never read is cut off at event_queue_max after %d parts: %d %s"
          % (frames, code, msg))
    slow.close()
finally:
    check(a.stop(), "server A stopped cleanly")
    check(b.stop(), "server B stopped cleanly")
t.finish("test_events")
