#!/usr/bin/env bash
# server.sh start NAME PORT_VARIABLE LIAISOND [EXTRA_SETTING...] | stop NAME
#
# Runs a liaisond for the integration tests in $LIAISON_TEST_DIR/NAME with
# short timeouts, against the cluster tests/run started. "stop" sends
# SIGTERM, waits for a clean exit and fails if the log shows a sanitizer
# report or an unclean loop close.
set -euo pipefail
: "${LIAISON_TEST_DIR:?run the tests through tests/run}"
cmd=${1:?}
name=${2:?}
dir=$LIAISON_TEST_DIR/$name

case "$cmd" in
start)
  port=${!3:?port variable ${3} is not set}
  bin=${4:?liaisond path}
  shift 4
  mkdir -p "$dir"
  {
    echo "port = $port"
    echo "tls_cert = $LIAISON_TEST_CERTS/server.pem"
    echo "tls_key = $LIAISON_TEST_CERTS/server.key"
    echo "operator_ca = $LIAISON_TEST_CERTS/operator-ca.pem"
    echo "database_url = $LIAISON_TEST_DATABASE_URL"
    echo "migrate_database_url = $LIAISON_TEST_MIGRATE_URL"
    echo "workers = 2"
    echo "db_pool_size = 2"
    echo "db_reconnect_ms = 200"
    # Three seconds: an ASan-built client on a loaded machine may take over one for TLS and Hello.
    echo "handshake_timeout_ms = 3000"
    echo "idle_timeout_ms = $LIAISON_TEST_IDLE_MS"
    echo "send_timeout_ms = 2000"
    echo "max_pending_output = 262144"
    echo "drain_timeout_ms = 5000"
    echo "migrate_on_start = true"
    # Fifteen seconds, not five: under ASan at -O1, two tests at once on two cores, a charter's
    # activation (it plans two years of meetings around the tenant's others) took 0.7-1.1 s
    # and once 5.0 s, cut at the default (CI). A test of deadlines sets its own below.
    echo "request_timeout_ms = 15000"
    for setting in "$@"; do echo "$setting"; done
  } >"$dir/liaisond.conf"
  # Appended to, as docs/operating.md says a log file must be, so that a
  # copytruncate rotation (integration_lifecycle) leaves no hole.
  : >"$dir/server.log"
  "$bin" --config "$dir/liaisond.conf" serve >>"$dir/server.log" 2>&1 &
  echo $! >"$dir/pid"
  for _ in $(seq 1 200); do
    if grep -q 'msg="listening"' "$dir/server.log"; then
      exit 0
    fi
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      cat "$dir/server.log"
      echo "liaisond exited during start" >&2
      exit 1
    fi
    sleep 0.1
  done
  cat "$dir/server.log"
  echo "liaisond did not start listening in 20 s" >&2
  exit 1
  ;;
stop)
  pid=$(cat "$dir/pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"
    echo "liaisond did not stop within 30 s of SIGTERM" >&2
    exit 1
  fi
  if grep -E 'AddressSanitizer|LeakSanitizer|runtime error:|handle left open' "$dir/server.log"; then
    echo "sanitizer or loop-close report in $dir/server.log" >&2
    exit 1
  fi
  grep -q 'msg="stopped" clean=yes' "$dir/server.log" || {
    tail -n 20 "$dir/server.log"
    echo "liaisond did not report a clean stop" >&2
    exit 1
  }
  ;;
*)
  echo "server.sh: unknown command $cmd" >&2
  exit 2
  ;;
esac
