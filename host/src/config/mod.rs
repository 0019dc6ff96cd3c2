//! Server configuration: wptserve's config.json keys and computed values (§1.5), plus wpthost's own
//! settings under the `"wpthost"` key.
//!
//! A `Config` is built once, validated completely and then shared read-only (`Arc<Config>`): an
//! unknown key, a bad value or an unusable port is a `ConfigError` naming the problem, so the server
//! never starts half-configured.

mod domains;
mod error;
mod free_port;
mod parse;
mod ports;
mod sections;
mod settings;
mod template_value;
mod values;

pub use error::ConfigError;
pub use ports::{is_bad_port, BAD_PORTS};
pub use settings::{
    Alias, LoggingSettings, OpensslSettings, PregeneratedSettings, ServerSettings, SslConfig,
    SslSettings, SslType,
};

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Per host name (`""` = browser_host, else an `alternate_hosts` key), subdomain -> full domain.
pub type DomainMap = BTreeMap<String, BTreeMap<String, String>>;

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
    /// The lookup table for `{{...}}` substitutions: wptserve's `Config.as_dict()` (`ports`,
    /// `browser_host`, `server_host`, `all_domains`, `doc_root`, ...) with the names the template
    /// language resolves specially already applied: `hosts` = `all_domains`, `domains` =
    /// `all_domains[""]`, `host` = `browser_host` (pipes.template's `config_replacement`).
    pub template_value: serde_json::Value,

    /// `ws_doc_root` (WebSocket handlers; not served yet).
    pub ws_doc_root: Option<PathBuf>,
    /// Extra mount points (F-SV-5).
    pub aliases: Vec<Alias>,
    /// The `ssl` key as given (defaults filled in), kept for the TLS listeners.
    pub ssl: SslSettings,
    /// wptserve's computed `ssl_config`: `None` when ssl type is "none" (or not resolved yet).
    pub ssl_config: Option<SslConfig>,
    pub logging: LoggingSettings,
    pub check_subdomains: bool,
    /// `inject_script` (F-SV-6): a script file injected into text/html responses.
    pub inject_script: Option<PathBuf>,
    /// Computed: for every host name, subdomain -> domain (IDNA-encoded), plus `""` -> the host.
    pub domains: DomainMap,
    /// Computed: for every host name, not-subdomain -> domain (these must not resolve).
    pub not_domains: DomainMap,
    /// Computed: `domains` and `not_domains` merged.
    pub all_domains: DomainMap,
    pub domains_set: BTreeSet<String>,
    pub not_domains_set: BTreeSet<String>,
    pub all_domains_set: BTreeSet<String>,
    /// Warnings produced while reading the config (legacy key names); the binary logs them.
    pub warnings: Vec<String>,
}

impl Config {
    /// Build a configuration from a parsed config.json. Relative paths (doc_root, ws_doc_root,
    /// aliases, certificates, inject_script) are resolved against `base_dir`, normally the directory
    /// holding the file. Missing keys take wptserve's defaults (see README "Configuration").
    pub fn from_json(value: serde_json::Value, base_dir: &Path) -> Result<Config, ConfigError> {
        let raw = parse::parse(value, base_dir)?;
        Self::compute(raw)
    }

    /// Read and parse a config file; relative paths inside resolve against its directory.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let value = read_json_file(path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        let base = if base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            base
        };
        Self::from_json(value, base)
    }

    /// A configuration for tests: `doc_root`, browser_host "localhost", one "auto" http port.
    pub fn for_doc_root(doc_root: PathBuf) -> Result<Config, ConfigError> {
        let base = std::env::current_dir().map_err(|source| ConfigError::Io {
            what: "the current directory".into(),
            source,
        })?;
        let value = serde_json::json!({
            "doc_root": doc_root,
            "ports": {"http": ["auto"]},
        });
        Self::from_json(value, &base)
    }

    fn compute(raw: parse::RawConfig) -> Result<Config, ConfigError> {
        let server_host = raw
            .server_host
            .clone()
            .unwrap_or_else(|| raw.browser_host.clone());
        let ports = ports::resolve(&raw.ports, raw.ssl.kind)?;
        let computed = domains::compute(
            &raw.browser_host,
            &raw.alternate_hosts,
            &raw.subdomains,
            &raw.not_subdomains,
        )?;
        let ssl_config = settings::ssl_config(&raw.ssl);
        let mut config = Config {
            browser_host: raw.browser_host,
            alternate_hosts: raw.alternate_hosts,
            doc_root: raw.doc_root,
            server_host,
            bind_address: raw.bind_address,
            ports,
            subdomains: raw.subdomains,
            not_subdomains: raw.not_subdomains,
            server: raw.server,
            template_value: serde_json::Value::Null,
            ws_doc_root: raw.ws_doc_root,
            aliases: raw.aliases,
            ssl: raw.ssl,
            ssl_config,
            logging: raw.logging,
            check_subdomains: raw.check_subdomains,
            inject_script: raw.inject_script,
            domains: computed.domains,
            not_domains: computed.not_domains,
            all_domains: computed.all_domains,
            domains_set: computed.domains_set,
            not_domains_set: computed.not_domains_set,
            all_domains_set: computed.all_domains_set,
            warnings: raw.warnings,
        };
        config.template_value = template_value::build(&config);
        Ok(config)
    }

    /// The `http` ports (the ones wpthost serves HTTP/1.1 on), in configuration order, with the
    /// scheme names they came from (`http`, `http-local`, `http-public`).
    pub fn http_ports(&self) -> Vec<(String, u16)> {
        self.ports
            .iter()
            .filter(|(scheme, _)| ports::is_plain_http(scheme))
            .flat_map(|(scheme, list)| list.iter().map(move |p| (scheme.clone(), *p)))
            .collect()
    }

    /// The address listeners bind: `server_host`, or every interface when `bind_address` is false.
    pub fn bind_host(&self) -> &str {
        if self.bind_address {
            &self.server_host
        } else {
            "0.0.0.0"
        }
    }

    /// `wpt make-hosts-file` output (F-SV-7): one `<address>\t<domain>` line per domain, sorted by
    /// reversed labels, between start/end marker comments. (wptserve adds `0.0.0.0` lines for the
    /// not-domains only on Windows; wpthost follows the platform it runs on the same way.)
    pub fn hosts_file(&self, address: &str) -> String {
        domains::hosts_file(self, address)
    }
}

fn read_json_file(path: &Path) -> Result<serde_json::Value, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        what: format!("config file {}", path.display()),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| ConfigError::Json {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests;
