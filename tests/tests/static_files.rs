//! Static files on the wire: path mapping (F-ST-1), serving (F-ST-2), HEAD (F-ST-3), methods
//! (F-ST-4), missing files (F-ST-5), the MIME table (F-ST-6), and the Content-Length switch.

use std::time::Duration;
use wpthost_tests::static_wire::{exchange, expected, json_404, normalize};
use wpthost_tests::{RawConnection, TempDocRoot, TestServer};

const DOC: &[u8] = b"This is a test document\n";

fn fixture() -> (TempDocRoot, TestServer) {
    let root = TempDocRoot::new();
    root.write("document.txt", DOC);
    root.write("sp ace.txt", b"space\n");
    root.write("caf\u{e9}.txt", b"cafe\n");
    root.write("sub/inner.html", b"<p>inner</p>\n");
    let server = TestServer::start(root.path());
    (root, server)
}

#[test]
fn f_st_2_file_exact_bytes_then_close() {
    let (_root, server) = fixture();
    let mut conn = RawConnection::open(server.port());
    // HTTP/1.1 without Connection: close: the server still closes, as there is no Content-Length.
    conn.send(
        format!(
            "GET /document.txt HTTP/1.1\r\nHost: localhost:{0}\r\n\r\nGET /document.txt HTTP/1.1\r\nHost: localhost:{0}\r\n\r\n",
            server.port()
        )
        .as_bytes(),
    );
    let resp = conn.read_response();
    assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
    assert_eq!(resp.header_names(), vec!["Content-Type", "Server", "Date"]);
    assert_eq!(resp.header("Content-Type"), Some(&b"text/plain"[..]));
    // read_response read to EOF: exactly one body, the pipelined second request got no answer.
    assert_eq!(resp.body, DOC);
}

#[test]
fn f_st_2_exact_bytes() {
    let (_root, server) = fixture();
    let raw = exchange(server.port(), "GET", "/document.txt", "");
    assert_eq!(
        normalize(&raw),
        expected(
            &["HTTP/1.1 200 OK", "Content-Type: text/plain", "{S}", "{D}"],
            "This is a test document\n"
        )
    );
}

#[test]
fn f_st_3_head_same_headers_no_body() {
    let (_root, server) = fixture();
    let raw = exchange(server.port(), "HEAD", "/document.txt", "");
    assert_eq!(
        normalize(&raw),
        expected(
            &["HTTP/1.1 200 OK", "Content-Type: text/plain", "{S}", "{D}"],
            ""
        )
    );
}

#[test]
fn f_st_4_other_methods_have_no_route() {
    let (_root, server) = fixture();
    for method in ["POST", "PUT", "DELETE", "get"] {
        let raw = exchange(
            server.port(),
            method,
            "/document.txt",
            "Content-Length: 0\r\n",
        );
        assert_eq!(normalize(&raw), json_404(""), "{method}");
    }
}

#[test]
fn f_st_5_missing_file() {
    let (_root, server) = fixture();
    for target in [
        "/nonexistent",
        "/document.txt/",
        "/sub/missing.html",
        "/document.txt/x",
    ] {
        let raw = exchange(server.port(), "GET", target, "");
        assert_eq!(normalize(&raw), json_404("404"), "{target}");
    }
}

#[test]
fn f_st_1_traversal_is_404() {
    let root = TempDocRoot::new();
    let docs = root.mkdir("docs");
    root.write("secret.txt", b"secret\n");
    root.write("docs/a..b", b"dots\n");
    let server = TestServer::start(&docs);
    let escaped_root = format!("/{}", root.path().join("secret.txt").display());
    for target in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/a..b",
        "//etc/passwd",
        "/x/..%2fsecret.txt",
        escaped_root.as_str(),
    ] {
        let raw = exchange(server.port(), "GET", target, "");
        assert_eq!(normalize(&raw), json_404("404"), "{target}");
    }
}

#[test]
fn f_st_1_percent_decoding() {
    let (_root, server) = fixture();
    let raw = exchange(server.port(), "GET", "/sp%20ace.txt", "");
    assert_eq!(
        normalize(&raw),
        expected(
            &["HTTP/1.1 200 OK", "Content-Type: text/plain", "{S}", "{D}"],
            "space\n"
        )
    );
    let raw = exchange(server.port(), "GET", "/caf%C3%A9.txt", "");
    assert!(
        normalize(&raw).ends_with("\r\n\r\ncafe\n"),
        "{}",
        normalize(&raw)
    );
    let raw = exchange(server.port(), "GET", "/sub/inner%2ehtml", "");
    assert_eq!(
        normalize(&raw),
        expected(
            &["HTTP/1.1 200 OK", "Content-Type: text/html", "{S}", "{D}"],
            "<p>inner</p>\n"
        )
    );
}

#[test]
fn f_st_6_mime_types_on_the_wire() {
    let root = TempDocRoot::new();
    let cases = [
        ("a.json", "application/json"),
        ("a.wasm", "application/wasm"),
        ("a.xhtml", "application/xhtml+xml"),
        ("a.svg", "image/svg+xml"),
        ("a.js", "text/javascript"),
        ("a.mjs", "text/javascript"),
        ("a.css", "text/css"),
        ("a.md", "text/plain"),
        ("a.event_stream", "text/event-stream"),
        ("a.tar.webm", "video/webm"),
        ("a.HTML", "application/octet-stream"),
        ("a.ogg", "application/octet-stream"),
        ("noext", "application/octet-stream"),
        (".html", "application/octet-stream"),
    ];
    for (name, _) in cases {
        root.write(name, b"x");
    }
    let server = TestServer::start(root.path());
    for (name, ty) in cases {
        let raw = exchange(server.port(), "GET", &format!("/{name}"), "");
        assert_eq!(
            normalize(&raw),
            expected(
                &[
                    "HTTP/1.1 200 OK",
                    &format!("Content-Type: {ty}"),
                    "{S}",
                    "{D}"
                ],
                "x"
            ),
            "{name}"
        );
    }
}

#[test]
fn f_st_2_large_file_streams_whole() {
    let root = TempDocRoot::new();
    let big: Vec<u8> = (0..(1024 * 1024 + 7)).map(|i| (i % 251) as u8).collect();
    root.write("big.bin", &big);
    let server = TestServer::start(root.path());
    let raw = exchange(server.port(), "GET", "/big.bin", "");
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n";
    assert!(raw.starts_with(head));
    let body_start = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    assert_eq!(body_start.map(|s| &raw[s..]), Some(&big[..]));
}

#[test]
fn static_content_length_switch_keeps_alive() {
    let root = TempDocRoot::new();
    root.write("document.txt", DOC);
    let big: Vec<u8> = vec![b'z'; 300 * 1024];
    root.write("big.txt", &big);
    let server = TestServer::start_with_config(serde_json::json!({
        "doc_root": root.path(),
        "wpthost": {"static_content_length": true},
    }));
    let mut conn = RawConnection::open(server.port());
    let port = server.port();
    conn.send(
        format!(
            "GET /document.txt HTTP/1.1\r\nHost: localhost:{port}\r\n\r\nGET /big.txt HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n"
        )
        .as_bytes(),
    );
    let first = conn.read_response();
    assert_eq!(
        first.header_names(),
        vec!["Content-Type", "Server", "Date", "Content-Length"]
    );
    assert_eq!(first.header("Content-Length"), Some(&b"24"[..]));
    assert_eq!(first.body, DOC);
    let second = conn.read_response();
    assert_eq!(
        second.header_str("Content-Length"),
        Some(big.len().to_string())
    );
    assert_eq!(second.body, big);
    assert!(!conn.closed_within(Duration::from_millis(300)));
}

#[test]
fn f_st_7_files_are_piped() {
    // Files, unlike errors and listings, go through `?pipe=` (the pipes module does the work).
    let (_root, server) = fixture();
    let raw = exchange(server.port(), "GET", "/document.txt?pipe=status(201)", "");
    assert_eq!(
        normalize(&raw),
        expected(
            &[
                "HTTP/1.1 201 Created",
                "Content-Type: text/plain",
                "{S}",
                "{D}"
            ],
            "This is a test document\n"
        )
    );
}

#[test]
fn f_st_5_f_st_8_symlinks_and_special_files() {
    let (root, server) = fixture();
    let port = server.port();
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        // F-ST-8: symlinks are followed.
        symlink(
            root.path().join("document.txt"),
            root.path().join("link.txt"),
        )
        .expect("symlink");
        let raw = exchange(port, "GET", "/link.txt", "");
        assert_eq!(
            normalize(&raw),
            expected(
                &["HTTP/1.1 200 OK", "Content-Type: text/plain", "{S}", "{D}"],
                "This is a test document\n"
            )
        );
        // F-ST-5: a dangling link is an OSError like a missing file.
        symlink(
            root.path().join("nowhere.txt"),
            root.path().join("dangling.txt"),
        )
        .expect("symlink");
        assert_eq!(
            normalize(&exchange(port, "GET", "/dangling.txt", "")),
            json_404("404")
        );
        // A FIFO would block wptserve's open() forever; wpthost treats it as missing.
        let fifo = root.path().join("pipe.txt");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.map(|s| s.success()).unwrap_or(false), "mkfifo");
        assert_eq!(
            normalize(&exchange(port, "GET", "/pipe.txt", "")),
            json_404("404")
        );
    }
}

/// A large file leaves with `sendfile` on plain TCP. Clients that reset the connection mid-file
/// (the write then fails with EPIPE/ECONNRESET, and `sendfile` has no MSG_NOSIGNAL) must cost
/// only their own connection: the next request, on a kept-alive connection, still gets the whole
/// file, then a small one right after it on the same connection.
#[test]
fn f_st_2_clients_resetting_mid_file_leave_the_server_serving() {
    let root = TempDocRoot::new();
    let big: Vec<u8> = (0..(16 * 1024 * 1024)).map(|i| (i % 253) as u8).collect();
    root.write("big.bin", &big);
    root.write("document.txt", DOC);
    let server = TestServer::start_with_config(serde_json::json!({
        "doc_root": root.path(),
        "wpthost": {"static_content_length": true},
    }));
    let port = server.port();
    for _ in 0..3 {
        let mut stream = wpthost_tests::connect(port);
        std::io::Write::write_all(
            &mut stream,
            format!("GET /big.bin HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").as_bytes(),
        )
        .unwrap_or_else(|e| panic!("writing the request: {e}"));
        let mut some = [0u8; 4096];
        let _ = std::io::Read::read(&mut stream, &mut some);
        // Closing with unread bytes in the receive buffer sends a reset, while the server is
        // still sending the rest of the 16 MiB.
        drop(stream);
    }
    let mut conn = RawConnection::open(port);
    conn.send(
        format!(
            "GET /big.bin HTTP/1.1\r\nHost: localhost:{port}\r\n\r\nGET /document.txt HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n"
        )
        .as_bytes(),
    );
    let first = conn.read_response();
    assert_eq!(first.status_code(), 200);
    assert!(first.body == big, "the large file differs");
    let second = conn.read_response();
    assert_eq!(second.body, DOC);
}
