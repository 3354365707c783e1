#!/usr/bin/env bash
# test_crash.sh LIAISOND TEST_CRASH - kill -9 without loss (issue 14).
#
# Starts a PostgreSQL cluster of its own (fsync and full_page_writes on, in
# a fresh mktemp -d owned by postgres, on a free port) and a liaisond of its
# own on it with the server's defaults for reconnection and deadlines, then
# runs TEST_CRASH (test_crash.c), which kills them with SIGKILL and calls
# this script back to find and restart them:
#   test_crash.sh pg-pid | pg-start | server-pid | server-start | psql SQL
# (with CRASH_DIR in the environment). Everything it started is stopped
# and removed on exit, whatever the outcome.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

if [ -n "${CRASH_DIR:-}" ]; then
  # Called back by test_crash.
  dir=$CRASH_DIR
  case "$1" in
  pg-pid) head -n 1 "$dir/pg/data/postmaster.pid" ;;
  pg-start)
    # The postmaster's children leave when they notice it died; until the
    # last has detached from its shared memory a new postmaster refuses to
    # start (and pg_ctl takes a second to say so).
    shmid=$(sed -n 7p "$dir/pg/data/postmaster.pid" | awk '{print $2}')
    for _ in $(seq 1 100); do
      awk -v id="$shmid" '$2 == id && $7 > 0 { found = 1 } END { exit !found }' /proc/sysvipc/shm ||
        break
      sleep 0.05
    done
    for _ in $(seq 1 100); do
      if runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/postgres.log" \
        -w -t 30 start >/dev/null 2>&1; then
        exit 0
      fi
      sleep 0.2
    done
    echo "PostgreSQL did not start again" >&2
    exit 1
    ;;
  server-pid) cat "$dir/server.pid" ;;
  server-start)
    # A killed process's sockets close only once its memory is unmapped
    # (0.3 s for 300 MB on a loaded host): ASan's 256 MB quarantine of freed
    # blocks, not the server's own memory, would count in the in-flight time.
    ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=16" \
      "$(cat "$dir/liaisond.path")" --config "$dir/liaisond.conf" serve </dev/null \
      >>"$dir/server.log" 2>&1 &
    echo $! >"$dir/server.pid"
    port=$(sed -n 's/^port = //p' "$dir/liaisond.conf")
    for _ in $(seq 1 300); do
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && exit 0
      kill -0 "$(cat "$dir/server.pid")" 2>/dev/null || break
      sleep 0.05
    done
    tail -n 20 "$dir/server.log" >&2
    echo "liaisond did not start listening" >&2
    exit 1
    ;;
  psql)
    runuser -u postgres -- "$pgbin/psql" -h "$dir/pg" -p "$(cat "$dir/pg.port")" -d liaison \
      -v ON_ERROR_STOP=1 -qAt -c "$2"
    ;;
  *)
    echo "test_crash.sh: unknown command $1" >&2
    exit 2
    ;;
  esac
  exit 0
fi

liaisond=${1:?path to liaisond}
test_crash=${2:?path to test_crash}
work=$(mktemp -d /tmp/liaison-crash.XXXXXX)
chmod 755 "$work"
export CRASH_DIR=$work
cleanup() {
  if [ -f "$work/server.pid" ]; then
    kill -KILL "$(cat "$work/server.pid")" 2>/dev/null || true
  fi
  "$root/deploy/pgctl.sh" stop "$work/pg" || true
  [ -n "${LIAISON_TEST_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

mkdir -p "$work/pg"
pgport=$(free_port)
echo "$pgport" >"$work/pg.port"
PGCTL_FSYNC=on "$root/deploy/pgctl.sh" start "$work/pg" "$pgport"
# Crash recovery first syncs the data directory: file by file (the default)
# that takes 5-8 s here, one syncfs() per file system well under one.
echo "recovery_init_sync_method = syncfs" |
  runuser -u postgres -- tee -a "$work/pg/data/postgresql.conf" >/dev/null
"$0" psql "SHOW fsync" | grep -qx on || { echo "not ok - fsync is not on"; exit 1; }
"$0" psql "SHOW full_page_writes" | grep -qx on || { echo "not ok - full_page_writes is off"; exit 1; }
"$0" psql "SHOW synchronous_commit" | grep -qx on || { echo "not ok - synchronous_commit"; exit 1; }
"$root/deploy/dev-certs.sh" "$work/certs" >/dev/null

app_url="postgresql:///liaison?host=$work/pg&port=$pgport&user=liaison_app"
owner_url="postgresql:///liaison?host=$work/pg&port=$pgport&user=liaison"
LIAISOND_DATABASE_URL=$owner_url LIAISOND_TLS_CERT=x LIAISOND_TLS_KEY=x "$liaisond" migrate \
  >/dev/null 2>&1
operator=$(LIAISOND_DATABASE_URL=$owner_url LIAISOND_TLS_CERT=x LIAISOND_TLS_KEY=x \
  "$liaisond" operator create crash-operator 2>/dev/null)

# Reconnection, deadlines and the pool are the server's defaults: they are what is measured.
port=$(free_port)
echo "$liaisond" >"$work/liaisond.path"
cat >"$work/liaisond.conf" <<CONF
port = $port
tls_cert = $work/certs/server.pem
tls_key = $work/certs/server.key
database_url = $app_url
workers = 2
log_level = warn
CONF
"$0" server-start

set +e
"$test_crash" "liaison://127.0.0.1:$port" "$work/certs/ca.pem" "$operator" "$0"
rc=$?
set -e

pid=$(cat "$work/server.pid")
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if grep -E 'AddressSanitizer|LeakSanitizer|runtime error:|handle left open' "$work/server.log"; then
  echo "not ok - sanitizer or loop-close report in liaisond's log"
  rc=1
fi
[ $rc -eq 0 ] || tail -n 40 "$work/server.log"
exit $rc
