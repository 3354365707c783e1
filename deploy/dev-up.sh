#!/usr/bin/env bash
# deploy/dev-up.sh - Liaison on this machine, for development: installs the
# Debian packages, builds (release), starts a PostgreSQL cluster of the
# project's own (as the postgres user), makes a development CA and server
# certificate, migrates and starts liaisond in the background, makes a
# demonstration tenant once and starts the distributor portal on
# 127.0.0.1:8080. Running it again rebuilds and restarts both and keeps
# the data.
#
# Everything lives in var/ at the top of the project: var/pg (the cluster;
# a link to /var/lib/liaison-dev/... when postgres cannot enter this
# folder), var/certs, var/liaisond.conf, var/liaisond.log, var/liaisond.pid,
# var/demo-logins, var/portal.log, var/portal.pid.
#
# Ports, when the defaults are taken: LIAISON_PORT (liaisond, 7443),
# LIAISON_PGPORT (PostgreSQL, 55432), LIAISON_METRICS_PORT (/metrics,
# 9469), LIAISON_PORTAL_PORT (the portal, 8080). LIAISON_TEST_CLOCK=1 starts
# liaisond with a service clock an operator may set (liaison clock ...), to
# live through weeks of the cadence in minutes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
var=$root/var
port=${LIAISON_PORT:-7443}
pgport=${LIAISON_PGPORT:-55432}
portal_port=${LIAISON_PORTAL_PORT:-8080}

"$root/deploy/install-deps.sh"

cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release -DLIAISON_TESTS=OFF >/dev/null
cmake --build "$root/build" -j "$(nproc)" >/dev/null

mkdir -p "$var"
if [ ! -e "$var/pg" ]; then
  if runuser -u postgres -- test -x "$var"; then
    mkdir -p "$var/pg"
  else
    # postgres cannot enter this folder (e.g. under /root): keep the
    # cluster where it can, and link it here.
    store=/var/lib/liaison-dev/$(echo "$root" | sha256sum | cut -c1-12)
    mkdir -p "$store"
    chmod 755 /var/lib/liaison-dev
    ln -s "$store" "$var/pg"
  fi
fi
pgdir=$(readlink -f "$var/pg")
"$root/deploy/pgctl.sh" start "$pgdir" "$pgport"
"$root/deploy/dev-certs.sh" "$var/certs"

cat >"$var/liaisond.conf" <<CONF
# Written by deploy/dev-up.sh; see deploy/liaisond.conf.sample for every setting.
listen_host = 127.0.0.1
port = $port
tls_cert = $var/certs/server.pem
tls_key = $var/certs/server.key
metrics_listen = 127.0.0.1:${LIAISON_METRICS_PORT:-9469}
database_url = postgresql:///liaison?host=$pgdir&port=$pgport&user=liaison_app
migrate_database_url = postgresql:///liaison?host=$pgdir&port=$pgport&user=liaison
# The portal below signs its users in from this host and names each one's
# own address, so that 50 wrong passwords typed into it lock their typist's
# address, not every portal user's. Every local process is trusted so: a
# development machine's, never a shared host's setting.
trusted_proxies = 127.0.0.1
CONF
if [ "${LIAISON_TEST_CLOCK:-0}" = 1 ]; then
  printf '%s\n' "# LIAISON_TEST_CLOCK=1: 'liaison clock set|shift|reset' (an operator) moves time." \
    "test_clock = true" >>"$var/liaisond.conf"
fi

if [ -f "$var/liaisond.pid" ] && kill -0 "$(cat "$var/liaisond.pid")" 2>/dev/null; then
  pid=$(cat "$var/liaisond.pid")
  kill -TERM "$pid"
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
fi
"$root/build/liaisond" --config "$var/liaisond.conf" migrate
# The logs name tenants, users and client addresses: the owner's to read, not every local
# user's (a try-out found them 0644).
touch "$var/liaisond.log" "$var/portal.log"
chmod 600 "$var/liaisond.log" "$var/portal.log"
nohup "$root/build/liaisond" --config "$var/liaisond.conf" serve >>"$var/liaisond.log" 2>&1 &
echo $! >"$var/liaisond.pid"
up=0
for _ in $(seq 1 100); do
  kill -0 "$(cat "$var/liaisond.pid")" 2>/dev/null || break
  if "$root/build/liaison" --url "liaison://127.0.0.1:$port" --ca "$var/certs/ca.pem" \
      health >/dev/null 2>&1; then
    up=1
    break
  fi
  sleep 0.1
done
if [ "$up" = 0 ] && ! kill -0 "$(cat "$var/liaisond.pid")" 2>/dev/null; then
  # It stopped at start: a port taken is the usual cause, and the variables pick others.
  echo "dev-up: liaisond stopped at start (LIAISON_PORT, LIAISON_METRICS_PORT pick other" \
    "ports); the end of var/liaisond.log:" >&2
  tail -n 20 "$var/liaisond.log" >&2
  exit 1
fi
if [ "$up" = 0 ]; then
  echo "dev-up: liaisond did not answer on 127.0.0.1:$port within 10 s; the end of var/liaisond.log:" >&2
  tail -n 20 "$var/liaisond.log" >&2
  exit 1
fi

if [ ! -f "$var/operator.token" ]; then
  (umask 077 && "$root/build/liaisond" --config "$var/liaisond.conf" operator create dev \
    >"$var/operator.token")
fi

# The demonstration tenant (once), then the reference distributor portal on
# 127.0.0.1:$portal_port, restarted like liaisond.
export LIAISON_URL=liaison://127.0.0.1:$port LIAISON_CA=$var/certs/ca.pem
export LIAISON_LIBRARY=$root/build/libliaison.so.0
/usr/bin/python3 "$root/deploy/dev-seed.py" "$var"
if [ -f "$var/portal.pid" ] && kill -0 "$(cat "$var/portal.pid")" 2>/dev/null; then
  kill -TERM "$(cat "$var/portal.pid")"
  for _ in $(seq 1 50); do kill -0 "$(cat "$var/portal.pid")" 2>/dev/null || break; sleep 0.1; done
fi
PYTHONPATH=$root/client-lib/python:$root/client-lib/examples/portal \
  PORTAL_SESSION_DB=$var/portal-sessions.sqlite3 PORTAL_CLIENT_ADDRESS=1 \
  nohup /usr/bin/python3 -m liaison_portal --host 127.0.0.1 --port "$portal_port" \
  >>"$var/portal.log" 2>&1 &
echo $! >"$var/portal.pid"
up=0
for _ in $(seq 1 100); do
  kill -0 "$(cat "$var/portal.pid")" 2>/dev/null || break
  # No proxy for 127.0.0.1; and the answer counts only if ours still runs (not
  # another program's, on a port ours could not take).
  if /usr/bin/python3 -c 'import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
opener.open("http://127.0.0.1:%s/login" % sys.argv[1], timeout=1)' "$portal_port" \
      2>/dev/null; then
    sleep 1
    kill -0 "$(cat "$var/portal.pid")" 2>/dev/null && up=1
    break
  fi
  sleep 0.1
done
if [ "$up" = 0 ]; then
  echo "dev-up: the portal did not start on 127.0.0.1:$portal_port (LIAISON_PORTAL_PORT picks" \
    "another port); the end of var/portal.log:" >&2
  tail -n 20 "$var/portal.log" >&2
  exit 1
fi

clock_hint=""
if [ "${LIAISON_TEST_CLOCK:-0}" = 1 ]; then
  clock_hint="
The service clock is settable (LIAISON_TEST_CLOCK=1): a week ahead, then back to now:

  LIAISON_TOKEN=\$(cat $var/operator.token) $root/build/liaison clock shift 604800
  LIAISON_TOKEN=\$(cat $var/operator.token) $root/build/liaison clock reset
"
fi
cat <<MSG

liaisond is running (pid $(cat "$var/liaisond.pid"), log var/liaisond.log).
Connect with the CLI:

  export LIAISON_URL=liaison://127.0.0.1:$port LIAISON_CA=$var/certs/ca.pem
  $root/build/liaison health
  $root/build/liaison --help

As the platform operator (token in var/operator.token), create a tenant
(each command asks for the admin's password):

  LIAISON_TOKEN=\$(cat $var/operator.token) $root/build/liaison admin tenant create \\
      --slug acme --name "Acme GmbH" --admin-email ana@acme.example
  $root/build/liaison login --tenant acme --email ana@acme.example

The distributor portal is on http://127.0.0.1:$portal_port (log var/portal.log).
Sign in to organisation "demo" as the distributor user; the logins of the
demonstration tenant, with their passwords, are in var/demo-logins (only
root reads it; they are not printed here, where terminal and CI logs keep
them): cat $var/demo-logins
$clock_hint
Stop them with: kill \$(cat $var/liaisond.pid) \$(cat $var/portal.pid)
MSG
