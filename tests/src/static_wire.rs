//! Helpers for the static-serving wire tests: whole responses compared byte for byte with the
//! `Date` value masked.

use crate::raw_exchange;

/// `Date: <value>` replaced by `Date: *` so whole responses compare byte for byte.
pub fn normalize(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw).into_owned();
    let mut out = String::with_capacity(text.len());
    let head_end = text.find("\r\n\r\n").map_or(text.len(), |i| i + 4);
    for line in text[..head_end].split_inclusive("\r\n") {
        if line.starts_with("Date: ") {
            out.push_str("Date: *\r\n");
        } else {
            out.push_str(line);
        }
    }
    out.push_str(&text[head_end..]);
    out
}

/// One request with `Connection: close`, everything the server sent until it closed.
pub fn exchange(port: u16, method: &str, target: &str, headers: &str) -> Vec<u8> {
    raw_exchange(
        port,
        format!(
            "{method} {target} HTTP/1.1\r\nHost: localhost:{port}\r\n{headers}Connection: close\r\n\r\n"
        )
        .as_bytes(),
    )
}

/// The expected response head lines joined with CRLF; `Server`/`Date` spelled out by the caller
/// as `{S}` and `{D}` markers.
pub fn expected(head: &[&str], body: &str) -> String {
    let mut out = String::new();
    for line in head {
        let line = line
            .replace(
                "{S}",
                &format!("Server: {}", wpthost::http1::writer::SERVER_HEADER),
            )
            .replace("{D}", "Date: *");
        out.push_str(&line);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(body);
    out
}

pub fn json_404(message: &str) -> String {
    let body = format!("{{\"error\": {{\"code\": 404, \"message\": \"{message}\"}}}}");
    expected(
        &[
            "HTTP/1.1 404 Not Found",
            "Content-Type: application/json",
            &format!("Content-Length: {}", body.len()),
            "{S}",
            "{D}",
        ],
        &body,
    )
}
