//! The `{{...}}` substitution language on the wire (§2.I, F-SB-1..16), through `.sub.` files,
//! `?pipe=sub` and `.sub.headers` (F-HD-5), including the error cases (500) and the escaping rules.

use wpthost_tests::{raw_exchange, RawResponse, TempDocRoot, TestServer};

const SUBJECT: &str =
    "This file is used to verify expected behavior of the `file_hash` \"sub\"\nfunction.\n";

/// One request with `Connection: close`, parsed.
fn fetch(port: u16, target: &str, headers: &str) -> RawResponse {
    RawResponse::parse(&raw_exchange(
        port,
        format!(
            "GET {target} HTTP/1.1\r\nHost: localhost:{port}\r\n{headers}Connection: close\r\n\r\n"
        )
        .as_bytes(),
    ))
}

fn body(port: u16, target: &str) -> String {
    let r = fetch(port, target, "");
    assert_eq!(
        r.status_code(),
        200,
        "{target}: {}",
        String::from_utf8_lossy(&r.body)
    );
    String::from_utf8_lossy(&r.body).into_owned()
}

/// The JSON 500 message (F-ER-1 shape).
fn error_500(port: u16, target: &str) -> String {
    let r = fetch(port, target, "");
    assert_eq!(
        r.status_line, "HTTP/1.1 500 Internal Server Error",
        "{target}"
    );
    assert_eq!(
        r.header_str("Content-Type").as_deref(),
        Some("application/json")
    );
    String::from_utf8_lossy(&r.body).into_owned()
}

/// A doc root holding one `.sub.txt` file per template.
fn templates(files: &[(&str, &str)]) -> (TempDocRoot, TestServer) {
    let root = TempDocRoot::new();
    for (name, text) in files {
        root.write(name, text.as_bytes());
    }
    let server = TestServer::start(root.path());
    (root, server)
}

#[test]
fn config_values_f_sb_9_f_sb_10_f_sb_11() {
    let (_root, server) = templates(&[
        ("sub.sub.txt", "{{host}} {{domains[]}} {{ports[http][0]}}\n"),
        (
            "keys.sub.txt",
            "{{browser_host}} {{server_host}} {{ports[http][-1]}}",
        ),
        ("no_index.sub.txt", "{{ports[http]}}"),
        ("no_https.sub.txt", "{{ports[https][0]}}"),
        ("list.sub.txt", "{{aliases}}"),
    ]);
    let p = server.port();
    assert_eq!(
        body(p, "/sub.sub.txt"),
        format!("localhost localhost {p}\n")
    );
    // `server_host` as the computed config has it (the harness rebinds to 127.0.0.1 afterwards).
    let server_host = server.config.template_value["server_host"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        body(p, "/keys.sub.txt"),
        format!("localhost {server_host} {p}")
    );
    // §6.6 probe 9: a list is not a value; a missing key is a 500.
    error_500(p, "/no_index.sub.txt");
    error_500(p, "/no_https.sub.txt");
    error_500(p, "/list.sub.txt");
}

#[test]
fn hosts_and_domains_f_sb_8_f_sb_9() {
    let root = TempDocRoot::new();
    root.write(
        "hosts.sub.txt",
        "{{hosts[alt][www]}}|{{hosts[alt][]}}|{{hosts[][天気の良い日]}}|{{domains[www]}}|{{domains[nonexistent]}}"
            .as_bytes(),
    );
    let server = TestServer::start_with_config(serde_json::json!({
        "doc_root": root.path(),
        "browser_host": "localhost",
        "alternate_hosts": {"alt": "not-localhost.test"},
        "subdomains": ["www", "天気の良い日"],
        "not_subdomains": ["nonexistent"],
    }));
    assert_eq!(
        body(server.port(), "/hosts.sub.txt"),
        "www.not-localhost.test|not-localhost.test|xn--n8j6ds53lwwkrqhv28a.localhost|www.localhost|nonexistent.localhost"
    );
}

#[test]
fn variables_f_sb_1() {
    let (_root, server) = templates(&[
        (
            "sub_var.sub.txt",
            "{{$first:host}} {{$second:ports[http][0]}} A {{$second}} B {{$first}} C\n",
        ),
        ("undefined_var.sub.txt", "{{$nope}}"),
    ]);
    let p = server.port();
    assert_eq!(
        body(p, "/sub_var.sub.txt"),
        format!("localhost {p} A {p} B localhost C\n")
    );
    let msg = error_500(p, "/undefined_var.sub.txt");
    assert!(msg.contains("Undefined template variable $nope"), "{msg}");
}

#[test]
fn uuid_f_sb_2() {
    let (_root, server) =
        templates(&[("sub_uuid.sub.txt", "Before {{uuid()}} After {{uuid()}}\n")]);
    let text = body(server.port(), "/sub_uuid.sub.txt");
    let parts: Vec<&str> = text.trim_end().split(' ').collect();
    assert_eq!((parts[0], parts[2]), ("Before", "After"));
    for id in [parts[1], parts[3]] {
        assert_eq!(id.len(), 36, "{id}");
        assert!(id
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c)));
        assert_eq!(&id[14..15], "4", "a version-4 uuid: {id}");
    }
    assert_ne!(parts[1], parts[3], "a fresh uuid per occurrence");
}

#[test]
fn file_hash_f_sb_3() {
    let (_root, server) = templates(&[
        ("sub_file_hash_subject.txt", SUBJECT),
        (
            "sub_file_hash.sub.txt",
            "md5: {{file_hash(md5, sub_file_hash_subject.txt)}}\n\
             sha1: {{file_hash(sha1, sub_file_hash_subject.txt)}}\n\
             sha224: {{file_hash(sha224, sub_file_hash_subject.txt)}}\n\
             sha256: {{file_hash(sha256, sub_file_hash_subject.txt)}}\n\
             sha384: {{file_hash(sha384, sub_file_hash_subject.txt)}}\n\
             sha512: {{file_hash(sha512, sub_file_hash_subject.txt)}}\n",
        ),
        (
            "sub_file_hash_unrecognized.sub.txt",
            "{{file_hash(sha007, sub_file_hash_subject.txt)}}\n",
        ),
        ("missing.sub.txt", "{{file_hash(md5, nope.txt)}}"),
        ("outside.sub.txt", "{{file_hash(md5, /etc/hostname)}}"),
    ]);
    let p = server.port();
    assert_eq!(
        body(p, "/sub_file_hash.sub.txt"),
        "md5: JmI1W8fMHfSfCarYOSxJcw==\n\
         sha1: nqpWqEw4IW8NjD6R375gtrQvtTo=\n\
         sha224: RqQ6fMmta6n9TuA/vgTZK2EqmidqnrwBAmQLRQ==\n\
         sha256: G6Ljg1uPejQxqFmvFOcV/loqnjPTW5GSOePOfM/u0jw=\n\
         sha384: lkXHChh1BXHN5nT5BYhi1x67E1CyYbPKRKoF2LTm5GivuEFpVVYtvEBHtPr74N9E\n\
         sha512: r8eLGRTc7ZznZkFjeVLyo6/FyQdra9qmlYCwKKxm3kfQAswRS9+3HsYk3thLUhcFmmWhK4dXaICzJwGFonfXwg==\n"
    );
    let msg = error_500(p, "/sub_file_hash_unrecognized.sub.txt");
    assert!(
        msg.contains("Unsupported encryption algorithm: 'sha007'"),
        "{msg}"
    );
    let msg = error_500(p, "/missing.sub.txt");
    assert!(
        msg.contains("Cannot open file for hash computation"),
        "{msg}"
    );
    // Deliberate difference: no hashing of files outside the document root.
    error_500(p, "/outside.sub.txt");
}

#[test]
fn fs_path_f_sb_4() {
    let (_root, server) = templates(&[
        (
            "subdir/sub_path.sub.txt",
            "{{fs_path(sub_path.sub.txt)}}\n{{fs_path(../sub_path.sub.txt)}}\n{{fs_path(/sub_path.sub.txt)}}\n",
        ),
        ("subdir/escape.sub.txt", "{{fs_path(../../x)}}"),
    ]);
    let root = server.config.doc_root.to_string_lossy().into_owned();
    let root = root.trim_end_matches('/');
    assert_eq!(
        body(server.port(), "/subdir/sub_path.sub.txt"),
        format!(
            "{root}/subdir/sub_path.sub.txt\n{root}/sub_path.sub.txt\n{root}/sub_path.sub.txt\n"
        )
    );
    let msg = error_500(server.port(), "/subdir/escape.sub.txt");
    assert!(msg.contains("Path outside wpt root"), "{msg}");
}

#[test]
fn headers_and_header_or_default_f_sb_5_f_sb_6() {
    let (_root, server) = templates(&[
        ("sub_headers.sub.txt", "{{headers[X-Test]}}\n"),
        (
            "sub_header_or_default.sub.txt",
            "{{header_or_default(X-Present, present-default)}}\n{{header_or_default(X-Absent, absent-default)}}\n",
        ),
    ]);
    let p = server.port();
    let r = fetch(p, "/sub_headers.sub.txt", "X-Test: PASS\r\n");
    assert_eq!(r.body, b"PASS\n");
    // §6.6 probe 8: the first of repeated headers; case-insensitive names.
    let r = fetch(p, "/sub_headers.sub.txt", "x-test: A\r\nX-TEST: B\r\n");
    assert_eq!(r.body, b"A\n");
    // A missing header is a KeyError in wptserve: 500.
    error_500(p, "/sub_headers.sub.txt");
    let r = fetch(p, "/sub_header_or_default.sub.txt", "X-Present: OK\r\n");
    assert_eq!(r.body, b"OK\nabsent-default\n");
}

#[test]
fn get_parameters_f_sb_7() {
    let (_root, server) = templates(&[
        ("sub_params.txt", "{{GET[plus pct-20 pct-3D=]}}\n"),
        (
            "first.sub.txt",
            "[{{GET[a]}}][{{GET[missing]}}][{{GET[b]}}]",
        ),
        ("bad.sub.txt", "{{GET[x]}}"),
    ]);
    let p = server.port();
    assert_eq!(
        body(
            p,
            "/sub_params.txt?plus+pct-20%20pct-3D%3D=PLUS+PCT-20%20PCT-3D%3D&pipe=sub"
        ),
        "PLUS PCT-20 PCT-3D=\n"
    );
    assert_eq!(body(p, "/first.sub.txt?a=1&a=2&b"), "[1][][]");
    // §6.6 probe 9: bytes that are not UTF-8 cannot be substituted.
    let msg = error_500(p, "/bad.sub.txt?x=%ff");
    assert!(msg.contains("UTF-8"), "{msg}");
}

#[test]
fn location_f_sb_12() {
    let (_root, server) = templates(&[(
        "sub_location.sub.txt",
        "host: {{location[host]}}\nhostname: {{location[hostname]}}\npath: {{location[path]}}\n\
         pathname: {{location[pathname]}}\nport: {{location[port]}}\nquery: {{location[query]}}\n\
         scheme: {{location[scheme]}}\nserver: {{location[server]}}\n",
    )]);
    let p = server.port();
    assert_eq!(
        body(p, "/sub_location.sub.txt?query_string"),
        format!(
            "host: localhost:{p}\nhostname: localhost\npath: /sub_location.sub.txt\n\
             pathname: /sub_location.sub.txt\nport: {p}\nquery: ?query_string\n\
             scheme: http\nserver: http://localhost:{p}\n"
        )
    );
    // "?" even without a query (§3 item 6).
    assert!(body(p, "/sub_location.sub.txt").contains("\nquery: ?\n"));
}

#[test]
fn url_base_f_sb_13() {
    let (_root, server) = templates(&[("sub_url_base.sub.txt", "Before {{url_base}} After\n")]);
    assert_eq!(
        body(server.port(), "/sub_url_base.sub.txt"),
        "Before / After\n"
    );
}

#[test]
fn tokenizer_edges_and_undefined_f_sb_14_f_sb_15() {
    let (_root, server) = templates(&[
        ("junk.sub.txt", "{{host foo}}"),
        ("space.sub.txt", "{{ host }}"),
        ("empty.sub.txt", "{{}}"),
        ("undefined.sub.txt", "a {{nosuchthing}} b"),
        ("trailing.sub.txt", "{{host[0]x}}"),
        ("braces.sub.txt", "{ {host} } {{host} }{x}} {{ not closed"),
        (
            "index.sub.txt",
            "{{host[0]}}{{host[-1]}}{{ports[http][0][0]}}",
        ),
        ("call.sub.txt", "{{host()}}"),
    ]);
    let p = server.port();
    assert_eq!(body(p, "/junk.sub.txt"), "localhost");
    error_500(p, "/space.sub.txt");
    error_500(p, "/empty.sub.txt");
    let msg = error_500(p, "/undefined.sub.txt");
    assert!(
        msg.contains("Undefined template variable nosuchthing"),
        "{msg}"
    );
    error_500(p, "/trailing.sub.txt");
    assert_eq!(
        body(p, "/braces.sub.txt"),
        "{ {host} } {{host} }{x}} {{ not closed"
    );
    // Python indexing: str[int] is a character, an int cannot be indexed.
    error_500(p, "/index.sub.txt");
    error_500(p, "/call.sub.txt");
}

#[test]
fn escaping_f_sb_16() {
    let (_root, server) = templates(&[
        ("esc.sub.html", "{{GET[x]}}"),
        ("esc.sub.svg", "{{GET[x]}}"),
        ("esc.sub.txt", "{{GET[x]}}"),
        ("esc.txt", "{{GET[x]}}"),
    ]);
    let p = server.port();
    let q = "x=%3Cb%3E%26%22'";
    assert_eq!(
        body(p, &format!("/esc.sub.html?{q}")),
        "&lt;b&gt;&amp;&quot;&#x27;"
    );
    assert_eq!(
        body(p, &format!("/esc.sub.svg?{q}")),
        "&lt;b&gt;&amp;&quot;&#x27;"
    );
    assert_eq!(body(p, &format!("/esc.sub.txt?{q}")), "<b>&\"'");
    // `?pipe=sub` defaults to html even for .txt; `sub(none)` does not escape.
    assert_eq!(
        body(p, &format!("/esc.txt?{q}&pipe=sub")),
        "&lt;b&gt;&amp;&quot;&#x27;"
    );
    assert_eq!(body(p, &format!("/esc.txt?{q}&pipe=sub(none)")), "<b>&\"'");
    // The file's sub runs first, so a second sub sees no `{{` and its escaping never applies.
    assert_eq!(
        body(p, &format!("/esc.sub.txt?{q}&pipe=sub(html)")),
        "<b>&\"'"
    );
    // Content-Length follows Date once the body is substituted (F-ST-9).
    let r = fetch(p, &format!("/esc.sub.txt?{q}"), "");
    assert_eq!(
        r.header_names(),
        vec!["Content-Type", "Server", "Date", "Content-Length"]
    );
}

#[test]
fn sub_headers_file_f_hd_5() {
    let (_root, server) = templates(&[
        ("with_headers.txt", "Test document with custom headers\n"),
        (
            "with_headers.txt.sub.headers",
            "Custom-Header: PASS\nAnother-Header: {{$id:uuid()}}\nSame-Value-Header: {{$id}}\n\
             Double-Header: PA\nDouble-Header: SS\nContent-Type: text/html\n",
        ),
        ("esc.txt", "x"),
        ("esc.txt.sub.headers", "X-Raw: {{GET[v]}}\n"),
    ]);
    let p = server.port();
    let r = fetch(p, "/with_headers.txt", "");
    assert_eq!(
        r.header_names(),
        vec![
            "Custom-Header",
            "Another-Header",
            "Same-Value-Header",
            "Double-Header",
            "Double-Header",
            "Content-Type",
            "Server",
            "Date"
        ]
    );
    let id = r.header_str("Another-Header").unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(r.header_str("Same-Value-Header"), Some(id));
    // Escape type none in headers files.
    let r = fetch(p, "/esc.txt?v=%3Cb%3E", "");
    assert_eq!(r.header_str("X-Raw").as_deref(), Some("<b>"));
}
