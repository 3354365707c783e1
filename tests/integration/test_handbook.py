#!/usr/bin/env python3
"""The Relationship Operating Handbook and the scorecard (issue 15, part D),
on a liaisond of the test's own with a small frame limit, so that a
handbook takes several parts. A distributor with a full charter (territory,
carve-out, coverage, commitments, reporting duties, competing-line policy),
its cadence, its own escalation ladder and the tenant's default, a document
shared with it, and names carrying <script>, Vietnamese and Japanese:
- the Markdown and the HTML name all of it; the HTML (handbook and
  scorecard) parses without one error in an HTML5 parser, its charts are
  well-formed SVG with a title and a description, and no user text comes
  out unescaped;
- it is streamed (Frame.more), the stream's text is the CLI's file byte for
  byte, and a request without a stream is refused in words;
- each generation that changed the text is the next version of the distributor's handbook
  document, shared with that distributor alone, which translation coverage
  lists (missing, then stale);
- amending and activating a new charter version changes what the next
  generation says;
- a distributor user reads only its own distributor's handbook and
  scorecard: another's is NOT_FOUND, word for word as one that does not
  exist, and it may not generate (store) one; a refusal stores nothing.
Reports and targets (part A) are made through their RPCs; the health
scores (part C) by owner SQL, since no RPC writes one (fill_performance()).
GenerateHandbook's language is en or refused naming the field; a
translated handbook uploaded with AddTranslation counts in coverage.
Usage: test_handbook.py LIAISOND CLI."""
import atexit
import base64
import datetime
import json
import os
import re
import secrets
import signal
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zoneinfo

sys.path.insert(0, "/usr/lib/python3/dist-packages")  # Debian's html5lib
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import html5lib  # noqa: E402
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
from liaison_test import check  # noqa: E402

LIAISOND, CLI = sys.argv[1], sys.argv[2]
OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
PASSWORD = "correct horse battery staple"
RUN = secrets.token_hex(3)
MAX_FRAME = 8192
HOSTILE = "<script>alert('x')</script>"

srv = t.Server("handbook", LIAISOND, CLI, "max_frame_bytes = %d" % MAX_FRAME,
               "preauth_max_frame_bytes = %d" % MAX_FRAME)
srv.wait_ready()
call, must, cli = srv.call, srv.must, srv.cli
sql = t.psql
OUT = os.path.join(srv.dir, "out")
os.makedirs(OUT, exist_ok=True)


@atexit.register
def _kill_server_left_running():
    """Only for a test that died half-way: the normal end stops it cleanly."""
    try:
        os.kill(srv.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


slug = "handbook-" + RUN
must("CreateTenant", {"slug": slug, "name": "Müller Teile GmbH 株式会社",
                      "adminEmail": "admin@hb.example", "adminPassword": PASSWORD}, OPERATOR)
tid = int(sql("SELECT id FROM tenants WHERE slug = '%s'" % slug))
admin = must("Login", {"tenant": slug, "email": "admin@hb.example", "password": PASSWORD},
             None)["token"]


def login(email):
    return must("Login", {"tenant": slug, "email": email, "password": PASSWORD}, None)["token"]


brk = int(must("CreateProductLine", {"code": "BRK", "name": "Phanh " + HOSTILE},
           admin)["productLine"]["id"])


def distributor(name, country, languages):
    d = must("CreateDistributor", {"fields": {"name": name, "country": country,
                                              "timeZone": "Asia/Ho_Chi_Minh",
                                              "languages": languages}},
             admin)["distributor"]["id"]
    email = "portal-%s@hb.example" % d
    must("CreateUser", {"email": email, "role": "ROLE_DISTRIBUTOR_USER", "distributorId": d,
                        "password": PASSWORD}, admin)
    return int(d), login(email)


NAME_A = "Sài Gòn %s 株式会社" % HOSTILE
# Vietnamese first, English second: the order of preference, which is not the alphabet's.
da, user_a = distributor(NAME_A, "VN", ["vi", "en"])
db, user_b = distributor("Hà Nội Phụ Tùng", "VN", ["vi"])
must("CreateUser", {"email": "auditor@hb.example", "role": "ROLE_AUDITOR",
                    "password": PASSWORD}, admin)
auditor = login("auditor@hb.example")
must("CreateContact", {"distributorId": da, "fields": {
    "name": "Trần Thị Bình", "role": "purchasing manager", "language": "vi",
    "phone": "+84 28 3823 4567", "messaging": "Zalo 0903 123 456"}}, admin)
must("CreateContact", {"distributorId": da, "fields": {
    "name": "田中 <b>太郎</b>", "role": "general manager", "language": "ja"}}, admin)


def charter(due_day, signatory):
    """A new charter version for distributor A, made active; its version number."""
    c = must("CreateCharterDraft", {"distributorId": da}, admin)["charter"]
    must("SetCharterTerms", {"charterId": c["id"], "fullCoverage": False,
                             "coveredLineIds": [brk], "competingAllowed": False,
                             "reportDueDay": due_day,
                             "reportSections": ["sales_by_line", "inventory_on_hand"],
                             "signatories": ["Nguyễn Văn An", signatory],
                             "signedOn": "2026-01-15"}, admin)
    if c["version"] == 1:
        must("AddCharterGrant", {"charterId": c["id"], "grant": {
            "region": "VN-SG", "allLines": False, "productLineIds": [brk], "exclusive": True,
            "startsOn": "2026-01-01"}}, admin)
        must("AddCarveOut", {"charterId": c["id"], "carveOut": {
            "accountName": "VinFast " + HOSTILE, "region": "VN-SG", "note": "served directly"}},
             admin)
        must("SetCommitment", {"charterId": c["id"], "commitment": {
            "productLineId": brk, "moq": 50, "bufferUnit": "weeks", "bufferAmount": 8,
            "financing": "shared", "paymentTermsDays": 60}}, admin)
        must("DeclareCompetingLine", {"charterId": c["id"], "competingLine": {
            "competitor": "Rival </td>" + HOSTILE, "line": "Bremsen 制動"}}, admin)
    must("ActivateCharter", {"id": c["id"]}, admin)
    return c["version"]


check(charter(12, "Klaus <i>Müller</i>") == 1, "distributor A's charter version 1 is active")
must("SetEscalationProtocol", {"distributorId": da, "severity": "high", "visitHours": 72,
                               "steps": [{"contactRole": "purchasing manager", "method": "phone",
                                          "responseHours": 24},
                                         {"contactRole": "general manager", "method": "email",
                                          "responseHours": 48}]}, admin)
must("SetEscalationProtocol", {"distributorId": 0, "severity": "normal",
                               "steps": [{"contactRole": "sales director", "method": "email",
                                          "responseHours": 72}]}, admin)
price_doc = must("CreateDocument", {"kind": "price_sheet", "title": "Bảng giá " + HOSTILE,
                                    "language": "en", "share": [da],
                                    "content": base64.b64encode(b"prices").decode()},
                 admin)["document"]["id"]


def fill_performance(distributor, line):
    """Parts A and C's data: reports for the three months before this one
    (sales and stock), opened, saved and submitted through the report RPCs,
    with unit targets for them through SetTarget; and three health scores
    (the newest 64, with a reason carrying <script>), which stay owner SQL:
    no RPC writes a score (the scheduler computes them) and these must be
    dated ahead of its own. Returns the months' labels, oldest first."""
    months = []
    today = datetime.datetime.now(datetime.timezone.utc).date()
    for back, units, on_hand, target in ((3, 120, 200, 100), (2, 90, 150, 100), (1, 60, 80, 100)):
        y, m = today.year, today.month - back
        while m < 1:
            y, m = y - 1, m + 12
        period = "%04d-%02d" % (y, m)
        months.append(period)
        rid = must("OpenReport", {"distributorId": distributor, "period": period},
                   admin)["report"]["id"]
        must("SaveReport", {"id": rid, "sections": ["sales_by_line", "inventory_on_hand"],
                            "sales": [{"productLineId": line, "units": units,
                                       "revenueMinor": units * 1000, "currency": "VND"}],
                            "inventory": [{"productLineId": line, "unitsOnHand": on_hand}]},
             admin)
        must("SubmitReport", {"id": rid}, admin)
        must("SetTarget", {"distributorId": distributor, "productLineId": line,
                           "period": period, "units": target}, admin)
    # Dated ahead of the clock: the scheduler's own health jobs (queued by the
    # rows above) append real scores at the clock's time, and these stay the newest.
    for back, score in ((60, 81), (30, 72), (1, 64)):
        reasons = json.dumps([{"factor": "report_timeliness", "points": 12, "weight": 15,
                               "detail": "2 báo cáo trễ " + HOSTILE}])
        sql("INSERT INTO health_scores (tenant_id, distributor_id, computed_at, score, reasons)"
            " VALUES (%d, %d, now() + interval '3650 days' - interval '%d days', %d, '%s')"
            % (tid, distributor, back, score, reasons.replace("'", "''")))
    return months


months = fill_performance(da, brk)


def audits(action):
    return int(sql("SELECT count(*) FROM audit_log WHERE tenant_id = %d AND action = '%s'"
                   % (tid, action)))


def versions():
    return int(sql("SELECT count(*) FROM document_versions v JOIN handbook_documents h"
                   " ON h.tenant_id = v.tenant_id AND h.document_id = v.document_id"
                   " WHERE h.tenant_id = %d AND h.distributor_id = %d" % (tid, da)))


def html_errors(text):
    """'' when text parses as HTML5 without one error, else the first error."""
    try:
        html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)
        return ""
    except html5lib.html5parser.ParseError as e:
        return str(e) or "parse error"


def svgs(text):
    """Each inline <svg> of text, parsed as XML (it must be well-formed)."""
    found = []
    for m in re.findall(r"<svg .*?</svg>", text, re.S):
        try:
            found.append(ET.fromstring(m))
        except ET.ParseError as e:
            check(False, "a chart is well-formed SVG (%s)" % e)
    return found


def visible_text(text):
    """The text a browser shows (and the <title>): user text must come back intact."""
    tree = html5lib.parse(text, namespaceHTMLElements=False)
    return "".join(tree.itertext())


def health_settled():
    """Waits until no recomputation of this tenant's health is pending: the
    handbook draws every stored score, and the setting up above queued jobs
    that may add one, so two generations compare equal only once those have
    run."""
    for _ in range(300):
        if sql("SELECT count(*) FROM jobs WHERE for_tenant = %d AND kind = 'health_recompute'"
               " AND done_at IS NULL" % tid) == "0":
            return True
        time.sleep(0.1)
    return False


# An item both sides see, and the exporter's internal one (migration 0096), which the
# handbook's counts leave out whoever renders it (0097).
for internal in (False, True):
    must("CreateActionItem", {"distributorId": da, "description": "Gửi bảng giá mới",
                              "owner": "admin@hb.example", "dueOn": "2030-12-31",
                              "internal": internal}, admin)

# Who is in the weekly check-ins (migration 0140), one name to be escaped.
weekly = [s for s in must("GetCadence", {"distributorId": da}, admin)["series"]
          if s["kind"] == "weekly"][0]
# One of the exporter's staff given by e-mail is named by name, as the contacts are: the handbook
# listed e-mails (a try-out, migration 0333).
sql("UPDATE users SET display_name = 'Anna Müller' WHERE tenant_id = %d"
    " AND email = 'admin@hb.example'" % tid)
must("UpdateMeetingSeries", {"id": weekly["id"], "attendees": [
    "Trần Thị Bình", "田中 <b>太郎</b>", "admin@hb.example"]}, admin)

# ---------------- Markdown, through the CLI ----------------
check(health_settled(), "the scheduler has run the health jobs the setting up queued")
audits_before = audits("handbook.generated")
md_path = os.path.join(OUT, "handbook.md")
code, out = cli("handbook", str(da), "-o", md_path, token=admin)
check(code == "OK" and out.get("output") == md_path, "`liaison handbook` writes the file (%s %s)"
      % (code, out))
check(out.get("documentVersion") == 1 and out.get("charterVersion") == 1
      and out.get("mediaType", "").startswith("text/markdown"),
      "the first generation is version 1 of the handbook document, from charter 1 (%s)" % out)
md = open(md_path, encoding="utf-8").read()
check(out.get("bytes") == len(md.encode()), "the CLI says how many bytes it wrote")
for want, what in (("# Relationship Operating Handbook: Sài Gòn &lt;script&gt;", "the title"),
                   ("- VN-SG, exclusive, BRK Phanh &lt;script&gt;", "the territory"),
                   ("VinFast &lt;script&gt;", "the carve-out"),
                   ("The listed lines only: BRK Phanh", "the coverage"),
                   ("| 50 | 8 weeks of cover | shared | 60 days |", "the commitment"),
                   ("by day 12 of the month after the period", "the report's due day"),
                   ("may not carry competitors' lines", "the competing-line policy"),
                   ("Rival &lt;/td&gt;&lt;script&gt;", "the declared competing line"),
                   ("Nguyễn Văn An, Klaus &lt;i&gt;Müller&lt;/i&gt;", "the signatories"),
                   ("Distributor: Asia/Ho\\_Chi\\_Minh", "the distributor's time zone"),
                   ("Call times rotate", "the rotation rule"),
                   ("Step 1: Trần Thị Bình (purchasing manager), by phone; an answer is expected"
                    " within 24 hours", "the ladder's first step"),
                   ("Step 2: 田中 &lt;b&gt;太郎&lt;/b&gt; (general manager), by e-mail",
                    "the ladder's second step"),
                   ("Then a visit, due within 72 hours", "the visit"),
                   ("### Severity normal", "the tenant default's severity"),
                   ("The exporter's default ladder", "the tenant default said as such"),
                   ("Bảng giá &lt;script&gt;", "the shared document"),
                   ("The distributor reads: vi, en, ja.",
                    "its languages in its order of preference, then its contacts'"),
                   ("| vi, ja |", "the languages the price sheet lacks, in that order"),
                   ("within 24 hours of its end", "the notes discipline"),
                   ("### Who to reach\n\nNo account manager who can be reached is assigned to"
                    " this distributor.",
                    "that no account manager is assigned"),
                   ("| Trần Thị Bình | purchasing manager | – | +84 28 3823 4567 | Zalo 0903 123 456"
                    " | vi |", "how to reach a contact"),
                   ("| 田中 &lt;b&gt;太郎&lt;/b&gt; | general manager | – | – | – | ja |",
                    "a contact with nothing but a role, escaped"),
                   ("Open action items: 1, of which overdue: 0",
                    "the open action items, the internal one not counted"),
                   ("| %s | 60 | 100 | " % months[2], "the last month's sales and target"),
                   # 80 on hand against 270 sold in three reported months: 80 / (90 * 12 / 52)
                   ("at the end of %s:\n\n- BRK: 3.9 weeks of cover against 8 weeks, below the"
                    " commitment" % months[2], "the line's own cover against its buffer")):
    check(want in md, "the Markdown names %s" % what)
for series in ("(weekly, every week)", "(monthly, every month, in the week after the monthly report"
               " falls due)", "(quarterly, every three months)",
               "(annual, every year, a month before the charter year ends)"):
    check(series in md, "the Markdown names the cadence's series and how often it meets: %s"
          % series)
check("; attended by Trần Thị Bình, 田中 &lt;b&gt;太郎&lt;/b&gt;, Anna Müller" in md
      and "attended by Trần Thị Bình, 田中 &lt;b&gt;太郎&lt;/b&gt;, admin@" not in md,
      "and who attends a series, by name, escaped")
check("<script" not in md and "<b>" not in md and "<i>" not in md,
      "no user text comes out as HTML in the Markdown")

# ---------------- HTML ----------------
html_path = os.path.join(OUT, "handbook.html")
code, out = cli("handbook", str(da), "--format", "html", "-o", html_path, token=admin)
check(code == "OK" and out.get("documentVersion") == 1,
      "a second generation (HTML) with nothing changed stores no new version (%s %s)"
      % (code, out))
# Generated again on another day, nothing else changed (here the stored version's day is set
# back): the same version, so its translations do not go stale (a try-out, migration 0327).
day = re.search(r"\. Generated on ([0-9]{4}-[0-9]{2}-[0-9]{2}), charter version 1\.\n", md)
check(day is not None, "the handbook says the day it was generated")
hb_doc = int(out.get("documentId", 0))
t.psql("UPDATE document_versions SET content = convert_to(replace(convert_from(content, 'UTF8'),"
       " '. Generated on %s,', '. Generated on 2020-01-01,'), 'UTF8')"
       " WHERE document_id = %d AND version = 1" % (day.group(1) if day else "", hb_doc))
code, out = cli("handbook", str(da), "-o", md_path, token=admin)
check(code == "OK" and out.get("documentVersion") == 1,
      "generated on another day with nothing else changed, it stores no new version (%s %s)"
      % (code, out))
t.psql("UPDATE document_versions SET content = convert_to(replace(convert_from(content, 'UTF8'),"
       " '. Generated on 2020-01-01,', '. Generated on %s,'), 'UTF8')"
       " WHERE document_id = %d AND version = 1" % (day.group(1) if day else "", hb_doc))
html = open(html_path, encoding="utf-8").read()
check(html_errors(html) == "", "the HTML handbook parses as HTML5 without errors (%s)"
      % html_errors(html))
check("<script" not in html.lower(), "no user text comes out unescaped in the HTML")
shown = visible_text(html)
check(NAME_A in shown, "the distributor's name, <script> and all, is shown as text")
check("Rival </td>" + HOSTILE in shown and "田中 <b>太郎</b>" in shown,
      "the competing line and the contact are shown as the user wrote them")
check("@media print" in html, "the HTML carries a print stylesheet")
charts = svgs(html)
check(len(charts) == 3, "the HTML carries three charts (%d)" % len(charts))
NS = "{http://www.w3.org/2000/svg}"
titles = [c.findtext(NS + "title") for c in charts]
check(titles == ["Attainment by month: BRK", "Weeks of cover: BRK", "Health over time"],
      "each chart has its <title>, a line's naming the line (%s)" % titles)
check(all(c.findtext(NS + "desc") for c in charts), "each chart has a <desc>")
bars = [r for r in charts[0].iter(NS + "rect") if r.get("width") != "640"]
check(len(bars) == 3, "attainment: one bar per month reported (%d)" % len(bars))
check(len(list(charts[2].iter(NS + "circle"))) >= 3,
      "health: a point per score (the three stored, and any the scheduler added)")
check(any(x.text == "commitment: 8 weeks" for x in charts[1].iter(NS + "text")),
      "weeks of cover: the commitment line is named")

# ---------------- performance from the relationship's first month (migration 0087) ----------------
def glance(distributor, fmt="md"):
    """The handbook's "Performance at a glance" section, read with --no-store."""
    path = os.path.join(OUT, "glance-%d.%s" % (distributor, fmt))
    code, out = cli("handbook", str(distributor), "--no-store", "--format", fmt, "-o", path,
                    token=admin)
    check(code == "OK", "the handbook of %d is read (%s %s)" % (distributor, code, out))
    text = open(path, encoding="utf-8").read() if code == "OK" else ""
    return text[text.find("6. Performance at a glance"):]


def month_rows(section):
    return [ln.split("|")[1].strip() for ln in section.splitlines() if re.match(r"\| \d{4}-\d\d ", ln)]


# Distributor A began today, with reports entered for the three months before:
# its months are those three, not twelve of which nine before it existed.
def chart_data(distributor):
    """liaison_handbook_charts() as liaisond's role reads it in the tenant."""
    got = sql("BEGIN; SET LOCAL ROLE liaison;"
              " SELECT liaison_context_set(%d, NULL, NULL, NULL, NULL, false);"
              " SELECT liaison_handbook_charts(%d)::text; COMMIT;" % (tid, distributor))
    return json.loads(next((ln for ln in got.splitlines() if ln.startswith("{")), "{}"))


check(month_rows(glance(da)) == months,
      "the months start at the first one with a report, not twelve back (%s)"
      % month_rows(glance(da)))
section = glance(db)
check("No charter has been activated yet" in section and not month_rows(section),
      "no charter ever activated: a sentence, no empty months (%s)" % section)
cb = must("CreateCharterDraft", {"distributorId": db}, admin)["charter"]["id"]
must("AddCharterGrant", {"charterId": cb, "grant": {"region": "VN-HN", "allLines": True,
                                                   "startsOn": "2026-01-01"}}, admin)
must("ActivateCharter", {"id": cb}, admin)
began = sql("SELECT activated_at::date FROM charters WHERE tenant_id = %d AND id = %s"
            % (tid, cb))
section = glance(db)
check("The charter was first activated on %s: no month since is over yet" % began in section
      and not month_rows(section),
      "a relationship younger than its first month: a sentence only (%s)" % section)
html_section = glance(db, "html")
check("no month since is over yet" in html_section and "<svg" not in html_section,
      "and in HTML, without empty charts")
# Activated 75 days ago: its months run from that month to the last one over.
sql("UPDATE charters SET activated_at = activated_at - interval '75 days'"
    " WHERE tenant_id = %d AND id = %s" % (tid, cb))
first = datetime.date.fromisoformat(began) - datetime.timedelta(days=75)
today = datetime.datetime.now(datetime.timezone.utc).date()
want, m = [], datetime.date(first.year, first.month, 1)
while m < datetime.date(today.year, today.month, 1):
    want.append(m.strftime("%Y-%m"))
    m = datetime.date(m.year + (m.month == 12), m.month % 12 + 1, 1)
section = glance(db)
check(chart_data(db).get("months") == want and not month_rows(section)
      and "No product line has sales, stock, a monthly unit target or a buffer-stock commitment"
      in section,
      "the months start at the charter's first activation, and with nothing reported no line"
      " is charted (%s, want %s; %s)" % (chart_data(db).get("months"), want, section))
# Last month's report sells 60 BRK against a target of 100 and 1,000 of a line with no target
# (a try-out): the chart read 1,060 units against 100, far over target, where BRK is at 60 %.
flt = int(must("CreateProductLine", {"code": "FLT", "name": "Lọc dầu オイルフィルター"},
               admin)["productLine"]["id"])
last = want[-1]
rid = must("OpenReport", {"distributorId": db, "period": last}, admin)["report"]["id"]
must("SaveReport", {"id": rid, "sales": [
    {"productLineId": brk, "units": 60, "revenueMinor": 60000, "currency": "VND"},
    {"productLineId": flt, "units": 1000, "revenueMinor": 1000000, "currency": "VND"}],
    "inventory": [{"productLineId": brk, "unitsOnHand": 40}],
    "pipeline": [{"title": "Đội xe buýt", "stage": "new", "valueMinor": 1, "currency": "VND"}],
    "marketIntelligence": "市場は安定", "competition": [{"competitor": "Phanh Việt",
                                                    "activity": "Giảm giá"}]}, admin)
must("SubmitReport", {"id": rid}, admin)
must("SetTarget", {"distributorId": db, "productLineId": brk, "period": last, "units": 100},
     admin)
section = glance(db)
row = [[c.strip() for c in ln.split("|")[1:5]] for ln in section.splitlines()
       if ln.startswith("| %s " % last)]
check(row == [[last, "60", "100", "2.9"], [last, "1000", "–", "–"]],
      "each line has its own table: BRK's 60 against its 100 and its 40 on hand as 2.9 weeks,"
      " FLT's 1,000 without a target or stock, never added together (%s)" % row)
check("BRK (Phanh " in section and "FLT (Lọc dầu オイルフィルター): no buffer-stock commitment."
      in section, "each line's table is named, with its commitment or none (%s)" % section)
html_section = glance(db, "html")
titles = re.findall(r"<title id=[^>]*>([^<]*)</title>", html_section)
check(titles == ["Attainment by month: BRK", "Weeks of cover: BRK", "Attainment by month: FLT",
                 "Weeks of cover: FLT", "Health over time"],
      "in HTML, two charts a line and one of health (%s)" % titles)

# ---------------- streamed ----------------


def handbook_request(distributor, fmt, stream):
    return (w.field_varint(1, distributor) + w.field_bytes(2, fmt.encode())
            + (w.field_varint(3, 1) if stream else b""))


def recv_full(sock):
    """(request_id, status dict, payload, more) of the next frame."""
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
    return rid, st, payload, more


def read_answer(sock, rid):
    """(frames, status, the content of every part joined)."""
    frames, content = 0, b""
    while True:
        got, st, payload, more = recv_full(sock)
        check(got == rid, "every part answers its request")
        frames += 1
        content += b"".join(v for num, _, v in w.parse_fields(payload) if num == 1)
        if not more:
            return frames, st, content


# Read it again as it is now (the health jobs the generations queued may have added scores).
check(health_settled(), "the scheduler has run any health job since")
read_path = os.path.join(OUT, "read.html")
code, out = cli("handbook", str(da), "--no-store", "--format", "html", "-o", read_path,
                token=admin)
check(code == "OK" and out.get("documentVersion", 0) == 0, "--no-store reads (%s)" % code)
s = srv.session(token=admin)
s.sendall(w.frame(3, "GetHandbook", handbook_request(da, "html", True)))
frames, st, content = read_answer(s, 3)
check(st["code"] == 0 and frames > 1, "the handbook comes as a stream of %d parts" % frames)
check(content.decode() == open(read_path, encoding="utf-8").read(),
      "the stream's text is the CLI's file, byte for byte")
s.sendall(w.frame(4, "GetHandbook", handbook_request(da, "html", False)))
frames, st, _ = read_answer(s, 4)
check(frames == 1 and st["code"] == 8 and "ask for it as a stream" in st.get("message", ""),
      "without a stream, a handbook larger than one answer is refused in words (%s)" % st)
s.close()
check(versions() == 1, "reading (GetHandbook) stores no version")

# ---------------- stored as a document version; coverage ----------------
doc = int(sql("SELECT document_id FROM handbook_documents WHERE tenant_id = %d"
              " AND distributor_id = %d" % (tid, da)))


def stored(version):
    return bytes.fromhex(sql("SELECT encode(content, 'hex') FROM document_versions WHERE"
                             " tenant_id = %d AND document_id = %d AND version = %d"
                             % (tid, doc, version))).decode()


check(stored(1) == md, "version 1 holds the first generation's Markdown, byte for byte")
check(stored(1).startswith("# Relationship Operating Handbook:")
      and "Operating handbook:" not in stored(1),
      "the stored text is Markdown, though HTML was asked for, and does not list itself")
check(sql("SELECT kind || ' ' || language || ' ' || share_all FROM documents WHERE id = %d"
          % doc) == "handbook en false", "it is an English handbook document, not shared with all")
check(sql("SELECT array_agg(distributor_id) FROM document_shares WHERE document_id = %d" % doc)
      == "{%d}" % da, "it is shared with its distributor alone")
code, _ = call("GetDocument", {"id": doc}, user_a)
check(code == "OK", "distributor A's user reads its handbook document")
code, _ = call("GetDocument", {"id": doc}, user_b)
check(code == "NOT_FOUND", "distributor B's user does not (%s)" % code)
# By hand, a version replaced the handbook with any text and a share gave another distributor
# A's charter terms, ladder and contacts (a try-out): both refused, saying why.
n_versions = versions()
price_path = os.path.join(OUT, "price-en.txt")
with open(price_path, "w", encoding="utf-8") as f:
    f.write("Price sheet 2027: brake pads 4.80 EUR\n")
code, out = cli("doc", "version", str(doc), "--file", price_path, token=admin)
check(code == "FAILED_PRECONDITION" and "this is the operating handbook generated for "
      in out.get("message", "") and "generating the handbook again" in out.get("message", "")
      and versions() == n_versions,
      "doc version of the handbook is refused, saying its versions are generated (%s %s)"
      % (code, out))
for change in ({"add": [db]}, {"shareAll": True}):
    code, out = call("ShareDocument", dict(change, documentId=doc), admin)
    check(code == "FAILED_PRECONDITION" and "it is shared with that distributor alone"
          in out.get("message", "") and call("GetDocument", {"id": doc}, user_b)[0]
          == "NOT_FOUND", "sharing the handbook beyond its distributor is refused (%s: %s %s)"
          % (change, code, out))


def coverage_of(document):
    out = must("GetTranslationCoverage", {"distributorId": da}, admin)
    return {int(x["documentId"]): x for x in out.get("documents", [])}.get(document)


cov = coverage_of(doc)
check(cov is not None and cov.get("missingLanguages") == ["vi", "ja"],
      "coverage lists the handbook as lacking the distributor's languages, its own first"
      " (%s)" % cov)
# The handbook's language is chosen and honest: the server writes English
# only, so asking for Vietnamese is refused (naming the field and what is
# supported) rather than storing English text labelled vi.
for lang, words in (("vi", "template in en only"), ("ja-JP", "template in en only"),
                    ("tiếng Việt", "BCP 47")):
    code, out = call("GenerateHandbook", {"distributorId": da, "language": lang}, admin)
    check(code == "INVALID_ARGUMENT" and "language" in json.dumps(out)
          and words in json.dumps(out, ensure_ascii=False),
          "GenerateHandbook in %s is refused naming language and saying %r (%s %s)"
          % (lang, words, code, out))
# English by any tag: "en-US" was refused while "EN" was taken (a try-out).
code, out = cli("handbook", str(da), "--no-store", "--language", "en-US", "-o",
                os.path.join(OUT, "en-US.md"), token=admin)
check(code == "OK", "the handbook in en-US is the English one (%s %s)" % (code, str(out)[:200]))
code, out = call("GetHandbook", {"distributorId": da, "language": "eng"}, admin)
check(code == "INVALID_ARGUMENT", "and \"eng\" is not taken for it (%s)" % code)
code, out = cli("handbook", str(da), "--language", "vi", "-o", os.path.join(OUT, "vi.md"),
                token=admin)
check(code == "INVALID_ARGUMENT" and "template in en only" in json.dumps(out)
      and "'doc get DOCUMENT --language TAG'" in json.dumps(out)
      and not os.path.exists(os.path.join(OUT, "vi.md")),
      "liaison handbook --language vi says the same and writes no file (%s %s)" % (code, out))
check(versions() == 1, "a refused language stores nothing")
must("AddTranslation", {"documentId": doc, "language": "vi",
                        "content": base64.b64encode("Sổ tay".encode()).decode()}, admin)
cov = coverage_of(doc)
check(cov is not None and cov.get("missingLanguages") == ["ja"],
      "the uploaded Vietnamese handbook counts: only ja is missing now (%s)" % cov)
must("AddTranslation", {"documentId": doc, "language": "ja",
                        "content": base64.b64encode("ハンドブック".encode()).decode()}, admin)
check(coverage_of(doc) is None, "translated into both, the handbook leaves the coverage list")

# ---------------- regenerating after an amendment ----------------
check(charter(20, "Klaus Müller") == 2, "an amendment (version 2) is activated")
code, out = cli("handbook", str(da), "-o", md_path, token=admin)
md2 = open(md_path, encoding="utf-8").read()
check(code == "OK" and out.get("charterVersion") == 2 and out.get("documentVersion") == 2,
      "the next generation is made from charter version 2, stored as version 2 (%s)" % out)
check("by day 20 of the month" in md2 and "by day 12" not in md2
      and "charter version 2" in md2, "the regenerated handbook says the amended due day")
check(stored(2) == md2, "version 2 holds it")
cov = coverage_of(doc)
check(cov is not None and [x["language"] for x in cov.get("stale", [])] == ["ja", "vi"],
      "the translations are stale once the handbook changed (%s)" % cov)
check(audits("handbook.generated") == audits_before + 4, "each generation is audited once")

# ---------------- the scorecard ----------------
sc_path = os.path.join(OUT, "scorecard.html")
code, out = cli("scorecard", str(da), "-o", sc_path, token=user_a)
check(code == "OK" and out.get("scored") is True and out.get("score") == 64,
      "distributor A's user writes its scorecard: the newest score, 64 (%s %s)" % (code, out))
sc = open(sc_path, encoding="utf-8").read()
check(html_errors(sc) == "", "the scorecard parses as HTML5 without errors (%s)"
      % html_errors(sc))
check("<script" not in sc.lower(), "no user text comes out unescaped in the scorecard")
check("2 báo cáo trễ " + HOSTILE in visible_text(sc), "the reason's detail is shown as text")
check("Report timeliness" in visible_text(sc) and "report_timeliness" not in visible_text(sc),
      "the reason's factor is named in words, not by its key")
check('<span class="score">64</span>' in sc, "the current score is shown")
newest = sql("SELECT to_char(computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM"
             " health_scores WHERE tenant_id = %d AND distributor_id = %d"
             " ORDER BY computed_at DESC, id DESC LIMIT 1" % (tid, da)).strip()
check("/ 100, computed %s UTC" % newest in visible_text(sc),
      "when it was computed, as a reader writes it, not as RFC 3339 (%s)"
      % re.findall(r"computed [^<]*", sc)[:1])
check(len(svgs(sc)) == 3, "the scorecard carries the three charts")

# ---------------- who may ----------------
versions_before, audits_now = versions(), audits("handbook.generated")
code, out = call("GetHandbook", {"distributorId": da}, user_b)
missing_code, missing = call("GetHandbook", {"distributorId": 999999999}, user_b)
check(code == "NOT_FOUND" and missing_code == "NOT_FOUND"
      and out.get("message") == missing.get("message") == "no such distributor",
      "another distributor's handbook is NOT_FOUND, as one that does not exist (%s %s)"
      % (code, out.get("message")))
code, out = call("GetScorecard", {"distributorId": da}, user_b)
check(code == "NOT_FOUND" and out.get("message") == "no such distributor",
      "another distributor's scorecard is NOT_FOUND (%s)" % code)
code, _ = call("GenerateHandbook", {"distributorId": da}, user_a)
check(code == "PERMISSION_DENIED", "a distributor user may not generate (store) one (%s)" % code)
code, _ = call("GenerateHandbook", {"distributorId": da}, auditor)
check(code == "PERMISSION_DENIED", "nor may an auditor (%s)" % code)
code, out = cli("handbook", str(da), "--no-store", "--format", "html", "-o",
                os.path.join(OUT, "own.html"), token=user_a)
check(code == "OK" and out.get("documentVersion", 0) == 0,
      "distributor A's user reads its own handbook with --no-store (%s)" % code)
check("Open action items: 1, of which overdue: 0"
      in visible_text(open(os.path.join(OUT, "own.html"), encoding="utf-8").read()),
      "and counts the action items as the exporter's rendering does")
code, _ = call("GetHandbook", {"distributorId": da, "format": "md"}, auditor)
check(code == "OK", "an auditor reads a handbook")
p = subprocess.run([CLI, "--token", auditor, "handbook", str(da), "-o", "-"],
                   capture_output=True, text=True, env=srv.env, timeout=60)
# The command's default stored a version, refused to readers, who had to add --no-store (a
# try-out): it reads the handbook for them, and says it stored none.
check(p.returncode == 0 and "# " in p.stdout and "read, not stored" in p.stderr,
      "liaison handbook reads an auditor's handbook without --no-store, saying so (%d %s)"
      % (p.returncode, p.stderr))
p = subprocess.run([CLI, "--token", user_a, "handbook", str(da), "-o", "-"],
                   capture_output=True, text=True, env=srv.env, timeout=60)
check(p.returncode == 0 and "# " in p.stdout and "read, not stored" in p.stderr,
      "... and a distributor user's own (%d %s)" % (p.returncode, p.stderr))
check(versions() == versions_before and audits("handbook.generated") == audits_now,
      "refused and read-only requests store nothing and audit nothing")

# ---------------- wrong input ----------------


def field(out):
    v = out.get("violations", []) if isinstance(out, dict) else []
    return v[0].get("field") if v else None


code, out = call("GetHandbook", {"distributorId": da, "format": "pdf"}, admin)
check(code == "INVALID_ARGUMENT" and field(out) == "format",
      "an unknown format is INVALID_ARGUMENT on format (%s)" % out)
code, out = call("GenerateHandbook", {"distributorId": 0}, admin)
check(code == "INVALID_ARGUMENT" and field(out) == "distributorId",
      "no distributor is INVALID_ARGUMENT on distributorId (%s)" % out)
code, out = call("GetScorecard", {}, admin)
check(code == "INVALID_ARGUMENT" and field(out) == "distributorId",
      "the scorecard wants a distributor too (%s)" % out)
code, _ = cli("handbook", str(da), "--format", "pdf", token=admin)
check(code == "EXIT_2", "the CLI refuses --format pdf before asking (%s)" % code)
for command in ("handbook", "scorecard"):
    p = subprocess.run([CLI, command, "--help"], capture_output=True, text=True, env=srv.env)
    check(p.returncode == 0 and ("%s DISTRIBUTOR" % command) in p.stdout,
          "`liaison %s --help` says how to call it" % command)
check(versions() == versions_before, "wrong input stores nothing")

# A rung whose contact left says so (0135): the ladder still names them, and a request skips
# them; the handbook named them as the one to call.
binh = [c["id"] for c in must("ListContacts", {"distributorId": da}, admin)["contacts"]
        if c["name"] == "Trần Thị Bình"]
must("SetContactLeft", {"id": binh[0] if binh else 0}, admin)
code, _ = cli("handbook", str(da), "--no-store", "-o", os.path.join(OUT, "left.md"), token=admin)
left_md = open(os.path.join(OUT, "left.md"), encoding="utf-8").read() if code == "OK" else ""
check(code == "OK" and "| Trần Thị Bình |" not in left_md,
      "a contact who left is no longer in the handbook's list of whom to reach")
check("Step 1: Trần Thị Bình (purchasing manager), who left on " in left_md
      and "a request skips this step until the ladder names someone else" in left_md,
      "the handbook says the first step's contact left (%s)" % code)
# Nor as an attendee of the weekly check-ins, which her meetings to come no longer name (a
# try-out, migration 0274).
check("; attended by 田中 &lt;b&gt;太郎&lt;/b&gt;, Anna Müller\n" in left_md
      and "attended by Trần Thị Bình" not in left_md,
      "the handbook lists a series' current attendees only (%s)"
      % [ln for ln in left_md.splitlines() if "attended by" in ln])
# Nor does a contact who left add their language to what the distributor reads (a try-out,
# migration 0273).
kim = must("CreateContact", {"distributorId": da, "fields": {
    "name": "Kim Min-jun", "role": "logistics", "language": "ko"}}, admin)["contact"]["id"]
must("SetContactLeft", {"id": kim}, admin)
code, _ = cli("handbook", str(da), "--no-store", "-o", os.path.join(OUT, "left.md"), token=admin)
left_md = open(os.path.join(OUT, "left.md"), encoding="utf-8").read() if code == "OK" else ""
check("The distributor reads: vi, en, ja." in left_md and "ko" not in left_md.split(
    "The distributor reads:")[-1].split("\n")[0], "the handbook counts only current contacts'"
      " languages (%s)" % [ln for ln in left_md.splitlines() if "reads:" in ln])

# Weeks of cover in the charts count a month reported with nothing sold as 0 sold, as
# attainment does: the chart left it out, 14.4 weeks where attainment said 28.9 (a try-out).
db = int(must("CreateDistributor", {"fields": {"name": "Công ty Bơm Đông Á", "country": "VN",
                                               "timeZone": "Asia/Ho_Chi_Minh"}},
              admin)["distributor"]["id"])
cdb = must("CreateCharterDraft", {"distributorId": db}, admin)["charter"]["id"]
must("AddCharterGrant", {"charterId": cdb, "grant": {"region": "VN-HN", "allLines": True,
                                                     "startsOn": "2026-01-01"}}, admin)
must("SetCharterTerms", {"charterId": cdb, "fullCoverage": True, "reportDueDay": 10,
                         "reportSections": ["sales_by_line", "inventory_on_hand"]}, admin)
must("ActivateCharter", {"id": cdb}, admin)
for period, sold, held in ((months[1], None, 100), (months[2], 42, 140)):
    rid = must("OpenReport", {"distributorId": db, "period": period}, admin)["report"]["id"]
    saved = {"id": rid, "inventory": [{"productLineId": brk, "unitsOnHand": held}]}
    if sold is None:
        saved["nothingToReport"] = ["sales_by_line"]
    else:
        saved["sales"] = [{"productLineId": brk, "units": sold, "revenueMinor": sold * 1000,
                           "currency": "VND"}]
    must("SaveReport", saved, admin)
    must("SubmitReport", {"id": rid}, admin)
cover = [m for ln in chart_data(db).get("lines", []) if ln.get("code") == "BRK"
         for m in ln.get("months", [])]
weeks = [c.get("weeks") for c in cover if c.get("period") == months[2]]
check(weeks == [28.9], "a month with nothing sold counts as 0 sold in the chart's weeks of cover:"
      " 140 on hand, 42 sold over two reported months, 28.9 weeks (%s)" % cover)

# "Generated on" is the exporter's date, not UTC's (a review): at any hour of the UTC day
# one of these two zones, 25 hours apart, is on another date than UTC.
zone_was = sql("SELECT time_zone FROM tenants WHERE id = %d" % tid)
for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
    sql("UPDATE tenants SET time_zone = '%s' WHERE id = %d" % (zone, tid))
    there = zoneinfo.ZoneInfo(zone)
    before = datetime.datetime.now(there).date().isoformat()
    path = os.path.join(OUT, "dated-%s.md" % zone.replace("/", "-"))
    code, out = cli("handbook", str(db), "--no-store", "-o", path, token=admin)
    after = datetime.datetime.now(there).date().isoformat()
    text = open(path, encoding="utf-8").read() if code == "OK" else ""
    dated = re.search(r"Generated on (\d{4}-\d\d-\d\d)", text)
    check(code == "OK" and dated and dated.group(1) in (before, after),
          "with the tenant in %s the handbook is generated on %s there (%s %s)"
          % (zone, before, code, dated and dated.group(0)))
    # And the day the charter was first activated too: it was UTC's (a try-out, 0334).
    first_day = sql("SELECT (min(activated_at) AT TIME ZONE '%s')::date FROM charters"
                    " WHERE tenant_id = %d AND distributor_id = %s" % (zone, tid, db))
    check(chart_data(db).get("since") == first_day,
          "with the tenant in %s the charter was first activated on %s there (%s)"
          % (zone, first_day, chart_data(db).get("since")))
sql("UPDATE tenants SET time_zone = '%s' WHERE id = %d" % (zone_was, tid))

check(srv.stop(), "the server stops cleanly (no sanitizer report)")
t.finish("handbook")
