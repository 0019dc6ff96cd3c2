//! The file-system half of `FileHandler`: everything that touches the file system for one request
//! (stat, headers files, small-file and range reads), in wptserve's order so the same error wins;
//! a directory to list is only recognised here. Synchronous by design: see the `static_files` module docs.

use super::error::StaticError;
use super::headers_file::{HeadersCache, HeadersSource};
use super::ranges::{self, ByteRange, RangeError};
use bytes::Bytes;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

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
    /// A directory to list (F-DL-2): the caller renders it off the async workers, since a
    /// directory may hold thousands of entries.
    ListDir,
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
    // Open first and `fstat` the descriptor: one path walk instead of two, and the read below uses
    // the same file. Non-blocking, so that a FIFO cannot hold the thread in `open`. When the open
    // fails (an unreadable file), `stat` decides, as in wptserve, and the read then fails.
    let opened = open_nonblocking(path).ok();
    let meta = match &opened {
        Some(file) => file.metadata(),
        None => std::fs::metadata(path),
    };
    if let Ok(meta) = &meta {
        if meta.is_dir() {
            if !job.url_path.ends_with('/') {
                return Ok(Outcome::Redirect);
            }
            return Ok(Outcome::ListDir);
        }
    }
    let meta = meta.map_err(|_| StaticError::NotFound)?;
    // FIFOs and devices would block a thread or never end; wptserve has no such files to serve.
    if !meta.is_file() {
        return Err(StaticError::NotFound);
    }
    let len = meta.len();
    let (dir_headers, own_headers) = job.cache.load_for_file(path);

    // Errors from here on lose to errors of the headers files, which wptserve meets first.
    let body = match opened {
        Some(file) => read_body(&job, file, len),
        None => Err(StaticError::NotFound),
    };
    Ok(Outcome::File(FileOutcome {
        len,
        dir_headers,
        own_headers,
        body,
    }))
}

fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(nonblocking_flag());
    }
    options.open(path)
}

/// `O_NONBLOCK`: 0o4000 on every Linux architecture but alpha, mips, parisc and sparc.
#[cfg(unix)]
fn nonblocking_flag() -> i32 {
    #[cfg(target_os = "linux")]
    {
        rustix::fs::OFlags::NONBLOCK.bits() as i32
    }
    #[cfg(not(target_os = "linux"))]
    {
        0
    }
}

fn read_body(job: &Job<'_>, mut file: File, len: u64) -> Result<FileBody, StaticError> {
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
            // The file opened, so it is no 404; the writer streams the ranges.
            return Ok(FileBody::RangesOnDisk(list));
        }
        return read_ranges(&mut file, &list).map(FileBody::Ranges);
    }
    if job.is_head || len > job.inline_limit {
        return Ok(FileBody::Whole(None));
    }
    let mut data = Vec::with_capacity(len as usize);
    // Through `take`, not `File::read_to_end`, which `stat`s and seeks to size its buffer again;
    // limited to the size `fstat` gave (the body the headers were computed for), so the read that
    // fills it is the last one: no further read to find the end of the file.
    (&mut file)
        .take(len)
        .read_to_end(&mut data)
        .map_err(|_| StaticError::NotFound)?;
    Ok(FileBody::Whole(Some(Bytes::from(data))))
}

fn read_ranges(
    file: &mut File,
    list: &[ByteRange],
) -> Result<Vec<(ByteRange, Bytes)>, StaticError> {
    let mut out = Vec::with_capacity(list.len());
    for range in list {
        file.seek(SeekFrom::Start(range.lower))
            .map_err(|_| StaticError::NotFound)?;
        let mut data = Vec::with_capacity(range.len() as usize);
        (&mut *file)
            .take(range.len())
            .read_to_end(&mut data)
            .map_err(|_| StaticError::NotFound)?;
        out.push((*range, Bytes::from(data)));
    }
    Ok(out)
}
