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
