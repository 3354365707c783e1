#!/usr/bin/env python3
"""The CLI as people and scripts use it (issue 11), against the real server:
--json and --output anywhere, creates printed like shows, empty lists;
arguments that are not UTF-8 refused before anything is sent, naming them;
errors in the user's terms (the option, how to log in, the role and the
command refused), each printed once with its exit code; tables of
Vietnamese (combining marks) and Japanese text that line up by display
width and stay valid UTF-8 when cells are cut; enums and week days shown
and accepted one way; a saved session never sent to another server (a
second liaisond sees no Authenticate); profiles side by side; bash
completion; 'methods' and 'call' suggestions from the client library's
introspection; an example in every command's --help."""
import datetime
import json
import os
import pty
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
from liaison_test import check  # noqa: E402

CLI, LIAISOND = sys.argv[1], sys.argv[2]
URL = w.env("LIAISON_TEST_URL")
CA = w.env("LIAISON_TEST_CA")
OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
PASSWORD = "a password of some length"
RUN = str(int(time.time() * 1000) % 10**8)
PROTO = os.path.join(t.HERE, "..", "..", "proto", "liaison.proto")
DEAD_URL = "liaison://127.0.0.1:1"  # nothing listens: a command that connects exits 6

home = tempfile.mkdtemp(prefix="liaison-cli-ux.")
BASE_ENV = {k: v for k, v in os.environ.items()
            if k not in ("LIAISON_TOKEN", "LIAISON_PROFILE", "XDG_CONFIG_HOME")}


def run(*args, env=None, stdin=None, home_dir=None):
    """The CLI with args (str or bytes); (exit code, stdout, stderr) as bytes."""
    e = dict(BASE_ENV, HOME=home_dir or home, LIAISON_URL=URL, LIAISON_CA=CA)
    e.update(env or {})
    e = {k: v for k, v in e.items() if v is not None}
    p = subprocess.run([CLI] + list(args), input=stdin, capture_output=True, env=e,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def text(b):
    return b.decode("utf-8", "replace")


def lines(b):
    return text(b).splitlines()


def width(s):
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def field(out, name):
    """A value of 'name  value' fields output."""
    for line in lines(out):
        if line.startswith(name + " "):
            return line[len(name):].strip()
    return None


pw = (PASSWORD + "\n").encode()
slug = "ux-" + RUN
rc, out, err = run("admin", "tenant", "create", "--slug", slug, "--name", "UX GmbH",
                   "--admin-email", "a@ux.example", "--password-stdin", stdin=pw,
                   env={"LIAISON_TOKEN": OPERATOR})
check(rc == 0 and field(out, "STATUS") == "active", "tenant status shown as 'active'")
check(re.fullmatch(r"liaison: its tenant admin is a@ux\.example \(user [0-9]+\): 'liaison login"
                   r" --tenant %s --email a@ux\.example'\n" % re.escape(slug), text(err)),
      "and its admin is named, with how they log in (%r)" % text(err))


def at_terminal(args, answers, env):
    """The CLI with args on a terminal of its own (a pty: /dev/tty), each of answers, (prompt,
    text), typed once its prompt shows (the CLI flushes what was typed before it asks);
    (exit code, everything the terminal showed)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(CLI, [CLI] + list(args), dict(BASE_ENV, HOME=home, LIAISON_URL=URL,
                                                LIAISON_CA=CA, **env))
    shown, pending, seen = b"", list(answers), 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            got = os.read(fd, 4096)
        except OSError:
            break
        if not got:
            break
        shown += got
        at = shown.find(pending[0][0].encode(), seen) if pending else -1
        if at >= 0:
            seen = at + len(pending[0][0].encode())
            os.write(fd, pending.pop(0)[1].encode() + b"\n")
    os.close(fd)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), text(shown)


# A new password is asked twice at a terminal: a typo once locked the new admin out (a try-out).
rc, shown = at_terminal(["admin", "tenant", "create", "--slug", slug + "-typo", "--name", "Typo",
                         "--admin-email", "a@typo.example"],
                        [("Admin password:", PASSWORD), ("Again, to be sure:", PASSWORD + "x")],
                        {"LIAISON_TOKEN": OPERATOR})
made = t.psql("SELECT count(*) FROM tenants WHERE slug = '%s-typo'" % slug).strip()
check(rc == 2 and "Again, to be sure:" in shown and "the two passwords differ" in shown
      and made == "0", "two passwords that differ make no tenant (%d %r %s)" % (rc, shown, made))
rc, shown = at_terminal(["admin", "tenant", "create", "--slug", slug + "-typo", "--name", "Typo",
                         "--admin-email", "a@typo.example"],
                        [("Admin password:", PASSWORD), ("Again, to be sure:", PASSWORD)],
                        {"LIAISON_TOKEN": OPERATOR})
check(rc == 0 and "active" in shown, "the same twice makes it (%d %r)" % (rc, shown))
# A tenant's zone was UTC until its admin found 'tenant hours' (an operator's try-out).
rc, out, err = run("admin", "tenant", "create", "--slug", slug + "-jp", "--name", "東京商事",
                   "--admin-email", "a@jp.example", "--time-zone", "asia/tokyo",
                   "--password-stdin", stdin=pw, env={"LIAISON_TOKEN": OPERATOR})
check(rc == 2 and text(err) == "liaison: invalid --time-zone: not an IANA time zone of the tz"
      " database (did you mean Asia/Tokyo? the names are case-sensitive)\n",
      "admin tenant create refuses a zone in the wrong case, naming the one meant (%r)"
      % text(err))
rc, out, err = run("admin", "tenant", "create", "--slug", slug + "-jp", "--name", "東京商事",
                   "--admin-email", "a@jp.example", "--time-zone", "Asia/Tokyo",
                   "--password-stdin", stdin=pw, env={"LIAISON_TOKEN": OPERATOR})
zone = t.psql("SELECT time_zone FROM tenants WHERE slug = '%s-jp'" % slug).strip()
check(rc == 0 and zone == "Asia/Tokyo", "admin tenant create --time-zone sets the tenant's zone"
      " (%d %r %r)" % (rc, zone, text(err)))
# With --json the admin it made was left out (a try-out): in the object, beside the tenant.
rc, out, err = run("admin", "tenant", "create", "--slug", slug + "-js", "--name", "Công ty Á Đông",
                   "--admin-email", "a@js.example", "--password-stdin", "--json", stdin=pw,
                   env={"LIAISON_TOKEN": OPERATOR})
made = json.loads(text(out)) if rc == 0 else {}
admin_id = t.psql("SELECT id FROM users WHERE email = 'a@js.example' AND tenant_id ="
                  " (SELECT id FROM tenants WHERE slug = '%s-js')" % slug).strip()
check(rc == 0 and made.get("slug") == slug + "-js" and made.get("name") == "Công ty Á Đông"
      and made.get("adminEmail") == "a@js.example" and made.get("adminUserId") == admin_id
      and made.get("status") == "TENANT_STATUS_ACTIVE" and text(err) == "",
      "admin tenant create --json names its admin (%d %r %r)" % (rc, made, text(err)))
# A suspend or resume repeated says that it changed nothing (a try-out).
for verb, said, again in (("suspend", "suspended", False), ("suspend", "suspended", True),
                          ("resume", "active", False), ("resume", "active", True)):
    rc, out, err = run("admin", "tenant", verb, slug + "-js", env={"LIAISON_TOKEN": OPERATOR})
    want = ("liaison: tenant %s-js was already %s: nothing changed\n" % (slug, said)
            if again else "")
    check(rc == 0 and field(out, "STATUS") == said and text(err) == want,
          "admin tenant %s%s (%d %r)" % (verb, " again says nothing changed" if again else "",
                                         rc, text(err)))
# A slug ends up in calendar UIDs (meeting-1@trail-.liaison): a DNS label's shape (a try-out).
rc, out, err = run("admin", "tenant", "create", "--slug", "trail-" + RUN + "-", "--name", "X",
                   "--admin-email", "a@ux.example", "--password-stdin", stdin=pw,
                   env={"LIAISON_TOKEN": OPERATOR})
check(rc == 2 and "not starting or ending with '-'" in text(err),
      "a slug ending with '-' is refused, saying the rule (%d %s)" % (rc, text(err)))
# The operator reads what operators did: the platform's audit log.
rc, out, err = run("--json", "admin", "audit", "--tenant", slug, env={"LIAISON_TOKEN": OPERATOR})
got = [(e.get("action"), e.get("tenant")) for e in json.loads(out)] if rc == 0 else text(err)
check(got == [("tenant.create", slug)],
      "admin audit --tenant lists the tenant's creation (%s)" % (got,))
# An action names its variants (tenant.export_with_secrets is found by tenant.export); one that
# is never recorded is refused, not answered with an empty table (an operator's try-out).
rc, out, err = run("--json", "admin", "audit", "--tenant", slug, "--action", "tenant",
                   env={"LIAISON_TOKEN": OPERATOR})
got = [e.get("action") for e in json.loads(out)] if rc == 0 else text(err)
check(got == ["tenant.create"], "--action tenant finds every tenant action (%s)" % (got,))
rc, out, err = run("admin", "audit", "--action", "tenant.rate-limit",
                   env={"LIAISON_TOKEN": OPERATOR})
check(rc == 2 and "did you mean 'tenant.rate_limit'" in text(err),
      "an action never recorded is refused, the nearest named (%d %s)" % (rc, text(err)))
rc, out, err = run("jobs", "--state", "bogus", env={"LIAISON_TOKEN": OPERATOR})
check(rc == 2 and text(err) == "liaison: --state is pending, retrying, failed or done\n",
      "jobs --state names the states it takes (%r)" % text(err))
# 'migrations list' takes its word and 'jobs list' refused it (a try-out).
rc, out, err = run("jobs", "list", "--state", "failed", env={"LIAISON_TOKEN": OPERATOR})
check(rc == 0, "jobs list is jobs (%d %r)" % (rc, text(err)))
rc, out, err = run("admin", "audit", "--since", "2026-13-01", env={"LIAISON_TOKEN": OPERATOR})
check(rc == 2 and "--since" in text(err) and "UTC" in text(err),
      "admin audit names a bad --since and says a day is UTC's (%d %s)" % (rc, text(err)))
rc, out, err = run("admin", "audit", "--since", "1899-12-31", env={"LIAISON_TOKEN": OPERATOR})
check(rc == 2 and "in the years 1900 to 2999" in text(err),
      "a day out of range is said to be, not only its format (%d %s)" % (rc, text(err)))
rc, out, err = run("admin", "audit", "--help")
check(rc == 0 and "Example:\n  $ liaison admin audit" in text(out), "admin audit --help")
rc, out, err = run("login", "--tenant", slug, "--email", "a@ux.example", "--password-stdin",
                   stdin=pw)
check(rc == 0, "log in (%s)" % text(err))
rc, out, err = run("admin", "audit")
check(rc == 3, "a tenant's admin does not read the platform's log (%d %s)" % (rc, text(err)))

# ---------------- --json and --output anywhere; creates like shows ----------------
rc, out, _ = run("product-line", "create", "--code", "BRK", "--name", "Brakes")
check(rc == 0 and field(out, "ID") and field(out, "CODE") == "BRK",
      "a create prints the created object's fields")
rc, out, _ = run("product-line", "create", "--code", "FLT", "--name", "Filters", "--json")
obj = json.loads(out) if rc == 0 else {}
check(obj.get("code") == "FLT" and "id" in obj, "--json after the command prints the created object")
rc, out, _ = run("product-line", "--json", "create", "--code", "OIL", "--name", "Oil")
check(rc == 0 and json.loads(out).get("code") == "OIL", "--json between command and subcommand")
rc, out, _ = run("-o", "ids", "product-line", "create", "--code", "BLT", "--name", "Belts")
check(rc == 0 and re.fullmatch(rb"\d+\n", out), "-o ids before the command prints the new id")
rc, out, _ = run("product-line", "list", "--output", "ids")
ids = lines(out)
check(rc == 0 and len(ids) == 4 and all(i.isdigit() for i in ids),
      "--output ids lists one id per line (%r)" % ids)
rc, out, _ = run("product-line", "list", "--output=json")
check(rc == 0 and len(json.loads(out)) == 4, "--output=json after the command")
rc, out, _ = run("--json", "product-line", "list", "-o", "table")
check(rc == 0 and lines(out)[0].startswith("ID"), "the last of --json and -o table wins")
rc, out, err = run("product-line", "list", "--output", "yaml")
check(rc == 2, "--output yaml is not a format: the command's usage error")
rc, out, err = run("product-line", "list", "-o", "yaml")
check(rc == 2 and "json, table or ids" in text(err),
      "-o yaml after the command names the formats (it said \"unexpected argument '-o'\"): %r"
      % text(err)[:120])
# A distributor named first, as most commands take it, was "unexpected argument '2026-11'", the
# month it then could not take (a try-out): which argument went where is said.
rc, out, err = run("report", "open", "Công ty Phụ tùng Sài Gòn", "2026-11")
check(rc == 2 and text(err).splitlines()[0] == "liaison: unexpected argument '2026-11': 'Công ty "
      "Phụ tùng Sài Gòn' was taken as PERIOD; a distributor is given with --distributor",
      "one argument too many says what each was taken as: %r" % text(err)[:200])
rc, out, err = run("charter", "--help")
check(rc == 0 and "  commitment  set an inventory commitment" in text(out),
      "a command's list keeps a long name apart from its summary: %r" % text(out)[:400])
rc, out, err = run("--output", "yaml", "health")
check(rc == 2 and "json, table or ids" in text(err), "--output before the command names the formats")

# A typo gets the command it is close to; a missing argument is named from the usage line.
for args, said in [(("distrbutor", "list"), "unknown command 'distrbutor'; did you mean "
                    "'distributor'? (see 'liaison --help')\n"),
                   (("charter", "drat", "X"), "unknown command 'charter drat'; did you mean "
                    "'charter draft'? (see 'liaison charter --help')\n"),
                   (("frobnicate",), "unknown command 'frobnicate' (see 'liaison --help')\n"),
                   # Another tool's word for the verb (a try-out typed 'contact add').
                   (("contact", "add", "--name", "X"), "unknown command 'contact add'; did you "
                    "mean 'contact create'? (see 'liaison contact --help')\n"),
                   (("doc", "create"), "unknown command 'doc create'; did you mean 'doc add'? "
                    "(see 'liaison doc --help')\n"),
                   (("Nguyễn Văn An",), "unknown command 'Nguyễn Văn An' (see 'liaison --help')\n"),
                   (("distributor", "山田商事"), "unknown command 'distributor 山田商事' (see "
                    "'liaison distributor --help')\n"),
                   # An option of liaison itself after the command (two try-outs).
                   (("distributor", "--url", "liaison://x", "list"), "unknown command "
                    "'distributor --url': --url is an option of liaison itself, given before the "
                    "command\n")]:
    rc, out, err = run(*args)
    check(rc == 2 and text(err) == "liaison: " + said, "%s: %r" % (args, text(err)))
rc, out, err = run("admin", "tenant", "list", "--token", "x")
check(rc == 2 and lines(err)[0] == "liaison: unknown option '--token': --token is an option of "
      "liaison itself, given before the command", "a global option after a command says where "
      "it goes (%r)" % text(err))
# After "--" every word is an argument, as getopt has it (a try-out: "'--' was taken as
# CONTACT"); before it, a word such as "-Lan" is an option no command has.
rc, out, err = run("distributor", "show", "--", "-Lan")
check(rc == 4 and text(err) == "liaison: no distributor '-Lan'\n", "after --, -Lan is a name (%d %r)"
      % (rc, text(err)))
rc, out, err = run("distributor", "show", "-Lan")
check(rc == 2 and lines(err)[0] == "liaison: unknown option '-Lan'", "before it, an option (%r)"
      % text(err))
rc, out, err = run("distributor", "show", "--", "--json")
check(rc == 4 and text(err) == "liaison: no distributor '--json'\n", "after --, --json is no "
      "option of liaison's either (%d %r)" % (rc, text(err)))
rc, out, err = run("distributor", "list", "--", "--help")
check(rc == 2 and "unexpected argument '--help'" in text(err), "after --, --help is an argument "
      "too (%d %r)" % (rc, text(err)))
check("after '--' every word is an argument, options go before it" in lines(err)[0],
      "and the refusal says what '--' did (%r)" % lines(err)[0])
rc, out, err = run("distributor", "show", "--", "--name", "Sài Gòn")
check(rc == 2 and lines(err)[0].endswith("'--name' was taken as DISTRIBUTOR; after '--' every"
                                         " word is an argument, options go before it"),
      "an option meant, made a word by '--', is named so (%r)" % lines(err)[0])
# A server that is not there, or whose CA is not given: the message says which setting helps.
rc, out, err = run("health", env={"LIAISON_URL": DEAD_URL})
check(rc == 6 and "Connection refused (is liaisond running there? --url or LIAISON_URL names "
      "the server)" in text(err), "nothing listening says which setting names the server: %r"
      % text(err))
rc, out, err = run("health", env={"LIAISON_CA": None})
check(rc == 6 and "not trusted" in text(err) and text(err).endswith(
      "(name the CA that signed it with --ca FILE or LIAISON_CA)\n"),
      "a server certificate from an unknown CA says how to trust it: %r" % text(err))
# An address that answers, but not with TLS (the portal's, a web server's): OpenSSL's own
# "wrong version number" told nobody what was wrong.
web = socket.socket()
web.bind(("127.0.0.1", 0))
web.listen(1)


def answer_http():
    c, _ = web.accept()
    c.recv(4096)
    c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    c.close()


threading.Thread(target=answer_http, daemon=True).start()
web_port = web.getsockname()[1]
rc, out, err = run("ping", env={"LIAISON_URL": "liaison://127.0.0.1:%d" % web_port})
web.close()
check(rc == 6 and "127.0.0.1:%d answered, but not with TLS (is it liaisond's address?"
      % web_port in text(err), "a server that does not speak TLS is named as such: %r"
      % text(err))
# A global option's value left out ("--ca $CA" with CA empty) took the command for it, and
# the whole help was printed without a word (a try-out).
for opt, word in (("--timeout", "whoami"), ("--ca", "ping")):
    rc, out, err = run(opt, word)
    check(rc == 2 and text(err) == "liaison: %s needs a value: '%s' is a command, given after "
          "it\n" % (opt, word), "%s %s: the value said missing (%d %r)" % (opt, word, rc,
                                                                        text(err)[:200]))
# "--profile ana ... --profile bao" acted as bao without a word (a try-out): which person acts
# must not hang on the order. The same value twice, and the format's last word, stay allowed.
rc, out, err = run("--profile", "ana", "whoami", "--profile=bao")
check(rc == 2 and text(err) == "liaison: --profile given twice with different values: give it "
      "once\n", "a profile given twice with two values is refused (%d %r)" % (rc, text(err)))
rc, out, err = run("--timeout", "5000", "--timeout=5000", "ping")
check(rc == 0, "the same --timeout twice is taken (%d %r)" % (rc, text(err)))
rc, out, err = run("--json", "ping", "-o", "table")
check(rc == 0 and not out.startswith(b"{"), "of --json and -o table the last wins (%r)" % out)
# "--" before the command, the end of liaison's options as getopt has it, was refused.
rc, out, err = run("--", "ping")
check(rc == 0 and b"ping" in out, "liaison -- ping runs ping (%d %r)" % (rc, text(err)))
# A pasted word of 100,000 bytes came back whole in "unknown command" (a try-out): cut.
rc, out, err = run("a" * 100000)
check(rc == 2 and len(err) < 400 and "a\u2026' (see 'liaison --help')" in text(err),
      "an unknown command of 100,000 bytes is echoed cut (%d bytes)" % len(err))
rc, out, err = run("distributor", "list", "--" + "b" * 100000)
check(rc == 2 and len(err) < 4000 and "\u2026'" in text(err),
      "an unknown option of 100,000 bytes is echoed cut (%d bytes)" % len(err))
# A server that takes the connection and never answers: --timeout bounds the handshake too; a
# --timeout of 500 ms waited the library's 10 s for it (a try-out).
hung = socket.socket()
hung.bind(("127.0.0.1", 0))
hung.listen(1)
began = time.monotonic()
rc, out, err = run("--timeout", "800", "ping",
                   env={"LIAISON_URL": "liaison://127.0.0.1:%d" % hung.getsockname()[1]})
took = time.monotonic() - began
hung.close()
check(rc == 6 and "timed out" in text(err) and took < 5,
      "--timeout 800 against a server that never answers: given up in %.1f s (%d %r)"
      % (took, rc, text(err)))
for args, missing in [(("charter", "draft"),
                       "DISTRIBUTOR (its id or name; '-': a distributor user's own)"),
                      (("order", "place", "--line", "X:1:1", "--currency", "VND"),
                       "DISTRIBUTOR (its id or name; '-': a distributor user's own)"),
                      (("meeting", "attendance", "42"), "ATTENDEE"),
                      (("meeting", "invite"), "ID"),
                      # Past brackets, and a group of words running on to the next line:
                      # it said "missing A,..]" and "missing TEXT]".
                      (("cadence", "series", "list"), "SERIES_ID"),
                      (("lead", "decide", "3"), "approve|reject|reassign"),
                      (("target", "set", "1", "BP"), "PERIOD")]:
    rc, out, err = run(*args)
    check(rc == 2 and lines(err)[0] == "liaison: missing " + missing,
          "%s names the missing %s: %r" % (args, missing, text(err)[:80]))

rc, out, _ = run("distributor", "create", "--name", "Empty Co", "--country", "VN",
                 "--time-zone", "Asia/Ho_Chi_Minh", "-o", "ids")
empty_id = text(out).strip()
# A meeting added in 1901 was made without a word (a try-out): made, and said.
two_days_ago = (datetime.datetime.now(datetime.timezone.utc)
                - datetime.timedelta(days=2)).strftime("%Y-%m-%d 10:00")
rc, out, err = run("meeting", "add", empty_id, "--title", "Họp đã diễn ra", "--at",
                   two_days_ago, env={"TZ": "UTC"})
past = field(out, "meeting")
first = (lines(err) or [""])[0]
check(rc == 0 and first == "liaison: note: it starts in the past (%s UTC); if it"
      " took place, mark it held: 'liaison meeting held %s'" % (two_days_ago, past),
      "a meeting added in the past is said to be so (%d %r)" % (rc, text(err)))
# One a year back, a slip of the year, was made too, and counted against the notes (a try-out).
rc, out, err = run("meeting", "add", empty_id, "--title", "Họp năm ngoái", "--at",
                   "2020-01-06 10:00", env={"TZ": "UTC"})
check(rc == 2 and re.fullmatch(r"liaison: invalid --at: at most 7 days in the past:"
                              r" \d{4}-\d\d-\d\d \d\d:\d\d \S+ or later\n", text(err)) and not out,
      "a meeting added years back is refused, naming the bound (%d %r)" % (rc, text(err)))
rc, out, err = run("meeting", "add", empty_id, "--title", "会議", "--at", "2999-01-06 10:00",
                   env={"TZ": "UTC"})
check(rc == 0 and "in the past" not in text(err),
      "one to come is added without that note (%d %r)" % (rc, text(err)))
# One at 03:00 in Ho Chi Minh City was added without a word (a try-out): said, with its hour.
rc, out, err = run("meeting", "add", empty_id, "--title", "Gọi đêm", "--at", "2999-01-06 20:00",
                   env={"TZ": "UTC"})
check(rc == 0 and "liaison: note: it falls outside business hours:" in text(err)
      and "of the distributor's (it starts 2999-01-07 03:00 there)" in text(err),
      "a meeting at night for the distributor is said to be outside its hours (%d %r)"
      % (rc, text(err)))
# Moved a day into the past, it was moved without a word (a try-out): said as add says it.
to_come = field(out, "meeting")
yesterday = (datetime.datetime.now(datetime.timezone.utc)
             - datetime.timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
rc, out, err = run("meeting", "reschedule", to_come, "--at", yesterday, env={"TZ": "UTC"})
first = (lines(err) or [""])[0]
check(rc == 0 and first == "liaison: note: it starts in the past (%s UTC); if it took place,"
      " mark it held: 'liaison meeting held %s'" % (yesterday, to_come),
      "a meeting moved into the past is said to be so (%d %r)" % (rc, text(err)))
rc, out, err = run("meeting", "reschedule", to_come, "--at", "2999-02-06 10:00", env={"TZ": "UTC"})
check(rc == 0 and "in the past" not in text(err) and "overlaps" not in text(err),
      "one moved ahead is moved without that note, nor an overlap's (%d %r)" % (rc, text(err)))
# Moved onto another of its distributor's meetings, it was stacked on it without a word (a
# try-out): said, naming the other.
rc, out, err = run("meeting", "reschedule", to_come, "--at", "2999-01-06 10:15", env={"TZ": "UTC"})
check(rc == 0 and "liaison: note: it overlaps meeting" in text(err)
      and "\"会議\" (2999-01-06 10:00-" in text(err),
      "a meeting moved onto another is said to overlap it (%d %r)" % (rc, text(err)))
# With --json or -o ids the notes were left out, so a script never learnt of the clash (a
# try-out): said on standard error, the answer on standard output as it was.
rc, out, err = run("--json", "meeting", "add", empty_id, "--title", "Chồng lịch", "--at",
                   "2999-01-06 10:20", env={"TZ": "UTC"})
check(rc == 0 and json.loads(text(out)).get("title") == "Chồng lịch"
      and "liaison: note: it overlaps meeting" in text(err),
      "meeting add --json says the overlap on standard error (%d %r)" % (rc, text(err)))
rc, out, err = run("-o", "ids", "meeting", "add", empty_id, "--title", "Gọi đêm nữa", "--at",
                   "2999-01-08 20:00", env={"TZ": "UTC"})
check(rc == 0 and text(out).strip().isdigit()
      and "liaison: note: it falls outside business hours:" in text(err),
      "... and -o ids the hours (%d %r %r)" % (rc, text(out), text(err)))
# A positional argument's refusal named the request's field: "invalid productLineId" (a try-out).
rc, out, err = run("product-line", "retire", "OIL")
rc, out, err = run("target", "set", empty_id, "OIL", "2027-01", "--units", "5")
check(rc == 2 and text(err) == "liaison: invalid LINE: product line OIL is retired\n",
      "a refused LINE of target set is named as the usage names it (%r)" % text(err))
rc, out, err = run("--idempotency-key", "k" * 256, "product-line", "create", "--code", "K",
                   "--name", "K")
check(rc == 2 and text(err) == "liaison: --idempotency-key: 1 to 255 bytes (this one has 256)\n",
      "an idempotency key too long is refused naming the option (%r)" % text(err))
rc, out, _ = run("contact", "list", "--distributor", empty_id, "--json")
check(rc == 0 and json.loads(out) == [], "an empty list is [] with --json (%r)" % out)
rc, out, _ = run("contact", "list", "--distributor", empty_id)
check(rc == 0 and len(lines(out)) == 1 and lines(out)[0].startswith("ID"),
      "an empty list is its header line in a table")
# A --message past the frame a connection takes before logging in was RESOURCE_EXHAUSTED,
# exit 1, where one of 5,000 bytes was a usage error; an empty note file was "--file:
# required" (a try-out).
rc, out, err = run("ping", "--message", "m" * 20000)
check(rc == 2 and text(err) == "liaison: invalid --message: longer than 4096 bytes of UTF-8\n",
      "ping --message of 20,000 bytes: a usage error (%d %r)" % (rc, text(err)[:200]))
rc, out, err = run("meeting", "notes", "1", "--file", "/dev/null")
check(rc == 2 and text(err) == "liaison: invalid --file: /dev/null holds no text\n",
      "meeting notes --file of an empty file says so (%d %r)" % (rc, text(err)))
# An empty --lines registered a deal of no line, judged by its region alone (a try-out).
rc, out, err = run("lead", "register", "--account", "Xe khách Thành Bưởi", "--country", "VN",
                   "--title", "Xe khách", "--value", "1", "--currency", "VND", "--lines", "")
check(rc == 2 and out == b"" and "--lines is empty: list the deal's product lines" in text(err),
      "lead register --lines '' is refused as empty (%d %r)" % (rc, text(err)))
# An empty --cursor is the first page, as a script paging with "$next" starts (a review).
rc, out, err = run("product", "list", "--cursor", "")
check(rc == 0, "--cursor '' lists the first page (%d %r)" % (rc, text(err)))
# An empty value of a shipment's correction was taken for "keep", and answered "nothing to
# change" (a try-out).
for opt, said in (("--carrier", "invalid --carrier: empty; leave it out to keep what the "
                   "shipment has\n"),
                  ("--eta", "invalid --eta: empty; leave it out to keep what the shipment has, "
                   "or give --no-eta\n")):
    rc, out, err = run("shipment", "update", "1", opt, "")
    check(rc == 2 and text(err) == "liaison: " + said,
          "shipment update %s '': refused as empty (%d %r)" % (opt, rc, text(err)))
# An empty filter reached the server as none given, and listed everything (a try-out).
for cmd in (("lead", "list", "--name", ""), ("account", "list", "--name="),
            ("product", "list", "--name", ""), ("audit", "--action", "")):
    rc, out, err = run(*cmd)
    opt = [w for w in cmd if w.startswith("--")][0].rstrip("=")
    check(rc == 2 and out == b"" and "invalid %s: empty; leave it out to list without it"
          % opt in text(err),
          "%s: an empty filter is refused, not taken for none (%d %r)" % (" ".join(cmd), rc,
                                                                           text(err)))

# ---------------- a name past the first page of the filter's matches ----------------
# 600 distributors whose names contain "Đông Á", then "Đông Á" itself: the
# exact one is the 601st match, beyond one page of 500.
tid = next(x.strip() for x in t.psql("SELECT id FROM tenants WHERE slug = '%s'" % slug)
           .splitlines() if x.strip().isdigit())
t.psql("INSERT INTO distributors (tenant_id, name, country, time_zone) SELECT %s, "
       "'Đông Á ' || lpad(g::text, 4, '0'), 'VN', 'Asia/Ho_Chi_Minh' "
       "FROM generate_series(1, 600) g" % tid)
rc, out, err = run("distributor", "create", "--name", "Đông Á", "--country", "VN",
                   "--time-zone", "Asia/Ho_Chi_Minh", "-o", "ids")
dong_a = text(out).strip()
rc, out, err = run("distributor", "show", "ĐÔNG Á")
check(rc == 0 and field(out, "ID") == dong_a,
      "the exact name is found past the first 500 matches (%d %s)" % (rc, text(err)))
rc, out, err = run("distributor", "show", "Đông Á 01")
check(rc == 2 and "names 100 distributors" in text(err),
      "a part shared by many is ambiguous (%d %s)" % (rc, text(err)[:80]))
t.psql("DELETE FROM distributors WHERE tenant_id = %s AND name LIKE 'Đông Á%%'" % tid)

# ---------------- arguments that are not UTF-8 ----------------
bad = b"Sai\xff Gon"
for args, name in (
        (["distributor", "create", b"--name", bad, "--country", "VN", "--time-zone", "UTC"],
         "--name"),
        (["contact", "create", "--distributor", "1", "--name", bad], "--name"),
        (["distributor", "list", "--country", b"V\xc0"], "--country"),
        (["distributor", "list", b"--country=V\xc0"], "--country"),
        (["distributor", "show", b"\xe3\x81"], "argument 1"),
        (["call", "Ping", b'{"echo":"\xff"}'], "argument 2"),
        ([b"--url", b"liaison://h\xff"], "--url"),
        (["ping", "--message", b"\xed\xa0\x80"], "--message")):  # a UTF-16 surrogate
    rc, out, err = run(*args, env={"LIAISON_URL": DEAD_URL})
    check(rc == 2 and text(err) == "liaison: %s: not valid UTF-8\n" % name,
          "non-UTF-8 %s refused before connecting, exit 2 (%d %r)" % (name, rc, text(err)))

# ---------------- errors in the user's terms ----------------
rc, out, err = run("distributor", "create", "--name", "X", "--country", "VN",
                   "--time-zone", "Mars/Olympus")
check(rc == 2 and re.fullmatch(r"liaison: invalid --time-zone: [^\n]+\n", text(err))
      and "timeZone" not in text(err),
      "a violation names the option, once (%r)" % text(err))
rc, out, err = run("--json", "distributor", "create", "--name", "X", "--country", "VN",
                   "--time-zone", "Mars/Olympus")
st = json.loads(lines(err)[-1]) if rc else {}
check(rc == 2 and st["violations"][0]["field"] == "fields.timeZone"
      and st["violations"][0].get("option") == "--time-zone",
      "--json keeps the field and adds the option (%r)" % text(err))
rc, out, err = run("distributor", "create", "--name", "X", "--country", "VN",
                   "--time-zone", "UTC", "--days", "1,9")
check(rc == 2 and "--days" in text(err) and len(lines(err)) == 1, "bad --days named")

rc, out, err = run("crm", "settings", "--protection-days", "-5")
check(rc == 2 and text(err) == "liaison: --protection-days must be a whole number from 1 to 3650\n",
      "a number out of range names its option once, with two dashes (%r)" % text(err))
# An amount typed in major units was "must be a whole number", and the next try, 12500 for
# 12,500.00 USD, a hundredth of it: the minor units are explained, before any call.
for args in (("lead", "register", "--account", "Công ty Bình Minh", "--country", "VN",
              "--title", "x", "--currency", "USD", "--value", "12500.50"),
             ("lead", "update", "7", "--value", "12,5"),
             ("target", "set", "Nowhere", "BRK", "2027-Q1", "--revenue", "1.5",
              "--currency", "USD")):
    rc, out, err = run(*args)
    check(rc == 2 and "is in the currency's minor units, a whole number: 12500.50 USD is 1250050"
          in text(err) and len(lines(err)) == 1,
          "%s %s: a decimal amount is told the minor units (%r)" % (args[0], args[-1], text(err)))
# Figures out of range said only the format, or no range (a try-out); a file not found had "(line
# -1)" and its path twice.
for args, said in (
        (("report", "save", "1", "--sales", "BRK:-5:1:VND"), "liaison: --sales 'BRK:-5:1:VND': "
         "LINE:UNITS:REVENUE:CURRENCY, units and revenue are whole numbers of 0 or more, revenue "
         "in minor units (BRK:120:150000000:VND)\n"),
        (("report", "save", "1", "--inventory", "BRK:-1"), "liaison: --inventory 'BRK:-1': "
         "LINE:UNITS_ON_HAND, a whole number of 0 or more (BRK:300)\n"),
        (("target", "set", "Nowhere", "BRK", "2027-Q1", "--units", "-1"),
         "liaison: --units must be a whole number from 1 to 1000000000000000\n"),
        # 0 was said to be allowed, then refused by the server (a try-out).
        (("target", "set", "Nowhere", "BRK", "2027-Q1", "--units", "0"),
         "liaison: --units must be a whole number from 1 to 1000000000000000\n"),
        # A deal's value was said to go up to 9000000000000000000, then refused above 10^15.
        (("lead", "update", "7", "--value", "9000000000000000000"),
         "liaison: --value must be a whole number from 0 to 1000000000000000\n"),
        (("report", "save", "1", "--file", "/nonexistent/r.json"),
         "liaison: unable to open /nonexistent/r.json: No such file or directory\n")):
    rc, out, err = run(*args)
    check(rc == 2 and text(err) == said, "%s %s: %r" % (args[0], args[3], text(err)))
# 'lead update 7 --title ""' was answered "nothing to change", as if no option were given.
for opt in ("--title", "--close"):
    rc, out, err = run("lead", "update", "7", opt, "")
    check(rc == 2 and text(err) == "liaison: %s is empty: what a lead records is replaced, not "
          "cleared; give the new value\n" % opt, "lead update %s '': said empty (%r)"
          % (opt, text(err)))
rc, out, err = run("--idempotency-key", "", "distributor", "create", "--name", "K",
                   "--country", "VN", "--time-zone", "UTC")
check(rc == 2 and text(err) == "liaison: --idempotency-key: 1 to 255 bytes\n",
      "an empty --idempotency-key is refused, not taken for none (%r)" % text(err))
# A key promises that a repeat makes nothing twice: where it cannot keep that, it says so (an
# operator's try-out made two API tokens with one key).
rc, out, err = run("--idempotency-key", "tok-" + RUN, "token", "create", "--name", "erp",
                   "--role", "auditor")
check(rc == 2 and "does not apply to token create" in text(err) and not out,
      "token create refuses --idempotency-key before making a token (%r)" % text(err))
rc, out, err = run("--idempotency-key", "who-" + RUN, "whoami")
check(rc == 0 and "--idempotency-key was not used: 'liaison whoami'" in text(err),
      "a key a command does not use is said to be unused (%r)" % text(err))
rc, out, err = run("distributor", "list", "--page-size", "501")
check(rc == 2 and text(err) == "liaison: --page-size must be 1 to 500\n",
      "--page-size out of range, before anything is sent (%r)" % text(err))
rc, out, err = run("meeting", "list", "--from", "2026-03-01", "--to", "2026-04-01")
check(rc == 0, "meeting list takes days for --from and --to (%d %r)" % (rc, text(err)))
# "is not a time" alone sent people looking for a typo in the format (a try-out).
rc, out, err = run("meeting", "list", "--from", "2026-02-30")
check(rc == 2 and text(err) == "liaison: --from: '2026-02-30' is no such day: February 2026 has"
      " 28 days\n", "a day that does not exist is refused, saying why (%r)" % text(err))
for at, why in [("2028-02-30 10:00", "no such day: February 2028 has 29 days"),
                ("2026-04-31T09:00:00+07:00", "no such day: April 2026 has 30 days"),
                ("2026-00-10 10:00", "no such day: a year has months 01 to 12"),
                ("2026-03-10 24:30", "no such time of day: a clock reads 00:00 to 23:59")]:
    rc, out, err = run("meeting", "add", "1", "--title", "x", "--at", at)
    check(rc == 2 and text(err) == "liaison: --at: '%s' is %s\n" % (at, why),
          "--at %s is refused: %s (%r)" % (at, why, text(err)))
rc, out, err = run("action", "add", "1", "--owner", "me", "--description", "x", "--due",
                   "2027-02-29")
check(rc == 2 and "'2027-02-29' is no such day: February 2027 has 28 days" in text(err),
      "a due day that does not exist says why (%r)" % text(err))
rc, out, err = run("meeting", "add", "1", "--title", "x", "--at", "2026-03-01")
check(rc == 2 and "'YYYY-MM-DD HH:MM'" in text(err) and "a day (" not in text(err),
      "a meeting's --at needs a time of day, not a day alone (%r)" % text(err))
# A word with a 't' in it went to the server as RFC 3339, whose refusal did not name the local
# form; a time without a zone is said so here, with both ways to write it.
for at, want in (("tomorrow", "'tomorrow' is not a time: RFC 3339 (2026-03-02T08:00:00Z) or"
                              " 'YYYY-MM-DD HH:MM' in this computer's time zone (TZ)"),
                 ("2026-12-10T09:00", "'2026-12-10T09:00' has no zone: add Z or an offset"
                                      " (2026-03-02T08:00:00+07:00), or write 'YYYY-MM-DD HH:MM'"
                                      " for this computer's time zone (TZ)")):
    rc, out, err = run("meeting", "add", "1", "--title", "x", "--at", at)
    check(rc == 2 and text(err) == "liaison: --at: %s\n" % want,
          "--at %s names both ways to write a time (%r)" % (at, text(err)))

# ---------------- an update changes what it is given and keeps the rest ----------------
# (In Japan: the table below counts the tenant's VN rows.)
rc, out, err = run("--json", "distributor", "create", "--name", "Công ty TNHH Phụ tùng Hà Nội",
                   "--country", "JP", "--time-zone", "Asia/Tokyo", "--languages", "vi,ja",
                   "--hours", "08:00-17:30", "--days", "Mon-Sat")
hn = json.loads(out) if rc == 0 else {}
rc, out, err = run("--json", "distributor", "update", str(hn.get("id")), "--name",
                   "Công ty TNHH Phụ tùng Hà Nội JSC")
upd = json.loads(out) if rc == 0 else {}
check(rc == 0 and upd.get("name") == "Công ty TNHH Phụ tùng Hà Nội JSC"
      and upd.get("languages") == ["vi", "ja"] and upd.get("businessHoursStart") == "08:00"
      and upd.get("businessHoursEnd") == "17:30" and upd.get("workDays") == [1, 2, 3, 4, 5, 6]
      and upd.get("timeZone") == "Asia/Tokyo" and upd.get("country") == "JP",
      "distributor update --name keeps the languages, hours and days (%d %r %r)"
      % (rc, upd, text(err)))
rc, out, err = run("distributor", "update", str(hn.get("id")))
check(rc == 2 and "nothing to change" in text(err), "an update with no option is refused (%r)"
      % text(err))
rc, out, err = run("--json", "contact", "create", "--distributor", str(hn.get("id")), "--name",
                   "山田 花子", "--role", "purchasing manager", "--phone", "+81 3 1234 5678")
ct = json.loads(out) if rc == 0 else {}
rc, out, err = run("--json", "contact", "update", str(ct.get("id")), "--email",
                   "hanako@hanoi.example")
cu = json.loads(out) if rc == 0 else {}
check(rc == 0 and cu.get("email") == "hanako@hanoi.example" and cu.get("name") == "山田 花子"
      and cu.get("role") == "purchasing manager" and cu.get("phone") == "+81 3 1234 5678",
      "contact update --email keeps the name, role and phone (%d %r %r)" % (rc, cu, text(err)))
rc, out, err = run("--json", "contact", "update", str(ct.get("id")), "--role", "")
cu = json.loads(out) if rc == 0 else {}
check(rc == 0 and not cu.get("role") and cu.get("email") == "hanako@hanoi.example",
      "contact update --role '' empties the role only (%d %r)" % (rc, cu))

fresh = tempfile.mkdtemp(prefix="liaison-cli-ux-fresh.")
rc, out, err = run("whoami", home_dir=fresh)
check(rc == 3 and text(err) == "liaison: not logged in: run `liaison login`\n",
      "no session: not logged in, exit 3 (%r)" % text(err))

saved = os.path.join(home, ".config", "liaison", "session")
stale_home = tempfile.mkdtemp(prefix="liaison-cli-ux-stale.")
rc, _, _ = run("login", "--tenant", slug, "--email", "a@ux.example", "--password-stdin",
               stdin=pw, home_dir=stale_home)
stale_file = os.path.join(stale_home, ".config", "liaison", "session")
shutil.copy(stale_file, stale_file + ".kept")
run("logout", home_dir=stale_home)
shutil.copy(stale_file + ".kept", stale_file)
rc, out, err = run("whoami", home_dir=stale_home)
check(rc == 3 and text(err) == "liaison: session expired or revoked: run `liaison login` again\n",
      "an ended session: expired or revoked, exit 3 (%r)" % text(err))

# The config file's url was ignored while a session was saved: an operator who moved the
# service and edited it went on reaching the old one (a try-out).
moved_home = tempfile.mkdtemp(prefix="liaison-cli-ux-moved.")
rc, _, err = run("login", "--tenant", slug, "--email", "a@ux.example", "--password-stdin",
                 stdin=pw, home_dir=moved_home)
check(rc == 0, "logged in before the move (%r)" % text(err))
with open(os.path.join(moved_home, ".config", "liaison", "config"), "w") as f:
    f.write("url = liaison://127.0.0.1:1\n")
rc, out, err = run("whoami", home_dir=moved_home, env={"LIAISON_URL": None})
check(rc != 0 and "127.0.0.1:1:" in text(err) and out == b"",
      "the config file's url is the one used, not the saved session's (%d %r)" % (rc, text(err)))
rc, out, err = run("whoami", home_dir=moved_home)
check(rc == 0, "LIAISON_URL still outranks the config file (%d %r)" % (rc, text(err)))

# An operator's token left in LIAISON_TOKEN (an operator try-out): login says the token outranks
# the session, logout still ends the saved session (it sent the operator's token, printed
# "logged out" and left the session good), and with no session saved an operator's token is
# refused, not "logged out". Operator commands without a token say what operators give.
op_home = tempfile.mkdtemp(prefix="liaison-cli-ux-op.")
rc, _, err = run("login", "--tenant", slug, "--email", "a@ux.example", "--password-stdin",
                 stdin=pw, home_dir=op_home, env={"LIAISON_TOKEN": OPERATOR})
check(rc == 0 and "used before this session" in text(err),
      "login with LIAISON_TOKEN set says the token outranks the session (%r)" % text(err))
op_file = os.path.join(op_home, ".config", "liaison", "session")
session_token = [ln.split("=", 1)[1].strip() for ln in open(op_file)
                 if ln.startswith("token")][0]
rc, out, err = run("logout", home_dir=op_home, env={"LIAISON_TOKEN": OPERATOR})
check(rc == 0 and text(out) == "logged out\n" and "still given" in text(err)
      and not os.path.exists(op_file), "logout with LIAISON_TOKEN set ends the saved session")
rc, _, _ = run("--token", session_token, "whoami", home_dir=op_home)
check(rc == 3, "... and that session is ended on the server (%d)" % rc)
rc, out, err = run("--token", session_token, "logout", home_dir=op_home)
check(rc == 0 and text(out).startswith("already logged out"),
      "logout of a given session the server ended already counts as logged out (%d %r %r)"
      % (rc, text(out), text(err)))
rc, out, err = run("logout", home_dir=op_home, env={"LIAISON_TOKEN": OPERATOR})
check(rc == 2 and "an operator token" in text(err) and "logged out" not in text(out),
      "logout of an operator's token with no session saved is refused (%r)" % text(err))
rc, out, err = run("admin", "tenant", "list", home_dir=op_home)
check(rc == 3 and "operator token" in text(err) and "liaison login" not in text(err),
      "an operator command without a token names the operator's credentials (%r)" % text(err))

rc, out, err = run("token", "create", "--name", "ro", "--role", "Auditor")
auditor = re.search(r"token \(shown once\): (\S+)", text(out))
auditor = auditor.group(1) if auditor else ""
check(rc == 0 and auditor and field(out, "ROLE") == "auditor",
      "a role is accepted in any case and shown as 'auditor'")
rc, out, err = run("distributor", "create", "--name", "Y", "--country", "VN", "--time-zone", "UTC",
                   env={"LIAISON_TOKEN": auditor})
check(rc == 3 and text(err) == "liaison: not allowed: an auditor may not call CreateDistributor "
      "('liaison distributor create')\n", "a refusal names the role and the command (%r)" % text(err))
rc, out, err = run("--json", "distributor", "create", "--name", "Y", "--country", "VN",
                   "--time-zone", "UTC", env={"LIAISON_TOKEN": auditor})
check(rc == 3 and json.loads(lines(err)[-1])["code"] == "PERMISSION_DENIED",
      "the refusal's code is unchanged with --json")

# ---------------- tables: display width, cut cells, lists, days, enums ----------------
# Typed decomposed, names are stored in NFC (0103); an X with a dot below and a circumflex has
# no precomposed form, so its combining marks stay for the table's widths.
viet = unicodedata.normalize("NFD", "Công ty Phân phối Sài Gòn X\u0323\u0302")
viet_long = unicodedata.normalize("NFD", "Công ty Cổ phần Phân phối Phụ tùng Ô tô Sài Gòn Miền Nam Việt Nam")
japanese = "東京自動車部品株式会社" * 4
# Emoji are wide (Unicode 9 and after): ✅ and 🚗 were counted as one column, 🔧 as two.
emoji = "🚗 Xe ✅ Đà Nẵng 🔧"
check(any(unicodedata.combining(c) for c in unicodedata.normalize("NFC", viet)),
      "the Vietnamese name has combining marks, in NFC too")
made = {}
# Lists typed back as tables show them ("vi, en", "Mon, Wed, Fri"): the spaces were taken as
# part of an item and refused (a try-out).
for name, langs, days in ((viet, "vi, en", "Mon-Sat"), (viet_long, "vi", "mon, wed, fri"),
                          (japanese, "ja", "1,2,3,5"), (emoji, "vi", "Mon-Fri")):
    rc, out, err = run("distributor", "create", "--name", name, "--country", "VN",
                       "--time-zone", "Asia/Ho_Chi_Minh", "--languages", langs, "--days", days,
                       "-o", "ids")
    made[name] = text(out).strip()
    check(rc == 0, "distributor with days %s created (%s)" % (days, text(err)))
rc, out, _ = run("--json", "distributor", "show", made[viet])
check(rc == 0 and json.loads(out).get("languages") == ["vi", "en"],
      "--languages 'vi, en' is vi and en (%r)" % out[:300])
rc, out, _ = run("--json", "distributor", "show", made[viet_long])
check(rc == 0 and json.loads(out).get("workDays") == [1, 3, 5],
      "--days 'mon, wed, fri' is Monday, Wednesday and Friday (%r)" % out[:300])
rc, out, err = run("distributor", "list", env={"LC_ALL": "C"})
try:
    table = out.decode("utf-8", "strict")
    valid = True
except UnicodeDecodeError:
    table, valid = "", False
check(rc == 0 and valid, "the table is valid UTF-8 with cut cells")
rows = table.splitlines()
header = rows[0] if rows else ""


def col(line, marker):
    return width(line[:line.index(marker)])


want = col(header, "COUNTRY") if "COUNTRY" in header else -1
starts = [col(r, " VN ") + 1 for r in rows[1:] if " VN " in r]
check(len(starts) == 5 and all(s == want for s in starts),
      "COUNTRY lines up by display width (%r, %r)" % (want, starts))
row_of = {n: next((r for r in rows if r.split(" ", 1)[0] == i), "") for n, i in made.items()}
vrow, lrow, jrow = row_of[viet], row_of[viet_long], row_of[japanese]
check(unicodedata.normalize("NFC", viet) in vrow,
      "a short Vietnamese name is whole, as stored (NFC), combining marks kept")
for name, row in ((viet_long, lrow), (japanese, jrow)):
    cell = row[len(made[name]):].strip().split("  ")[0]
    check(cell.endswith("\u2026") and width(cell) <= 60
          and unicodedata.normalize("NFC", name).startswith(cell[:-1]),
          "a long name is cut on a character boundary with an ellipsis (%r)" % cell)
# What ends a line is not cut: a field's value, a table's last column (a
# health reason's figures were cut to "not answere…").
rc, out, _ = run("distributor", "show", made[japanese])
check(rc == 0 and field(out, "NAME") == japanese,
      "a show prints a long name whole (%r)" % field(out, "NAME"))
rc, out, err = run("user", "create", "--email", "long@ux.example", "--role", "distributor_user",
                   "--distributor", made[japanese], "--password-stdin", stdin=pw)
rc, out, _ = run("user", "list")
urow = next((r for r in lines(out) if "long@ux.example" in r), "")
check(rc == 0 and urow.endswith("  " + japanese),
      "a table's last column is whole, not cut (%r)" % urow)
check("vi, en" in vrow and "Mon\u2013Sat" in vrow, "lists as 'vi, en', days as 'Mon–Sat'")
check("Mon, Wed, Fri" in lrow, "days that are not a range as 'Mon, Wed, Fri'")
check("Mon\u2013Wed, Fri" in jrow, "a run of days and a single one as 'Mon–Wed, Fri'")
rc, out, _ = run("distributor", "create", "--name", "Dash", "--country", "VN",
                 "--time-zone", "UTC", "--days", "Mon\u2013Sat")
check(rc == 0 and field(out, "DAYS") == "Mon\u2013Sat", "days are accepted as shown")
# A week over the weekend (the Gulf's Sunday to Thursday) was refused as a
# range and shown as "Mon–Thu, Sun" when listed.
rc, out, err = run("distributor", "create", "--name", "Dubai Auto Parts", "--country", "AE",
                   "--time-zone", "Asia/Dubai", "--days", "Sun-Thu")
check(rc == 0 and field(out, "DAYS") == "Sun\u2013Thu",
      "a range over Sunday into Monday is taken and shown as such (%r %r)"
      % (field(out, "DAYS"), text(err)))
rc, out, _ = run("--json", "distributor", "show", "Dubai Auto Parts")
check(rc == 0 and json.loads(out).get("workDays") == [1, 2, 3, 4, 7],
      "Sun-Thu is days 7, 1, 2, 3 and 4 (%s)" % text(out))
rc, out, _ = run("distributor", "status", made[viet], "Onboarding")
check(rc == 0 and field(out, "STATUS") == "onboarding", "a status is accepted in any case")
rc, _, err = run("distributor", "list", "--status", "At-Risk")
check(rc == 0, "and as people write it, 'at-risk' for at_risk (%s)" % text(err))
rc, out, _ = run("user", "list")
check(rc == 0 and "tenant_admin" in text(out) and "ROLE_" not in text(out),
      "roles shown in lower snake case")

# ---------------- findings of an admin's try-out ----------------
rc, out, _ = run("user", "list")
check(rc == 0 and "SEES ALL" in text(out), "user list shows who sees every distributor")
# 'user passwd --user me' reset one's own password without the current one, and logged one out.
rc, _, err = run("user", "passwd", "--user", "a@ux.example", "--password-stdin",
                 stdin=b"not the password at all\n" + PASSWORD.encode() + b" 2\n")
check(rc == 2 and text(err) == "liaison: the current password does not match\n",
      "--user naming oneself asks for the current password, said in words (%r)" % text(err))
rc, _, err = run("user", "passwd", "--password-stdin",
                 stdin=pw + b"            \n")
check(rc == 2 and text(err) == "liaison: the new password must not be only spaces\n",
      "a password of spaces is refused (%r)" % text(err))
rc, _, err = run("audit", "--actor", "nobody@ux.example")
check(rc == 2 and "no user or other actor nobody@ux.example is known" in text(err),
      "an unknown --actor is refused, not answered with an empty table (%r)" % text(err))
rc, out, err = run("audit", "--actor", "A@UX.EXAMPLE", "--page-size", "1")
check(rc == 0 and "a@ux.example" in text(out), "... a user's e-mail in any case is known (%r)"
      % text(err))
rc, _, err = run("audit", "--csv", "--json")
check(rc == 2 and "--csv and --json" in text(err), "--csv with --json is refused (%r)" % text(err))
rc, _, err = run("health", "weights", "set", "order_trend=5", "order_trend=7")
check(rc == 2 and "order_trend is given twice" in text(err),
      "a health factor given twice is refused (%r)" % text(err))
rc, _, err = run("admin", "audit", "--tenant", "no-such-" + RUN, env={"LIAISON_TOKEN": OPERATOR})
check(rc == 2 and "no tenant no-such-%s, now or before" % RUN in text(err),
      "admin audit --tenant of no tenant is refused (%r)" % text(err))
rc, out, err = run("admin", "tenant", "show", slug.upper(), env={"LIAISON_TOKEN": OPERATOR})
check(rc == 0 and field(out, "SLUG") == slug, "a slug in capitals names the tenant, as log-in"
      " takes it (%d %r)" % (rc, text(err)))
rc, _, err = run("charter", "amend", made[viet])
check(rc == 5 and "has no charter to amend: start its first with 'liaison charter draft'"
      in text(err), "amending a distributor without a charter is refused (%r)" % text(err))
rc, _, err = run("charter", "draft", made[viet])
check(rc == 0, "a first draft (%r)" % text(err))
rc, out, err = run("charter", "check", made[viet])
# Activation refuses it: the dry run said so as a warning, and exit 0 (a try-out).
check(rc == 5 and "refused: no territory grant yet" in text(out + err)
      and "warning: no territory grant" not in text(out + err),
      "check says a draft without a grant cannot be activated, exit 5 (%d %r)"
      % (rc, text(out + err)))
rc, _, err = run("charter", "grant", made[viet], "--region", "VN", "--from", "2026-01-01",
                 "--to", "")
check(rc == 2 and "--to" in text(err), "an empty --to is refused, not taken as open-ended (%r)"
      % text(err))
rc, _, err = run("charter", "terms", made[viet], "--sections", "")
check(rc == 2 and "--sections: name at least one section" in text(err),
      "--sections '' is refused (%r)" % text(err))
rc, _, err = run("charter", "terms", made[viet], "--signatories", "Lê Văn An,lê văn an")
check(rc == 2 and "each signatory once" in text(err), "a signatory twice is refused (%r)"
      % text(err))
rc, _, err = run("distributor", "status", made[viet], "active")
check(rc == 5 and "its onboarding period has not begun" in text(err),
      "onboarding set by hand does not become active at once (%r)" % text(err))
# A user's role, reach, distributor and name could not be changed once made (a try-out).
rc, out, err = run("user", "create", "--email", "mai@ux.example", "--role", "auditor",
                   "--password-stdin", stdin=pw)
check(rc == 0, "an auditor made (%r)" % text(err))
mai_home = tempfile.mkdtemp(prefix="liaison-cli-ux-mai.")
rc, _, err = run("login", "--tenant", slug, "--email", "mai@ux.example", "--password-stdin",
                 stdin=pw, home_dir=mai_home)
check(rc == 0, "she logs in (%r)" % text(err))
rc, out, err = run("user", "update", "mai@ux.example", "--role", "manager", "--sees-all",
                   "--name", "Nguyễn Thị Mai 舞")
check(rc == 0 and field(out, "ROLE") == "manager" and field(out, "SEES ALL") == "yes"
      and field(out, "NAME") == "Nguyễn Thị Mai 舞"
      and "sessions ended" in text(err), "an auditor made a manager who sees all, renamed,"
      " told her sessions ended (%r %r)" % (text(out), text(err)))
rc, _, err = run("whoami", home_dir=mai_home)
check(rc == 3, "... her session opened as an auditor is over (%d %r)" % (rc, text(err)))
rc, out, err = run("user", "update", "mai@ux.example", "--name", "Mai")
check(rc == 0 and field(out, "ROLE") == "manager" and field(out, "SEES ALL") == "yes"
      and "sessions ended" not in text(err), "a new name alone keeps the rest (%r %r)"
      % (text(out), text(err)))
# A name's bound was 200 bytes, said in bytes: 66 kanji (a try-out). It is 200 characters.
rc, out, err = run("user", "update", "mai@ux.example", "--name", "舞" * 200)
check(rc == 0 and field(out, "NAME") == "舞" * 200, "a name of 200 kanji is taken (%r)" % text(err))
rc, out, err = run("user", "update", "mai@ux.example", "--name", "舞" * 201)
check(rc == 2 and "at most 200 characters" in text(err), "201 are refused, in characters (%r)"
      % text(err))
rc, out, err = run("user", "update", "mai@ux.example", "--name", "Mai")
rc, _, err = run("user", "update", "a@ux.example", "--role", "manager")
check(rc == 2 and "you cannot change your own role" in text(err),
      "nobody changes their own role (%r)" % text(err))
rc, _, err = run("user", "update", "mai@ux.example", "--role", "distributor_user")
check(rc == 2 and "a distributor user needs their distributor" in text(err),
      "a distributor user without a distributor is refused (%r)" % text(err))
# A distributor's user became the exporter's admin with one word (a try-out, migration 0215).
for role in ("tenant_admin", "manager", "auditor"):
    rc, out, err = run("user", "update", "long@ux.example", "--role", role)
    check(rc == 2 and "long@ux.example is a user of a distributor: a distributor's user does"
          " not become one of the exporter's staff" in text(err) and "user create" in text(err),
          "a distributor's user is not made %s, and is told how instead (%r %r)"
          % (role, text(out), text(err)))
rc, out, _ = run("user", "list")
check(rc == 0 and next((r for r in lines(out) if "long@ux.example" in r), "").endswith(
      "  " + japanese), "and stays its distributor's user (%r)" % text(out))
# A disabled account manager was shown as any other (a try-out).
rc, _, err = run("distributor", "assign", made[viet], "mai@ux.example")
check(rc == 0 and "cadence plan" not in text(err),
      "assigned, and no hint to place meetings again where none is planned (%r)" % text(err))
rc, _, err = run("user", "disable", "mai@ux.example")
rc, out, err = run("distributor", "show", made[viet])
check(rc == 0 and field(out, "MANAGER") == "Mai (disabled)",
      "distributor show marks a disabled account manager (%r %r)" % (text(out), text(err)))
rc, out, err = run("distributor", "list", "--all")
check(rc == 0 and "Mai (disabled)" in text(out), "... and so does the list (%r)" % text(out))
rc, out, err = run("--json", "distributor", "show", made[viet])
check(rc == 0 and json.loads(out).get("accountManagerName") == "Mai"
      and json.loads(out).get("accountManagerDisabled") is True,
      "--json gives the name as it is, and the flag (%r)" % text(out))
shutil.rmtree(mai_home, ignore_errors=True)

# ---------------- the saved session stays with its server ----------------
other = t.Server("cli-other", LIAISOND, CLI)
try:
    other_url = "liaison://127.0.0.1:%d" % other.port
    token = re.search(r"^token = (\S+)$", open(saved).read(), re.M).group(1)
    for how, args, env in (("--url", ["--url", other_url], {}),
                           ("LIAISON_URL", [], {"LIAISON_URL": other_url})):
        rc, out, err = run(*(args + ["whoami"]), env=env)
        check(rc == 3 and ("not logged in to %s (the saved session is for %s" % (other_url, URL))
              in text(err), "%s elsewhere: the session is not used, and that is said (%r)"
              % (how, text(err)))
    time.sleep(0.2)
    check("method=Authenticate" not in other.log(), "the other server saw no Authenticate")
    # The other server shares the database: the token would have worked there.
    rc, out, _ = run("--url", other_url, "--token", token, "whoami")
    check(rc == 0 and field(out, "tenant") == slug, "the same token given by hand works there")
    time.sleep(0.2)
    check("method=Authenticate" in other.log(), "... so its log shows Authenticate when sent")
    # An operator has no tenant of its own: its line names the tenant it acts on.
    rc, out, _ = run("--url", other_url, "--token", OPERATOR, "admin", "tenant", "show", slug)
    time.sleep(0.2)
    check(rc == 0 and re.search(r"tenant=%s method=GetTenant status=OK" % re.escape(slug),
                                other.log()),
          "an operator's request is logged under the tenant it names")
    rc, out, _ = run("--url", other_url, "--token", OPERATOR, "admin", "tenant", "show",
                     "NO SUCH")
    time.sleep(0.2)
    check(rc != 0 and re.search(r"tenant=- method=GetTenant status=NOT_FOUND", other.log()),
          "and a slug that is not one is not written into the log")
    rc, out, _ = run("whoami")
    check(rc == 0, "the saved session still works against its own server")

    # Profiles: a second log-in side by side, its own session file.
    rc, out, err = run("--profile", "other", "login", "--tenant", slug, "--email", "a@ux.example",
                       "--password-stdin", stdin=pw, env={"LIAISON_URL": other_url})
    check(rc == 0 and "(profile other)" in text(out), "log in with --profile")
    prof = os.path.join(home, ".config", "liaison", "profiles", "other", "session")
    check(os.path.exists(prof) and oct(os.stat(prof).st_mode & 0o777) == "0o600",
          "the profile's session is saved in its own folder, 0600")
    check(other_url in open(prof).read() and URL in open(saved).read(),
          "each session keeps its own URL")
    rc, out, err = run("whoami", "--profile", "other", env={"LIAISON_URL": None})
    check(rc == 0, "--profile after the command uses that profile's server and session (%s)"
          % text(err))
    rc, out, err = run("whoami", env={"LIAISON_PROFILE": "other", "LIAISON_URL": None})
    check(rc == 0, "LIAISON_PROFILE works too")
    rc, out, err = run("--profile", "other", "logout", env={"LIAISON_URL": None})
    check(rc == 0 and not os.path.exists(prof) and os.path.exists(saved),
          "logout of a profile removes only its session")
    rc, out, err = run("--profile", "../x", "whoami")
    check(rc == 2, "a profile name may not leave the profiles folder")
finally:
    check(other.stop(), "the other server stopped cleanly")

# ---------------- audit by day ----------------
# A bare day for audit --since/--until is its 00:00 in the tenant's zone, as
# --help says. The zone is picked so that the tenant's date of the newest
# entry differs from its UTC date: read as UTC, the checks below would fail.
rc, out, _ = run("--json", "audit", "--all")
newest = json.loads(out)[-1] if rc == 0 and json.loads(out) else {}
at = datetime.datetime.fromisoformat(newest.get("at", "1970-01-01T00:00:00Z").replace("Z", "+00:00"))
zone = "Pacific/Kiritimati" if at.hour >= 10 else "Pacific/Pago_Pago"  # UTC+14, UTC-11
rc, out, err = run("tenant", "hours", "--time-zone", zone.lower())
check(rc == 2 and "did you mean %s?" % zone in text(err),
      "tenant hours names the zone meant by one in the wrong case (%r)" % text(err))
rc, out, err = run("tenant", "hours", "--time-zone", zone)
check(rc == 0, "the tenant's zone is set (%s)" % text(err))
local = at.astimezone(zoneinfo.ZoneInfo(zone)).date()
check(local != at.date(), "the entry's date in %s differs from its UTC date" % zone)
ids = {}
for opt, day in (("--since", local), ("--since", local + datetime.timedelta(days=1)),
                 ("--until", local), ("--until", local + datetime.timedelta(days=1))):
    rc, out, err = run("--json", "audit", "--all", opt, day.isoformat())
    ids[(opt, day)] = [e["id"] for e in json.loads(out)] if rc == 0 else text(err)
one = datetime.timedelta(days=1)
check(newest.get("id") in ids[("--since", local)]
      and newest.get("id") not in ids[("--since", local + one)]
      and newest.get("id") not in ids[("--until", local)]
      and newest.get("id") in ids[("--until", local + one)],
      "a bare day bounds the audit log at 00:00 in the tenant's zone (%s %s %s)"
      % (zone, newest.get("at"), ids))
rc, out, _ = run("audit", "--help")
check(rc == 0 and "YYYY-MM-DD: from its 00:00 in your tenant's time zone" in " ".join(text(out).split()),
      "audit --help says what a day means")
check("--entity distributor --entity-id ID" in text(out) and "--action" in text(out),
      "and how to read one record's history and one kind of act")
# An auditor's spreadsheet: the same entries as CSV (an auditor's try-out had only a table).
rc, out, _ = run("--json", "audit", "--all")
entries = json.loads(out) if rc == 0 else []
rc, out, err = run("audit", "--csv", "--all")
rows = text(out).split("\r\n")
check(rc == 0 and rows[0] == "ID,AT,ACTOR,ACTION,ENTITY,ENTITY ID,REQUEST,SOURCE"
      and rows[-1] == "" and len(rows) == len(entries) + 2
      and rows[1].split(",")[:2] == [str(entries[0]["id"]), entries[0]["at"]],
      "audit --csv: a header, then one CRLF line per entry (%d %r %r)"
      % (rc, text(out)[:300], text(err)))
rc, out, err = run("audit", "--csv", "--page-size", "1")
check(rc == 0 and len(text(out).split("\r\n")) == 3 and text(err).startswith("more: --cursor "),
      "a page of CSV keeps the way to the next page off the rows (%r %r)" % (text(out), text(err)))
rc, out, err = run("--json", "audit", "--all", "--action", "TENANT")
acts = [e["action"] for e in json.loads(out)] if rc == 0 else text(err)
check(rc == 0 and acts and all(a.startswith("tenant.") for a in acts),
      "audit --action tenant shows the tenant's acts only (%r)" % acts)
rc, out, err = run("--json", "audit", "--all", "--entity", "tenant", "--entity-id", "0")
check(rc == 0 and json.loads(out) == [], "an --entity-id no record has: an empty list (%r)"
      % text(out))
# A time must carry its offset: without one the server would read it in its
# database session's zone, which nobody can see.
for bad in ("garbage", "2026-02-30", "2026-11-1x", "01/11/2026", "2026-12-01Tjunk",
            "2026-12-01T14:31:00", "2026- 1-01"):
    rc, out, err = run("audit", "--since", bad)
    check(rc == 2 and "invalid --since: a day (YYYY-MM-DD" in text(err),
          "audit --since %s is refused in words (%d %r)" % (bad, rc, text(err)))
for since, until in (("2026-12-02", "2026-12-01"), ("2026-12-01", "2026-12-01")):
    rc, out, err = run("audit", "--since", since, "--until", until)
    check(rc == 2 and "invalid --until: a day after since" in text(err),
          "an audit range %s..%s (until not listed) is refused, not an empty list (%d %r)"
          % (since, until, rc, text(err)))
# Of instants, or of a day and an instant, the wrong way round listed nothing without a word
# (a try-out, migration 0282).
# The day is the tenant's, at UTC+14 or UTC-11 here (above): an instant before it in both.
for since, until in (("2026-12-10T00:00:00Z", "2026-12-09T23:59:59Z"),
                     ("2026-12-10", "2026-12-08T23:59:59+07:00"),
                     ("2026-12-10T07:00:00+07:00", "2026-12-10T00:00:00Z")):
    rc, out, err = run("audit", "--since", since, "--until", until)
    check(rc == 2 and "invalid --until: a time after since" in text(err),
          "an audit range %s..%s is refused, not an empty list (%d %r)"
          % (since, until, rc, text(err)))
rc, out, err = run("audit", "--since", "2026-12-09T00:00:00Z", "--until", "2026-12-11")
check(rc == 0, "a range of an instant and a day after it is taken (%d %r)" % (rc, text(err)))
rc, out, err = run("admin", "audit", "--since", "2026-12-10T00:00:00Z", "--until",
                   "2026-12-01T00:00:00Z", env={"LIAISON_TOKEN": OPERATOR})
check(rc == 2 and "invalid --until: a time after since" in text(err),
      "so is the platform's audit range of instants the wrong way round (%d %r)" % (rc, text(err)))
rc, out, err = run("tenant", "hours", "--time-zone", "UTC")
check(rc == 0, "the tenant's zone is UTC again (%s)" % text(err))

# ---------------- events from 0 ----------------
# --after 0 would read as "from now on" (0 is the wire's nothing): refused, saying what to do.
rc, out, err = run("events", "--after", "0")
check(rc == 2 and "event ids start at 1; leave --after out" in text(err) and not out,
      "events --after 0 is refused with what to do instead (%d %r)" % (rc, text(err)))
rc, out, _ = run("events", "--help")
check(rc == 0 and "1 or more" in text(out) and "from now on" in text(out),
      "events --help says ids start at 1 and what no --after means")

# ---------------- completion ----------------
script = run("completion", "bash")[1].decode()
for words, want in (("liaison distributor cr", "create"), ("liaison char", "charter"),
                    ("liaison distributor create --time", "--time-zone"),
                    ("liaison --json charter grant 3 --excl", "--exclusive"),
                    ("liaison admin tenant sus", "suspend")):
    p = subprocess.run(["bash", "-c", 'source /dev/stdin; COMP_WORDS=(%s); '
                        'COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _liaison; echo "${COMPREPLY[@]}"'
                        % words], input=script, capture_output=True, text=True,
                       env=dict(BASE_ENV, HOME=home))
    check(p.stdout.strip() == want, "completion of '%s' is '%s' (%r %r)"
          % (words, want, p.stdout, p.stderr))

# ---------------- methods and call ----------------
rpcs = re.findall(r"^\s*rpc (\w+)\(", open(PROTO).read(), re.M)
rc, out, _ = run("methods", "-o", "ids")
check(rc == 0 and lines(out) == rpcs, "methods lists every RPC of liaison.proto (%d)" % len(rpcs))
rc, out, _ = run("methods", "CreateContact")
check(rc == 0 and re.search(r"^  distributorId +uint64$", text(out), re.M)
      and re.search(r"^    timeZone +string$", text(out), re.M),
      "methods PATTERN lists the request's fields with their types")
rc, out, _ = run("methods", "--json", "CreateUser")
role = [f for f in json.loads(out)[0]["fields"] if f["name"] == "role"] if rc == 0 else []
check(role and "ROLE_MANAGER" in role[0]["values"], "methods --json has enum values")
rc, out, err = run("methods", "NoSuchThing")
check(rc == 4, "methods with a pattern that matches nothing: not found")
rc, out, err = run("call", "CreateContcat", env={"LIAISON_URL": DEAD_URL})
check(rc == 2 and "unknown method 'CreateContcat'; did you mean CreateContact" in text(err),
      "an unknown method gets a suggestion, before connecting (%r)" % text(err))
rc, out, err = run("call", "CreateContact", '{"fields": {"nmae": "x"}}')
check(rc == 2 and "CreateContact takes" in text(err) and "distributorId" in text(err),
      "a bad request prints the request's fields")
rc, out, err = run("call", "GetHealth", '{"distributorId": 3}')
check(rc == 2 and "GetHealth takes no fields: send {}" in text(err),
      "a field sent to a method that takes none: said so, not an empty list (%r)" % text(err))

# ---------------- help ----------------
rc, out, _ = run("--help")
for title in ("Set up:", "Distributors and charters:", "People and access:", "Operator:",
              "Tools:"):
    check(title in text(out), "--help groups commands: %s" % title)


def commands(help_text):
    names, section = [], ""
    for line in help_text.splitlines():
        if re.fullmatch(r"[A-Z][^:]*:", line):
            section = line
        elif section not in ("Options:", "Example:") and re.match(r"  [a-z][a-z0-9-]* ", line):
            names.append(line.split()[0])
    return names


missing, dashes, paging, todo = [], [], [], [[c] for c in commands(text(out))]
while todo:
    words = todo.pop()
    rc, out, _ = run(*(words + ["--help"]))
    if "----" in text(out):
        dashes.append(" ".join(words))
    if "--page-size" in text(out) and not re.search(
            r"--page-size VALUE +rows per page, 1 to 500 \(the server's default: 50\)\n"
            r" +--cursor VALUE +continue from the page a \"more:\" line names\n"
            r" +--all +every page\n", text(out)):
        paging.append(" ".join(words))
    subs = commands(text(out)) if "Commands:" in text(out) else []
    todo += [words + [s] for s in subs]
    # 'admin tenant export' is being rewritten for streams on another branch.
    if not subs and "Example:\n  $ liaison " not in text(out) and words != ["admin", "tenant", "export"]:
        missing.append(" ".join(words))
check(not missing, "every command's --help has an example (missing: %s)" % missing)
check(not dashes, "no --help shows an option with four dashes (%s)" % dashes)
check(not paging, "every list command's paging options read alike (%s)" % paging)

# An option given no value took the next option as it: "--name --sees-all" made a manager
# named "--sees-all" who did not see all (a try-out). Refused before anything is sent; a value
# that begins with -- is given as --name=VALUE.
for args, what in ((["user", "create", "--email", "m@x.example", "--role", "manager", "--name",
                     "--sees-all", "--password-stdin"], "--name needs a value before --sees-all"),
                   (["order", "place", "1", "--line", "A:1:1", "--currency", "JPY", "--note",
                     "--verbose"], "--note needs a value before --verbose"),
                   (["report", "save", "1", "--sales", "--inventory", "X:1"],
                    "--sales needs a value before --inventory")):
    rc, out, err = run(*args, stdin=b"")
    check(rc == 2 and what in text(err) and "=VALUE" in text(err) and not out,
          "%s (%d %r)" % (what, rc, text(err)))
rc, out, err = run("account", "create", "--name=--x", "--country", "VN",
                   env={"LIAISON_URL": "liaison://127.0.0.1:9"})
check("needs a value" not in text(err), "--name=--x is a value (%r)" % text(err))

shutil.rmtree(home, ignore_errors=True)
shutil.rmtree(fresh, ignore_errors=True)
shutil.rmtree(stale_home, ignore_errors=True)
t.finish("cli_ux")
