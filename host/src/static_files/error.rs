//! How static-serving failures become wptserve's JSON errors (F-ER-1..3).

use crate::errors::{internal_error, json_error};
use crate::response::Response;

/// A failure of the file or `.asis` handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaticError {
    /// `HTTPException(404)`: outside the root, missing or unreadable (message `"404"`).
    NotFound,
    /// A non-5xx `HTTPException` whose `str()` is already `message` (ranges: 416, 400).
    Status { status: u16, message: String },
    /// An uncaught Python exception: `type_name: message` becomes the 500's traceback suffix.
    Exception {
        type_name: &'static str,
        message: String,
    },
    /// A 500 whose message suffix is given as is (template errors of `.sub.headers`).
    Internal(String),
}

impl StaticError {
    /// The JSON error response; `url` is `request.url` for the 5xx message.
    pub fn into_response(self, url: &str) -> Response {
        match self {
            StaticError::NotFound => json_error(404, "404"),
            StaticError::Status { status, message } => json_error(status, &message),
            // wptserve's suffix is `Traceback (most recent call last):\n<frames>  Type: msg\n`;
            // there are no Python frames to show, so the frame list is empty.
            StaticError::Exception { type_name, message } => internal_error(
                500,
                url,
                &format!("Traceback (most recent call last):\n  {type_name}: {message}\n"),
            ),
            StaticError::Internal(detail) => internal_error(500, url, &detail),
        }
    }

    /// An `OSError` outside wptserve's `except OSError` (e.g. listing an unreadable directory),
    /// in Python's `[Errno N] strerror: 'path'` form.
    pub fn os_error(err: &std::io::Error, path: &std::path::Path) -> StaticError {
        let type_name = match err.kind() {
            std::io::ErrorKind::PermissionDenied => "PermissionError",
            std::io::ErrorKind::NotFound => "FileNotFoundError",
            _ => "OSError",
        };
        let text = err.to_string();
        let strerror = text.split(" (os error").next().unwrap_or(&text).to_string();
        let message = match err.raw_os_error() {
            Some(code) => format!("[Errno {code}] {strerror}: '{}'", path.display()),
            None => strerror,
        };
        StaticError::Exception { type_name, message }
    }

    /// Python's `open()` of a path holding a NUL byte.
    pub fn embedded_nul() -> StaticError {
        StaticError::Exception {
            type_name: "ValueError",
            message: "embedded null byte".to_string(),
        }
    }
}
