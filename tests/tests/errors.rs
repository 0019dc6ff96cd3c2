//! The JSON error responses of the static handlers (F-ER-1, F-ER-2), byte for byte (§6.1).

use wpthost_tests::static_wire::{exchange, expected, json_404, normalize};
use wpthost_tests::{TempDocRoot, TestServer};

fn fixture() -> (TempDocRoot, TestServer) {
    let root = TempDocRoot::new();
    root.write("document.txt", b"This is a test document\n");
    root.write("document.txt.headers", b"X-Discarded: yes\n");
    let server = TestServer::start(root.path());
    (root, server)
}

#[test]
fn f_er_1_f_er_2_missing_file_message_404() {
    let (_root, server) = fixture();
    let raw = exchange(server.port(), "GET", "/nonexistent", "");
    assert_eq!(
        normalize(&raw),
        expected(
            &[
                "HTTP/1.1 404 Not Found",
                "Content-Type: application/json",
                "Content-Length: 42",
                "{S}",
                "{D}"
            ],
            "{\"error\": {\"code\": 404, \"message\": \"404\"}}"
        )
    );
}

#[test]
fn f_er_2_no_route_message_empty() {
    let (_root, server) = fixture();
    let raw = exchange(
        server.port(),
        "POST",
        "/document.txt",
        "Content-Length: 0\r\n",
    );
    assert_eq!(normalize(&raw), json_404(""));
}

#[test]
fn f_er_2_range_message_is_python_tuple() {
    let (_root, server) = fixture();
    let raw = exchange(
        server.port(),
        "GET",
        "/document.txt",
        "Range: bytes=11-10\r\n",
    );
    assert_eq!(
        normalize(&raw),
        expected(
            &[
                "HTTP/1.1 416 Requested Range Not Satisfiable",
                "Content-Type: application/json",
                "Content-Length: 73",
                "{S}",
                "{D}",
            ],
            "{\"error\": {\"code\": 416, \"message\": \"(416, 'Bad range specifier 11-10')\"}}"
        )
    );
}

#[test]
fn f_er_1_error_keeps_alive_with_content_length() {
    let (_root, server) = fixture();
    let port = server.port();
    let mut conn = wpthost_tests::RawConnection::open(port);
    conn.send(format!("GET /missing HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").as_bytes());
    let first = conn.read_response();
    assert_eq!(first.status_code(), 404);
    conn.send(format!("GET /missing2 HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").as_bytes());
    let second = conn.read_response();
    assert_eq!(
        second.body,
        b"{\"error\": {\"code\": 404, \"message\": \"404\"}}"
    );
}

#[test]
fn f_er_2_errors_are_not_piped() {
    // wptserve raises before `wrap_pipeline`, so `?pipe=` never touches an error response.
    let (_root, server) = fixture();
    let raw = exchange(server.port(), "GET", "/nonexistent?pipe=status(201)", "");
    assert_eq!(normalize(&raw), json_404("404"));
    let raw = exchange(server.port(), "GET", "/%2e%2e/x?pipe=header(X-Piped,1)", "");
    assert_eq!(normalize(&raw), json_404("404"));
}

#[test]
fn f_er_3_nul_in_path_is_500() {
    // `open()` raises ValueError (not OSError) for an embedded NUL: a 500, not a 404.
    let (_root, server) = fixture();
    let port = server.port();
    let raw = exchange(port, "GET", "/document.txt%00", "");
    let message = format!(
        "Internal server error loading http://localhost:{port}/document.txt%00:\\n  Traceback (most recent call last):\\n  ValueError: embedded null byte\\n"
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
