//! Per-request cost of a handler written in each guest language, and what the on-disk compile cache
//! saves at start-up.
//!
//!     scripts/build-guests.sh && cargo bench -p wpthost --bench plugin_languages
//!
//! For each language (plugins/EXAMPLES.md `echo`, `?format=text`): a server with a fresh component
//! cache directory answers a first request (compile + first instantiation), then `ITERATIONS`
//! requests on one keep-alive connection (median, p90, mean); then a second server over the same
//! cache directory answers its first request (load from disk instead of compiling). A static file on
//! the same server is the baseline: handler cost ≈ language median − static median.
//! Plain `main` (no criterion) because the cold/warm start figures are one-shot measurements.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wpthost::config::Config;
use wpthost::listener;
use wpthost::server::ServerState;

/// Requests measured per language (`WPTHOST_BENCH_ITERATIONS` overrides, e.g. for profiling).
const ITERATIONS: usize = 2000;
const WARMUP: usize = 50;
const LANGUAGES: [&str; 5] = ["rust", "c", "zig", "python", "js"];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn component(lang: &str) -> PathBuf {
    // `WPTHOST_BENCH_WASM_PYTHON=/tmp/x.wasm` measures another build of that language's echo.
    if let Some(path) = std::env::var_os(format!("WPTHOST_BENCH_WASM_{}", lang.to_uppercase())) {
        return PathBuf::from(path);
    }
    match lang {
        "rust" => repo().join("plugins/target/wasm32-wasip2/release/echo.wasm"),
        _ => repo().join(format!("plugins/target/guests/{lang}/echo.wasm")),
    }
}

struct Server {
    runtime: tokio::runtime::Runtime,
    port: u16,
}

fn start(doc_root: &Path) -> Server {
    let mut config = Config::for_doc_root(doc_root.to_path_buf()).expect("bench config");
    config.server_host = "127.0.0.1".to_owned();
    config.bind_address = true;
    // The static baseline must be kept alive too (wptserve framing would close after each file).
    config.server.static_content_length = true;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let state = Arc::new(ServerState::new(Arc::new(config)).expect("server state"));
    let server = {
        let _guard = runtime.enter();
        listener::start(state).expect("listener")
    };
    let port = server
        .bound()
        .first()
        .map(|(_, addr)| addr.port())
        .expect("a bound port");
    // The server lives as long as the runtime; dropping `Server` shuts both down.
    std::mem::forget(server);
    Server { runtime, port }
}

/// One request on `stream`; reads exactly one response (Content-Length framed).
fn request(stream: &mut TcpStream, target: &str) -> usize {
    let req = format!("GET {target} HTTP/1.1\r\nHost: bench\r\n\r\n");
    stream.write_all(req.as_bytes()).expect("write");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).expect("read head");
        assert!(
            n == 1,
            "connection closed mid-head: {}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head);
    assert!(
        text.starts_with("HTTP/1.1 200"),
        "unexpected response: {text}"
    );
    let length = text
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())
                .flatten()
        })
        .expect("a Content-Length (keep-alive) response");
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).expect("read body");
    head.len() + length
}

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    stream
        .set_read_timeout(Some(Duration::from_secs(300)))
        .expect("timeout");
    stream
}

/// Minor page faults of this process so far (the server runs in it), from /proc/self/stat; 0 where
/// that file does not exist.
fn minor_faults() -> u64 {
    proc_stat_field(10)
}

/// CPU time (user + system) of this process so far, in clock ticks (100 per second on Linux): with
/// other builds sharing the cores, CPU per request is steadier than the wall-clock median.
fn cpu_ticks() -> u64 {
    proc_stat_field(14) + proc_stat_field(15)
}

/// Field `n` (1-based, as in proc(5)) of /proc/self/stat.
fn proc_stat_field(n: usize) -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Count fields after the parenthesised command name (field 2), which may contain spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    rest.split_whitespace()
        .nth(n - 3)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

struct Stats {
    median: Duration,
    faults_per_request: f64,
    cpu_per_request: Duration,
    p90: Duration,
    mean: Duration,
}

fn iterations() -> usize {
    std::env::var("WPTHOST_BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ITERATIONS)
}

fn measure(port: u16, target: &str) -> Stats {
    let mut stream = connect(port);
    for _ in 0..WARMUP {
        request(&mut stream, target);
    }
    let faults_before = minor_faults();
    let cpu_before = cpu_ticks();
    let mut samples: Vec<Duration> = (0..iterations())
        .map(|_| {
            let started = Instant::now();
            request(&mut stream, target);
            started.elapsed()
        })
        .collect();
    let faults = minor_faults().saturating_sub(faults_before);
    let cpu = Duration::from_millis(cpu_ticks().saturating_sub(cpu_before) * 10);
    samples.sort();
    let total: Duration = samples.iter().sum();
    Stats {
        median: samples[samples.len() / 2],
        p90: samples[samples.len() * 9 / 10],
        mean: total / samples.len() as u32,
        faults_per_request: faults as f64 / samples.len() as f64,
        cpu_per_request: cpu / samples.len() as u32,
    }
}

fn first_request(port: u16) -> Duration {
    let started = Instant::now();
    request(&mut connect(port), "/echo?format=text");
    started.elapsed()
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let missing: Vec<_> = LANGUAGES
        .iter()
        .map(|l| component(l))
        .filter(|p| !p.exists())
        .collect();
    if !missing.is_empty() {
        eprintln!("missing components {missing:?}: run scripts/build-guests.sh first");
        std::process::exit(1);
    }
    let scratch = std::env::temp_dir().join(format!("wpthost-bench-langs-{}", std::process::id()));
    println!(
        "{:<8} {:>9} {:>12} {:>12} {:>10} {:>10} {:>10} {:>10} {:>8}",
        "language", "size", "cold start", "warm start", "median", "p90", "mean", "cpu", "faults"
    );
    // `WPTHOST_BENCH_LANGS=python,js` measures only those.
    let only = std::env::var("WPTHOST_BENCH_LANGS").unwrap_or_default();
    for lang in LANGUAGES {
        if !only.is_empty() && !only.split(',').any(|l| l == lang) {
            continue;
        }
        let root = scratch.join(lang).join("root");
        // `WPTHOST_BENCH_CACHE=dir` keeps compiled components between runs (for profiling and quick
        // comparisons; the cold start column is then a warm start).
        let cache = match std::env::var_os("WPTHOST_BENCH_CACHE") {
            Some(dir) => PathBuf::from(dir).join(lang),
            None => scratch.join(lang).join("cache"),
        };
        std::fs::create_dir_all(&root).expect("doc root");
        std::fs::copy(component(lang), root.join("echo.wasm")).expect("copy component");
        std::fs::write(
            root.join("__dir__.handlers.json"),
            r#"{"handlers": [{"route": "echo", "component": "echo.wasm"}]}"#,
        )
        .expect("manifest");
        std::fs::write(root.join("static.txt"), b"static baseline\n").expect("static file");
        // The plugin host reads its cache directory from the environment; one server at a time.
        std::env::set_var("WPTHOST_PLUGIN_CACHE", &cache);

        let server = start(&root);
        let cold = first_request(server.port);
        let stats = measure(server.port, "/echo?format=text");
        let baseline = if lang == "rust" {
            Some(measure(server.port, "/static.txt"))
        } else {
            None
        };
        server.runtime.shutdown_timeout(Duration::from_secs(5));

        let server = start(&root);
        let warm = first_request(server.port);
        server.runtime.shutdown_timeout(Duration::from_secs(5));

        let size = std::fs::metadata(root.join("echo.wasm")).map_or(0, |m| m.len());
        println!(
            "{:<8} {:>8}K {:>12.1?} {:>12.1?} {:>10.1?} {:>10.1?} {:>10.1?} {:>10.1?} {:>8.1}",
            lang,
            size / 1024,
            cold,
            warm,
            stats.median,
            stats.p90,
            stats.mean,
            stats.cpu_per_request,
            stats.faults_per_request
        );
        if let Some(b) = baseline {
            println!(
                "{:<8} {:>9} {:>12} {:>12} {:>10.1?} {:>10.1?} {:>10.1?} {:>10.1?} {:>8.1}",
                "static",
                "-",
                "-",
                "-",
                b.median,
                b.p90,
                b.mean,
                b.cpu_per_request,
                b.faults_per_request
            );
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
