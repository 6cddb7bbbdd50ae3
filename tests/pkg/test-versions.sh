#!/bin/sh
# Every tool's --version prints "PROG (ipe-tools) VERSION, libipe VERSION" with
# the project version, and pkg-config --modversion libipe (the build tree's
# libipe-uninstalled.pc) says the same; examples/libipe-demo.c builds against
# the build tree through that .pc file alone.
set -eu
: "${IPE_BUILD_ROOT:?}" "${IPE_SOURCE_ROOT:?}"
export LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
ko() { fail=$((fail + 1)); echo "not ok - $1"; }

want=$(meson introspect "$IPE_BUILD_ROOT" --projectinfo | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
export PKG_CONFIG_PATH="$IPE_BUILD_ROOT/meson-uninstalled"
pcv=$(pkg-config --modversion libipe) || pcv="(pkg-config failed)"
[ "$pcv" = "$want" ] && ok "pkg-config --modversion libipe = $want" || ko "pkg-config --modversion libipe: '$pcv', project version '$want'"
ntools=0
for exe in "$IPE_BUILD_ROOT"/src/tools/*; do
	[ -f "$exe" ] && [ -x "$exe" ] || continue
	t=$(basename "$exe")
	ntools=$((ntools + 1))
	out=$("$exe" --version 2>"$tmp/err") && rc=0 || rc=$?
	if [ "$rc" -eq 0 ] && [ "$out" = "$t (ipe-tools) $want, libipe $pcv" ] && [ ! -s "$tmp/err" ]; then
		ok "$t --version: $out"
	else
		ko "$t --version: exit $rc, '$out' (want '$t (ipe-tools) $want, libipe $pcv'), stderr: $(cat "$tmp/err")"
	fi
	# -V is the short form everywhere
	out2=$("$exe" -V 2>/dev/null) || true
	[ "$out2" = "$out" ] && ok "$t -V = --version" || ko "$t -V: '$out2'"
done
[ "$ntools" -ge 6 ] && ok "$ntools tools checked" || ko "only $ntools tools found in src/tools"
san=$(meson introspect "$IPE_BUILD_ROOT" --buildoptions | python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="b_sanitize"][0])')
sanflags=""
[ "$san" != none ] && sanflags="-fsanitize=$san"
if cc -std=c17 -Wall -Wextra -Werror $sanflags $(pkg-config --cflags libipe) -o "$tmp/demo" \
	"$IPE_SOURCE_ROOT/examples/libipe-demo.c" $(pkg-config --libs libipe) 2>"$tmp/cc.err" &&
	LD_LIBRARY_PATH="$IPE_BUILD_ROOT/src" "$tmp/demo" "$IPE_SOURCE_ROOT/examples/hello.pol" | grep -q '^accepted'; then
	ok "examples/libipe-demo.c builds and runs against the build tree (libipe-uninstalled.pc)"
else
	cat "$tmp/cc.err"; ko "examples/libipe-demo.c against libipe-uninstalled.pc"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
