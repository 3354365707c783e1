#!/bin/sh
# What a portal author does first: install libliaison into a prefix of their
# own (cmake --install --prefix), compile client-lib/examples/portal_example.c
# with the installed liaison.pc exactly as its comment says, and run it
# against the test server. liaison.pc once named the configure-time prefix
# (/usr/local) whatever --prefix said, so the header was not found.
#   test_installed.sh BUILD_DIR SOURCE_DIR CC [CFLAGS...]
set -eu
build=$1 src=$2 cc=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log"
pc=$(find "$tmp/prefix" -name liaison.pc)
[ -n "$pc" ] || { echo "not ok: no liaison.pc installed"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pc")"
flags=$(pkg-config --cflags --libs liaison)
case "$flags" in
*"$tmp/prefix"*) echo "ok: pkg-config names the install prefix ($flags)" ;;
*) echo "not ok: pkg-config names another prefix: $flags"; exit 1 ;;
esac
# As the example's comment has it, plus the build's own flags (sanitizers).
# shellcheck disable=SC2086
"$cc" "$@" "$src/client-lib/examples/portal_example.c" $flags -o "$tmp/portal_example"
echo "ok: portal_example.c compiles against the installed header and library"
libdir=$(pkg-config --variable=libdir liaison)
LD_LIBRARY_PATH="$libdir" "$tmp/portal_example" "$LIAISON_TEST_URL" "$LIAISON_TEST_CA" \
    >"$tmp/out.txt"
grep -q '^Ping -> OK' "$tmp/out.txt" || { echo "not ok: the example ran badly:"; cat "$tmp/out.txt"; exit 1; }
# The loader takes the installed library, not the build's.
LD_LIBRARY_PATH="$libdir" ldd "$tmp/portal_example" | grep -q "$tmp/prefix" ||
    { echo "not ok: the example did not load the installed libliaison"; exit 1; }
echo "ok: the installed example talks to liaisond"
# The static archive links with the private libraries liaison.pc lists.
# shellcheck disable=SC2086
"$cc" "$@" "$src/client-lib/examples/portal_example.c" $(pkg-config --cflags liaison) \
    "$libdir/libliaison.a" $(pkg-config --static --libs-only-l liaison | sed 's/-lliaison//') \
    -o "$tmp/portal_example_static"
"$tmp/portal_example_static" "$LIAISON_TEST_URL" "$LIAISON_TEST_CA" | grep -q '^Ping -> OK' ||
    { echo "not ok: the example linked with libliaison.a failed"; exit 1; }
echo "ok: libliaison.a links with pkg-config --static's libraries"
# Only the API is global in it: a program that defines its own transport_open
# or arena_alloc links (a developer's try-out: 28 internal names clashed).
internal=$(nm -g --defined-only "$libdir/libliaison.a" |
    awk 'NF == 3 && ($3 !~ /^liaison_/ || $3 ~ /^liaison__/) {print $3}' | head -5)
[ -z "$internal" ] || { echo "not ok: libliaison.a exports internal symbols:" $internal; exit 1; }
cat >"$tmp/clash.c" <<'C'
#include <liaison.h>
int transport_open(void) { return 0; }
/* As the program's own code generated from proto/liaison.proto names it (liaison_send_raw). */
void liaison__v1__ping_request__init(void *m) { (void)m; }
void *arena_alloc(void) { return 0; }
int main(void) { return transport_open() + (arena_alloc() != 0) + (liaison_version() == 0); }
C
# shellcheck disable=SC2086
"$cc" "$@" "$tmp/clash.c" $(pkg-config --cflags liaison) "$libdir/libliaison.a" \
    $(pkg-config --static --libs-only-l liaison | sed 's/-lliaison//') -o "$tmp/clash"
"$tmp/clash" || { echo "not ok: a program with its own transport_open did not run"; exit 1; }
echo "ok: libliaison.a exports the API alone; a program may name its own transport_open" \
    "and have its own generated code"
