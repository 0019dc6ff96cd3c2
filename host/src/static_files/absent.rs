//! Names known to be absent from a directory, for as long as the directory is unchanged. A static
//! request asks for up to four headers files that almost never exist (`__dir__.sub.headers`,
//! `__dir__.headers`, `<file>.sub.headers`, `<file>.headers`), and the plugin manifest lookup asks
//! every directory of the path for `__dir__.handlers.json`; knowing the directory's version
//! answers all of them instead of one failing `stat` each.
//!
//! A directory's version comes from `dir_watch` (inotify: no system call per directory) or else
//! from one `stat`. Creating, removing or renaming an entry changes the directory's modification
//! time, so a directory whose fingerprint is unchanged has the same names. Timestamps advance in
//! coarse ticks, so a directory modified within the racy window is not trusted (names are looked
//! up for real) until it settles; see `headers_file::Fingerprint`.
//!
//! Within one request (`request_scope`), a directory's version is learned once however many
//! lookups look at it, and the inotify queue is drained once. Never across requests: a directory
//! changed between two requests is seen by the second.

use super::dir_watch::DirWatch;
use super::headers_file::Fingerprint;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::fs::Metadata;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Bound on remembered directories; the map is emptied when reached (it only saves `stat`s).
const MAX_DIRS: usize = 16 * 1024;

/// What identifies a directory's set of names: its inotify version, or its `stat` fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DirVersion {
    Watched(u64),
    Stat(Fingerprint),
}

/// What a request has learned so far: whether it drained the inotify queue, and the directories it
/// looked at with their versions if trusted.
#[derive(Default)]
struct SeenDirs {
    drained: bool,
    dirs: Vec<(PathBuf, Option<DirVersion>)>,
}

tokio::task_local! {
    static REQUEST_DIRS: RefCell<SeenDirs>;
}

/// Run one request's handling with its own memory of directory versions (see the module docs).
pub async fn request_scope<F: std::future::Future>(handling: F) -> F::Output {
    REQUEST_DIRS
        .scope(RefCell::new(SeenDirs::default()), handling)
        .await
}

/// The process's directory watcher, its queue drained: once per request, and every time outside a
/// request scope (tests, the blocking pool).
fn drained_watcher() -> Option<&'static DirWatch> {
    let watcher = DirWatch::global()?;
    let drained = REQUEST_DIRS
        .try_with(|seen| std::mem::replace(&mut seen.borrow_mut().drained, true))
        .unwrap_or(false);
    if !drained {
        watcher.drain();
    }
    Some(watcher)
}

/// A number that stays the same while no watched directory changes (`None` without inotify): a
/// lookup that saw only watched directories holds for as long as it is unchanged.
pub(crate) fn watch_generation() -> Option<u64> {
    drained_watcher().map(DirWatch::generation)
}

/// Watch the file at `path` for content changes (`DirWatch::watch_file`); whether it is watched.
/// An answer that depends on the file holds while `watch_generation` is unchanged from before the
/// file was read, which a watch added now does not satisfy (adding it moves the generation).
pub(crate) fn watch_file(path: &Path) -> bool {
    drained_watcher().is_some_and(|watcher| watcher.watch_file(path))
}

/// The directory's version, if it can be trusted: from this request's memory, else from the
/// watcher, else one `stat` (and the directory is watched from the next request on).
fn trusted_version(dir: &Path) -> Option<DirVersion> {
    let seen = REQUEST_DIRS.try_with(|seen| {
        seen.borrow()
            .dirs
            .iter()
            .find(|(d, _)| d == dir)
            .map(|(_, v)| *v)
    });
    if let Ok(Some(version)) = seen {
        return version;
    }
    let watcher = drained_watcher();
    let version = watcher
        .and_then(|w| w.version(dir))
        .map(DirVersion::Watched)
        .or_else(|| {
            let fp = std::fs::metadata(dir)
                .ok()
                .map(|meta| Fingerprint::of(&meta))
                .filter(Fingerprint::settled);
            if let Some(w) = watcher {
                w.watch(dir);
            }
            fp.map(DirVersion::Stat)
        });
    let _ = REQUEST_DIRS.try_with(|seen| seen.borrow_mut().dirs.push((dir.to_path_buf(), version)));
    version
}

#[derive(Debug, Default)]
pub struct AbsentNames {
    dirs: Mutex<HashMap<PathBuf, (DirVersion, HashSet<OsString>)>>,
}

/// One directory as seen by one lookup: its fingerprint if it can be trusted.
pub struct DirView<'a> {
    memory: &'a AbsentNames,
    dir: &'a Path,
    settled: Option<DirVersion>,
}

impl AbsentNames {
    /// Look at `dir` (its version from memory, the watcher or one `stat`) for a series of lookups
    /// in it.
    pub fn view<'a>(&'a self, dir: &'a Path) -> DirView<'a> {
        DirView {
            memory: self,
            dir,
            settled: trusted_version(dir),
        }
    }

    fn known_absent(&self, dir: &Path, fp: DirVersion, name: &OsStr) -> bool {
        let dirs = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
        dirs.get(dir)
            .is_some_and(|(seen, absent)| *seen == fp && absent.contains(name))
    }

    fn remember_absent(&self, dir: &Path, fp: DirVersion, name: &OsStr) {
        let mut dirs = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
        if dirs.len() >= MAX_DIRS && !dirs.contains_key(dir) {
            dirs.clear();
        }
        let entry = dirs
            .entry(dir.to_path_buf())
            .or_insert_with(|| (fp, HashSet::new()));
        if entry.0 != fp {
            *entry = (fp, HashSet::new());
        }
        entry.1.insert(name.to_os_string());
    }
}

impl DirView<'_> {
    /// Whether the directory's version comes from the watcher (see `watch_generation`).
    pub fn watched(&self) -> bool {
        matches!(self.settled, Some(DirVersion::Watched(_)))
    }

    /// `std::fs::metadata(path)` for a `path` directly inside this directory, answered from memory
    /// when the name is known to be absent from the unchanged directory. It tells a name that is
    /// not there at all from one that is there but cannot be used (a dangling symlink, whose target may appear elsewhere without this directory
    /// changing; an unreadable entry).
    pub fn find(&self, path: &Path) -> Found {
        let Some(name) = path.file_name() else {
            return Found::Unusable;
        };
        if path.parent() != Some(self.dir) {
            return std::fs::metadata(path).map_or(Found::Unusable, Found::Entry);
        }
        if let Some(fp) = self.settled {
            if self.memory.known_absent(self.dir, fp, name) {
                return Found::Absent;
            }
        }
        match std::fs::metadata(path) {
            Ok(meta) => Found::Entry(meta),
            Err(e) => {
                let gone = e.kind() == ErrorKind::NotFound
                    && std::fs::symlink_metadata(path)
                        .is_err_and(|e| e.kind() == ErrorKind::NotFound);
                if !gone {
                    return Found::Unusable;
                }
                if let Some(fp) = self.settled {
                    self.memory.remember_absent(self.dir, fp, name);
                }
                Found::Absent
            }
        }
    }
}

/// What `DirView::find` found under a name.
pub enum Found {
    Entry(Metadata),
    /// Nothing by that name.
    Absent,
    /// Something that does not stat (a dangling symlink, no permission).
    Unusable,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settle(path: &Path) {
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{e}"));
        file.set_modified(old).unwrap_or_else(|e| panic!("{e}"));
    }

    /// Whether `view(dir).find(path)` found an entry (what `std::fs::metadata(path).is_ok()` says).
    fn found(memory: &AbsentNames, dir: &Path, path: &Path) -> bool {
        matches!(memory.view(dir).find(path), Found::Entry(_))
    }

    fn fresh_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("wpthost-absent-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        dir
    }

    /// A path through a symlink is never watched: the `stat` fingerprint and its racy window.
    #[test]
    fn stat_fallback_remembers_names_until_the_directory_changes() {
        let base = fresh_dir("stat");
        let real = base.join("real");
        std::fs::create_dir(&real).unwrap_or_else(|e| panic!("{e}"));
        let dir = base.join("link");
        std::os::unix::fs::symlink(&real, &dir).unwrap_or_else(|e| panic!("{e}"));
        let target = dir.join("a.headers");
        let memory = AbsentNames::default();
        settle(&real);
        assert!(!found(&memory, &dir, &target));
        let fp = |dir: &Path| {
            DirVersion::Stat(Fingerprint::of(
                &std::fs::metadata(dir).unwrap_or_else(|e| panic!("{e}")),
            ))
        };
        assert!(matches!(
            memory.view(&dir).settled,
            Some(DirVersion::Stat(_))
        ));
        assert!(memory.known_absent(&dir, fp(&dir), OsStr::new("a.headers")));
        // Creating the file changes the directory: it is found at once.
        std::fs::write(&target, b"X: 1\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(found(&memory, &dir, &target));
        // A directory changed within the racy window is not trusted: nothing is remembered.
        std::fs::remove_file(&target).unwrap_or_else(|e| panic!("{e}"));
        assert!(!found(&memory, &dir, &target));
        assert!(!memory.known_absent(&dir, fp(&dir), OsStr::new("a.headers")));
        let _ = std::fs::remove_dir_all(&base);
    }

    /// A watched directory needs no `stat` and no settling: every change is an event.
    #[cfg(target_os = "linux")]
    #[test]
    fn watched_directory_changes_are_seen_at_once() {
        let base = fresh_dir("watch");
        let dir = base.join("a").join("b");
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let target = dir.join("x.headers");
        let memory = AbsentNames::default();
        assert!(!found(&memory, &dir, &target));
        if !super::super::dir_watch::tests::all_local(&dir) {
            // Not watchable on this machine: the `stat` fallback, covered above.
            assert!(!matches!(
                memory.view(&dir).settled,
                Some(DirVersion::Watched(_))
            ));
            return;
        }
        // The first look `stat`ed and started watching; from then on the version is inotify's.
        let Some(version @ DirVersion::Watched(_)) = memory.view(&dir).settled else {
            panic!("{} is not watched", dir.display());
        };
        assert!(!found(&memory, &dir, &target));
        assert!(memory.known_absent(&dir, version, OsStr::new("x.headers")));
        // Created, removed and created again within the same second: each is seen.
        std::fs::write(&target, b"X: 1\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(found(&memory, &dir, &target));
        std::fs::remove_file(&target).unwrap_or_else(|e| panic!("{e}"));
        assert!(!found(&memory, &dir, &target));
        let Some(after) = memory.view(&dir).settled else {
            panic!("no version after removal");
        };
        assert_ne!(after, version);
        assert!(memory.known_absent(&dir, after, OsStr::new("x.headers")));
        // Swapping an ancestor for a new tree: the path now leads to the new directory.
        std::fs::rename(base.join("a"), base.join("old")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&target, b"X: 2\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(found(&memory, &dir, &target));
        // Deleting the directory, then making it again empty: the new one has no such file.
        std::fs::remove_dir_all(base.join("a")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        assert!(!found(&memory, &dir, &target));
        let _ = std::fs::remove_dir_all(&base);
    }
}
