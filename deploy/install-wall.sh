#!/usr/bin/env bash
# Builds the tenant wall's PostgreSQL extension (server/wall) against the
# newest installed PostgreSQL and installs it into that server's
# directories, as root. Migration 0036 creates it in the database. Builds in
# a temporary copy, so the tree stays clean; does nothing when the
# installed copy is already this source's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] || { echo "install-wall: PostgreSQL server binaries not found" >&2; exit 1; }
pg_config=$pgbin/pg_config
[ -x "$pg_config" ] || pg_config=$(command -v pg_config)
stamp=$("$pg_config" --sharedir)/extension/liaison_wall.sha256
sum=$(cat "$root"/server/wall/* | sha256sum | cut -c1-64)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] &&
  [ -f "$("$pg_config" --pkglibdir)/liaison_wall.so" ]; then
  exit 0
fi
work=$(mktemp -d /tmp/liaison-wall.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$root"/server/wall/* "$work"/
make -s -C "$work" PG_CONFIG="$pg_config" >/dev/null
make -s -C "$work" PG_CONFIG="$pg_config" install >/dev/null
echo "$sum" >"$stamp"
