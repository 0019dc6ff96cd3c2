//! What can be wrong with a configuration. Every message names the key (as a dotted path such as
//! `ssl.type` or `ports.http[1]`) or the file it is about.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("unknown config key \"{0}\"")]
    UnknownKey(String),
    #[error("config key \"{key}\": {problem}")]
    BadValue { key: String, problem: String },
    #[error("config key \"{key}\": port {port} is unusable: {reason}")]
    UnusablePort {
        key: String,
        port: u64,
        reason: String,
    },
    #[error("config key \"{key}\": no free port found: {source}")]
    NoFreePort { key: String, source: std::io::Error },
    #[error("cannot read {what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid JSON: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
}

impl ConfigError {
    pub(crate) fn bad(key: impl Into<String>, problem: impl Into<String>) -> ConfigError {
        ConfigError::BadValue {
            key: key.into(),
            problem: problem.into(),
        }
    }
}
