//! Directory versions from inotify, so that a request does not `stat` every directory of its
//! path to learn that nothing was added or removed there (`absent`'s question).
//!
//! A watched directory has a version number that changes with every entry created, deleted or
//! renamed in it. The kernel queues those events inside the very system call that changes the
//! directory, so a request that drains the queue when it starts (one `read`, normally answered
//! `EAGAIN`) sees every change completed before it: "an edit applies to the next request" holds as
//! it did with a `stat` per directory, and without `stat`'s coarse-timestamp window.
//!
//! A directory is trusted only while every ancestor up to `/` is watched too: renaming or deleting
//! any of them arrives as an event naming the child, which forgets the whole subtree below it (its
//! paths may now lead elsewhere). Directories that cannot be watched that way fall back to the
//! `stat` per request: paths through a symlink (the link may be re-pointed without an event on
//! the target), file systems whose changes may come from elsewhere (NFS, FUSE, ...), or past
//! `MAX_WATCHES`. A queue overflow forgets everything.
//!
//! A few files are watched too (`watch_file`: plugin manifests and components), for their content:
//! a watch on the file itself reports every write, truncation and attribute change (a new hard
//! link included) whichever path it came through, and its directory's watch reports the file being
//! replaced, renamed or removed. Each such event changes the file's version and the generation.

#[cfg(all(test, target_os = "linux"))]
pub(crate) use linux::is_local_file_system;
#[cfg(target_os = "linux")]
pub(crate) use linux::DirWatch;

/// Where inotify is not available every directory is `stat`ed per request.
#[cfg(not(target_os = "linux"))]
pub(crate) struct DirWatch;

#[cfg(not(target_os = "linux"))]
impl DirWatch {
    pub(crate) fn global() -> Option<&'static DirWatch> {
        None
    }
    pub(crate) fn drain(&self) {}
    pub(crate) fn version(&self, _dir: &std::path::Path) -> Option<u64> {
        None
    }
    pub(crate) fn watch(&self, _dir: &std::path::Path) {}
    pub(crate) fn watch_file(&self, _file: &std::path::Path) -> bool {
        false
    }
    pub(crate) fn generation(&self) -> u64 {
        0
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use rustix::fs::inotify::{self, CreateFlags, ReadFlags, WatchFlags};
    use rustix::io::Errno;
    use std::collections::{BTreeSet, HashMap, HashSet};
    use std::ffi::OsStr;
    use std::mem::MaybeUninit;
    use std::os::fd::OwnedFd;
    use std::os::unix::ffi::OsStrExt;
    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, MutexGuard, OnceLock};

    /// Watches held at most (ancestors included). A few thousand directories cover a whole
    /// web-platform-tests checkout; past this, directories are `stat`ed per request.
    const MAX_WATCHES: usize = 8 * 1024;

    /// The watches this process may take: `MAX_WATCHES`, but never more than a quarter of the
    /// user's `fs.inotify.max_user_watches` (8,192 on older kernels), which editors and other
    /// file watchers of the same user share.
    fn watch_budget() -> usize {
        std::fs::read_to_string("/proc/sys/fs/inotify/max_user_watches")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .map_or(MAX_WATCHES, |limit| (limit / 4).min(MAX_WATCHES))
    }

    /// Directories refused (symlinked, foreign file system, ...) remembered so that each request
    /// does not ask again; the set is emptied when it reaches this size.
    const MAX_REFUSED: usize = 16 * 1024;

    /// Local file systems, whose every change goes through this kernel and so raises its events.
    const LOCAL_FILE_SYSTEMS: [u64; 9] = [
        0xEF53,      // ext2, ext3, ext4
        0x5846_5342, // xfs
        0x9123_683E, // btrfs
        0x0102_1994, // tmpfs
        0x8584_58F6, // ramfs
        0x794C_7630, // overlayfs
        0xF2F5_2010, // f2fs
        0x2FC1_2FC1, // zfs
        0xCA45_1A4E, // bcachefs
    ];

    /// Whether `dir` is on a file system whose every change raises events here.
    pub(crate) fn is_local_file_system(dir: &Path) -> bool {
        // Magic numbers are 32-bit; where `f_type` is a signed 32-bit word they come sign-extended.
        rustix::fs::statfs(dir)
            .is_ok_and(|fs| LOCAL_FILE_SYSTEMS.contains(&(fs.f_type as u64 & 0xFFFF_FFFF)))
    }

    fn watch_flags() -> WatchFlags {
        WatchFlags::CREATE
            | WatchFlags::DELETE
            | WatchFlags::MOVED_FROM
            | WatchFlags::MOVED_TO
            | WatchFlags::DELETE_SELF
            | WatchFlags::MOVE_SELF
            | WatchFlags::ONLYDIR
            | WatchFlags::DONT_FOLLOW
    }

    /// For a watched file: everything that changes what reading it gives, or where it is.
    fn file_watch_flags() -> WatchFlags {
        WatchFlags::MODIFY
            | WatchFlags::ATTRIB
            | WatchFlags::CLOSE_WRITE
            | WatchFlags::DELETE_SELF
            | WatchFlags::MOVE_SELF
            | WatchFlags::DONT_FOLLOW
    }

    pub(crate) struct DirWatch {
        fd: OwnedFd,
        state: Mutex<State>,
    }

    #[derive(Default)]
    struct State {
        /// See `watch_budget`.
        budget: usize,
        dirs: HashMap<PathBuf, Watched>,
        /// The same paths, ordered so that a directory's subtree is one range.
        ordered: BTreeSet<PathBuf>,
        paths: HashMap<i32, PathBuf>,
        refused: HashSet<PathBuf>,
        /// Bumped by every change to any watched directory and every watch added or dropped.
        next_version: u64,
    }

    #[derive(Clone, Copy)]
    struct Watched {
        wd: i32,
        version: u64,
    }

    impl DirWatch {
        /// The process's watcher, or `None` if inotify cannot be had (then everything is `stat`ed).
        pub(crate) fn global() -> Option<&'static DirWatch> {
            static GLOBAL: OnceLock<Option<DirWatch>> = OnceLock::new();
            GLOBAL
                .get_or_init(|| match DirWatch::new() {
                    Ok(w) => Some(w),
                    Err(e) => {
                        tracing::info!("no inotify ({e}): directories are stat'ed per request");
                        None
                    }
                })
                .as_ref()
        }

        pub(crate) fn new() -> std::io::Result<DirWatch> {
            let fd = inotify::init(CreateFlags::NONBLOCK | CreateFlags::CLOEXEC)?;
            Ok(DirWatch {
                fd,
                state: Mutex::new(State {
                    budget: watch_budget(),
                    ..State::default()
                }),
            })
        }

        fn state(&self) -> MutexGuard<'_, State> {
            self.state.lock().unwrap_or_else(|e| e.into_inner())
        }

        /// Apply every queued event. After this, `version` reflects every change completed before.
        pub(crate) fn drain(&self) {
            let mut state = self.state();
            // Room for at least one event with the longest name (NAME_MAX).
            let mut buf = [MaybeUninit::<u8>::uninit(); 8192];
            let mut reader = inotify::Reader::new(&self.fd, &mut buf);
            loop {
                match reader.next() {
                    Ok(event) => {
                        let name = event.file_name().map(|n| OsStr::from_bytes(n.to_bytes()));
                        state.apply(&self.fd, event.wd(), event.events(), name);
                    }
                    Err(Errno::AGAIN) => break,
                    Err(Errno::INTR) => continue,
                    Err(e) => {
                        // Nothing can be trusted if events may have been missed.
                        tracing::warn!("reading inotify events: {e}; forgetting every watch");
                        state.forget_all(&self.fd);
                        break;
                    }
                }
            }
        }

        /// The version of a watched directory or file (the caller drained the queue first).
        pub(crate) fn version(&self, dir: &Path) -> Option<u64> {
            self.state().dirs.get(dir).map(|w| w.version)
        }

        /// A number that changes whenever any watched directory does, or a watch comes or goes:
        /// while it is unchanged, so is everything watched (the caller drained the queue first).
        pub(crate) fn generation(&self) -> u64 {
            self.state().next_version
        }

        /// What a queue overflow does (the kernel's limit is hard to reach in a test).
        #[cfg(test)]
        pub(crate) fn simulate_overflow(&self) {
            self.state()
                .apply(&self.fd, -1, ReadFlags::QUEUE_OVERFLOW, None);
        }

        /// Start watching `dir` and its ancestors, if they qualify. Its version counts from now:
        /// the caller still `stat`s it for the request at hand.
        pub(crate) fn watch(&self, dir: &Path) {
            let mut state = self.state();
            if state.dirs.contains_key(dir) || state.refused.contains(dir) {
                return;
            }
            if state.add_with_ancestors(&self.fd, dir).is_none() {
                if state.refused.len() >= MAX_REFUSED {
                    state.refused.clear();
                }
                state.refused.insert(dir.to_path_buf());
            }
        }
    }

    impl DirWatch {
        /// Start watching the regular file `file` and every directory above it, if they qualify
        /// (as `watch`; a symlink does not). Whether it is watched now; like a directory, its
        /// version counts from now, so what the caller reads of it for the request at hand is
        /// read after the watch began.
        pub(crate) fn watch_file(&self, file: &Path) -> bool {
            let mut state = self.state();
            if state.dirs.contains_key(file) {
                return true;
            }
            if state.refused.contains(file) {
                return false;
            }
            let watched = state.add_file(&self.fd, file).is_some();
            if !watched {
                if state.refused.len() >= MAX_REFUSED {
                    state.refused.clear();
                }
                state.refused.insert(file.to_path_buf());
            }
            watched
        }
    }

    impl State {
        fn add_file(&mut self, fd: &OwnedFd, file: &Path) -> Option<()> {
            // The directory first: from then on, the file being replaced is an event.
            self.add_with_ancestors(fd, file.parent()?)?;
            if !std::fs::symlink_metadata(file).ok()?.is_file() {
                return None;
            }
            self.add_watch(fd, file, file_watch_flags())
        }

        /// Watch `path` and file its events under it, within the budget. Refused when the kernel
        /// already watches the same inode under another path (a bind mount, a hard link): its
        /// events could be filed under only one of them.
        fn add_watch(&mut self, fd: &OwnedFd, path: &Path, flags: WatchFlags) -> Option<()> {
            if self.dirs.len() >= self.budget {
                return None;
            }
            let wd = inotify::add_watch(fd, path, flags).ok()?;
            if self.paths.get(&wd).is_some_and(|other| other != path) {
                return None;
            }
            let version = self.bump();
            self.paths.insert(wd, path.to_path_buf());
            self.ordered.insert(path.to_path_buf());
            self.dirs
                .insert(path.to_path_buf(), Watched { wd, version });
            Some(())
        }

        fn apply(&mut self, fd: &OwnedFd, wd: i32, mask: ReadFlags, name: Option<&OsStr>) {
            if mask.contains(ReadFlags::QUEUE_OVERFLOW) {
                tracing::debug!("inotify queue overflow: forgetting every watch");
                self.forget_all(fd);
                return;
            }
            if mask.contains(ReadFlags::IGNORED) {
                // The kernel dropped the watch (its directory is gone, or we removed it).
                if let Some(path) = self.paths.remove(&wd) {
                    if self.dirs.get(&path).is_some_and(|w| w.wd == wd) {
                        self.dirs.remove(&path);
                        self.ordered.remove(&path);
                        self.bump();
                    }
                }
                return;
            }
            let Some(path) = self.paths.get(&wd).cloned() else {
                return;
            };
            if mask.intersects(ReadFlags::DELETE_SELF | ReadFlags::MOVE_SELF | ReadFlags::UNMOUNT) {
                self.forget_subtree(fd, &path);
                return;
            }
            let version = self.bump();
            if let Some(w) = self.dirs.get_mut(&path) {
                w.version = version;
            }
            if let Some(name) = name {
                let entry = path.join(name);
                // Whatever the entry was (a directory, a symlink to one), paths through it may now
                // lead elsewhere.
                self.forget_subtree(fd, &entry);
                // A refused path may have become watchable (created since, or a symlink replaced
                // by a directory). Deeper refused paths stay `stat`ed: slower, never wrong.
                self.refused.remove(&entry);
            }
        }

        fn bump(&mut self) -> u64 {
            self.next_version += 1;
            self.next_version
        }

        /// Watch every directory from `/` down to `dir`; `None` if any of them does not qualify.
        fn add_with_ancestors(&mut self, fd: &OwnedFd, dir: &Path) -> Option<()> {
            if !dir.is_absolute() {
                return None;
            }
            // No symlink anywhere on the path: each component must be the real directory.
            let canonical = std::fs::canonicalize(dir).ok()?;
            if canonical != dir {
                return None;
            }
            let mut chain: Vec<&Path> = dir.ancestors().collect();
            chain.reverse();
            for level in chain {
                if self.dirs.contains_key(level) {
                    continue;
                }
                if !is_local_file_system(level) {
                    return None;
                }
                self.add_watch(fd, level, watch_flags())?;
            }
            Some(())
        }

        fn forget_subtree(&mut self, fd: &OwnedFd, top: &Path) {
            let doomed: Vec<PathBuf> = self
                .ordered
                .range(top.to_path_buf()..)
                .take_while(|p| p.starts_with(top))
                .cloned()
                .collect();
            if !doomed.is_empty() {
                self.bump();
            }
            for path in doomed {
                self.ordered.remove(&path);
                if let Some(w) = self.dirs.remove(&path) {
                    self.paths.remove(&w.wd);
                    let _ = inotify::remove_watch(fd, w.wd);
                }
            }
        }

        fn forget_all(&mut self, fd: &OwnedFd) {
            for w in self.dirs.values() {
                let _ = inotify::remove_watch(fd, w.wd);
            }
            self.dirs.clear();
            self.ordered.clear();
            self.paths.clear();
            self.refused.clear();
            self.bump();
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
pub(crate) mod tests {
    use super::DirWatch;
    use std::path::{Path, PathBuf};

    fn fresh_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("wpthost-watch-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        dir
    }

    /// Every level from `/` down is on a watchable file system and reached without a symlink.
    pub(crate) fn all_local(dir: &Path) -> bool {
        std::fs::canonicalize(dir).is_ok_and(|c| c == dir)
            && dir.ancestors().all(super::is_local_file_system)
    }

    fn version(watch: &DirWatch, dir: &Path) -> Option<u64> {
        watch.drain();
        watch.version(dir)
    }

    #[test]
    fn entries_change_the_version_and_an_overflow_forgets_everything() {
        let watch = DirWatch::new().unwrap_or_else(|e| panic!("{e}"));
        let dir = fresh_dir("overflow");
        watch.watch(&dir);
        if !all_local(&dir) {
            // This machine's temporary directory cannot be watched: then it must be refused.
            assert_eq!(version(&watch, &dir), None);
            return;
        }
        let first = version(&watch, &dir).unwrap_or_else(|| panic!("not watched"));
        assert_eq!(version(&watch, &dir), Some(first), "nothing changed");
        let generation = watch.generation();
        std::fs::write(dir.join("f"), b"").unwrap_or_else(|e| panic!("{e}"));
        let second = version(&watch, &dir).unwrap_or_else(|| panic!("no longer watched"));
        assert_ne!(first, second);
        assert_ne!(watch.generation(), generation);
        // Rewriting a file's content is not an entry change.
        std::fs::write(dir.join("f"), b"more").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(version(&watch, &dir), Some(second));
        watch.simulate_overflow();
        assert_eq!(version(&watch, &dir), None);
        // Watched again on request, with a new version.
        watch.watch(&dir);
        assert!(version(&watch, &dir).is_some_and(|v| v != second));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_watched_file_changes_with_its_content_whichever_path_writes_it() {
        let watch = DirWatch::new().unwrap_or_else(|e| panic!("{e}"));
        let dir = fresh_dir("file");
        let file = dir.join("c.wasm");
        std::fs::write(&file, b"one").unwrap_or_else(|e| panic!("{e}"));
        if !all_local(&dir) {
            assert!(!watch.watch_file(&file));
            return;
        }
        assert!(watch.watch_file(&file));
        assert!(
            version(&watch, &dir).is_some(),
            "its directory is watched too"
        );
        let first = version(&watch, &file).unwrap_or_else(|| panic!("not watched"));
        assert_eq!(version(&watch, &file), Some(first), "nothing changed");
        // Rewritten in place: no directory event, but the file's own.
        std::fs::write(&file, b"two").unwrap_or_else(|e| panic!("{e}"));
        let second = version(&watch, &file).unwrap_or_else(|| panic!("no longer watched"));
        assert_ne!(first, second);
        // A hard link from elsewhere, then a write through it.
        let elsewhere = fresh_dir("file-link");
        let alias = elsewhere.join("alias");
        std::fs::hard_link(&file, &alias).unwrap_or_else(|e| panic!("{e}"));
        let linked = version(&watch, &file).unwrap_or_else(|| panic!("no longer watched"));
        assert_ne!(linked, second, "a new link is an attribute change");
        std::fs::write(&alias, b"three").unwrap_or_else(|e| panic!("{e}"));
        let third = version(&watch, &file).unwrap_or_else(|| panic!("no longer watched"));
        assert_ne!(third, linked);
        // A second path to the same file is refused: its events could be filed under one only.
        let twin = dir.join("twin.wasm");
        std::fs::hard_link(&file, &twin).unwrap_or_else(|e| panic!("{e}"));
        watch.drain();
        assert!(!watch.watch_file(&twin));
        // Replaced by a rename: forgotten (the next look watches the new file).
        let fresh = dir.join("fresh");
        std::fs::write(&fresh, b"four").unwrap_or_else(|e| panic!("{e}"));
        std::fs::rename(&fresh, &file).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(version(&watch, &file), None);
        assert!(watch.watch_file(&file));
        // A symlink is not watched as a file.
        let link = dir.join("link.wasm");
        std::os::unix::fs::symlink(&file, &link).unwrap_or_else(|e| panic!("{e}"));
        watch.drain();
        assert!(!watch.watch_file(&link));
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&elsewhere);
    }

    #[test]
    fn symlinked_paths_are_refused_and_created_directories_admitted() {
        let watch = DirWatch::new().unwrap_or_else(|e| panic!("{e}"));
        let base = fresh_dir("refuse");
        let real = base.join("real");
        std::fs::create_dir(&real).unwrap_or_else(|e| panic!("{e}"));
        let link = base.join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap_or_else(|e| panic!("{e}"));
        watch.watch(&link);
        assert_eq!(version(&watch, &link), None, "a path through a symlink");
        if !all_local(&base) {
            watch.watch(&base);
            assert_eq!(version(&watch, &base), None);
            return;
        }
        // A directory that does not exist yet is refused; once created in a watched parent,
        // the next look watches it.
        watch.watch(&base);
        let later = base.join("later");
        watch.watch(&later);
        assert_eq!(version(&watch, &later), None);
        std::fs::create_dir(&later).unwrap_or_else(|e| panic!("{e}"));
        watch.drain();
        watch.watch(&later);
        assert!(version(&watch, &later).is_some());
        // Removing it forgets it.
        std::fs::remove_dir(&later).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(version(&watch, &later), None);
        let _ = std::fs::remove_dir_all(&base);
    }
}
