#!/usr/bin/env bash
# The installed tree against what deploy/ refers to: every path under
# /usr/local that the systemd unit names (its liaisond, its Documentation)
# is installed by 'cmake --install --prefix /usr/local', and so are the
# sample configuration and the unit themselves. Installs into a DESTDIR of
# its own, never onto this machine. Usage: test_install.sh BUILD_DIR SOURCE_DIR
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
exit $fail
