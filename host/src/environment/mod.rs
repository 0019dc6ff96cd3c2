//! The `wpt serve` environment around the plain wptserve handlers: the forbidden routes (F-SV-1,
//! F-SV-8), mount points from `aliases` (F-SV-5), the generated test wrappers (F-SV-2..4, in
//! `crate::wrappers`) and `--inject-script` (F-SV-6). (The one request rewrite of serve.py, F-RT-6,
//! is `server::rewrite_webidl_parser`.)
//!
//! `server::handle` calls these in serve.py's order: forbidden, mount point, wrappers, then the
//! ordinary handlers; `inject` runs on the finished (piped) response, as serve.py's
//! injector wraps handlers that have already applied their pipes.

pub mod inject;
pub mod mounts;
pub mod routes;

use crate::config::Config;
use crate::errors::json_error;
use crate::request::Request;
use crate::response::{Body, Response};
use crate::server::Handled;
use crate::static_files::headers_file::HeadersCache;
use crate::static_files::path::python_unquote;
use bytes::Bytes;
use mounts::{Mount, Mounts};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    #[error("cannot read the script to inject (inject_script / --inject-script) {path}: {source}")]
    InjectScript {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Where a request goes after mount-point selection.
#[derive(Debug)]
pub enum Mounted {
    /// A directory mount (or the document root): `request.doc_root`/`url_base` now point at it.
    Dir,
    /// A single-file mount: serve this request (aimed at that file) with the file handler only.
    File(Box<Request>),
    /// No mount point's routes take the request (e.g. `POST` of a plain file).
    None,
}

pub struct Environment {
    config: Arc<Config>,
    mounts: Mounts,
    /// The whole `<script>` element of `--inject-script`, read once at start.
    inject_tag: Option<Vec<u8>>,
    headers_cache: Arc<HeadersCache>,
}

impl Environment {
    pub fn new(config: Arc<Config>) -> Result<Environment, EnvironmentError> {
        let inject_tag = match &config.inject_script {
            Some(path) => {
                let script =
                    std::fs::read(path).map_err(|source| EnvironmentError::InjectScript {
                        path: path.clone(),
                        source,
                    })?;
                Some(inject::script_tag(&script))
            }
            None => None,
        };
        Ok(Environment {
            mounts: Mounts::new(&config.doc_root, &config.aliases),
            inject_tag,
            headers_cache: Arc::new(HeadersCache::new()),
            config,
        })
    }

    /// F-SV-1: the forbidden routes answer 404 with an empty message. The decoded path is checked
    /// too, so `/%5Fcerts/...` cannot reach what `/_certs/...` may not.
    pub fn forbidden(&self, request: &Request) -> Option<Handled> {
        let decoded = python_unquote(&request.path);
        (routes::is_forbidden(&request.method, &request.path)
            || routes::is_forbidden(&request.method, &decoded))
        .then(|| Handled::Unpiped(json_error(404, "")))
    }

    /// F-SV-5: pick the mount point and aim the request at it.
    pub fn mount(&self, request: &mut Request) -> Mounted {
        match self.mounts.select(&request.method, &request.path) {
            Some(Mount::Dir { url_base, dir }) => {
                request.doc_root = dir.clone();
                request.url_base = url_base.clone();
                Mounted::Dir
            }
            Some(Mount::File { file, .. }) => {
                // The file handler maps `url_base` + name onto `doc_root`; aim both at the file.
                let mut aimed = request.clone();
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                aimed.doc_root = file.parent().map(PathBuf::from).unwrap_or_default();
                aimed.url_base = "/".into();
                aimed.path = format!(
                    "/{}",
                    percent_encoding::utf8_percent_encode(
                        &name,
                        percent_encoding::NON_ALPHANUMERIC
                    )
                );
                Mounted::File(Box::new(aimed))
            }
            None => Mounted::None,
        }
    }

    /// F-SV-2..4: the generated wrapper for this request, if its path names one.
    pub async fn wrapper(&self, request: &Request) -> Option<Handled> {
        let kind = crate::wrappers::resolve(&request.method, &request.path, &request.url_base)?;
        Some(crate::wrappers::serve(kind, request, &self.config, &self.headers_cache).await)
    }

    /// F-SV-6: with `--inject-script`, put the script into a `text/html` response whose body is
    /// held or read whole (a trickled body is left alone, as serve.py skips streaming content).
    pub async fn inject(&self, mut response: Response) -> Response {
        let Some(tag) = &self.inject_tag else {
            return response;
        };
        // serve.py compares the first Content-Type value with exactly `text/html`. (A response
        // without Content-Type makes serve.py fail with a 500; wpthost leaves it unchanged.)
        if response
            .headers
            .get(b"content-type")
            .first()
            .map(Vec::as_slice)
            != Some(b"text/html")
        {
            return response;
        }
        let html = match &response.body {
            Body::Bytes(b) | Body::Unframed(b) => b.clone(),
            Body::File { path, .. } => match tokio::fs::read(path).await {
                Ok(data) => Bytes::from(data),
                Err(e) => {
                    tracing::warn!("inject-script: cannot read {}: {e}", path.display());
                    return response;
                }
            },
            Body::FileRanges(_) => match crate::pipes::resolve_body(response.body.clone()).await {
                Ok(data) => data,
                Err(e) => {
                    tracing::warn!("inject-script: {e}");
                    return response;
                }
            },
            Body::Steps(_) => return response,
        };
        // The new body is a plain byte string, so it gets a Content-Length (as in serve.py).
        response.body = Body::Bytes(Bytes::from(inject::inject(&html, tag)));
        response
    }
}
