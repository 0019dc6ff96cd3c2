//! Unit tests of wrapper routing and rendering (F-SV-1..4); the wire tests in
//! tests/tests/wrappers.rs check the served bytes.

use super::*;

fn meta(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn f_sv_1_route_priority() {
    use WrapperKind::*;
    let cases = [
        ("/a/t.any.html", Some(AnyHtml)),
        ("/t.any.worker.html", Some(Workers)),
        ("/t.worker.html", Some(Workers)),
        ("/t.any.worker-module.html", Some(WorkerModules)),
        ("/t.window.html", Some(Window)),
        ("/t.any.sharedworker.html", Some(SharedWorkers)),
        ("/t.any.sharedworker-module.html", Some(SharedWorkerModules)),
        ("/t.any.serviceworker.html", Some(ServiceWorkers)),
        (
            "/t.any.serviceworker-module.html",
            Some(ServiceWorkerModules),
        ),
        ("/t.any.shadowrealm.html", Some(ShadowRealm)),
        ("/t.any.window-module.html", Some(WindowModules)),
        ("/t.any.worker.js", Some(ClassicWorker)),
        ("/t.any.worker-module.js", Some(ModuleWorker)),
        ("/t.any.js", None),
        ("/t.html", None),
    ];
    for (path, kind) in cases {
        assert_eq!(resolve("GET", path, "/"), kind, "{path}");
    }
    assert_eq!(resolve("HEAD", "/t.any.html", "/"), Some(AnyHtml));
    assert_eq!(resolve("POST", "/t.any.html", "/"), None);
    assert_eq!(resolve("GET", "/x/t.any.html", "/x/"), Some(AnyHtml));
    assert_eq!(resolve("GET", "/t.any.html", "/x/"), None);
}

#[test]
fn f_sv_2_paths() {
    use WrapperKind::*;
    assert_eq!(
        Workers.replace_path("/d/t.any.worker.html", false),
        "/d/t.any.js"
    );
    assert_eq!(
        Workers.replace_path("/d/t.any.worker.html", true),
        "/d/t.any.worker.js"
    );
    assert_eq!(
        Workers.replace_path("/d/t.worker.html", false),
        "/d/t.worker.js"
    );
    assert_eq!(
        SharedWorkerModules.replace_path("/t.any.sharedworker-module.html", true),
        "/t.any.worker-module.js"
    );
    assert_eq!(
        ClassicWorker.replace_path("/t.any.worker.js", true),
        "/t.any.js"
    );
    assert_eq!(Window.replace_path("/t.window.html", false), "/t.window.js");
}

#[test]
fn f_sv_3_any_html_with_meta_matches_6_5() {
    let body = build(
        WrapperKind::AnyHtml,
        &meta(&[
            ("title", "a & <b>"),
            ("timeout", "long"),
            ("script", "/x.js?a=1&b=\"2\""),
            ("variant", "?1"),
        ]),
        "/t.any.js",
        "q=1",
    )
    .expect("exposed");
    let expected = "<!doctype html>\n<meta charset=utf-8>\n<title>a &amp; &lt;b></title>\n<meta name=\"timeout\" content=\"long\">\n<script>\nself.GLOBAL = {\n  isWindow: function() { return true; },\n  isWorker: function() { return false; },\n  isShadowRealm: function() { return false; },\n};\n</script>\n<script src=\"/resources/testharness.js\"></script>\n<script src=\"/resources/testharnessreport.js\"></script>\n<script src=\"/x.js?a=1&amp;b=&quot;2&quot;\"></script>\n<div id=log></div>\n<script src=\"/t.any.js\"></script>\n";
    assert_eq!(body, expected);
}

#[test]
fn f_sv_4_empty_meta_leaves_empty_lines() {
    let body = build(WrapperKind::Workers, &[], "/t.any.worker.js", "x=%20").expect("exposed");
    assert_eq!(
        body,
        "<!doctype html>\n<meta charset=utf-8>\n\n<script src=\"/resources/testharness.js\"></script>\n<script src=\"/resources/testharnessreport.js\"></script>\n<div id=log></div>\n<script>\nfetch_tests_from_worker(new Worker(\"/t.any.worker.js?x=%20\"));\n</script>\n"
    );
}

#[test]
fn f_sv_3_worker_js_escapes_and_titles() {
    let body = build(
        WrapperKind::ClassicWorker,
        &meta(&[
            ("title", "say \"hi\""),
            ("script", "/a\\b.js"),
            ("timeout", "long"),
        ]),
        "/t.any.js",
        "",
    )
    .expect("no exposure check");
    assert_eq!(
        body,
        "\nself.GLOBAL = {\n  isWindow: function() { return false; },\n  isWorker: function() { return true; },\n  isShadowRealm: function() { return false; },\n};\nimportScripts(\"/resources/testharness.js\");\nself.META_TITLE = \"say \\\"hi\\\"\";\nimportScripts(\"/a\\\\b.js\")\nimportScripts(\"/t.any.js\");\ndone();\n"
    );
    let module = build(
        WrapperKind::ModuleWorker,
        &meta(&[("script", "/m.js")]),
        "/t.any.js",
        "",
    )
    .expect("no exposure check");
    assert!(module.contains("\nimport \"/resources/testharness.js\";\nimport \"/m.js\";\nimport \"/t.any.js\";\ndone();\n"));
}

#[test]
fn f_sv_3_exposure_404_message() {
    let err = build(WrapperKind::SharedWorkers, &[], "/t.any.worker.js", "")
        .expect_err("default globals");
    assert_eq!(
        err,
        "(404, 'This test cannot be loaded in sharedworker mode')"
    );
    assert!(build(
        WrapperKind::SharedWorkers,
        &meta(&[("global", "worker")]),
        "/p",
        ""
    )
    .is_ok());
    assert!(build(
        WrapperKind::AnyHtml,
        &meta(&[("global", "worker")]),
        "/p",
        ""
    )
    .is_err());
    // Only the first global= line counts.
    assert!(build(
        WrapperKind::AnyHtml,
        &meta(&[("global", "worker"), ("global", "window")]),
        "/p",
        ""
    )
    .is_err());
    // window.js pages are never checked.
    assert!(build(
        WrapperKind::Window,
        &meta(&[("global", "worker")]),
        "/p",
        ""
    )
    .is_ok());
}

#[test]
fn f_sv_4_substituted_text_is_not_rescanned() {
    let body = build(
        WrapperKind::Window,
        &meta(&[("title", "%(path)s")]),
        "/t.window.js",
        "",
    )
    .expect("exposed");
    assert!(body.contains("<title>%(path)s</title>"));
}
