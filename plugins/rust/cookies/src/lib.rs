//! Cookies both ways.
//!
//! * `?set=<name>&value=<v>` appends a `Set-Cookie` with wptserve's exact formatting (F-CK-1/2);
//!   optional `path` (default `/`; `nopath=1` for none), `domain`, `max_age` (seconds),
//!   `expires_in` (seconds from now, may be negative), `samesite`, `secure=1`, `httponly=1`, `comment`.
//! * `?delete=<name>` appends wptserve's deletion cookie (F-CK-3), with optional `path`/`domain`.
//! * The body is the request's cookies (F-RQ-10) as a JSON object, values verbatim (quotes kept).

use std::time::Duration;
use wpthost_plugin_sdk::{
    export_handler, json_string, Error, Expires, Request, Response, SetCookie,
};

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn handle(req: &Request, resp: &mut Response) -> Result<(), Error> {
    let q = req.query();
    if let Some(name) = q.first(b"set") {
        let mut c = SetCookie::new(name, q.first(b"value").unwrap_or(b""));
        if let Some(p) = q.first(b"path") {
            c = c.path(p);
        }
        if q.first(b"nopath") == Some(b"1") {
            c = c.no_path();
        }
        if let Some(d) = q.first(b"domain") {
            c = c.domain(d);
        }
        if let Some(m) = q.first_as::<i64>(b"max_age")? {
            c = c.max_age(m);
        }
        if let Some(secs) = q.first_as::<i64>(b"expires_in")? {
            let d = Duration::from_secs(secs.unsigned_abs());
            c = c.expires(if secs < 0 {
                Expires::InPast(d)
            } else {
                Expires::In(d)
            });
        }
        if let Some(s) = q.first(b"samesite") {
            c = c.same_site(s);
        }
        if let Some(cm) = q.first(b"comment") {
            c = c.comment(cm);
        }
        c = c
            .secure(q.first(b"secure") == Some(b"1"))
            .http_only(q.first(b"httponly") == Some(b"1"));
        resp.set_cookie(&c)?;
    }
    if let Some(name) = q.first(b"delete") {
        resp.delete_cookie(name, q.first(b"path"), q.first(b"domain"))?;
    }
    let items: Vec<String> = req
        .cookies()
        .iter()
        .map(|(k, v)| format!("{}: {}", json_string(&latin1(k)), json_string(&latin1(v))))
        .collect();
    resp.set_header("Content-Type", "application/json");
    resp.body(format!("{{{}}}", items.join(", ")));
    Ok(())
}

export_handler!(handle);
