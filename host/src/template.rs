//! The `{{...}}` substitution language (§2.I). (Skeleton; the pipes helper owns this module.)

use crate::config::Config;
use crate::request::Request;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("{0}")]
    Invalid(String),
}

/// Run a `.sub.headers` file through the template engine with escape type `none` (F-HD-5).
pub fn render_headers_file(
    content: &[u8],
    request: &Request,
    config: &Config,
) -> Result<Vec<u8>, TemplateError> {
    let _ = (request, config);
    Ok(content.to_vec())
}
