#!/usr/bin/env python3
"""The lesson's failure story replayed with the service clock over eight
months (issue 15): a German maker's exclusive distributor in Vietnam whose
reports go late then stop, whose orders stall, who declares a competing
line against its exclusive charter and stops answering escalation requests
sinks to the worst place of the portfolio, with those reasons, before
month six; a healthy distributor in the same tenant keeps the best place.
Meetings, notes, orders, escalations, the charter amendment and the
monthly reports go through the RPCs; an on-time report is submitted with
the clock set before its due day, a late one after it.
Usage: test_health_story.py CLI."""
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
from liaison_test import check  # noqa: E402

CLI = sys.argv[1]
OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
PASSWORD = "correct horse battery staple"
RUN = str(int(time.time() * 1000) % 10**8)
sql = t.psql
c = t.Cli(CLI, w.env("LIAISON_TEST_URL"), os.path.join(w.env("LIAISON_TEST_DIR"), "story-home"))
call, must = c.call, c.must


def rfc(x):
    return x.strftime("%Y-%m-%dT%H:%M:%SZ")


def set_clock(x):
    sql("INSERT INTO liaison_clock (fixed_at) VALUES ('%s') ON CONFLICT (only_row) "
        "DO UPDATE SET fixed_at = EXCLUDED.fixed_at, shift = '0'" % x.isoformat())


def settle(seconds=120):
    """Waits until the tenant has no due health job left."""
    deadline = time.monotonic() + seconds
    q = ("SELECT count(*) FROM jobs WHERE for_tenant = %s AND kind LIKE 'health%%'"
         " AND done_at IS NULL AND run_at <= liaison_now()" % tid)
    while sql(q) != "0" and time.monotonic() < deadline:
        time.sleep(0.2)


def submit_report(user, period):
    """Its distributor's user opens, fills (every section the charter
    requires) and submits the monthly report for period (a date) at the
    service clock's now: on time or late as the clock says."""
    rid = must("OpenReport", {"period": period.strftime("%Y-%m")}, user)["report"]["id"]
    must("SaveReport", {"id": rid, "sales": [{"productLineId": brk, "units": 40,
                                               "revenueMinor": 18000000, "currency": "VND"}],
                        "inventory": [{"productLineId": brk, "unitsOnHand": 60}],
                        "pipeline": [{"title": "Đội xe buýt Hà Nội", "stage": "proposal",
                                      "valueMinor": 5000000, "currency": "VND"}],
                        "marketIntelligence": "Nhu cầu ổn định; 需要は安定しています。",
                        "competition": [{"competitor": "Phanh Hàn Quốc",
                                         "activity": "Giảm giá 5%"}]}, user)
    must("SubmitReport", {"id": rid}, user)


def first_of_month(x, ahead):
    m = x.month - 1 + ahead
    return datetime.datetime(x.year + m // 12, m % 12 + 1, 1, tzinfo=datetime.timezone.utc)


try:
    sql("DELETE FROM liaison_clock")
    REAL = datetime.datetime.now(datetime.timezone.utc)
    slug = "bremsen-" + RUN
    must("CreateTenant", {"slug": slug, "name": "Bremsen Müller GmbH",
                          "adminEmail": "admin@story.example", "adminPassword": PASSWORD},
         OPERATOR)
    admin = must("Login", {"tenant": slug, "email": "admin@story.example",
                           "password": PASSWORD}, None)["token"]
    tid = sql("SELECT id FROM tenants WHERE slug = '%s'" % slug)
    brk = must("CreateProductLine", {"code": "BRK", "name": "Bremsbeläge"},
               admin)["productLine"]["id"]
    pad = must("CreateProduct", {"sku": "BRK-7", "productLineId": brk, "name": "Má phanh",
                                 "unit": "set"}, admin)["product"]["id"]
    must("SetEscalationProtocol", {"distributorId": 0, "severity": "normal", "visitHours": 48,
                                   "steps": [{"contactRole": "purchasing manager",
                                              "method": "email", "responseHours": 48}]}, admin)

    def distributor(name, country, zone, contact, email):
        d = must("CreateDistributor", {"fields": {"name": name, "country": country,
                                                  "timeZone": zone}}, admin)["distributor"]["id"]
        cid = must("CreateCharterDraft", {"distributorId": d}, admin)["charter"]["id"]
        must("AddCharterGrant", {"charterId": cid, "grant": {
            "region": country, "allLines": True, "exclusive": True,
            "startsOn": REAL.date().isoformat()}}, admin)
        must("ActivateCharter", {"id": cid}, admin)
        must("CreateContact", {"distributorId": d, "fields": {"name": contact,
                                                              "role": "purchasing manager"}},
             admin)
        must("CreateUser", {"email": email, "role": "ROLE_DISTRIBUTOR_USER",
                            "password": PASSWORD, "distributorId": d}, admin)
        user = must("Login", {"tenant": slug, "email": email, "password": PASSWORD},
                    None)["token"]
        return d, user

    hanoi, hanoi_user = distributor("Công ty Phụ tùng Ô tô Hà Nội", "VN", "Asia/Ho_Chi_Minh",
                                    "Nguyễn Văn Minh", "minh@story.example")
    tokyo, tokyo_user = distributor("東京ブレーキ販売株式会社", "JP", "Asia/Tokyo", "佐藤 花子",
                                    "sato@story.example")

    def month(d, user, at, held_notes, orders, answers, late_report):
        """One month of a relationship at instant at: a review meeting held an hour ago
        (notes or not), orders placed, a request sent (answered or not), last month's
        report submitted late (at at) or not here."""
        m = must("CreateMeeting", {"distributorId": d, "title": "Họp đánh giá tháng",
                                   "startsAt": rfc(at - datetime.timedelta(hours=2)),
                                   "durationMinutes": 60}, admin)["meeting"]["id"]
        must("MarkMeetingHeld", {"id": m}, admin)
        if held_notes:
            must("AddMeetingNote", {"meetingId": m, "body": "Tồn kho ổn định, 在庫は十分です。",
                                    "language": "vi"}, user)
        for _ in range(orders):
            must("PlaceOrder", {"lines": [{"productId": pad, "quantity": 20,
                                           "unitPriceMinor": 450000}], "currency": "VND"}, user)
        e = must("CreateEscalationRequest", {
            "distributorId": d, "severity": "normal", "subject": "Báo cáo tồn kho?",
            "text": "Xin gửi số liệu tồn kho tháng này."}, admin)["escalation"]["id"]
        if answers:
            must("RespondEscalation", {"id": e, "text": "Đã gửi. 送付しました。"}, user)
        if late_report:
            submit_report(user, first_of_month(at, -1))

    # Every activation plans the cadence, and a planned meeting left to pass
    # unrecorded is judged (migration 0219). The story's meetings are the
    # monthly ones below, so the planned ones are called off, as an exporter
    # cancels them.
    sql("UPDATE meetings SET status = 'cancelled' WHERE tenant_id = %s"
        " AND status = 'scheduled' AND series_id IS NOT NULL" % tid)
    scores = {hanoi: [], tokyo: []}
    firsts = []
    for m in range(8):
        # The 13th of each month after the activation's, after the reports' due day (10th).
        at = first_of_month(REAL, m + 1) + datetime.timedelta(days=12, hours=10)
        # Last month's reports that are on time: submitted on the 5th, before the due day.
        set_clock(first_of_month(REAL, m + 1) + datetime.timedelta(days=4, hours=10))
        submit_report(tokyo_user, first_of_month(at, -1))
        if m < 3:
            submit_report(hanoi_user, first_of_month(at, -1))
        set_clock(at)
        month(tokyo, tokyo_user, at, True, 2, True, False)
        # Hà Nội: fine for three months, then late reports and no notes, no more
        # orders, no answers; then no reports at all; a competing line declared in month 3.
        month(hanoi, hanoi_user, at, m < 3, 2 if m < 3 else 0, m < 3, m in (3, 4))
        if m == 3:
            draft = must("CreateCharterDraft", {"distributorId": hanoi}, admin)["charter"]["id"]
            must("DeclareCompetingLine", {"charterId": draft, "competingLine": {
                "competitor": "Brembo Asia", "line": "Má phanh nhập khẩu"}}, admin)
            must("ActivateCharter", {"id": draft}, admin)
        # Two days later the month's requests are past their 48 h.
        set_clock(at + datetime.timedelta(days=2, hours=1))
        settle()
        entries = must("GetPortfolio", {}, admin)["entries"]
        firsts.append(str(entries[0]["distributorId"]))
        for d in (hanoi, tokyo):
            h = must("GetDistributorHealth", {"distributorId": d}, admin)["health"]
            scores[d].append(h.get("score", 0))
        print("# month %d: Hà Nội %d, Tokyo %d" % (m + 1, scores[hanoi][-1], scores[tokyo][-1]))

    # Before month six (months are 0-based here: index 4 is the fifth).
    check(firsts[4] == str(hanoi) and all(f == str(hanoi) for f in firsts[4:]),
          "Hà Nội is worst in the portfolio from month five on (%s)" % firsts)
    check(scores[hanoi][4] < scores[hanoi][1] - 25,
          "Hà Nội's score sank by month five (%s)" % scores[hanoi])
    check(min(scores[tokyo]) >= 90, "Tokyo stays healthy all along (%s)" % scores[tokyo])
    h = must("GetDistributorHealth", {"distributorId": hanoi}, admin)["health"]
    factors = [r["factor"] for r in h.get("reasons", [])]
    check({"order_trend", "competing_lines", "report_timeliness", "responsiveness",
           "notes_compliance"} <= set(factors),
          "its reasons: orders stalled, the competing line, reports, requests, notes (%s)"
          % [r.get("detail") for r in h.get("reasons", [])])
    check(any("Brembo Asia" in r.get("detail", "") for r in h["reasons"]),
          "the competing line is named")
    h = must("GetDistributorHealth", {"distributorId": hanoi}, hanoi_user)["health"]
    check(h.get("score") == scores[hanoi][-1], "Hà Nội's own user reads the same score")
    code, _ = call("GetDistributorHealth", {"distributorId": tokyo}, hanoi_user)
    check(code == "NOT_FOUND", "and not Tokyo's (%s)" % code)
finally:
    sql("DELETE FROM liaison_clock")

t.finish("test_health_story")
