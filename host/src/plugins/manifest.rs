//! Per-directory plugin manifests: `__dir__.handlers.json` in a directory maps wptserve route patterns
//! (relative to that directory) to component files (relative paths inside the document root), with
//! methods, limits and capabilities per entry. The nearest manifest walking up from the request's
//! directory governs the path; routes of farther manifests are not consulted.
//!
//! ```json
//! {"handlers": [
//!   {"route": "echo/{name}", "component": "echo.wasm", "methods": ["GET", "POST"],
//!    "limits": {"memory_mb": 32, "cpu_ms": 1000, "wall_ms": 5000, "output_bytes": 1048576},
//!    "capabilities": ["read-doc-root"]}
//! ]}
//! ```
//!
//! Manifests are re-read when their size, modification time or inode changes (a `stat` per request,
//! done inline: a `stat` of a cached dentry costs about a microsecond, a hop to another thread
//! ten times that), so edits apply to the next request.

use super::route_memo::RouteMemo;
use super::settings::{PluginSettings, RawLimits, RequestLimits};
use crate::router::RoutePattern;
use crate::static_files::absent::{self, AbsentNames, Found};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Component as PathPart, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

pub const MANIFEST_NAME: &str = "__dir__.handlers.json";

/// Identity of a file version: a change of any part means "re-read".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSig {
    len: u64,
    modified: Option<SystemTime>,
    inode: u64,
}

impl FileSig {
    pub fn of(meta: &std::fs::Metadata) -> FileSig {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        FileSig {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
        }
    }
}

/// Capabilities a manifest entry may grant; everything else is denied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// Read-only WASI preopen of the document root at `/`.
    pub read_doc_root: bool,
}

#[derive(Debug)]
pub struct ManifestEntry {
    pub pattern: RoutePattern,
    /// `None`: any method.
    pub methods: Option<Vec<String>>,
    /// Absolute path of the component file (not yet checked for existence).
    pub component: PathBuf,
    /// The component as the manifest names it, relative to the document root, for messages and logs.
    pub display_name: String,
    pub limits: RequestLimits,
    pub capabilities: Capabilities,
}

impl ManifestEntry {
    /// F-RT-3: exact method, `*`, or a `GET` route also taking `HEAD`.
    fn accepts(&self, method: &str) -> bool {
        match &self.methods {
            None => true,
            Some(methods) => methods
                .iter()
                .any(|m| m == method || m == "*" || (method == "HEAD" && m == "GET")),
        }
    }
}

#[derive(Debug)]
pub struct Manifest {
    pub entries: Vec<Arc<ManifestEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    handlers: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    route: String,
    component: String,
    #[serde(default)]
    methods: Option<Vec<String>>,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    capabilities: Vec<String>,
}

/// `rel` (relative to the manifest's directory `dir_rel`) as a normalised path relative to the
/// document root, if it stays inside it lexically (symlinks are checked when loading).
fn inside_root(dir_rel: &str, rel: &str) -> Option<Vec<String>> {
    let mut parts: Vec<String> = dir_rel
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    for part in Path::new(rel).components() {
        match part {
            PathPart::Normal(p) => parts.push(p.to_str()?.to_string()),
            PathPart::CurDir => {}
            PathPart::ParentDir => {
                parts.pop()?;
            }
            PathPart::RootDir | PathPart::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then_some(parts)
}

fn limits_from(raw: &RawLimits, settings: &PluginSettings) -> Result<RequestLimits, String> {
    let max = settings.max_limits;
    let limits = raw.over(settings.default_limits);
    let too_big = |what: &str| Err(format!("limits.{what} exceeds the server's maximum"));
    if limits.memory_bytes > max.memory_bytes.min(settings.max_memory_bytes) {
        return too_big("memory_mb");
    }
    if limits.cpu > max.cpu {
        return too_big("cpu_ms");
    }
    if limits.wall > max.wall {
        return too_big("wall_ms");
    }
    if limits.output_bytes > max.output_bytes {
        return too_big("output_bytes");
    }
    Ok(limits)
}

/// Parse a manifest found in the directory `dir_rel` (relative to the document root `root`).
pub fn parse(
    text: &[u8],
    root: &Path,
    dir_rel: &str,
    settings: &PluginSettings,
) -> Result<Manifest, String> {
    let raw: RawManifest = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    let mut entries = Vec::with_capacity(raw.handlers.len());
    for (i, e) in raw.handlers.into_iter().enumerate() {
        let at = |msg: String| format!("handlers[{i}]: {msg}");
        let pattern = RoutePattern::parse(&e.route).map_err(|err| at(err.to_string()))?;
        let parts = inside_root(dir_rel, &e.component).ok_or_else(|| {
            at(format!(
                "component {:?} must be a relative path inside the document root",
                e.component
            ))
        })?;
        let mut capabilities = Capabilities::default();
        for cap in &e.capabilities {
            match cap.as_str() {
                "read-doc-root" => capabilities.read_doc_root = true,
                other => return Err(at(format!("unknown capability {other:?}"))),
            }
        }
        if let Some(methods) = &e.methods {
            if methods.is_empty() {
                return Err(at("methods must not be empty".into()));
            }
        }
        let limits = limits_from(&e.limits, settings).map_err(at)?;
        let display_name = parts.join("/");
        entries.push(Arc::new(ManifestEntry {
            pattern,
            methods: e.methods,
            component: parts.iter().fold(root.to_path_buf(), |p, s| p.join(s)),
            display_name,
            limits,
            capabilities,
        }));
    }
    Ok(Manifest { entries })
}

/// What governs a request path.
#[derive(Debug, Clone)]
pub enum Resolved {
    /// A route of the nearest manifest matched.
    Route {
        entry: Arc<ManifestEntry>,
        route_match: Vec<(String, String)>,
        /// The component file's version now, or why it cannot be used.
        component: Result<FileSig, String>,
    },
    /// The nearest manifest cannot be used: every path it governs gets a 500 naming the problem.
    Broken { message: Arc<str> },
}

struct Cached {
    sig: FileSig,
    parsed: Arc<Result<Manifest, Arc<str>>>,
}

/// A component file's version and whether it passed the checks.
type ComponentCheck = (FileSig, Result<(), String>);

/// Parsed manifests by file path, re-read when their `FileSig` changes; component checks likewise.
#[derive(Default)]
pub struct ManifestCache {
    cached: Mutex<HashMap<PathBuf, Cached>>,
    /// Component file -> the version last checked and the verdict, so an unchanged file costs one
    /// `stat` per request instead of two `realpath` walks.
    components: Mutex<HashMap<PathBuf, ComponentCheck>>,
    /// Document root and alias directories after symlinks (they do not change while the server
    /// runs).
    canonical_roots: Mutex<HashMap<PathBuf, PathBuf>>,
    /// Directories known to hold no manifest while unchanged: a `stat` of the directory, which the
    /// static file's headers lookup then reuses, instead of a failing `stat` of the manifest.
    absent: AbsentNames,
    /// Document root -> URL directories (up to their last `/`) with no manifest on their whole
    /// path, as of a watch generation: while it is unchanged, so is that answer, and no directory
    /// of the path needs looking at.
    unmanaged: Mutex<HashMap<PathBuf, HashMap<String, u64>>>,
    /// Answers for paths a manifest governs, under the watch generation (see `route_memo`).
    routes: RouteMemo,
}

/// What the long way of `resolve` found.
enum Lookup {
    /// Not a path a manifest could govern (bad segments).
    Invalid,
    /// No manifest on the whole path; `all_watched`: every directory looked at is watched.
    Unmanaged { all_watched: bool },
    /// The nearest manifest's answer; `watched`: everything it depends on is watched.
    Governed {
        resolved: Option<Resolved>,
        watched: bool,
    },
}

/// Bound on remembered unmanaged URL directories; the map is emptied when it is reached.
const MAX_UNMANAGED: usize = 16 * 1024;

impl ManifestCache {
    /// Stats files (cheap, see the module docs). Find the nearest manifest for `url_path` (raw, percent-encoded) under
    /// `doc_root` and the first of its routes that matches.
    pub fn resolve(
        &self,
        doc_root: &Path,
        url_path: &str,
        method: &str,
        settings: &PluginSettings,
    ) -> Option<Resolved> {
        let url_dir = &url_path[..=url_path.rfind('/')?];
        let generation = absent::watch_generation();
        if let Some(generation) = generation {
            let unmanaged = self.unmanaged.lock().unwrap_or_else(|e| e.into_inner());
            if unmanaged.get(doc_root).and_then(|dirs| dirs.get(url_dir)) == Some(&generation) {
                return None;
            }
            drop(unmanaged);
            if let Some(answer) = self.routes.get(doc_root, url_path, method, generation) {
                return answer;
            }
        }
        match self.look_up(doc_root, url_path, method, settings) {
            Lookup::Invalid => None,
            Lookup::Unmanaged { all_watched } => {
                if let (Some(generation), true) = (generation, all_watched) {
                    self.remember_unmanaged(doc_root, url_dir, generation);
                }
                None
            }
            Lookup::Governed { resolved, watched } => {
                if let (Some(generation), true) = (generation, watched) {
                    self.routes
                        .remember(doc_root, url_path, method, generation, resolved.clone());
                }
                resolved
            }
        }
    }

    /// `resolve` the long way: a look at every directory of the path up to the nearest manifest.
    fn look_up(
        &self,
        doc_root: &Path,
        url_path: &str,
        method: &str,
        settings: &PluginSettings,
    ) -> Lookup {
        let mut all_watched = true;
        let Some(relative) = url_path.strip_prefix('/') else {
            return Lookup::Invalid;
        };
        let segments: Vec<&str> = relative.split('/').collect();
        // The last segment names a file (or is empty for a directory URL).
        let dir_segments = &segments[..segments.len() - 1];
        let mut decoded: Vec<String> = Vec::with_capacity(dir_segments.len());
        for seg in dir_segments {
            let Ok(d) = percent_encoding::percent_decode_str(seg).decode_utf8() else {
                return Lookup::Invalid;
            };
            if d == "." || d == ".." || d.contains('/') || d.contains('\\') || d.contains('\0') {
                return Lookup::Invalid;
            }
            decoded.push(d.into_owned());
        }
        for depth in (0..=decoded.len()).rev() {
            let dir: PathBuf = decoded[..depth]
                .iter()
                .fold(doc_root.to_path_buf(), |p, s| p.join(s));
            let manifest_path = dir.join(MANIFEST_NAME);
            let view = self.absent.view(&dir);
            all_watched &= view.watched();
            let meta = match view.find(&manifest_path) {
                Found::Entry(meta) => meta,
                Found::Absent => continue,
                Found::Unusable => {
                    // Not remembered: a dangling symlink's target may appear without an event.
                    all_watched = false;
                    continue;
                }
            };
            // The answer now depends on the manifest's content too.
            let watched = all_watched && absent::watch_file(&manifest_path);
            let dir_rel = decoded[..depth].join("/");
            let parsed = self.load(&manifest_path, &meta, doc_root, &dir_rel, settings);
            let manifest = match parsed.as_ref() {
                Ok(m) => m,
                Err(message) => {
                    let message = message.clone();
                    let resolved = Some(Resolved::Broken { message });
                    return Lookup::Governed { resolved, watched };
                }
            };
            let prefix_len: usize = dir_segments[..depth].iter().map(|s| s.len() + 1).sum();
            let rest = &url_path[prefix_len..];
            for entry in &manifest.entries {
                if !entry.accepts(method) {
                    continue;
                }
                if let Some(route_match) = entry.pattern.matches(rest) {
                    let component = self.component_sig(doc_root, entry, settings);
                    // And on the component's content.
                    let watched = watched && absent::watch_file(&entry.component);
                    let resolved = Some(Resolved::Route {
                        entry: entry.clone(),
                        route_match,
                        component,
                    });
                    return Lookup::Governed { resolved, watched };
                }
            }
            return Lookup::Governed {
                resolved: None,
                watched,
            };
        }
        Lookup::Unmanaged { all_watched }
    }

    fn remember_unmanaged(&self, doc_root: &Path, url_dir: &str, generation: u64) {
        let mut unmanaged = self.unmanaged.lock().unwrap_or_else(|e| e.into_inner());
        if unmanaged.values().map(HashMap::len).sum::<usize>() >= MAX_UNMANAGED {
            unmanaged.clear();
        }
        unmanaged
            .entry(doc_root.to_path_buf())
            .or_default()
            .insert(url_dir.to_owned(), generation);
    }

    fn load(
        &self,
        path: &Path,
        meta: &std::fs::Metadata,
        root: &Path,
        dir_rel: &str,
        settings: &PluginSettings,
    ) -> Arc<Result<Manifest, Arc<str>>> {
        let sig = FileSig::of(meta);
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cached.get(path) {
            if c.sig == sig {
                return c.parsed.clone();
            }
        }
        let shown = if dir_rel.is_empty() {
            MANIFEST_NAME.to_string()
        } else {
            format!("{dir_rel}/{MANIFEST_NAME}")
        };
        let parsed = match std::fs::read(path) {
            Ok(text) => parse(&text, root, dir_rel, settings),
            Err(e) => Err(e.to_string()),
        };
        let parsed = match parsed {
            Ok(m) => {
                tracing::info!(manifest = %shown, routes = m.entries.len(), "loaded plugin manifest");
                Ok(m)
            }
            Err(e) => {
                // Logged once per manifest version: the cache keeps the error until the file changes.
                let message = format!("plugin manifest {shown} is invalid: {e}");
                tracing::error!("{message}");
                Err(Arc::from(message))
            }
        };
        let parsed = Arc::new(parsed);
        cached.insert(
            path.to_path_buf(),
            Cached {
                sig,
                parsed: parsed.clone(),
            },
        );
        parsed
    }
}

impl ManifestCache {
    fn canonical_root(&self, doc_root: &Path) -> Result<PathBuf, String> {
        let mut cached = self
            .canonical_roots
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(canonical) = cached.get(doc_root) {
            return Ok(canonical.clone());
        }
        let canonical = std::fs::canonicalize(doc_root)
            .map_err(|e| format!("document root cannot be opened: {e}"))?;
        cached.insert(doc_root.to_path_buf(), canonical.clone());
        Ok(canonical)
    }

    /// Blocking: the component's current version, after checking (once per version) that it is a
    /// regular file inside the document root after symlinks, and not too large.
    fn component_sig(
        &self,
        doc_root: &Path,
        entry: &ManifestEntry,
        settings: &PluginSettings,
    ) -> Result<FileSig, String> {
        let name = &entry.display_name;
        let meta = std::fs::metadata(&entry.component)
            .map_err(|e| format!("plugin component {name} cannot be opened: {e}"))?;
        let sig = FileSig::of(&meta);
        let mut checked = self.components.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((seen, verdict)) = checked.get(&entry.component) {
            if *seen == sig {
                return verdict.clone().map(|()| sig);
            }
        }
        let verdict = self.check_component(doc_root, entry, &meta, settings);
        checked.insert(entry.component.clone(), (sig, verdict.clone()));
        verdict.map(|()| sig)
    }

    fn check_component(
        &self,
        doc_root: &Path,
        entry: &ManifestEntry,
        meta: &std::fs::Metadata,
        settings: &PluginSettings,
    ) -> Result<(), String> {
        let name = &entry.display_name;
        let real = std::fs::canonicalize(&entry.component)
            .map_err(|e| format!("plugin component {name} cannot be opened: {e}"))?;
        if !real.starts_with(self.canonical_root(doc_root)?) {
            return Err(format!(
                "plugin component {name} resolves outside the document root"
            ));
        }
        if !meta.is_file() {
            return Err(format!("plugin component {name} is not a file"));
        }
        if meta.len() > settings.max_component_bytes {
            return Err(format!(
                "plugin component {name} is larger than {} bytes",
                settings.max_component_bytes
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_stay_inside() {
        assert_eq!(inside_root("", "a.wasm"), Some(vec!["a.wasm".to_string()]));
        assert_eq!(
            inside_root("d/e", "../a.wasm"),
            Some(vec!["d".into(), "a.wasm".into()])
        );
        assert_eq!(
            inside_root("d", "../a.wasm"),
            Some(vec!["a.wasm".to_string()])
        );
        assert!(inside_root("", "../a.wasm").is_none());
        assert!(inside_root("d", "../../a.wasm").is_none());
        assert!(inside_root("", "/etc/passwd").is_none());
        assert!(inside_root("", "").is_none());
    }

    #[test]
    fn parse_rejects_unknown_fields_and_capabilities() {
        let s = PluginSettings::default();
        let dir = Path::new("/root");
        assert!(parse(br#"{"handlers": []}"#, dir, "", &s).is_ok());
        let e = parse(
            br#"{"handlers": [{"route": "x", "component": "x.wasm", "bogus": 1}]}"#,
            dir,
            "",
            &s,
        );
        assert!(e.unwrap_err().contains("bogus"));
        let e = parse(
            br#"{"handlers": [{"route": "x", "component": "x.wasm", "capabilities": ["net"]}]}"#,
            dir,
            "",
            &s,
        );
        assert!(e.unwrap_err().contains("unknown capability"));
        let e = parse(
            br#"{"handlers": [{"route": "x", "component": "x.wasm", "limits": {"wall_ms": 100000000}}]}"#,
            dir,
            "",
            &s,
        );
        assert!(e.unwrap_err().contains("wall_ms"));
    }

    #[test]
    fn methods_follow_f_rt_3() {
        let s = PluginSettings::default();
        let m = parse(
            br#"{"handlers": [{"route": "x", "component": "x.wasm", "methods": ["GET"]}]}"#,
            Path::new("/r"),
            "d",
            &s,
        )
        .unwrap();
        let e = &m.entries[0];
        assert!(e.accepts("GET") && e.accepts("HEAD") && !e.accepts("POST"));
        assert_eq!(e.display_name, "d/x.wasm");
    }
}
