//! Per-request cost of a small Rust plugin (issue 4: target ≤ 50 µs median): a fresh store and
//! instance from the cached `InstancePre`, the `handle` call (which sets a header and a body through
//! the response import) and teardown, through `PluginHost` exactly as the server calls it, with a
//! socket-less writer; also manifest resolution alone and both together.
//!
//! `cargo bench -p wpthost --bench plugin_cost` (the guests are built first if missing).

use criterion::{criterion_group, criterion_main, Criterion};
use std::path::Path;
use std::sync::Arc;
use wpthost::config::Config;
use wpthost::http1::writer::ResponseWriter;
use wpthost::plugins::{PluginHost, PluginSettings};
use wpthost::request::{Request, Scheme};
use wpthost::server::Handled;
use wpthost::stash::Stash;

fn component() -> Vec<u8> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let path = repo.join("plugins/target/wasm32-wasip2/release/test_actions.wasm");
    if !path.exists() {
        let status = std::process::Command::new("cargo")
            .args([
                "build",
                "--release",
                "--target",
                "wasm32-wasip2",
                "-p",
                "test-actions",
            ])
            .arg("--manifest-path")
            .arg(repo.join("plugins/Cargo.toml"))
            .status();
        assert!(
            matches!(status, Ok(s) if s.success()),
            "building test-actions failed"
        );
    }
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn request(doc_root: &Path) -> Request {
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], 8000).into();
    Request {
        method: "GET".into(),
        target: "/b/a".into(),
        version_minor: 1,
        request_line: b"GET /b/a HTTP/1.1\r\n".to_vec(),
        headers: vec![
            (b"Host".to_vec(), b"localhost:8000".to_vec()),
            (
                b"X-Action".to_vec(),
                b"set-header Content-Type text/plain".to_vec(),
            ),
            (b"X-Action".to_vec(), b"body hello".to_vec()),
        ],
        body: Vec::new(),
        client_addr: addr,
        local_addr: addr,
        scheme: Scheme::Http,
        url: "http://localhost:8000/b/a".into(),
        path: "/b/a".into(),
        query: String::new(),
        url_hostname: "localhost".into(),
        url_port: 8000,
        route_match: Vec::new(),
        doc_root: doc_root.to_path_buf(),
        url_base: "/".into(),
    }
}

fn bench(c: &mut Criterion) {
    let root = std::env::temp_dir().join(format!("wpthost-bench-{}", std::process::id()));
    std::fs::create_dir_all(root.join("b")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(root.join("b/a.wasm"), component()).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        root.join("b/__dir__.handlers.json"),
        br#"{"handlers": [{"route": "a", "component": "a.wasm"}]}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let config = Arc::new(Config::for_doc_root(root.clone()).unwrap_or_else(|e| panic!("{e}")));
    let settings = PluginSettings {
        cache_dir: Some(root.join("cache")),
        ..PluginSettings::default()
    };
    let host = PluginHost::with_settings(config, Arc::new(Stash::default()), settings);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let request = request(&root);
    let serve = || {
        rt.block_on(async {
            let matched = host.resolve(&request).unwrap_or_else(|| panic!("no route"));
            let mut writer = ResponseWriter::detached();
            match host.handle(matched, &request, &mut writer).await {
                Handled::Response { response, .. } => assert_eq!(response.status, 200),
                _ => panic!("expected a returned response"),
            }
        })
    };
    serve(); // compile and pre-instantiate outside the measurement

    c.bench_function("manifest resolve only", |b| {
        b.iter(|| host.resolve(&request).is_some())
    });
    c.bench_function(
        "plugin request: resolve + instantiate + handle + teardown",
        |b| b.iter(serve),
    );
    // The plugin's own cost, routing excluded: fresh store and instance from the cached
    // `InstancePre`, the call (with its host calls), teardown.
    let matched = host.resolve(&request).unwrap_or_else(|| panic!("no route"));
    c.bench_function("plugin instantiate + handle + teardown", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut writer = ResponseWriter::detached();
                match host.handle(matched.clone(), &request, &mut writer).await {
                    Handled::Response { response, .. } => assert_eq!(response.status, 200),
                    _ => panic!("expected a returned response"),
                }
            })
        })
    });
    let _ = std::fs::remove_dir_all(&root);
}

criterion_group!(benches, bench);
criterion_main!(benches);
