//! `slice(start[, end])` (F-PP-3): Python slice of the body; Content-Length set in header order.
//! A file body is sliced on disk (streamed by the writer), anything else in memory.

use super::convert::{nullable_int, py_slice};
use super::{body, Call, PipeError};
use crate::response::{Body, FileRanges, Response};

pub async fn apply(response: &mut Response, call: &Call<'_>) -> Result<(), PipeError> {
    call.expect_args(1, 2)?;
    let args = call.args();
    let start = nullable_int(&args[0]).map_err(|e| call.error(e))?;
    let end = match args.get(1) {
        Some(a) => nullable_int(a).map_err(|e| call.error(e))?,
        None => None,
    };
    // A file (or one range of it) stays on disk: the slice becomes a range of the file, the same
    // bytes and framing as a sliced copy, without loading a large file into memory.
    let on_disk = match &response.body {
        Body::File { path, len } => Some((path.clone(), 0, *len)),
        Body::FileRanges(r) if r.multipart.is_none() && r.ranges.len() == 1 => {
            Some((r.path.clone(), r.ranges[0].0, r.ranges[0].1))
        }
        _ => None,
    };
    if let Some((path, base, len)) = on_disk {
        let span = py_slice(usize::try_from(len).unwrap_or(usize::MAX), start, end);
        response
            .headers
            .set("Content-Length", span.len().to_string());
        response.body = Body::FileRanges(FileRanges {
            path,
            ranges: vec![(base + span.start as u64, span.len() as u64)],
            multipart: None,
        });
        return Ok(());
    }
    let content = body::resolve(std::mem::take(&mut response.body)).await?;
    let sliced = content.slice(py_slice(content.len(), start, end));
    response
        .headers
        .set("Content-Length", sliced.len().to_string());
    response.body = Body::Bytes(sliced);
    Ok(())
}
