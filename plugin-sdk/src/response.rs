//! The response: the high-level one the host finishes (required headers, pipes), and the direct
//! [`Writer`] (F-RS-6).

use crate::bindings::wpthost::handler::{response as hl, writer as w};
use crate::cookies::SetCookie;
use crate::Error;

/// The high-level response (wptserve's `response` object, F-RS-1..5). Every call goes straight to the
/// host; when the handler returns without having written directly, the host adds Server, Date and
/// Content-Length, applies pipes once, and sends it.
///
/// ```no_run
/// # fn demo(resp: &mut wpthost_plugin_sdk::Response) -> Result<(), wpthost_plugin_sdk::Error> {
/// resp.status_with_reason(202, "Giraffe");
/// resp.set_header("Content-Type", "text/html");
/// resp.append_header("X-Test", "PASS");
/// resp.body("PASS");
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct Response {
    /// Header names this handler set, so an HTTP error can drop them (F-ER-1).
    touched: Vec<Vec<u8>>,
    /// `(cookie name, Set-Cookie value)` appended by [`Response::set_cookie`], for `unset_cookie`.
    cookies: Vec<(Vec<u8>, Vec<u8>)>,
    /// The request URL, for the 5xx error message.
    url: String,
    writer: Writer,
}

impl Response {
    /// The response to the request for `url` (the SDK makes it; exposed for unit tests).
    #[doc(hidden)]
    pub fn new(url: &str) -> Self {
        Response {
            url: url.to_string(),
            ..Self::default()
        }
    }

    /// Status code with the standard reason phrase.
    pub fn status(&mut self, code: u16) -> &mut Self {
        hl::set_status(code, None);
        self
    }

    /// Status code with a custom reason phrase (wptserve's `(code, "reason")`).
    pub fn status_with_reason(&mut self, code: u16, reason: impl AsRef<[u8]>) -> &mut Self {
        hl::set_status(code, Some(reason.as_ref()));
        self
    }

    /// Replace every value of a header (keeps its position; the name's case is this call's).
    pub fn set_header(&mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> &mut Self {
        self.touch(name.as_ref());
        hl::set_header(name.as_ref(), value.as_ref());
        self
    }

    /// Add another line for a header.
    pub fn append_header(&mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> &mut Self {
        self.touch(name.as_ref());
        hl::append_header(name.as_ref(), value.as_ref());
        self
    }

    /// Append each `(name, value)`: wptserve's returned header list (F-PY-3 uses append semantics).
    pub fn append_headers<N: AsRef<[u8]>, V: AsRef<[u8]>>(
        &mut self,
        headers: impl IntoIterator<Item = (N, V)>,
    ) -> &mut Self {
        for (n, v) in headers {
            self.append_header(n, v);
        }
        self
    }

    /// Remove every value of a header.
    pub fn delete_header(&mut self, name: impl AsRef<[u8]>) -> &mut Self {
        hl::delete_header(name.as_ref());
        self
    }

    /// The whole body: the host adds `Content-Length` (unless one was set).
    pub fn body(&mut self, body: impl AsRef<[u8]>) -> &mut Self {
        hl::set_body(body.as_ref());
        self
    }

    /// One more piece of a list-style body: no `Content-Length`, the connection closes after it
    /// (a wptserve handler returning a list or generator).
    pub fn append_body_chunk(&mut self, chunk: impl AsRef<[u8]>) -> &mut Self {
        hl::append_body_chunk(chunk.as_ref());
        self
    }

    /// Append a `Set-Cookie` header formatted as wptserve's `set_cookie` (F-CK-1/2).
    pub fn set_cookie(&mut self, cookie: &SetCookie) -> Result<&mut Self, Error> {
        let value = cookie.to_header_value()?;
        self.cookies.push((cookie.name().to_vec(), value.clone()));
        Ok(self.append_header("Set-Cookie", value))
    }

    /// wptserve's `unset_cookie(name)` (F-CK-4): drop the cookies of that name this handler set,
    /// keeping the others (wptserve 4.0.3 crashes when others remain; this does not).
    pub fn unset_cookie(&mut self, name: impl AsRef<[u8]>) -> &mut Self {
        let name = name.as_ref();
        if !self.cookies.iter().any(|(n, _)| n == name) {
            return self;
        }
        self.cookies.retain(|(n, _)| n != name);
        hl::delete_header(b"Set-Cookie");
        for (_, value) in &self.cookies {
            hl::append_header(b"Set-Cookie", value);
        }
        self
    }

    /// wptserve's `delete_cookie(name, path="/", domain=None)` (F-CK-3).
    pub fn delete_cookie(
        &mut self,
        name: impl Into<Vec<u8>>,
        path: Option<&[u8]>,
        domain: Option<&[u8]>,
    ) -> Result<&mut Self, Error> {
        let mut cookie = SetCookie::deletion(name).path(path.unwrap_or(b"/"));
        if let Some(d) = domain {
            cookie = cookie.domain(d);
        }
        self.set_cookie(&cookie)
    }

    /// `false`: the host adds none of Server, Date, Content-Length (F-RS-5).
    pub fn add_required_headers(&mut self, value: bool) -> &mut Self {
        hl::set_add_required_headers(value);
        self
    }

    /// `true`: send the body even for `HEAD` (F-RS-10).
    pub fn send_body_for_head(&mut self, value: bool) -> &mut Self {
        hl::set_send_body_for_head(value);
        self
    }

    /// `true`: close the connection after this response.
    pub fn close_connection(&mut self, value: bool) -> &mut Self {
        hl::set_close_connection(value);
        self
    }

    /// The direct writer (wptserve's `response.writer`). Once it has written, the high-level response
    /// and pipes are ignored (F-PP-7).
    pub fn writer(&mut self) -> &mut Writer {
        &mut self.writer
    }

    /// Replace this response with wptserve's JSON error (`set_error`, F-ER-1..3): the headers this
    /// handler set are dropped; a 5xx message reads `Internal server error loading <url>:\n  <message>`.
    pub fn set_error(&mut self, code: u16, message: &str) -> &mut Self {
        for name in std::mem::take(&mut self.touched) {
            hl::delete_header(&name);
        }
        let body = error_body(code, message, &self.url);
        hl::set_status(code, None);
        hl::set_header(b"Content-Type", b"application/json");
        hl::set_header(b"Content-Length", body.len().to_string().as_bytes());
        hl::set_body(body.as_bytes());
        self
    }

    fn touch(&mut self, name: &[u8]) {
        if !self.touched.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            self.touched.push(name.to_vec());
        }
    }
}

/// Direct output with wptserve's `ResponseWriter` semantics (F-RS-6). Errors mean the client went away
/// or a limit was hit; `?` them so the handler stops.
///
/// ```no_run
/// # fn demo(resp: &mut wpthost_plugin_sdk::Response) -> Result<(), wpthost_plugin_sdk::Error> {
/// let w = resp.writer();
/// w.write_status(200, Some("OKAY"))?;
/// w.write_header("X-One", "1")?;
/// w.write_header("Content-Length", "5")?;
/// w.end_headers()?;
/// w.write_raw("hel")?;
/// wpthost_plugin_sdk::sleep_ms(100);
/// w.write_raw("lo")?;
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct Writer {
    written: bool,
}

impl Writer {
    /// `HTTP/1.1 <code> <reason>\r\n` (standard reason when `None`).
    pub fn write_status(&mut self, code: u16, reason: Option<&str>) -> Result<(), Error> {
        self.written = true;
        w::write_status(code, reason.map(str::as_bytes)).map_err(Error::msg)
    }

    /// `name: value\r\n` verbatim (a `200 OK` status line first if none was written).
    pub fn write_header(
        &mut self,
        name: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
    ) -> Result<(), Error> {
        self.written = true;
        w::write_header(name.as_ref(), value.as_ref()).map_err(Error::msg)
    }

    /// The required headers not yet written, then the blank line.
    pub fn end_headers(&mut self) -> Result<(), Error> {
        self.written = true;
        w::end_headers().map_err(Error::msg)
    }

    /// Body bytes; completes the status line and headers first if needed, with
    /// `Content-Length` = this data.
    pub fn write_content(&mut self, data: impl AsRef<[u8]>) -> Result<(), Error> {
        self.written = true;
        w::write_content(data.as_ref()).map_err(Error::msg)
    }

    /// Bytes exactly as given: no status line, no headers (raw or malformed HTTP, or body bytes after
    /// `end_headers`).
    pub fn write_raw(&mut self, data: impl AsRef<[u8]>) -> Result<(), Error> {
        self.written = true;
        w::write_raw(data.as_ref()).map_err(Error::msg)
    }

    /// Push everything written so far to the socket now.
    pub fn flush(&mut self) -> Result<(), Error> {
        w::flush().map_err(Error::msg)
    }

    /// Close the connection after this response.
    pub fn close_connection(&mut self) {
        w::close_connection()
    }

    /// Whether this handler wrote anything directly.
    pub fn has_written(&self) -> bool {
        self.written
    }
}

/// `{"error": {"code": <code>, "message": <message>}}` as `json.dumps` writes it.
fn error_body(code: u16, message: &str, url: &str) -> String {
    let message = if (500..600).contains(&code) {
        format!("Internal server error loading {url}:\n  {message}")
    } else {
        message.to_string()
    };
    format!(
        "{{\"error\": {{\"code\": {code}, \"message\": {}}}}}",
        json_string(&message)
    )
}

/// A JSON string literal (the escapes Python's `json.dumps` uses, non-ASCII as `\uXXXX`).
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn error_body_like_set_error() {
        assert_eq!(
            super::error_body(400, "bad thing", "http://h/x"),
            r#"{"error": {"code": 400, "message": "bad thing"}}"#
        );
        assert_eq!(
            super::error_body(503, "Test error", "http://h/x"),
            r#"{"error": {"code": 503, "message": "Internal server error loading http://h/x:\n  Test error"}}"#
        );
    }

    #[test]
    fn json_string_like_python() {
        assert_eq!(
            super::json_string("a\"b\\\n\u{e9}"),
            "\"a\\\"b\\\\\\n\\u00e9\""
        );
    }
}
