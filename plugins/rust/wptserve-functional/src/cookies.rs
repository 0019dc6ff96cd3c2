//! test_cookies.py (the registered handlers return `"Test"` after touching the cookies).

use wpthost_plugin_sdk::{Error, Request, Response, SetCookie};

/// test_name_value: `set_cookie(b"name", b"value")` -> `Set-Cookie: name=value; Path=/`.
pub fn name_value(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.set_cookie(&SetCookie::new("name", "value"))?;
    resp.body("Test");
    Ok(())
}

/// test_unset: set, then `unset_cookie(b"name")`: no Set-Cookie at all.
pub fn unset(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.set_cookie(&SetCookie::new("name", "value"))?;
    resp.unset_cookie("name");
    resp.body("Test");
    Ok(())
}

/// test_delete: `delete_cookie(b"name")` -> `name=; expires=<yesterday>; Max-Age=0; Path=/`.
pub fn delete(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.delete_cookie("name", None, None)?;
    resp.body("Test");
    Ok(())
}

/// TestRequestCookies::test_set_cookie: `return request.cookies[b"name"].value`.
pub fn request_cookie(req: &Request, resp: &mut Response) -> Result<(), Error> {
    let v = req
        .cookie(b"name")
        .ok_or_else(|| Error::msg("KeyError: b'name'"))?;
    resp.body(v);
    Ok(())
}
