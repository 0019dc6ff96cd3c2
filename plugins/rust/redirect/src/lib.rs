//! A redirect: `?location=<url>` (required) and `&status=` (default 302), with a one-line text body
//! naming the target (`Redirecting to <url>`). A missing location is a 400 JSON error.

use wpthost_plugin_sdk::{export_handler, Error, Request, Response};

// Written as a closure (the other plugins use a named function) so both forms of the macro stay built.
export_handler!(|req: &Request, resp: &mut Response| -> Result<(), Error> {
    let q = req.query();
    let location = q
        .first(b"location")
        .ok_or_else(|| Error::http(400, "missing location parameter"))?;
    let status = q.first_as::<u16>(b"status")?.unwrap_or(302);
    resp.status(status);
    resp.set_header("Location", location);
    resp.set_header("Content-Type", "text/plain");
    resp.body([&b"Redirecting to "[..], location, b"\n"].concat());
    Ok(())
});
