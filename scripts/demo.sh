#!/usr/bin/env bash
# Serve the built-in demo (demo/) on http://localhost:8000: the README's first command.
# Builds what it needs first (the demo's handler plugins, then wpthost). Extra arguments go to
# `wpthost serve`, e.g. `scripts/demo.sh --port 8001` or `scripts/demo.sh --verbose`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v cargo >/dev/null 2>&1 && [[ -f "$HOME/.cargo/env" ]]; then
    # shellcheck disable=SC1091
    source "$HOME/.cargo/env"
fi

if [[ -f plugins/build.sh ]]; then
    echo "demo.sh: building the handler plugins" >&2
    bash plugins/build.sh
fi

echo "demo.sh: building wpthost" >&2
cargo build -p wpthost --bin wpthost
exec "$root/target/debug/wpthost" serve --config "$root/demo/config.json" "$@"
