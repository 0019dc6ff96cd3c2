//! The stash (F-SH-1..7): shared state between requests, addressed by UUID keys scoped to a path.
//!
//! wptserve keeps it in a manager process shared by every listener; here one `Stash` lives in
//! `ServerState` and is shared by all listeners (F-SH-7). Keys are UUIDs in any form Python's
//! `uuid.UUID` accepts, normalised to their 16 bytes (F-SH-2); the default scope is the request's URL
//! path (F-SH-3); values are write-once (F-SH-4) and read-once (F-SH-5); one global lock serves
//! take-modify-put sequences (F-SH-6).
//!
//! Unlike wptserve the stash is bounded, because the server faces the internet: a maximum number of
//! entries, of bytes in total and per value, and an expiry per entry. A full stash refuses `put` with a
//! clear error instead of growing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Bounds on what the stash holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StashLimits {
    /// Most values held at once.
    pub max_entries: usize,
    /// Most value bytes held at once (keys and paths count too).
    pub max_total_bytes: usize,
    /// Largest single value.
    pub max_value_bytes: usize,
    /// A value not taken within this time is dropped (wptserve keeps values forever, F-SH-7; a public
    /// server cannot).
    pub entry_ttl: Duration,
}

impl Default for StashLimits {
    fn default() -> Self {
        StashLimits {
            max_entries: 100_000,
            max_total_bytes: 256 * 1024 * 1024,
            max_value_bytes: 16 * 1024 * 1024,
            entry_ttl: Duration::from_secs(3600),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StashError {
    /// wptserve's `ValueError` text (F-SH-2).
    #[error("Invalid UUID \"{0}\" used as stash key")]
    InvalidKey(String),
    #[error("Tried to overwrite existing shared stash value for key {key} at path {path}")]
    Overwrite { key: String, path: String },
    #[error("stash is full ({0}); take values before putting more")]
    Full(&'static str),
    #[error("stash value of {size} bytes exceeds the limit of {limit} bytes")]
    ValueTooLarge { size: usize, limit: usize },
}

/// Internal key: the scope path and the UUID's 16 bytes (wptserve's `(path, uuid.bytes)`).
type Slot = (String, [u8; 16]);

struct Entry {
    value: Vec<u8>,
    expires: Instant,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Slot, Entry>,
    total_bytes: usize,
}

impl Inner {
    fn cost(slot: &Slot, value: &[u8]) -> usize {
        slot.0.len() + 16 + value.len()
    }

    fn remove(&mut self, slot: &Slot) -> Option<Entry> {
        let entry = self.entries.remove(slot)?;
        self.total_bytes -= Self::cost(slot, &entry.value);
        Some(entry)
    }

    fn purge_expired(&mut self, now: Instant) {
        let expired: Vec<Slot> = self
            .entries
            .iter()
            .filter(|(_, e)| e.expires <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for slot in expired {
            self.remove(&slot);
        }
    }
}

/// The held global stash lock (F-SH-6); dropping it releases the lock.
pub type StashLockGuard = tokio::sync::OwnedMutexGuard<()>;

pub struct Stash {
    limits: StashLimits,
    inner: Mutex<Inner>,
    lock: Arc<tokio::sync::Mutex<()>>,
}

impl Default for Stash {
    fn default() -> Self {
        Stash::new(StashLimits::default())
    }
}

impl std::fmt::Debug for Stash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stash")
            .field("limits", &self.limits)
            .finish()
    }
}

/// Normalise a stash key as Python's `uuid.UUID(key)` does: drop every `urn:` and `uuid:`, strip
/// braces at both ends, drop hyphens, then exactly 32 hex digits of any case. So hyphenated, plain
/// hex, `{braced}` and `urn:uuid:` forms all address the same slot.
pub fn normalise_key(key: &str) -> Result<[u8; 16], StashError> {
    let invalid = || StashError::InvalidKey(key.to_string());
    let hex = key.replace("urn:", "").replace("uuid:", "");
    let hex: String = hex
        .trim_matches(|c| c == '{' || c == '}')
        .chars()
        .filter(|&c| c != '-')
        .collect();
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    u128::from_str_radix(&hex, 16)
        .map(u128::to_be_bytes)
        .map_err(|_| invalid())
}

impl Stash {
    pub fn new(limits: StashLimits) -> Self {
        Stash {
            limits,
            inner: Mutex::new(Inner::default()),
            lock: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    pub fn limits(&self) -> &StashLimits {
        &self.limits
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave the map inconsistent (every mutation is a
        // single insert/remove plus a counter update), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Store `value` under `key` in the scope `path` (F-SH-3, F-SH-4): write-once, bounded.
    pub fn put(&self, key: &str, value: Vec<u8>, path: &str) -> Result<(), StashError> {
        let slot = (path.to_string(), normalise_key(key)?);
        if value.len() > self.limits.max_value_bytes {
            return Err(StashError::ValueTooLarge {
                size: value.len(),
                limit: self.limits.max_value_bytes,
            });
        }
        let now = Instant::now();
        let mut inner = self.inner();
        if let Some(existing) = inner.entries.get(&slot) {
            if existing.expires > now {
                return Err(StashError::Overwrite {
                    key: key.to_string(),
                    path: path.to_string(),
                });
            }
            inner.remove(&slot);
        }
        let cost = Inner::cost(&slot, &value);
        let fits = |inner: &Inner| {
            inner.entries.len() < self.limits.max_entries
                && inner.total_bytes + cost <= self.limits.max_total_bytes
        };
        if !fits(&inner) {
            inner.purge_expired(now);
        }
        if inner.entries.len() >= self.limits.max_entries {
            return Err(StashError::Full("too many entries"));
        }
        if inner.total_bytes + cost > self.limits.max_total_bytes {
            return Err(StashError::Full("too many bytes"));
        }
        inner.total_bytes += cost;
        inner.entries.insert(
            slot,
            Entry {
                value,
                expires: now + self.limits.entry_ttl,
            },
        );
        Ok(())
    }

    /// Remove and return the value under `key` in the scope `path`, `None` if absent or expired
    /// (F-SH-5).
    pub fn take(&self, key: &str, path: &str) -> Result<Option<Vec<u8>>, StashError> {
        let slot = (path.to_string(), normalise_key(key)?);
        let mut inner = self.inner();
        Ok(inner
            .remove(&slot)
            .filter(|e| e.expires > Instant::now())
            .map(|e| e.value))
    }

    /// Wait for the global stash lock (F-SH-6). The guard releases it when dropped, so a plugin that
    /// forgets to unlock releases it when its request ends.
    pub async fn lock(&self) -> StashLockGuard {
        self.lock.clone().lock_owned().await
    }

    /// Number of values held (expired ones not yet purged included).
    pub fn len(&self) -> usize {
        self.inner().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes accounted against `max_total_bytes`.
    pub fn total_bytes(&self) -> usize {
        self.inner().total_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: &str = "0a6b8e7c-6a1f-4b55-9a4e-3f1c2d3e4f50";

    #[test]
    fn key_forms_are_one_slot_f_sh_2() {
        let s = Stash::default();
        s.put(K, b"v".to_vec(), "/p").unwrap();
        for form in [
            "0A6B8E7C-6A1F-4B55-9A4E-3F1C2D3E4F50",
            "{0a6b8e7c-6a1f-4b55-9a4e-3f1c2d3e4f50}",
            "urn:uuid:0a6b8e7c-6a1f-4b55-9a4e-3f1c2d3e4f50",
            "0a6b8e7c6a1f4b559a4e3f1c2d3e4f50",
            "urn:uuid:0a6b8e7c6a1f4b559a4e3f1c2d3e4f50",
            "{0a6b8e7c6a1f4b559a4e3f1c2d3e4f50}",
        ] {
            assert!(matches!(
                s.put(form, b"w".to_vec(), "/p"),
                Err(StashError::Overwrite { .. })
            ));
        }
        assert_eq!(
            s.take("{0A6B8E7C6A1F4B559A4E3F1C2D3E4F50}", "/p").unwrap(),
            Some(b"v".to_vec())
        );
    }

    #[test]
    fn invalid_key_message_f_sh_2() {
        let s = Stash::default();
        let err = s.put("nope", vec![], "/").unwrap_err();
        assert_eq!(err.to_string(), "Invalid UUID \"nope\" used as stash key");
        assert!(s.take("nope", "/").is_err());
    }

    #[test]
    fn path_scoped_write_once_read_once_f_sh_3_4_5() {
        let s = Stash::default();
        s.put(K, b"a".to_vec(), "/stash/a").unwrap();
        assert_eq!(s.take(K, "/stash/b").unwrap(), None);
        assert!(s.put(K, b"b".to_vec(), "/stash/a").is_err());
        assert_eq!(s.take(K, "/stash/a").unwrap(), Some(b"a".to_vec()));
        assert_eq!(s.take(K, "/stash/a").unwrap(), None);
        assert_eq!(s.total_bytes(), 0);
        s.put(K, b"c".to_vec(), "/stash/a").unwrap();
    }

    #[test]
    fn bounded_entries_bytes_value_and_expiry() {
        let s = Stash::new(StashLimits {
            max_entries: 2,
            max_total_bytes: 1000,
            max_value_bytes: 100,
            entry_ttl: Duration::from_millis(50),
        });
        let key = |i: u8| format!("00000000-0000-0000-0000-0000000000{i:02x}");
        s.put(&key(1), vec![0; 10], "/").unwrap();
        s.put(&key(2), vec![0; 10], "/").unwrap();
        assert_eq!(
            s.put(&key(3), vec![0; 10], "/"),
            Err(StashError::Full("too many entries"))
        );
        assert!(matches!(
            s.put(&key(4), vec![0; 101], "/"),
            Err(StashError::ValueTooLarge { .. })
        ));
        std::thread::sleep(Duration::from_millis(80));
        // Expired entries read as absent and make room.
        assert_eq!(s.take(&key(1), "/").unwrap(), None);
        s.put(&key(3), vec![0; 10], "/").unwrap();
        s.put(&key(4), vec![0; 10], "/").unwrap();
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn byte_bound() {
        let s = Stash::new(StashLimits {
            max_total_bytes: 100,
            ..StashLimits::default()
        });
        s.put(K, vec![0; 60], "/").unwrap();
        assert_eq!(
            s.put("00000000-0000-0000-0000-000000000001", vec![0; 60], "/"),
            Err(StashError::Full("too many bytes"))
        );
    }

    #[tokio::test]
    async fn lock_is_released_on_drop_f_sh_6() {
        let s = Stash::default();
        let g = s.lock().await;
        assert!(tokio::time::timeout(Duration::from_millis(20), s.lock())
            .await
            .is_err());
        drop(g);
        let _g = tokio::time::timeout(Duration::from_millis(200), s.lock())
            .await
            .unwrap();
    }
}
