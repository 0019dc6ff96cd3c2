#!/usr/bin/env bash
# Build every guest component in plugins/ for wasm32-wasip2 (release) and copy the demo's components
# into demo/handlers/. Installs the rustup target when missing. Cargo makes repeat runs cheap; files are
# only copied when they changed, so the host's hot reload does not see spurious updates.
#
#   plugins/build.sh            build all guests, refresh demo/handlers/*.wasm
#   plugins/build.sh -p echo    extra arguments go to cargo build
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
target=wasm32-wasip2

if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    echo "build.sh: installing the $target rustup target" >&2
    rustup target add "$target"
fi

cargo build --release --target "$target" --manifest-path "$here/Cargo.toml" "$@"

out="$here/target/$target/release"

# Copy the components the demo's manifest names (demo/handlers/__dir__.handlers.json).
demo="$root/demo/handlers"
manifest="$demo/__dir__.handlers.json"
if [[ -f "$manifest" ]]; then
    grep -o '"component"[[:space:]]*:[[:space:]]*"[^"]*"' "$manifest" \
        | sed 's/.*"\([^"]*\)"$/\1/' | sort -u \
        | while read -r component; do
            src="$out/$component"
            if [[ ! -f "$src" ]]; then
                echo "build.sh: $manifest names $component, which was not built" >&2
                exit 1
            fi
            if ! cmp -s "$src" "$demo/$component"; then
                cp "$src" "$demo/$component"
            fi
        done
fi

# Components (not core modules) start with the component-model layer: magic, version 0x0d, layer 1.
for wasm in "$out"/*.wasm; do
    [[ -e "$wasm" ]] || continue
    if [[ "$(head -c 8 "$wasm" | od -An -tx1 | tr -d ' \n')" != "0061736d0d000100" ]]; then
        echo "build.sh: $wasm is not a WebAssembly component" >&2
        exit 1
    fi
done
