//! Range requests on the wire (F-RG-1..6), byte for byte with wptserve 4.0.3 (§6.1).

use wpthost_tests::static_wire::{exchange, expected, normalize};
use wpthost_tests::{raw_exchange, TempDocRoot, TestServer};

const DOC: &[u8] = b"This is a test document\n";

fn fixture() -> (TempDocRoot, TestServer) {
    let root = TempDocRoot::new();
    root.write("document.txt", DOC);
    root.write("with.txt", DOC);
    root.write(
        "with.txt.headers",
        b"X-Before: 1\nContent-Type: text/x-one\ncontent-type: text/x-two\n",
    );
    let server = TestServer::start(root.path());
    (root, server)
}

fn range(server: &TestServer, path: &str, spec: &str) -> String {
    normalize(&exchange(
        server.port(),
        "GET",
        path,
        &format!("Range: {spec}\r\n"),
    ))
}

fn partial(content_range: &str, body: &str) -> String {
    expected(
        &[
            "HTTP/1.1 206 Partial Content",
            "Content-Type: text/plain",
            &format!("Content-Range: {content_range}"),
            "{S}",
            "{D}",
            &format!("Content-Length: {}", body.len()),
        ],
        body,
    )
}

fn error(status_line: &str, code: u16, message: &str) -> String {
    let body = format!("{{\"error\": {{\"code\": {code}, \"message\": \"{message}\"}}}}");
    expected(
        &[
            status_line,
            "Content-Type: application/json",
            &format!("Content-Length: {}", body.len()),
            "{S}",
            "{D}",
        ],
        &body,
    )
}

#[test]
fn f_rg_1_single_range() {
    let (_root, server) = fixture();
    assert_eq!(
        range(&server, "/document.txt", "bytes=10-19"),
        partial("bytes 10-19/24", "test docum")
    );
}

#[test]
fn f_rg_2_open_ended_suffix_and_clamping() {
    let (_root, server) = fixture();
    assert_eq!(
        range(&server, "/document.txt", "bytes=10-"),
        partial("bytes 10-23/24", "test document\n")
    );
    assert_eq!(
        range(&server, "/document.txt", "bytes=-10"),
        partial("bytes 14-23/24", " document\n")
    );
    assert_eq!(
        range(&server, "/document.txt", "bytes=-100"),
        partial("bytes 0-23/24", "This is a test document\n")
    );
    assert_eq!(
        range(&server, "/document.txt", "bytes=5-1000"),
        partial("bytes 5-23/24", "is a test document\n")
    );
}

#[test]
fn f_rg_3_coalesced_to_one_range_is_not_multipart() {
    let (_root, server) = fixture();
    assert_eq!(
        range(&server, "/document.txt", "bytes=0-1,2-3"),
        partial("bytes 0-3/24", "This")
    );
}

#[test]
fn f_rg_3_multipart_exact_layout() {
    let (_root, server) = fixture();
    let text = range(&server, "/document.txt", "bytes=1-2,5-7,6-10");
    let marker = "Content-Type: multipart/byteranges; boundary=";
    let start = text.find(marker).map(|i| i + marker.len());
    let boundary: String = start
        .map(|s| text[s..].chars().take_while(|c| *c != '\r').collect())
        .unwrap_or_default();
    // A uuid4: 8-4-4-4-12 hex digits, version 4.
    let groups: Vec<&str> = boundary.split('-').collect();
    assert_eq!(
        groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
        vec![8, 4, 4, 4, 12],
        "{text}"
    );
    assert!(groups[2].starts_with('4'));
    let b = boundary.as_str();
    let body = format!(
        "\r\n--{b}\r\nContent-Type: text/plain\r\nContent-Range: bytes 1-2/24\r\n\r\nhi\
         \r\n--{b}\r\nContent-Type: text/plain\r\nContent-Range: bytes 5-10/24\r\n\r\nis a t\r\n--{b}--"
    );
    assert_eq!(
        text,
        expected(
            &[
                "HTTP/1.1 206 Partial Content",
                &format!("Content-Type: multipart/byteranges; boundary={b}"),
                "{S}",
                "{D}",
            ],
            &body
        )
    );
}

#[test]
fn f_rg_3_multipart_part_type_is_last_content_type() {
    let (_root, server) = fixture();
    let text = range(&server, "/with.txt", "bytes=0-0,2-2");
    let head_end = text.find("\r\n\r\n").unwrap_or(0);
    let head: Vec<&str> = text[..head_end].split("\r\n").collect();
    assert_eq!(head[1], "X-Before: 1");
    // `set` replaced both Content-Type values in place, under the new name's case.
    assert!(
        head[2].starts_with("Content-Type: multipart/byteranges; boundary="),
        "{text}"
    );
    assert_eq!(head.len(), 5, "{text}");
    assert_eq!(
        text.matches("Content-Type: text/x-two\r\n").count(),
        2,
        "{text}"
    );
    assert!(!text.contains("text/x-one"));
}

#[test]
fn f_rg_1_single_range_keeps_file_headers() {
    let (_root, server) = fixture();
    assert_eq!(
        range(&server, "/with.txt", "bytes=0-3"),
        expected(
            &[
                "HTTP/1.1 206 Partial Content",
                "X-Before: 1",
                "Content-Type: text/x-one",
                "Content-Type: text/x-two",
                "Content-Range: bytes 0-3/24",
                "{S}",
                "{D}",
                "Content-Length: 4",
            ],
            "This"
        )
    );
}

#[test]
fn f_rg_4_unsatisfiable_and_malformed() {
    let (_root, server) = fixture();
    let status = "HTTP/1.1 416 Requested Range Not Satisfiable";
    for (spec, message) in [
        ("bytes=11-10", "(416, 'Bad range specifier 11-10')"),
        ("bytes=24-34", "(416, 'Bad range specifier 24-34')"),
        ("bytes=-0", "(416, 'Bad range specifier -0')"),
        ("bytes=1-2-3", "(416, 'Bad range specifier 1-2-3')"),
        ("bytes=x-1", "(416, 'Bad range specifier x-1')"),
        ("bytes=1-2,30-40", "(416, 'Bad range specifier 30-40')"),
        ("items=1-2", "416"),
    ] {
        assert_eq!(
            range(&server, "/document.txt", spec),
            error(status, 416, message),
            "{spec}"
        );
    }
}

#[test]
fn f_rg_4_416_drops_file_headers() {
    // F-HD-7 as well: set_error discards the .headers values and Content-Range.
    let (_root, server) = fixture();
    assert_eq!(
        range(&server, "/with.txt", "bytes=30-"),
        error(
            "HTTP/1.1 416 Requested Range Not Satisfiable",
            416,
            "(416, 'Bad range specifier 30-')"
        )
    );
}

#[test]
fn f_rg_5_non_ascii_is_400() {
    let (_root, server) = fixture();
    let mut request = format!(
        "GET /document.txt HTTP/1.1\r\nHost: localhost:{}\r\nRange: bytes=1-2",
        server.port()
    )
    .into_bytes();
    request.extend_from_slice(b"\xe9\r\nConnection: close\r\n\r\n");
    let raw = raw_exchange(server.port(), &request);
    assert_eq!(
        normalize(&raw),
        error(
            "HTTP/1.1 400 Bad Request",
            400,
            "(400, 'Non-ASCII range header value')"
        )
    );
}

#[test]
fn f_rg_6_whitespace_tolerated() {
    let (_root, server) = fixture();
    let text = range(&server, "/document.txt", "bytes=1-2, 5-7");
    assert!(text.starts_with(
        "HTTP/1.1 206 Partial Content\r\nContent-Type: multipart/byteranges; boundary="
    ));
    assert!(
        text.contains("Content-Range: bytes 5-7/24\r\n\r\nis \r\n"),
        "{text}"
    );
    assert_eq!(
        range(&server, "/document.txt", "bytes= 10 - 19 "),
        partial("bytes 10-19/24", "test docum")
    );
}

#[test]
fn f_rg_1_head_with_range() {
    let (_root, server) = fixture();
    let raw = exchange(
        server.port(),
        "HEAD",
        "/document.txt",
        "Range: bytes=10-19\r\n",
    );
    assert_eq!(
        normalize(&raw),
        expected(
            &[
                "HTTP/1.1 206 Partial Content",
                "Content-Type: text/plain",
                "Content-Range: bytes 10-19/24",
                "{S}",
                "{D}",
                "Content-Length: 10",
            ],
            ""
        )
    );
}
