//! Send a case's raw requests over a fresh TCP connection and cut what comes back into responses.

use super::cases::{Case, WriteMode};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// After the last expected response, how long silence means "kept alive".
const KEEP_ALIVE_PROBE: Duration = Duration::from_millis(300);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status_line: Vec<u8>,
    /// In order, names as sent.
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn status(&self) -> Option<u16> {
        let text = std::str::from_utf8(&self.status_line).ok()?;
        text.split(' ').nth(1)?.parse().ok()
    }

    fn interim(&self) -> bool {
        self.status().is_some_and(|s| (100..200).contains(&s))
    }
}

#[derive(Debug, Clone, Default)]
pub struct Exchange {
    /// Every response, interim (1xx) ones included, in order.
    pub responses: Vec<Response>,
    /// Bytes that did not parse as a response (e.g. a bare HTML error page), or arrived unasked.
    pub unparsed: Vec<u8>,
    /// The server closed the connection (rather than keeping it open for more).
    pub closed: bool,
    /// The case's timeout ran out before the responses were complete.
    pub timed_out: bool,
}

impl Exchange {
    pub fn first_final_status(&self) -> Option<u16> {
        self.responses
            .iter()
            .find(|r| !r.interim())
            .and_then(Response::status)
    }
}

enum Parsed {
    Incomplete,
    /// A response and how many bytes it used.
    Done(Response, usize),
    /// Body runs to the end of the connection: complete once the server closes.
    UntilClose(Response),
    /// Not an HTTP response.
    Garbage,
}

fn parse_one(buf: &[u8], head_request: bool) -> Parsed {
    if buf.len() >= 5 && !buf.starts_with(b"HTTP/") {
        return Parsed::Garbage;
    }
    let Some(end) = find(buf, b"\r\n\r\n") else {
        return Parsed::Incomplete;
    };
    let head = &buf[..end];
    let mut lines = head
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let status_line = lines.next().unwrap_or_default().to_vec();
    let headers: Vec<(Vec<u8>, Vec<u8>)> = lines
        .map(|l| match l.iter().position(|b| *b == b':') {
            Some(i) => (l[..i].to_vec(), trim(&l[i + 1..]).to_vec()),
            None => (l.to_vec(), Vec::new()),
        })
        .collect();
    let mut response = Response {
        status_line,
        headers,
        body: Vec::new(),
    };
    let body_start = end + 4;
    let status = response.status().unwrap_or(0);
    if head_request || response.interim() || status == 204 || status == 304 {
        return Parsed::Done(response, body_start);
    }
    let length = response
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(b"content-length"))
        .and_then(|(_, v)| std::str::from_utf8(v).ok()?.trim().parse::<usize>().ok());
    match length {
        Some(n) if buf.len() >= body_start + n => {
            response.body = buf[body_start..body_start + n].to_vec();
            Parsed::Done(response, body_start + n)
        }
        Some(_) => Parsed::Incomplete,
        None => {
            response.body = buf[body_start..].to_vec();
            Parsed::UntilClose(response)
        }
    }
}

fn trim(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|b| *b != b' ' && *b != b'\t')
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| *b != b' ' && *b != b'\t')
        .map_or(start, |i| i + 1);
    &v[start..end.max(start)]
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

struct Reader {
    stream: TcpStream,
    buf: Vec<u8>,
    closed: bool,
    deadline: Instant,
}

impl Reader {
    /// Read more bytes; false on EOF, error or deadline.
    fn fill(&mut self, until: Instant) -> bool {
        let now = Instant::now();
        let limit = until.min(self.deadline);
        if now >= limit || self.closed {
            return false;
        }
        let _ = self.stream.set_read_timeout(Some(limit - now));
        let mut chunk = [0u8; 65536];
        match self.stream.read(&mut chunk) {
            Ok(0) => {
                self.closed = true;
                false
            }
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => false,
            Err(_) => {
                // Reset by peer counts as closed.
                self.closed = true;
                false
            }
        }
    }

    /// Read one final response (with any interim ones before it) into `ex`. False when the
    /// connection ended or the time ran out first.
    fn read_response(&mut self, head_request: bool, ex: &mut Exchange) -> bool {
        loop {
            match parse_one(&self.buf, head_request) {
                Parsed::Done(response, used) => {
                    self.buf.drain(..used);
                    let interim = response.interim();
                    ex.responses.push(response);
                    if !interim {
                        return true;
                    }
                }
                Parsed::UntilClose(_) | Parsed::Incomplete | Parsed::Garbage => {
                    if !self.fill(self.deadline) {
                        if !self.closed {
                            ex.timed_out = true;
                        }
                        self.finish(head_request, ex);
                        return false;
                    }
                }
            }
        }
    }

    /// The connection ended: whatever is left is a close-delimited response or garbage.
    fn finish(&mut self, head_request: bool, ex: &mut Exchange) {
        match parse_one(&self.buf, head_request) {
            Parsed::UntilClose(response) if self.closed => {
                ex.responses.push(response);
                self.buf.clear();
            }
            Parsed::Done(response, used) => {
                self.buf.drain(..used);
                ex.responses.push(response);
                ex.unparsed.append(&mut self.buf);
            }
            _ => ex.unparsed.append(&mut self.buf),
        }
    }
}

/// Run `case` against the server on `port`.
pub fn exchange(case: &Case, port: u16) -> Result<Exchange, String> {
    let stream = TcpStream::connect(("127.0.0.1", port))
        .map_err(|e| format!("connecting to 127.0.0.1:{port}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let deadline = Instant::now() + Duration::from_millis(case.timeout_ms);
    let mut reader = Reader {
        stream,
        buf: Vec::new(),
        closed: false,
        deadline,
    };
    let mut ex = Exchange::default();
    let requests: Vec<(Vec<u8>, bool)> = case
        .requests
        .iter()
        .map(|r| (r.render(port), r.method() == b"HEAD"))
        .collect();
    let write = |stream: &mut TcpStream, bytes: &[u8]| {
        // A server that already closed may reset the connection; what it sent still counts.
        let _ = stream.write_all(bytes);
        let _ = stream.flush();
    };
    let mut complete = true;
    match case.write {
        WriteMode::Pipelined => {
            let all: Vec<u8> = requests.iter().flat_map(|(b, _)| b.clone()).collect();
            write(&mut reader.stream, &all);
            for (_, head) in &requests {
                if !reader.read_response(*head, &mut ex) {
                    complete = false;
                    break;
                }
            }
        }
        WriteMode::Sequential => {
            for (bytes, head) in &requests {
                if reader.closed {
                    complete = false;
                    break;
                }
                write(&mut reader.stream, bytes);
                if !reader.read_response(*head, &mut ex) {
                    complete = false;
                    break;
                }
            }
        }
    }
    if complete {
        // Every response arrived: does the server close, keep the connection, or send more?
        let probe_until = Instant::now() + KEEP_ALIVE_PROBE;
        while reader.fill(probe_until) {}
        ex.unparsed.append(&mut reader.buf);
    }
    ex.closed = reader.closed;
    let _ = reader.stream.shutdown(Shutdown::Both);
    Ok(ex)
}
