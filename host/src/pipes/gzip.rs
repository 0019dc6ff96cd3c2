//! `gzip` (F-PP-6): compress the body like Python's `gzip` module (level 9, mtime now) and set
//! Content-Encoding and Content-Length.

use super::{body, Call, PipeError};
use crate::response::{Body, Response};
use flate2::{Compression, GzBuilder};
use std::io::Write;

pub async fn apply(response: &mut Response, call: &Call<'_>) -> Result<(), PipeError> {
    call.expect_args(0, 0)?;
    let content = body::resolve(std::mem::take(&mut response.body)).await?;
    response.headers.set("Content-Encoding", "gzip");
    let mtime = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u32::try_from(d.as_secs()).unwrap_or(0));
    let mut encoder = GzBuilder::new().mtime(mtime).write(
        Vec::with_capacity(content.len() / 2 + 32),
        Compression::best(),
    );
    let compressed = encoder
        .write_all(&content)
        .and_then(|()| encoder.finish())
        .map_err(|e| call.error(format!("compression failed: {e}")))?;
    response
        .headers
        .set("Content-Length", compressed.len().to_string());
    response.body = Body::Bytes(compressed.into());
    Ok(())
}
