//! test_server.py and test_stash.py.

use wpthost_plugin_sdk::{stash, Error, Request, Response};

/// TestRewriter::test_rewrite: `return request.request_path` (the target after rewriting).
pub fn request_path(req: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.body(req.target());
    Ok(())
}

/// TestRequestHandler::test_exception: `raise Exception`.
pub fn exception(_: &Request, _: &mut Response) -> Result<(), Error> {
    Err(Error::msg("Exception"))
}

/// TestRequestHandler::test_many_headers: every `X-ValN: N` header must arrive intact.
pub fn many_headers(req: &Request, resp: &mut Response) -> Result<(), Error> {
    let mut seen = 0;
    for (name, value) in req.header_lines() {
        let Some(n) = name.strip_prefix(b"X-Val") else {
            continue;
        };
        if n != value {
            return Err(Error::msg("AssertionError: header value mismatch"));
        }
        seen += 1;
    }
    resp.body(seen.to_string());
    Ok(())
}

/// test_stash.py put_take: POST form `id`, `data` -> `put`, `OK`; GET `?id=` -> `take` or `NOT FOUND`.
pub fn put_take(req: &Request, resp: &mut Response) -> Result<(), Error> {
    if req.method() == b"POST" {
        let form = req.form()?;
        let id = form
            .first_str(b"id")
            .ok_or_else(|| Error::msg("KeyError: b'id'"))?;
        stash::put(&id, form.first(b"data").unwrap_or(b""), None)?;
        resp.body("OK");
    } else {
        let id = req
            .query()
            .first_str(b"id")
            .ok_or_else(|| Error::msg("KeyError: b'id'"))?;
        match stash::take(&id, None)? {
            Some(v) => resp.body(v),
            None => resp.body("NOT FOUND"),
        };
    }
    Ok(())
}
