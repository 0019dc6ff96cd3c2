//! The `wpt serve` routes around the handlers, on the wire: forbidden paths (F-SV-1, F-SV-8), the
//! WebIDLParser rewrite (F-RT-6), mount points from `aliases` and `--alias-file` (F-SV-5) and
//! `--inject-script` (F-SV-6).

use wpthost_tests::{get, raw_exchange, RawResponse, TempDocRoot, TestServer};

fn error_body(code: u16, message: &str) -> String {
    format!("{{\"error\": {{\"code\": {code}, \"message\": \"{message}\"}}}}")
}

#[test]
fn f_sv_1_forbidden_paths_are_404_even_when_files_exist() {
    let root = TempDocRoot::new();
    for file in [
        "_certs/cacert.key",
        "tools/serve/serve.py",
        "css/tools/x.txt",
        "results/index.html",
        "tools/runner/index.html",
    ] {
        root.write(file, b"secret");
    }
    let server = TestServer::start(root.path());
    for path in [
        "/_certs/cacert.key",
        "/tools/serve/serve.py",
        "/css/tools/x.txt",
        "/results/",
        "/%5Fcerts/cacert.key",
    ] {
        let resp = get(server.port(), path);
        assert_eq!(resp.status_line, "HTTP/1.1 404 Not Found", "{path}");
        assert_eq!(resp.body_str(), error_body(404, ""), "{path}");
    }
    // Any method.
    let raw = raw_exchange(
        server.port(),
        b"POST /tools/x.py HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(RawResponse::parse(&raw).body_str(), error_body(404, ""));
    // The runner is the one exception.
    let resp = get(server.port(), "/tools/runner/index.html");
    assert_eq!(resp.status_code(), 200);
    assert_eq!(resp.body, b"secret");
    // `/results/x` is not covered (only `/results/` itself).
    assert_eq!(get(server.port(), "/results/index.html").status_code(), 200);
}

#[test]
fn f_rt_6_webidl_parser_rewrite() {
    let root = TempDocRoot::new();
    root.write(
        "resources/webidl2/lib/webidl2.js",
        b"path={{location[path]}} query={{location[query]}}",
    );
    let server = TestServer::start(root.path());
    let resp = get(server.port(), "/resources/WebIDLParser.js?pipe=sub");
    assert_eq!(resp.status_code(), 200);
    assert_eq!(
        resp.body_str(),
        "path=/resources/webidl2/lib/webidl2.js query=?pipe=sub"
    );
    // GET only, exact path only.
    let raw = raw_exchange(
        server.port(),
        b"HEAD /resources/WebIDLParser.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(RawResponse::parse(&raw).status_code(), 404);
    assert_eq!(
        get(server.port(), "/resources/WebIDLParser.jsx").status_code(),
        404
    );
}

#[test]
fn f_sv_5_aliases_mount_directories_and_files() {
    let root = TempDocRoot::new();
    let other = TempDocRoot::new();
    let lib = TempDocRoot::new();
    root.write("a.txt", b"root a");
    root.write("ext/a.txt", b"root ext a (hidden by the alias)");
    other.write("a.txt", b"other a");
    other.write("t.any.js", b"x();\n");
    other.write("sub/b.txt", b"other b");
    let single = lib.write("vendor.js", b"vendor");
    let server = TestServer::start_with_config(serde_json::json!({
        "doc_root": root.path(),
        "aliases": [
            {"url-path": "/ext/", "local-dir": other.path()},
            {"url-path": "/resources/testdriver-vendor.js", "local-dir": single},
        ],
    }));
    let port = server.port();
    assert_eq!(get(port, "/a.txt").body, b"root a");
    assert_eq!(get(port, "/ext/a.txt").body, b"other a");
    assert_eq!(get(port, "/ext/sub/b.txt").body, b"other b");
    assert_eq!(get(port, "/resources/testdriver-vendor.js").body, b"vendor");
    // Wrappers under a mount point read the mount's files and keep the mounted URL.
    let resp = get(port, "/ext/t.any.html");
    assert_eq!(resp.status_code(), 200);
    assert!(resp
        .body_str()
        .ends_with("<script src=\"/ext/t.any.js\"></script>\n"));
    // Forbidden routes come before every mount point.
    assert_eq!(get(port, "/ext/tools/x").body_str(), error_body(404, ""));
}

#[test]
fn f_sv_6_inject_script_into_html_only() {
    let root = TempDocRoot::new();
    let scripts = TempDocRoot::new();
    let script = scripts.write("inject.js", b"window.injected = 1;");
    root.write(
        "page.html",
        b"<!doctype html>\n<html><head><title>t</title>",
    );
    root.write("plain.txt", b"<!doctype html>\n<p>");
    root.write("t.any.js", b"x();\n");
    let server = TestServer::start_with_config(serde_json::json!({
        "doc_root": root.path(),
        "inject_script": script,
    }));
    let tag = "<script>\nwindow.injected = 1;\n// Remove the injected script tag from the DOM.\ndocument.currentScript.remove();\n</script>\n";
    let resp = get(server.port(), "/page.html");
    assert_eq!(
        resp.body_str(),
        format!("<!doctype html>\n<html><head>{tag}<title>t</title>")
    );
    // The injected body is a byte string: it gets a Content-Length.
    assert_eq!(
        resp.header_str("Content-Length"),
        Some(resp.body.len().to_string())
    );
    assert_eq!(
        get(server.port(), "/plain.txt").body,
        b"<!doctype html>\n<p>"
    );
    let resp = get(server.port(), "/t.any.html");
    assert!(
        resp.body_str()
            .starts_with(&format!("<!doctype html>\n{tag}<meta charset=utf-8>\n")),
        "{}",
        resp.body_str()
    );
    // Errors are never injected.
    assert_eq!(
        get(server.port(), "/missing.html").body_str(),
        error_body(404, "404")
    );
}

#[test]
fn f_sv_6_missing_inject_script_stops_start_naming_the_file() {
    let root = TempDocRoot::new();
    let missing = root.path().join("no-such-script.js");
    let base = std::env::current_dir().expect("cwd");
    let config = wpthost::config::Config::from_json(
        serde_json::json!({"doc_root": root.path(), "inject_script": missing}),
        &base,
    );
    let msg = match config {
        Err(e) => e.to_string(),
        Ok(c) => match wpthost::server::ServerState::new(std::sync::Arc::new(c)) {
            Ok(_) => panic!("start-up should fail"),
            Err(e) => e.to_string(),
        },
    };
    assert!(msg.contains("no-such-script.js"), "{msg}");
}

/// `wpthost serve --alias-file FILE` (wpt's `--alias_file`, lines `/url/, dir`), as a process.
#[test]
fn f_sv_5_alias_file_on_the_command_line() {
    use std::io::BufRead;
    let root = TempDocRoot::new();
    let other = TempDocRoot::new();
    let lists = TempDocRoot::new();
    other.write("b.txt", b"from the alias file");
    let list = lists.write(
        "aliases.txt",
        format!("/alias/, {}\n", other.path().display()).as_bytes(),
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wpthost-cli"))
        .args(["serve", "--port", "auto", "--doc-root"])
        .arg(root.path())
        .arg("--alias-file")
        .arg(&list)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start wpthost serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.split("(listening on ").nth(1) {
                let port = rest
                    .trim_end_matches(')')
                    .rsplit(':')
                    .next()
                    .map(str::to_owned);
                let _ = tx.send(port.and_then(|p| p.parse::<u16>().ok()));
                return;
            }
        }
        let _ = tx.send(None);
    });
    let port = rx.recv_timeout(std::time::Duration::from_secs(60));
    let body = match port {
        Ok(Some(port)) => Some(get(port, "/alias/b.txt").body),
        _ => None,
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(body.as_deref(), Some(&b"from the alias file"[..]));
}
