#!/usr/bin/env bash
# One command from a fresh Debian 12 machine: install what is missing, build,
# and run the main job on the bundled example policy:
#   compile -> check -> sign with a throw-away key -> verify the signed blob.
# Everything it makes stays in ./demo-out/ (set IPE_DEMO_OUT to change it):
# the source, the compiled text, the key and certificate, the signed blob.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_packages "${IPE_BUILD_PACKAGES[@]}"
log "building into build/"
build_dir build

bin=build/src/tools
policy=examples/hello.pol
out=${IPE_DEMO_OUT:-demo-out}
mkdir -p "$out"
cp "$policy" "$out/hello.src.pol"

log "ipe-check $policy"
"$bin/ipe-check" "$policy"

if [ -x "$bin/ipe-compile" ]; then
	log "ipe-compile $policy -> canonical kernel text"
	"$bin/ipe-compile" -o "$out/hello.pol" "$policy"
else
	log "ipe-check --canonical $policy -> canonical kernel text"
	"$bin/ipe-check" --canonical -o "$out/hello.pol" "$policy"
fi
cat "$out/hello.pol"

log "checking the compiled text again"
"$bin/ipe-check" "$out/hello.pol"

log "generating a throw-away RSA signing key and certificate"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 1 -subj "/CN=ipe-tools demo signer" \
	-keyout "$out/demo.key" -out "$out/demo.crt" 2>/dev/null
chmod 600 "$out/demo.key"

log "ipe-sign sign $out/hello.pol -> $out/hello.p7b"
"$bin/ipe-sign" sign --key "$out/demo.key" --cert "$out/demo.crt" -o "$out/hello.p7b" "$out/hello.pol"
log "ipe-compile --sign: source to signed blob in one step"
"$bin/ipe-compile" --sign --key "$out/demo.key" --cert "$out/demo.crt" -o "$out/hello-1step.p7b" "$policy"
cmp "$out/hello.p7b" "$out/hello-1step.p7b" && log "both blobs are byte-identical (deterministic signing)"

log "ipe-sign verify (trusting the throw-away certificate as the kernel keyring would)"
"$bin/ipe-sign" verify --trust "$out/demo.crt" "$out/hello.p7b"
log "ipe-sign inspect"
"$bin/ipe-sign" inspect "$out/hello.p7b"
here=$(pwd)
case $out in /*) abs=$out ;; *) abs=$here/$out ;; esac
log "done: examples/hello.pol compiles, checks and signs.  What it made, in $abs/:"
log "  hello.src.pol  the source           hello.pol  the canonical kernel text"
log "  demo.key       throw-away key       demo.crt   its certificate"
log "  hello.p7b      the signed blob (what the kernel and systemd load)"
log "The tools are in $here/$bin/ ('meson install -C build' installs them, or see README: Building packages)."
log "On an IPE kernel that trusts demo.crt (README: A signing key the kernel trusts):"
log "  $here/$bin/ipectl load --activate $abs/hello.p7b"
log "  $here/$bin/ipectl install $abs/hello.p7b     # loaded by systemd at every boot"
