//! The response a handler returns (as opposed to writing directly through the writer): status, an
//! ordered header map with wptserve's `ResponseHeaders` semantics, a body, and the flags of F-RS-5.

use bytes::Bytes;
use std::path::PathBuf;
use std::time::Duration;

/// One header: display name (case of the latest `set`, or of the first `append`) and its values.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HeaderEntry {
    lower: Vec<u8>,
    name: Vec<u8>,
    values: Vec<Vec<u8>>,
}

/// wptserve's `ResponseHeaders` (F-RS-2): an ordered map keyed by lower-cased name; every value of a
/// name is emitted at the position where that name first appeared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseHeaders {
    entries: Vec<HeaderEntry>,
}

impl ResponseHeaders {
    pub fn new() -> Self {
        Self::default()
    }

    fn position(&self, name: &[u8]) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.lower.eq_ignore_ascii_case(name))
    }

    /// Replace all values of `name`, keeping its position; the display name becomes this call's.
    pub fn set(&mut self, name: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        let name = name.into();
        let value = value.into();
        match self.position(&name) {
            Some(i) => {
                let entry = &mut self.entries[i];
                entry.name = name;
                entry.values = vec![value];
            }
            None => self.entries.push(HeaderEntry {
                lower: name.to_ascii_lowercase(),
                name,
                values: vec![value],
            }),
        }
    }

    /// Add a value; an existing name keeps its display name and position.
    pub fn append(&mut self, name: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        let name = name.into();
        let value = value.into();
        match self.position(&name) {
            Some(i) => self.entries[i].values.push(value),
            None => self.entries.push(HeaderEntry {
                lower: name.to_ascii_lowercase(),
                name,
                values: vec![value],
            }),
        }
    }

    /// Insert as the very first header (the guessed Content-Type of static files, F-HD-4).
    pub fn prepend(&mut self, name: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        let name = name.into();
        self.entries.insert(
            0,
            HeaderEntry {
                lower: name.to_ascii_lowercase(),
                name,
                values: vec![value.into()],
            },
        );
    }

    pub fn remove(&mut self, name: &[u8]) {
        self.entries.retain(|e| !e.lower.eq_ignore_ascii_case(name));
    }

    pub fn contains(&self, name: &[u8]) -> bool {
        self.position(name).is_some()
    }

    /// All values of `name` (empty when absent).
    pub fn get(&self, name: &[u8]) -> &[Vec<u8>] {
        match self.position(name) {
            Some(i) => &self.entries[i].values,
            None => &[],
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// `(name, value)` per value, in output order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.entries.iter().flat_map(|e| {
            e.values
                .iter()
                .map(move |v| (e.name.as_slice(), v.as_slice()))
        })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// One step of a body that is produced over time (trickle, F-PP-5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyStep {
    Data(Bytes),
    /// Flush what was written so far, then wait.
    Delay(Duration),
}

/// What the body is, which decides framing exactly as wptserve's content types do (F-RS-3, §1.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// A `str`/`bytes` body: `Content-Length` is added with the required headers.
    Bytes(Bytes),
    /// A list/generator/file-like body held in memory: no `Content-Length`, connection closes.
    Unframed(Bytes),
    /// A file streamed from disk without `Content-Length` (static files, F-ST-2).
    File { path: PathBuf, len: u64 },
    /// Data interleaved with delays (trickle): no `Content-Length`, each step hits the socket.
    Steps(Vec<BodyStep>),
    /// Byte ranges of a file streamed from disk (F-RG-1..3), so a large `Range` never sits in
    /// memory: one range is framed by `Content-Length` (wptserve's single-range 206), several
    /// form an unframed `multipart/byteranges` body.
    FileRanges(FileRanges),
}

/// The ranges of a `Body::FileRanges`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRanges {
    pub path: PathBuf,
    /// `(offset, len)` of each range, ascending and disjoint.
    pub ranges: Vec<(u64, u64)>,
    /// `Some` for `multipart/byteranges` (each range a part); `None` for exactly one range.
    pub multipart: Option<MultipartLayout>,
}

impl FileRanges {
    /// The `Content-Length` a single range is framed with; a multipart body has none.
    pub fn content_length(&self) -> Option<u64> {
        match self.multipart {
            Some(_) => None,
            None => Some(self.ranges.iter().map(|(_, len)| len).sum()),
        }
    }
}

/// wptserve's `MultipartContent` layout (F-RG-3): `\r\n--B\r\n<part head><data>` per part, then
/// `\r\n--B--`. Part heads are produced as the body is written, so a request naming thousands
/// of ranges holds a few bytes per range, not a rendered body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartLayout {
    pub boundary: String,
    /// The part `Content-Type` (the response's last Content-Type before it became multipart).
    pub content_type: Option<Vec<u8>>,
    /// The file's size, for `Content-Range: bytes a-b/size`.
    pub file_size: u64,
}

impl MultipartLayout {
    /// Everything before the data of the part covering `offset..offset + len` (`len` > 0).
    pub fn part_head(&self, offset: u64, len: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.boundary.len() + 96);
        out.extend_from_slice(b"\r\n--");
        out.extend_from_slice(self.boundary.as_bytes());
        out.extend_from_slice(b"\r\n");
        if let Some(ct) = &self.content_type {
            out.extend_from_slice(b"Content-Type: ");
            out.extend_from_slice(ct);
            out.extend_from_slice(b"\r\n");
        }
        let last = offset + len.saturating_sub(1);
        out.extend_from_slice(
            format!(
                "Content-Range: bytes {offset}-{last}/{}\r\n\r\n",
                self.file_size
            )
            .as_bytes(),
        );
        out
    }

    /// The closing boundary (no CRLF after it, as wptserve).
    pub fn trailer(&self) -> Vec<u8> {
        format!("\r\n--{}--", self.boundary).into_bytes()
    }
}

impl Default for Body {
    /// wptserve's default `response.content` is `[]`: empty and unframed.
    fn default() -> Self {
        Body::Unframed(Bytes::new())
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Explicit reason phrase; `None` uses the table of §6.2 (empty for unknown codes).
    pub reason: Option<Vec<u8>>,
    pub headers: ResponseHeaders,
    pub body: Body,
    /// F-RS-5: when false, Server/Date/Content-Length are not added.
    pub add_required_headers: bool,
    /// F-RS-10: send the body even for HEAD.
    pub send_body_for_head: bool,
    /// Close the connection after this response.
    pub close_connection: bool,
}

impl Default for Response {
    fn default() -> Self {
        Response {
            status: 200,
            reason: None,
            headers: ResponseHeaders::new(),
            body: Body::default(),
            add_required_headers: true,
            send_body_for_head: false,
            close_connection: false,
        }
    }
}

impl Response {
    pub fn new(status: u16) -> Self {
        Response {
            status,
            ..Response::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_keeps_position_and_takes_new_case() {
        let mut h = ResponseHeaders::new();
        h.set("x-lower", "a");
        h.set("Other", "o");
        h.set("X-LOWER", "b");
        let lines: Vec<_> = h.iter().collect();
        assert_eq!(
            lines,
            vec![(&b"X-LOWER"[..], &b"b"[..]), (&b"Other"[..], &b"o"[..])]
        );
    }

    #[test]
    fn append_groups_values_under_first_position() {
        let mut h = ResponseHeaders::new();
        h.append("Double-Header", "PA");
        h.append("Other", "x");
        h.append("double-header", "SS");
        let names: Vec<_> = h.iter().map(|(n, v)| (n.to_vec(), v.to_vec())).collect();
        assert_eq!(names[0], (b"Double-Header".to_vec(), b"PA".to_vec()));
        assert_eq!(names[1], (b"Double-Header".to_vec(), b"SS".to_vec()));
        assert_eq!(names[2], (b"Other".to_vec(), b"x".to_vec()));
    }
}
