//! Compiled components on disk, keyed by the component's SHA-256 and the engine's compatibility hash
//! (wasmtime version, target CPU features, engine config), so a restart never recompiles and an
//! engine change never loads an incompatible artifact.
//!
//! The cache directory must be writable only by the server: deserializing trusts its contents.

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use wasmtime::component::Component;
use wasmtime::Engine;

/// `std::hash::Hasher` over SHA-256, to turn `precompile_compatibility_hash` into stable hex.
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct ComponentCache {
    dir: PathBuf,
    compat: String,
}

/// Where a component came from, for the log and the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Compiled,
    DiskCache,
}

impl ComponentCache {
    pub fn new(engine: &Engine, dir: PathBuf) -> Self {
        let mut h = ShaHasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut h);
        let compat = hex(&h.0.finalize()[..8]);
        ComponentCache { dir, compat }
    }

    fn path_for(&self, bytes: &[u8]) -> PathBuf {
        let digest = Sha256::digest(bytes);
        self.dir
            .join(format!("{}-{}.cwasm", hex(&digest), self.compat))
    }

    /// The compiled component for `bytes`: from disk when present and loadable, else compiled now and
    /// written back (a failed write only costs the next start a compile). Blocking: call off the
    /// async workers.
    pub fn load(&self, engine: &Engine, bytes: &[u8]) -> wasmtime::Result<(Component, Origin)> {
        let path = self.path_for(bytes);
        if path.is_file() {
            // SAFETY: the file was written by `store` below from `Component::serialize` of the same
            // engine configuration (the name carries the compatibility hash), in a directory only the
            // server writes to; wasmtime also checks the header and rejects mismatches.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok((component, Origin::DiskCache)),
                Err(e) => tracing::warn!(path = %path.display(), error = %e,
                    "discarding unloadable cached component"),
            }
        }
        let component = Component::new(engine, bytes)?;
        if let Err(e) = self.store(&path, &component) {
            tracing::warn!(dir = %self.dir.display(), error = %e, "cannot write the component cache");
        }
        Ok((component, Origin::Compiled))
    }

    /// Temp file, fsync, atomic rename: a crash never leaves a truncated artifact under the real name.
    fn store(&self, path: &Path, component: &Component) -> std::io::Result<()> {
        let data = component
            .serialize()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        std::fs::create_dir_all(&self.dir)?;
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        let tmp = path.with_extension(format!("tmp{}-{seq}", std::process::id()));
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&data)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    }
}
