//! The same handlers written in Rust, Python, JavaScript, C and Zig (plugins/EXAMPLES.md) give the same
//! bytes on the wire for the same requests. `scripts/build-guests.sh` builds every language's examples
//! from source first (installing the toolchains into .cache/ when missing; instant when up to date).
//!
//! Each language gets its own server over an identical document root (`/echo`, `/stash`, `/trickle`),
//! so requests are byte-identical too. Before comparing, three things that differ between any two
//! servers or connections are masked: the `Date` value, the server's port, and the client's address.
//! None changes a length, so `Content-Length` is compared as sent.
//!
//! Features: F-PY-3 (returned bodies get Content-Length), F-PY-7 / F-RS-6 (writer), F-RQ-5/6 (headers
//! and query as received), F-RS-8 / F-ER-1 (set_error JSON), F-SH-3/4/5/6 (stash put/take/lock),
//! F-H1-3 (unframed body closes the connection).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use wpthost_tests::{connect, read_to_close, RawResponse, TempDocRoot, TestServer};

const LANGUAGES: [&str; 5] = ["rust", "python", "js", "c", "zig"];
const EXAMPLES: [&str; 3] = ["echo", "stash", "trickle"];

/// Python and JavaScript components take seconds to compile on first use (more on a busy machine).
const FIRST_USE: Duration = Duration::from_secs(180);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Build every language's examples once per test binary.
fn build_guests() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let started = Instant::now();
        let status = std::process::Command::new("bash")
            .arg(repo().join("scripts/build-guests.sh"))
            .status();
        match status {
            Ok(s) if s.success() => {}
            other => panic!("scripts/build-guests.sh failed: {other:?}"),
        }
        eprintln!("plugins_languages: guests built in {:?}", started.elapsed());
    });
}

fn component(lang: &str, name: &str) -> PathBuf {
    match lang {
        "rust" => repo().join(format!("plugins/target/wasm32-wasip2/release/{name}.wasm")),
        _ => repo().join(format!("plugins/target/guests/{lang}/{name}.wasm")),
    }
}

struct LangServer {
    lang: &'static str,
    _root: TempDocRoot,
    server: TestServer,
}

/// One server per language, each with the three examples at the root; the first request to each
/// component (which compiles it) has already been made.
fn servers() -> &'static [LangServer] {
    static SERVERS: OnceLock<Vec<LangServer>> = OnceLock::new();
    SERVERS.get_or_init(|| {
        build_guests();
        LANGUAGES
            .iter()
            .map(|&lang| {
                let root = TempDocRoot::new();
                let routes: Vec<String> = EXAMPLES
                    .iter()
                    .map(|n| format!(r#"{{"route": "{n}", "component": "{n}.wasm"}}"#))
                    .collect();
                let manifest = format!("{{\"handlers\": [{}]}}", routes.join(", "));
                root.write("__dir__.handlers.json", manifest.as_bytes());
                for name in EXAMPLES {
                    let path = component(lang, name);
                    let bytes = std::fs::read(&path)
                        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    root.write(&format!("{name}.wasm"), &bytes);
                }
                let server = TestServer::start(root.path());
                for name in EXAMPLES {
                    let started = Instant::now();
                    let raw = exchange_within(
                        server.port(),
                        format!("GET /{name}?warm=1 HTTP/1.1\r\nHost: web-platform.test\r\nConnection: close\r\n\r\n").as_bytes(),
                        FIRST_USE,
                    );
                    assert!(
                        RawResponse::try_parse(&raw).is_some(),
                        "{lang}/{name}: no response to the first request: {:?}",
                        String::from_utf8_lossy(&raw)
                    );
                    eprintln!("plugins_languages: {lang}/{name} first request {:?}", started.elapsed());
                }
                LangServer {
                    lang,
                    _root: root,
                    server,
                }
            })
            .collect()
    })
}

fn exchange_within(port: u16, request: &[u8], limit: Duration) -> Vec<u8> {
    let mut stream = connect(port);
    if let Err(e) = stream.write_all(request) {
        panic!("writing request: {e}");
    }
    read_to_close(&mut stream, limit)
}

/// Mask what legitimately differs between servers and connections (see the module comment).
fn normalise(raw: &[u8], server_port: u16) -> Vec<u8> {
    let mut out = replace_all(raw, format!(":{server_port}").as_bytes(), b":PORT");
    if let Some(at) = find(&out, b"\r\nDate: ") {
        let start = at + 8;
        let end = find(&out[start..], b"\r\n").map_or(out.len(), |e| start + e);
        out.splice(start..end, std::iter::repeat_n(b'D', end - start));
    }
    let key = b"\"client_address\": \"";
    if let Some(at) = find(&out, key) {
        let start = at + key.len();
        let end = find(&out[start..], b"\"").map_or(out.len(), |e| start + e);
        out.splice(start..end, std::iter::repeat_n(b'C', end - start));
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(at) = find(rest, needle) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(with);
        rest = &rest[at + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Send `request` to every language's server; assert the normalised responses are identical and
/// return the Rust one (normalised) for further checks.
fn same_everywhere(request: &[u8]) -> Vec<u8> {
    let servers = servers();
    let answers: Vec<(&str, Vec<u8>)> = servers
        .iter()
        .map(|s| {
            let port = s.server.port();
            let raw = exchange_within(port, request, Duration::from_secs(30));
            (s.lang, normalise(&raw, port))
        })
        .collect();
    let (first_lang, first) = &answers[0];
    assert!(
        RawResponse::try_parse(first).is_some(),
        "{first_lang}: not an HTTP response to {:?}: {:?}",
        String::from_utf8_lossy(request),
        String::from_utf8_lossy(first)
    );
    for (lang, answer) in &answers[1..] {
        assert_eq!(
            String::from_utf8_lossy(answer),
            String::from_utf8_lossy(first),
            "{lang} differs from {first_lang} for {:?}",
            String::from_utf8_lossy(request)
        );
        assert_eq!(answer, first, "{lang} differs from {first_lang} (bytes)");
    }
    first.clone()
}

fn get_request(target: &str, extra_headers: &[u8]) -> Vec<u8> {
    let mut req = format!("GET {target} HTTP/1.1\r\nHost: web-platform.test\r\n").into_bytes();
    req.extend_from_slice(extra_headers);
    req.extend_from_slice(b"Connection: close\r\n\r\n");
    req
}

/// F-RQ-5, F-RQ-6, F-PY-3: echo of method, target, every header line (duplicates, case and non-ASCII
/// bytes kept), the parsed query and the body, as JSON and as text, GET, POST and HEAD.
#[test]
fn echo_is_identical_in_every_language_f_rq_5_f_rq_6_f_py_3() {
    let json = same_everywhere(&get_request(
        "/echo?a=1&b=%ff+x&a=2&c&d=%zz",
        b"X-Test: one\r\nx-test: two\r\nX-Bytes: caf\xc3\xa9 \xff\r\n",
    ));
    let resp = RawResponse::parse(&json);
    assert_eq!(resp.status_code(), 200);
    assert_eq!(
        resp.header_str("Content-Type").as_deref(),
        Some("application/json")
    );
    let body = resp.body_str();
    assert!(
        body.contains(r#""query_params": [["a", "1"], ["b", "\u00ff x"], ["a", "2"], ["c", ""], ["d", "%zz"]]"#),
        "{body}"
    );
    assert!(
        body.contains(
            r#"["X-Test", "one"], ["x-test", "two"], ["X-Bytes", "caf\u00c3\u00a9 \u00ff"]"#
        ),
        "{body}"
    );

    let post = b"POST /echo?format=text HTTP/1.1\r\nHost: web-platform.test\r\nContent-Length: 9\r\nConnection: close\r\n\r\nbody\x00\xffend";
    let text = same_everywhere(post);
    let resp = RawResponse::parse(&text);
    assert_eq!(resp.status_code(), 200);
    assert!(
        resp.body.ends_with(b"\n\nbody\x00\xffend"),
        "{:?}",
        resp.body_str()
    );
    assert!(resp
        .body
        .starts_with(b"POST /echo?format=text HTTP/1.1\nHost: web-platform.test\n"));

    let head = same_everywhere(
        b"HEAD /echo HTTP/1.1\r\nHost: web-platform.test\r\nConnection: close\r\n\r\n",
    );
    assert!(head.ends_with(b"\r\n\r\n"), "HEAD has no body");
}

/// F-SH-3, F-SH-4, F-SH-5, F-SH-6, F-RS-8: put/take, read-once, the locked counter, a form POST and
/// set_error's JSON, with a fresh key per language server (each server has its own stash).
#[test]
fn stash_is_identical_in_every_language_f_sh_3_f_sh_4_f_sh_5_f_sh_6_f_rs_8() {
    let id = "7f3c2a10-5b4e-4c1d-9e8f-0123456789ab";
    let put = same_everywhere(&get_request(&format!("/stash?id={id}&value=v%ff1"), b""));
    assert!(
        put.ends_with(b"\r\n\r\nOK"),
        "{}",
        String::from_utf8_lossy(&put)
    );
    let take = same_everywhere(&get_request(&format!("/stash?id={id}"), b""));
    assert!(
        take.ends_with(b"\r\n\r\nv\xff1"),
        "{}",
        String::from_utf8_lossy(&take)
    );
    let again = same_everywhere(&get_request(&format!("/stash?id={id}"), b""));
    assert!(again.ends_with(b"\r\n\r\nNOT FOUND"));

    let counter = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    for expected in ["1", "2", "3"] {
        let count = same_everywhere(&get_request(
            &format!("/stash?id={counter}&action=count"),
            b"",
        ));
        assert!(count.ends_with(format!("\r\n\r\n{expected}").as_bytes()));
    }

    let form = "id=11111111-2222-4333-8444-555555555555&data=posted+value";
    let post = format!(
        "POST /stash HTTP/1.1\r\nHost: web-platform.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    );
    assert!(same_everywhere(post.as_bytes()).ends_with(b"\r\n\r\nOK"));
    let posted = same_everywhere(&get_request(
        "/stash?id=11111111-2222-4333-8444-555555555555",
        b"",
    ));
    assert!(posted.ends_with(b"\r\n\r\nposted value"));

    let missing = same_everywhere(&get_request("/stash", b""));
    let resp = RawResponse::parse(&missing);
    assert_eq!(resp.status_code(), 400);
    assert_eq!(
        resp.header_str("Content-Type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        resp.body,
        br#"{"error": {"code": 400, "message": "missing id"}}"#
    );

    // A host-side stash error is each language's own 500 (the message text differs by language).
    for s in servers() {
        let raw = exchange_within(
            s.server.port(),
            &get_request("/stash?id=not-a-uuid&value=1", b""),
            Duration::from_secs(30),
        );
        assert_eq!(RawResponse::parse(&raw).status_code(), 500, "{}", s.lang);
    }
}

/// F-RS-6, F-PY-7, F-H1-3: the writer with sleeps between pieces, framed and unframed; every language
/// takes at least the requested delays and sends the same bytes.
#[test]
fn trickle_is_identical_in_every_language_f_rs_6_f_py_7_f_h1_3() {
    let started = Instant::now();
    let unframed = same_everywhere(&get_request("/trickle?chunks=3&delay=60&chunk=ab", b""));
    assert!(
        started.elapsed() >= Duration::from_millis(120) * LANGUAGES.len() as u32,
        "every server sleeps twice for 60 ms"
    );
    let resp = RawResponse::parse(&unframed);
    assert_eq!(resp.status_code(), 200);
    assert_eq!(
        resp.header_str("Cache-Control").as_deref(),
        Some("no-cache")
    );
    assert!(resp.header("Content-Length").is_none());
    assert_eq!(resp.body, b"ababab");

    let framed = same_everywhere(&get_request("/trickle?chunks=2&delay=10&length=1", b""));
    let resp = RawResponse::parse(&framed);
    assert_eq!(resp.header_str("Content-Length").as_deref(), Some("12"));
    assert_eq!(resp.body, b"chunk\nchunk\n");

    // Handler errors (a bad number) are each language's JSON 500.
    for s in servers() {
        let raw = exchange_within(
            s.server.port(),
            &get_request("/trickle?chunks=x", b""),
            Duration::from_secs(30),
        );
        assert_eq!(RawResponse::parse(&raw).status_code(), 500, "{}", s.lang);
    }
}

/// The Python SDK's own tests (wptserve's return forms, header rules, query parsing, HTTPException,
/// F-PY-3, F-RS-2, F-RQ-6, F-ER-2), run under CPython against a recording fake host.
#[test]
fn python_sdk_unit_tests_f_py_3_f_rs_2_f_rq_6_f_er_2() {
    build_guests();
    let output = std::process::Command::new(repo().join(".cache/py/bin/python"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .args(["-m", "unittest", "discover", "-s"])
        .arg(repo().join("plugin-sdk/python/tests"))
        .output()
        .unwrap_or_else(|e| panic!("running the Python SDK tests: {e}"));
    let report = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{report}");
    assert!(report.contains("\nOK"), "{report}");
}
