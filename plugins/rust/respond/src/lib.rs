//! A response described by the query, for tests that need a particular status or header set.
//!
//! `?status=404` (default 200), `&reason=Not+Here` (default: the standard phrase),
//! `&headers=X-A:1|X-B:2` (each `|`-separated `name:value` appended in order, so a name may repeat),
//! `&body=text` (default empty), `&content_type=text/html` (default `text/plain`). Every value is
//! percent-decoded to raw bytes, so headers may carry any byte the host allows.

use wpthost_plugin_sdk::{export_handler, Error, Request, Response};

fn handle(req: &Request, resp: &mut Response) -> Result<(), Error> {
    let q = req.query();
    let status = q.first_as::<u16>(b"status")?.unwrap_or(200);
    match q.first(b"reason") {
        Some(reason) => resp.status_with_reason(status, reason),
        None => resp.status(status),
    };
    resp.set_header(
        "Content-Type",
        q.first(b"content_type").unwrap_or(b"text/plain"),
    );
    if let Some(headers) = q.first(b"headers") {
        for item in headers.split(|&b| b == b'|').filter(|i| !i.is_empty()) {
            let colon = item
                .iter()
                .position(|&b| b == b':')
                .ok_or_else(|| Error::http(400, "headers items are name:value"))?;
            resp.append_header(&item[..colon], &item[colon + 1..]);
        }
    }
    resp.body(q.first(b"body").unwrap_or(b""));
    Ok(())
}

export_handler!(handle);
