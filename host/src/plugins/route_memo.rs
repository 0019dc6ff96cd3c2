//! What `ManifestCache::resolve` answered for a URL path and method, kept under the directory
//! watcher's generation. The answer depends on the directories of the path, the nearest
//! manifest's content and the route's component file; when all of them are watched, nothing it
//! read can change without moving the generation, so while the generation is the one read before
//! the answer was worked out, the answer stands and costs no `stat` at all.

use super::manifest::Resolved;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Bound on remembered answers; the memo is emptied when it is reached (it only saves work).
const MAX_ANSWERS: usize = 16 * 1024;

struct Answer {
    method: String,
    generation: u64,
    resolved: Option<Resolved>,
}

#[derive(Default)]
pub struct RouteMemo {
    /// Document root -> URL path -> one answer per method asked.
    roots: Mutex<HashMap<PathBuf, HashMap<String, Vec<Answer>>>>,
}

impl RouteMemo {
    /// The answer remembered under `generation`, if any (`Some(None)`: no plugin route).
    pub fn get(
        &self,
        doc_root: &Path,
        url_path: &str,
        method: &str,
        generation: u64,
    ) -> Option<Option<Resolved>> {
        let roots = self.roots.lock().unwrap_or_else(|e| e.into_inner());
        roots
            .get(doc_root)?
            .get(url_path)?
            .iter()
            .find(|a| a.method == method && a.generation == generation)
            .map(|a| a.resolved.clone())
    }

    /// Remember `resolved`, worked out entirely after the watcher's generation was `generation`.
    pub fn remember(
        &self,
        doc_root: &Path,
        url_path: &str,
        method: &str,
        generation: u64,
        resolved: Option<Resolved>,
    ) {
        let mut roots = self.roots.lock().unwrap_or_else(|e| e.into_inner());
        let count: usize = roots.values().map(HashMap::len).sum();
        if count >= MAX_ANSWERS {
            roots.clear();
        }
        let answers = roots
            .entry(doc_root.to_path_buf())
            .or_default()
            .entry(url_path.to_owned())
            .or_default();
        // Answers of older generations can never be used again.
        answers.retain(|a| a.method != method && a.generation == generation);
        answers.push(Answer {
            method: method.to_owned(),
            generation,
            resolved,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn broken(message: &str) -> Option<Resolved> {
        Some(Resolved::Broken {
            message: message.into(),
        })
    }

    fn message(answer: Option<Option<Resolved>>) -> Option<String> {
        match answer {
            Some(Some(Resolved::Broken { message })) => Some(message.to_string()),
            _ => None,
        }
    }

    #[test]
    fn answers_hold_for_their_generation_method_and_root_only() {
        let memo = RouteMemo::default();
        let root = Path::new("/root");
        memo.remember(root, "/a/x.py", "GET", 7, broken("get"));
        memo.remember(root, "/a/x.py", "POST", 7, None);
        assert_eq!(
            message(memo.get(root, "/a/x.py", "GET", 7)),
            Some("get".into())
        );
        assert!(matches!(memo.get(root, "/a/x.py", "POST", 7), Some(None)));
        assert!(
            memo.get(root, "/a/x.py", "GET", 8).is_none(),
            "newer generation"
        );
        assert!(memo.get(root, "/a/y.py", "GET", 7).is_none(), "other path");
        assert!(memo.get(Path::new("/other"), "/a/x.py", "GET", 7).is_none());
        // A newer answer replaces the method's older one and drops other stale ones.
        memo.remember(root, "/a/x.py", "GET", 9, broken("newer"));
        assert_eq!(
            message(memo.get(root, "/a/x.py", "GET", 9)),
            Some("newer".into())
        );
        assert!(memo.get(root, "/a/x.py", "POST", 7).is_none());
    }
}
