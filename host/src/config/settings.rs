//! The typed pieces of a configuration that are more than one value: the `ssl`, `logging`, `aliases`
//! and `wpthost` keys.

use std::path::PathBuf;
use std::time::Duration;

/// Knobs wptserve does not have (the `"wpthost"` key of the config file).
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
    /// A whole request body must arrive within this time (408 and close beyond), however steadily
    /// it trickles: the idle timeout alone only bounds each read.
    pub request_body_timeout: Duration,
    /// Connections served at once, over all listeners; further clients wait in the listen backlog
    /// until a connection ends.
    pub max_connections: usize,
    /// Event loops (threads serving connections); 0: one per CPU (`event_loops::default_count`).
    pub threads: usize,
    /// The `wpthost.plugins` object, kept as given for the plugin host to interpret (`{}` if absent).
    pub plugins: serde_json::Value,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            static_content_length: false,
            request_head_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(120),
            latency: Duration::ZERO,
            max_body_bytes: 64 * 1024 * 1024,
            request_body_timeout: Duration::from_secs(60),
            max_connections: 10_000,
            threads: 0,
            plugins: serde_json::Value::Object(serde_json::Map::new()),
        }
    }
}

/// One entry of `aliases`: URL path prefix (ending in `/` = mount point, else one file) -> directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub url_path: String,
    pub local_dir: PathBuf,
}

/// `logging`: level (upper-cased as wptserve does) and whether 5xx bodies omit handler tracebacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggingSettings {
    pub level: String,
    pub suppress_handler_traceback: bool,
}

impl Default for LoggingSettings {
    fn default() -> Self {
        LoggingSettings {
            level: "INFO".into(),
            suppress_handler_traceback: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslType {
    None,
    Pregenerated,
    Openssl,
}

impl SslType {
    pub fn as_str(self) -> &'static str {
        match self {
            SslType::None => "none",
            SslType::Pregenerated => "pregenerated",
            SslType::Openssl => "openssl",
        }
    }
}

/// `ssl.pregenerated`: certificate files made beforehand (wpt's `tools/certs`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PregeneratedSettings {
    pub host_key_path: Option<PathBuf>,
    pub host_cert_path: Option<PathBuf>,
    pub ca_cert_path: Option<PathBuf>,
}

/// `ssl.openssl`: wptserve generates certificates with the openssl binary; wpthost keeps the
/// settings so the TLS listeners can generate equivalent ones (`base_path` = where they go).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpensslSettings {
    pub openssl_binary: String,
    pub base_path: PathBuf,
    pub password: String,
    pub force_regenerate: bool,
    pub duration: u64,
    pub base_conf_path: Option<PathBuf>,
}

/// The `ssl` key with wptserve's defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SslSettings {
    pub kind: SslType,
    pub encrypt_after_connect: bool,
    pub pregenerated: PregeneratedSettings,
    pub openssl: OpensslSettings,
}

/// wptserve's computed `ssl_config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SslConfig {
    pub key_path: PathBuf,
    pub cert_path: PathBuf,
    pub ca_cert_path: Option<PathBuf>,
    pub encrypt_after_connect: bool,
}

/// `ssl_config` for the pregenerated type; "none" has none, and for "openssl" the certificates do
/// not exist until the TLS layer makes them.
pub(crate) fn ssl_config(ssl: &SslSettings) -> Option<SslConfig> {
    match ssl.kind {
        SslType::Pregenerated => Some(SslConfig {
            key_path: ssl.pregenerated.host_key_path.clone()?,
            cert_path: ssl.pregenerated.host_cert_path.clone()?,
            ca_cert_path: ssl.pregenerated.ca_cert_path.clone(),
            encrypt_after_connect: ssl.encrypt_after_connect,
        }),
        SslType::None | SslType::Openssl => None,
    }
}
