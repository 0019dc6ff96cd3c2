//! The raw response writer with wptserve's `ResponseWriter` semantics (F-RS-6). Everything a client
//! receives goes through here, whether a handler writes directly (plugins) or returns a `Response`.
//!
//! Output is buffered so that status line, headers and a small body leave in one segment; `flush`
//! pushes it to the socket and is called at the end of every response, before every delay, and when a
//! plugin asks for it.

use crate::http1::reason::reason_phrase;
use crate::http1::sink::Sink;
use std::io;
use tokio::io::AsyncWriteExt;

/// The `Server` header value (wptserve's is interpreter-specific; tests only check presence).
pub const SERVER_HEADER: &str = "BaseHTTP/0.6 Python/3.11.7";

/// Flush automatically once this much output is buffered.
const FLUSH_THRESHOLD: usize = 64 * 1024;

pub struct ResponseWriter {
    out: Option<Sink>,
    buf: Vec<u8>,
    status_written: bool,
    headers_ended: bool,
    /// Lower-cased names of the headers written so far in this response, each followed by `\n`
    /// (one flat buffer: no allocation per header on the hot path).
    written_headers: Vec<u8>,
    /// Anything at all was written for the current response (wptserve's `content_written`).
    pub content_written: bool,
    /// A `Content-Length` header went out with the current response.
    pub has_content_length: bool,
    /// The connection must close after the current response.
    pub close_connection: bool,
    /// Total bytes handed to the writer for the current response.
    pub bytes_written: u64,
    /// The current request is HEAD: `write_content` drops the body (F-RS-10).
    pub is_head: bool,
    /// Status code of the current response once a status line went out (for the request log).
    pub status: Option<u16>,
    /// Dropped once the current response has been flushed (`drop_deferred`): see `defer_drop`.
    deferred: Option<Box<dyn std::any::Any + Send>>,
}

impl ResponseWriter {
    pub fn new(out: Sink) -> Self {
        Self::with_out(Some(out), Vec::with_capacity(8 * 1024))
    }

    fn with_out(out: Option<Sink>, buf: Vec<u8>) -> Self {
        ResponseWriter {
            out,
            buf,
            status_written: false,
            headers_ended: false,
            written_headers: Vec::new(),
            content_written: false,
            has_content_length: false,
            close_connection: false,
            bytes_written: 0,
            is_head: false,
            status: None,
            deferred: None,
        }
    }

    /// Keep `value` until the current response has left (`drop_deferred`, called by the connection
    /// after its flush), so expensive teardown (a plugin instance's memory slot reset) happens
    /// while the client reads the response rather than before it is sent.
    pub fn defer_drop(&mut self, value: Box<dyn std::any::Any + Send>) {
        self.deferred = Some(value);
    }

    /// Drop what `defer_drop` kept.
    pub fn drop_deferred(&mut self) {
        self.deferred = None;
    }

    /// A writer with no socket (for unit tests and benchmarks); output accumulates in `buffered()`.
    pub fn detached() -> Self {
        // No buffer up front: plugin calls swap a detached writer in and out on every request.
        Self::with_out(None, Vec::new())
    }

    /// Prepare for the next response on the same connection.
    pub fn reset_for_next_response(&mut self, is_head: bool) {
        self.status_written = false;
        self.headers_ended = false;
        self.written_headers.clear();
        self.content_written = false;
        self.has_content_length = false;
        self.close_connection = false;
        self.bytes_written = 0;
        self.is_head = is_head;
        self.status = None;
    }

    pub fn status_written(&self) -> bool {
        self.status_written
    }

    pub fn headers_ended(&self) -> bool {
        self.headers_ended
    }

    /// Bytes not yet flushed (detached writers keep everything here).
    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }

    async fn push(&mut self, data: &[u8]) -> io::Result<()> {
        self.push_parts(&[data]).await
    }

    async fn push_parts(&mut self, parts: &[&[u8]]) -> io::Result<()> {
        self.content_written = true;
        for part in parts {
            self.bytes_written += part.len() as u64;
            if self.out.is_some() && self.buf.len() + part.len() >= FLUSH_THRESHOLD {
                // A big piece (a file chunk) goes to the socket from where it is instead of being
                // copied into the buffer first; only what fills the buffer up is copied, so a
                // small header block still leaves in the same write as the first body bytes.
                let fill = FLUSH_THRESHOLD
                    .saturating_sub(self.buf.len())
                    .min(part.len());
                self.buf.extend_from_slice(&part[..fill]);
                self.write_buffered().await?;
                if let Some(out) = self.out.as_mut() {
                    out.write_all(&part[fill..]).await?;
                }
            } else {
                self.buf.extend_from_slice(part);
            }
        }
        if self.buf.len() >= FLUSH_THRESHOLD {
            self.flush().await?;
        }
        Ok(())
    }

    async fn write_buffered(&mut self) -> io::Result<()> {
        if let Some(out) = self.out.as_mut() {
            if !self.buf.is_empty() {
                out.write_all(&self.buf).await?;
                self.buf.clear();
            }
        }
        Ok(())
    }

    /// Send everything buffered to the socket.
    pub async fn flush(&mut self) -> io::Result<()> {
        self.write_buffered().await?;
        if let Some(out) = self.out.as_mut() {
            out.flush().await?;
        }
        Ok(())
    }

    /// `HTTP/1.1 <code> <reason>\r\n`; `reason` `None` takes the table's phrase.
    pub async fn write_status(&mut self, code: u16, reason: Option<&[u8]>) -> io::Result<()> {
        let reason = reason.unwrap_or_else(|| reason_phrase(code).as_bytes());
        let mut digits = [0u8; 6];
        let code_text = decimal(u64::from(code), &mut digits);
        self.status_written = true;
        self.status = Some(code);
        self.push_parts(&[b"HTTP/1.1 ", code_text, b" ", reason, b"\r\n"])
            .await
    }

    /// `name: value\r\n`, bytes verbatim; a `200 OK` status line goes first if none was written.
    pub async fn write_header(&mut self, name: &[u8], value: &[u8]) -> io::Result<()> {
        if !self.status_written {
            self.write_status(200, None).await?;
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            self.has_content_length = true;
        }
        self.written_headers
            .extend(name.iter().map(u8::to_ascii_lowercase));
        self.written_headers.push(b'\n');
        self.push_parts(&[name, b": ", value, b"\r\n"]).await
    }

    pub fn header_written(&self, lower_name: &[u8]) -> bool {
        self.written_headers
            .split(|&b| b == b'\n')
            .any(|n| n == lower_name)
    }

    /// End the header block. With `add_required_headers`, Server and Date are added unless already
    /// written, and `Content-Length: content_length` when given and not already written (F-RS-4).
    /// No Content-Length at all means the connection closes after the body (F-H1-3).
    pub async fn end_headers(
        &mut self,
        add_required_headers: bool,
        content_length: Option<u64>,
    ) -> io::Result<()> {
        if !self.status_written {
            self.write_status(200, None).await?;
        }
        if add_required_headers {
            if !self.header_written(b"server") {
                self.write_header(b"Server", SERVER_HEADER.as_bytes())
                    .await?;
            }
            if !self.header_written(b"date") {
                let date = http_date_now();
                self.write_header(b"Date", &date).await?;
            }
            if let Some(len) = content_length {
                if !self.has_content_length {
                    let mut digits = [0u8; 20];
                    let text = decimal(len, &mut digits);
                    self.write_header(b"Content-Length", text).await?;
                }
            }
        }
        self.headers_ended = true;
        if !self.has_content_length {
            self.close_connection = true;
        }
        self.push(b"\r\n").await
    }

    /// wptserve's `write_content`: a status line and header block are completed first if needed (then
    /// Content-Length is this data's length); the data is dropped for HEAD.
    pub async fn write_content(&mut self, data: &[u8]) -> io::Result<()> {
        if !self.headers_ended {
            self.end_headers(true, Some(data.len() as u64)).await?;
        }
        if self.is_head {
            return Ok(());
        }
        self.push(data).await
    }

    /// Bytes exactly as given: no status line, no headers (raw HTTP, `.asis`).
    pub async fn write_raw(&mut self, data: &[u8]) -> io::Result<()> {
        if self.status.is_none() && !self.content_written {
            // For the request log only: the code of a raw `HTTP/1.x NNN` status line.
            self.status = data
                .strip_prefix(b"HTTP/")
                .and_then(|rest| rest.splitn(3, |&b| b == b' ').nth(1))
                .and_then(|code| std::str::from_utf8(code).ok()?.parse().ok());
        }
        self.push(data).await
    }

    /// Body bytes after the header block, ignoring HEAD (used by `send_body_for_head_request`).
    pub async fn write_body_bytes(&mut self, data: &[u8]) -> io::Result<()> {
        self.push(data).await
    }

    /// `len` body bytes from `file` (from its start), after what is buffered, without copying them
    /// through user space (`Sink::send_file`); how many went out. `None` when this writer cannot
    /// (TLS, no socket): the caller writes the bytes itself.
    pub async fn send_file(&mut self, file: &std::fs::File, len: u64) -> Option<io::Result<u64>> {
        let out = self.out.as_ref().filter(|out| out.can_send_file())?;
        // Corked until the file is out, the head and the file's pages leave in full segments (as
        // nginx's `tcp_nopush`). With TCP_NODELAY alone `sendfile` pushed far smaller ones and the
        // client paid per segment: 1,900–2,100 req/s against 3,300 corked for a 1 MiB file over
        // keep-alive, wrk using a whole core either way. Uncorked after, also after an error, so
        // the next response on the connection is not held back.
        out.cork(true);
        let sent = match (self.flush().await, self.out.as_mut()) {
            (Ok(()), Some(out)) => out.send_file(file, len).await,
            (Ok(()), None) => Err(io::ErrorKind::BrokenPipe.into()),
            (Err(e), _) => Err(e),
        };
        if let Some(out) = self.out.as_ref() {
            out.cork(false);
        }
        if let Ok(n) = &sent {
            self.content_written = true;
            self.bytes_written += n;
        }
        Some(sent)
    }

    /// Close the write side of the socket after flushing.
    pub async fn shutdown(&mut self) -> io::Result<()> {
        self.flush().await?;
        if let Some(out) = self.out.as_mut() {
            out.shutdown().await?;
        }
        Ok(())
    }
}

/// `n` in decimal, written into `buf` (20 bytes hold any u64).
fn decimal(mut n: u64, buf: &mut [u8]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

/// The current time as an HTTP date (always 29 bytes), formatted at most once per second per thread.
fn http_date_now() -> [u8; 29] {
    use std::cell::Cell;
    use std::time::{SystemTime, UNIX_EPOCH};
    thread_local! {
        static CACHE: Cell<(u64, [u8; 29])> = const { Cell::new((u64::MAX, [0; 29])) };
    }
    let now = SystemTime::now();
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    CACHE.with(|c| {
        let (cached_secs, cached) = c.get();
        if cached_secs == secs {
            return cached;
        }
        let mut out = [b' '; 29];
        let text = httpdate::fmt_http_date(now);
        let n = text.len().min(29);
        out[..n].copy_from_slice(&text.as_bytes()[..n]);
        c.set((secs, out));
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn status_headers_and_required_headers_f_rs_4() {
        let mut w = ResponseWriter::detached();
        w.write_status(418, None).await.unwrap();
        w.write_header(b"X-A", b"1").await.unwrap();
        w.end_headers(true, Some(12345)).await.unwrap();
        let out = String::from_utf8(w.buffered().to_vec()).unwrap();
        assert!(
            out.starts_with("HTTP/1.1 418 \r\nX-A: 1\r\nServer: "),
            "{out}"
        );
        assert!(out.ends_with("\r\nContent-Length: 12345\r\n\r\n"), "{out}");
        assert!(w.header_written(b"date") && w.header_written(b"x-a") && !w.header_written(b"x"));
        assert_eq!(decimal(0, &mut [0u8; 20]), b"0");
        assert_eq!(decimal(u64::MAX, &mut [0u8; 20]), b"18446744073709551615");
    }
}
