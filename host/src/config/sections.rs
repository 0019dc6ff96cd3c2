//! The sections of config.json that are objects or lists: `ssl`, `aliases`, `logging`,
//! `subdomains`, and wpthost's own `wpthost`.

use super::error::ConfigError;
use super::settings::{
    Alias, LoggingSettings, OpensslSettings, PregeneratedSettings, ServerSettings, SslSettings,
    SslType,
};
use super::values::{
    existing_dir, existing_file, kind, no_more_keys, object, opt_bool, path, string, unsigned,
};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub(crate) fn default_ssl(base_dir: &Path) -> SslSettings {
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

pub(crate) fn parse_ssl(value: Value, base_dir: &Path) -> Result<SslSettings, ConfigError> {
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

pub(crate) fn parse_aliases(value: &Value, base_dir: &Path) -> Result<Vec<Alias>, ConfigError> {
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

pub(crate) fn parse_logging(value: Value) -> Result<LoggingSettings, ConfigError> {
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
pub(crate) fn label_list(key: &str, value: &Value) -> Result<Vec<String>, ConfigError> {
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

/// More event loops than this is a typo, not a machine.
const MAX_THREADS: usize = 1024;

pub(crate) fn parse_server_settings(value: Value) -> Result<ServerSettings, ConfigError> {
    let mut map = object("wpthost", value)?;
    let defaults = ServerSettings::default();
    let max_body_bytes = match map.remove("max_body_bytes") {
        Some(v) => usize::try_from(unsigned("wpthost.max_body_bytes", &v)?)
            .map_err(|_| ConfigError::bad("wpthost.max_body_bytes", "is too large"))?,
        None => defaults.max_body_bytes,
    };
    let max_connections = match map.remove("max_connections") {
        Some(v) => match usize::try_from(unsigned("wpthost.max_connections", &v)?) {
            // tokio's semaphore holds at most `usize::MAX >> 3` permits.
            Ok(n) if (1..=usize::MAX >> 3).contains(&n) => n,
            _ => {
                return Err(ConfigError::bad(
                    "wpthost.max_connections",
                    "must be at least 1 (and fit a semaphore)",
                ))
            }
        },
        None => defaults.max_connections,
    };
    let threads = match map.remove("threads") {
        Some(v) => match usize::try_from(unsigned("wpthost.threads", &v)?) {
            Ok(n) if n <= MAX_THREADS => n,
            _ => {
                return Err(ConfigError::bad(
                    "wpthost.threads",
                    format!("must be at most {MAX_THREADS} (0: one per CPU)"),
                ))
            }
        },
        None => defaults.threads,
    };
    let plugins = match map.remove("plugins") {
        Some(v) => Value::Object(object("wpthost.plugins", v)?),
        None => defaults.plugins,
    };
    let settings = ServerSettings {
        static_content_length: opt_bool(
            &mut map,
            "static_content_length",
            "wpthost.static_content_length",
            false,
        )?,
        request_head_timeout: millis(
            &mut map,
            "request_head_timeout_ms",
            defaults.request_head_timeout,
            1,
        )?,
        idle_timeout: millis(&mut map, "idle_timeout_ms", defaults.idle_timeout, 1)?,
        latency: millis(&mut map, "latency_ms", defaults.latency, 0)?,
        max_body_bytes,
        request_body_timeout: millis(
            &mut map,
            "request_body_timeout_ms",
            defaults.request_body_timeout,
            1,
        )?,
        max_connections,
        threads,
        plugins,
    };
    no_more_keys("wpthost", &map)?;
    Ok(settings)
}

/// A `wpthost.<name>` duration in milliseconds, at least `min`.
fn millis(
    map: &mut Map<String, Value>,
    name: &str,
    default: Duration,
    min: u64,
) -> Result<Duration, ConfigError> {
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
}
