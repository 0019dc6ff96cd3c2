//! The stash from a handler's point of view (F-SH-*).
//!
//! * `POST` with form fields `id` and `data`: `put(id, data)`, answers `OK` (wptserve's test_stash
//!   `put_take` handler, ported).
//! * `GET ?id=<uuid>&value=<v>`: the same put from a query.
//! * `GET ?id=<uuid>`: `take(id)`, answers the value or `NOT FOUND`.
//! * `GET ?id=<uuid>&action=count`: under the stash lock, take the counter, add one, put it back;
//!   answers the new count (a take-modify-put sequence that must not lose updates).
//!
//! `&path=/shared` scopes the key to that path instead of this URL's path, so two URLs can share it.
//! A stash error (bad UUID, key already set, stash full) is the handler's error: a JSON 500.

use wpthost_plugin_sdk::{export_handler, stash, Error, Request, Response};

fn handle(req: &Request, resp: &mut Response) -> Result<(), Error> {
    let q = req.query();
    let path = q.first_str(b"path");
    let path = path.as_deref();
    resp.set_header("Content-Type", "text/plain");

    if req.method() == b"POST" {
        let form = req.form()?;
        let id = form
            .first_str(b"id")
            .ok_or_else(|| Error::http(400, "missing id"))?;
        stash::put(&id, form.first(b"data").unwrap_or(b""), path)?;
        resp.body("OK");
        return Ok(());
    }

    let id = q
        .first_str(b"id")
        .ok_or_else(|| Error::http(400, "missing id"))?;
    if q.first(b"action") == Some(b"count") {
        let _guard = stash::lock()?;
        let old = match stash::take(&id, path)? {
            Some(v) => String::from_utf8_lossy(&v).parse::<u64>().unwrap_or(0),
            None => 0,
        };
        let new = (old + 1).to_string();
        stash::put(&id, new.as_bytes(), path)?;
        resp.body(new);
    } else if let Some(value) = q.first(b"value") {
        stash::put(&id, value, path)?;
        resp.body("OK");
    } else {
        match stash::take(&id, path)? {
            Some(value) => resp.body(value),
            None => resp.body("NOT FOUND"),
        };
    }
    Ok(())
}

export_handler!(handle);
