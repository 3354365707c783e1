#!/usr/bin/env python3
"""Documents larger than one frame (issue 13), on a liaisond of its own
with a 6 MiB document bound, three uploads open per tenant and uploads
living 10 s: `liaison doc add|version|translate FILE` sends a multi-MB
file in parts (BeginDocumentUpload, UploadDocumentChunk, then the request
naming the upload) and it comes back byte for byte; nothing of an upload
is visible before the request that takes it; a wrong SHA-256 and a size
over the bound are refused and leave nothing; parts go in order, a retried
part is taken again, an empty part says how far the upload got; the
tenant's open uploads are capped; another user cannot touch an upload; an
abandoned upload is deleted by the scheduler when its lifetime ends. Also
ExportTenant of a tenant with a 1.5 MiB document: no row over the wire's
text bound, and the content parts put together are the document."""
import atexit
import base64
import hashlib
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
from liaison_test import check  # noqa: E402

CLI, LIAISOND = sys.argv[1], sys.argv[2]
OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
PASSWORD = "correct horse battery staple"
RUN = str(int(time.time() * 1000) % 10**8)
MAX = 6 * 1024 * 1024
sql = t.psql

srv = t.Server("document-upload", LIAISOND, CLI, "document_max_bytes = %d" % MAX,
               "document_uploads_max = 3", "document_upload_lifetime_s = 30",
               "scheduler_interval_ms = 200")
atexit.register(lambda: srv.pid and subprocess.run(["kill", str(srv.pid)]))
srv.wait_ready()
call, must, cli = srv.call, srv.must, srv.cli
HOME = srv.env["HOME"]
os.makedirs(HOME, exist_ok=True)


def b64(data):
    return base64.b64encode(data).decode()


def count(table):
    return int(sql("SELECT count(*) FROM %s WHERE tenant_id = %s" % (table, tid)))


slug = "upload-" + RUN
must("CreateTenant", {"slug": slug, "name": "Tải lên アップロード", "adminEmail": "admin@up.example",
                      "adminPassword": PASSWORD}, OPERATOR)
tid = sql("SELECT id FROM tenants WHERE slug = '%s'" % slug)
admin = must("Login", {"tenant": slug, "email": "admin@up.example", "password": PASSWORD},
             None)["token"]
must("CreateUser", {"email": "bao@up.example", "role": "ROLE_MANAGER", "password": PASSWORD,
                    "seesAllDistributors": True}, admin)
manager = must("Login", {"tenant": slug, "email": "bao@up.example", "password": PASSWORD},
               None)["token"]
dist = must("CreateDistributor", {"fields": {"name": "Công ty Phụ tùng Đà Nẵng", "country": "VN",
                                             "timeZone": "Asia/Ho_Chi_Minh"}},
            admin)["distributor"]["id"]
must("CreateUser", {"email": "portal@up.example", "role": "ROLE_DISTRIBUTOR_USER",
                    "distributorId": dist, "password": PASSWORD}, admin)
portal = must("Login", {"tenant": slug, "email": "portal@up.example", "password": PASSWORD},
              None)["token"]

# ---------------- a multi-MB file through the CLI, with Vietnamese and Japanese names ----------
big = os.urandom(5 * 1024 * 1024 + 12345)
big_path = os.path.join(HOME, "Bảng giá 2027 価格表.pdf")
with open(big_path, "wb") as f:
    f.write(big)
# --kind in capitals, as enum options take them in any case (a try-out found it refused).
code, out = cli("doc", "add", "--kind", "PRICE_SHEET", "--title", "Bảng giá phụ tùng — 価格表",
                "--language", "vi", "--share", str(dist), "--file", big_path, token=admin)
doc = out.get("id") if code == "OK" else None
check(code == "OK" and int(out["versions"][0]["sizeBytes"]) == len(big)
      and out.get("title") == "Bảng giá phụ tùng — 価格表" and out.get("kind") == "price_sheet",
      "doc add sends a 5 MiB file, past a frame, in parts (%s %s)" % (code, str(out)[:300]))
check(count("document_uploads") == 0 and count("document_upload_parts") == 0,
      "the upload is gone once taken")
got_path = os.path.join(HOME, "ダウンロード.pdf")
code, out = cli("doc", "get", str(doc), "-o", got_path, token=portal)
with open(got_path, "rb") as f:
    check(code == "OK" and f.read() == big, "it comes back byte for byte (%s)" % code)
v2 = big[::-1]
with open(big_path, "wb") as f:
    f.write(v2)
code, out = cli("doc", "version", str(doc), "--file", big_path, token=manager)
check(code == "OK" and out.get("latestVersion") == 2, "doc version of 5 MiB (%s)" % code)
ja = os.urandom(3 * 1024 * 1024)
ja_path = os.path.join(HOME, "価格表 日本語.pdf")
with open(ja_path, "wb") as f:
    f.write(ja)
code, out = cli("doc", "translate", str(doc), "--language", "ja", "--file", ja_path, token=admin)
check(code == "OK", "doc translate of 3 MiB (%s %s)" % (code, str(out)[:200]))
code, out = cli("doc", "get", str(doc), "--language", "ja", "-o", got_path, token=admin)
with open(got_path, "rb") as f:
    check(code == "OK" and f.read() == ja, "the Japanese variant comes back byte for byte")
code, out = cli("doc", "get", str(doc), "--version", "2", "-o", got_path, token=admin)
with open(got_path, "rb") as f:
    check(code == "OK" and f.read() == v2, "version 2 comes back byte for byte")

# ---------------- keyed: the key goes to the create, not to the upload's parts ----------
# `liaison --idempotency-key` was ignored by doc add|version|translate, and a
# key given to liaison_call_with_content went to BeginDocumentUpload, which
# refused it: a keyed multi-MB document could not be made.
small_path = os.path.join(HOME, "Danh mục nhỏ.txt")
with open(small_path, "wb") as f:
    f.write("Xin chào — こんにちは".encode())
docs_before = count("documents")
runs = [cli("--idempotency-key", "doc-" + RUN, "doc", "add", "--kind", "catalogue", "--title",
            "Danh mục — カタログ " + RUN, "--language", "vi", "--file", small_path, token=admin)
        for _ in range(2)]
check(all(code == "OK" for code, _ in runs) and runs[0][1].get("id") == runs[1][1].get("id")
      and count("documents") == docs_before + 1,
      "doc add with --idempotency-key run twice makes one document (%s)" % [r[0] for r in runs])
# The latest version's very bytes again are no new version (migration 0171); a refused create's
# upload is left to expire.
versions_before = count("document_versions")
code, out = cli("doc", "version", str(doc), "--file", big_path, token=manager)
check(code == "FAILED_PRECONDITION" and "version 2 already holds these very bytes" in
      out.get("message", "") and count("document_versions") == versions_before,
      "doc version of the latest version's 5 MiB again is refused (%s %s)" % (code, out))
sql("DELETE FROM document_uploads WHERE tenant_id = %s" % tid)
with open(big_path, "wb") as f:
    f.write(v2 + "版3".encode())
code, out = cli("--idempotency-key", "doc-big-" + RUN, "doc", "version", str(doc), "--file",
                big_path, token=admin)
check(code == "OK" and out.get("latestVersion") == 3,
      "a keyed doc version of 5 MiB, past a frame, is made (%s %s)" % (code, str(out)[:300]))
# A repeat uploads the content again under a new upload id: the key still
# answers the first version (it once said "used for another request").
versions = count("document_versions")
code, out = cli("--idempotency-key", "doc-big-" + RUN, "doc", "version", str(doc), "--file",
                big_path, token=admin)
check(code == "OK" and out.get("latestVersion") == 3 and count("document_versions") == versions
      and count("document_uploads") == 0,
      "the keyed 5 MiB version repeated makes nothing twice, its upload dropped (%s %s)"
      % (code, str(out)[:300]))
other_path = os.path.join(HOME, "khác.bin")
with open(other_path, "wb") as f:
    f.write(os.urandom(2 * 1024 * 1024))
code, out = cli("--idempotency-key", "doc-big-" + RUN, "doc", "version", str(doc), "--file",
                other_path, token=admin)
check(code == "INVALID_ARGUMENT" and count("document_versions") == versions,
      "the key with other content past a frame is refused (%s)" % code)
# That refused upload is left to expire, like any refused create's.
sql("DELETE FROM document_uploads WHERE tenant_id = %s" % tid)
code, out = cli("--idempotency-key", "doc-" + RUN, "doc", "add", "--kind", "catalogue", "--title",
                "khác", "--language", "vi", "--file", small_path, token=admin)
check(code == "INVALID_ARGUMENT" and "idempotency" in json.dumps(out),
      "the key with another document is refused (%s %s)" % (code, out))

# ---------------- over the bound ----------------
over_path = os.path.join(HOME, "quá lớn.bin")
with open(over_path, "wb") as f:
    f.write(os.urandom(MAX + 1))
versions = count("document_versions")
code, out = cli("doc", "version", str(doc), "--file", over_path, token=admin)
text = json.dumps(out, ensure_ascii=False)
check(code == "INVALID_ARGUMENT" and "at most %d bytes" % MAX in text,
      "a file over document_max_bytes is refused in words (%s %s)" % (code, text[:300]))
check(count("document_versions") == versions and count("document_uploads") == 0,
      "and leaves no version and no upload")


# ---------------- the parts, by hand ----------------
def begin(content, token=admin, digest=None):
    return call("BeginDocumentUpload", {"sizeBytes": len(content), "sha256": b64(
        digest or hashlib.sha256(content).digest())}, token)


def chunk(up, offset, content, token=admin):
    return call("UploadDocumentChunk", {"uploadId": up, "offset": offset,
                                        "content": b64(content)}, token)


small = os.urandom(90000)
code, out = begin(small)
up = out.get("uploadId")
check(code == "OK" and int(out.get("chunkBytes", 0)) == 1048576 - 8192 and out.get("expiresAt"),
      "BeginDocumentUpload answers the upload, its part size and its end (%s %s)" % (code, out))
docs = count("documents")
code, out = chunk(up, 0, small[:30000])
check(code == "OK" and int(out.get("receivedBytes")) == 30000, "a first part (%s)" % code)
code, out = chunk(up, 60000, small[60000:])
check(code == "FAILED_PRECONDITION" and "offset 30000" in out.get("message", ""),
      "a part out of order is refused naming the offset expected (%s %s)" % (code, out))
code, out = chunk(up, 0, small[:30000])
check(code == "OK" and int(out.get("receivedBytes")) == 30000, "a retried part is taken again")
code, out = chunk(up, 0, b"")
check(code == "OK" and int(out.get("receivedBytes")) == 30000
      and int(out.get("sizeBytes")) == len(small), "an empty part says how far the upload got")
code, out = chunk(up, 30000, small[30000:60000], token=manager)
check(code == "NOT_FOUND", "another user cannot add to the upload (%s)" % code)
code, out = call("CreateDocument", {"kind": "other", "title": "Chưa xong", "language": "vi",
                                    "uploadId": up}, admin)
check(code == "FAILED_PRECONDITION" and "30000 of its 90000" in out.get("message", ""),
      "an incomplete upload is not taken (%s %s)" % (code, out))
code, out = chunk(up, 30000, small[30000:] + b"x")
check(code == "INVALID_ARGUMENT" and out.get("violations", [{}])[0].get("field") == "content",
      "a part past the declared size is refused (%s)" % code)
chunk(up, 30000, small[30000:])
check(count("documents") == docs and "Chưa xong" not in json.dumps(
    must("ListDocuments", {}, admin), ensure_ascii=False),
      "nothing of an upload is visible before it is taken")
code, out = call("CreateDocument", {"kind": "other", "title": "Xong", "language": "vi",
                                    "uploadId": up, "content": b64(b"x")}, admin)
check(code == "INVALID_ARGUMENT", "content and uploadId together are refused")
code, out = call("CreateDocument", {"kind": "other", "title": "Xong", "language": "vi",
                                    "uploadId": up}, manager)
check(code == "NOT_FOUND", "another user cannot take the upload (%s)" % code)
code, out = call("CreateDocument", {"kind": "other", "title": "Xong 完了", "language": "vi",
                                    "uploadId": up}, admin)
small_doc = out.get("document", {}).get("id")
check(code == "OK", "a complete upload makes the document (%s %s)" % (code, out))
code, out = call("GetDocumentContent", {"documentId": small_doc}, admin)
check(code == "OK" and base64.b64decode(out.get("content", "")) == small, "byte for byte")
code, out = call("AddDocumentVersion", {"documentId": small_doc, "uploadId": up}, admin)
check(code == "NOT_FOUND", "an upload is taken once (%s)" % code)

# A keyed create retried as it was sent, upload id and all (the answer was
# lost): its upload is gone, taken by the first, yet the key answers it.
retry = os.urandom(40000)
up2 = begin(retry)[1].get("uploadId")
chunk(up2, 0, retry)
req = json.dumps({"documentId": small_doc, "uploadId": up2})
versions = count("document_versions")
first = cli("--idempotency-key", "same-upload-" + RUN, "call", "AddDocumentVersion", req,
            token=admin)
again = cli("--idempotency-key", "same-upload-" + RUN, "call", "AddDocumentVersion", req,
            token=admin)
check(first[0] == "OK" and again == first and count("document_versions") == versions + 1,
      "a keyed create retried with its own, taken upload gets the first answer (%s %s)"
      % (again[0], str(again[1])[:200]))
code, out = cli("--idempotency-key", "same-upload-" + RUN, "call", "AddDocumentVersion",
                json.dumps({"documentId": small_doc, "uploadId": up2,
                            "mediaType": "text/plain"}), token=admin)
check(code == "INVALID_ARGUMENT" and count("document_versions") == versions + 1,
      "the same key, upload id and another field is refused (%s)" % code)

# A wrong SHA-256: refused at the end, nothing made, nothing audited.
audits = int(sql("SELECT count(*) FROM audit_log WHERE tenant_id = %s" % tid))
code, out = begin(small, digest=hashlib.sha256(b"something else").digest())
bad = out.get("uploadId")
chunk(bad, 0, small)
versions = count("document_versions")
code, out = call("AddDocumentVersion", {"documentId": small_doc, "uploadId": bad}, admin)
check(code == "INVALID_ARGUMENT" and out.get("violations", [{}])[0].get("field") == "uploadId"
      and "SHA-256" in out.get("message", "") + json.dumps(out),
      "a wrong SHA-256 is refused (%s %s)" % (code, out))
check(count("document_versions") == versions and int(sql(
    "SELECT count(*) FROM audit_log WHERE tenant_id = %s" % tid)) == audits,
      "and nothing is made or audited")
code, out = call("BeginDocumentUpload", {"sizeBytes": MAX + 1, "sha256": b64(bytes(32))}, admin)
check(code == "INVALID_ARGUMENT" and out.get("violations", [{}])[0].get("field") == "sizeBytes",
      "BeginDocumentUpload over the bound is refused (%s)" % code)
code, out = call("BeginDocumentUpload", {"sizeBytes": 10, "sha256": b64(b"short")}, admin)
check(code == "INVALID_ARGUMENT", "a SHA-256 that is not 32 bytes is refused")
code, out = begin(small, token=portal)
check(code == "PERMISSION_DENIED", "a distributor user may not upload (%s)" % code)

# ---------------- the cap, and abandoned uploads ----------------
open_now = count("document_uploads")  # the one with the wrong SHA-256
check(open_now == 1, "fixture: the admin holds one upload (%d)" % open_now)
ups = [begin(small)[1].get("uploadId")]
code, out = begin(small)
check(code == "RESOURCE_EXHAUSTED" and "you have 2 uploads open, the most one person may"
      in out.get("message", ""),
      "one person holds at most a quarter of the open uploads, at least two (%s %s)" % (code, out))
ups.append(begin(small, token=manager)[1].get("uploadId"))
chunk(ups[0], 0, small[:40000])
code, out = begin(small)
check(code == "RESOURCE_EXHAUSTED" and "3 uploads open" in out.get("message", ""),
      "past document_uploads_max open uploads, refused (%s %s)" % (code, out))
check(count("document_upload_parts") >= 2, "the abandoned parts are held meanwhile")
deadline = time.time() + 60
while time.time() < deadline and count("document_uploads") + count("document_upload_parts"):
    time.sleep(0.5)
check(count("document_uploads") == 0 and count("document_upload_parts") == 0,
      "abandoned uploads are deleted by the scheduler when their lifetime ends")
code, out = chunk(ups[0], 40000, small[40000:])
check(code == "NOT_FOUND", "an expired upload is gone (%s)" % code)
check(begin(small)[0] == "OK", "and its place is free again")
# Broken off (Ctrl-C in 'doc add'), an upload kept its person's place for its whole lifetime (a
# try-out): one with no part for ten minutes is given up for a new one (migration 0275).
check(begin(small)[0] == "OK", "a second upload of one person")
code, out = begin(small)
check(code == "RESOURCE_EXHAUSTED" and "had no part for ten minutes" in out.get("message", ""),
      "a third, past the person's share, is refused saying when a place frees (%s %s)"
      % (code, out))
check(out.get("retryAfterMs") == 30000,
      "with the time after which to begin again: the lifetime here, under ten minutes (%s)" % out)
# 'doc add' refused so exited 1, as if for good, where a refusal for now exits 75 (a try-out).
refused_path = os.path.join(HOME, "Bị từ chối.bin")
with open(refused_path, "wb") as f:
    f.write(os.urandom(1536 * 1024))  # past a frame: sent as an upload
p = subprocess.run([CLI, "--token", admin, "doc", "add", "--kind", "other", "--title",
                    "Bị từ chối " + RUN, "--language", "vi", "--file", refused_path],
                   capture_output=True, text=True, env=srv.env, timeout=60)
check(p.returncode == 75 and "had no part for ten minutes" in p.stderr
      and "try again in 30 s" in p.stderr,
      "doc add past the person's share exits 75 and says when to try again (%d %r)"
      % (p.returncode, p.stderr))
sql("UPDATE document_uploads SET created_at = created_at - interval '11 minutes'"
    " WHERE tenant_id = %s" % tid)
code, out = begin(small)
check(code == "OK" and count("document_uploads") == 1,
      "uploads idle for ten minutes are given up for the new one (%s %s, %d open)"
      % (code, out, count("document_uploads")))

# ---------------- ExportTenant with large documents ----------------
# A tenant of its own, so that the export stays short: one 1.5 MiB document (past the 400 KiB
# a row may carry, and past a frame). Before migration 0028 its version's row was one string.
xslug = "export-" + RUN
must("CreateTenant", {"slug": xslug, "name": "Xuất khẩu 輸出", "adminEmail": "admin@x.example",
                      "adminPassword": PASSWORD}, OPERATOR)
xtid = sql("SELECT id FROM tenants WHERE slug = '%s'" % xslug)
xadmin = must("Login", {"tenant": xslug, "email": "admin@x.example", "password": PASSWORD},
              None)["token"]
large = os.urandom(1536 * 1024 + 7)
large_path = os.path.join(HOME, "Sổ tay 手引き.pdf")
with open(large_path, "wb") as f:
    f.write(large)
code, out = cli("doc", "add", "--kind", "handbook", "--title", "Sổ tay nhà phân phối 手引き",
                "--language", "vi", "--file", large_path, token=xadmin)
xdoc = out.get("id") if code == "OK" else None
check(code == "OK", "a 1.5 MiB handbook (%s)" % code)
export_path = os.path.join(HOME, "xuất.jsonl")
code, out = cli("admin", "tenant", "export", xslug, "--output", export_path, token=OPERATOR)
if not check(code == "OK", "ExportTenant of a tenant with a 1.5 MiB document works (%s %s)"
             % (code, str(out)[:300])):
    print("\n".join("# " + x for x in srv.log().splitlines()[-20:]))
rows = []
if os.path.exists(export_path):
    with open(export_path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
longest = max((len(json.dumps(r["row"], ensure_ascii=False).encode()) for r in rows), default=0)
check(rows and longest <= 409600, "no exported row passes the 400 KiB text bound (%d)" % longest)
vid = sql("SELECT id FROM document_versions WHERE tenant_id = %s AND document_id = %s"
          % (xtid, xdoc)) if xdoc else "0"
pieces = sorted((r["row"]["part"], r["row"]["content"]) for r in rows
                if r["table"] == "document_versions.content" and r["row"]["id"] == int(vid))
whole = b"".join(bytes.fromhex(c[2:]) for _, c in pieces)
check(whole == large and [p for p, _ in pieces] == list(range(len(pieces))),
      "the version's content parts put together are the document (%d parts)" % len(pieces))
versions_rows = [r["row"] for r in rows if r["table"] == "document_versions"]
check(len(versions_rows) == 1 and "content" not in versions_rows[0]
      and versions_rows[0]["id"] == int(vid), "the version's own row carries no content")
check(any(r["table"] == "documents" and r["row"]["title"] == "Sổ tay nhà phân phối 手引き"
          for r in rows), "the document's row is there, its title intact")

check(srv.stop(), "the server stops cleanly")
srv.pid = None
t.finish("integration_document_upload")
