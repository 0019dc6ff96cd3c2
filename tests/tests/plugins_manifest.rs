//! Per-directory manifests (`__dir__.handlers.json`, issue 4 item 3): the nearest manifest governs a
//! path, patterns are wptserve's (F-RT-1..3) relative to the manifest's directory, methods filter;
//! a malformed manifest or an unusable component gives a 500 naming the problem for the paths it
//! governs while the server keeps running; changes apply to the next request (hot reload) while
//! requests in flight finish on their version; compiled components are cached on disk.

#[path = "plugins_support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;
use support::{error_message, Site};

fn route_of(site: &Site, path: &str) -> String {
    let resp = site.actions(path, &["request"]);
    assert_eq!(resp.status_code(), 200, "{path}: {}", resp.body_str());
    resp.body_str()
        .lines()
        .filter(|l| l.starts_with("route["))
        .collect::<Vec<_>>()
        .join(";")
}

#[test]
fn nearest_manifest_wins_and_patterns_are_relative() {
    let site = Site::new();
    site.install("a.wasm", "test-actions");
    site.manifest(
        "",
        serde_json::json!({"handlers": [
            {"route": "d/{outer}", "component": "a.wasm"},
            {"route": "top", "component": "a.wasm"},
        ]}),
    );
    site.manifest(
        "d",
        serde_json::json!({"handlers": [
            {"route": "{inner}.x", "component": "../a.wasm"},
            {"route": "files/*", "component": "../a.wasm"},
        ]}),
    );
    site.root.write("d/static.txt", b"static");
    assert_eq!(route_of(&site, "/top"), "");
    assert_eq!(route_of(&site, "/d/name.x"), "route[inner]=name");
    assert_eq!(route_of(&site, "/d/files/a/b.txt"), "route[*]=a/b.txt");
    // Governed by d/'s manifest, which has no route for it: the root manifest is not consulted.
    let resp = site.request("GET /d/static.txt HTTP/1.1", b"");
    assert_eq!(resp.body, b"static");
    // Deeper directories without a manifest of their own are governed by d/'s.
    assert_eq!(route_of(&site, "/d/files/deep/er/c"), "route[*]=deep/er/c");
}

#[test]
fn methods_filter_and_get_takes_head_f_rt_3() {
    let site = Site::new();
    site.install("p/a.wasm", "test-actions");
    site.manifest(
        "p",
        serde_json::json!({"handlers": [
            {"route": "post-only", "component": "a.wasm", "methods": ["POST"]},
            {"route": "get", "component": "a.wasm", "methods": ["GET"]},
        ]}),
    );
    let resp = site.request("POST /p/post-only HTTP/1.1\r\nX-Action: body posted", b"");
    assert_eq!(resp.body, b"posted");
    let resp = site.request("GET /p/post-only HTTP/1.1\r\nX-Action: body posted", b"");
    assert_eq!(resp.status_code(), 404);
    let raw = site.request_raw("HEAD /p/get HTTP/1.1\r\nX-Action: body abc", b"");
    assert!(String::from_utf8_lossy(&raw).contains("Content-Length: 3\r\n"));
    assert!(raw.ends_with(b"\r\n\r\n"));
}

#[test]
fn malformed_manifest_is_a_500_naming_it_for_its_paths_only() {
    let site = Site::new();
    site.root
        .write("broken/__dir__.handlers.json", b"{\"handlers\": [");
    site.root.write("broken/file.txt", b"x");
    site.root.write("fine.txt", b"fine");
    for path in ["/broken/file.txt", "/broken/sub/anything"] {
        let resp = site.request(&format!("GET {path} HTTP/1.1"), b"");
        assert_eq!(resp.status_code(), 500, "{path}");
        let message = error_message(&resp);
        assert!(
            message.contains("plugin manifest broken/__dir__.handlers.json is invalid"),
            "{message}"
        );
    }
    assert_eq!(site.request("GET /fine.txt HTTP/1.1", b"").body, b"fine");

    site.manifest(
        "bad2",
        serde_json::json!({"handlers": [{"route": "x", "component": "../../etc/passwd"}]}),
    );
    let message = error_message(&site.request("GET /bad2/x HTTP/1.1", b""));
    assert!(
        message.contains("must be a relative path inside the document root"),
        "{message}"
    );

    site.manifest("bad3", serde_json::json!({"handlers": [{"route": "x", "component": "x.wasm", "capabilities": ["network"]}]}));
    let message = error_message(&site.request("GET /bad3/x HTTP/1.1", b""));
    assert!(
        message.contains("unknown capability \\\"network\\\"")
            || message.contains("unknown capability \"network\""),
        "{message}"
    );
}

#[test]
fn missing_or_invalid_component_is_a_500_naming_it() {
    let site = Site::new();
    site.root.write("m/garbage.wasm", b"not a component");
    site.manifest(
        "m",
        serde_json::json!({"handlers": [
            {"route": "missing", "component": "missing.wasm"},
            {"route": "garbage", "component": "garbage.wasm"},
        ]}),
    );
    for _ in 0..2 {
        let message = error_message(&site.request("GET /m/missing HTTP/1.1", b""));
        assert!(
            message.contains("plugin component m/missing.wasm cannot be opened"),
            "{message}"
        );
        let message = error_message(&site.request("GET /m/garbage HTTP/1.1", b""));
        assert!(
            message.contains("plugin component m/garbage.wasm failed to load"),
            "{message}"
        );
    }
}

#[test]
fn hot_reload_of_manifest_and_component() {
    let site = Site::new();
    site.install("h/c.wasm", "test-trap");
    site.manifest(
        "h",
        serde_json::json!({"handlers": [{"route": "one", "component": "c.wasm"}]}),
    );
    assert_eq!(site.request("GET /h/one HTTP/1.1", b"").status_code(), 500);
    // Component replaced: the next request runs the new one.
    site.install("h/c.wasm", "test-actions");
    assert_eq!(site.actions("/h/one", &["body new"]).body, b"new");
    // Manifest changed: the old route is gone, the new one answers.
    site.manifest(
        "h",
        serde_json::json!({"handlers": [{"route": "two", "component": "c.wasm"}]}),
    );
    assert_eq!(site.actions("/h/one", &["body new"]).status_code(), 404);
    assert_eq!(site.actions("/h/two", &["body two"]).body, b"two");
    // Manifest removed: nothing governs the directory any more.
    std::fs::remove_file(site.root.path().join("h/__dir__.handlers.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(site.actions("/h/two", &["body two"]).status_code(), 404);
}

/// Once the answer for a governed path is remembered (its directories, manifest and component all
/// watched: no `stat` per request), edits that change no directory still apply to the next
/// request: the component overwritten in place, the manifest rewritten in place, and the component
/// overwritten through a hard link from outside the document root.
#[test]
fn in_place_edits_of_a_remembered_route_apply_to_the_next_request() {
    let site = Site::new();
    site.install("w/c.wasm", "test-trap");
    site.manifest(
        "w",
        serde_json::json!({"handlers": [{"route": "one", "component": "c.wasm"}]}),
    );
    for _ in 0..3 {
        assert_eq!(site.request("GET /w/one HTTP/1.1", b"").status_code(), 500);
    }
    site.install("w/c.wasm", "test-actions");
    for _ in 0..3 {
        assert_eq!(site.actions("/w/one", &["body new"]).body, b"new");
    }
    site.manifest(
        "w",
        serde_json::json!({"handlers": [{"route": "two", "component": "c.wasm"}]}),
    );
    for _ in 0..3 {
        assert_eq!(site.actions("/w/one", &["body new"]).status_code(), 404);
        assert_eq!(site.actions("/w/two", &["body two"]).body, b"two");
    }
    let outside = wpthost_tests::TempDocRoot::new();
    let alias = outside.path().join("alias.wasm");
    std::fs::hard_link(site.root.path().join("w/c.wasm"), &alias).unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..3 {
        assert_eq!(site.actions("/w/two", &["body two"]).body, b"two");
    }
    std::fs::write(&alias, support::component("test-trap")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(site.request("GET /w/two HTTP/1.1", b"").status_code(), 500);
}

/// Make `dir`'s modification time an hour old, so the server trusts its fingerprint (a directory
/// changed within the last two seconds is always looked at for real).
fn settle(dir: &std::path::Path) {
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::open(dir)
        .and_then(|d| d.set_modified(old))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
}

/// Hot reload where the server remembers that a directory has no manifest (one `stat` of the
/// directory, shared with the static file's headers lookup, instead of a `stat` of the manifest):
/// a manifest added to an old, already-served directory governs the next request, and so does its
/// removal. Static files there keep their headers files (F-HD-1..2) through the same directory look.
#[test]
fn manifest_added_to_a_settled_directory_applies_to_the_next_request() {
    let site = Site::new();
    site.install("s/c.wasm", "test-actions");
    site.root.write("s/page.txt", b"static page");
    site.root
        .write("s/page.txt.headers", b"X-From-Headers-File: yes\n");
    let dir = site.root.path().join("s");
    settle(&dir);
    for _ in 0..3 {
        let resp = site.request("GET /s/page.txt HTTP/1.1", b"");
        assert_eq!(resp.body, b"static page");
        assert_eq!(
            resp.header_str("X-From-Headers-File").as_deref(),
            Some("yes")
        );
        assert_eq!(site.actions("/s/run", &["body plugin"]).status_code(), 404);
    }
    site.manifest(
        "s",
        serde_json::json!({"handlers": [{"route": "run", "component": "c.wasm"}]}),
    );
    assert_eq!(site.actions("/s/run", &["body plugin"]).body, b"plugin");
    // Settled again with the manifest present, then removed: the next request is static again.
    settle(&dir);
    assert_eq!(site.actions("/s/run", &["body plugin"]).body, b"plugin");
    std::fs::remove_file(dir.join("__dir__.handlers.json")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(site.actions("/s/run", &["body plugin"]).status_code(), 404);
    let resp = site.request("GET /s/page.txt HTTP/1.1", b"");
    assert_eq!(
        resp.header_str("X-From-Headers-File").as_deref(),
        Some("yes")
    );
}

/// A path found to have no manifest at any level is remembered while no watched directory changes;
/// a manifest added two levels up, right after, still applies to the next request, and the
/// request after its removal is static again.
#[test]
fn manifest_added_above_a_remembered_path_applies_to_the_next_request() {
    let site = Site::new();
    site.install("t/c.wasm", "test-actions");
    site.root.write("t/a/b/page.txt", b"deep page");
    for _ in 0..3 {
        assert_eq!(
            site.actions("/t/a/b/run", &["body plugin"]).status_code(),
            404
        );
        assert_eq!(
            site.request("GET /t/a/b/page.txt HTTP/1.1", b"").body,
            b"deep page"
        );
    }
    site.manifest(
        "t",
        serde_json::json!({"handlers": [{"route": "a/b/run", "component": "c.wasm"}]}),
    );
    assert_eq!(site.actions("/t/a/b/run", &["body plugin"]).body, b"plugin");
    std::fs::remove_file(site.root.path().join("t/__dir__.handlers.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        site.actions("/t/a/b/run", &["body plugin"]).status_code(),
        404
    );
}

/// A manifest that is a symlink to a missing file is not "no manifest": once its target appears,
/// the next request is routed by it.
#[cfg(unix)]
#[test]
fn dangling_manifest_symlink_applies_once_its_target_appears() {
    let site = Site::new();
    site.install("d/c.wasm", "test-actions");
    let elsewhere = wpthost_tests::TempDocRoot::new();
    let target = elsewhere.path().join("handlers.json");
    std::os::unix::fs::symlink(&target, site.root.path().join("d/__dir__.handlers.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..3 {
        assert_eq!(site.actions("/d/run", &["body plugin"]).status_code(), 404);
    }
    let manifest = serde_json::json!({"handlers": [{"route": "run", "component": "c.wasm"}]});
    std::fs::write(&target, manifest.to_string()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(site.actions("/d/run", &["body plugin"]).body, b"plugin");
}

#[test]
fn in_flight_request_finishes_on_its_version() {
    let site = Arc::new(Site::new());
    site.install("v/c.wasm", "test-oversleep");
    site.manifest(
        "v",
        serde_json::json!({"handlers": [{"route": "c", "component": "c.wasm"}]}),
    );
    let s = site.clone();
    let slow = std::thread::spawn(move || s.request("GET /v/c?ms=800 HTTP/1.1", b""));
    std::thread::sleep(Duration::from_millis(300));
    site.install("v/c.wasm", "test-trap");
    assert_eq!(
        site.request("GET /v/c?ms=1 HTTP/1.1", b"").status_code(),
        500
    );
    let resp = slow.join().unwrap_or_else(|_| panic!("client thread"));
    assert_eq!(resp.status_code(), 200);
    assert_eq!(resp.body, b"slept 800");
}

/// A request for the host API (no sockets): what the connection layer would build, but for
/// `doc_root`, which the caller sets.
fn request_for(port: u16, path: &str) -> wpthost::request::Request {
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    wpthost::request::Request {
        method: "GET".into(),
        target: path.into(),
        version_minor: 1,
        request_line: format!("GET {path} HTTP/1.1\r\n").into_bytes(),
        headers: vec![(b"X-Action".to_vec(), b"body cached".to_vec())],
        body: Vec::new(),
        client_addr: addr,
        local_addr: addr,
        scheme: wpthost::request::Scheme::Http,
        url: format!("http://localhost:{port}{path}"),
        path: path.into(),
        query: String::new(),
        url_hostname: "localhost".into(),
        url_port: port,
        route_match: Vec::new(),
        doc_root: std::path::PathBuf::new(),
        url_base: "/".into(),
    }
}

#[test]
fn compiled_components_are_cached_on_disk_across_restarts() {
    use wpthost::plugins::{PluginHost, PluginSettings};
    let root = wpthost_tests::TempDocRoot::new();
    let cache = wpthost_tests::TempDocRoot::new();
    root.write("c/a.wasm", &support::component("test-actions"));
    root.write(
        "c/__dir__.handlers.json",
        br#"{"handlers": [{"route": "a", "component": "a.wasm"}]}"#,
    );
    let config = Arc::new(
        wpthost::config::Config::for_doc_root(root.path().to_path_buf())
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let settings = PluginSettings {
        cache_dir: Some(cache.path().to_path_buf()),
        max_instances: 8,
        ..PluginSettings::default()
    };
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let serve = |host: &PluginHost| {
        rt.block_on(async {
            let mut request = request_for(8000, "/c/a");
            request.doc_root = root.path().to_path_buf();
            let matched = host.resolve(&request).unwrap_or_else(|| panic!("no route"));
            let mut writer = wpthost::http1::writer::ResponseWriter::detached();
            match host.handle(matched, &request, &mut writer).await {
                wpthost::server::Handled::Response { response, .. } => match response.body {
                    wpthost::response::Body::Bytes(b) => b.to_vec(),
                    other => panic!("unexpected body {other:?}"),
                },
                _ => panic!("expected a returned response"),
            }
        })
    };
    let stash = Arc::new(wpthost::stash::Stash::default());
    let first = PluginHost::with_settings(config.clone(), stash.clone(), settings.clone());
    assert_eq!(serve(&first), b"cached");
    serve(&first);
    assert_eq!(first.load_counts(), (1, 0), "compiled once, then reused");
    drop(first);
    let artifacts = std::fs::read_dir(cache.path())
        .unwrap_or_else(|e| panic!("{e}"))
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
        })
        .count();
    assert_eq!(artifacts, 1);
    // A "restart": a new host with the same cache directory loads the artifact, compiling nothing.
    let second = PluginHost::with_settings(config, stash, settings);
    serve(&second);
    assert_eq!(second.load_counts(), (0, 1));
}

#[test]
fn wpthost_plugins_config_sets_default_limits() {
    let (root, server) = support::sleep_server(
        "s",
        serde_json::json!({"limits": {"wall_ms": 200}, "max_instances": 16}),
    );
    let resp = wpthost_tests::get(server.port(), "/s/sleep");
    assert_eq!(resp.status_code(), 500);
    assert!(
        error_message(&resp).contains("wall-clock budget of 200 ms"),
        "{}",
        error_message(&resp)
    );

    let bad = support::server_with_plugins(&root, serde_json::json!({"max_instance": 16}));
    let resp = wpthost_tests::get(bad.port(), "/s/sleep");
    assert_eq!(resp.status_code(), 500);
    assert!(
        error_message(&resp).contains("wpthost.plugins: unknown field `max_instance`"),
        "{}",
        error_message(&resp)
    );
}
