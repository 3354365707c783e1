#!/usr/bin/env bash
# Installs the Debian 12 packages Liaison builds, runs and tests with.
# Does nothing (and needs no network) when they are all present already.
#   (no option)    what building and running need
#   --bench        that, and the tools the tests and benchmarks use
#   --tools-only   only those tools (tests/run installs them beside its build)
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  protobuf-c-compiler libprotobuf-c-dev
  libuv1-dev libpq-dev libssl-dev libjansson-dev libargon2-dev libical-dev libmicrohttpd-dev
  libunistring-dev
  postgresql postgresql-client postgresql-server-dev-15 openssl ca-certificates python3 iso-codes tzdata
  python3-pip python3-setuptools python3-wheel
  python3-flask python3-flask-babel python3-babel python3-cryptography gunicorn
  curl
)
tools=()
if [ "${1:-}" = "--bench" ] || [ "${1:-}" = "--tools-only" ]; then
  # clang: the fuzz harnesses (tests/fuzz/run), which CTest runs too;
  # testssl.sh: the scan of the server's TLS (tests/integration/test_tls.py);
  # chromium, chromium-driver, selenium, html5lib: the portal's browser test.
  # prometheus-client: parses the metrics endpoint's scrape (integration_metrics);
  # prometheus: promtool checks deploy/prometheus (deploy_prometheus);
  # haproxy: the balancer in front of two servers (integration_haproxy).
  tools=(pgbouncer postgresql-contrib clang testssl.sh chromium chromium-driver
         python3-selenium python3-html5lib python3-prometheus-client prometheus haproxy)
fi
if [ "${1:-}" = "--tools-only" ]; then
  packages=("${tools[@]}")
else
  packages+=("${tools[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Once: tests/run installs in two steps, and the lists it fetched for the first serve the second.
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 2>/dev/null | head -n 1)" ]; then
    apt-get update -qq
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's postgresql package starts a system cluster; Liaison runs its own.
# The tenant wall's extension, which migration 0036 creates (server/wall).
[ "${1:-}" = "--tools-only" ] || "$(dirname "$0")/install-wall.sh"
