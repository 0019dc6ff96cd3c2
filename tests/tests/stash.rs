//! The stash (F-SH-1..7) through plugins on the wire, and its bounds through the library API: UUID
//! keys in every form address one slot, path-scoped by default, write-once, read-once, a global lock
//! released when the request ends, shared by all listeners, bounded with clear errors.

#[path = "plugins_support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{error_message, Site};
use wpthost::stash::{Stash, StashError, StashLimits};

const KEY: &str = "2c6b8e7c-6a1f-4b55-9a4e-3f1c2d3e4f50";

fn site() -> Site {
    let site = Site::new();
    site.install("s/a.wasm", "test-actions");
    site.manifest(
        "s",
        serde_json::json!({"handlers": [{"route": "*", "component": "a.wasm"}]}),
    );
    site
}

#[test]
fn put_then_take_once_f_sh_4_5() {
    let site = site();
    assert_eq!(
        site.actions("/s/x", &[&format!("put {KEY} Sample data"), "body OK"])
            .body,
        b"OK"
    );
    assert_eq!(
        site.actions("/s/x", &[&format!("take {KEY}")]).body,
        b"Sample data"
    );
    assert_eq!(
        site.actions("/s/x", &[&format!("take {KEY}")]).body,
        b"NONE"
    );
}

#[test]
fn key_forms_share_one_slot_f_sh_2() {
    let site = site();
    let braced = format!("{{{}}}", KEY.to_uppercase());
    site.actions("/s/k", &[&format!("put {braced} v")]);
    let urn = format!("urn:uuid:{}", KEY.replace('-', ""));
    assert_eq!(site.actions("/s/k", &[&format!("take {urn}")]).body, b"v");
    let resp = site.actions("/s/k", &["put not-a-uuid v"]);
    assert_eq!(resp.status_code(), 500);
    assert!(error_message(&resp).contains("Invalid UUID \"not-a-uuid\" used as stash key"));
}

#[test]
fn path_scoped_by_default_f_sh_3() {
    let site = site();
    site.actions("/s/a", &[&format!("put {KEY} at-a")]);
    assert_eq!(
        site.actions("/s/b", &[&format!("take {KEY}")]).body,
        b"NONE"
    );
    // The query is not part of the scope.
    assert_eq!(
        site.actions("/s/a?x=1", &[&format!("take {KEY}")]).body,
        b"at-a"
    );
    site.actions("/s/a", &[&format!("put-at {KEY} /shared v")]);
    assert_eq!(
        site.actions("/s/b", &[&format!("take-at {KEY} /shared")])
            .body,
        b"v"
    );
}

#[test]
fn second_put_is_an_error_f_sh_4() {
    let site = site();
    site.actions("/s/w", &[&format!("put {KEY} one")]);
    let resp = site.actions("/s/w", &[&format!("put {KEY} two")]);
    assert_eq!(resp.status_code(), 500);
    assert!(error_message(&resp).contains("Tried to overwrite existing shared stash value"));
    assert_eq!(site.actions("/s/w", &[&format!("take {KEY}")]).body, b"one");
}

#[test]
fn lock_serialises_and_is_released_at_request_end_f_sh_6() {
    let site = Arc::new(site());
    let s = site.clone();
    let holder =
        std::thread::spawn(move || s.actions("/s/l", &["lock", "sleep 600", "unlock", "body A"]));
    std::thread::sleep(Duration::from_millis(150));
    let started = Instant::now();
    let resp = site.actions("/s/l", &["lock", "body B"]);
    assert_eq!(resp.body, b"B");
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        holder.join().unwrap_or_else(|_| panic!("thread")).body,
        b"A"
    );
    // A plugin that forgets to unlock (or fails) releases the lock when its request ends.
    site.actions("/s/l", &["lock", "body forgot"]);
    site.actions("/s/l", &["lock", "fail oops"]);
    let started = Instant::now();
    assert_eq!(site.actions("/s/l", &["lock", "body again"]).body, b"again");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn shared_by_all_listeners_f_sh_7() {
    let root = wpthost_tests::TempDocRoot::new();
    root.write("s/a.wasm", &support::component("test-actions"));
    root.write(
        "s/__dir__.handlers.json",
        br#"{"handlers": [{"route": "*", "component": "a.wasm"}]}"#,
    );
    let server = wpthost_tests::TestServer::start_with_config(serde_json::json!({
        "doc_root": root.path(),
        "browser_host": "localhost",
        "ports": {"http": ["auto", "auto"]},
    }));
    let ports: Vec<u16> = server.bound().iter().map(|(_, a)| a.port()).collect();
    assert_eq!(ports.len(), 2, "{ports:?}");
    let send = |port: u16, action: &str| {
        let req = format!(
            "GET /s/x HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\nX-Action: {action}\r\n\r\n"
        );
        wpthost_tests::RawResponse::parse(&wpthost_tests::raw_exchange(port, req.as_bytes()))
    };
    send(ports[0], &format!("put {KEY} across"));
    assert_eq!(send(ports[1], &format!("take {KEY}")).body, b"across");
}

#[test]
fn bounded_with_clear_errors() {
    let stash = Stash::new(StashLimits {
        max_entries: 2,
        max_total_bytes: 64,
        max_value_bytes: 32,
        entry_ttl: Duration::from_millis(100),
    });
    let key = |i: u8| format!("00000000-0000-0000-0000-0000000000{i:02x}");
    stash
        .put(&key(1), vec![1; 4], "/")
        .unwrap_or_else(|e| panic!("{e}"));
    let err = stash.put(&key(2), vec![1; 33], "/").unwrap_err();
    assert_eq!(
        err.to_string(),
        "stash value of 33 bytes exceeds the limit of 32 bytes"
    );
    stash
        .put(&key(2), vec![1; 4], "/")
        .unwrap_or_else(|e| panic!("{e}"));
    let err = stash.put(&key(3), vec![1; 4], "/").unwrap_err();
    assert_eq!(err, StashError::Full("too many entries"));
    assert!(err.to_string().starts_with("stash is full"));
    // Values expire: taking an expired one gives nothing and the room is reusable.
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(
        stash.take(&key(1), "/").unwrap_or_else(|e| panic!("{e}")),
        None
    );
    stash
        .put(&key(3), vec![1; 30], "/")
        .unwrap_or_else(|e| panic!("{e}"));
    let err = stash.put(&key(4), vec![1; 30], "/").unwrap_err();
    assert_eq!(err, StashError::Full("too many bytes"));
}
