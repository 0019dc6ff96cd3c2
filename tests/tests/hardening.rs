//! Limits that make the server safe to expose: streamed ranges (F-RG-1..3, F-RG-7), the
//! connection cap (`wpthost.max_connections`) and the whole-body deadline
//! (`wpthost.request_body_timeout_ms`).

use std::io::{Read, Write};
use std::time::{Duration, Instant};
use wpthost_tests::{connect, read_to_close, RawConnection, TempDocRoot, TestServer};

fn server_with(root: &TempDocRoot, wpthost: serde_json::Value) -> TestServer {
    TestServer::start_with_config(serde_json::json!({
        "doc_root": root.path(),
        "wpthost": wpthost,
    }))
}

/// 2 MiB that differ at every offset modulo 251, so a misplaced slice is visible.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn get_range(port: u16, target: &str, range: &str, close: bool) -> Vec<u8> {
    format!(
        "GET {target} HTTP/1.1\r\nHost: localhost:{port}\r\nRange: {range}\r\n{}\r\n",
        if close { "Connection: close\r\n" } else { "" }
    )
    .into_bytes()
}

/// Resident memory of this process (the server runs in it), in bytes.
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// A 256 MiB file that takes no disk space (a hole reading as zeros).
fn sparse_root(size: u64) -> TempDocRoot {
    let root = TempDocRoot::new();
    let path = root.write("big.bin", b"");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open big.bin");
    file.set_len(size).expect("sparse file");
    root
}

/// Four clients send `request` at once and read only the response head; the server's memory must
/// barely move (loading the body would cost 4 x 256 MiB). Returns the heads.
fn heads_without_reading_bodies(port: u16, request: &[u8]) -> Vec<wpthost_tests::RawResponse> {
    let before = rss_bytes();
    let mut clients = Vec::new();
    for _ in 0..4 {
        let mut c = RawConnection::open(port);
        c.send(request);
        clients.push(c);
    }
    let heads: Vec<_> = clients.iter_mut().map(|c| c.read_head_only()).collect();
    std::thread::sleep(Duration::from_millis(300));
    let grown = rss_bytes().saturating_sub(before);
    assert!(
        grown < 96 * 1024 * 1024,
        "server memory grew by {} MiB serving 4 large bodies",
        grown / (1024 * 1024)
    );
    heads
}

/// F-RG-1/F-RG-2: `Range: bytes=0-` on a large file, several clients at once, none reading its
/// body: the server streams each range instead of loading it, and each 206 is framed by
/// Content-Length as in wptserve.
#[test]
fn f_rg_1_concurrent_open_ranges_on_a_large_file_are_streamed_not_loaded() {
    let root = sparse_root(256 * 1024 * 1024);
    let server = server_with(&root, serde_json::json!({}));
    let port = server.port();
    let request = get_range(port, "/big.bin", "bytes=0-", true);
    for head in heads_without_reading_bodies(port, &request) {
        assert_eq!(head.status_line, "HTTP/1.1 206 Partial Content");
        assert_eq!(
            head.header_str("Content-Range").as_deref(),
            Some("bytes 0-268435455/268435456")
        );
        assert_eq!(
            head.header_str("Content-Length").as_deref(),
            Some("268435456")
        );
    }
}

/// F-PP-3: `slice` of a large static file is a range of the file on disk, not a loaded copy; the
/// framing is wptserve's for a sliced body (Content-Length).
#[test]
fn f_pp_3_slice_of_a_large_file_is_streamed_not_loaded() {
    let root = sparse_root(256 * 1024 * 1024);
    let server = server_with(&root, serde_json::json!({}));
    let port = server.port();
    let request = format!(
        "GET /big.bin?pipe=slice(1) HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"
    );
    for head in heads_without_reading_bodies(port, request.as_bytes()) {
        assert_eq!(head.status_line, "HTTP/1.1 200 OK");
        assert_eq!(head.header_all("Content-Length"), vec![&b"268435455"[..]],);
    }
}

/// F-PP-3 byte for byte on a streamed file, also after a streamed range (F-RG-7) and with a
/// second slice that slices the first.
#[test]
fn f_pp_3_slice_of_a_large_file_is_exact() {
    let data = pattern(2 * 1024 * 1024);
    let root = TempDocRoot::new();
    root.write("big.bin", &data);
    let server = server_with(&root, serde_json::json!({}));
    let port = server.port();
    for (target, range, expected) in [
        (
            "/big.bin?pipe=slice(300000,-1000)",
            None,
            &data[300000..data.len() - 1000],
        ),
        ("/big.bin?pipe=slice(-5)", None, &data[data.len() - 5..]),
        ("/big.bin?pipe=slice(500000,400000)", None, &data[0..0]),
        (
            "/big.bin?pipe=slice(10,600000)|slice(5,7)",
            None,
            &data[15..17],
        ),
        (
            "/big.bin?pipe=slice(-20)",
            Some("bytes=300000-"),
            &data[data.len() - 20..],
        ),
    ] {
        let mut c = RawConnection::open(port);
        let req = match range {
            Some(r) => get_range(port, target, r, false),
            None => format!("GET {target} HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").into_bytes(),
        };
        c.send(&req);
        let r = c.read_response();
        assert_eq!(
            r.header_str("Content-Length"),
            Some(expected.len().to_string()),
            "{target}"
        );
        assert!(r.body == expected, "{target}: body differs");
        // Framed, so the connection stays usable (F-H1-2).
        c.send(format!("GET /missing HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").as_bytes());
        assert_eq!(c.read_response().status_code(), 404, "{target}");
    }
}

/// F-RG-1/F-RG-2 byte for byte above the in-memory threshold: an open range and a suffix range,
/// Content-Length framing, and the connection kept alive for the next request (F-H1-2).
#[test]
fn f_rg_1_2_streamed_single_range_is_exact_and_keeps_alive() {
    let data = pattern(2 * 1024 * 1024);
    let root = TempDocRoot::new();
    root.write("big.bin", &data);
    let server = server_with(&root, serde_json::json!({}));
    let port = server.port();
    let mut c = RawConnection::open(port);
    c.send(&get_range(port, "/big.bin", "bytes=1000-", false));
    let r = c.read_response();
    assert_eq!(r.status_line, "HTTP/1.1 206 Partial Content");
    assert_eq!(
        r.header_str("Content-Range").as_deref(),
        Some("bytes 1000-2097151/2097152")
    );
    assert_eq!(r.body.len(), data.len() - 1000);
    assert!(r.body == data[1000..], "open range body differs");
    c.send(&get_range(port, "/big.bin", "bytes=-300000", true));
    let r = c.read_response();
    assert_eq!(
        r.header_str("Content-Range").as_deref(),
        Some("bytes 1797152-2097151/2097152")
    );
    assert!(r.body == data[data.len() - 300000..], "suffix body differs");
}

/// F-RG-3 above the in-memory threshold: a streamed multipart/byteranges body has exactly
/// wptserve's layout, no Content-Length, and closes (F-H1-3).
#[test]
fn f_rg_3_streamed_multipart_is_exact() {
    let data = pattern(2 * 1024 * 1024);
    let root = TempDocRoot::new();
    root.write("big.txt", &data);
    let server = server_with(&root, serde_json::json!({}));
    let port = server.port();
    let raw = wpthost_tests::raw_exchange(
        port,
        &get_range(port, "/big.txt", "bytes=600000-1199999, 5-9", true),
    );
    let r = wpthost_tests::RawResponse::parse(&raw);
    assert_eq!(r.status_line, "HTTP/1.1 206 Partial Content");
    assert!(r.header("Content-Length").is_none());
    assert_multipart(&r, &data, &[(5, 9), (600000, 1199999)], "text/plain");
}

/// wptserve's multipart/byteranges layout (F-RG-3) of `spans` of `data`, byte for byte.
fn assert_multipart(
    r: &wpthost_tests::RawResponse,
    data: &[u8],
    spans: &[(usize, usize)],
    part_type: &str,
) {
    let ct = r.header_str("Content-Type").unwrap_or_default();
    let boundary = ct
        .strip_prefix("multipart/byteranges; boundary=")
        .unwrap_or_else(|| panic!("content type {ct:?}"));
    let mut expected = Vec::new();
    for &(a, b) in spans {
        expected.extend_from_slice(
            format!(
                "\r\n--{boundary}\r\nContent-Type: {part_type}\r\nContent-Range: bytes {a}-{b}/{}\r\n\r\n",
                data.len()
            )
            .as_bytes(),
        );
        expected.extend_from_slice(&data[a..=b]);
    }
    expected.extend_from_slice(format!("\r\n--{boundary}--").as_bytes());
    assert_eq!(r.body.len(), expected.len());
    assert!(r.body == expected, "multipart body differs");
}

/// F-RG-3, streamed with thousands of small parts (each part head made as it is written; parts
/// read through one moving window): still exactly wptserve's layout.
#[test]
fn f_rg_3_streamed_multipart_with_many_small_parts_is_exact() {
    let data = pattern(2 * 1024 * 1024);
    let root = TempDocRoot::new();
    root.write("big.bin", &data);
    let server = server_with(&root, serde_json::json!({}));
    let port = server.port();
    let spans: Vec<(usize, usize)> = (0..3000).map(|i| (i * 699, i * 699 + 4)).collect();
    let spec: Vec<String> = spans.iter().map(|(a, b)| format!("{a}-{b}")).collect();
    let raw = wpthost_tests::raw_exchange(
        port,
        &get_range(port, "/big.bin", &format!("bytes={}", spec.join(",")), true),
    );
    let r = wpthost_tests::RawResponse::parse(&raw);
    assert_eq!(r.status_line, "HTTP/1.1 206 Partial Content");
    assert_multipart(&r, &data, &spans, "application/octet-stream");
}

/// F-RG-7: body pipes act on exactly the ranged bytes of a streamed range.
#[test]
fn f_rg_7_pipes_see_the_streamed_range() {
    let data = pattern(2 * 1024 * 1024);
    let root = TempDocRoot::new();
    root.write("big.bin", &data);
    let server = server_with(&root, serde_json::json!({}));
    let port = server.port();
    let raw = wpthost_tests::raw_exchange(
        port,
        &get_range(port, "/big.bin?pipe=slice(2,12)", "bytes=700000-", true),
    );
    let r = wpthost_tests::RawResponse::parse(&raw);
    assert_eq!(r.status_line, "HTTP/1.1 206 Partial Content");
    assert_eq!(r.body, data[700002..700012].to_vec());
    assert_eq!(r.header_str("Content-Length").as_deref(), Some("10"));
}

/// `wpthost.max_connections`: beyond the cap a client is not accepted (it waits in the listen
/// backlog) until a busy connection ends; then it is served normally. (The two connections are busy
/// in the middle of a request head: idle ones would give up their slots, see the next test.)
#[test]
fn max_connections_makes_excess_clients_wait_until_a_slot_frees() {
    let root = TempDocRoot::new();
    let server = server_with(&root, serde_json::json!({"max_connections": 2}));
    let port = server.port();
    let req = format!("GET /missing HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").into_bytes();
    let mut first = RawConnection::open(port);
    first.send(b"GET /missing HTTP/1.1\r\n");
    let mut second = RawConnection::open(port);
    second.send(b"GET /missing HTTP/1.1\r\n");

    let mut third = connect(port);
    third.write_all(&req).expect("third request");
    third
        .set_read_timeout(Some(Duration::from_millis(800)))
        .expect("timeout");
    let mut buf = [0u8; 64];
    match third.read(&mut buf) {
        Ok(n) => panic!(
            "third connection served past the cap: {:?}",
            String::from_utf8_lossy(&buf[..n])
        ),
        Err(e) => assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "third connection: {e}"
        ),
    }
    drop(first);
    let started = Instant::now();
    third
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let n = third.read(&mut buf).expect("third connection answered");
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 404"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(second);
}

#[test]
fn max_connections_zero_is_a_config_error_naming_the_key() {
    let root = TempDocRoot::new();
    let err = wpthost::config::Config::from_json(
        serde_json::json!({"doc_root": root.path(), "wpthost": {"max_connections": 0}}),
        root.path(),
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(err.contains("wpthost.max_connections"), "{err}");
}

/// `wpthost.request_body_timeout_ms`: a body that keeps trickling in (each read well inside the
/// idle timeout) is cut off as a whole with 408, and the connection closes.
#[test]
fn slow_request_body_gets_408_at_the_whole_body_deadline() {
    let root = TempDocRoot::new();
    let server = server_with(&root, serde_json::json!({"request_body_timeout_ms": 1000}));
    let port = server.port();
    let mut stream = connect(port);
    stream
        .write_all(
            format!(
                "POST /missing HTTP/1.1\r\nHost: localhost:{port}\r\nContent-Length: 1000\r\n\r\n"
            )
            .as_bytes(),
        )
        .expect("head");
    let mut writer = stream.try_clone().expect("clone");
    let trickler = std::thread::spawn(move || {
        // 1 byte per 100 ms would take 100 s; stop after 8 s either way.
        for _ in 0..80 {
            if writer.write_all(b"x").is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let started = Instant::now();
    let raw = read_to_close(&mut stream, Duration::from_secs(6));
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&raw).into_owned();
    assert!(text.starts_with("HTTP/1.1 408 "), "{text:?}");
    assert!(text.contains("Connection: close\r\n"), "{text:?}");
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(5),
        "answered after {elapsed:?}"
    );
    let _ = trickler.join();
}

/// The listen backlog holds a burst of clients the server has not accepted yet (here: all of them,
/// past `max_connections`). With std's default backlog of 128 the kernel drops the handshakes
/// beyond it and those clients stall for a SYN retransmit (1 s and more); wptserve asks for 2,000.
#[test]
fn listen_backlog_holds_a_burst_of_400_unaccepted_clients() {
    let root = TempDocRoot::new();
    let server = server_with(&root, serde_json::json!({"max_connections": 1}));
    let port = server.port();
    let req = format!("GET /missing HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").into_bytes();
    let mut holder = RawConnection::open(port);
    holder.send(&req);
    assert_eq!(holder.read_response().status_code(), 404);

    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut waiting = Vec::new();
    let mut stalled = 0;
    for _ in 0..400 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(400)) {
            Ok(stream) => waiting.push(stream),
            Err(_) => stalled += 1,
        }
    }
    assert_eq!(stalled, 0, "{stalled} of 400 handshakes were dropped");
    drop(waiting);
    drop(holder);
}

/// At `max_connections`, kept-alive connections that sit idle between requests are closed so that a
/// waiting client is served (instead of waiting for the 120 s idle timeout): a client that opens
/// connections and leaves them idle cannot lock everyone else out.
#[test]
fn idle_kept_alive_connections_give_their_slot_to_a_waiting_client() {
    let root = TempDocRoot::new();
    root.write("a.txt", b"hello");
    let server = server_with(
        &root,
        serde_json::json!({"max_connections": 2, "static_content_length": true}),
    );
    let port = server.port();
    let req = format!("GET /a.txt HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").into_bytes();
    let mut idle = Vec::new();
    for _ in 0..2 {
        let mut c = RawConnection::open(port);
        c.send(&req);
        assert_eq!(c.read_response().body, b"hello");
        idle.push(c);
    }
    let started = Instant::now();
    let mut third = RawConnection::open(port);
    third.send(&req);
    assert_eq!(third.read_response().body, b"hello");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // An idle one made room: closed cleanly, between responses. (Which ones close is a race
    // between the idle connections, the third one included once it is idle.)
    let closed = idle
        .iter_mut()
        .filter_map(|c| c.closed_within(Duration::from_secs(2)).then_some(()))
        .count();
    assert!(closed >= 1, "no idle connection was closed");
}
