//! Event loops (`wpthost::event_loops`): every loop listens on every port through an
//! `SO_REUSEPORT` group, so the kernel spreads connections over all of them, and the group cannot
//! be joined by a second server started on the same port.

use std::time::{Duration, Instant};
use wpthost_tests::{get, TempDocRoot, TestServer};

/// With one loop's thread wedged, the connections the kernel hands to the other loop are still
/// served at once; those queued on the wedged loop are served when it comes back. (Sixteen
/// connections all hashed to one of two listeners: one chance in 32,768.)
#[cfg(target_os = "linux")]
#[test]
fn every_loop_accepts_on_the_shared_port() {
    let root = TempDocRoot::new();
    root.write("a.txt", b"loops");
    let server = TestServer::start(root.path());
    let handles = server.loop_handles();
    assert_eq!(handles.len(), 2, "the test server runs two loops");
    let port = server.port();
    let (wedged_tx, wedged_rx) = std::sync::mpsc::channel();
    handles[0].spawn(async move {
        let _ = wedged_tx.send(());
        // Blocks the loop's only thread on purpose.
        std::thread::sleep(Duration::from_secs(3));
    });
    wedged_rx
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("loop 0 never ran the task: {e}"));
    let started = Instant::now();
    let clients: Vec<_> = (0..16)
        .map(|_| {
            std::thread::spawn(move || {
                let resp = get(port, "/a.txt");
                (resp.body, started.elapsed())
            })
        })
        .collect();
    let mut times = Vec::new();
    for client in clients {
        let (body, took) = client.join().unwrap_or_else(|_| panic!("client thread"));
        assert_eq!(body, b"loops");
        times.push(took);
    }
    times.sort();
    assert!(
        times[0] < Duration::from_millis(1500),
        "no connection was served while loop 0 was wedged: {times:?}"
    );
}

/// A second server on a port the first one's loops share fails to start with "address in use",
/// rather than joining the group and taking part of the first one's connections.
#[test]
fn a_second_server_on_the_same_port_is_refused() {
    let root = TempDocRoot::new();
    root.write("a.txt", b"first");
    let first = TestServer::start(root.path());
    let port = first.port();
    let mut config = (*first.config).clone();
    config.ports.insert("http".to_owned(), vec![port]);
    let second = std::panic::catch_unwind(|| TestServer::start_config(config));
    let message = match second {
        Ok(_) => panic!("a second server started on port {port}"),
        Err(panic) => panic
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default()
            .to_lowercase(),
    };
    assert!(
        message.contains(&port.to_string()) && message.contains("in use"),
        "{message}"
    );
    for _ in 0..8 {
        assert_eq!(get(port, "/a.txt").body, b"first");
    }
}
