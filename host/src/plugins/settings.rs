//! Plugin tuning: engine-wide pool sizes and the per-request limits a manifest entry may lower (or
//! raise up to the host's ceilings). Defaults follow reference/wasm-hosts.md §3.3 and §3.10, sized for
//! a 2-core / 24 GiB machine that must hold 1,000 sleeping instances at once.

use std::path::PathBuf;
use std::time::Duration;

/// Limits applied to one request of one plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Linear memory per memory of the instance (StoreLimits; the pool slot size is the ceiling).
    pub memory_bytes: usize,
    /// Time spent running WebAssembly (epoch ticks), sleeps excluded.
    pub cpu: Duration,
    /// Whole request: instantiate, run, sleeps and writes.
    pub wall: Duration,
    /// Bytes the plugin may produce (direct writes and the returned body together).
    pub output_bytes: u64,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits {
            memory_bytes: 64 * 1024 * 1024,
            cpu: Duration::from_secs(5),
            wall: Duration::from_secs(120),
            output_bytes: 64 * 1024 * 1024,
        }
    }
}

/// The `plugins` settings of wpthost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginSettings {
    /// Where compiled components are cached (`None`: `$WPTHOST_PLUGIN_CACHE`, else the user cache
    /// directory, else the system temporary directory).
    pub cache_dir: Option<PathBuf>,
    /// Pool size: plugin requests running (or sleeping) at once. Past it requests get a 503.
    pub max_instances: u32,
    /// Pool slot size: the most memory one linear memory can ever have.
    pub max_memory_bytes: usize,
    /// Limits for manifest entries that set none.
    pub default_limits: RequestLimits,
    /// Ceilings a manifest entry cannot exceed.
    pub max_limits: RequestLimits,
    /// Largest component file accepted.
    pub max_component_bytes: u64,
    /// Guest stdout/stderr kept per request for the log.
    pub max_captured_output: usize,
    /// Epoch tick: the granularity of the CPU budget and of cooperative yields.
    pub epoch_tick: Duration,
    /// Use the pooling allocator (falls back to on-demand allocation if it cannot be set up).
    pub pooling: bool,
}

impl Default for PluginSettings {
    fn default() -> Self {
        PluginSettings {
            cache_dir: None,
            max_instances: 2000,
            max_memory_bytes: 256 * 1024 * 1024,
            default_limits: RequestLimits::default(),
            max_limits: RequestLimits {
                memory_bytes: 256 * 1024 * 1024,
                cpu: Duration::from_secs(60),
                wall: Duration::from_secs(600),
                output_bytes: 1024 * 1024 * 1024,
            },
            max_component_bytes: 64 * 1024 * 1024,
            max_captured_output: 64 * 1024,
            epoch_tick: Duration::from_millis(10),
            pooling: true,
        }
    }
}

impl PluginSettings {
    /// The cache directory actually used.
    pub fn resolved_cache_dir(&self) -> PathBuf {
        if let Some(dir) = &self.cache_dir {
            return dir.clone();
        }
        if let Some(dir) = std::env::var_os("WPTHOST_PLUGIN_CACHE") {
            return PathBuf::from(dir);
        }
        if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
            return PathBuf::from(dir).join("wpthost").join("components");
        }
        if let Some(home) = std::env::var_os("HOME") {
            return PathBuf::from(home)
                .join(".cache")
                .join("wpthost")
                .join("components");
        }
        std::env::temp_dir().join("wpthost-components")
    }
}

/// Per-request limits as written in JSON (manifest entries and the `wpthost.plugins` settings).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    pub memory_mb: Option<u64>,
    pub cpu_ms: Option<u64>,
    pub wall_ms: Option<u64>,
    pub output_bytes: Option<u64>,
}

impl RawLimits {
    /// These limits over `base` (absent keys keep `base`'s value).
    pub fn over(&self, base: RequestLimits) -> RequestLimits {
        RequestLimits {
            memory_bytes: self
                .memory_mb
                .map(|mb| mb.saturating_mul(1024 * 1024) as usize)
                .unwrap_or(base.memory_bytes),
            cpu: self.cpu_ms.map(Duration::from_millis).unwrap_or(base.cpu),
            wall: self.wall_ms.map(Duration::from_millis).unwrap_or(base.wall),
            output_bytes: self.output_bytes.unwrap_or(base.output_bytes),
        }
    }
}

/// The `wpthost.plugins` object of the config file.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    cache_dir: Option<PathBuf>,
    max_instances: Option<u32>,
    max_memory_mb: Option<u64>,
    max_component_mb: Option<u64>,
    captured_output_bytes: Option<usize>,
    epoch_tick_ms: Option<u64>,
    pooling: Option<bool>,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    max_limits: RawLimits,
}

impl PluginSettings {
    /// Read the `wpthost.plugins` object (`{}` gives the defaults), e.g.
    /// `{"cache_dir": "/var/cache/wpthost", "max_instances": 2000, "limits": {"wall_ms": 30000}}`.
    pub fn from_json(value: &serde_json::Value) -> Result<PluginSettings, String> {
        let raw: RawSettings =
            serde_json::from_value(value.clone()).map_err(|e| format!("wpthost.plugins: {e}"))?;
        let d = PluginSettings::default();
        let mut s = PluginSettings {
            cache_dir: raw.cache_dir,
            max_instances: raw.max_instances.unwrap_or(d.max_instances),
            max_memory_bytes: raw
                .max_memory_mb
                .map(|mb| mb.saturating_mul(1024 * 1024) as usize)
                .unwrap_or(d.max_memory_bytes),
            default_limits: raw.limits.over(d.default_limits),
            max_limits: raw.max_limits.over(d.max_limits),
            max_component_bytes: raw
                .max_component_mb
                .map(|mb| mb.saturating_mul(1024 * 1024))
                .unwrap_or(d.max_component_bytes),
            max_captured_output: raw.captured_output_bytes.unwrap_or(d.max_captured_output),
            epoch_tick: raw
                .epoch_tick_ms
                .map(Duration::from_millis)
                .unwrap_or(d.epoch_tick),
            pooling: raw.pooling.unwrap_or(d.pooling),
        };
        if s.max_instances == 0 {
            return Err("wpthost.plugins.max_instances must be at least 1".into());
        }
        if s.epoch_tick.is_zero() {
            return Err("wpthost.plugins.epoch_tick_ms must be at least 1".into());
        }
        s.max_limits.memory_bytes = s.max_limits.memory_bytes.min(s.max_memory_bytes);
        let (l, m) = (s.default_limits, s.max_limits);
        if l.memory_bytes > m.memory_bytes
            || l.cpu > m.cpu
            || l.wall > m.wall
            || l.output_bytes > m.output_bytes
        {
            return Err("wpthost.plugins.limits exceed wpthost.plugins.max_limits".into());
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_from_json() {
        assert_eq!(
            PluginSettings::from_json(&serde_json::json!({})),
            Ok(PluginSettings::default())
        );
        let s = PluginSettings::from_json(&serde_json::json!({
            "cache_dir": "/tmp/c", "max_instances": 10, "limits": {"wall_ms": 1000, "memory_mb": 8}
        }))
        .unwrap();
        assert_eq!(s.max_instances, 10);
        assert_eq!(s.default_limits.wall, Duration::from_secs(1));
        assert_eq!(s.default_limits.memory_bytes, 8 << 20);
        assert!(PluginSettings::from_json(&serde_json::json!({"bogus": 1})).is_err());
        assert!(
            PluginSettings::from_json(&serde_json::json!({"limits": {"wall_ms": 100000000}}))
                .is_err()
        );
    }
}
