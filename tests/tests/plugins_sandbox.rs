//! The plugin sandbox (issue 4 item 6, DESIGN "Plugins"): a plugin that loops, traps (before or
//! after its head went out), recurses without end, allocates without limit, writes without end or
//! sleeps past its wall budget costs only its own response (JSON 500 of F-ER-3 when nothing was
//! sent, a closed connection otherwise), and the server serves the next request. No file system,
//! environment or network unless the manifest grants read-doc-root.

#[path = "plugins_support/mod.rs"]
mod support;

use std::time::{Duration, Instant};
use support::{error_message, Site};
use wpthost_tests::RawResponse;

/// A site with `/bad` mapped to `crate_name` (with `limits`) and `/ok` to the actions guest.
fn site(crate_name: &str, limits: serde_json::Value) -> Site {
    let site = Site::new();
    site.install("p/bad.wasm", crate_name);
    site.install("p/ok.wasm", "test-actions");
    site.manifest(
        "p",
        serde_json::json!({"handlers": [
            {"route": "bad", "component": "bad.wasm", "limits": limits},
            {"route": "ok", "component": "ok.wasm"},
        ]}),
    );
    site
}

fn assert_still_serves(site: &Site) {
    let resp = site.actions("/p/ok", &["body still here"]);
    assert_eq!(resp.status_code(), 200, "{:?}", resp.body_str());
    assert_eq!(resp.body, b"still here");
}

fn assert_500_containing(resp: &RawResponse, needle: &str) {
    assert_eq!(resp.status_code(), 500, "{:?}", resp.body_str());
    assert_eq!(
        resp.header_str("Content-Type").as_deref(),
        Some("application/json")
    );
    let message = error_message(resp);
    assert!(
        message.starts_with("Internal server error loading http://localhost:"),
        "{message}"
    );
    assert!(message.contains(needle), "{message:?} lacks {needle:?}");
}

#[test]
fn endless_loop_hits_cpu_budget_and_never_wedges_a_worker() {
    let site = site("test-loop", serde_json::json!({"cpu_ms": 1500}));
    let port = site.port();
    let started = Instant::now();
    let looping = std::thread::spawn(move || {
        let req =
            format!("GET /p/bad HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n");
        RawResponse::parse(&wpthost_tests::raw_exchange(port, req.as_bytes()))
    });
    // Two loops at once on a two-worker runtime: epoch yields keep other requests flowing.
    let looping2 = std::thread::spawn(move || {
        let req =
            format!("GET /p/bad HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n");
        RawResponse::parse(&wpthost_tests::raw_exchange(port, req.as_bytes()))
    });
    std::thread::sleep(Duration::from_millis(300));
    let during = Instant::now();
    assert_still_serves(&site);
    assert!(
        during.elapsed() < Duration::from_millis(1000),
        "{:?}",
        during.elapsed()
    );
    for handle in [looping, looping2] {
        let resp = handle.join().unwrap_or_else(|_| panic!("client thread"));
        assert_500_containing(&resp, "CPU budget of 1500 ms");
        assert!(error_message(&resp).contains("p/bad.wasm"));
    }
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert_still_serves(&site);
}

#[test]
fn trap_before_output_gives_json_500_f_er_3() {
    let site = site("test-trap", serde_json::json!({}));
    assert_500_containing(&site.request("GET /p/bad HTTP/1.1", b""), "plugin trapped");
    assert_still_serves(&site);
}

#[test]
fn trap_after_headers_closes_the_connection_without_completing() {
    let site = site("test-trap-after-headers", serde_json::json!({}));
    let raw = site.request_raw("GET /p/bad HTTP/1.1", b"");
    let text = String::from_utf8_lossy(&raw);
    assert!(
        text.starts_with("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"),
        "{text:?}"
    );
    // The head promised 100 bytes; the connection closed after the 5 that were written.
    assert!(text.ends_with("\r\n\r\nstart"), "{text:?}");
    assert_still_serves(&site);
}

#[test]
fn memory_bomb_hits_memory_limit() {
    let site = site("test-memory-bomb", serde_json::json!({"memory_mb": 16}));
    assert_500_containing(
        &site.request("GET /p/bad HTTP/1.1", b""),
        "memory limit of 16777216 bytes",
    );
    assert_still_serves(&site);
}

/// DESIGN "a fresh instance serves each request": linear memory left dirty by one instance (about
/// a thousand scattered pages of image data and of zeroed memory, more than the slot reset's scan
/// buffer and keep-resident budget) is pristine again for the next instance in the same slot,
/// sequentially and with several instances alive at once.
#[test]
fn every_instance_starts_from_pristine_memory() {
    let site = site("test-memory-residue", serde_json::json!({}));
    for round in 0..6 {
        let resp = site.request("GET /p/bad HTTP/1.1", b"");
        assert_eq!(resp.status_code(), 200, "{:?}", resp.body_str());
        assert_eq!(resp.body, b"residue 0", "request {round}");
    }
    let port = site.port();
    let concurrent: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                (0..4)
                    .map(|_| wpthost_tests::get(port, "/p/bad").body)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for handle in concurrent {
        for body in handle.join().expect("client thread") {
            assert_eq!(String::from_utf8_lossy(&body), "residue 0");
        }
    }
}

#[test]
fn endless_recursion_hits_stack_limit() {
    let site = site("test-recursion", serde_json::json!({}));
    assert_500_containing(&site.request("GET /p/bad HTTP/1.1", b""), "guest stack");
    assert_still_serves(&site);
}

#[test]
fn endless_output_hits_output_cap_and_closes() {
    let site = site(
        "test-endless-output",
        serde_json::json!({"output_bytes": 1048576}),
    );
    let started = Instant::now();
    let raw = site.request_raw("GET /p/bad HTTP/1.1", b"");
    assert!(raw.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert!(raw.len() <= 1048576 + 1024, "{} bytes", raw.len());
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_still_serves(&site);
}

#[test]
fn output_cap_applies_to_returned_bodies_too() {
    let site = Site::new();
    site.install("p/ok.wasm", "test-actions");
    site.manifest(
        "p",
        serde_json::json!({"handlers": [
            {"route": "ok", "component": "ok.wasm", "limits": {"output_bytes": 10}},
        ]}),
    );
    let resp = site.actions("/p/ok", &["body 0123456789abcdef"]);
    assert_500_containing(&resp, "output limit of 10 bytes");
}

#[test]
fn oversleep_hits_wall_budget() {
    let site = site("test-oversleep", serde_json::json!({"wall_ms": 300}));
    let started = Instant::now();
    let resp = site.request("GET /p/bad HTTP/1.1", b"");
    assert_500_containing(&resp, "wall-clock budget of 300 ms");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_still_serves(&site);
}

#[test]
fn no_filesystem_env_args_or_network_by_default() {
    let site = site("test-fs-probe", serde_json::json!({}));
    site.root.write("index.html", b"secret");
    let resp = site.request("GET /p/bad HTTP/1.1", b"");
    assert_eq!(resp.status_code(), 200, "{:?}", resp.body_str());
    let report = resp.body_str();
    for probe in ["read-dir", "read-file", "write-file", "env", "tcp"] {
        assert!(
            report.contains(&format!("{probe}: denied")),
            "{probe}: {report}"
        );
    }
    assert!(!report.contains("args: ok"), "{report}");
}

#[test]
fn read_doc_root_capability_is_read_only() {
    let site = Site::new();
    site.install("p/probe.wasm", "test-fs-probe");
    site.root.write("index.html", b"secret");
    site.manifest(
        "p",
        serde_json::json!({"handlers": [
            {"route": "probe", "component": "probe.wasm", "capabilities": ["read-doc-root"]},
        ]}),
    );
    let resp = site.request("GET /p/probe?path=/index.html HTTP/1.1", b"");
    let report = resp.body_str();
    assert!(report.contains("read-file: ok 6 bytes"), "{report}");
    assert!(report.contains("read-dir: ok"), "{report}");
    assert!(report.contains("write-file: denied"), "{report}");
    assert!(report.contains("tcp: denied"), "{report}");
    assert!(!site.root.path().join("probe-write.txt").exists());
    // `..` cannot climb out of the preopen.
    let resp = site.request("GET /p/probe?path=/../../etc/hostname HTTP/1.1", b"");
    assert!(
        resp.body_str().contains("read-file: denied"),
        "{}",
        resp.body_str()
    );
}

#[test]
fn plugin_error_message_is_the_500_message_f_er_3() {
    let site = site("test-trap", serde_json::json!({}));
    let resp = site.actions("/p/ok", &["fail boom happened"]);
    assert_eq!(resp.status_code(), 500);
    let message = error_message(&resp);
    assert!(message.ends_with(":\n  boom happened"), "{message:?}");
    assert!(message.contains("/p/ok"), "{message:?}");
}

#[test]
fn pipes_never_apply_to_plugin_errors() {
    let site = site("test-trap", serde_json::json!({}));
    let resp = site.actions("/p/ok?pipe=status(200)", &["fail nope"]);
    assert_eq!(resp.status_code(), 500);
}

#[test]
fn beyond_the_instance_pool_requests_get_503_not_a_hang() {
    let (_root, server) = support::sleep_server("z", serde_json::json!({"max_instances": 2}));
    let port = server.port();
    let sleepers: Vec<_> = (0..2)
        .map(|_| std::thread::spawn(move || wpthost_tests::get(port, "/z/sleep?ms=800")))
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let resp = wpthost_tests::get(port, "/z/sleep?ms=1");
    assert_eq!(resp.status_code(), 503);
    assert_eq!(resp.header_str("Retry-After").as_deref(), Some("1"));
    for s in sleepers {
        let resp = s.join().unwrap_or_else(|_| panic!("client thread"));
        assert_eq!(resp.body, b"slept 800");
    }
    assert_eq!(wpthost_tests::get(port, "/z/sleep?ms=1").body, b"slept 1");
}

/// Sleeping is not running: a plugin whose sleeps together span many epoch ticks is not charged
/// for them against its CPU budget (40 sleeps of 15 ms, 600 ms in all, under a 50 ms budget).
#[test]
fn sleeping_is_not_charged_to_the_cpu_budget() {
    let site = site("trickle", serde_json::json!({"cpu_ms": 50}));
    let resp = site.request(
        "GET /p/bad?chunks=41&delay=15&chunk=x&length=1 HTTP/1.1",
        b"",
    );
    assert_eq!(resp.status_code(), 200, "{:?}", resp.body_str());
    assert_eq!(resp.body, vec![b'x'; 41]);
    assert_still_serves(&site);
}
