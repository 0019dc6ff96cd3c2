//! Server configuration: wptserve's config.json keys and computed values (§1.5).
//! (Skeleton: the config helper owns this file and fills in parsing, validation and computed keys.)

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub browser_host: String,
    /// `alternate_hosts`, e.g. `{"alt": "not-web-platform.test"}`.
    pub alternate_hosts: BTreeMap<String, String>,
    pub doc_root: PathBuf,
    pub server_host: String,
    pub bind_address: bool,
    /// Resolved ports ("auto" already replaced), by scheme name (`http`, `https`, `h2`, ...).
    pub ports: BTreeMap<String, Vec<u16>>,
    pub subdomains: Vec<String>,
    pub not_subdomains: Vec<String>,
    /// wpthost-specific tuning (the `"wpthost"` key of the config file).
    pub server: ServerSettings,
    /// The computed configuration as wptserve's `Config.as_dict()`, for `{{...}}` lookups
    /// (`ports`, `domains`, `hosts`, `all_domains`, `browser_host`, `server_host`, ...).
    pub template_value: serde_json::Value,
}

/// Knobs wptserve does not have.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// Give static files a Content-Length and keep the connection alive (off = wptserve framing).
    pub static_content_length: bool,
    /// Cut off a client that has not sent a whole request head within this time.
    pub request_head_timeout: Duration,
    /// Cut off a kept-alive connection idle this long.
    pub idle_timeout: Duration,
    /// `--latency`: delay before every handler (F-H1-17).
    pub latency: Duration,
    /// Largest request body accepted (413 beyond).
    pub max_body_bytes: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            static_content_length: false,
            request_head_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(120),
            latency: Duration::ZERO,
            max_body_bytes: 64 * 1024 * 1024,
        }
    }
}
