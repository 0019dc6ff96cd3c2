//! The benchmark's delay client (`delay-client`, tests/src/bin/delay_client.rs), which measures
//! issue 7's trickle and sleep targets, against a real server: it must count every piece of every
//! request, split requests over lanes without losing any, report failures instead of hanging, and
//! refuse to send load off the machine. Its figures are only as
//! good as this; the delays themselves are checked in delay_precision.rs.
//!
//! No assertion here depends on timing beyond "a piece never comes much before it is due".

use serde_json::Value;
use std::process::Command;
use wpthost_tests::{TempDocRoot, TestServer};

/// Run the client; its JSON report.
fn measure(port: u16, path: &str, extra: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_delay-client"))
        .args(["--port", &port.to_string(), "--path", path])
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("running delay-client: {e}"));
    assert!(
        out.status.success(),
        "delay-client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "delay-client output is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn errors(report: &Value) -> Vec<f64> {
    report["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors array: {report}"))
        .iter()
        .map(|e| e.as_f64().unwrap_or(f64::NAN))
        .collect()
}

/// A 40-byte file trickled as 4 pieces of 10 bytes, 20 ms apart (F-PP-5), no Content-Length
/// (wptserve's static framing: the body ends with the connection). 7 requests over 3 lanes
/// staggered 2 ms apart: 3 gaps each, 21 in all, none lost to the uneven split.
#[test]
fn f_pp_5_trickle_gaps_are_all_counted_across_staggered_lanes() {
    let root = TempDocRoot::new();
    root.write("t.txt", b"0123456789abcdefghijABCDEFGHIJ0123456789");
    let server = TestServer::start(root.path());
    let report = measure(
        server.port(),
        "/t.txt?pipe=trickle(10:d0.02:r2)",
        &[
            "--piece",
            "10",
            "--delay-ms",
            "20",
            "--count",
            "7",
            "--concurrency",
            "3",
            "--stagger-ms",
            "2",
        ],
    );
    assert_eq!(report["failed"], 0, "{report}");
    let errors = errors(&report);
    assert_eq!(errors.len(), 21, "{report}");
    // The server never sends a piece early; the client's own read latency can shorten a gap a
    // little when the earlier piece was seen late, hence the allowance.
    assert!(errors.iter().all(|e| *e > -2.0), "{report}");
    server.stop();
}

/// Load stays on loopback: any other address is refused before a connection is made.
#[test]
fn a_non_loopback_host_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_delay-client"))
        .args([
            "--host",
            "192.0.2.1",
            "--port",
            "80",
            "--path",
            "/",
            "--piece",
            "1",
            "--delay-ms",
            "1",
        ])
        .output()
        .unwrap_or_else(|e| panic!("running delay-client: {e}"));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("loopback"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A server that is not there: every request fails and the report says so (it does not hang or
/// report an empty success).
#[test]
fn failed_requests_are_counted_with_the_first_reason() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("binding a probe port: {e}"));
        listener
            .local_addr()
            .unwrap_or_else(|e| panic!("probe port: {e}"))
            .port()
    };
    let report = measure(
        port,
        "/",
        &["--piece", "1", "--delay-ms", "1", "--count", "3"],
    );
    assert_eq!(report["failed"], 3, "{report}");
    assert!(report["first_failure"].is_string(), "{report}");
    assert!(errors(&report).is_empty(), "{report}");
}
