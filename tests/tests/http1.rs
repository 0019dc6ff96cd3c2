//! HTTP/1.1 connection handling on the wire (F-H1-1..17), raw sockets throughout.
//!
//! Most tests use responses whose bytes the core alone decides: `POST` matches no route of the
//! standalone route table (`GET *.asis`, `GET *`), so it gets F-RT-5's JSON 404 with message "" and a
//! Content-Length — a keep-alive-able response without any handler involved.

use std::time::{Duration, Instant};
use wpthost_tests::{get, raw_exchange, RawConnection, RawResponse, TempDocRoot, TestServer};

const NO_ROUTE_BODY: &[u8] = b"{\"error\": {\"code\": 404, \"message\": \"\"}}";

fn doc_root() -> TempDocRoot {
    let root = TempDocRoot::new();
    root.write("document.txt", b"This is a test document\n");
    root.mkdir("subdir");
    root.write("subdir/file.txt", b"in subdir\n");
    root
}

fn server(root: &TempDocRoot) -> TestServer {
    TestServer::start(root.path())
}

fn server_with(root: &TempDocRoot, wpthost: serde_json::Value) -> TestServer {
    TestServer::start_with_config(serde_json::json!({
        "doc_root": root.path(),
        "wpthost": wpthost,
    }))
}

fn post(path: &str) -> Vec<u8> {
    format!("POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n").into_bytes()
}

fn assert_no_route_404(resp: &RawResponse) {
    assert_eq!(resp.status_line, "HTTP/1.1 404 Not Found");
    assert_eq!(resp.body, NO_ROUTE_BODY);
    assert_eq!(resp.header("Content-Length"), Some(&b"39"[..]));
}

#[test]
fn f_h1_1_f_h1_16_f_rt_5_status_line_and_header_bytes() {
    let root = doc_root();
    let s = server(&root);
    // HTTP/1.0 request, HTTP/1.1 status line (F-H1-1).
    let raw = raw_exchange(s.port(), b"POST /x HTTP/1.0\r\n\r\n");
    let text = String::from_utf8_lossy(&raw).into_owned();
    assert!(
        text.starts_with(
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 39\r\nServer: "
        ),
        "{text}"
    );
    let resp = RawResponse::parse(&raw);
    assert_eq!(
        resp.header_names(),
        vec!["Content-Type", "Content-Length", "Server", "Date"]
    );
    // F-H1-16: an RFC 1123 date in GMT.
    let date = resp.header_str("Date").unwrap_or_default();
    assert!(date.ends_with(" GMT") && date.len() == 29, "{date}");
    assert!(httpdate_like(&date), "{date}");
    assert_eq!(resp.body, NO_ROUTE_BODY);
}

fn httpdate_like(date: &str) -> bool {
    // "Sun, 06 Nov 1994 08:49:37 GMT"
    let b = date.as_bytes();
    b[3] == b',' && b[4] == b' ' && b[7] == b' ' && b[11] == b' ' && b[16] == b' ' && b[19] == b':'
}

#[test]
fn f_h1_2_keep_alive_serves_several_requests_on_one_socket() {
    let root = doc_root();
    let s = server(&root);
    let mut conn = RawConnection::open(s.port());
    for i in 0..3 {
        conn.send(&post(&format!("/k{i}")));
        assert_no_route_404(&conn.read_response());
    }
    assert!(!conn.closed_within(Duration::from_millis(200)));
}

#[test]
fn f_h1_3_static_file_without_content_length_closes() {
    let root = doc_root();
    let s = server(&root);
    // Two pipelined requests: the first response has no Content-Length, so only it is answered.
    let raw = raw_exchange(
        s.port(),
        b"GET /document.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /document.txt HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    let resp = RawResponse::parse(&raw);
    assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
    assert_eq!(resp.header("Content-Length"), None);
    assert_eq!(resp.body, b"This is a test document\n");
}

#[test]
fn static_content_length_switch_keeps_file_responses_alive() {
    let root = doc_root();
    let s = server_with(&root, serde_json::json!({"static_content_length": true}));
    let mut conn = RawConnection::open(s.port());
    conn.send(b"GET /document.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /document.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    for _ in 0..2 {
        let resp = conn.read_response();
        assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
        assert_eq!(resp.header("Content-Length"), Some(&b"24"[..]));
        assert_eq!(resp.body, b"This is a test document\n");
    }
}

#[test]
fn f_h1_4_pipelined_requests_answered_in_order() {
    let root = doc_root();
    let s = server(&root);
    let mut conn = RawConnection::open(s.port());
    // POST (no route, message ""), HEAD (GET route, no body, F-RS-10), GET of a missing file.
    conn.send(
        b"POST /a HTTP/1.1\r\nHost: x\r\n\r\n\
          HEAD /missing HTTP/1.1\r\nHost: x\r\n\r\n\
          GET /missing HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert_no_route_404(&conn.read_response());
    let head = conn.read_head_only();
    assert_eq!(head.status_line, "HTTP/1.1 404 Not Found");
    assert_eq!(head.header("Content-Length"), Some(&b"42"[..]));
    let get = conn.read_response();
    assert_eq!(
        get.body,
        b"{\"error\": {\"code\": 404, \"message\": \"404\"}}"
    );
}

#[test]
fn f_h1_5_http10_closes_unless_keep_alive() {
    let root = doc_root();
    let s = server(&root);
    let mut conn = RawConnection::open(s.port());
    conn.send(b"POST /a HTTP/1.0\r\n\r\nPOST /b HTTP/1.0\r\n\r\n");
    assert_no_route_404(&conn.read_response());
    assert!(conn.closed_within(Duration::from_secs(5)));

    let mut conn = RawConnection::open(s.port());
    conn.send(b"POST /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_no_route_404(&conn.read_response());
    conn.send(b"POST /b HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    assert_no_route_404(&conn.read_response());
    assert!(!conn.closed_within(Duration::from_millis(200)));
}

#[test]
fn f_h1_6_connection_close_request_header() {
    let root = doc_root();
    let s = server(&root);
    let mut conn = RawConnection::open(s.port());
    conn.send(b"POST /a HTTP/1.1\r\nConnection: close\r\n\r\nPOST /b HTTP/1.1\r\n\r\n");
    assert_no_route_404(&conn.read_response());
    assert!(conn.closed_within(Duration::from_secs(5)));
}

#[test]
fn f_h1_7_chunked_request_body_is_decoded_not_parsed_as_a_request() {
    let root = doc_root();
    let s = server(&root);
    let mut conn = RawConnection::open(s.port());
    conn.send(
        b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
          3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: t\r\n\r\n\
          POST /d HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert_no_route_404(&conn.read_response());
    assert_no_route_404(&conn.read_response());
}

#[test]
fn f_h1_7_malformed_chunk_is_400() {
    let root = doc_root();
    let s = server(&root);
    let raw = raw_exchange(
        s.port(),
        b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    );
    let resp = RawResponse::parse(&raw);
    assert_eq!(resp.status_line, "HTTP/1.1 400 Bad Request");
    assert_eq!(resp.header("Connection"), Some(&b"close"[..]));
    let raw = raw_exchange(
        s.port(),
        b"POST /c HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
    );
    assert_eq!(RawResponse::parse(&raw).status_code(), 400);
    let raw = raw_exchange(
        s.port(),
        b"POST /c HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    );
    assert_eq!(RawResponse::parse(&raw).status_code(), 400);
}

/// After a 413 the client may still be sending its body: the server keeps reading (lingers) after
/// its answer, so the late body bytes do not make the kernel reset the connection and destroy the
/// 413 before the client has read it.
#[test]
fn late_body_bytes_after_413_do_not_reset_the_answer() {
    use std::io::{Read, Write};
    let root = doc_root();
    let s = server_with(&root, serde_json::json!({"max_body_bytes": 10}));
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", s.port())).expect("connect");
    stream
        .write_all(b"POST /c HTTP/1.1\r\nContent-Length: 400000\r\n\r\n")
        .expect("head");
    // The answer is out by now; the body keeps coming after it.
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..10 {
        if stream.write_all(&[b'x'; 40_000]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut raw = Vec::new();
    let read = stream.read_to_end(&mut raw);
    assert!(read.is_ok(), "reading the answer failed: {read:?}");
    assert_eq!(RawResponse::parse(&raw).status_code(), 413);
}

#[test]
fn request_body_over_max_body_bytes_is_413() {
    let root = doc_root();
    let s = server_with(&root, serde_json::json!({"max_body_bytes": 10}));
    let raw = raw_exchange(s.port(), b"POST /c HTTP/1.1\r\nContent-Length: 11\r\n\r\n");
    let resp = RawResponse::parse(&raw);
    assert_eq!(resp.status_line, "HTTP/1.1 413 Request Entity Too Large");
    assert_eq!(resp.header("Connection"), Some(&b"close"[..]));
    let raw = raw_exchange(
        s.port(),
        b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nabcdef\r\n0\r\n\r\n",
    );
    assert_eq!(RawResponse::parse(&raw).status_code(), 413);
    // Exactly the limit is fine.
    let mut conn = RawConnection::open(s.port());
    conn.send(b"POST /c HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789");
    assert_no_route_404(&conn.read_response());
}

#[test]
fn f_h1_8_unread_body_is_drained_before_the_next_request() {
    let root = doc_root();
    let s = server(&root);
    let mut conn = RawConnection::open(s.port());
    conn.send(b"POST /p HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello worldPOST /q HTTP/1.1\r\n\r\n");
    assert_no_route_404(&conn.read_response());
    assert_no_route_404(&conn.read_response());
}

#[test]
fn f_h1_9_expect_100_continue_before_the_body() {
    let root = doc_root();
    let s = server(&root);
    let mut conn = RawConnection::open(s.port());
    conn.send(b"POST /e HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    let interim = conn.read_head_only();
    assert_eq!(interim.status_line, "HTTP/1.1 100 Continue");
    assert!(interim.headers.is_empty());
    conn.send(b"hello");
    assert_no_route_404(&conn.read_response());
}

fn assert_malformed(port: u16, request: &[u8], status_line: &str) {
    let started = Instant::now();
    let raw = raw_exchange(port, request);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "server hung on {request:?}"
    );
    let resp = RawResponse::parse(&raw);
    assert_eq!(resp.status_line, status_line, "for {request:?}");
    assert_eq!(resp.header("Connection"), Some(&b"close"[..]));
    let len: usize = resp
        .header_str("Content-Length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX);
    assert_eq!(len, resp.body.len());
    assert!(resp.header("Server").is_some() && resp.header("Date").is_some());
}

#[test]
fn f_h1_10_malformed_requests_get_a_real_status_line() {
    let root = doc_root();
    let s = server(&root);
    let p = s.port();
    assert_malformed(p, b"GARBAGE\r\n\r\n", "HTTP/1.1 400 Bad Request");
    assert_malformed(p, b"GET / x HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request");
    assert_malformed(p, b"GET / FOO/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request");
    assert_malformed(p, b"GET / HTTP/1\r\n\r\n", "HTTP/1.1 400 Bad Request");
    assert_malformed(
        p,
        b"GET / HTTP/2.0\r\n\r\n",
        "HTTP/1.1 505 HTTP Version Not Supported",
    );
    assert_malformed(
        p,
        b"GET / HTTP/3.1\r\n\r\n",
        "HTTP/1.1 505 HTTP Version Not Supported",
    );
    // HTTP/0.9-style two-word line: 400 rather than waiting.
    assert_malformed(p, b"GET /x\r\n\r\n", "HTTP/1.1 400 Bad Request");
    assert_malformed(
        p,
        b"\x00\xff\x16\x03\x01 junk\r\n\r\n",
        "HTTP/1.1 400 Bad Request",
    );
}

#[test]
fn f_h1_10_tls_hello_on_plain_port_does_not_hang() {
    let root = doc_root();
    let s = server_with(&root, serde_json::json!({"request_head_timeout_ms": 500}));
    // A TLS ClientHello has no line ending: the head never completes, the timeout cuts it off.
    let started = Instant::now();
    let raw = raw_exchange(s.port(), b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(RawResponse::parse(&raw).status_code(), 408);
}

#[test]
fn f_h1_11_request_line_over_65536_bytes_is_414_json() {
    let root = doc_root();
    let s = server(&root);
    let mut req = b"GET /".to_vec();
    req.extend(std::iter::repeat_n(b'a', 65536));
    req.extend_from_slice(b" HTTP/1.1\r\n\r\n");
    let resp = RawResponse::parse(&raw_exchange(s.port(), &req));
    assert_eq!(resp.status_line, "HTTP/1.1 414 Request-URI Too Long");
    assert_eq!(
        resp.body,
        b"{\"error\": {\"code\": 414, \"message\": \"\"}}"
    );
    // Same header block as wptserve (which also closes, without saying so).
    assert_eq!(
        resp.header_names(),
        vec!["Content-Type", "Content-Length", "Server", "Date"]
    );
    assert_eq!(resp.header("Content-Length"), Some(&b"39"[..]));
}

#[test]
fn f_h1_11_header_limits_are_431() {
    let root = doc_root();
    let s = server(&root);
    let mut many = b"POST / HTTP/1.1\r\n".to_vec();
    // Python counts the blank line against the limit of 512: 512 header lines are too many.
    for i in 0..512 {
        many.extend_from_slice(format!("X-H{i}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    let resp = RawResponse::parse(&raw_exchange(s.port(), &many));
    assert_eq!(
        resp.status_line,
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    assert!(
        resp.body_str().contains("Too many headers"),
        "{}",
        resp.body_str()
    );
    assert_eq!(resp.header("Connection"), Some(&b"close"[..]));

    let mut long = b"POST / HTTP/1.1\r\nX-Long: ".to_vec();
    long.extend(std::iter::repeat_n(b'v', 65536));
    long.extend_from_slice(b"\r\n\r\n");
    let resp = RawResponse::parse(&raw_exchange(s.port(), &long));
    assert_eq!(resp.status_code(), 431);

    // 511 are fine.
    let mut ok = b"POST / HTTP/1.1\r\n".to_vec();
    for i in 0..511 {
        ok.extend_from_slice(format!("X-H{i}: v\r\n").as_bytes());
    }
    ok.extend_from_slice(b"\r\n");
    let mut conn = RawConnection::open(s.port());
    conn.send(&ok);
    assert_no_route_404(&conn.read_response());
}

#[test]
fn f_h1_11_header_line_without_colon_is_ignored() {
    let root = doc_root();
    let s = server(&root);
    let mut conn = RawConnection::open(s.port());
    conn.send(b"POST /a HTTP/1.1\r\nHost: x\r\nthis line has no colon\r\nX-After: 1\r\n\r\n");
    assert_no_route_404(&conn.read_response());
}

#[test]
fn f_h1_12_method_token_is_case_sensitive_and_any_token_is_accepted() {
    let root = doc_root();
    let s = server(&root);
    let mut conn = RawConnection::open(s.port());
    for req in [
        &b"get /document.txt HTTP/1.1\r\n\r\n"[..],
        b"FROBNICATE /document.txt HTTP/1.1\r\n\r\n",
        b"OPTIONS * HTTP/1.1\r\n\r\n",
        b"POST /document.txt HTTP/1.1\r\n\r\n",
    ] {
        conn.send(req);
        assert_no_route_404(&conn.read_response());
    }
}

#[test]
fn f_h1_13_connect_answers_200_and_keeps_parsing() {
    let root = doc_root();
    let s = server(&root);
    let mut conn = RawConnection::open(s.port());
    conn.send(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    let resp = conn.read_head_only();
    assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
    assert_eq!(resp.header_names(), vec!["Server", "Date"]);
    conn.send(&post("/after-connect"));
    assert_no_route_404(&conn.read_response());
}

#[test]
fn f_h1_14_f_h1_15_request_url_from_target_and_host() {
    // The directory redirect's Location is built from request.url (F-DL-1), which shows the
    // absolute-form target and the Host header handling.
    let root = doc_root();
    let s = server(&root);
    let p = s.port();
    let location = |req: String| {
        let resp = RawResponse::parse(&raw_exchange(p, req.as_bytes()));
        assert_eq!(resp.status_code(), 301, "{req}");
        resp.header_str("Location").unwrap_or_default()
    };
    assert_eq!(
        location("GET http://example.org:9999/subdir HTTP/1.1\r\nHost: other\r\n\r\n".into()),
        "http://example.org:9999/subdir/"
    );
    assert_eq!(
        location("GET /subdir HTTP/1.1\r\nHost: web-platform.test\r\n\r\n".into()),
        format!("http://web-platform.test:{p}/subdir/")
    );
    assert_eq!(
        location("GET /subdir HTTP/1.1\r\nHost: web-platform.test:81\r\n\r\n".into()),
        "http://web-platform.test:81/subdir/"
    );
    assert_eq!(
        location("GET /subdir HTTP/1.0\r\n\r\n".into()),
        format!("http://127.0.0.1:{p}/subdir/")
    );
}

#[test]
fn f_h1_17_latency_delays_every_request() {
    let root = doc_root();
    let s = server_with(&root, serde_json::json!({"latency_ms": 300}));
    let mut conn = RawConnection::open(s.port());
    for _ in 0..2 {
        let started = Instant::now();
        conn.send(&post("/slow"));
        assert_no_route_404(&conn.read_response());
        assert!(started.elapsed() >= Duration::from_millis(290));
    }
}

#[test]
fn f_rs_10_head_sends_length_without_body_and_keeps_alive() {
    let root = doc_root();
    let s = server(&root);
    let mut conn = RawConnection::open(s.port());
    conn.send(b"HEAD /missing HTTP/1.1\r\nHost: x\r\n\r\n");
    let head = conn.read_head_only();
    assert_eq!(head.header("Content-Length"), Some(&b"42"[..]));
    conn.send(&post("/next"));
    // If the HEAD response had carried a body, it would show up in front of this response.
    assert_no_route_404(&conn.read_response());
}

#[test]
fn slow_request_head_is_cut_off_with_408() {
    let root = doc_root();
    let s = server_with(&root, serde_json::json!({"request_head_timeout_ms": 300}));
    let mut conn = RawConnection::open(s.port());
    conn.send(b"POST /a HTTP/1.1\r\nHost: x\r\n");
    let started = Instant::now();
    let resp = conn.read_response();
    assert_eq!(resp.status_line, "HTTP/1.1 408 Request Timeout");
    assert!(conn.closed_within(Duration::from_secs(5)));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let root = doc_root();
    let s = server_with(&root, serde_json::json!({"idle_timeout_ms": 300}));
    let mut conn = RawConnection::open(s.port());
    conn.send(&post("/a"));
    assert_no_route_404(&conn.read_response());
    let started = Instant::now();
    assert!(conn.closed_within(Duration::from_secs(5)));
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
}

#[test]
fn silent_client_is_cut_off_without_a_response() {
    let root = doc_root();
    let s = server_with(&root, serde_json::json!({"request_head_timeout_ms": 300}));
    let mut conn = RawConnection::open(s.port());
    assert!(conn.closed_within(Duration::from_secs(5)));
    assert!(conn.pending.is_empty());
}

#[test]
fn byte_at_a_time_request_is_assembled() {
    let root = doc_root();
    let s = server(&root);
    let mut conn = RawConnection::open(s.port());
    for b in post("/slowly").iter() {
        conn.send(&[*b]);
    }
    assert_no_route_404(&conn.read_response());
}

#[test]
fn get_helper_and_shutdown() {
    let root = doc_root();
    let s = server(&root);
    let port = s.port();
    let resp = get(port, "/document.txt");
    assert_eq!(resp.status_code(), 200);
    s.stop();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

fn big_file(root: &TempDocRoot) -> Vec<u8> {
    // Larger than one read of the file streamer, with content that shows misordered chunks.
    let data: Vec<u8> = (0..1_100_000u32).map(|i| (i % 251) as u8).collect();
    root.write("big.bin", &data);
    data
}

#[test]
fn f_st_2_large_file_is_streamed_whole_and_closes() {
    let root = doc_root();
    let data = big_file(&root);
    let s = server(&root);
    let resp = RawResponse::parse(&raw_exchange(
        s.port(),
        b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n",
    ));
    assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
    assert_eq!(resp.header("Content-Length"), None);
    assert!(
        resp.body == data,
        "body differs ({} bytes)",
        resp.body.len()
    );
}

#[test]
fn large_file_with_static_content_length_keeps_alive() {
    let root = doc_root();
    let data = big_file(&root);
    let s = server_with(&root, serde_json::json!({"static_content_length": true}));
    let mut conn = RawConnection::open(s.port());
    conn.send(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\nHEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
    let first = conn.read_response();
    assert_eq!(
        first.header_str("Content-Length"),
        Some(data.len().to_string())
    );
    assert!(first.body == data);
    let head = conn.read_head_only();
    assert_eq!(
        head.header_str("Content-Length"),
        Some(data.len().to_string())
    );
    conn.send(&post("/after"));
    assert_no_route_404(&conn.read_response());
}

#[test]
fn f_rs_10_head_of_a_static_file_has_no_body() {
    let root = doc_root();
    let s = server(&root);
    let raw = raw_exchange(s.port(), b"HEAD /document.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    let resp = RawResponse::parse(&raw);
    assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
    assert!(resp.body.is_empty());
}

#[test]
fn every_configured_http_port_serves_the_same_root() {
    let root = doc_root();
    let s = TestServer::start_with_config(serde_json::json!({
        "doc_root": root.path(),
        "ports": {"http": ["auto", "auto"]},
    }));
    let ports: Vec<u16> = s.bound().iter().map(|(_, a)| a.port()).collect();
    assert_eq!(ports.len(), 2);
    assert_ne!(ports[0], ports[1]);
    for port in ports {
        let resp = get(port, "/document.txt");
        assert_eq!(resp.body, b"This is a test document\n");
    }
}

#[test]
fn shutdown_ends_kept_alive_connections() {
    let root = doc_root();
    let s = server(&root);
    let mut conn = RawConnection::open(s.port());
    conn.send(&post("/a"));
    assert_no_route_404(&conn.read_response());
    let started = Instant::now();
    s.stop();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(conn.closed_within(Duration::from_secs(5)));
}

#[tokio::test(flavor = "multi_thread")]
async fn harness_works_inside_an_async_test() {
    let root = doc_root();
    let s = server(&root);
    let port = s.port();
    let resp = tokio::task::spawn_blocking(move || get(port, "/document.txt"))
        .await
        .unwrap_or_else(|e| panic!("client task: {e}"));
    assert_eq!(resp.body, b"This is a test document\n");
    s.stop();
}

#[test]
fn f_h1_9_oversized_body_with_expect_gets_413_instead_of_100() {
    let root = doc_root();
    let s = server_with(&root, serde_json::json!({"max_body_bytes": 10}));
    let raw = raw_exchange(
        s.port(),
        b"POST /c HTTP/1.1\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n",
    );
    let resp = RawResponse::parse(&raw);
    assert_eq!(resp.status_code(), 413);
}

#[test]
fn transfer_encoding_with_content_length_is_served_then_closed() {
    // Request smuggling guard (RFC 9112 §6.3): chunked wins, and the connection does not go on.
    let root = doc_root();
    let s = server(&root);
    let mut conn = RawConnection::open(s.port());
    conn.send(
        b"POST /a HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n\
          3\r\nabc\r\n0\r\n\r\nPOST /b HTTP/1.1\r\n\r\n",
    );
    assert_no_route_404(&conn.read_response());
    assert!(conn.closed_within(Duration::from_secs(5)));
}

#[test]
fn f_h1_13_connect_with_connection_close_closes() {
    let root = doc_root();
    let s = server(&root);
    let raw = raw_exchange(
        s.port(),
        b"CONNECT a:443 HTTP/1.1\r\nConnection: close\r\n\r\nPOST /x HTTP/1.1\r\n\r\n",
    );
    let text = String::from_utf8_lossy(&raw).into_owned();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\nServer: "), "{text}");
    assert!(
        text.ends_with(" GMT\r\n\r\n"),
        "only the CONNECT answer: {text}"
    );
}

#[test]
fn shutdown_lets_a_request_in_flight_finish() {
    let root = doc_root();
    // The latency keeps the request in the server while shutdown begins.
    let s = server_with(&root, serde_json::json!({"latency_ms": 700}));
    let mut conn = RawConnection::open(s.port());
    conn.send(&post("/slow"));
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    s.stop();
    assert!(started.elapsed() < Duration::from_secs(5));
    // The response went out whole, then the connection closed (no next request is served).
    assert_no_route_404(&conn.read_response());
    assert!(conn.closed_within(Duration::from_secs(5)));
}
