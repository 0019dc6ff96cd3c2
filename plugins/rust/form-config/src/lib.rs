//! SDK helpers that the cross-language echo contract (plugins/EXAMPLES.md) leaves out, on the wire:
//!
//! * `form`: the request body parsed as wptserve's `request.POST` (urlencoded, also without a
//!   Content-Type, or multipart/form-data) as `[[name, value], ...]`, and `files`: the multipart parts
//!   that carried a filename. A body that is not a form is the handler's error (a 500, as in wptserve).
//! * `browser_host` and `http_ports` from the server configuration.
//! * `?log=<message>` writes the message to the server log at info level first.
//!
//! Bytes are latin-1 JSON strings (one character per byte), as in echo.

use wpthost_plugin_sdk::{
    config, export_handler, json_string, log, Error, Level, Request, Response,
};

fn js(bytes: &[u8]) -> String {
    json_string(&bytes.iter().map(|&b| char::from(b)).collect::<String>())
}

fn handle(req: &Request, resp: &mut Response) -> Result<(), Error> {
    if let Some(message) = req.query().first(b"log") {
        log(Level::Info, &String::from_utf8_lossy(message));
    }
    let form = req.form_full()?;
    let fields: Vec<String> = form
        .fields
        .iter()
        .map(|(n, v)| format!("[{}, {}]", js(n), js(v)))
        .collect();
    let files: Vec<String> = form
        .files
        .iter()
        .map(|f| {
            format!(
                "{{\"name\": {}, \"filename\": {}, \"content_type\": {}, \"data\": {}}}",
                js(&f.name),
                js(&f.filename),
                js(&f.content_type),
                js(&f.data)
            )
        })
        .collect();
    let ports: Vec<String> = config::ports("http").iter().map(u16::to_string).collect();
    resp.set_header("Content-Type", "application/json");
    resp.body(format!(
        "{{\"form\": [{}], \"files\": [{}], \"browser_host\": {}, \"http_ports\": [{}]}}",
        fields.join(", "),
        files.join(", "),
        json_string(&config::browser_host()),
        ports.join(", ")
    ));
    Ok(())
}

export_handler!(handle);
