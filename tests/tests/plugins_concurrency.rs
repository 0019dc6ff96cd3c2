//! A sleeping plugin holds no thread (DESIGN "Plugins", issue 4 "Done when"): 1,000 concurrent
//! requests to a plugin that sleeps one second all finish in well under two seconds.

#[path = "plugins_support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};
use support::Site;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Connection attempts in flight at once. The listener's accept backlog is finite; a thousand SYNs
/// in the same millisecond would make the kernel drop some and the client retry a second later,
/// which measures the TCP stack, not the plugin host. The connections are opened first, then the
/// thousand requests go out together and the clock runs from there.
const CONNECTS_IN_FLIGHT: usize = 64;

#[test]
fn a_thousand_concurrent_one_second_sleeps_finish_together() {
    let site = Site::new();
    site.install("z/sleep.wasm", "test-oversleep");
    site.manifest(
        "z",
        serde_json::json!({"handlers": [{"route": "sleep", "component": "sleep.wasm"}]}),
    );
    let port = site.port();
    // Warm up: compile and pre-instantiate before timing.
    assert_eq!(
        site.request("GET /z/sleep?ms=1 HTTP/1.1", b"").body,
        b"slept 1"
    );

    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let (elapsed, results) = client.block_on(async move {
        // Phase 1: open the 1,000 connections (a few at a time: see CONNECTS_IN_FLIGHT).
        let connects = Arc::new(tokio::sync::Semaphore::new(CONNECTS_IN_FLIGHT));
        let opening: Vec<_> = (0..1000)
            .map(|_| {
                let connects = connects.clone();
                tokio::spawn(async move {
                    let _permit = connects.acquire_owned().await;
                    tokio::net::TcpStream::connect(("127.0.0.1", port)).await
                })
            })
            .collect();
        let mut streams = Vec::new();
        for t in opening {
            match t.await {
                Ok(Ok(s)) => streams.push(s),
                other => panic!("connect failed: {other:?}"),
            }
        }
        // Phase 2: all requests at once; the clock covers request, sleep and response.
        let started = Instant::now();
        let tasks: Vec<_> = streams
            .into_iter()
            .map(|mut s| {
                tokio::spawn(async move {
                    s.write_all(
                        b"GET /z/sleep?ms=1000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    )
                    .await?;
                    let mut out = Vec::new();
                    s.read_to_end(&mut out).await?;
                    Ok::<_, std::io::Error>(out)
                })
            })
            .collect();
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await);
        }
        (started.elapsed(), results)
    });
    let ok = results
        .iter()
        .filter(|r| matches!(r, Ok(Ok(b)) if b.ends_with(b"\r\n\r\nslept 1000")))
        .count();
    println!("1000 concurrent 1 s plugin sleeps took {elapsed:?}");
    assert_eq!(ok, 1000, "only {ok} of 1000 completed");
    assert!(elapsed < Duration::from_millis(1900), "{elapsed:?}");
}
