#!/usr/bin/env python3
"""Finding things by what people call them: every list's name filter
matches a substring in any case, literally ('%' and '_' are characters),
a letter typed without diacritics matching it with any (d also đ),
within the caller's tenant and reach, bound to its cursor; the filter is
served by a trigram index; and a name of only white space is refused
everywhere a name is required."""
import json
import os
import subprocess
import sys
import threading
import time
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
from liaison_test import check  # noqa: E402

CLI = sys.argv[1]
OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
PASSWORD = "correct horse battery staple"
RUN = str(int(time.time() * 1000) % 10**8)
_cli = t.Cli(CLI, w.env("LIAISON_TEST_URL"), os.path.join(w.env("LIAISON_TEST_DIR"), "names-home"))
call, must = _cli.call, _cli.must


def tenant(slug):
    must("CreateTenant", {"slug": slug, "name": "Tenant " + slug,
                          "adminEmail": "admin@%s.example" % slug,
                          "adminPassword": PASSWORD}, OPERATOR)
    return must("Login", {"tenant": slug, "email": "admin@%s.example" % slug,
                          "password": PASSWORD}, None)["token"]


def names(method, request, key, token, field="name"):
    out = must(method, request, token)
    return sorted(item[field] for item in out.get(key, []))


def dist(token, name, country="VN"):
    return must("CreateDistributor", {"fields": {
        "name": name, "country": country, "languages": ["vi"],
        "timeZone": "Asia/Ho_Chi_Minh"}}, token)["distributor"]["id"]


admin = tenant("names-" + RUN)
other = tenant("names-other-" + RUN)

# Vietnamese with precomposed and with combining marks, Japanese, wildcards.
saigon = "Công ty Phân phối Sài Gòn"
hanoi = "Nhà phân phối Hà Nội"
osaka = "大阪商事株式会社"
percent = "100% Pure_Trading"
dash = "Pure-Trading Co"  # what '_' and '%' would match as wildcards
for n in (saigon, hanoi, osaka, percent, dash):
    dist(admin, n)
dist(other, "Sài Gòn Other Tenant")

got = names("ListDistributors", {"name": "sài gòn"}, "distributors", admin)
check(got == [saigon], "a substring in another case finds the distributor, in this tenant only (%s)"
      % got)
# Typed with a space too many, or around it, a name was not found (a try-out, migration 0286).
got = names("ListDistributors", {"name": " sài  gòn\u3000"}, "distributors", admin)
check(got == [saigon], "a filter's runs of spaces are one space (%s)" % got)
got = names("ListDistributors", {"name": "PHÂN PHỐI"}, "distributors", admin)
check(got == sorted([saigon, hanoi]), "non-ASCII upper case matches lower case (%s)" % got)
got = names("ListDistributors", {"name": "商事"}, "distributors", admin)
check(got == [osaka], "Japanese text is found by a part of it (%s)" % got)
got = names("ListDistributors", {"name": "%"}, "distributors", admin)
check(got == [percent], "'%%' is a character, not a wildcard (%s)" % got)
got = names("ListDistributors", {"name": "e_t"}, "distributors", admin)
check(got == [percent], "'_' is a character, not a wildcard (%s)" % got)
got = names("ListDistributors", {"name": "zzz-nothing"}, "distributors", admin)
check(got == [], "no match is an empty list (%s)" % got)
# Typed decomposed (NFD, as some keyboards send Vietnamese), a name was neither found nor kept
# apart from the same name precomposed (a CLI try-out): names are stored and sought in NFC.
hue = "Công ty Phụ tùng Huế"
dist(admin, unicodedata.normalize("NFD", hue))
got = names("ListDistributors", {"name": "phụ tùng huế"}, "distributors", admin)
check(got == [hue], "a name written in NFD is stored in NFC and found so (%r)" % got)
got = names("ListDistributors", {"name": unicodedata.normalize("NFD", "Phụ tùng")},
            "distributors", admin)
check(got == [hue], "a filter typed in NFD finds it too (%r)" % got)
code, out = _cli.cli("distributor", "show", unicodedata.normalize("NFD", hue), token=admin)
check(code == "OK" and out.get("name") == hue,
      "and the CLI finds it by the name typed decomposed (%s %s)" % (code, out))

# Typed without diacritics (a keyboard without Telex, a name copied from a mail that lost them),
# a name was not found: a letter typed without marks now matches it with any, d matches đ, and a
# letter typed with marks matches only those (migration 0137).
saigon_plain = "Sai Gon Express"
dong = "Đông Á Trading"
sale = "Khuyến mãi 100% Sỉ"
for n in (saigon_plain, dong, sale, "Khuyen mai 1000 Si"):
    dist(admin, n)
got = names("ListDistributors", {"name": "sai gon"}, "distributors", admin)
check(got == sorted([saigon, saigon_plain]),
      "a filter without diacritics finds the name with them, in this tenant only (%s)" % got)
got = names("ListDistributors", {"name": "sài gon"}, "distributors", admin)
check(got == [saigon], "a letter typed with its marks matches only them, the others any (%s)"
      % got)
got = names("ListDistributors", {"name": "DONG A"}, "distributors", admin)
check(got == [dong], "d matches đ, in any case (%s)" % got)
got = names("ListDistributors", {"name": "khuyen mai 100%"}, "distributors", admin)
check(got == [sale], "'%%' stays a character in a filter without diacritics (%s)" % got)
toa = "株式会社東亜ディストリビューション"
dist(admin, toa, "JP")
got = names("ListDistributors", {"name": "ディストリ"}, "distributors", admin)
check(got == [toa], "Japanese kana are found by a part as before (%s)" % got)
# The CLI looks names up through the filter: a whole name typed without diacritics is the one
# it names, and a part of several stays ambiguous, the candidates listed.
code, out = _cli.cli("distributor", "show", "cong ty phan phoi sai gon", token=admin)
check(code == "OK" and out.get("name") == saigon,
      "the CLI finds a distributor by its name typed without diacritics (%s %s)" % (code, out))
code, out = _cli.cli("distributor", "show", "sai gon", token=admin)
cands = sorted(c.get("name") for c in out.get("candidates", [])) if isinstance(out, dict) else out
check(code == "INVALID_ARGUMENT" and cands == sorted([saigon, saigon_plain]),
      "a part of two names, one with diacritics, is ambiguous (%s %s)" % (code, cands))

# The filter is part of the cursor: the next page keeps it.
out = must("ListDistributors", {"name": "phân", "page": {"pageSize": 1}}, admin)
cursor = out["page"]["nextCursor"]
code, _ = call("ListDistributors", {"page": {"cursor": cursor}}, admin)
check(code == "INVALID_ARGUMENT", "a cursor used without its name filter is refused (%s)" % code)
nxt = must("ListDistributors", {"name": "phân", "page": {"pageSize": 1, "cursor": cursor}}, admin)
check(len(nxt["distributors"]) == 1 and nxt["distributors"][0]["name"] != out["distributors"][0][
    "name"], "the next page of a filtered list is the next match")

code, out = call("ListDistributors", {"name": "x" * 201}, admin)
check(code == "INVALID_ARGUMENT", "a filter over 200 bytes is refused (%s)" % code)

# Contacts by name or e-mail; product lines by code or name; products by
# SKU or name; users by e-mail or display name.
d = dist(admin, "Contacts Holder")
for n, e in (("Nguyễn Văn An", "an@example.vn"), ("Trần Thị Bình", "binh@example.vn")):
    must("CreateContact", {"distributorId": d, "fields": {"name": n, "email": e}}, admin)
got = names("ListContacts", {"distributorId": d, "name": "nguyễn"}, "contacts", admin)
check(got == ["Nguyễn Văn An"], "contacts by a part of the name (%s)" % got)
got = names("ListContacts", {"distributorId": d, "name": "BINH@"}, "contacts", admin)
check(got == ["Trần Thị Bình"], "contacts by a part of the e-mail (%s)" % got)
got = names("ListContacts", {"distributorId": d, "name": "NGUYEN VAN"}, "contacts", admin)
check(got == ["Nguyễn Văn An"], "contacts by a name typed without diacritics (%s)" % got)

brk = must("CreateProductLine", {"code": "BRK", "name": "Brake pads"}, admin)["productLine"]["id"]
must("CreateProductLine", {"code": "FLT", "name": "Filters"}, admin)
got = names("ListProductLines", {"name": "brk"}, "productLines", admin, "code")
check(got == ["BRK"], "product lines by code in any case (%s)" % got)
got = names("ListProductLines", {"name": "filt"}, "productLines", admin, "code")
check(got == ["FLT"], "product lines by name (%s)" % got)
must("CreateProduct", {"sku": "BRK-100", "productLineId": brk, "name": "Ceramic pad", "unit": "set",
                       "moq": 10}, admin)
must("CreateProduct", {"sku": "BRK-200", "productLineId": brk, "name": "Metal pad", "unit": "set",
                       "moq": 10}, admin)
got = names("ListProducts", {"name": "brk-2"}, "products", admin, "sku")
check(got == ["BRK-200"], "products by SKU (%s)" % got)
got = names("ListProducts", {"name": "CERAMIC"}, "products", admin, "sku")
check(got == ["BRK-100"], "products by name (%s)" % got)
must("CreateProductLine", {"code": "OIL", "name": "Lọc dầu"}, admin)
got = names("ListProductLines", {"name": "loc dau"}, "productLines", admin, "code")
check(got == ["OIL"], "product lines by a name typed without diacritics (%s)" % got)
must("CreateProduct", {"sku": "BRK-300", "productLineId": brk, "name": "Má phanh gốm",
                       "unit": "set", "moq": 10}, admin)
got = names("ListProducts", {"name": "ma phanh gom"}, "products", admin, "sku")
check(got == ["BRK-300"], "products by a name typed without diacritics (%s)" % got)
must("CreateKeyAccount", {"name": "Siêu thị Điện máy Đà Nẵng", "country": "VN"}, admin)
must("CreateKeyAccount", {"name": "Sieu thi Dien may Other Tenant", "country": "VN"}, other)
got = names("ListKeyAccounts", {"name": "sieu thi dien may"}, "accounts", admin)
check(got == ["Siêu thị Điện máy Đà Nẵng"],
      "key accounts by a name typed without diacritics, this tenant's only (%s)" % got)

must("CreateUser", {"email": "linh@names.example", "displayName": "Phạm Thùy Linh",
                    "role": "ROLE_MANAGER", "password": PASSWORD}, admin)
got = names("ListUsers", {"name": "thùy"}, "users", admin, "email")
check(got == ["linh@names.example"], "users by display name (%s)" % got)
got = names("ListUsers", {"name": "pham thuy"}, "users", admin, "email")
check(got == ["linh@names.example"], "users by a display name without diacritics (%s)" % got)
got = names("ListUsers", {"name": "ADMIN@"}, "users", admin, "email")
check(got == ["admin@names-%s.example" % RUN], "users by e-mail, this tenant's only (%s)" % got)
# One address in two forms was two users, and one stored decomposed could not log in typing it;
# a full-width ＡＤＭＩＮ@ stood beside admin@ (an attacker's try-out, migration 0345).
hong_nfd = unicodedata.normalize("NFD", "hồng@names.example")
made = must("CreateUser", {"email": hong_nfd, "role": "ROLE_AUDITOR", "password": PASSWORD},
            admin)["user"]
check(made.get("email") == unicodedata.normalize("NFC", hong_nfd),
      "an address typed decomposed is stored in NFC (%r)" % made.get("email"))
code, out = call("CreateUser", {"email": unicodedata.normalize("NFC", "HỒNG@names.example"),
                                "role": "ROLE_AUDITOR", "password": PASSWORD}, admin)
check(code == "ALREADY_EXISTS", "its composed twin, in another case, is the same user (%s %s)"
      % (code, out))
slug_names = "names-%s" % RUN
for typed in (unicodedata.normalize("NFC", "hồng@names.example"), hong_nfd):
    code, out = call("Login", {"tenant": slug_names, "email": typed, "password": PASSWORD}, None)
    check(code == "OK", "it logs in typed %s (%s %s)"
          % ("composed" if typed != hong_nfd else "decomposed", code, out))
# One stored decomposed before addresses were put in NFC: found at log-in typed composed, and
# its composed twin is refused (migration 0345).
tuan_nfd = unicodedata.normalize("NFD", "tuấn@names.example")
t.psql("INSERT INTO users (tenant_id, email, role, password_hash) SELECT tenant_id, '%s',"
       " 'auditor', password_hash FROM users WHERE email = 'admin@%s.example'"
       % (tuan_nfd, slug_names))
code, out = call("Login", {"tenant": slug_names, "password": PASSWORD,
                           "email": unicodedata.normalize("NFC", tuan_nfd)}, None)
check(code == "OK", "an address stored decomposed logs in typed composed (%s %s)" % (code, out))
code, out = call("CreateUser", {"email": unicodedata.normalize("NFC", tuan_nfd),
                                "role": "ROLE_AUDITOR", "password": PASSWORD}, admin)
check(code == "ALREADY_EXISTS", "and its composed twin is refused (%s %s)" % (code, out))
code, out = call("CreateUser", {"email": "ＡＤＭＩＮ@names.example", "role": "ROLE_AUDITOR",
                                "password": PASSWORD}, admin)
check(code == "INVALID_ARGUMENT" and "ordinary letters" in json.dumps(out, ensure_ascii=False),
      "an address in full-width letters is refused (%s %s)" % (code, out))

# The filters are served by trigram indexes: codes, SKUs and e-mails as written, names folded.
for table in ("distributors", "contacts", "product_lines", "products", "users"):
    n = t.psql("SELECT count(*) FROM pg_indexes WHERE tablename = '%s'"
               " AND indexdef LIKE '%%gin_trgm_ops%%'" % table)
    check(n == "2", "%s has trigram indexes (%s)" % (table, n))
# A filter of only what cleaning takes away was tried as '', which matches every name (a
# review, migration 0294): an attendee named by U+2028 alone was a distributor's only contact.
for blank in ("U&'\\2028'", "U&'\\2029'", "E'\\r'"):
    got = t.psql("SELECT liaison_name_like('Nguyễn Văn Bình', %s) IS FALSE" % blank)
    check(got == "t", "a name filter of only %s matches no name: false (%s)" % (blank, got))
check(t.psql("SELECT liaison_name_like('Bình Minh', 'binh  minh')") == "t",
      "a filter with a run of spaces still finds the name (0286)")
for table, index in (("distributors", "distributors_name_fold_trgm"),
                     ("contacts", "contacts_name_fold_trgm"),
                     ("product_lines", "product_lines_name_fold_trgm"),
                     ("products", "products_name_fold_trgm"),
                     ("users", "users_display_name_fold_trgm"),
                     ("key_accounts", "key_accounts_name_fold_trgm")):
    column = "display_name" if table == "users" else "name"
    for f in ("sài", "sai"):
        plan = t.psql("SET enable_seqscan = off; EXPLAIN SELECT id FROM %s"
                      " WHERE liaison_name_like(%s, '%s')" % (table, column, f))
        check(index in plan, "a name search for %r in %s uses %s:\n%s" % (f, table, index, plan))

# A name of only white space (ASCII, no-break, ideographic) is refused.
# Nor of accents with no letter to sit on (a try-out: "\u0301" alone was a distributor's name).
blanks = ("   ", "\t\n", "\u00a0\u3000 ", "\u200b", "\u3164\u2800\u00ad", "\u0301",
          " \u0301\u20dd\ufe0f")
for b in blanks:
    cases = [
        ("CreateDistributor", {"fields": {"name": b, "country": "VN", "languages": ["vi"],
                                          "timeZone": "Asia/Ho_Chi_Minh"}}, "fields.name"),
        ("CreateContact", {"distributorId": d, "fields": {"name": b}}, "fields.name"),
        ("CreateProductLine", {"code": "B" + str(len(b)), "name": b}, "name"),
        ("CreateProduct", {"sku": "S-" + str(len(b)), "productLineId": brk, "name": b,
                           "unit": "set", "moq": 1}, "name"),
        ("CreateApiToken", {"name": b, "role": "ROLE_AUDITOR"}, "name"),
        ("CreateUser", {"email": "blank%d@names.example" % len(b), "displayName": b,
                        "role": "ROLE_MANAGER", "password": PASSWORD}, "displayName"),
    ]
    for method, req, field in cases:
        code, out = call(method, req, admin)
        fields = [v.get("field") for v in out.get("violations", [])] if isinstance(out, dict) else []
        check(code == "INVALID_ARGUMENT" and field in fields,
              "%s with a name of only %r: refused on %s (%s %s)" % (method, b, field, code, fields))
    code, out = call("CreateTenant", {"slug": "blank-%d-%s" % (len(b), RUN), "name": b,
                                      "adminEmail": "a@b.example", "adminPassword": PASSWORD},
                     OPERATOR)
    check(code == "INVALID_ARGUMENT", "CreateTenant with a name of only %r: refused (%s)" % (b, code))
# A contact's field too long says its bound, as every other field does; it said "too long".
for field, bound in (("phone", 40), ("role", 100), ("messaging", 200)):
    code, out = call("CreateContact", {"distributorId": d, "fields": {
        "name": "Nguyễn Văn Dài", field: "9" * (bound + 1)}}, admin)
    said = [v.get("description") for v in out.get("violations", [])
            if v.get("field") == "fields." + field] if isinstance(out, dict) else []
    check(code == "INVALID_ARGUMENT" and said == ["at most %d bytes" % bound],
          "a contact's %s of %d bytes: its bound said (%s %s)" % (field, bound + 1, code, said))
# A tenant's name is stored trimmed and composed, as a customer's (migration 0232): "  Trailing  "
# kept its spaces and a name typed decomposed stayed so. One too long is told the bound that
# applies: 1,000 letters were "at most 800 bytes", and 799 then "at most 200 characters".
slug = "nfd-" + RUN
must("CreateTenant", {"slug": slug, "name": "  Cong ty Nguye\u0302\u0303n  ",
                      "adminEmail": "a@nfd.example", "adminPassword": PASSWORD}, OPERATOR)
shown = must("GetTenant", {"slug": slug}, OPERATOR)["tenant"]["name"]
check(shown == "Cong ty Nguy\u1ec5n", "a tenant's name is trimmed and in NFC (%r)" % shown)
code, out = call("CreateTenant", {"slug": "long-" + RUN, "name": "x" * 1000,
                                  "adminEmail": "a@long.example", "adminPassword": PASSWORD},
                 OPERATOR)
check(code == "INVALID_ARGUMENT" and "at most 200 characters" in str(out),
      "a tenant's name too long is told its bound in characters (%s %s)" % (code, out))
# A name's bound counts characters as shown: 100 of "Ấ" typed decomposed (A, U+0302, U+0301:
# 300 code points, as macOS gives them) were refused as over 200 characters.
nfd = "A\u0302\u0301" * 100
code, out = call("CreateKeyAccount", {"name": nfd, "country": "JP"}, admin)
check(code == "OK" and out["account"]["name"] == "\u1ea4" * 100,
      "a name of 100 letters typed decomposed is taken, stored composed (%s %s)"
      % (code, str(out)[:200]))
code, out = call("CreateKeyAccount", {"name": "A\u0302\u0301" * 200, "country": "VN"}, admin)
check(code == "OK", "and 200 such letters, the bound itself (%s %s)" % (code, str(out)[:200]))
code, out = call("CreateKeyAccount", {"name": "A\u0302\u0301" * 201, "country": "TH"}, admin)
check(code == "INVALID_ARGUMENT" and "at most 200 characters" in str(out),
      "201 are refused, told the bound in characters (%s %s)" % (code, str(out)[:200]))
# A title is stored as typed, and the database counts its code points: one of 100 letters
# typed decomposed is told its bound, not refused later as "breaks a rule of the data".
code, out = call("RegisterLead", {"accountName": "Cty Tiêu Đề", "country": "VN",
                                  "title": "A\u0302\u0301" * 100, "currency": "VND"}, admin)
check(code == "INVALID_ARGUMENT" and "at most 200 characters" in str(out)
      and out.get("violations", [{}])[0].get("field") == "title",
      "a title of 300 code points is told the bound on title (%s %s)" % (code, str(out)[:200]))
# A name is one line: a line break or tab in it broke the CLI's tables, calendars' subject
# lines and the handbook's headings (a CLI try-out saved "Line1\nLine2" as a contact). A
# customer's name is not refused: its white space is made one space as it is stored (0071).
for broken in ("Line1\nLine2", "Tab\there", "Sài Gòn\r", "a\u2028b"):
    for method, req, field in [
            ("CreateDistributor", {"fields": {"name": broken, "country": "VN",
                                              "timeZone": "Asia/Ho_Chi_Minh"}}, "fields.name"),
            ("CreateContact", {"distributorId": d, "fields": {"name": broken}}, "fields.name"),
            ("CreateProductLine", {"code": "NL", "name": broken}, "name")]:
        code, out = call(method, req, admin)
        fields = [v.get("field") for v in out.get("violations", [])] if isinstance(out, dict) else []
        check(code == "INVALID_ARGUMENT" and field in fields
              and "one line" in json.dumps(out, ensure_ascii=False),
              "%s with the name %r: refused as more than one line (%s %s)"
              % (method, broken, code, out))
got = int(t.psql("SELECT count(*) FROM distributors WHERE btrim(name, E' \\t\\n\\r') = ''"))
check(got == 0, "no blank-named distributor was saved (%d)" % got)

# Codes in any case: countries and regions are stored in upper case.
lower = must("CreateDistributor", {"fields": {
    "name": "Lower Case Co", "country": "vn", "languages": ["vi"],
    "timeZone": "Asia/Ho_Chi_Minh"}}, admin)["distributor"]
check(lower["country"] == "VN", "country 'vn' is taken as VN (%s)" % lower["country"])
got = names("ListDistributors", {"country": "vn", "name": "lower case"}, "distributors", admin)
check(got == ["Lower Case Co"], "the country filter takes any case (%s)" % got)
cid = must("CreateCharterDraft", {"distributorId": lower["id"]}, admin)["charter"]["id"]
ch = must("AddCharterGrant", {"charterId": cid, "grant": {
    "region": "vn-sg", "allLines": True, "startsOn": "2027-01-01"}}, admin)["charter"]
check([g["region"] for g in ch["grants"]] == ["VN-SG"], "grant region 'vn-sg' is VN-SG (%s)"
      % ch["grants"])
ch = must("AddCarveOut", {"charterId": cid, "carveOut": {
    "accountName": "Key Account", "region": "vn-hn"}}, admin)["charter"]
check([o["region"] for o in ch["carveOuts"]] == ["VN-HN"], "carve-out region 'vn-hn' is VN-HN (%s)"
      % ch["carveOuts"])

# Who am I, in names: display name, tenant name, a distributor user's
# distributor; and user lists name each distributor user's distributor.
me = must("WhoAmI", {}, admin)["identity"]
check(me.get("tenantName") == "Tenant names-" + RUN and me.get("role") == "ROLE_TENANT_ADMIN",
      "WhoAmI names the tenant (%s)" % me)
must("CreateUser", {"email": "thu@names.example", "displayName": "Đỗ Minh Thư",
                    "role": "ROLE_DISTRIBUTOR_USER", "distributorId": d, "password": PASSWORD},
     admin)
du = must("Login", {"tenant": "names-" + RUN, "email": "thu@names.example",
                    "password": PASSWORD}, None)["token"]
me = must("WhoAmI", {}, du)["identity"]
check(me.get("displayName") == "Đỗ Minh Thư" and me.get("distributorName") == "Contacts Holder",
      "WhoAmI of a distributor user names the user and its distributor (%s)" % me)
users = must("ListUsers", {"name": "thu@"}, admin)["users"]
check([u.get("distributorName") for u in users] == ["Contacts Holder"],
      "ListUsers names a distributor user's distributor (%s)" % users)
me = must("WhoAmI", {}, OPERATOR)["identity"]
check(me.get("kind") == "operator" and not me.get("tenantName"),
      "WhoAmI of an operator names no tenant (%s)" % me)

# A password with Vietnamese letters, set from one keyboard and typed on
# another: one sends ế precomposed (NFC), a keyboard in "Unicode tổ hợp"
# mode sends e + U+0302 + U+0301 (NFD), and a pasted no-break space is a
# space (RFC 8265's OpaqueString). Both log in, through the CLI as typed
# on stdin; a wrong letter still does not; four kanji are not 12 characters.
viet = "Mật khẩu cà phê 2026"
must("CreateUser", {"email": "nfd@names.example", "displayName": "Trần Thị Lụa",
                    "role": "ROLE_MANAGER", "password": viet}, admin)
for label, typed in (("NFC", viet), ("NFD", unicodedata.normalize("NFD", viet)),
                     ("a no-break space", viet.replace(" ", "\u00a0"))):
    code, out = call("Login", {"tenant": "names-" + RUN, "email": "nfd@names.example",
                               "password": typed}, None)
    check(code == "OK" and out.get("token"), "the password typed in %s logs in (%s %s)"
          % (label, code, out.get("message")))
nfd_home = os.path.join(w.env("LIAISON_TEST_DIR"), "names-nfd-home")
proc = subprocess.run([CLI, "login", "--tenant", "names-" + RUN, "--email", "nfd@names.example",
                       "--password-stdin"], input=unicodedata.normalize("NFD", viet) + "\n",
                      capture_output=True, text=True, timeout=60,
                      env=dict(_cli.env, HOME=nfd_home, XDG_CONFIG_HOME=nfd_home))
check(proc.returncode == 0, "liaison login with the password typed decomposed (%s %s)"
      % (proc.returncode, proc.stderr.strip()))
code, out = call("Login", {"tenant": "names-" + RUN, "email": "nfd@names.example",
                           "password": viet.replace("ẩ", "ấ")}, None)
check(code == "UNAUTHENTICATED", "another tone mark is another password (%s)" % code)
code, out = call("CreateUser", {"email": "kanji@names.example", "role": "ROLE_MANAGER",
                                "password": "珈琲商事"}, admin)
check(code == "INVALID_ARGUMENT" and "12 characters" in out.get("message", ""),
      "four kanji (12 bytes) are not a password of 12 characters (%s %s)" % (code, out))

# A name pasted with a no-break space showed as the name typed and was not
# found by it (a try-out): it is written with a plain space (0143), a row
# written before is found by the plain space too (0137), and a Japanese
# name keeps its ideographic space, found by a plain one.
nbsp = dist(admin, "Tokyo Coffee\u00a0Trading", "JP")
check(must("GetDistributor", {"id": nbsp}, admin)["distributor"]["name"] == "Tokyo Coffee Trading",
      "a no-break space in a name is written as a plain space")
t.psql("ALTER TABLE distributors DISABLE TRIGGER distributors_name_nfc;"
       " UPDATE distributors SET name = 'Tokyo Coffee' || U&'\\00A0' || 'Trading'"
       " WHERE id = %s; ALTER TABLE distributors ENABLE TRIGGER distributors_name_nfc" % nbsp)
check(names("ListDistributors", {"name": "coffee trading"}, "distributors", admin)
      == ["Tokyo Coffee\u00a0Trading"], "one stored before is found by the plain space")
dist(admin, "東京珈琲\u3000商事", "JP")
check(names("ListDistributors", {"name": "東京珈琲 商事"}, "distributors", admin)
      == ["東京珈琲\u3000商事"], "an ideographic space is kept, and found by a plain one")
check(names("ListDistributors", {"name": "tokyo coffee trading"}, "distributors", other) == [],
      "and never in another tenant")
# A zone typed in another case is named as it is written (a try-out).
code, out = call("CreateDistributor", {"fields": {"name": "Kyoto Beans", "country": "JP",
                                                  "timeZone": "asia/tokyo"}}, admin)
check(code == "INVALID_ARGUMENT" and "did you mean Asia/Tokyo?" in out.get("message", ""),
      "asia/tokyo is refused naming Asia/Tokyo: %s %s" % (code, out))
code, out = call("CreateDistributor", {"fields": {"name": "Kyoto Beans", "country": "JP",
                                                  "timeZone": "Asia/Kyoto"}}, admin)
check(code == "INVALID_ARGUMENT" and "did you mean" not in out.get("message", ""),
      "a zone that is none in any case is refused as before: %s" % out)

# A second distributor of one name but its marks was created without a word (a try-out,
# migration 0187): refused; a pair stored before stays editable.
code, out = call("CreateDistributor", {"fields": {"name": "Nha phan phoi Ha Noi", "country": "VN",
                                                  "timeZone": "Asia/Ho_Chi_Minh"}}, admin)
check(code == "ALREADY_EXISTS" and "is named Nhà phân phối Hà Nội already" in out.get("message", ""),
      "a name written without its marks is refused naming the one kept (%s %s)" % (code, out))
tid = t.psql("SELECT id FROM tenants WHERE slug = 'names-%s'" % RUN)
old = t.psql("BEGIN; SELECT set_config('liaison.importing', '%s', true);"
             " INSERT INTO distributors (tenant_id, name, country, time_zone)"
             " VALUES (%s, 'Nha phan phoi Ha Noi', 'VN', 'Asia/Ho_Chi_Minh') RETURNING id;"
             " COMMIT" % (tid, tid)).split()[1]
code, out = call("UpdateDistributor", {"id": old, "fields": {
    "name": "Nha phan phoi Ha Noi", "country": "VN", "timeZone": "Asia/Bangkok"}}, admin)
check(code == "OK", "one stored before 0187 is edited, its name kept (%s %s)" % (code, out))
code, out = call("UpdateDistributor", {"id": old, "fields": {
    "name": "Nha phan phoi  Ha Noi 2", "country": "VN", "timeZone": "Asia/Bangkok"}}, admin)
check(code == "OK", "... or renamed apart (%s)" % code)
# Nor a comma or a space (a try-out, migration 0191); another legal form is another company.
must("CreateDistributor", {"fields": {"name": "Siam Precision Co., Ltd.", "country": "TH",
                                      "timeZone": "Asia/Bangkok"}}, admin)
for spelled in ("Siam Precision Co.,Ltd.", "Siam Precision Co., Ltd", "SIAM-PRECISION CO LTD"):
    code, out = call("CreateDistributor", {"fields": {"name": spelled, "country": "TH",
                                                      "timeZone": "Asia/Bangkok"}}, admin)
    check(code == "ALREADY_EXISTS" and "is named Siam Precision Co., Ltd. already"
          in out.get("message", ""), "%r is refused naming the one kept (%s %s)"
          % (spelled, code, out))
code, out = call("CreateDistributor", {"fields": {"name": "Siam Precision PCL", "country": "TH",
                                                  "timeZone": "Asia/Bangkok"}}, admin)
check(code == "OK", "another legal form is another company (%s %s)" % (code, out))

# Two product lines of one name were created without a word (a try-out, migration 0192), and
# '--lines NAME' was ambiguous from then on: refused in any case, marks, width or spacing.
for line_code, spelled in (("OIL2", "LOC DAU"), ("OIL3", "Lọc  dầu."), ("BRK2", "brake-pads")):
    code, out = call("CreateProductLine", {"code": line_code, "name": spelled}, admin)
    check(code == "ALREADY_EXISTS" and "could not be told apart" in out.get("message", ""),
          "product line %r is refused naming the one kept (%s %s)" % (spelled, code, out))
must("CreateProductLine", {"code": "JP1", "name": "ブレーキパッド"}, admin)
code, out = call("CreateProductLine", {"code": "JP2", "name": "ﾌﾞﾚｰｷﾊﾟｯﾄﾞ"}, admin)
check(code == "ALREADY_EXISTS" and "JP1" in out.get("message", ""),
      "a half-width katakana name is the full-width one (%s %s)" % (code, out))
# A retired line's name may be taken again; the retired one is then not reinstated.
old_line = must("CreateProductLine", {"code": "OLD", "name": "Phanh cũ"}, admin)["productLine"]
must("RetireProductLine", {"id": old_line["id"]}, admin)
new_line = must("CreateProductLine", {"code": "NEW", "name": "phanh cu"}, admin)["productLine"]
code, out = call("ReinstateProductLine", {"id": old_line["id"]}, admin)
check(code == "FAILED_PRECONDITION" and out.get("message", "") == "product line NEW (%s) is named"
      " 'phanh cu' now: rename one of the two before OLD is reinstated" % new_line["id"],
      "a retired line whose name was taken again is not reinstated (%s %s)" % (code, out))
must("UpdateProductLine", {"id": new_line["id"], "name": "Phanh mới"}, admin)
must("ReinstateProductLine", {"id": old_line["id"]}, admin)
got = names("ListProductLines", {"name": "phanh"}, "productLines", admin, "code")
check(got == ["NEW", "OLD"], "... until the other is renamed (%s)" % got)
# A pair stored before 0192 (or imported) stays editable, its name kept; renamed onto another's
# name, it is refused.
twin = t.psql("BEGIN; SELECT set_config('liaison.importing', '%s', true);"
              " INSERT INTO product_lines (tenant_id, code, name) VALUES (%s, 'BRK9', 'Brake pads')"
              " RETURNING id; COMMIT" % (tid, tid)).split()[1]
code, out = call("UpdateProductLine", {"id": twin, "name": "brake pads"}, admin)
check(code == "OK", "a pair stored before is edited, its name kept (%s %s)" % (code, out))
code, out = call("UpdateProductLine", {"id": twin, "name": "Filters"}, admin)
check(code == "ALREADY_EXISTS" and "product line FLT (" in out.get("message", ""),
      "renamed onto another line's name, it is refused (%s %s)" % (code, out))


# Two creates of one name at once (0197 for distributors, 0192 for product lines): each looked
# for the other's row before either had committed, and both were written. A transaction holds a
# new row of the name uncommitted; a create of the name through the server must wait for it (a
# lock it is seen waiting on), then be refused once it commits. The held transaction is the
# superuser's psql, its row made as an import would not be (the import's setting skips the
# check, and so the lock).
def create_beside_held(label, insert, method, request):
    """(waited, code, out, psql's exit, psql's stderr): method called while psql holds insert."""
    held = subprocess.Popen(w.env("LIAISON_TEST_PSQL").split() + ["-U", "postgres"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    held.stdin.write("SET application_name = '%s';\nBEGIN;\n%s;\n" % (label, insert))
    held.stdin.flush()
    deadline = time.monotonic() + 30
    while t.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s'"
                 " AND state = 'idle in transaction'" % label) != "1":
        if time.monotonic() > deadline or held.poll() is not None:
            raise RuntimeError("psql did not hold its insert: %s" % held.stderr.read())
        time.sleep(0.05)
    answer = []
    caller = threading.Thread(target=lambda: answer.append(call(method, request, admin)))
    caller.start()
    waited = False
    deadline = time.monotonic() + 10
    while not waited and caller.is_alive() and time.monotonic() < deadline:
        waited = t.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                        " AND NOT granted") != "0"
        time.sleep(0.05)
    held.stdin.write("COMMIT;\n")
    held.stdin.close()
    caller.join(60)
    held.wait(30)
    code, out = answer[0] if answer else ("NO ANSWER", {})
    return waited, code, out, held.returncode, held.stderr.read()


waited, code, out, rc, err = create_beside_held(
    "names-lock-d", "INSERT INTO distributors (tenant_id, name, country, time_zone)"
    " VALUES (%s, 'Đồng Thời Trading', 'VN', 'Asia/Ho_Chi_Minh')" % tid,
    "CreateDistributor", {"fields": {"name": "dong thoi trading", "country": "VN",
                                     "timeZone": "Asia/Ho_Chi_Minh"}})
check(waited and rc == 0 and code == "ALREADY_EXISTS"
      and "is named Đồng Thời Trading already" in out.get("message", ""),
      "a distributor created while another of its name is being made waits, then is refused"
      " (waited %s: %s %s; psql %s %s)" % (waited, code, out, rc, err))
waited, code, out, rc, err = create_beside_held(
    "names-lock-l", "INSERT INTO product_lines (tenant_id, code, name)"
    " VALUES (%s, 'SIM1', 'Đồng thời')" % tid,
    "CreateProductLine", {"code": "SIM2", "name": "DONG THOI"})
check(waited and rc == 0 and code == "ALREADY_EXISTS"
      and "product line SIM1 (" in out.get("message", ""),
      "so is a product line (waited %s: %s %s; psql %s %s)" % (waited, code, out, rc, err))

# A Cyrillic о in "Cоng ty" read as "Công ty" and passed every comparison of names (an attack
# try-out): a word may not mix Latin, Greek and Cyrillic letters. Words of one script each,
# and scripts that do not look alike side by side, are names as before.
for kind, method, body in (
        ("distributor", "CreateDistributor", lambda n: {"fields": {
            "name": n, "country": "VN", "timeZone": "Asia/Ho_Chi_Minh"}}),
        ("account", "CreateKeyAccount", lambda n: {"name": n, "country": "VN"})):
    code, out = call(method, body("C\u043eng ty Ph\u1ee5 t\u00f9ng Mixed"), admin)
    check(code == "INVALID_ARGUMENT" and "mixes Latin and Cyrillic letters in the word "
          "'C\u043eng'" in out.get("message", ""),
          "a %s name with a Cyrillic letter in a Latin word is refused (%s %s)"
          % (kind, code, out))
    code, out = call(method, body("VinF\u0430st Scripts"), admin)
    check(code == "INVALID_ARGUMENT", "... also inside a brand (%s %s)" % (code, out))
for name in ("Торговый дом Sài Gòn", "東京オートパーツ Ω Partners", "Αθήνα Auto Parts"):
    code, out = call("CreateDistributor", {"fields": {
        "name": name, "country": "VN", "timeZone": "Asia/Ho_Chi_Minh"}}, admin)
    check(code == "OK", "%r, each word of one script, is a name (%s %s)" % (name, code, out))

t.finish("names")
