#!/usr/bin/env bash
# test_pg_restart.sh LIAISON - PostgreSQL stopped under the running server:
# database calls get UNAVAILABLE (exit 6), the server keeps answering what
# needs no database, and once PostgreSQL is back the server reconnects by
# itself, without a restart.
set -uo pipefail
cli=${1:?path to the liaison CLI}
: "${LIAISON_TEST_PGDIR:?run the tests through tests/run}"
here=$(cd "$(dirname "$0")" && pwd)
pgctl=$here/../../deploy/pgctl.sh
export LIAISON_URL=$LIAISON_TEST_URL LIAISON_CA=$LIAISON_TEST_CA
pid=$(cat "$LIAISON_TEST_DIR/main/pid")

wait_for_exit() { # wait_for_exit CODE SECONDS COMMAND...
  local want=$1 secs=$2
  shift 2
  local end=$((SECONDS + secs)) got
  while :; do
    "$@" >/dev/null 2>&1
    got=$?
    [ "$got" -eq "$want" ] && return 0
    [ $SECONDS -ge $end ] && { echo "last exit code $got"; return 1; }
    sleep 0.2
  done
}

"$cli" health >/dev/null || { echo "not ok - health before the stop"; exit 1; }
echo "ok - health before the stop"

log=$LIAISON_TEST_DIR/main/server.log
before=$(wc -l <"$log")
"$pgctl" stop "$LIAISON_TEST_PGDIR"
if wait_for_exit 6 10 "$cli" health; then echo "ok - UNAVAILABLE while PostgreSQL is down"; else
  echo "not ok - health did not report UNAVAILABLE"
  "$pgctl" start "$LIAISON_TEST_PGDIR" "$LIAISON_TEST_PGPORT"
  exit 1
fi
status=$("$cli" --json health 2>&1)
grep -q '"code":"UNAVAILABLE"' <<<"$status" && echo "ok - status code UNAVAILABLE" ||
  { echo "not ok - status code"; fail=1; }
"$cli" ping >/dev/null && echo "ok - server still answers without the database" ||
  { echo "not ok - ping failed while the database is down"; fail=1; }
kill -0 "$pid" && echo "ok - liaisond still running" || { echo "not ok - liaisond died"; exit 1; }

"$pgctl" start "$LIAISON_TEST_PGDIR" "$LIAISON_TEST_PGPORT"
if wait_for_exit 0 30 "$cli" health; then echo "ok - recovered without restarting liaisond"; else
  echo "not ok - no recovery in 30 s"
  exit 1
fi
[ "$(cat "$LIAISON_TEST_DIR/main/pid")" = "$pid" ] && kill -0 "$pid" || { echo "not ok - restarted"; exit 1; }
grep -q 'database connection lost' "$log" &&
  echo "ok - loss logged" || { echo "not ok - loss not logged"; fail=1; }
# Each of the 2 workers' 2 connections retried every 200 ms, each failure a line: the log
# filled with them. Now a worker says it once a minute, and once when it is back.
outage=$(tail -n +"$((before + 1))" "$log")
unreachable=$(grep -c 'msg="cannot connect to the database"' <<<"$outage")
listen=$(grep -c 'msg="live events: cannot listen"' <<<"$outage")
if [ "$unreachable" -ge 1 ] && [ "$unreachable" -le 2 ] && [ "$listen" -le 1 ]; then
  echo "ok - the outage is said once per worker, not at every retry"
else
  echo "not ok - $unreachable 'cannot connect' and $listen 'cannot listen' lines in the outage"
  fail=1
fi
grep -q 'msg="database reachable again" failed_attempts=' <<<"$outage" &&
  echo "ok - the return is logged" || { echo "not ok - the return not logged"; fail=1; }
exit ${fail:-0}
