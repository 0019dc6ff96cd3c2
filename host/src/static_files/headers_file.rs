//! `.headers`, `__dir__.headers` and `.sub.headers` files (F-HD-1..4): lookup, syntax, and a cache
//! so an unchanged file is parsed once, not per request (it is still `stat`ed per request, so an
//! edit takes effect immediately).

use super::absent::{self, AbsentNames, DirView, Found};
use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::Metadata;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Header lines as `(name, value)`, both stripped, bytes verbatim.
pub type HeaderList = Vec<(Vec<u8>, Vec<u8>)>;

/// A non-empty line without a colon: wptserve's tuple unpacking fails with this `ValueError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingColon;

impl MissingColon {
    /// The `ValueError` wptserve raises (formatted as its 500 message suffix, F-ER-3).
    pub fn python_message(&self) -> &'static str {
        "not enough values to unpack (expected 2, got 1)"
    }
}

/// What one lookup (`X.sub.headers` or else `X.headers`) found.
#[derive(Debug, Clone)]
pub enum HeadersSource {
    None,
    /// A parsed plain `.headers` file (shared with the cache).
    Plain(Arc<Result<HeaderList, MissingColon>>),
    /// The raw bytes of a `.sub.headers` file: rendered per request, then parsed.
    Sub(Arc<Vec<u8>>),
}

/// Python `bytes.strip()` whitespace.
fn is_py_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn strip(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_py_space(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_py_space(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// `[tuple(item.strip() for item in line.split(b":", 1)) for line in data.splitlines() if line]`
/// (`bytes.splitlines` splits on `\n`, `\r\n` and `\r`).
pub fn parse(data: &[u8]) -> Result<HeaderList, MissingColon> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        let line = &rest[..end];
        let mut next = end;
        if next < rest.len() {
            next += if rest[next] == b'\r' && rest.get(next + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
        }
        rest = &rest[next..];
        if line.is_empty() {
            continue;
        }
        let colon = line.iter().position(|&b| b == b':').ok_or(MissingColon)?;
        out.push((
            strip(&line[..colon]).to_vec(),
            strip(&line[colon + 1..]).to_vec(),
        ));
    }
    Ok(out)
}

/// Identity of a file (or directory) version: any write changes the mtime or ctime (and usually
/// the length); adding or removing a directory entry changes the directory's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Fingerprint {
    modified: Option<SystemTime>,
    len: u64,
    #[cfg(unix)]
    ino: u64,
    #[cfg(unix)]
    ctime: (i64, i64),
}

impl Fingerprint {
    /// Timestamps advance in coarse ticks, so a same-length rewrite within one tick keeps its
    /// fingerprint: a version younger than the racy window is not trusted until it settles.
    pub(super) fn settled(&self) -> bool {
        self.modified
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age >= RACY_WINDOW)
    }

    pub(super) fn of(meta: &Metadata) -> Self {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Fingerprint {
            modified: meta.modified().ok(),
            len: meta.len(),
            #[cfg(unix)]
            ino: meta.ino(),
            #[cfg(unix)]
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

#[derive(Debug, Clone)]
enum Cached {
    Plain(Arc<Result<HeaderList, MissingColon>>),
    Sub(Arc<Vec<u8>>),
}

/// Parsed headers files by path, valid while their fingerprint is unchanged.
#[derive(Debug, Default)]
pub struct HeadersCache {
    entries: Mutex<HashMap<PathBuf, (Fingerprint, Cached)>>,
    /// Headers files known not to exist, per directory version.
    absent: AbsentNames,
    /// Files with no headers file of any kind, in a watched directory, as of a watch generation
    /// (`absent::watch_generation`): while it is unchanged, the four lookups are skipped.
    bare: Mutex<HashMap<PathBuf, u64>>,
}

/// Bound on cached files; the map is simply emptied when it is reached (files are small and
/// re-parsing is cheap, this only caps memory against a huge tree).
const MAX_ENTRIES: usize = 16 * 1024;

/// How long after its last modification a file's fingerprint is trusted.
const RACY_WINDOW: std::time::Duration = std::time::Duration::from_secs(2);

impl HeadersCache {
    pub fn new() -> Self {
        Self::default()
    }

    fn get(&self, path: &Path, fp: Fingerprint) -> Option<Cached> {
        // A file changed within the racy window is read again until it settles.
        if !fp.settled() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        match entries.get(path) {
            Some((cached_fp, cached)) if *cached_fp == fp => Some(cached.clone()),
            _ => None,
        }
    }

    fn put(&self, path: PathBuf, fp: Fingerprint, value: Cached) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(path, (fp, value));
        }
    }

    /// wptserve's `_load(request, base)`: `base.sub.headers` if it exists (even when unreadable,
    /// which then yields nothing), else `base.headers`; any read error yields nothing. Blocking.
    pub fn load(&self, base: &Path) -> HeadersSource {
        let dir = base.parent().unwrap_or(Path::new(""));
        self.load_in(&self.absent.view(dir), base)
    }

    /// The `__dir__` headers and the file's own headers of `file` (F-HD-1..2), looking at their
    /// directory once.
    pub fn load_for_file(&self, file: &Path) -> (HeadersSource, HeadersSource) {
        let generation = absent::watch_generation();
        if let Some(generation) = generation {
            let bare = self.bare.lock().unwrap_or_else(|e| e.into_inner());
            if bare.get(file) == Some(&generation) {
                return (HeadersSource::None, HeadersSource::None);
            }
        }
        let dir = file.parent().unwrap_or(Path::new(""));
        let view = self.absent.view(dir);
        let (dir_headers, dir_present) = self.look_in(&view, &dir.join("__dir__"));
        let (own_headers, own_present) = self.look_in(&view, file);
        if let (Some(generation), true, false) =
            (generation, view.watched(), dir_present || own_present)
        {
            let mut bare = self.bare.lock().unwrap_or_else(|e| e.into_inner());
            if bare.len() >= MAX_ENTRIES {
                bare.clear();
            }
            bare.insert(file.to_path_buf(), generation);
        }
        (dir_headers, own_headers)
    }

    fn load_in(&self, dir: &DirView<'_>, base: &Path) -> HeadersSource {
        self.look_in(dir, base).0
    }

    /// `load_in`, and whether either file exists at all (a directory or an unreadable file named
    /// like a headers file yields nothing, but may become readable without an entry changing).
    fn look_in(&self, dir: &DirView<'_>, base: &Path) -> (HeadersSource, bool) {
        let sub = with_suffix(base, ".sub.headers");
        let sub_found = match dir.find(&sub) {
            Found::Entry(meta) => {
                let source = match self.read_cached(&sub, &meta, true) {
                    Some(Cached::Sub(raw)) => HeadersSource::Sub(raw),
                    _ => HeadersSource::None,
                };
                return (source, true);
            }
            Found::Absent => false,
            Found::Unusable => true,
        };
        let plain = with_suffix(base, ".headers");
        match dir.find(&plain) {
            Found::Entry(meta) => match self.read_cached(&plain, &meta, false) {
                Some(Cached::Plain(parsed)) => (HeadersSource::Plain(parsed), true),
                _ => (HeadersSource::None, true),
            },
            Found::Absent => (HeadersSource::None, sub_found),
            Found::Unusable => (HeadersSource::None, true),
        }
    }

    fn read_cached(&self, path: &Path, meta: &Metadata, sub: bool) -> Option<Cached> {
        if !meta.is_file() {
            return None;
        }
        let fp = Fingerprint::of(meta);
        if let Some(hit) = self.get(path, fp) {
            return Some(hit);
        }
        let mut data = Vec::with_capacity(meta.len() as usize);
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut data))
            .ok()?;
        let value = if sub {
            Cached::Sub(Arc::new(data))
        } else {
            Cached::Plain(Arc::new(parse(&data)))
        };
        self.put(path.to_path_buf(), fp, value.clone());
        Some(value)
    }
}

/// `path + suffix` on the raw path string (not an extension replacement).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s: OsString = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> HeaderList {
        items
            .iter()
            .map(|(a, b)| (a.as_bytes().to_vec(), b.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn f_hd_2_syntax() {
        assert_eq!(
            parse(b"A: 1\r\n\r\nb :  x:y \n\tC:\rD:\xff\n"),
            Ok(
                pairs(&[("A", "1"), ("b", "x:y"), ("C", ""), ("D", "\u{ff}")])
                    .into_iter()
                    .map(|(n, v)| if n == b"D" { (n, vec![0xff]) } else { (n, v) })
                    .collect()
            )
        );
        assert_eq!(parse(b"A: 1\nno colon\n"), Err(MissingColon));
        // A line of spaces is not empty, so it needs a colon too.
        assert_eq!(parse(b"A: 1\n \n"), Err(MissingColon));
        assert_eq!(parse(b""), Ok(vec![]));
    }

    #[test]
    fn cache_reloads_changed_files() {
        let dir = std::env::temp_dir().join(format!("wpthost-hdcache-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let base = dir.join("f.txt");
        let cache = HeadersCache::new();
        assert!(matches!(cache.load(&base), HeadersSource::None));
        let headers = with_suffix(&base, ".headers");
        std::fs::write(&headers, b"X: 1\n").expect("write");
        // Age the file past the racy window so its fingerprint is trusted.
        let past = SystemTime::now() - std::time::Duration::from_secs(10);
        std::fs::File::options()
            .write(true)
            .open(&headers)
            .and_then(|f| f.set_modified(past))
            .expect("set mtime");
        let first = match cache.load(&base) {
            HeadersSource::Plain(p) => p,
            other => panic!("unexpected {other:?}"),
        };
        // Unchanged: the very same parsed value comes back, without a re-read.
        match cache.load(&base) {
            HeadersSource::Plain(p) => assert!(Arc::ptr_eq(&p, &first)),
            other => panic!("unexpected {other:?}"),
        }
        // Same length, new content, just now: read again.
        std::fs::write(&headers, b"X: 2\n").expect("write");
        match cache.load(&base) {
            HeadersSource::Plain(p) => assert_eq!(*p, Ok(pairs(&[("X", "2")]))),
            other => panic!("unexpected {other:?}"),
        }
        // A .sub.headers file shadows the plain one.
        std::fs::write(with_suffix(&base, ".sub.headers"), b"Y: {{host}}\n").expect("write");
        assert!(matches!(cache.load(&base), HeadersSource::Sub(_)));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
