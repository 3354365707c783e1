#!/bin/sh
# A program built against the build tree, before any install, as the README
# says: PKG_CONFIG_PATH names the build directory, pkg-config takes
# liaison-uninstalled.pc, the example compiles with the source tree's
# header and the build's version header, and runs finding the build's
# libliaison without LD_LIBRARY_PATH. liaison.pc alone named a prefix two
# levels above the build directory, where nothing is.
#   test_uninstalled_pc.sh BUILD_DIR SOURCE_DIR CC [CFLAGS...]
set -eu
build=$1 src=$2 cc=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags=$(PKG_CONFIG_PATH="$build" pkg-config --cflags --libs liaison)
for want in "-I$src/client-lib/include" "-I$build/include" "-L$build"; do
    case " $flags " in
    *" $want "*) ;;
    *) echo "not ok: pkg-config gives no $want: $flags"; exit 1 ;;
    esac
done
echo "ok: pkg-config liaison from the build tree ($flags)"
# shellcheck disable=SC2086
"$cc" "$@" "$src/client-lib/examples/portal_example.c" $flags -o "$tmp/portal_example"
echo "ok: portal_example.c compiles against the build tree"
ldd "$tmp/portal_example" | grep -q "libliaison.so.0 => $build/" ||
    { echo "not ok: the example does not load the build's libliaison"; ldd "$tmp/portal_example"; exit 1; }
rc=0
env -u LD_LIBRARY_PATH "$tmp/portal_example" 2>"$tmp/err.txt" || rc=$?
if [ "$rc" -ne 2 ] || ! grep -q '^usage:' "$tmp/err.txt"; then
    echo "not ok: the example did not run (exit $rc):"
    cat "$tmp/err.txt"
    exit 1
fi
echo "ok: and runs with the build's libliaison"
# The build tree's libliaison.a is the installed one: a program linked with it statically
# named its own transport_open, and the link failed on the library's (a try-out).
internal=$(nm -g --defined-only "$build/libliaison.a" | awk 'NF == 3 && $3 !~ /^liaison_/ {print $3}')
[ -z "$internal" ] || { echo "not ok: the build's libliaison.a exports internal symbols:" $internal; exit 1; }
echo "ok: the build's libliaison.a exports the API alone"
