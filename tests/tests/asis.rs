//! `.asis` files on the wire (F-AS-1, F-AS-3; F-AS-2 follows from the direct write).

use wpthost_tests::static_wire::{exchange, expected, json_404, normalize};
use wpthost_tests::{raw_exchange, TempDocRoot, TestServer};

const ASIS: &[u8] = b"HTTP/1.1 202 Giraffe\r\nX-TEST: PASS\r\nContent-Length: 7\r\n\r\nContent";

fn fixture() -> (TempDocRoot, TestServer) {
    let root = TempDocRoot::new();
    root.write("test.asis", ASIS);
    root.write("sub/raw.asis", b"not even HTTP\n");
    root.mkdir("dir.asis");
    let server = TestServer::start(root.path());
    (root, server)
}

#[test]
fn f_as_1_bytes_verbatim_then_close() {
    let (_root, server) = fixture();
    let port = server.port();
    // Keep-alive request, and a Content-Length in the file: the server still closes after it.
    let raw = raw_exchange(
        port,
        format!("GET /test.asis HTTP/1.1\r\nHost: localhost:{port}\r\n\r\nGET /test.asis HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").as_bytes(),
    );
    assert_eq!(raw, ASIS);
    let raw = exchange(port, "GET", "/sub/raw.asis", "");
    assert_eq!(raw, b"not even HTTP\n");
}

#[test]
fn f_as_1_head_still_sends_body() {
    let (_root, server) = fixture();
    let raw = exchange(server.port(), "HEAD", "/test.asis", "");
    assert_eq!(raw, ASIS);
}

#[test]
fn f_as_2_pipes_ignored() {
    let (_root, server) = fixture();
    let raw = exchange(
        server.port(),
        "GET",
        "/test.asis?pipe=status(500)|slice(1,2)",
        "",
    );
    assert_eq!(raw, ASIS);
}

#[test]
fn f_as_1_only_get_and_head() {
    let (_root, server) = fixture();
    let raw = exchange(server.port(), "POST", "/test.asis", "Content-Length: 0\r\n");
    assert_eq!(normalize(&raw), json_404(""));
}

#[test]
fn f_as_3_errors() {
    let (root, server) = fixture();
    let port = server.port();
    for target in ["/missing.asis", "/../test.asis", "/%2e%2e/x.asis"] {
        assert_eq!(
            normalize(&exchange(port, "GET", target, "")),
            json_404("404"),
            "{target}"
        );
    }
    let raw = exchange(port, "GET", "/dir.asis", "");
    let dir = root.path().join("dir.asis");
    let message = format!(
        "Internal server error loading http://localhost:{port}/dir.asis:\\n  Traceback (most recent call last):\\n  HTTPException: (500, 'AsIsHandler cannot process directory, {}')\\n",
        dir.display()
    );
    let body = format!("{{\"error\": {{\"code\": 500, \"message\": \"{message}\"}}}}");
    assert_eq!(
        normalize(&raw),
        expected(
            &[
                "HTTP/1.1 500 Internal Server Error",
                "Content-Type: application/json",
                &format!("Content-Length: {}", body.len()),
                "{S}",
                "{D}",
            ],
            &body
        )
    );
}
