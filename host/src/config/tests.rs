//! Unit tests of parsing and computed values (§1.5, F-SV-7). Wire-level start-up tests live in
//! tests/tests/config.rs and tests/tests/cli.rs.

use super::*;
use serde_json::json;

fn dir() -> PathBuf {
    std::env::temp_dir()
}

fn parse(value: serde_json::Value) -> Result<Config, ConfigError> {
    Config::from_json(value, &dir())
}

#[test]
fn defaults_follow_wptserve() {
    let c = parse(json!({})).unwrap();
    assert_eq!(c.browser_host, "localhost");
    assert_eq!(c.server_host, "localhost");
    assert_eq!(c.ports, BTreeMap::from([("http".to_string(), vec![8000])]));
    assert!(c.bind_address);
    assert_eq!(c.ssl.kind, SslType::None);
    assert_eq!(c.logging.level, "INFO");
    assert_eq!(c.subdomains.len(), 30);
    assert_eq!(
        c.not_subdomains,
        vec!["nonexistent", "nonexistent.nonexistent"]
    );
}

#[test]
fn idna_subdomains_f_sv_7() {
    let c = parse(json!({"browser_host": "web-platform.test",
        "alternate_hosts": {"alt": "not-web-platform.test"}}))
    .unwrap();
    assert_eq!(
        c.domains[""]["天気の良い日"],
        "xn--n8j6ds53lwwkrqhv28a.web-platform.test"
    );
    assert_eq!(
        c.domains["alt"]["élève"],
        "xn--lve-6lad.not-web-platform.test"
    );
    assert_eq!(
        c.domains["alt"]["www.www1"],
        "www.www1.not-web-platform.test"
    );
    assert_eq!(
        c.not_domains[""]["nonexistent"],
        "nonexistent.web-platform.test"
    );
    assert!(c.all_domains[""].contains_key("nonexistent"));
    assert!(!c.domains_set.contains("nonexistent.web-platform.test"));
    assert!(c.all_domains_set.contains("nonexistent.web-platform.test"));
    assert_eq!(c.domains_set.len(), 62);
    let t = &c.template_value;
    assert_eq!(t["domains"]["www"], "www.web-platform.test");
    assert_eq!(t["hosts"]["alt"][""], "not-web-platform.test");
    assert_eq!(t["host"], "web-platform.test");
    assert_eq!(t["ports"]["http"][0], 8000);
}

#[test]
fn auto_ports_resolve_and_tls_dropped_without_ssl() {
    let c = parse(json!({"ports": {"http": [8000, "auto"], "https": [8443], "wss": ["auto"]}}))
        .unwrap();
    let http = &c.ports["http"];
    assert_eq!(http[0], 8000);
    assert!(http[1] != 0 && !is_bad_port(http[1]));
    assert!(!c.ports.contains_key("https"));
    assert!(!c.ports.contains_key("wss"));
}

#[test]
fn errors_name_the_problem() {
    let msg = |v| parse(v).unwrap_err().to_string();
    assert_eq!(msg(json!({"colour": 1})), "unknown config key \"colour\"");
    assert!(msg(json!({"ssl": {"type": "tls"}})).contains("ssl.type"));
    assert!(msg(json!({"ports": {"http": [6000]}})).contains("ports.http[0]"));
    assert!(msg(json!({"ports": {"http": [8000], "http-local": [8000]}})).contains("already used"));
    assert!(msg(json!({"ports": {"gopher": [70]}})).contains("unknown scheme"));
    assert!(msg(json!({"wpthost": {"idle_timeout": 5}})).contains("wpthost.idle_timeout"));
    assert!(msg(json!({"doc_root": "/nonexistent/really"})).contains("doc_root"));
    assert!(msg(json!({"bind_address": "yes"})).contains("bind_address"));
    assert!(msg(json!({"alternate_hosts": {"alt": "www.localhost"}})).contains("domain-distinct"));
}

#[test]
fn wpthost_threads_defaults_to_one_per_cpu_and_is_bounded() {
    assert_eq!(parse(json!({})).unwrap().server.threads, 0);
    let c = parse(json!({"wpthost": {"threads": 3}})).unwrap();
    assert_eq!(c.server.threads, 3);
    for bad in [json!(-1), json!("two"), json!(100_000)] {
        let err = parse(json!({"wpthost": {"threads": bad}})).unwrap_err();
        assert!(err.to_string().contains("wpthost.threads"), "{err}");
    }
}

#[test]
fn legacy_keys_are_renamed_with_a_warning() {
    let c = parse(json!({"host": "example.test", "bind_hostname": false})).unwrap();
    assert_eq!(c.browser_host, "example.test");
    assert!(!c.bind_address);
    assert_eq!(c.warnings.len(), 2);
}

#[test]
fn hosts_file_f_sv_7() {
    let c =
        parse(json!({"browser_host": "web-platform.test", "subdomains": ["www", "www1"]})).unwrap();
    assert_eq!(
        c.hosts_file("127.0.0.1"),
        "# Start web-platform-tests hosts\n127.0.0.1\tweb-platform.test\n\
         127.0.0.1\twww.web-platform.test\n127.0.0.1\twww1.web-platform.test\n\
         # End web-platform-tests hosts\n"
    );
}
