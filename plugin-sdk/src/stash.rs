//! wptserve's stash (F-SH-*): values shared between requests, keyed by UUID, path-scoped, write-once,
//! read-once. A handler instance never outlives its request, so this is the only shared state.

use crate::bindings::wpthost::handler::stash as host;
use crate::Error;

/// Store `value` under `key` (a UUID in any of Python's `uuid.UUID` spellings). `path: None` scopes it
/// to this request's URL path; pass a path to share between URLs. Fails if the key is not a UUID,
/// already holds a value, or the stash is full.
pub fn put(key: &str, value: impl AsRef<[u8]>, path: Option<&str>) -> Result<(), Error> {
    host::put(key, value.as_ref(), path).map_err(Error::msg)
}

/// Remove and return the value under `key` (`None` if absent).
pub fn take(key: &str, path: Option<&str>) -> Result<Option<Vec<u8>>, Error> {
    host::take(key, path).map_err(Error::msg)
}

/// Hold the global stash lock for a take-modify-put sequence; released when the guard drops (or when
/// the request ends, whichever comes first).
///
/// ```no_run
/// # fn demo() -> Result<(), wpthost_plugin_sdk::Error> {
/// use wpthost_plugin_sdk::stash;
/// let key = "0b2f5b8e-6a9e-4a6b-8f3e-1f2a3b4c5d6e";
/// let _guard = stash::lock()?;
/// let count = stash::take(key, Some("/counter"))?.map_or(0, |v| v.len());
/// stash::put(key, vec![b'x'; count + 1], Some("/counter"))?;
/// # Ok(()) }
/// ```
pub fn lock() -> Result<StashGuard, Error> {
    host::lock().map_err(Error::msg)?;
    Ok(StashGuard { _private: () })
}

/// Releases the stash lock on drop.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct StashGuard {
    _private: (),
}

impl Drop for StashGuard {
    fn drop(&mut self) {
        host::unlock();
    }
}
