#!/usr/bin/env bash
# Shared helpers for the project scripts (sourced, not run).

# Packages needed to build and run the tools.
IPE_BUILD_PACKAGES=(flex bison meson ninja-build pkg-config gcc libc6-dev libssl-dev openssl libkeyutils-dev
	libcmocka-dev libjson-c-dev libfsverity-dev libcryptsetup-dev zlib1g-dev python3
	bash-completion)
# Extra packages for the whole test suite.
IPE_TEST_PACKAGES=(clang libclang-rt-14-dev softhsm2 libengine-pkcs11-openssl opensc keyutils qemu-system-x86
	busybox-static linux-source-6.12 bc libelf-dev cpio e2fsprogs fsverity cryptsetup-bin xz-utils make
	groff-base abigail-tools debhelper dpkg-dev lintian time)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"
	elif command -v sudo >/dev/null 2>&1; then sudo "$@"
	else die "need root to run: $* (run this script as root or install sudo)"; fi
}

# Install the given Debian packages when missing: apt-get update first, then install.
ensure_packages() {
	local missing=() p
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing missing packages: ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q || die "apt-get update failed"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
		|| die "apt-get install failed for: ${missing[*]}"
}

# meson setup (or reconfigure) + ninja for one build directory.
build_dir() {
	local dir=$1; shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log" >&2; die "meson setup $dir failed"; }
	else
		rm -rf "$dir"
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log" >&2; die "meson setup $dir failed"; }
	fi
	rm -f "$dir.setup.log"
	ninja -C "$dir" -j"$(nproc)" >&2 || die "build in $dir failed"
}
