#!/usr/bin/env bash
# Build every guest component in plugins/ for wasm32-wasip2 (release) and copy the components that
# demo/handlers/ and tests/differential/docroot/handlers/ map into those directories. Installs the
# rustup target when missing. Cargo makes repeat runs cheap; files are only copied when they changed,
# so the host's hot reload does not see spurious updates.
#
#   plugins/build.sh            build all guests, refresh the mapped .wasm copies
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

# Copy the components that these manifests name next to them: the demo's document root and the
# differential test's (whose .py originals these components are compared with).
for dir in "$root/demo/handlers" "$root/tests/differential/docroot/handlers"; do
    manifest="$dir/__dir__.handlers.json"
    [[ -f "$manifest" ]] || continue
    components="$(grep -o '"component"[[:space:]]*:[[:space:]]*"[^"]*"' "$manifest" \
        | sed 's/.*"\([^"]*\)"$/\1/' | sort -u)"
    for component in $components; do
        src="$out/$component"
        if [[ ! -f "$src" ]]; then
            echo "build.sh: $manifest names $component, which was not built" >&2
            exit 1
        fi
        if ! cmp -s "$src" "$dir/$component"; then
            cp "$src" "$dir/$component"
        fi
    done
done

# Components (not core modules) start with the component-model layer: magic, version 0x0d, layer 1.
for wasm in "$out"/*.wasm; do
    [[ -e "$wasm" ]] || continue
    if [[ "$(head -c 8 "$wasm" | od -An -tx1 | tr -d ' \n')" != "0061736d0d000100" ]]; then
        echo "build.sh: $wasm is not a WebAssembly component" >&2
        exit 1
    fi
done
