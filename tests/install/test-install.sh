#!/bin/sh
# Installs the project into a scratch DESTDIR and builds examples/libipe-demo.c
# against the installed headers and shared library through pkg-config (libipe.pc),
# then runs it: proves the public headers, the exported symbols and the .pc agree.
set -eu
export LC_ALL=C
: "${IPE_BUILD_ROOT:?}" "${IPE_SOURCE_ROOT:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
ko() { fail=$((fail + 1)); echo "not ok - $1"; }

if DESTDIR="$tmp/root" meson install -C "$IPE_BUILD_ROOT" --no-rebuild >"$tmp/install.log" 2>&1; then
	ok "meson install into DESTDIR"
else
	cat "$tmp/install.log"; ko "meson install into DESTDIR"; echo "$pass passed, $fail failed"; exit 1
fi
opt() { meson introspect "$IPE_BUILD_ROOT" --buildoptions | python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]==sys.argv[1]][0])' "$1"; }
san=$(opt b_sanitize)
sanflags=""
[ "$san" != none ] && sanflags="-fsanitize=$san"
prefix=$(meson introspect "$IPE_BUILD_ROOT" --buildoptions | python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
libdir=$(meson introspect "$IPE_BUILD_ROOT" --buildoptions | python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="libdir"][0])')
root="$tmp/root$prefix"
pcdir="$root/$libdir/pkgconfig"
[ -f "$pcdir/libipe.pc" ] && ok "libipe.pc installed" || ko "libipe.pc installed"
missing=""
for h in "$IPE_SOURCE_ROOT"/include/ipe/*.h; do
	[ -f "$root/include/ipe/$(basename "$h")" ] || missing="$missing $(basename "$h")"
done
[ -z "$missing" ] && ok "every public header installed" || ko "headers not installed:$missing"
cflags=$(PKG_CONFIG_SYSROOT_DIR="$tmp/root" PKG_CONFIG_PATH="$pcdir" pkg-config --cflags libipe)
libs=$(PKG_CONFIG_SYSROOT_DIR="$tmp/root" PKG_CONFIG_PATH="$pcdir" pkg-config --libs libipe)
if cc -std=c17 -Wall -Wextra -Werror $sanflags $cflags -o "$tmp/demo" "$IPE_SOURCE_ROOT/examples/libipe-demo.c" $libs; then
	ok "examples/libipe-demo.c builds against the installed libipe"
else
	ko "examples/libipe-demo.c builds against the installed libipe"
fi
if [ -x "$tmp/demo" ] && LD_LIBRARY_PATH="$root/$libdir" "$tmp/demo" "$IPE_SOURCE_ROOT/examples/hello.pol" >"$tmp/out"; then
	if grep -q '^accepted' "$tmp/out" && grep -q '^policy_name=' "$tmp/out"; then ok "demo accepts examples/hello.pol"; else ko "demo output"; cat "$tmp/out"; fi
else
	ko "demo runs against the shared library"
fi
# ipe_compile(): the whole pipeline through the installed library gives
# the canonical text the parse path printed
if [ -x "$tmp/demo" ] && LD_LIBRARY_PATH="$root/$libdir" "$tmp/demo" --compile "$IPE_SOURCE_ROOT/examples/hello.pol" >"$tmp/compiled" &&
	sed -n '/^policy_name=/,$p' "$tmp/out" | cmp -s - "$tmp/compiled"; then
	ok "demo --compile (ipe_compile) writes the canonical text"
else
	ko "demo --compile (ipe_compile) writes the canonical text"
fi
# The library exports exactly tests/install/libipe.symbols, each in the
# LIBIPE_0 version node (nothing internal: scanner, parser, DER walker, ...).
so=$(ls "$root/$libdir"/libipe.so.* 2>/dev/null | head -n 1)
if [ -n "$so" ]; then
	nm -D --defined-only "$so" | awk '$2 != "A" { print $3 }' >"$tmp/dynsyms"
	sed 's/@.*//' "$tmp/dynsyms" | sort >"$tmp/exported"
	grep -v '^#' "$IPE_SOURCE_ROOT/tests/install/libipe.symbols" | grep -v '^$' >"$tmp/expected"
	if ! sort -c "$tmp/expected" 2>/dev/null; then
		ko "tests/install/libipe.symbols is sorted (LC_ALL=C sort)"
	fi
	if diff -u "$tmp/expected" "$tmp/exported" >"$tmp/symdiff"; then
		ok "libipe.so exports exactly tests/install/libipe.symbols ($(wc -l <"$tmp/expected") symbols)"
	else
		cat "$tmp/symdiff"
		ko "libipe.so exports exactly tests/install/libipe.symbols (- listed but not exported, + exported but not listed)"
	fi
	if [ -z "$(grep -v '@@LIBIPE_0$' "$tmp/dynsyms")" ]; then
		ok "every exported symbol is in version node LIBIPE_0"
	else
		ko "symbols outside LIBIPE_0: $(grep -v '@@LIBIPE_0$' "$tmp/dynsyms" | tr '\n' ' ')"
	fi
else
	ko "libipe.so installed"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
