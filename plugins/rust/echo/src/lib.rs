//! Echo the request back, so tests can see exactly what a handler receives.
//!
//! Default: `application/json` with every field; bytes are mapped to JSON strings one byte per
//! character (latin-1, wptserve's `isomorphic_decode`) so any byte survives the round trip.
//! `?format=text`: `text/plain`, the request line, each header line as received, a blank line, the body.
//!
//! ```text
//! {"method": "GET", "target": "/echo?a=1", "path": "/echo", "query": "a=1", "version": "HTTP/1.1",
//!  "headers": [["Host", "localhost:8000"], ...], "query_params": [["a", "1"]],
//!  "body": "", "body_length": 0, "url": "...", "scheme": "http", "client_address": "...",
//!  "route_match": {}, "url_base": "/"}
//! ```

use wpthost_plugin_sdk::{export_handler, json_string, Error, Request, Response};

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn js(bytes: &[u8]) -> String {
    json_string(&latin1(bytes))
}

fn pairs<'a>(items: impl Iterator<Item = (&'a [u8], &'a [u8])>) -> String {
    let list: Vec<String> = items
        .map(|(n, v)| format!("[{}, {}]", js(n), js(v)))
        .collect();
    format!("[{}]", list.join(", "))
}

fn as_json(req: &Request) -> String {
    let route: Vec<String> = req
        .raw()
        .route_match
        .iter()
        .map(|p| format!("{}: {}", json_string(&p.name), json_string(&p.value)))
        .collect();
    let fields = [
        ("method", js(req.method())),
        ("target", js(req.target())),
        ("path", js(req.path())),
        ("query", js(req.query_string())),
        ("version", js(req.version())),
        ("headers", pairs(req.header_lines())),
        ("query_params", pairs(req.query().iter())),
        ("body", js(req.body())),
        ("body_length", req.body().len().to_string()),
        ("url", json_string(req.url())),
        ("scheme", json_string(req.scheme())),
        ("client_address", json_string(req.client_address())),
        ("route_match", format!("{{{}}}", route.join(", "))),
        ("url_base", json_string(req.url_base())),
    ];
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}: {v}", json_string(k)))
        .collect();
    format!("{{{}}}", body.join(", "))
}

fn as_text(req: &Request) -> Vec<u8> {
    let mut out = Vec::new();
    for part in [req.method(), b" ", req.target(), b" ", req.version(), b"\n"] {
        out.extend_from_slice(part);
    }
    for (name, value) in req.header_lines() {
        out.extend_from_slice(name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(req.body());
    out
}

fn handle(req: &Request, resp: &mut Response) -> Result<(), Error> {
    if req.query().first(b"format") == Some(b"text") {
        resp.set_header("Content-Type", "text/plain");
        resp.body(as_text(req));
    } else {
        resp.set_header("Content-Type", "application/json");
        resp.body(as_json(req));
    }
    Ok(())
}

export_handler!(handle);
