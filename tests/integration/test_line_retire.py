#!/usr/bin/env python3
"""Retiring a product line (migration 0162). A try-out retired a line that
a charter's commitment named, with an open order, a deal and a target: done
at once, without a word, for good, and half of it: targets and charters
refused the line from then on while its products were ordered as before.
Now a line in use is refused, each use named, unless forced; its live
products are retired with it, so orders refuse them; and reinstating it
brings back the line and the products retired with it, not one retired on
its own before."""
import datetime
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
HOME = os.path.join(w.env("LIAISON_TEST_DIR"), "line-retire-home")
_cli = t.Cli(CLI, w.env("LIAISON_TEST_URL"), HOME)
call, must, cli = _cli.call, _cli.must, _cli.cli

slug = "retire-" + RUN
must("CreateTenant", {"slug": slug, "name": "Cà phê Đà Lạt 珈琲", "adminEmail": "admin@ret.example",
                      "adminPassword": PASSWORD}, OPERATOR)
admin = must("Login", {"tenant": slug, "email": "admin@ret.example", "password": PASSWORD},
             None)["token"]
tid = t.psql("SELECT id FROM tenants WHERE slug = '%s'" % slug).strip()


def audits(action):
    return int(t.psql("SELECT count(*) FROM audit_log WHERE tenant_id = %s AND action = '%s'"
                      % (tid, action)).strip())


def line(code, name):
    return must("CreateProductLine", {"code": code, "name": name}, admin)["productLine"]["id"]


def product(sku, line_id, name):
    return must("CreateProduct", {"sku": sku, "productLineId": line_id, "name": name,
                                  "unit": "kg"}, admin)["product"]["id"]


def retired(method, ident):
    key = "productLine" if method == "line" else "product"
    rpc = "ListProductLines" if method == "line" else "GetProduct"
    if method == "line":
        rows = must(rpc, {"includeRetired": True}, admin)["productLines"]
        return [r.get("retired", False) for r in rows if r["id"] == ident][0]
    return must(rpc, {"id": ident}, admin)[key].get("retired", False)


def human(*args):
    """The CLI as a person runs it, without --json: (exit code, stdout, stderr)."""
    p = subprocess.run([CLI, "--token", admin] + list(args), capture_output=True, text=True,
                       env=_cli.env, timeout=60)
    return p.returncode, p.stdout, p.stderr


arabica = line("ARA", "Cà phê Arabica")       # named by the charter's commitment
robusta = line("ROB", "Cà phê Robusta")       # in an open order
culi = line("CUL", "Cà phê Culi")             # in an open deal
moka = line("MOK", "モカ")                     # a target for next year
free = line("OLD", "Cà phê chồn (ngừng)")     # used by nothing
ara_1 = product("ARA-1", arabica, "Arabica Cầu Đất")
rob_1 = product("ROB-1", robusta, "Robusta Buôn Ma Thuột")
rob_old = product("ROB-0", robusta, "Robusta cũ")
must("RetireProduct", {"id": rob_old}, admin)
free_1 = product("OLD-1", free, "Chồn 500 g")

dist = must("CreateDistributor", {"fields": {"name": "東京珈琲商事", "country": "JP",
                                             "timeZone": "Asia/Tokyo"}},
            admin)["distributor"]["id"]
charter = must("CreateCharterDraft", {"distributorId": dist}, admin)["charter"]["id"]
must("AddCharterGrant", {"charterId": charter, "grant": {
    "region": "JP", "allLines": True, "startsOn": "2026-01-01"}}, admin)
must("SetCommitment", {"charterId": charter, "commitment": {
    "productLineId": arabica, "moq": 0, "bufferUnit": "weeks", "bufferAmount": 8,
    "financing": "shared", "paymentTermsDays": 60}}, admin)
must("ActivateCharter", {"id": charter}, admin)
must("PlaceOrder", {"distributorId": dist, "currency": "JPY", "lines": [
    {"productId": rob_1, "quantity": 20, "unitPriceMinor": 1500}]}, admin)
next_year = str(datetime.date.today().year + 1)
must("RegisterLead", {"distributorId": dist, "accountName": "喫茶ルノアール", "country": "JP",
                      "title": "Culi cho chuỗi quán", "valueMinor": 900000, "currency": "JPY",
                      "expectedClose": next_year + "-03-31", "productLineIds": [culi]}, admin)
must("SetTarget", {"distributorId": dist, "productLineId": moka, "period": next_year,
                   "units": 500}, admin)

# ---------------- a line in use: refused, each use named, nothing changed ----------------
for ident, code, use in ((arabica, "ARA", "named by the active charter of 東京珈琲商事"),
                         (robusta, "ROB", "1 open order"), (culi, "CUL", "1 open deal"),
                         (moka, "MOK", "1 target for a period not yet over")):
    rc, out, err = human("product-line", "retire", code)
    check(rc == 5 and "product line %s is still in use: %s" % (code, use) in err
          and "--force" in err and not retired("line", ident),
          "retiring %s, in use, is refused naming its use, and it stays live (%d %s)"
          % (code, rc, err.strip()))
check(audits("product_line.retire") == 0, "a refused retirement writes no audit row")
check(not retired("product", ara_1) and not retired("product", rob_1),
      "... and its products stay live")

# ---------------- a line used by nothing: retired with its products ----------------
code, out = cli("product-line", "retire", "OLD", token=admin)
check(code == "OK" and out.get("retired") is True, "a line used by nothing is retired (%s %s)"
      % (code, out))
check(retired("product", free_1), "its products are retired with it")
code, out = call("PlaceOrder", {"distributorId": dist, "currency": "JPY", "lines": [
    {"productId": free_1, "quantity": 5, "unitPriceMinor": 900}]}, admin)
check(code == "INVALID_ARGUMENT" and "product OLD-1 is retired" in str(out),
      "an order of its product is refused as retired, as targets and charters refuse the line "
      "(%s %s)" % (code, out))
code, out = cli("product-line", "retire", "OLD", token=admin)
check(code == "OK" and audits("product_line.retire") == 1,
      "retiring it again is no change, and no second audit row (%s)" % code)

# ---------------- forced, then reinstated ----------------
code, out = cli("product-line", "retire", "ROB", "--force", token=admin)
check(code == "OK" and out.get("retired") is True and retired("product", rob_1),
      "--force retires a line in use, its live product with it (%s %s)" % (code, out))
code, out = call("PlaceOrder", {"distributorId": dist, "currency": "JPY", "lines": [
    {"productId": rob_1, "quantity": 20, "unitPriceMinor": 1500}]}, admin)
check(code == "INVALID_ARGUMENT", "its product can no longer be ordered (%s)" % code)
rc, out, err = human("product-line", "reinstate", "ROB")
check(rc == 0 and "ROB" in out, "reinstate offers it again, by its code (%d %s %s)"
      % (rc, out, err))
check(not retired("line", robusta) and not retired("product", rob_1)
      and retired("product", rob_old),
      "the line and the product retired with it are live; one retired on its own stays retired")
must("PlaceOrder", {"distributorId": dist, "currency": "JPY", "lines": [
    {"productId": rob_1, "quantity": 20, "unitPriceMinor": 1500}]}, admin)
check(audits("product_line.reinstate") == 1, "the reinstatement is audited")
code, out = cli("product-line", "reinstate", "ARA", token=admin)
check(code == "OK" and audits("product_line.reinstate") == 1,
      "reinstating a live line is no change (%s)" % code)

# ---------------- a product retired on its own, and reinstated (0251) ----------------
# It was audited as product.update, at the database's clock, and could not be undone.
check(audits("product.retire") == 1, "a product's retirement is audited as such")
rc, out, err = human("product", "reinstate", "ROB-0")
check(rc == 0 and "ROB-0" in out and not retired("product", rob_old)
      and audits("product.reinstate") == 1,
      "'product reinstate' offers a product retired on its own again, by its SKU (%d %s %s)"
      % (rc, out, err))
must("PlaceOrder", {"distributorId": dist, "currency": "JPY", "lines": [
    {"productId": rob_old, "quantity": 20, "unitPriceMinor": 1500}]}, admin)
rc, out, err = human("product", "reinstate", "ROB-0")
check(rc == 0 and audits("product.reinstate") == 1, "reinstating a live product is no change")
rc, out, err = human("product", "reinstate", "OLD-1")
check(rc == 5 and "it was retired with its product line OLD: reinstate the line" in err
      and retired("product", free_1),
      "a product whose line is retired is not reinstated alone; the message names the way"
      " (%d %s)" % (rc, err.strip()))
tmp = line("TMP", "Tạm thời")
tmp_1 = product("TMP-1", tmp, "Hàng tạm")
must("RetireProduct", {"id": tmp_1}, admin)
must("RetireProductLine", {"id": tmp}, admin)
rc, out, err = human("product", "reinstate", "TMP-1")
check(rc == 5 and "its product line TMP is retired too: reinstate the line first" in err,
      "a product retired before its line: the line first, then the product (%d %s)"
      % (rc, err.strip()))
must("ReinstateProductLine", {"id": tmp}, admin)
check(retired("product", tmp_1), "the line's reinstatement leaves it retired, as retired alone")
rc, out, err = human("product", "reinstate", "TMP-1")
check(rc == 0 and not retired("product", tmp_1), "then it is reinstated (%d %s)" % (rc, err))
rc, out, err = human("product", "retire", "ROB-0")
check(rc == 0 and retired("product", rob_old) and audits("product.retire") == 3,
      "the CLI retires it again, audited (%d %s)" % (rc, err))
rc, out, err = human("product", "--help")
out += err
check(rc == 0 and "reinstate" in out, "the command list offers reinstate (%s)" % out)

# ---------------- codes and SKUs of digits only ----------------
# The CLI reads an argument of digits as an id: SKU 92 named product 92.
code, out = call("CreateProduct", {"sku": "92", "productLineId": arabica, "name": "Số 92",
                                   "unit": "kg"}, admin)
check(code == "INVALID_ARGUMENT" and "not digits only" in str(out),
      "a SKU of digits only is refused (%s %s)" % (code, out))
rc, out, err = human("product-line", "create", "--code", "182", "--name", "Dòng 182")
check(rc == 2 and "--code" in err and "not digits only" in err,
      "a line code of digits only is refused, naming --code (%d %s)" % (rc, err.strip()))
product("92-A", arabica, "Số 92 A")

# ---------------- a retired line in an amendment (0296) ----------------
# An amendment copied a retired line into its grants and coverage; check said nothing, and the
# new version activated, granting the withdrawn line again (a try-out).
hue = line("HUE", "Cà phê Huế")
osaka = must("CreateDistributor", {"fields": {"name": "大阪珈琲株式会社", "country": "JP",
                                              "timeZone": "Asia/Tokyo"}},
             admin)["distributor"]["id"]
first = must("CreateCharterDraft", {"distributorId": osaka}, admin)["charter"]["id"]
must("AddCharterGrant", {"charterId": first, "grant": {
    "region": "JP-27", "productLineIds": [hue], "startsOn": "2026-01-01"}}, admin)
must("ActivateCharter", {"id": first}, admin)
must("RetireProductLine", {"id": hue, "force": True}, admin)
amend = must("CreateCharterDraft", {"distributorId": osaka}, admin)["charter"]
copied = amend["grants"][0]
why = ("grant %s names retired product line HUE: a new version takes live lines only; take it"
       " out (charter grant update --lines, charter terms --lines, charter remove commitment) or"
       " reinstate it (product-line reinstate)" % copied["id"])
checked = must("CheckCharter", {"id": amend["id"]}, admin)
check(checked.get("refusals") == [why],
      "check says the amendment's retired line would be refused (%s)" % checked)
rc, out, err = human("charter", "check", str(osaka))
check(rc == 5 and "refused: " + why in out, "charter check exits 5 saying it (%d %s)" % (rc, out))
code, out = call("ActivateCharter", {"id": amend["id"]}, admin)
check(code == "FAILED_PRECONDITION" and out.get("message") == why,
      "the amendment is not activated (%s %s)" % (code, out))
rc, out, err = human("charter", "grant", "update", str(osaka), str(copied["id"]), "--to",
                     "2027-12-31")
check(rc == 2 and "product line HUE is retired: a charter takes live lines only" in err,
      "a dates-only update of that grant names the retired line (%d %s)" % (rc, err.strip()))
rc, out, err = human("charter", "grant", "update", str(osaka), str(copied["id"]), "--lines",
                     "ARA")
check(rc == 0, "its lines changed to a live one (%d %s)" % (rc, err.strip()))
code, out = call("ActivateCharter", {"id": amend["id"]}, admin)
check(code == "OK", "then the amendment is activated (%s %s)" % (code, out))

# ---------------- wrong input ----------------
rc, out, err = human("product-line", "retire", "999999999")
check(rc == 4 and "no such product line" in err, "an unknown line: exit 4, said so (%d %s)"
      % (rc, err.strip()))
code, out = call("ReinstateProductLine", {"id": 0}, admin)
check(code == "INVALID_ARGUMENT", "id 0 is refused (%s)" % code)
rc, out, err = human("product-line", "retire", "--help")
out += err
check(rc == 0 and "--force" in out and "reinstate" in out,
      "the help names --force and how to undo it (%s)" % out)
rc, out, err = human("product-line", "--help")
out += err
check(rc == 0 and "reinstate" in out, "the command list offers reinstate (%s)" % out)

t.finish("line_retire")
