//! Turn the config file plus command-line options into one validated `Config`. Options are
//! written into the JSON before validation, so a bad `--port` gets the same message as a bad
//! config file value.

use super::args::{ConfigArgs, HostsArgs, ServeArgs};
use crate::config::Config;
use anyhow::{bail, Context};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// A config key (path into the JSON) and the value an option gives it; `append` adds list items
/// after the config file's own (`--alias-file`).
pub(crate) struct Override {
    path: Vec<&'static str>,
    value: Value,
    append: bool,
}

fn put(path: &[&'static str], value: Value) -> Override {
    Override {
        path: path.to_vec(),
        value,
        append: false,
    }
}

pub(crate) fn load(args: &ConfigArgs, overrides: &[Override]) -> anyhow::Result<Config> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let (mut value, base_dir) = match &args.config {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read config file {}", file.display()))?;
            let value: Value = serde_json::from_str(&text)
                .with_context(|| format!("config file {} is not valid JSON", file.display()))?;
            let dir = match file.parent() {
                Some(p) if !p.as_os_str().is_empty() => cwd.join(p),
                _ => cwd.clone(),
            };
            (value, dir)
        }
        None => (Value::Object(Map::new()), cwd),
    };
    for o in overrides {
        set(&mut value, o)?;
    }
    let what = match &args.config {
        Some(file) => format!("invalid configuration in {}", file.display()),
        None => "invalid configuration".to_string(),
    };
    Config::from_json(value, &base_dir).context(what)
}

fn set(root: &mut Value, o: &Override) -> anyhow::Result<()> {
    let path = &o.path;
    let mut cur = root;
    for (i, key) in path.iter().enumerate() {
        let Value::Object(map) = cur else {
            bail!("config key \"{}\" must be an object", path[..i].join("."));
        };
        if i + 1 == path.len() {
            match (o.append, map.get_mut(*key), &o.value) {
                (true, Some(Value::Array(list)), Value::Array(more)) => list.extend(more.clone()),
                _ => {
                    map.insert((*key).to_string(), o.value.clone());
                }
            }
            return Ok(());
        }
        cur = map
            .entry((*key).to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    Ok(())
}

/// Paths given on the command line are relative to the current directory, not the config file.
fn abs(path: &Path) -> Value {
    let full = std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| PathBuf::from(path));
    Value::String(full.to_string_lossy().into_owned())
}

impl ServeArgs {
    pub(crate) fn overrides(&self) -> anyhow::Result<Vec<Override>> {
        let mut out: Vec<Override> = Vec::new();
        if let Some(dir) = &self.doc_root {
            out.push(put(&["doc_root"], abs(dir)));
        }
        if !self.port.is_empty() {
            let ports = self
                .port
                .iter()
                .map(|p| match p.parse::<u64>() {
                    Ok(n) => json!(n),
                    Err(_) => json!(p),
                })
                .collect::<Vec<_>>();
            out.push(put(&["ports", "http"], Value::Array(ports)));
        }
        if let Some(host) = &self.host {
            out.push(put(&["browser_host"], json!(host)));
        }
        if let Some(host) = &self.server_host {
            out.push(put(&["server_host"], json!(host)));
        }
        if self.bind_all {
            out.push(put(&["bind_address"], json!(false)));
        }
        if let Some(ms) = self.latency {
            out.push(put(&["wpthost", "latency_ms"], json!(ms)));
        }
        if let Some(dir) = &self.ws_doc_root {
            out.push(put(&["ws_doc_root"], abs(dir)));
        }
        if let Some(file) = &self.inject_script {
            out.push(put(&["inject_script"], abs(file)));
        }
        if self.static_content_length {
            out.push(put(&["wpthost", "static_content_length"], json!(true)));
        }
        if let Some(threads) = self.threads {
            out.push(put(&["wpthost", "threads"], json!(threads)));
        }
        if let Some(aliases) = self.alias_entries()? {
            out.push(aliases);
        }
        if self.verbose {
            out.push(put(&["logging", "level"], json!("debug")));
        }
        Ok(out)
    }

    /// `--alias-file` lines (`/url/, dir`, as wpt's `--alias_file`) appended to the `aliases` list.
    fn alias_entries(&self) -> anyhow::Result<Option<Override>> {
        let Some(file) = &self.alias_file else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read alias file {}", file.display()))?;
        let base = file.parent().unwrap_or(Path::new("."));
        let mut list = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((url, dir)) = line.split_once(',') else {
                bail!(
                    "{} line {}: expected \"/url-path/, local-dir\"",
                    file.display(),
                    n + 1
                );
            };
            list.push(json!({"url-path": url.trim(), "local-dir": abs(&base.join(dir.trim()))}));
        }
        Ok(Some(Override {
            path: vec!["aliases"],
            value: Value::Array(list),
            append: true,
        }))
    }
}

impl HostsArgs {
    pub(crate) fn overrides(&self) -> Vec<Override> {
        match &self.host {
            Some(host) => vec![put(&["browser_host"], json!(host))],
            None => Vec::new(),
        }
    }
}
