#!/usr/bin/env bash
# Run every test of wpthost: the README's second command, and exactly what CI runs (.ci/run).
# Works on a fresh machine that has Rust from rustup; installs what else it needs:
#   - the wasm32-wasip2 target, rustfmt and clippy (rustup),
#   - python3 with venv support (apt-get, only if missing) and the reference server wptserve 4.0.3
#     (PyPI) in .venv-ref/ (created once, reused),
#   - the handler plugins (plugins/build.sh),
# then runs cargo test for the whole workspace, cargo fmt --check and cargo clippy -D warnings.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

step() { printf '\n==> %s\n' "$*" >&2; }

if ! command -v cargo >/dev/null 2>&1 && [[ -f "$HOME/.cargo/env" ]]; then
    # shellcheck disable=SC1091
    source "$HOME/.cargo/env"
fi
command -v cargo >/dev/null 2>&1 || { echo "test.sh: cargo not found; install Rust with rustup" >&2; exit 1; }

step "Rust toolchain pieces"
if command -v rustup >/dev/null 2>&1; then
    rustup target list --installed | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2
    for component in rustfmt clippy; do
        rustup component list --installed | grep -q "^$component" || rustup component add "$component"
    done
fi

# apt-get as root or through sudo.
apt_install() {
    local sudo=()
    [[ "$(id -u)" == 0 ]] || sudo=(sudo)
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q "$@"
}

step "Reference server: wptserve 4.0.3 in .venv-ref"
if ! command -v python3 >/dev/null 2>&1; then
    apt_install python3 python3-venv
fi
venv_ok() { [[ -x .venv-ref/bin/python ]] && .venv-ref/bin/python -c \
    "import importlib.metadata as m, wptserve; assert m.version('wptserve') == '4.0.3'" 2>/dev/null; }
if ! venv_ok; then
    if [[ ! -x .venv-ref/bin/python ]]; then
        rm -rf .venv-ref
        if ! python3 -m venv .venv-ref; then
            # Debian splits venv/ensurepip into python3-venv (or python3.X-venv).
            rm -rf .venv-ref
            ver="$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
            apt_install python3-venv "python$ver-venv" || apt_install python3-venv
            python3 -m venv .venv-ref
        fi
    fi
    .venv-ref/bin/python -m pip install --quiet --disable-pip-version-check wptserve==4.0.3
    venv_ok
fi

if [[ -f plugins/build.sh ]]; then
    step "Handler plugins (plugins/build.sh)"
    bash plugins/build.sh
fi

# Run all three checks even when one fails, so one run shows every problem.
failed=()
step "cargo test --workspace"
cargo test --workspace --no-fail-fast || failed+=("cargo test")

step "cargo fmt --check"
cargo fmt --all --check || failed+=("cargo fmt --check")

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings || failed+=("cargo clippy")

if (( ${#failed[@]} )); then
    printf '\ntest.sh: FAILED: %s\n' "${failed[*]}" >&2
    exit 1
fi
step "All tests passed"
