//! `.headers`, `__dir__.headers` and `.sub.headers` files on the wire (F-HD-1..4, F-HD-7), and
//! that edits take effect at once despite the parse cache.

use wpthost_tests::static_wire::{exchange, expected, normalize};
use wpthost_tests::{TempDocRoot, TestServer};

fn get_text(server: &TestServer, path: &str) -> String {
    normalize(&exchange(server.port(), "GET", path, ""))
}

#[test]
fn f_hd_1_dir_then_file_in_order() {
    // The §6.1 capture: dirh/__dir__.headers "X-Dir: yes"; b.txt.headers "X-B: 1/X-B: 2/Content-Type".
    let root = TempDocRoot::new();
    root.write("dirh/__dir__.headers", b"X-Dir: yes\n");
    root.write("dirh/b.txt", b"bee\n");
    root.write(
        "dirh/b.txt.headers",
        b"X-B: 1\nX-B: 2\nContent-Type: text/x-custom\n",
    );
    root.write("dirh/c.txt", b"sea\n");
    root.write("dirh/deeper/d.txt", b"dee\n");
    let server = TestServer::start(root.path());
    assert_eq!(
        get_text(&server, "/dirh/b.txt"),
        expected(
            &[
                "HTTP/1.1 200 OK",
                "X-Dir: yes",
                "X-B: 1",
                "X-B: 2",
                "Content-Type: text/x-custom",
                "{S}",
                "{D}"
            ],
            "bee\n"
        )
    );
    // Guessed Content-Type goes first, before the __dir__ headers.
    assert_eq!(
        get_text(&server, "/dirh/c.txt"),
        expected(
            &[
                "HTTP/1.1 200 OK",
                "Content-Type: text/plain",
                "X-Dir: yes",
                "{S}",
                "{D}"
            ],
            "sea\n"
        )
    );
    // __dir__ applies only to files directly in that directory.
    assert_eq!(
        get_text(&server, "/dirh/deeper/d.txt"),
        expected(
            &["HTTP/1.1 200 OK", "Content-Type: text/plain", "{S}", "{D}"],
            "dee\n"
        )
    );
}

#[test]
fn f_hd_1_sub_headers_shadow_plain() {
    let root = TempDocRoot::new();
    root.write("a.txt", b"a\n");
    root.write("a.txt.headers", b"X-Plain: 1\n");
    root.write("a.txt.sub.headers", b"X-Sub: 1\n");
    root.write("__dir__.headers", b"X-Dir-Plain: 1\n");
    root.write("__dir__.sub.headers", b"X-Dir-Sub: 1\n");
    let server = TestServer::start(root.path());
    assert_eq!(
        get_text(&server, "/a.txt"),
        expected(
            &[
                "HTTP/1.1 200 OK",
                "Content-Type: text/plain",
                "X-Dir-Sub: 1",
                "X-Sub: 1",
                "{S}",
                "{D}"
            ],
            "a\n"
        )
    );
}

#[test]
fn f_hd_2_syntax_strip_and_blank_lines() {
    let root = TempDocRoot::new();
    root.write("s.txt", b"s\n");
    root.write(
        "s.txt.headers",
        b"  X-Spaced  :   v: with colon  \r\n\r\nX-Empty:\rX-Raw: caf\xc3\xa9\n\n",
    );
    let server = TestServer::start(root.path());
    let raw = exchange(server.port(), "GET", "/s.txt", "");
    let want = expected(
        &[
            "HTTP/1.1 200 OK",
            "Content-Type: text/plain",
            "X-Spaced: v: with colon",
            "X-Empty: ",
            "X-Raw: caf\u{e9}",
            "{S}",
            "{D}",
        ],
        "s\n",
    );
    assert_eq!(normalize(&raw), want);
}

#[test]
fn f_hd_2_line_without_colon_is_500() {
    let root = TempDocRoot::new();
    root.write("bad.txt", b"bad\n");
    root.write("bad.txt.headers", b"X-Ok: 1\nthis line has no colon\n");
    let server = TestServer::start(root.path());
    let port = server.port();
    let raw = exchange(port, "GET", "/bad.txt", "");
    let message = format!(
        "Internal server error loading http://localhost:{port}/bad.txt:\\n  Traceback (most recent call last):\\n  ValueError: not enough values to unpack (expected 2, got 1)\\n"
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

#[test]
fn f_hd_3_duplicates_and_name_case() {
    // The §6.1 with_headers capture, minus the template parts.
    let root = TempDocRoot::new();
    root.write("with_headers.txt", b"Test document with custom headers\n");
    root.write(
        "with_headers.txt.headers",
        b"Custom-Header: PASS\nDouble-Header: PA\nlower-case: x\nDouble-Header: SS\nContent-Type: text/html\n",
    );
    let server = TestServer::start(root.path());
    assert_eq!(
        get_text(&server, "/with_headers.txt"),
        expected(
            &[
                "HTTP/1.1 200 OK",
                "Custom-Header: PASS",
                "Double-Header: PA",
                "Double-Header: SS",
                "lower-case: x",
                "Content-Type: text/html",
                "{S}",
                "{D}",
            ],
            "Test document with custom headers\n"
        )
    );
}

#[test]
fn f_hd_4_content_type_keeps_its_position_any_case() {
    let root = TempDocRoot::new();
    root.write("x.json", b"{}");
    root.write(
        "x.json.headers",
        b"X-First: 1\ncontent-TYPE: text/x-mine\nX-Last: 2\n",
    );
    let server = TestServer::start(root.path());
    assert_eq!(
        get_text(&server, "/x.json"),
        expected(
            &[
                "HTTP/1.1 200 OK",
                "X-First: 1",
                "content-TYPE: text/x-mine",
                "X-Last: 2",
                "{S}",
                "{D}"
            ],
            "{}"
        )
    );
}

#[test]
fn f_hd_7_errors_drop_file_headers() {
    let root = TempDocRoot::new();
    root.write("r.txt", b"0123456789");
    root.write("r.txt.headers", b"X-Gone: 1\n");
    let server = TestServer::start(root.path());
    let raw = exchange(server.port(), "GET", "/r.txt", "Range: bytes=50-60\r\n");
    let text = normalize(&raw);
    assert!(text.starts_with(
        "HTTP/1.1 416 Requested Range Not Satisfiable\r\nContent-Type: application/json\r\n"
    ));
    assert!(
        !text.contains("X-Gone") && !text.contains("Content-Range"),
        "{text}"
    );
}

#[test]
fn headers_file_edits_take_effect_immediately() {
    let root = TempDocRoot::new();
    root.write("e.txt", b"e\n");
    let server = TestServer::start(root.path());
    let plain = expected(
        &["HTTP/1.1 200 OK", "Content-Type: text/plain", "{S}", "{D}"],
        "e\n",
    );
    assert_eq!(get_text(&server, "/e.txt"), plain);
    root.write("e.txt.headers", b"X-Version: 1\n");
    let v1 = expected(
        &[
            "HTTP/1.1 200 OK",
            "Content-Type: text/plain",
            "X-Version: 1",
            "{S}",
            "{D}",
        ],
        "e\n",
    );
    assert_eq!(get_text(&server, "/e.txt"), v1);
    assert_eq!(get_text(&server, "/e.txt"), v1);
    // Same length, new content: the cache notices (mtime/ctime/inode), not just the size.
    root.write("e.txt.headers", b"X-Version: 2\n");
    let v2 = expected(
        &[
            "HTTP/1.1 200 OK",
            "Content-Type: text/plain",
            "X-Version: 2",
            "{S}",
            "{D}",
        ],
        "e\n",
    );
    assert_eq!(get_text(&server, "/e.txt"), v2);
    let _ = std::fs::remove_file(root.path().join("e.txt.headers"));
    assert_eq!(get_text(&server, "/e.txt"), plain);
}

#[test]
fn f_hd_1_sub_headers_are_rendered_per_request() {
    // The §4.0 with_headers.txt.sub.headers: `$id` is scoped to the file, so both headers agree.
    let root = TempDocRoot::new();
    root.write("with_headers.txt", b"Test document with custom headers\n");
    root.write(
        "with_headers.txt.sub.headers",
        b"Custom-Header: PASS\nAnother-Header: {{$id:uuid()}}\nSame-Value-Header: {{$id}}\nDouble-Header: PA\nDouble-Header: SS\nContent-Type: text/html\nX-Query: {{GET[x]}}\n",
    );
    let server = TestServer::start(root.path());
    let mut seen = Vec::new();
    for x in ["one", "two"] {
        let raw = exchange(
            server.port(),
            "GET",
            &format!("/with_headers.txt?x={x}"),
            "",
        );
        let text = normalize(&raw);
        let value = |name: &str| {
            text.split("\r\n")
                .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                .unwrap_or("")
                .to_string()
        };
        let id = value("Another-Header");
        assert_eq!(id.len(), 36, "{text}");
        assert_eq!(value("Same-Value-Header"), id);
        assert_eq!(
            text,
            expected(
                &[
                    "HTTP/1.1 200 OK",
                    "Custom-Header: PASS",
                    &format!("Another-Header: {id}"),
                    &format!("Same-Value-Header: {id}"),
                    "Double-Header: PA",
                    "Double-Header: SS",
                    "Content-Type: text/html",
                    &format!("X-Query: {x}"),
                    "{S}",
                    "{D}",
                ],
                "Test document with custom headers\n"
            )
        );
        seen.push(id);
    }
    assert_ne!(seen[0], seen[1], "rendered per request, not cached");
}

#[test]
fn f_hd_1_sub_headers_template_error_is_500() {
    let root = TempDocRoot::new();
    root.write("t.txt", b"t\n");
    root.write("t.txt.sub.headers", b"X-Missing: {{headers[X-Not-Sent]}}\n");
    let server = TestServer::start(root.path());
    let raw = exchange(server.port(), "GET", "/t.txt", "");
    let text = normalize(&raw);
    assert!(
        text.starts_with(
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{{\"error\": {{\"code\": 500, \"message\": \"Internal server error loading http://localhost:{}/t.txt:\\n  ",
            server.port()
        )),
        "{text}"
    );
}

/// Missing headers files are remembered per directory version (one `stat` of the directory instead
/// of four failing ones); creating one changes the directory, so the next request sees it (F-HD-1,
/// F-HD-2), also for a directory that had settled long before.
#[test]
fn f_hd_1_2_headers_file_created_later_applies_to_the_next_request() {
    let root = TempDocRoot::new();
    let file = root.write("late/a.txt", b"a\n");
    let dir = file
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let settled = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    std::fs::File::open(&dir)
        .and_then(|d| d.set_modified(settled))
        .unwrap_or_else(|e| panic!("{e}"));
    let server = TestServer::start(root.path());
    for _ in 0..2 {
        assert!(!get_text(&server, "/late/a.txt").contains("X-Late"));
    }
    root.write("late/a.txt.headers", b"X-Late: own\n");
    assert!(get_text(&server, "/late/a.txt").contains("X-Late: own"));
    root.write("late/__dir__.headers", b"X-Late-Dir: dir\n");
    assert!(get_text(&server, "/late/a.txt").contains("X-Late-Dir: dir"));
    // And removing one is seen at once too.
    std::fs::remove_file(dir.join("a.txt.headers")).unwrap_or_else(|e| panic!("{e}"));
    assert!(!get_text(&server, "/late/a.txt").contains("X-Late: own"));
}

/// Directory versions come from inotify where it can be had: a change anywhere on the path, however
/// fast after the last request and however deep, applies to the next request. Here an ancestor of
/// the file's directory is swapped for a new tree, and a directory is removed and made again, each
/// within the same second (F-HD-1, F-HD-2).
#[test]
fn f_hd_1_2_swapped_and_recreated_directories_apply_to_the_next_request() {
    let root = TempDocRoot::new();
    root.write("deep/a/b/c/x.txt", b"x\n");
    let server = TestServer::start(root.path());
    for _ in 0..3 {
        assert!(!get_text(&server, "/deep/a/b/c/x.txt").contains("X-Tree"));
    }
    let deep = root.path().join("deep");
    std::fs::rename(deep.join("a"), deep.join("old")).unwrap_or_else(|e| panic!("{e}"));
    root.write("deep/a/b/c/x.txt", b"x\n");
    root.write("deep/a/b/c/x.txt.headers", b"X-Tree: new\n");
    assert!(get_text(&server, "/deep/a/b/c/x.txt").contains("X-Tree: new"));
    // The old tree, moved away, still answers under its new name, without the new headers.
    assert!(!get_text(&server, "/deep/old/b/c/x.txt").contains("X-Tree"));
    std::fs::remove_dir_all(deep.join("a").join("b")).unwrap_or_else(|e| panic!("{e}"));
    root.write("deep/a/b/c/x.txt", b"x\n");
    assert!(!get_text(&server, "/deep/a/b/c/x.txt").contains("X-Tree"));
    root.write("deep/a/b/c/__dir__.headers", b"X-Tree: dir\n");
    assert!(get_text(&server, "/deep/a/b/c/x.txt").contains("X-Tree: dir"));
}

/// A headers file that is a symlink to a missing file starts to apply when its target appears,
/// though nothing changes in the directory of the file served (F-HD-1).
#[cfg(unix)]
#[test]
fn f_hd_1_dangling_headers_symlink_applies_once_its_target_appears() {
    let root = TempDocRoot::new();
    root.write("ln/x.txt", b"x\n");
    let elsewhere = TempDocRoot::new();
    let target = elsewhere.path().join("x.headers");
    std::os::unix::fs::symlink(&target, root.path().join("ln/x.txt.headers"))
        .unwrap_or_else(|e| panic!("{e}"));
    let server = TestServer::start(root.path());
    for _ in 0..3 {
        assert!(!get_text(&server, "/ln/x.txt").contains("X-Link"));
    }
    std::fs::write(&target, b"X-Link: yes\n").unwrap_or_else(|e| panic!("{e}"));
    assert!(get_text(&server, "/ln/x.txt").contains("X-Link: yes"));
}

/// A FIFO in the document root is not a file: 404 at once, without waiting for a writer (the
/// file is opened non-blocking).
#[cfg(unix)]
#[test]
fn fifo_is_not_served_and_does_not_block() {
    let root = TempDocRoot::new();
    root.write("x.txt", b"x\n");
    let fifo = root.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo failed");
    let server = TestServer::start(root.path());
    let started = std::time::Instant::now();
    assert!(get_text(&server, "/pipe").starts_with("HTTP/1.1 404"));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(get_text(&server, "/x.txt").starts_with("HTTP/1.1 200"));
}
