//! Turning any body into bytes for the pipes that rewrite it (wptserve's `resolve_content`).

use super::PipeError;
use crate::response::{Body, BodyStep, FileRanges};
use crate::static_files::range_reader::RangeReader;
use bytes::{Bytes, BytesMut};

/// The whole body as bytes: files are read without blocking a worker thread, and a stepped body
/// (an earlier `trickle`) is played out, delays included, as wptserve iterates its generator.
pub async fn resolve(body: Body) -> Result<Bytes, PipeError> {
    match body {
        Body::Bytes(b) | Body::Unframed(b) => Ok(b),
        Body::File { path, .. } => tokio::fs::read(&path)
            .await
            .map(Bytes::from)
            .map_err(|source| PipeError::Read { path, source }),
        // Pipes act on the partial body, exactly the bytes the range selected (F-RG-7).
        Body::FileRanges(ranges) => read_ranges(&ranges)
            .await
            .map_err(|source| PipeError::Read {
                path: ranges.path.clone(),
                source,
            }),
        Body::Steps(steps) => {
            let mut out = BytesMut::new();
            for step in steps {
                match step {
                    BodyStep::Data(d) => out.extend_from_slice(&d),
                    BodyStep::Delay(d) => crate::delay::sleep(d).await,
                }
            }
            Ok(out.freeze())
        }
    }
}

/// The bytes a `Body::FileRanges` stands for, multipart heads included.
async fn read_ranges(r: &FileRanges) -> std::io::Result<Bytes> {
    let mut reader = RangeReader::open(&r.path).await?;
    let mut out = BytesMut::new();
    for &(offset, len) in &r.ranges {
        if let Some(layout) = &r.multipart {
            out.extend_from_slice(&layout.part_head(offset, len));
        }
        let end = offset.saturating_add(len);
        let mut pos = offset;
        while pos < end {
            let data = reader.bytes_at(pos, end).await?;
            if data.is_empty() {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            pos += data.len() as u64;
            out.extend_from_slice(data);
        }
    }
    if let Some(layout) = &r.multipart {
        out.extend_from_slice(&layout.trailer());
    }
    Ok(out.freeze())
}
