//! Names known to be absent from a directory, for as long as the directory is unchanged. A static
//! request asks for up to four headers files that almost never exist (`__dir__.sub.headers`,
//! `__dir__.headers`, `<file>.sub.headers`, `<file>.headers`); one `stat` of their directory
//! answers all of them instead of one failing `stat` each.
//!
//! Creating, removing or renaming an entry changes the directory's modification time, so a
//! directory whose fingerprint is unchanged has the same names. Timestamps advance in coarse ticks,
//! so a directory modified within the racy window is not trusted (names are looked up for real)
//! until it settles; see `headers_file::Fingerprint`.
//!
//! Within one request (`request_scope`), a directory is `stat`ed once however many lookups look
//! at it: the plugin manifest lookup and the headers lookup of a static file both start from the
//! file's directory. Never across requests: a directory changed between two requests is seen by
//! the second.

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

/// Directories a request has looked at so far, with their fingerprints if settled.
type SeenDirs = RefCell<Vec<(PathBuf, Option<Fingerprint>)>>;

tokio::task_local! {
    static REQUEST_DIRS: SeenDirs;
}

/// Run one request's handling with its own memory of directory `stat`s (see the module docs).
pub async fn request_scope<F: std::future::Future>(handling: F) -> F::Output {
    REQUEST_DIRS.scope(RefCell::new(Vec::new()), handling).await
}

/// The directory's fingerprint, if settled: from this request's memory, else one `stat`.
fn settled_fingerprint(dir: &Path) -> Option<Fingerprint> {
    let seen = REQUEST_DIRS.try_with(|seen| {
        seen.borrow()
            .iter()
            .find(|(d, _)| d == dir)
            .map(|(_, fp)| *fp)
    });
    if let Ok(Some(fp)) = seen {
        return fp;
    }
    let fp = std::fs::metadata(dir)
        .ok()
        .map(|meta| Fingerprint::of(&meta))
        .filter(Fingerprint::settled);
    // Outside a request scope (tests, the blocking pool) there is nothing to remember it in.
    let _ = REQUEST_DIRS.try_with(|seen| seen.borrow_mut().push((dir.to_path_buf(), fp)));
    fp
}

#[derive(Debug, Default)]
pub struct AbsentNames {
    dirs: Mutex<HashMap<PathBuf, (Fingerprint, HashSet<OsString>)>>,
}

/// One directory as seen by one lookup: its fingerprint if it can be trusted.
pub struct DirView<'a> {
    memory: &'a AbsentNames,
    dir: &'a Path,
    settled: Option<Fingerprint>,
}

impl AbsentNames {
    /// Look at `dir` (one `stat`, or none if this request already did) for a series of lookups in
    /// it.
    pub fn view<'a>(&'a self, dir: &'a Path) -> DirView<'a> {
        DirView {
            memory: self,
            dir,
            settled: settled_fingerprint(dir),
        }
    }

    fn known_absent(&self, dir: &Path, fp: Fingerprint, name: &OsStr) -> bool {
        let dirs = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
        dirs.get(dir)
            .is_some_and(|(seen, absent)| *seen == fp && absent.contains(name))
    }

    fn remember_absent(&self, dir: &Path, fp: Fingerprint, name: &OsStr) {
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
    /// `std::fs::metadata(path)` for a `path` directly inside this directory, answered from memory
    /// when the name is known to be absent from the unchanged directory.
    pub fn metadata(&self, path: &Path) -> Option<Metadata> {
        let name = path.file_name()?;
        if path.parent() != Some(self.dir) {
            return std::fs::metadata(path).ok();
        }
        if let Some(fp) = self.settled {
            if self.memory.known_absent(self.dir, fp, name) {
                return None;
            }
        }
        match std::fs::metadata(path) {
            Ok(meta) => Some(meta),
            Err(e) => {
                // Only a name that is not there at all: a dangling symlink's target may appear
                // elsewhere without this directory changing.
                let gone = e.kind() == ErrorKind::NotFound
                    && std::fs::symlink_metadata(path)
                        .is_err_and(|e| e.kind() == ErrorKind::NotFound);
                if let (true, Some(fp)) = (gone, self.settled) {
                    self.memory.remember_absent(self.dir, fp, name);
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settle(path: &Path) {
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{e}"));
        file.set_modified(old).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn absent_names_are_remembered_until_the_directory_changes() {
        let dir = std::env::temp_dir().join(format!("wpthost-absent-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let target = dir.join("a.headers");
        let memory = AbsentNames::default();
        settle(&dir);
        assert!(memory.view(&dir).metadata(&target).is_none());
        assert!(memory.known_absent(
            &dir,
            Fingerprint::of(&std::fs::metadata(&dir).unwrap_or_else(|e| panic!("{e}"))),
            OsStr::new("a.headers")
        ));
        // Creating the file changes the directory: it is found at once.
        std::fs::write(&target, b"X: 1\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(memory.view(&dir).metadata(&target).is_some());
        // A directory changed within the racy window is not trusted: nothing is remembered.
        std::fs::remove_file(&target).unwrap_or_else(|e| panic!("{e}"));
        assert!(memory.view(&dir).metadata(&target).is_none());
        let fp = Fingerprint::of(&std::fs::metadata(&dir).unwrap_or_else(|e| panic!("{e}")));
        assert!(!memory.known_absent(&dir, fp, OsStr::new("a.headers")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
