//! A trickled response through the writer: the status line and headers, then `?chunks=` pieces
//! (default 5) of `?chunk=` (default `chunk\n`) with `?delay=` ms (default 100) between them. Each
//! sleep flushes, so the client sees every piece arrive separately. No Content-Length is sent unless
//! `&length=1`; without it the connection closes to end the body.

use wpthost_plugin_sdk::{export_handler, sleep_ms, Error, Request, Response};

fn handle(req: &Request, resp: &mut Response) -> Result<(), Error> {
    let q = req.query();
    let chunks = q.first_as::<u32>(b"chunks")?.unwrap_or(5);
    let delay = q.first_as::<u64>(b"delay")?.unwrap_or(100);
    let chunk = q.first(b"chunk").unwrap_or(b"chunk\n");
    let w = resp.writer();
    w.write_status(200, None)?;
    w.write_header("Content-Type", "text/plain")?;
    w.write_header("Cache-Control", "no-cache")?;
    if q.first(b"length") == Some(b"1") {
        let total = chunk.len() * chunks as usize;
        w.write_header("Content-Length", total.to_string())?;
    } else {
        w.close_connection();
    }
    w.end_headers()?;
    for i in 0..chunks {
        if i > 0 {
            sleep_ms(delay);
        }
        w.write_raw(chunk)?;
    }
    Ok(())
}

export_handler!(handle);
