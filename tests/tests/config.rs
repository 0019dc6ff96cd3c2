//! Configuration (§1.5): wptserve's config.json keys and computed values as the server uses them on
//! the wire, and start-up errors that name the problem (unknown key, bad value, unusable port).

use serde_json::json;
use std::process::Command;
use std::time::{Duration, Instant};
use wpthost::config::{Config, ConfigError};
use wpthost_tests::{get, RawConnection, TempDocRoot, TestServer};

const BIN: &str = env!("CARGO_BIN_EXE_wpthost-cli");

fn config_error(value: serde_json::Value) -> String {
    match Config::from_json(value, &std::env::temp_dir()) {
        Ok(_) => panic!("the configuration was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn unknown_keys_are_named() {
    assert_eq!(
        config_error(json!({"colour": "blue"})),
        "unknown config key \"colour\""
    );
    assert_eq!(
        config_error(json!({"ssl": {"typ": "none"}})),
        "unknown config key \"ssl.typ\""
    );
    assert_eq!(
        config_error(json!({"wpthost": {"idle_timeout": 1}})),
        "unknown config key \"wpthost.idle_timeout\""
    );
    assert_eq!(
        config_error(json!({"logging": {"levle": "info"}})),
        "unknown config key \"logging.levle\""
    );
}

#[test]
fn bad_values_are_named() {
    for (value, words) in [
        (json!({"browser_host": 7}), vec!["browser_host", "string"]),
        (
            json!({"browser_host": "http://x"}),
            vec!["browser_host", "not a host name"],
        ),
        (
            json!({"bind_address": "no"}),
            vec!["bind_address", "true or false"],
        ),
        (json!({"ssl": {"type": "tls"}}), vec!["ssl.type", "tls"]),
        (
            json!({"ssl": {"type": "pregenerated"}}),
            vec!["ssl.pregenerated.host_key_path", "required"],
        ),
        (
            json!({"ports": {"gopher": [70]}}),
            vec!["ports.gopher", "unknown scheme"],
        ),
        (json!({"ports": {"http": 8000}}), vec!["ports.http", "list"]),
        (
            json!({"ports": {"http": ["auto", -1]}}),
            vec!["ports.http[1]", "-1"],
        ),
        (
            json!({"aliases": [{"url-path": "x/", "local-dir": "."}]}),
            vec!["aliases[0].url-path", "start with /"],
        ),
        (
            json!({"logging": {"level": "loud"}}),
            vec!["logging.level", "LOUD"],
        ),
        (json!({"subdomains": ["ok", ""]}), vec!["subdomains[1]"]),
        (
            json!({"alternate_hosts": {"alt": "www.localhost"}}),
            vec!["alternate_hosts.alt", "domain-distinct"],
        ),
        (
            json!({"wpthost": {"idle_timeout_ms": "soon"}}),
            vec!["wpthost.idle_timeout_ms"],
        ),
        (
            json!({"wpthost": {"static_content_length": 1}}),
            vec!["wpthost.static_content_length"],
        ),
        (
            json!({"doc_root": "/no/such/dir/anywhere"}),
            vec!["doc_root", "/no/such/dir/anywhere"],
        ),
        (json!([1, 2]), vec!["JSON object"]),
    ] {
        let message = config_error(value.clone());
        for w in words {
            assert!(message.contains(w), "{value}: {w:?} not in {message:?}");
        }
    }
}

#[test]
fn unusable_ports_are_named() {
    for (value, words) in [
        (
            json!({"ports": {"http": [6667]}}),
            vec!["ports.http[0]", "6667", "bad port"],
        ),
        (
            json!({"ports": {"http": [0]}}),
            vec!["ports.http[0]", "1-65535"],
        ),
        (
            json!({"ports": {"http": [65536]}}),
            vec!["ports.http[0]", "65536"],
        ),
        (
            json!({"ports": {"http": [8000], "http-public": [8000]}}),
            vec![
                "ports.http-public[0]",
                "8000",
                "already used by ports.http[0]",
            ],
        ),
    ] {
        let message = config_error(value.clone());
        for w in words {
            assert!(message.contains(w), "{value}: {w:?} not in {message:?}");
        }
    }
    assert!(matches!(
        Config::from_json(json!({"ports": {"http": [6667]}}), &std::env::temp_dir()),
        Err(ConfigError::UnusablePort { .. })
    ));
}

/// A config file with a problem: the process exits 1 before listening, naming file and key.
#[test]
fn a_bad_config_file_stops_start_up() {
    let dir = TempDocRoot::new();
    dir.write(
        "config.json",
        br#"{"doc_root": ".", "portz": {"http": [8000]}}"#,
    );
    dir.write("broken.json", br#"{"doc_root": ".",}"#);
    for (file, words) in [
        (
            "config.json",
            vec!["config.json", "unknown config key \"portz\""],
        ),
        ("broken.json", vec!["broken.json", "not valid JSON"]),
    ] {
        let out = match Command::new(BIN)
            .args(["serve", "--config", file])
            .current_dir(dir.path())
            .output()
        {
            Ok(o) => o,
            Err(e) => panic!("{BIN}: {e}"),
        };
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        for w in words {
            assert!(err.contains(w), "{w:?} not in {err}");
        }
        assert!(
            out.stdout.is_empty(),
            "nothing may start: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// Legacy key names (`host`, `bind_hostname`, ...) still work, with a warning in the log.
#[test]
fn legacy_keys_warn_but_work() {
    let dir = TempDocRoot::new();
    dir.write(
        "config.json",
        br#"{"host": "web-platform.test", "external_host": "127.0.0.1"}"#,
    );
    let out = match Command::new(BIN)
        .args(["show-config", "--config", "config.json"])
        .current_dir(dir.path())
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!("{BIN}: {e}"),
    };
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(v["browser_host"], "web-platform.test");
    assert_eq!(v["server_host"], "127.0.0.1");
    let c = match Config::from_json(
        json!({"host": "a.test", "bind_hostname": false}),
        &std::env::temp_dir(),
    ) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        c.warnings,
        vec![
            "host in config is deprecated; use browser_host instead".to_string(),
            "bind_hostname in config is deprecated; use bind_address instead".to_string(),
        ]
    );
}

/// Relative doc_root resolves against the config file's directory; "auto" ports avoid bad ports.
#[test]
fn paths_resolve_against_the_config_file() {
    let dir = TempDocRoot::new();
    dir.write("site/www/a.txt", b"a");
    dir.write(
        "site/config.json",
        br#"{"doc_root": "www", "ports": {"http": ["auto", "auto"]}}"#,
    );
    let c = match Config::from_file(&dir.path().join("site/config.json")) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert!(c.doc_root.ends_with("site/www"), "{}", c.doc_root.display());
    let ports = &c.ports["http"];
    assert_eq!(ports.len(), 2);
    assert_ne!(ports[0], ports[1]);
    assert!(ports.iter().all(|p| !wpthost::config::is_bad_port(*p)));
}

/// The computed values reach `{{...}}` substitutions: host, domains (IDNA), hosts (alternate),
/// ports (§1.5, F-SV-7).
#[test]
fn computed_config_reaches_substitutions() {
    let root = TempDocRoot::new();
    root.write(
        "c.sub.txt",
        b"{{host}}|{{domains[www]}}|{{domains[\xe5\xa4\xa9\xe6\xb0\x97\xe3\x81\xae\xe8\x89\xaf\xe3\x81\x84\xe6\x97\xa5]}}|{{hosts[alt][www1]}}|{{domains[nonexistent]}}|{{ports[http][0]}}",
    );
    let server = TestServer::start_with_config(json!({
        "doc_root": root.path(),
        "browser_host": "web-platform.test",
        "alternate_hosts": {"alt": "not-web-platform.test"},
    }));
    let resp = get(server.port(), "/c.sub.txt");
    assert_eq!(resp.status_code(), 200, "{}", resp.body_str());
    assert_eq!(
        resp.body_str(),
        format!(
            "web-platform.test|www.web-platform.test|xn--n8j6ds53lwwkrqhv28a.web-platform.test|www1.not-web-platform.test|nonexistent.web-platform.test|{}",
            server.port()
        )
    );
}

/// Every configured http port serves the same document root.
#[test]
fn every_http_port_serves_the_doc_root() {
    let root = TempDocRoot::new();
    root.write("a.txt", b"same");
    let server = TestServer::start_with_config(json!({
        "doc_root": root.path(),
        "ports": {"http": ["auto", "auto"], "http-public": ["auto"]},
    }));
    let bound = server.bound().to_vec();
    assert_eq!(bound.len(), 3, "{bound:?}");
    for (_, addr) in bound {
        assert_eq!(get(addr.port(), "/a.txt").body, b"same");
    }
}

/// `wpthost.latency_ms` delays each request (F-H1-17); `wpthost.static_content_length` gives static
/// files a Content-Length and keep-alive.
#[test]
fn wpthost_settings_take_effect() {
    let root = TempDocRoot::new();
    root.write("a.txt", b"abc");
    let server = TestServer::start_with_config(json!({
        "doc_root": root.path(),
        "wpthost": {"latency_ms": 300, "static_content_length": true},
    }));
    let start = Instant::now();
    let mut conn = RawConnection::open(server.port());
    conn.send(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    let first = conn.read_response();
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(first.header_str("Content-Length").as_deref(), Some("3"));
    conn.send(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(conn.read_response().body, b"abc", "connection kept alive");
}
