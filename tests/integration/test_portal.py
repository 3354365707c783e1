#!/usr/bin/python3
"""The reference distributor portal (client-lib/examples/portal) in headless
Chromium, against the real liaisond through the Python binding: a
distributor user signs in, sees its own charter and contacts, its meetings,
action items (and closes one), leads (and registers one, and sees a field
error), orders and documents; switches the interface to Vietnamese (the
Tokyo distributor's user reads the sign-in page, the dashboard, an order
and a refused order form in Japanese, by Accept-Language and then chosen in
the selector, yen without decimals); signs out, and Back then shows no
data. Issue 15: it drafts its joint business plan, is told on the page
what is wrong in it, proposes it, and approves
and declines the exporter's proposals (checked through the plan RPCs as
the exporter); it reads the upstream updates aimed at it, in its language
variant, with attachments, an opened one recording its read receipt
(checked through ListUpdateReceipts), and never one aimed at another
territory; its health reasons come in Vietnamese from their codes. Another distributor's order and another
tenant's order by URL give the 404 page and none of their data; a form
posted without its CSRF token is refused; exporter staff and a wrong
password are turned away. A distributor with nothing yet (no contact, no
charter) gets every page; sign-in and the language switch never redirect
off the site; ids out of range, numbers that are none and a year the
server refuses give 404 or 400, not 500; a download names its charset
once, with a safe name and the extension of its type. From the try-out
(/tmp/tryout-portal.md): a plan of seven goals keeps them all and its
initiatives' owners when saved; a refused report comes back as typed; an
8,000-character Japanese note is taken and a 10,000-letter word wraps; an
order's note refused by the server is shown with its field; the language
switch after a form comes back to a page, and 405 is the portal's own page;
a form sent after signing out in another tab says so and leads back; a due
day shows as that date. From the try-out of 2026-12: a form sent signed out
(another tab, idle, ended on the server) gives back what was typed to copy;
the server's reasons the forms meet are in Vietnamese, every string of the
portal has its Vietnamese, and bounds are said in characters; a blank deal
form flags every field; past meetings are listed and a scheduled one says
when notes can be added; in the last quarter next year's plan is offered.
A busy distributor's orders come newest first, a page at a time through
"Older orders" (?before=, a forged one a 400 page), each order once; an
amount with more decimals than its currency has (USD 12.345, KWD 1.2345)
is refused by every form that takes money, naming the currency's decimals,
with what was typed kept.
The session file and its -wal and -shm are the owner's alone and hold
no usable Liaison token; one from before that is signed out and wiped.
Every page parses without errors in an HTML5 parser, carries its security
headers, and a screenshot of each page is written to
$LIAISON_ARTIFACTS/portal/ (build-test/artifacts/portal/; the README's is
one of them)."""
import base64
import hashlib
import html
import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "client-lib", "python"))
sys.path.insert(0, os.path.join(ROOT, "client-lib", "examples", "portal"))
import html5lib  # noqa: E402
import liaison  # noqa: E402
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
from liaison_test import check  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

# The portal's Python loads libliaison (sanitized in the test build): it gets
# the preload CTest gave this process; Chromium and servers do not.
PY_ENV = dict(os.environ)
os.environ.pop("LD_PRELOAD", None)
if "LIAISON_SERVER_ASAN_OPTIONS" in os.environ:
    os.environ["ASAN_OPTIONS"] = os.environ["LIAISON_SERVER_ASAN_OPTIONS"]

URL, CA = w.env("LIAISON_TEST_URL"), w.env("LIAISON_TEST_CA")
OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
PASSWORD = "correct horse battery staple"
RUN = str(int(time.time() * 1000) % 10**8)
# The month the distributor reports on from the portal: this one (a month to
# come is refused), due on the charter's default day, the 10th of the next.
_now = time.gmtime()
REPORT_MONTH = "%04d-%02d" % (_now.tm_year, _now.tm_mon)
REPORT_DUE = "%04d-%02d-10" % ((_now.tm_year, _now.tm_mon + 1) if _now.tm_mon < 12
                               else (_now.tm_year + 1, 1))
# Last month: begun everywhere, the example a refused month now gives (it was 2027-03, itself
# refused as a month to come).
LAST_MONTH = "%04d-%02d" % ((_now.tm_year, _now.tm_mon - 1) if _now.tm_mon > 1
                            else (_now.tm_year - 1, 12))
SHOTS = os.path.join(os.environ.get("LIAISON_ARTIFACTS") or w.env("LIAISON_TEST_DIR"), "portal")
os.makedirs(SHOTS, exist_ok=True)

# The words of table cells drawn over more than one line: a word cut letter by
# letter. Japanese may wrap between characters, a code at its hyphens.
CUT_WORDS = """
    const cut = [];
    for (const cell of document.querySelectorAll('main th, main td')) {
      const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        for (const m of n.data.matchAll(/\\S+/g)) {
          if (/[-\\u3000-\\u9fff\\uff00-\\uffef]/.test(m[0])) continue;
          const r = document.createRange();
          r.setStart(n, m.index);
          r.setEnd(n, m.index + m[0].length);
          if (r.getClientRects().length > 1) cut.push(m[0]);
        }
      }
    }
    return cut;"""

# ---------------- two tenants' data, made through the binding ----------------
op = liaison.Client(URL, ca=CA, token=OPERATOR)


def tenant(slug, name):
    op.call("CreateTenant", {"slug": slug, "name": name, "adminEmail": "admin@%s.example" % slug,
                             "adminPassword": PASSWORD})
    c = liaison.Client(URL, ca=CA)
    c.login(slug, "admin@%s.example" % slug, PASSWORD)
    return c


def tenant_admin():
    """The tenant's admin, signed in again (a's session is closed once the data is made)."""
    c = liaison.Client(URL, ca=CA)
    c.login(slug, "admin@%s.example" % slug, PASSWORD)
    return c


def distributor(c, name, country, zone, langs):
    return c.call("CreateDistributor", {"fields": {
        "name": name, "country": country, "timeZone": zone, "languages": langs,
        "businessHoursStart": "08:00", "businessHoursEnd": "17:00",
        "workDays": [1, 2, 3, 4, 5]}})["distributor"]["id"]


slug = "portal-" + RUN
a = tenant(slug, "Công ty Xuất khẩu Bình Minh")
line = a.call("CreateProductLine", {"code": "PT", "name": "Phụ tùng ô tô"})["productLine"]["id"]
a.call("CreateProduct", {"sku": "PT-100", "productLineId": line, "name": "Má phanh",
                         "unit": "hộp", "moq": 10})
d1 = distributor(a, "Công ty Phụ tùng Sài Gòn", "VN", "Asia/Ho_Chi_Minh", ["vi"])
d2 = distributor(a, "東京オートパーツ株式会社", "JP", "Asia/Tokyo", ["ja"])
ch = a.call("CreateCharterDraft", {"distributorId": d1})["charter"]["id"]
a.call("AddCharterGrant", {"charterId": ch, "grant": {
    "region": "VN-SG", "allLines": True, "exclusive": True, "startsOn": "2026-01-01"}})
a.call("SetCommitment", {"charterId": ch, "commitment": {
    "productLineId": line, "moq": 20, "bufferUnit": "weeks", "bufferAmount": 6,
    "financing": "distributor", "paymentTermsDays": 60}})
# A commitment with no minimum order and no buffer stock: the dashboard said MOQ 0 (a try-out).
extra_line = a.call("CreateProductLine", {"code": "PK", "name": "Phụ kiện"})["productLine"]["id"]
a.call("SetCommitment", {"charterId": ch, "commitment": {
    "productLineId": extra_line, "bufferUnit": "weeks", "financing": "distributor",
    "paymentTermsDays": 30}})
a.call("DeclareCompetingLine", {"charterId": ch, "competingLine": {
    "competitor": "Bosch", "line": "Má phanh Bosch"}})
a.call("ActivateCharter", {"id": ch})
contact = a.call("CreateContact", {"distributorId": d1, "fields": {
    "name": "Nguyễn Văn An", "role": "Giám đốc kinh doanh", "email": "an@saigon.example",
    "language": "vi", "timeZone": "Asia/Ho_Chi_Minh"}})["contact"]["id"]
a.call("CreateUser", {"email": "portal@saigon.example", "role": "ROLE_DISTRIBUTOR_USER",
                      "distributorId": d1, "displayName": "Trần Thị Bích",
                      "password": PASSWORD})
# d2's user: a distributor with no contact and no charter (empty lists are left out of answers).
tokyo_user = a.call("CreateUser", {"email": "portal@tokyo.example",
                                   "role": "ROLE_DISTRIBUTOR_USER", "distributorId": d2,
                                   "displayName": "山田花子", "password": PASSWORD})["user"]["id"]
# A manager who sees every distributor: only one who reaches d1 may own its items.
manager = a.call("CreateUser", {"email": "manager@%s.example" % slug, "role": "ROLE_MANAGER",
                                "seesAllDistributors": True, "password": PASSWORD})["user"]["id"]
# An ad-hoc meeting, made after the charter's series but starting before them.
a.call("CreateMeeting", {"distributorId": d1, "title": "Họp đột xuất về tồn kho",
                         "startsAt": time.strftime("%Y-%m-%dT%H:00:00Z",
                                                   time.gmtime(time.time() - 2 * 86400)),
                         "durationMinutes": 30})
order1 = a.call("PlaceOrder", {"distributorId": d1, "currency": "VND", "note": "Đơn tháng 12",
                               "lines": [{"sku": "PT-100", "quantity": 25,
                                          "unitPriceMinor": 150000}]})["order"]
order2 = a.call("PlaceOrder", {"distributorId": d2, "currency": "JPY", "note": "東京の注文",
                               "lines": [{"sku": "PT-100", "quantity": 40,
                                          "unitPriceMinor": 98765}]})["order"]
# A confirmed order whose shipment passed its ETA (long before the real
# clock) and is still in transit: late, on the order page and the list.
order3 = a.call("PlaceOrder", {"distributorId": d1, "currency": "VND", "note": "Đơn giao trễ",
                               "lines": [{"sku": "PT-100", "quantity": 30,
                                          "unitPriceMinor": 150000}]})["order"]
a.call("SetOrderStatus", {"id": order3["id"], "status": "confirmed"})
# Placed before its shipment left: a shipment never leaves before its order.
t.psql("UPDATE orders SET placed_at = '2025-05-15T03:00:00Z' WHERE id = %d" % order3["id"])
late_ship = a.call("AddShipment", {"orderId": order3["id"], "carrier": "Gemadept",
                                   "etd": "2025-06-01", "eta": "2025-06-30",
                                   "lines": [{"orderLineId": order3["lines"][0]["id"],
                                              "quantity": 10}]})["shipment"]
a.call("SetShipmentStatus", {"id": late_ship["id"], "status": "in_transit"})
a.call("AddShipment", {"orderId": order3["id"], "carrier": "日本通運", "etd": "2099-01-01",
                       "eta": "2099-02-01",
                       "lines": [{"orderLineId": order3["lines"][0]["id"], "quantity": 10}]})
# Delivered short (0196): 12 of 20 came, the other 8 will not.
order4 = a.call("PlaceOrder", {"distributorId": d1, "currency": "VND",
                               "lines": [{"sku": "PT-100", "quantity": 20,
                                          "unitPriceMinor": 150000}]})["order"]
a.call("SetOrderStatus", {"id": order4["id"], "status": "confirmed"})
part = a.call("AddShipment", {"orderId": order4["id"], "carrier": "Gemadept",
                              "lines": [{"orderLineId": order4["lines"][0]["id"],
                                         "quantity": 12}]})["shipment"]
a.call("SetShipmentStatus", {"id": part["id"], "status": "delivered"})
a.call("SetOrderStatus", {"id": order4["id"], "status": "delivered",
                          "shortReason": "Khách hủy 8 bộ còn lại"})
a.call("CreateActionItem", {"distributorId": d1, "description": "Gửi dự báo tồn kho quý 1",
                            "ownerContactId": contact, "dueOn": "2027-01-15"})
# One the exporter's own manager owns: the distributor sees it and may not close it.
exporters_item = a.call("CreateActionItem", {
    "distributorId": d1, "description": "Send the 2027 price list", "ownerUserId": manager,
    "dueOn": "2027-02-01"})["actionItem"]["id"]
doc = a.call("CreateDocument", {"kind": "price_sheet", "title": "Bảng giá 2027",
                                "language": "vi", "share": [d1], "mediaType": "text/plain",
                                "content": base64.b64encode("Giá mới — 2027".encode()).decode()}
             )["document"]["id"]
markdown = a.call("CreateDocument", {"kind": "other", "title": "Hướng dẫn", "language": "vi",
                                     "share": [d1], "mediaType": "text/markdown;charset=utf-8",
                                     "content": base64.b64encode("# Hướng dẫn".encode()).decode()}
                  )["document"]["id"]
# A PDF titled with characters a file name must not carry, and no extension.
pdf_doc = a.call("CreateDocument", {"kind": "other", "title": 'Giá <b>"mới"</b> a/b\\c',
                                    "language": "vi", "share": [d1],
                                    "mediaType": "application/pdf",
                                    "content": base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()}
                 )["document"]["id"]
# Full-width quotes and equals signs fold to ASCII ones: the ASCII name closed its quotes and
# added parameters, a text/plain file saved as .html by curl -J (an attack try-out).
wide_doc = a.call("CreateDocument", {"kind": "price_sheet",
                                     "title": "Bảng giá ｕｐｄａｔｅ.html＂; x＝＂",
                                     "language": "vi", "share": [d1], "mediaType": "text/plain",
                                     "content": base64.b64encode(b"<p>gia</p>").decode()}
                  )["document"]["id"]
# A Japanese title: the ASCII name beside it has no letter of it left.
ja_doc = a.call("CreateDocument", {"kind": "other", "title": "価格表 2027", "language": "ja",
                                   "share": [d1], "mediaType": "text/plain",
                                   "content": base64.b64encode("価格".encode()).decode()}
                )["document"]["id"]
# Its Vietnamese translation has a title of its own: the Vietnamese reader's list shows it.
a.call("AddTranslation", {"documentId": ja_doc, "language": "vi", "title": "Bảng giá Nhật 2027",
                          "content": base64.b64encode("Giá".encode()).decode()})
held = a.call("CreateMeeting", {"distributorId": d1, "title": "Họp khẩn về tồn kho",
                                "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                          time.gmtime(time.time() - 3600)),
                                "durationMinutes": 30, "attendees": ["an@saigon.example"]}
                )["meeting"]["id"]
a.call("MarkMeetingHeld", {"id": held})
# What was agreed there: on the meeting's page (a try-out found a meeting's items on none).
a.call("CreateActionItem", {"distributorId": d1, "meetingId": held, "ownerContactId": contact,
                            "description": "Gửi số liệu tồn kho kho Bình Dương",
                            "dueOn": "2027-01-20"})
a.call("SetEscalationProtocol", {"distributorId": d1, "severity": "high", "steps": [
    {"contactId": contact, "method": "email", "responseHours": 24}]})
a.call("CreateEscalationRequest", {"distributorId": d1, "severity": "high",
                                   "subject": "Tồn kho tháng 12 chưa báo cáo",
                                   "text": "Vui lòng gửi số liệu tồn kho."})
b = tenant("portal-b-" + RUN, "Other Exports Ltd")
db_ = distributor(b, "Other Distribution Co", "VN", "Asia/Ho_Chi_Minh", ["en"])
b.call("CreateProduct", {"sku": "OX-1", "productLineId": b.call("CreateProductLine", {
    "code": "OX", "name": "Other"})["productLine"]["id"], "name": "Other", "unit": "pc",
    "moq": 1})
order_b = b.call("PlaceOrder", {"distributorId": db_, "currency": "USD", "note": "SECRET-B",
                                "lines": [{"sku": "OX-1", "quantity": 3,
                                           "unitPriceMinor": 777777}]})["order"]
for c in (a, b):
    c.close()

# ---------------- the portal ----------------
port = w.free_port()
base = "http://127.0.0.1:%d" % port
sessions = tempfile.mkdtemp(prefix="portal-sessions-")
env = dict(PY_ENV, LIAISON_URL=URL, LIAISON_CA=CA,
           PORTAL_SESSION_DB=os.path.join(sessions, "s.sqlite3"),
           PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "client-lib", "python"),
                                       os.path.join(ROOT, "client-lib", "examples", "portal")]))
portal_log = open(os.path.join(SHOTS, "portal.log"), "w")
portal = subprocess.Popen([sys.executable, "-m", "liaison_portal", "--port", str(port)], env=env,
                          stdout=portal_log, stderr=subprocess.STDOUT)
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        break
    except OSError:
        time.sleep(0.1)

opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--window-size=1280,1000", "--lang=en-US", "--no-first-run"):
    opts.add_argument(arg)
opts.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
driver.set_page_load_timeout(30)


def mode(path):
    return os.stat(path).st_mode & 0o777


def on_disk(path):
    """The bytes of an SQLite file and of its -wal, as a copy of them would hold."""
    return b"".join(open(f, "rb").read() for f in (path, path + "-wal") if os.path.exists(f))


def shot(name):
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args):
        return None  # the 3xx itself is the answer looked at


def fetch(path, data=None, cookie=True, jar=None, headers=None):
    """(status, headers, body) of path with the browser's session cookie; or
    with jar's cookies, a redirect then answered as it is, not followed."""
    req = urllib.request.Request(base + path, data=urllib.parse.urlencode(data).encode()
                                 if data is not None else None, headers=headers or {})
    c = driver.get_cookie("liaison_portal") if cookie and jar is None else None
    if c:
        req.add_header("Cookie", "liaison_portal=" + c["value"])
    handlers = [urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())]
    if jar is not None:
        handlers = [urllib.request.HTTPCookieProcessor(jar), NoRedirect]
    opener = urllib.request.build_opener(*handlers)
    try:
        r = opener.open(req, timeout=30)
        return r.status, r.headers, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")


def valid_html(path):
    """path parses as HTML5 without one error, and has the security headers."""
    status, headers, body = fetch(path)
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        parser.parse(body)
        errors = ""
    except html5lib.html5parser.ParseError as e:
        errors = str(e)
    csp = headers.get("Content-Security-Policy", "")
    return (not errors and "default-src 'none'" in csp and "script-src" not in csp
            and headers.get("X-Content-Type-Options") == "nosniff"
            and headers.get("Cache-Control") == "no-store"), status, errors


def csrf_of(body):
    return re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)


def login_csrf(jar):
    """The CSRF token of jar's session, from the sign-in page; signed in already, that page
    goes on to the start page, whose forms carry it too."""
    status, _, body = fetch("/login", jar=jar)
    return csrf_of(body if status != 302 else fetch("/", jar=jar)[2])


def sign_in(jar, email, next_path=""):
    """Signs jar's session in as email over HTTP: the login's (status, Location)."""
    form = {"tenant": slug, "email": email, "password": PASSWORD,
            "csrf_token": login_csrf(jar)}
    status, headers, _ = fetch("/login?" + urllib.parse.urlencode({"next": next_path}), form,
                               jar=jar)
    return status, headers.get("Location", "")


def login(email, password=PASSWORD, tenant_slug=slug):
    driver.get(base + "/login")
    driver.find_element(By.ID, "tenant").send_keys(tenant_slug)
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(password)
    click(driver.find_element(By.ID, "sign-in"))


def text():
    return driver.find_element(By.TAG_NAME, "body").text


def click(element):
    """Clicks a button or link and waits for the next page to replace this one: a
    form's POST and its redirect finish after click() returns."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def replaced(_driver):
        try:
            page.is_enabled()
            return False
        except WebDriverException:  # stale or detached: chromedriver says either
            return driver.execute_script("return document.readyState") == "complete"

    WebDriverWait(driver, 30).until(replaced)


def op_notes(mid):
    """A meeting's notes as the exporter's admin reads them."""
    c = liaison.Client(URL, ca=CA)
    c.login(slug, "admin@%s.example" % slug, PASSWORD)
    try:
        return c.call("GetMeeting", {"id": mid})["meeting"].get("notes", [])
    finally:
        c.close()


def fill(element_id, value):
    box = driver.find_element(By.ID, element_id)
    box.clear()
    box.send_keys(value)


try:
    driver.get(base + "/")
    check(driver.current_url.startswith(base + "/login"), "signed out, / leads to the login page")
    shot("login")
    login("portal@saigon.example", "wrong password")
    check("not right" in text(), "a wrong password is turned away with a sentence")
    login("manager@%s.example" % slug)
    check("for distributors' staff" in text(), "exporter staff are turned away")
    cookie_before = (driver.get_cookie("liaison_portal") or {}).get("value")

    login("portal@saigon.example")
    body = text()
    check("Công ty Phụ tùng Sài Gòn" in body and "VN-SG" in body and "exclusive" in body,
          "the dashboard shows its own charter's territory and exclusivity")
    # The version's activation is not the relationship's start (a try-out read "in force
    # since" today for a territory granted from 2026-01-01).
    check("our relationship began on 2026-01-01" in driver.find_element(
        By.ID, "relationship-began").text and "in force since" not in body,
        "the dashboard says when the relationship began, apart from the activation")
    # Beside a declared competing line, "No competing lines." read as a contradiction.
    check("Competing lines are not allowed." in body and "No competing lines." not in body,
          "the dashboard says competing lines are not allowed, not that there are none")
    check("Nguyễn Văn An" in body and "Giám đốc kinh doanh" in body,
          "and its contacts, in Vietnamese")
    check("6 weeks" in body and "60 days" in body, "and its inventory commitments")
    check("PK — —" in body, "a commitment with no minimum order or buffer says none, not 0 (%s)"
          % body[body.find("Inventory commitments"):][:300])
    check("Competing lines declared" in body and "Má phanh Bosch (Bosch)" in body,
          "and the competing lines its charter declares (a try-out missed them)")
    check("東京オートパーツ" not in driver.page_source and "Other Distribution" not in body,
          "and nothing of another distributor")
    c = driver.get_cookie("liaison_portal")
    check(c and c.get("httpOnly") and c.get("sameSite") == "Lax" and c["value"] != cookie_before,
          "the session cookie is HttpOnly, SameSite=Lax, and new at sign-in")
    check(all(len(ck["value"]) < 100 for ck in driver.get_cookies())
          and not any(PASSWORD in ck["value"] for ck in driver.get_cookies()),
          "no cookie carries the Liaison token")
    shot("dashboard")

    # ---------------- a distributor with nothing yet ----------------
    tokyo = http.cookiejar.CookieJar()
    check(sign_in(tokyo, "portal@tokyo.example") == (302, "/"), "d2's user signs in")
    for path in ("/", "/meetings", "/actions", "/leads", "/leads/new", "/escalations",
                 "/reports", "/plans", "/documents", "/customers", "/updates", "/health",
                 "/performance", "/orders", "/orders/new"):
        status = fetch(path, jar=tokyo)[0]
        check(status == 200, "a distributor with no contact, charter or data: %s (%d)"
              % (path, status))
    check("東京オートパーツ" in fetch("/", jar=tokyo)[2], "its own dashboard, without contacts")
    # Its contacts a page at a time: the dashboard showed the first 50 and no
    # more, the 51st left out without a word (a try-out).
    staff = tenant_admin()
    for i in range(51):
        staff.call("CreateContact", {"distributorId": d2, "fields": {
            "name": "担当者 %02d" % i, "role": "営業", "language": "ja"}})
    staff.close()
    first = fetch("/", jar=tokyo)[2]
    more = re.search(r'id="more" href="([^"]+)"', first)
    second = fetch(html.unescape(more.group(1)), jar=tokyo)[2] if more else ""
    check(first.count("担当者 ") == 50 and "担当者 50" not in first and more
          and "担当者 50" in second and "担当者 49" not in second and 'id="first-page"' in second,
          "the dashboard's contacts page on with a More link, the 51st on the next page")

    # ---------------- Japanese ----------------
    # The Tokyo distributor's staff read the portal in Japanese: chosen by
    # their browser's Accept-Language, then in the menu's language selector.
    ja_hdr = {"Accept-Language": "ja,en-US;q=0.7,en;q=0.3"}
    jp = http.cookiejar.CookieJar()

    def visible(body):
        """body's text as a reader sees it: no tags, scripts or attributes."""
        return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(
            r"<(script|style|title)\b.*?</\1>", " ", body, flags=re.S)))

    def menu_english(body):
        """The English words left in the page's header (its menu, language
        form and sign-out): the product's name and the languages' own names
        in the selector are no English to translate."""
        header = re.search(r'<header class="top">(.*?)</header>', body, re.S)
        words = re.findall(r"[A-Za-z]+", visible(re.sub(
            r"<select\b.*?</select>", " ", header.group(1) if header else "English", flags=re.S)))
        return [w for w in words if w != "Liaison"]
    status, _, body = fetch("/login", jar=jp, headers=ja_hdr)
    check(status == 200 and '<html lang="ja">' in body and "サインイン" in body
          and "パスワード" in body and "組織" in body and "Password" not in visible(body)
          and not menu_english(body),
          "the sign-in page in Japanese, by Accept-Language (%d %s)"
          % (status, visible(body).split()[:30]))
    check(sign_in(jp, "portal@tokyo.example") == (302, "/"), "the Tokyo user signs in")
    status, _, body = fetch("/", jar=jp, headers=ja_hdr)
    check(status == 200 and "東京オートパーツ株式会社" in body and "取引関係" in body
          and "アクションアイテム" in body and "注文" in body and "サインアウト" in body
          and not menu_english(body),
          "the dashboard in Japanese, no English left in the menu (%s)" % menu_english(body))
    status, _, body = fetch("/orders/%d" % order2["id"], jar=jp, headers=ja_hdr)
    check(status == 200 and "￥98,765" in body and "￥3,950,600" in body
          and re.search(r"[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{1,2}:[0-9]{2} 発注", body)
          and "発注済み" in body and "placed" not in visible(body).split(),
          "an order in Japanese: yen without decimals, the date as Japanese write it (%s)"
          % visible(body).split()[:60])
    # A form sent back with its errors: the reasons in Japanese, the amount's
    # example written the Japanese way (yen has no decimals).
    page = fetch("/orders/new", jar=jp, headers=ja_hdr)[2]
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    # The quantity in full-width digits, as a Japanese keyboard types it: taken (it was
    # refused as no whole number, a try-out); only the price is refused.
    for currency, price, said in (("USD", "十五", "価格（例: 1,250.50）"),
                                  ("JPY", "1500.5", "JPYには小数がありません。整数の金額で"
                                                    "入力してください（例: 1,250,000）")):
        status, _, body = fetch("/orders/new", {
            "csrf_token": csrf_of(page), "key": key, "currency": currency, "note": "東京の注文",
            "sku0": "PT-100", "quantity0": "４０", "price0": price}, jar=jp, headers=ja_hdr)
        check(status == 400 and said in html.unescape(body) and "確認が必要な行があります。" in body
              and "1以上の整数" not in html.unescape(body)
              and 'value="%s"' % price in body and not menu_english(body)
              and "e.g." not in body,
              "an order's %s price %r refused in Japanese, as typed (%d %s)"
              % (currency, price, status, re.findall(r'field-error">([^<]*)<', body)))
    # Chosen in the selector, Japanese outlasts a browser asking for English.
    status, headers, _ = fetch("/language", {"lang": "ja", "next": "/orders",
                                             "csrf_token": csrf_of(page)}, jar=jp)
    body = fetch(headers.get("Location", "/"), jar=jp, headers={"Accept-Language": "en"})[2]
    check(status in (302, 303) and '<option value="ja" selected>日本語</option>' in body
          and "発注する" in body and not menu_english(body),
          "日本語 chosen in the language selector (%d %s)" % (status, menu_english(body)))
    for target in ("/\\evil.example/phish", "//evil.example/phish", "/\tevil.example",
                   "https://evil.example/", "/\x7f"):
        got = sign_in(tokyo, "portal@tokyo.example", target)
        check(got == (302, "/"), "sign-in's next %r goes to the start page (%s)" % (target, got))
        csrf = login_csrf(tokyo)
        status, headers, _ = fetch("/language", {"lang": "en", "next": target,
                                                 "csrf_token": csrf}, jar=tokyo)
        check((status, headers.get("Location")) == (302, "/"),
              "the language switch's next %r too (%d %s)" % (target, status,
                                                            headers.get("Location")))
    check(sign_in(tokyo, "portal@tokyo.example", "/orders?page=2") == (302, "/orders?page=2"),
          "a path of its own is kept")
    csrf = csrf_of(fetch("/", jar=tokyo)[2])
    for came_from, goes_to in (("/meetings/217/notes", "/meetings/217"),
                               ("/reports/2/save", "/reports/2"), ("/logout", "/"),
                               ("/plans?year=2097", "/plans?year=2097")):
        status, headers, _ = fetch("/language", {"lang": "en", "next": came_from,
                                                 "csrf_token": csrf}, jar=tokyo)
        check((status, headers.get("Location")) == (302, goes_to),
              "the language switch from %s comes back to a page, %s (%d %s)"
              % (came_from, goes_to, status, headers.get("Location")))
    status, headers, body = fetch("/reports/2/save", jar=tokyo)
    check(status == 405 and "portal.css" in body and "error-message" in body
          and "Werkzeug" not in body and "Method Not Allowed" not in body,
          "a form's address opened as a page: the portal's own 405 page (%d)" % status)
    # It said "open the page from the menu" with no menu, nor Sign out (a try-out).
    for path, code in (("/reports/2/save", 405), ("/no-such-page", 404), ("/meetings/0", 404)):
        status, _, body = fetch(path, jar=tokyo)
        check(status == code and 'id="logout"' in body and "山田花子" in body,
              "%s (%d) keeps the signed-in header: the menu, the user, Sign out" % (path, status))
    status, _, body = fetch("/logout", jar=tokyo)
    check(status == 200 and 'id="logout-confirm"' in body,
          "GET /logout asks, and signs nobody out (%d)" % status)
    check(fetch("/", jar=tokyo)[0] == 200, "still signed in after GET /logout")
    empty = http.cookiejar.CookieJar()
    status, _, body = fetch("/login", {"tenant": slug, "email": "", "password": "",
                                       "csrf_token": csrf_of(fetch("/login", jar=empty)[2])},
                            jar=empty)
    check(status == 400 and "Enter your organisation, e-mail and password." in body
          and "not right" not in body,
          "a sign-in sent with fields empty asks for them, not 'not right' (%d)" % status)
    check('id="tenant-hint"' in body and "Its short code, as the exporter gave it" in body
          and 'aria-describedby="tenant-hint"' in body,
          "the organisation box says it takes the organisation's code, not its name")
    status, headers, body = fetch("/login?bye=1", jar=tokyo)
    check(status == 302 and headers.get("Location") == "/" and 'id="signed-out"' not in body,
          "a signed-in session is not told it signed out: the sign-in page goes on to the"
          " start page, not a bare form (%d %s)" % (status, headers.get("Location")))
    status, headers, _ = fetch("/login?next=/orders", jar=tokyo)
    check(status == 302 and headers.get("Location") == "/orders",
          "or to the page it was to lead to (%d %s)" % (status, headers.get("Location")))
    status, headers, _ = fetch("/logout", jar=http.cookiejar.CookieJar())
    check(status == 302 and headers.get("Location", "").startswith("/login"),
          "GET /logout signed out: the sign-in page (%d)" % status)
    status, _, body = fetch("/no/such/page", jar=tokyo)
    check(status == 404 and "portal.css" in body, "an unknown address: the portal's 404 page")

    driver.get(base + "/meetings")
    links = driver.find_elements(By.CSS_SELECTOR, "main table a")
    check(len(links) > 0, "the charter's cadence shows as meetings (%d)" % len(links))
    when = [td.text for td in driver.find_elements(By.CSS_SELECTOR,
                                                   "main table tbody tr td:first-child")]
    check(when == sorted(when) and links and links[0].text == "Họp đột xuất về tồn kho",
          "meetings in time order, an ad-hoc one made last first (%s)" % when[:3])
    shot("meetings")
    meeting_path = urllib.parse.urlparse(links[0].get_attribute("href")).path if links else "/"
    if links:
        click(links[0])
        check("Asia/Ho_Chi_Minh" in text(), "a meeting in the distributor's time zone")
        shot("meeting")

    driver.get(base + "/actions")
    check("Gửi dự báo tồn kho quý 1" in text(), "its action item is listed")
    check("2027-01-15" in text() and "2027-01-16" not in text() and "00:00" not in text(),
          "an action item due on a day shows that day, as a date (%s)" % text()[-300:])
    shot("actions")
    done_paths = [urllib.parse.urlparse(f.get_attribute("action")).path
                  for f in driver.find_elements(By.CSS_SELECTOR, "main form")]
    rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "main tbody tr")]
    check(len(done_paths) == 2 and any("Send the 2027 price list" in r and "exporter" in r
                                       for r in rows)
          and not any("Send the 2027 price list" in r and "Mark done" in r for r in rows),
          "Mark done only on the item its side owns; the exporter's says whose it is (%r %r)"
          % (done_paths, rows))
    click(driver.find_element(By.CSS_SELECTOR, "main form button"))
    check("Gửi dự báo tồn kho quý 1" not in text(), "marked done, it leaves the open list")
    check(driver.find_elements(By.ID, "action-notice")
          and "The action item is marked done." in text(),
          "and the page says it was marked done (%s)" % text()[:300])
    shot("action-done")
    csrf = driver.find_element(By.NAME, "csrf_token").get_attribute("value")
    status, _, body = fetch(done_paths[0], {"csrf_token": csrf})
    check(status == 200 and "The action item is marked done." in body
          and "This cannot be done now" not in body and "only an open one" not in body,
          "Mark done sent twice (a double click, Back and again): the same confirmation, "
          "not an error page (%d)" % status)
    status, _, body = fetch("/actions/%s/done" % exporters_item, {"csrf_token": csrf})
    check(status == 403 and "Send the 2027 price list" in body and "Action items" in body
          and "of the exporter: a distributor completes only the items of its own people"
          in body, "an item of the exporter's people: refused on the list, in words (%d %s)"
          % (status, body[-600:]))

    driver.get(base + "/leads/new")
    # Its own country and money to start with (a new distributor was offered USD).
    check(driver.find_element(By.ID, "country").get_attribute("value") == "VN"
          and driver.find_element(By.ID, "currency").get_attribute("value") == "VND",
          "a deal starts in the distributor's country and currency")
    driver.find_element(By.ID, "account_name").send_keys("Garage Thủ Đức")
    driver.find_element(By.ID, "country").clear()
    driver.find_element(By.ID, "country").send_keys("VX")
    driver.find_element(By.ID, "region").send_keys("VN-SG")
    driver.find_element(By.ID, "title").send_keys("Má phanh cho đội xe")
    driver.find_element(By.ID, "value").send_keys("1250.5")
    cur = driver.find_element(By.ID, "currency")
    cur.clear()
    cur.send_keys("XYZ")
    click(driver.find_element(By.ID, "register"))
    # Both at once: the currency was named only once the country was right (a try-out).
    said = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".field-error")]
    check("not an ISO 3166-1 alpha-2 country code" in said
          and "not an ISO 4217 currency code" in said
          and "Garage Thủ Đức" in driver.page_source,
          "a bad country and a bad currency are shown beside their fields at once, the form "
          "kept (%s)" % said)
    shot("lead-form-error")
    driver.find_element(By.ID, "country").clear()
    driver.find_element(By.ID, "country").send_keys("VN")
    cur = driver.find_element(By.ID, "currency")
    cur.clear()
    cur.send_keys("USD")
    val = driver.find_element(By.ID, "value")
    val.clear()
    val.send_keys("1,5")
    click(driver.find_element(By.ID, "register"))
    check("e.g. 1,250.50" in text() and "Garage Thủ Đức" in driver.page_source,
          "a comma out of place is no amount (not $15): refused with an example as English "
          "writes one (%s)" % text()[-300:])
    val = driver.find_element(By.ID, "value")
    val.clear()
    val.send_keys("1,250.50")
    cur = driver.find_element(By.ID, "currency")
    cur.clear()
    cur.send_keys("USD")
    sent = {box.get_attribute("name"): box.get_attribute("value")
            for box in driver.find_elements(By.CSS_SELECTOR, "main form input")
            if box.get_attribute("type") != "checkbox"}
    click(driver.find_element(By.ID, "register"))
    body = text()
    check("Má phanh cho đội xe" in body and "accepted" in body and "$1,250.50" in body,
          "a deal inside its territory is registered and accepted (%s)" % body[-200:])
    lead_path = urllib.parse.urlparse(driver.current_url).path
    shot("lead")
    status, _, body = fetch("/leads/new", sent)
    driver.get(base + "/leads")
    check(status == 200 and "Má phanh cho đội xe" in body and "accepted" in body
          and text().count("Má phanh cho đội xe") == 1,
          "the registration sent twice (a double click, Back and send again): one lead, "
          "the second answered with it (%d, %d listed)"
          % (status, text().count("Má phanh cho đội xe")))
    # Back, a change, send: the key made its lead already. The form says so
    # and comes back with a new key, not stuck on the spent one.
    changed = dict(sent, title="Má phanh cho đội xe (sửa)")
    status, _, body = fetch("/leads/new", changed)
    again_key = re.search(r'name="key" value="([^"]+)"', body)
    # Standing alone above the form, the reason starts as a sentence (it stood in lower case).
    check(status in (200, 400) and "This form was sent before" in body and again_key
          and again_key.group(1) != sent.get("key"),
          "the registration changed and sent again under its spent key: told so, with a "
          "new key (%d %s)" % (status, body[-300:]))
    driver.get(base + "/leads")
    check("Garage Thủ Đức" in text(), "and listed")
    shot("leads")
    driver.get(base + "/customers")
    check("Garage Thủ Đức" in text() and "VN-SG" in text(),
          "its customer is among its customers")
    shot("customers")
    driver.get(base + "/customers?q=" + urllib.parse.quote("Không ai <b>"))
    check("No customer’s name has “Không ai <b>”." in text() and "No customers yet" not in text(),
          "a search that finds nothing says so, not that there are no customers (%s)"
          % text()[-200:])

    driver.get(base + "/orders")
    check("#%d" % order1["id"] in text() and "#%d" % order2["id"] not in text(),
          "its own orders only")
    shot("orders")
    driver.get(base + "/orders/%d" % order1["id"])
    check("PT-100" in text() and "Đơn tháng 12" in text(), "its order with its lines")
    shot("order")
    # Which customer and deal an order is for: the command line said, the portal did not
    # (a try-out).
    adm = liaison.Client(URL, ca=CA)
    adm.login(slug, "admin@%s.example" % slug, PASSWORD)
    deal = adm.call("RegisterLead", {"distributorId": d1, "accountName": "Garage Phú Mỹ",
                                     "country": "VN", "region": "VN-SG", "title": "Má phanh",
                                     "currency": "VND"})["lead"]
    for_deal = adm.call("PlaceOrder", {"distributorId": d1, "currency": "VND",
                                       "keyAccountId": deal["keyAccountId"],
                                       "leadId": deal["id"], "lines": [
                                           {"sku": "PT-100", "quantity": 25,
                                            "unitPriceMinor": 150000}]})["order"]
    # Booked on the exporter's own deal, which the distributor cannot open: its link led to
    # "Not found" (a try-out).
    own = adm.call("RegisterLead", {"accountName": "Garage Nhà Xuất Khẩu", "country": "VN",
                                    "region": "VN-SG", "title": "Trực tiếp",
                                    "currency": "VND"})["lead"]
    on_own = adm.call("PlaceOrder", {"distributorId": d1, "currency": "VND", "leadId": own["id"],
                                     "lines": [{"sku": "PT-100", "quantity": 25,
                                                "unitPriceMinor": 150000}]})["order"]
    adm.close()
    driver.get(base + "/orders/%d" % on_own["id"])
    check("on a deal of the exporter's" in text() and "deal #%s" % own["id"] not in text()
          and not driver.find_elements(By.ID, "order-lead"),
          "an order on the exporter's deal names it without a link it may not follow (%s)"
          % text()[:300])
    driver.get(base + "/orders/%d" % for_deal["id"])
    links = [e.get_attribute("href") for e in driver.find_elements(By.ID, "order-lead")]
    check("for Garage Phú Mỹ" in text() and "deal #%s" % deal["id"] in text()
          and links and links[0].endswith("/leads/%s" % deal["id"]),
          "an order names its customer and links its deal (%s %s)" % (text()[:300], links))
    check("a shipment is late" not in text() and not driver.find_elements(By.ID, "order-late"),
          "an order with no late shipment is not flagged")
    driver.get(base + "/orders")
    late_rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "tr.overdue")]
    check(len(late_rows) == 1 and "#%d" % order3["id"] in late_rows[0]
          and "a shipment is late" in late_rows[0],
          "the order list flags the order with a late shipment, and only it (%s)" % late_rows)
    driver.get(base + "/orders/%d" % order3["id"])
    late_rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "tr.overdue")]
    check(driver.find_elements(By.ID, "order-late") and "past its arrival date" in text()
          and len(late_rows) == 1 and "Gemadept" in late_rows[0]
          and "late: past its ETA" in late_rows[0],
          "the order page says a shipment is late and marks that shipment only (%s)" % late_rows)
    shot("order-late")
    driver.get(base + "/orders/%d" % order4["id"])
    short = driver.find_elements(By.ID, "order-short")
    check(short and short[0].text
          == "Delivered short (the rest will not come): Khách hủy 8 bộ còn lại",
          "an order delivered short says why on its page (%s)" % [x.text for x in short])
    worth = driver.find_elements(By.ID, "order-delivered-value")
    check(worth and worth[0].text == "₫1,800,000" and "· delivered short" in text(),
          "and what was delivered: 12 of 20 at ₫150,000 (%s)" % [x.text for x in worth])
    driver.get(base + "/orders")
    rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "tbody tr")
            if r.text.startswith("#%d " % order4["id"])]
    check(rows and "delivered short" in rows[0] and "₫3,000,000" in rows[0]
          and "₫1,800,000 delivered" in rows[0],
          "the order list marks it delivered short, with what was delivered (%s)" % rows)
    driver.get(base + "/orders/%d" % order1["id"])
    check(not driver.find_elements(By.ID, "order-short"), "an order not delivered short does not")

    driver.get(base + "/documents")
    check("Bảng giá 2027" in text(), "the document shared with it")
    check("price sheet" in text() and "price_sheet" not in text(),
          "its kind in words, not the wire's value")
    shot("documents")
    driver.get(base + "/documents/%d" % doc)
    shot("document")
    status, headers, body = fetch("/documents/%d/content" % doc)
    check(status == 200 and body == "Giá mới — 2027", "and its content downloads")
    check(len(headers.get_all("Date") or []) == 1,
          "a download has one Date header, the server's (%s)" % headers.get_all("Date"))
    disposition = headers.get("Content-Disposition", "")
    check("filename*=UTF-8''B%E1%BA%A3ng%20gi%C3%A1%202027.txt" in disposition,
          "a download's name keeps its Vietnamese and gains the extension of its type (%s)"
          % disposition)
    status, headers, body = fetch("/documents/%d/content" % pdf_doc)
    disposition = headers.get("Content-Disposition", "")
    name = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    name = urllib.parse.unquote(name.group(1)) if name else ""
    ascii_name = re.search(r'filename="?([^";]*)', disposition)
    check(status == 200 and name.startswith("Giá") and name.endswith(".pdf")
          and not set('<>/\\"') & set(name) and ascii_name
          and not set('<>/\\') & set(ascii_name.group(1)),
          "a PDF titled with < > / \\ \" downloads as a safe name ending .pdf (%s)" % disposition)
    status, headers, body = fetch("/documents/%d/content" % wide_doc)
    disposition = headers.get("Content-Disposition", "")
    ascii_name = re.fullmatch(r'attachment; filename="([^"\\]*)"; filename\*=UTF-8\'\'\S+',
                              disposition)
    check(status == 200 and ascii_name and ascii_name.group(1).endswith(".txt")
          and "=" not in ascii_name.group(1),
          "full-width quotes in a title add no parameter to the ASCII name, which ends .txt (%s)"
          % disposition)
    status, headers, body = fetch("/documents/%d/content" % ja_doc)
    disposition = headers.get("Content-Disposition", "")
    check(status == 200 and 'filename="document.txt"' in disposition
          and "filename*=UTF-8''%E4%BE%A1%E6%A0%BC%E8%A1%A8%202027.txt" in disposition,
          "a Japanese title downloads as itself, and as document.txt for a browser that"
          " reads only ASCII names, not \" 2027.txt\" (%s)" % disposition)
    status, headers, body = fetch("/documents/%d/content?language=vi" % ja_doc)
    disposition = headers.get("Content-Disposition", "")
    check(status == 200 and body == "Giá" and "filename*=UTF-8''B%E1%BA%A3ng%20gi%C3%A1%20Nh%E1"
          "%BA%ADt%202027-vi.txt" in disposition,
          "a translation downloads under its own title (%s)" % disposition)
    driver.get(base + "/documents")
    check("価格表 2027" in text() and "Bảng giá Nhật 2027" not in text(),
          "in English the Japanese document keeps its title: no English translation has one")
    status, headers, body = fetch("/documents/%d/content" % markdown)
    check(status == 200 and body == "# Hướng dẫn" and headers.get_content_type() == "text/markdown"
          and headers["Content-Type"].lower().count("charset") == 1,
          "a Markdown document names its charset once (%s)" % headers["Content-Type"])

    # The handbook and the scorecard (issue 15, part D): generated by the server.
    driver.get(base + "/performance")
    # Its orders and leads above queued a health recompute: scored or not yet.
    check("No health score has been computed yet." in text()
          or re.search(r"Relationship health: \d+ of 100\.", text()), "its performance page")
    shot("performance")
    # Vietnamese and Japanese link titles opened English documents without a word (a try-out).
    vi_perf = html.unescape(fetch("/performance", headers={"Accept-Language": "vi"})[2])
    check("được viết bằng tiếng Anh" in vi_perf and 'id="written-in"' not in driver.page_source,
          "in Vietnamese the page says the documents are in English; in English it does not")
    status, headers, body = fetch("/performance/handbook.html")
    # Its charter was activated today: no month of it to chart, said in a
    # sentence, not twelve empty months from before it began (migration 0087).
    check(status == 200 and "Công ty Phụ tùng Sài Gòn" in body and "VN-SG" in body
          and "<svg " not in body and "no month since is over yet" in body
          and headers.get("Content-Disposition", "").startswith("inline")
          and "sandbox" in headers.get("Content-Security-Policy", "")
          and "script-src" not in headers.get("Content-Security-Policy", ""),
          "its printable handbook opens in the browser, sandboxed, with its territory and no"
          " empty charts (%s)" % headers)
    status, headers, body = fetch("/performance/handbook.md")
    check(status == 200 and body.startswith("# Relationship Operating Handbook: Công ty Phụ")
          and headers.get("Content-Disposition", "").startswith("attachment")
          and headers["Content-Type"].lower().count("charset") == 1,
          "and as Markdown, its charset named once (%s)" % headers["Content-Type"])
    status, headers, body = fetch("/performance/scorecard.html")
    check(status == 200 and "<svg " not in body and "no month since is over yet" in body,
          "its scorecard downloads, saying its months are yet to come")
    check(fetch("/performance/other.html")[0] == 404, "nothing else under /performance")

    # ---------------- notes, requests, orders, interactions ----------------
    driver.get(base + "/meetings/%d" % held)
    # The distributor writes in Vietnamese: its note was marked English (the
    # page's language) unless the reader changed it, from a fixed list.
    langs = Select(driver.find_element(By.ID, "note-language"))
    check(langs.first_selected_option.get_attribute("value") == "vi"
          and [o.get_attribute("value") for o in langs.options] == ["vi", "en"],
          "a note is offered in the distributor's language first (%s)"
          % [o.get_attribute("value") for o in langs.options])
    driver.find_element(By.ID, "body").send_keys("Đã thống nhất: gửi dự báo trước ngày 15.")
    click(driver.find_element(By.ID, "add-note"))
    check(any(n.get("language") == "vi" and n["body"].startswith("Đã thống nhất")
              for n in op_notes(held)), "and is kept as Vietnamese")
    check("Đã thống nhất: gửi dự báo trước ngày 15." in text(),
          "a note is added to a held meeting")
    authors = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "article.note p.meta")]
    check(authors and authors[-1].startswith("Trần Thị Bích ·"),
          "a note is signed with its author's name, not the e-mail (%s)" % authors)
    due = driver.find_element(By.ID, "notes-due").text
    check("Notes due by" in due and "on time" in due and "after the 24 hours" not in text(),
          "the meeting says by when its notes are due, and that they came on time (%s)" % due)
    rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#meeting-actions tbody tr")]
    check(len(rows) == 1 and "Gửi số liệu tồn kho kho Bình Dương" in rows[0]
          and "2027-01-20" in rows[0] and "open" in rows[0],
          "the meeting lists the action item written down at it, not the distributor's others"
          " (%s)" % rows)
    shot("meeting-note")
    check(driver.find_element(By.ID, "body").get_attribute("maxlength") == "100000",
          "the note's box says the server's limit")
    csrf = driver.find_element(By.NAME, "csrf_token").get_attribute("value")
    twice = {"csrf_token": csrf, "key": driver.find_element(By.NAME, "key").get_attribute("value"),
             "body": "Biên bản gửi hai lần", "language": "vi"}
    fetch("/meetings/%d/notes" % held, twice)
    status, _, body = fetch("/meetings/%d/notes" % held, twice)
    check(status == 200 and body.count("Biên bản gửi hai lần") == 1,
          "a note's form sent twice adds one note (%d, %d)"
          % (status, body.count("Biên bản gửi hai lần")))
    status, _, body = fetch("/meetings/%d/notes" % held, {"csrf_token": csrf,
                                                           "body": "東" * 8000, "language": "ja"})
    check(status == 200 and "東" * 8000 in body,
          "a note of 8,000 Japanese characters (24,000 bytes) is taken (%d)" % status)
    fetch("/meetings/%d/notes" % held, {"csrf_token": csrf, "body": "W" * 10000,
                                        "language": "en"})
    driver.get(base + "/meetings/%d" % held)
    width = driver.execute_script("return document.documentElement.scrollWidth")
    check("W" * 10000 in driver.page_source and width <= 1280,
          "a 10,000-letter word in a note wraps: the page stays %d px wide" % width)
    shot("meeting-long-note")
    # From a page made while a meeting was held (it is not): why, and what was written kept.
    status, _, body = fetch(meeting_path + "/notes", {"csrf_token": csrf, "language": "vi",
                                                      "body": "Ghi chú chưa lưu <b>đậm</b>"})
    check(status == 400 and "error-message" in body and 'id="unsaved-note"' in body
          and "Ghi chú chưa lưu &lt;b&gt;đậm&lt;/b&gt;" in body,
          "a note on a meeting not held: 400, the reason and the note shown to copy (%d %s)"
          % (status, re.findall(r'error-message[^<]*<?[^<]*', body)[:1]))
    driver.get(base + "/escalations")
    check("Tồn kho tháng 12 chưa báo cáo" in text(), "the exporter's request is shown")
    shot("escalations")
    answer_path = urllib.parse.urlparse(
        driver.find_element(By.CSS_SELECTOR, "main form").get_attribute("action")).path
    # Blank lines get past the box's "required": the server's refusal, not "answered already".
    csrf = driver.find_element(By.NAME, "csrf_token").get_attribute("value")
    status, _, body = fetch(answer_path, {"csrf_token": csrf, "text": "  \n  "})
    check(status == 400 and "answered already" not in body and "required" in body,
          "a blank answer to an open request: 400 with the server's reason (%d %s)"
          % (status, re.findall(r'error-message[^<]*<?[^<]*', body)[:1]))
    driver.find_element(By.CSS_SELECTOR, "main form textarea").send_keys("Số liệu đã gửi qua e-mail.")
    click(driver.find_element(By.CSS_SELECTOR, "main form button"))
    check("Số liệu đã gửi qua e-mail." in text() and "answered" in text(),
          "and answered from the portal")
    check(driver.find_elements(By.ID, "escalation-notice") and "Your answer is sent." in text(),
          "and the page says the answer is sent (%s)" % text()[:300])
    csrf = driver.find_element(By.NAME, "csrf_token").get_attribute("value")
    status, _, body = fetch(answer_path, {"csrf_token": csrf, "text": "Số liệu đã gửi qua e-mail."})
    check(status == 200 and "Your answer is sent." in body and body.count("Số liệu đã gửi") == 1,
          "the answer sent twice: the same confirmation, the answer once (%d)" % status)
    # Another answer from a stale form (a second tab) was confirmed as sent and dropped.
    status, _, body = fetch(answer_path, {"csrf_token": csrf, "text": "Số liệu đính chính <i>"})
    check(status == 400 and "Your answer is sent." not in body
          and "This request was answered already, with the answer shown: yours was not sent."
          in body and "Số liệu đính chính &lt;i&gt;" in body
          and body.count("Số liệu đã gửi qua e-mail.") == 1,
          "another answer to an answered request: 400, not sent, said so, what was typed shown"
          " (%d %s)" % (status, re.findall(r'error-message[^<]*<?[^<]*', body)[:1]))
    driver.get(base + "/orders/new")
    check(driver.find_element(By.ID, "currency").get_attribute("value") == "VND",
          "a Vietnamese distributor's order starts in VND")
    offered = [o.get_attribute("value") for o in
               driver.find_elements(By.CSS_SELECTOR, "datalist#products option")]
    check("PT-100" in offered and driver.find_element(By.ID, "sku0").get_attribute("list")
          == "products", "the SKU boxes offer the catalogue's products (%r)" % offered)
    # The product's own minimum is 10, the charter's for its line 20: the hint says both (it
    # said 10, and 15 was refused below 20).
    hint = driver.execute_script(
        "return document.querySelector('datalist#products option[value=\"PT-100\"]')"
        ".textContent")
    check(hint == "Má phanh · minimum 10 hộp · line PT: 20 together",
          "the suggestion gives the product's minimum and its line's (%r)" % hint)
    driver.find_element(By.ID, "sku0").send_keys("PT-100")
    driver.find_element(By.ID, "quantity0").send_keys("5")
    driver.find_element(By.ID, "price0").send_keys("1500")
    cur = driver.find_element(By.ID, "currency")
    cur.clear()
    cur.send_keys("VND")
    click(driver.find_element(By.ID, "place-order"))
    # Below PT-100's 10 and the charter's 20 for its line: the higher is said at once (0207).
    check("minimum order of 20 (charter commitment for" in text()
          and "field-error" in driver.page_source,
          "a line below the MOQ is refused on its row, naming the minimum")
    shot("order-form-error")
    csrf = driver.find_element(By.NAME, "csrf_token").get_attribute("value")
    status, _, body = fetch("/orders/new", {"csrf_token": csrf, "key": "note-" + RUN,
                                            "currency": "VND", "sku0": "PT-100",
                                            "quantity0": "25", "price0": "1500",
                                            "note": "ghi chú " * 400})
    errors = re.search(r'<ul class="error-message"[^>]*id="order-errors">(.*?)</ul>', body, re.S)
    check(status == 400 and errors and "Note: " in errors.group(1),
          "the server's refusal of a 3,200-character note is shown with its field (%d %s)"
          % (status, errors.group(1) if errors else body[-400:]))
    # 2,100 characters of four bytes each: refused by its bytes first, said
    # as the note's own bound in characters, not "at most 8000 bytes".
    status, _, body = fetch("/orders/new", {"csrf_token": csrf, "key": "note4-" + RUN,
                                            "currency": "VND", "sku0": "PT-100",
                                            "quantity0": "25", "price0": "1500",
                                            "note": "𝄞" * 2100})
    check(status == 400 and "Note: at most 2000 characters" in body and "bytes" not in body,
          "a note over its bound in bytes: its bound said in characters (%d %s)"
          % (status, re.findall(r'id="order-errors">.*?</ul>', body, re.S)[:1]))
    # A row with two boxes wrong: both said, each with its box (one hid the other, unnamed).
    status, _, body = fetch("/orders/new", {"csrf_token": csrf, "key": "rows-" + RUN,
                                            "currency": "VND", "sku0": "PT-100",
                                            "quantity0": "0", "price0": "abc"})
    said = re.findall(r'<span class="field-error">([^<]*)</span>', body)
    check(status == 400 and len(said) == 2 and said[0] == "Quantity: a whole number above 0"
          and said[1].startswith("Unit price: a price, e.g. "),
          "a row's errors are each shown, named by their box (%d %s)" % (status, said))
    status, _, body = fetch("/orders/new", {"csrf_token": csrf, "key": "big-" + RUN,
                                            "currency": "USD", "sku0": "PT-100",
                                            "quantity0": "25", "price0": "99999999999999"})
    said = re.findall(r'<span class="field-error">([^<]*)</span>', body)
    check(status == 400 and said == ["Unit price: at most $10,000,000,000,000.00"],
          "a unit price past the bound: said in dollars, not in cents (%d %s)" % (status, said))
    # A try-out: a SKU left out was said after the price, and a quantity past the bound
    # as "above 0".
    status, _, body = fetch("/orders/new", {"csrf_token": csrf, "key": "nosku-" + RUN,
                                            "currency": "VND", "sku0": "",
                                            "quantity0": "99999999999", "price0": "abc"})
    said = re.findall(r'<span class="field-error">([^<]*)</span>', body)
    check(status == 400 and said[:2] == ["SKU: required",
                                         "Quantity: a whole number from 1 to 1000000000"]
          and said[2].startswith("Unit price: "),
          "a row's errors in its boxes' order, the quantity's bound said (%d %s)"
          % (status, said))
    q = driver.find_element(By.ID, "quantity0")
    q.clear()
    q.send_keys("25")
    click(driver.find_element(By.ID, "place-order"))
    check("PT-100" in text() and "/orders/" in driver.current_url
          and "/new" not in driver.current_url, "with 25 the order is placed")
    driver.get(base + lead_path)
    check(driver.find_element(By.ID, "summary").get_attribute("maxlength") == "4000",
          "an interaction's summary says the server's bound (4000 characters)")
    driver.find_element(By.ID, "summary").send_keys("Gọi điện: khách cần báo giá trước thứ Sáu.")
    click(driver.find_element(By.ID, "log-interaction"))
    check("khách cần báo giá trước thứ Sáu" in text(), "an interaction is logged on the lead")
    # A long summary beside them: the table's short columns keep their words ("When",
    # not "W/he/n"), the summary's own cell takes the width and wraps.
    driver.execute_script("document.getElementById('summary').value = arguments[0]",
                          "Gặp anh Minh tại kho Bình Dương, đội xe 40 chiếc cần má phanh. " * 25)
    click(driver.find_element(By.ID, "log-interaction"))
    cut = driver.execute_script(CUT_WORDS)
    check("đội xe 40 chiếc" in text() and not cut,
          "beside a long summary no word in the table is cut (%s, %d px wide)"
          % (cut[:8], driver.execute_script("return window.innerWidth")))
    Select(driver.find_element(By.ID, "stage")).select_by_value("qualified")
    click(driver.find_element(By.ID, "set-stage"))
    check("qualified" in driver.find_element(By.CSS_SELECTOR, "dl.facts").text,
          "the lead moves to qualified")
    # A mistyped value and a close date that slipped are corrected on the deal's page
    # (UpdateLead, migration 0118); the date box is set as a date picker sets it.
    fill("correct-value", "1,300.75")
    driver.execute_script("document.getElementById('correct-close').value = '2027-05-31'")
    click(driver.find_element(By.ID, "correct-lead"))
    facts = driver.find_element(By.CSS_SELECTOR, "dl.facts").text
    check("$1,300.75" in facts and "2027-05-31" in facts and "qualified" in facts
          and "Má phanh cho đội xe" in text(),
          "the distributor corrects its deal's value and expected close (%s)" % facts)
    fill("correct-value", "12.345")
    click(driver.find_element(By.ID, "correct-lead"))
    check("e.g. 1,250.50" in text() and "$1,300.75" in driver.find_element(
        By.CSS_SELECTOR, "dl.facts").text,
          "a value with a cent too many is refused beside the box, nothing changed (%s)"
          % text()[-400:])
    status, _, body = fetch(lead_path + "/correct", {"csrf_token": csrf_of(driver.page_source),
                                                     "value": "", "expected_close": ""})
    check(status == 400 and "Nothing to change" in body,
          "a correction with nothing in it is refused (%d)" % status)
    driver.get(base + "/orders/%d" % order1["id"])
    # Cancelling is final: it was one click (a try-out), and is asked again now.
    staff = liaison.Client(URL, ca=CA)
    staff.login(slug, "admin@%s.example" % slug, PASSWORD)
    click(driver.find_element(By.ID, "cancel-order"))
    ask = driver.find_elements(By.ID, "confirm-cancel")
    check(ask and ("Cancel order #%d? A cancelled order stays cancelled" % order1["id"])
          in ask[0].text and staff.call("GetOrder", {"id": order1["id"]})["order"]["status"]
          == "placed", "Cancel this order asks first, and cancels nothing yet (%s)"
          % [x.text for x in ask])
    click(driver.find_element(By.ID, "confirm-cancel-no"))
    check(driver.find_elements(By.ID, "cancel-order") and not driver.find_elements(
        By.ID, "confirm-cancel") and staff.call("GetOrder", {"id": order1["id"]})["order"]["status"]
          == "placed", "Keep the order keeps it")
    click(driver.find_element(By.ID, "cancel-order"))
    click(driver.find_element(By.ID, "confirm-cancel-yes"))
    check("cancelled" in text() and not driver.find_elements(By.ID, "cancel-order"),
          "its own placed order is cancelled from the portal")
    staff.close()
    check(driver.find_elements(By.ID, "order-notice") and "The order is cancelled." in text(),
          "and the page says so (%s)" % text()[:300])
    csrf = driver.find_element(By.NAME, "csrf_token").get_attribute("value")
    status, _, body = fetch("/orders/%d/cancel" % order1["id"], {"csrf_token": csrf})
    check(status == 200 and "The order is cancelled." in body and "cannot become" not in body,
          "Cancel sent twice: the same confirmation, not a refusal (%d)" % status)
    status, headers, body = fetch("/calendar.ics")
    check(status == 200 and body.startswith("BEGIN:VCALENDAR")
          and "Họp khẩn về tồn kho" in body and headers.get_content_type() == "text/calendar",
          "its meetings download as a calendar")

    # ---------------- monthly report and targets ----------------
    adm = liaison.Client(URL, ca=CA)
    adm.login(slug, "admin@%s.example" % slug, PASSWORD)
    adm.call("SetTarget", {"distributorId": d1, "productLineId": line, "period": "2099-Q2",
                           "units": 300})
    adm.close()
    # The other distributor has no charter to open one with: its report is written as the owner.
    other_report = t.psql("INSERT INTO monthly_reports (tenant_id, distributor_id, period, due_on,"
                          " market_intelligence, created_by, created_at, updated_by, updated_at)"
                          " SELECT tenant_id, id, '2099-04-01', '2099-05-10', '東京の市場情報',"
                          " 'x', now(), 'x', now() FROM distributors WHERE id = %d RETURNING id"
                          % d2).split()[0]
    driver.get(base + "/reports")
    check("2099-Q2" in text() and "300" in text(), "its targets are on the reports page")
    period = driver.find_element(By.ID, "period")
    period.clear()
    period.send_keys("2099-13")
    click(driver.find_element(By.ID, "open-report"))
    check("error-message" in driver.page_source, "a month that is none is refused with a sentence")
    check("(%s)" % LAST_MONTH in text() and "2027-03" not in text(),
          "its example is last month, one a report is opened for (%s)" % text()[-300:])
    period = driver.find_element(By.ID, "period")
    period.clear()
    period.send_keys("2099-04")
    click(driver.find_element(By.ID, "open-report"))
    check("a month that has begun" in text(),
          "a month to come is refused with the server's reason (%s)" % text()[-300:])
    period = driver.find_element(By.ID, "period")
    period.clear()
    period.send_keys(REPORT_MONTH)
    click(driver.find_element(By.ID, "open-report"))
    report_path = urllib.parse.urlparse(driver.current_url).path
    check(REPORT_MONTH in text() and REPORT_DUE in text() and "Má phanh cho đội xe" in text(),
          "the month's draft opens, due on the charter's day, its pipeline from its leads")
    driver.find_element(By.ID, "units_%d" % line).send_keys("120")
    driver.find_element(By.ID, "revenue_%d" % line).send_keys("18000000")
    driver.find_element(By.ID, "onhand_%d" % line).send_keys("45")
    cur = driver.find_element(By.ID, "currency_%d" % line)
    cur.clear()
    cur.send_keys("VND")
    driver.find_element(By.ID, "market_intelligence").send_keys(
        "Nhu cầu má phanh tăng trước mùa mưa; 日系ブランドが値下げ")
    driver.find_element(By.ID, "competitor0").send_keys("Phanh Hàn Quốc")
    driver.find_element(By.ID, "activity0").send_keys("Giảm giá 8% cho gara")
    # The line a competitor's activity was about could be given by the CLI only (a try-out).
    Select(driver.find_element(By.ID, "competitor_line0")).select_by_value(str(line))
    click(driver.find_element(By.ID, "save-report"))
    check("Phanh Hàn Quốc" in driver.page_source and "18000000" in driver.page_source,
          "the draft is saved with its sales, stock and competitor")
    check(Select(driver.find_element(By.ID, "competitor_line0")).first_selected_option
          .get_attribute("value") == str(line)
          and Select(driver.find_element(By.ID, "competitor_line1")).first_selected_option
          .get_attribute("value") == "",
          "with the product line chosen for it, and none for the empty row")
    shot("report")
    typed_mi = "Thị trường tốt, giữ lại văn bản này — 市場は好調"
    fill("units_%d" % line, "abc")
    fill("market_intelligence", typed_mi)
    click(driver.find_element(By.ID, "save-report"))
    check("whole number" in text()
          and driver.find_element(By.ID, "units_%d" % line).get_attribute("value") == "abc"
          and driver.find_element(By.ID, "market_intelligence").get_attribute("value")
          == typed_mi
          and driver.find_element(By.ID, "currency_%d" % line).get_attribute("value") == "VND",
          "a bad number: the report's form comes back as typed, with why")
    # From the portal try-out of 2026-12: "0 or more", and a figure too large says its bound.
    fill("units_%d" % line, "120")
    fill("onhand_%d" % line, "-3")
    click(driver.find_element(By.ID, "save-report"))
    check("PT: stock on hand is a whole number, 0 or more." in text(),
          "stock on hand below 0: said to be a whole number, 0 or more (%s)" % text()[:300])
    fill("onhand_%d" % line, "45")
    fill("revenue_%d" % line, "99999999999999999999")
    click(driver.find_element(By.ID, "save-report"))
    check("at most 1,000,000,000,000,000 units and ₫1,000,000,000,000,000 of revenue" in text()
          and "whole number" not in text(),
          "a revenue far too large: said so, with the bound (%s)" % text()[:300])
    fill("revenue_%d" % line, "18000000")
    fill("currency_%d" % line, "XYZ")
    click(driver.find_element(By.ID, "save-report"))
    check("error-message" in driver.page_source
          and driver.find_element(By.ID, "market_intelligence").get_attribute("value")
          == typed_mi
          and driver.find_element(By.ID, "currency_%d" % line).get_attribute("value") == "XYZ"
          and driver.find_element(By.ID, "competitor0").get_attribute("value")
          == "Phanh Hàn Quốc",
          "a currency the server refuses: the form comes back as typed, with why (%s)"
          % text()[:300])
    shot("report-refused")
    fill("currency_%d" % line, "VND")
    fill("market_intelligence", "Nhu cầu má phanh tăng trước mùa mưa; 日系ブランドが値下げ")
    click(driver.find_element(By.ID, "save-report"))
    check(driver.find_element(By.ID, "market_intelligence").get_attribute("maxlength")
          == "20000" and "error-message" not in driver.page_source,
          "saved again; market intelligence says the server's limit")
    fill("activity0", "")
    click(driver.find_element(By.ID, "save-report"))
    check("What competitor 1 did: required" in text()
          and driver.find_element(By.ID, "competitor0").get_attribute("value")
          == "Phanh Hàn Quốc",
          "a competitor without what it did: the server's refusal names the field, the form "
          "kept (%s)" % text()[:400])
    fill("activity0", "Giảm giá 8% cho gara")
    # From the distributor try-out (/tmp/pre-dist.md): a report opened before
    # any deal was registered has an empty pipeline, which the portal had no
    # way to fill, so Submit was refused for good; and a competitor reported
    # against a product line (CLI, binding) lost its line when the portal saved.
    rid = int(report_path.rsplit("/", 1)[1])
    du = liaison.Client(URL, ca=CA)
    du.login(slug, "portal@saigon.example", PASSWORD)
    du.call("SaveReport", {"id": rid, "sections": ["pipeline", "competitive_activity"],
                           "pipeline": [], "competition": [{
                               "competitor": "Phanh Hàn Quốc", "productLineId": line,
                               "activity": "Giảm giá 8% cho gara"}]})
    driver.get(base + report_path)
    check("No open opportunities." in text() and driver.find_elements(By.ID, "refresh-pipeline"),
          "a draft with an empty pipeline offers to take it from the open leads")
    click(driver.find_element(By.ID, "save-report"))
    comp = du.call("GetReport", {"id": rid})["report"].get("competition", [])
    check(len(comp) == 1 and comp[0].get("productLineId") == line,
          "saved from the portal, a competitor keeps its product line (%r)" % comp)
    click(driver.find_element(By.ID, "refresh-pipeline"))
    pipe = du.call("GetReport", {"id": rid})["report"].get("pipeline", [])
    check("Má phanh cho đội xe" in [p["title"] for p in pipe] and "error-message"
          not in driver.page_source,
          "the pipeline is taken again from the open leads (%r)" % pipe)
    du.call("SaveReport", {"id": rid, "sections": ["pipeline"], "pipeline": []})
    # Another of its users saves while this form is open: the form's save is
    # refused, and so is the same form sent again from the page that says so
    # (it keeps the revision it was made from), until it is reloaded.
    driver.get(base + report_path)
    mi = du.call("GetReport", {"id": rid})["report"].get("marketIntelligence", "")
    du.call("SaveReport", {"id": rid, "sections": ["market_intelligence"],
                           "marketIntelligence": "Lan đã sửa"})
    fill("units_%d" % line, "777")
    click(driver.find_element(By.ID, "save-report"))
    refused = "error-message" in driver.page_source
    error = driver.find_element(By.CLASS_NAME, "error-message").text if refused else ""
    # The same user saved it from elsewhere: "you", not their own e-mail as someone else's.
    check("You saved this report again after opening this page" in error
          and "portal@saigon.example" not in error and "revision" not in error
          and "user:" not in error and driver.find_element(By.ID, "units_%d" % line)
          .get_attribute("value") == "777",
          "the refusal says who saved, without revisions or ids, what was typed kept (%s)"
          % error)
    click(driver.find_element(By.ID, "save-report"))
    kept = du.call("GetReport", {"id": rid})["report"]
    check(refused and "error-message" in driver.page_source
          and kept.get("marketIntelligence") == "Lan đã sửa"
          and "777" not in [str(x.get("units")) for x in kept.get("sales", [])],
          "a form made before another user's save is refused, and refused again when sent"
          " twice: nothing of theirs is overwritten (%s)" % text()[:300])
    du.call("SaveReport", {"id": rid, "sections": ["market_intelligence"],
                           "marketIntelligence": mi})
    du.close()
    # Zeros: a line with none sold and none on hand shows 0 after its save (a
    # 0 is left out of the server's answer), and the form saves again as shown.
    driver.get(base + report_path)
    boxes = ("units_%d" % line, "revenue_%d" % line, "onhand_%d" % line)
    before = [driver.find_element(By.ID, b).get_attribute("value") for b in boxes]
    for b in boxes:
        fill(b, "0")
    click(driver.find_element(By.ID, "save-report"))
    shown = [driver.find_element(By.ID, b).get_attribute("value") for b in boxes]
    check("error-message" not in driver.page_source and shown == ["0", "0", "0"],
          "zeros saved show as 0 (%r)" % shown)
    click(driver.find_element(By.ID, "save-report"))
    check("error-message" not in driver.page_source, "and the untouched form saves again (%s)"
          % text()[:300])
    fill("units_%d" % line, "")
    fill("revenue_%d" % line, "5")
    click(driver.find_element(By.ID, "save-report"))
    check("error-message" not in driver.page_source
          and driver.find_element(By.ID, "units_%d" % line).get_attribute("value") == "0",
          "a revenue without units is none sold, not a refusal")
    fill("units_%d" % line, "120")
    fill("revenue_%d" % line, "")
    click(driver.find_element(By.ID, "save-report"))
    error = driver.find_elements(By.CLASS_NAME, "error-message")
    check(error and "give the revenue of the units sold (0 for none)" in error[0].text
          and driver.find_element(By.ID, "units_%d" % line).get_attribute("value") == "120",
          "units sold with the revenue left blank are refused, not saved at no revenue (%s)"
          % [e.text for e in error])
    for b, v in zip(boxes, before):
        fill(b, v)
    click(driver.find_element(By.ID, "save-report"))
    # A month with no open opportunity could not be submitted but with a made-up row (a
    # try-out): a section is ticked as having nothing to report, and unticked again.
    driver.find_element(By.ID, "nothing_pipeline").click()
    click(driver.find_element(By.ID, "save-report"))
    du = liaison.Client(URL, ca=CA)
    du.login(slug, "portal@saigon.example", PASSWORD)
    declared = du.call("GetReport", {"id": rid})["report"]
    check("error-message" not in driver.page_source
          and driver.find_element(By.ID, "nothing_pipeline").is_selected()
          and declared.get("nothingToReport") == ["pipeline"] and not declared.get("pipeline"),
          "ticking 'No open opportunities' declares the pipeline empty (%s %s)"
          % (declared.get("nothingToReport"), text()[:300]))
    driver.find_element(By.ID, "nothing_pipeline").click()
    click(driver.find_element(By.ID, "save-report"))
    check(not du.call("GetReport", {"id": rid})["report"].get("nothingToReport")
          and not driver.find_element(By.ID, "nothing_pipeline").is_selected(),
          "and unticking it takes the declaration back")
    du.close()
    # Typed and not saved: submitting sends the form, and keeps it.
    fill("units_%d" % line, "130")
    click(driver.find_element(By.ID, "submit-report"))
    body = text()
    check("submitted" in body and "日系ブランドが値下げ" in body and "Phanh Hàn Quốc" in body
          and not driver.find_elements(By.ID, "save-report"),
          "the report is submitted and no longer edited (%r)" % body[-300:])
    check("Má phanh cho đội xe" in body and "Phanh Hàn Quốc (PT)" in body,
          "an empty pipeline is taken from the open leads on Submit, and the competitor "
          "shows its line (%r)" % body[-400:])
    sold = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "main table")[0]
            .find_elements(By.CSS_SELECTOR, "tbody tr")]
    check(any(r.split()[1:2] == ["130"] for r in sold),
          "the units typed just before Submit are in what was submitted (%r)" % sold)
    rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "table tr")]
    check(any(r.split()[-1:] == ["45"] for r in rows),
          "the submitted report shows the stock on hand as entered (%r)" % rows)
    # The draft's form sent again (Back, then Save) after the submission: nothing typed is
    # kept on a page that no longer has the form, and the refusal does not claim it is.
    csrf = driver.find_element(By.NAME, "csrf_token").get_attribute("value")
    status, _, body = fetch(report_path + "/save", {"csrf_token": csrf, "currency": "VND",
                                                    "revision": "1", "units_%d" % line: "5",
                                                    "revenue_%d" % line: "50000"})
    check(status == 400 and "You changed this report after opening this page" in body
          and "kept below" not in body,
          "a stale form after the submission: refused without promising to keep it (%d %s)"
          % (status, re.findall(r'error-message[^<]*<?[^<]*', body)[:1]))
    driver.get(base + "/reports")
    check(REPORT_MONTH in text(), "and listed")
    # Won only now: the report above takes its pipeline from the open leads.
    driver.get(base + lead_path)
    Select(driver.find_element(By.ID, "stage")).select_by_value("won")
    click(driver.find_element(By.ID, "set-stage"))
    # Won is final: asked once more, and "keep it open" leaves it as it was.
    asked = driver.find_elements(By.ID, "confirm-stage")
    check(asked and "Won and lost are final" in asked[0].text
          and "won" not in driver.find_element(By.CSS_SELECTOR, "dl.facts").text,
          "won asks to be confirmed before the lead is closed (%s)" % text()[:300])
    click(driver.find_element(By.ID, "confirm-stage-no"))
    check("won" not in driver.find_element(By.CSS_SELECTOR, "dl.facts").text
          and driver.find_elements(By.ID, "set-stage")
          and not driver.find_elements(By.ID, "confirm-stage"),
          "keeping it open leaves the lead open")
    Select(driver.find_element(By.ID, "stage")).select_by_value("won")
    click(driver.find_element(By.ID, "set-stage"))
    click(driver.find_element(By.ID, "confirm-stage-yes"))
    check("won" in driver.find_element(By.CSS_SELECTOR, "dl.facts").text
          and not driver.find_elements(By.ID, "set-stage") and "final" in text(),
          "the lead is won, and a won lead offers no further stage (%s)" % text()[:300])
    shot("reports")
    driver.get(base + "/reports/%s" % other_report)
    status, _, body = fetch("/reports/%s" % other_report)
    check(status == 404 and "東京の市場情報" not in driver.page_source
          and "東京の市場情報" not in body, "another distributor's report by URL: 404, no data")
    # A submitted report says which sections had nothing to report (migration 0172): a month
    # eight months back, outside what the health reads (the last six months, stock cover three).
    du = liaison.Client(URL, ca=CA)
    du.login(slug, "portal@saigon.example", PASSWORD)
    back = _now.tm_year * 12 + _now.tm_mon - 1 - 8
    quiet = du.call("OpenReport", {"period": "%04d-%02d" % (back // 12, back % 12 + 1)})[
        "report"]["id"]
    du.call("SaveReport", {"id": quiet, "nothingToReport": [
        "sales_by_line", "inventory_on_hand", "pipeline", "market_intelligence",
        "competitive_activity"]})
    # Submitted from the portal with a deal open: "No open opportunities" was
    # undone on Submit, the pipeline filled with today's open deals (a try-out).
    du.call("RegisterLead", {"accountName": "Garage Còn Mở", "country": "VN", "region": "VN-SG",
                             "title": "Phanh cho xe khách", "valueMinor": 700,
                             "currency": "USD"})
    status, _, body = fetch("/reports/%s" % quiet)
    status, _, body = fetch("/reports/%s/submit" % quiet, {"csrf_token": csrf_of(body)})
    sent = du.call("GetReport", {"id": quiet})["report"]
    check(status == 200 and sent.get("status") == "submitted"
          and "pipeline" in sent.get("nothingToReport", []) and not sent.get("pipeline"),
          "submitted from the portal, a pipeline declared empty stays so (%d %s)"
          % (status, {k: sent.get(k) for k in ("status", "nothingToReport", "pipeline")}))
    # A deal whose value is not known yet read as worth ₫0 (a try-out): a dash, as the CLI's.
    unpriced = du.call("RegisterLead", {"accountName": "Garage Chưa Giá", "country": "VN",
                                        "region": "VN-SG", "title": "Chưa báo giá",
                                        "currency": "VND"})["lead"]["id"]
    status, _, body = fetch("/leads", headers={"Accept-Language": "vi"})
    row = next((html.unescape(r) for r in body.split("<tr") if "Garage Chưa Giá" in
                html.unescape(r)), "")
    status2, _, body2 = fetch("/leads/%s" % unpriced, headers={"Accept-Language": "vi"})
    check(status == status2 == 200 and "<td class=\"num\">—</td>" in row and "₫" not in row
          and "—</dd>" in html.unescape(body2) and "0 ₫" not in html.unescape(body2),
          "a deal without a value shows a dash on the deals and the deal's page (%d %d %s)"
          % (status, status2, row))
    until = du.call("GetLead", {"id": unpriced})["lead"].get("protectedUntil", "")
    check(until and "<dt>Được bảo hộ trước các nhà phân phối khác đến ngày</dt><dd>%s (giờ UTC)"
          "</dd>" % until in html.unescape(body2),
          "the deal's page says until when its registration protects the customer (%s)" % until)
    du.close()
    status, _, body = fetch("/reports/%s" % quiet, headers={"Accept-Language": "en"})
    check(status == 200 and "Nothing to report this month: sales by product line, inventory on "
          "hand, pipeline, market intelligence, competitive activity" in html.unescape(body),
          "a submitted report with nothing to report says so (%d %s)" % (status, body[-500:]))

    # ---------------- other people's data by URL ----------------
    for what, oid, secret in (("another distributor's", order2["id"], "東京の注文"),
                              ("another tenant's", order_b["id"], "SECRET-B")):
        driver.get(base + "/orders/%d" % oid)
        status, _, body = fetch("/orders/%d" % oid)
        check(status == 404 and "Not found" in text() and secret not in driver.page_source
              and secret not in body, "%s order by URL: the 404 page, no data" % what)
    shot("not-found")
    status, _, _ = fetch("/meetings/%d" % 2**62)
    check(status == 404, "an id nobody has: 404")

    # ---------------- input that is none: 400 or 404, never 500 ----------------
    for path in ("/reports/0", "/meetings/99999999999999999999999", "/orders/-1"):
        status, _, body = fetch(path)
        check(status == 404 and "Not found" in body, "%s: 404 (%d)" % (path, status))
    status, _, body = fetch("/plans?year=9999")
    check(status == 400 and "2000 to 2100" in body, "a year the server refuses: 400, and why")
    status, _, body = fetch("/plans?year=0000")
    check(status == 400 and "2000 to 2100" in body and "for 0000" not in body
          and 'value="0000"' not in body, "year 0000 is refused on the page, not taken for"
          " every year's plans nor offered as a plan's year (%d)" % status)
    driver.get(base + "/orders/new")
    csrf = driver.find_element(By.NAME, "csrf_token").get_attribute("value")
    for units, revenue in (("²", "10"), ("1", "1e400"), ("1" * 40, "10")):
        status, _, body = fetch(report_path + "/save", {
            "csrf_token": csrf, "currency": "VND", "units_%d" % line: units,
            "revenue_%d" % line: revenue})
        check(status == 400 and ("at most 1,000,000,000,000,000 units" in body
                                 if len(units) >= 40 else
                                 "the revenue 1e400 is not an amount" in body if units == "1"
                                 else "whole number" in body),
              "a report's units %r and revenue %r: 400, the form says why (%d)"
              % (units, revenue, status))
    # Past the server's bound the page said only "at most 1000000000000000":
    # no line, and the amount in minor units.
    status, _, body = fetch(report_path + "/save", {
        "csrf_token": csrf, "currency": "VND", "units_%d" % line: "10",
        "revenue_%d" % line: "2000000000000000"})
    check(status == 400 and "PT: at most 1,000,000,000,000,000 units and "
          "₫1,000,000,000,000,000 of revenue." in body,
          "a revenue past 10^15: 400, naming the line and the bound in the currency (%d %s)"
          % (status, re.findall(r'error-message[^<]*<?[^<]*', body)[:1]))
    status, _, body = fetch("/orders/new", {"csrf_token": csrf, "key": "k-" + RUN,
                                            "currency": "VND", "sku0": "PT-100",
                                            "quantity0": "25", "price0": "1e400"})
    check(status == 400 and "a price" in body and 'value="1e400"' in body,
          "an order's price 1e400: 400, the form kept (%d)" % status)
    status, _, body = fetch("/leads/new", {"csrf_token": csrf, "account_name": "Garage 1e400",
                                           "country": "VN", "title": "x", "value": "1e400",
                                           "currency": "USD"})
    check(status == 400 and "an amount, 0 or more" in body and "Garage 1e400" in body,
          "a lead's value 1e400: 400, the form kept (%d)" % status)
    # A product line's box sent with a value no list gives (an attacker's review): the
    # deal was registered with no lines.
    status, _, body = fetch("/leads/new", {"csrf_token": csrf, "account_name": "Garage 10^23",
                                           "country": "VN", "title": "x", "currency": "VND",
                                           "lines": "99999999999999999999999"})
    check(status == 400 and "not one of the product lines listed" in body,
          "a product line id out of range: 400, named, nothing registered (%d)" % status)
    # From the portal try-out of 2026-12: a blank deal form names every
    # field missing at once; a title far too long, a value too large say their bounds.
    status, _, body = fetch("/leads/new", {"csrf_token": csrf, "account_name": "",
                                           "country": "VN", "title": "", "currency": "VND"})
    beside = re.findall(r'<input id="([a-z_]+)"[^>]*>\s*<span class="field-error">([^<]*)<',
                        body)
    check(status == 400 and ("account_name", "required") in beside
          and ("title", "required") in beside,
          "a blank deal form: the customer and the deal both flagged at once (%d %s)"
          % (status, beside))
    status, _, body = fetch("/leads/new", {"csrf_token": csrf, "account_name": "Garage dài",
                                           "country": "VN", "title": "x" * 10000,
                                           "currency": "VND", "value": "9" * 25})
    beside = dict(re.findall(r'<input id="([a-z_]+)"[^>]*>\s*<span class="field-error">([^<]*)<',
                             body))
    check(status == 400 and beside.get("title") == "at most 200 characters"
          and "far too long" not in body
          and beside.get("value") == "at most ₫1,000,000,000,000,000"
          and 'value="Garage dài"' in body,
          "a 10,000-character deal title and a value too large: each says its bound (%d %s)"
          % (status, beside))
    # Below the largest integer but above the server's bound: the same bound, in the currency,
    # not the server's bare "at most 1000000000000000" (a try-out).
    status, _, body = fetch("/leads/new", {"csrf_token": csrf, "account_name": "Garage dài",
                                           "country": "VN", "title": "x", "currency": "VND",
                                           "value": "10000000000000000"})
    beside = dict(re.findall(r'<input id="([a-z_]+)"[^>]*>\s*<span class="field-error">([^<]*)<',
                             body))
    check(status == 400 and beside.get("value") == "at most ₫1,000,000,000,000,000",
          "a value past the server's bound: said in the currency (%d %s)" % (status, beside))

    # ---------------- past meetings, and when notes can be added ----------------
    status, _, body = fetch("/meetings?past=1")
    shown = re.findall(r'<a href="/meetings/([0-9]+)">([^<]*)</a>', body)
    check(status == 200 and [m for m in shown if m[1] == "Họp khẩn về tồn kho"]
          and [m for m in shown if m[1] == "Họp đột xuất về tồn kho"]
          and shown.index(next(m for m in shown if m[1] == "Họp khẩn về tồn kho"))
          < shown.index(next(m for m in shown if m[1] == "Họp đột xuất về tồn kho")),
          "the past meetings view lists the last weeks' meetings, newest first (%s)" % shown)
    check('id="meetings-past" href="/meetings?past=1"' in fetch("/meetings")[2],
          "the meetings list offers the past meetings")
    scheduled = next(m[0] for m in shown if m[1] == "Họp đột xuất về tồn kho")
    body = fetch("/meetings/%s" % scheduled)[2]
    check("once the meeting has been held and the exporter has marked it held" in body
          and "within 24 hours of the meeting’s end" in body and 'id="add-note"' not in body,
          "a scheduled meeting says when notes can be added, and by when")

    # ---------------- a plan for the coming year in the last quarter ----------------
    local = time.gmtime(time.time() + 7 * 3600)  # the distributor's Asia/Ho_Chi_Minh
    body = fetch("/plans")[2]
    offered = re.search(r'name="year" value="([0-9]+)">\s*<p class="meta">[^<]*</p>\s*'
                        r'<button type="submit" id="new-plan-next">', body)
    check((offered and offered.group(1) == str(local.tm_year + 1)) if local.tm_mon >= 10
          else not offered,
          "in the last quarter the coming year's plan is offered too (month %d: %s)"
          % (local.tm_mon, offered.group(1) if offered else None))
    # In December "no plan for this year" hid the approved plan for January on
    # (a try-out): with none for this year, the list opens on the coming year's.
    this_year = local.tm_year
    adm = liaison.Client(URL, ca=CA)
    adm.login(slug, "admin@%s.example" % slug, PASSWORD)
    check(not adm.call("ListPlans", {"distributorId": d1, "year": this_year,
                                     "page": {"pageSize": 1}}).get("plans"),
          "(no plan of %d yet for the next check)" % this_year)
    check('name="year" value="%d"' % this_year in fetch("/plans")[2],
          "with no plan this year nor the next, /plans opens on this year")
    adm.call("CreatePlan", {"distributorId": d1, "year": this_year + 1})
    adm.close()
    body = fetch("/plans")[2]
    check('name="year" value="%d"' % (this_year + 1) in body
          and "%d · revision 1" % (this_year + 1) in body,
          "with none this year, /plans opens on the coming year's plan (%s)"
          % re.findall(r'name="year" value="[0-9]+"', body))
    # A year before the relationship (it began on 2026-01-01) is not offered, and one
    # posted anyway is refused in the reader's words, not the server's English.
    body = fetch("/plans?year=2025")[2]
    check('id="plan-before-start"' in body and "2026-01-01" in body
          and 'id="new-plan"' not in body,
          "a year before the relationship offers no plan to draft, and says why")
    status, _, body = fetch("/plans", {"csrf_token": csrf_of(body), "year": "2025"})
    err = re.findall(r'error-message" role="alert">([^<]*)', body)
    check(status == 400 and err and "2026-01-01" in err[0]
          and "a year of the relationship" not in err[0],
          "a plan for 2025 posted anyway is refused in the page's language (%s)" % err)
    # A new revision posted without a year opened this year's without a word (a try-out).
    adm = liaison.Client(URL, ca=CA)
    adm.login(slug, "admin@%s.example" % slug, PASSWORD)
    plans_before = len(adm.call("ListPlans", {"distributorId": d1}).get("plans", []))
    status, _, body = fetch("/plans", {"csrf_token": csrf_of(body), "year": ""})
    err = re.findall(r'error-message" role="alert">([^<]*)', body)
    check(status == 400 and err and "Give the year of the plan" in err[0]
          and len(adm.call("ListPlans", {"distributorId": d1}).get("plans", []))
          == plans_before, "a new plan posted without a year is refused, none made (%s)" % err)
    adm.close()

    # ---------------- the server's reasons, worded ----------------
    status, _, body = fetch("/documents/%d/content?language=../../etc" % doc)
    check(status == 400 and "Language: not a language code such as vi, ja or en-GB" in body
          and "BCP 47" not in body,
          "a language that is none: named and worded (%d %s)"
          % (status, re.findall(r'error-message">[^<]*', body)))

    # ---------------- CSRF ----------------
    status, _, body = fetch("/leads/new", {"account_name": "CSRF Ltd", "country": "VN",
                                           "title": "x", "value": "1", "currency": "USD"})
    check(status == 400 and "expired" in body, "a form posted without its CSRF token is refused")
    status, _, _ = fetch("/logout", {"csrf_token": "forged"})
    driver.get(base + "/leads")
    check(status == 400 and "CSRF Ltd" not in text() and "Garage Thủ Đức" in text(),
          "a forged token neither writes nor signs out")

    # ---------------- signed out in another tab ----------------
    two_tabs = http.cookiejar.CookieJar()
    sign_in(two_tabs, "portal@saigon.example")
    stale = csrf_of(fetch("/meetings/%d" % held, jar=two_tabs)[2])
    fetch("/logout", {"csrf_token": stale}, jar=two_tabs)
    status, headers, body = fetch("/meetings/%d/notes" % held, {
        "csrf_token": stale, "body": "Viết ở thẻ thứ hai\n<b>không mất</b>", "language": "vi"},
        jar=two_tabs)
    again = re.search(r'id="sign-in-again" href="([^"]+)"', body)
    where = html.unescape(again.group(1)) if again else ""
    check(status == 401 and "Not saved: you were signed out" in body
          and "Viết ở thẻ thứ hai\n&lt;b&gt;không mất&lt;/b&gt;</textarea>" in body
          and "expired" not in body and where.startswith("/login?")
          and urllib.parse.parse_qs(urllib.parse.urlsplit(where).query).get("next")
          == ["/meetings/%d" % held],
          "a note sent after signing out in another tab: not saved, and what was typed is "
          "given back to copy, with a way to sign in and back (%d %s)" % (status, body[-700:]))
    check(not [n for n in op_notes(held) if n["body"].startswith("Viết ở thẻ thứ hai")],
          "and nothing of it is saved")
    status, headers, _ = fetch("/meetings/%d/notes" % held, {"csrf_token": stale,
                                                              "body": "Viết ở thẻ thứ hai"},
                               jar=two_tabs, headers={"Origin": "http://other.example"})
    where = headers.get("Location", "")
    check(status == 303 and "signed_out=1" in where,
          "one sent from another site shows nothing of it: sign in, then back (%d %s)"
          % (status, where))
    status, headers, _ = fetch("/meetings/%d/notes" % held, {"csrf_token": stale,
                                                              "body": "Viết ở thẻ thứ hai"},
                               jar=two_tabs, headers={"Sec-Fetch-Site": "cross-site",
                                                      "Origin": "http://127.0.0.1"})
    check(status == 303, "... as the browser's Fetch Metadata says, whatever Origin (%d)" % status)
    # Behind a proxy that sends its own Host, Origin's host is not the one asked for; the
    # browser's Sec-Fetch-Site still says the page was the portal's own (a review).
    status, _, body = fetch("/meetings/%d/notes" % held, {"csrf_token": stale,
                                                           "body": "Viết sau proxy"},
                            jar=two_tabs, headers={"Sec-Fetch-Site": "same-origin",
                                                   "Origin": "https://portal.example"})
    check(status == 401 and "Viết sau proxy" in body,
          "a form from the portal's own page behind a proxy is given back too (%d)" % status)
    status, headers, _ = fetch("/actions/%s/done" % exporters_item, {"csrf_token": stale},
                               jar=two_tabs)
    where = headers.get("Location", "")
    check(status == 303 and where.startswith("/login?")
          and urllib.parse.parse_qs(urllib.parse.urlsplit(where).query).get("next")
          == ["/actions"],
          "a button with nothing typed goes to sign in, then back (%d %s)" % (status, where))
    body = fetch(where, jar=two_tabs)[2]
    check("You were signed out" in body and "expired" not in body,
          "and says the user was signed out, not that the form expired")
    check(sign_in(two_tabs, "portal@saigon.example", "/meetings/%d" % held)
          == (302, "/meetings/%d" % held), "signed in again, back on the meeting")

    # ---------------- idle past IDLE_SECONDS with a report being typed ----------------
    from liaison_portal.sessions import IDLE_SECONDS, _key  # noqa: E402
    idle = http.cookiejar.CookieJar()
    sign_in(idle, "portal@saigon.example")
    form = fetch(report_path, jar=idle)[2]
    idle_sid = next(c.value for c in idle if c.name == "liaison_portal")
    db = sqlite3.connect(os.path.join(sessions, "s.sqlite3"))
    with db:
        db.execute("UPDATE sessions SET seen = seen - ? WHERE key = ?",
                   (IDLE_SECONDS + 60, _key(idle_sid)))
    db.close()
    long_text = "Thị trường miền Nam: " + "nhu cầu má phanh tăng mạnh. " * 200
    status, _, body = fetch(report_path + "/save", {
        "csrf_token": csrf_of(form), "revision": "1", "currency": "VND",
        "units_%d" % line: "77", "market_intelligence": long_text,
        "competitor": "Phanh Hàn Quốc", "activity": "Giảm giá 9%"}, jar=idle)
    check(status == 401 and html.escape(long_text.strip(), quote=False) in body
          and "Market intelligence" in body and "Units sold, row 1" in body
          and "Giảm giá 9%" in body and "30 minutes" in body,
          "a report saved after the session was idle too long: not saved, and its text "
          "given back to copy (%d %s)" % (status, body[:600]))
    try:
        html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(body)
        parse_error = ""
    except html5lib.html5parser.ParseError as e:
        parse_error = str(e)
    check(not parse_error, "and that page is valid HTML5 %s" % parse_error)

    # ---------------- the session ended on the server ----------------
    ended = http.cookiejar.CookieJar()
    sign_in(ended, "portal@tokyo.example")
    csrf = csrf_of(fetch("/leads/new", jar=ended)[2])
    adm = liaison.Client(URL, ca=CA)
    adm.login(slug, "admin@%s.example" % slug, PASSWORD)
    adm.call("DisableUser", {"userId": tokyo_user})  # ends every session of the user's
    adm.call("EnableUser", {"userId": tokyo_user})
    status, headers, body = fetch("/leads/new", {"csrf_token": csrf, "account_name": "東京商事",
                                                 "country": "JP", "title": "東京の案件",
                                                 "currency": "JPY"}, jar=ended)
    again = re.search(r'id="sign-in-again" href="([^"]+)"', body)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(
        html.unescape(again.group(1)) if again else "").query)
    check(status == 401 and query.get("next") == ["/leads/new"] and "東京の案件" in body
          and "東京商事" in body and "Not saved: you were signed out" in body,
          "a form sent when the session ended on the server: not saved, what was typed given "
          "back, and a way to sign in and back to its page (%d %s)" % (status, body[-500:]))
    sign_in(ended, "portal@tokyo.example")
    adm.call("DisableUser", {"userId": tokyo_user})
    # The right password of a disabled login was "not right": the user tried again until the
    # account locked, and asked nobody.
    disabled = http.cookiejar.CookieJar()
    form = {"tenant": slug, "email": "portal@tokyo.example", "password": PASSWORD,
            "csrf_token": login_csrf(disabled)}
    status, _, body = fetch("/login", form, jar=disabled)
    check(status == 401 and "This login is disabled. Ask the exporter you work with to enable "
          "it again." in body and "not right" not in body,
          "a disabled login with the right password is told it is disabled (%d)" % status)
    form["password"] = "not the password"
    status, _, body = fetch("/login", form, jar=disabled)
    check(status == 401 and "is not right" in body and "disabled" not in body,
          "a disabled login with a wrong password is told only that (%d)" % status)
    adm.call("EnableUser", {"userId": tokyo_user})
    adm.close()
    status, headers, _ = fetch("/orders?page=2", jar=ended)
    where = headers.get("Location", "")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(where).query)
    check(status == 302 and query.get("next") == ["/orders?page=2"] and "expired" in query,
          "a page opened when the session ended: sign in, then back to it (%d %s)"
          % (status, where))

    # ---------------- a suspended organisation ----------------
    # Its own tenant: suspending the test's would refuse the browser's pages.
    held_slug = "portal-held-" + RUN
    held_admin = tenant(held_slug, "株式会社日本部品")
    held_d = distributor(held_admin, "Công ty Phụ tùng Hà Nội", "VN", "Asia/Ho_Chi_Minh", ["vi"])
    held_admin.call("CreateUser", {"email": "portal@hanoi.example",
                                   "role": "ROLE_DISTRIBUTOR_USER", "distributorId": held_d,
                                   "password": PASSWORD})
    held_jar = http.cookiejar.CookieJar()

    def held_sign_in():
        form = {"tenant": held_slug, "email": "portal@hanoi.example", "password": PASSWORD,
                "csrf_token": login_csrf(held_jar)}
        return fetch("/login", form, jar=held_jar)

    check(held_sign_in()[0] == 302, "the held tenant's distributor user signs in")
    op.call("SuspendTenant", {"slug": held_slug})
    status, _, body = fetch("/", jar=held_jar)
    check(status == 403 and "is suspended by the service" in body
          and "Your account may not" not in body,
          "a page after the tenant is suspended says so, not that the account may not (%d %s)"
          % (status, body[-400:]))
    status, _, body = held_sign_in()
    check(status == 401 and "is suspended by the service" in body,
          "signing in to a suspended tenant says it is suspended (%d)" % status)
    op.call("ResumeTenant", {"slug": held_slug})
    check(held_sign_in()[0] == 302 and fetch("/", jar=held_jar)[0] == 200,
          "after resuming, the user signs in and sees the start page")
    held_admin.close()

    # ---------------- sessions of nobody ----------------
    status, headers, _ = fetch("/static/portal.css", cookie=False)
    check(status == 200 and not headers.get("Set-Cookie"),
          "a style sheet fetched without a cookie makes no session")
    status, headers, _ = fetch("/login", cookie=False)
    check("liaison_portal=" in (headers.get("Set-Cookie") or ""),
          "a page with forms makes one (for its CSRF token)")
    sys.path.insert(0, os.path.join(ROOT, "client-lib", "examples", "portal"))
    from liaison_portal.sessions import SessionStore  # noqa: E402
    capped = SessionStore(os.path.join(sessions, "capped.sqlite3"), max_anonymous=10)
    signed = capped.create()
    capped.update(signed, token="a signed-in session's token")
    check(capped.get(signed)["token"] == "a signed-in session's token",
          "a session gives back its token to its own id")
    anonymous = [capped.create() for _ in range(30)]
    capped.cap_anonymous()
    check(capped.get(signed) is not None and capped.get(anonymous[-1]) is not None
          and capped.get(anonymous[0]) is None
          and sum(capped.get(a) is not None for a in anonymous) == 10,
          "anonymous sessions are capped, oldest first, signed-in ones kept")
    # ---------------- the session file: owner-only, no usable token ----------------
    import sqlite3  # noqa: E402
    live = os.path.join(sessions, "s.sqlite3")
    check({f: mode(f) for f in (live, live + "-wal", live + "-shm")}
          == dict.fromkeys((live, live + "-wal", live + "-shm"), 0o600),
          "the session file and its -wal and -shm are the owner's alone")
    check(not re.search(rb"lts_[0-9]+_[A-Za-z0-9_-]{43}", on_disk(live))
          and b"signed-in session's token" not in on_disk(os.path.join(sessions, "capped.sqlite3")),
          "no Liaison token in the session files")
    other = capped.create()
    with sqlite3.connect(os.path.join(sessions, "capped.sqlite3")) as db:
        db.execute("UPDATE sessions SET sealed = (SELECT sealed FROM sessions WHERE key = ?)"
                   " WHERE key = ?", (hashlib.sha256(signed.encode()).hexdigest(),
                                      hashlib.sha256(other.encode()).hexdigest()))
    check(capped.get(other)["token"] == "",
          "a sealed token copied to another session opens to nothing there")
    # ---------------- read your writes from page to page ----------------
    # Each page opens its own connection: the session keeps its newest write's
    # time for the next, which may reach another liaisond.
    kept = sqlite3.connect(os.path.join(sessions, "s.sqlite3")).execute(
        "SELECT max(read_after) FROM sessions WHERE sealed IS NOT NULL").fetchone()[0] or 0
    check(abs(kept / 1e6 - time.time()) < 3600,
          "the signed-in session keeps its last write's time for its next page (%.0f s ago)"
          % (time.time() - kept / 1e6))
    capped.wrote(signed, 5)
    capped.wrote(signed, 3)
    check(capped.get(signed)["read_after"] == 5, "a session's write time never moves back")
    old_file = os.path.join(sessions, "old.sqlite3")
    with sqlite3.connect(old_file) as db:
        db.execute("CREATE TABLE sessions (key TEXT PRIMARY KEY, token TEXT NOT NULL DEFAULT '',"
                   " csrf TEXT NOT NULL, lang TEXT NOT NULL DEFAULT '', identity TEXT NOT NULL"
                   " DEFAULT '', created REAL NOT NULL, seen REAL NOT NULL)")
        db.execute("INSERT INTO sessions VALUES (?, 'lts_1_CLEAR-TOKEN-OF-OLD', 'c', '', '', ?, ?)",
                   (hashlib.sha256(b"an old session").hexdigest(), time.time(), time.time()))
    os.chmod(old_file, 0o644)
    reopened = SessionStore(old_file)
    sid_old = reopened.create()
    check(reopened.get(sid_old)["read_after"] == 0,
          "a session file from before the write time gains it")
    check(reopened.get("an old session")["token"] == ""
          and b"CLEAR-TOKEN" not in on_disk(old_file) and mode(old_file) == 0o600,
          "a session file from before sealed tokens: signed out, its tokens wiped, made owner-only")
    # ---------------- its own relationship health (issue 15 part C) ----------------
    # Its orders and leads above queued a recompute: the scheduler stores the
    # score. A deal registered outside its territory is flagged: a reason with a code.
    adm = liaison.Client(URL, ca=CA)
    adm.login(slug, "admin@%s.example" % slug, PASSWORD)
    flagged = adm.call("RegisterLead", {"distributorId": d1, "accountName": "Garage Viêng Chăn",
                                        "country": "LA", "title": "Vientiane",
                                        "valueMinor": 500, "currency": "USD"})["lead"]["id"]
    adm.close()
    driver.get(base + "/leads/%d" % flagged)
    facts = driver.find_element(By.CSS_SELECTOR, "dl.facts").text
    check("flagged · outside your territory" in facts and "outside_territory" not in facts
          and "Protected" not in facts,
          "a flagged registration says why in words, not by its code, and protects nothing (%s)"
          % facts)
    offered = [o.get_attribute("value") for o in
               driver.find_elements(By.CSS_SELECTOR, "select#stage option")]
    check("won" not in offered and "lost" in offered
          and "Won once the exporter approves its registration." in text(),
          "a flagged registration is not offered won, and says when it can be (%s)" % offered)
    # Won is not asked about where the server refuses it: its refusal is the answer.
    status, _, body = fetch("/leads/%d/stage" % flagged, {
        "csrf_token": csrf_of(driver.page_source), "stage": "won"})
    check(status == 400 and 'id="confirm-stage"' not in body
          and "can be marked won once the exporter approves it" in body,
          "a flagged registration marked won: refused at once, not asked to confirm (%d %s)"
          % (status, re.findall(r'error-message[^>]*>([^<]*)', body)[:1]))
    deadline = time.monotonic() + 60
    driver.get(base + "/health")
    while "deal registration" not in text() and time.monotonic() < deadline:
        time.sleep(0.5)
        driver.get(base + "/health")
    body = text()
    check("Relationship health" in body and "/100" in body and "Points lost" in body,
          "its own relationship health, from the stored score (%s)" % body[-300:])
    check("Trend of the recent scores, oldest first (▁ 0 to █ 100):" in body,
          "the trend says what it shows (%s)" % body[-300:])
    shot("health")
    ok, status, errors = valid_html("/health")
    check(ok, "/health (%d) is valid HTML5 with the security headers %s" % (status, errors))
    req = urllib.request.Request(base + "/health", headers={
        "Accept-Language": "vi",
        "Cookie": "liaison_portal=" + driver.get_cookie("liaison_portal")["value"]})
    with urllib.request.urlopen(req, timeout=30) as r:
        vi = r.read().decode("utf-8")
    check("Sức khỏe quan hệ" in vi and "Điểm bị trừ" in vi, "the health page in Vietnamese")
    check("1 deal registration flagged and undecided, or rejected in the last 180 days" in body,
          "the English reason in the singular (%s)" % body[-300:])
    check("1 shipment past its ETA 2025-06-30, not delivered" in body
          and "1 lô hàng quá ngày dự kiến đến mà chưa giao (ETA sớm nhất 2025-06-30)" in vi,
          "the late shipment is a health reason, in English and Vietnamese (%s)" % body[-400:])
    check("1 đăng ký thương vụ bị gắn cờ chưa được quyết định, hoặc bị từ chối trong 180 ngày qua" in vi
          and "deal registration" not in vi,
          "a Vietnamese reader gets the reason worded from its code")
    # The report above left 45 units on hand against 130 sold a month, under
    # the charter's 6 weeks: the cover reason's figures came in English
    # ("PT 1.5 weeks against 6") inside the Vietnamese sentence.
    check("PT 1.5 weeks against 6" in body and "PT: đủ bán 1,5 tuần so với mức cam kết 6 tuần"
          in vi and "weeks against" not in vi and re.search(
              r"theo báo cáo tháng \d{4}-\d{2}: PT: đủ bán", vi),
          "the stock cover reason's figures in Vietnamese too (%s)"
          % re.findall(r"Tồn kho[^<]*<[^>]*>[^<]*", vi)[:2])
    req = urllib.request.Request(base + "/leads/%d" % flagged, headers={
        "Accept-Language": "vi",
        "Cookie": "liaison_portal=" + driver.get_cookie("liaison_portal")["value"]})
    with urllib.request.urlopen(req, timeout=30) as r:
        vi = r.read().decode("utf-8")
    check("bị gắn cờ · ngoài lãnh thổ của bạn" in vi and "outside_territory" not in vi,
          "and in Vietnamese")

    # ---------------- the joint business plan (issue 15) ----------------
    adm = liaison.Client(URL, ca=CA)
    adm.login(slug, "admin@%s.example" % slug, PASSWORD)

    driver.get(base + "/plans?year=2098")
    check("No plan for this year yet." in text(), "no plan for 2098 yet")
    fill("year", "20x8")
    click(driver.find_element(By.ID, "show-year"))
    check("four digits" in text(), "a year that is none is refused with a sentence")
    driver.get(base + "/plans?year=2098")
    click(driver.find_element(By.ID, "new-plan"))
    plan_path = urllib.parse.urlparse(driver.current_url).path
    own_plan = int(plan_path.rsplit("/", 1)[1])
    check("Plan for 2098" in text() and "draft" in text(), "its own draft for 2098 opens")
    fill("goal_period0", "2098-13")
    fill("goal_units0", "500")
    fill("init_title0", "Hội thảo gara Thủ Đức — 東京セミナー")
    fill("init_starts0", "2098-02-01")
    fill("init_due0", "2098-03-31")
    click(driver.find_element(By.ID, "save-plan"))
    error = driver.find_element(By.CLASS_NAME, "error-message").text
    check("YYYY-Qn" in error and "plan's year" in error
          and driver.find_element(By.ID, "init_title0").get_attribute("value")
          == "Hội thảo gara Thủ Đức — 東京セミナー",
          "a period that is none is refused on the page in words, what was typed kept (%s)"
          % error)
    check(error.startswith("Goal 1: "), "the goal it is about named first (%s)" % error)
    fill("goal_units0", "năm trăm")
    click(driver.find_element(By.ID, "save-plan"))
    check("Goal 1: units are a whole number, 0 or more." in text(),
          "units that are no number: a sentence")
    fill("goal_units0", "-5")
    fill("goal_revenue0", "abc")
    fill("goal_currency0", "VND")
    click(driver.find_element(By.ID, "save-plan"))
    check("Goal 1: units are a whole number, 0 or more." in text()
          and "e.g. 1,250,000 VND" in text() and "USD" not in text(),
          "units below 0 and a revenue that is none: both said, the example in the plan's "
          "currency (%s)" % text()[:400])
    fill("goal_units0", "500")
    fill("goal_revenue0", "99999999999999999999")
    click(driver.find_element(By.ID, "save-plan"))
    check("Goal 1: revenue is at most ₫1,000,000,000,000,000." in text(),
          "a revenue too large: said so, with the bound (%s)" % text()[:400])
    fill("goal_revenue0", "12.345")
    fill("goal_currency0", "USD")
    click(driver.find_element(By.ID, "save-plan"))
    check("Goal 1: USD allows at most 2 decimals, e.g. 1,250.50." in text()
          and driver.find_element(By.ID, "goal_revenue0").get_attribute("value") == "12.345",
          "a USD revenue with three decimals: USD's two said, what was typed kept (%s)"
          % text()[:400])
    fill("goal_revenue0", "")
    fill("goal_currency0", "")
    check(driver.find_element(By.ID, "init_description0").tag_name == "textarea"
          and driver.find_element(By.ID, "init_description0").get_attribute("maxlength")
          == "4000", "an initiative's description (4000 characters) is a text area")
    fill("goal_period0", "2098-Q1")
    fill("goal_units0", "500")
    fill("init_due0", "2098-01-15")
    click(driver.find_element(By.ID, "save-plan"))
    error = driver.find_element(By.CLASS_NAME, "error-message").text
    check(error == "Initiative 1, due: not before its start" and "startsOn" not in text(),
          "an initiative due before it starts: said in words, not by a field's code (%s)"
          % error)
    # Before the plan's year: the server's English, "due: due before ..." (a try-out).
    fill("init_starts0", "2097-01-01")
    fill("init_due0", "2097-01-31")
    click(driver.find_element(By.ID, "save-plan"))
    error = driver.find_element(By.CLASS_NAME, "error-message").text
    form = {"csrf_token": csrf_of(driver.page_source), "init_title0": "Hội chợ 2097",
            "init_starts0": "2097-01-01", "init_due0": "2097-01-31"}
    status, _, vi_body = fetch(plan_path + "/save", form, headers={"Accept-Language": "vi"})
    check(error == "Initiative 1, due: before the plan's year 2098; an initiative runs at least"
          " partly in that year" and "trước năm 2098 của kế hoạch" in html.unescape(vi_body),
          "an initiative before the plan's year: said once, and in Vietnamese (%s)" % error)
    fill("init_starts0", "2098-02-01")
    fill("init_due0", "2098-03-31")
    fill("goal_units0", "500")
    fill("goal_revenue0", "1250000")
    fill("goal_currency0", "VND")
    fill("init_description0", "Giới thiệu má phanh mới cho 40 gara; 日本語の資料も配布")
    click(driver.find_element(By.ID, "save-plan"))
    check(driver.find_element(By.ID, "init_title0").get_attribute("value")
          == "Hội thảo gara Thủ Đức — 東京セミナー"
          and driver.find_element(By.ID, "goal_period0").get_attribute("value") == "2098-Q1",
          "the draft is saved: goal and initiative, Vietnamese and Japanese intact")
    # A description without a title was dropped without a word, what was typed lost.
    fill("init_description1", "説明だけ — chỉ có mô tả")
    click(driver.find_element(By.ID, "save-plan"))
    error = driver.find_elements(By.CLASS_NAME, "error-message")
    check(error and error[0].text.startswith("Initiative 2, title:")
          and driver.find_element(By.ID, "init_description1").get_attribute("value")
          == "説明だけ — chỉ có mô tả",
          "an initiative with a description and no title is refused, what was typed kept (%s)"
          % [e.text for e in error])
    fill("init_description1", "")
    click(driver.find_element(By.ID, "save-plan"))
    check(not driver.find_elements(By.CLASS_NAME, "error-message"), "emptied, the draft saves")
    # Two tabs: the older page's save replaced what the other had saved since,
    # without a word (a try-out).
    older = dict(re.findall(r'name="(csrf_token|version)" value="([^"]*)"', fetch(plan_path)[2]))
    fill("init_title1", "Hội chợ Automechanika")
    fill("init_starts1", "2098-05-01")
    fill("init_due1", "2098-05-31")
    click(driver.find_element(By.ID, "save-plan"))
    # The page after a save looked as before it, saying nothing (a try-out).
    notice = driver.find_elements(By.ID, "plan-notice")
    check(notice and notice[0].text == "The draft is saved.",
          "a saved plan says so (%s)" % [n.text for n in notice])
    status, _, body = fetch(plan_path + "/save", dict(
        older, init_title0="Trang cũ", init_starts0="2098-02-01", init_due0="2098-03-31"))
    titles = [i["title"] for i in adm.call("GetPlan", {"id": own_plan})["plan"]["initiatives"]]
    check(older.get("version") and status == 409
          and "This plan was saved again after you opened this page" in html.unescape(body)
          and 'value="Trang cũ"' in body and titles == ["Hội thảo gara Thủ Đức — 東京セミナー",
                                                        "Hội chợ Automechanika"],
          "a save from a page older than another's save is refused, what was typed kept to"
          " copy, nothing saved over (%d %s)" % (status, titles))
    driver.get(base + plan_path)
    shot("plan-draft")
    click(driver.find_element(By.ID, "propose-plan"))
    check(driver.find_element(By.ID, "plan-status").text == "proposed"
          and "The plan is proposed to the exporter." in text()
          and "Waiting for the exporter" in text() and "portal@saigon.example" in text()
          and "user:" not in text(),
          "proposed, it waits for the exporter, its owner named (%s)" % text()[-300:])
    # The older page sent again once the plan is proposed: its rows stood above Approve as if
    # they were the proposal (a review).
    status, _, body = fetch(plan_path + "/save", dict(
        older, init_title0="Trang cũ", init_starts0="2098-02-01", init_due0="2098-03-31"))
    check(status == 409 and "This plan changed after you opened this page (it is now proposed)"
          in html.unescape(body) and "Trang cũ" not in body
          and "Hội thảo gara Thủ Đức" in html.unescape(body),
          "a stale save of a plan proposed since: said, the plan shown as it is (%d)" % status)
    got = adm.call("GetPlan", {"id": own_plan})["plan"]
    check(got["status"] == "proposed" and got.get("proposedSide") == "distributor"
          and got["initiatives"][0]["title"] == "Hội thảo gara Thủ Đức — 東京セミナー"
          and got["goals"][0].get("units") == 500,
          "the exporter sees the distributor's proposal as it was typed (%s)" % got)
    adm.call("ApprovePlan", {"id": own_plan, "comment": "Đồng ý"})
    driver.get(base + plan_path)
    check(driver.find_element(By.ID, "plan-status").text == "approved" and "Đồng ý" in text()
          and not driver.find_elements(By.ID, "save-plan"),
          "approved by the exporter, it is locked on the page")
    # The exporter proposes 2097's plan: the distributor approves it; 2096's it declines.
    for year in (2097, 2096):
        pid = adm.call("CreatePlan", {"distributorId": d1, "year": year})["plan"]["id"]
        adm.call("SavePlan", {"id": pid, "goals": [{"productLineId": line, "period": str(year),
                                                     "units": 2400}]})
        adm.call("ProposePlan", {"id": pid})
        if year == 2097:
            ours = pid
        else:
            declined = pid
    driver.get(base + "/plans?year=2097")
    click(driver.find_element(By.PARTIAL_LINK_TEXT, "2097"))
    check("2,400" in text() or "2400" in text(), "the exporter's proposal shows its goals")
    fill("comment", "Đồng ý — 了解しました")
    click(driver.find_element(By.ID, "approve-plan"))
    got = adm.call("GetPlan", {"id": ours})["plan"]
    check(got["status"] == "approved" and got.get("decisionComment") == "Đồng ý — 了解しました"
          and got.get("decidedBy", "").endswith("portal@saigon.example"),
          "the distributor approves the exporter's proposal from the portal (%s)" % got)
    driver.get(base + "/plans/%s" % declined)
    click(driver.find_element(By.ID, "reject-plan"))
    check("error-message" in driver.page_source
          and adm.call("GetPlan", {"id": declined})["plan"]["status"] == "proposed",
          "declining without a comment is refused on the page (%s)" % text()[-300:])
    fill("comment", "Quý 1 quá cao: Tết rơi vào tháng 2")
    click(driver.find_element(By.ID, "reject-plan"))
    check(adm.call("GetPlan", {"id": declined})["plan"]["status"] == "rejected"
          and "Tết rơi vào tháng 2" in text(), "declined with its reason")
    shot("plan")
    # The exporter changes the declined plan and proposes it again: the page
    # says the reason was the earlier decision's, not this proposal's.
    adm.call("SavePlan", {"id": declined, "goals": [{"productLineId": line, "period": "2096",
                                                     "units": 1800}]})
    adm.call("ProposePlan", {"id": declined})
    driver.get(base + "/plans/%s" % declined)
    check(driver.find_element(By.ID, "plan-status").text == "proposed"
          and "Why it was rejected before: Quý 1 quá cao" in text()
          and "rejected before by" in text() and "decided by" not in text(),
          "proposed again, the old decision is shown as the earlier one (%s)" % text()[:400])
    # Issue #4/#5 of the try-out: seven goals and the exporter's initiatives
    # survive a save from the portal, their owner too; a row added is the user's.
    admin_id = adm.call("WhoAmI")["identity"]["userId"]
    big = adm.call("CreatePlan", {"distributorId": d1, "year": 2095})["plan"]["id"]
    periods = ["2095", "2095-Q1", "2095-Q2", "2095-Q3", "2095-Q4", "2095-01", "2095-02"]
    adm.call("SavePlan", {"id": big, "goals": [
        {"productLineId": line, "period": per, "units": 100 + n} for n, per in enumerate(periods)],
        "initiatives": [{"title": "Exporter trade fair", "ownerUserId": admin_id,
                         "startsOn": "2095-03-01", "dueOn": "2095-03-31"},
                        {"title": "Exporter training", "ownerUserId": admin_id,
                         "startsOn": "2095-05-01", "dueOn": "2095-05-31"}]})
    driver.get(base + "/plans/%s" % big)
    check(driver.find_element(By.ID, "goal_period6").get_attribute("value") == "2095-02"
          and driver.find_elements(By.ID, "goal_period9")
          and not driver.find_elements(By.ID, "goal_period10")
          and "admin@%s.example" % slug in driver.find_element(By.ID, "init_owner_name0").text,
          "seven goals show with three empty rows, the initiatives with their owner")
    shot("plan-seven-goals")
    fill("goal_units0", "150")
    fill("init_title2", "Hội thảo của nhà phân phối")
    fill("init_starts2", "2095-06-01")
    fill("init_due2", "2095-06-30")
    click(driver.find_element(By.ID, "save-plan"))
    got = adm.call("GetPlan", {"id": big})["plan"]
    owners = {it["title"]: it.get("ownerEmail") for it in got.get("initiatives", [])}
    check(len(got.get("goals", [])) == 7 and got["goals"][0].get("units") == 150
          and sorted(gl["period"] for gl in got["goals"]) == sorted(periods),
          "saved from the portal, the plan keeps all seven goals (%s)" % got.get("goals"))
    check(owners == {"Exporter trade fair": "admin@%s.example" % slug,
                     "Exporter training": "admin@%s.example" % slug,
                     "Hội thảo của nhà phân phối": "portal@saigon.example"},
          "the exporter's initiatives keep their owner; the one added is the user's (%s)"
          % owners)
    other_plan = adm.call("CreatePlan", {"distributorId": d2, "year": 2098})["plan"]["id"]
    status, _, body = fetch("/plans/%s" % other_plan)
    check(status == 404 and "東京オートパーツ" not in body,
          "another distributor's plan by URL: 404, no data (%d)" % status)

    # ---------------- upstream updates (issue 15) ----------------
    def publish(title, regions, **extra):
        req = {"kind": "production", "title": title, "body": extra.pop("body", "Body of " + title),
               "language": "en", "effectiveOn": "2099-03-01", "regions": regions,
               "productLineIds": [line]}
        req.update(extra)
        uid = adm.call("CreateUpstreamUpdate", req)["update"]["id"]
        adm.call("PublishUpstreamUpdate", {"id": uid})
        return uid

    ours_u = publish("Factory schedule for 2099", ["VN-SG"],
                     body="Line 2 stops for maintenance in March. 工場の点検は3月です。",
                     documentIds=[doc],
                     variants=[{"language": "vi", "title": "Lịch sản xuất năm 2099",
                                "body": "Dây chuyền 2 bảo trì trong tháng 3; đặt hàng sớm."}])
    # Aimed at another distributor's territory: published to it, not to Saigon. An update that
    # reaches nobody is not published at all (migration 0167).
    d3 = distributor(adm, "Công ty Phụ tùng Hà Nội", "VN", "Asia/Ho_Chi_Minh", ["vi"])
    ch3 = adm.call("CreateCharterDraft", {"distributorId": d3})["charter"]["id"]
    adm.call("AddCharterGrant", {"charterId": ch3, "grant": {
        "region": "VN-HN", "allLines": True, "startsOn": "2026-01-01"}})
    adm.call("ActivateCharter", {"id": ch3})
    publish("北海道限定キャンペーン", ["VN-HN"])

    def read_at(uid):
        rows = adm.call("ListUpdateReceipts", {"updateId": uid}).get("receipts", [])
        return [r.get("readAt", "") for r in rows if r.get("email") == "portal@saigon.example"]

    check(read_at(ours_u) == [""], "not read yet: the receipt is empty")
    driver.get(base + "/updates")
    body = text()
    check("Factory schedule for 2099" in body and "北海道限定キャンペーン" not in body
          and "not yet" in body,
          "its updates are listed, unread; one aimed at another territory is not (%s)"
          % body[-300:])
    # A try-out: the list titled every row as written (in English) while the
    # update's own page was in the reader's Vietnamese.
    status, _, body = fetch("/updates", headers={"Accept-Language": "vi"})
    check(status == 200 and "Lịch sản xuất năm 2099" in body
          and "Factory schedule for 2099" not in body and read_at(ours_u) == [""],
          "a Vietnamese reader's list titles it in Vietnamese, and listing records no reading "
          "(%d %s)" % (status, read_at(ours_u)))
    listed = [u for u in adm.call("ListUpstreamUpdates", {"status": "published"})["updates"]
              if u["id"] == ours_u]
    check(listed and listed[0].get("variants") == [{"language": "vi",
                                                    "title": "Lịch sản xuất năm 2099"}],
          "a listed update carries its variants' titles, not their bodies (%s)" % listed)
    shot("updates")
    click(driver.find_element(By.LINK_TEXT, "Factory schedule for 2099"))
    update_path = urllib.parse.urlparse(driver.current_url).path
    body = text()
    check("工場の点検は3月です" in body and "2099-03-01" in body and "Bảng giá 2027" in body,
          "the update shows its body, effective date and attachment (%s)" % body[-300:])
    click(driver.find_element(By.LINK_TEXT, "Bảng giá 2027"))
    check(urllib.parse.urlparse(driver.current_url).path == "/documents/%d" % doc,
          "the attachment links to its own document")
    got = read_at(ours_u)
    check(len(got) == 1 and got[0], "opening it recorded its read receipt (%s)" % got)
    shot("update")
    req = urllib.request.Request(base + update_path, headers={
        "Accept-Language": "vi",
        "Cookie": "liaison_portal=" + driver.get_cookie("liaison_portal")["value"]})
    with urllib.request.urlopen(req, timeout=30) as r:
        vi = r.read().decode("utf-8")
    check("Lịch sản xuất năm 2099" in vi and "đặt hàng sớm" in vi and "工場の点検" not in vi,
          "a Vietnamese reader gets the Vietnamese variant")
    hidden = adm.call("ListUpstreamUpdates", {"status": "published"})["updates"]
    hidden = [u["id"] for u in hidden if u["title"] == "北海道限定キャンペーン"][0]
    status, _, body = fetch("/updates/%s" % hidden)
    check(status == 404 and "北海道限定" not in body,
          "an update aimed at another territory by URL: 404, no data (%d)" % status)
    adm.close()

    # ---------------- markup and headers ----------------
    pages = ["/", "/customers", "/meetings", "/meetings?past=1", meeting_path, "/actions", "/leads", "/leads/new", lead_path,
             "/orders", "/orders/%d" % order1["id"], "/documents", "/documents/%d" % doc,
             "/orders/%d" % order2["id"], "/escalations", "/orders/new", "/meetings/%d" % held,
             "/orders/%d" % order3["id"],
             "/reports", report_path, "/performance", "/plans", plan_path,
             "/plans/%s" % declined, "/updates", update_path]
    for path in pages:
        ok, status, errors = valid_html(path)
        check(ok, "%s (%d) is valid HTML5 with the security headers %s" % (path, status, errors))

    # ---------------- Vietnamese ----------------
    driver.get(base + "/")
    Select(driver.find_element(By.ID, "lang")).select_by_value("vi")
    click(driver.find_element(By.ID, "set-language"))
    body = text()
    check("Hiến chương hợp tác" in body and "Đơn hàng" in body and "Lãnh thổ" in body
          and driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi",
          "the interface switches to Vietnamese")
    check("đang khởi động hợp tác" in body and "đang áp dụng" in body and "6 tuần" in body
          and "tồn kho hiện có" in body and "sales_by_line" not in body
          and "weeks" not in body.split(),
          "the charter's statuses, units and report sections in Vietnamese (%s)" % body[:600])
    shot("dashboard-vi")
    driver.get(base + "/orders/%d" % order3["id"])
    check("có lô hàng trễ hạn" in text() and "trễ hạn: đã quá ngày dự kiến đến" in text(),
          "a late shipment in Vietnamese (%s)" % text()[:400])
    driver.get(base + "/")
    split = driver.execute_script(
        "return [...document.querySelectorAll('header nav a')]"
        ".filter(a => a.getClientRects().length > 1).map(a => a.textContent)")
    check(not split, "no menu entry is cut over two lines (%s)" % split)
    # On a phone: words in tables stay whole (a table scrolls sideways);
    # Japanese may wrap between characters, a code at its hyphens.
    driver.set_window_size(400, 900)
    for path in ("/orders/%d" % order1["id"], "/meetings", "/reports"):
        driver.get(base + path)
        cut = driver.execute_script(CUT_WORDS)
        width = driver.execute_script("return document.documentElement.scrollWidth")
        check(not cut and width <= 400,
              "%s on a phone: no word in a table cut letter by letter (%s), the page %d px wide"
              % (path, cut[:8], width))
    shot("order-phone-vi")
    driver.get(base + "/orders/new")
    narrow = driver.execute_script(
        "return [...document.querySelectorAll('main td input:not([type=hidden])')]"
        ".filter(i => i.offsetWidth < (i.size == 4 ? 64 : 120)).map(i => i.id + ' '"
        " + i.offsetWidth)")
    width = driver.execute_script("return document.documentElement.scrollWidth")
    check(not narrow and width <= 400,
          "the order form on a phone: each box as wide as what goes in it (%s), the page %d px"
          % (narrow[:6], width))
    shot("order-new-phone-vi")
    driver.set_window_size(1280, 1000)
    # On a desktop too: a table's short columns keep their words ("scheduled", not
    # "schedule/d") beside a long title or note, which alone may break a word.
    for path in ("/orders/%d" % order1["id"], "/meetings", "/reports", "/actions"):
        driver.get(base + path)
        cut = driver.execute_script(CUT_WORDS)
        check(not cut, "%s at 1280 px: no word in a table cut (%s)" % (path, cut[:8]))
    driver.get(base + "/orders")
    check("₫" in text() or "VND" in text(), "amounts in the order's currency, Vietnamese style")
    words = set(re.findall(r"[a-z_]+", text()))
    check(("đã đặt" in text() or "đã hủy" in text())
          and not words & {"placed", "confirmed", "shipped", "cancelled"},
          "order statuses in Vietnamese (%s)" % text()[-300:])
    driver.get(base + "/documents")
    check("bảng giá" in text() and "khác" in text() and "price sheet" not in text()
          and "price_sheet" not in text(),
          "document kinds in Vietnamese")
    check("Bảng giá Nhật 2027" in text() and "価格表 2027" not in text(),
          "a document with a Vietnamese translation is listed under its Vietnamese title (%s)"
          % text()[-400:])
    # Beside the original's language, the translation the title is: a stale Vietnamese
    # handbook read as a current one (a try-out).
    row = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "tbody tr")
           if "Bảng giá Nhật 2027" in r.text]
    check(row and "bản dịch tiếng việt" in row[0].lower() and "(" not in row[0],
          "its row names the Vietnamese translation, current (%s)" % row)
    # A customer another distributor registered: the refusal in Vietnamese.
    adm = liaison.Client(URL, ca=CA)
    adm.login(slug, "admin@%s.example" % slug, PASSWORD)
    taken = adm.call("RegisterLead", {"distributorId": d2, "accountName": "Garage Bảo Hộ",
                                      "country": "VN", "title": "x", "valueMinor": 1,
                                      "currency": "VND"})["lead"]["id"]
    adm.call("DecideLeadRegistration", {"id": taken, "decision": "approve"})
    adm.close()
    driver.get(base + "/leads/new")
    for box, value in (("account_name", "Garage Bảo Hộ"), ("country", "VN"),
                       ("title", "Má phanh"), ("currency", "VND")):
        fill(box, value)
    click(driver.find_element(By.ID, "register"))
    check("được bảo hộ đến ngày" in text() and "is protected until" not in text(),
          "a customer another distributor protects: refused in Vietnamese (%s)" % text()[:400])
    # The same deal registered again from a new form (its own key): refused, naming the first,
    # in Vietnamese (migration 0340). It made a second lead.
    for attempt in (1, 2):
        driver.get(base + "/leads/new")
        for box, value in (("account_name", "Garage Hai Lần"), ("country", "VN"),
                           ("title", "Lọc dầu cho xe buýt"), ("currency", "VND")):
            fill(box, value)
        click(driver.find_element(By.ID, "register"))
    check("chính là giao dịch này" in text() and "tiếng Anh" not in text(),
          "the same deal from a new form: refused in Vietnamese (%s)" % text()[:400])
    driver.get(base + "/meetings/%d" % held)
    check("đã diễn ra" in text() and "held" not in text().split(),
          "a meeting's status in Vietnamese (%s)" % text()[:300])
    driver.get(base + "/escalations")
    check("cao" in text().split() and "high" not in text().split(),
          "an escalation's severity in Vietnamese")
    # A request closed when its distributor was terminated offered the answer form, which the
    # server then refused, and tools read its reason as the distributor's answer (a review).
    adm = liaison.Client(URL, ca=CA)
    adm.login(slug, "admin@%s.example" % slug, PASSWORD)
    ended_d = distributor(adm, "Công ty Đã Ngừng Hợp Tác", "VN", "Asia/Ho_Chi_Minh", ["vi"])
    hung = adm.call("CreateContact", {"distributorId": ended_d, "fields": {
        "name": "Đỗ Văn Hùng", "role": "purchasing manager"}})["contact"]["id"]
    adm.call("SetEscalationProtocol", {"distributorId": ended_d, "severity": "high", "steps": [
        {"contactId": hung, "method": "email", "responseHours": 8}]})
    adm.call("CreateEscalationRequest", {"distributorId": ended_d, "severity": "high",
                                         "subject": "Báo cáo tháng 11", "text": "Xin gửi báo cáo."})
    adm.call("CreateUser", {"email": "portal@ngung.example", "role": "ROLE_DISTRIBUTOR_USER",
                            "password": PASSWORD, "distributorId": ended_d})
    adm.call("SetDistributorStatus", {"id": ended_d, "status": "terminated"})
    adm.close()
    ended_jar = http.cookiejar.CookieJar()
    sign_in(ended_jar, "portal@ngung.example")
    status, _, body = fetch("/escalations", jar=ended_jar, headers={"Accept-Language": "en"})
    check(status == 200 and "Báo cáo tháng 11" in body and "Closed unanswered on " in body
          and ": the relationship has ended." in body and 'name="text"' not in body
          and "was terminated" not in body,
          "a request closed with the relationship says so, without an answer form (%d %s)"
          % (status, body[-600:]))
    status, _, body = fetch("/escalations", jar=ended_jar, headers={"Accept-Language": "vi"})
    check(status == 200 and "Đã đóng khi chưa được trả lời vào " in body,
          "and in Vietnamese (%d %s)" % (status, body[-600:]))
    # A terminated distributor was offered the forms for a new deal and order, which the
    # server then refused (a try-out).
    for page, form, button in (("/leads", "/leads/new", "Register a deal"),
                               ("/orders", "/orders/new", "Place an order")):
        status, _, body = fetch(page, jar=ended_jar, headers={"Accept-Language": "vi"})
        check(status == 200 and "Quan hệ với nhà xuất khẩu đã chấm dứt" in body
              and 'href="%s"' % form not in body,
              "%s says the relationship ended, without the way to a new one (%d %s)"
              % (page, status, body[-600:]))
        status, headers, _ = fetch(form, jar=ended_jar)
        check(status == 303 and headers.get("Location", "").endswith(page),
              "%s leads back to %s (%d %s)" % (form, page, status, headers.get("Location")))
    status, _, body = fetch("/orders", headers={"Accept-Language": "en"})
    check(status == 200 and 'href="/orders/new"' in body and "has ended" not in body,
          "an active distributor is offered its order form (%d)" % status)
    driver.get(base + "/meetings")
    check("Trao đổi hằng tuần · Công ty Phụ tùng Sài Gòn" in text()
          and "Weekly check-in" not in text() and "Onboarding call" not in text(),
          "the cadence's meetings are titled in Vietnamese (%s)" % text()[:400])
    weekly = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "main table a")
              if a.text.startswith("Trao đổi hằng tuần")]
    if weekly:
        driver.get(weekly[0])
        items = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "main ol li")]
        check(items == ["cơ hội kinh doanh", "đơn hàng", "vấn đề phát sinh"],
              "a weekly check-in's default agenda in Vietnamese (%s)" % items)
        shot("meeting-vi")
    driver.get(base + "/meetings")
    monthly = [a.get_attribute("href")
               for a in driver.find_elements(By.CSS_SELECTOR, "main table a")
               if a.text.startswith("Đánh giá kết quả hằng tháng")]
    agendas = []
    for href in monthly[:3]:
        driver.get(href)
        agendas += [li.text for li in driver.find_elements(By.CSS_SELECTOR, "main ol li")]
    check("Cập nhật từ nhà xuất khẩu: Factory schedule for 2099" in agendas
          and not [i for i in agendas if "Upstream update" in i],
          "the update put on the next monthly review reads in Vietnamese there (%s)" % agendas)
    driver.get(base + "/orders/new")
    fill("sku0", "PT-100")
    fill("quantity0", "5")
    fill("price0", "mười lăm")
    fill("currency", "USD")  # a currency with cents: its example has a decimal comma
    click(driver.find_element(By.ID, "place-order"))
    check("một mức giá, ví dụ 1.250,50" in text() and "12.50" not in text(),
          "a price that is none: the example written the Vietnamese way (%s)" % text()[:500])
    fill("price0", "1500")
    fill("currency", "VND")
    click(driver.find_element(By.ID, "place-order"))
    check("dưới số lượng đặt tối thiểu 20 (cam kết trong hiến chương cho dòng" in text()
          and "below the minimum" not in text(),
          "the server's refusal below the MOQ in Vietnamese (%s)" % text()[:500])
    shot("order-form-error-vi")
    # A shipment on its way is shipped, not delivered: the column said "Đã giao" (delivered).
    driver.get(base + "/orders/%d" % order3["id"])
    heads = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "thead th")]
    check(heads[4:7] == ["Đã xuất hàng", "Đã giao", "Dự kiến giao"],
          "the Vietnamese order page calls the shipped units shipped, the delivered ones"
          " delivered (%s)" % heads)
    driver.get(base + "/leads/new")
    for box, value in (("account_name", "Công ty TNHH Thương mại Hòa Bình"), ("country", "XX"),
                       ("title", "Cung cấp má phanh"), ("currency", "VND")):
        fill(box, value)
    click(driver.find_element(By.ID, "register"))
    check("không phải mã quốc gia ISO 3166-1 alpha-2" in text() and "country code" not in text()
          and driver.find_element(By.ID, "account_name").get_attribute("value")
          == "Công ty TNHH Thương mại Hòa Bình",
          "a deal's country that is none: refused in Vietnamese beside the form as typed (%s)"
          % text()[:500])
    ok, _, errors = valid_html("/")
    check(ok, "the Vietnamese page is valid HTML5 too %s" % errors)
    # From the portal try-out of 2026-12: the server's reasons the portal's
    # forms meet, in Vietnamese, not as sent.
    driver.get(base + "/reports")
    fill("period", "1999-01")
    click(driver.find_element(By.ID, "open-report"))
    check("Tháng: một tháng từ 2000-01 đến 2100-12, ví dụ %s" % LAST_MONTH in text()
          and "a period in the years" not in text() and "2027-03" not in text(),
          "a month before 2000 refused in Vietnamese (%s)" % text()[:400])
    adm = liaison.Client(URL, ca=CA)
    adm.login(slug, "admin@%s.example" % slug, PASSWORD)
    gone = adm.call("RegisterLead", {"distributorId": d1, "accountName": "Garage Đã Mất",
                                     "country": "VN", "region": "VN-SG", "title": "Đã mất",
                                     "valueMinor": 1, "currency": "VND"})["lead"]["id"]
    adm.call("SetLeadStage", {"id": gone, "stage": "lost"})
    adm.close()
    driver.get(base + "/leads/%d" % gone)
    csrf = csrf_of(driver.page_source)
    for path, form, said, english in (
            ("/leads/%d/stage" % gone, {"stage": "won"}, "đã ở giai đoạn thất bại",
             "won and lost are final"),
            ("/leads/%d/correct" % gone, {"value": "5", "expected_close": ""},
             "nên không sửa được nữa", "won and lost are final"),
            (lead_path + "/stage", {"stage": "bogus"}, "chọn một trong: mới",
             "negotiation, won or lost"),
            (lead_path + "/interactions", {"kind": "fax", "summary": "x"},
             "chọn một trong: cuộc gọi", "call, visit, email or message"),
            ("/meetings/%s/notes" % scheduled, {"body": "Ghi chú sớm", "language": "vi"},
             "chỉ thêm được biên bản khi nhà xuất khẩu đã đánh dấu cuộc họp", "notes go with"),
            # Alone on the report's page, a submission's refusal starts with a capital.
            (report_path + "/submit", {}, "Báo cáo này đã ở trạng thái đã nộp",
             "only a draft is submitted")):
        status, _, body = fetch(path, dict(form, csrf_token=csrf))
        check(status in (400, 409) and said in body and english not in body,
              "%s refused in Vietnamese (%d %s)"
              % (path, status, re.findall(r'error-message"[^>]*>[^<]*', body)))

    # ---------------- every string of the portal in Vietnamese ----------------
    from babel.messages.extract import extract_from_dir  # noqa: E402
    from babel.messages.pofile import read_po  # noqa: E402
    portal_dir = os.path.join(ROOT, "client-lib", "examples", "portal")
    with open(os.path.join(portal_dir, "liaison_portal", "translations", "vi", "LC_MESSAGES",
                           "messages.po"), "rb") as f:
        vi = read_po(f, locale="vi")
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
                "lazy_pgettext": ((1, "c"), 2)}
    untranslated = []
    for _file, _line, msg, _comments, context in extract_from_dir(
            portal_dir, [("liaison_portal/**.py", "python"),
                         ("liaison_portal/templates/**.html", "jinja2")], keywords=keywords):
        key = msg[0] if isinstance(msg, tuple) else msg
        found = vi.get(key, context)
        if found is None or not all(found.string if isinstance(found.string, tuple)
                                    else [found.string]):
            untranslated.append(key)
    check(not untranslated, "every string of the portal has its Vietnamese (%s)"
          % untranslated[:10])
    import liaison_portal as lp  # noqa: E402
    app = lp.create_app({"LIAISON_URL": URL, "LIAISON_CA": CA,
                         "PORTAL_SESSION_DB": os.path.join(sessions, "why.sqlite3")})
    # Served over HTTPS (the default), pages say so for a year; the test's plain-HTTP portal
    # (PORTAL_SECURE_COOKIES=0) does not, as browsers ignore it over HTTP.
    hsts = app.test_client().get("/login").headers.get("Strict-Transport-Security")
    check(hsts == "max-age=31536000"
          and "Strict-Transport-Security" not in fetch("/login", cookie=False)[1],
          "HSTS over HTTPS only (%r)" % hsts)
    # The won/lost confirmation's own field is not something the user typed: a form sent
    # signed out goes to sign in and back, not to a page of what was typed (a review).
    from werkzeug.datastructures import MultiDict  # noqa: E402
    kept = lp._typed(MultiDict([("csrf_token", "x"), ("stage", "won"), ("confirm", "won")]))
    check(kept == [], "the confirmation's fields are none the user typed (%s)" % kept)
    sent_as = ["a period in the years 2000 to 2100", "this lead is lost: won and lost are final",
               "this lead is won: won and lost are final, and a closed deal is not corrected",
               "this report is submitted: only a draft is submitted",
               "this report is submitted: only a draft is saved (the exporter may return a "
               "submitted report to draft)", "notes go with a held meeting; this one is scheduled",
               "no such product line in this tenant", "no such product line",
               "new, qualified, proposal, negotiation, won or lost",
               "call, visit, email or message", "a BCP 47 language tag (vi, ja, en-GB)",
               "this revision was superseded",
               "a plan needs at least one goal before it is proposed",
               "an approved plan is locked: start a new revision to change it",
               "this plan is proposed and awaits the other side's decision",
               "the distributor side proposed this plan: the other side approves or rejects it",
               "this plan is approved: only a draft (or a rejected revision) is proposed",
               "say why the plan is rejected", "a year from 2000 to 2100",
               "this distributor has no active charter: its report's due day and required "
               "sections come from one", "no such lead of this distributor",
               "a goal needs units, revenue (with currency) or both",
               "at most 8000 bytes", "longer than 4096 bytes of UTF-8",
               "the order's total passes the largest amount (1000000000000000 minor units)",
               "a whole number from 1 to 1000000000",
               "the charter requires the sections inventory_on_hand, pipeline and "
               "market_intelligence, and they are empty",
               "a month of the relationship, which began on 2026-01-01: 2025-06 is before it",
               "'2027-02-29' is no such day: February 2027 has 28 days",
               "revision 1 of the 2026 plan is still open (draft, plan 2): change that one",
               "contains a NUL character (U+0000)", "may not hold control characters",
               "may not hold bidirectional override characters",
               "may not hold noncharacters (such as U+FFFE or U+FFFF)",
               "distributor 4 (Công ty Phụ tùng Đà Nẵng) is terminated: it takes no new orders"]
    with app.test_request_context("/", headers={"Accept-Language": "vi"}):
        as_sent = [m for m in sent_as if lp._why(m) == m
                   or not re.search("[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđ]",
                                    lp._why(m))]
        check(not as_sent, "the server's reasons the portal meets, in Vietnamese (%s)" % as_sent)
        # Units were bare digits beside amounts grouped as Vietnamese writes them (a try-out).
        counted = [app.jinja_env.filters["figure"](2500), app.jinja_env.filters["figure"](None),
                   app.jinja_env.filters["figure"](0, True)]
        check(counted == ["2.500", "0", ""], "counts as Vietnamese writes them (%s)" % counted)
        # Several empty sections: "A, B và C", not "A, B, C".
        joined = lp._why("the charter requires the sections inventory_on_hand, pipeline and "
                         "market_intelligence, and they are empty")
        check("” và “" in joined and joined.count("”, “") == 1,
              "several empty sections are joined with và before the last (%s)" % joined)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        joined = [lp._why("the charter requires the sections sales_by_line and "
                          "inventory_on_hand, and they are empty"),
                  lp._why("the charter requires the sections inventory_on_hand, pipeline and "
                          "market_intelligence, and they are empty")]
        check(joined == ["the charter requires the sections “sales by product line” and "
                         "“inventory on hand”, and they are empty",
                         "the charter requires the sections “inventory on hand”, “pipeline” and "
                         "“market intelligence”, and they are empty"],
              "empty sections are listed as A and B, or A, B and C (%s)" % joined)
    # Japanese quotes a name in 「」, not in English quotes (a try-out).
    with app.test_request_context("/", headers={"Accept-Language": "ja"}):
        joined = lp._why("the charter requires the sections sales_by_line and "
                         "inventory_on_hand, and they are empty")
        check("「" in joined and "“" not in joined,
              "several empty sections are quoted in 「」 in Japanese (%s)" % joined)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        bounds = [lp._why("at most 8000 bytes", "note"),
                  lp._why("longer than 4096 bytes of UTF-8", "title"),
                  lp._why("at most 16000 bytes", "initiatives[2].description")]
        check(bounds == ["at most 2000 characters", "at most 200 characters",
                         "at most 4000 characters"],
              "a text over its bound in bytes: the field's bound said in characters (%s)"
              % bounds)
        # A report sent signed out: its figures were numbered by how many came before (FLT's
        # as "row 1"), and the "nothing to report" boxes shown as codes (a try-out).
        kept = lp._typed(MultiDict([
            ("csrf_token", "x"), ("code_7", "BRK"), ("units_7", ""), ("currency_7", "VND"),
            ("code_9", "FLT"), ("units_9", "7"), ("currency_9", "VND"), ("competitor", "A"),
            ("activity", ""), ("competitor", ""), ("activity", "giảm giá"),
            ("nothing", "pipeline"), ("was_nothing", "pipeline")]))
        check(kept == [("Currency, BRK", "VND"), ("Units sold, FLT", "7"),
                       ("Currency, FLT", "VND"), ("Competitor, row 1", "A"),
                       ("What they did, row 2", "giảm giá"),
                       ("Nothing to report this month", "No open opportunities")],
              "a report sent signed out is given back by product line and row (%s)" % kept)

    # ---------------- sign out, then Back ----------------
    driver.get(base + "/orders/%d" % order1["id"])
    check("PT-100" in text(), "an order is on screen before signing out")
    click(driver.find_element(By.ID, "logout"))
    check(driver.current_url.startswith(base + "/login"), "signing out leads to the login page")
    said = driver.find_elements(By.ID, "signed-out")
    check(said and said[0].text == "Bạn đã đăng xuất.",
          "the sign-in page says the sign-out worked, in the reader's language (%s)"
          % [x.text for x in said])
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi",
          "the language chosen stays after signing out")
    driver.back()
    time.sleep(0.5)
    check("PT-100" not in driver.page_source and "Đơn tháng 12" not in driver.page_source,
          "after sign-out, Back shows no data")
    shot("after-logout-back")
    ok, _, errors = valid_html("/login")
    check(ok, "the login page is valid HTML5 %s" % errors)

    # ---------------- a busy distributor: its newest orders first ----------------
    # The server lists orders oldest first, 50 a page: a page of its first
    # orders alone would never show this month's.
    adm = liaison.Client(URL, ca=CA)
    adm.login(slug, "admin@%s.example" % slug, PASSWORD)
    busy = [adm.call("PlaceOrder", {"distributorId": d2, "currency": "JPY", "note": "注文 %d" % i,
                                    "lines": [{"sku": "PT-100", "quantity": 40,
                                               "unitPriceMinor": 100}]})["order"]["id"]
            for i in range(55)]
    adm.close()
    busy_jar = http.cookiejar.CookieJar()
    check(sign_in(busy_jar, "portal@tokyo.example") == (302, "/"), "d2's user signs in again")
    body = fetch("/orders", jar=busy_jar)[2]
    shown = [int(x) for x in re.findall(r'href="/orders/([0-9]+)"', body)]
    check(shown[:3] == [int(x) for x in busy[::-1][:3]] and len(shown) == 50
          and int(order2["id"]) not in shown,
          "a distributor with 56 orders sees its newest 50, newest first (%s)" % shown[:5])
    # Its older orders a page further, as the deals page them: "Older orders"
    # (?before=), every order once; one placed meanwhile shifts nothing.
    adm = liaison.Client(URL, ca=CA)
    adm.login(slug, "admin@%s.example" % slug, PASSWORD)
    all_d2 = sorted(int(o["id"]) for o in adm.items("ListOrders", {"distributorId": d2},
                                                      page_size=500))
    meanwhile = int(adm.call("PlaceOrder", {"distributorId": d2, "currency": "JPY",
                                            "note": "後の注文", "lines": [{
                                                "sku": "PT-100", "quantity": 40,
                                                "unitPriceMinor": 100}]})["order"]["id"])
    adm.close()
    older = re.search(r'id="more" href="([^"]+)">([^<]*)<', body)
    status, _, body = fetch(html.unescape(older.group(1)) if older else "/orders", jar=busy_jar)
    rest = [int(x) for x in re.findall(r'href="/orders/([0-9]+)"', body)]
    try:
        html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(body)
        parse_error = ""
    except html5lib.html5parser.ParseError as e:
        parse_error = str(e)
    check(older and older.group(2) == "Older orders" and status == 200 and not parse_error
          and rest == sorted(rest, reverse=True) and sorted(shown + rest) == all_d2
          and len(shown + rest) == len(set(shown + rest)) and meanwhile not in rest
          and 'id="more"' not in body and 'id="first-page"' in body,
          "its 'Older orders' link shows the other %d, newest first, none twice, and then no "
          "more, on a valid HTML5 page (%d %s %s)"
          % (len(all_d2) - len(shown), status, rest, parse_error))
    body = fetch("/orders", jar=busy_jar, headers={"Accept-Language": "vi"})[2]
    check("Các đơn hàng cũ hơn" in body
          and re.findall(r'href="/orders/([0-9]+)"', body)[:1] == [str(meanwhile)],
          "in Vietnamese the link reads 'Các đơn hàng cũ hơn'; the new order comes first")
    for forged in ("abc", "0", "9" * 30, "-1"):
        status, _, body = fetch("/orders?before=" + forged, jar=busy_jar)
        check(status == 400 and "This link is not valid" in body,
              "a forged 'older orders' link %r: 400, not 500 (%d)" % (forged, status))

    # ---------------- a report's lines after the charter is amended ----------------
    # From a user try-out: the charter covered two lines and the month's
    # report held figures for both; the exporter amended the charter to one
    # line and returned the report to draft. The form showed only the line
    # covered now, and Submit, which saves the form first, deleted the other
    # line's figures without a word.
    adm = liaison.Client(URL, ca=CA)
    adm.login(slug, "admin@%s.example" % slug, PASSWORD)
    filters = adm.call("CreateProductLine", {"code": "LOC", "name": "Lọc gió"})["productLine"]["id"]
    d3 = distributor(adm, "Phụ tùng Đà Nẵng", "TH", "Asia/Bangkok", ["vi"])
    terms = {"fullCoverage": False, "reportDueDay": 10,
             "reportSections": ["sales_by_line", "inventory_on_hand"]}
    first = adm.call("CreateCharterDraft", {"distributorId": d3})["charter"]["id"]
    adm.call("AddCharterGrant", {"charterId": first, "grant": {
        "region": "TH", "allLines": True, "startsOn": "2026-01-01"}})
    adm.call("SetCharterTerms", dict(terms, charterId=first, coveredLineIds=[line, filters]))
    adm.call("ActivateCharter", {"id": first})
    adm.call("CreateUser", {"email": "portal@danang.example", "role": "ROLE_DISTRIBUTOR_USER",
                            "distributorId": d3, "password": PASSWORD})
    dn = liaison.Client(URL, ca=CA)
    dn.login(slug, "portal@danang.example", PASSWORD)
    amended_rid = dn.call("OpenReport", {"period": REPORT_MONTH})["report"]["id"]
    dn.call("SaveReport", {"id": amended_rid, "sales": [
        {"productLineId": line, "units": 10, "revenueMinor": 1000, "currency": "VND"},
        {"productLineId": filters, "units": 300, "revenueMinor": 30000, "currency": "VND"}],
        "inventory": [{"productLineId": line, "unitsOnHand": 5},
                      {"productLineId": filters, "unitsOnHand": 40}]})
    dn.call("SubmitReport", {"id": amended_rid})
    second = adm.call("CreateCharterDraft", {"distributorId": d3})["charter"]["id"]
    adm.call("SetCharterTerms", dict(terms, charterId=second, coveredLineIds=[line]))
    adm.call("ActivateCharter", {"id": second})
    adm.call("ReopenReport", {"id": amended_rid, "comment": "Kiểm tra lại"})
    danang = http.cookiejar.CookieJar()
    check(sign_in(danang, "portal@danang.example") == (302, "/"), "d3's user signs in")
    status, _, body = fetch("/reports/%s" % amended_rid, jar=danang)
    check(status == 200 and 'name="units_%d" value="300"' % filters in body
          and 'name="onhand_%d" value="40"' % filters in body
          and "no longer covered by the charter" in body,
          "the draft's form keeps a line the charter no longer covers, with its figures and "
          "why it is there (%d)" % status)
    check("Returned to draft by the exporter:</strong> Kiểm tra lại" in body,
          "the draft says the exporter returned it, and why")
    # A deal is for the lines its charter covers: the form listed the whole catalogue.
    offered = re.findall(r'name="lines" value="([0-9]+)"', fetch("/leads/new", jar=danang)[2])
    check(offered == [str(line)], "the deal form offers only the covered line (%s, not %s)"
          % (offered, filters))
    form = [(html.unescape(k), html.unescape(v)) for k, v in re.findall(
        r'<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"', body)]
    status, headers, body = fetch("/reports/%s/submit" % amended_rid, form, jar=danang)
    kept = adm.call("GetReport", {"id": amended_rid})["report"]
    check(status in (302, 303) and kept.get("status") == "submitted"
          and sorted((s["productLineCode"], int(s.get("units", 0))) for s in kept.get("sales", []))
          == [("LOC", 300), ("PT", 10)]
          and sorted((s["productLineCode"], int(s.get("unitsOnHand", 0)))
                     for s in kept.get("inventory", [])) == [("LOC", 40), ("PT", 5)],
          "submitted unchanged from the portal, the month's figures of both lines are kept "
          "(%d %s)" % (status, kept))
    # The same form sent again (a double click) was refused as a save made after the page,
    # "nothing you typed here was saved", though all of it was (a try-out).
    status, _, body = fetch("/reports/%s/submit" % amended_rid, form, jar=danang)
    again = adm.call("GetReport", {"id": amended_rid})["report"]
    check(status == 200 and "You had already submitted this report (in another tab, or by "
          "sending the form twice): this submission changed nothing." in html.unescape(body)
          and "error-message" not in body and again.get("revision") == kept.get("revision"),
          "the form submitted twice says it was already submitted (%d %s)"
          % (status, re.findall(r'(?:notice|error-message)"[^>]*>[^<]*', body)))
    # Submitted again, the return's comment is no longer the last word: said as what it was;
    # the figures sit under a heading of their own (they had none).
    body = fetch("/reports/%s" % amended_rid, jar=danang)[2]
    check("When it was returned to draft:</strong> Kiểm tra lại" in body
          and "Sales by product line</h2>" in body,
          "the resubmitted report labels the old comment and heads its sales table")
    # Submit refused for two empty sections: one sentence, capitalised, "A and B".
    empty_rid = dn.call("OpenReport", {"period": LAST_MONTH})["report"]["id"]
    csrf = csrf_of(fetch("/reports/%s" % empty_rid, jar=danang)[2])
    status, _, body = fetch("/reports/%s/submit" % empty_rid, {"csrf_token": csrf}, jar=danang)
    check(status == 400 and "The charter requires the sections “sales by product line” and "
          "“inventory on hand”, and they are empty" in html.unescape(body),
          "a submission refused for two empty sections reads as a sentence (%d %s)"
          % (status, re.findall(r'error-message"[^>]*>[^<]*', body)))
    # A draft past its due day said only "draft" where the CLI said OVERDUE (a try-out).
    t.psql("UPDATE monthly_reports SET due_on = '2000-01-10' WHERE id = %s" % empty_rid)
    status, _, body = fetch("/reports", jar=danang)
    row = [x for x in body.split("<tr") if 'reports/%s"' % empty_rid in x]
    check(status == 200 and row and 'class="overdue"' in row[0] and 'class="late">' in row[0],
          "a draft past its due day reads overdue on the list (%d %s)" % (status, row))
    status, _, body = fetch("/reports/%s" % empty_rid, jar=danang)
    check(status == 200 and re.search(r'class="meta">[^<]*<strong class="late">', body),
          "... and on its page (%d %s)" % (status, re.findall(r'class="meta">.{0,200}', body)))
    dn.close()

    # ---------------- the month a new relationship's report form offers ----------------
    # A try-out: a distributor whose grant began this month was offered last
    # month, which OpenReport refuses as before the relationship; one whose
    # grant begins next month was offered a month it could not open either.
    # Their zone is UTC, the zone REPORT_MONTH is reckoned in.
    next_month = "%04d-%02d" % ((_now.tm_year, _now.tm_mon + 1) if _now.tm_mon < 12
                                else (_now.tm_year + 1, 1))
    for n, (region, starts, offered) in enumerate((("KH", REPORT_MONTH, REPORT_MONTH),
                                                   ("LA", next_month, ""))):
        dx = distributor(adm, "Đại lý mới %d 新規" % n, region, "UTC", ["vi", "ja"])
        cx = adm.call("CreateCharterDraft", {"distributorId": dx})["charter"]["id"]
        adm.call("AddCharterGrant", {"charterId": cx, "grant": {
            "region": region, "allLines": True, "startsOn": starts + "-01"}})
        adm.call("SetCharterTerms", {"charterId": cx, "fullCoverage": True, "reportDueDay": 10,
                                     "reportSections": ["sales_by_line"]})
        adm.call("ActivateCharter", {"id": cx})
        email = "portal%d@new-%s.example" % (n, region.lower())
        adm.call("CreateUser", {"email": email, "role": "ROLE_DISTRIBUTOR_USER",
                                "distributorId": dx, "password": PASSWORD})
        jar = http.cookiejar.CookieJar()
        check(sign_in(jar, email) == (302, "/"), "the new distributor's user signs in")
        status, _, body = fetch("/reports", jar=jar, headers={"Accept-Language": "ja"})
        m = re.search(r'<input id="period" name="period" value="([^"]*)"', body)
        notice = re.search(r'id="first-report">([^<]*)<', body)
        check(status == 200 and m and m.group(1) == offered,
              "a relationship beginning %s offers %r, a month it can open (%s)"
              % (starts, offered, m and m.group(1)))
        check(bool(notice) == (offered == "") and (not notice or next_month in notice.group(1)
                                                     and "最初の月次報告" in notice.group(1)),
              "a relationship not yet begun says when its first report opens, in the reader's "
              "language (%s)" % (notice and html.unescape(notice.group(1))))
        if offered:
            csrf = csrf_of(body)
            status, headers, _ = fetch("/reports", {"csrf_token": csrf, "period": offered},
                                       jar=jar)
            check(status in (302, 303) and "/reports/" in headers.get("Location", ""),
                  "the month offered opens (%d)" % status)

    # ---------------- the reports owed ----------------
    # A month none was opened for was in no list of the portal (a try-out): the page lists the
    # months over whose report is not in, each with its way to it, in the reader's language.
    dx = distributor(adm, "Đại lý nợ báo cáo 未提出", "MM", "UTC", ["vi", "ja"])
    cx = adm.call("CreateCharterDraft", {"distributorId": dx})["charter"]["id"]
    adm.call("AddCharterGrant", {"charterId": cx, "grant": {
        "region": "MM", "allLines": True, "startsOn": "2020-01-01"}})
    adm.call("SetCharterTerms", {"charterId": cx, "fullCoverage": True, "reportDueDay": 10,
                                 "reportSections": ["sales_by_line"]})
    adm.call("ActivateCharter", {"id": cx})
    t.psql("UPDATE charters SET activated_at = now() - interval '100 days' WHERE id = %d" % cx)
    owed = [r["period"] for r in adm.items("ListReportsOwed", {"distributorId": dx})]
    adm.call("CreateUser", {"email": "portal@owed-mm.example", "role": "ROLE_DISTRIBUTOR_USER",
                            "distributorId": dx, "password": PASSWORD})
    jar = http.cookiejar.CookieJar()
    check(sign_in(jar, "portal@owed-mm.example") == (302, "/"), "the owing distributor signs in")
    status, _, body = fetch("/reports", jar=jar, headers={"Accept-Language": "ja"})
    table = body.split('id="reports-owed"', 1)[-1].split("</table>", 1)[0]
    shown = re.findall(r"<tr[^>]*><td>(\d{4}-\d\d)</td>", table)
    check(status == 200 and len(owed) >= 2 and shown == owed and "未提出の月次報告" in body
          and table.count("報告を開く") == len(owed),
          "the reports page lists each month owed, oldest first, each with its button, in"
          " Japanese (%s %s)" % (owed, shown))
    status, headers, _ = fetch("/reports", {"csrf_token": csrf_of(body), "period": owed[0]},
                               jar=jar)
    status2, _, body = fetch("/reports", jar=jar, headers={"Accept-Language": "ja"})
    table = body.split('id="reports-owed"', 1)[-1].split("</table>", 1)[0]
    check(status in (302, 303) and "/reports/" in headers.get("Location", "")
          and "続ける" in table and "下書き" in table and table.count("報告を開く") == len(owed) - 1,
          "its button opens the month, which stays owed as a draft to continue (%d %s)"
          % (status, re.findall(r"<tr.*?</tr>", table, re.S)[:1]))

    # ---------------- from the distributor try-out of the portal's report and lists ----------------
    # A distributor in Malaysia (MYR by its country) selling in VND and USD, with more
    # deals, customers, action items and documents than a page holds.
    trims = adm.call("CreateProductLine", {"code": "TA", "name": "Trang trí"})["productLine"]["id"]
    adm.call("CreateProductLine", {"code": "KX", "name": "Khác"})  # a line with no figures
    d4 = distributor(adm, "Phụ tùng Kuala Lumpur", "MY", "Asia/Kuala_Lumpur", ["vi", "en"])
    kl_charter = adm.call("CreateCharterDraft", {"distributorId": d4})["charter"]["id"]
    adm.call("AddCharterGrant", {"charterId": kl_charter, "grant": {
        "region": "MY", "allLines": True, "startsOn": "2026-01-01"}})
    adm.call("SetCharterTerms", {"charterId": kl_charter, "fullCoverage": True,
                                 "reportDueDay": 10, "reportSections": ["sales_by_line"]})
    adm.call("ActivateCharter", {"id": kl_charter})
    adm.call("CreateUser", {"email": "portal@kl.example", "role": "ROLE_DISTRIBUTOR_USER",
                            "distributorId": d4, "password": PASSWORD})
    kl_contact = adm.call("CreateContact", {"distributorId": d4, "fields": {
        "name": "Lim Wei", "email": "lim@kl.example"}})["contact"]["id"]
    kl = http.cookiejar.CookieJar()
    check(sign_in(kl, "portal@kl.example") == (302, "/"), "d4's user signs in")
    vi_hdr = {"Accept-Language": "vi"}

    def new_deal_currency():
        body = fetch("/leads/new", jar=kl)[2]
        m = re.search(r'<input id="currency" name="currency" type="text" value="([^"]*)"', body)
        return m.group(1) if m else None

    # 5. The new-deal form's currency: the last deal's, else the last order's, else its
    # country's (it was USD: a deal with a customer in Malaysia is in ringgit first).
    check(new_deal_currency() == "MYR", "no deal and no order: a new deal starts in its"
          " country's currency (%s)" % new_deal_currency())
    adm.call("PlaceOrder", {"distributorId": d4, "currency": "VND", "lines": [
        {"sku": "PT-100", "quantity": 25, "unitPriceMinor": 150000}]})
    check(new_deal_currency() == "VND", "no deal yet: it starts in its last order's currency, "
          "not USD (%s)" % new_deal_currency())
    kd = liaison.Client(URL, ca=CA)
    kd.login(slug, "portal@kl.example", PASSWORD)
    deals = [kd.call("RegisterLead", {
        "distributorId": d4, "accountName": "Khách hàng KL %02d" % i, "country": "MY",
        "title": "Deal KL %02d" % i, "valueMinor": 1000 + i,
        "currency": "VND" if i % 2 else "USD"})["lead"]["id"] for i in range(56)]
    check(new_deal_currency() == "VND", "its last deal's currency, VND, over USD (%s)"
          % new_deal_currency())

    # 2. Lists longer than a page: the leads newest first, and every row reached by "More".
    status, _, body = fetch("/leads", jar=kl)
    first = [int(x) for x in re.findall(r'href="/leads/([0-9]+)"', body)]
    more = re.search(r'id="more" href="([^"]+)"', body)
    check(status == 200 and first[:2] == [int(deals[-1]), int(deals[-2])] and len(first) == 50,
          "the leads page shows the newest deals first, 50 of them (%s)" % first[:4])
    status, _, body = fetch(html.unescape(more.group(1)) if more else "/leads", jar=kl)
    rest = [int(x) for x in re.findall(r'href="/leads/([0-9]+)"', body)]
    check(more and status == 200 and sorted(first + rest) == sorted(int(x) for x in deals)
          and 'id="more"' not in body and 'id="first-page"' in body,
          "its 'Older deals' link shows the other 6, and then no more (%d %s)" % (status, rest))
    for forged in ("abc", "0", "9" * 30):
        status, _, body = fetch("/leads?before=" + forged, jar=kl)
        check(status == 400 and "This link is not valid" in body,
              "a forged 'older' link %r: 400, not 500 (%d)" % (forged, status))
    for i in range(51):
        adm.call("CreateActionItem", {"distributorId": d4, "description": "Việc KL %02d" % i,
                                      "ownerContactId": kl_contact, "dueOn": "2099-01-%02d"
                                      % (1 + i % 28)})
        adm.call("CreateDocument", {"kind": "other", "title": "Tài liệu KL %02d" % i,
                                    "language": "vi", "share": [d4], "mediaType": "text/plain",
                                    "content": base64.b64encode(b"x").decode()})
    cursors = {}
    for path, pattern, total in (("/actions", r'Việc KL ([0-9]+)', 51),
                                 ("/documents", r'Tài liệu KL ([0-9]+)', 51),
                                 ("/customers", r'Khách hàng KL ([0-9]+)', 56),
                                 ("/customers?q=KL", r'Khách hàng KL ([0-9]+)', 56)):
        seen, page, pages = [], path, 0
        while page and pages < 5:
            status, _, body = fetch(page, jar=kl)
            check(status == 200, "%s: 200 (%d)" % (page, status))
            seen += re.findall(pattern, body)
            more = re.search(r'id="more" href="([^"]+)"', body)
            page = html.unescape(more.group(1)) if more else ""
            if page:
                cursors[path] = page
            pages += 1
        check(pages == 2 and sorted(set(seen)) == sorted("%02d" % i for i in range(total))
              and len(seen) == total,
              "%s: every one of its %d rows, a page and then 'More' (%d pages, %d rows)"
              % (path, total, pages, len(seen)))
    check("q=KL" in cursors.get("/customers?q=KL", ""), "the customers' 'More' keeps the search")

    def cursor_of(path):
        """The server's cursor in path's 'More' link ("x" when it has none)."""
        return urllib.parse.parse_qs(urllib.parse.urlsplit(cursors.get(path, "")).query).get(
            "cursor", ["x"])[0]
    for path in ("/actions?cursor=AAAAAAAA", "/documents?cursor=" + cursor_of("/actions"),
                 "/customers?q=other&cursor=" + cursor_of("/customers"),
                 "/customers?cursor=a%20b", "/actions?cursor=" + "A" * 600):
        status, _, body = fetch(path, jar=kl)
        check(status == 400 and "This link is not valid" in body,
              "a cursor forged or of another list or search (%s): a 400 page, not 500 (%d)"
              % (path[:60], status))

    # 1. A report in two currencies keeps each line's own, shown in its own minor units.
    rid4 = kd.call("OpenReport", {"period": REPORT_MONTH})["report"]["id"]
    kd.call("SaveReport", {"id": rid4, "sections": ["sales_by_line"], "sales": [
        {"productLineId": line, "units": 10, "revenueMinor": 250000000, "currency": "VND"},
        {"productLineId": filters, "units": 7, "revenueMinor": 3000000, "currency": "VND"},
        {"productLineId": trims, "units": 4, "revenueMinor": 120000, "currency": "USD"}]})
    before4 = kd.call("GetReport", {"id": rid4})["report"]

    def report_form():
        """The report's form as its page fills it in, to send as it is."""
        return dict((html.unescape(k), html.unescape(v)) for k, v in re.findall(
            r'<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"',
            fetch("/reports/%s" % rid4, jar=kl)[2]))
    status, _, body = fetch("/reports/%s" % rid4, jar=kl)
    boxes = dict((html.unescape(k), html.unescape(v)) for k, v in re.findall(
        r'<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"', body))
    others = [k for k in boxes if k.startswith("currency_") and k not in (
        "currency_%d" % line, "currency_%d" % filters, "currency_%d" % trims)]
    check(status == 200 and boxes.get("revenue_%d" % trims) == "1200.00"
          and boxes.get("currency_%d" % trims) == "USD"
          and boxes.get("revenue_%d" % line) == "250000000"
          and boxes.get("currency_%d" % line) == "VND" and "currency" not in boxes
          and others and all(boxes[k] == "VND" for k in others),
          "each line shows its own currency and its revenue in that currency's units; a line "
          "with no figures starts in the currency most lines use, VND, not MYR (%d %s)"
          % (status, {k: v for k, v in boxes.items() if k.startswith(("revenue_", "currency_"))}))
    status, headers, _ = fetch("/reports/%s/save" % rid4, boxes, jar=kl)
    after4 = kd.call("GetReport", {"id": rid4})["report"]

    def sold(rep):
        return sorted((x["productLineCode"], int(x.get("units", 0)), int(x.get("revenueMinor", 0)),
                       x["currency"]) for x in rep.get("sales", []))
    check(status == 303 and sold(after4) == sold(before4),
          "saved unchanged from the portal, the report is unchanged: TA stays 1200 USD (%d %s)"
          % (status, sold(after4)))
    # 4. Saving a draft says so.
    status, _, body = fetch(headers.get("Location", "/"), jar=kl)
    check('id="report-notice"' in body and "The draft is saved." in body,
          "saving the draft shows a notice (%d)" % status)
    body = fetch(headers.get("Location", "/"), jar=kl, headers=vi_hdr)[2]
    check("Bản nháp đã được lưu." in body, "... in Vietnamese too")
    # In Vietnamese the cents come with a decimal comma, and are read back as they are shown.
    body = fetch("/reports/%s" % rid4, jar=kl, headers=vi_hdr)[2]
    vi_boxes = dict((html.unescape(k), html.unescape(v)) for k, v in re.findall(
        r'<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"', body))
    fetch("/reports/%s/save" % rid4, vi_boxes, jar=kl, headers=vi_hdr)
    check(vi_boxes.get("revenue_%d" % trims) == "1200,00"
          and sold(kd.call("GetReport", {"id": rid4})["report"]) == sold(before4),
          "in Vietnamese: 1200,00 USD, saved back unchanged (%s)"
          % vi_boxes.get("revenue_%d" % trims))
    # A line's currency changed, a new line in its own: each saved in its own.
    form = dict(report_form(), **{"revenue_%d" % trims: "99.5", "currency_%d" % trims: "eur"})
    if others:
        form[others[0]] = "MYR"
        form["units_" + others[0][9:]] = "3"
        form["revenue_" + others[0][9:]] = "10.25"
    status, _, body = fetch("/reports/%s/save" % rid4, form, jar=kl)
    got = {x["productLineCode"]: (int(x.get("revenueMinor", 0)), x["currency"])
           for x in kd.call("GetReport", {"id": rid4})["report"].get("sales", [])}
    check(status == 303 and got.get("TA") == (9950, "EUR") and got.get("PT") == (250000000, "VND")
          and (1025, "MYR") in got.values(),
          "each line is saved in the currency typed beside it (%d %s)" % (status, got))
    # A currency the server refuses is named by its line.
    status, _, body = fetch("/reports/%s/save" % rid4, dict(form, **{
        "currency_%d" % trims: "XYZ"}), jar=kl)
    check(status == 400 and "TA, currency: not an ISO 4217 currency code" in html.unescape(body)
          and 'value="XYZ"' in body,
          "a line's currency the server refuses: said of that line, the form kept (%d %s)"
          % (status, re.findall(r'error-message"[^>]*>[^<]*', body)))
    # An amount with more decimals than its currency has: USD two, KWD three.
    for currency, typed, said in (
            ("USD", "12.345", "TA: revenue in USD allows at most 2 decimals, e.g. 1,250.50."),
            ("KWD", "1.2345", "TA: revenue in KWD allows at most 3 decimals, e.g. 1,250.500.")):
        status, _, body = fetch("/reports/%s/save" % rid4, dict(boxes, **{
            "revenue_%d" % trims: typed, "currency_%d" % trims: currency}), jar=kl)
        check(status == 400 and said in body and 'value="%s"' % typed in body,
              "a %s revenue of %s: refused, naming the currency's decimals, the form as typed "
              "(%d %s)" % (currency, typed, status,
                           re.findall(r'error-message"[^>]*>[^<]*', body)))
    # 6. A VND amount with decimals: the currency has none.
    status, _, body = fetch("/reports/%s/save" % rid4, dict(boxes, **{
        "revenue_%d" % line: "150,000,000.50"}), jar=kl)
    check(status == 400 and "PT: revenue in VND has no decimals: a whole amount, e.g. "
          "1,250,000." in body and "whole number, 0 or more" not in body,
          "a VND revenue with decimals: VND has none, said so (%d %s)"
          % (status, re.findall(r'error-message"[^>]*>[^<]*', body)))
    # "125.000" in English: ₫125 or ₫125,000? It was taken as ₫125 without a word.
    for hdr, form_boxes, typed in (({}, boxes, "125.000"), (vi_hdr, vi_boxes, "125,000")):
        status, _, body = fetch("/reports/%s/save" % rid4, dict(form_boxes, **{
            "revenue_%d" % line: typed}), jar=kl, headers=hdr)
        check(status == 400 and ("PT: revenue in VND has no decimals" in body
                                 or "PT: doanh thu bằng VND không có phần thập phân" in body)
              and 'value="%s"' % typed in body,
              "a VND revenue of %s (a decimal sign, or a thousands' group?): refused, not "
              "taken as 125 (%d %s)" % (typed, status,
                                         re.findall(r'error-message"[^>]*>[^<]*', body)))
    # "52.000.000" in English, the units fine: both were blamed, and which was wrong unsaid
    # (a try-out).
    status, _, body = fetch("/reports/%s/save" % rid4, dict(boxes, **{
        "revenue_%d" % line: "52.000.000"}), jar=kl)
    check(status == 400 and "PT: the revenue 52.000.000 is not an amount as this page's language"
          " writes one, e.g. 1,250,000." in html.unescape(body)
          and "whole number, 0 or more" not in body,
          "a revenue written as another language writes it is named as the revenue (%d %s)"
          % (status, re.findall(r'error-message"[^>]*>[^<]*', body)))
    status, _, body = fetch("/reports/%s/save" % rid4, dict(vi_boxes, **{
        "revenue_%d" % line: "150.000.000,50"}), jar=kl, headers=vi_hdr)
    check(status == 400 and "PT: doanh thu bằng VND không có phần thập phân" in body
          and 'value="150.000.000,50"' in body,
          "... and in Vietnamese, the form as typed (%d %s)"
          % (status, re.findall(r'error-message"[^>]*>[^<]*', body)))
    # The pipeline takes each deal's own currency, and keeps it through a save.
    status, _, _ = fetch("/reports/%s/pipeline" % rid4, report_form(), jar=kl)
    status2, _, _ = fetch("/reports/%s/save" % rid4, report_form(), jar=kl)
    pipe = {p["title"]: (int(p.get("valueMinor", 0)), p["currency"])
            for p in kd.call("GetReport", {"id": rid4})["report"].get("pipeline", [])}
    check((status, status2) == (302, 303) and pipe.get("Deal KL 01") == (1001, "VND")
          and pipe.get("Deal KL 02") == (1002, "USD") and len(pipe) == 56,
          "the pipeline keeps each deal's currency through the portal's saves (%d %d %s)"
          % (status, status2, list(pipe.items())[:3]))

    # 3. The correction reads and words value and close as the new-deal form does.
    lead4 = deals[-1]  # a VND deal
    csrf = csrf_of(fetch("/leads/%s" % lead4, jar=kl)[2])

    def field_errors(body):
        return [html.unescape(x) for x in re.findall(r'class="field-error">([^<]*)<', body)]
    said = {}
    for value, close in (("abc", "2099-13-40"), ("150.000.000,50", ""), ("1,5", ""),
                         ("12", "2099-02-29")):
        _, _, new_body = fetch("/leads/new", {"csrf_token": csrf, "account_name": "Garage KL",
                                              "country": "MY", "title": "x", "value": value,
                                              "currency": "VND", "expected_close": close},
                               jar=kl, headers=vi_hdr)
        status, _, body = fetch("/leads/%s/correct" % lead4, {
            "csrf_token": csrf, "value": value, "expected_close": close}, jar=kl, headers=vi_hdr)
        check(status == 400 and field_errors(body) and field_errors(body) == field_errors(new_body)
              and 'value="%s"' % value in body,
              "a correction's value %r and close %r: refused as the new-deal form refuses them, "
              "in the same words, as typed (%s / %s)"
              % (value, close, field_errors(body), field_errors(new_body)))
        said[value] = " ".join(field_errors(body))
    check("một số tiền từ 0 trở lên" in said["abc"] and "dương" not in said["abc"]
          and "VND không có phần thập phân" in said["1,5"]
          and "Không có ngày ‘2099-02-29’: tháng 2 năm 2099 chỉ có 28 ngày" in said["12"],
          "the value's words say 0 or more, as both forms take 0; VND has no decimals; a day"
          " February lacks is said so (%s)"
          % said)
    # A close already past is the server's to refuse (the distributor's today): its sentence
    # reached the vi portal in English once the server named the days (a try-out).
    _, _, body = fetch("/leads/new", {"csrf_token": csrf, "account_name": "Garage KL",
                                      "country": "MY", "title": "x", "value": "12",
                                      "currency": "VND", "expected_close": "2020-01-02"},
                       jar=kl, headers=vi_hdr)
    check(any(e.startswith("không được là ngày đã qua: 2020-01-02 là trước hôm nay, ")
              for e in field_errors(body)) and "not in the past" not in body,
          "a past close is refused in Vietnamese, naming the day (%s)" % field_errors(body))
    # USD 12.345: USD has two decimals. The new deal, its correction and an
    # order's price say so in the same words, and keep what was typed.
    usd_lead = deals[-2]
    for hdr, typed, said, box in (
            ({}, "12.345", "USD allows at most 2 decimals, e.g. 1,250.50", "Unit price: "),
            (vi_hdr, "12,345", "USD chỉ cho phép tối đa 2 chữ số thập phân, ví dụ 1.250,50",
             "Đơn giá: ")):
        bodies = [fetch("/leads/new", {
            "csrf_token": csrf, "account_name": "Phụ tùng Sài Gòn", "country": "MY",
            "title": "ブレーキパッド 12", "value": typed, "currency": "USD",
            "expected_close": ""}, jar=kl, headers=hdr),
            fetch("/leads/%s/correct" % usd_lead, {"csrf_token": csrf, "value": typed,
                                                   "expected_close": ""}, jar=kl, headers=hdr),
            fetch("/orders/new", {"csrf_token": csrf, "key": "dec-%s-%s" % (typed, RUN),
                                  "currency": "USD", "note": "Phụ tùng Sài Gòn – 東京",
                                  "sku0": "PT-100", "quantity0": "25", "price0": typed},
                  jar=kl, headers=hdr)]
        kept = int(kd.call("GetLead", {"id": usd_lead})["lead"].get("valueMinor", 0))
        check([b[0] for b in bodies] == [400, 400, 400] and kept == 1000 + 54
              and all(want in field_errors(b[2]) and 'value="%s"' % typed in b[2]
                      for b, want in zip(bodies, (said, said, box + said))),
              "USD %s: the new deal, the correction and an order refuse it, naming USD's two "
              "decimals, as typed; the deal keeps its value (%s %s)"
              % (typed, [(b[0], field_errors(b[2])) for b in bodies], kept))
    status, headers, _ = fetch("/leads/%s/correct" % lead4, {"csrf_token": csrf, "value": "0",
                                                             "expected_close": ""}, jar=kl)
    check(status == 303 and int(kd.call("GetLead", {"id": lead4})["lead"].get("valueMinor", 0))
          == 0, "a value of 0 is taken, as the new-deal form takes it (%d)" % status)
    # 4. Correcting a deal and adding a note say so.
    status, headers, _ = fetch("/leads/%s/correct" % lead4, {
        "csrf_token": csrf, "value": "2.500.000", "expected_close": "2099-06-30"},
        jar=kl, headers=vi_hdr)
    body = fetch(headers.get("Location", "/"), jar=kl, headers=vi_hdr)[2]
    check(status == 303 and 'id="lead-notice"' in body and "Giao dịch đã được sửa." in body
          and "2.500.000" in body and "2099-06-30" in body,
          "a deal corrected: a notice says so, in Vietnamese (%d)" % status)
    kd.close()
    saigon = http.cookiejar.CookieJar()
    sign_in(saigon, "portal@saigon.example")
    page = fetch("/meetings/%d" % held, jar=saigon)[2]
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    status, headers, _ = fetch("/meetings/%d/notes" % held, {
        "csrf_token": csrf_of(page), "key": key, "body": "Biên bản có thông báo",
        "language": "vi"}, jar=saigon)
    body = fetch(headers.get("Location", "/"), jar=saigon)[2]
    check(status == 303 and 'id="note-notice"' in body and "Your note is added." in body
          and "Biên bản có thông báo" in body, "a note added: a notice says so (%d)" % status)
    for path in ("/leads", "/actions", "/documents", "/customers", "/reports/%s" % rid4,
                 "/leads/%s" % lead4, "/leads/new"):
        for hdr in ({}, vi_hdr):
            status, _, body = fetch(path, jar=kl, headers=hdr)
            try:
                html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(body)
                parse_error = ""
            except html5lib.html5parser.ParseError as e:
                parse_error = str(e)
            check(status == 200 and not parse_error, "%s (%s): 200, valid HTML5 (%d %s)"
                  % (path, hdr.get("Accept-Language", "en"), status, parse_error))
    adm.close()

    # ---------------- a cross-site form, an old sign-in page ----------------
    # A form posted from another site comes without the session cookie (SameSite): answered
    # with a new session's cookie, it signed the user out of every tab (a try-out).
    status, headers, _ = fetch("/actions/1/done", {"x": "1"}, cookie=False,
                               headers={"Sec-Fetch-Site": "cross-site",
                                        "Origin": "http://evil.example"})
    check(status == 400 and "Set-Cookie" not in headers,
          "a cross-site form without a cookie is refused and sets none (%d %s)"
          % (status, headers.get("Set-Cookie")))
    # A sign-in page left open past its session (overnight) answered an error page that lost
    # what was typed: the form again, organisation and e-mail kept, a session to send it with.
    old_page = http.cookiejar.CookieJar()
    stale = login_csrf(old_page)
    status, headers, body = fetch("/login", {"csrf_token": stale, "tenant": slug,
                                             "email": "portal@saigon.example",
                                             "password": PASSWORD}, cookie=False,
                                  headers={"Sec-Fetch-Site": "same-origin"})
    check(status == 400 and 'id="sign-in"' in body and 'value="%s"' % slug in body
          and 'value="portal@saigon.example"' in body
          and "Your session has ended: sign in again." in body
          and "liaison_portal=" in headers.get("Set-Cookie", ""),
          "an expired sign-in page comes back with what was typed (%d)" % status)
    # A sign-in page left open while the user signed in in another tab said the session had
    # ended, though it had just begun (a review): that sign-in stands.
    both = http.cookiejar.CookieJar()
    stale = login_csrf(both)
    check(sign_in(both, "portal@saigon.example")[0] == 302, "signed in in another tab")
    status, headers, _ = fetch("/login", {"csrf_token": stale, "tenant": slug,
                                          "email": "portal@saigon.example",
                                          "password": PASSWORD}, jar=both,
                               headers={"Sec-Fetch-Site": "same-origin"})
    check(status == 303 and headers.get("Location", "").endswith("/")
          and fetch("/", jar=both)[0] == 200,
          "the older sign-in page leads to the start page, still signed in (%d %s)"
          % (status, headers.get("Location")))

    # ---------------- a distributor user's own password ----------------
    # Only the command line changed it: the password the exporter chose and sent stayed in
    # use (a try-out).
    adm = liaison.Client(URL, ca=CA)
    adm.login(slug, "admin@%s.example" % slug, PASSWORD)
    adm.call("CreateUser", {"email": "doi-mat-khau@saigon.example",
                            "role": "ROLE_DISTRIBUTOR_USER", "distributorId": d1,
                            "password": PASSWORD})
    adm.close()
    pw = http.cookiejar.CookieJar()
    check(sign_in(pw, "doi-mat-khau@saigon.example") == (302, "/"), "a new user signs in")
    other = liaison.Client(URL, ca=CA)
    other.login(slug, "doi-mat-khau@saigon.example", PASSWORD)
    status, _, body = fetch("/password", jar=pw, headers=vi_hdr)
    check(status == 200 and 'id="change-password"' in body and "Mật khẩu hiện tại" in body
          and 'href="/password"' in body, "the password page, linked from every page (%d)"
          % status)
    token = csrf_of(body)
    new_pw = "Mật khẩu mới 2026 ✓"
    for form, said in (({"current": PASSWORD, "new": new_pw, "again": new_pw + "x"},
                        "The two new passwords are not the same."),
                       ({"current": PASSWORD, "new": "ngắn", "again": "ngắn"},
                        "The new password must be at least 12 characters."),
                       ({"current": "not the password", "new": new_pw, "again": new_pw},
                        "The current password is not right."),
                       # Changed to itself, a password someone else chose stayed in use.
                       ({"current": PASSWORD, "new": PASSWORD, "again": PASSWORD},
                        "The new password must not be the current one."),
                       ({"current": PASSWORD, "new": "", "again": ""},
                        "Enter your current password and the new one twice."),
                       ({"current": PASSWORD, "new": "m" * 20000, "again": "m" * 20000},
                        "The new password must be at most 128 bytes."),
                       ({"current": "c" * 20000, "new": new_pw, "again": new_pw},
                        "The current password is not right.")):
        status, _, body = fetch("/password", dict(form, csrf_token=token), jar=pw)
        check(status == 400 and html.escape(said, quote=True) in body
              and 'id="password-changed"' not in body,
              "a refused change says why: %s (%d)" % (said, status))
    status, _, body = fetch("/password", {"csrf_token": token, "current": PASSWORD,
                                          "new": new_pw, "again": new_pw}, jar=pw)
    check(status == 200 and 'id="password-changed"' in body,
          "the password is changed, and it says so (%d)" % status)
    check(fetch("/", jar=pw)[0] == 200, "this session goes on")
    # Sent after the session ended, the form came back "to copy" with the three passwords in
    # clear (a review).
    gone = http.cookiejar.CookieJar()
    status, headers, body = fetch("/login", {"tenant": slug, "email":
                                             "doi-mat-khau@saigon.example", "password": new_pw,
                                             "csrf_token": login_csrf(gone)}, jar=gone)
    check(status == 302, "signed in with the new password in another browser (%d %s)"
          % (status, body[-300:]))
    stale = csrf_of(fetch("/password", jar=gone)[2])
    fetch("/logout", {"csrf_token": stale}, jar=gone)
    status, _, body = fetch("/password", {"csrf_token": stale, "current": new_pw,
                                          "new": "Bí mật không lộ 2027", "again":
                                          "Bí mật không lộ 2027"}, jar=gone)
    check(status == 303 and html.escape(new_pw) not in body and "Bí mật không lộ" not in body,
          "a password form sent after signing out shows no password back: it leads to sign "
          "in (%d %s)" % (status, body[-500:]))
    # The start page named the account manager with no way to reach them (a try-out).
    adm = liaison.Client(URL, ca=CA)
    adm.login(slug, "admin@%s.example" % slug, PASSWORD)
    adm.call("AssignAccountManager", {"id": d1, "userId": manager})
    adm.close()
    body = fetch("/", jar=pw)[2]
    check('href="mailto:manager@%s.example" id="manager-email"' % slug in body,
          "the start page gives the account manager's e-mail")
    try:
        other.call("WhoAmI")
        ended = False
    except liaison.Unauthenticated:
        ended = True
    other.close()
    check(ended, "the user's other sessions are ended")
    check(sign_in(http.cookiejar.CookieJar(), "doi-mat-khau@saigon.example")[0] == 401,
          "the old password signs in no more")
    fresh = http.cookiejar.CookieJar()
    form = {"tenant": slug, "email": "doi-mat-khau@saigon.example", "password": new_pw,
            "csrf_token": login_csrf(fresh)}
    check(fetch("/login", form, jar=fresh)[0] == 302, "the new one does")
    # A pasted 20,000-character password was told to try again in a moment ("busy").
    long_jar = http.cookiejar.CookieJar()
    form = {"tenant": slug, "email": "doi-mat-khau@saigon.example", "password": "p" * 20000,
            "csrf_token": login_csrf(long_jar)}
    status, _, body = fetch("/login", form, jar=long_jar)
    check(status == 401 and "The organisation, e-mail or password is not right." in body
          and "right now" not in body, "an over-long password is not right, not busy (%d)"
          % status)
finally:
    driver.quit()
    portal.terminate()
    try:
        portal.wait(timeout=10)
    except subprocess.TimeoutExpired:
        portal.kill()
    portal_log.close()
    op.close()

log = open(os.path.join(SHOTS, "portal.log")).read()
check("Traceback" not in log and "AddressSanitizer" not in log,
      "the portal logged no exception (%s)" % log[-500:])
t.finish("test_portal")
