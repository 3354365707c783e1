#!/usr/bin/env python3
"""The joint business plan (issue 15, part B). A plan per distributor and
year: goals per product line (units and/or revenue with its currency, for the
year, a quarter or a month of it) and initiatives with an owner of either
side. One side proposes, only the other approves or rejects (with a comment);
an approved plan is locked, a change is a new revision copied from it, and
approving that supersedes it. On approval the goals become the year's
targets: the superseded revision's targets go, a hand-set target of the same
line and period is replaced, other hand-set targets stay. A distributor user
reaches its own distributor's plans only (NOT_FOUND otherwise, as for a plan
that does not exist). Every step is audited; wrong input names its field."""
import datetime
import json
import os
import re
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
                                                          "plans-home"))
call, must, cli = _cli.call, _cli.must, _cli.cli

slug = "plans-" + RUN
must("CreateTenant", {"slug": slug, "name": "Kế hoạch kinh doanh chung",
                      "adminEmail": "admin@plan.example", "adminPassword": PASSWORD}, OPERATOR)


def login(email):
    return must("Login", {"tenant": slug, "email": email, "password": PASSWORD}, None)["token"]


admin = login("admin@plan.example")
tid = t.psql("SELECT id FROM tenants WHERE slug = '%s'" % slug).strip()


def sql(query):
    """query as the superuser, whom row-level security does not hold: filter by tid."""
    out = t.psql("SET liaison.tenant_id = %s; %s" % (tid, query)).splitlines()
    return out[-1].strip() if out else ""


def set_target(distributor, line, period, units):
    """A hand-set target (no plan_id), through SetTarget as the admin does."""
    must("SetTarget", {"distributorId": distributor, "productLineId": line, "period": period,
                       "units": units}, admin)


def targets(distributor):
    """{(line, kind, start): (units, revenue, currency, plan_id)} of a distributor."""
    rows = t.psql("SET liaison.tenant_id = %s; SELECT product_line_id, period_kind, period_start,"
                  " coalesce(units::text, ''), coalesce(revenue_minor::text, ''),"
                  " coalesce(currency, ''), coalesce(plan_id::text, '') FROM targets"
                  " WHERE tenant_id = %s AND distributor_id = %s" % (tid, tid, distributor))
    out = {}
    for line in rows.splitlines():
        f = line.split("|")
        if len(f) != 7:
            continue  # the SET's own output
        out[(int(f[0]), f[1], f[2])] = tuple(f[3:])
    return out


def audits(action):
    return int(sql("SELECT count(*) FROM audit_log WHERE tenant_id = %s AND action = '%s'"
                   % (tid, action)))


def all_audits():
    return int(sql("SELECT count(*) FROM audit_log WHERE tenant_id = %s" % tid))


def violation(out, field):
    if not isinstance(out, dict):
        return []
    return [v.get("description", "") for v in out.get("violations", [])
            if v.get("field") == field]


brk = int(must("CreateProductLine", {"code": "BRK", "name": "Phanh"}, admin)["productLine"]["id"])
flt = int(must("CreateProductLine", {"code": "FLT", "name": "フィルター"},
               admin)["productLine"]["id"])


def distributor(name, region):
    d = int(must("CreateDistributor", {"fields": {"name": name, "country": region[:2],
                                                  "timeZone": "Asia/Ho_Chi_Minh"}},
                 admin)["distributor"]["id"])
    c = must("CreateCharterDraft", {"distributorId": d}, admin)["charter"]["id"]
    must("AddCharterGrant", {"charterId": c, "grant": {"region": region, "allLines": True,
                                                       "startsOn": "2026-01-01"}}, admin)
    must("ActivateCharter", {"id": c}, admin)
    return d


def user(email, role, **extra):
    req = {"email": email, "role": role, "password": PASSWORD}
    req.update(extra)
    uid = int(must("CreateUser", req, admin)["user"]["id"])
    return uid, login(email)


saigon = distributor("Công ty Phụ tùng Sài Gòn", "VN-SG")
hanoi = distributor("ハノイ商事", "VN-HN")
minh_id, minh = user("minh@saigon.example", "ROLE_DISTRIBUTOR_USER", distributorId=saigon)
lan_id, lan = user("lan@saigon.example", "ROLE_DISTRIBUTOR_USER", distributorId=saigon)
haruki_id, haruki = user("haruki@hanoi.example", "ROLE_DISTRIBUTOR_USER", distributorId=hanoi)
mgr_id, manager = user("manager@plan.example", "ROLE_MANAGER", seesAllDistributors=True)
auditor_id, auditor = user("auditor@plan.example", "ROLE_AUDITOR")
# A manager of no distributor here: not an initiative's owner (migration 0214).
elsewhere_id, _ = user("elsewhere@plan.example", "ROLE_MANAGER")

# ---------------- a first revision ----------------
code, out = call("CreatePlan", {"distributorId": saigon, "year": 2027}, admin)
check(code == "OK" and out["plan"]["status"] == "draft" and out["plan"]["revision"] == 1
      and out["plan"]["distributorName"] == "Công ty Phụ tùng Sài Gòn",
      "a plan starts as draft revision 1 (%s %s)" % (code, out))
p1 = int(out["plan"]["id"])
check(audits("plan.created") == 1, "plan.created is audited")
code, out = call("CreatePlan", {"distributorId": saigon, "year": 2027}, manager)
check(code == "ALREADY_EXISTS" and "still open" in out.get("message", ""),
      "a second revision is refused while one is open (%s %s)" % (code, out))
code, out = call("CreatePlan", {"distributorId": saigon, "year": 1999}, admin)
check(code == "INVALID_ARGUMENT" and violation(out, "year"), "year 1999 is refused on year")

set_target(saigon, brk, "2027-Q1", 999)
set_target(saigon, flt, "2027-01", 77)

GOALS = [{"productLineId": brk, "period": "2027", "units": 12000},
         {"productLineId": brk, "period": "2027-Q1", "units": 2500,
          "revenueMinor": 3125000000, "currency": "vnd"},
         {"productLineId": flt, "period": "2027-06", "revenueMinor": 450000000,
          "currency": "VND"}]
INITIATIVES = [{"title": "Hội thảo kỹ thuật cho gara ở Thủ Đức", "description":
                "Giới thiệu má phanh gốm; 整備工場向けの技術セミナー", "ownerUserId": minh_id,
                "startsOn": "2027-03-01", "dueOn": "2027-03-31"},
               {"title": "在庫の週次共有", "ownerUserId": mgr_id, "startsOn": "2027-01-15",
                "dueOn": "2027-12-31"}]
code, out = call("SavePlan", {"id": p1, "goals": GOALS, "initiatives": INITIATIVES}, admin)
plan = out.get("plan", {})
check(code == "OK" and [g["period"] for g in plan.get("goals", [])] == ["2027", "2027-Q1",
                                                                        "2027-06"]
      and plan["goals"][1].get("currency") == "VND" and plan["goals"][0]["productLineCode"] == "BRK",
      "goals are saved for the year, a quarter and a month, currency upper-cased (%s %s)"
      % (code, out))
check(code == "OK" and plan["initiatives"][0]["title"] == INITIATIVES[0]["title"]
      and plan["initiatives"][0]["ownerEmail"] == "minh@saigon.example"
      and plan["initiatives"][1]["title"] == "在庫の週次共有",
      "initiatives keep Vietnamese and Japanese text and name their owners")

# ---------------- wrong input, each naming its field, changing nothing ----------------
BAD = [
    ({"goals": [dict(GOALS[0], period="2027-13")]}, "goals[0].period", "'YYYY'"),
    ({"goals": [dict(GOALS[0], period="2027-Q5")]}, "goals[0].period", "'YYYY'"),
    ({"goals": [dict(GOALS[0], period="27")]}, "goals[0].period", "'YYYY'"),
    ({"goals": [GOALS[0], dict(GOALS[0], period="2026-Q1")]}, "goals[1].period",
     "outside the plan's year 2027"),
    ({"goals": [GOALS[0], GOALS[0]]}, "goals[1].period", "a second goal"),
    ({"goals": [dict(GOALS[0], productLineId=0)]}, "goals[0].productLineId", "a product line"),
    ({"goals": [dict(GOALS[0], productLineId=987654321)]}, "goals[0].productLineId",
     "no such product line"),
    ({"goals": [dict(GOALS[0], units=0)]}, "goals[0].units", "a goal needs"),
    ({"goals": [{"productLineId": brk, "period": "2027", "revenueMinor": 5}]},
     "goals[0].currency", "needs its currency"),
    ({"goals": [dict(GOALS[1], currency="XYZ")]}, "goals[0].currency", "ISO 4217"),
    ({"goals": [dict(GOALS[0], units=str(2**63))]}, "goals[0].units", "at most"),
    ({"goals": [dict(GOALS[0], units=str(2**63 - 1))]}, "goals[0].units", "at most"),
    ({"initiatives": [dict(INITIATIVES[0], dueOn="2027-02-28")]}, "initiatives[0].dueOn",
     "not before"),
    ({"initiatives": [dict(INITIATIVES[0], startsOn="2027-3-1")]}, "initiatives[0].startsOn",
     "YYYY-MM-DD"),
    ({"initiatives": [dict(INITIATIVES[0], title="")]}, "initiatives[0].title", "required"),
    ({"initiatives": [dict(INITIATIVES[0], title="計" * 201)]}, "initiatives[0].title",
     "at most 200 characters"),
    ({"initiatives": [dict(INITIATIVES[0], ownerUserId=haruki_id)]},
     "initiatives[0].ownerUserId", "no user of this tenant who may own this initiative"),
    # An auditor changes nothing, and a manager who does not reach the distributor is not
    # its; as owners each gave away the e-mail of any user id to a distributor's user.
    ({"initiatives": [dict(INITIATIVES[0], ownerUserId=auditor_id)]},
     "initiatives[0].ownerUserId", "no user of this tenant who may own this initiative"),
    ({"initiatives": [dict(INITIATIVES[0], ownerUserId=elsewhere_id)]},
     "initiatives[0].ownerUserId", "no user of this tenant who may own this initiative"),
    ({"initiatives": [dict(INITIATIVES[0], ownerUserId=0)]}, "initiatives[0].ownerUserId",
     "a user's id"),
    ({"goals": [GOALS[0]] * 201}, "goals", "at most 200"),
    # An initiative runs at least partly within the plan's year (migration 0128): one of
    # 2026-03 on the 2027 plan was taken.
    ({"initiatives": [dict(INITIATIVES[0], startsOn="2026-03-01", dueOn="2026-03-31")]},
     "initiatives[0].dueOn", "due before the plan's year 2027"),
    ({"initiatives": [INITIATIVES[0], dict(INITIATIVES[1], startsOn="2026-12-01",
                                           dueOn="2026-12-31")]},
     "initiatives[1].dueOn", "runs at least partly in 2027"),
    ({"initiatives": [dict(INITIATIVES[0], startsOn="2028-01-01", dueOn="2028-02-15")]},
     "initiatives[0].startsOn", "starts after the plan's year 2027"),
]
before_rows, before_audit = sql("SELECT count(*) FROM plan_goals WHERE tenant_id = %s" % tid), \
    all_audits()
for extra, field, why in BAD:
    req = {"id": p1, "goals": GOALS, "initiatives": INITIATIVES}
    req.update(extra)
    code, out = call("SavePlan", req, admin)
    got = violation(out, field)
    check(code == "INVALID_ARGUMENT" and got and why in got[0],
          "SavePlan refuses %s: %s (%s %s)" % (field, why, code, got or out))
check(sql("SELECT count(*) FROM plan_goals WHERE tenant_id = %s" % tid) == before_rows
      and all_audits() == before_audit, "refused saves leave no row and no audit entry")
ok_title = "計" * 200
code, out = call("SavePlan", {"id": p1, "goals": GOALS, "initiatives": [
    dict(INITIATIVES[0], title=ok_title)]}, admin)
check(code == "OK", "a title of 200 Japanese characters (600 bytes) is accepted (%s)" % code)
# Preparation begun in the autumn before, or a campaign running into the next year, overlaps
# the plan's year: accepted, to the day at either end.
EDGES = [dict(INITIATIVES[0], title="Chuẩn bị hàng Tết", startsOn="2026-11-15",
              dueOn="2027-01-01"),
         dict(INITIATIVES[1], title="年末年始キャンペーン", startsOn="2027-12-31",
              dueOn="2028-02-28")]
code, out = call("SavePlan", {"id": p1, "goals": GOALS, "initiatives": EDGES}, admin)
check(code == "OK" and [(x["startsOn"], x["dueOn"]) for x in out["plan"]["initiatives"]]
      == [("2026-11-15", "2027-01-01"), ("2027-12-31", "2028-02-28")],
      "initiatives overlapping the plan's year at either end are accepted (%s %s)" % (code, out))
must("SavePlan", {"id": p1, "goals": GOALS, "initiatives": INITIATIVES}, admin)

# ---------------- a save from a form older than another's save ----------------
# Two tabs or two users: the later save of the older form replaced all the
# other had saved, without a word (a try-out of the portal).
seen = must("GetPlan", {"id": p1}, minh)["plan"]["version"]
mine = must("SavePlan", {"id": p1, "goals": GOALS, "initiatives": INITIATIVES[:1],
                         "ifVersion": seen}, admin)["plan"]
code, out = call("SavePlan", {"id": p1, "goals": GOALS[:1], "initiatives": INITIATIVES,
                              "ifVersion": seen}, minh)
kept = must("GetPlan", {"id": p1}, admin)["plan"]
check(mine.get("version") and mine["version"] != seen and code == "FAILED_PRECONDITION"
      and "this plan changed after your form was made" in out.get("message", "")
      and "admin@" in out.get("message", "") and len(kept.get("goals", [])) == len(GOALS)
      and len(kept.get("initiatives", [])) == 1,
      "a save naming the version its form was made from is refused once another save came"
      " between, naming who saved; nothing of theirs is overwritten (%s %s)" % (code, out))
code, out = call("SavePlan", {"id": p1, "goals": GOALS, "initiatives": INITIATIVES,
                              "ifVersion": "12ab"}, admin)
check(code == "INVALID_ARGUMENT" and violation(out, "ifVersion"),
      "a version that is none is refused on ifVersion (%s %s)" % (code, out))
must("SavePlan", {"id": p1, "goals": GOALS, "initiatives": INITIATIVES,
                  "ifVersion": kept["version"]}, admin)

code, out = call("ListPlans", {"status": "open"}, admin)
check(code == "INVALID_ARGUMENT" and violation(out, "status"), "ListPlans: a bad status")
code, out = call("RejectPlan", {"id": p1}, minh)
check(code == "INVALID_ARGUMENT" and violation(out, "comment"),
      "a rejection needs its comment")

# ---------------- propose; only the other side decides ----------------
code, out = call("ProposePlan", {"id": p1}, admin)
check(code == "OK" and out["plan"]["status"] == "proposed"
      and out["plan"]["proposedSide"] == "exporter", "exporter staff propose (%s %s)" % (code, out))
for who, label in ((admin, "the admin who proposed"), (manager, "another exporter user")):
    code, out = call("ApprovePlan", {"id": p1}, who)
    check(code == "FAILED_PRECONDITION" and "other side" in out.get("message", ""),
          "%s cannot approve an exporter proposal (%s %s)" % (label, code, out))
code, out = call("SavePlan", {"id": p1, "goals": GOALS}, minh)
check(code == "FAILED_PRECONDITION" and "awaits" in out.get("message", ""),
      "a proposed plan is not edited (%s)" % code)
code, out = call("ApprovePlan", {"id": p1}, auditor)
check(code == "PERMISSION_DENIED", "an auditor does not approve (%s)" % code)
code, out = call("ApprovePlan", {"id": p1}, haruki)
check(code == "NOT_FOUND", "another distributor's user gets NOT_FOUND (%s)" % code)

code, out = call("RejectPlan", {"id": p1, "comment": "Quý 1 quá cao: Tết rơi vào tháng 2"}, minh)
check(code == "OK" and out["plan"]["status"] == "rejected"
      and out["plan"]["decisionComment"] == "Quý 1 quá cao: Tết rơi vào tháng 2"
      and audits("plan.rejected") == 1, "the distributor rejects with a comment (%s)" % code)
check(targets(saigon)[(brk, "quarter", "2027-01-01")][3] == "",
      "a rejected plan makes no targets")
GOALS[1]["units"] = 2000
must("SavePlan", {"id": p1, "goals": GOALS, "initiatives": INITIATIVES}, admin)
must("ProposePlan", {"id": p1}, admin)
code, out = call("ApprovePlan", {"id": p1, "comment": "Đồng ý"}, minh)
check(code == "OK" and out["plan"]["status"] == "approved"
      and out["plan"]["decidedBy"].endswith("minh@saigon.example"),
      "the distributor's user approves the exporter's proposal (%s %s)" % (code, out))
tg = targets(saigon)
check(tg.get((brk, "year", "2027-01-01")) == ("12000", "", "", str(p1))
      and tg.get((brk, "quarter", "2027-01-01")) == ("2000", "3125000000", "VND", str(p1))
      and tg.get((flt, "month", "2027-06-01")) == ("", "450000000", "VND", str(p1)),
      "the goals became the year's targets, the plan's goal replacing the hand-set Q1 (%s)" % tg)
check(tg.get((flt, "month", "2027-01-01")) == ("77", "", "", ""),
      "a hand-set target of another line and period stays (%s)" % tg)

# ---------------- locked; a revision supersedes ----------------
code, out = call("SavePlan", {"id": p1, "goals": GOALS}, admin)
check(code == "FAILED_PRECONDITION" and "locked" in out.get("message", ""),
      "an approved plan is locked (%s %s)" % (code, out))
code, out = call("ProposePlan", {"id": p1}, admin)
check(code == "FAILED_PRECONDITION", "an approved plan is not proposed again")
code, out = call("CreatePlan", {"year": 2027}, admin)
check(code == "INVALID_ARGUMENT" and [v.get("field") for v in out.get("violations", [])]
      == ["distributorId"], "staff name the distributor of a new plan (%s %s)" % (code, out))
code, out = call("CreatePlan", {"year": 2027}, lan)
p2 = out.get("plan", {})
check(code == "OK" and p2.get("revision") == 2 and int(p2.get("basedOnId", 0)) == p1
      and p2.get("status") == "draft" and len(p2.get("goals", [])) == 3
      and len(p2.get("initiatives", [])) == 2,
      "a distributor user starts revision 2, copied from the approved one (%s %s)" % (code, out))
p2 = int(p2["id"])
must("SavePlan", {"id": p2, "goals": [dict(GOALS[0], units=13000), GOALS[2]],
                  "initiatives": INITIATIVES[:1]}, lan)
code, out = call("ProposePlan", {"id": p2}, lan)
check(code == "OK" and out["plan"]["proposedSide"] == "distributor", "the distributor proposes")
code, out = call("ApprovePlan", {"id": p2}, minh)
check(code == "FAILED_PRECONDITION",
      "another user of the proposing distributor cannot approve (%s)" % code)
check(targets(saigon).get((brk, "year", "2027-01-01")) == ("12000", "", "", str(p1)),
      "while revision 2 is proposed, revision 1's targets stand")
code, out = call("ApprovePlan", {"id": p2}, manager)
check(code == "OK" and out["plan"]["status"] == "approved", "the exporter approves revision 2")
code, out = call("GetPlan", {"id": p1}, admin)
check(code == "OK" and out["plan"]["status"] == "superseded" and audits("plan.superseded") == 1,
      "revision 1 is superseded (%s)" % out.get("plan", {}).get("status"))
tg = targets(saigon)
check(tg.get((brk, "year", "2027-01-01")) == ("13000", "", "", str(p2))
      and (brk, "quarter", "2027-01-01") not in tg
      and tg.get((flt, "month", "2027-06-01"), ("",) * 4)[3] == str(p2)
      and not [k for k, v in tg.items() if v[3] == str(p1)],
      "revision 2's goals replace revision 1's targets; none of revision 1's remain (%s)" % tg)
check(tg.get((flt, "month", "2027-01-01")) == ("77", "", "", ""),
      "the untouched hand-set target still stands")

# ---------------- reach ----------------
code, missing = call("GetPlan", {"id": 987654321}, haruki)
code2, theirs = call("GetPlan", {"id": p1}, haruki)
check(code == code2 == "NOT_FOUND" and missing.get("message") == theirs.get("message"),
      "another distributor's plan answers as one that does not exist (%s %s)" % (code2, theirs))
for method, req in (("SavePlan", {"id": p2, "goals": GOALS}), ("ProposePlan", {"id": p2}),
                    ("RejectPlan", {"id": p2, "comment": "x"})):
    code, _ = call(method, req, haruki)
    check(code == "NOT_FOUND", "%s on another distributor's plan: NOT_FOUND (%s)" % (method, code))
code, out = call("CreatePlan", {"distributorId": saigon, "year": 2028}, haruki)
check(code == "NOT_FOUND", "a plan for another distributor: NOT_FOUND (%s)" % code)
code, out = call("ListPlans", {}, haruki)
check(code == "OK" and not out.get("plans"), "another distributor's user lists none")
code, out = call("ListPlans", {}, minh)
check(code == "OK" and len(out.get("plans", [])) == 2 and "goals" not in out["plans"][0],
      "the distributor's user lists its two revisions, without goals")
code, out = call("GetPlan", {"id": p2}, auditor)
check(code == "OK", "an auditor reads a plan")
code, page1 = call("ListPlans", {"page": {"pageSize": 1}, "year": 2027}, admin)
code2, page2 = call("ListPlans", {"page": {"pageSize": 1, "cursor": page1["page"]["nextCursor"]},
                                  "year": 2027}, admin)
check(code == code2 == "OK" and int(page1["plans"][0]["id"]) == p1
      and int(page2["plans"][0]["id"]) == p2, "lists are paged")
code, out = call("ListPlans", {"status": "approved", "distributorId": saigon}, admin)
check(code == "OK" and [int(p["id"]) for p in out["plans"]] == [p2], "ListPlans filters")

check((audits("plan.created"), audits("plan.proposed"), audits("plan.approved"))
      == (2, 3, 2), "every step is audited")

# ---------------- the CLI ----------------
for sub in ("new", "show", "save", "propose", "approve", "reject", "list"):
    p = __import__("subprocess").run([CLI, "plan", sub, "--help"], capture_output=True, text=True)
    check(p.returncode == 0 and ("plan " + sub) in p.stdout + p.stderr,
          "plan %s --help" % sub)
code, out = cli("plan", "new", "2027", "--distributor", "ハノイ商事", token=admin)
check(code == "OK" and out["revision"] == 1, "liaison plan new (%s %s)" % (code, out))
hp = out["id"] if code == "OK" else "0"
# 3,125,000,000 VND (about US$120,000) passes a 32-bit integer: the CLI takes 64 bits, as the server.
code, out = cli("plan", "save", str(hp), "--goal", "BRK:2027-Q3:800:3125000000:VND",
                "--initiative", "展示会 Hà Nội|haruki@hanoi.example|2027-07-01|2027-07-05",
                token=admin)
check(code == "OK" and out.get("goals", [{}])[0].get("period") == "2027-Q3"
      and str(out.get("goals", [{}])[0].get("revenueMinor")) == "3125000000"
      and out.get("initiatives", [{}])[0].get("title") == "展示会 Hà Nội",
      "liaison plan save with --goal (a revenue past 2^31) and --initiative (%s %s)"
      % (code, out))
path = os.path.join(w.env("LIAISON_TEST_DIR"), "plan-%s.json" % RUN)
code, shown = cli("plan", "show", str(hp), token=admin)
shown["goals"][0]["units"] = "900"
with open(path, "w") as f:
    json.dump({"plan": shown}, f, ensure_ascii=False)
code, out = cli("plan", "save", str(hp), "--file", path, token=admin)
check(code == "OK" and str(out["goals"][0]["units"]) == "900",
      "liaison plan save --file takes what plan show prints (%s %s)" % (code, out))
code, out = cli("plan", "save", str(hp), "--file", path, token=admin)
check(code == "FAILED_PRECONDITION" and "this plan changed after your form was made"
      in str(out), "the same file again, the plan saved since it was shown: refused (%s %s)"
      % (code, out))
# Another plan's file (its goals copied to this one) has another plan's version: not checked.
with open(path, "w") as f:
    json.dump({"plan": dict(shown, id=str(p1))}, f, ensure_ascii=False)
code, out = cli("plan", "save", str(hp), "--file", path, token=admin)
check(code == "OK", "another plan's file is saved, its version not checked (%s %s)" % (code, out))
code, out = cli("plan", "save", str(hp), "--goal", "BRK:2027-Q9:1", token=admin)
check(code == "INVALID_ARGUMENT", "the CLI passes the server's refusal on (%s %s)" % (code, out))
# One kind of option given: the other stays as the revision holds it.
code, out = cli("plan", "save", str(hp), "--initiative",
                "Hội thảo gara|haruki@hanoi.example|2027-08-01|2027-08-31", token=admin)
check(code == "OK" and [str(x.get("units")) for x in out.get("goals", [])] == ["900"]
      and [x.get("title") for x in out.get("initiatives", [])] == ["Hội thảo gara"],
      "liaison plan save --initiative alone keeps the goals (%s %s)" % (code, out))
code, out = cli("plan", "save", str(hp), "--goal", "BRK:2027:1000000000000000", token=admin)
check(code == "OK" and [str(x.get("units")) for x in out.get("goals", [])] == ["1000000000000000"]
      and [x.get("title") for x in out.get("initiatives", [])] == ["Hội thảo gara"],
      "--goal alone keeps the initiatives, and takes units up to 10^15 (%s %s)" % (code, out))
code, out = cli("plan", "save", str(hp), "--goal", "BRK:2027:1000000000000001", token=admin)
check(code in ("EXIT_2", "INVALID_ARGUMENT") and "0 to 1000000000000000" in str(out),
      "past 10^15 the CLI says the bound (%s %s)" % (code, out))
code, out = cli("plan", "save", str(hp), "--goal", "BRK:2027-Q3:800:3125000000:VND",
                token=admin)
code, out = cli("plan", "propose", str(hp), token=admin)
code, out = cli("plan", "reject", str(hp), "--comment", "もう少し", token=haruki)
check(code == "OK" and out["status"] == "rejected", "liaison plan reject (%s)" % code)
code, out = cli("plan", "propose", str(hp), token=admin)
code, out = cli("plan", "approve", str(hp), token=haruki)
check(code == "OK" and out["status"] == "approved", "liaison plan approve (%s)" % code)
p = subprocess.run([CLI, "--token", admin, "plan", "show", str(hp)], capture_output=True,
                   text=True, env=_cli.env)
check(p.returncode == 0 and re.search(r"^PROPOSED AT +\d{4}-\d\d-\d\dT", p.stdout, re.M)
      and re.search(r"^DECIDED AT +\d{4}-\d\d-\d\dT", p.stdout, re.M),
      "plan show says when the revision was proposed and decided (%s)" % p.stdout[:600])
code, out = cli("plan", "list", "--year", "2027", token=admin)
check(code == "OK" and isinstance(out, list) and len(out) == 3, "liaison plan list prints a JSON "
      "array (%s %s)" % (code, out))

# ---------------- goals only on lines a target may have (migration 0128) ----------------
# 'plan save --goal SUS:2027:10' was accepted for a line the charter does not cover, approved
# and made a target, while 'target set' refused the line. A goal is now refused by SetTarget's
# own check, in its words, on the goal; a distributor's user is held to it as staff are.
sus = int(must("CreateProductLine", {"code": "SUS", "name": "サスペンション"},
               admin)["productLine"]["id"])
drum = int(must("CreateProductLine", {"code": "DRM", "name": "Phanh tang trống"},
                admin)["productLine"]["id"])
must("RetireProductLine", {"id": drum}, admin)
osaka = int(must("CreateDistributor", {"fields": {"name": "大阪部品商会", "country": "JP",
                                                  "timeZone": "Asia/Tokyo"}},
                 admin)["distributor"]["id"])
charter = must("CreateCharterDraft", {"distributorId": osaka}, admin)["charter"]["id"]
must("AddCharterGrant", {"charterId": charter, "grant": {"region": "JP", "allLines": True,
                                                         "startsOn": "2026-01-01"}}, admin)
must("SetCharterTerms", {"charterId": charter, "fullCoverage": False,
                         "coveredLineIds": [brk, flt], "reportDueDay": 10}, admin)
must("ActivateCharter", {"id": charter}, admin)
_, kenji = user("kenji@osaka.example", "ROLE_DISTRIBUTOR_USER", distributorId=osaka)
NOT_COVERED = ("product line SUS is not covered by the distributor's charter: its sales are "
               "not reported")
code, out = call("SetTarget", {"distributorId": osaka, "productLineId": sus, "period": "2026-12",
                               "units": 5}, admin)
check(code == "INVALID_ARGUMENT" and violation(out, "productLineId") == [NOT_COVERED],
      "SetTarget refuses SUS, which 大阪部品商会's charter does not cover (%s %s)" % (code, out))
op = int(must("CreatePlan", {"distributorId": osaka, "year": 2027}, admin)["plan"]["id"])
before_rows, before_audit = sql("SELECT count(*) FROM plan_goals WHERE tenant_id = %s" % tid), \
    all_audits()
SUS_GOAL = {"productLineId": sus, "period": "2027", "units": 10}
for who, label in ((admin, "the admin"), (kenji, "the distributor's user")):
    code, out = call("SavePlan", {"id": op, "goals": [GOALS[0], SUS_GOAL]}, who)
    check(code == "INVALID_ARGUMENT" and violation(out, "goals[1].productLineId") == [NOT_COVERED],
          "%s's goal on SUS is refused on it, in SetTarget's words (%s %s)" % (label, code, out))
code, out = call("SavePlan", {"id": op, "goals": [dict(SUS_GOAL, productLineId=drum)]}, admin)
check(code == "INVALID_ARGUMENT" and violation(out, "goals[0].productLineId")
      == ["product line DRM is retired"], "a goal on a retired line is refused (%s %s)"
      % (code, out))
check(sql("SELECT count(*) FROM plan_goals WHERE tenant_id = %s" % tid) == before_rows
      and all_audits() == before_audit, "refused goals leave no row and no audit entry")
# Without an active charter, nothing to cover a line: SetTarget takes any line, and so does a plan.
kobe = int(must("CreateDistributor", {"fields": {"name": "Đại lý Kobe 神戸", "country": "JP",
                                                 "timeZone": "Asia/Tokyo"}},
                admin)["distributor"]["id"])
kp = int(must("CreatePlan", {"distributorId": kobe, "year": 2027}, admin)["plan"]["id"])
code, out = call("SavePlan", {"id": kp, "goals": [SUS_GOAL]}, admin)
check(code == "OK", "with no active charter a goal on SUS is taken, as a target is (%s %s)"
      % (code, out))
# The CLI says it as 'target set' does, naming the --goal, with the Japanese distributor's name.
tset = subprocess.run([CLI, "--token", admin, "target", "set", "大阪部品商会", "SUS", "2026-12",
                       "--units", "5"], capture_output=True, text=True, env=_cli.env, timeout=60)
psave = subprocess.run([CLI, "--token", admin, "plan", "save", str(op), "--goal", "BRK:2027:10",
                        "--goal", "SUS:2027:10"], capture_output=True, text=True, env=_cli.env,
                       timeout=60)
check(tset.returncode == psave.returncode == 2 and NOT_COVERED in tset.stderr
      and "liaison: invalid --goal, item 2 (product line): " + NOT_COVERED in psave.stderr,
      "the CLI refuses the goal with target set's words (%r %r)" % (tset.stderr, psave.stderr))
code, out = cli("plan", "save", str(op), "--goal", "BRK:2027:10", "--initiative",
                "Hội chợ phụ tùng Tokyo 東京|kenji@osaka.example|2026-03-01|2026-03-31",
                token=admin)
check(code == "INVALID_ARGUMENT" and "2027" in out.get("message", "")
      and [v.get("field") for v in out.get("violations", [])] == ["initiatives[0].dueOn"],
      "liaison plan save: an initiative of 2026-03 on the 2027 plan (%s %s)" % (code, out))
code, out = cli("plan", "save", str(op), "--goal", "BRK:2027:10", token=kenji)
check(code == "OK" and [x.get("productLineCode") for x in out.get("goals", [])] == ["BRK"]
      and out.get("distributorName") == "大阪部品商会", "a covered goal is saved (%s %s)"
      % (code, out))
must("ProposePlan", {"id": op}, kenji)
must("ApprovePlan", {"id": op}, admin)
check([k for k in targets(osaka) if k[0] == sus] == [] and (brk, "year", "2027-01-01")
      in targets(osaka), "approval makes the covered goal a target and none on SUS")

# ---------------- goals within the relationship (migration 0165) ----------------
# A 2027 plan's goal for a month before the relationship began was approved into a target read
# 0 % attained ever after, where 'target set' refused the same period (a try-out).
# A start to come "begins", one past "began" (a try-out read "began on" a day to come).
_today = datetime.datetime.now(datetime.timezone.utc).date()
BEGAN = "begins" if _today < datetime.date(2027, 4, 1) else "began"
BEGAN5 = "begins" if _today < datetime.date(2027, 5, 1) else "began"
danang = int(must("CreateDistributor", {"fields": {"name": "Nhà phân phối Đà Nẵng",
                                                   "country": "VN", "timeZone":
                                                   "Asia/Ho_Chi_Minh"}},
                  admin)["distributor"]["id"])
dc = must("CreateCharterDraft", {"distributorId": danang}, admin)["charter"]["id"]
must("AddCharterGrant", {"charterId": dc, "grant": {"region": "VN-DN", "allLines": True,
                                                    "startsOn": "2027-04-01"}}, admin)
must("ActivateCharter", {"id": dc}, admin)
code, out = call("CreatePlan", {"distributorId": danang, "year": 2026}, admin)
check(code == "INVALID_ARGUMENT" and violation(out, "year") == [
    "a year of the relationship, which %s on 2027-04-01: 2026 is before it" % BEGAN],
    "a plan for a year before the relationship is refused on year (%s %s)" % (code, out))
dp = int(must("CreatePlan", {"distributorId": danang, "year": 2027}, admin)["plan"]["id"])
for period in ("2027-Q1", "2027-03"):
    code, out = call("SavePlan", {"id": dp, "goals": [
        {"productLineId": brk, "period": "2027", "units": 10},
        {"productLineId": brk, "period": period, "units": 5}]}, admin)
    check(code == "INVALID_ARGUMENT" and violation(out, "goals[1].period") == [
        "a period of the relationship, which %s on 2027-04-01: %s is before it" % (BEGAN, period)],
        "a goal for %s, before the relationship, is refused on its period (%s %s)"
        % (period, code, out))
code, out = call("SavePlan", {"id": dp, "goals": [
    {"productLineId": brk, "period": "2027", "units": 10},
    {"productLineId": brk, "period": "2027-Q2", "units": 5},
    {"productLineId": brk, "period": "2027-04", "units": 2}]}, admin)
check(code == "OK" and len(out["plan"]["goals"]) == 3,
      "the year, the quarter and the month the relationship begins in are taken (%s %s)"
      % (code, out))
# A plan saved before any charter was active meets the rule when it is approved.
haiphong = int(must("CreateDistributor", {"fields": {"name": "Công ty Hải Phòng",
                                                     "country": "VN", "timeZone":
                                                     "Asia/Ho_Chi_Minh"}},
                    admin)["distributor"]["id"])
_, hp_user = user("thu@haiphong.example", "ROLE_DISTRIBUTOR_USER", distributorId=haiphong)
hp = int(must("CreatePlan", {"distributorId": haiphong, "year": 2027}, admin)["plan"]["id"])
must("SavePlan", {"id": hp, "goals": [{"productLineId": brk, "period": "2027-01", "units": 3}]},
     admin)
hc = must("CreateCharterDraft", {"distributorId": haiphong}, admin)["charter"]["id"]
must("AddCharterGrant", {"charterId": hc, "grant": {"region": "VN-HP", "allLines": True,
                                                    "startsOn": "2027-05-01"}}, admin)
must("ActivateCharter", {"id": hc}, admin)
must("ProposePlan", {"id": hp}, admin)
code, out = call("ApprovePlan", {"id": hp}, hp_user)
check(code == "INVALID_ARGUMENT" and violation(out, "period") == [
    "a period of the relationship, which %s on 2027-05-01: 2027-01 is before it" % BEGAN5]
    and targets(haiphong) == {} and call("GetPlan", {"id": hp}, admin)[1]["plan"]["status"]
    == "proposed", "approving it is refused, no target is written (%s %s)" % (code, out))

t.finish("test_plans")
