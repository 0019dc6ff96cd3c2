//! The file-system half of `FileHandler`: everything that touches the file system for one request
//! (stat, headers files, directory listing, small-file and range reads), in wptserve's order so the
//! same error wins. Synchronous by design: see the `static_files` module docs.

use super::error::StaticError;
use super::headers_file::{HeadersCache, HeadersSource};
use super::listing;
use super::ranges::{self, ByteRange, RangeError};
use bytes::Bytes;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// What the file-system half needs from the request.
pub struct Job<'a> {
    pub fs_path: &'a Path,
    /// `request.path` (raw), for the listing and the trailing-slash redirect.
    pub url_path: &'a str,
    /// First `Range` header value, if any.
    pub range: Option<&'a [u8]>,
    /// HEAD: the body is never sent, so a whole file is not read (only opened, as wptserve does).
    pub is_head: bool,
    /// Files up to this size are read here; larger ones are streamed by the writer.
    pub inline_limit: u64,
    pub cache: &'a HeadersCache,
}

pub enum Outcome {
    /// A directory requested without the trailing slash (F-DL-1).
    Redirect,
    /// A directory listing page (F-DL-2).
    Listing(String),
    File(FileOutcome),
    Error(StaticError),
}

pub struct FileOutcome {
    pub len: u64,
    pub dir_headers: HeadersSource,
    pub own_headers: HeadersSource,
    /// A range error or an unreadable file only wins if the headers files load without error.
    pub body: Result<FileBody, StaticError>,
}

pub enum FileBody {
    /// The whole file, in memory (`Some`) or to be streamed from disk (`None`).
    Whole(Option<Bytes>),
    /// Each range of the `Range` header with its bytes (small enough to hold in memory).
    Ranges(Vec<(ByteRange, Bytes)>),
    /// The ranges of the `Range` header, too large to hold: the writer streams them from disk.
    RangesOnDisk(Vec<ByteRange>),
}

/// Room reserved per multipart part for its boundary and headers when deciding whether the
/// ranges fit in memory.
const PART_HEAD_ALLOWANCE: u64 = 160;

pub fn run(job: Job<'_>) -> Outcome {
    match run_inner(job) {
        Ok(outcome) => outcome,
        Err(err) => Outcome::Error(err),
    }
}

fn run_inner(job: Job<'_>) -> Result<Outcome, StaticError> {
    let path = job.fs_path;
    if path.as_os_str().as_encoded_bytes().contains(&0) {
        // `os.path.isdir` says no, then `os.stat` raises ValueError.
        return Err(StaticError::embedded_nul());
    }
    let meta = std::fs::metadata(path);
    if let Ok(meta) = &meta {
        if meta.is_dir() {
            if !job.url_path.ends_with('/') {
                return Ok(Outcome::Redirect);
            }
            return listing::render(job.url_path, path)
                .map(Outcome::Listing)
                .map_err(|e| StaticError::os_error(&e, path));
        }
    }
    let meta = meta.map_err(|_| StaticError::NotFound)?;
    // FIFOs and devices would block a thread or never end; wptserve has no such files to serve.
    if !meta.is_file() {
        return Err(StaticError::NotFound);
    }
    let len = meta.len();
    let dir = path
        .parent()
        .map(|p| p.join("__dir__"))
        .unwrap_or_else(|| PathBuf::from("__dir__"));
    let dir_headers = job.cache.load(&dir);
    let own_headers = job.cache.load(path);

    // Errors from here on lose to errors of the headers files, which wptserve meets first.
    let body = read_body(&job, len);
    Ok(Outcome::File(FileOutcome {
        len,
        dir_headers,
        own_headers,
        body,
    }))
}

fn read_body(job: &Job<'_>, len: u64) -> Result<FileBody, StaticError> {
    let path = job.fs_path;
    if let Some(header) = job.range {
        let list = ranges::parse(header, len).map_err(|e: RangeError| StaticError::Status {
            status: e.status,
            message: e.message,
        })?;
        let held: u64 = list
            .iter()
            .map(|r| r.len().saturating_add(PART_HEAD_ALLOWANCE))
            .fold(0, u64::saturating_add);
        if held > job.inline_limit {
            // Open it now so that an unreadable file is a 404 before any header is sent.
            File::open(path).map_err(|_| StaticError::NotFound)?;
            return Ok(FileBody::RangesOnDisk(list));
        }
        return read_ranges(path, &list).map(FileBody::Ranges);
    }
    let mut file = File::open(path).map_err(|_| StaticError::NotFound)?;
    if job.is_head || len > job.inline_limit {
        return Ok(FileBody::Whole(None));
    }
    let mut data = Vec::with_capacity(len as usize + 1);
    file.read_to_end(&mut data)
        .map_err(|_| StaticError::NotFound)?;
    Ok(FileBody::Whole(Some(Bytes::from(data))))
}

fn read_ranges(
    path: &std::path::Path,
    list: &[ByteRange],
) -> Result<Vec<(ByteRange, Bytes)>, StaticError> {
    let mut file = File::open(path).map_err(|_| StaticError::NotFound)?;
    let mut out = Vec::with_capacity(list.len());
    for range in list {
        file.seek(SeekFrom::Start(range.lower))
            .map_err(|_| StaticError::NotFound)?;
        let mut data = Vec::with_capacity(range.len() as usize);
        (&mut file)
            .take(range.len())
            .read_to_end(&mut data)
            .map_err(|_| StaticError::NotFound)?;
        out.push((*range, Bytes::from(data)));
    }
    Ok(out)
}
