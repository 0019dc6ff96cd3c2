//! A slow response: sleep `?ms=` milliseconds (default 1000) before answering `?body=` (default
//! `slow`). The sleep is the host's delay instruction, so a thousand sleeping requests hold no threads.
//! `&header_first=1` sends the status line and headers before sleeping (a server that stalls mid-body).

use wpthost_plugin_sdk::{export_handler, sleep_ms, Error, Request, Response};

fn handle(req: &Request, resp: &mut Response) -> Result<(), Error> {
    let q = req.query();
    let ms = q.first_as::<u64>(b"ms")?.unwrap_or(1000);
    let body = q.first(b"body").unwrap_or(b"slow");
    if q.first(b"header_first") == Some(b"1") {
        let w = resp.writer();
        w.write_status(200, None)?;
        w.write_header("Content-Type", "text/plain")?;
        w.write_header("Content-Length", body.len().to_string())?;
        w.end_headers()?;
        sleep_ms(ms);
        return w.write_raw(body);
    }
    sleep_ms(ms);
    resp.set_header("Content-Type", "text/plain");
    resp.body(body);
    Ok(())
}

export_handler!(handle);
