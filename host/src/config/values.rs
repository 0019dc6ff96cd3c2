//! Typed access to JSON values with errors that name the key.

use super::error::ConfigError;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

pub(crate) fn object(key: &str, value: Value) -> Result<Map<String, Value>, ConfigError> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(ConfigError::bad(
            key,
            format!("must be a JSON object, not {}", kind(&other)),
        )),
    }
}

/// Reject what is left in a section after its known keys were taken out.
pub(crate) fn no_more_keys(prefix: &str, map: &Map<String, Value>) -> Result<(), ConfigError> {
    match map.keys().next() {
        Some(key) => Err(ConfigError::UnknownKey(format!("{prefix}.{key}"))),
        None => Ok(()),
    }
}

pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn string(key: &str, value: &Value) -> Result<String, ConfigError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        other => Err(ConfigError::bad(
            key,
            format!("must be a string, not {}", kind(other)),
        )),
    }
}

pub(crate) fn boolean(key: &str, value: &Value) -> Result<bool, ConfigError> {
    match value {
        Value::Bool(b) => Ok(*b),
        other => Err(ConfigError::bad(
            key,
            format!("must be true or false, not {}", kind(other)),
        )),
    }
}

pub(crate) fn unsigned(key: &str, value: &Value) -> Result<u64, ConfigError> {
    value.as_u64().ok_or_else(|| {
        ConfigError::bad(
            key,
            format!("must be a whole number >= 0, not {}", describe(value)),
        )
    })
}

pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("\"{s}\""),
        other => kind(other).to_string(),
    }
}

pub(crate) fn opt_bool(
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
pub(crate) fn host_name(key: &str, value: &Value) -> Result<String, ConfigError> {
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

pub(crate) fn path(key: &str, value: &Value, base_dir: &Path) -> Result<PathBuf, ConfigError> {
    let text = string(key, value)?;
    if text.is_empty() {
        return Err(ConfigError::bad(key, "must not be an empty path"));
    }
    Ok(base_dir.join(text))
}

pub(crate) fn existing_dir(key: &str, dir: &Path) -> Result<PathBuf, ConfigError> {
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

pub(crate) fn existing_file(key: &str, file: &Path) -> Result<PathBuf, ConfigError> {
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
