//! Shared by the plugin-host tests (plugins_sandbox, plugins_manifest, plugins_host, stash): build
//! the guests once per test binary, lay out a document root with manifests and components, and talk
//! to the server with one request per connection.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use wpthost_tests::{raw_exchange, RawResponse, TempDocRoot, TestServer};

/// Build every guest in plugins/ (release, wasm32-wasip2) once; the directory holding the components.
pub fn components() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let status = std::process::Command::new("cargo")
            .args([
                "build",
                "--release",
                "--target",
                "wasm32-wasip2",
                "--manifest-path",
            ])
            .arg(repo.join("plugins/Cargo.toml"))
            .status();
        match status {
            Ok(s) if s.success() => {}
            other => panic!("building plugins/ failed: {other:?}"),
        }
        repo.join("plugins/target/wasm32-wasip2/release")
    })
}

/// The bytes of a built component, e.g. `component("test-loop")`.
pub fn component(crate_name: &str) -> Vec<u8> {
    let path = components().join(format!("{}.wasm", crate_name.replace('-', "_")));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `/<dir>/sleep` served by the `test-oversleep` guest, on a server whose `wpthost.plugins` object
/// is `plugins`. The root is returned for further servers on the same tree.
pub fn sleep_server(dir: &str, plugins: serde_json::Value) -> (TempDocRoot, TestServer) {
    let root = TempDocRoot::new();
    root.write(&format!("{dir}/sleep.wasm"), &component("test-oversleep"));
    root.write(
        &format!("{dir}/__dir__.handlers.json"),
        br#"{"handlers": [{"route": "sleep", "component": "sleep.wasm"}]}"#,
    );
    let server = server_with_plugins(&root, plugins);
    (root, server)
}

/// A server on `root` with `plugins` as its `wpthost.plugins` object.
pub fn server_with_plugins(root: &TempDocRoot, plugins: serde_json::Value) -> TestServer {
    TestServer::start_with_config(serde_json::json!({
        "doc_root": root.path(),
        "browser_host": "localhost",
        "wpthost": {"plugins": plugins},
    }))
}

/// A document root plus a running server.
pub struct Site {
    pub root: TempDocRoot,
    pub server: TestServer,
}

impl Site {
    pub fn new() -> Site {
        let root = TempDocRoot::new();
        let server = TestServer::start(root.path());
        Site { root, server }
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// Copy a built component to `rel` inside the document root.
    pub fn install(&self, rel: &str, crate_name: &str) {
        self.root.write(rel, &component(crate_name));
    }

    /// Write `dir/__dir__.handlers.json` (`dir` "" for the root).
    pub fn manifest(&self, dir: &str, json: serde_json::Value) {
        let rel = if dir.is_empty() {
            "__dir__.handlers.json".to_string()
        } else {
            format!("{dir}/__dir__.handlers.json")
        };
        self.root.write(&rel, json.to_string().as_bytes());
    }

    /// One request on its own connection: `head` is the request line (and any header lines joined
    /// with CRLF); Host and Connection: close are added.
    pub fn request(&self, head: &str, body: &[u8]) -> RawResponse {
        RawResponse::parse(&self.request_raw(head, body))
    }

    pub fn request_raw(&self, head: &str, body: &[u8]) -> Vec<u8> {
        let mut req = format!(
            "{head}\r\nHost: localhost:{}\r\nConnection: close\r\n",
            self.port()
        );
        if !body.is_empty() {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        raw_exchange(self.port(), &bytes)
    }

    /// GET with `X-Action` lines for the test-actions guest.
    pub fn actions(&self, path: &str, actions: &[&str]) -> RawResponse {
        RawResponse::parse(&self.actions_raw("GET", path, actions))
    }

    pub fn actions_raw(&self, method: &str, path: &str, actions: &[&str]) -> Vec<u8> {
        let mut head = format!("{method} {path} HTTP/1.1");
        for a in actions {
            head.push_str("\r\nX-Action: ");
            head.push_str(a);
        }
        self.request_raw(&head, b"")
    }
}

/// The JSON error message of an F-ER-1 body.
pub fn error_message(resp: &RawResponse) -> String {
    let v: serde_json::Value = serde_json::from_slice(&resp.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", resp.body_str()));
    v["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}
