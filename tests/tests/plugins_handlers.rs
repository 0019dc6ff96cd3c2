//! The project's own handler plugins (plugins/rust/*, built with plugins/build.sh) and the Rust SDK's
//! helpers, exercised through the real server on real sockets. The document root is a temporary copy
//! of demo/handlers (its manifest and the freshly built components), so the demo's mapping is what is
//! tested. Each test names the feature IDs it covers.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use wpthost_tests::{
    get, raw_exchange, read_to_close, RawConnection, RawResponse, TempDocRoot, TestServer,
};

/// Build every guest once per test binary; the release directory holding the components.
fn components() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let status = std::process::Command::new("bash")
            .arg(repo.join("plugins/build.sh"))
            .status();
        match status {
            Ok(s) if s.success() => {}
            other => panic!("plugins/build.sh failed: {other:?}"),
        }
        repo.join("plugins/target/wasm32-wasip2/release")
    })
}

/// A server whose document root has `handlers/` = demo/handlers' manifest + components.
struct Fixture {
    _root: TempDocRoot,
    server: TestServer,
}

impl Fixture {
    fn new() -> Fixture {
        let built = components();
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/handlers");
        let root = TempDocRoot::new();
        root.mkdir("handlers");
        let manifest = std::fs::read(demo.join("__dir__.handlers.json"))
            .unwrap_or_else(|e| panic!("demo manifest: {e}"));
        root.write("handlers/__dir__.handlers.json", &manifest);
        for entry in std::fs::read_dir(built).unwrap_or_else(|e| panic!("{e}")) {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            if path.extension().is_some_and(|e| e == "wasm") {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
                root.write(&format!("handlers/{}", name.unwrap_or_default()), &bytes);
            }
        }
        let server = TestServer::start(root.path());
        Fixture {
            _root: root,
            server,
        }
    }

    fn port(&self) -> u16 {
        self.server.port()
    }

    /// Send `request` (a complete HTTP/1.1 request; `Connection: close` is added) and parse.
    fn exchange(&self, head: &str, body: &[u8]) -> RawResponse {
        RawResponse::parse(&self.exchange_raw(head, body))
    }

    fn exchange_raw(&self, head: &str, body: &[u8]) -> Vec<u8> {
        let mut req = format!(
            "{head}\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
            self.port()
        )
        .into_bytes();
        req.extend_from_slice(body);
        raw_exchange(self.port(), &req)
    }

    fn get(&self, path: &str) -> RawResponse {
        get(self.port(), path)
    }
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

fn header_names_lower(resp: &RawResponse) -> Vec<String> {
    resp.header_names()
        .iter()
        .map(|n| n.to_ascii_lowercase())
        .collect()
}

// ---------------------------------------------------------------- echo: the request record (F-RQ-*)

#[test]
fn echo_sees_every_header_line_in_order_with_duplicates_f_rq_4_f_rq_5() {
    let f = Fixture::new();
    let resp = f.exchange(
        "GET /handlers/echo?a=1&a=2&b=%ff+x HTTP/1.1\r\nX-Dup: 1\r\nx-dup: 2\r\nX-Raw: caf\u{e9}",
        b"",
    );
    assert_eq!(resp.status_code(), 200);
    assert_eq!(
        resp.header_str("content-type").as_deref(),
        Some("application/json")
    );
    let v = json(&resp.body);
    assert_eq!(v["method"], "GET");
    assert_eq!(v["target"], "/handlers/echo?a=1&a=2&b=%ff+x");
    assert_eq!(v["path"], "/handlers/echo");
    assert_eq!(v["query"], "a=1&a=2&b=%ff+x");
    assert_eq!(v["version"], "HTTP/1.1");
    let headers: Vec<(String, String)> = v["headers"]
        .as_array()
        .unwrap_or_else(|| panic!("headers: {v}"))
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap_or("").into(),
                p[1].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    let dups: Vec<&(String, String)> = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("x-dup"))
        .collect();
    // Both lines, original case, received order (wptserve 4.0.3 only shows the first: a documented fix).
    assert_eq!(
        dups,
        vec![
            &("X-Dup".to_string(), "1".to_string()),
            &("x-dup".to_string(), "2".to_string())
        ]
    );
    // Non-ASCII header bytes arrive verbatim (UTF-8 é = c3 a9, shown one byte per char).
    assert!(headers.contains(&("X-Raw".into(), "caf\u{c3}\u{a9}".into())));
    // F-RQ-6: query params as MultiDict, `+` and `%XX` decoded to bytes.
    assert_eq!(
        v["query_params"],
        serde_json::json!([["a", "1"], ["a", "2"], ["b", "\u{ff} x"]])
    );
}

#[test]
fn echo_gets_a_chunked_body_decoded_f_rq_8() {
    let f = Fixture::new();
    let resp = f.exchange(
        "POST /handlers/echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain",
        b"5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n",
    );
    assert_eq!(resp.status_code(), 200);
    let v = json(&resp.body);
    assert_eq!(v["method"], "POST");
    assert_eq!(v["body"], "hello, world");
    assert_eq!(v["body_length"], 12);
}

#[test]
fn echo_text_format_returns_request_line_headers_and_body() {
    let f = Fixture::new();
    let resp = f.exchange(
        "PUT /handlers/echo?format=text HTTP/1.1\r\nContent-Length: 4\r\nX-A: 1",
        b"abcd",
    );
    assert_eq!(resp.status_code(), 200);
    let body = resp.body_str();
    assert!(
        body.starts_with("PUT /handlers/echo?format=text HTTP/1.1\n"),
        "{body}"
    );
    assert!(body.contains("\nX-A: 1\n"), "{body}");
    assert!(body.ends_with("\n\nabcd"), "{body}");
}

// ---------------------------------------------------------------- respond / redirect (F-RS-1..4)

#[test]
fn respond_sets_status_reason_and_appended_headers_f_rs_1_f_rs_2_f_rs_4() {
    let f = Fixture::new();
    let resp = f.get("/handlers/respond?status=418&reason=Tea+pot&headers=X-A:1|X-A:2|X-B:b&body=short+and+stout");
    assert_eq!(resp.status_line, "HTTP/1.1 418 Tea pot");
    assert_eq!(resp.header_all("x-a"), vec![&b"1"[..], b"2"]);
    assert_eq!(resp.header("x-b"), Some(&b"b"[..]));
    assert_eq!(resp.header("content-type"), Some(&b"text/plain"[..]));
    assert_eq!(resp.header("content-length"), Some(&b"15"[..]));
    assert!(resp.header("server").is_some() && resp.header("date").is_some());
    assert_eq!(resp.body, b"short and stout");
    // User headers come before the required ones (F-RS-4).
    let names = header_names_lower(&resp);
    let pos = |n: &str| names.iter().position(|x| x == n).unwrap_or(usize::MAX);
    assert!(
        pos("x-b") < pos("server") && pos("server") < pos("date"),
        "{names:?}"
    );
    assert!(pos("date") < pos("content-length"), "{names:?}");
}

#[test]
fn respond_default_reason_and_bad_status_is_a_500() {
    let f = Fixture::new();
    assert_eq!(
        f.get("/handlers/respond?status=404").status_line,
        "HTTP/1.1 404 Not Found"
    );
    let bad = f.get("/handlers/respond?status=abc");
    assert_eq!(bad.status_code(), 500);
    let v = json(&bad.body);
    assert_eq!(v["error"]["code"], 500);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("invalid value"),
        "{v}"
    );
}

#[test]
fn redirect_sets_location_and_status() {
    let f = Fixture::new();
    let resp = f.get("/handlers/redirect?location=%2Fother%3Fx%3D1&status=301");
    assert_eq!(resp.status_code(), 301);
    assert_eq!(resp.header("location"), Some(&b"/other?x=1"[..]));
    assert_eq!(f.get("/handlers/redirect?location=/a").status_code(), 302);
    // The SDK's Error::http: a 400 in wptserve's JSON shape (F-ER-1).
    let missing = f.get("/handlers/redirect");
    assert_eq!(missing.status_code(), 400);
    assert_eq!(
        missing.header("content-type"),
        Some(&b"application/json"[..])
    );
    assert_eq!(
        missing.body,
        br#"{"error": {"code": 400, "message": "missing location parameter"}}"#
    );
}

// ---------------------------------------------------------------- delays and the writer (F-RS-6)

#[test]
fn slow_sleeps_before_answering() {
    let f = Fixture::new();
    let start = Instant::now();
    let resp = f.get("/handlers/slow?ms=400&body=late");
    assert!(
        start.elapsed() >= Duration::from_millis(400),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(resp.body, b"late");
    assert_eq!(resp.header("content-length"), Some(&b"4"[..]));
}

#[test]
fn slow_header_first_sends_the_head_before_the_sleep_f_rs_6() {
    let f = Fixture::new();
    // Warm up: the first request loads the component, which must not count as the delay.
    assert_eq!(f.get("/handlers/slow?ms=0").status_code(), 200);
    let mut conn = RawConnection::open(f.port());
    conn.send(format!("GET /handlers/slow?ms=1000&body=late&header_first=1 HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n", f.port()).as_bytes());
    let start = Instant::now();
    let mut first = [0u8; 15];
    std::io::Read::read_exact(&mut conn.stream, &mut first).unwrap_or_else(|e| panic!("{e}"));
    let head_at = start.elapsed();
    assert_eq!(&first, b"HTTP/1.1 200 OK");
    let rest = read_to_close(&mut conn.stream, Duration::from_secs(10));
    let body_at = start.elapsed();
    // The head left before the sleep: the body came a whole sleep later (generous bound for load).
    assert!(
        body_at.saturating_sub(head_at) >= Duration::from_millis(500),
        "head after {head_at:?}, body after {body_at:?}"
    );
    assert!(rest.ends_with(b"\r\n\r\nlate"));
}

#[test]
fn trickle_streams_pieces_with_pauses_f_rs_6() {
    let f = Fixture::new();
    assert_eq!(
        f.get("/handlers/trickle?chunks=1&length=1").status_code(),
        200
    );
    let mut conn = RawConnection::open(f.port());
    conn.send(format!("GET /handlers/trickle?chunks=3&delay=500&chunk=piece%0A HTTP/1.1\r\nHost: localhost:{}\r\n\r\n", f.port()).as_bytes());
    let start = Instant::now();
    // Read until the first piece is in; it must not wait for the later ones.
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.windows(6).any(|w| w == b"piece\n") {
        let n = std::io::Read::read(&mut conn.stream, &mut buf).unwrap_or(0);
        assert!(n > 0, "closed early: {:?}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    let first_at = start.elapsed();
    got.extend(read_to_close(&mut conn.stream, Duration::from_secs(10)));
    let all_at = start.elapsed();
    // Two 500 ms pauses separate the first piece from the end of the body.
    assert!(
        all_at.saturating_sub(first_at) >= Duration::from_millis(500),
        "first piece after {first_at:?}, whole body after {all_at:?}"
    );
    let resp = RawResponse::parse(&got);
    assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
    assert!(resp.header("content-length").is_none());
    assert_eq!(resp.body, b"piece\npiece\npiece\n");
}

#[test]
fn raw_writes_exact_bytes_f_rs_6_write_raw() {
    let f = Fixture::new();
    let out = f.exchange_raw("GET /handlers/raw?kind=invalid HTTP/1.1", b"");
    assert_eq!(out, b"INVALID HTTP");
    let out = f.exchange_raw(
        "GET /handlers/raw?data=HTTP%2F1.1+299+Odd%0AX%3A+y%0A%0Abody HTTP/1.1",
        b"",
    );
    assert_eq!(out, b"HTTP/1.1 299 Odd\nX: y\n\nbody");
}

// ---------------------------------------------------------------- stash (F-SH-*)

#[test]
fn stash_put_take_is_write_once_read_once_f_sh_4_f_sh_5() {
    let f = Fixture::new();
    let id = "c3b1a0f2-5d7e-4e8a-9b6c-1d2e3f405162";
    let body = format!("id={id}&data=Sample+data");
    let put = f.exchange(
        &format!(
            "POST /handlers/stash HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}",
            body.len()
        ),
        body.as_bytes(),
    );
    assert_eq!(put.body, b"OK", "{}", put.body_str());
    // Write-once: a second put of the same key is the handler's error.
    let again = f.get(&format!("/handlers/stash?id={id}&value=x"));
    assert_eq!(again.status_code(), 500);
    assert_eq!(
        f.get(&format!("/handlers/stash?id={id}")).body,
        b"Sample data"
    );
    assert_eq!(
        f.get(&format!("/handlers/stash?id={id}")).body,
        b"NOT FOUND"
    );
}

#[test]
fn stash_keys_are_normalised_and_path_scoped_f_sh_2_f_sh_3() {
    let f = Fixture::new();
    let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let braced = "%7B0F8FAD5B-D9CB-469F-A165-70867728950E%7D";
    assert_eq!(
        f.get(&format!("/handlers/stash?id={id}&value=v1&path=/shared"))
            .body,
        b"OK"
    );
    // Another URL path without `path=`: a different scope.
    assert_eq!(
        f.get(&format!("/handlers/stash?id={id}")).body,
        b"NOT FOUND"
    );
    // The same slot under another spelling of the UUID and the shared path.
    assert_eq!(
        f.get(&format!("/handlers/stash?id={braced}&path=/shared"))
            .body,
        b"v1"
    );
    let bad = f.get("/handlers/stash?id=not-a-uuid&value=x");
    assert_eq!(bad.status_code(), 500);
}

#[test]
fn stash_lock_serialises_take_modify_put_f_sh_6() {
    let f = Fixture::new();
    let id = "9a4c2e7b-3f1d-4b8a-8c6e-5d7f9b1a3c2e";
    let port = f.port();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(move || {
                get(
                    port,
                    &format!("/handlers/stash?id={id}&action=count&path=/counter"),
                )
                .status_code()
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap_or(0), 200);
    }
    let last = f.get(&format!("/handlers/stash?id={id}&path=/counter"));
    assert_eq!(last.body, b"8", "no update may be lost under the lock");
}

// ---------------------------------------------------------------- cookies (F-CK-*, F-RQ-10)

#[test]
fn set_cookie_formatting_is_wptservess_byte_for_byte_f_ck_1() {
    let f = Fixture::new();
    let resp = f.get("/handlers/cookies?set=a&value=b&comment=c&domain=example.com&httponly=1&max_age=10&path=/p&samesite=None&secure=1");
    assert_eq!(
        resp.header_all("set-cookie"),
        vec![&b"a=b; Comment=c; Domain=example.com; HttpOnly; Max-Age=10; Path=/p; SameSite=None; Secure"[..]]
    );
    let plain = f.get("/handlers/cookies?set=name&value=value");
    assert_eq!(plain.header("set-cookie"), Some(&b"name=value; Path=/"[..]));
}

#[test]
fn cookie_expiry_and_deletion_formats_f_ck_2_f_ck_3() {
    let f = Fixture::new();
    let is_expires = |v: &str| {
        // `DD mon YYYY HH:MM:SS GMT`: lowercase month, no weekday.
        let parts: Vec<&str> = v.split(' ').collect();
        parts.len() == 5
            && parts[0].len() == 2
            && [
                "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
            ]
            .contains(&parts[1])
            && parts[2].len() == 4
            && parts[3].len() == 8
            && parts[4] == "GMT"
    };
    let set = f.get("/handlers/cookies?set=k&value=v&expires_in=3600");
    let line = set.header_str("set-cookie").unwrap_or_default();
    let exp = line
        .strip_prefix("k=v; expires=")
        .and_then(|r| r.strip_suffix("; Path=/"))
        .unwrap_or_else(|| panic!("{line}"));
    assert!(is_expires(exp), "{line}");
    let del = f.get("/handlers/cookies?delete=name");
    let line = del.header_str("set-cookie").unwrap_or_default();
    let exp = line
        .strip_prefix("name=; expires=")
        .and_then(|r| r.strip_suffix("; Max-Age=0; Path=/"))
        .unwrap_or_else(|| panic!("{line}"));
    assert!(is_expires(exp), "{line}");
}

#[test]
fn request_cookies_follow_basecookie_rules_f_rq_10() {
    let f = Fixture::new();
    let resp = f.exchange(
        "GET /handlers/cookies HTTP/1.1\r\nCookie: a=1; q=\"x y\"; a=2\r\nCookie: ignored=1",
        b"",
    );
    assert_eq!(
        json(&resp.body),
        serde_json::json!({"a": "2", "q": "\"x y\""})
    );
}

// ---------------------------------------------------------------- wptserve's functional handlers

#[test]
fn functional_python_file_returns_f_py_3() {
    let f = Fixture::new();
    let s = f.get("/handlers/functional/test_string.py");
    assert_eq!(s.status_line, "HTTP/1.1 200 OK");
    assert_eq!(s.header("content-type"), Some(&b"text/plain"[..]));
    assert_eq!(s.body, b"PASS");
    let t2 = f.get("/handlers/functional/test_tuple_2.py");
    assert_eq!(t2.header("content-type"), Some(&b"text/html"[..]));
    assert_eq!(t2.header("x-test"), Some(&b"PASS"[..]));
    let t3 = f.get("/handlers/functional/test_tuple_3.py");
    assert_eq!(t3.status_line, "HTTP/1.1 202 Giraffe");
    assert_eq!(t3.body, b"PASS");
    assert_eq!(f.get("/handlers/functional/no_main.py").status_code(), 500);
}

#[test]
fn functional_explicit_content_length_wins_and_is_not_enforced_f_py_4() {
    let f = Fixture::new();
    let raw = f.exchange_raw("GET /handlers/functional/test_tuple_2_rv HTTP/1.1", b"");
    let resp = RawResponse::parse(&raw);
    assert_eq!(resp.header_all("content-length"), vec![&b"4"[..]]);
    assert_eq!(resp.header("test-header"), Some(&b"test-value"[..]));
    assert_eq!(resp.body, b"test data", "all 9 bytes are sent");
    let rv = f.get("/handlers/functional/test_string_rv");
    assert_eq!(rv.header("content-length"), Some(&b"9"[..]));
    let t31 = f.get("/handlers/functional/test_tuple_3_rv_1");
    assert_eq!(t31.status_line, "HTTP/1.1 202 Some Status");
}

#[test]
fn functional_none_rv_has_no_content_length_f_py_4() {
    let f = Fixture::new();
    let raw = f.exchange_raw("GET /handlers/functional/test_none_rv HTTP/1.1", b"");
    let resp = RawResponse::parse(&raw);
    assert_eq!(resp.status_code(), 200);
    assert!(
        resp.header("content-length").is_none(),
        "{:?}",
        resp.headers
    );
    assert!(resp.body.is_empty());
}

#[test]
fn functional_json_handler_headers_f_py_6() {
    let f = Fixture::new();
    let resp = f.get("/handlers/functional/test_json_tuple_3");
    assert_eq!(resp.status_line, "HTTP/1.1 202 Giraffe");
    assert_eq!(resp.header("test-header"), Some(&b"test-value"[..]));
    assert_eq!(resp.header("content-type"), Some(&b"application/json"[..]));
    assert_eq!(json(&resp.body), serde_json::json!({"data": "test data"}));
}

#[test]
fn functional_writer_variants_f_rs_6() {
    let f = Fixture::new();
    let a = f.get("/handlers/functional/test_write_content_no_status_no_header");
    assert_eq!(a.status_code(), 200);
    assert_eq!(a.header("content-length"), Some(&b"4"[..]));
    assert!(a.header("date").is_some() && a.header("server").is_some());
    assert_eq!(a.body, b"TEST");
    let b = f.get("/handlers/functional/test_write_content_no_headers");
    assert_eq!(b.status_code(), 201);
    let c = f.get("/handlers/functional/test_write_content_no_status");
    let mut names = header_names_lower(&c);
    names.sort();
    assert_eq!(
        names,
        vec!["content-length", "date", "server", "test-header"]
    );
    let d = RawResponse::parse(&f.exchange_raw(
        "GET /handlers/functional/test_write_content_no_status_no_required_headers HTTP/1.1",
        b"",
    ));
    assert_eq!(
        d.headers,
        vec![("test-header".to_string(), b"test-value".to_vec())]
    );
    assert_eq!(d.body, b"TEST");
    let e = RawResponse::parse(&f.exchange_raw(
        "GET /handlers/functional/test_write_content_no_status_no_headers_no_required_headers HTTP/1.1",
        b"",
    ));
    assert!(e.headers.is_empty(), "{:?}", e.headers);
    assert_eq!(e.body, b"TEST");
    let raw = f.exchange_raw(
        "GET /handlers/functional/test_write_raw_content HTTP/1.1",
        b"",
    );
    assert_eq!(
        raw,
        b"HTTP/1.1 202 Giraffe\nX-TEST: PASS\nContent-Length: 7\n\nContent"
    );
}

#[test]
fn functional_head_suppresses_body_unless_asked_f_rs_10() {
    let f = Fixture::new();
    let raw = f.exchange_raw(
        "HEAD /handlers/functional/test_head_without_body HTTP/1.1",
        b"",
    );
    let resp = RawResponse::parse(&raw);
    assert_eq!(resp.header("content-length"), Some(&b"6"[..]));
    assert_eq!(resp.header("x-test"), Some(&b"TEST"[..]));
    assert!(resp.body.is_empty(), "{:?}", resp.body_str());
    let raw = f.exchange_raw(
        "HEAD /handlers/functional/test_head_with_body HTTP/1.1",
        b"",
    );
    assert_eq!(RawResponse::parse(&raw).body, b"body\r\n");
}

#[test]
fn functional_list_body_has_no_length_and_closes_f_rs_3() {
    let f = Fixture::new();
    let raw = f.exchange_raw("GET /handlers/functional/test_list_response HTTP/1.1", b"");
    let resp = RawResponse::parse(&raw);
    assert!(resp.header("content-length").is_none());
    assert_eq!(resp.body, b"helloworld");
}

#[test]
fn functional_set_error_shape_f_rs_8_f_er_1() {
    let f = Fixture::new();
    let resp = f.get("/handlers/functional/test_set_error");
    assert_eq!(resp.status_code(), 503);
    assert_eq!(resp.header("content-type"), Some(&b"application/json"[..]));
    // 5xx messages name the URL (F-ER-3), exactly as set_error formats them.
    let url = format!(
        "http://localhost:{}/handlers/functional/test_set_error",
        f.port()
    );
    let message = format!("Internal server error loading {url}:\n  Test error");
    assert_eq!(
        json(&resp.body),
        serde_json::json!({"error": {"code": 503, "message": message}})
    );
}

#[test]
fn functional_request_api_f_rq_3_f_rq_7_f_rq_11() {
    let f = Fixture::new();
    assert_eq!(
        f.get("/handlers/functional/test/some_route").body,
        b"some route"
    );
    // Raw non-ASCII header bytes (Shift-JIS) come back unchanged.
    let mut head = b"GET /handlers/functional/test_non_ascii_in_headers HTTP/1.1\r\nfoo: ".to_vec();
    head.extend_from_slice(b"\x82\xc7\x82\xa4\x82\xe0\r\nConnection: close\r\n\r\n");
    let resp = RawResponse::parse(&raw_exchange(f.port(), &head));
    assert_eq!(resp.body, b"\x82\xc7\x82\xa4\x82\xe0");
    let get = f.get("/handlers/functional/test_non_ascii_in_GET_params?foo=%82%C7%82%A4");
    assert_eq!(get.body, b"\x82\xc7\x82\xa4");
    let post = f.exchange(
        "POST /handlers/functional/test_non_ascii_in_POST_params HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 16",
        b"foo=%82%C7%82%A4",
    );
    assert_eq!(post.body, b"\x82\xc7\x82\xa4");
    let auth = f.exchange(
        "GET /handlers/functional/test_auth HTTP/1.1\r\nAuthorization: Basic dGVzdDpQQVNT",
        b"",
    );
    assert_eq!(auth.body, b"test PASS");
    let bearer = f.exchange(
        "GET /handlers/functional/test_auth HTTP/1.1\r\nAuthorization: Bearer x",
        b"",
    );
    assert_eq!(bearer.status_code(), 400);
    assert_eq!(
        json(&bearer.body)["error"]["message"],
        "(400, \"Unsupported authentication scheme b'Bearer'\")"
    );
}

#[test]
fn functional_cookie_handlers_f_ck_1_f_ck_4() {
    let f = Fixture::new();
    let set = f.get("/handlers/functional/test_name_value");
    assert_eq!(
        set.header_all("set-cookie"),
        vec![&b"name=value; Path=/"[..]]
    );
    let unset = f.get("/handlers/functional/test_unset");
    assert!(unset.header("set-cookie").is_none(), "{:?}", unset.headers);
    let cookie = f.exchange(
        "GET /handlers/functional/test_set_cookie HTTP/1.1\r\nCookie: name=value",
        b"",
    );
    assert_eq!(cookie.body, b"value");
}

#[test]
fn functional_exception_is_a_json_500_and_server_keeps_serving_f_py_10() {
    let f = Fixture::new();
    let resp = f.get("/handlers/functional/test_exception");
    assert_eq!(resp.status_code(), 500);
    let v = json(&resp.body);
    assert_eq!(v["error"]["code"], 500);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("Exception"),
        "{v}"
    );
    assert_eq!(f.get("/handlers/functional/test_string.py").body, b"PASS");
}

#[test]
fn functional_pipes_apply_to_returned_responses_not_direct_writes_f_pp_7() {
    let f = Fixture::new();
    // test_with_python_func_handler: slice applies to the returned body.
    assert_eq!(
        f.get("/handlers/functional/test_pipes_1?pipe=slice(null,2)")
            .body,
        b"PA"
    );
    // ... but not to direct writes (writer.write_content).
    assert_eq!(
        f.get("/handlers/functional/test_pipes_2?pipe=slice(null,2)")
            .body,
        b"PASS"
    );
    let w = f.get("/handlers/functional/test_pipes_3?pipe=header(X-TEST,FAIL)");
    assert!(w.header("x-test").is_none());
    assert_eq!(w.body, b"CONTENT");
    // test_with_json_handler: the twice-encoded JSON string, sliced.
    assert_eq!(
        f.get("/handlers/functional/test_pipes_4?pipe=slice(null,2)")
            .body,
        b"\"{"
    );
    // test_sub_default_py: `{{host}}` through the sub pipe.
    assert_eq!(
        f.get("/handlers/functional/defaultsubpy?pipe=sub").body,
        b"localhost"
    );
}

#[test]
fn form_config_parses_multipart_and_urlencoded_forms_f_rq_7() {
    let f = Fixture::new();
    let body = b"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue 1\r\n--B\r\nContent-Disposition: form-data; name=\"up\"; filename=\"t.txt\"\r\nContent-Type: text/x-test\r\n\r\nline\r\nline2\r\n--B--\r\n";
    let resp = f.exchange(
        &format!(
            "POST /handlers/form-config HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: {}",
            body.len()
        ),
        body,
    );
    assert_eq!(resp.status_code(), 200, "{}", resp.body_str());
    let v = json(&resp.body);
    assert_eq!(
        v["form"],
        serde_json::json!([["a", "value 1"], ["up", "line\r\nline2"]])
    );
    assert_eq!(
        v["files"],
        serde_json::json!([{"name": "up", "filename": "t.txt", "content_type": "text/x-test", "data": "line\r\nline2"}])
    );
    let plain = f.exchange(
        "POST /handlers/form-config HTTP/1.1\r\nContent-Length: 11",
        b"x=1&x=%41+B",
    );
    assert_eq!(
        json(&plain.body)["form"],
        serde_json::json!([["x", "1"], ["x", "A B"]])
    );
    // A body that is not a form: wptserve's request.POST raises, a 500.
    let bad = f.exchange(
        "POST /handlers/form-config HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 3",
        b"a=1",
    );
    assert_eq!(bad.status_code(), 500);
}

#[test]
fn form_config_reads_the_server_config_and_logs_f_rq_12() {
    let f = Fixture::new();
    let resp = f.get("/handlers/form-config?log=hello+from+form-config");
    let v = json(&resp.body);
    assert_eq!(v["browser_host"], "localhost");
    assert_eq!(v["http_ports"], serde_json::json!([f.port()]));
}

// ------------------------------------------------------------------------ `.sub.` output (F-SB-17)

/// A plugin routed at a `.sub.` file name has its returned output substituted, as wptserve does for
/// `default.sub.py` (F-SB-17); the same plugin under a plain name is left alone.
#[test]
fn sub_named_plugin_route_substitutes_its_output_f_sb_17() {
    let root = TempDocRoot::new();
    let respond = std::fs::read(components().join("respond.wasm"))
        .unwrap_or_else(|e| panic!("respond.wasm: {e}"));
    root.write("h/respond.wasm", &respond);
    root.write(
        "h/__dir__.handlers.json",
        br#"{"handlers":[{"route":"out.sub.py","component":"respond.wasm"},
                         {"route":"page.sub.html","component":"respond.wasm"},
                         {"route":"out.py","component":"respond.wasm"}]}"#,
    );
    let server = TestServer::start(root.path());
    let port = server.port();
    let template = "%7B%7Bhost%7D%7D:%7B%7BGET[x]%7D%7D";
    let sub = get(port, &format!("/h/out.sub.py?x=%3Cb%3E&body={template}"));
    assert_eq!(sub.status_code(), 200);
    assert_eq!(sub.body_str(), "localhost:<b>");
    // `.html`: the substituted values are HTML-escaped (sub(html)).
    let html = get(port, &format!("/h/page.sub.html?x=%3Cb%3E&body={template}"));
    assert_eq!(html.body_str(), "localhost:&lt;b&gt;");
    let plain = get(port, &format!("/h/out.py?x=1&body={template}"));
    assert_eq!(plain.body_str(), "{{host}}:{{GET[x]}}");
}

// ------------------------------------------------------------------- plugins under an alias (F-SV-5)

/// A manifest inside an aliased directory governs the mounted URLs, with routes relative to the
/// mount's URL base; the hidden document-root directory of the same URL does not.
#[test]
fn plugins_resolve_inside_alias_mount_points_f_sv_5() {
    let root = TempDocRoot::new();
    let mounted = TempDocRoot::new();
    let respond = std::fs::read(components().join("respond.wasm"))
        .unwrap_or_else(|e| panic!("respond.wasm: {e}"));
    mounted.write("h/respond.wasm", &respond);
    mounted.write(
        "h/__dir__.handlers.json",
        br#"{"handlers":[{"route":"say/{word}","component":"respond.wasm"}]}"#,
    );
    root.write("ext/h/respond.wasm", &respond);
    root.write(
        "ext/h/__dir__.handlers.json",
        br#"{"handlers":[{"route":"hidden","component":"respond.wasm"}]}"#,
    );
    let server = TestServer::start_with_config(serde_json::json!({
        "doc_root": root.path(),
        "aliases": [{"url-path": "/ext/", "local-dir": mounted.path()}],
    }));
    let port = server.port();
    let resp = get(port, "/ext/h/say/hi?body=from+the+alias");
    assert_eq!(resp.status_code(), 200);
    assert_eq!(resp.body_str(), "from the alias");
    assert_eq!(get(port, "/ext/h/hidden?body=x").status_code(), 404);
}
