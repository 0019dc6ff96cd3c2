//! Turning any body into bytes for the pipes that rewrite it (wptserve's `resolve_content`).

use super::PipeError;
use crate::response::{Body, BodyStep};
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
        Body::Steps(steps) => {
            let mut out = BytesMut::new();
            for step in steps {
                match step {
                    BodyStep::Data(d) => out.extend_from_slice(&d),
                    BodyStep::Delay(d) => tokio::time::sleep(d).await,
                }
            }
            Ok(out.freeze())
        }
    }
}
