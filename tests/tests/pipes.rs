//! Pipes on the wire (§2.H): the grammar and its errors, last `pipe=` wins (F-PP-9), every pipe
//! (F-PP-1..6), where they come from (F-ST-7, F-ST-9, F-RG-7) and where they do not apply
//! (F-PP-7/F-AS-2), and trickle timing with many requests at once (no thread held while sleeping).

use std::io::Read;
use std::time::{Duration, Instant};
use wpthost_tests::{raw_exchange, RawResponse, TempDocRoot, TestServer};

const DOC: &str = "This is a test document\n";

fn docroot() -> TempDocRoot {
    let root = TempDocRoot::new();
    root.write("document.txt", DOC.as_bytes());
    root.write("sub.txt", b"{{host}} {{domains[]}} {{ports[http][0]}}\n");
    root.write("sub_url_base.sub.txt", b"Before {{url_base}} After\n");
    root.write(
        "test.asis",
        b"HTTP/1.1 202 Giraffe\r\nX-TEST: PASS\r\nContent-Length: 7\r\n\r\nContent",
    );
    root
}

/// One request with `Connection: close`; everything until the server closed, parsed.
fn fetch(port: u16, target: &str, headers: &str) -> (RawResponse, Vec<u8>) {
    let raw = raw_exchange(
        port,
        format!(
            "GET {target} HTTP/1.1\r\nHost: localhost:{port}\r\n{headers}Connection: close\r\n\r\n"
        )
        .as_bytes(),
    );
    (RawResponse::parse(&raw), raw)
}

fn get(port: u16, target: &str) -> RawResponse {
    fetch(port, target, "").0
}

/// The JSON 500 message, asserting the error shape (F-ER-1).
fn error_500(r: &RawResponse) -> String {
    assert_eq!(r.status_line, "HTTP/1.1 500 Internal Server Error");
    assert_eq!(
        r.header_str("Content-Type").as_deref(),
        Some("application/json")
    );
    String::from_utf8_lossy(&r.body).into_owned()
}

fn names(r: &RawResponse) -> Vec<&str> {
    r.header_names()
}

#[test]
fn status_pipe_f_pp_1() {
    let root = docroot();
    let server = TestServer::start(root.path());
    let p = server.port();
    let r = get(p, "/document.txt?pipe=status(202)");
    assert_eq!(r.status_line, "HTTP/1.1 202 Accepted");
    assert_eq!(r.body, DOC.as_bytes());
    // Unknown codes keep an empty reason (§6.2).
    assert_eq!(
        get(p, "/document.txt?pipe=status(418)").status_line,
        "HTTP/1.1 418 "
    );
    // §6.6 probe 3: a custom reason is not possible, it is one argument too many.
    let msg = error_500(&get(p, "/document.txt?pipe=status(202,Foo)"));
    assert!(
        msg.contains("Expected between 1 and 1 args, got 2"),
        "{msg}"
    );
    let msg = error_500(&get(p, "/document.txt?pipe=status(abc)"));
    assert!(msg.contains("status(abc)"), "{msg}");
}

#[test]
fn header_pipe_f_pp_2() {
    let root = docroot();
    let server = TestServer::start(root.path());
    let p = server.port();
    let r = get(p, "/document.txt?pipe=header(X-TEST,PASS)");
    assert_eq!(r.header_str("X-TEST").as_deref(), Some("PASS"));
    // Set keeps the position (Content-Type stays first) and replaces the value.
    let r = get(p, "/document.txt?pipe=header(Content-Type,text/html)");
    assert_eq!(names(&r)[0], "Content-Type");
    assert_eq!(r.header_all("Content-Type"), vec![&b"text/html"[..]]);
    let r = get(
        p,
        "/document.txt?pipe=header(X-Test,PASS)|header(Content-Type,text/html)",
    );
    assert_eq!(r.header_str("X-Test").as_deref(), Some("PASS"));
    assert_eq!(r.header_str("Content-Type").as_deref(), Some("text/html"));
    let r = get(
        p,
        "/document.txt?pipe=header(Content-Type,FAIL)|header(Content-Type,text/html)",
    );
    assert_eq!(r.header_all("Content-Type"), vec![&b"text/html"[..]]);
    let r = get(
        p,
        "/document.txt?pipe=header(X-Test,1)|header(X-Test,2,True)",
    );
    assert_eq!(r.header_all("X-Test"), vec![&b"1"[..], &b"2"[..]]);
    let r = get(
        p,
        "/document.txt?pipe=header(Refresh,3;url=http://example.com)",
    );
    assert_eq!(
        r.header_str("Refresh").as_deref(),
        Some("3;url=http://example.com")
    );
    let r = get(
        p,
        r"/document.txt?pipe=header(Expires,Thu\,%2014%20Aug%201986%2018:00:00%20GMT)",
    );
    assert_eq!(
        r.header_str("Expires").as_deref(),
        Some("Thu, 14 Aug 1986 18:00:00 GMT")
    );
    let r = get(
        p,
        r"/document.txt?pipe=header(User-Agent,Mozilla/5.0%20(X11;%20Linux%20x86_64;%20rv:12.0\)",
    );
    assert_eq!(
        r.header_str("User-Agent").as_deref(),
        Some("Mozilla/5.0 (X11; Linux x86_64; rv:12.0)")
    );
    // `\n` is a raw LF inside the value, as in wptserve.
    let (_, raw) = fetch(p, r"/document.txt?pipe=header(X-Split,a\nB:%20c)", "");
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("\r\nX-Split: a\nB: c\r\n"), "{text}");
    // ISO-8859-1 values go out as single bytes.
    let (_, raw) = fetch(p, "/document.txt?pipe=header(X-L,%C3%A9)", "");
    assert!(raw.windows(6).any(|w| w == b"X-L: \xe9"));
    // §6.6 probe 3.
    let msg = error_500(&get(p, "/document.txt?pipe=header(X,1,yes)"));
    assert!(msg.contains("header(X,1,yes)"), "{msg}");
    error_500(&get(p, "/document.txt?pipe=header(X)"));
    // Header-only pipes leave the static file unframed (F-ST-9).
    let r = get(p, "/document.txt?pipe=header(X,1)|status(201)");
    assert!(r.header("Content-Length").is_none());
    assert_eq!(r.body, DOC.as_bytes());
}

#[test]
fn slice_pipe_exact_bytes_f_pp_3_f_st_9() {
    let root = docroot();
    let server = TestServer::start(root.path());
    let p = server.port();
    // §6.1: Content-Length set in header order, before Server and Date.
    let r = get(p, "/document.txt?pipe=slice(1,10)");
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        names(&r),
        vec!["Content-Type", "Content-Length", "Server", "Date"]
    );
    assert_eq!(r.header_str("Content-Length").as_deref(), Some("9"));
    assert_eq!(r.body, b"his is a ");
    let cases = [
        ("slice(1)", &DOC[1..]),
        ("slice(null,10)", &DOC[..10]),
        ("slice(-5)", &DOC[19..]),
        ("slice(null,-5)", &DOC[..19]),
        ("slice(2,1)", ""),
        ("slice(-100,100)", DOC),
    ];
    for (pipe, want) in cases {
        let r = get(p, &format!("/document.txt?pipe={pipe}"));
        assert_eq!(String::from_utf8_lossy(&r.body), want, "{pipe}");
        assert_eq!(
            r.header_str("Content-Length"),
            Some(want.len().to_string()),
            "{pipe}"
        );
    }
    error_500(&get(p, "/document.txt?pipe=slice(a)"));
    error_500(&get(p, "/document.txt?pipe=slice()"));
    error_500(&get(p, "/document.txt?pipe=slice(1,2,3)"));
}

#[test]
fn sub_pipe_and_dot_sub_files_f_pp_4_f_st_7_f_st_9() {
    let root = docroot();
    let server = TestServer::start(root.path());
    let p = server.port();
    // `?pipe=sub`: the body becomes bytes, so Content-Length comes after Date.
    let r = get(p, "/sub.txt?pipe=sub");
    assert_eq!(
        String::from_utf8_lossy(&r.body),
        format!("localhost localhost {p}\n")
    );
    assert_eq!(
        names(&r),
        vec!["Content-Type", "Server", "Date", "Content-Length"]
    );
    // Without a pipe the template is served as is.
    assert_eq!(
        get(p, "/sub.txt").body,
        b"{{host}} {{domains[]}} {{ports[http][0]}}\n"
    );
    // `.sub.` in the file name, then the query's pipes on the substituted body (test_pipes #20).
    assert_eq!(get(p, "/sub_url_base.sub.txt").body, b"Before / After\n");
    assert_eq!(
        get(p, "/sub_url_base.sub.txt?pipe=slice(5,10)").body,
        b"e / A"
    );
    // An unknown escape type fails only when something is substituted.
    error_500(&get(p, "/sub.txt?pipe=sub(bogus)"));
    assert_eq!(get(p, "/document.txt?pipe=sub(bogus)").body, DOC.as_bytes());
    error_500(&get(p, "/sub.txt?pipe=sub(none,x)"));
}

#[test]
fn trickle_headers_and_framing_f_pp_5() {
    let root = docroot();
    let server = TestServer::start(root.path());
    let p = server.port();
    // §6.1: cache headers appended, no Content-Length, the connection closes after the body.
    let r = get(p, "/document.txt?pipe=trickle(5:d0.05:r2)");
    assert_eq!(
        names(&r),
        vec![
            "Content-Type",
            "Cache-Control",
            "Pragma",
            "Expires",
            "Server",
            "Date"
        ]
    );
    assert_eq!(
        r.header_str("Cache-Control").as_deref(),
        Some("no-cache, no-store, must-revalidate")
    );
    assert_eq!(r.header_str("Pragma").as_deref(), Some("no-cache"));
    assert_eq!(r.header_str("Expires").as_deref(), Some("0"));
    assert_eq!(r.body, DOC.as_bytes());
    // Any one of the three present: none is added.
    let r = get(p, "/document.txt?pipe=header(Expires,1)|trickle(d0)");
    assert!(r.header("Cache-Control").is_none() && r.header("Pragma").is_none());
    // §6.6 probe 3 and the cases wptserve cannot finish.
    for bad in [
        "trickle(5:r3)",
        "trickle()",
        "trickle(5:5)",
        "trickle(d1:d1)",
        "trickle(5:r0)",
        "trickle(d1:r2)",
    ] {
        let msg = error_500(&get(p, &format!("/document.txt?pipe={bad}")));
        assert!(msg.contains("trickle"), "{bad}: {msg}");
    }
}

#[test]
fn trickle_timing_streams_chunks_as_produced_f_pp_5() {
    let root = docroot();
    let server = TestServer::start(root.path());
    let p = server.port();
    // test_pipes #25 scaled down: 1 byte, 0.2 s, 5 bytes, 0.1 s, then (5 bytes, 0.1 s) until the
    // 24 bytes are out: 4 more delays, 0.7 s in all.
    let mut stream = wpthost_tests::connect(p);
    let start = Instant::now();
    std::io::Write::write_all(
        &mut stream,
        format!("GET /document.txt?pipe=trickle(1:d0.2:5:d0.1:r2) HTTP/1.1\r\nHost: localhost:{p}\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    let mut arrivals: Vec<(Duration, usize)> = Vec::new();
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                arrivals.push((start.elapsed(), n));
                all.extend_from_slice(&buf[..n]);
            }
        }
    }
    let total = start.elapsed();
    let r = RawResponse::parse(&all);
    assert_eq!(r.body, DOC.as_bytes());
    assert!(total >= Duration::from_millis(690), "{total:?}");
    assert!(total < Duration::from_millis(1400), "{total:?}");
    // The head and the first byte leave at once; the rest arrives in several later pieces.
    assert!(arrivals[0].0 < Duration::from_millis(150), "{arrivals:?}");
    assert!(arrivals.len() >= 5, "{arrivals:?}");
}

#[test]
fn two_hundred_concurrent_trickles_hold_no_thread_f_pp_5() {
    let root = docroot();
    let server = TestServer::start(root.path());
    let p = server.port();
    const CLIENTS: usize = 200;
    // Connect everyone first, then send all requests at once: the clock measures the server only.
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(CLIENTS + 1));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut stream = wpthost_tests::connect(p);
                barrier.wait();
                std::io::Write::write_all(
                    &mut stream,
                    format!(
                        "GET /document.txt?pipe=trickle(d1) HTTP/1.1\r\nHost: localhost:{p}\r\n\r\n"
                    )
                    .as_bytes(),
                )
                .unwrap();
                let raw = wpthost_tests::read_to_close(&mut stream, Duration::from_secs(10));
                (Instant::now(), raw)
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    let mut last = start;
    for c in clients {
        let (done, raw) = c.join().unwrap();
        assert_eq!(RawResponse::parse(&raw).body, DOC.as_bytes());
        last = last.max(done);
    }
    let elapsed = last - start;
    // Each response sleeps 1 s; 200 of them at once still take about 1 s in all.
    assert!(elapsed >= Duration::from_millis(990), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1900), "{elapsed:?}");
}

#[test]
fn gzip_pipe_f_pp_6() {
    let root = docroot();
    let server = TestServer::start(root.path());
    let p = server.port();
    let r = get(p, "/document.txt?pipe=gzip");
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        names(&r),
        vec![
            "Content-Type",
            "Content-Encoding",
            "Content-Length",
            "Server",
            "Date"
        ]
    );
    assert_eq!(r.header_str("Content-Encoding").as_deref(), Some("gzip"));
    assert_eq!(
        r.header_str("Content-Length"),
        Some(r.body.len().to_string())
    );
    let mut out = String::new();
    flate2::read::GzDecoder::new(&r.body[..])
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, DOC);
    error_500(&get(p, "/document.txt?pipe=gzip()"));
}

#[test]
fn grammar_unknown_pipes_and_last_pipe_wins_f_pp_9_f_pp_10() {
    let root = docroot();
    let server = TestServer::start(root.path());
    let p = server.port();
    assert_eq!(
        get(p, "/document.txt?pipe=status(201)&pipe=status(202)").status_code(),
        202
    );
    // Empty values are skipped by wptserve's parse_qs.
    assert_eq!(
        get(p, "/document.txt?pipe=status(201)&pipe=").status_code(),
        201
    );
    let msg = error_500(&get(p, "/document.txt?pipe=nosuchpipe"));
    assert!(msg.contains("unknown pipe \\\"nosuchpipe\\\""), "{msg}");
    // The docs' `headers` is not a pipe; names are checked before anything runs.
    error_500(&get(p, "/document.txt?pipe=status(201)|headers(X,1)"));
    error_500(&get(p, r"/document.txt?pipe=header(X,abc\"));
    // Empty names between bars are skipped; left to right: slice then gzip.
    let r = get(p, "/document.txt?pipe=|slice(0,4)||gzip|");
    let mut out = String::new();
    flate2::read::GzDecoder::new(&r.body[..])
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, "This");
    // A bad pipe string costs only its own response.
    assert_eq!(get(p, "/document.txt").body, DOC.as_bytes());
}

#[test]
fn range_then_pipes_f_rg_7() {
    let root = docroot();
    let server = TestServer::start(root.path());
    let p = server.port();
    let (r, _) = fetch(p, "/document.txt?pipe=slice(1,4)", "Range: bytes=10-19\r\n");
    assert_eq!(r.status_code(), 206);
    assert_eq!(r.body, b"est");
    assert_eq!(r.header_str("Content-Length").as_deref(), Some("3"));
}

#[test]
fn asis_ignores_pipes_f_pp_8_f_as_2() {
    let root = docroot();
    let server = TestServer::start(root.path());
    let p = server.port();
    for pipe in ["slice(null,2)", "header(X-TEST,FAIL)", "status(500)"] {
        let r = get(p, &format!("/test.asis?pipe={pipe}"));
        assert_eq!(r.status_line, "HTTP/1.1 202 Giraffe", "{pipe}");
        assert_eq!(r.header_all("X-TEST"), vec![&b"PASS"[..]], "{pipe}");
        assert_eq!(r.body, b"Content", "{pipe}");
    }
    let start = Instant::now();
    assert_eq!(
        get(p, "/test.asis?pipe=trickle(1:d2:5:d1:r2)").body,
        b"Content"
    );
    assert!(start.elapsed() < Duration::from_secs(2));
}

/// The reference's launcher, shared with the differential test.
#[allow(dead_code)]
#[path = "../differential/harness/reference.rs"]
mod reference;

/// When each body byte arrived, relative to sending the request.
fn body_arrivals(port: u16, target: &str) -> Vec<(Duration, usize)> {
    let mut stream = wpthost_tests::connect(port);
    let start = Instant::now();
    std::io::Write::write_all(
        &mut stream,
        format!("GET {target} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    let mut head = Vec::new();
    let mut arrivals = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let at = start.elapsed();
                if head.windows(4).any(|w| w == b"\r\n\r\n") {
                    arrivals.push((at, n));
                    continue;
                }
                head.extend_from_slice(&buf[..n]);
                if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                    let body = head.len() - end - 4;
                    if body > 0 {
                        arrivals.push((at, body));
                    }
                }
            }
        }
    }
    arrivals
}

/// Cumulative bytes received by each of `marks`, to compare two servers' pacing.
fn progress(arrivals: &[(Duration, usize)], marks: &[Duration]) -> Vec<usize> {
    marks
        .iter()
        .map(|m| {
            arrivals
                .iter()
                .filter(|(t, _)| t <= m)
                .map(|(_, n)| n)
                .sum()
        })
        .collect()
}

#[test]
fn trickle_timing_matches_wptserve_f_pp_5() {
    let python = match reference::ensure_venv() {
        Ok(p) => p,
        Err(e) => panic!("reference virtualenv: {e}"),
    };
    let doc_root = reference::repo_root().join("tests/differential/docroot");
    let ours = TestServer::start_with_config(serde_json::json!({
        "doc_root": doc_root,
        "browser_host": "localhost",
    }));
    let theirs = match reference::ReferenceServer::start(
        &python,
        &reference::ReferenceSettings {
            doc_root: &doc_root,
            browser_host: "localhost",
            alternate_hosts: serde_json::json!(ours.config.alternate_hosts),
            subdomains: &ours.config.subdomains,
            not_subdomains: &ours.config.not_subdomains,
        },
    ) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let ms = Duration::from_millis;
    // Sample each profile between the steps (steps at 0, 150, 250, 350, 450 ms and so on).
    let cases = [
        ("trickle(d0.3)", vec![ms(100), ms(250), ms(400)]),
        (
            "trickle(5:d0.1:r2)",
            vec![ms(50), ms(150), ms(250), ms(350), ms(450), ms(600)],
        ),
        (
            "trickle(1:d0.15:5:d0.1:r2)",
            vec![ms(75), ms(200), ms(300), ms(400), ms(500), ms(600), ms(750)],
        ),
    ];
    for (pipe, marks) in cases {
        let target = format!("/pipes/document.txt?pipe={pipe}");
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| body_arrivals(theirs.port, &target));
            let b = s.spawn(|| body_arrivals(ours.port(), &target));
            (a.join().unwrap(), b.join().unwrap())
        });
        assert_eq!(
            progress(&b, &marks),
            progress(&a, &marks),
            "{pipe}: bytes received by {marks:?}: wpthost {b:?}, wptserve {a:?}"
        );
        let end = |v: &[(Duration, usize)]| v.last().map(|(t, _)| *t).unwrap_or_default();
        let (ta, tb) = (end(&a), end(&b));
        let diff = ta.abs_diff(tb);
        assert!(
            diff < ms(75),
            "{pipe}: last byte at {tb:?} (wpthost) vs {ta:?} (wptserve)"
        );
    }
}
