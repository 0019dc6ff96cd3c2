//! WebAssembly handler plugins: components implementing `wit/handler.wit`, found through
//! per-directory manifests (`__dir__.handlers.json`), run one fresh instance per request inside a
//! sandbox with memory, CPU, wall-clock and output limits.
//!
//! - `engine`: wasmtime config (pooling allocator, copy-on-write images, epochs), ticker, linker.
//! - `cache`: compiled components on disk, keyed by content hash + engine compatibility hash.
//! - `manifest`: manifest format, nearest-manifest resolution, stat-based reload.
//! - `registry`: component loading under a per-component lock, `HandlerPre` reuse, reload on change.
//! - `ctx`: the store data and the host side of every WIT import.
//! - `run`: one request: limits, outcome, failure handling.
//!
//! A plugin that fails costs only its response: a JSON 500 naming the reason when nothing was sent
//! yet, a closed connection otherwise; the server keeps running and logs plugin, request and reason.

mod bindings;
mod cache;
mod ctx;
mod engine;
mod error;
mod manifest;
mod output;
mod registry;
mod route_memo;
mod run;
mod settings;

pub use error::Failure;
pub use manifest::MANIFEST_NAME;
pub use settings::{PluginSettings, RequestLimits};

use crate::config::Config;
use crate::errors::{internal_error, json_error};
use crate::http1::writer::ResponseWriter;
use crate::request::Request;
use crate::server::Handled;
use crate::stash::Stash;
use manifest::{ManifestCache, Resolved};
use registry::Registry;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use wasmtime::Engine;

/// A plugin route that governs a request (nearest manifest, first matching route).
#[derive(Clone)]
pub struct PluginMatch {
    pub route_match: Vec<(String, String)>,
    resolved: Resolved,
}

struct Runtime {
    engine: Engine,
    registry: Registry,
    /// Admission: at most the pool's size of plugin requests at once; past it, a 503.
    slots: Arc<tokio::sync::Semaphore>,
}

pub struct PluginHost {
    config: Arc<Config>,
    stash: Arc<Stash>,
    settings: Arc<PluginSettings>,
    manifests: Arc<ManifestCache>,
    runtime: Result<Runtime, String>,
}

impl PluginHost {
    /// A host with the settings of the config's `wpthost.plugins` object. Invalid settings do not
    /// stop the server: they are logged and every plugin path answers 500 naming the problem.
    pub fn new(config: Arc<Config>, stash: Arc<Stash>) -> Self {
        match PluginSettings::from_json(&config.server.plugins) {
            Ok(settings) => PluginHost::with_settings(config, stash, settings),
            Err(e) => {
                tracing::error!("{e}");
                let mut host = PluginHost::with_settings(config, stash, PluginSettings::default());
                host.runtime = Err(e);
                host
            }
        }
    }

    /// Set up the engine, the epoch ticker and the linker. A failure here does not stop the server:
    /// plugin paths answer 500 with the reason.
    pub fn with_settings(config: Arc<Config>, stash: Arc<Stash>, settings: PluginSettings) -> Self {
        let runtime = Self::runtime(&settings).map_err(|e| {
            let message = format!("plugin engine unavailable: {e:#}");
            tracing::error!("{message}");
            message
        });
        PluginHost {
            config,
            stash,
            settings: Arc::new(settings),
            manifests: Arc::new(ManifestCache::default()),
            runtime,
        }
    }

    fn runtime(settings: &PluginSettings) -> wasmtime::Result<Runtime> {
        let engine = engine::build_engine(settings)?;
        engine::start_epoch_ticker(&engine, settings.epoch_tick);
        let linker = engine::build_linker(&engine)?;
        let cache = cache::ComponentCache::new(&engine, settings.resolved_cache_dir());
        Ok(Runtime {
            registry: Registry::new(engine.clone(), linker, cache),
            slots: Arc::new(tokio::sync::Semaphore::new(settings.max_instances as usize)),
            engine,
        })
    }

    pub fn settings(&self) -> &PluginSettings {
        &self.settings
    }

    /// Components compiled since start, and components loaded from the disk cache instead.
    pub fn load_counts(&self) -> (u64, u64) {
        match &self.runtime {
            Ok(rt) => (
                rt.registry.compiled.load(Ordering::Relaxed),
                rt.registry.from_disk.load(Ordering::Relaxed),
            ),
            Err(_) => (0, 0),
        }
    }

    /// The plugin route governing this request, if the nearest manifest has one that matches (or the
    /// nearest manifest is broken, which governs its paths with a 500).
    pub fn resolve(&self, request: &Request) -> Option<PluginMatch> {
        // Under an alias mount point (F-SV-5) the manifests are the mounted directory's, and routes
        // are relative to the mount's URL base, as for static files.
        let base = request.url_base.trim_end_matches('/');
        let path = request.path.strip_prefix(base).unwrap_or(&request.path);
        let resolved =
            self.manifests
                .resolve(&request.doc_root, path, &request.method, &self.settings)?;
        let route_match = match &resolved {
            Resolved::Route { route_match, .. } => route_match.clone(),
            Resolved::Broken { .. } => Vec::new(),
        };
        Some(PluginMatch {
            route_match,
            resolved,
        })
    }

    /// Run the plugin. Failures are turned into a JSON 500 (nothing sent yet) or a closed connection.
    pub async fn handle(
        &self,
        matched: PluginMatch,
        request: &Request,
        writer: &mut ResponseWriter,
    ) -> Handled {
        // wptserve's errors never reach the pipes.
        let error = |message: &str| Handled::Unpiped(internal_error(500, &request.url, message));
        let (entry, component) = match matched.resolved {
            Resolved::Broken { message } => return error(&message),
            Resolved::Route {
                entry, component, ..
            } => (entry, component),
        };
        let rt = match &self.runtime {
            Ok(rt) => rt,
            Err(message) => return error(message),
        };
        let sig = match component {
            Ok(sig) => sig,
            Err(message) => {
                rt.registry.report_once(&message);
                return error(&message);
            }
        };
        let loaded = match rt
            .registry
            .get(&entry.component, sig, &entry.display_name)
            .await
        {
            Ok(loaded) => loaded,
            Err(message) => return error(&message),
        };
        let Ok(_permit) = rt.slots.clone().try_acquire_owned() else {
            tracing::warn!(plugin = %entry.display_name, "plugin instance pool exhausted");
            let mut response = json_error(503, "too many plugin requests in progress");
            response.headers.set("Retry-After", "1");
            return Handled::Unpiped(response);
        };
        let env = run::RunEnv {
            engine: &rt.engine,
            settings: &self.settings,
            config: &self.config,
            stash: &self.stash,
        };
        run::run(env, loaded, &entry, &matched.route_match, request, writer).await
    }
}
