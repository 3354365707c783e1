#!/usr/bin/env python3
"""Upstream updates (issue 15, part B). The exporter drafts a production
update, a launch or a campaign (title, body, language variants, effective
date, attached documents) aimed at regions and product lines, and publishes
it: the recipients are fixed then, as the distributors whose ACTIVE charter
has a grant in force that overlaps one of the regions (a grant for VN covers
an update on VN-HN, and one for VN-HN an update on VN) for one of the lines, in the charter's product coverage. A
distributor user lists and reads only updates addressed to its distributor
(NOT_FOUND otherwise, as for one that does not exist); its first reading is
its read receipt, and the exporter lists receipts per distributor user. Each
recipient's next scheduled monthly review gets the update on its agenda; a
full agenda (32 items) is left alone and the recipient says 'full'.
Attachments are shared with the recipients."""
import base64
import json
import os
import subprocess
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
_cli = t.Cli(CLI, w.env("LIAISON_TEST_URL"), os.path.join(w.env("LIAISON_TEST_DIR"),
                                                          "updates-home"))
call, must, cli = _cli.call, _cli.must, _cli.cli

slug = "updates-" + RUN
must("CreateTenant", {"slug": slug, "name": "Bản tin nhà sản xuất",
                      "adminEmail": "admin@upd.example", "adminPassword": PASSWORD}, OPERATOR)


def login(email):
    return must("Login", {"tenant": slug, "email": email, "password": PASSWORD}, None)["token"]


admin = login("admin@upd.example")
tid = t.psql("SELECT id FROM tenants WHERE slug = '%s'" % slug).strip()


def sql(query):
    """query as the superuser, whom row-level security does not hold: filter by tid."""
    out = t.psql("SET liaison.tenant_id = %s; %s" % (tid, query)).splitlines()
    return out[-1].strip() if out else ""


def audits(action):
    return int(sql("SELECT count(*) FROM audit_log WHERE tenant_id = %s AND action = '%s'"
                   % (tid, action)))


def violation(out, field):
    if not isinstance(out, dict):
        return []
    return [v.get("description", "") for v in out.get("violations", [])
            if v.get("field") == field]


brk = int(must("CreateProductLine", {"code": "BRK", "name": "Phanh"}, admin)["productLine"]["id"])
flt = int(must("CreateProductLine", {"code": "FLT", "name": "フィルター"},
               admin)["productLine"]["id"])
oil = int(must("CreateProductLine", {"code": "OIL", "name": "Dầu"}, admin)["productLine"]["id"])


def distributor(name, region, lines=None, activate=True, covered=None, manager=0):
    d = int(must("CreateDistributor", {"fields": {"name": name, "country": region[:2],
                                                  "timeZone": "Asia/Ho_Chi_Minh"},
                                       "accountManagerId": manager},
                 admin)["distributor"]["id"])
    c = must("CreateCharterDraft", {"distributorId": d}, admin)["charter"]["id"]
    grant = {"region": region, "startsOn": "2026-01-01"}
    grant.update({"productLineIds": lines} if lines else {"allLines": True})
    must("AddCharterGrant", {"charterId": c, "grant": grant}, admin)
    if covered:
        must("SetCharterTerms", {"charterId": c, "fullCoverage": False,
                                 "coveredLineIds": covered, "reportDueDay": 10}, admin)
    if activate:
        must("ActivateCharter", {"id": c}, admin)
    return d


def user(email, distributor_id):
    req = {"email": email, "role": "ROLE_DISTRIBUTOR_USER", "password": PASSWORD,
           "distributorId": distributor_id}
    uid = int(must("CreateUser", req, admin)["user"]["id"])
    return uid, login(email)


def monthly_reviews(distributor_id):
    """The distributor's scheduled monthly reviews from now, earliest first:
    the cadence made them when its charter was activated."""
    return [int(x) for x in t.psql(
        "SET liaison.tenant_id = %s; SELECT id FROM meetings WHERE tenant_id = %s AND "
        "distributor_id = %s AND kind = 'monthly' AND status = 'scheduled' AND starts_at > now() "
        "ORDER BY starts_at, id" % (tid, tid, distributor_id)).split()]


def set_agenda_as_owner(meeting, items):
    """Fixture: a meeting's agenda written as the database owner (no RPC sets
    one meeting's agenda)."""
    sql("UPDATE meetings SET agenda = ARRAY[%s]::text[] WHERE tenant_id = %s AND id = %s"
        % (",".join("'%s'" % i for i in items), tid, meeting))


def agenda(meeting):
    out = must("GetMeeting", {"id": meeting}, admin)["meeting"]
    return out.get("agenda", [])


# Vietnam (whole country, every line); Hanoi for brakes only; Saigon every
# line but its charter covers only filters; Thailand; a draft charter for
# Vietnam that was never activated.
vn_all = distributor("Tổng đại lý Việt Nam", "VN")
hn_brk = distributor("ハノイ・ブレーキ", "VN-HN", lines=[brk])
sg_flt = distributor("Lọc Sài Gòn", "VN-SG", covered=[flt])
th = distributor("Bangkok Parts", "TH")
draft_only = distributor("Chưa ký", "VN-DN", activate=False)
vn_user_id, vn_user = user("an@vn.example", vn_all)
hn1_id, hn1 = user("haruki@hn.example", hn_brk)
hn2_id, hn2 = user("yuki@hn.example", hn_brk)
_, sg_user = user("binh@sg.example", sg_flt)
_, th_user = user("somchai@th.example", th)
_, draft_user = user("chua@dn.example", draft_only)

# Next reviews: Vietnam's earliest scheduled monthly review, not a later one;
# Hanoi's next one is full; Thailand's are all cancelled.
vn_next, vn_later = monthly_reviews(vn_all)[:2]
set_agenda_as_owner(vn_next, ["Doanh số tháng trước"])
hn_full = monthly_reviews(hn_brk)[0]
set_agenda_as_owner(hn_full, ["Mục %d" % i for i in range(32)])
sql("UPDATE meetings SET status = 'cancelled' WHERE tenant_id = %s AND distributor_id = %s "
    "AND kind = 'monthly'" % (tid, th))
check(not monthly_reviews(th), "fixture: Thailand has no scheduled monthly review")

doc = int(must("CreateDocument", {"kind": "marketing", "title": "Catalogue má phanh gốm",
                                  "language": "vi", "content": base64.b64encode(
                                      "Má phanh gốm".encode()).decode()},
               admin)["document"]["id"])

LAUNCH = {"kind": "launch", "title": "Ra mắt má phanh gốm CX-9",
          "body": "Từ ngày 1/3, dòng má phanh gốm CX-9 có hàng cho khu vực Hà Nội.",
          "language": "vi", "effectiveOn": "2027-03-01", "regions": ["vn-hn"],
          "productLineIds": [brk], "documentIds": [doc],
          "variants": [{"language": "ja", "title": "セラミックブレーキパッドCX-9の発売",
                        "body": "3月1日よりハノイ地域で販売開始します。"},
                       {"language": "en", "title": "Ceramic pad CX-9 launch",
                        "body": "Available for Hanoi from 1 March."}]}

# ---------------- wrong input, each naming its field ----------------
BAD = [
    ({"kind": "news"}, "kind", "production, launch or campaign"),
    ({"title": ""}, "title", "required"),
    ({"title": "ắ" * 201}, "title", "at most 200 characters"),
    ({"body": " "}, "body", "only spaces"),
    ({"language": "xx-nope-toolong"}, "language", "BCP 47"),
    ({"effectiveOn": "1/3/2027"}, "effectiveOn", "YYYY-MM-DD"),
    ({"regions": []}, "regions", "1 to 32"),
    ({"regions": ["VN", "VNM"]}, "regions[1]", "ISO 3166"),
    ({"regions": ["VN"] * 33}, "regions", "1 to 32"),
    ({"productLineIds": []}, "productLineIds", "1 to 32"),
    ({"productLineIds": [brk, 0]}, "productLineIds[1]", "an id"),
    ({"productLineIds": [987654321]}, "productLineIds", "no such product line"),
    ({"documentIds": [987654321]}, "documentIds", "no such document"),
    ({"variants": [{"language": "??", "title": "x", "body": "y"}]}, "variants[0].language",
     "BCP 47"),
    ({"variants": [{"language": "ja", "title": "", "body": "y"}]}, "variants[0].title",
     "required"),
    ({"variants": [{"language": "vi", "title": "x", "body": "y"}]}, "variants[0].language",
     "a second text in this language"),
    ({"variants": [LAUNCH["variants"][0], LAUNCH["variants"][0]]}, "variants[1].language",
     "a second text in this language"),
]
before = (int(sql("SELECT count(*) FROM upstream_updates WHERE tenant_id = %s" % tid)),
          audits("update.created"))
for extra, field, why in BAD:
    req = dict(LAUNCH)
    req.update(extra)
    code, out = call("CreateUpstreamUpdate", req, admin)
    got = violation(out, field)
    check(code == "INVALID_ARGUMENT" and got and why in got[0],
          "CreateUpstreamUpdate refuses %s: %s (%s %s)" % (field, why, code, got or out))
check((int(sql("SELECT count(*) FROM upstream_updates WHERE tenant_id = %s" % tid)),
       audits("update.created")) == before, "refused drafts leave no row and no audit entry")
code, _ = call("CreateUpstreamUpdate", LAUNCH, hn1)
check(code == "PERMISSION_DENIED", "a distributor user does not draft updates (%s)" % code)

# ---------------- draft and publish ----------------
code, out = call("CreateUpstreamUpdate", LAUNCH, admin)
u1 = out.get("update", {})
check(code == "OK" and u1.get("status") == "draft" and u1.get("regions") == ["VN-HN"]
      and [v["language"] for v in u1.get("variants", [])] == ["en", "ja"]
      and u1["variants"][1]["title"] == "セラミックブレーキパッドCX-9の発売"
      and u1.get("title") == LAUNCH["title"] and not u1.get("recipients"),
      "a draft keeps its Vietnamese text and Japanese variant (%s %s)" % (code, out))
u1 = int(u1["id"])
code, _ = call("GetUpstreamUpdate", {"id": u1}, hn1)
check(code == "NOT_FOUND", "a draft is not shown to distributors (%s)" % code)
code, _ = call("GetDocument", {"id": doc}, hn1)
check(code == "NOT_FOUND", "before publication the attachment is not shared (%s)" % code)
code, _ = call("PublishUpstreamUpdate", {"id": u1}, hn1)
check(code == "PERMISSION_DENIED", "a distributor user does not publish (%s)" % code)

vn_later_agenda = agenda(vn_later)
SEQUENCE = "SELECT sequence FROM meetings WHERE tenant_id = %s AND id = %s"
vn_next_seq, vn_later_seq = (int(sql(SEQUENCE % (tid, m))) for m in (vn_next, vn_later))
# Through the CLI, which names the attachment whose sharing grew: publishing shared a staff-only
# document with every recipient without a word (an attacker's try-out).
p = subprocess.run([CLI, "--token", admin, "update", "publish", str(u1)], capture_output=True,
                   text=True, env=_cli.env, timeout=60)
code, out = call("GetUpstreamUpdate", {"id": u1}, admin)
names = sorted(r.get("distributorName", "") for r in out.get("update", {}).get("recipients", []))
check(p.returncode == 0 and "liaison: note: document %d (Catalogue má phanh gốm) is now shared"
      " with " % doc in p.stderr and all(n in p.stderr for n in names) and names
      and p.stderr.rstrip().endswith("as an attachment of this update"),
      "update publish names the attachment now shared, and with whom (%d %s)"
      % (p.returncode, p.stderr))
rcp = {int(r["distributorId"]): r for r in out.get("update", {}).get("recipients", [])}
check(code == "OK" and out["update"]["status"] == "published" and set(rcp) == {vn_all, hn_brk},
      "VN-HN brakes reach Vietnam (VN contains VN-HN) and Hanoi's brake grant; not Saigon, "
      "Thailand nor an inactive charter (%s %s)" % (code, sorted(rcp)))
check(rcp.get(vn_all, {}).get("agenda") == "added"
      and int(rcp[vn_all].get("agendaMeetingId", 0)) == vn_next,
      "Vietnam's next monthly review gets it (%s)" % rcp.get(vn_all))
check(agenda(vn_next) == ["Doanh số tháng trước", "Upstream update: " + LAUNCH["title"]]
      and agenda(vn_later) == vn_later_agenda,
      "appended to the next review's agenda only (%s)" % agenda(vn_next))
check(int(sql(SEQUENCE % (tid, vn_next))) == vn_next_seq + 1
      and int(sql(SEQUENCE % (tid, vn_later))) == vn_later_seq,
      "the review whose agenda changed has its iCalendar SEQUENCE bumped, the later one not")
check(rcp.get(hn_brk, {}).get("agenda") == "full" and len(agenda(hn_full)) == 32,
      "a full agenda (32 items) is left alone and the recipient says so (%s)" % rcp.get(hn_brk))
check(audits("update.published") == 1 and audits("update.created") == 1,
      "creation and publication are audited")
code, out = call("PublishUpstreamUpdate", {"id": u1}, admin)
check(code == "FAILED_PRECONDITION" and "published" in out.get("message", ""),
      "an update is published once (%s)" % code)
code, _ = call("GetDocument", {"id": doc}, hn1)
check(code == "OK", "after publication the attachment is shared with recipients (%s)" % code)

# FLT in Hanoi: Hanoi's grant is for brakes only; Vietnam holds every line.
u2 = dict(LAUNCH, kind="campaign", title="Khuyến mãi lọc dầu", productLineIds=[flt],
          documentIds=[], variants=[])
u2 = int(must("CreateUpstreamUpdate", u2, admin)["update"]["id"])
out = must("PublishUpstreamUpdate", {"id": u2}, admin)["update"]
check({int(r["distributorId"]) for r in out.get("recipients", [])} == {vn_all},
      "filters in Hanoi reach Vietnam only, not Hanoi's brake-only grant")
# Brakes in all of Vietnam: Hanoi sells brakes in part of it, so it receives it too;
# Saigon's charter covers no brakes.
u3 = dict(LAUNCH, kind="production", title="Nhà máy Đức nghỉ bảo trì tháng 8", regions=["VN"],
          documentIds=[], variants=[], language="vi")
u3 = int(must("CreateUpstreamUpdate", u3, admin)["update"]["id"])
out = must("PublishUpstreamUpdate", {"id": u3}, admin)["update"]
check({int(r["distributorId"]) for r in out.get("recipients", [])} == {vn_all, hn_brk},
      "brakes for all of Vietnam reach the whole-country grant and the Hanoi one")
# The charter's product coverage counts: Saigon's grant is for every line but
# its charter covers filters only.
u4 = dict(LAUNCH, kind="launch", title="Lọc và phanh cho Sài Gòn", regions=["VN-SG"],
          productLineIds=[brk, oil], documentIds=[], variants=[])
u4 = int(must("CreateUpstreamUpdate", u4, admin)["update"]["id"])
out = must("PublishUpstreamUpdate", {"id": u4}, admin)["update"]
check({int(r["distributorId"]) for r in out.get("recipients", [])} == {vn_all},
      "brakes and oil in Saigon skip a charter covering filters only")
u5 = dict(LAUNCH, kind="launch", title="Lọc mới cho Sài Gòn", regions=["VN-SG"],
          productLineIds=[flt], documentIds=[], variants=[])
u5 = int(must("CreateUpstreamUpdate", u5, admin)["update"]["id"])
out = must("PublishUpstreamUpdate", {"id": u5}, admin)["update"]
sg_r = {int(r["distributorId"]): r for r in out.get("recipients", [])}
check(set(sg_r) == {vn_all, sg_flt} and sg_r[sg_flt]["agenda"] == "added",
      "filters in Saigon reach Saigon's covered line (%s)" % sorted(sg_r))
u6 = dict(LAUNCH, kind="production", title="タイ向け生産計画", language="ja", regions=["TH"],
          documentIds=[], variants=[{"language": "th", "title": "แผนการผลิต",
                                     "body": "สำหรับประเทศไทย"}])
u6 = int(must("CreateUpstreamUpdate", u6, admin)["update"]["id"])
out = must("PublishUpstreamUpdate", {"id": u6}, admin)["update"]
check([(int(r["distributorId"]), r["agenda"]) for r in out.get("recipients", [])]
      == [(th, "no_meeting")], "Thailand only; without a scheduled review: no_meeting")
# A body of 20,000 characters (60,000 bytes of Vietnamese) is taken and comes back whole.
LONG_BODY = "ệ" * 20000
draft = int(must("CreateUpstreamUpdate", dict(LAUNCH, title="Bản nháp", documentIds=[],
                                              body=LONG_BODY), admin)["update"]["id"])
code, out = call("GetUpstreamUpdate", {"id": draft}, admin)
check(code == "OK" and out.get("update", {}).get("body") == LONG_BODY,
      "a 20,000-character body is read back whole (%s %s)" % (code, str(out)[:200]))

# ---------------- what each distributor sees ----------------
def listed(token, **req):
    code, out = call("ListUpstreamUpdates", req, token)
    return code, [int(u["id"]) for u in out.get("updates", [])] if code == "OK" else out


check(listed(hn1) == ("OK", [u1, u3]),
      "Hanoi lists the brake updates for Hanoi and for Vietnam (%s)" % (listed(hn1),))
check(listed(th_user) == ("OK", [u6]), "Thailand lists only its own update")
check(listed(sg_user) == ("OK", [u5]), "Saigon lists only the filter update")
check(listed(draft_user) == ("OK", []), "an inactive charter's distributor lists none")
check(listed(vn_user) == ("OK", [u1, u2, u3, u4, u5]), "Vietnam lists the five sent to it")
check(listed(admin) == ("OK", [u1, u2, u3, u4, u5, u6, draft]), "staff list every update")
check(listed(admin, status="draft") == ("OK", [draft]), "staff filter drafts")
check(listed(admin, distributorId=hn_brk) == ("OK", [u1, u3]), "staff filter by recipient")
code, out = call("ListUpstreamUpdates", {"kind": "memo"}, admin)
check(code == "INVALID_ARGUMENT" and violation(out, "kind"), "ListUpstreamUpdates: bad kind")
code, missing = call("GetUpstreamUpdate", {"id": 987654321}, th_user)
for u, label in ((u1, "another territory's"), (u2, "a line it does not hold"),
                 (draft, "a draft")):
    code, out = call("GetUpstreamUpdate", {"id": u}, th_user)
    check(code == "NOT_FOUND" and out.get("message") == missing.get("message"),
          "Thailand reading %s update: NOT_FOUND, as one that does not exist (%s)" % (label, code))
code, out = call("GetUpstreamUpdate", {"id": u2}, hn1)
check(code == "NOT_FOUND", "Hanoi does not read the filter campaign it did not receive (%s)" % code)
check(sql("SELECT count(*) FROM update_receipts WHERE tenant_id = %s" % tid) == "0",
      "refused reads leave no receipt")

# ---------------- read receipts ----------------
code, out = call("GetUpstreamUpdate", {"id": u1}, hn1)
first = out.get("update", {}).get("readAt", "")
check(code == "OK" and first and out["update"]["body"] == LAUNCH["body"]
      and [int(r["distributorId"]) for r in out["update"].get("recipients", [])] == [hn_brk],
      "Hanoi reads it, sees its read time and only itself among the recipients (%s %s)"
      % (code, out))
time.sleep(1.1)
code, out = call("GetUpstreamUpdate", {"id": u1}, hn1)
check(code == "OK" and out["update"].get("readAt") == first and audits("update.read") == 1,
      "a second reading keeps the first time and is not audited again")
code, out = call("GetUpstreamUpdate", {"id": u1}, admin)
check(code == "OK" and not out["update"].get("readAt") and audits("update.read") == 1,
      "staff reading records no receipt")
code, out = call("ListUpdateReceipts", {"updateId": u1}, admin)
rows = {int(r["userId"]): r.get("readAt", "") for r in out.get("receipts", [])}
check(code == "OK" and rows == {vn_user_id: "", hn1_id: first, hn2_id: ""},
      "receipts list every recipient's user, read or not (%s %s)" % (code, out))
code, out = call("ListUpdateReceipts", {"updateId": u1, "distributorId": hn_brk,
                                        "page": {"pageSize": 1}}, admin)
code2, out2 = call("ListUpdateReceipts", {"updateId": u1, "distributorId": hn_brk, "page": {
    "pageSize": 1, "cursor": out.get("page", {}).get("nextCursor", "")}}, admin)
check(code == code2 == "OK" and [int(r["userId"]) for r in out["receipts"] + out2["receipts"]]
      == [hn1_id, hn2_id], "receipts are paged and filtered by distributor")
code, _ = call("ListUpdateReceipts", {"updateId": u1}, hn1)
check(code == "PERMISSION_DENIED", "a distributor user does not list receipts (%s)" % code)
code, out = call("ListUpdateReceipts", {"updateId": 987654321}, admin)
check(code == "NOT_FOUND", "receipts of no update: NOT_FOUND (%s)" % code)
code, out = call("ListUpdateReceipts", {"updateId": 0}, admin)
check(code == "INVALID_ARGUMENT" and violation(out, "updateId"), "receipts need an update id")

# ---------------- the CLI ----------------
for sub in ("draft", "publish", "list", "show", "receipts"):
    p = subprocess.run([CLI, "update", sub, "--help"], capture_output=True, text=True)
    check(p.returncode == 0 and ("update " + sub) in p.stdout + p.stderr, "update %s --help" % sub)
code, out = cli("update", "draft", "--kind", "campaign", "--title", "Chiến dịch Tết",
                "--body", "Giảm 5% cho đơn trước Tết", "--language", "vi", "--effective",
                "2027-01-10", "--regions", "VN-HN", "--lines", "BRK", token=admin)
check(code == "OK" and out.get("status") == "draft", "liaison update draft with options (%s %s)"
      % (code, out))
cu = out.get("id", "0")
path = os.path.join(w.env("LIAISON_TEST_DIR"), "update-%s.json" % RUN)
with open(path, "w") as f:
    json.dump(dict(LAUNCH, title="ファイルから", documentIds=[]), f, ensure_ascii=False)
code, out = cli("update", "draft", "--file", path, "--language", "vi-VN", "--title",
                "Từ tệp JSON", token=admin)
check(code == "OK" and out.get("language") == "vi-VN" and out.get("title") == "Từ tệp JSON"
      and len(out.get("variants", [])) == 2,
      "liaison update draft --file, options overriding it (%s %s)" % (code, out))
code, out = cli("update", "draft", "--kind", "campaign", "--title", "Thiếu", token=admin)
check(code == "INVALID_ARGUMENT" and "needs --body, --language, --effective, --regions, --lines"
      in out.get("message", ""), "update draft names every missing option at once (%s %s)"
      % (code, out))
code, out = cli("update", "draft", "--file", path, "--regions", "VN,XX", token=admin)
check(code == "INVALID_ARGUMENT", "the CLI passes a refusal on (%s %s)" % (code, out))
code, out = cli("update", "draft", "--file", path, "--documents", "1,99999999999999999999",
                token=admin)
check(code == "EXIT_2" and "--documents" in str(out),
      "a document id past what a number holds is refused before sending (%s %s)" % (code, out))
code, out = cli("update", "publish", str(cu), token=admin)
check(code == "OK" and out.get("status") == "published", "liaison update publish (%s)" % code)
code, out = cli("update", "draft", "--kind", "campaign", "--title", "日本向けキャンペーン",
                "--body", "x", "--language", "ja", "--effective", "2027-01-10", "--regions", "JP",
                "--lines", "BRK", token=admin)
nobody = out.get("id", 0)
p = subprocess.run([CLI, "--token", admin, "update", "publish", str(nobody)],
                   capture_output=True, text=True, env=_cli.env, timeout=60)
check(p.returncode == 5 and "no distributor would receive this update: none you reach has an"
      " active charter that grants one of its regions (JP) for one of its product lines on"
      " 2027-01-10; it stays a draft" in p.stderr and not p.stdout
      and must("GetUpstreamUpdate", {"id": nobody}, admin)["update"]["status"] == "draft",
      "publishing to nobody is refused, the update kept a draft (%d %s)" % (p.returncode, p.stderr))
code, out = cli("update", "list", token=hn2)
check(code == "OK" and isinstance(out, list) and [int(u["id"]) for u in out] == [u1, u3, int(cu)],
      "liaison update list prints a JSON array of what Hanoi received (%s %s)" % (code, out))
code, out = cli("update", "show", str(cu), token=hn2)
check(code == "OK" and out.get("readAt"), "liaison update show records the reading (%s)" % code)
code, out = cli("update", "receipts", str(cu), "--distributor", "ハノイ・ブレーキ", token=admin)
check(code == "OK" and [bool(r.get("readAt")) for r in out] == [False, True],
      "liaison update receipts (%s %s)" % (code, out))

# ---------------- a manager of some distributors reaches only those ----------------
mgr_id = int(must("CreateUser", {"email": "quan.ly@vn.example", "role": "ROLE_MANAGER",
                                 "password": PASSWORD}, admin)["user"]["id"])
mine = distributor("Phanh Đà Nẵng của tôi", "VN-DN", lines=[brk], manager=mgr_id)
mgr = login("quan.ly@vn.example")
code, out = call("CreateUpstreamUpdate", dict(LAUNCH, title="Chỉ cho nhà phân phối của tôi",
                                              regions=["VN-DN"], documentIds=[], variants=[]),
                 mgr)
check(code == "OK", "a manager drafts an update (%s %s)" % (code, out))
mgr_update = out.get("update", {}).get("id", 0)
code, _ = call("PublishUpstreamUpdate", {"id": mgr_update}, mgr)
# Read back as the admin, who sees every recipient (the manager's own view
# of the recipients is limited to its distributors anyway).
out = must("GetUpstreamUpdate", {"id": mgr_update}, admin)
got = sorted(int(r["distributorId"]) for r in out.get("update", {}).get("recipients", []))
check(code == "OK" and got == [mine],
      "a manager who does not see every distributor publishes to the ones it manages only, "
      "not to Vietnam's, whose VN grant holds VN-DN too (%s %s)" % (code, got))

# Documents follow the same reach: one shared only with a distributor the
# manager does not manage is not found, to read, to change or to attach.
def document(title, share):
    return int(must("CreateDocument", {"kind": "price_sheet", "title": title, "language": "vi",
                                       "share": share, "content": base64.b64encode(
                                           title.encode()).decode()}, admin)["document"]["id"])


theirs = document("Bảng giá riêng của Bangkok", [th])
ours = document("Bảng giá Đà Nẵng", [mine])
own = document("Ghi chú nội bộ của nhà xuất khẩu", [])
for method, req in (("GetDocument", {"id": theirs}), ("GetDocumentContent", {"documentId": theirs}),
                    ("AddDocumentVersion", {"documentId": theirs, "mediaType": "text/plain",
                                            "content": base64.b64encode(b"x").decode()}),
                    ("AddTranslation", {"documentId": theirs, "language": "en",
                                        "mediaType": "text/plain",
                                        "content": base64.b64encode(b"x").decode()})):
    code, out = call(method, req, mgr)
    check(code == "NOT_FOUND", "a manager's %s of a document shared only with a distributor it "
          "does not manage: NOT_FOUND (%s %s)" % (method, code, out))
listed = [int(x["id"]) for x in must("ListDocuments", {}, mgr)["documents"]]
check(theirs not in listed and ours in listed and own in listed,
      "the manager lists the documents of its distributors and the exporter's own (%s)" % listed)
both = document("Bảng giá chung Đà Nẵng và Bangkok", [mine, th])
got = must("GetDocument", {"id": both}, mgr)["document"].get("share", [])
check([int(x) for x in got] == [mine],
      "a document shared with its distributor and another lists only its own to the manager (%s)"
      % got)
code, out = call("CreateUpstreamUpdate", dict(LAUNCH, regions=["VN-DN"], documentIds=[theirs],
                                              variants=[]), mgr)
check(code == "INVALID_ARGUMENT" and "documentIds" in str(out),
      "nor does it attach one to an update (%s %s)" % (code, out))
code, out = call("CreateDocument", {"kind": "price_sheet", "title": "x", "language": "vi",
                                    "share": [th], "content": "eA=="}, mgr)
check(code == "INVALID_ARGUMENT" and "share" in str(out),
      "nor share a new one with such a distributor (%s %s)" % (code, out))
check(must("GetDocument", {"id": theirs}, admin)["document"]["id"] in (theirs, str(theirs)),
      "the admin still reads it")
everyone = int(must("CreateDocument", {"kind": "price_sheet", "title": "Bảng giá chung",
                                       "language": "vi", "shareAll": True, "content": "eA=="},
                    admin)["document"]["id"])
code, out = call("AddDocumentVersion", {"documentId": everyone, "mediaType": "text/plain",
                                        "content": "eQ=="}, mgr)
check(code == "FAILED_PRECONDITION" and "shared with every distributor" in out.get("message", ""),
      "a document for every distributor is not changed by a manager of some (%s %s)" % (code, out))
code, out = call("CreateDocument", {"kind": "price_sheet", "title": "x", "language": "vi",
                                    "shareAll": True, "content": "eA=="}, mgr)
check(code == "INVALID_ARGUMENT" and "shareAll" in str(out),
      "nor shared with every distributor by one (%s %s)" % (code, out))
# Nor one shared with its distributor and another: the other would read what it wrote (an
# attack try-out). One shared with its own distributors alone takes both from it.
for method, req in (("AddDocumentVersion", {"documentId": both, "mediaType": "text/plain",
                                            "content": "eg=="}),
                    ("AddTranslation", {"documentId": both, "language": "th",
                                        "title": "ราคา", "content": "eg=="})):
    code, out = call(method, req, mgr)
    check(code == "FAILED_PRECONDITION" and "do not manage" in out.get("message", ""),
          "a manager's %s of a document its distributor shares with another is refused (%s %s)"
          % (method, code, out))
got = must("GetDocument", {"id": both}, admin)["document"]
check(int(got["latestVersion"]) == 1 and not got.get("variants"),
      "and nothing of it was saved (%s)" % got)
code, out = call("AddDocumentVersion", {"documentId": ours, "mediaType": "text/plain",
                                        "content": "eg=="}, mgr)
check(code == "OK" and int(out.get("document", {}).get("latestVersion", 0)) == 2,
      "a manager adds a version to its own distributor's document (%s %s)" % (code, out))
# The exporter's own document, which publishing would share, is attached by a tenant admin (or
# a manager who sees every distributor) alone, as ShareDocument gives it its first share.
code, out = call("CreateUpstreamUpdate", dict(LAUNCH, regions=["VN-DN"], documentIds=[own],
                                              variants=[]), mgr)
check(code == "INVALID_ARGUMENT" and "documentIds" in str(out)
      and "exporter's own" in out.get("message", ""),
      "a manager of some distributors does not attach the exporter's own document (%s %s)"
      % (code, out))
# A draft someone else wrote is theirs to publish: published by this manager it would reach
# only the distributors it manages, for good (an attack try-out).
adm_draft = int(must("CreateUpstreamUpdate", dict(LAUNCH, title="Bản nháp của quản trị",
                                                  regions=["VN-DN"], documentIds=[own],
                                                  variants=[]), admin)["update"]["id"])
code, out = call("PublishUpstreamUpdate", {"id": adm_draft}, mgr)
check(code == "FAILED_PRECONDITION" and "someone else" in out.get("message", ""),
      "a manager of some distributors does not publish an admin's draft (%s %s)" % (code, out))
got = must("GetUpstreamUpdate", {"id": adm_draft}, admin)["update"]
check(got.get("status") == "draft" and not got.get("recipients")
      and not must("GetDocument", {"id": own}, admin)["document"].get("share"),
      "which stays a draft, its attachment the exporter's own (%s)" % got)
# An attachment the admin has since taken from the manager's distributors is not shared with
# them again by the manager's publishing (a review).
moved = document("Bảng giá sắp chuyển", [mine])
mgr_draft = int(must("CreateUpstreamUpdate", dict(LAUNCH, title="Bảng giá mới",
                                                  regions=["VN-DN"], documentIds=[moved],
                                                  variants=[]), mgr)["update"]["id"])
must("ShareDocument", {"documentId": moved, "add": [th], "remove": [mine]}, admin)
code, out = call("PublishUpstreamUpdate", {"id": mgr_draft}, mgr)
check(code == "FAILED_PRECONDITION" and "no longer shared" in out.get("message", "")
      and [int(x) for x in must("GetDocument", {"id": moved}, admin)["document"]["share"]]
      == [th], "nor publishes an attachment taken from its distributors (%s %s)" % (code, out))
# A distributor's operating handbook is shared with it alone: no update carries it, whoever
# attaches it (a review: publishing shared it with every recipient).
hb = int(must("GenerateHandbook", {"distributorId": mine}, admin)["documentId"])
code, out = call("CreateUpstreamUpdate", dict(LAUNCH, regions=["VN"], documentIds=[hb],
                                              variants=[]), admin)
check(code == "FAILED_PRECONDITION" and "operating handbook" in out.get("message", ""),
      "an operating handbook is attached to no update, not even by an admin (%s %s)"
      % (code, out))

# An update reaches who holds its territory on its effective date (a try-out: a launch
# effective after one distributor's grant ended and another's began went to the first).
def cambodia(name, starts, ends=""):
    d = int(must("CreateDistributor", {"fields": {"name": name, "country": "KH",
                                                  "timeZone": "Asia/Phnom_Penh"}},
                 admin)["distributor"]["id"])
    c = must("CreateCharterDraft", {"distributorId": d}, admin)["charter"]["id"]
    grant = {"region": "KH", "allLines": True, "exclusive": True, "startsOn": starts}
    grant.update({"endsOn": ends} if ends else {})
    must("AddCharterGrant", {"charterId": c, "grant": grant}, admin)
    must("ActivateCharter", {"id": c}, admin)
    return d


leaving = cambodia("Phnom Penh Parts (đến 2098)", "2026-01-01", "2098-12-31")
arriving = cambodia("Angkor Phụ tùng (từ 2099)", "2099-01-01")
for effective, want, what in (("2099-02-01", [arriving], "one effective in 2099 reaches who holds "
                               "Cambodia then, not who leaves it in 2098"),
                              ("2026-01-05", [leaving], "one effective already reaches who "
                               "holds Cambodia today, not who comes in 2099")):
    ku = int(must("CreateUpstreamUpdate", dict(LAUNCH, title="Cambodia " + effective,
                                               regions=["KH"], effectiveOn=effective,
                                               documentIds=[], variants=[]),
                  admin)["update"]["id"])
    got = sorted(int(r["distributorId"]) for r in must(
        "PublishUpstreamUpdate", {"id": ku}, admin)["update"].get("recipients", []))
    check(got == want, "%s (%s, want %s)" % (what, got, want))

t.finish("test_updates")
