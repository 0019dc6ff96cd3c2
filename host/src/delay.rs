//! Delays that reach the client as requested: trickle pipes, the plugin `sleep` import and the
//! configured latency all wait here, so their precision is decided in one place.

use std::time::Duration;

/// Wait `d` without holding a thread.
pub async fn sleep(d: Duration) {
    tokio::time::sleep(d).await;
}
