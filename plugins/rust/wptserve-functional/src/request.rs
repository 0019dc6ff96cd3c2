//! test_request.py (the `InputFile` seek/readline tests are Python-specific and not ported).

use wpthost_plugin_sdk::{Error, Request, Response};

/// test_body: `return request.body`.
pub fn body(req: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.body(req.body());
    Ok(())
}

/// test_route_match: route `test/{match}_*`; `return request.route_match["match"] + " " + request.route_match["*"]`.
pub fn route_match(req: &Request, resp: &mut Response) -> Result<(), Error> {
    let m = req.route_param("match").unwrap_or("");
    let star = req.route_param("*").unwrap_or("");
    resp.body(format!("{m} {star}"));
    Ok(())
}

/// test_non_ascii_in_headers: `return request.headers[b"foo"]` (raw bytes, KeyError = 500 if absent).
pub fn non_ascii_in_headers(req: &Request, resp: &mut Response) -> Result<(), Error> {
    let v = req
        .header(b"foo")
        .ok_or_else(|| Error::msg("KeyError: b'foo'"))?;
    resp.body(v);
    Ok(())
}

/// test_non_ascii_in_GET_params: `return request.GET[b"foo"]`.
pub fn non_ascii_in_get_params(req: &Request, resp: &mut Response) -> Result<(), Error> {
    let v = req
        .query()
        .first(b"foo")
        .ok_or_else(|| Error::msg("KeyError: b'foo'"))?;
    resp.body(v);
    Ok(())
}

/// test_non_ascii_in_POST_params: `return request.POST[b"foo"]`.
pub fn non_ascii_in_post_params(req: &Request, resp: &mut Response) -> Result<(), Error> {
    let v = req
        .form()?
        .first(b"foo")
        .ok_or_else(|| Error::msg("KeyError: b'foo'"))?;
    resp.body(v);
    Ok(())
}

/// test_auth: `return request.auth.username + b" " + request.auth.password` (no credentials: the
/// Python concatenation of `None` fails, a 500).
pub fn auth(req: &Request, resp: &mut Response) -> Result<(), Error> {
    let auth = req.basic_auth()?.ok_or_else(|| {
        Error::msg("TypeError: unsupported operand type(s) for +: 'NoneType' and 'bytes'")
    })?;
    resp.body([&auth.username[..], b" ", &auth.password].concat());
    Ok(())
}
