#!/usr/bin/python3
"""deploy/dev-seed.py VAR_DIR - a demonstration tenant for development, made
once through the Python binding: the exporter "demo" (Công ty Xuất khẩu Bình
Minh), its product line, a Vietnamese distributor with an active charter,
two contacts and a distributor user for the portal. The passwords are
random and written to VAR_DIR/demo-logins (readable by its owner only).
Running it again when the tenant exists changes nothing.

Needs LIAISON_URL, LIAISON_CA and LIAISON_LIBRARY; the operator token is
read from VAR_DIR/operator.token."""
import os
import secrets
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "client-lib", "python"))
import liaison  # noqa: E402

var = sys.argv[1]
logins = os.path.join(var, "demo-logins")
url, ca = os.environ["LIAISON_URL"], os.environ["LIAISON_CA"]
with open(os.path.join(var, "operator.token")) as f:
    operator = f.read().strip()

with liaison.Client(url, ca=ca, token=operator) as op:
    try:
        op.call("GetTenant", {"slug": "demo"})
        sys.exit(0)
    except liaison.NotFound:
        pass
    admin_pw, portal_pw = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    op.call("CreateTenant", {"slug": "demo", "name": "Công ty Xuất khẩu Bình Minh",
                             "adminEmail": "admin@demo.example", "adminPassword": admin_pw})

with liaison.Client(url, ca=ca) as c:
    c.login("demo", "admin@demo.example", admin_pw)
    line = c.call("CreateProductLine", {"code": "PT", "name": "Phụ tùng ô tô"})["productLine"]
    c.call("CreateProduct", {"sku": "PT-100", "productLineId": line["id"], "name": "Má phanh",
                             "unit": "hộp", "moq": 10})
    dist = c.call("CreateDistributor", {"fields": {
        "name": "Công ty Phụ tùng Sài Gòn", "country": "VN", "languages": ["vi"],
        "timeZone": "Asia/Ho_Chi_Minh", "businessHoursStart": "08:00",
        "businessHoursEnd": "17:00", "workDays": [1, 2, 3, 4, 5]}})["distributor"]["id"]
    charter = c.call("CreateCharterDraft", {"distributorId": dist})["charter"]["id"]
    c.call("AddCharterGrant", {"charterId": charter, "grant": {
        "region": "VN-SG", "allLines": True, "exclusive": True, "startsOn": "2026-01-01"}})
    c.call("SetCommitment", {"charterId": charter, "commitment": {
        "productLineId": line["id"], "moq": 20, "bufferUnit": "weeks", "bufferAmount": 6,
        "financing": "distributor", "paymentTermsDays": 60}})
    c.call("ActivateCharter", {"id": charter})
    for name, role, email in (("Nguyễn Văn An", "Sales director", "an@saigon.example"),
                              ("Lê Thị Hoa", "Purchasing manager", "hoa@saigon.example")):
        c.call("CreateContact", {"distributorId": dist, "fields": {
            "name": name, "role": role, "email": email, "language": "vi",
            "timeZone": "Asia/Ho_Chi_Minh"}})
    c.call("CreateUser", {"email": "portal@saigon.example", "role": "ROLE_DISTRIBUTOR_USER",
                          "distributorId": dist, "displayName": "Trần Thị Bích",
                          "password": portal_pw})

fd = os.open(logins, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as f:
    f.write("tenant demo\n")
    f.write("exporter admin:   admin@demo.example     %s\n" % admin_pw)
    f.write("distributor user: portal@saigon.example  %s\n" % portal_pw)
