//! The Python files of wptserve's `tests/functional/docroot`.

use wpthost_plugin_sdk::{Error, Request, Response};

/// `test_string.py`: sets `Content-Type: text/plain`, returns `"PASS"`.
pub fn test_string(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.set_header("Content-Type", "text/plain").body("PASS");
    Ok(())
}

/// `test_tuple_2.py`: returns `[("Content-Type", "text/html"), ("X-Test", "PASS")], "PASS"`.
pub fn test_tuple_2(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.append_headers([("Content-Type", "text/html"), ("X-Test", "PASS")])
        .body("PASS");
    Ok(())
}

/// `test_tuple_3.py`: returns `(202, "Giraffe"), [("Content-Type", "text/html"), ("X-Test", "PASS")], "PASS"`.
pub fn test_tuple_3(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.status_with_reason(202, "Giraffe")
        .append_headers([("Content-Type", "text/html"), ("X-Test", "PASS")])
        .body("PASS");
    Ok(())
}

/// `defaultpy/default.py` (the first `default*.py` of a directory route): `"default"`.
pub fn default_py(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.set_header("Content-Type", "text/plain")
        .body("default");
    Ok(())
}

/// `defaultpy/default.sub.py`: `"default.sub"`.
pub fn default_sub_py(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.set_header("Content-Type", "text/plain")
        .body("default.sub");
    Ok(())
}

/// `defaultsubpy/default.sub.py`: returns `"{{host}}"`, which the `sub` pipe turns into the host
/// (test_sub_default_py expects `localhost`) when the route applies it.
pub fn defaultsubpy(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.set_header("Content-Type", "text/plain")
        .body("{{host}}");
    Ok(())
}

/// `subdir/import_handler.py`: `example_module.module_function()` =
/// `[("Content-Type", "text/plain")], "PASS"`.
pub fn import_handler(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.append_header("Content-Type", "text/plain")
        .body("PASS");
    Ok(())
}

/// `no_main.py` defines `mian` only: wptserve answers 500 with this message.
pub fn no_main(req: &Request, _: &mut Response) -> Result<(), Error> {
    Err(Error::msg(format!(
        "No main function in script {}",
        String::from_utf8_lossy(req.path())
    )))
}
