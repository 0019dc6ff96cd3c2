//! Delays reach the client as requested, not rounded up to a timer tick (issue 7: trickle and sleep
//! delays within 2 ms of the request): the `trickle` pipe's `dF` items (F-PP-5) and a plugin's
//! `sleep` import (timing::sleep, which flushes the writer first).
//!
//! What is asserted and why it does not flake: each attempt is one response of 21 pieces 20 ms
//! apart, measured on the wire as gaps between piece arrivals. A delay built on tokio's 1 ms timer
//! alone is late by ~1.1–1.3 ms at the *median* on any machine (tick rounding plus a millisecond
//! `epoll_wait` timeout: a structural bias, not noise); the timerfd finish is ~0.1 ms. Load on a
//! shared CI machine only ever adds lateness, and in bursts, so the test takes the best median of
//! up to eight attempts against a 0.6 ms bound: one quiet attempt passes, no tick-rounded attempt
//! can. It also checks that the server is never early overall (the sum of the gaps).

// Elsewhere delays are tokio-rounded (no timerfd): these bounds are Linux's.
#![cfg(target_os = "linux")]

#[path = "plugins_support/mod.rs"]
mod support;

use std::io::{Read, Write};
use std::time::{Duration, Instant};
use support::Site;

const PIECES: usize = 21;
const GAP: Duration = Duration::from_millis(20);
const ATTEMPTS: usize = 8;
/// Best-attempt median error allowed, in ms (tokio-rounded delays measure ≥ ~1.1).
const MEDIAN_BOUND_MS: f64 = 0.6;

/// One GET; the arrival time of every body byte's piece (`piece` bytes each), in order.
fn piece_arrivals(port: u16, target: &str, piece: usize) -> Vec<Instant> {
    let mut s = wpthost_tests::connect(port);
    let request =
        format!("GET {target} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n");
    if let Err(e) = s.write_all(request.as_bytes()) {
        panic!("writing request: {e}");
    }
    let mut data = Vec::new();
    let mut head_end = None;
    let mut marks = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => panic!("reading {target}: {e}"),
        };
        let now = Instant::now();
        data.extend_from_slice(&buf[..n]);
        if head_end.is_none() {
            head_end = data
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map(|i| i + 4);
        }
        if let Some(h) = head_end {
            while data.len() - h >= (marks.len() + 1) * piece {
                marks.push(now);
            }
        }
    }
    assert!(
        data.starts_with(b"HTTP/1.1 200 "),
        "{target}: {}",
        String::from_utf8_lossy(&data)
    );
    marks
}

struct Attempt {
    median_ms: f64,
    total: Duration,
}

/// Observed minus requested for each gap between consecutive pieces.
fn attempt(port: u16, target: &str, piece: usize) -> Attempt {
    let marks = piece_arrivals(port, target, piece);
    assert_eq!(marks.len(), PIECES, "{target}: pieces received");
    let mut errors: Vec<f64> = marks
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs_f64() * 1e3 - GAP.as_secs_f64() * 1e3)
        .collect();
    errors.sort_by(f64::total_cmp);
    Attempt {
        median_ms: errors[errors.len() / 2],
        total: marks[PIECES - 1] - marks[0],
    }
}

/// Best median over up to ATTEMPTS responses (stops at the first under the bound).
fn best_median(port: u16, target: &str, piece: usize) -> f64 {
    let requested = GAP * (PIECES as u32 - 1);
    let mut best = f64::INFINITY;
    let mut seen = Vec::new();
    for _ in 0..ATTEMPTS {
        let a = attempt(port, target, piece);
        // Never early: the client may see the first piece late (shortening the total by its own
        // wake-up latency), hence the 1 ms allowance; a server that fires early loses far more.
        assert!(
            a.total + Duration::from_millis(1) >= requested,
            "{target}: {} gaps took {:?}, requested {requested:?}",
            PIECES - 1,
            a.total
        );
        seen.push(format!("{:+.3}", a.median_ms));
        best = best.min(a.median_ms);
        if best < MEDIAN_BOUND_MS {
            break;
        }
    }
    println!(
        "{target}: median gap error per attempt (ms): {}",
        seen.join(" ")
    );
    best
}

#[test]
fn trickle_pipe_gaps_f_pp_5_are_not_rounded_up_to_a_timer_tick() {
    let site = Site::new();
    site.root.write("pieces.txt", b"abcdefghijklmnopqrstu");
    let best = best_median(site.port(), "/pieces.txt?pipe=trickle(1:d0.02:r2)", 1);
    assert!(
        best < MEDIAN_BOUND_MS,
        "trickle(1:d0.02:r2): best median gap error {best:.3} ms (bound {MEDIAN_BOUND_MS} ms)"
    );
}

#[test]
fn plugin_sleep_gaps_are_not_rounded_up_to_a_timer_tick() {
    let site = Site::new();
    // plugins/rust/trickle: writer pieces separated by the `sleep` import (which flushes first).
    site.install("t/trickle.wasm", "trickle");
    site.manifest(
        "t",
        serde_json::json!({"handlers": [{"route": "trickle", "component": "trickle.wasm"}]}),
    );
    let target = format!(
        "/t/trickle?chunks={PIECES}&delay={}&chunk=x",
        GAP.as_millis()
    );
    // Warm up: the first request compiles the component.
    let warm = wpthost_tests::raw_exchange(
        site.port(),
        b"GET /t/trickle?chunks=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(
        warm.starts_with(b"HTTP/1.1 200 "),
        "{}",
        String::from_utf8_lossy(&warm)
    );
    let best = best_median(site.port(), &target, 1);
    assert!(
        best < MEDIAN_BOUND_MS,
        "plugin sleep: best median gap error {best:.3} ms (bound {MEDIAN_BOUND_MS} ms)"
    );
}
