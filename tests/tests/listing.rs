//! Directory redirect and listing on the wire (F-DL-1..4, §6.3).

use wpthost_tests::static_wire::{exchange, expected, json_404, normalize};
use wpthost_tests::{raw_exchange, TempDocRoot, TestServer};

fn listing(path: &str, items: &[&str]) -> String {
    let body = format!(
        "<!doctype html>\n<meta name=\"viewport\" content=\"width=device-width\">\n\
         <title>Directory listing for {path}</title>\n<h1>Directory listing for {path}</h1>\n\
         <ul>\n{}\n</ul>\n",
        items.join("\n")
    );
    expected(
        &[
            "HTTP/1.1 200 OK",
            "Content-Type: text/html",
            "{S}",
            "{D}",
            &format!("Content-Length: {}", body.len()),
        ],
        &body,
    )
}

fn fixture() -> (TempDocRoot, TestServer) {
    let root = TempDocRoot::new();
    root.write("a.txt", b"a");
    root.write("a.txt.headers", b"X-A: 1\n");
    root.write("a-b.txt", b"ab");
    root.write("b.sub.headers", b"X: 1\n");
    root.write("b", b"b");
    root.write("__dir__.headers", b"X-Dir: 1\n");
    root.write("f&<.txt", b"f");
    root.write("Zed.txt", b"z");
    root.write("\u{e9}l\u{e8}ve.txt", b"e");
    root.mkdir("sp ace");
    root.write("subdir/file.txt", b"file");
    root.mkdir("subdir/inner");
    let server = TestServer::start(root.path());
    (root, server)
}

#[test]
fn f_dl_2_f_dl_3_root_listing_exact() {
    let (_root, server) = fixture();
    let raw = exchange(server.port(), "GET", "/", "");
    assert_eq!(
        normalize(&raw),
        listing(
            "/",
            &[
                "<li class=\"file\"><a href=\"Zed.txt\">Zed.txt</a></li>",
                "<li class=\"file\"><a href=\"__dir__.headers\">__dir__.headers</a></li>",
                "<li class=\"file\"><a href=\"a-b.txt\">a-b.txt</a></li>",
                "<li class=\"file\"><a href=\"a.txt\">a.txt</a> (<a href=\"a.txt.headers\">.headers</a>)</li>",
                "<li class=\"file\"><a href=\"b\">b</a></li>",
                "<li class=\"file\"><a href=\"b.sub.headers\">b.sub.headers</a></li>",
                "<li class=\"file\"><a href=\"f%26%3C.txt\">f&amp;&lt;.txt</a></li>",
                "<li class=\"dir\"><a href=\"sp%20ace/\">sp ace</a></li>",
                "<li class=\"dir\"><a href=\"subdir/\">subdir</a></li>",
                "<li class=\"file\"><a href=\"%C3%A9l%C3%A8ve.txt\">\u{e9}l\u{e8}ve.txt</a></li>",
            ]
        )
    );
}

#[test]
fn f_dl_3_subdirectory_has_parent_item() {
    let (_root, server) = fixture();
    let raw = exchange(server.port(), "GET", "/subdir/", "");
    assert_eq!(
        normalize(&raw),
        listing(
            "/subdir/",
            &[
                "<li class=\"dir\"><a href=\"/\">..</a></li>",
                "<li class=\"file\"><a href=\"file.txt\">file.txt</a></li>",
                "<li class=\"dir\"><a href=\"inner/\">inner</a></li>",
            ]
        )
    );
    let raw = exchange(server.port(), "GET", "/subdir/inner/", "");
    assert_eq!(
        normalize(&raw),
        listing(
            "/subdir/inner/",
            &["<li class=\"dir\"><a href=\"/subdir/\">..</a></li>"]
        )
    );
}

#[test]
fn f_dl_2_title_is_escaped_raw_path() {
    let (_root, server) = fixture();
    let raw = exchange(server.port(), "GET", "/sp%20ace/", "");
    assert_eq!(
        normalize(&raw),
        listing(
            "/sp%20ace/",
            &["<li class=\"dir\"><a href=\"/\">..</a></li>"]
        )
    );
}

#[test]
fn f_dl_2_head_has_length_no_body() {
    let (_root, server) = fixture();
    let raw = exchange(server.port(), "HEAD", "/subdir/", "");
    let full = listing(
        "/subdir/",
        &[
            "<li class=\"dir\"><a href=\"/\">..</a></li>",
            "<li class=\"file\"><a href=\"file.txt\">file.txt</a></li>",
            "<li class=\"dir\"><a href=\"inner/\">inner</a></li>",
        ],
    );
    let head_only = &full[..full.find("\r\n\r\n").map_or(0, |i| i + 4)];
    assert_eq!(normalize(&raw), head_only);
}

#[test]
fn f_dl_1_redirect_adds_slash_after_query() {
    let (_root, server) = fixture();
    let port = server.port();
    let raw = exchange(port, "GET", "/subdir", "");
    assert_eq!(
        normalize(&raw),
        expected(
            &[
                "HTTP/1.1 301 Moved Permanently",
                &format!("Location: http://localhost:{port}/subdir/"),
                "{S}",
                "{D}"
            ],
            ""
        )
    );
    let raw = exchange(port, "GET", "/subdir?a=1", "");
    assert_eq!(
        normalize(&raw),
        expected(
            &[
                "HTTP/1.1 301 Moved Permanently",
                &format!("Location: http://localhost:{port}/subdir?a=1/"),
                "{S}",
                "{D}"
            ],
            ""
        )
    );
}

#[test]
fn f_dl_1_redirect_closes_without_content_length() {
    let (_root, server) = fixture();
    let port = server.port();
    // No Connection: close here: the server closes by itself after the unframed 301.
    let raw = raw_exchange(
        port,
        format!("GET /subdir HTTP/1.1\r\nHost: localhost:{port}\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").as_bytes(),
    );
    let text = normalize(&raw);
    assert_eq!(text.matches("HTTP/1.1 ").count(), 1, "{text}");
    assert!(text.ends_with("\r\n\r\n"));
}

#[test]
fn f_dl_4_post_to_directory_is_404() {
    let (_root, server) = fixture();
    let raw = exchange(server.port(), "POST", "/subdir/", "Content-Length: 0\r\n");
    assert_eq!(normalize(&raw), json_404(""));
}

#[test]
fn f_dl_2_listing_and_redirect_are_not_piped() {
    let (_root, server) = fixture();
    let port = server.port();
    let raw = exchange(port, "GET", "/subdir/inner/?pipe=status(201)", "");
    assert_eq!(
        normalize(&raw),
        listing(
            "/subdir/inner/",
            &["<li class=\"dir\"><a href=\"/subdir/\">..</a></li>"]
        )
    );
    let raw = exchange(port, "GET", "/subdir?pipe=status(201)", "");
    assert!(normalize(&raw).starts_with("HTTP/1.1 301 Moved Permanently\r\n"));
}
