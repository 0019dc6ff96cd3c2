//! Routing on the wire with the default table (F-RT-1..5); pattern details are unit-tested in
//! `host/src/router`.

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

const ASIS: &[u8] = b"HTTP/1.1 200 OK\r\nX-Raw: 1\r\n\r\nraw";

fn fixture() -> (TempDocRoot, TestServer) {
    let root = TempDocRoot::new();
    root.write("x.asis", ASIS);
    root.write("d/y.asis", ASIS);
    let server = TestServer::start(root.path());
    (root, server)
}

#[test]
fn f_rt_4_asis_route_before_catch_all() {
    let (_root, server) = fixture();
    assert_eq!(exchange(server.port(), "GET", "/x.asis", ""), ASIS);
    assert_eq!(exchange(server.port(), "GET", "/d/y.asis?q=1", ""), ASIS);
}

#[test]
fn f_rt_1_matches_raw_path_not_decoded() {
    // `/x%2Easis` does not end in `.asis` as received, so the file handler serves the same file.
    let (_root, server) = fixture();
    let raw = exchange(server.port(), "GET", "/x%2Easis", "");
    let want = expected(
        &[
            "HTTP/1.1 200 OK",
            "Content-Type: application/octet-stream",
            "{S}",
            "{D}",
        ],
        "",
    );
    let mut want = want.into_bytes();
    want.extend_from_slice(ASIS);
    assert_eq!(normalize(&raw).into_bytes(), want);
}

#[test]
fn f_rt_1_query_is_not_part_of_the_path() {
    let (_root, server) = fixture();
    // The pattern `*.asis` is anchored at the end of the path; the query does not count.
    let raw = exchange(server.port(), "GET", "/x.asis?y.txt", "");
    assert_eq!(raw, ASIS);
}

#[test]
fn f_rt_3_get_route_serves_head_other_methods_miss() {
    let (_root, server) = fixture();
    assert_eq!(exchange(server.port(), "HEAD", "/x.asis", ""), ASIS);
    for method in ["POST", "OPTIONS", "get", "BREW"] {
        let raw = exchange(server.port(), method, "/x.asis", "Content-Length: 0\r\n");
        assert_eq!(normalize(&raw), json_404(""), "{method}");
    }
}

#[test]
fn f_rt_5_no_route_is_404_with_empty_message() {
    let (_root, server) = fixture();
    let raw = raw_exchange(
        server.port(),
        format!("PUT /anything HTTP/1.1\r\nHost: localhost:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", server.port()).as_bytes(),
    );
    assert_eq!(
        normalize(&raw),
        expected(
            &[
                "HTTP/1.1 404 Not Found",
                "Content-Type: application/json",
                "Content-Length: 39",
                "{S}",
                "{D}"
            ],
            "{\"error\": {\"code\": 404, \"message\": \"\"}}"
        )
    );
}
