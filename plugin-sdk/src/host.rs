//! The other host services: delays, logging, server configuration.

use crate::bindings::wpthost::handler::{log as hlog, server_config, timing};
use std::time::Duration;

/// Wait `ms` milliseconds. Pending output is flushed first; the sleep holds no host thread, and the
/// request's wall-clock budget covers it.
pub fn sleep_ms(ms: u64) {
    timing::sleep(ms)
}

/// [`sleep_ms`] with a `Duration` (rounded down to milliseconds).
pub fn sleep(d: Duration) {
    timing::sleep(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Milliseconds since the request started.
pub fn elapsed_ms() -> u64 {
    timing::elapsed_ms()
}

/// Log levels for [`log`].
pub use hlog::Level;

/// Write a line to the server log, attributed to this plugin and request.
pub fn log(level: Level, message: &str) {
    hlog::log(level, message)
}

/// Server configuration, read-only (wptserve's `request.server.config`).
pub mod config {
    use super::server_config as host;

    /// The computed configuration as JSON text (browser_host, ports, domains, ...).
    pub fn json() -> String {
        host::config_json()
    }

    /// `browser_host`, e.g. `web-platform.test` or `localhost`.
    pub fn browser_host() -> String {
        host::browser_host()
    }

    /// The ports for a scheme (`http`, `https`, `h2`, `ws`, ...), in configuration order.
    pub fn ports(scheme: &str) -> Vec<u16> {
        host::ports(scheme)
    }
}
