//! Static serving, as wptserve's `FileHandler`, `DirectoryHandler` and `AsIsHandler`: path mapping
//! (F-ST-1), files and HEAD (F-ST-2..5), the MIME table (F-ST-6), `.headers` files (F-HD-1..4),
//! directory redirect and listing (F-DL-1..4), ranges (F-RG-1..6), `.asis` (F-AS-1, F-AS-3).
//!
//! `load` does every file-system call of a request on the connection's own task: stat, headers
//! files (cached while unchanged), and the read of a small file or of the requested ranges. These
//! are page-cache hits costing microseconds, where a hop to the blocking pool and back cost more
//! than the calls and halved keep-alive throughput (docs/ARCHITECTURE.md, "File-system calls"). Larger files and ranges are left to the writer to stream. A directory listing and a
//! `.sub.headers` file are rendered on the blocking pool: a directory may hold thousands of
//! entries, and a template may read files.

pub(crate) mod absent;
mod asis;
mod dir_watch;
mod error;
pub mod headers_file;
pub mod listing;
mod load;
pub mod mime;
pub mod path;
pub mod range_reader;
pub mod ranges;

use crate::config::Config;
use crate::http1::writer::ResponseWriter;
use crate::request::Request;
use crate::response::{Body, FileRanges, MultipartLayout, Response};
use crate::server::Handled;
use bytes::Bytes;
use error::StaticError;
use headers_file::{HeaderList, HeadersCache, HeadersSource};
use load::{FileBody, FileOutcome, Job, Outcome};
use std::sync::Arc;

/// Files (and ranges, with their multipart heads) up to this size are read in the same blocking
/// hop as their metadata; larger ones are streamed by the writer from `Body::File` /
/// `Body::FileRanges`, so concurrent `Range: bytes=0-` requests on a big file cost no memory.
const INLINE_LIMIT: u64 = 256 * 1024;

pub struct StaticFiles {
    pub config: Arc<Config>,
    headers_cache: Arc<HeadersCache>,
}

impl StaticFiles {
    pub fn new(config: Arc<Config>) -> Self {
        StaticFiles {
            config,
            headers_cache: Arc::new(HeadersCache::new()),
        }
    }

    /// The parsed-headers-file cache, for other handlers that load `.headers` files (wrappers) so
    /// that one file is parsed once for all of them.
    pub fn headers_cache(&self) -> Arc<HeadersCache> {
        self.headers_cache.clone()
    }

    /// `FileHandler`: a file (with headers, ranges), a directory redirect or listing, or a JSON error.
    pub async fn serve_file(&self, request: &Request) -> Handled {
        let fs_path =
            match path::filesystem_path(&request.doc_root, &request.path, &request.url_base) {
                Ok(p) => p,
                Err(path::Outside) => return error_response(StaticError::NotFound, request),
            };
        let job = Job {
            fs_path: &fs_path,
            url_path: &request.path,
            range: request.header("Range"),
            is_head: request.is_head(),
            inline_limit: INLINE_LIMIT,
            cache: &self.headers_cache,
        };
        let outcome = load::run(job);
        match outcome {
            Outcome::Redirect => Handled::Unpiped(redirect(request)),
            Outcome::ListDir => {
                let url_path = request.path.clone();
                let dir = fs_path.clone();
                let rendered =
                    tokio::task::spawn_blocking(move || listing::render(&url_path, &dir)).await;
                match rendered {
                    Ok(Ok(html)) => Handled::Unpiped(listing_response(html)),
                    Ok(Err(e)) => error_response(StaticError::os_error(&e, &fs_path), request),
                    Err(join) => error_response(
                        StaticError::Exception {
                            type_name: "RuntimeError",
                            message: format!("directory listing task failed: {join}"),
                        },
                        request,
                    ),
                }
            }
            Outcome::Error(err) => error_response(err, request),
            Outcome::File(file) => match self.file_response(request, &fs_path, file).await {
                Ok(response) => Handled::Response {
                    response,
                    sub_path: Some(fs_path.to_string_lossy().into_owned()),
                },
                Err(err) => error_response(err, request),
            },
        }
    }

    /// `AsIsHandler`: the file's bytes are the whole response; the connection closes.
    pub async fn serve_asis(&self, request: &Request, writer: &mut ResponseWriter) -> Handled {
        asis::serve(request, writer).await
    }

    async fn file_response(
        &self,
        request: &Request,
        fs_path: &std::path::Path,
        file: FileOutcome,
    ) -> Result<Response, StaticError> {
        let headers = self
            .headers_for(request, fs_path, file.dir_headers, file.own_headers)
            .await?;
        let mut response = Response::new(200);
        for (name, value) in headers {
            response.headers.append(name, value);
        }
        match file.body? {
            FileBody::Whole(Some(data)) if self.config.server.static_content_length => {
                response.body = Body::Bytes(data);
            }
            FileBody::Whole(Some(data)) => response.body = Body::Unframed(data),
            FileBody::Whole(None) => {
                response.body = Body::File {
                    path: fs_path.to_path_buf(),
                    len: file.len,
                }
            }
            FileBody::Ranges(mut parts) => {
                response.status = 206;
                if parts.len() == 1 {
                    let (range, data) = parts.remove(0);
                    response.headers.set("Content-Range", range.header_value());
                    response.body = Body::Bytes(data);
                } else {
                    let layout = multipart_layout(&mut response, file.len);
                    let refs: Vec<_> = parts.iter().map(|(r, d)| (*r, d.as_ref())).collect();
                    let body = ranges::multipart_body(&layout, &refs);
                    response.body = Body::Unframed(Bytes::from(body));
                }
            }
            FileBody::RangesOnDisk(list) => {
                response.status = 206;
                let multipart = if list.len() == 1 {
                    response
                        .headers
                        .set("Content-Range", list[0].header_value());
                    None
                } else {
                    Some(multipart_layout(&mut response, file.len))
                };
                response.body = Body::FileRanges(FileRanges {
                    path: fs_path.to_path_buf(),
                    ranges: list.iter().map(|r| (r.lower, r.len())).collect(),
                    multipart,
                });
            }
        }
        Ok(response)
    }

    /// `get_headers`: `__dir__` then the file's own headers file, and the guessed Content-Type
    /// first unless one of them names a Content-Type (F-HD-1..4).
    async fn headers_for(
        &self,
        request: &Request,
        fs_path: &std::path::Path,
        dir: HeadersSource,
        own: HeadersSource,
    ) -> Result<HeaderList, StaticError> {
        let mut parsed = Vec::with_capacity(2);
        for source in [dir, own] {
            match source {
                HeadersSource::None => {}
                HeadersSource::Plain(p) => parsed.push(p.as_ref().clone()),
                HeadersSource::Sub(raw) => {
                    let rendered = self.render_sub(request, raw).await?;
                    parsed.push(headers_file::parse(&rendered));
                }
            }
        }
        let mut list = HeaderList::new();
        for part in parsed {
            match part {
                Ok(lines) => list.extend(lines),
                Err(e) => {
                    return Err(StaticError::Exception {
                        type_name: "ValueError",
                        message: e.python_message().to_string(),
                    })
                }
            }
        }
        if !list
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case(b"content-type"))
        {
            let guessed = mime::guess_content_type(&fs_path.to_string_lossy());
            list.insert(0, (b"Content-Type".to_vec(), guessed.as_bytes().to_vec()));
        }
        Ok(list)
    }

    /// Run a `.sub.headers` file through the template engine off the async threads (templates
    /// may read files, e.g. `file_hash`).
    async fn render_sub(
        &self,
        request: &Request,
        raw: Arc<Vec<u8>>,
    ) -> Result<Vec<u8>, StaticError> {
        let request = request.clone();
        let config = self.config.clone();
        let rendered = tokio::task::spawn_blocking(move || {
            crate::template::render_headers_file(&raw, &request, &config).map_err(|e| e.to_string())
        })
        .await;
        match rendered {
            Ok(Ok(data)) => Ok(data),
            Ok(Err(message)) => Err(StaticError::Internal(message)),
            Err(join) => Err(StaticError::Internal(format!(
                "template task failed: {join}"
            ))),
        }
    }
}

/// F-RG-3: the part Content-Type is the response's last one, which the multipart type replaces.
fn multipart_layout(response: &mut Response, file_size: u64) -> MultipartLayout {
    let content_type = response.headers.get(b"content-type").last().cloned();
    let boundary = uuid::Uuid::new_v4().to_string();
    response.headers.set(
        "Content-Type",
        format!("multipart/byteranges; boundary={boundary}"),
    );
    MultipartLayout {
        boundary,
        content_type,
        file_size,
    }
}

fn error_response(err: StaticError, request: &Request) -> Handled {
    Handled::Unpiped(err.into_response(&request.url))
}

/// F-DL-1: `Location: <request.url>/` (after the query, as wptserve does), empty unframed body.
fn redirect(request: &Request) -> Response {
    let mut response = Response::new(301);
    response
        .headers
        .set("Location", format!("{}/", request.url));
    response
}

/// F-DL-2: the listing page, framed by Content-Length.
fn listing_response(html: String) -> Response {
    let mut response = Response::new(200);
    response.headers.set("Content-Type", "text/html");
    response.body = Body::Bytes(Bytes::from(html));
    response
}
