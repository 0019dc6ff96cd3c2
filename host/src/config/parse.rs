//! config.json -> `RawConfig`: every key checked for type and known-ness, wptserve's defaults filled
//! in, legacy key names renamed (with a warning), relative paths resolved. Computed values (ports,
//! domains) are derived from the result in the sibling modules.

use super::error::ConfigError;
use super::ports::{PortSpec, KNOWN_SCHEMES};
use super::settings::{
    Alias, LoggingSettings, OpensslSettings, PregeneratedSettings, ServerSettings, SslSettings,
    SslType,
};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

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

fn object(key: &str, value: Value) -> Result<Map<String, Value>, ConfigError> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(ConfigError::bad(
            key,
            format!("must be a JSON object, not {}", kind(&other)),
        )),
    }
}

/// Reject what is left in a section after its known keys were taken out.
fn no_more_keys(prefix: &str, map: &Map<String, Value>) -> Result<(), ConfigError> {
    match map.keys().next() {
        Some(key) => Err(ConfigError::UnknownKey(format!("{prefix}.{key}"))),
        None => Ok(()),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn string(key: &str, value: &Value) -> Result<String, ConfigError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        other => Err(ConfigError::bad(
            key,
            format!("must be a string, not {}", kind(other)),
        )),
    }
}

fn boolean(key: &str, value: &Value) -> Result<bool, ConfigError> {
    match value {
        Value::Bool(b) => Ok(*b),
        other => Err(ConfigError::bad(
            key,
            format!("must be true or false, not {}", kind(other)),
        )),
    }
}

fn unsigned(key: &str, value: &Value) -> Result<u64, ConfigError> {
    value.as_u64().ok_or_else(|| {
        ConfigError::bad(
            key,
            format!("must be a whole number >= 0, not {}", describe(value)),
        )
    })
}

fn describe(value: &Value) -> String {
    match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("\"{s}\""),
        other => kind(other).to_string(),
    }
}

fn opt_bool(
    map: &mut Map<String, Value>,
    name: &str,
    key: &str,
    default: bool,
) -> Result<bool, ConfigError> {
    match map.remove(name) {
        Some(v) => boolean(key, &v),
        None => Ok(default),
    }
}

/// A host name: non-empty, no whitespace, slashes or a port.
fn host_name(key: &str, value: &Value) -> Result<String, ConfigError> {
    let host = string(key, value)?;
    if host.is_empty() {
        return Err(ConfigError::bad(key, "must not be empty"));
    }
    let is_ipv6 = host.starts_with('[') || host.contains("::");
    if host
        .chars()
        .any(|c| c.is_whitespace() || c == '/' || (c == ':' && !is_ipv6))
    {
        return Err(ConfigError::bad(
            key,
            format!("\"{host}\" is not a host name (no scheme, port or path)"),
        ));
    }
    Ok(host)
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

fn path(key: &str, value: &Value, base_dir: &Path) -> Result<PathBuf, ConfigError> {
    let text = string(key, value)?;
    if text.is_empty() {
        return Err(ConfigError::bad(key, "must not be an empty path"));
    }
    Ok(base_dir.join(text))
}

fn existing_dir(key: &str, dir: &Path) -> Result<PathBuf, ConfigError> {
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {
            Ok(std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()))
        }
        Ok(_) => Err(ConfigError::bad(
            key,
            format!("{} is not a directory", dir.display()),
        )),
        Err(e) => Err(ConfigError::bad(
            key,
            format!("directory {} cannot be used: {e}", dir.display()),
        )),
    }
}

fn existing_file(key: &str, file: &Path) -> Result<PathBuf, ConfigError> {
    match std::fs::metadata(file) {
        Ok(meta) if meta.is_file() => Ok(file.to_path_buf()),
        Ok(_) => Err(ConfigError::bad(
            key,
            format!("{} is not a file", file.display()),
        )),
        Err(e) => Err(ConfigError::bad(
            key,
            format!("file {} cannot be used: {e}", file.display()),
        )),
    }
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

fn default_ssl(base_dir: &Path) -> SslSettings {
    SslSettings {
        kind: SslType::None,
        encrypt_after_connect: false,
        pregenerated: PregeneratedSettings::default(),
        openssl: OpensslSettings {
            openssl_binary: "openssl".into(),
            base_path: base_dir.join("_certs"),
            password: "web-platform-tests".into(),
            force_regenerate: false,
            duration: 30,
            base_conf_path: None,
        },
    }
}

fn parse_ssl(value: Value, base_dir: &Path) -> Result<SslSettings, ConfigError> {
    let mut map = object("ssl", value)?;
    let mut ssl = default_ssl(base_dir);
    if let Some(v) = map.remove("type") {
        ssl.kind = match string("ssl.type", &v)?.as_str() {
            "none" => SslType::None,
            "pregenerated" => SslType::Pregenerated,
            "openssl" => SslType::Openssl,
            other => {
                return Err(ConfigError::bad(
                    "ssl.type",
                    format!("\"{other}\" is not one of \"none\", \"pregenerated\", \"openssl\""),
                ))
            }
        };
    }
    ssl.encrypt_after_connect = opt_bool(
        &mut map,
        "encrypt_after_connect",
        "ssl.encrypt_after_connect",
        false,
    )?;
    if let Some(v) = map.remove("none") {
        no_more_keys("ssl.none", &object("ssl.none", v)?)?;
    }
    if let Some(v) = map.remove("pregenerated") {
        let mut pre = object("ssl.pregenerated", v)?;
        let mut file = |name: &str| -> Result<Option<PathBuf>, ConfigError> {
            let key = format!("ssl.pregenerated.{name}");
            match pre.remove(name) {
                Some(Value::Null) | None => Ok(None),
                Some(v) => Ok(Some(path(&key, &v, base_dir)?)),
            }
        };
        ssl.pregenerated = PregeneratedSettings {
            host_key_path: file("host_key_path")?,
            host_cert_path: file("host_cert_path")?,
            ca_cert_path: file("ca_cert_path")?,
        };
        no_more_keys("ssl.pregenerated", &pre)?;
    }
    if let Some(v) = map.remove("openssl") {
        let mut o = object("ssl.openssl", v)?;
        if let Some(v) = o.remove("openssl_binary") {
            ssl.openssl.openssl_binary = string("ssl.openssl.openssl_binary", &v)?;
        }
        if let Some(v) = o.remove("base_path") {
            ssl.openssl.base_path = path("ssl.openssl.base_path", &v, base_dir)?;
        }
        if let Some(v) = o.remove("password") {
            ssl.openssl.password = string("ssl.openssl.password", &v)?;
        }
        ssl.openssl.force_regenerate = opt_bool(
            &mut o,
            "force_regenerate",
            "ssl.openssl.force_regenerate",
            false,
        )?;
        if let Some(v) = o.remove("duration") {
            ssl.openssl.duration = unsigned("ssl.openssl.duration", &v)?;
        }
        match o.remove("base_conf_path") {
            Some(Value::Null) | None => {}
            Some(v) => {
                ssl.openssl.base_conf_path = Some(path("ssl.openssl.base_conf_path", &v, base_dir)?)
            }
        }
        no_more_keys("ssl.openssl", &o)?;
    }
    no_more_keys("ssl", &map)?;
    if ssl.kind == SslType::Pregenerated {
        for (name, file) in [
            ("host_key_path", &ssl.pregenerated.host_key_path),
            ("host_cert_path", &ssl.pregenerated.host_cert_path),
        ] {
            let key = format!("ssl.pregenerated.{name}");
            match file {
                Some(file) => {
                    existing_file(&key, file)?;
                }
                None => {
                    return Err(ConfigError::bad(
                        key,
                        "is required when ssl.type is \"pregenerated\"",
                    ))
                }
            }
        }
        if let Some(file) = &ssl.pregenerated.ca_cert_path {
            existing_file("ssl.pregenerated.ca_cert_path", file)?;
        }
    }
    Ok(ssl)
}

fn parse_aliases(value: &Value, base_dir: &Path) -> Result<Vec<Alias>, ConfigError> {
    let Value::Array(items) = value else {
        return Err(ConfigError::bad(
            "aliases",
            format!(
                "must be a list of {{\"url-path\": ..., \"local-dir\": ...}}, not {}",
                kind(value)
            ),
        ));
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key = format!("aliases[{i}]");
        let mut map = object(&key, item.clone())?;
        let url_path = match map.remove("url-path") {
            Some(v) => string(&format!("{key}.url-path"), &v)?,
            None => return Err(ConfigError::bad(key, "needs a \"url-path\"")),
        };
        if !url_path.starts_with('/') {
            return Err(ConfigError::bad(
                format!("{key}.url-path"),
                format!("\"{url_path}\" must start with /"),
            ));
        }
        let local_dir = match map.remove("local-dir") {
            Some(v) => path(&format!("{key}.local-dir"), &v, base_dir)?,
            None => return Err(ConfigError::bad(key, "needs a \"local-dir\"")),
        };
        no_more_keys(&key, &map)?;
        // A mount point (url-path ending in /) maps a directory; otherwise one file.
        let local_dir = if url_path.ends_with('/') {
            existing_dir(&format!("{key}.local-dir"), &local_dir)?
        } else {
            existing_file(&format!("{key}.local-dir"), &local_dir)?
        };
        out.push(Alias {
            url_path,
            local_dir,
        });
    }
    Ok(out)
}

fn parse_logging(value: Value) -> Result<LoggingSettings, ConfigError> {
    let mut map = object("logging", value)?;
    let mut logging = LoggingSettings::default();
    if let Some(v) = map.remove("level") {
        let level = string("logging.level", &v)?.to_uppercase();
        const LEVELS: &[&str] = &["DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL"];
        if !LEVELS.contains(&level.as_str()) {
            return Err(ConfigError::bad(
                "logging.level",
                format!("\"{level}\" is not one of debug, info, warning, error, critical"),
            ));
        }
        logging.level = level;
    }
    logging.suppress_handler_traceback = opt_bool(
        &mut map,
        "suppress_handler_traceback",
        "logging.suppress_handler_traceback",
        false,
    )?;
    no_more_keys("logging", &map)?;
    Ok(logging)
}

/// A list of subdomain labels (`www`, `www.www1`, non-ASCII allowed; IDNA-encoded later).
fn label_list(key: &str, value: &Value) -> Result<Vec<String>, ConfigError> {
    let Value::Array(items) = value else {
        return Err(ConfigError::bad(
            key,
            format!("must be a list of strings, not {}", kind(value)),
        ));
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let label = string(&format!("{key}[{i}]"), item)?;
        if label.is_empty() || label.starts_with('.') || label.ends_with('.') {
            return Err(ConfigError::bad(
                format!("{key}[{i}]"),
                format!("\"{label}\" is not a subdomain"),
            ));
        }
        if !out.contains(&label) {
            out.push(label);
        }
    }
    Ok(out)
}

fn parse_server_settings(value: Value) -> Result<ServerSettings, ConfigError> {
    let mut map = object("wpthost", value)?;
    let mut s = ServerSettings::default();
    s.static_content_length = opt_bool(
        &mut map,
        "static_content_length",
        "wpthost.static_content_length",
        false,
    )?;
    let mut millis = |name: &str, default: Duration, min: u64| -> Result<Duration, ConfigError> {
        let key = format!("wpthost.{name}");
        match map.remove(name) {
            Some(v) => {
                let ms = unsigned(&key, &v)?;
                if ms < min {
                    return Err(ConfigError::bad(key, format!("must be at least {min}")));
                }
                Ok(Duration::from_millis(ms))
            }
            None => Ok(default),
        }
    };
    s.request_head_timeout = millis("request_head_timeout_ms", s.request_head_timeout, 1)?;
    s.idle_timeout = millis("idle_timeout_ms", s.idle_timeout, 1)?;
    s.latency = millis("latency_ms", s.latency, 0)?;
    if let Some(v) = map.remove("max_body_bytes") {
        let n = unsigned("wpthost.max_body_bytes", &v)?;
        s.max_body_bytes = usize::try_from(n)
            .map_err(|_| ConfigError::bad("wpthost.max_body_bytes", "is too large"))?;
    }
    if let Some(v) = map.remove("plugins") {
        s.plugins = Value::Object(object("wpthost.plugins", v)?);
    }
    no_more_keys("wpthost", &map)?;
    Ok(s)
}
