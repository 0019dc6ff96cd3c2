//! config.json -> `RawConfig`: every key checked for type and known-ness, wptserve's defaults filled
//! in, legacy key names renamed (with a warning), relative paths resolved. Computed values (ports,
//! domains) are derived from the result in the sibling modules.

use super::error::ConfigError;
use super::ports::{PortSpec, KNOWN_SCHEMES};
use super::sections::{
    default_ssl, label_list, parse_aliases, parse_logging, parse_server_settings, parse_ssl,
};
use super::settings::{Alias, LoggingSettings, ServerSettings, SslSettings};
use super::values::{existing_dir, existing_file, host_name, kind, opt_bool, path};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// wptserve's renamed keys (config.py `_renamed_props`): still accepted, with a warning.
const RENAMED: &[(&str, &str)] = &[
    ("host", "browser_host"),
    ("bind_hostname", "bind_address"),
    ("external_host", "server_host"),
    ("host_ip", "server_host"),
];

/// The subdomains `wpt serve` configures (serve.py `get_subdomains`, all 1- and 2-label products).
const SERVE_SUBDOMAINS: &[&str] = &["www", "www1", "www2", "天気の良い日", "élève"];

pub(crate) struct RawConfig {
    pub browser_host: String,
    pub alternate_hosts: BTreeMap<String, String>,
    pub doc_root: PathBuf,
    pub ws_doc_root: Option<PathBuf>,
    pub server_host: Option<String>,
    pub ports: BTreeMap<String, Vec<PortSpec>>,
    pub check_subdomains: bool,
    pub bind_address: bool,
    pub ssl: SslSettings,
    pub aliases: Vec<Alias>,
    pub logging: LoggingSettings,
    pub subdomains: Vec<String>,
    pub not_subdomains: Vec<String>,
    pub inject_script: Option<PathBuf>,
    pub server: ServerSettings,
    pub warnings: Vec<String>,
}

pub(crate) fn parse(value: Value, base_dir: &Path) -> Result<RawConfig, ConfigError> {
    let Value::Object(mut map) = value else {
        return Err(ConfigError::bad(
            "(top level)",
            "the configuration must be a JSON object",
        ));
    };
    let mut warnings = Vec::new();
    for (old, new) in RENAMED {
        if let Some(v) = map.remove(*old) {
            if map.contains_key(*new) {
                return Err(ConfigError::bad(
                    *old,
                    format!(
                        "is the old name of \"{new}\", which is also given; keep only \"{new}\""
                    ),
                ));
            }
            let message = format!("{old} in config is deprecated; use {new} instead");
            tracing::warn!("{message}");
            warnings.push(message);
            map.insert((*new).to_string(), v);
        }
    }

    let browser_host = match map.remove("browser_host") {
        Some(v) => host_name("browser_host", &v)?,
        None => "localhost".to_string(),
    };
    let alternate_hosts = match map.remove("alternate_hosts") {
        Some(v) => parse_alternate_hosts(&v, &browser_host)?,
        None => BTreeMap::new(),
    };
    let doc_root = match map.remove("doc_root") {
        Some(v) => existing_dir("doc_root", &path("doc_root", &v, base_dir)?)?,
        None => existing_dir("doc_root", base_dir)?,
    };
    let ws_doc_root = match map.remove("ws_doc_root") {
        Some(Value::Null) | None => None,
        Some(v) => Some(existing_dir(
            "ws_doc_root",
            &path("ws_doc_root", &v, base_dir)?,
        )?),
    };
    let server_host = match map.remove("server_host") {
        Some(Value::Null) | None => None,
        Some(v) => Some(host_name("server_host", &v)?),
    };
    let ports = match map.remove("ports") {
        Some(v) => parse_ports(&v)?,
        None => BTreeMap::from([("http".to_string(), vec![PortSpec::Fixed(8000)])]),
    };
    let check_subdomains = opt_bool(&mut map, "check_subdomains", "check_subdomains", true)?;
    let bind_address = opt_bool(&mut map, "bind_address", "bind_address", true)?;
    let ssl = match map.remove("ssl") {
        Some(v) => parse_ssl(v, base_dir)?,
        None => default_ssl(base_dir),
    };
    let aliases = match map.remove("aliases") {
        Some(v) => parse_aliases(&v, base_dir)?,
        None => Vec::new(),
    };
    let logging = match map.remove("logging") {
        Some(v) => parse_logging(v)?,
        None => LoggingSettings::default(),
    };
    let subdomains = match map.remove("subdomains") {
        Some(v) => label_list("subdomains", &v)?,
        None => products(SERVE_SUBDOMAINS),
    };
    let not_subdomains = match map.remove("not_subdomains") {
        Some(v) => label_list("not_subdomains", &v)?,
        None => products(&["nonexistent"]),
    };
    let inject_script = match map.remove("inject_script") {
        Some(Value::Null) | None => None,
        Some(v) => Some(existing_file(
            "inject_script",
            &path("inject_script", &v, base_dir)?,
        )?),
    };
    let server = match map.remove("wpthost") {
        Some(v) => parse_server_settings(v)?,
        None => ServerSettings::default(),
    };
    if let Some(key) = map.keys().next() {
        return Err(ConfigError::UnknownKey(key.clone()));
    }
    Ok(RawConfig {
        browser_host,
        alternate_hosts,
        doc_root,
        ws_doc_root,
        server_host,
        ports,
        check_subdomains,
        bind_address,
        ssl,
        aliases,
        logging,
        subdomains,
        not_subdomains,
        inject_script,
        server,
        warnings,
    })
}

/// serve.py's `_make_subdomains_product(s, depth=2)`: every 1- and 2-label combination, sorted.
fn products(labels: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
    for a in labels {
        for b in labels {
            out.push(format!("{a}.{b}"));
        }
    }
    out.sort();
    out
}

fn parse_alternate_hosts(
    value: &Value,
    browser_host: &str,
) -> Result<BTreeMap<String, String>, ConfigError> {
    let Value::Object(map) = value else {
        return Err(ConfigError::bad(
            "alternate_hosts",
            format!(
                "must be an object like {{\"alt\": \"not-web-platform.test\"}}, not {}",
                kind(value)
            ),
        ));
    };
    let mut out = BTreeMap::new();
    for (name, v) in map {
        let key = format!("alternate_hosts.{name}");
        if name.is_empty() {
            return Err(ConfigError::bad(
                key,
                "the name \"\" is reserved for browser_host",
            ));
        }
        let host = host_name(&key, v)?;
        // serve.py: an alternate host must not be the browser host or one of its subdomains (and
        // vice versa), or cross-origin tests would silently become same-site.
        let suffix_of = |a: &str, b: &str| a == b || a.ends_with(&format!(".{b}"));
        if suffix_of(&host, browser_host) || suffix_of(browser_host, &host) {
            return Err(ConfigError::bad(
                key,
                format!("\"{host}\" is not domain-distinct from browser_host \"{browser_host}\""),
            ));
        }
        out.insert(name.clone(), host);
    }
    Ok(out)
}

fn parse_ports(value: &Value) -> Result<BTreeMap<String, Vec<PortSpec>>, ConfigError> {
    let Value::Object(map) = value else {
        return Err(ConfigError::bad(
            "ports",
            format!(
                "must be an object like {{\"http\": [8000, \"auto\"]}}, not {}",
                kind(value)
            ),
        ));
    };
    let mut out = BTreeMap::new();
    for (scheme, list) in map {
        let key = format!("ports.{scheme}");
        if !KNOWN_SCHEMES.contains(&scheme.as_str()) {
            return Err(ConfigError::bad(
                key,
                format!(
                    "unknown scheme \"{scheme}\" (known: {})",
                    KNOWN_SCHEMES.join(", ")
                ),
            ));
        }
        let Value::Array(items) = list else {
            return Err(ConfigError::bad(
                key,
                format!("must be a list of ports or \"auto\", not {}", kind(list)),
            ));
        };
        let mut specs = Vec::new();
        for (i, item) in items.iter().enumerate() {
            specs.push(PortSpec::parse(&format!("{key}[{i}]"), item)?);
        }
        out.insert(scheme.clone(), specs);
    }
    Ok(out)
}
