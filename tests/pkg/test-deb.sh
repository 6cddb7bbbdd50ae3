#!/bin/sh
# Builds the Debian packages from a copy of the source tree with
# `dpkg-buildpackage -us -uc -b` (nocheck: the suites run from the build tree),
# runs lintian (no errors allowed), checks what each .deb holds, unpacks them
# into a scratch root and runs the tools and the library example from there.
# Slow (a full -O2 build, ~1 min CPU): suite 'deb', opt-in for `meson test`.
set -eu
: "${IPE_BUILD_ROOT:?}" "${IPE_SOURCE_ROOT:?}"
export LC_ALL=C
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
ko() { fail=$((fail + 1)); echo "not ok - $1"; }
for t in dpkg-buildpackage dh lintian dpkg-deb; do
	command -v "$t" >/dev/null 2>&1 || { echo "not ok - $t not found (apt-get install dpkg-dev debhelper lintian)"; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src="$tmp/ipe-tools"
mkdir "$src"
# the source tree without build directories (git's list when it is a work tree)
if git -C "$IPE_SOURCE_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$IPE_SOURCE_ROOT" && git ls-files -co --exclude-standard | grep -v '^build' | tar -cf - -T -) | tar -xf - -C "$src"
else
	(cd "$IPE_SOURCE_ROOT" && tar --exclude='./build*' -cf - .) | tar -xf - -C "$src"
fi
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
echo "# dpkg-buildpackage -us -uc -b (version $version)"
if (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b"
else
	tail -n 60 "$tmp/build.log"; ko "dpkg-buildpackage -us -uc -b"; echo "$pass passed, $fail failed"; exit 1
fi
arch=$(dpkg --print-architecture)
changes="$tmp/ipe-tools_${version}_$arch.changes"
if lintian --fail-on error "$changes" >"$tmp/lintian.log" 2>&1; then
	ok "lintian reports no errors ($(grep -c '^W:' "$tmp/lintian.log" || true) warnings)"
else
	cat "$tmp/lintian.log"; ko "lintian reports errors"
fi
grep '^[WE]:' "$tmp/lintian.log" | sed 's/^/# /' || true

# contents: what each package must hold, and nothing of another's
contents() { dpkg-deb -c "$tmp/$1_${version}_$arch.deb" | awk '{ print $6 }' | sed 's|^\./|/|'; }
has() { # PKG PATTERN DESC
	if contents "$1" | grep -Eq "$2"; then ok "$1 has $3"; else ko "$1 lacks $3"; fi
}
hasnt() {
	if contents "$1" | grep -Eq "$2"; then ko "$1 must not hold $3"; else ok "$1 holds no $3"; fi
}
for t in ipe-check ipe-compile ipe-sign ipectl ipe-digest ipe-explain; do
	has ipe-tools "^/usr/bin/$t\$" "/usr/bin/$t"
	has ipe-tools "^/usr/share/bash-completion/completions/$t\$" "the bash completion of $t"
done
for m in $(cd "$IPE_SOURCE_ROOT/man" && ls *.[1-8]); do
	has ipe-tools "^/usr/share/man/man${m##*.}/$m.gz\$" "man page $m"
done
hasnt ipe-tools '/include/|libipe\.so' "library files"
has libipe0 '^/usr/lib/[^/]+/libipe\.so\.0$' "libipe.so.0"
hasnt libipe0 '/include/|libipe\.a$|libipe\.so$|/bin/' "development files or tools"
dpkg-deb -I "$tmp/libipe0_${version}_$arch.deb" symbols >"$tmp/symbols" 2>/dev/null || true
nsym=$(grep -c '@LIBIPE_0 ' "$tmp/symbols" || true)
nlist=$(grep -vc '^#' "$IPE_SOURCE_ROOT/tests/install/libipe.symbols" || true)
# +1: the version node itself (LIBIPE_0@LIBIPE_0)
[ "$nsym" -eq $((nlist + 1)) ] && ok "libipe0 symbols file: $nsym symbols in LIBIPE_0" || ko "libipe0 symbols file has $nsym LIBIPE_0 symbols, tests/install/libipe.symbols $nlist (+1 node)"
for h in $(cd "$IPE_SOURCE_ROOT/include/ipe" && ls *.h); do
	has libipe-dev "^/usr/include/ipe/$h\$" "ipe/$h"
done
has libipe-dev '^/usr/lib/[^/]+/libipe\.a$' "libipe.a"
has libipe-dev '^/usr/lib/[^/]+/libipe\.so$' "the libipe.so link"
has libipe-dev '^/usr/lib/[^/]+/pkgconfig/libipe\.pc$' "libipe.pc"

# unpack into a scratch root and use it
root="$tmp/root"
for p in ipe-tools libipe0 libipe-dev; do dpkg-deb -x "$tmp/${p}_${version}_$arch.deb" "$root"; done
libdir=$(cd "$root" && ls -d usr/lib/*/pkgconfig | sed 's|/pkgconfig$||')
out=$("$root/usr/bin/ipe-check" --version 2>&1) && rc=0 || rc=$?
[ "$rc" -eq 0 ] && [ "$out" = "ipe-check (ipe-tools) $version, libipe $version" ] && ok "ipe-check --version from the unpacked package: $out" || ko "ipe-check --version: exit $rc, '$out'"
if "$root/usr/bin/ipe-check" --no-lint "$IPE_SOURCE_ROOT/examples/hello.pol" >"$tmp/check.out" 2>&1; then
	ok "the packaged ipe-check accepts examples/hello.pol"
else
	cat "$tmp/check.out"; ko "the packaged ipe-check on examples/hello.pol"
fi
pcv=$(PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_LIBDIR="$root/$libdir/pkgconfig" pkg-config --modversion libipe 2>&1) || true
[ "$pcv" = "$version" ] && ok "pkg-config --modversion libipe = $version" || ko "pkg-config --modversion libipe: '$pcv'"
cflags=$(PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_PATH="$root/$libdir/pkgconfig" pkg-config --cflags libipe)
libs=$(PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_PATH="$root/$libdir/pkgconfig" pkg-config --libs libipe)
if cc -std=c17 -Wall -Wextra -Werror $cflags -o "$tmp/demo" "$IPE_SOURCE_ROOT/examples/libipe-demo.c" $libs 2>"$tmp/cc.log" &&
	LD_LIBRARY_PATH="$root/$libdir" "$tmp/demo" "$IPE_SOURCE_ROOT/examples/hello.pol" | grep -q '^accepted'; then
	ok "examples/libipe-demo.c builds with libipe-dev and runs on libipe0"
else
	cat "$tmp/cc.log"; ko "examples/libipe-demo.c against the packages"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
