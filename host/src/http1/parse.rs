//! Request heads: finding where a head ends (with the line limits of F-H1-11) and parsing it.
//!
//! Well-formed heads go through httparse. Anything httparse refuses is re-parsed with Python's
//! `BaseHTTPRequestHandler.parse_request` rules, so a malformed request gets the same verdict as in
//! wptserve (400 or 505), but always as a real status line (a documented difference from wptserve).

/// Longest request line or header line accepted, counting its line ending (wptserve reads lines
/// with `readline(65537)` and refuses any longer than 65536 bytes).
pub const MAX_LINE: usize = 65536;
/// Most lines after the request line, the blank one included (wptserve raises the stdlib limit
/// from 100 to 512), so 511 header lines are the most accepted.
pub const MAX_HEADERS: usize = 512;
/// Upper bound for a whole head. Python has none besides 512 lines of 64 KiB each; 32 MiB per
/// connection is too generous for a server on the public internet.
pub const MAX_HEAD_BYTES: usize = 1024 * 1024;

/// Why a head was refused: the status to answer with, then the connection closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadError {
    pub status: u16,
    pub message: String,
}

impl HeadError {
    fn new(status: u16, message: impl Into<String>) -> Self {
        HeadError {
            status,
            message: message.into(),
        }
    }
}

/// Incremental search for the end of a head in a growing buffer.
#[derive(Debug, Default)]
pub struct HeadScanner {
    /// Where scanning resumes (everything before has been looked at).
    pos: usize,
    /// Start of the line being scanned.
    line_start: usize,
    /// Start of the request line (leading empty lines are skipped, RFC 9112 §2.2).
    head_start: usize,
    seen_request_line: bool,
    header_lines: usize,
}

/// Result of scanning: the head occupies `buf[start..end]` (`end` is just past the blank line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadSpan {
    pub start: usize,
    pub end: usize,
}

impl HeadScanner {
    pub fn new() -> Self {
        Self::default()
    }

    /// True once any byte of a request (not just blank lines) has been seen.
    pub fn started(&self, buf: &[u8]) -> bool {
        self.seen_request_line || buf.len() > self.line_start
    }

    /// Scan newly arrived bytes. `Ok(None)`: need more input.
    pub fn scan(&mut self, buf: &[u8]) -> Result<Option<HeadSpan>, HeadError> {
        while let Some(off) = buf[self.pos..].iter().position(|&b| b == b'\n') {
            let nl = self.pos + off;
            self.pos = nl + 1;
            let mut line = &buf[self.line_start..nl];
            if let Some(stripped) = line.strip_suffix(b"\r") {
                line = stripped;
            }
            let line_len = line.len();
            let raw_len = nl + 1 - self.line_start;
            let line_start = self.line_start;
            self.line_start = nl + 1;
            if !self.seen_request_line {
                if line_len == 0 {
                    // Blank lines before a request line are ignored.
                    self.head_start = self.line_start;
                    continue;
                }
                if raw_len > MAX_LINE {
                    return Err(HeadError::new(414, ""));
                }
                self.head_start = line_start;
                self.seen_request_line = true;
                continue;
            }
            if raw_len > MAX_LINE {
                return Err(HeadError::new(431, "Line too long"));
            }
            // Python's `http.client` counts the blank line that ends the head as well, so at most
            // 511 header lines get through.
            self.header_lines += 1;
            if self.header_lines > MAX_HEADERS {
                return Err(HeadError::new(431, "Too many headers"));
            }
            if line_len == 0 {
                return Ok(Some(HeadSpan {
                    start: self.head_start,
                    end: nl + 1,
                }));
            }
            if nl + 1 - self.head_start > MAX_HEAD_BYTES {
                return Err(HeadError::new(431, "Request header fields too large"));
            }
        }
        self.pos = buf.len();
        // A line that is already too long is refused without waiting for its end.
        let partial = buf.len() - self.line_start;
        if partial > MAX_LINE {
            return Err(if self.seen_request_line {
                HeadError::new(431, "Line too long")
            } else {
                HeadError::new(414, "")
            });
        }
        if self.seen_request_line && buf.len() - self.head_start > MAX_HEAD_BYTES {
            return Err(HeadError::new(431, "Request header fields too large"));
        }
        Ok(None)
    }
}

/// A parsed request head; strings are decoded from the raw bytes (UTF-8, else Latin-1 as Python).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub method: String,
    pub target: String,
    pub version_major: u8,
    pub version_minor: u8,
    /// The raw request line including its line ending.
    pub request_line: Vec<u8>,
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Head {
    /// Version at least 1.1 (persistent connections by default).
    pub fn is_http11(&self) -> bool {
        (self.version_major, self.version_minor) >= (1, 1)
    }
}

/// Parse a complete head (`buf` = request line through the blank line).
pub fn parse_head(buf: &[u8]) -> Result<Head, HeadError> {
    if let Some(head) = parse_fast(buf) {
        return Ok(head);
    }
    parse_lenient(buf)
}

/// httparse path for the common, well-formed case.
fn parse_fast(buf: &[u8]) -> Option<Head> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    let mut config = httparse::ParserConfig::default();
    config.ignore_invalid_headers_in_requests(true);
    match config.parse_request(&mut req, buf) {
        Ok(httparse::Status::Complete(_)) => {}
        // Too many headers for the stack array, obs-folds, odd request lines: take the slow path.
        _ => return None,
    }
    let method = req.method?;
    let path = req.path?;
    let version = req.version?;
    let line_end = buf.iter().position(|&b| b == b'\n')? + 1;
    let mut out = Vec::with_capacity(req.headers.len());
    for h in req.headers.iter() {
        out.push((h.name.as_bytes().to_vec(), raw_value(buf, h.value).to_vec()));
    }
    let target = normalise_target(path.to_owned());
    Some(Head {
        method: method.to_owned(),
        target,
        version_major: 1,
        version_minor: version,
        request_line: buf[..line_end].to_vec(),
        headers: out,
    })
}

/// httparse trims trailing whitespace from values; Python keeps it. Recover the raw value from the
/// buffer it points into (up to the line's CR/LF).
fn raw_value<'a>(buf: &'a [u8], value: &'a [u8]) -> &'a [u8] {
    let base = buf.as_ptr() as usize;
    let start = (value.as_ptr() as usize).wrapping_sub(base);
    if value.is_empty() || start >= buf.len() {
        return value;
    }
    let rest = &buf[start..];
    let end = rest
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(rest.len());
    &rest[..end]
}

/// Python 3.11+ reduces a target starting with `//` to a single leading slash (gh-87389).
fn normalise_target(target: String) -> String {
    if target.starts_with("//") {
        format!("/{}", target.trim_start_matches('/'))
    } else {
        target
    }
}

fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

fn split_lines(buf: &[u8]) -> impl Iterator<Item = &[u8]> {
    buf.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
}

/// Python's `parse_request` (3.11) verdicts, then header lines the way `http.client` reads them, except
/// that a line without a colon is skipped alone (Python's email parser would drop every later header).
fn parse_lenient(buf: &[u8]) -> Result<Head, HeadError> {
    let line_end = buf
        .iter()
        .position(|&b| b == b'\n')
        .map(|p| p + 1)
        .unwrap_or(buf.len());
    let raw_line = &buf[..line_end];
    let line = raw_line
        .strip_suffix(b"\n")
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .unwrap_or(raw_line);
    let words: Vec<&[u8]> = line
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let show = decode(line);
    let (major, minor) = match words.len() {
        0 => return Err(HeadError::new(400, "Bad request syntax")),
        1 | 2 => {
            // One word, or an HTTP/0.9 `GET /x`: no version to speak of.
            return Err(HeadError::new(
                400,
                format!("Bad request syntax ('{show}')"),
            ));
        }
        _ => parse_version(words[words.len() - 1])?,
    };
    if (major, minor) >= (2, 0) {
        return Err(HeadError::new(
            505,
            format!("Invalid HTTP version ({major}.{minor})"),
        ));
    }
    if words.len() != 3 {
        return Err(HeadError::new(
            400,
            format!("Bad request syntax ('{show}')"),
        ));
    }
    let mut headers: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for l in split_lines(&buf[line_end..]) {
        if l.is_empty() {
            break;
        }
        if l[0] == b' ' || l[0] == b'\t' {
            // obs-fold: continues the previous value.
            if let Some(last) = headers.last_mut() {
                last.1.extend_from_slice(l);
            }
            continue;
        }
        let Some(colon) = l.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = &l[..colon];
        if name.is_empty() || name.iter().any(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let value = &l[colon + 1..];
        let skip = value
            .iter()
            .position(|&b| b != b' ' && b != b'\t')
            .unwrap_or(value.len());
        headers.push((name.to_vec(), value[skip..].to_vec()));
    }
    // An HTTP/0.x request line is served like HTTP/1.0 (it closes afterwards).
    let minor = if major == 0 { 0 } else { minor.min(255) as u8 };
    Ok(Head {
        method: decode(words[0]),
        target: normalise_target(decode(words[1])),
        version_major: major.min(1) as u8,
        version_minor: minor,
        request_line: raw_line.to_vec(),
        headers,
    })
}

/// `HTTP/<digits>.<digits>` (each at most 10 digits, as Python checks), else 400.
fn parse_version(word: &[u8]) -> Result<(u64, u64), HeadError> {
    let bad = || HeadError::new(400, format!("Bad request version ('{}')", decode(word)));
    let rest = word.strip_prefix(b"HTTP/").ok_or_else(bad)?;
    let text = std::str::from_utf8(rest).map_err(|_| bad())?;
    let (a, b) = text.split_once('.').ok_or_else(bad)?;
    let num = |s: &str| -> Option<u64> {
        if s.is_empty() || s.len() > 10 || !s.bytes().all(|c| c.is_ascii_digit()) {
            None
        } else {
            s.parse().ok()
        }
    };
    match (num(a), num(b)) {
        (Some(x), Some(y)) => Ok((x, y)),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(s: &str) -> Result<Head, HeadError> {
        let mut sc = HeadScanner::new();
        let span = sc.scan(s.as_bytes())?.expect("complete head");
        parse_head(&s.as_bytes()[span.start..span.end])
    }

    #[test]
    fn well_formed_keeps_raw_bytes() {
        let h = head("GET /a?b HTTP/1.1\r\nHost: x\r\nX-Dup: 1\r\nx-dup: 2  \r\n\r\n").unwrap();
        assert_eq!(h.method, "GET");
        assert_eq!(h.target, "/a?b");
        assert_eq!(h.version_minor, 1);
        assert_eq!(h.request_line, b"GET /a?b HTTP/1.1\r\n");
        assert_eq!(h.headers[1], (b"X-Dup".to_vec(), b"1".to_vec()));
        assert_eq!(h.headers[2], (b"x-dup".to_vec(), b"2  ".to_vec()));
    }

    #[test]
    fn colonless_header_line_is_ignored_f_h1_11() {
        let h = head("GET / HTTP/1.1\r\nA: 1\r\nnocolon\r\nB: 2\r\n\r\n").unwrap();
        let names: Vec<_> = h.headers.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(names, vec![b"A".to_vec(), b"B".to_vec()]);
    }

    #[test]
    fn malformed_lines_f_h1_10() {
        assert_eq!(head("GARBAGE\r\n\r\n").unwrap_err().status, 400);
        assert_eq!(head("GET /x\r\n\r\n").unwrap_err().status, 400);
        assert_eq!(head("GET / x HTTP/1.1\r\n\r\n").unwrap_err().status, 400);
        assert_eq!(head("GET / FOO/1.1\r\n\r\n").unwrap_err().status, 400);
        assert_eq!(head("GET / HTTP/2.0\r\n\r\n").unwrap_err().status, 505);
        let h = head("get  /x   HTTP/1.0\r\n\r\n").unwrap();
        assert_eq!(
            (h.method.as_str(), h.target.as_str(), h.version_minor),
            ("get", "/x", 0)
        );
    }

    #[test]
    fn limits_f_h1_11() {
        // The limit counts the CRLF: 65536 bytes in all pass, 65537 do not.
        let fill = MAX_LINE - "GET / HTTP/1.1\r\n".len();
        let edge = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(fill));
        assert!(HeadScanner::new().scan(edge.as_bytes()).unwrap().is_some());
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(fill + 1));
        assert_eq!(
            HeadScanner::new().scan(long.as_bytes()).unwrap_err().status,
            414
        );
        // Refused before the line ends.
        let partial = format!("GET /{}", "a".repeat(MAX_LINE));
        assert_eq!(
            HeadScanner::new()
                .scan(partial.as_bytes())
                .unwrap_err()
                .status,
            414
        );
        let header = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "v".repeat(MAX_LINE - 4));
        assert_eq!(
            HeadScanner::new()
                .scan(header.as_bytes())
                .unwrap_err()
                .status,
            431
        );
        let header = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "v".repeat(MAX_LINE - 5));
        assert!(HeadScanner::new()
            .scan(header.as_bytes())
            .unwrap()
            .is_some());
        // 512 header lines plus the blank line are one too many, as in Python.
        let many: String = (0..MAX_HEADERS).map(|i| format!("H{i}: v\r\n")).collect();
        let req = format!("GET / HTTP/1.1\r\n{many}\r\n");
        assert_eq!(
            HeadScanner::new().scan(req.as_bytes()).unwrap_err().status,
            431
        );
        let ok: String = (1..MAX_HEADERS).map(|i| format!("H{i}: v\r\n")).collect();
        let req = format!("GET / HTTP/1.1\r\n{ok}\r\n");
        assert_eq!(head(&req).unwrap().headers.len(), MAX_HEADERS - 1);
    }

    #[test]
    fn leading_blank_lines_and_double_slash() {
        let h = head("\r\n\r\nGET //a//b HTTP/1.1\r\n\r\n").unwrap();
        assert_eq!(h.target, "/a//b");
    }

    /// Random heads built from HTTP-ish pieces never panic, and every verdict is a status the
    /// connection loop knows how to send.
    #[test]
    fn arbitrary_input_never_panics() {
        const PIECES: &[&[u8]] = &[
            b"GET",
            b"POST",
            b" ",
            b"  ",
            b"/",
            b"/a?b=c",
            b"http://h:1/x",
            b"HTTP/1.1",
            b"HTTP/1.0",
            b"HTTP/2.0",
            b"HTTP/",
            b"1.",
            b"\r\n",
            b"\n",
            b"\r",
            b":",
            b"Host",
            b": v ",
            b"\t",
            b"\xff\xfe",
            b"\x00",
            b"*",
            b"%",
            b"X-A: 1\r\n",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let mut input = Vec::new();
            for _ in 0..(next() % 24) {
                input.extend_from_slice(PIECES[(next() % PIECES.len() as u64) as usize]);
            }
            input.extend_from_slice(b"\r\n\r\n");
            match HeadScanner::new().scan(&input) {
                Ok(Some(span)) => match parse_head(&input[span.start..span.end]) {
                    Ok(h) => assert!(!h.method.is_empty()),
                    Err(e) => assert!([400, 505].contains(&e.status), "{e:?}"),
                },
                Ok(None) => {}
                Err(e) => assert!([414, 431].contains(&e.status)),
            }
        }
    }
}
