//! The JSON error responses of the static handlers (F-ER-1, F-ER-2), byte for byte (§6.1).

use wpthost_tests::{raw_exchange, TempDocRoot, TestServer};

// ---- helpers shared by the static-serving test files (copied per file: each test file is its own crate)

/// `Date: <value>` replaced by `Date: *` so whole responses compare byte for byte.
fn normalize(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw).into_owned();
    let mut out = String::with_capacity(text.len());
    let head_end = text.find("\r\n\r\n").map_or(text.len(), |i| i + 4);
    for line in text[..head_end].split_inclusive("\r\n") {
        if line.starts_with("Date: ") {
            out.push_str("Date: *\r\n");
        } else {
            out.push_str(line);
        }
    }
    out.push_str(&text[head_end..]);
    out
}

/// One request with `Connection: close`, everything the server sent until it closed.
fn exchange(port: u16, method: &str, target: &str, headers: &str) -> Vec<u8> {
    raw_exchange(
        port,
        format!(
            "{method} {target} HTTP/1.1\r\nHost: localhost:{port}\r\n{headers}Connection: close\r\n\r\n"
        )
        .as_bytes(),
    )
}

/// The expected response head lines joined with CRLF; `Server`/`Date` spelled out by the caller
/// as `{S}` and `{D}` markers.
fn expected(head: &[&str], body: &str) -> String {
    let mut out = String::new();
    for line in head {
        let line = line
            .replace(
                "{S}",
                &format!("Server: {}", wpthost::http1::writer::SERVER_HEADER),
            )
            .replace("{D}", "Date: *");
        out.push_str(&line);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(body);
    out
}

#[allow(dead_code)] // not every test file needs it
fn json_404(message: &str) -> String {
    let body = format!("{{\"error\": {{\"code\": 404, \"message\": \"{message}\"}}}}");
    expected(
        &[
            "HTTP/1.1 404 Not Found",
            "Content-Type: application/json",
            &format!("Content-Length: {}", body.len()),
            "{S}",
            "{D}",
        ],
        &body,
    )
}

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
