#!/usr/bin/env python3
"""The durable scheduler (migration 0015, server/scheduler.c) and the
settable clock, on liaisonds of the test's own sharing the test database:
1,000 due jobs over two processes each run exactly once; jobs run with
their own tenant as liaison_tenant(), none leaking into the next job, and
audit as 'scheduler'; SetClock is refused without --test-clock and to anyone
but an operator, and audited; a failing kind retries at the back-off's
exact instants (the clock fixed) and gives up after the last attempt, as
does a kind with no function; a process killed with SIGKILL, or stopped
with SIGTERM, in the middle of a slow job has its run rolled back and
another process runs it once; a pending job survives a restart; jobs_prune
keeps what is under a day old and schedules itself; the CLI's `liaison
clock` and `liaison jobs`.
Usage: test_scheduler.py LIAISOND CLI."""
import atexit
import json
import os
import secrets
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
from liaison_test import check  # noqa: E402

LIAISOND, CLI = sys.argv[1], sys.argv[2]
OPERATOR = w.env("LIAISON_TEST_OPERATOR_TOKEN")
PASSWORD = "correct horse battery staple"
RUN = secrets.token_hex(3)
sql = t.psql
FAST = "scheduler_interval_ms = 100"

servers = []


@atexit.register
def _leave_clean():
    """Only for a test that died half-way: the normal end stops them cleanly."""
    for s in servers:
        try:
            os.kill(s.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        sql("DELETE FROM liaison_clock")
    except RuntimeError:
        pass


def start(name, *settings):
    s = t.Server(name, LIAISOND, CLI, FAST, *settings)
    servers.append(s)
    return s


def wait_for(query, expected, seconds=60):
    """Polls query until it prints expected; returns what it printed last."""
    deadline = time.monotonic() + seconds
    got = sql(query)
    while got != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        got = sql(query)
    return got


# The test's own kinds, registered as job kinds are: ok records its key and
# the tenant it ran for; fail always raises; slow records the backend that
# ran it, then sleeps; audit writes an audit row for its tenant.
sql("""
CREATE TABLE IF NOT EXISTS sched_test_runs (
    key text NOT NULL, tenant bigint, backend int NOT NULL DEFAULT pg_backend_pid());
-- Jobs run as the owner since migration 0026 (the runner gives each its tenant).
GRANT SELECT, INSERT ON sched_test_runs TO liaison_app, liaison;
CREATE OR REPLACE FUNCTION sched_test_ok(p jsonb) RETURNS void LANGUAGE sql AS $$
    INSERT INTO sched_test_runs (key, tenant) VALUES (p ->> 'key', liaison_tenant()) $$;
CREATE OR REPLACE FUNCTION sched_test_fail(p jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sched_test_runs (key) VALUES (p ->> 'key');
    RAISE EXCEPTION 'nguồn lỗi thử nghiệm %', p ->> 'key';
END $$;
CREATE OR REPLACE FUNCTION sched_test_slow(p jsonb) RETURNS void LANGUAGE sql AS $$
    INSERT INTO sched_test_runs (key) VALUES (p ->> 'key');
    SELECT pg_sleep((p ->> 'seconds')::float8) $$;
CREATE OR REPLACE FUNCTION sched_test_audit(p jsonb) RETURNS void LANGUAGE sql AS $$
    SELECT liaison_audit('test.job', 'job', p ->> 'key') $$;
CREATE TABLE IF NOT EXISTS sched_test_rows (key text PRIMARY KEY);
GRANT SELECT, UPDATE ON sched_test_rows TO liaison_app, liaison;
CREATE OR REPLACE FUNCTION sched_test_lock(p jsonb) RETURNS void LANGUAGE sql AS $$
    SELECT 1 FROM sched_test_rows WHERE key = p ->> 'key' FOR UPDATE;
    INSERT INTO sched_test_runs (key) VALUES (p ->> 'key') $$;
INSERT INTO job_kinds (kind, fn) VALUES ('sched_test_ok', 'sched_test_ok'),
    ('sched_test_fail', 'sched_test_fail'), ('sched_test_slow', 'sched_test_slow'),
    ('sched_test_audit', 'sched_test_audit'), ('sched_test_lock', 'sched_test_lock')
    ON CONFLICT (kind) DO UPDATE SET fn = EXCLUDED.fn;
DELETE FROM liaison_clock;
""")


def add_job(kind, key, run_at="now()", tenant="NULL", extra=""):
    """A job as liaison_schedule() makes it, payload {"key": key, ...extra}."""
    return sql("INSERT INTO jobs (for_tenant, kind, key, payload, run_at) VALUES (%s, '%s', '%s',"
               " jsonb_build_object('key', '%s'%s), %s) RETURNING id"
               % (tenant, kind, key, key, extra, run_at)).splitlines()[0]


a = start("sched_a", "test_clock = true")
b = start("sched_b")

# ---------------- 1,000 due jobs, two processes, each once ----------------
sql("INSERT INTO jobs (kind, key, payload, run_at) SELECT 'sched_test_ok', 'many-%s-' || i,"
    " jsonb_build_object('key', 'many-%s-' || i), now() - interval '1 second'"
    " FROM generate_series(1, 1000) i" % (RUN, RUN))
left = wait_for("SELECT count(*) FROM jobs WHERE key LIKE 'many-%s-%%' AND done_at IS NULL" % RUN,
                "0")
check(left == "0", "1,000 due jobs all ran (left: %s)" % left)
runs = sql("SELECT count(*), count(DISTINCT key) FROM sched_test_runs WHERE key LIKE 'many-%s-%%'"
           % RUN)
check(runs == "1000|1000", "each of the 1,000 jobs ran exactly once (runs|distinct: %s)" % runs)
hist = sql("SELECT count(*), count(DISTINCT job_id), count(*) FILTER (WHERE outcome = 'done')"
           " FROM job_runs r JOIN jobs j ON j.id = r.job_id WHERE j.key LIKE 'many-%s-%%'" % RUN)
check(hist == "1000|1000|1000", "job_runs: one successful run per job (%s)" % hist)
instances = sql("SELECT string_agg(DISTINCT r.instance, ' ') FROM job_runs r JOIN jobs j"
                " ON j.id = r.job_id WHERE j.key LIKE 'many-%s-%%'" % RUN)
print("# instances that ran them: %s" % instances)
check(any(instances.endswith(":%d" % s.pid) or ":%d " % s.pid in instances for s in (a, b)),
      "job_runs names the instances (host:pid) that ran them")
check("jobs run" in a.log() + b.log(), "the batches are logged")

# ---------------- tenants: each job runs as its own tenant ----------------
ta, tb = "sched-a-" + RUN, "sched-b-" + RUN
for slug in (ta, tb):
    a.must("CreateTenant", {"slug": slug, "name": "Công ty 東京 " + slug,
                            "adminEmail": "admin@%s.example" % slug,
                            "adminPassword": PASSWORD}, OPERATOR)
ida = sql("SELECT id FROM tenants WHERE slug = '%s'" % ta)
idb = sql("SELECT id FROM tenants WHERE slug = '%s'" % tb)
# Three jobs due in this order, made at once so that one batch takes them:
# A's, B's, then the platform's.
sql("INSERT INTO jobs (for_tenant, kind, key, payload, run_at) SELECT t, 'sched_test_ok', k,"
    " jsonb_build_object('key', k), now() - d * interval '1 second' FROM (VALUES"
    " (%s, 'ten-a-%s', 3), (%s, 'ten-b-%s', 2), (NULL, 'ten-none-%s', 1)) v(t, k, d)"
    % (ida, RUN, idb, RUN, RUN))
audit_job = add_job("sched_test_audit", "aud-" + RUN, "now()", ida)
wait_for("SELECT count(*) FROM jobs WHERE key IN ('ten-a-%s', 'ten-b-%s', 'ten-none-%s',"
         " 'aud-%s') AND done_at IS NULL" % (RUN, RUN, RUN, RUN), "0")
got = sql("SELECT key || '=' || coalesce(tenant::text, 'none') FROM sched_test_runs"
          " WHERE key LIKE 'ten-%%-%s' ORDER BY key" % RUN).split()
check(got == ["ten-a-%s=%s" % (RUN, ida), "ten-b-%s=%s" % (RUN, idb), "ten-none-%s=none" % RUN],
      "each job saw its own tenant as liaison_tenant(), none carried over: %s" % got)
aud = sql("SELECT tenant_id, actor, action, entity_id, request_id FROM audit_log"
          " WHERE action = 'test.job' AND entity_id = 'aud-%s'" % RUN)
check(aud == "%s|scheduler|test.job|aud-%s|job-%s" % (ida, RUN, audit_job),
      "a job's audit row is its tenant's, by actor 'scheduler': %s" % aud)

# ---------------- the clock: who may set it ----------------
code, out = b.call("SetClock", {"shiftSeconds": 60}, OPERATOR)
check(code == "FAILED_PRECONDITION" and "--test-clock" in out.get("message", ""),
      "SetClock without --test-clock -> FAILED_PRECONDITION naming it (%s %s)" % (code, out))
check(sql("SELECT count(*) FROM liaison_clock") == "0", "... and the clock is untouched")
code, out = b.call("SetClock", {"fixedAt": "garbage"}, OPERATOR)
check(code == "INVALID_ARGUMENT" and "fixedAt" in json.dumps(out),
      "a malformed instant is told as such, not that the server lacks --test-clock (%s %s)"
      % (code, out))
admin = a.must("Login", {"tenant": ta, "email": "admin@%s.example" % ta, "password": PASSWORD},
               None)["token"]
code, _ = a.call("SetClock", {"shiftSeconds": 60}, admin)
check(code == "PERMISSION_DENIED", "SetClock by a tenant admin -> PERMISSION_DENIED (%s)" % code)
code, _ = a.call("SetClock", {"shiftSeconds": 60, "reset": True}, OPERATOR)
check(code == "INVALID_ARGUMENT", "SetClock with two modes -> INVALID_ARGUMENT (%s)" % code)
code, out = a.call("SetClock", {"fixedAt": "not a time"}, OPERATOR)
check(code == "INVALID_ARGUMENT", "SetClock with a bad instant -> INVALID_ARGUMENT (%s)" % code)
# PostgreSQL's own words for instants moved the clock: 'clock set yesterday'
# went back to the real yesterday and answered OK.
for word in ("yesterday", "epoch", "infinity", "2031-03-29 00:59"):
    code, out = a.cli("clock", "set", word, token=OPERATOR)
    check(code == "INVALID_ARGUMENT" and "RFC 3339" in out.get("message", ""),
          "liaison clock set %s is refused as not RFC 3339 (%s %s)" % (word, code, out))
check(sql("SELECT count(*) FROM liaison_clock") == "0", "and the clock did not move")
before = int(sql("SELECT count(*) FROM platform_audit WHERE action LIKE 'clock.%'"))
code, out = a.cli("clock", "shift", "x7200", token=OPERATOR)
check(code == "INVALID_ARGUMENT" and "SECONDS" in out.get("message", ""),
      "liaison clock shift x7200 is refused, naming SECONDS: %s %s" % (code, out))
code, out = a.cli("clock", "shift", "7200", token=OPERATOR)
check(code == "OK" and out.get("shiftSeconds") in (7200, "7200") and not out.get("fixed"),
      "liaison clock shift answers the clock: %s %s" % (code, out))
skew = float(sql("SELECT extract(epoch FROM liaison_now() - now())"))
check(abs(skew - 7200) < 1, "liaison_now() is two hours ahead (%s s)" % skew)
code, out = a.cli("clock", "show", token=OPERATOR)
check(code == "OK" and out.get("shiftSeconds") in (7200, "7200"),
      "liaison clock show says shifted: %s %s" % (code, out))
a.must("SetClock", {"reset": True}, OPERATOR)
check(sql("SELECT count(*) FROM liaison_clock") == "0", "SetClock reset: the real time again")
acts = sql("SELECT string_agg(action || ':' || actor, ' ' ORDER BY id) FROM platform_audit"
           " WHERE action LIKE 'clock.%%' AND id > (SELECT max(id) - %d FROM platform_audit)"
           % 2)
check(int(sql("SELECT count(*) FROM platform_audit WHERE action LIKE 'clock.%'")) == before + 2
      and "clock.shift" in acts and "clock.reset" in acts,
      "each SetClock is in the platform audit, refused ones not: %s" % acts)

# ---------------- a failing kind: back-off at exact instants, then gives up ----------------
T = "2031-03-29T00:59:30Z"  # fixed, so every run_at below is exact
code, out = a.cli("clock", "set", T, token=OPERATOR)
check(code == "OK" and out.get("fixed") and out.get("now") == "2031-03-29T00:59:30.000Z",
      "liaison clock set fixes the clock: %s %s" % (code, out))
fail_job = add_job("sched_test_fail", "fail-" + RUN, "'%s'" % T)
none_job = add_job("sched_test_nokind_" + RUN, "nokind-" + RUN, "'%s'" % T)
due = T
delays = []
for attempt in range(1, 9):
    if attempt > 1:
        # One second before the due instant nothing runs; at it, the job does.
        a.must("SetClock", {"fixedAt": sql("SELECT liaison_rfc3339('%s'::timestamptz"
                                           " - interval '1 second')" % due)}, OPERATOR)
        time.sleep(0.6)
        check(sql("SELECT attempts FROM jobs WHERE id = %s" % fail_job) == str(attempt - 1),
              "attempt %d: not run a second before it is due" % attempt)
        a.must("SetClock", {"fixedAt": due}, OPERATOR)
    got = wait_for("SELECT attempts FROM jobs WHERE id = %s" % fail_job, str(attempt), 20)
    check(got == str(attempt), "attempt %d ran at %s" % (attempt, due))
    row = sql("SELECT liaison_rfc3339(run_at), done_at IS NOT NULL, failed_at IS NOT NULL,"
              " last_error FROM jobs WHERE id = %s" % fail_job).split("|")
    if attempt < 8:
        delay = int(float(sql("SELECT extract(epoch FROM '%s'::timestamptz - '%s'::timestamptz)"
                              % (row[0], due))))
        delays.append(delay)
        check(row[1] == "f" and "nguồn lỗi thử nghiệm fail-" + RUN in row[3],
              "attempt %d failed and is due again, its error kept: %s" % (attempt, row))
        due = row[0]
        if attempt == 3:
            code, out = a.cli("jobs", "--state", "retrying", "--kind", "sched_test_fail",
                              token=OPERATOR)
            got = [(str(j["id"]), j.get("attempts"), j.get("runAt"), j.get("lastError"))
                   for j in out] if code == "OK" else out
            check(code == "OK" and (fail_job, 3, due, row[3]) in got,
                  "liaison jobs --state retrying shows it, due again: %s %s" % (code, got))
    else:
        check(row[1] == "t" and row[2] == "t",
              "after the 8th attempt the job gave up: done and failed (%s)" % row)
check(delays == [10, 20, 40, 80, 160, 320, 640],
      "back-off doubles from 10 s: %s" % delays)
check(sql("SELECT count(*) FROM sched_test_runs WHERE key = 'fail-%s'" % RUN) == "0",
      "a failed attempt's changes are rolled back")
outcomes = sql("SELECT string_agg(outcome, ',' ORDER BY attempt) FROM job_runs WHERE job_id = %s"
               % fail_job)
check(outcomes == ",".join(["retry"] * 7 + ["failed"]), "job_runs: %s" % outcomes)
# It was due with the failing one, at the same instants, but runs in its own
# batch: its last attempt may land a moment after the failing kind's. Should
# it have fallen a step behind (run after the clock moved on), its next due
# instant is later than the clock: move the clock there, as above.
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    state = sql("SELECT failed_at IS NOT NULL, run_at > liaison_now(), liaison_rfc3339(run_at)"
                " FROM jobs WHERE id = %s" % none_job).split("|")
    if state[0] == "t":
        break
    if state[1] == "t":
        a.must("SetClock", {"fixedAt": state[2]}, OPERATOR)
    time.sleep(0.1)
nk = sql("SELECT attempts, failed_at IS NOT NULL, last_error FROM jobs WHERE id = %s" % none_job)
check(nk == "8|t|no function is registered for job kind sched_test_nokind_" + RUN,
      "a kind with no function fails like a raising one, the servers unharmed: %s" % nk)
code, out = a.cli("jobs", "--kind", "sched_test_fail", "--state", "failed", token=OPERATOR)
ids = [str(j.get("id")) for j in out] if code == "OK" else out
check(code == "OK" and fail_job in ids, "liaison jobs --state failed lists it: %s %s" % (code, ids))
code, out = a.cli("jobs", "--state", "retrying", "--all", token=OPERATOR)
ids = [str(j.get("id")) for j in out] if code == "OK" else out
check(code == "OK" and fail_job not in ids, "... and no longer as retrying: %s %s" % (code, ids))
code, _ = a.cli("jobs", "--state", "nonsense", token=OPERATOR)
check(code != "OK", "liaison jobs --state nonsense is refused (%s)" % code)
code, out = a.cli("clock", "reset", token=OPERATOR)
check(code == "OK" and not out.get("fixed"), "liaison clock reset: %s %s" % (code, out))

# ---------------- stopped in the middle of a slow job ----------------


def slow_job_running(tag):
    """Makes a 3-second job and waits until one of the test's servers runs
    it: (that server, its backend's pid, the job's key). A batch names its
    process (host:pid) in application_name while it runs. Another test's
    server on the database may take the job instead (its timer is ten times
    slower): then this waits for that run and tries again."""
    for round_no in range(5):
        key = "slow-%s-%d-%s" % (tag, round_no, RUN)
        add_job("sched_test_slow", key, "now()", extra=", 'seconds', 3")
        backend, runner = None, ""
        deadline = time.monotonic() + 20
        while not runner and time.monotonic() < deadline:
            row = sql("SELECT pid, application_name FROM pg_stat_activity"
                      " WHERE wait_event = 'PgSleep' AND query LIKE '%liaison_run_due_jobs%'")
            if row:
                backend, runner = row.splitlines()[0].split("|")
            time.sleep(0.05)
        holder = ([s for s in (a, b) if runner.endswith(":%d" % s.pid)] or [None])[0]
        if holder is not None:
            return holder, backend, key
        wait_for("SELECT count(*) FROM jobs WHERE key = '%s' AND done_at IS NULL" % key, "0")
    return None, None, None


def run_once_elsewhere(holder, backend, key, how):
    """The job whose run holder lost is run once, by another process."""
    got = wait_for("SELECT count(*) FROM jobs WHERE key = '%s' AND done_at IS NOT NULL" % key,
                   "1", 30)
    check(got == "1", "%s: the job was run by the other process" % how)
    runs = sql("SELECT count(*), bool_and(backend <> %s) FROM sched_test_runs WHERE key = '%s'"
               % (backend, key))
    check(runs == "1|t", "%s: exactly one run's changes committed, not the stopped one's (%s)"
          % (how, runs))
    hist = sql("SELECT count(*), min(instance) FROM job_runs r JOIN jobs j ON j.id = r.job_id"
               " WHERE j.key = '%s'" % key).split("|")
    check(hist[0] == "1" and not hist[1].endswith(":%d" % holder.pid),
          "%s: one run in job_runs, not by the stopped process: %s" % (how, hist))


# SIGKILL: the session notices its client is gone and rolls the batch back.
holder, backend, key = slow_job_running("kill")
check(holder is not None, "SIGKILL: one of the test's servers is running the slow job")
if holder is not None:
    os.kill(holder.pid, signal.SIGKILL)
    servers.remove(holder)
    run_once_elsewhere(holder, backend, key, "SIGKILL")
    if holder is a:
        a = start("sched_a2", "test_clock = true")
    else:
        b = start("sched_b2")

# SIGTERM: the server stops cleanly without waiting for the job, abandoning it.
holder, backend, key = slow_job_running("term")
check(holder is not None, "SIGTERM: one of the test's servers is running the slow job")
if holder is not None:
    check(holder.stop(), "SIGTERM in the middle of a job: a clean stop")
    servers.remove(holder)
    run_once_elsewhere(holder, backend, key, "SIGTERM")
    if holder is a:
        a = start("sched_a3", "test_clock = true")
    else:
        b = start("sched_b3")

# ---------------- a job gives way to a user's transaction ----------------
# A user's transaction holds the row a job needs and then waits for the job's
# own row (as a request that shows an escalation does: it locks the request,
# then reschedules its step). The scheduler waits at most half a second for
# the row, well inside deadlock_timeout: the user's transaction ends without
# a deadlock, and the job runs again a few seconds on, the lost wait not
# counted as an attempt.
key = "lock-" + RUN
sql("INSERT INTO sched_test_rows (key) VALUES ('%s')" % key)
user = subprocess.Popen(w.env("LIAISON_TEST_PSQL").split() + ["-U", "postgres"],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        text=True)
user.stdin.write("SELECT pg_backend_pid();\nBEGIN;\nSELECT count(*) FROM (SELECT 1"
                 " FROM sched_test_rows WHERE key = '%s' FOR UPDATE) x;\n" % key)
user.stdin.flush()
user_pid = user.stdout.readline().strip()
user.stdout.readline()  # the count: the row is held
lock_job = add_job("sched_test_lock", key)
# Seen waiting, or (a slow poll) already given way.
waited = wait_for("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE %s = ANY"
                  " (pg_blocking_pids(pid)) AND query LIKE '%%liaison_run_due_jobs%%')"
                  " OR EXISTS (SELECT 1 FROM job_runs WHERE job_id = %s)" % (user_pid, lock_job),
                  "t", 20)
check(waited == "t", "the job met the row the user's transaction holds")
user.stdin.write("UPDATE jobs SET payload = payload WHERE id = %s;\nCOMMIT;\n" % lock_job)
user.stdin.close()
out, err = user.stdout.read(), user.stderr.read()
check(user.wait(timeout=30) == 0 and "deadlock" not in err,
      "the user's transaction commits, no deadlock (%s)" % err.strip())
first = sql("SELECT outcome, attempt, error LIKE 'busy: %%lock timeout%%' FROM job_runs"
            " WHERE job_id = %s ORDER BY id LIMIT 1" % lock_job)
check(first == "retry|1|t", "job_runs: the job gave way, busy, to run again (%s)" % first)
got = wait_for("SELECT attempts, done_at IS NOT NULL, failed_at IS NULL FROM jobs"
               " WHERE id = %s" % lock_job, "1|t|t", 30)
check(got == "1|t|t", "it ran a few seconds on, the wait not counted as an attempt (%s)" % got)
check(sql("SELECT count(*) FROM sched_test_runs WHERE key = '%s'" % key) == "1",
      "... once")

# ---------------- a restart keeps pending jobs ----------------
# The clock stands still while the servers restart, so the job is due only
# when the test says so (another test's server may share the database).
T2 = "2031-06-01T08:00:00Z"
a.must("SetClock", {"fixedAt": T2}, OPERATOR)
later = add_job("sched_test_ok", "later-" + RUN, "'%s'::timestamptz + interval '1 minute'" % T2)
check(a.stop() and b.stop(), "both servers stop cleanly (SIGTERM)")
servers.clear()
c = start("sched_c", "test_clock = true")
time.sleep(0.5)
check(sql("SELECT done_at IS NULL FROM jobs WHERE id = %s" % later) == "t",
      "after the restart the job is still pending, not due yet")
c.must("SetClock", {"fixedAt": "2031-06-01T08:01:00Z"}, OPERATOR)
got = wait_for("SELECT count(*) FROM sched_test_runs WHERE key = 'later-%s'" % RUN, "1", 20)
check(got == "1", "once due, it runs, once")
c.must("SetClock", {"reset": True}, OPERATOR)

# ---------------- jobs_prune ----------------
# Old done jobs and runs go; those under the 24-hour floor stay, even when
# the payload asks for less; the job schedules its next run an hour later.
old, young = sql("INSERT INTO jobs (kind, key, run_at, done_at) SELECT 'sched_test_ok', k, r, r"
                 " FROM (VALUES ('old-%s', now() - interval '9 days'),"
                 " ('young-%s', now() - interval '23 hours')) v(k, r) RETURNING id"
                 % (RUN, RUN)).split()[:2]
sql("INSERT INTO job_runs (job_id, kind, instance, attempt, started_at, finished_at, outcome)"
    " VALUES (%s, 'sched_test_ok', 'x', 1, now() - interval '9 days', now(), 'done'),"
    " (%s, 'sched_test_ok', 'x', 1, now() - interval '23 hours', now(), 'done')"
    % (old, young))
# Failed log-ins that no longer count go too (0123): a window begun two days ago whose lock
# ended; a window as old whose lock still runs, and a fresh one, stay.
sql("INSERT INTO login_throttle (key_hash, failures, window_start, locked_until) VALUES"
    " (convert_to('prune-stale-%s', 'UTF8'), 3, now() - interval '2 days', now() - interval '1 day'),"
    " (convert_to('prune-locked-%s', 'UTF8'), 3, now() - interval '2 days', now() + interval '1 hour'),"
    " (convert_to('prune-fresh-%s', 'UTF8'), 1, now() - interval '1 hour', NULL)" % (RUN, RUN, RUN))
# An import begun two days ago and never finished goes with its staged rows (0129); one begun
# an hour ago stays.
stale_imp, fresh_imp = sql(
    "INSERT INTO tenant_imports (slug, name, actor, created_at) VALUES"
    " ('stale-%s', 'Cũ', 'operator:x', now() - interval '2 days'),"
    " ('fresh-%s', '新しい', 'operator:x', now() - interval '1 hour') RETURNING id"
    % (RUN, RUN)).split()[:2]
sql("INSERT INTO tenant_import_rows (import_id, n, tbl, js) VALUES (%s, 1, 'users',"
    " '{\"password_hash\": \"x\"}')" % stale_imp)
# Made due only now that every row it should find is there: due earlier, it could start (and take
# its snapshot) between the inserts above on a busy host.
prune = sql("UPDATE jobs SET run_at = now(), payload = '{\"retention_hours\": 1}'"
            " WHERE kind = 'jobs_prune' AND done_at IS NULL RETURNING id").split()[:1]
prune = prune[0] if prune else ""
check(prune != "", "jobs_prune is pending (it schedules itself)")
wait_for("SELECT count(*) FROM jobs WHERE id = %s AND done_at IS NOT NULL" % (prune or 0), "1", 20)
kept = sql("SELECT (SELECT string_agg(key, ' ' ORDER BY id) FROM jobs WHERE id IN (%s, %s)),"
           " (SELECT count(*) FROM job_runs WHERE job_id = %s),"
           " (SELECT count(*) FROM job_runs WHERE job_id = %s)" % (old, young, old, young))
check(kept == "young-%s|0|1" % RUN, "jobs_prune removed the 9-day-old job and run only: %s" % kept)
left = sql("SELECT string_agg(k, ' ' ORDER BY k) FROM (SELECT convert_from(key_hash, 'UTF8') k"
           " FROM login_throttle WHERE key_hash IN (convert_to('prune-stale-%s', 'UTF8'),"
           " convert_to('prune-locked-%s', 'UTF8'), convert_to('prune-fresh-%s', 'UTF8'))) x"
           % (RUN, RUN, RUN))
check(left == "prune-fresh-%s prune-locked-%s" % (RUN, RUN),
      "jobs_prune forgets failed log-ins that no longer count, and only those: %s" % left)
imports = sql("SELECT (SELECT string_agg(id::text, ' ') FROM tenant_imports WHERE id IN (%s, %s)),"
              " (SELECT count(*) FROM tenant_import_rows WHERE import_id = %s)"
              % (stale_imp, fresh_imp, stale_imp))
check(imports == "%s|0" % fresh_imp,
      "jobs_prune expires an import unfinished for a day, staged rows and all: %s" % imports)
sql("DELETE FROM tenant_imports WHERE id = %s" % fresh_imp)
nxt = sql("SELECT count(*), bool_and(run_at - now() BETWEEN interval '59 minutes'"
          " AND interval '61 minutes') FROM jobs WHERE kind = 'jobs_prune' AND done_at IS NULL")
check(nxt == "1|t", "jobs_prune is pending once more, an hour on: %s" % nxt)
check(c.stop(), "the restarted server stops cleanly")
servers.clear()

sql("DELETE FROM jobs WHERE kind LIKE 'sched_test%'; DELETE FROM liaison_clock;"
    " DELETE FROM sched_test_rows")
t.finish("test_scheduler")
