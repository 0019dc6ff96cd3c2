//! Mount points (F-SV-5): the document root at `/` plus the config's `aliases` (and `--alias-file`
//! lines). serve.py gives every mount point its own block of routes and searches the blocks with
//! later aliases first and `/` last; a request belongs to the first block one of whose routes
//! matches it.

use crate::config::Alias;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mount {
    /// `url-path` ending in `/`: every wptserve route rooted at `url_base`, files from `dir`.
    Dir { url_base: String, dir: PathBuf },
    /// `url-path` without a trailing `/`: `GET <url>` serves the one file `file`.
    File { url: String, file: PathBuf },
}

/// Mount points in search order.
#[derive(Debug, Clone)]
pub struct Mounts {
    list: Vec<Mount>,
}

impl Mounts {
    pub fn new(doc_root: &Path, aliases: &[Alias]) -> Mounts {
        // serve.py keeps one block per url_base (a later alias with the same URL replaces the
        // earlier one) in insertion order, then searches them in reverse.
        let mut ordered: Vec<(String, Mount)> = vec![(
            "/".into(),
            Mount::Dir {
                url_base: "/".into(),
                dir: doc_root.to_path_buf(),
            },
        )];
        for alias in aliases {
            let (key, mount) = if alias.url_path.ends_with('/') {
                let url_base = normalise_url_base(&alias.url_path);
                (
                    url_base.clone(),
                    Mount::Dir {
                        url_base,
                        dir: alias.local_dir.clone(),
                    },
                )
            } else {
                (
                    alias.url_path.clone(),
                    Mount::File {
                        url: alias.url_path.clone(),
                        file: alias.local_dir.clone(),
                    },
                )
            };
            match ordered.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = mount,
                None => ordered.push((key, mount)),
            }
        }
        Mounts {
            list: ordered.into_iter().rev().map(|(_, m)| m).collect(),
        }
    }

    /// The mount point whose route block takes this request. A directory mount's block has
    /// `GET <base>*` (so every GET/HEAD under it) and `* <base>*.py` plus the `.well-known`
    /// script routes for other methods; a file mount has only `GET <url>`.
    pub fn select(&self, method: &str, path: &str) -> Option<&Mount> {
        let get = method == "GET" || method == "HEAD";
        self.list.iter().find(|mount| match mount {
            Mount::Dir { url_base, .. } => {
                let under = url_base == "/" || path.starts_with(url_base.as_str());
                under && (get || path.ends_with(".py") || path.contains("/.well-known/"))
            }
            Mount::File { url, .. } => get && path == url,
        })
    }
}

/// `add_mount_point`: `"/%s/" % url_base.strip("/")`, or `/` itself.
fn normalise_url_base(url: &str) -> String {
    if url == "/" {
        "/".into()
    } else {
        format!("/{}/", url.trim_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(url: &str, dir: &str) -> Alias {
        Alias {
            url_path: url.into(),
            local_dir: PathBuf::from(dir),
        }
    }

    #[test]
    fn f_sv_5_later_aliases_first_root_last() {
        let mounts = Mounts::new(
            Path::new("/root"),
            &[
                alias("/a/", "/one"),
                alias("/a/b/", "/two"),
                alias("/f.js", "/lib/f.js"),
            ],
        );
        let dir_of = |method: &str, path: &str| match mounts.select(method, path) {
            Some(Mount::Dir { dir, .. }) => dir.display().to_string(),
            Some(Mount::File { file, .. }) => file.display().to_string(),
            None => "none".into(),
        };
        assert_eq!(dir_of("GET", "/a/x.html"), "/one");
        assert_eq!(dir_of("GET", "/a/b/x.html"), "/two");
        assert_eq!(dir_of("GET", "/ab"), "/root");
        assert_eq!(dir_of("GET", "/f.js"), "/lib/f.js");
        assert_eq!(dir_of("POST", "/f.js"), "none");
        assert_eq!(dir_of("POST", "/a/x.py"), "/one");
        assert_eq!(dir_of("POST", "/a/x.txt"), "none");
        assert_eq!(dir_of("POST", "/x.py"), "/root");
    }

    #[test]
    fn f_sv_5_url_base_normalised() {
        assert_eq!(normalise_url_base("/x/"), "/x/");
        assert_eq!(normalise_url_base("//x//"), "/x/");
    }
}
