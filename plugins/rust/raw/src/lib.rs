//! Raw bytes on the wire through `write-raw`: no status line, no headers, nothing added. For tests of
//! clients against malformed or unusual HTTP.
//!
//! `?data=<percent-encoded bytes>` writes exactly those bytes; otherwise `?kind=` picks a canned reply:
//! `invalid` (`INVALID HTTP`, wptserve's test_write_raw_contents_invalid_http), `lf` (the LF-only reply
//! of test_write_raw_content: `HTTP/1.1 202 Giraffe\nX-TEST: PASS\nContent-Length: 7\n\nContent`),
//! `no-reason` (`HTTP/1.1 200\r\n...`), `http10` (an HTTP/1.0 reply without framing).

use wpthost_plugin_sdk::{export_handler, Error, Request, Response};

fn canned(kind: &[u8]) -> Result<&'static [u8], Error> {
    Ok(match kind {
        b"invalid" => b"INVALID HTTP",
        b"lf" => b"HTTP/1.1 202 Giraffe\nX-TEST: PASS\nContent-Length: 7\n\nContent",
        b"no-reason" => b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nOK",
        b"http10" => b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nunframed body",
        _ => return Err(Error::http(400, "unknown kind")),
    })
}

fn handle(req: &Request, resp: &mut Response) -> Result<(), Error> {
    let q = req.query();
    let data = match q.first(b"data") {
        Some(data) => data,
        None => canned(q.first(b"kind").unwrap_or(b"invalid"))?,
    };
    let w = resp.writer();
    w.write_raw(data)?;
    // The reply has no reliable framing: never reuse the connection after it.
    w.close_connection();
    Ok(())
}

export_handler!(handle);
