#!/usr/bin/env bash
# The installed tree against what deploy/ refers to: every path under
# /usr/local that the systemd unit names (its liaisond, its Documentation)
# is installed by 'cmake --install --prefix /usr/local', and so are the
# sample configuration and the unit themselves; and docker-compose.yml gives
# liaisond longer than drain_timeout_ms to drain before Docker kills it.
# Installs into a DESTDIR of its own, never onto this machine. Usage: test_install.sh BUILD_DIR SOURCE_DIR
set -u
build=$1 src=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fail=0

if ! DESTDIR=$dest cmake --install "$build" --prefix /usr/local >"$dest/.log" 2>&1; then
  echo "not ok - cmake --install: $(tail -3 "$dest/.log")"
  exit 1
fi
unit=$src/deploy/liaisond.service
for path in $({ grep -o '/usr/local/[A-Za-z0-9_./-]*' "$unit"
                sed -n 's|^Documentation=file://||p' "$unit"; } | sort -u); do
  if [ -e "$dest$path" ]; then
    echo "ok - $path (named by liaisond.service) is installed"
  else
    echo "not ok - $path (named by liaisond.service) is not installed"
    fail=1
  fi
done
for f in liaisond.conf.sample liaisond.service; do
  if [ -n "$(find "$dest" -name "$f")" ]; then
    echo "ok - $f is installed"
  else
    echo "not ok - $f is not installed"
    fail=1
  fi
done
drain_ms=$(sed -n 's/^drain_timeout_ms = //p' "$src/deploy/liaisond.conf.sample")
grace_s=$(sed -n 's/^ *stop_grace_period: *\([0-9]*\)s$/\1/p' "$src/docker-compose.yml" | head -n 1)
if [ -n "$grace_s" ] && [ $((grace_s * 1000)) -gt "$drain_ms" ]; then
  echo "ok - docker-compose.yml waits ${grace_s} s for a drain of ${drain_ms} ms"
else
  echo "not ok - docker-compose.yml's stop_grace_period (${grace_s:-10} s, Docker's default) does not outlast drain_timeout_ms ($drain_ms)"
  fail=1
fi
exit $fail
