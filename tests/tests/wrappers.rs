//! Generated test wrappers on the wire (F-SV-1..4, F-HD-6): every variant byte-identical to the
//! serve.py templates of §6.5, META handling, the exposure 404, and the JS file's headers.

use wpthost_tests::{get, RawResponse, TempDocRoot, TestServer};

const TESTHARNESS: &str = "<script src=\"/resources/testharness.js\"></script>\n<script src=\"/resources/testharnessreport.js\"></script>\n";

fn site(files: &[(&str, &str)]) -> (TempDocRoot, TestServer) {
    let root = TempDocRoot::new();
    for (path, body) in files {
        root.write(path, body.as_bytes());
    }
    let server = TestServer::start(root.path());
    (root, server)
}

fn ok(resp: &RawResponse, content_type: &str) {
    assert_eq!(resp.status_line, "HTTP/1.1 200 OK", "{}", resp.body_str());
    assert_eq!(
        resp.header_str("Content-Type").as_deref(),
        Some(content_type)
    );
    assert_eq!(
        resp.header_str("Content-Length"),
        Some(resp.body.len().to_string())
    );
}

const META_JS: &str = "// META: title=T & <t>\n// META: timeout=long\n// META: global=window,worker,shadowrealm,dedicatedworker-module,sharedworker-module,serviceworker-module\n// META: script=/common/a.js?x=1&y=\"2\"\ntest(() => {});\n";

#[test]
fn f_sv_2_any_html_byte_identical() {
    let (_root, server) = site(&[("d/t.any.js", META_JS)]);
    let resp = get(server.port(), "/d/t.any.html");
    ok(&resp, "text/html");
    let expected = format!(
        "<!doctype html>\n<meta charset=utf-8>\n<title>T &amp; &lt;t></title>\n<meta name=\"timeout\" content=\"long\">\n<script>\nself.GLOBAL = {{\n  isWindow: function() {{ return true; }},\n  isWorker: function() {{ return false; }},\n  isShadowRealm: function() {{ return false; }},\n}};\n</script>\n{TESTHARNESS}<script src=\"/common/a.js?x=1&amp;y=&quot;2&quot;\"></script>\n<div id=log></div>\n<script src=\"/d/t.any.js\"></script>\n"
    );
    assert_eq!(resp.body_str(), expected);
}

#[test]
fn f_sv_4_worker_pages_byte_identical() {
    let (_root, server) = site(&[("t.any.js", META_JS)]);
    let meta = "<title>T &amp; &lt;t></title>\n<meta name=\"timeout\" content=\"long\">\n";
    let page = |body: &str| {
        format!("<!doctype html>\n<meta charset=utf-8>\n{meta}{TESTHARNESS}<div id=log></div>\n<script>\n{body}</script>\n")
    };
    let cases = [
        (
            "/t.any.worker.html?a=b",
            page("fetch_tests_from_worker(new Worker(\"/t.any.worker.js?a=b\"));\n"),
        ),
        (
            "/t.any.worker-module.html",
            page("fetch_tests_from_worker(new Worker(\"/t.any.worker-module.js\", { type: \"module\" }));\n"),
        ),
        (
            "/t.any.sharedworker.html",
            page("fetch_tests_from_worker(new SharedWorker(\"/t.any.worker.js\"));\n"),
        ),
        (
            "/t.any.sharedworker-module.html",
            page("fetch_tests_from_worker(new SharedWorker(\"/t.any.worker-module.js\", { type: \"module\" }));\n"),
        ),
        (
            "/t.any.serviceworker.html",
            page("(async function() {\n  const scope = 'does/not/exist';\n  let reg = await navigator.serviceWorker.getRegistration(scope);\n  if (reg) await reg.unregister();\n  reg = await navigator.serviceWorker.register(\"/t.any.worker.js\", {scope});\n  fetch_tests_from_worker(reg.installing);\n})();\n"),
        ),
        (
            "/t.any.serviceworker-module.html?q",
            page("(async function() {\n  const scope = 'does/not/exist';\n  let reg = await navigator.serviceWorker.getRegistration(scope);\n  if (reg) await reg.unregister();\n  reg = await navigator.serviceWorker.register(\n    \"/t.any.worker-module.js?q\",\n    { scope, type: 'module' },\n  );\n  fetch_tests_from_worker(reg.installing);\n})();\n"),
        ),
    ];
    for (path, expected) in cases {
        let resp = get(server.port(), path);
        ok(&resp, "text/html");
        assert_eq!(resp.body_str(), expected, "{path}");
    }
}

#[test]
fn f_sv_4_worker_scripts_byte_identical() {
    let (_root, server) = site(&[("t.any.js", META_JS)]);
    let global = "self.GLOBAL = {\n  isWindow: function() { return false; },\n  isWorker: function() { return true; },\n  isShadowRealm: function() { return false; },\n};\n";
    let resp = get(server.port(), "/t.any.worker.js");
    ok(&resp, "text/javascript");
    assert_eq!(
        resp.body_str(),
        format!("\n{global}importScripts(\"/resources/testharness.js\");\nself.META_TITLE = \"T & <t>\";\nimportScripts(\"/common/a.js?x=1&y=\\\"2\\\"\")\nimportScripts(\"/t.any.js\");\ndone();\n")
    );
    let resp = get(server.port(), "/t.any.worker-module.js");
    ok(&resp, "text/javascript");
    assert_eq!(
        resp.body_str(),
        format!("\n{global}import \"/resources/testharness.js\";\nself.META_TITLE = \"T & <t>\";\nimport \"/common/a.js?x=1&y=\\\"2\\\"\";\nimport \"/t.any.js\";\ndone();\n")
    );
}

#[test]
fn f_sv_4_window_worker_and_shadowrealm_pages() {
    let (_root, server) = site(&[
        ("w.window.js", "// META: script=/s.js\nx();\n"),
        ("k.worker.js", "// META: title=K\nx();\n"),
        ("t.any.js", META_JS),
    ]);
    let resp = get(server.port(), "/w.window.html");
    ok(&resp, "text/html");
    assert_eq!(
        resp.body_str(),
        format!("<!doctype html>\n<meta charset=utf-8>\n\n{TESTHARNESS}<script src=\"/s.js\"></script>\n<div id=log></div>\n<script src=\"/w.window.js\"></script>\n")
    );
    let resp = get(server.port(), "/k.worker.html");
    ok(&resp, "text/html");
    assert_eq!(
        resp.body_str(),
        format!("<!doctype html>\n<meta charset=utf-8>\n<title>K</title>\n{TESTHARNESS}<div id=log></div>\n<script>\nfetch_tests_from_worker(new Worker(\"/k.worker.js\"));\n</script>\n")
    );
    let resp = get(server.port(), "/t.any.shadowrealm.html");
    ok(&resp, "text/html");
    let body = resp.body_str();
    assert!(body.starts_with("<!doctype html>\n<meta charset=utf-8>\n<title>T &amp; &lt;t></title>\n<meta name=\"timeout\" content=\"long\">\n"), "{body}");
    assert!(body.contains("        await import(\"/resources/testharness.js\");\n        await import(\"/common/a.js?x=1&y=\"2\"\");\n        await import(\"/t.any.js\");\n"), "{body}");
    assert!(
        body.ends_with("  await fetch_tests_from_shadow_realm(r);\n  done();\n})();\n</script>\n")
    );
}

/// `// META: global=window-module` exposes the window-module page (reference §4.1 #44): the window
/// page with a module script.
#[test]
fn f_sv_4_window_module_page_for_global_window_module() {
    let (_root, server) = site(&[("m.any.js", "// META: global=window-module\n")]);
    let resp = get(server.port(), "/m.any.window-module.html");
    ok(&resp, "text/html");
    assert_eq!(
        resp.body_str(),
        format!("<!doctype html>\n<meta charset=utf-8>\n\n{TESTHARNESS}\n<div id=log></div>\n<script type=module src=\"/m.any.js\"></script>\n")
    );
    // Only that global: the classic window page is not exposed.
    assert_eq!(get(server.port(), "/m.any.html").status_code(), 404);
}

fn error_body(code: u16, message: &str) -> String {
    format!("{{\"error\": {{\"code\": {code}, \"message\": \"{message}\"}}}}")
}

#[test]
fn f_sv_3_unsupported_global_is_404() {
    let (_root, server) = site(&[
        ("plain.any.js", "test(() => {});\n"),
        ("win.any.js", "// META: global=window\n"),
    ]);
    for (path, mode) in [
        ("/plain.any.sharedworker.html", "sharedworker"),
        ("/plain.any.serviceworker.html", "serviceworker"),
        ("/plain.any.shadowrealm.html", "shadowrealm"),
        ("/plain.any.worker-module.html", "dedicatedworker-module"),
        ("/win.any.worker.html", "dedicatedworker"),
        ("/plain.any.window-module.html", "window-module"),
    ] {
        let resp = get(server.port(), path);
        assert_eq!(resp.status_line, "HTTP/1.1 404 Not Found", "{path}");
        assert_eq!(
            resp.body_str(),
            error_body(
                404,
                &format!("(404, 'This test cannot be loaded in {mode} mode')")
            ),
            "{path}"
        );
    }
    // Default globals: window and dedicated worker.
    assert_eq!(get(server.port(), "/plain.any.html").status_code(), 200);
    assert_eq!(
        get(server.port(), "/plain.any.worker.html").status_code(),
        200
    );
    // The worker scripts themselves are never checked.
    assert_eq!(get(server.port(), "/win.any.worker.js").status_code(), 200);
}

#[test]
fn f_sv_2_missing_js_is_404_and_disk_files_never_served() {
    let (_root, server) = site(&[("t.any.js", "x();\n"), ("t.any.html", "ON DISK")]);
    let resp = get(server.port(), "/t.any.html");
    assert!(
        resp.body_str().starts_with("<!doctype html>"),
        "{}",
        resp.body_str()
    );
    let resp = get(server.port(), "/nothere.any.html");
    assert_eq!(resp.status_code(), 404);
    assert_eq!(resp.body_str(), error_body(404, "404"));
    let resp = get(server.port(), "/nothere.window.html");
    assert_eq!(resp.body_str(), error_body(404, "404"));
    // POST does not reach the wrapper routes.
    let raw = wpthost_tests::raw_exchange(
        server.port(),
        b"POST /t.any.html HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    let resp = RawResponse::parse(&raw);
    assert_eq!(resp.status_code(), 404);
}

#[test]
fn f_hd_6_js_file_headers_with_set_semantics() {
    let (_root, server) = site(&[
        ("h/t.any.js", "x();\n"),
        ("h/__dir__.headers", "X-Dir: d\nX-Both: from-dir\n"),
        (
            "h/t.any.js.headers",
            "Content-Type: text/plain;charset=x\nX-Both: from-file\nX-Twice: 1\nX-Twice: 2\n",
        ),
    ]);
    let resp = get(server.port(), "/h/t.any.html");
    assert_eq!(resp.status_code(), 200);
    let names: Vec<&str> = resp.header_names();
    assert_eq!(
        &names[..4],
        ["Content-Type", "X-Dir", "X-Both", "X-Twice"],
        "{names:?}"
    );
    assert_eq!(
        resp.header_str("Content-Type").as_deref(),
        Some("text/plain;charset=x")
    );
    assert_eq!(resp.header_all("X-Both"), vec![&b"from-file"[..]]);
    assert_eq!(resp.header_all("X-Twice"), vec![&b"2"[..]]);
}

#[test]
fn f_sv_2_pipes_apply_to_wrappers() {
    let (_root, server) = site(&[("t.any.js", "x();\n")]);
    let resp = get(
        server.port(),
        "/t.any.worker.html?pipe=header(X-Piped,yes)|status(202)",
    );
    assert_eq!(resp.status_code(), 202);
    assert_eq!(resp.header_str("X-Piped").as_deref(), Some("yes"));
    assert!(resp
        .body_str()
        .contains("new Worker(\"/t.any.worker.js?pipe=header(X-Piped,yes)|status(202)\")"));
}
