#!/usr/bin/env python3
"""Benchmark wpthost against wptserve 4.0.3 (and nginx on the static files), side by side, in one run
on one generated document root. See docs/PERFORMANCE.md for what is measured and the latest figures.

Every load scenario runs `--rounds` times per server, the order of the servers reversed each round,
on 127.0.0.1 and for a fixed duration: ab where static responses end with the connection (wrk
mishandles those), wrk otherwise. Printed per scenario and server: requests/s, median and
p99 latency, the server's peak memory during the scenario, and the ratio to wptserve (and to nginx).
Delay scenarios print observed minus requested delay (p50/p99/max).

    bench/run.py                          # build, set up, run everything (about 8 min after the build)
    bench/run.py --skip-build --duration 2 --rounds 1
    bench/run.py --only static-1k,echo,sleep-1000
    bench/run.py --json results.json      # also write every figure as JSON
"""

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-ref"
WPTSERVE_RUNNER = ROOT / "tests" / "differential" / "reference_server.py"
HOST_BIN = ROOT / "target" / "release" / "wpthost"
DELAY_CLIENT = ROOT / "target" / "release" / "delay-client"
RUST_COMPONENTS = ROOT / "plugins" / "target" / "wasm32-wasip2" / "release"
GUEST_COMPONENTS = ROOT / "plugins" / "target" / "guests"  # <lang>/echo.wasm
GUEST_LANGUAGES = ["python", "js", "c", "zig"]
LOOPBACK = "127.0.0.1"


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def run(cmd, check=True, **kw):
    log("$ " + " ".join(str(c) for c in cmd))
    return subprocess.run([str(c) for c in cmd], check=check, **kw).returncode == 0


# ---------------------------------------------------------------------------------------------- setup

def apt_install(*packages):
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return (run(["apt-get", "update", "-q"], check=False, env=env, stdout=subprocess.DEVNULL)
            and run(["apt-get", "install", "-y", "-q", *packages], check=False, env=env,
                    stdout=subprocess.DEVNULL))


def set_up(args):
    if not args.skip_build:
        run(["cargo", "build", "--release", "-p", "wpthost"], cwd=ROOT)
        run(["cargo", "build", "--release", "-p", "wpthost-tests", "--bin", "delay-client"], cwd=ROOT)
        run(["bash", ROOT / "plugins" / "build.sh", "-p", "echo", "-p", "stash", "-p", "slow",
             "-p", "trickle"], cwd=ROOT)
        # The other languages' echo plugins: optional (their toolchains take minutes to install).
        if not run(["bash", ROOT / "scripts" / "build-guests.sh", *GUEST_LANGUAGES], check=False):
            log("some guest languages did not build; their echo rows are skipped")
    if not args.wpthost.exists():
        sys.exit(f"{args.wpthost} is missing: run without --skip-build")
    if not DELAY_CLIENT.exists():
        sys.exit(f"{DELAY_CLIENT} is missing: run without --skip-build")
    if not (VENV / "bin" / "python").exists():
        run([sys.executable, "-m", "venv", VENV])
    if subprocess.run([VENV / "bin" / "python", "-c", "import wptserve"], capture_output=True).returncode:
        run([VENV / "bin" / "pip", "install", "-q", "wptserve==4.0.3"])
    for tool, package in [("wrk", "wrk"), ("ab", "apache2-utils")]:
        if shutil.which(tool) is None and not apt_install(package):
            sys.exit(f"{tool} is required (apt-get install {package})")
    if not args.no_nginx and shutil.which("nginx") is None and not apt_install("nginx"):
        log("nginx is not installed and could not be installed: no nginx column")


# ------------------------------------------------------------------------------------------- docroot

# wptserve's side of each handler scenario: Python files doing the same work as the plugins.
ECHO_PY = r'''
# Same JSON as plugins/rust/echo (plugins/EXAMPLES.md "echo"), the wptserve way.
import json
from urllib.parse import parse_qsl


def js(value):
    return json.dumps(value.decode("latin-1") if isinstance(value, bytes) else value)


def pairs(items):
    return "[" + ", ".join("[%s, %s]" % (js(n), js(v)) for n, v in items) + "]"


def main(request, response):
    line = request.request_line.rstrip(b"\r\n").split(b" ")
    url = request.url_parts
    fields = [
        ("method", js(request.method)),
        ("target", js(request.request_path)),
        ("path", js(url.path)),
        ("query", js(url.query)),
        ("version", js(line[-1])),
        ("headers", pairs(request.raw_headers.raw_items())),
        ("query_params", pairs(parse_qsl(url.query, keep_blank_values=True, encoding="latin-1"))),
        ("body", js(request.body)),
        ("body_length", str(len(request.body))),
        ("url", js(request.url)),
        ("scheme", js(url.scheme)),
        ("client_address", js(request.client_address[0])),
        ("route_match", json.dumps(request.route_match or {})),
        ("url_base", js(request.url_base)),
    ]
    response.headers.set("Content-Type", "application/json")
    return "{" + ", ".join("%s: %s" % (js(k), v) for k, v in fields) + "}"
'''

# plugins/rust/slow: sleep ?ms= then answer "slow".
SLEEP_PY = '''
import time


def main(request, response):
    time.sleep(int(request.GET.first(b"ms", b"1000")) / 1000)
    response.headers.set("Content-Type", "text/plain")
    return "slow"
'''

# plugins/rust/trickle through wptserve's writer: chunks separated by sleeps.
TRICKLE_PY = '''
import time


def main(request, response):
    chunks = int(request.GET.first(b"chunks", b"5"))
    delay = int(request.GET.first(b"delay", b"100")) / 1000
    chunk = request.GET.first(b"chunk", b"chunk\\n")
    w = response.writer
    w.write_status(200)
    w.write_header("Content-Type", "text/plain")
    w.write_header("Cache-Control", "no-cache")
    response.close_connection = True
    w.end_headers()
    for i in range(chunks):
        if i:
            time.sleep(delay)
        w.write(chunk)
'''

STASH_PY = ROOT / "tests" / "differential" / "docroot" / "handlers" / "stash.py"


def make_docroot(base: Path):
    """One document root for every server; returns {language: component} of the echo plugins."""
    static = base / "static"
    static.mkdir(parents=True)
    (static / "1k.txt").write_bytes(b"x" * 1023 + b"\n")
    # As deep as a web-platform-tests file (html/semantics/forms/the-input-element/x.html).
    deep = static / "html" / "semantics" / "forms" / "the-input-element"
    deep.mkdir(parents=True)
    (deep / "1k.txt").write_bytes(b"x" * 1023 + b"\n")
    (static / "1m.bin").write_bytes(os.urandom(1024 * 1024))
    (static / "headers.txt").write_bytes(b"x" * 1023 + b"\n")
    (static / "headers.txt.headers").write_bytes(
        b"Content-Type: text/plain; charset=utf-8\nX-Bench: 1\nCache-Control: no-store\n")
    line = b"<p>{{host}}:{{ports[http][0]}} q={{GET[q]}} h={{headers[host]}}</p>\n"
    (static / "page.sub.html").write_bytes(line * (1024 // len(line)))
    (static / "trickle.txt").write_bytes(b"0123456789" * 4)

    handlers = base / "handlers"
    handlers.mkdir()
    (handlers / "echo.py").write_text(ECHO_PY)
    (handlers / "sleep.py").write_text(SLEEP_PY)
    (handlers / "trickle.py").write_text(TRICKLE_PY)
    shutil.copy(STASH_PY, handlers / "stash.py")

    # wpthost serves the same URLs from plugins (a manifest route wins over the .py file).
    routes = {"echo.py": RUST_COMPONENTS / "echo.wasm", "stash.py": RUST_COMPONENTS / "stash.wasm",
              "sleep.py": RUST_COMPONENTS / "slow.wasm", "trickle.py": RUST_COMPONENTS / "trickle.wasm"}
    languages = {}
    for lang in GUEST_LANGUAGES:
        component = GUEST_COMPONENTS / lang / "echo.wasm"
        if component.exists():
            routes[f"echo_{lang}"] = component
            languages[lang] = f"/handlers/echo_{lang}"
    entries = []
    for route, component in routes.items():
        if not component.exists():
            sys.exit(f"{component} is missing: run plugins/build.sh (or bench/run.py without --skip-build)")
        name = route.replace(".py", "") + ".wasm"
        shutil.copy(component, handlers / name)
        entries.append({"route": route, "component": name})
    (handlers / "__dir__.handlers.json").write_text(json.dumps({"handlers": entries}, indent=1))
    return languages


# -------------------------------------------------------------------------------------------- servers

def descendants(pid):
    """pid and every process below it."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return out


class Server:
    """A server process on a loopback port; `label` is what the tables call it."""

    def __init__(self, label, proc, port):
        self.label, self.proc, self.port = label, proc, port
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection((LOOPBACK, port), timeout=0.5).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    sys.exit(f"{label} did not start listening on {port}")
                time.sleep(0.1)

    def reset_peak_memory(self):
        """Linux: writing 5 to clear_refs resets VmHWM, so the next reading is this scenario's peak."""
        for pid in descendants(self.proc.pid):
            try:
                Path(f"/proc/{pid}/clear_refs").write_text("5")
            except OSError:
                pass

    def peak_memory_mib(self):
        """Peak resident memory since the last reset, summed over the process tree."""
        total = 0
        for pid in descendants(self.proc.pid):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
            total += int(found.group(1)) if found else 0
        return total / 1024

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, signal.SIGKILL)


def free_port():
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def start_wptserve(docroot):
    """The differential test's runner: prints {"port": N}, serves until its stdin closes."""
    settings = {"doc_root": str(docroot), "browser_host": "localhost", "alternate_hosts": {},
                "subdomains": [], "not_subdomains": []}
    proc = subprocess.Popen([VENV / "bin" / "python", WPTSERVE_RUNNER, json.dumps(settings)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True, text=True)
    port = json.loads(proc.stdout.readline())["port"]
    return Server("wptserve", proc, port)


def start_wpthost(binary, docroot, label, *extra):
    port = free_port()
    cmd = [binary, "serve", "--doc-root", docroot, "--port", str(port), "--host", "localhost",
           "--server-host", LOOPBACK, *extra]
    # One log line per request at info: the same as wptserve's runner, which logs warnings only.
    env = dict(os.environ, RUST_LOG="warn")
    proc = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env, start_new_session=True)
    return Server(label, proc, port)


NGINX_CONF = """
daemon off;
master_process on;
worker_processes auto;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {work}/nginx-body;
    proxy_temp_path {work}/nginx-proxy;
    fastcgi_temp_path {work}/nginx-fastcgi;
    uwsgi_temp_path {work}/nginx-uwsgi;
    scgi_temp_path {work}/nginx-scgi;
    types {{ text/plain txt; application/octet-stream bin; }}
    server {{ listen {loopback}:{port_close}; root {root}; keepalive_timeout 0; }}
    server {{ listen {loopback}:{port_keep}; root {root}; keepalive_timeout 75s; keepalive_requests 1000000; }}
}}
"""


def start_nginx(docroot, work):
    """nginx on the same files: one port closing every connection (as wptserve and wpthost do for
    static files by default), one keeping connections alive."""
    port_close, port_keep = free_port(), free_port()
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF.format(work=work, loopback=LOOPBACK, port_close=port_close,
                                      port_keep=port_keep, root=docroot))
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    close = Server("nginx (closes)", proc, port_close)
    keep = Server("nginx (keep-alive)", proc, port_keep)
    keep.stop = lambda: None  # one process; stopped once through `close`
    return close, keep


# ------------------------------------------------------------------------------------------------ wrk

WRK_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}

# Stash put/take pairs: every put stores a fresh UUID key; each take asks for the key put LAG puts
# earlier, so that put has (almost always) been answered. The salt (a script argument) keeps keys
# unique across runs; takes that find nothing are counted as misses.
STASH_LUA = """
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  salt, puts, takes, misses, LAG = tonumber(args[1], 16), 0, 0, 0, 64
end
local function key(i)
  return string.format("%08x-%04x-4000-8000-%012x", salt, tid, i)
end
request = function()
  if puts - takes > LAG then
    takes = takes + 1
    return wrk.format("GET", "/handlers/stash.py?id=" .. key(takes))
  end
  puts = puts + 1
  return wrk.format("GET", "/handlers/stash.py?id=" .. key(puts) .. "&value=v" .. puts)
end
response = function(status, headers, body)
  if body == "NOT FOUND" then misses = misses + 1 end
end
done = function(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("misses") end
  io.write(string.format("stash misses: %d\\n", total))
end
"""


def wrk(url, duration, connections, script=None, threads=1):
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(url)
    if script:
        cmd += ["--", os.urandom(4).hex()]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30).stdout
    except subprocess.TimeoutExpired:
        return None
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    lat = {p: float(v) * UNIT_MS[u] for p, v, u in WRK_LATENCY.findall(out)}
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    misses = re.search(r"stash misses: (\d+)", out)
    latency = re.search(r"^\s+Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)\s", out, re.M)
    return {"max_ms": float(latency.group(1)) * UNIT_MS[latency.group(2)] if latency else None,
            "requests": int(requests.group(1)) if (requests := re.search(r"(\d+) requests in", out)) else 0,
            "rps": float(rps.group(1)) if rps else 0.0, "p50_ms": lat.get("50"), "p99_ms": lat.get("99"),
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": sum(map(int, errors.groups())) if errors else 0,
            "stash_misses": int(misses.group(1)) if misses else None}


def ab(url, duration, connections, script=None):
    """ApacheBench, for responses framed by the connection's end: wrk counts each of them as a read
    error and opens a second, wasted connection per request (checked with a counting server)."""
    csv = Path(tempfile.mkstemp(prefix="wpthost-bench-ab-", suffix=".csv")[1])
    cmd = ["ab", "-q", "-r", "-t", str(duration), "-n", "100000000", "-c", str(connections),
           "-e", str(csv), url]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30).stdout
        percent = dict(line.split(",") for line in csv.read_text().splitlines()[1:])
    except (subprocess.TimeoutExpired, OSError, ValueError):
        return None
    finally:
        csv.unlink(missing_ok=True)
    rps = re.search(r"Requests per second:\s+([\d.]+)", out)
    failed = re.search(r"Failed requests:\s+(\d+)", out)
    non2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50_ms": float(percent.get("50", "nan")),
            "p99_ms": float(percent.get("99", "nan")), "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": int(failed.group(1)) if failed else 0, "stash_misses": None}


def combine(rounds):
    """Rounds of one server in one scenario: mean req/s and latencies, summed errors."""
    rounds = [r for r in rounds if r]
    if not rounds:
        return None

    def mean(key):
        values = [r[key] for r in rounds if r[key] is not None]
        return statistics.mean(values) if values else None
    out = {k: mean(k) for k in ("rps", "p50_ms", "p99_ms")}
    for k in ("non2xx", "socket_errors"):
        out[k] = sum(r[k] for r in rounds)
    misses = [r["stash_misses"] for r in rounds if r["stash_misses"] is not None]
    out["stash_misses"] = sum(misses) if misses else None
    return out


# ------------------------------------------------------------------------------------- delay clients

def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


async def get_with_times(port, path, timeout):
    """One GET on a fresh connection (Connection: close). Returns (start, header end, [(body bytes
    so far, arrival time)], status line) with perf_counter times."""
    start = time.perf_counter()
    reader, writer = await asyncio.wait_for(asyncio.open_connection(LOOPBACK, port), timeout)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n".encode())
    data, head_end, head_time, arrivals = b"", None, None, []
    try:
        while True:
            chunk = await asyncio.wait_for(reader.read(65536), timeout)
            now = time.perf_counter()
            if not chunk:
                break
            data += chunk
            if head_end is None and b"\r\n\r\n" in data:
                head_end, head_time = data.index(b"\r\n\r\n") + 4, now
            if head_end is not None and len(data) > head_end:
                arrivals.append((len(data) - head_end, now))
            if head_end is not None and b"Content-Length:" in data[:head_end]:
                length = int(re.search(rb"Content-Length:\s*(\d+)", data[:head_end]).group(1))
                if len(data) - head_end >= length:
                    break
    finally:
        writer.close()
    return start, head_time, arrivals, data.split(b"\r\n", 1)[0]


def gap_errors(port, path, piece, delay_ms, count, lanes, stagger_ms):
    """Each response sends `piece`-byte pieces `delay_ms` apart: the error of every gap between the
    arrival of one piece and the next, observed minus requested, in ms, measured by the Rust delay
    client (tests/src/bin/delay_client.rs) over `lanes` lanes started `stagger_ms` apart."""
    cmd = [DELAY_CLIENT, "--port", port, "--path", path, "--piece", piece, "--delay-ms", delay_ms,
           "--count", count, "--concurrency", lanes, "--stagger-ms", stagger_ms]
    try:
        out = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=120)
        report = json.loads(out.stdout)
    except (subprocess.TimeoutExpired, OSError, ValueError) as e:
        log(f"delay client failed: {e!r}")
        return [], count
    if report.get("first_failure"):
        log(f"delay client: {report['failed']} failed requests, first: {report['first_failure']}")
    return report["errors"], report["failed"]


# ------------------------------------------------------------------------------------------- running

def listen_overflows():
    """The kernel's count of connections dropped because an accept queue was full (all sockets)."""
    lines = [l.split() for l in Path("/proc/net/netstat").read_text().splitlines() if l.startswith("TcpExt:")]
    try:
        return int(dict(zip(lines[0][1:], lines[1][1:]))["ListenOverflows"])
    except (IndexError, KeyError, ValueError):
        return None


def fmt(value, spec=",.0f"):
    return "-" if value is None else format(value, spec)


class Bench:
    def __init__(self, args, servers):
        self.args, self.servers, self.results = args, servers, []

    def wanted(self, name):
        only = set(filter(None, self.args.only.split(",")))
        return not only or name in only or any(name.startswith(o + "-") for o in only)

    def load(self, name, targets, script=None, baseline_rps=None, tool=wrk):
        """targets: [(server label, path, row label)]. Runs every target `rounds` times, alternating.
        The ratio column is against the row "wptserve", else against `baseline_rps`."""
        if not self.wanted(name):
            return
        log(f"scenario {name}")
        rounds = {row: [] for _, _, row in targets}
        for i in range(self.args.rounds):
            order = targets if i % 2 == 0 else list(reversed(targets))
            for label, path, row in order:
                server = self.servers[label]
                server.reset_peak_memory()
                result = tool(f"http://{LOOPBACK}:{server.port}{path}", self.args.duration,
                             self.args.connections, script)
                if result:
                    result["peak_mib"] = server.peak_memory_mib()
                rounds[row].append(result)
        rows = {row: combine(r) for row, r in rounds.items()}
        for row, r in rows.items():
            if r:
                r["peak_mib"] = max(x["peak_mib"] for x in rounds[row] if x)
        if rows.get("wptserve"):
            baseline_rps = rows["wptserve"]["rps"]
        nginx = next((r for row, r in rows.items() if row.startswith("nginx")), None)
        for row, r in rows.items():
            if r is None:
                print(f"{name:24} {row:22} wrk failed", flush=True)
                continue
            r["vs_wptserve"] = r["rps"] / baseline_rps if baseline_rps and row != "wptserve" else None
            r["vs_nginx"] = (r["rps"] / nginx["rps"] if nginx and nginx["rps"] and row.startswith("wpthost")
                             else None)
            self.results.append({"scenario": name, "server": row, **r})
            extra = []
            if r["non2xx"] or r["socket_errors"]:
                extra.append(f"non-2xx {r['non2xx']} errors {r['socket_errors']}")
            if r["stash_misses"] is not None:
                extra.append(f"misses {r['stash_misses']}")
            print(f"{name:24} {row:22} {fmt(r['rps']):>9} req/s  p50 {fmt(r['p50_ms'], '.2f'):>7} ms"
                  f"  p99 {fmt(r['p99_ms'], '.2f'):>7} ms  peak {fmt(r['peak_mib'])} MiB"
                  f"  x wptserve {fmt(r['vs_wptserve'], '.1f'):>6}  x nginx {fmt(r['vs_nginx'], '.2f'):>5}"
                  f"  {'; '.join(extra)}", flush=True)

    # Ten lanes of requests. Staggered (the figure the target is read from): lane i starts 5 ms
    # after lane i-1, so a lane's connection set-up does not fall on the other lanes' deadlines.
    # Lockstep: all lanes start at once and stay in step, so ten connections close and ten open at
    # the instant ten pieces are due; kept as a second row because that burst on two cores shared
    # with the client, not the delay, is what its tail shows (docs/PERFORMANCE.md).
    DELAY_LANES = 10
    DELAY_MODES = [("", 5.0), (" lockstep", 0.0)]

    def delays(self, name, targets, piece, delay_ms):
        """targets: [(server label, path)]; gap accuracy of pieces `delay_ms` apart."""
        if not self.wanted(name):
            return
        log(f"scenario {name}")
        for mode, stagger_ms in self.DELAY_MODES:
            for i in range(self.args.rounds):
                for label, path in (targets if i % 2 == 0 else list(reversed(targets))):
                    errors, failed = gap_errors(self.servers[label].port, path, piece, delay_ms,
                                                self.args.delay_requests, self.DELAY_LANES, stagger_ms)
                    row = {"scenario": name + mode.replace(" ", "-"), "server": label, "round": i + 1,
                           "requested_ms": delay_ms, "stagger_ms": stagger_ms, "gaps": len(errors),
                           "failed": failed, "err_p50_ms": percentile(errors, 50),
                           "err_p99_ms": percentile(errors, 99), "err_max_ms": max(errors, default=None)}
                    self.results.append(row)
                    print(f"{name + mode:24} {label:22} {len(errors)} gaps of {delay_ms} ms: observed - requested"
                          f"  p50 {fmt(row['err_p50_ms'], '+.2f')} ms  p99 {fmt(row['err_p99_ms'], '+.2f')} ms"
                          f"  max {fmt(row['err_max_ms'], '+.2f')} ms  failed requests {failed}", flush=True)

    def sleeps(self, name, labels, connections, sleep_ms):
        """`connections` connections at once (wrk, two threads), each asking again as soon as its
        handler, sleeping `sleep_ms`, answers. A Python client cannot open 1,000 connections without
        adding about a second of its own (measured), so this is wrk's job. wrk's figures cover the
        requests completed within the run."""
        if not self.wanted(name):
            return
        log(f"scenario {name}")
        for label in labels:
            server = self.servers[label]
            server.reset_peak_memory()
            overflows = listen_overflows()
            r = wrk(f"http://{LOOPBACK}:{server.port}/handlers/sleep.py?ms={sleep_ms}",
                    max(6, 6 * sleep_ms // 1000), connections, threads=2) or {}
            if overflows is not None:
                overflows = listen_overflows() - overflows
            row = {"scenario": name, "server": label, "connections": connections, "sleep_ms": sleep_ms,
                   "listen_overflows": overflows, "peak_mib": server.peak_memory_mib(), **r}
            self.results.append(row)
            print(f"{name:24} {label:22} {fmt(r.get('requests'))} requests, {fmt(r.get('rps'))} req/s"
                  f" in {max(6, 6 * sleep_ms // 1000)} s; latency p50 {fmt(r.get('p50_ms'))} ms"
                  f" p99 {fmt(r.get('p99_ms'))} ms max {fmt(r.get('max_ms'))} ms (sleep {sleep_ms} ms);"
                  f" errors {fmt(r.get('socket_errors'))} non-2xx {fmt(r.get('non2xx'))};"
                  f" peak {row['peak_mib']:.0f} MiB; listen queue overflows {fmt(overflows)}", flush=True)


def warm_up(servers, paths):
    """First requests compile and cache plugins (seconds for Python and JS components)."""
    for label, path in paths:
        server = servers[label]
        try:
            asyncio.run(get_with_times(server.port, path, 300))
        except (OSError, asyncio.TimeoutError) as e:
            log(f"warm-up of {path} on {label} failed: {e!r}")


def machine():
    cpu = re.search(r"^model name\s*:\s*(.*)$", Path("/proc/cpuinfo").read_text(), re.M)
    mem = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
    return {"nproc": os.cpu_count(), "cpu": cpu.group(1) if cpu else "?",
            "memory_gib": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None,
            "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3],
            "kernel": os.uname().release}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=4, help="seconds per wrk run (default 4)")
    parser.add_argument("--rounds", type=int, default=2, help="runs per server and scenario (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--delay-requests", type=int, default=100, help="requests per delay scenario")
    parser.add_argument("--only", default="", help="comma-separated scenario names (or prefixes)")
    parser.add_argument("--skip-build", action="store_true", help="use the existing release build")
    parser.add_argument("--wpthost", type=Path, default=HOST_BIN, help="wpthost binary (default: the release build)")
    parser.add_argument("--no-nginx", action="store_true", help="leave nginx out")
    parser.add_argument("--json", type=Path, help="also write machine facts and every figure here")
    args = parser.parse_args()

    # 1,000 connections at once, for the client and the servers it starts.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    set_up(args)
    facts = machine()
    log(f"machine: {facts}")

    work = Path(tempfile.mkdtemp(prefix="wpthost-bench-"))
    work.chmod(0o755)  # nginx's workers run as an unprivileged user
    docroot = work / "root"
    languages = make_docroot(docroot)
    servers = {}
    try:
        servers["wptserve"] = start_wptserve(docroot)
        servers["wpthost"] = start_wpthost(args.wpthost, docroot, "wpthost")
        servers["wpthost (keep-alive)"] = start_wpthost(args.wpthost, docroot, "wpthost (keep-alive)",
                                                        "--static-content-length")
        if not args.no_nginx and shutil.which("nginx"):
            servers["nginx (closes)"], servers["nginx (keep-alive)"] = start_nginx(docroot, work)
        results = run_all(args, servers, languages)
        if args.json:
            settings = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
            args.json.write_text(json.dumps({"machine": facts, "args": settings, "results": results},
                                            indent=1) + "\n")
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


def run_all(args, servers, languages):
    has_nginx = "nginx (closes)" in servers
    echo = "/handlers/echo.py?a=1&b=2"
    warm_up(servers, [("wpthost", echo), ("wptserve", echo)]
            + [("wpthost", f"{path}?a=1&b=2") for path in languages.values()]
            + [(label, "/handlers/sleep.py?ms=0") for label in ("wpthost", "wptserve")]
            + [(label, "/handlers/trickle.py?chunks=1") for label in ("wpthost", "wptserve")])
    bench = Bench(args, servers)

    static = [("static-1k", "/static/1k.txt", True),
              ("static-1k-deep", "/static/html/semantics/forms/the-input-element/1k.txt", True),
              ("static-1m", "/static/1m.bin", True),
              ("headers-file", "/static/headers.txt", False),
              ("sub-file", "/static/page.sub.html?q=bench", False),
              ("pipe-header", "/static/1k.txt?pipe=header(X-Bench,1)", False)]
    print("\n## Static files, wptserve's framing (no Content-Length, one request per connection; ab)\n")
    for name, path, nginx in static:
        targets = [("wptserve", path, "wptserve"), ("wpthost", path, "wpthost")]
        if nginx and has_nginx:
            targets.append(("nginx (closes)", path, "nginx (closes)"))
        bench.load(name, targets, tool=ab)
    print("\n## Static files, wpthost with static_content_length (keep-alive; wrk); x wptserve is"
          " against the closing run above\n")
    for name, path, nginx in static:
        base = next((r["rps"] for r in bench.results if r["scenario"] == name and r["server"] == "wptserve"),
                    None)
        targets = [("wpthost (keep-alive)", path, "wpthost (keep-alive)")]
        if nginx and has_nginx:
            targets.append(("nginx (keep-alive)", path, "nginx (keep-alive)"))
        bench.load(f"{name}-keepalive", targets, baseline_rps=base)

    print("\n## Handlers (Python file on wptserve, plugins on wpthost)\n")
    targets = [("wptserve", echo, "wptserve"), ("wpthost", echo, "wpthost rust")]
    targets += [("wpthost", f"{path}?a=1&b=2", f"wpthost {lang}") for lang, path in languages.items()]
    bench.load("echo", targets)
    stash_lua = Path(tempfile.mkdtemp(prefix="wpthost-bench-lua-")) / "stash.lua"
    stash_lua.write_text(STASH_LUA)
    bench.load("stash-put-take", [("wptserve", "/", "wptserve"), ("wpthost", "/", "wpthost rust")],
               script=stash_lua)
    shutil.rmtree(stash_lua.parent, ignore_errors=True)

    print("\n## Delays (observed minus requested, per gap between pieces)\n")
    bench.delays("trickle-pipe", [(label, "/static/trickle.txt?pipe=trickle(10:d0.05:r2)")
                                  for label in ("wptserve", "wpthost")], 10, 50)
    bench.delays("sleep-handler", [(label, "/handlers/trickle.py?chunks=4&delay=50&chunk=0123456789")
                                   for label in ("wptserve", "wpthost")], 10, 50)

    print("\n## 1,000 concurrent connections to a handler sleeping 1 s\n")
    bench.sleeps("sleep-1000", ["wpthost", "wptserve"], 1000, 1000)
    return bench.results


if __name__ == "__main__":
    main()
