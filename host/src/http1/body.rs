//! Request body framing: Content-Length, and chunked transfer-coding decoded (a deliberate
//! improvement over wptserve, F-H1-7). Bodies are read whole before the handler runs, which also
//! covers body draining (F-H1-8).

use crate::config::ServerSettings;
use crate::http1::connection::Input;
use tokio::io::AsyncRead;

/// Longest chunk-size line or trailer line accepted.
const MAX_CHUNK_LINE: usize = 4096;
/// Most trailer bytes accepted after the last chunk.
const MAX_TRAILERS: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    None,
    Length(u64),
    Chunked,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BodyError {
    #[error("invalid Content-Length")]
    BadLength,
    #[error("unsupported Transfer-Encoding (chunked must be the final coding)")]
    BadTransferEncoding,
    #[error("malformed chunked body")]
    BadChunk,
    #[error("request body larger than the server accepts")]
    TooLarge,
    /// The client closed or stalled mid-body: nothing can be answered.
    #[error("connection lost while reading the body")]
    Io,
    /// The body kept arriving, but not all of it within `request_body_timeout` (408).
    #[error("request body not received in time")]
    TimedOut,
}

/// The framing a request head declares. Transfer-Encoding wins over Content-Length.
pub fn framing(headers: &[(Vec<u8>, Vec<u8>)]) -> Result<Framing, BodyError> {
    let mut last_coding: Option<Vec<u8>> = None;
    let mut length: Option<u64> = None;
    for (name, value) in headers {
        if name.eq_ignore_ascii_case(b"transfer-encoding") {
            for coding in value.split(|&b| b == b',') {
                let coding = coding.trim_ascii();
                if !coding.is_empty() {
                    last_coding = Some(coding.to_ascii_lowercase());
                }
            }
        } else if name.eq_ignore_ascii_case(b"content-length") {
            for part in value.split(|&b| b == b',') {
                let n = parse_decimal(part.trim_ascii()).ok_or(BodyError::BadLength)?;
                if length.is_some_and(|l| l != n) {
                    return Err(BodyError::BadLength);
                }
                length = Some(n);
            }
        }
    }
    match last_coding {
        Some(c) if c == b"chunked" => Ok(Framing::Chunked),
        Some(_) => Err(BodyError::BadTransferEncoding),
        None => Ok(match length {
            Some(0) | None => Framing::None,
            Some(n) => Framing::Length(n),
        }),
    }
}

fn parse_decimal(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 19 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// Bounds on reading one body: each read may stall at most the idle timeout, and the whole body
/// must be in by `whole` (a client trickling one byte per read would otherwise hold the
/// connection and its buffer for as long as it likes).
struct Deadlines<'a> {
    settings: &'a ServerSettings,
    whole: tokio::time::Instant,
}

/// Read the whole body within `settings.request_body_timeout`.
pub(crate) async fn read_body<S: AsyncRead + Unpin>(
    input: &mut Input<S>,
    framing: Framing,
    settings: &ServerSettings,
) -> Result<Vec<u8>, BodyError> {
    let settings = &Deadlines {
        settings,
        whole: tokio::time::Instant::now() + settings.request_body_timeout,
    };
    match framing {
        Framing::None => Ok(Vec::new()),
        Framing::Length(n) => {
            let n = n as usize;
            while input.buf.len() < n {
                fill(input, settings).await?;
            }
            let body = input.buf[..n].to_vec();
            input.buf.drain(..n);
            Ok(body)
        }
        Framing::Chunked => read_chunked(input, settings.settings.max_body_bytes, settings).await,
    }
}

async fn fill<S: AsyncRead + Unpin>(
    input: &mut Input<S>,
    deadlines: &Deadlines<'_>,
) -> Result<(), BodyError> {
    let idle = tokio::time::Instant::now() + deadlines.settings.idle_timeout;
    let deadline = idle.min(deadlines.whole);
    match input.fill(deadline).await {
        Ok(0) => Err(BodyError::Io),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::TimedOut && deadline == deadlines.whole => {
            Err(BodyError::TimedOut)
        }
        Err(_) => Err(BodyError::Io),
    }
}

/// One line (without its CRLF/LF) from the front of the buffer, consuming it.
async fn read_line<S: AsyncRead + Unpin>(
    input: &mut Input<S>,
    settings: &Deadlines<'_>,
) -> Result<Vec<u8>, BodyError> {
    let mut scanned = 0;
    loop {
        if let Some(off) = input.buf[scanned..].iter().position(|&b| b == b'\n') {
            let nl = scanned + off;
            let mut line = input.buf[..nl].to_vec();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            input.buf.drain(..=nl);
            return Ok(line);
        }
        scanned = input.buf.len();
        if scanned > MAX_CHUNK_LINE {
            return Err(BodyError::BadChunk);
        }
        fill(input, settings).await?;
    }
}

async fn read_chunked<S: AsyncRead + Unpin>(
    input: &mut Input<S>,
    max: usize,
    settings: &Deadlines<'_>,
) -> Result<Vec<u8>, BodyError> {
    let mut body = Vec::new();
    loop {
        let line = read_line(input, settings).await?;
        // Chunk extensions (`;name=value`) are allowed and ignored.
        let size_text = line
            .split(|&b| b == b';')
            .next()
            .unwrap_or(&[])
            .trim_ascii();
        if size_text.is_empty() || size_text.len() > 15 {
            return Err(BodyError::BadChunk);
        }
        let size = std::str::from_utf8(size_text)
            .ok()
            .and_then(|s| usize::from_str_radix(s, 16).ok())
            .ok_or(BodyError::BadChunk)?;
        if size == 0 {
            let mut trailer_bytes = 0;
            loop {
                let trailer = read_line(input, settings).await?;
                if trailer.is_empty() {
                    return Ok(body);
                }
                trailer_bytes += trailer.len();
                if trailer_bytes > MAX_TRAILERS {
                    return Err(BodyError::BadChunk);
                }
            }
        }
        if body.len() + size > max {
            return Err(BodyError::TooLarge);
        }
        while input.buf.len() < size {
            fill(input, settings).await?;
        }
        body.extend_from_slice(&input.buf[..size]);
        input.buf.drain(..size);
        let end = read_line(input, settings).await?;
        if !end.is_empty() {
            return Err(BodyError::BadChunk);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(Vec<u8>, Vec<u8>)> {
        pairs
            .iter()
            .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn framing_rules() {
        assert_eq!(framing(&h(&[])), Ok(Framing::None));
        assert_eq!(
            framing(&h(&[("Content-Length", "5")])),
            Ok(Framing::Length(5))
        );
        assert_eq!(
            framing(&h(&[("content-length", "5, 5")])),
            Ok(Framing::Length(5))
        );
        assert_eq!(
            framing(&h(&[("Content-Length", "5"), ("Content-Length", "6")])),
            Err(BodyError::BadLength)
        );
        assert_eq!(
            framing(&h(&[("Content-Length", "-1")])),
            Err(BodyError::BadLength)
        );
        assert_eq!(
            framing(&h(&[
                ("Transfer-Encoding", "gzip, Chunked"),
                ("Content-Length", "3")
            ])),
            Ok(Framing::Chunked)
        );
        assert_eq!(
            framing(&h(&[("Transfer-Encoding", "chunked, gzip")])),
            Err(BodyError::BadTransferEncoding)
        );
    }

    async fn decode(wire: &[u8], max: usize) -> (Result<Vec<u8>, BodyError>, Vec<u8>) {
        use tokio::io::AsyncWriteExt;
        let (mut client, server) = tokio::io::duplex(64 * 1024);
        client.write_all(wire).await.unwrap();
        drop(client);
        let (rd, _wr) = tokio::io::split(server);
        let mut input = Input::new(rd);
        let settings = ServerSettings {
            max_body_bytes: max,
            ..ServerSettings::default()
        };
        let body = read_body(&mut input, Framing::Chunked, &settings).await;
        (body, input.buf)
    }

    #[tokio::test]
    async fn chunked_bodies_are_decoded() {
        let (body, rest) = decode(
            b"3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nT: 1\r\n\r\nNEXT",
            100,
        )
        .await;
        assert_eq!(body.unwrap(), b"abc0123456789abcdef");
        assert_eq!(rest, b"NEXT");
        let (body, _) = decode(b"3\nabc\n0\n\n", 100).await;
        assert_eq!(body.unwrap(), b"abc");
        assert_eq!(
            decode(b"3\r\nabcd\r\n0\r\n\r\n", 100).await.0,
            Err(BodyError::BadChunk)
        );
        assert_eq!(decode(b"g\r\n", 100).await.0, Err(BodyError::BadChunk));
        assert_eq!(
            decode(b"5\r\nabcde\r\n0\r\n\r\n", 4).await.0,
            Err(BodyError::TooLarge)
        );
        assert_eq!(decode(b"5\r\nab", 100).await.0, Err(BodyError::Io));
    }
}
