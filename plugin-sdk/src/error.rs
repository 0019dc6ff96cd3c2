//! The error a handler returns.

use std::fmt;

/// What a handler returns when it cannot produce its response.
///
/// Two kinds, as in wptserve:
/// * an internal error (any `?` on a `std::error::Error`, or [`Error::msg`]) becomes the host's JSON 500
///   naming the message (F-ER-3), exactly like an exception escaping a Python handler;
/// * an HTTP error ([`Error::http`], wptserve's `HTTPException(code, message)`) becomes a JSON error
///   response with that status (F-ER-1/2), written by the SDK through the high-level response.
///
/// Like `anyhow::Error`, this type deliberately does not implement `std::error::Error`, so that `?`
/// converts every standard error into it.
pub struct Error {
    kind: Kind,
}

enum Kind {
    Internal(String),
    Http { code: u16, message: String },
}

impl Error {
    /// An internal error (JSON 500) with this message.
    pub fn msg(message: impl fmt::Display) -> Self {
        Error {
            kind: Kind::Internal(message.to_string()),
        }
    }

    /// An HTTP error response with this status and message, like wptserve's
    /// `HTTPException(code, message)`: `{"error": {"code": <code>, "message": "<message>"}}`.
    pub fn http(code: u16, message: impl fmt::Display) -> Self {
        Error {
            kind: Kind::Http {
                code,
                message: message.to_string(),
            },
        }
    }

    /// The status this error answers with.
    pub fn status(&self) -> u16 {
        match &self.kind {
            Kind::Internal(_) => 500,
            Kind::Http { code, .. } => *code,
        }
    }

    /// The error's message.
    pub fn message(&self) -> &str {
        match &self.kind {
            Kind::Internal(m) => m,
            Kind::Http { message, .. } => message,
        }
    }

    /// `Some((code, message))` for an HTTP error, `None` for an internal one.
    pub(crate) fn as_http(&self) -> Option<(u16, &str)> {
        match &self.kind {
            Kind::Internal(_) => None,
            Kind::Http { code, message } => Some((*code, message)),
        }
    }
}

impl<E: std::error::Error> From<E> for Error {
    fn from(err: E) -> Self {
        Error::msg(err)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Internal(m) => write!(f, "Error({m:?})"),
            Kind::Http { code, message } => write!(f, "Error(http {code}: {message:?})"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// Return early with an internal error built like `format!`.
///
/// ```
/// fn check(n: u32) -> Result<(), wpthost_plugin_sdk::Error> {
///     if n > 3 {
///         wpthost_plugin_sdk::bail!("too many: {n}");
///     }
///     Ok(())
/// }
/// assert_eq!(check(4).unwrap_err().message(), "too many: 4");
/// ```
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => {
        return ::core::result::Result::Err($crate::Error::msg(::std::format!($($arg)*)))
    };
}
