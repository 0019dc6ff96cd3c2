//! Every response and writer import of `wit/handler.wit` on the wire, driven by the test-actions
//! guest: returned responses get required headers and pipes once (F-RS-1..5, F-RS-10), direct writes
//! follow wptserve's ResponseWriter (F-RS-6) and bypass pipes (F-PP-7); timing, logging and the
//! server configuration imports.

#[path = "plugins_support/mod.rs"]
mod support;

use std::io::{Read, Write};
use std::time::{Duration, Instant};
use support::Site;
use wpthost_tests::RawResponse;

fn site() -> Site {
    let site = Site::new();
    site.install("p/a.wasm", "test-actions");
    site.manifest(
        "p",
        serde_json::json!({"handlers": [{"route": "a", "component": "a.wasm"},
                                        {"route": "r/{name}/*", "component": "a.wasm"}]}),
    );
    site
}

fn lower_names(resp: &RawResponse) -> Vec<String> {
    resp.header_names()
        .iter()
        .map(|n| n.to_ascii_lowercase())
        .collect()
}

#[test]
fn returned_body_gets_required_headers_f_rs_4() {
    let site = site();
    let resp = site.actions("/p/a", &["set-header X-Test TEST", "body hello"]);
    assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        lower_names(&resp),
        ["x-test", "server", "date", "content-length"]
    );
    assert_eq!(resp.header_str("Content-Length").as_deref(), Some("5"));
    assert_eq!(resp.body, b"hello");
}

#[test]
fn status_reason_and_header_ops_f_rs_1_2() {
    let site = site();
    let resp = site.actions(
        "/p/a",
        &[
            "status 299 Custom Thing",
            "append-header Double PA",
            "set-header x-lower a",
            "append-header Other o",
            "append-header double SS",
            "set-header X-LOWER b",
            "set-header Gone g",
            "delete-header gone",
            "body x",
        ],
    );
    assert_eq!(resp.status_line, "HTTP/1.1 299 Custom Thing");
    let lines: Vec<(String, String)> = resp
        .headers
        .iter()
        .take(4)
        .map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned()))
        .collect();
    let expect = [
        ("Double", "PA"),
        ("Double", "SS"),
        ("X-LOWER", "b"),
        ("Other", "o"),
    ];
    let expect: Vec<(String, String)> = expect
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    assert_eq!(lines, expect);
    assert!(resp.header("Gone").is_none());
}

#[test]
fn untouched_response_and_chunks_have_no_content_length_f_rs_3() {
    let site = site();
    let resp = site.actions("/p/a", &[]);
    assert_eq!(resp.status_code(), 200);
    assert!(resp.header("Content-Length").is_none());
    assert!(resp.body.is_empty());
    let resp = site.actions("/p/a", &["chunk hello", "chunk world"]);
    assert!(resp.header("Content-Length").is_none());
    assert_eq!(resp.body, b"helloworld");
}

#[test]
fn no_required_headers_flag_f_rs_5() {
    let site = site();
    let resp = site.actions(
        "/p/a",
        &["no-required-headers", "set-header X-Only 1", "body abc"],
    );
    assert_eq!(lower_names(&resp), ["x-only"]);
    assert_eq!(resp.body, b"abc");
}

#[test]
fn head_suppresses_returned_body_f_rs_10() {
    let site = site();
    let raw = site.actions_raw("HEAD", "/p/a", &["body headbody"]);
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("Content-Length: 8\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\n"), "{text}");
    let raw = site.actions_raw("HEAD", "/p/a", &["body-for-head", "body headbody"]);
    assert!(
        raw.ends_with(b"\r\n\r\nheadbody"),
        "{}",
        String::from_utf8_lossy(&raw)
    );
}

#[test]
fn pipes_apply_once_to_returned_responses() {
    let site = site();
    let resp = site.actions("/p/a?pipe=status(202)|header(X-Pipe,1,True)", &["body abc"]);
    assert_eq!(resp.status_code(), 202);
    assert_eq!(resp.header_all("X-Pipe").len(), 1);
    let resp = site.actions("/p/a?pipe=slice(1)", &["body PASS"]);
    assert_eq!(resp.body, b"ASS");
}

#[test]
fn direct_writes_bypass_pipes_f_pp_7() {
    let site = site();
    let resp = site.actions(
        "/p/a?pipe=status(404)|header(X-Pipe,1)",
        &["w-content TEST"],
    );
    assert_eq!(resp.status_code(), 200);
    assert!(resp.header("X-Pipe").is_none());
    assert_eq!(resp.body, b"TEST");
}

#[test]
fn write_content_without_status_or_headers_f_rs_6() {
    let site = site();
    let resp = site.actions("/p/a", &["w-content TEST"]);
    assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
    assert_eq!(resp.header_str("Content-Length").as_deref(), Some("4"));
    assert!(resp.header("Date").is_some() && resp.header("Server").is_some());
    assert_eq!(resp.body, b"TEST");

    let resp = site.actions("/p/a", &["w-status 201", "w-content TEST"]);
    assert_eq!(resp.status_line, "HTTP/1.1 201 Created");
    assert_eq!(resp.header_str("Content-Length").as_deref(), Some("4"));

    let resp = site.actions(
        "/p/a",
        &["w-header test-header test-value", "w-content TEST"],
    );
    let mut names = lower_names(&resp);
    names.sort();
    assert_eq!(names, ["content-length", "date", "server", "test-header"]);

    let resp = site.actions(
        "/p/a",
        &[
            "no-required-headers",
            "w-header test-header test-value",
            "w-content TEST",
        ],
    );
    assert_eq!(lower_names(&resp), ["test-header"]);
    assert_eq!(resp.body, b"TEST");

    let raw = site.actions_raw("GET", "/p/a", &["no-required-headers", "w-content TEST"]);
    assert_eq!(raw, b"HTTP/1.1 200 OK\r\n\r\nTEST");
}

#[test]
fn write_raw_sends_bytes_verbatim_f_rs_6() {
    let site = site();
    let raw = site.actions_raw(
        "GET",
        "/p/a",
        &["w-raw HTTP/1.1 202 Giraffe\\nX-TEST: PASS\\nContent-Length: 7\\n\\nContent"],
    );
    assert_eq!(
        raw,
        b"HTTP/1.1 202 Giraffe\nX-TEST: PASS\nContent-Length: 7\n\nContent"
    );
    let raw = site.actions_raw("GET", "/p/a", &["w-raw INVALID HTTP"]);
    assert_eq!(raw, b"INVALID HTTP");
}

#[test]
fn end_headers_takes_content_length_from_returned_body_f_rs_6() {
    let site = site();
    let raw = site.actions_raw(
        "GET",
        "/p/a",
        &[
            "body 12345",
            "w-status 200 OKAY",
            "w-header X-One 1",
            "w-end",
            "w-raw 12345",
        ],
    );
    let resp = RawResponse::parse(&raw);
    assert_eq!(resp.status_line, "HTTP/1.1 200 OKAY");
    assert_eq!(resp.header_str("Content-Length").as_deref(), Some("5"));
    assert_eq!(resp.body, b"12345");
}

#[test]
fn head_drops_direct_write_content_f_rs_10() {
    let site = site();
    let raw = site.actions_raw("HEAD", "/p/a", &["w-content TEST"]);
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("Content-Length: 4\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\n"), "{text}");
}

#[test]
fn sleep_flushes_first_and_elapsed_counts() {
    let site = site();
    let mut stream = wpthost_tests::connect(site.port());
    let req = "GET /p/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Action: w-status 200\r\nX-Action: w-header Content-Length 10\r\nX-Action: w-end\r\nX-Action: w-content hello\r\nX-Action: sleep 700\r\nX-Action: w-raw world\r\n\r\n";
    let started = Instant::now();
    stream
        .write_all(req.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.ends_with(b"hello") {
        let n = stream.read(&mut buf).unwrap_or_else(|e| panic!("{e}"));
        assert!(n > 0, "closed early: {:?}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    let rest = wpthost_tests::read_to_close(&mut stream, Duration::from_secs(5));
    assert_eq!(rest, b"world");
    assert!(started.elapsed() >= Duration::from_millis(700));

    let resp = site.actions("/p/a", &["sleep 150", "elapsed", "body x"]);
    let elapsed: u64 = resp
        .header_str("X-Elapsed")
        .and_then(|v| v.parse().ok())
        .unwrap_or_default();
    assert!((150..5000).contains(&elapsed), "{elapsed}");
}

#[test]
fn request_record_carries_raw_request_and_route_match() {
    let site = site();
    let head =
        "POST /p/r/some%20name/x/y.txt?a=1&b HTTP/1.1\r\nX-Dup: 1\r\nx-dup: 2\r\nX-Action: request";
    let resp = site.request(head, b"the body");
    let text = resp.body_str();
    for line in [
        "method=POST\n",
        "target=/p/r/some%20name/x/y.txt?a=1&b\n",
        "path=/p/r/some%20name/x/y.txt\n",
        "query=a=1&b\n",
        "version=HTTP/1.1\n",
        "scheme=http\n",
        "url-base=/\n",
        "body=the body\n",
        "route[name]=some%20name\n",
        "route[*]=x/y.txt\n",
        "header X-Dup: 1\nheader x-dup: 2\n",
    ] {
        assert!(text.contains(line), "{line:?} missing in {text}");
    }
    assert!(
        text.contains(&format!("url=http://localhost:{}/p/r/", site.port())),
        "{text}"
    );
}

#[test]
fn server_config_imports() {
    let site = site();
    assert_eq!(site.actions("/p/a", &["host"]).body, b"localhost");
    assert_eq!(
        site.actions("/p/a", &["ports http"]).body_str(),
        site.port().to_string()
    );
    assert_eq!(site.actions("/p/a", &["ports nosuch"]).body, b"");
    let config: serde_json::Value = serde_json::from_slice(&site.actions("/p/a", &["config"]).body)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config["browser_host"], "localhost");
}

#[test]
fn logging_and_stdio_do_not_disturb_the_response() {
    let site = site();
    let resp = site.actions(
        "/p/a",
        &[
            "log warn from the plugin",
            "print to stdout",
            "eprint to stderr",
            "body ok",
        ],
    );
    assert_eq!(resp.status_code(), 200);
    assert_eq!(resp.body, b"ok");
}

#[test]
fn close_connection_ends_keep_alive() {
    let site = site();
    let mut conn = wpthost_tests::RawConnection::open(site.port());
    conn.send(b"GET /p/a HTTP/1.1\r\nHost: x\r\nX-Action: body one\r\n\r\n");
    let first = conn.read_response();
    assert_eq!(first.body, b"one");
    conn.send(b"GET /p/a HTTP/1.1\r\nHost: x\r\nX-Action: close\r\nX-Action: body two\r\n\r\n");
    assert_eq!(conn.read_response().body, b"two");
    let rest = wpthost_tests::read_to_close(&mut conn.stream, Duration::from_secs(5));
    assert!(rest.is_empty());
}
