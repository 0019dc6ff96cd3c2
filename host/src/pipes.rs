//! Pipes (F-PP-*). (Skeleton; the pipes helper owns this module.)

use crate::config::Config;
use crate::request::Request;
use crate::response::Response;

#[derive(Debug, thiserror::Error)]
pub enum PipeError {
    #[error("{0}")]
    Invalid(String),
}

/// Apply the pipeline for this response: `sub(html|none)` when `sub_path` contains `.sub.` (F-ST-7),
/// then the last `pipe=` query parameter (F-PP-9). The caller turns an error into a JSON 500.
pub async fn apply(
    response: Response,
    request: &Request,
    sub_path: Option<&str>,
    config: &Config,
) -> Result<Response, PipeError> {
    let _ = (request, sub_path, config);
    Ok(response)
}
