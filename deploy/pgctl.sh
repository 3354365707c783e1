#!/usr/bin/env bash
# pgctl.sh start DIR PORT | stop DIR | status DIR
#
# A private PostgreSQL cluster in DIR (data in DIR/data, socket in DIR),
# run as the postgres user because PostgreSQL refuses to run as root. DIR
# must be a directory postgres can enter; the caller creates it. On start,
# two roles are created if missing: "liaison", which owns database
# "liaison" and its tables (migrations run as it), and "liaison_app", what
# liaisond connects as (no ownership, no BYPASSRLS).
#
# Who gets in: DIR (which holds the socket) is closed to everyone but
# postgres (root passes anyway), and the socket takes peer authentication:
# the system users root and postgres may log in as postgres, liaison and
# liaison_app, nobody else as anyone. Both are rewritten on every start, so
# a cluster made by an older pgctl.sh is closed too.
# With PGCTL_TLS_DIR (holding server.pem and server.key) set on the first
# start, the cluster also listens on 127.0.0.1 with TLS (benchmark only),
# where liaison_app alone logs in, with a password (SCRAM) kept in
# DIR/pgpass for libpq (PGPASSFILE).
set -euo pipefail

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] || { echo "pgctl: PostgreSQL server binaries not found" >&2; exit 1; }

as_pg() { runuser -u postgres -- "$@"; }

cmd=${1:?usage: pgctl.sh start DIR PORT | stop DIR | status DIR}
dir=${2:?directory required}

case "$cmd" in
start)
  port=${3:?port required}
  chown postgres:postgres "$dir"
  chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_pg "$pgbin/initdb" -D "$dir/data" -U postgres --auth-local=peer --auth-host=reject \
      -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
unix_socket_permissions = 0700
port = $port
max_connections = 200
fsync = ${PGCTL_FSYNC:-on}
CONF
    if [ -n "${PGCTL_TLS_DIR:-}" ]; then
      # TCP on loopback with TLS only, for the benchmark's pgbench baselines.
      install -o postgres -g postgres -m 600 "$PGCTL_TLS_DIR/server.key" "$dir/data/server.key"
      install -o postgres -g postgres -m 644 "$PGCTL_TLS_DIR/server.pem" "$dir/data/server.crt"
      cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
ssl = on
ssl_min_protocol_version = 'TLSv1.3'
max_connections = 400
shared_buffers = 512MB
CONF
    fi
  fi
  {
    echo "# Written by deploy/pgctl.sh on every start."
    echo "local all all peer map=liaison"
    if grep -q "^ssl = on" "$dir/data/postgresql.conf"; then
      echo "hostssl liaison liaison_app 127.0.0.1/32 scram-sha-256"
    fi
  } | as_pg tee "$dir/data/pg_hba.conf" >/dev/null
  for sys in root postgres; do
    for role in postgres liaison liaison_app; do echo "liaison $sys $role"; done
  done | as_pg tee "$dir/data/pg_ident.conf" >/dev/null
  if ! as_pg "$pgbin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null
  else
    as_pg "$pgbin/pg_ctl" -D "$dir/data" reload >/dev/null
  fi
  port=$(sed -n "s/^port = \([0-9]*\)/\1/p" "$dir/data/postgresql.conf" | tail -n 1)
  psql=(as_pg "$pgbin/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt)
  "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'liaison'" | grep -q 1 ||
    "${psql[@]}" -c "CREATE ROLE liaison LOGIN"
  "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'liaison_app'" | grep -q 1 ||
    "${psql[@]}" -c "CREATE ROLE liaison_app LOGIN NOBYPASSRLS"
  "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'liaison'" | grep -q 1 ||
    "${psql[@]}" -c "CREATE DATABASE liaison OWNER liaison"
  if grep -q "^ssl = on" "$dir/data/postgresql.conf" && [ ! -s "$dir/pgpass" ]; then
    password=$(openssl rand -hex 24)
    (umask 077 && echo "127.0.0.1:$port:liaison:liaison_app:$password" >"$dir/pgpass")
    echo "ALTER ROLE liaison_app PASSWORD '$password'" | "${psql[@]}"
  fi
  ;;
stop)
  if [ -f "$dir/data/PG_VERSION" ]; then
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  ;;
status)
  as_pg "$pgbin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
  ;;
*)
  echo "pgctl: unknown command $cmd" >&2
  exit 2
  ;;
esac
