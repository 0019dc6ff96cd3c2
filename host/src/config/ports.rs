//! Port numbers: parsing, "auto" resolution and the Fetch bad-port list.

use super::error::ConfigError;
use super::free_port::free_port;
use super::settings::SslType;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Scheme names wptserve's `ports` key knows (serve.py's default config).
pub(crate) const KNOWN_SCHEMES: &[&str] = &[
    "http",
    "http-local",
    "http-public",
    "http-private",
    "https",
    "https-local",
    "https-public",
    "https-private",
    "h2",
    "ws",
    "wss",
    "webtransport-h3",
];

/// Schemes that only make sense with TLS; dropped when `ssl.type` is "none".
const TLS_SCHEMES: &[&str] = &[
    "https",
    "https-local",
    "https-public",
    "https-private",
    "h2",
    "wss",
    "webtransport-h3",
];

/// Ports browsers refuse to fetch from (https://fetch.spec.whatwg.org/#port-blocking), plus 999,
/// which wptserve's copy of the list has (a typo for 990 there; both are excluded here).
pub const BAD_PORTS: &[u16] = &[
    0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101,
    102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427,
    465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990,
    993, 995, 999, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666,
    6667, 6668, 6669, 6679, 6697, 10080,
];

pub fn is_bad_port(port: u16) -> bool {
    BAD_PORTS.contains(&port)
}

pub(crate) fn is_plain_http(scheme: &str) -> bool {
    scheme == "http" || scheme.starts_with("http-")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PortSpec {
    Fixed(u16),
    Auto,
}

impl PortSpec {
    pub(crate) fn parse(key: &str, value: &Value) -> Result<PortSpec, ConfigError> {
        match value {
            Value::String(s) if s == "auto" => Ok(PortSpec::Auto),
            Value::Number(n) => {
                let Some(port) = n.as_u64() else {
                    return Err(ConfigError::bad(
                        key,
                        format!("{n} is not a port number (1-65535 or \"auto\")"),
                    ));
                };
                let unusable = |reason: &str| ConfigError::UnusablePort {
                    key: key.to_string(),
                    port,
                    reason: reason.to_string(),
                };
                if port == 0 || port > 65535 {
                    return Err(unusable("ports are 1-65535 (use \"auto\" for a free port)"));
                }
                let port = port as u16;
                if is_bad_port(port) {
                    return Err(unusable(
                        "browsers refuse to connect to it (Fetch \"bad port\" list)",
                    ));
                }
                Ok(PortSpec::Fixed(port))
            }
            other => Err(ConfigError::bad(
                key,
                format!("{other} is not a port number (1-65535 or \"auto\")"),
            )),
        }
    }
}

/// Replace "auto" by free ports, drop TLS schemes when there is no TLS, and refuse a port given
/// twice (two listeners cannot share it).
pub(crate) fn resolve(
    specs: &BTreeMap<String, Vec<PortSpec>>,
    ssl: SslType,
) -> Result<BTreeMap<String, Vec<u16>>, ConfigError> {
    let mut taken: BTreeSet<u16> = BTreeSet::new();
    let mut where_fixed: BTreeMap<u16, String> = BTreeMap::new();
    for (scheme, list) in specs {
        for (i, spec) in list.iter().enumerate() {
            if let PortSpec::Fixed(port) = spec {
                let key = format!("ports.{scheme}[{i}]");
                if let Some(first) = where_fixed.get(port) {
                    return Err(ConfigError::UnusablePort {
                        key,
                        port: u64::from(*port),
                        reason: format!("already used by {first}"),
                    });
                }
                where_fixed.insert(*port, key);
                taken.insert(*port);
            }
        }
    }
    let mut out = BTreeMap::new();
    for (scheme, list) in specs {
        if ssl == SslType::None && TLS_SCHEMES.contains(&scheme.as_str()) {
            continue;
        }
        let mut ports = Vec::new();
        for (i, spec) in list.iter().enumerate() {
            let port = match spec {
                PortSpec::Fixed(port) => *port,
                PortSpec::Auto => free_port(&format!("ports.{scheme}[{i}]"), &taken)?,
            };
            taken.insert(port);
            ports.push(port);
        }
        out.insert(scheme.clone(), ports);
    }
    Ok(out)
}
