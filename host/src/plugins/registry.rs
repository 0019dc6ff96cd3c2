//! Loaded components by file: compiled (or read from the disk cache) on first use under a
//! per-component lock, off the async workers, then kept as a pre-instantiated `HandlerPre` until the
//! file's version changes. Requests in flight keep the version they started with through their `Arc`.

use super::bindings::HandlerPre;
use super::cache::{ComponentCache, Origin};
use super::ctx::PluginCtx;
use super::manifest::FileSig;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use wasmtime::component::Linker;
use wasmtime::Engine;

pub struct Loaded {
    pub pre: HandlerPre<PluginCtx>,
    pub origin: Origin,
}

#[derive(Default)]
struct Slot {
    sig: Option<FileSig>,
    result: Option<Result<Arc<Loaded>, Arc<str>>>,
}

pub struct Registry {
    engine: Engine,
    linker: Arc<Linker<PluginCtx>>,
    cache: Arc<ComponentCache>,
    slots: Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<Slot>>>>,
    reported: Mutex<HashSet<String>>,
    pub compiled: AtomicU64,
    pub from_disk: AtomicU64,
}

impl Registry {
    pub fn new(engine: Engine, linker: Linker<PluginCtx>, cache: ComponentCache) -> Self {
        Registry {
            engine,
            linker: Arc::new(linker),
            cache: Arc::new(cache),
            slots: Mutex::new(HashMap::new()),
            reported: Mutex::new(HashSet::new()),
            compiled: AtomicU64::new(0),
            from_disk: AtomicU64::new(0),
        }
    }

    /// Log a load problem the first time it is seen, not on every request it spoils.
    pub fn report_once(&self, message: &str) {
        let mut reported = self.reported.lock().unwrap_or_else(|e| e.into_inner());
        if reported.len() > 10_000 {
            reported.clear();
        }
        if reported.insert(message.to_string()) {
            tracing::error!("{message}");
        }
    }

    /// The loaded component at `path` in version `sig`.
    pub async fn get(
        &self,
        path: &Path,
        sig: FileSig,
        name: &str,
    ) -> Result<Arc<Loaded>, Arc<str>> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            slots.entry(path.to_path_buf()).or_default().clone()
        };
        let mut slot = slot.lock().await;
        if slot.sig == Some(sig) {
            if let Some(result) = &slot.result {
                return result.clone();
            }
        }
        let engine = self.engine.clone();
        let linker = self.linker.clone();
        let cache = self.cache.clone();
        let file = path.to_path_buf();
        let loaded = tokio::task::spawn_blocking(move || load(&engine, &linker, &cache, &file))
            .await
            .unwrap_or_else(|e| Err(format!("loader task failed: {e}")));
        let result = match loaded {
            Ok(l) => {
                let counter = match l.origin {
                    Origin::Compiled => &self.compiled,
                    Origin::DiskCache => &self.from_disk,
                };
                counter.fetch_add(1, Ordering::Relaxed);
                tracing::info!(plugin = name, origin = ?l.origin, "loaded plugin component");
                Ok(Arc::new(l))
            }
            Err(e) => {
                let message = format!("plugin component {name} failed to load: {e}");
                self.report_once(&message);
                Err(Arc::from(message))
            }
        };
        slot.sig = Some(sig);
        slot.result = Some(result.clone());
        result
    }
}

fn load(
    engine: &Engine,
    linker: &Linker<PluginCtx>,
    cache: &ComponentCache,
    path: &Path,
) -> Result<Loaded, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let (component, origin) = cache.load(engine, &bytes).map_err(|e| format!("{e:#}"))?;
    let pre = linker
        .instantiate_pre(&component)
        .map_err(|e| format!("{e:#}"))?;
    let pre = HandlerPre::new(pre).map_err(|e| format!("{e:#}"))?;
    Ok(Loaded { pre, origin })
}
