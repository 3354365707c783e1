#!/usr/bin/env python3
"""A distributor's contact who leaves (SetContactLeft, `contact left` and
`contact rejoin`), through the real CLI, server and PostgreSQL, with the
service clock (liaison_clock) set by the superuser: the day defaults to the
tenant's today in its time zone and is never a day to come; the answer and
the CLI's warning list what still names the contact (open action items,
ladder rungs, meetings to come); history stays; a contact who left owns no
new action item, joins no meeting after the day they left (one before it
still records them) and is no new rung of a ladder (each
FAILED_PRECONDITION naming them and the day, leaving no row); an
escalation request passes over their rung, when sent and when stepping up,
and says so, for a rung naming them and a role only they held; lists show
current contacts unless asked; `contact remove` of a contact with history
names the command to use instead; an old client's UpdateContact keeps the
state; rejoining undoes it; who may mark and who may read. Vietnamese and
Japanese names throughout."""
import datetime
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
_cli = t.Cli(CLI, w.env("LIAISON_TEST_URL"),
             os.path.join(w.env("LIAISON_TEST_DIR"), "contacts-left-home"))
cli, call, must = _cli.cli, _cli.call, _cli.must
# As the superuser, who sees through row-level security.
sql = t.psql


def cli_text(*args, token=None):
    """The CLI for people (no --json): (exit code, stdout, stderr)."""
    p = subprocess.run([CLI] + (["--token", token] if token else []) + list(args),
                       capture_output=True, text=True, env=_cli.env, timeout=60)
    return p.returncode, p.stdout, p.stderr


def rfc(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def set_clock(t):
    sql("INSERT INTO liaison_clock (fixed_at) VALUES ('%s') ON CONFLICT (only_row) "
        "DO UPDATE SET fixed_at = EXCLUDED.fixed_at, shift = '0'" % t.isoformat())


def count(table, where="true"):
    return int(sql("SELECT count(*) FROM %s WHERE tenant_id = %s AND %s" % (table, tid, where)))


def audits(action):
    return count("audit_log", "action = '%s'" % action)


H = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
# 20:00 UTC: already the next day in Hồ Chí Minh City (UTC+7), the tenant's zone.
T = (datetime.datetime.now(datetime.timezone.utc).replace(hour=20, minute=0, second=0,
                                                          microsecond=0)
     + datetime.timedelta(days=20))
TENANT_TODAY = (T + DAY).strftime("%Y-%m-%d")
EARLIER = (T - 3 * DAY).strftime("%Y-%m-%d")

try:
    # ---------------- set-up ----------------
    slug = "roi-di-" + RUN
    must("CreateTenant", {"slug": slug, "name": "Autoteile Müller GmbH",
                          "adminEmail": "admin@left.example", "adminPassword": PASSWORD}, OPERATOR)

    def login(email):
        return must("Login", {"tenant": slug, "email": email, "password": PASSWORD},
                    None)["token"]

    admin = login("admin@left.example")
    tid = sql("SELECT id FROM tenants WHERE slug = '%s'" % slug)
    must("SetTenantWorkingTime", {"workingTime": {
        "timeZone": "Asia/Ho_Chi_Minh", "businessHoursStart": "08:00",
        "businessHoursEnd": "17:00", "workDays": [1, 2, 3, 4, 5]}}, admin)
    users = {}
    for email, role in (("bao@left.example", "ROLE_MANAGER"), ("khac@left.example", "ROLE_MANAGER"),
                        ("aud@left.example", "ROLE_AUDITOR")):
        users[email] = must("CreateUser", {"email": email, "role": role, "password": PASSWORD},
                            admin)["user"]["id"]
    SG_NAME = "Công ty Phụ tùng Sài Gòn"
    sg = must("CreateDistributor", {"fields": {"name": SG_NAME, "country": "VN",
                                               "timeZone": "Asia/Ho_Chi_Minh"},
                                    "accountManagerId": users["bao@left.example"]},
              admin)["distributor"]["id"]
    tk = must("CreateDistributor", {"fields": {"name": "東京モーターパーツ株式会社",
                                               "country": "JP", "timeZone": "Asia/Tokyo"}},
              admin)["distributor"]["id"]
    must("CreateUser", {"email": "portal@left.example", "role": "ROLE_DISTRIBUTOR_USER",
                        "password": PASSWORD, "distributorId": sg}, admin)
    manager, other_manager = login("bao@left.example"), login("khac@left.example")
    auditor, portal = login("aud@left.example"), login("portal@left.example")

    def contact(d, name, role, email=""):
        return must("CreateContact", {"distributorId": d, "fields": {
            "name": name, "role": role, "email": email}}, admin)["contact"]["id"]

    hung = contact(sg, "Trần Văn Hùng", "purchasing manager", "hung@saigon.example")
    binh = contact(sg, "Trần Thị Bình", "sales director")
    cuong = contact(sg, "Lê Văn Cường", "general manager")
    sato = contact(tk, "佐藤 花子", "purchasing manager")
    suzuki = contact(tk, "鈴木 一郎", "sales director")

    set_clock(T)
    # Hùng's history: a held meeting, an open action item, a meeting to come
    # and the first rung of Saigon's critical ladder.
    held = must("CreateMeeting", {"distributorId": sg, "title": "Họp tháng 11",
                                  "startsAt": rfc(T - 5 * DAY), "durationMinutes": 60,
                                  "attendees": ["hung@saigon.example"]}, admin)["meeting"]["id"]
    must("MarkMeetingHeld", {"id": held}, admin)
    item = must("CreateActionItem", {"distributorId": sg, "meetingId": held,
                                     "description": "Gửi báo cáo tồn kho",
                                     "ownerContactId": hung, "dueAt": rfc(T + 5 * DAY)},
                admin)["actionItem"]["id"]
    done = must("CreateActionItem", {"distributorId": sg, "description": "Xác nhận giá",
                                     "ownerContactId": hung, "dueAt": rfc(T + 2 * DAY)},
                admin)["actionItem"]["id"]
    must("CompleteActionItem", {"id": done}, admin)
    coming = must("CreateMeeting", {"distributorId": sg, "title": "Kiểm tra hàng tuần",
                                    "startsAt": rfc(T + 2 * DAY), "durationMinutes": 30,
                                    "attendees": ["Trần Văn Hùng"]}, admin)["meeting"]["id"]
    must("SetEscalationProtocol", {"distributorId": sg, "severity": "critical", "steps": [
        {"contactId": hung, "method": "phone", "responseHours": 4},
        {"contactId": binh, "method": "phone", "responseHours": 8},
        {"contactId": cuong, "method": "phone", "responseHours": 24}]}, admin)

    # ---------------- remove is refused, naming the command instead ----------------
    code, out = call("RemoveContact", {"id": hung}, manager)
    check(code == "FAILED_PRECONDITION" and "Trần Văn Hùng owns action items and is an attendee"
          " of meetings" in out.get("message", "") and "mark the contact as left" in
          out.get("message", ""), "removing a contact with history is refused: %s" % out)
    rc, so, se = cli_text("contact", "remove", str(hung), token=manager)
    check(rc == 5 and "liaison contact left %s" % hung in se,
          "contact remove names the exact command to use instead: %s" % se)
    check(count("contacts", "id = %s" % hung) == 1 and audits("contact.remove") == 0,
          "and the contact stays, unaudited")

    # ---------------- marking: validation ----------------
    before = audits("contact.left")
    tomorrow = (T + 2 * DAY).strftime("%Y-%m-%d")
    for request, field, why in (
            ({"id": binh, "leftOn": tomorrow}, "leftOn", "is a day to come (today is %s" % TENANT_TODAY),
            ({"id": binh, "leftOn": "2026-02-30"}, "leftOn",
             "'2026-02-30' is no such day: February 2026 has 28 days"),
            ({"id": binh, "leftOn": "30/11/2026"}, "leftOn", "YYYY-MM-DD"),
            # A try-out marked a contact made that day as gone since 1990.
            ({"id": binh, "leftOn": "1990-01-01"}, "leftOn", "in the year 2000 or later"),
            ({"id": binh, "leftOn": EARLIER, "rejoined": True}, "leftOn", "empty when rejoined")):
        code, out = call("SetContactLeft", request, admin)
        check(code == "INVALID_ARGUMENT" and
              [v.get("field") for v in out.get("violations", [])] == [field] and
              why in json.dumps(out, ensure_ascii=False),
              "SetContactLeft %s is refused: %s" % (request, out))
    code, out = call("SetContactLeft", {"id": 999999999}, admin)
    check(code == "NOT_FOUND", "an unknown contact is NOT_FOUND: %s" % code)
    check(audits("contact.left") == before and
          sql("SELECT left_on IS NULL FROM contacts WHERE tenant_id = %s AND id = %s"
              % (tid, binh)) == "t", "refused markings change and audit nothing")
    code, out = cli("contact", "left", str(binh), "--on", "28-11-2026", token=admin)
    check(code == "INVALID_ARGUMENT" and out.get("violations", [{}])[0].get("option") == "--on",
          "the CLI names --on for a day it cannot read: %s" % out)

    # ---------------- marking: the answer and the CLI's warning ----------------
    rc, so, se = cli_text("contact", "left", "Trần Văn Hùng", "--distributor", SG_NAME,
                          token=manager)
    check(rc == 0 and TENANT_TODAY in so,
          "contact left, by name, on the tenant's today (%s, not UTC's): %s %s"
          % (TENANT_TODAY, so, se))
    # The tenant default's ladders find him by his role, but for the critical one, Saigon's own.
    check("warning: Trần Văn Hùng left on %s and is still named by 6 things" % TENANT_TODAY in se
          and "rung 1 of the high escalation ladder, by role (purchasing manager)" in se
          and "rung 1 of the critical escalation ladder, by role" not in se
          and 'action item %s "Gửi báo cáo tồn kho", due %s' % (item, rfc(T + 5 * DAY)) in se
          and "liaison action update %s --owner WHO" % item in se
          and "rung 1 of the critical escalation ladder" in se
          and "liaison escalation protocol %s" % sg in se
          and 'meeting %s "Kiểm tra hàng tuần", at %s' % (coming, rfc(T + 2 * DAY)) in se
          and "Xác nhận giá" not in se and "Họp tháng 11" not in se,
          "the warning lists what wants someone current, not the closed item or past meeting:"
          "\n%s" % se)
    check(audits("contact.left") == before + 1, "marking is audited as contact.left")
    code, out = call("SetContactLeft", {"id": hung, "leftOn": EARLIER}, manager)
    check(code == "OK" and out["contact"].get("leftOn") == EARLIER and
          [(r.get("kind"), r.get("id", 0)) for r in out.get("stillNamed", [])] ==
          [("action_item", item), ("escalation_rung", 0)] + [("escalation_role", 0)] * 3
          + [("meeting", coming)],
          "marking again changes the day, and the answer lists the same: %s" % out)
    must("SetContactLeft", {"id": hung, "leftOn": EARLIER}, manager)
    check(audits("contact.left") == before + 2, "a repeat (a lost answer's retry) adds no audit")
    # Without a day, one who left keeps theirs: a retry on a later day moved it (a review).
    out = must("SetContactLeft", {"id": hung}, manager)
    check(out["contact"].get("leftOn") == EARLIER and audits("contact.left") == before + 2,
          "marking again without a day keeps the day they left: %s" % out["contact"])

    # ---------------- history stays, the state shows ----------------
    meeting = must("GetMeeting", {"id": held}, admin)["meeting"]
    check([a.get("name") for a in meeting.get("attendees", [])] == ["Trần Văn Hùng"],
          "the held meeting still names them")
    items = must("ListActionItems", {"distributorId": sg, "ownerContactId": hung}, admin)
    check(sorted(a["id"] for a in items["actionItems"]) == sorted([item, done]) and
          all(a.get("ownerName") == "Trần Văn Hùng" for a in items["actionItems"]),
          "their action items keep their owner")
    names = [c["name"] for c in must("ListContacts", {"distributorId": sg}, admin)["contacts"]]
    check(names == ["Trần Thị Bình", "Lê Văn Cường"], "contact list shows current ones: %s" % names)
    both = must("ListContacts", {"distributorId": sg, "includeLeft": True}, admin)["contacts"]
    check([(c["name"], c.get("leftOn", "")) for c in both] ==
          [("Trần Văn Hùng", EARLIER), ("Trần Thị Bình", ""), ("Lê Văn Cường", "")],
          "includeLeft adds those who left, with the day: %s" % both)
    rc, so, se = cli_text("contact", "list", "--distributor", SG_NAME, token=admin)
    check(rc == 0 and "Trần Văn Hùng" not in so and "Trần Thị Bình" in so and "LEFT" in so,
          "contact list leaves them out:\n%s" % so)
    rc, so, se = cli_text("contact", "list", "--distributor", SG_NAME, "--include-left",
                          token=admin)
    row = [ln for ln in so.splitlines() if "Trần Văn Hùng" in ln]
    check(rc == 0 and row and EARLIER in row[0], "--include-left shows them with LEFT:\n%s" % so)
    rc, so, se = cli_text("contact", "show", "Trần Văn Hùng", "--distributor", SG_NAME,
                          token=admin)
    check(rc == 0 and EARLIER in so, "contact show, by name, gives the day:\n%s%s" % (so, se))
    code, out = call("GetContact", {"id": hung}, portal)
    check(code == "OK" and out["contact"].get("leftOn") == EARLIER,
          "the distributor's own user reads the state: %s" % out)
    code, out = call("ListContacts", {"distributorId": sg, "includeLeft": True}, auditor)
    check(code == "OK" and len(out["contacts"]) == 3, "so does an auditor")
    # An old client's UpdateContact sends the fields it knows, nothing of the state.
    must("UpdateContact", {"id": hung, "fields": {"name": "Trần Văn Hùng", "role":
                                                  "former purchasing manager",
                                                  "email": "hung@saigon.example"}}, admin)
    check(must("GetContact", {"id": hung}, admin)["contact"].get("leftOn") == EARLIER,
          "UpdateContact keeps the day they left")
    must("UpdateContact", {"id": hung, "fields": {"name": "Trần Văn Hùng", "role":
                                                  "purchasing manager",
                                                  "email": "hung@saigon.example"}}, admin)

    # ---------------- nothing new for them ----------------
    said = "Trần Văn Hùng (contact %s) left on %s" % (hung, EARLIER)
    n_items, n_meetings = count("action_items"), count("meetings")
    n_att = count("meeting_attendees")
    # By a part of the name too, without its marks: it was "no single contact".
    for owner in ({"ownerContactId": hung}, {"owner": "Trần Văn Hùng"},
                  {"owner": "HUNG@saigon.example"}, {"owner": "van hung"}):
        code, out = call("CreateActionItem", dict(owner, distributorId=sg, description="Gọi lại",
                                                  dueOn=TENANT_TODAY), manager)
        check(code == "FAILED_PRECONDITION" and said in out.get("message", "") and
              "owns no new action item" in out.get("message", ""),
              "an action item owned by them is refused (%s): %s" % (owner, out))
    code, out = call("CreateMeeting", {"distributorId": sg, "title": "Họp quý",
                                       "startsAt": rfc(T + 9 * DAY), "durationMinutes": 60,
                                       "attendees": ["bao@left.example", "Trần Văn Hùng"]},
                     manager)
    check(code == "FAILED_PRECONDITION" and said in out.get("message", "") and
          "attends no meeting after the day they left" in out.get("message", ""),
          "a meeting with them as an attendee is refused: %s" % out)
    code, out = call("AddMeetingAttendee", {"meetingId": coming, "attendee": "hung@saigon.example"},
                     manager)
    check(code == "FAILED_PRECONDITION" and said in out.get("message", ""),
          "so is inviting them to one: %s" % out)
    code, out = call("AddMeetingAttendee", {"meetingId": coming, "attendee": "Hùng"}, manager)
    check(code == "FAILED_PRECONDITION" and said in out.get("message", ""),
          "by a part of the name as well: %s" % out)
    rc, so, se = cli_text("action", "add", SG_NAME, "--description", "Gọi lại",
                          "--owner", "Trần Văn Hùng", "--due", TENANT_TODAY, token=manager)
    check(rc == 5 and said in se, "the CLI says it, exit 5: %s" % se)
    check((count("action_items"), count("meetings"), count("meeting_attendees")) ==
          (n_items, n_meetings, n_att), "refusals leave no row")
    # A meeting that began on or before the day they left, in the tenant's
    # time zone, is their past: it can be written up with them at the table.
    before = must("CreateMeeting", {"distributorId": sg, "title": "Họp trước khi nghỉ",
                                    "startsAt": rfc(T - 4 * DAY), "durationMinutes": 60,
                                    "attendees": ["bao@left.example"]}, manager)["meeting"]["id"]
    code, out = call("AddMeetingAttendee", {"meetingId": before,
                                            "attendee": "hung@saigon.example"}, manager)
    check(code == "OK", "they can be added to a meeting held before they left: %s %s"
          % (code, out))
    # 19:00 in Hồ Chí Minh City on the day they left; an hour later in UTC
    # terms is 03:00 the next day there, after it.
    last_day = must("CreateMeeting", {"distributorId": sg, "title": "Buổi cuối",
                                      "startsAt": rfc(T - 3 * DAY - 8 * H),
                                      "durationMinutes": 30, "attendees": ["Trần Văn Hùng"]},
                    manager)["meeting"]
    check([a.get("name") for a in last_day.get("attendees", [])] == ["Trần Văn Hùng"],
          "a meeting on the day they left records them: %s" % last_day)
    code, out = call("CreateMeeting", {"distributorId": sg, "title": "Sáng hôm sau",
                                       "startsAt": rfc(T - 3 * DAY), "durationMinutes": 30,
                                       "attendees": ["Trần Văn Hùng"]}, manager)
    check(code == "FAILED_PRECONDITION" and said in out.get("message", ""),
          "one the next morning in the tenant's zone is refused, though UTC's day is the same:"
          " %s" % out)
    for m in (before, last_day["id"]):
        must("CancelMeeting", {"id": m}, manager)
    ladder_before = must("GetEscalationProtocol", {"distributorId": sg}, admin)
    code, out = call("SetEscalationProtocol", {"distributorId": sg, "severity": "high", "steps": [
        {"contactId": binh, "method": "email", "responseHours": 24},
        {"contactId": hung, "method": "phone", "responseHours": 24}]}, manager)
    check(code == "FAILED_PRECONDITION" and said in out.get("message", "") and
          "no new rung" in out.get("message", "") and "steps[1]" in out.get("message", ""),
          "a new rung naming them is refused: %s" % out)
    code, out = cli("escalation", "protocol", SG_NAME, "set", "--severity", "high", "--step",
                    "Trần Văn Hùng:phone:24", token=manager)
    check(code == "FAILED_PRECONDITION" and said in out.get("message", ""),
          "also by name in the CLI, not taken for a role: %s" % out)
    check(must("GetEscalationProtocol", {"distributorId": sg}, admin) == ladder_before,
          "and the ladders are as they were")
    got = [(s.get("contactName"), s.get("contactLeftOn", ""))
           for s in ladder_before["protocols"][3]["steps"]]
    check(ladder_before["protocols"][3]["severity"] == "critical" and got ==
          [("Trần Văn Hùng", EARLIER), ("Trần Thị Bình", ""), ("Lê Văn Cường", "")],
          "the critical ladder shows the day its first rung's contact left: %s" % got)
    rc, so, se = cli_text("escalation", "protocol", SG_NAME, "--severity", "critical",
                          token=admin)
    check(rc == 0 and "LEFT" in so and EARLIER in so, "escalation protocol shows it:\n%s" % so)

    # ---------------- escalation passes over their rung, and says so ----------------
    rc, so, se = cli_text("escalation", "request", SG_NAME, "--severity", "critical",
                          "--subject", "Báo cáo tồn kho", "--text", "Xin gửi trước thứ Sáu.",
                          token=manager)
    eid = must("ListEscalations", {"distributorId": sg}, admin)["escalations"][0]["id"]
    e = must("GetEscalation", {"id": eid}, admin)["escalation"]
    passed = "Trần Văn Hùng (purchasing manager) left on %s" % EARLIER
    check(rc == 0 and [(s["stepNo"], s.get("contactName"), s.get("skipped", ""))
                       for s in e["steps"]] == [(1, "Trần Thị Bình", passed)]
          and e.get("expectedBy") == rfc(T + 8 * H),
          "a request starts at the next current contact, with her timeframe, and says whom it "
          "passed over: %s" % e)
    check("warning: passed over, having left the distributor: " + passed in se,
          "escalation request warns: %s" % se)
    rc, so, se = cli_text("escalation", "show", str(eid), token=admin)
    check(rc == 0 and "before step 1, passed over: " + passed in so,
          "escalation show says it:\n%s" % so)
    # Cường leaves while the request waits on Bình: it steps past him to the visit.
    must("SetContactLeft", {"id": cuong}, admin)
    set_clock(T + 8 * H + H)
    e = must("GetEscalation", {"id": eid}, admin)["escalation"]
    check([(s["stepNo"], s["kind"], s.get("skipped", "")) for s in e["steps"]] ==
          [(1, "contact", passed),
           (3, "visit", "Lê Văn Cường (general manager) left on %s" % TENANT_TODAY)]
          and e.get("expectedBy") == rfc(T + 8 * H + 24 * H),
          "a contact who left meanwhile is passed over at once, the visit says so: %s"
          % e["steps"])
    # The tenant default names roles: a role only a contact who left holds. Leaving, she was
    # said to be named by nothing, though a rung found her by her role (a try-out).
    out = must("SetContactLeft", {"id": sato, "leftOn": EARLIER}, admin)
    check([(r.get("kind"), r.get("summary")) for r in out.get("stillNamed", [])]
          == [("escalation_role", "rung 1 of the %s escalation ladder, by role (purchasing"
               " manager)" % sev) for sev in ("critical", "high", "low", "normal")],
          "the rungs her role filled are said to want someone: %s" % out)
    rc, so, se = cli_text("contact", "left", str(sato), "--on", EARLIER, token=admin)
    check(rc == 0 and "rung 1 of the normal escalation ladder, by role (purchasing manager):"
          " no current contact holds that role now" in se and "--role ROLE" in se,
          "contact left says so, and how to mend it:\n%s" % se)
    e2 = must("CreateEscalationRequest", {"distributorId": tk, "severity": "normal",
                                          "subject": "在庫の確認", "text": "ご確認ください。"},
              admin)["escalation"]
    check([(s["stepNo"], s.get("contactName"), s.get("skipped", "")) for s in e2["steps"]] ==
          [(1, "鈴木 一郎", "佐藤 花子 (purchasing manager) left on %s" % EARLIER)],
          "a role held only by a contact who left is passed over, naming them: %s" % e2["steps"])
    # An existing rung naming them may stay while another rung changes.
    code, out = call("SetEscalationProtocol", {"distributorId": sg, "severity": "critical",
                                               "steps": [
        {"contactId": hung, "method": "phone", "responseHours": 6},
        {"contactId": binh, "method": "phone", "responseHours": 8}]}, manager)
    check(code == "OK", "a ladder that named them already keeps their rung: %s %s" % (code, out))

    # ---------------- who may mark ----------------
    for token, want in ((other_manager, "NOT_FOUND"), (portal, "PERMISSION_DENIED"),
                        (auditor, "PERMISSION_DENIED")):
        code, out = call("SetContactLeft", {"id": binh}, token)
        check(code == want, "SetContactLeft by %s: %s" % (want, code))
    check(sql("SELECT left_on IS NULL FROM contacts WHERE tenant_id = %s AND id = %s"
              % (tid, binh)) == "t", "and Bình is still current")

    # ---------------- rejoin ----------------
    rc, so, se = cli_text("contact", "rejoin", str(hung), token=manager)
    out = must("GetContact", {"id": hung}, admin)["contact"]
    check(rc == 0 and not out.get("leftOn") and "warning" not in se,
          "contact rejoin makes them current again: %s %s" % (out, se))
    check(audits("contact.rejoin") == 1, "audited as contact.rejoin")
    code, out = call("CreateActionItem", {"distributorId": sg, "description": "Gọi lại",
                                          "ownerContactId": hung, "dueOn": TENANT_TODAY}, manager)
    check(code == "OK", "and they own new action items again: %s" % code)

    # Two held a role; the one who left first was no news, the other still held it. The
    # second leaving, dated before the first, empties it: said, though the rung's lookup
    # finds the first (a review).
    takahashi = contact(tk, "高橋 次郎", "Sales Director")
    out = must("SetContactLeft", {"id": takahashi}, admin)
    check(not [r for r in out.get("stillNamed", []) if r.get("kind") == "escalation_role"],
          "one of two holding a role leaves: the role is still held: %s" % out)
    out = must("SetContactLeft", {"id": suzuki, "leftOn": EARLIER}, admin)
    check([r.get("summary") for r in out.get("stillNamed", [])
           if r.get("kind") == "escalation_role"]
          and all("by role (sales director)" in r.get("summary", "")
                  for r in out.get("stillNamed", []) if r.get("kind") == "escalation_role"),
          "the last of them leaving is told the role's rungs want someone: %s" % out)

    # ---------------- the same person's login ----------------
    # A distributor user with the contact's e-mail is the same person: leaving, their login
    # is named first with the command that ends it, and what that user owns or attends is
    # listed too (a try-out: one who left kept reading the price sheet, unsaid).
    an = contact(sg, "Nguyễn Văn An", "logistics", "an@saigon.example")
    an_user = must("CreateUser", {"email": "An@Saigon.example", "role": "ROLE_DISTRIBUTOR_USER",
                                  "password": PASSWORD, "distributorId": sg}, admin)["user"]["id"]
    an_item = must("CreateActionItem", {"distributorId": sg, "description": "Gửi danh sách",
                                        "ownerUserId": an_user,
                                        "dueOn": (T + 10 * DAY).strftime("%Y-%m-%d")},
                   admin)["actionItem"]["id"]
    an_meetings = [must("CreateMeeting", {"distributorId": sg, "title": "Giao hàng %d" % k,
                                          "startsAt": rfc(T + (3 + k) * DAY),
                                          "durationMinutes": 30,
                                          "attendees": ["An@Saigon.example"]},
                        admin)["meeting"]["id"] for k in range(6)]
    out = must("SetContactLeft", {"id": an}, admin)
    named = [(r.get("kind"), r.get("id", 0)) for r in out.get("stillNamed", [])]
    check(named[:2] == [("login", an_user), ("action_item", an_item)]
          and [x for x in named if x[0] == "meeting"] == [("meeting", x) for x in an_meetings]
          and out["stillNamed"][0].get("summary") == "An@Saigon.example",
          "a contact who is also a distributor user: the login, its item and its meetings are "
          "named: %s" % out)
    rc, so, se = cli_text("contact", "left", str(an), token=admin)
    check(rc == 0 and "their login An@Saigon.example still signs in" in se
          and "(liaison user disable An@Saigon.example)" in se
          and se.count("liaison:   meeting ") == 5 and "and 1 more meeting to come" in se,
          "contact left says to disable it, and counts the meetings past five:\n%s" % se)
    must("DisableUser", {"userId": an_user}, admin)
    out = must("SetContactLeft", {"id": an}, admin)
    check([r.get("kind") for r in out.get("stillNamed", [])] == ["action_item"] + ["meeting"] * 6,
          "a disabled login is named no more: %s" % out)

    # ---------------- help ----------------
    rc, so, se = cli_text("contact", "--help")
    check(rc == 0 and "left" in so and "rejoin" in so, "contact --help lists left and rejoin")
    rc, so, se = cli_text("contact", "left", "--help")
    check(rc == 0 and "Trần Văn Hùng" in so and "--on" in so,
          "contact left --help has an example: %s" % so)
finally:
    sql("DELETE FROM liaison_clock")

t.finish("contacts_left")
