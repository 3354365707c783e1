#!/usr/bin/env bash
# The installed tree against what deploy/ refers to, for the usual prefix
# and another: the systemd unit 'cmake --install --prefix P' writes (into
# P/lib/systemd/system and P/share/doc/liaison) starts P/bin/liaisond in
# every Exec line, names installed documentation under P, and has no
# placeholder left; the sample configuration is installed; and
# docker-compose.yml gives liaisond longer than drain_timeout_ms to drain
# before Docker kills it. Installs into a DESTDIR of its own, never onto
# this machine. Usage: test_install.sh BUILD_DIR SOURCE_DIR
set -u
build=$1 src=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fail=0
ok() { echo "ok - $*"; }
notok() {
  echo "not ok - $*"
  fail=1
}

for prefix in /usr/local /opt/liaison-test; do
  root=$dest/$(basename "$prefix")
  if ! DESTDIR=$root cmake --install "$build" --prefix "$prefix" >"$dest/.log" 2>&1; then
    notok "cmake --install --prefix $prefix: $(tail -3 "$dest/.log")"
    continue
  fi
  unit=$root$prefix/lib/systemd/system/liaisond.service
  if [ ! -f "$unit" ]; then
    notok "$prefix: liaisond.service is not installed in lib/systemd/system"
    continue
  fi
  ok "$prefix: liaisond.service is installed in lib/systemd/system"
  if cmp -s "$unit" "$root$prefix/share/doc/liaison/liaisond.service"; then
    ok "$prefix: and the same in share/doc/liaison"
  else
    notok "$prefix: share/doc/liaison/liaisond.service is missing or differs"
  fi
  if grep -q '@' "$unit"; then
    notok "$prefix: a placeholder is left in the unit: $(grep '@' "$unit" | head -1)"
  fi
  execs=$(sed -n 's/^Exec\(Start\|StartPre\)=\([^ ]*\).*/\2/p' "$unit" | sort -u)
  if [ "$execs" = "$prefix/bin/liaisond" ] && [ -x "$root$prefix/bin/liaisond" ]; then
    ok "$prefix: every ExecStart and ExecStartPre runs $prefix/bin/liaisond, which is installed"
  else
    notok "$prefix: the unit's ExecStart/ExecStartPre run '$(echo $execs)', not the installed $prefix/bin/liaisond"
  fi
  for path in $(sed -n 's|^Documentation=||p' "$unit" | tr ' ' '\n' | sed -n 's|^file://||p'); do
    case $path in
    "$prefix"/*) [ -e "$root$path" ] && ok "$prefix: $path (the unit's Documentation) is installed" ||
      notok "$prefix: $path (the unit's Documentation) is not installed" ;;
    *) notok "$prefix: the unit's Documentation $path is not under the prefix" ;;
    esac
  done
  if [ "$prefix" != /usr/local ] && grep -q /usr/local "$unit"; then
    notok "$prefix: the unit still names /usr/local: $(grep /usr/local "$unit" | head -1)"
  fi
  if [ -n "$(find "$root" -name liaisond.conf.sample)" ]; then
    ok "$prefix: liaisond.conf.sample is installed"
  else
    notok "$prefix: liaisond.conf.sample is not installed"
  fi
done
drain_ms=$(sed -n 's/^drain_timeout_ms = //p' "$src/deploy/liaisond.conf.sample")
grace_s=$(sed -n 's/^ *stop_grace_period: *\([0-9]*\)s$/\1/p' "$src/docker-compose.yml" | head -n 1)
if [ -n "$grace_s" ] && [ $((grace_s * 1000)) -gt "$drain_ms" ]; then
  ok "docker-compose.yml waits ${grace_s} s for a drain of ${drain_ms} ms"
else
  notok "docker-compose.yml's stop_grace_period (${grace_s:-10} s, Docker's default) does not outlast drain_timeout_ms ($drain_ms)"
fi
# The build context (COPY . .) held the dev cluster, the operator token and the private keys
# of var/; and the web-facing portal had the CA's key mounted (a try-out).
for kept in var build .git; do
  if grep -qx "$kept\*\?" "$src/.dockerignore" 2>/dev/null; then
    ok ".dockerignore keeps $kept out of the image's build context"
  else
    notok ".dockerignore does not keep $kept out of the build context"
  fi
done
if grep -q "var/certs:" "$src/docker-compose.yml" ||
   grep -E '\.key:/' "$src/docker-compose.yml" | grep -qv '/server\.key:'; then
  notok "docker-compose.yml mounts a whole certificate folder or a CA key"
else
  ok "docker-compose.yml mounts each service only the certificate files it uses"
fi
exit $fail
