//! Writing a finished `Response` (after pipes): status line, headers in order, the required headers
//! (F-RS-4), then the body by variant, which decides framing (F-H1-3, §1.4).

use crate::http1::writer::ResponseWriter;
use crate::response::{Body, BodyStep, FileRanges, Response};
use crate::static_files::range_reader::RangeReader;
use std::io;
use std::io::Read;

/// Chunk size when streaming a file (wptserve uses 32 KiB; bigger chunks mean fewer syscalls, and
/// each chunk is written to the socket without another copy).
const FILE_CHUNK: usize = 256 * 1024;

/// How the connection wants a response written.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// The request was HEAD: the body is dropped unless the response asks for it (F-RS-10).
    pub is_head: bool,
    /// `config.server.static_content_length`: a `Body::File` carries `Content-Length`.
    pub file_content_length: bool,
}

/// Write `response` completely and flush it. I/O errors mean the client went away.
pub async fn write_response(
    writer: &mut ResponseWriter,
    response: Response,
    options: WriteOptions,
) -> io::Result<()> {
    writer
        .write_status(response.status, response.reason.as_deref())
        .await?;
    for (name, value) in response.headers.iter() {
        writer.write_header(name, value).await?;
    }
    let content_length = match &response.body {
        Body::Bytes(b) => Some(b.len() as u64),
        Body::File { len, .. } if options.file_content_length => Some(*len),
        Body::FileRanges(r) => r.content_length(),
        _ => None,
    };
    writer
        .end_headers(response.add_required_headers, content_length)
        .await?;
    if response.close_connection {
        writer.close_connection = true;
    }
    let send_body = !options.is_head || response.send_body_for_head;
    if send_body {
        match response.body {
            Body::Bytes(b) | Body::Unframed(b) => writer.write_body_bytes(&b).await?,
            Body::File { path, len } => write_file(writer, &path, len).await?,
            Body::FileRanges(r) => write_file_ranges(writer, &r).await?,
            Body::Steps(steps) => {
                for step in steps {
                    match step {
                        BodyStep::Data(d) => {
                            writer.write_body_bytes(&d).await?;
                            // Each piece must hit the socket as produced (trickle, F-PP-5).
                            writer.flush().await?;
                        }
                        BodyStep::Delay(d) => {
                            writer.flush().await?;
                            crate::delay::sleep(d).await;
                        }
                    }
                }
            }
        }
    }
    writer.flush().await
}

/// Stream each range from disk, with its multipart head when there are several (F-RG-1..3).
/// A file that shrank since it was measured ends the body early and closes the connection.
async fn write_file_ranges(writer: &mut ResponseWriter, r: &FileRanges) -> io::Result<()> {
    let mut reader = match RangeReader::open(&r.path).await {
        Ok(reader) => reader,
        Err(e) => {
            tracing::warn!("opening {}: {e}", r.path.display());
            writer.close_connection = true;
            return Ok(());
        }
    };
    for &(offset, len) in &r.ranges {
        if let Some(layout) = &r.multipart {
            writer
                .write_body_bytes(&layout.part_head(offset, len))
                .await?;
        }
        let end = offset.saturating_add(len);
        let mut pos = offset;
        while pos < end {
            let data = reader.bytes_at(pos, end).await?;
            if data.is_empty() {
                writer.close_connection = true;
                return Ok(());
            }
            pos += data.len() as u64;
            writer.write_body_bytes(data).await?;
        }
    }
    if let Some(layout) = &r.multipart {
        writer.write_body_bytes(&layout.trailer()).await?;
    }
    Ok(())
}

/// Stream at most `len` bytes of the file. If it shrank since it was measured, the framing promised
/// in the header block cannot be kept, so the connection closes.
///
/// Reads are plain blocking reads on the connection's task: a document-root file is in the page
/// cache after its first request, and such a read costs microseconds, while a hop to a blocking
/// thread pool per chunk costs more than the read itself (docs/ARCHITECTURE.md, "File-system calls").
async fn write_file(
    writer: &mut ResponseWriter,
    path: &std::path::Path,
    len: u64,
) -> io::Result<()> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!("opening {}: {e}", path.display());
            writer.close_connection = true;
            return Ok(());
        }
    };
    if let Some(sent) = writer.send_file(&file, len).await {
        if sent? < len {
            // The file shrank since its size was taken: the framing promised more than was sent.
            tracing::warn!("{} ended before its {len} bytes", path.display());
            writer.close_connection = true;
        }
        return Ok(());
    }
    let mut chunk = vec![0u8; usize::try_from(len).unwrap_or(FILE_CHUNK).min(FILE_CHUNK)];
    let mut remaining = len;
    while remaining > 0 {
        let want = chunk
            .len()
            .min(usize::try_from(remaining).unwrap_or(usize::MAX));
        let n = match file.read(&mut chunk[..want]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                tracing::warn!("reading {}: {e}", path.display());
                0
            }
        };
        if n == 0 {
            writer.close_connection = true;
            break;
        }
        remaining -= n as u64;
        writer.write_body_bytes(&chunk[..n]).await?;
    }
    Ok(())
}
